//! `POST /api/wallet/transfers`: euro sent on from the wallet by SEPA to a euro recipient, under
//! an `Idempotency-Key` (the answer names the provider's consent page: the user's SCA);
//! `GET /api/wallet/transfers/{id}`: the transfer, moved on by the provider's word.

use drop_domain::lifecycle::wallet_transfer::Status;
use drop_domain::time::rfc3339_epoch as rfc3339;
use drop_runtime::idempotent::{self, Begun, Ended};
use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::wallet::send::{self, SendRequest, Transfer};
use http::StatusCode;
use std::sync::Arc;

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransferRequest {
    /// A recipient in euro with an IBAN.
    #[schema(min_length = 1, max_length = 64)]
    pub recipient_id: String,
    /// Euro cents.
    #[serde(deserialize_with = "drop_runtime::whole::required")]
    #[schema(minimum = 1, maximum = 500000)]
    pub amount: i64,
}

/// A transfer out of the euro account. Money is integer minor units.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransferView {
    pub transfer_id: String,
    pub recipient_id: String,
    pub amount: i64,
    pub currency: String,
    /// requested, consent_pending (consent at consentUrl), sending, sent, failed
    pub status: String,
    /// The bank's consent page (while `consent_pending`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consent_url: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Transfer> for TransferView {
    fn from(t: &Transfer) -> Self {
        TransferView {
            transfer_id: t.id.clone(),
            recipient_id: t.recipient_id.clone(),
            amount: t.amount,
            currency: "EUR".into(),
            status: t.status.as_str().to_owned(),
            consent_url: t.consent_url.clone().filter(|_| t.status == Status::ConsentPending),
            created_at: rfc3339(t.created_at),
            updated_at: rfc3339(t.updated_at),
        }
    }
}

fn body(t: &Transfer) -> String {
    serde_json::to_string(&TransferView::from(t)).unwrap_or_default()
}

#[utoipa::path(post, path = "/api/wallet/transfers", tag = "wallet", request_body = TransferRequest,
    params(("Idempotency-Key" = String, Header, pattern = "^[A-Za-z0-9_-]{1,64}$", description = "Required; the same key replays the first response")),
    responses((status = 202, description = "The transfer: consent at consentUrl, then it is sent", body = TransferView),
              (status = 400, description = "No Idempotency-Key, or a body that is not valid"),
              (status = 403, description = "The transfer cannot be made (payment-declined)"),
              (status = 404, description = "No euro account, or no such recipient"),
              (status = 409, description = "Same key in flight; or the euro account is not open (illegal-state)"),
              (status = 422, description = "Same key, different body; a recipient not in euro (recipient-not-euro); more than the balance (insufficient-funds); over a limit (limit-exceeded)")))]
pub async fn create(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let user = req.principal()?.user_id.clone();
    let key = idempotent::key_of(&req)?;
    let b: TransferRequest = req.json()?;
    if !(1..=send::LIMITS.per_payment).contains(&b.amount) {
        return Err(ApiError::invalid_field("amount", "1–500000 euro cents"));
    }
    if b.recipient_id.is_empty() || b.recipient_id.len() > 64 {
        return Err(ApiError::invalid_field("recipientId", "1–64 characters"));
    }
    let wallets = ctx.wallets()?;
    let request = serde_json::json!([b.recipient_id, b.amount]);
    let claim = match idempotent::begin(&ctx, &user, "wallet-transfer", &key, &request).await? {
        Begun::Run(claim) => claim,
        Begun::Replay(r) => return Ok(r),
    };
    let id = send::transfer_id(&user, &key);
    let r = SendRequest { user_id: &user, recipient_id: &b.recipient_id, amount: b.amount, transfer_id: &id };
    let ended = match wallets.send(&r).await {
        Ok(t) => {
            // The answer for this key from now on (a crash before this: the lock expires, and the
            // retry finds the transfer its key made).
            let done = drop_services::idempotency::complete(&claim.record, &claim.hash, 202, &body(&t));
            ctx.table.update(done).await?;
            Ended::Done(ApiResponse::with_body(StatusCode::ACCEPTED, "application/json", body(&t).into_bytes()))
        }
        Err(e @ drop_services::wallet::WalletError::Provider(_)) => Ended::Transient(e.into()),
        Err(e @ drop_services::wallet::WalletError::Storage(_)) => Ended::Transient(e.into()),
        Err(e) => Ended::Refused(e.into()),
    };
    idempotent::finish(&ctx, &claim, &req.path, ended).await
}

#[utoipa::path(get, path = "/api/wallet/transfers/{id}", tag = "wallet",
    params(("id" = String, Path, description = "The transfer")),
    responses((status = 200, description = "The transfer", body = TransferView),
              (status = 404, description = "No such transfer of yours")))]
pub async fn get(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let user = req.principal()?.user_id.clone();
    let id = req.path_params.get("id").cloned().unwrap_or_default();
    let t = ctx.wallets()?.transfer_view(&user, &id).await?;
    ApiResponse::json(StatusCode::OK, &TransferView::from(&t))
}

crate::handler!(create_handler, create);
crate::handler!(get_handler, get);
