//! Norwegian organisation numbers (organisasjonsnummer): nine digits, the last a modulus-11
//! check digit over the first eight with weights 3 2 7 6 5 4 3 2 (remainder 1 is never issued).

/// A well-formed organisation number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrgNumber(String);

impl OrgNumber {
    /// Accepts `923609016` and the printed `923 609 016`.
    pub fn parse(s: &str) -> Option<OrgNumber> {
        let digits: String = s.chars().filter(|c| *c != ' ').collect();
        if digits.len() != 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
        let sum: u32 = [3, 2, 7, 6, 5, 4, 3, 2].iter().zip(&d).map(|(w, x)| w * x).sum();
        let check = match 11 - sum % 11 {
            11 => 0,
            10 => return None,
            c => c,
        };
        (check == d[8] && sum > 0).then_some(OrgNumber(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digit() {
        // Brønnøysundregistrene, Equinor, DNB.
        for ok in ["974760673", "923609016", "984851006", "974 760 673"] {
            assert!(OrgNumber::parse(ok).is_some(), "{ok}");
        }
        for bad in ["974760674", "97476067", "9747606730", "97476067a", "", "000000001", "000000000"] {
            assert!(OrgNumber::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(OrgNumber::parse("974 760 673").unwrap().as_str(), "974760673");
    }
}
