//! Writing audit entries from handlers. An entry that cannot be written is logged as an error
//! and counted; the request it records has already happened.

use drop_runtime::{ApiRequest, Ctx};
use drop_services::audit::{self, NewEntry};

pub async fn record(ctx: &Ctx, req: &ApiRequest, subject: &str, action: &str, actor: &str, details: serde_json::Value) {
    let at = drop_domain::time::rfc3339(ctx.clock.now());
    let entry = NewEntry { subject, action, actor, ip: req.source_ip.as_deref(), details };
    if let Err(e) = audit::append(ctx.audit.as_ref(), &at, entry).await {
        tracing::error!(action, error = %e, "audit entry not written");
        ctx.metrics.record("audit", &[("AuditWriteFailed", 1.0, "Count")]);
    }
}
