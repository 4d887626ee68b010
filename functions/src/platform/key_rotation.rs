//! Monthly: a new access-token signing key; the previous one stays in the JWKS through its grace
//! period; keys past it are retired.

use drop_runtime::{ApiError, Ctx};
use drop_services::audit::{self, NewEntry};
use futures::future::BoxFuture;
use std::sync::Arc;

async fn rotate(ctx: Arc<Ctx>, _event: serde_json::Value) -> Result<serde_json::Value, ApiError> {
    let r = ctx.tokens()?.rotate().await?;
    tracing::info!(created = ?r.created, superseded = r.superseded.len(), retired = r.retired.len(), "signing keys rotated");
    let at = drop_domain::time::rfc3339(ctx.clock.now());
    let details = serde_json::to_value(&r).unwrap_or_default();
    let entry = NewEntry { subject: "SYSTEM", action: "signing_key.rotated", actor: "system", ip: None, details };
    audit::append(ctx.audit.as_ref(), &at, entry).await?;
    Ok(serde_json::to_value(r).unwrap_or_default())
}

pub fn handler(ctx: Arc<Ctx>, event: serde_json::Value) -> BoxFuture<'static, Result<serde_json::Value, ApiError>> {
    Box::pin(rotate(ctx, event))
}
