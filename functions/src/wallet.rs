//! The euro account: `POST /api/user/wallet` opens it (Swan's onboarding; the answer names the
//! page to finish it at), `GET /api/user/wallet` shows it (IBAN, BIC, balance, status); Swan's
//! webhook (`POST /api/webhooks/swan`, its secret compared in constant time, the transaction read
//! again) and the `wallet-reconciliation` schedule record the account's transactions.

use drop_domain::Secret;
use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::wallet::account::WalletView;
use http::StatusCode;
use std::sync::Arc;

/// A user's euro account. Money is integer minor units (euro cents).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WalletResponse {
    /// onboarding (finish it at `onboardingUrl`), active, suspended, closed
    pub status: String,
    /// Swan's onboarding page (while `onboarding`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub onboarding_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iban: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bic: Option<String>,
    pub currency: String,
    /// Booked balance (while open).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balance: Option<i64>,
    /// What can be spent: booked less pending payments out (while open).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available: Option<i64>,
}

impl From<WalletView> for WalletResponse {
    fn from(v: WalletView) -> Self {
        WalletResponse {
            status: v.status.as_str().to_owned(),
            onboarding_url: v.onboarding_url,
            iban: v.iban.map(|i| i.expose().clone()),
            bic: v.bic,
            currency: "EUR".into(),
            balance: v.booked,
            available: v.available,
        }
    }
}

#[utoipa::path(post, path = "/api/user/wallet", tag = "wallet",
    responses((status = 202, description = "Onboarding started (or still under way): finish it at onboardingUrl", body = WalletResponse),
              (status = 409, description = "The euro account is already open (wallet-exists)"),
              (status = 422, description = "Euro accounts are not offered, or the person lacks a verified identity or e-mail address (wallet-unavailable)")))]
pub async fn open(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let user = req.principal()?.user_id.clone();
    let wallets = ctx.wallets()?;
    let view = wallets.open(&user).await?;
    ApiResponse::json(StatusCode::ACCEPTED, &WalletResponse::from(view))
}

#[utoipa::path(get, path = "/api/user/wallet", tag = "wallet",
    responses((status = 200, description = "The euro account", body = WalletResponse),
              (status = 404, description = "No euro account (no-wallet)")))]
pub async fn get(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let user = req.principal()?.user_id.clone();
    let view = ctx.wallets()?.view(&user).await?;
    ApiResponse::json(StatusCode::OK, &WalletResponse::from(view))
}

/// Swan's webhook body: only these five fields; the resource is read again.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SwanEvent {
    /// `Transaction.Booked`, `Consent.Granted`, …: the part before the dot names the resource.
    pub event_type: String,
    pub event_id: String,
    pub event_date: String,
    pub project_id: String,
    pub resource_id: String,
}

#[utoipa::path(post, path = "/api/webhooks/swan", tag = "webhooks",
    request_body(content = SwanEvent, description = "Swan's event; only a hint (the transaction is read again)"),
    params(("x-swan-secret" = String, Header, description = "The subscription's shared secret")),
    responses((status = 200, description = "Accepted"),
              (status = 400, description = "Not Swan's event body"),
              (status = 401, description = "Wrong or missing x-swan-secret (invalid-secret)")))]
pub async fn webhook(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let expected = ctx.swan_webhook_secret.as_ref().ok_or(drop_runtime::config::Unwired("BankingWebhook"))?;
    let given = req.header("x-swan-secret").unwrap_or_default();
    if !secret_matches(expected, given) {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid-secret",
            "Invalid secret",
            "the webhook secret does not match",
        ));
    }
    let e: SwanEvent = req.partner_json()?;
    if e.event_id.is_empty() || e.event_id.len() > 128 || e.resource_id.len() > 128 {
        return Err(ApiError::invalid_field("eventId", "1–128 characters"));
    }
    let now = ctx.clock.epoch();
    let marker = drop_domain::keys::processed_pk("webhook-swan", &e.event_id);
    let seen = ctx.table.get(&drop_services::table::Key::new(marker, drop_domain::keys::PROCESSED_SK)).await?;
    if seen.is_some() {
        return Ok(ApiResponse::empty(StatusCode::OK));
    }
    match e.event_type.split_once('.') {
        Some(("Transaction", _)) => {
            let recorded = ctx.wallets()?.on_transaction(&e.resource_id).await?;
            tracing::info!(event = %e.event_type, outcome = ?recorded, "swan webhook");
        }
        Some(("Consent", _)) => {
            let moved = ctx.wallets()?.on_consent(&e.resource_id).await?;
            tracing::info!(event = %e.event_type, transfer = ?moved, "swan webhook");
        }
        // Onboarding and account events: the owner's next look, and reconciliation, open the
        // wallet.
        _ => tracing::info!(event = %e.event_type, "swan webhook ignored"),
    }
    drop_services::dedupe::once(ctx.table.as_ref(), "webhook-swan", &e.event_id, now, vec![]).await?;
    Ok(ApiResponse::empty(StatusCode::OK))
}

/// Constant time in the secret's length.
fn secret_matches(expected: &Secret<String>, given: &str) -> bool {
    drop_services::auth::ct_eq(expected.expose().as_bytes(), given.as_bytes())
}

async fn reconcile(ctx: Arc<Ctx>, _event: serde_json::Value) -> Result<serde_json::Value, ApiError> {
    let r = ctx.wallets()?.reconcile().await?;
    ctx.metrics.record(
        "wallet-reconciliation",
        &[
            ("WalletsExamined", f64::from(r.wallets), "Count"),
            ("WalletTransactionsRecorded", f64::from(r.recorded), "Count"),
            ("WalletErrors", f64::from(r.errors), "Count"),
        ],
    );
    Ok(
        serde_json::json!({"wallets": r.wallets, "opened": r.opened, "recorded": r.recorded, "transfers": r.transfers, "errors": r.errors}),
    )
}

pub fn reconcile_handler(
    ctx: Arc<Ctx>,
    event: serde_json::Value,
) -> futures::future::BoxFuture<'static, Result<serde_json::Value, ApiError>> {
    Box::pin(reconcile(ctx, event))
}

async fn balance_check(ctx: Arc<Ctx>, _event: serde_json::Value) -> Result<serde_json::Value, ApiError> {
    let r = ctx.wallets()?.balance_check().await?;
    for d in &r.differences {
        tracing::error!(user = %d.user_id, ledger = d.ledger, bank = d.bank, "wallet ledger differs from Swan");
    }
    ctx.metrics.record(
        "wallet-balance-check",
        &[
            ("WalletsChecked", f64::from(r.wallets), "Count"),
            ("WalletBalanceDifferences", r.differences.len() as f64, "Count"),
            ("WalletsUnchecked", f64::from(r.unchecked), "Count"),
        ],
    );
    Ok(serde_json::to_value(r).unwrap_or_default())
}

pub fn balance_check_handler(
    ctx: Arc<Ctx>,
    event: serde_json::Value,
) -> futures::future::BoxFuture<'static, Result<serde_json::Value, ApiError>> {
    Box::pin(balance_check(ctx, event))
}

crate::handler!(open_handler, open);
crate::handler!(get_handler, get);
crate::handler!(webhook_handler, webhook);
