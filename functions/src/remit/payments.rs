//! Payments: initiate (quote), confirm (idempotent), the bank's SCA return, get, history, cancel.

use drop_domain::payment::Kind;
use drop_runtime::idempotent::{self, Begun, Ended};
use drop_runtime::{cookies, ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::remit::history::{Entry, Filter};
use drop_services::remit::payments::{Completion, Confirmed};
use drop_services::remit::ports::Amount;
use drop_services::remit::RemitError;
use http::StatusCode;
use std::sync::Arc;

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InitiateRequest {
    pub recipient_id: String,
    /// NOK minor units the user pays in total (fee included). Give this or `targetAmount`.
    #[serde(default, deserialize_with = "drop_runtime::whole::option")]
    pub source_amount: Option<i64>,
    /// Minor units of `targetCurrency` the recipient gets.
    #[serde(default, deserialize_with = "drop_runtime::whole::option")]
    pub target_amount: Option<i64>,
    pub target_currency: String,
}

/// A payment as the API shows it. Money is integer minor units.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentResponse {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// quoted, pending_authorisation, authorised, payout_submitted, completed, failed, cancelled, refunded
    pub status: String,
    /// wise or thunes
    pub provider: String,
    /// Decimal string.
    pub rate: String,
    pub fee: i64,
    pub source_amount: i64,
    pub target_amount: i64,
    pub total_debit: i64,
    pub source_currency: String,
    pub target_currency: String,
    pub recipient_id: String,
    pub expires_at: String,
    pub created_at: String,
    pub updated_at: String,
    pub account_id: Option<String>,
    pub failure_reason: Option<String>,
}

impl From<drop_services::remit::payments::Payment> for PaymentResponse {
    fn from(p: drop_services::remit::payments::Payment) -> Self {
        PaymentResponse {
            id: p.id,
            kind: p.kind.as_str().to_owned(),
            status: p.status.as_str().to_owned(),
            provider: p.provider.as_str().to_owned(),
            rate: p.rate,
            fee: p.fee,
            source_amount: p.source_amount,
            target_amount: p.target_amount,
            total_debit: p.total_debit,
            source_currency: p.source_currency,
            target_currency: p.target_currency,
            recipient_id: p.recipient_id,
            expires_at: p.expires_at,
            created_at: p.created_at,
            updated_at: p.updated_at,
            account_id: p.account_id,
            failure_reason: p.failure_reason,
        }
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InitiateResponse {
    pub payment_id: String,
    pub provider: String,
    pub rate: String,
    pub fee: i64,
    pub source_amount: i64,
    pub target_amount: i64,
    pub total_debit: i64,
    pub target_currency: String,
    pub expires_at: String,
}

#[utoipa::path(post, path = "/api/payment/initiate", tag = "payments", request_body = InitiateRequest,
    responses((status = 201, description = "Quoted (the cheaper of Wise and Thunes); limits reserved", body = InitiateResponse),
              (status = 400), (status = 401), (status = 403, description = "Contacts not verified yet (onboarding-incomplete)"), (status = 404, description = "No such recipient"), (status = 422, description = "Over a limit (limit-exceeded), or no provider serves this amount (amount-not-served)"), (status = 503, description = "No provider answered; try again")))]
pub async fn initiate(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let user = req.principal()?.user_id.clone();
    let b: InitiateRequest = req.json()?;
    let amount = match (b.source_amount, b.target_amount) {
        (Some(s), None) if s >= 1 => Amount::Source(s),
        (None, Some(t)) if t >= 1 => Amount::Target(t),
        (Some(_), None) => return Err(ApiError::invalid_field("sourceAmount", "at least 1 minor unit")),
        (None, Some(_)) => return Err(ApiError::invalid_field("targetAmount", "at least 1 minor unit")),
        _ => return Err(ApiError::invalid_field("sourceAmount", "give exactly one of sourceAmount and targetAmount")),
    };
    let currency = drop_domain::Currency::parse(&b.target_currency)
        .map_err(|_| ApiError::invalid_field("targetCurrency", "an ISO 4217 code"))?;
    crate::user::require_active(&ctx, &user).await?;
    let p = ctx.remit.initiate(&user, &b.recipient_id, amount, currency).await?;
    let body = InitiateResponse {
        payment_id: p.id,
        provider: p.provider.as_str().into(),
        rate: p.rate,
        fee: p.fee,
        source_amount: p.source_amount,
        target_amount: p.target_amount,
        total_debit: p.total_debit,
        target_currency: p.target_currency,
        expires_at: p.expires_at,
    };
    ApiResponse::json(StatusCode::CREATED, &body)
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfirmRequest {
    pub payment_id: String,
    /// The linked account to pay from.
    pub account_id: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmResponse {
    pub payment_id: String,
    pub status: String,
    /// The bank's SCA page.
    pub sca_redirect_url: String,
}

#[utoipa::path(post, path = "/api/payment/confirm", tag = "payments", request_body = ConfirmRequest,
    params(("Idempotency-Key" = String, Header, pattern = "^[A-Za-z0-9_-]{1,64}$", description = "Required; the same key replays the first response")),
    responses((status = 200, description = "Payment initiation started; sets `__Host-drop_sca` for the SCA return", body = ConfirmResponse),
              (status = 400, description = "No Idempotency-Key"), (status = 404, description = "No such payment or account"), (status = 403, description = "Contacts not verified yet (onboarding-incomplete), or declined"), (status = 409, description = "Same key in flight, or the payment is not quoted"),
              (status = 422, description = "Same key, different body")))]
