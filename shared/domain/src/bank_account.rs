//! Bank account identifiers: Norwegian account numbers (kontonummer, MOD11) and IBANs (ISO 13616
//! MOD 97-10 with per-country lengths; Norwegian IBANs also check the embedded kontonummer).
//! Vectors: `reference/identity.md` §3–4.

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("a Norwegian account number has 11 digits with a valid check digit")]
    Kontonummer,
    #[error("the IBAN is not valid")]
    Iban,
}

const WEIGHTS: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

/// Digits only (dots and spaces allowed in the input), MOD11-checked.
pub fn kontonummer(input: &str) -> Result<String, AccountError> {
    let d: String = input.chars().filter(|c| !matches!(c, '.' | ' ')).collect();
    if d.len() != 11 || !d.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AccountError::Kontonummer);
    }
    let digits: Vec<u32> = d.bytes().map(|b| u32::from(b - b'0')).collect();
    let s: u32 = WEIGHTS.iter().zip(&digits).map(|(w, x)| w * x).sum();
    let c = (11 - s % 11) % 11;
    if c == 10 || c != digits[10] {
        return Err(AccountError::Kontonummer);
    }
    Ok(d)
}

/// IBAN lengths of the countries Drop pays to (SEPA and a few more).
fn iban_length(country: &str) -> Option<usize> {
    Some(match country {
        "NO" => 15,
        "BE" => 16,
        "DK" | "FI" | "FO" | "GL" | "NL" => 18,
        "SI" => 19,
        "AT" | "EE" | "LT" | "LU" | "XK" => 20,
        "CH" | "HR" | "LI" | "LV" => 21,
        "BG" | "DE" | "GB" | "IE" | "ME" | "RS" => 22,
        "GI" | "IL" | "TL" | "AE" => 23,
        "AD" | "CZ" | "ES" | "MD" | "PK" | "RO" | "SA" | "SE" | "SK" | "TN" | "VG" => 24,
        "PT" => 25,
        "IS" | "TR" => 26,
        "FR" | "GR" | "IT" | "MC" | "MR" | "SM" => 27,
        "AL" | "AZ" | "CY" | "DO" | "GT" | "HU" | "LB" | "PL" => 28,
        "BR" | "EG" | "PS" | "QA" | "UA" => 29,
        "JO" | "KW" | "MU" => 30,
        "MT" => 31,
        _ => return None,
    })
}

/// Compact upper-case IBAN, MOD 97 checked.
pub fn iban(input: &str) -> Result<String, AccountError> {
    let s: String = input.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    if s.len() < 5 || !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(AccountError::Iban);
    }
    let country = &s[..2];
    if iban_length(country) != Some(s.len()) || !s[2..4].bytes().all(|b| b.is_ascii_digit()) {
        return Err(AccountError::Iban);
    }
    let rearranged = format!("{}{}", &s[4..], &s[..4]);
    let mut rem: u32 = 0;
    for b in rearranged.bytes() {
        let v = if b.is_ascii_digit() { u32::from(b - b'0') } else { u32::from(b - b'A') + 10 };
        rem = if v >= 10 { (rem * 100 + v) % 97 } else { (rem * 10 + v) % 97 };
    }
    if rem != 1 {
        return Err(AccountError::Iban);
    }
    if country == "NO" {
        kontonummer(&s[4..]).map_err(|_| AccountError::Iban)?;
    }
    Ok(s)
}

/// Whether a country's accounts are addressed by IBAN.
pub fn uses_iban(country: &str) -> bool {
    iban_length(country).is_some()
}

/// The country of an IBAN.
pub fn iban_country(iban: &str) -> &str {
    iban.get(..2).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kontonummer_vectors() {
        for ok in ["86011117947", "12094355778", "90412263056", "32445395551", "8601.11.17947", "8601 11 17947"] {
            assert!(kontonummer(ok).is_ok(), "{ok}");
        }
        for bad in ["86011117949", "86011117946", "15032478612", "60821947531", "8601111794", "8601111794a"] {
            assert_eq!(kontonummer(bad), Err(AccountError::Kontonummer), "{bad}");
        }
    }

    #[test]
    fn iban_vectors() {
        for ok in [
            "NO9386011117947",
            "NO2390412263056",
            "NO1212094355778",
            "NO93 8601 1117 947",
            "DE89370400440532013000",
            "GB82WEST12345698765432",
            "PL61109010140000071219812874",
        ] {
            assert!(iban(ok).is_ok(), "{ok}");
        }
        for bad in [
            "NO9286011117947",
            "NO2386011117946",
            "DE89370400440532013001",
            "XX89370400440532013000",
            "DE8937040044053201300",
            "",
        ] {
            assert_eq!(iban(bad), Err(AccountError::Iban), "{bad}");
        }
    }
}
