//! Paying a merchant by QR code: `POST /api/payment/qr/initiate` (a scan: what the code asks
//! for), `POST /api/payment/qr/confirm` (idempotent: PSD2 initiation, the bank's SCA page),
//! `GET /api/payment/qr/{id}`. The bank's return is the payments' SCA callback.

use drop_domain::lifecycle::qr_payment::Status;
use drop_domain::time::rfc3339_epoch as rfc3339;
use drop_runtime::idempotent::{self, Begun, Ended};
use drop_runtime::{cookies, ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::remit::payments::Completion;
use drop_services::remit::qr::{QrConfirmed, QrPayment};
use http::StatusCode;
use std::sync::Arc;

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QrInitiateRequest {
    /// The scanned EMVCo payload.
    #[schema(min_length = 1, max_length = 512)]
    pub payload: String,
    /// NOK minor units: required for a static code (the payer enters it); a dynamic code's own
    /// amount otherwise (if given, it must be the same).
    #[serde(default, deserialize_with = "drop_runtime::whole::option")]
    #[schema(minimum = 1, maximum = 2500000)]
    pub amount: Option<i64>,
}

/// A QR payment as the payer sees it. Money is integer minor units.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QrPaymentView {
    pub payment_id: String,
    /// qr (a merchant) or p2p (a person's payment request)
    #[serde(rename = "type")]
    pub kind: String,
    /// The merchant (none for a person's payment request).
    pub merchant_id: Option<String>,
    /// The merchant's name, or the requester's.
    pub merchant_name: String,
    pub amount: i64,
    pub currency: String,
    /// created, pending_authorisation, authorised, completed, settled, cancelled, expired, failed
    pub status: String,
    /// static or dynamic: the kind of code scanned.
    pub code_kind: String,
    /// RFC 3339, UTC: confirm before this.
    pub expires_at: String,
    pub created_at: String,
    pub updated_at: String,
    /// What the merchant has refunded of it (or is refunding).
    pub refunded_amount: i64,
    /// sent (you paid it), or received (paid to one of your payment requests)
    pub direction: String,
}

impl From<&QrPayment> for QrPaymentView {
    fn from(p: &QrPayment) -> Self {
        QrPaymentView {
            payment_id: p.id.clone(),
            kind: p.kind.as_str().to_owned(),
            merchant_id: (p.kind == drop_domain::payment::Kind::Qr).then(|| p.merchant_id.clone()),
            merchant_name: p.merchant_name.clone(),
            amount: p.amount,
            currency: p.currency.as_str().to_owned(),
            status: p.status.as_str().to_owned(),
            code_kind: p.code_kind.as_str().to_owned(),
            expires_at: rfc3339(p.expires_at),
            created_at: rfc3339(p.created_at),
            updated_at: rfc3339(p.updated_at),
            refunded_amount: p.refunded,
            direction: "sent".into(),
        }
    }
}

impl QrPaymentView {
    /// A payment to one of your payment requests, as your history shows it.
    pub fn received(p: &QrPayment) -> Self {
        QrPaymentView { direction: "received".into(), ..QrPaymentView::from(p) }
    }
}

#[utoipa::path(post, path = "/api/payment/qr/initiate", tag = "payments", request_body = QrInitiateRequest,
    responses((status = 201, description = "The code can be paid: merchant, amount and expiry, to confirm", body = QrPaymentView),
              (status = 400, description = "Not a valid code (invalid-qr: TLV, CRC, or not the code the merchant made), or an amount that is not the code's"),
              (status = 403, description = "Contacts not verified yet (onboarding-incomplete)"),
              (status = 409, description = "The code has been paid (qr-already-paid), or the merchant cannot take payments (merchant-inactive)"),
              (status = 410, description = "The code has expired (qr-expired)"),
              (status = 422, description = "Not a Drop code or no such merchant (unknown-merchant), a static code without an amount (amount-required), or over the per-payment limit")))]
