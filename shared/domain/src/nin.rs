//! Norwegian national identity numbers (fødselsnummer, D-number, H-number, synthetic test
//! numbers): check digits under both the classic and the 2032 rule, the century table, the birth
//! date. Facts and vectors: `reference/identity.md` §2.

use time::{Date, Month};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NinKind {
    /// Fødselsnummer.
    Fnr,
    /// D-number (day + 40), issued to people not (yet) registered as residents.
    Dnr,
    /// H-number (month + 40); also NAV's synthetic "Dolly" numbers.
    Hnr,
    /// Skatteetaten/Tenor synthetic test number (month + 80).
    Synthetic,
    /// D-number with an H offset.
    DnrHnr,
    /// D-number with the synthetic offset.
    DnrSynthetic,
    /// Norsk Helsenett test number (month + 65).
    HelsenettTest,
    /// Old FH-number: first digit 8 or 9, no birth date.
    Fh,
}

impl NinKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NinKind::Fnr => "fnr",
            NinKind::Dnr => "dnr",
            NinKind::Hnr => "hnr",
            NinKind::Synthetic => "tnr",
            NinKind::DnrHnr => "dnr+hnr",
            NinKind::DnrSynthetic => "dnr+tnr",
            NinKind::HelsenettTest => "helsenett",
            NinKind::Fh => "fh",
        }
    }

    /// Synthetic numbers exist only in test registers.
    pub fn is_synthetic(self) -> bool {
        matches!(
            self,
            NinKind::Synthetic | NinKind::DnrSynthetic | NinKind::Hnr | NinKind::DnrHnr | NinKind::HelsenettTest
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NinError {
    #[error("a national identity number has 11 digits")]
    Format,
    #[error("the check digits do not match")]
    Checksum,
    #[error("the number does not hold a valid birth date")]
    Date,
    #[error("the birth date is in the future")]
    Future,
}

/// A checked national identity number. Holds the digits; never printed (see `Debug`).
#[derive(Clone, PartialEq, Eq)]
pub struct Nin {
    digits: [u8; 11],
    kind: NinKind,
    birth_date: Option<Date>,
}

impl std::fmt::Debug for Nin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Nin({}, ***)", self.kind.as_str())
    }
}

const W1: [u32; 9] = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const W2: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

/// Check digits: K2 must make the second sum 0 mod 11; K1 may leave remainder 0 (classic) or,
/// under the 2032 rule, 0..=3. Returns the K1 remainder when valid.
pub fn check_digits(d: &[u8; 11]) -> Option<u32> {
    let s1: u32 = W1.iter().zip(d).map(|(w, x)| w * u32::from(*x)).sum::<u32>() + u32::from(d[9]);
    let s2: u32 = W2.iter().zip(d).map(|(w, x)| w * u32::from(*x)).sum::<u32>() + u32::from(d[10]);
    let r1 = s1 % 11;
    (r1 <= 3 && s2 % 11 == 0).then_some(r1)
}

fn classify(d: &[u8; 11]) -> NinKind {
    match (d[0], d[2]) {
        (8..=9, _) => NinKind::Fh,
        (4..=7, 8..=9) => NinKind::DnrSynthetic,
        (4..=7, 4..=5) => NinKind::DnrHnr,
        (4..=7, _) => NinKind::Dnr,
        (_, 8..=9) => NinKind::Synthetic,
        (_, 6..=7) => NinKind::HelsenettTest,
        (_, 4..=5) => NinKind::Hnr,
        _ => NinKind::Fnr,
    }
}

/// The birth year from two digits and the individual number (§2.3), None where the table rejects.
fn century_year(yy: u32, individual: u32) -> Option<i32> {
    let c = match (individual, yy) {
        (0..=499, _) => 1900,
        (500..=749, 0..=39) => 2000,
        (500..=749, 54..=99) => 1800,
        (750..=899, 0..=39) => 2000,
        (900..=999, 0..=39) => 2000,
        (900..=999, 40..=99) => 1900,
        _ => return None,
    };
    Some(c + yy as i32)
}

