//! Provider webhooks. Wise: `X-Signature-SHA256` checked over the raw body before anything is
//! parsed (401 and no change when it fails). Thunes: unauthenticated hints; the transaction is
//! re-fetched and only the fetched state counts. Replays are harmless: transitions are
//! conditional on the current state.

use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::remit::ports::ProviderName;
use http::StatusCode;
use std::sync::Arc;

#[utoipa::path(post, path = "/api/webhooks/wise", tag = "webhooks",
    request_body(content = Object, content_type = "application/json", description = "Wise's `transfers#state-change` event, signed"),
    params(("X-Signature-SHA256" = String, Header, description = "RSA-SHA256 over the body, base64")),
    responses((status = 200, description = "Accepted"), (status = 401, description = "Bad signature")))]
pub async fn wise(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let sig = req.header("x-signature-sha256").unwrap_or_default();
    let key = ctx.config.wise_webhook_public_key.as_deref().ok_or(drop_runtime::config::Unwired("WiseWebhook"))?;
    if !drop_adapters::providers::wise::verify_webhook(key, &req.body, sig) {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid-signature",
            "Invalid signature",
            "the webhook signature does not verify",
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(&req.body)
        .map_err(|_| ApiError::bad_request("malformed-json", "the body is not valid JSON"))?;
    if req.header("x-test-notification") == Some("true") || v["event_type"] != "transfers#state-change" {
        return Ok(ApiResponse::empty(StatusCode::OK));
    }
    let id = v
        .pointer("/data/resource/id")
        .and_then(|x| x.as_i64())
        .ok_or_else(|| ApiError::invalid_field("data.resource.id", "missing"))?;
    let state = v.pointer("/data/current_state").and_then(|x| x.as_str()).unwrap_or("");
    let outcome = ctx
        .remit
        .payout_update(ProviderName::Wise, &id.to_string(), drop_adapters::providers::wise::payout_state(state))
        .await?;
    tracing::info!(transfer = id, state, known = outcome.is_some(), "wise webhook");
    Ok(ApiResponse::empty(StatusCode::OK))
}

/// What Drop reads of a Thunes callback (any other fields are ignored).
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ThunesCallback {
    /// Thunes' transaction id.
    #[serde(deserialize_with = "drop_runtime::whole::required")]
    pub id: i64,
}

#[utoipa::path(post, path = "/api/webhooks/thunes", tag = "webhooks",
    request_body(content = ThunesCallback, description = "Thunes' transaction callback; only `id` is read (the transaction is re-fetched)"),
    responses((status = 204, description = "Accepted; the transaction was re-fetched")))]
pub async fn thunes(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let id = req.partner_json::<ThunesCallback>()?.id;
    match ctx.remit.refresh_transfer(ProviderName::Thunes, &id.to_string()).await {
        Ok(_) => Ok(ApiResponse::empty(StatusCode::NO_CONTENT)),
        // Unknown to the provider: nothing to do (a forged or stale callback).
        Err(drop_services::remit::RemitError::BankRefused(_)) => Ok(ApiResponse::empty(StatusCode::NO_CONTENT)),
        Err(e) => Err(e.into()),
    }
}

crate::handler!(wise_handler, wise);
crate::handler!(thunes_handler, thunes);
