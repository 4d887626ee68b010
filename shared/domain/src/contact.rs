//! Phone numbers (Norwegian mobiles, E.164) and e-mail addresses: normalisation and validation.
//! Facts: `reference/identity.md` §5 (decision D9: accept `+47…`, `0047…` or 8 digits).

use regex::Regex;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    #[error("a Norwegian mobile number is 8 digits starting with 4 or 9, optionally after +47")]
    Phone,
    #[error("the e-mail address is not valid")]
    Email,
}

/// Separators people type inside a phone number: space, no-break spaces, dot and hyphen.
const SEP: &str = r"[ \u00A0\u202F.\-]*";

/// What the API accepts as a phone number, as a pattern the OpenAPI document shows: a Norwegian
/// mobile number (8 digits, the first 4 or 9), optionally after `+47` or `0047`, with separators.
pub fn phone_pattern() -> String {
    let d = |c: &str| format!("{c}{SEP}");
    format!("^{SEP}(?:(?:\\+|0{SEP}0){SEP}{four}{seven})?[49](?:{SEP}[0-9]){{7}}{SEP}$", four = d("4"), seven = d("7"),)
}

/// What the API accepts as an e-mail address, as a pattern the OpenAPI document shows: a
/// dot-atom local part, `@`, a domain of at least two labels (letters, digits, inner hyphens),
/// optionally surrounded by spaces; at most [`EMAIL_MAX`] characters in all.
pub const EMAIL_PATTERN: &str = concat!(
    r"^ *[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*",
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+ *$"
);

/// The longest e-mail address accepted (RFC 5321's path limit, surrounding spaces included).
pub const EMAIL_MAX: usize = 254;

static PHONE: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(&phone_pattern()).ok());
static EMAIL: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(EMAIL_PATTERN).ok());

/// Whether `s` matches; a pattern that did not compile matches nothing (the tests compile both).
fn matches(re: &LazyLock<Option<Regex>>, s: &str) -> bool {
    re.as_ref().is_some_and(|r| r.is_match(s))
}

/// `+47XXXXXXXX` for a number matching [`phone_pattern`] (the pattern is the whole rule, so the
/// API and its contract cannot disagree).
pub fn normalise_mobile(input: &str) -> Result<String, ContactError> {
    if !matches(&PHONE, input) {
        return Err(ContactError::Phone);
    }
    let digits: Vec<char> = input.chars().filter(char::is_ascii_digit).collect();
    let national: String = digits[digits.len().saturating_sub(8)..].iter().collect();
    Ok(format!("+47{national}"))
}

/// Trimmed and lower-cased, for an address matching [`EMAIL_PATTERN`] of at most [`EMAIL_MAX`]
/// characters (the pattern is the whole rule).
pub fn normalise_email(input: &str) -> Result<String, ContactError> {
    if input.len() > EMAIL_MAX || !matches(&EMAIL, input) {
        return Err(ContactError::Email);
    }
    Ok(input.trim_matches(' ').to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_patterns_compile() {
        assert!(PHONE.is_some() && EMAIL.is_some());
    }

    #[test]
    fn phone_vectors() {
        assert_eq!(normalise_mobile("+4791234567").unwrap(), "+4791234567");
        assert_eq!(normalise_mobile("+47 412 34 567").unwrap(), "+4741234567");
        assert_eq!(normalise_mobile("004748058567").unwrap(), "+4748058567");
        assert_eq!(normalise_mobile("91234567").unwrap(), "+4791234567");
        assert_eq!(normalise_mobile("+47\u{00A0}912\u{202F}34-567 ").unwrap(), "+4791234567");
        assert_eq!(normalise_mobile("0 0 4 7 4.1.2.3.4.5.6.7").unwrap(), "+4741234567");
        for bad in [
            "+4722123456",
            "+4780012345",
            "+479123456",
            "+46701234567",
            "22123456",
            "",
            "+47912345678",
            "9123456a",
            "4791234567",
            "00479123",
            "+4791234567\n",
            "9123\t4567",
            "٩١٢٣٤٥٦٧",
        ] {
            assert_eq!(normalise_mobile(bad), Err(ContactError::Phone), "{bad}");
        }
    }

    #[test]
    fn email_vectors() {
        assert_eq!(normalise_email(" Kari.Nordmann@Example.NO ").unwrap(), "kari.nordmann@example.no");
        assert_eq!(normalise_email("a+tag@sub.example.com").unwrap(), "a+tag@sub.example.com");
        for bad in [
            "",
            "no-at",
            "@example.no",
            "a@b",
            "a b@example.no",
            "a@@example.no",
            ".a@example.no",
            "a..b@example.no",
            "a@-x.no",
            "a@x..no",
            "a.@example.no",
            "a@example.no\n",
            "a\u{00A0}@example.no",
            "ø@example.no",
        ] {
            assert_eq!(normalise_email(bad), Err(ContactError::Email), "{bad}");
        }
    }
}
