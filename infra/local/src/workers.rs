//! The stack's background work, standing in for what AWS does around the functions: the outbox
//! relay (Pipes), queue polling (event source mappings), the scheduler, TTL expiry.

use crate::schedule::Schedule;
use drop_adapters::embedded::SqliteTable;
use drop_runtime::batch::{self, BatchOutcome, Record};
use drop_runtime::function::ScheduleHandler;
use drop_runtime::Ctx;
use drop_services::events::{self, EventBus};
use drop_services::queue::JobQueue;
use drop_services::table::{Key, Query};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

pub async fn relay(ctx: Arc<Ctx>, bus: Arc<dyn EventBus>, every: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        for shard in 0..drop_domain::keys::OUTBOX_SHARDS {
            let pk = drop_domain::keys::outbox_pk(shard);
            let page = match ctx.table.query(Query::partition(&pk).limit(50)).await {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(error = %e, "relay: outbox read failed");
                    continue;
                }
            };
            let details: Vec<_> = page.items.iter().filter_map(events::detail_from_item).collect();
            if details.is_empty() {
                continue;
            }
            let batch: Vec<_> = details.iter().map(events::BusEvent::from_detail).collect();
            if let Err(e) = events::publish(bus.as_ref(), &batch, 3).await {
                tracing::warn!(error = %e, "relay: publish failed; will retry");
                continue;
            }
            // Published: the outbox items have done their job (in AWS they stay until TTL).
            for d in &details {
                let _ = ctx.table.delete(&Key::new(&pk, &d.event_id), None).await;
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub async fn poll_queue(
    ctx: Arc<Ctx>,
    queue: Arc<dyn JobQueue>,
    name: String,
    batch_size: u32,
    visibility: u32,
    function: &'static str,
    handler: drop_runtime::function::RecordHandler,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        match queue.receive(&name, batch_size, visibility).await {
            Ok(msgs) if !msgs.is_empty() => {
                let receipts: BTreeMap<String, String> =
                    msgs.iter().map(|m| (m.id.clone(), m.receipt.clone())).collect();
                let records = msgs
                    .into_iter()
                    .map(|m| Record { message_id: m.id, body: m.body, receive_count: m.receive_count })
                    .collect();
                let failed = match batch::process(ctx.clone(), function, handler, records).await {
                    BatchOutcome::Partial(f) => f,
                    BatchOutcome::AllFailed => receipts.keys().cloned().collect(),
                };
                for (id, receipt) in &receipts {
                    if !failed.contains(id) {
                        let _ = queue.delete(&name, receipt).await;
                    }
                }
                continue;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(queue = %name, error = %e, "poll failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
    }
}

pub async fn run_schedule(
    ctx: Arc<Ctx>,
    s: Schedule,
    function: &'static str,
    handler: ScheduleHandler,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let now = time::OffsetDateTime::now_utc();
        let Some(next) = s.next_after(now) else {
            return;
        };
        let wait = Duration::from_secs_f64((next - now).as_seconds_f64().max(0.0));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {
                let run = handler(ctx.clone(), serde_json::json!({"source": "local.scheduler"}));
                if let Err(e) = drop_services::aws_calls::within(function, run).await {
                    tracing::warn!(function, problem = e.slug, "scheduled run failed");
                }
            }
            _ = stop.changed() => return,
        }
    }
}

pub async fn purge(tables: Vec<SqliteTable>, mut stop: watch::Receiver<bool>) {
    loop {
        for t in &tables {
            let _ = t.purge_expired().await;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            _ = stop.changed() => return,
        }
    }
}
