//! Events: the transactional outbox (written in the same transaction as the state change) and the
//! bus publisher (batches of at most 10, partial failures retried).

use crate::table::{Condition, Item, TxOp};
use async_trait::async_trait;
use drop_domain::event::catalogue::DomainEvent;
use drop_domain::event::{EventDetail, OUTBOX_SOURCE};
use drop_domain::keys;
use drop_domain::keys::attr;
use std::time::Duration;
use time::OffsetDateTime;

/// How long outbox items stay in the table after they were written (they are published from the
/// stream at once; this only bounds storage).
pub const OUTBOX_RETENTION_SECS: i64 = 7 * 24 * 3600;
/// EventBridge `PutEvents` takes at most this many entries.
pub const MAX_BATCH: usize = 10;

/// The outbox `Put` to add to the business transaction, and the event as it will be published.
pub fn outbox_put(event: &DomainEvent, now: OffsetDateTime) -> (TxOp, EventDetail) {
    let event_id = drop_domain::ids::prefixed("evt", crate::ids::ulid());
    let (aggregate_type, aggregate_id) = event.aggregate();
    let detail = EventDetail {
        event_id: event_id.clone(),
        event_type: event.event_type(),
        aggregate_type: aggregate_type.to_owned(),
        aggregate_id,
        occurred_at: drop_domain::time::rfc3339(now),
        payload: event.payload().to_string(),
    };
    let item = Item::new(keys::outbox_pk(keys::outbox_shard(&event_id)), event_id.clone())
        .with(attr::EVENT_ID, event_id)
        .with(attr::EVENT_TYPE, detail.event_type.clone())
        .with(attr::AGGREGATE_TYPE, detail.aggregate_type.clone())
        .with(attr::AGGREGATE_ID, detail.aggregate_id.clone())
        .with(attr::OCCURRED_AT, detail.occurred_at.clone())
        .with(attr::PAYLOAD, detail.payload.clone())
        .with(crate::table::TTL_ATTR, now.unix_timestamp() + OUTBOX_RETENTION_SECS);
    (TxOp::Put { item, condition: Some(Condition::absent()) }, detail)
}

/// Reads an outbox item back into the event it carries.
pub fn detail_from_item(item: &Item) -> Option<EventDetail> {
    Some(EventDetail {
        event_id: item.s(attr::EVENT_ID)?.to_owned(),
        event_type: item.s(attr::EVENT_TYPE)?.to_owned(),
        aggregate_type: item.s(attr::AGGREGATE_TYPE)?.to_owned(),
        aggregate_id: item.s(attr::AGGREGATE_ID)?.to_owned(),
        occurred_at: item.s(attr::OCCURRED_AT)?.to_owned(),
        payload: item.s(attr::PAYLOAD)?.to_owned(),
    })
}

/// One entry for the bus.
#[derive(Debug, Clone, PartialEq)]
pub struct BusEvent {
    pub source: String,
    pub detail_type: String,
    /// JSON.
    pub detail: String,
}

impl BusEvent {
    pub fn from_detail(d: &EventDetail) -> Self {
        BusEvent {
            source: OUTBOX_SOURCE.into(),
            detail_type: d.event_type.clone(),
            detail: serde_json::to_string(d).unwrap_or_default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("bus unavailable: {0}")]
    Unavailable(String),
    #[error("{failed} of {total} events were not accepted after retries")]
    Partial { failed: usize, total: usize },
}

#[async_trait]
pub trait EventBus: Send + Sync {
    fn kind(&self) -> &'static str;
    /// Puts at most [`MAX_BATCH`] events; returns, per entry, None if accepted or the error.
    async fn put_batch(&self, events: &[BusEvent]) -> Result<Vec<Option<String>>, BusError>;
}

/// Publishes all events in batches of at most 10, retrying the entries a batch did not accept
/// (up to `attempts` tries each, with a short backoff).
pub async fn publish(bus: &dyn EventBus, events: &[BusEvent], attempts: u32) -> Result<(), BusError> {
    let mut failed = 0;
    for chunk in events.chunks(MAX_BATCH) {
        let mut pending: Vec<BusEvent> = chunk.to_vec();
        for attempt in 1..=attempts.max(1) {
            let results = bus.put_batch(&pending).await?;
            pending = pending
                .into_iter()
                .zip(results.into_iter().chain(std::iter::repeat(Some("no result".into()))))
                .filter_map(|(e, r)| r.map(|_| e))
                .collect();
            if pending.is_empty() {
                break;
            }
            if attempt < attempts {
                tokio::time::sleep(Duration::from_millis(20 << attempt.min(6))).await;
            }
        }
        failed += pending.len();
    }
    if failed > 0 {
        return Err(BusError::Partial { failed, total: events.len() });
    }
    Ok(())
}
