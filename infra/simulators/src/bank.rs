//! A PSD2 bank speaking Berlin Group NextGenPSD2 1.3.11 (`reference/providers.md` §3.8): AIS
//! consents with an SCA redirect, accounts, consent delete; PIS `POST /v1/payments/{product}` →
//! `RCVD` + `scaRedirect`, an SCA page (`sim_result=approve|reject` completes it at once), and a
//! status that moves `ACTC → ACSP → ACSC` on successive reads after approval; `DELETE` cancels a
//! payment still waiting for SCA (`CANC`) and refuses one the PSU approved. An initiation without
//! `PSU-IP-Address` is the TPP paying from its own account (refunds): accepted at once, no SCA.
//! Initiations are idempotent per `X-Request-ID`. Tests can force a status
//! (`POST /bank/_sim/payments/{id}`), as a bank that settles what it said it cancelled would.

use crate::common::{id, json_error, Fault, Faults, SetFault};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

struct Consent {
    status: &'static str,
    redirect: String,
    valid_until: String,
}

struct Payment {
    status: &'static str,
    redirect: String,
    nok_redirect: String,
    amount: String,
    currency: String,
    end_to_end: String,
}

#[derive(Default)]
struct Inner {
    consents: HashMap<String, Consent>,
    payments: HashMap<String, Payment>,
    /// `X-Request-ID` of an initiation → its payment id.
    requests: HashMap<String, String>,
}

#[derive(Clone, Default)]
pub struct Bank {
    inner: Arc<Mutex<Inner>>,
    faults: Faults,
}

impl Bank {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub fn router() -> Router {
    Router::new()
        .route("/bank/v1/consents", post(create_consent))
        .route("/bank/v1/consents/{id}", get(get_consent).delete(delete_consent))
        .route("/bank/v1/accounts", get(accounts))
        .route("/bank/v1/payments/{product}", post(create_payment))
        .route("/bank/v1/payments/{product}/{id}/status", get(payment_status))
        .route("/bank/v1/payments/{product}/{id}", axum::routing::delete(cancel_payment))
        .route("/bank/_sim/payments/{id}", post(force_status))
        .route("/bank/_sim/payments", get(list_payments))
        .route("/bank/sca/{kind}/{id}", get(sca))
        .route("/bank/_sim/fault", post(set_fault))
        .with_state(Bank::default())
}

fn host(h: &HeaderMap) -> String {
    format!("http://{}/bank", h.get("host").and_then(|v| v.to_str().ok()).unwrap_or("127.0.0.1"))
}

fn tpp_error(code: &str, text: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(serde_json::json!({"tppMessages": [{"category": "ERROR", "code": code, "text": text}]})),
    )
        .into_response()
}

fn header<'a>(h: &'a HeaderMap, k: &str) -> Option<&'a str> {
    h.get(k).and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty())
}

/// Every call needs `X-Request-ID`; initiations also `PSU-IP-Address` and `TPP-Redirect-URI`.
fn check_headers(h: &HeaderMap, initiation: bool) -> Option<Response> {
    if header(h, "x-request-id").is_none() {
        return Some(tpp_error("FORMAT_ERROR", "X-Request-ID is required"));
    }
    if initiation && (header(h, "psu-ip-address").is_none() || header(h, "tpp-redirect-uri").is_none()) {
        return Some(tpp_error("FORMAT_ERROR", "PSU-IP-Address and TPP-Redirect-URI are required"));
    }
    None
}

async fn create_consent(State(b): State<Bank>, h: HeaderMap, Json(body): Json<serde_json::Value>) -> Response {
    if let Some(r) = b.faults.apply().await {
        return r;
    }
    if let Some(r) = check_headers(&h, true) {
        return r;
    }
    let required = ["access", "recurringIndicator", "validUntil", "frequencyPerDay", "combinedServiceIndicator"];
    if required.iter().any(|k| body.get(k).is_none()) {
        return tpp_error(
            "FORMAT_ERROR",
            "access, recurringIndicator, validUntil, frequencyPerDay and combinedServiceIndicator are required",
        );
    }
    let cid = id();
    let redirect = header(&h, "tpp-redirect-uri").unwrap_or_default().to_owned();
    let valid_until = body["validUntil"].as_str().unwrap_or("9999-12-31").to_owned();
    b.lock().consents.insert(cid.clone(), Consent { status: "received", redirect, valid_until });
    let base = host(&h);
    (
        StatusCode::CREATED,
        Json(serde_json::json!({"consentStatus": "received", "consentId": cid,
            "_links": {"scaRedirect": {"href": format!("{base}/sca/consents/{cid}")}, "status": {"href": format!("/v1/consents/{cid}/status")}}})),
    )
        .into_response()
}

