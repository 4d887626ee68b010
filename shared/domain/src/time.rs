//! Times are UTC, written as RFC 3339 with a `Z`, and as epoch seconds for TTL attributes.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

pub fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC).format(&Rfc3339).unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// Epoch seconds as RFC 3339 (empty for a time out of range).
pub fn rfc3339_epoch(t: i64) -> String {
    OffsetDateTime::from_unix_timestamp(t).map(rfc3339).unwrap_or_default()
}

pub fn parse_rfc3339(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc() {
        let t = OffsetDateTime::from_unix_timestamp(1_767_225_600).unwrap();
        assert_eq!(rfc3339(t), "2026-01-01T00:00:00Z");
        assert_eq!(rfc3339_epoch(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(parse_rfc3339("2026-01-01T01:00:00+01:00"), Some(t));
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}