pub async fn initiate(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let user = req.principal()?.user_id.clone();
    let b: QrInitiateRequest = req.json()?;
    if b.payload.is_empty() || b.payload.chars().count() > drop_domain::qr::mpm::MAX_CHARS {
        return Err(ApiError::invalid_field("payload", "1–512 characters"));
    }
    crate::user::require_active(&ctx, &user).await?;
    let p = ctx.remit.qr_initiate(&user, &b.payload, b.amount).await?;
    ApiResponse::json(StatusCode::CREATED, &QrPaymentView::from(&p))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QrConfirmRequest {
    pub payment_id: String,
    /// The linked account to pay from.
    pub account_id: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QrConfirmResponse {
    pub payment_id: String,
    pub status: String,
    /// The bank's SCA page.
    pub sca_redirect_url: String,
}

fn confirm_body(c: &QrConfirmed) -> String {
    let body = QrConfirmResponse {
        payment_id: c.payment_id.clone(),
        status: c.status.as_str().to_owned(),
        sca_redirect_url: c.sca_redirect_url.clone(),
    };
    serde_json::to_string(&body).unwrap_or_default()
}

#[utoipa::path(post, path = "/api/payment/qr/confirm", tag = "payments", request_body = QrConfirmRequest,
    params(("Idempotency-Key" = String, Header, pattern = "^[A-Za-z0-9_-]{1,64}$", description = "Required; the same key replays the first response")),
    responses((status = 200, description = "Payment initiation started; sets `__Host-drop_sca` for the SCA return", body = QrConfirmResponse),
              (status = 400, description = "No Idempotency-Key"), (status = 403, description = "Contacts not verified yet (onboarding-incomplete)"),
              (status = 404, description = "No such payment or account"),
              (status = 409, description = "Same key in flight, the payment is not `created`, the code was paid meanwhile (qr-already-paid) or the merchant cannot take payments (merchant-inactive)"),
              (status = 410, description = "The scan expired before it was confirmed (qr-expired)"),
              (status = 422, description = "Same key, different body; or a daily or monthly limit")))]
pub async fn confirm(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let user = req.principal()?.user_id.clone();
    let key = idempotent::key_of(&req)?;
    let b: QrConfirmRequest = req.json()?;
    crate::user::require_active(&ctx, &user).await?;
    let request = serde_json::json!([b.payment_id, b.account_id]);
    let cursor_key = ctx.cursor_key.as_ref().ok_or_else(ApiError::internal)?;
    let sca_flow = cookies::bind_keyed(cursor_key, cookies::SCA_FLOW, &b.payment_id, ctx.clock.epoch())
        .await
        .map_err(|_| ApiError::unavailable("the key store did not answer"))?;
    let claim = match idempotent::begin(&ctx, &user, "payment-qr-confirm", &key, &request).await? {
        Begun::Run(claim) => claim,
        Begun::Replay(mut r) => {
            if r.status.is_success() {
                r.header("set-cookie", &sca_flow);
            }
            return Ok(r);
        }
    };
    let ip = req.source_ip.clone().unwrap_or_else(|| "0.0.0.0".into());
    let completion = Completion { record: &claim.record, hash: &claim.hash, render: &confirm_body };
    let ended = match ctx.remit.qr_confirm(&user, &b.payment_id, &b.account_id, &ip, Some(completion)).await {
        Ok(confirmed) => {
            let mut r =
                ApiResponse::with_body(StatusCode::OK, "application/json", confirm_body(&confirmed).into_bytes());
            r.header("set-cookie", &sca_flow);
            Ended::Done(r)
        }
        Err(e) if idempotent::transient(&e) => Ended::Transient(e.into()),
        Err(e) => Ended::Refused(e.into()),
    };
    idempotent::finish(&ctx, &claim, &req.path, ended).await
}

#[utoipa::path(get, path = "/api/payment/qr/{id}", tag = "payments", params(("id" = String, Path, description = "QR payment id")),
    responses((status = 200, description = "The payment", body = QrPaymentView), (status = 404)))]
pub async fn get(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let id = req.path_params.get("id").cloned().unwrap_or_default();
    let p = ctx.remit.qr_get(&req.principal()?.user_id, &id).await?;
    ApiResponse::json(StatusCode::OK, &QrPaymentView::from(&p))
}

/// The statuses a QR payment shows (for the document).
pub fn statuses() -> Vec<&'static str> {
    Status::ALL.iter().map(|s| s.as_str()).collect()
}

crate::handler!(initiate_handler, initiate);
crate::handler!(confirm_handler, confirm);
crate::handler!(get_handler, get);
