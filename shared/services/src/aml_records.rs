//! AML monitoring on the `Table` port: the user's rolling aggregates (one item per bucket under
//! `USER#<id>`, sort keys `AML#…`, counters changed only by atomic ADDs, each with a TTL a margin
//! beyond the longest window that reads it), and the immutable decision records.

use crate::alerts::NewAlert;
use crate::table::{Condition, Item, Key, Query, Table, TableError, TxOp, Update, TTL_ATTR};
use drop_domain::aml::{Aggregates, Bucket, BucketKey, CountryLists, Decision, Movement, Outcome, Params};
use drop_domain::keys::attr;

/// The rules' configuration: one scorecard, one set of country lists; and the reference rates
/// that value foreign-currency money in kroner (functions that count none have none).
#[derive(Clone, Default)]
pub struct Monitor {
    pub params: Params,
    pub lists: CountryLists,
    pub rates: Option<std::sync::Arc<dyn crate::fx_reference::ReferenceRates>>,
}

fn bucket_sk(k: &BucketKey) -> String {
    match k {
        BucketKey::Hour(h) => drop_domain::keys::aml_hour_sk(*h),
        BucketKey::Day(d) => drop_domain::keys::aml_day_sk(*d),
        BucketKey::Recipient { day, recipient } => drop_domain::keys::aml_recipient_sk(*day, recipient),
    }
}

fn bucket_key(sk: &str) -> Option<BucketKey> {
    let rest = sk.strip_prefix(drop_domain::keys::AML_BUCKET_PREFIX)?;
    let (kind, rest) = rest.split_once('#')?;
    match kind {
        "H" => rest.parse().ok().map(BucketKey::Hour),
        "D" => rest.parse().ok().map(BucketKey::Day),
        "R" => {
            let (day, recipient) = rest.split_once('#')?;
            Some(BucketKey::Recipient { day: day.parse().ok()?, recipient: recipient.to_owned() })
        }
        _ => None,
    }
}

/// Reads every live bucket of the user (one query; a year of buckets is a few hundred items).
pub async fn aggregates(table: &dyn Table, user_id: &str) -> Result<Aggregates, TableError> {
    let mut a = Aggregates::default();
    let mut cursor = None;
    loop {
        let q = Query::partition(drop_domain::keys::user_pk(user_id))
            .prefix(drop_domain::keys::AML_BUCKET_PREFIX)
            .limit(1000)
            .after(cursor.take());
        let page = table.query(q).await?;
        for item in &page.items {
            let Some(key) = item.s(attr::SK).and_then(bucket_key) else { continue };
            let mut b = Bucket::default();
            for name in Bucket::FIELDS {
                b.add(name, item.n(name).unwrap_or(0));
            }
            a.merge(key, &b);
        }
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(a),
        }
    }
}

/// The atomic increments one movement makes (to run in the consumer's transaction).
pub fn record(user_id: &str, m: &Movement, p: &Params) -> Vec<TxOp> {
    drop_domain::aml::aggregates::deltas(m, p)
        .into_iter()
        .map(|(key, delta)| {
            let mut u = Update::new(Key::new(drop_domain::keys::user_pk(user_id), bucket_sk(&key)));
            for (name, v) in delta.fields().into_iter().filter(|(_, v)| *v != 0) {
                u = u.add(name, v);
            }
            TxOp::Update(u.set(TTL_ATTR, key.expires_at()))
        })
        .collect()
}

/// What the screening of the payment's parties said, for the record.
#[derive(Debug, Clone)]
pub struct ScreeningNote<'a> {
    pub verdict: &'static str,
    pub dataset: &'a str,
    pub version: &'a str,
}

/// The decision as stored: scorecard, each rule's result, score, thresholds, list versions,
/// screening, outcome. Written once (`stage` is `confirm` or `monitor`).
pub fn decision_put(
    user_id: &str,
    payment_id: &str,
    stage: &str,
    d: &Decision,
    screening: &ScreeningNote<'_>,
    p: &Params,
    now: i64,
) -> TxOp {
    let item = Item::new(drop_domain::keys::user_pk(user_id), drop_domain::keys::aml_decision_sk(payment_id, stage))
        .with(attr::PAYMENT_ID, payment_id)
        .with("stage", stage)
        .with("scorecard", d.scorecard)
        .with("country_lists", d.lists.clone())
        .with(attr::SCORE, i64::from(d.score))
        .with(attr::OUTCOME, d.outcome.as_str())
        .with(
            "thresholds",
            serde_json::json!({"review": p.review_at, "block": p.block_at, "decline": p.decline_at}).to_string(),
        )
        .with("results", serde_json::to_string(&d.results).unwrap_or_default())
        .with("screening", screening.verdict)
        .with(attr::DATASET, screening.dataset)
        .with(attr::VERSION, screening.version)
        .with(attr::CREATED_AT, now);
    TxOp::Put { item, condition: Some(Condition::absent()) }
}

/// The alert for a decision at or above review.
pub fn alert<'a>(
    d: &'a Decision,
    payment_id: &'a str,
    user_id: &'a str,
    trigger: &'a str,
    screening: &ScreeningNote<'a>,
) -> Option<NewAlert<'a>> {
    (d.outcome >= Outcome::Review).then(|| NewAlert {
        kind: "aml",
        subject_type: "payment",
        subject_id: payment_id,
        user_id,
        trigger,
        outcome: d.outcome.as_str(),
        score: i64::from(d.score),
        algorithm: d.scorecard,
        dataset: screening.dataset,
        version: screening.version,
        details: serde_json::json!({"countryLists": d.lists, "screening": screening.verdict, "results": d.results}),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_keys_round_trip() {
        for k in [
            BucketKey::Hour(493_000),
            BucketKey::Day(20_500),
            BucketKey::Recipient { day: 20_500, recipient: "rcp_01H#x".into() },
        ] {
            assert_eq!(bucket_key(&bucket_sk(&k)), Some(k));
        }
        assert_eq!(bucket_key("AMLDEC#pay_1#confirm"), None);
        assert_eq!(bucket_key("AML#Q#1"), None);
    }
}
