//! Per-user rolling aggregates: counters in hour buckets (velocity, pass-through), day buckets
//! (everything measured in days, up to a year) and recipient-day buckets (distinct recipients).
//! A movement becomes a set of increments (`deltas`) that storage applies with atomic ADDs; the
//! rules read the buckets back. Nothing here keeps individual transfers.

use super::{Movement, Params};
use std::collections::{BTreeMap, BTreeSet};

pub const HOUR: i64 = 3_600;
pub const DAY: i64 = 86_400;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BucketKey {
    /// Hours since the epoch.
    Hour(i64),
    /// Days since the epoch (UTC).
    Day(i64),
    /// Outgoing transfers to one recipient on one day.
    Recipient { day: i64, recipient: String },
}

impl BucketKey {
    /// When storage may forget the bucket: a margin beyond the longest window that reads it.
    pub fn expires_at(&self) -> i64 {
        match self {
            BucketKey::Hour(h) => (h + 1) * HOUR + 3 * DAY,
            BucketKey::Day(d) => (d + 1) * DAY + 400 * DAY,
            BucketKey::Recipient { day, .. } => (day + 1) * DAY + 40 * DAY,
        }
    }
}

/// Counters of one bucket. Outgoing squares are in whole kroner (they stay far from i64 limits).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bucket {
    pub out_count: i64,
    pub out_sum: i64,
    pub out_sq: i64,
    pub round: i64,
    /// Outgoing transfers just below each structuring threshold.
    pub near: [i64; 2],
    pub in_count: i64,
    pub in_sum: i64,
}

