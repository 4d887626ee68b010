//! The event-pipeline canary: a schedule writes a `platform.canary` event through the outbox; the
//! consumer at the far end of bus → rule → queue records its arrival. Health shows both times, so
//! operators see at a glance whether events flow in an environment.

use crate::clock::Clock;
use crate::dedupe::{self, Outcome};
use crate::events::outbox_put;
use crate::table::{Key, Table, TableError, TxOp, Update};
use drop_domain::event::catalogue::{CanarySent, DomainEvent};
use drop_domain::event::EventDetail;
use drop_domain::keys::attr;
use drop_domain::keys::{CANARY_PK, CANARY_SK};

pub use drop_domain::event::catalogue::CANARY as EVENT_TYPE;
pub const CONSUMER: &str = "canary-consumer";

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CanaryStatus {
    pub last_sent_at: Option<String>,
    pub last_received_at: Option<String>,
    pub received: i64,
}

/// Writes the canary event and the "sent" time in one transaction; returns the event id.
pub async fn send(table: &dyn Table, clock: &dyn Clock) -> Result<String, TableError> {
    let now = clock.now();
    let at = drop_domain::time::rfc3339(now);
    let event = DomainEvent::Canary(CanarySent { v: 1, sent_at: at.clone() });
    let (put, detail) = outbox_put(&event, now);
    let status = Update::new(Key::new(CANARY_PK, CANARY_SK)).set(attr::LAST_SENT_AT, at);
    table.transact(vec![TxOp::Update(status), put]).await?;
    Ok(detail.event_id)
}

/// Records the arrival of a canary event, once per event id.
pub async fn receive(table: &dyn Table, clock: &dyn Clock, detail: &EventDetail) -> Result<Outcome, TableError> {
    let at = drop_domain::time::rfc3339(clock.now());
    let status = Update::new(Key::new(CANARY_PK, CANARY_SK))
        .set(attr::LAST_RECEIVED_AT, at)
        .set("last_received_id", detail.event_id.clone())
        .add(attr::RECEIVED, 1);
    dedupe::once(table, CONSUMER, &detail.event_id, clock.epoch(), vec![TxOp::Update(status)]).await
}

pub async fn status(table: &dyn Table) -> Result<CanaryStatus, TableError> {
    let item = table.get(&Key::new(CANARY_PK, CANARY_SK)).await?;
    Ok(item
        .map(|i| CanaryStatus {
            last_sent_at: i.s(attr::LAST_SENT_AT).map(str::to_owned),
            last_received_at: i.s(attr::LAST_RECEIVED_AT).map(str::to_owned),
            received: i.n(attr::RECEIVED).unwrap_or(0),
        })
        .unwrap_or_default())
}