pub async fn confirm(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let user = req.principal()?.user_id.clone();
    let key = idempotent::key_of(&req)?;
    let b: ConfirmRequest = req.json()?;
    crate::user::require_active(&ctx, &user).await?;
    let request = serde_json::json!([b.payment_id, b.account_id]);
    let cursor_key = ctx.cursor_key.as_ref().ok_or_else(ApiError::internal)?;
    let sca_flow = cookies::bind_keyed(cursor_key, cookies::SCA_FLOW, &b.payment_id, ctx.clock.epoch())
        .await
        .map_err(|_| ApiError::unavailable("the key store did not answer"))?;
    let claim = match idempotent::begin(&ctx, &user, "payment-confirm", &key, &request).await? {
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
    let ended = match ctx.remit.confirm(&user, &b.payment_id, &b.account_id, &ip, Some(completion)).await {
        Ok((_, confirmed)) => {
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

/// The confirmation's answer (sent, and stored for replay in the confirmation's transaction).
fn confirm_body(c: &Confirmed) -> String {
    let body = ConfirmResponse {
        payment_id: c.payment_id.clone(),
        status: c.status.as_str().to_owned(),
        sca_redirect_url: c.sca_redirect_url.clone(),
    };
    serde_json::to_string(&body).unwrap_or_default()
}

#[utoipa::path(get, path = "/api/payment/sca-callback", tag = "payments",
    params(("payment" = String, Query, description = "Drop's payment id (a remittance's `pay_…` or a QR payment's `qrp_…`)"), ("result" = Option<String>, Query, description = "nok when the bank sends the user back on failure")),
    responses((status = 303, description = "Location is the frontend's payment page; with the status read from the bank only for the browser that confirmed (`__Host-drop_sca`)"),
              (status = 400, description = "No payment"), (status = 404)))]
pub async fn sca_callback(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let id = req.query.get("payment").ok_or_else(|| ApiError::invalid_field("payment", "payment is required"))?;
    let qr = drop_services::remit::qr::is_id(id);
    if !(qr
        || id.len() <= 64
            && id.strip_prefix("pay_").is_some_and(|u| !u.is_empty() && u.bytes().all(|b| b.is_ascii_alphanumeric())))
    {
        return Err(ApiError::not_found());
    }
    // Only the browser that confirmed the payment learns its status here; anyone else is sent on
    // without the bank being asked (reconciliation reads it).
    let key = ctx.cursor_key.as_ref().ok_or_else(ApiError::internal)?;
    let bound = cookies::is_bound_keyed(key, &req.headers, cookies::SCA_FLOW, id, ctx.clock.epoch())
        .await
        .map_err(|_| ApiError::unavailable("the key store did not answer"))?;
    if !bound {
        let mut r = ApiResponse::empty(StatusCode::SEE_OTHER);
        r.header("location", &format!("{}/payments/{id}", ctx.config.http()?.frontend_origin));
        return Ok(r);
    }
    // The redirect is only a hint: the bank's status decides.
    let read = if qr {
        ctx.remit.qr_check_bank(id).await.map(|p| p.status.as_str())
    } else {
        ctx.remit.check_bank(id).await.map(|p| p.status.as_str())
    };
    let status = match read {
        Ok(s) => s.to_owned(),
        Err(RemitError::NotFound) => return Err(ApiError::not_found()),
        Err(e) => {
            tracing::warn!(error = %e, "bank status not read at SCA return; reconciliation will");
            "pending_authorisation".to_owned()
        }
    };
    let mut r = ApiResponse::empty(StatusCode::SEE_OTHER);
    r.header("location", &format!("{}/payments/{id}?status={status}", ctx.config.http()?.frontend_origin));
    r.header("set-cookie", &cookies::unbind(cookies::SCA_FLOW));
    Ok(r)
}

#[utoipa::path(get, path = "/api/payment/{id}", tag = "payments", params(("id" = String, Path, description = "Payment id")),
    responses((status = 200, description = "The payment", body = PaymentResponse), (status = 404)))]
pub async fn get(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let id = req.path_params.get("id").cloned().unwrap_or_default();
    let p = ctx.remit.get(&req.principal()?.user_id, &id).await?;
    ApiResponse::json(StatusCode::OK, &PaymentResponse::from(p))
}

/// One payment in a history: a remittance, a QR or person-to-person payment (sent, or received
/// for one of your payment requests), or money in or out of the euro account; told apart by `type`.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum HistoryItem {
    Remittance(PaymentResponse),
    Qr(crate::qr_pay::QrPaymentView),
    Wallet(WalletHistoryView),
}

