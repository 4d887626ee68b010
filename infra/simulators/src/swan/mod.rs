//! Swan (BaaS, euro accounts) simulator: the subset of `reference/banking-and-notifications.md`
//! §1.10 on Swan's wire. OAuth2 (`POST /swan/oauth2/token` with both grants, `GET
//! /swan/oauth2/auth` approving at once), the partner GraphQL API (`POST
//! /swan/sandbox-partner/graphql`: onboarding, accounts, virtual IBANs, transactions, credit
//! transfers with consent and idempotency), the Testing API (`POST
//! /swan/sandbox-partner-admin/graphql`: incoming SEPA credits, outgoing booking and rejection),
//! the onboarding and consent pages (`GET /swan/onboarding/{id}`, `GET /swan/consent?consentId=`),
//! and webhooks: the 5-field body with `x-swan-secret`, retried up to 7 times, with knobs for
//! duplicates, reordering, delays and loss (`POST /swan/_sim/webhooks`).
//!
//! The GraphQL schemas are served by `async-graphql` from the types in [`schema`] and [`admin`]:
//! [`partner_sdl`] and [`admin_sdl`] export them, so Drop's documents can be checked against them.

pub mod admin;
pub mod operations;
mod pages;
pub mod schema;
mod state;
mod webhooks;

use crate::common::{Fault, SetFault};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::json;
pub use state::Swan;
pub use webhooks::WebhookKnobs;

pub const CLIENT_ID: &str = "SANDBOX_drop-sim";
pub const CLIENT_SECRET: &str = "swan-sim-client-secret";
/// The secret sent as `x-swan-secret` on webhooks (Drop's subscription's).
pub const WEBHOOK_SECRET: &str = "8d2c5b1e-4f7a-4c1e-9a3b-2e6f0d9c7a15";
pub const PROJECT_ID: &str = "drop-sim-project";

pub fn start(api_base: &str) -> Router {
    let swan = Swan::new(format!("{api_base}/api/webhooks/swan"));
    router(swan)
}

pub fn router(swan: Swan) -> Router {
    Router::new()
        .route("/swan/oauth2/token", post(token))
        .route("/swan/oauth2/auth", get(pages::authorize))
        .route("/swan/sandbox-partner/graphql", post(partner))
        .route("/swan/sandbox-partner-admin/graphql", post(admin_graphql))
        .route("/swan/onboarding/{id}", get(pages::onboarding))
        .route("/swan/consent", get(pages::consent))
        .route("/swan/_sim/consent", post(pages::set_consent_answer))
        .route("/swan/_sim/payments", get(pages::payments))
        .route("/swan/_sim/webhooks", post(webhooks::set_knobs).get(webhooks::delivered))
        .route("/swan/_sim/fault", post(set_fault))
        .with_state(swan)
}

/// The partner API's schema in SDL.
pub fn partner_sdl() -> String {
    operations::build(Swan::new(String::new())).sdl()
}

/// The Testing API's schema in SDL.
pub fn admin_sdl() -> String {
    admin::build(Swan::new(String::new())).sdl()
}

#[derive(serde::Deserialize)]
struct TokenForm {
    grant_type: String,
    client_id: Option<String>,
    client_secret: Option<String>,
    code: Option<String>,
}

async fn token(State(s): State<Swan>, Form(f): Form<TokenForm>) -> Response {
    if let Some(r) = s.faults.apply().await {
        return r;
    }
    if f.client_id.as_deref() != Some(CLIENT_ID) || f.client_secret.as_deref() != Some(CLIENT_SECRET) {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "invalid_client"}))).into_response();
    }
    let user = match f.grant_type.as_str() {
        "client_credentials" => None,
        "authorization_code" => match f.code.as_deref().and_then(|c| s.take_code(c)) {
            Some(user) => Some(user),
            None => return (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant"}))).into_response(),
        },
        _ => return (StatusCode::BAD_REQUEST, Json(json!({"error": "unsupported_grant_type"}))).into_response(),
    };
    let access = s.issue_token(user.clone());
    let mut body =
        json!({"access_token": access, "token_type": "bearer", "expires_in": state::TOKEN_SECS, "scope": ""});
    if let Some(u) = user {
        body["id_token"] = json!(format!("sim.{u}.sig"));
        body["refresh_token"] = json!(crate::common::id());
    }
    Json(body).into_response()
}

/// The caller behind a bearer token: `Ok(None)` for a project token, `Ok(Some(user))` for a
/// user token or a project token impersonating with `x-swan-user-id`.
/// `None` when the token is missing, unknown or expired.
fn caller(s: &Swan, h: &HeaderMap) -> Option<Option<String>> {
    let bearer = h.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let user = bearer.and_then(|t| s.token_user(t))?;
    let impersonated = h.get("x-swan-user-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
    Some(user.or(impersonated))
}

fn unauthorized() -> Response {
    let body = json!({"errors": [{"message": "Unauthorized", "extensions": {"code": "Unauthorized"}}]});
    (StatusCode::UNAUTHORIZED, Json(body)).into_response()
}

async fn partner(State(s): State<Swan>, h: HeaderMap, Json(req): Json<async_graphql::Request>) -> Response {
    if let Some(r) = s.faults.apply().await {
        return r;
    }
    let Some(user) = caller(&s, &h) else {
        return unauthorized();
    };
    // A lost answer: the transfer is made, the caller hears a gateway timeout.
    let lost = s.faults.get() == Fault::LostAnswer && req.query.contains("initiateCreditTransfers");
    let host = h.get("host").and_then(|v| v.to_str().ok()).unwrap_or("127.0.0.1");
    let origin = operations::Origin(format!("http://{host}"));
    let schema = operations::build(s.clone());
    let resp = schema.execute(req.data(operations::Caller(user)).data(origin)).await;
    if lost {
        return StatusCode::GATEWAY_TIMEOUT.into_response();
    }
    Json(resp).into_response()
}

async fn admin_graphql(State(s): State<Swan>, h: HeaderMap, Json(req): Json<async_graphql::Request>) -> Response {
    if caller(&s, &h).is_none() {
        return unauthorized();
    }
    let resp = admin::build(s.clone()).execute(req).await;
    Json(resp).into_response()
}

async fn set_fault(State(s): State<Swan>, Json(f): Json<SetFault>) -> StatusCode {
    s.faults.set(f.fault);
    StatusCode::NO_CONTENT
}
