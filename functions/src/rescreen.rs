//! The re-screen schedule: everyone against a new sanctions/PEP list version, with progress in
//! the logs and in metrics after every page. A run stops after its time budget (or `maxPages`)
//! and the next one resumes.

use drop_runtime::{ApiError, Ctx};
use futures::future::BoxFuture;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Leaves a margin under the function's 15-minute timeout.
pub const BUDGET: Duration = Duration::from_secs(600);

async fn rescreen(ctx: Arc<Ctx>, event: serde_json::Value) -> Result<serde_json::Value, ApiError> {
    let max_pages = event.get("maxPages").and_then(|v| v.as_u64()).unwrap_or(u64::MAX);
    let deadline = Instant::now() + BUDGET;
    let mut pages = 0u64;
    let more = || {
        pages += 1;
        pages <= max_pages && Instant::now() < deadline
    };
    let report = |p: &drop_services::rescreen::Progress| {
        tracing::info!(list = %p.list, phase = %p.phase, screened = p.screened, potential = p.potential_hits,
            confirmed = p.confirmed_hits, "re-screen progress");
        ctx.metrics.record(
            "screening-rescreen",
            &[
                ("RescreenScreened", p.screened as f64, "Count"),
                ("RescreenPotentialHits", p.potential_hits as f64, "Count"),
                ("RescreenConfirmedHits", p.confirmed_hits as f64, "Count"),
            ],
        );
    };
    let screener = ctx.lists.current().await;
    let p = drop_services::rescreen::run(ctx.table.as_ref(), &ctx.crypto, &screener, ctx.clock.epoch(), more, report)
        .await?;
    Ok(serde_json::to_value(p).unwrap_or_default())
}

pub fn handler(ctx: Arc<Ctx>, event: serde_json::Value) -> BoxFuture<'static, Result<serde_json::Value, ApiError>> {
    Box::pin(rescreen(ctx, event))
}