/// Money in or out of the euro account. Money is integer minor units (euro cents).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WalletHistoryView {
    /// The bank's id of the transaction.
    pub transaction_id: String,
    /// wallet
    #[serde(rename = "type")]
    pub kind: String,
    /// received (money in) or sent
    pub direction: String,
    /// Who sent it, or who it went to.
    pub counterparty_name: String,
    pub amount: i64,
    pub currency: String,
    /// pending, booked, rejected
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct HistoryResponse {
    pub items: Vec<HistoryItem>,
    /// Pass back as `cursor` for the next page.
    pub cursor: Option<String>,
}

/// The payment types history can be filtered by.
pub const KINDS: [&str; 3] = [Kind::Remittance.as_str(), Kind::Qr.as_str(), Kind::P2p.as_str()];

#[utoipa::path(get, path = "/api/payment/history", tag = "payments",
    params(("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "1–100, default 20"),
           ("cursor" = Option<String>, Query, description = "From the previous page (opaque; one this API gave out)"),
           ("status" = Option<String>, Query, description = "Only this status (a remittance's, a QR payment's or a euro account transaction's)"),
           ("type" = Option<String>, Query, description = "remittance, qr or p2p (euro account transactions show only without a type)")),
    responses((status = 200, description = "Remittances, QR payments and person-to-person payments sent and received, and euro account transactions, newest first", body = HistoryResponse)))]
pub async fn history(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let limit = req.query_in("limit", 1..=100, 20)?;
    let status = req.query.get("status").map(String::as_str);
    if status.is_some_and(|s| !drop_services::remit::history::is_status(s)) {
        return Err(ApiError::invalid_field("status", "a payment status"));
    }
    let kind = match req.query.get("type") {
        Some(k) => Some(Kind::parse(k).ok_or_else(|| ApiError::invalid_field("type", "remittance, qr or p2p"))?),
        None => None,
    };
    let user = req.principal()?.user_id.clone();
    // Cursors are sealed for this user's history: a forged, altered or borrowed one is refused.
    let key = ctx.cursor_key.as_ref().ok_or_else(ApiError::internal)?;
    let (scope, now) = (format!("history:{user}"), ctx.clock.epoch());
    let unavailable = |_| ApiError::unavailable("the key store did not answer");
    let bad_cursor = || ApiError::invalid_field("cursor", "not a cursor this API gave out");
    let cursor = match req.query.get("cursor").filter(|c| !c.is_empty()) {
        Some(c) => {
            Some(drop_services::cursors::open(key, &scope, c, now).await.map_err(unavailable)?.ok_or_else(bad_cursor)?)
        }
        None => None,
    };
    let filter = Filter { kind, status };
    let (entries, cursor) = match ctx.remit.history_page(&user, limit, cursor.as_deref(), filter).await {
        Err(RemitError::Invalid("cursor")) => return Err(bad_cursor()),
        other => other?,
    };
    let cursor = match cursor {
        Some(c) => Some(drop_services::cursors::seal(key, &scope, &c, now).await.map_err(unavailable)?),
        None => None,
    };
    let items = entries
        .into_iter()
        .map(|e| match e {
            Entry::Remittance(p) => HistoryItem::Remittance(PaymentResponse::from(p)),
            Entry::Sent(p) => HistoryItem::Qr(crate::qr_pay::QrPaymentView::from(&p)),
            Entry::Received(p) => HistoryItem::Qr(crate::qr_pay::QrPaymentView::received(&p)),
            Entry::Wallet(t, name) => HistoryItem::Wallet(WalletHistoryView {
                transaction_id: t.id.clone(),
                kind: "wallet".into(),
                direction: if t.credit { "received" } else { "sent" }.into(),
                counterparty_name: name.expose().clone(),
                amount: t.amount,
                currency: "EUR".into(),
                status: t.status.as_str().into(),
                created_at: drop_domain::time::rfc3339_epoch(t.created_at),
                updated_at: drop_domain::time::rfc3339_epoch(t.updated_at),
            }),
        })
        .collect();
    ApiResponse::json(StatusCode::OK, &HistoryResponse { items, cursor })
}

#[utoipa::path(post, path = "/api/payment/{id}/cancel", tag = "payments", params(("id" = String, Path, description = "Payment id")),
    responses((status = 200, description = "Cancelled (at the bank first, if the payment was sent there)", body = PaymentResponse),
              (status = 404), (status = 409, description = "Authorised at the bank or later: the payment goes on (or is refunded)"),
              (status = 503, description = "The bank did not answer; nothing changed")))]
pub async fn cancel(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let id = req.path_params.get("id").cloned().unwrap_or_default();
    let p = ctx.remit.cancel(&req.principal()?.user_id, &id).await?;
    ApiResponse::json(StatusCode::OK, &PaymentResponse::from(p))
}

crate::handler!(initiate_handler, initiate);
crate::handler!(confirm_handler, confirm);
crate::handler!(sca_callback_handler, sca_callback);
crate::handler!(get_handler, get);
crate::handler!(history_handler, history);
crate::handler!(cancel_handler, cancel);
