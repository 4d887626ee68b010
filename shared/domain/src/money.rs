//! Money is integer minor units with an ISO 4217 currency. Never floats.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("currency must be three upper-case ISO 4217 letters")]
    BadCurrency,
    #[error("currencies differ: {0} and {1}")]
    CurrencyMismatch(Currency, Currency),
    #[error("amount overflow")]
    Overflow,
}

/// An ISO 4217 alphabetic code, stored as three ASCII upper-case letters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    pub const NOK: Currency = Currency(*b"NOK");
    pub const EUR: Currency = Currency(*b"EUR");
    pub const USD: Currency = Currency(*b"USD");

    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        let b = code.as_bytes();
        if b.len() != 3 || !b.iter().all(u8::is_ascii_uppercase) {
            return Err(MoneyError::BadCurrency);
        }
        Ok(Currency([b[0], b[1], b[2]]))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII upper-case letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Digits after the decimal point (ISO 4217 minor unit) for the currencies Drop handles;
    /// 2 for any other.
    pub fn exponent(&self) -> u32 {
        match &self.0 {
            b"JPY" | b"KRW" | b"ISK" | b"CLP" | b"VND" | b"XOF" | b"XAF" | b"UGX" | b"RWF" => 0,
            b"BHD" | b"KWD" | b"OMR" | b"JOD" | b"TND" | b"IQD" | b"LYD" => 3,
            _ => 2,
        }
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Currency::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.as_str())
    }
}

/// An amount in minor units (`150000` NOK = NOK 1,500.00).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(self.currency, other.currency));
        }
        let minor = self.minor.checked_add(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let exp = self.currency.exponent();
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        if exp == 0 {
            return write!(f, "{} {sign}{abs}", self.currency);
        }
        let div = 10u64.pow(exp);
        write!(f, "{} {sign}{}.{:0w$}", self.currency, abs / div, abs % div, w = exp as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_parse() {
        assert_eq!(Currency::parse("NOK").unwrap(), Currency::NOK);
        assert_eq!(Currency::parse("nok"), Err(MoneyError::BadCurrency));
        assert_eq!(Currency::parse("NO"), Err(MoneyError::BadCurrency));
        assert_eq!(Currency::parse("NOKK"), Err(MoneyError::BadCurrency));
        assert_eq!(Currency::parse("N0K"), Err(MoneyError::BadCurrency));
    }

    #[test]
    fn display_uses_minor_units() {
        assert_eq!(Money::new(150000, Currency::NOK).to_string(), "NOK 1500.00");
        assert_eq!(Money::new(-5, Currency::EUR).to_string(), "EUR -0.05");
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(Money::new(1200, jpy).to_string(), "JPY 1200");
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(Money::new(1234, kwd).to_string(), "KWD 1.234");
    }

    #[test]
    fn add_checks_currency_and_overflow() {
        let a = Money::new(100, Currency::NOK);
        assert_eq!(a.checked_add(a).unwrap().minor, 200);
        assert!(matches!(a.checked_add(Money::new(1, Currency::EUR)), Err(MoneyError::CurrencyMismatch(_, _))));
        assert_eq!(Money::new(i64::MAX, Currency::NOK).checked_add(a), Err(MoneyError::Overflow));
    }

    #[test]
    fn serde_round_trip() {
        let m = Money::new(150000, Currency::NOK);
        let j = serde_json::to_string(&m).unwrap();
        assert_eq!(j, r#"{"minor":150000,"currency":"NOK"}"#);
        assert_eq!(serde_json::from_str::<Money>(&j).unwrap(), m);
        assert!(serde_json::from_str::<Money>(r#"{"minor":1,"currency":"nok"}"#).is_err());
    }
}
