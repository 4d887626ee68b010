//! Settling QR payments to merchants: the settlement worker (SQS: `qr_payment.completed` events)
//! hands each to the acquirer; `POST /api/webhooks/nexi?payment=…` takes Nexi's charge webhook,
//! authenticated by the secret made for that payment (401 otherwise, and nothing read or
//! changed), deduplicated, and re-fetched from Nexi before anything is recorded. The daily
//! settlement report checks Nexi's payouts against the books: paid-out payments become
//! `settled`; each difference is logged (ids only) and counted (`SettlementDifferences`,
//! alarmed in the template).

use drop_domain::event::catalogue::DomainEvent;
use drop_domain::event::BusEnvelope;
use drop_runtime::batch::Record;
use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::remit::RemitError;
use futures::future::BoxFuture;
use http::StatusCode;
use std::sync::Arc;

async fn submit(ctx: Arc<Ctx>, record: Record) -> Result<(), ApiError> {
    let env: BusEnvelope =
        serde_json::from_str(&record.body).map_err(|_| ApiError::bad_request("malformed-event", "not a bus event"))?;
    let payment_id = match DomainEvent::from_detail(&env.detail) {
        Ok(DomainEvent::QrPayment { payment_id, changed }) if changed.status == "completed" => payment_id,
        _ => return Err(ApiError::bad_request("unexpected-event", "not qr_payment.completed")),
    };
    match ctx.remit.qr_submit(&payment_id).await {
        Ok(p) => {
            tracing::info!(payment = %p.id, charged = p.charge_id.is_some(), "QR settlement step");
            Ok(())
        }
        // Retrying cannot help a payment that does not exist: acknowledge and log.
        Err(RemitError::NotFound) => {
            tracing::warn!(payment = %payment_id, "settlement of an unknown QR payment ignored");
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

pub fn submit_handler(ctx: Arc<Ctx>, record: Record) -> BoxFuture<'static, Result<(), ApiError>> {
    Box::pin(submit(ctx, record))
}

/// What Drop reads of a Nexi webhook (any other fields are ignored).
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct NexiWebhook {
    /// The event's id (with `event`, what deduplicates deliveries).
    #[schema(min_length = 1, max_length = 64)]
    pub id: String,
    /// `payment.charge.created.v2` is acted on; other events are acknowledged.
    #[schema(min_length = 1, max_length = 64)]
    pub event: String,
    pub data: NexiWebhookData,
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NexiWebhookData {
    /// Nexi's payment id (32 hex digits).
    pub payment_id: String,
}

fn unauthorised() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "invalid-authorization", "Not authorised", "the webhook is not authorised")
}

#[utoipa::path(post, path = "/api/webhooks/nexi", tag = "webhooks",
    request_body(content = NexiWebhook, description = "Nexi's webhook, with the secret Drop gave Nexi for this payment as `Authorization`; only `id`, `event` and `data.paymentId` are read (the payment is re-fetched)"),
    params(("payment" = String, Query, description = "Drop's QR payment id (in the URL Drop gave Nexi)")),
    responses((status = 204, description = "Accepted"), (status = 401, description = "Not the secret of this payment")))]
pub async fn nexi(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let payment = req.query.get("payment").cloned().unwrap_or_default();
    let auth = req.header("authorization").unwrap_or_default().to_owned();
    if auth.is_empty() || auth.len() > 64 {
        return Err(unauthorised());
    }
    let hook = req.partner_json::<NexiWebhook>()?;
    if hook.id.is_empty() || hook.id.len() > 64 || hook.event.len() > 64 {
        return Err(ApiError::invalid_field("id", "1–64 characters"));
    }
    let notified =
        ctx.remit.qr_acquirer_notified(&payment, &auth, &hook.event, &hook.id, &hook.data.payment_id).await.map_err(
            |e| match e {
                RemitError::NotFound => unauthorised(),
                other => other.into(),
            },
        )?;
    tracing::info!(payment = %payment, event = %hook.event, outcome = ?notified, "nexi webhook");
    Ok(ApiResponse::empty(StatusCode::NO_CONTENT))
}

crate::handler!(nexi_handler, nexi);

async fn report(ctx: Arc<Ctx>, _event: serde_json::Value) -> Result<serde_json::Value, ApiError> {
    let r = ctx.remit.settlement_report().await?;
    for d in &r.differences {
        tracing::error!(kind = d.kind, subject = %d.subject, detail = %d.detail, "settlement report difference");
    }
    ctx.metrics.record(
        "merchant-settlement-report",
        &[
            ("SettlementPayouts", f64::from(r.payouts), "Count"),
            ("SettlementSettled", f64::from(r.settled), "Count"),
            ("SettlementDifferences", r.differences.len() as f64, "Count"),
        ],
    );
    Ok(serde_json::to_value(r).unwrap_or_default())
}

pub fn report_handler(
    ctx: Arc<Ctx>,
    event: serde_json::Value,
) -> BoxFuture<'static, Result<serde_json::Value, ApiError>> {
    Box::pin(report(ctx, event))
}
