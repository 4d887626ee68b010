//! The browser's side: OAuth2 authorisation (approved at once), the onboarding page (finalised
//! at once: the account is opened and the user sent back with an authorisation code) and the
//! consent page (accepts, refuses or expires as set by `POST /swan/_sim/consent`).

use super::state::{ConsentStatus, Swan, TxStatus};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use std::collections::HashMap;

fn with_query(url: &str, pairs: &[(&str, &str)]) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    let q: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)))
        .collect();
    format!("{url}{sep}{}", q.join("&"))
}

/// `GET /swan/oauth2/auth?…&state=&redirect_uri=&accountMembershipId=` — a user already known
/// by the membership (or onboarding) is approved at once.
pub async fn authorize(State(s): State<Swan>, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some(redirect) = q.get("redirect_uri") else {
        return (StatusCode::BAD_REQUEST, "redirect_uri is required").into_response();
    };
    let user = q.get("userId").cloned().unwrap_or_else(|| "usr_anonymous".into());
    let code = s.new_code(&user);
    let state = q.get("state").map(String::as_str).unwrap_or_default();
    Redirect::to(&with_query(redirect, &[("code", &code), ("state", state)])).into_response()
}

/// `GET /swan/onboarding/{id}`: KYC passes; the account opens and the user goes back to Drop.
pub async fn onboarding(State(s): State<Swan>, Path(id): Path<String>) -> Response {
    let Some(o) = s.finalise(&id) else {
        return (StatusCode::NOT_FOUND, "no such onboarding").into_response();
    };
    s.webhooks.emit("Onboarding.Updated", &o.id);
    if let Some(account) = &o.account_id {
        s.webhooks.emit("Account.Created", account);
    }
    if o.redirect_url.is_empty() {
        return (StatusCode::OK, "onboarding finalised").into_response();
    }
    let code = s.new_code(&o.user_id);
    Redirect::to(&with_query(&o.redirect_url, &[("code", &code), ("state", &o.state)])).into_response()
}

/// `GET /swan/consent?consentId=`: the user accepts (the transfers start, pending), refuses, or
/// lets it expire; then back to the payment's `consentRedirectUrl` with `consentId` and `status`.
pub async fn consent(State(s): State<Swan>, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some(consent_id) = q.get("consentId") else {
        return (StatusCode::BAD_REQUEST, "consentId is required").into_response();
    };
    let mut g = s.lock();
    let answer = match g.consent_answer.as_str() {
        "refuse" => ConsentStatus::CustomerRefused,
        "expire" => ConsentStatus::Expired,
        _ => ConsentStatus::Accepted,
    };
    let Some(p) = g.payments.values_mut().find(|p| &p.consent_id == consent_id) else {
        return (StatusCode::NOT_FOUND, "no such consent").into_response();
    };
    if p.consent != ConsentStatus::Created {
        // Already answered: back with what it is.
        let status = p.consent.as_str();
        let url = with_query(&p.redirect_url, &[("consentId", consent_id), ("status", status)]);
        return Redirect::to(&url).into_response();
    }
    p.consent = answer;
    let payment = p.clone();
    drop(g);
    let event = match answer {
        ConsentStatus::Accepted => "Consent.Granted",
        ConsentStatus::CustomerRefused => "Consent.Refused",
        _ => "Consent.Expired",
    };
    s.webhooks.emit(event, consent_id);
    if answer == ConsentStatus::Accepted {
        let outgoing = s.lock().outgoing.clone();
        for t in payment.orders.iter().filter(|t| t.status == TxStatus::Pending) {
            s.add_tx(t.clone());
            // The bank's word a moment later, as set by `POST /swan/_sim/consent`.
            let (s, id) = (s.clone(), t.id.clone());
            match outgoing.as_str() {
                "book" => tokio::spawn(async move {
                    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
                    s.book_or_reject(&id);
                }),
                "reject" => tokio::spawn(async move {
                    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
                    s.settle(&id, TxStatus::Rejected, Some("CreditorBankOffline".into()));
                }),
                _ => continue,
            };
        }
    }
    let url = with_query(&payment.redirect_url, &[("consentId", consent_id), ("status", answer.as_str())]);
    Redirect::to(&url).into_response()
}

#[derive(serde::Deserialize)]
pub struct ConsentAnswer {
    /// `accept`, `refuse` or `expire`.
    pub answer: String,
    /// What becomes of an accepted transfer: `book` (default), `reject` (the bank refuses it),
    /// or `pending` (until the Testing API books or rejects it).
    #[serde(default = "book")]
    pub outgoing: String,
}

fn book() -> String {
    "book".into()
}

pub async fn set_consent_answer(State(s): State<Swan>, Json(a): Json<ConsentAnswer>) -> StatusCode {
    if !["accept", "refuse", "expire"].contains(&a.answer.as_str())
        || !["book", "reject", "pending"].contains(&a.outgoing.as_str())
    {
        return StatusCode::UNPROCESSABLE_ENTITY;
    }
    let mut g = s.lock();
    g.consent_answer = a.answer;
    g.outgoing = a.outgoing;
    StatusCode::NO_CONTENT
}

/// `GET /swan/_sim/payments`: every payment made, with its transfers' external references.
pub async fn payments(State(s): State<Swan>) -> Json<serde_json::Value> {
    let g = s.lock();
    let list: Vec<serde_json::Value> = g
        .payments
        .values()
        .map(|p| {
            let refs: Vec<Option<String>> = p.orders.iter().map(|t| t.external_reference.clone()).collect();
            serde_json::json!({"id": p.id, "consent": p.consent.as_str(), "externalReferences": refs})
        })
        .collect();
    Json(serde_json::json!({"payments": list}))
}
