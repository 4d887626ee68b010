//! Exchange rates as exact decimals: a rate is an integer number of 10⁻¹⁰ units, parsed from and
//! written as a decimal string. Conversions round in favour of Drop's liquidity (down for what
//! the recipient gets, up for what the user pays).

use crate::money::Currency;

pub const SCALE: i128 = 10_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rate(pub i128);

impl Rate {
    /// `"10.123"` → Rate. At most 10 fraction digits, positive.
    pub fn parse(s: &str) -> Option<Rate> {
        let (int, frac) = s.trim().split_once('.').unwrap_or((s.trim(), ""));
        if int.is_empty() || frac.len() > 10 || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let i: i128 = int.parse().ok()?;
        let f: i128 = if frac.is_empty() { 0 } else { format!("{frac:0<10}").parse().ok()? };
        let r = i.checked_mul(SCALE)?.checked_add(f)?;
        (r > 0).then_some(Rate(r))
    }

    /// From a float a provider sent (JSON number); exact to 10 decimals.
    pub fn from_f64(x: f64) -> Option<Rate> {
        Rate::parse(&format!("{x:.10}"))
    }

    pub fn to_decimal_string(self) -> String {
        let s = format!("{}.{:010}", self.0 / SCALE, self.0 % SCALE);
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

fn pow10(n: u32) -> i128 {
    10i128.pow(n)
}

/// Target minor units for `source_minor` at `rate` (source → target), rounded down.
pub fn convert_down(source_minor: i64, from: Currency, to: Currency, rate: Rate) -> i64 {
    let num = i128::from(source_minor) * rate.0 * pow10(to.exponent());
    let den = SCALE * pow10(from.exponent());
    (num / den) as i64
}

/// Source minor units needed for `target_minor` at `rate`, rounded up.
pub fn convert_up(target_minor: i64, from: Currency, to: Currency, rate: Rate) -> i64 {
    let num = i128::from(target_minor) * SCALE * pow10(from.exponent());
    let den = rate.0 * pow10(to.exponent());
    ((num + den - 1) / den) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_print() {
        assert_eq!(Rate::parse("0.0863").unwrap().to_decimal_string(), "0.0863");
        assert_eq!(Rate::parse("11").unwrap().to_decimal_string(), "11");
        assert!(Rate::parse("-1").is_none());
        assert!(Rate::parse("0").is_none());
        assert!(Rate::parse("1.12345678901").is_none());
        assert!(Rate::parse("1e5").is_none());
        assert_eq!(Rate::from_f64(0.0863).unwrap(), Rate::parse("0.0863").unwrap());
    }

    #[test]
    fn conversions_round_for_the_house() {
        let eur = Currency::EUR;
        let r = Rate::parse("0.0863").unwrap();
        // NOK 1,500.00 → EUR 129.45 exactly.
        assert_eq!(convert_down(150_000, Currency::NOK, eur, r), 12_945);
        // NOK 1,000.01 → 86.300863 → 86.30 (down).
        assert_eq!(convert_down(100_001, Currency::NOK, eur, r), 8_630);
        // EUR 100.00 needs NOK 1158.748... → 1158.75 (up).
        assert_eq!(convert_up(10_000, Currency::NOK, eur, r), 115_875);
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(convert_down(10_000, Currency::NOK, jpy, Rate::parse("14.2").unwrap()), 1_420);
    }
}
