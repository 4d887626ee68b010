//! Per-user limits in NOK: per payment, per day and per month (Europe/Oslo calendar). A quote
//! reserves its amount on the day and month counters in the same transaction that stores it, with
//! conditions that refuse an overdraft — however many requests race.

use crate::table::{Cmp, Condition, Key, TxOp, Update};
use drop_domain::keys::attr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub per_payment: i64,
    pub per_day: i64,
    pub per_month: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { per_payment: 2_500_000, per_day: 5_000_000, per_month: 20_000_000 }
    }
}

/// The Oslo day and month of an instant: `("2026-11-24", "2026-11")`.
pub fn periods(now: time::OffsetDateTime) -> (String, String) {
    let d = drop_domain::age::oslo_date(now);
    (d.to_string(), format!("{:04}-{:02}", d.year(), u8::from(d.month())))
}

fn counter(user_id: &str, period: &str) -> Key {
    Key::new(drop_domain::keys::user_pk(user_id), drop_domain::keys::limit_sk(period))
}

/// Reserve `amount` on both counters; the transaction fails if either would exceed its limit.
pub fn reserve(user_id: &str, amount: i64, day: &str, month: &str, l: Limits) -> Vec<TxOp> {
    let within = |max: i64| {
        Condition::NotExists(attr::RESERVED.into()).or(Condition::cmp(attr::RESERVED, Cmp::Le, max - amount))
    };
    vec![
        TxOp::Update(Update::new(counter(user_id, day)).add(attr::RESERVED, amount).when(within(l.per_day))),
        TxOp::Update(Update::new(counter(user_id, month)).add(attr::RESERVED, amount).when(within(l.per_month))),
    ]
}

/// Give a reservation back (a cancelled or failed payment).
pub fn release(user_id: &str, amount: i64, day: &str, month: &str) -> Vec<TxOp> {
    vec![
        TxOp::Update(Update::new(counter(user_id, day)).add(attr::RESERVED, -amount).when(Condition::present())),
        TxOp::Update(Update::new(counter(user_id, month)).add(attr::RESERVED, -amount).when(Condition::present())),
    ]
}