async fn get_consent(State(b): State<Bank>, Path(cid): Path<String>) -> Response {
    let inner = b.lock();
    let Some(c) = inner.consents.get(&cid) else {
        return json_error(StatusCode::NOT_FOUND, "RESOURCE_UNKNOWN", "no such consent");
    };
    // The bank shortens "9999-12-31" to 90 days.
    let valid_until = if c.valid_until.starts_with("9999") {
        (crate::common::now() + time::Duration::days(90)).date().to_string()
    } else {
        c.valid_until.clone()
    };
    Json(serde_json::json!({"access": {"accounts": []}, "recurringIndicator": true, "validUntil": valid_until,
        "frequencyPerDay": 4, "lastActionDate": crate::common::now().date().to_string(), "consentStatus": c.status}))
    .into_response()
}

async fn delete_consent(State(b): State<Bank>, Path(cid): Path<String>) -> StatusCode {
    match b.lock().consents.get_mut(&cid) {
        Some(c) => {
            c.status = "terminatedByTpp";
            StatusCode::NO_CONTENT
        }
        None => StatusCode::NOT_FOUND,
    }
}

/// The PSU's accounts: derived from the consent so they are stable per consent.
async fn accounts(State(b): State<Bank>, h: HeaderMap) -> Response {
    if let Some(r) = check_headers(&h, false) {
        return r;
    }
    let Some(cid) = header(&h, "consent-id") else { return tpp_error("CONSENT_UNKNOWN", "Consent-ID is required") };
    if b.lock().consents.get(cid).map(|c| c.status) != Some("valid") {
        return (
            StatusCode::UNAUTHORIZED,
            Json(serde_json::json!({"tppMessages": [{"category": "ERROR", "code": "CONSENT_INVALID"}]})),
        )
            .into_response();
    }
    Json(serde_json::json!({"accounts": [
        {"resourceId": format!("{cid}-1"), "iban": "NO9386011117947", "bban": "86011117947", "currency": "NOK", "name": "Brukskonto", "product": "Brukskonto", "cashAccountType": "CACC", "status": "enabled", "usage": "PRIV", "ownerName": "Kari Nordmann"},
        {"resourceId": format!("{cid}-2"), "iban": "NO2390412263056", "bban": "90412263056", "currency": "NOK", "name": "Sparekonto", "product": "Sparekonto", "cashAccountType": "SVGS", "status": "enabled", "usage": "PRIV", "ownerName": "Kari Nordmann"}
    ]}))
    .into_response()
}

fn amount_ok(a: &str) -> bool {
    let (i, f) = a.split_once('.').unwrap_or((a, ""));
    !i.is_empty()
        && i.len() <= 14
        && f.len() <= 3
        && i.bytes().chain(f.bytes()).all(|b| b.is_ascii_digit())
        && (a.contains('.') != f.is_empty())
}

/// Every payment made, for tests: `[{paymentId, endToEndIdentification, amount, status}]`.
async fn list_payments(State(b): State<Bank>) -> Response {
    let inner = b.lock();
    let list: Vec<serde_json::Value> = inner
        .payments
        .iter()
        .map(|(id, p)| {
            serde_json::json!({"paymentId": id, "endToEndIdentification": p.end_to_end, "amount": p.amount,
                               "status": p.status})
        })
        .collect();
    Json(serde_json::Value::Array(list)).into_response()
}

