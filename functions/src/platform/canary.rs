//! The event-pipeline canary: a schedule sends, an SQS consumer receives.

use drop_domain::event::catalogue::DomainEvent;
use drop_domain::event::BusEnvelope;
use drop_runtime::batch::Record;
use drop_runtime::{ApiError, Ctx};
use drop_services::canary;
use futures::future::BoxFuture;
use std::sync::Arc;

async fn send(ctx: Arc<Ctx>, _event: serde_json::Value) -> Result<serde_json::Value, ApiError> {
    let event_id = canary::send(ctx.table.as_ref(), ctx.clock.as_ref()).await?;
    tracing::info!(event_id, "canary sent");
    Ok(serde_json::json!({ "eventId": event_id }))
}

pub fn send_handler(
    ctx: Arc<Ctx>,
    event: serde_json::Value,
) -> BoxFuture<'static, Result<serde_json::Value, ApiError>> {
    Box::pin(send(ctx, event))
}

async fn receive(ctx: Arc<Ctx>, record: Record) -> Result<(), ApiError> {
    let envelope: BusEnvelope = serde_json::from_str(&record.body)
        .map_err(|_| ApiError::bad_request("malformed-event", "the message is not a bus event"))?;
    if !matches!(DomainEvent::from_detail(&envelope.detail), Ok(DomainEvent::Canary(_))) {
        return Err(ApiError::bad_request("unexpected-event", "not a canary event"));
    }
    let outcome = canary::receive(ctx.table.as_ref(), ctx.clock.as_ref(), &envelope.detail).await?;
    tracing::info!(event_id = %envelope.detail.event_id, ?outcome, "canary received");
    Ok(())
}

pub fn receive_handler(ctx: Arc<Ctx>, record: Record) -> BoxFuture<'static, Result<(), ApiError>> {
    Box::pin(receive(ctx, record))
}
