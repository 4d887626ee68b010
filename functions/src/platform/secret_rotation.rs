//! Secrets Manager's rotation steps for the secrets Drop makes itself (`ROTATED_SECRET_IDS`; the
//! template's `RotationSchedule` runs them monthly). Each step is safe to run again; a failed step
//! fails the invocation, and Secrets Manager retries and leaves the current value in place.

use drop_runtime::{ApiError, Ctx};
use drop_services::audit::{self, NewEntry};
use drop_services::secrets::rotation::{self, RotationError, RotationEvent};
use futures::future::BoxFuture;
use std::sync::Arc;

async fn rotate(ctx: Arc<Ctx>, event: serde_json::Value) -> Result<serde_json::Value, ApiError> {
    let ev: RotationEvent = serde_json::from_value(event)
        .map_err(|_| ApiError::bad_request("malformed-event", "not a Secrets Manager rotation event"))?;
    rotation::step(ctx.secrets.as_ref(), &ctx.config.rotated_secret_ids, &ev, ctx.clock.epoch()).await.map_err(
        |e| match e {
            RotationError::BadEvent(why) => ApiError::bad_request("malformed-event", why),
            RotationError::TestFailed => ApiError::unavailable("the staged secret is missing or malformed"),
            RotationError::Store(e) => ApiError::unavailable(e.to_string()),
        },
    )?;
    tracing::info!(step = %ev.step, "secret rotation step done");
    if ev.step == "finishSecret" {
        let at = drop_domain::time::rfc3339(ctx.clock.now());
        let details = serde_json::json!({"secret": ev.secret_id, "version": ev.token});
        let entry = NewEntry { subject: "SYSTEM", action: "secret.rotated", actor: "system", ip: None, details };
        audit::append(ctx.audit.as_ref(), &at, entry).await?;
    }
    Ok(serde_json::json!({"step": ev.step}))
}

pub fn handler(ctx: Arc<Ctx>, event: serde_json::Value) -> BoxFuture<'static, Result<serde_json::Value, ApiError>> {
    Box::pin(rotate(ctx, event))
}
