//! EMVCo data objects: `ID` (2 digits) `LEN` (2 decimal digits) `VALUE`, nested the same way in
//! templates. `LEN` counts characters, not bytes (`reference/providers.md` §6.1).

use super::QrError;

/// One data object: its two-digit id and its value (a template's value is itself objects).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataObject {
    pub id: u8,
    pub value: String,
}

/// Splits `s` into data objects, in order. Refuses a non-numeric id or length, a length that runs
/// past the end, and an id twice at this level.
pub fn split(s: &str) -> Result<Vec<DataObject>, QrError> {
    let chars: Vec<char> = s.chars().collect();
    let mut out: Vec<DataObject> = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let head: String = chars.get(at..at + 4).ok_or(QrError::Truncated)?.iter().collect();
        if !head.bytes().all(|b| b.is_ascii_digit()) {
            return Err(QrError::NotTlv);
        }
        let id: u8 = head[..2].parse().map_err(|_| QrError::NotTlv)?;
        let len: usize = head[2..].parse().map_err(|_| QrError::NotTlv)?;
        let start = at + 4;
        let value: String = chars.get(start..start + len).ok_or(QrError::Truncated)?.iter().collect();
        if out.iter().any(|o| o.id == id) {
            return Err(QrError::Duplicate(id));
        }
        out.push(DataObject { id, value });
        at = start + len;
    }
    Ok(out)
}

/// One object as `ID LEN VALUE` (values over 99 characters cannot be written).
pub fn write(id: u8, value: &str) -> Result<String, QrError> {
    let len = value.chars().count();
    if id > 99 || len > 99 {
        return Err(QrError::TooLong);
    }
    Ok(format!("{id:02}{len:02}{value}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_by_characters_not_bytes() {
        let objs = split("0002010104最佳运输").unwrap();
        assert_eq!(objs[1], DataObject { id: 1, value: "最佳运输".into() });
        assert_eq!(write(1, "最佳运输").unwrap(), "0104最佳运输");
    }

    #[test]
    fn refuses_bad_framing() {
        assert_eq!(split("0005ab"), Err(QrError::Truncated));
        assert_eq!(split("000"), Err(QrError::Truncated));
        assert_eq!(split("0a0201"), Err(QrError::NotTlv));
        assert_eq!(split("00020100020x"), Err(QrError::Duplicate(0)));
        assert_eq!(split("").unwrap(), vec![]);
    }
}
