//! Ids are ULIDs with a type prefix: `evt_01JC7Z2Q8K4V6M0T3R5N9XWYAB`.

use ulid::Ulid;

/// `prefix_<ULID>`.
pub fn prefixed(prefix: &str, id: Ulid) -> String {
    format!("{prefix}_{id}")
}

/// The ULID of a prefixed id, if the prefix matches.
pub fn parse_prefixed(prefix: &str, s: &str) -> Option<Ulid> {
    let rest = s.strip_prefix(prefix)?.strip_prefix('_')?;
    Ulid::from_string(rest).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects_other_prefix() {
        let u = Ulid::from_string("01JC7Z2Q8K4V6M0T3R5N9XWYAB").unwrap();
        let s = prefixed("evt", u);
        assert_eq!(s, "evt_01JC7Z2Q8K4V6M0T3R5N9XWYAB");
        assert_eq!(parse_prefixed("evt", &s), Some(u));
        assert_eq!(parse_prefixed("pay", &s), None);
        assert_eq!(parse_prefixed("evt", "evt_nope"), None);
    }
}