impl Bucket {
    pub const FIELDS: [&'static str; 8] =
        ["out_count", "out_sum", "out_sq", "round", "near0", "near1", "in_count", "in_sum"];

    pub fn fields(&self) -> [(&'static str, i64); 8] {
        let f = Self::FIELDS;
        [
            (f[0], self.out_count),
            (f[1], self.out_sum),
            (f[2], self.out_sq),
            (f[3], self.round),
            (f[4], self.near[0]),
            (f[5], self.near[1]),
            (f[6], self.in_count),
            (f[7], self.in_sum),
        ]
    }

    /// Adds `v` to the named counter; unknown names are ignored.
    pub fn add(&mut self, field: &str, v: i64) {
        let slot = match field {
            "out_count" => &mut self.out_count,
            "out_sum" => &mut self.out_sum,
            "out_sq" => &mut self.out_sq,
            "round" => &mut self.round,
            "near0" => &mut self.near[0],
            "near1" => &mut self.near[1],
            "in_count" => &mut self.in_count,
            "in_sum" => &mut self.in_sum,
            _ => return,
        };
        *slot = slot.saturating_add(v);
    }

    fn merge(&mut self, o: &Bucket) {
        for (name, v) in o.fields() {
            self.add(name, v);
        }
    }

    fn active(&self) -> bool {
        self.out_count > 0 || self.in_count > 0
    }
}

/// Whether an amount is in the structuring band just below `threshold`.
pub fn near(amount: i64, threshold: i64, band: f64) -> bool {
    let lo = threshold - (threshold as f64 * band) as i64;
    amount >= lo && amount < threshold
}

pub fn round(amount: i64, p: &Params) -> bool {
    amount >= p.round_min && amount % p.round_multiple == 0
}

/// The increments one movement makes.
pub fn deltas(m: &Movement, p: &Params) -> Vec<(BucketKey, Bucket)> {
    let (hour, day) = (m.at.div_euclid(HOUR), m.at.div_euclid(DAY));
    if m.incoming {
        let b = Bucket { in_count: 1, in_sum: m.amount, ..Bucket::default() };
        return vec![(BucketKey::Hour(hour), b), (BucketKey::Day(day), b)];
    }
    let kroner = m.amount / 100;
    let near = p.structuring_thresholds.map(|t| i64::from(near(m.amount, t, p.structuring_band)));
    let d = Bucket {
        out_count: 1,
        out_sum: m.amount,
        out_sq: kroner.saturating_mul(kroner),
        round: i64::from(round(m.amount, p)),
        near,
        ..Bucket::default()
    };
    vec![
        (BucketKey::Hour(hour), Bucket { out_count: 1, out_sum: m.amount, ..Bucket::default() }),
        (BucketKey::Day(day), d),
        (BucketKey::Recipient { day, recipient: m.recipient.clone() }, Bucket { out_count: 1, ..Bucket::default() }),
    ]
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Aggregates {
    pub buckets: BTreeMap<BucketKey, Bucket>,
}

impl Aggregates {
    pub fn merge(&mut self, key: BucketKey, b: &Bucket) {
        self.buckets.entry(key).or_default().merge(b);
    }

    pub fn record(&mut self, m: &Movement, p: &Params) {
        for (k, b) in deltas(m, p) {
            self.merge(k, &b);
        }
    }

    /// The sum of the `n` hour buckets ending with the one holding `at`.
    pub fn hours(&self, at: i64, n: i64) -> Bucket {
        let h = at.div_euclid(HOUR);
        self.sum(BucketKey::Hour(h - n + 1)..=BucketKey::Hour(h))
    }

    /// The sum of the `n` day buckets ending with the one holding `at`.
    pub fn days(&self, at: i64, n: i64) -> Bucket {
        let d = at.div_euclid(DAY);
        self.sum(BucketKey::Day(d - n + 1)..=BucketKey::Day(d))
    }

    fn sum(&self, range: std::ops::RangeInclusive<BucketKey>) -> Bucket {
        let mut total = Bucket::default();
        for b in self.buckets.range(range).map(|(_, b)| b) {
            total.merge(b);
        }
        total
    }

    /// Distinct recipients paid in the `n` days ending with the one holding `at`.
    pub fn recipients(&self, at: i64, n: i64) -> BTreeSet<&str> {
        let d = at.div_euclid(DAY);
        self.buckets
            .keys()
            .filter_map(|k| match k {
                BucketKey::Recipient { day, recipient } if *day > d - n && *day <= d => Some(recipient.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The last day (≤ the day of `at`) with any money moving.
    pub fn last_active_day(&self, at: i64) -> Option<i64> {
        let d = at.div_euclid(DAY);
        self.buckets.range(..=BucketKey::Day(d)).rev().find_map(|(k, b)| match k {
            BucketKey::Day(x) if b.active() => Some(*x),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(at: i64, amount: i64, r: &str) -> Movement {
        Movement { at, amount, recipient: r.into(), incoming: false }
    }

    #[test]
    fn buckets_sum_by_window_and_ignore_the_future() {
        let p = Params::default();
        let t = 1_800_000_000 - 1_800_000_000 % DAY + 12 * HOUR;
        let mut a = Aggregates::default();
        a.record(&out(t - 2 * HOUR, 100_000, "a"), &p);
        a.record(&out(t - 30 * HOUR, 200_000, "b"), &p);
        a.record(&out(t + DAY, 400_000, "c"), &p);
        a.record(&Movement { at: t - HOUR, amount: 50_000, recipient: String::new(), incoming: true }, &p);
        assert_eq!(a.hours(t, 24).out_sum, 100_000);
        assert_eq!(a.hours(t, 24).in_sum, 50_000);
        assert_eq!(a.days(t, 2).out_count, 2);
        assert_eq!(a.days(t, 1).out_count, 1);
        assert_eq!(a.recipients(t, 30).into_iter().collect::<Vec<_>>(), vec!["a", "b"]);
        assert_eq!(a.last_active_day(t), Some(t / DAY));
        assert_eq!(a.days(t, 2).out_sq, 1_000 * 1_000 + 2_000 * 2_000);
    }

    #[test]
    fn deltas_mark_bands_and_round_amounts() {
        let p = Params::default();
        let d = deltas(&out(0, 1_100_000, "r"), &p);
        let day = d.iter().find(|(k, _)| matches!(k, BucketKey::Day(_))).map(|(_, b)| *b).unwrap_or_default();
        assert_eq!(day.near, [1, 0]);
        assert_eq!(day.round, 1);
        let mut b = Bucket::default();
        for (name, v) in day.fields() {
            b.add(name, v);
        }
        assert_eq!(b, day, "fields round-trip by name");
        assert!(BucketKey::Hour(10).expires_at() < BucketKey::Recipient { day: 0, recipient: "r".into() }.expires_at());
    }
}
