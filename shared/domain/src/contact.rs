//! Phone numbers (Norwegian mobiles, E.164) and e-mail addresses: normalisation and validation.
//! Facts: `reference/identity.md` §5 (decision D9: accept `+47…`, `0047…` or 8 digits).

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    #[error("a Norwegian mobile number is 8 digits starting with 4 or 9, optionally after +47")]
    Phone,
    #[error("the e-mail address is not valid")]
    Email,
}

/// `+47XXXXXXXX` for a Norwegian mobile number (first digit 4 or 9).
pub fn normalise_mobile(input: &str) -> Result<String, ContactError> {
    let compact: String = input.chars().filter(|c| !c.is_whitespace() && *c != '-' && *c != '.').collect();
    let national = compact
        .strip_prefix("+47")
        .or_else(|| compact.strip_prefix("0047"))
        .unwrap_or(if compact.len() == 8 { &compact } else { "" });
    let ok = national.len() == 8
        && national.bytes().all(|b| b.is_ascii_digit())
        && matches!(national.as_bytes()[0], b'4' | b'9');
    if ok {
        Ok(format!("+47{national}"))
    } else {
        Err(ContactError::Phone)
    }
}

/// Trimmed and lower-cased; one `@`, a dotted domain, no spaces, at most 254 characters.
pub fn normalise_email(input: &str) -> Result<String, ContactError> {
    // Only spaces around it are forgiven; CR, LF, tabs and anything invisible are refused.
    let e = input.trim_matches(' ').to_lowercase();
    if !e.is_ascii() || e.bytes().any(|b| b.is_ascii_control()) {
        return Err(ContactError::Email);
    }
    let (local, domain) = e.split_once('@').ok_or(ContactError::Email)?;
    let labels_ok = domain.split('.').all(|l| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    let ok = e.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && !local.contains(['@', ' ', '"', '(', ')', ',', ':', ';', '<', '>', '[', ']', '\\'])
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && domain.contains('.')
        && labels_ok;
    if ok {
        Ok(e)
    } else {
        Err(ContactError::Email)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_vectors() {
        assert_eq!(normalise_mobile("+4791234567").unwrap(), "+4791234567");
        assert_eq!(normalise_mobile("+47 412 34 567").unwrap(), "+4741234567");
        assert_eq!(normalise_mobile("004748058567").unwrap(), "+4748058567");
        assert_eq!(normalise_mobile("91234567").unwrap(), "+4791234567");
        for bad in
            ["+4722123456", "+4780012345", "+479123456", "+46701234567", "22123456", "", "+47912345678", "9123456a"]
        {
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
        ] {
            assert_eq!(normalise_email(bad), Err(ContactError::Email), "{bad}");
        }
    }
}
