//! At-least-once delivery, exactly-once effect: a consumer writes a `PROCESSED` marker for the
//! event id in the same transaction as its effect. A redelivered event finds the marker and the
//! whole transaction is a no-op.

use crate::table::{CancelReason, Condition, Item, Table, TableError, TxOp, TTL_ATTR};
use drop_domain::keys;

/// Markers outlive any redelivery (SQS keeps messages 14 days at most).
pub const MARKER_RETENTION_SECS: i64 = 30 * 24 * 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    Duplicate,
}

pub fn marker(consumer: &str, event_id: &str, now_epoch: i64) -> TxOp {
    let item = Item::new(keys::processed_pk(consumer, event_id), keys::PROCESSED_SK)
        .with(TTL_ATTR, now_epoch + MARKER_RETENTION_SECS);
    TxOp::Put { item, condition: Some(Condition::absent()) }
}

/// Applies `effect` once per (consumer, event id).
pub async fn once(
    table: &dyn Table,
    consumer: &str,
    event_id: &str,
    now_epoch: i64,
    effect: Vec<TxOp>,
) -> Result<Outcome, TableError> {
    let mut ops = Vec::with_capacity(effect.len() + 1);
    ops.push(marker(consumer, event_id, now_epoch));
    ops.extend(effect);
    match table.transact(ops).await {
        Ok(()) => Ok(Outcome::Applied),
        Err(TableError::TransactionCanceled { reasons })
            if matches!(reasons.first(), Some(Some(CancelReason::ConditionFailed { .. }))) =>
        {
            Ok(Outcome::Duplicate)
        }
        Err(e) => Err(e),
    }
}
