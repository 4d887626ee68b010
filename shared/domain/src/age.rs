//! Age in Europe/Oslo. "Today" is the date in Oslo (CET, UTC+1; CEST, UTC+2 from the last Sunday
//! of March 01:00 UTC to the last Sunday of October 01:00 UTC — the EU rule in force since 1996),
//! computed here without a time-zone database so the domain stays pure.
//!
//! 29 February rule (decision D2 in `reference/identity.md`): in a year without 29 February the
//! birthday is taken to be 1 March — the person is not a year older until then. That is what the
//! tuple comparison below gives, and it is the conservative choice for an 18+ gate.

use time::{Date, Duration, Month, OffsetDateTime, Weekday};

fn last_sunday(year: i32, month: Month) -> Option<Date> {
    let mut d = Date::from_calendar_date(year, month, month.length(year)).ok()?;
    while d.weekday() != Weekday::Sunday {
        d = d.previous_day()?;
    }
    Some(d)
}

/// The UTC offset of Oslo at an instant, in hours (1 or 2).
pub fn oslo_offset_hours(t: OffsetDateTime) -> i64 {
    let utc = t.to_offset(time::UtcOffset::UTC);
    let y = utc.year();
    let (Some(start), Some(end)) = (last_sunday(y, Month::March), last_sunday(y, Month::October)) else { return 1 };
    let start = start.midnight().assume_utc() + Duration::hours(1);
    let end = end.midnight().assume_utc() + Duration::hours(1);
    if utc >= start && utc < end {
        2
    } else {
        1
    }
}

/// The calendar date in Oslo at an instant.
pub fn oslo_date(t: OffsetDateTime) -> Date {
    (t.to_offset(time::UtcOffset::UTC) + Duration::hours(oslo_offset_hours(t))).date()
}

/// Whole years from `birth` to `today`.
pub fn age_on(birth: Date, today: Date) -> i32 {
    let before_birthday = (u8::from(today.month()), today.day()) < (u8::from(birth.month()), birth.day());
    today.year() - birth.year() - i32::from(before_birthday)
}

/// Age at an instant, counted in Oslo.
pub fn age_at(birth: Date, at: OffsetDateTime) -> i32 {
    age_on(birth, oslo_date(at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn age_vectors_from_identity_md() {
        assert_eq!(age_on(date!(2007 - 03 - 01), date!(2025 - 02 - 28)), 17);
        assert_eq!(age_on(date!(2007 - 03 - 01), date!(2025 - 03 - 01)), 18);
        assert_eq!(age_at(date!(2007 - 03 - 01), datetime!(2025-02-28 23:30 UTC)), 18);
        assert_eq!(age_on(date!(2008 - 02 - 29), date!(2026 - 02 - 28)), 17);
        assert_eq!(age_on(date!(2008 - 02 - 29), date!(2026 - 03 - 01)), 18);
        assert_eq!(age_on(date!(2008 - 02 - 29), date!(2028 - 02 - 29)), 20);
    }

    #[test]
    fn oslo_offsets_around_dst() {
        // 2026: CEST from 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert_eq!(oslo_offset_hours(datetime!(2026-03-29 00:59 UTC)), 1);
        assert_eq!(oslo_offset_hours(datetime!(2026-03-29 01:00 UTC)), 2);
        assert_eq!(oslo_offset_hours(datetime!(2026-10-25 00:59 UTC)), 2);
        assert_eq!(oslo_offset_hours(datetime!(2026-10-25 01:00 UTC)), 1);
        assert_eq!(oslo_date(datetime!(2026-06-30 22:30 UTC)), date!(2026 - 07 - 01));
        assert_eq!(oslo_date(datetime!(2026-12-31 22:59 UTC)), date!(2026 - 12 - 31));
        assert_eq!(oslo_date(datetime!(2026-12-31 23:00 UTC)), date!(2027 - 01 - 01));
    }
}
