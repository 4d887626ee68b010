//! The payout worker (SQS: `payment.authorised` events) and the reconciliation schedule.

use drop_domain::event::catalogue::DomainEvent;
use drop_domain::event::BusEnvelope;
use drop_domain::payment::Status;
use drop_runtime::batch::Record;
use drop_runtime::{ApiError, Ctx};
use drop_services::remit::aml_checks::Monitored;
use futures::future::BoxFuture;
use std::sync::Arc;

async fn payout(ctx: Arc<Ctx>, record: Record) -> Result<(), ApiError> {
    let env: BusEnvelope =
        serde_json::from_str(&record.body).map_err(|_| ApiError::bad_request("malformed-event", "not a bus event"))?;
    let payment_id = match DomainEvent::from_detail(&env.detail) {
        Ok(DomainEvent::Payment { payment_id, changed }) if changed.status == Status::Authorised => payment_id,
        _ => return Err(ApiError::bad_request("unexpected-event", "not payment.authorised")),
    };
    match ctx.remit.payout(&payment_id).await {
        Ok(p) => {
            tracing::info!(payment = %p.id, status = p.status.as_str(), "payout step");
            Ok(())
        }
        // Retrying cannot help a payment that does not exist: acknowledge and log.
        Err(drop_services::remit::RemitError::NotFound) => {
            tracing::warn!(payment = %env.detail.aggregate_id, "payout for an unknown payment ignored");
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

pub fn payout_handler(ctx: Arc<Ctx>, record: Record) -> BoxFuture<'static, Result<(), ApiError>> {
    Box::pin(payout(ctx, record))
}

async fn monitor(ctx: Arc<Ctx>, record: Record) -> Result<(), ApiError> {
    let env: BusEnvelope =
        serde_json::from_str(&record.body).map_err(|_| ApiError::bad_request("malformed-event", "not a bus event"))?;
    let d = &env.detail;
    let at = drop_domain::time::parse_rfc3339(&d.occurred_at)
        .ok_or_else(|| ApiError::bad_request("malformed-event", "occurred_at is not RFC 3339"))?
        .unix_timestamp();
    let result = match DomainEvent::from_detail(d) {
        Ok(DomainEvent::Payment { payment_id, changed }) => {
            ctx.remit.monitor_event(&d.event_id, changed.status, &payment_id, at).await?
        }
        Ok(DomainEvent::QrPayment { payment_id, changed }) if changed.status == "completed" => {
            ctx.remit.monitor_qr_event(&d.event_id, &payment_id, at).await?
        }
        Ok(DomainEvent::WalletTx { tx_id, changed }) => {
            ctx.remit.monitor_wallet_event(&d.event_id, &tx_id, &changed, at).await?
        }
        _ => return Err(ApiError::bad_request("unexpected-event", "not a payment event of a known version")),
    };
    tracing::info!(payment = %d.aggregate_id, event = %d.event_type, result = ?result, "payment monitored");
    if let Monitored::Recorded(Some(outcome)) = result {
        let flagged = if outcome >= drop_domain::aml::Outcome::Review { 1.0 } else { 0.0 };
        ctx.metrics.record("payment-monitor", &[("AmlEvaluated", 1.0, "Count"), ("AmlFlagged", flagged, "Count")]);
    }
    Ok(())
}

pub fn monitor_handler(ctx: Arc<Ctx>, record: Record) -> BoxFuture<'static, Result<(), ApiError>> {
    Box::pin(monitor(ctx, record))
}

/// Default: payments resting 10 minutes in a non-final state are looked at.
pub const STALE_AFTER_SECS: i64 = 600;

async fn reconcile(ctx: Arc<Ctx>, event: serde_json::Value) -> Result<serde_json::Value, ApiError> {
    let stale = event.get("staleAfterSeconds").and_then(|v| v.as_i64()).unwrap_or(STALE_AFTER_SECS).max(0);
    let r = ctx.remit.reconcile(stale).await?;
    ctx.metrics.record(
        "payment-reconciliation",
        &[
            ("ReconExamined", f64::from(r.examined), "Count"),
            ("ReconCancelled", f64::from(r.cancelled), "Count"),
            ("ReconBankChecked", f64::from(r.bank_checked), "Count"),
            ("ReconPayoutsRetried", f64::from(r.payouts_retried), "Count"),
            ("ReconProvidersPolled", f64::from(r.providers_polled), "Count"),
            ("ReconErrors", f64::from(r.errors), "Count"),
        ],
    );
    Ok(serde_json::to_value(r).unwrap_or_default())
}

pub fn reconcile_handler(
    ctx: Arc<Ctx>,
    event: serde_json::Value,
) -> BoxFuture<'static, Result<serde_json::Value, ApiError>> {
    Box::pin(reconcile(ctx, event))
}

/// The ledger invariants over the whole ledger; a violation is logged with the payment ids and
/// counted (`LedgerInvariantViolations`, alarmed in the template).
async fn invariants(ctx: Arc<Ctx>, _event: serde_json::Value) -> Result<serde_json::Value, ApiError> {
    let report = ctx.remit.check_invariants().await?;
    for v in &report.violations {
        tracing::error!(rule = v.rule, subject = %v.subject, detail = %v.detail, "ledger invariant violated");
    }
    ctx.metrics.record(
        "ledger-invariants",
        &[
            ("LedgerPaymentsChecked", f64::from(report.payments), "Count"),
            ("LedgerInvariantViolations", report.violations.len() as f64, "Count"),
        ],
    );
    Ok(serde_json::to_value(report).unwrap_or_default())
}

pub fn invariants_handler(
    ctx: Arc<Ctx>,
    event: serde_json::Value,
) -> BoxFuture<'static, Result<serde_json::Value, ApiError>> {
    Box::pin(invariants(ctx, event))
}