impl Nin {
    /// Parses and checks a number. `today` (Europe/Oslo) rejects birth dates in the future.
    pub fn parse(input: &str, today: Date) -> Result<Nin, NinError> {
        let s: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if s.len() != 11 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NinError::Format);
        }
        let mut d = [0u8; 11];
        for (i, b) in s.bytes().enumerate() {
            d[i] = b - b'0';
        }
        check_digits(&d).ok_or(NinError::Checksum)?;
        let kind = classify(&d);
        let birth_date = if kind == NinKind::Fh { None } else { Some(Self::date_of(&d, kind)?) };
        if birth_date.is_some_and(|b| b > today) {
            return Err(NinError::Future);
        }
        Ok(Nin { digits: d, kind, birth_date })
    }

    fn date_of(d: &[u8; 11], kind: NinKind) -> Result<Date, NinError> {
        let n = |i: usize| u32::from(d[i]) * 10 + u32::from(d[i + 1]);
        let mut day = n(0);
        let mut month = n(2);
        if matches!(kind, NinKind::Dnr | NinKind::DnrHnr | NinKind::DnrSynthetic) {
            day -= 40;
        }
        match kind {
            NinKind::Hnr | NinKind::DnrHnr => month -= 40,
            NinKind::Synthetic | NinKind::DnrSynthetic => month -= 80,
            NinKind::HelsenettTest => month -= 65,
            _ => {}
        }
        let individual = u32::from(d[6]) * 100 + u32::from(d[7]) * 10 + u32::from(d[8]);
        let year = century_year(n(4), individual).ok_or(NinError::Date)?;
        let month = Month::try_from(month as u8).map_err(|_| NinError::Date)?;
        Date::from_calendar_date(year, month, day as u8).map_err(|_| NinError::Date)
    }

    pub fn kind(&self) -> NinKind {
        self.kind
    }

    pub fn birth_date(&self) -> Option<Date> {
        self.birth_date
    }

    /// The 11 digits, for encryption and the blind index. Keep the result in a `Secret`.
    pub fn digits(&self) -> String {
        self.digits.iter().map(|d| char::from(b'0' + d)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 24);

    fn ok(n: &str, kind: NinKind, born: Date) {
        let nin = Nin::parse(n, TODAY).unwrap_or_else(|e| panic!("{n}: {e}"));
        assert_eq!(nin.kind(), kind, "{n}");
        assert_eq!(nin.birth_date(), Some(born), "{n}");
        assert_eq!(nin.digits(), n);
    }

    #[test]
    fn valid_vectors_from_identity_md() {
        ok("13097248022", NinKind::Fnr, date!(1972 - 09 - 13));
        ok("29029648784", NinKind::Fnr, date!(1996 - 02 - 29));
        ok("29020075838", NinKind::Fnr, date!(2000 - 02 - 29));
        ok("15021951940", NinKind::Fnr, date!(2019 - 02 - 15));
        ok("53097248016", NinKind::Dnr, date!(1972 - 09 - 13));
        ok("13527248013", NinKind::Hnr, date!(1972 - 12 - 13));
        ok("10915596784", NinKind::Synthetic, date!(1955 - 11 - 10));
        ok("68467038838", NinKind::DnrHnr, date!(1970 - 06 - 28));
        ok("50846202355", NinKind::DnrSynthetic, date!(1962 - 04 - 10));
        ok("30108299939", NinKind::Fnr, date!(1982 - 10 - 30));
        ok("30108299920", NinKind::Fnr, date!(1982 - 10 - 30));
        ok("70108299914", NinKind::Dnr, date!(1982 - 10 - 30));
        ok("02016126007", NinKind::Fnr, date!(1961 - 01 - 02));
        ok("31129956715", NinKind::Fnr, date!(1899 - 12 - 31));
        ok("15108695088", NinKind::Fnr, date!(1986 - 10 - 15));
        ok("27034698436", NinKind::Fnr, date!(1946 - 03 - 27));
        ok("08089409382", NinKind::Fnr, date!(1994 - 08 - 08));
        ok("08089403198", NinKind::Fnr, date!(1994 - 08 - 08));
        ok("01015450068", NinKind::Fnr, date!(1854 - 01 - 01));
        ok("04015450156", NinKind::Fnr, date!(1854 - 01 - 04));
    }

    #[test]
    fn the_2032_rule_vectors() {
        // Valid only under the 2032 rule (K1 remainder 1..=3).
        for (n, rem) in [
            ("30108299939", 1),
            ("30108299947", 2),
            ("30108299955", 3),
            ("70108299922", 1),
            ("70108299949", 3),
            ("13097248057", 3),
        ] {
            let mut d = [0u8; 11];
            for (i, b) in n.bytes().enumerate() {
                d[i] = b - b'0';
            }
            assert_eq!(check_digits(&d), Some(rem), "{n}");
            assert!(Nin::parse(n, TODAY).is_ok(), "{n}");
        }
        // 2032-01-02: valid digits, but not born yet.
        assert_eq!(Nin::parse("02013299997", TODAY), Err(NinError::Future));
        assert_eq!(Nin::parse("02013299903", TODAY), Err(NinError::Future));
        assert!(Nin::parse("02013299997", date!(2032 - 01 - 02)).is_ok());
    }

    #[test]
    fn invalid_vectors() {
        for n in ["02013299987", "02013299996", "13097248032", "13097248023", "15108695077", "17029012345"] {
            assert_eq!(Nin::parse(n, TODAY), Err(NinError::Checksum), "{n}");
        }
        for n in ["29020112345", "32127248022", "13137248022"] {
            assert!(Nin::parse(n, TODAY).is_err(), "{n}");
        }
        for n in ["1234567890", "123456789101", "1234567891A", "", "1309724802x"] {
            assert_eq!(Nin::parse(n, TODAY), Err(NinError::Format), "{n}");
        }
    }

    #[test]
    fn debug_never_shows_the_digits() {
        let nin = Nin::parse("13097248022", TODAY).unwrap();
        assert_eq!(format!("{nin:?}"), "Nin(fnr, ***)");
    }
}
