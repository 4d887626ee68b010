//! `POST /api/merchant/payments/{id}/refund`: a member of the merchant paid refunds the payer,
//! all of the payment or part (`amount`), under an `Idempotency-Key`. The answer is the refund
//! (202: the acquirer and the payer's bank finish it; reconciliation does what they did not do
//! at once). The payer sees the refunded amount on the payment.

use drop_domain::lifecycle::merchant_refund::Status;
use drop_domain::time::rfc3339_epoch as rfc3339;
use drop_runtime::idempotent::{self, Begun, Ended};
use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::merchants::as_member;
use drop_services::remit::merchant_refund::MerchantRefund;
use drop_services::remit::payments::Completion;
use http::StatusCode;
use std::sync::Arc;

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefundRequest {
    /// NOK minor units; all that is left of the payment if left out.
    #[serde(default, deserialize_with = "drop_runtime::whole::option")]
    #[schema(minimum = 1, maximum = 2500000)]
    pub amount: Option<i64>,
}

/// A merchant's refund of a payment. Money is integer minor units.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefundView {
    pub refund_id: String,
    pub payment_id: String,
    pub amount: i64,
    pub currency: String,
    /// requested (the acquirer is asked), sending (on its way to the payer's account),
    /// refunded, failed (the acquirer refused it: nothing was refunded)
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&MerchantRefund> for RefundView {
    fn from(r: &MerchantRefund) -> Self {
        RefundView {
            refund_id: r.id.clone(),
            payment_id: r.payment_id.clone(),
            amount: r.amount,
            currency: r.currency.as_str().to_owned(),
            status: r.status.as_str().to_owned(),
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
        }
    }
}

fn body(r: &MerchantRefund) -> String {
    serde_json::to_string(&RefundView::from(r)).unwrap_or_default()
}

#[utoipa::path(post, path = "/api/merchant/payments/{id}/refund", tag = "merchants", request_body = RefundRequest,
    params(("id" = String, Path, description = "The QR payment to refund"),
           ("Idempotency-Key" = String, Header, pattern = "^[A-Za-z0-9_-]{1,64}$", description = "Required; the same key replays the first response")),
    responses((status = 202, description = "The refund, as far as it went (the rest follows)", body = RefundView),
              (status = 400, description = "No Idempotency-Key, or a body that is not valid"),
              (status = 404, description = "No such payment to a merchant you are a member of"),
              (status = 409, description = "Same key in flight; another refund of the payment at the same moment (retry); or the payment is not completed or settled (not-refundable)"),
              (status = 422, description = "Same key, different body; or more than is left of the payment (refund-exceeds-payment)")))]
pub async fn refund(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let user = req.principal()?.user_id.clone();
    let key = idempotent::key_of(&req)?;
    let b: RefundRequest = req.json()?;
    if b.amount.is_some_and(|a| !(1..=2_500_000).contains(&a)) {
        return Err(ApiError::invalid_field("amount", "1–2500000 minor units"));
    }
    let id = req.path_params.get("id").cloned().unwrap_or_default();
    // Membership of the payment's merchant, before anything is written (else: not found).
    let p = ctx.remit.qr_find(&id).await?;
    if p.kind != drop_domain::payment::Kind::Qr {
        return Err(ApiError::not_found());
    }
    let m = as_member(ctx.table.as_ref(), &user, &p.merchant_id).await?;
    let request = serde_json::json!([id, b.amount]);
    let claim = match idempotent::begin(&ctx, &user, "merchant-refund", &key, &request).await? {
        Begun::Run(claim) => claim,
        Begun::Replay(r) => return Ok(r),
    };
    let completion = Completion { record: &claim.record, hash: &claim.hash, render: &body };
    let ended = match ctx.remit.merchant_refund(&m.id, &p, b.amount, Some(completion)).await {
        Ok(r) => Ended::Done(ApiResponse::with_body(StatusCode::ACCEPTED, "application/json", body(&r).into_bytes())),
        Err(e) if idempotent::transient(&e) => Ended::Transient(e.into()),
        Err(e) => Ended::Refused(e.into()),
    };
    idempotent::finish(&ctx, &claim, &req.path, ended).await
}

/// The statuses a refund shows (for the document).
pub fn statuses() -> Vec<&'static str> {
    Status::ALL.iter().map(|s| s.as_str()).collect()
}

crate::handler!(refund_handler, refund);
