//! Alerts for compliance staff: sanctions/PEP screening hits and AML monitoring outcomes. An alert
//! records what decided it (rule results or matched list entries), the score, the algorithm or
//! scorecard and the list dataset and version — never PII of ours. Listed newest first through
//! gsi1 (`ALERTS`); users never see them (tipping-off, hvitvaskingsloven § 28).

use crate::holds;
use crate::table::{Condition, Item, Query, Table, TableError, TxOp};
use drop_domain::lifecycle::alert::{self as lifecycle, Status as AlertStatus};

#[derive(Debug, Clone)]
pub struct NewAlert<'a> {
    /// `screening` or `aml`.
    pub kind: &'a str,
    /// `user`, `recipient` or `payment`.
    pub subject_type: &'a str,
    pub subject_id: &'a str,
    /// The user the subject belongs to.
    pub user_id: &'a str,
    /// `onboarding`, `recipient`, `confirm`, `monitor` or `rescreen`.
    pub trigger: &'a str,
    /// `potential_hit`, `confirmed_hit`, `review`, `block_and_review` or `decline`.
    pub outcome: &'a str,
    /// Screening: the best match × 1000. AML: the rule score.
    pub score: i64,
    pub algorithm: &'a str,
    pub dataset: &'a str,
    pub version: &'a str,
    /// Matched list entries (screening) or rule results (AML).
    pub details: serde_json::Value,
}

pub fn new_id() -> String {
    format!("alr_{}", crate::ids::ulid())
}

fn key(alert_id: &str) -> crate::table::Key {
    crate::table::Key::new(drop_domain::keys::alert_pk(alert_id), drop_domain::keys::ALERT_SK)
}

impl NewAlert<'_> {
    /// The alert as a put that never overwrites (a deterministic id makes a rerun a no-op).
    pub fn put(&self, alert_id: &str, now: i64) -> TxOp {
        let k = key(alert_id);
        let item = crate::subject::owned_by(Item::new(k.pk, k.sk), self.user_id)
            .with("alert_id", alert_id)
            .with("kind", self.kind)
            .with("subject_type", self.subject_type)
            .with("subject_id", self.subject_id)
            .with("trigger", self.trigger)
            .with("outcome", self.outcome)
            .with("score", self.score)
            .with("algorithm", self.algorithm)
            .with("dataset", self.dataset)
            .with("version", self.version)
            .with("details", self.details.to_string())
            .with("status", AlertStatus::Open.as_str())
            .with("created_at", now)
            .with("gsi1pk", drop_domain::keys::ALERTS_GSI)
            .with("gsi1sk", alert_id);
        TxOp::Put { item, condition: Some(Condition::absent()) }
    }
}

fn view(i: &Item) -> serde_json::Value {
    let kind = i.s("kind").unwrap_or_default();
    let details = i.s("details").and_then(|e| serde_json::from_str::<serde_json::Value>(e).ok());
    let score = match (kind, i.n("score")) {
        ("screening", Some(s)) => serde_json::json!(s as f64 / 1000.0),
        (_, Some(s)) => serde_json::json!(s),
        (_, None) => serde_json::Value::Null,
    };
    let outcome = i.s("outcome").unwrap_or_default();
    let mut v = serde_json::json!({
        "id": i.s("alert_id"), "kind": kind, "subjectType": i.s("subject_type"), "subjectId": i.s("subject_id"),
        "userId": i.s("user_id"), "trigger": i.s("trigger"), "outcome": outcome, "score": score,
        "algorithm": i.s("algorithm"), "dataset": i.s("dataset"), "version": i.s("version"), "status": i.s("status"),
        "resolution": i.s("resolution"), "closedBy": i.s("closed_by"),
        "createdAt": i.n("created_at").and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok()).map(drop_domain::time::rfc3339),
    });
    if kind == "screening" {
        v["confirmed"] = serde_json::Value::Bool(outcome == "confirmed_hit");
        v["entries"] = details.unwrap_or_default();
    } else {
        v["rules"] = details.unwrap_or_default();
    }
    v
}

/// Newest first.
pub async fn list(table: &dyn Table, limit: u32) -> Result<Vec<serde_json::Value>, TableError> {
    let page = table
        .query(Query::partition(drop_domain::keys::ALERTS_GSI).on_index("gsi1").backward().limit(limit.clamp(1, 200)))
        .await?;
    Ok(page.items.iter().map(view).collect())
}

#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error("no such alert")]
    NotFound,
    #[error("the alert is already closed")]
    Closed,
    #[error("the alert or the user's hold changed meanwhile")]
    Changed,
    #[error("storage: {0}")]
    Storage(#[from] TableError),
}

pub use drop_domain::lifecycle::alert::Resolution;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Closed {
    pub alert: serde_json::Value,
    /// The user's held transfers were released (any resolution but `confirmed_risk`).
    pub hold_released: bool,
}

/// Closes an open alert; unless the risk is confirmed, releases the hold this alert put on its
/// user — in the same transaction.
pub async fn close(
    table: &dyn Table,
    alert_id: &str,
    resolution: Resolution,
    actor: &str,
    now: i64,
) -> Result<Closed, AlertError> {
    let alert = table.get(&key(alert_id)).await?.ok_or(AlertError::NotFound)?;
    let status = alert.s("status").and_then(AlertStatus::parse).unwrap_or(AlertStatus::Closed);
    let to = lifecycle::transition(status, lifecycle::Event::Close(resolution)).map_err(|_| AlertError::Closed)?;
    let closing = crate::table::Update::new(key(alert_id))
        .set("status", to.as_str())
        .set("resolution", resolution.as_str())
        .set("closed_by", actor)
        .set("closed_at", now)
        .when(Condition::eq("status", AlertStatus::Open.as_str()));
    // What the store will hold once the transaction succeeds.
    let closed = closing.apply(Some(alert.clone()))?;
    let mut ops = vec![TxOp::Update(closing)];
    let user = alert.s("user_id").unwrap_or_default();
    let held_here = match table.get(&holds::profile_key(user)).await? {
        Some(p) => holds::held_by(&p) == Some(alert_id),
        None => false,
    };
    let release = held_here && !resolution.keeps_hold();
    if release {
        ops.push(TxOp::Update(holds::release(user, alert_id)));
    }
    match table.transact(ops).await {
        Ok(()) => {}
        Err(TableError::TransactionCanceled { .. }) => return Err(AlertError::Changed),
        Err(e) => return Err(e.into()),
    }
    Ok(Closed { alert: view(&closed), hold_released: release })
}