async fn create_payment(
    State(b): State<Bank>,
    Path(product): Path<String>,
    h: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Response {
    let lost = b.faults.get() == crate::common::Fault::LostAnswer;
    let r = initiate(State(b), Path(product), h, Json(body)).await;
    if lost {
        return json_error(StatusCode::GATEWAY_TIMEOUT, "timeout", "the gateway timed out");
    }
    r
}

async fn initiate(
    State(b): State<Bank>,
    Path(product): Path<String>,
    h: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Response {
    if let Some(r) = b.faults.apply().await {
        return r;
    }
    // Without a PSU present the TPP pays from its own account: no redirect, no SCA.
    let psu_present = header(&h, "psu-ip-address").is_some();
    if let Some(r) = check_headers(&h, psu_present) {
        return r;
    }
    let request_id = header(&h, "x-request-id").unwrap_or_default().to_owned();
    let known = {
        let inner = b.lock();
        inner.requests.get(&request_id).map(|pid| (pid.clone(), inner.payments.get(pid).map_or("RCVD", |p| p.status)))
    };
    if let Some((pid, status)) = known {
        return initiated(&h, &product, &pid, status, psu_present);
    }
    if !matches!(
        product.as_str(),
        "norwegian-domestic-credit-transfers"
            | "sepa-credit-transfers"
            | "instant-norwegian-domestic-credit-transfers-straks"
    ) {
        return json_error(StatusCode::NOT_FOUND, "PRODUCT_UNKNOWN", "unknown payment product");
    }
    let amount = body.pointer("/instructedAmount/amount").and_then(|v| v.as_str()).unwrap_or("");
    let currency = body.pointer("/instructedAmount/currency").and_then(|v| v.as_str()).unwrap_or("");
    let ok = body.get("debtorAccount").is_some()
        && body.get("creditorAccount").is_some()
        && body.get("creditorName").and_then(|n| n.as_str()).is_some_and(|n| !n.is_empty() && n.len() <= 70)
        && amount_ok(amount)
        && currency.len() == 3;
    if !ok {
        return tpp_error(
            "FORMAT_ERROR",
            "debtorAccount, instructedAmount, creditorAccount and creditorName are required",
        );
    }
    let pid = id();
    let status = match (b.faults.get(), psu_present) {
        (Fault::Reject, _) => "RJCT",
        (_, true) => "RCVD",
        (_, false) => "ACTC",
    };
    let mut inner = b.lock();
    inner.requests.insert(request_id, pid.clone());
    inner.payments.insert(
        pid.clone(),
        Payment {
            status,
            redirect: header(&h, "tpp-redirect-uri").unwrap_or_default().to_owned(),
            nok_redirect: header(&h, "tpp-nok-redirect-uri")
                .or(header(&h, "tpp-redirect-uri"))
                .unwrap_or_default()
                .to_owned(),
            amount: amount.to_owned(),
            currency: currency.to_owned(),
            end_to_end: body["endToEndIdentification"].as_str().unwrap_or_default().to_owned(),
        },
    );
    drop(inner);
    initiated(&h, &product, &pid, status, psu_present)
}

/// The answer to an initiation (the same again for a repeated `X-Request-ID`): with the SCA
/// redirect when the PSU is present.
fn initiated(h: &HeaderMap, product: &str, pid: &str, status: &str, psu_present: bool) -> Response {
    if !psu_present {
        return (StatusCode::CREATED, Json(serde_json::json!({"transactionStatus": status, "paymentId": pid})))
            .into_response();
    }
    let base = host(h);
    (
        StatusCode::CREATED,
        [("aspsp-sca-approach", "REDIRECT")],
        Json(serde_json::json!({"transactionStatus": status, "paymentId": pid,
            "_links": {"scaRedirect": {"href": format!("{base}/sca/payments/{pid}")},
                       "self": {"href": format!("/v1/payments/{product}/{pid}")},
                       "status": {"href": format!("/v1/payments/{product}/{pid}/status")}}})),
    )
        .into_response()
}

/// A fault that is on, or missing headers, answer before anything is read.
async fn gate(b: &Bank, h: &HeaderMap) -> Option<Response> {
    match b.faults.apply().await {
        Some(r) => Some(r),
        None => check_headers(h, false),
    }
}

async fn payment_status(
    State(b): State<Bank>,
    Path((_product, pid)): Path<(String, String)>,
    h: HeaderMap,
) -> Response {
    if let Some(r) = gate(&b, &h).await {
        return r;
    }
    let mut inner = b.lock();
    let Some(p) = inner.payments.get_mut(&pid) else {
        return json_error(StatusCode::NOT_FOUND, "RESOURCE_UNKNOWN", "no such payment");
    };
    let current = p.status;
    // Each read after approval moves one step along the success path.
    p.status = match current {
        "ACTC" => "ACSP",
        "ACSP" => "ACSC",
        s => s,
    };
    Json(serde_json::json!({"transactionStatus": current, "fundsAvailable": true})).into_response()
}

/// `DELETE`: a payment still waiting for SCA is cancelled; one already approved cannot be.
async fn cancel_payment(
    State(b): State<Bank>,
    Path((_product, pid)): Path<(String, String)>,
    h: HeaderMap,
) -> Response {
    if let Some(r) = gate(&b, &h).await {
        return r;
    }
    let mut inner = b.lock();
    let Some(p) = inner.payments.get_mut(&pid) else {
        return json_error(StatusCode::NOT_FOUND, "RESOURCE_UNKNOWN", "no such payment");
    };
    match p.status {
        "RCVD" | "CANC" => {
            p.status = "CANC";
            StatusCode::NO_CONTENT.into_response()
        }
        _ => tpp_error("CANCELLATION_INVALID", "the payment can no longer be cancelled"),
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ForceStatus {
    transaction_status: String,
}

/// Test hook: the bank changes its mind (e.g. settles a payment it reported cancelled).
async fn force_status(State(b): State<Bank>, Path(pid): Path<String>, Json(f): Json<ForceStatus>) -> StatusCode {
    const KNOWN: [&str; 13] =
        ["RCVD", "PATC", "ACTC", "ACCP", "ACFC", "ACWC", "ACWP", "PDNG", "ACSP", "ACSC", "ACCC", "RJCT", "CANC"];
    let Some(status) = KNOWN.iter().find(|s| **s == f.transaction_status) else { return StatusCode::BAD_REQUEST };
    match b.lock().payments.get_mut(&pid) {
        Some(p) => {
            p.status = status;
            StatusCode::NO_CONTENT
        }
        None => StatusCode::NOT_FOUND,
    }
}

async fn sca(
    State(b): State<Bank>,
    Path((kind, rid)): Path<(String, String)>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let result = q.get("sim_result").map(String::as_str);
    let mut inner = b.lock();
    let target = match (kind.as_str(), result) {
        ("consents", Some(r)) => inner.consents.get_mut(&rid).map(|c| {
            c.status = if r == "approve" { "valid" } else { "rejected" };
            c.redirect.clone()
        }),
        ("payments", Some(r)) => inner.payments.get_mut(&rid).map(|p| {
            if p.status == "RCVD" {
                p.status = if r == "approve" { "ACTC" } else { "RJCT" };
            }
            if r == "approve" {
                p.redirect.clone()
            } else {
                p.nok_redirect.clone()
            }
        }),
        (_, None) => {
            let what = inner
                .payments
                .get(&rid)
                .map(|p| format!("Pay {} {}", p.amount, p.currency))
                .unwrap_or_else(|| "Share your accounts with Drop".into());
            return Html(format!(
                r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bank (simulator)</title></head><body>
<h1>Bank simulator — confirm with BankID</h1><p>{what}</p>
<form method="get"><button name="sim_result" value="approve">Approve</button> <button name="sim_result" value="reject">Reject</button></form></body></html>"#
            ))
            .into_response();
        }
        _ => None,
    };
    match target {
        Some(url) => (StatusCode::SEE_OTHER, [("location", url)]).into_response(),
        None => json_error(StatusCode::NOT_FOUND, "RESOURCE_UNKNOWN", "no such resource"),
    }
}

async fn set_fault(State(b): State<Bank>, Json(f): Json<SetFault>) -> StatusCode {
    b.faults.set(f.fault);
    StatusCode::NO_CONTENT
}
