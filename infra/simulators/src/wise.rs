//! Wise Platform API simulator (`reference/providers.md` §1): v3 quotes, recipients
//! (`/v1/accounts`), transfers idempotent on `customerTransactionId`, balance funding, `GET`
//! transfer, the sandbox simulation endpoints, and `transfers#state-change` webhooks signed
//! RSA-SHA256 (`X-Signature-SHA256`) with the simulator's own key. After funding, a transfer moves
//! `processing → funds_converted → outgoing_payment_sent` by itself (tests can also drive it).

use crate::common::{deliver, id, json_error, rfc3339, Fault, Faults, SetFault};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{KeyPair, RsaKeyPair, RSA_PKCS1_SHA256};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const TOKEN: &str = "sim-wise-token";
pub const PROFILE: i64 = 4242;

/// Mid-market rates from NOK the simulators quote (Thunes quotes slightly worse rates).
pub fn nok_rate(currency: &str) -> Option<f64> {
    Some(match currency {
        "EUR" => 0.0863,
        "USD" => 0.0921,
        "GBP" => 0.0741,
        "SEK" => 0.981,
        "DKK" => 0.644,
        "PLN" => 0.368,
        "PHP" => 5.4,
        "INR" => 7.85,
        _ => return None,
    })
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[derive(Clone)]
struct Transfer {
    id: i64,
    target_account: i64,
    quote: String,
    customer_transaction_id: String,
    status: String,
    source_value: f64,
    target_value: f64,
    rate: f64,
    created: String,
    source_currency: String,
    target_currency: String,
}

struct Inner {
    quotes: HashMap<String, serde_json::Value>,
    next_id: i64,
    transfers: HashMap<i64, Transfer>,
    by_ctid: HashMap<String, i64>,
}

#[derive(Clone)]
pub struct Wise {
    inner: Arc<Mutex<Inner>>,
    key: Arc<RsaKeyPair>,
    faults: Faults,
    webhook_url: String,
}

impl Wise {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The webhook signing key's SubjectPublicKeyInfo, base64 (what Drop is configured with).
    pub fn public_key_b64(&self) -> String {
        self.key.public_key().as_der().map(|d| B64.encode(d.as_ref())).unwrap_or_default()
    }

    fn sign(&self, body: &[u8]) -> String {
        let mut sig = vec![0u8; self.key.public_modulus_len()];
        match self.key.sign(&RSA_PKCS1_SHA256, &aws_lc_rs::rand::SystemRandom::new(), body, &mut sig) {
            Ok(()) => B64.encode(sig),
            Err(_) => String::new(),
        }
    }

    fn set_status(&self, transfer_id: i64, status: &str, delay: Duration) {
        let previous = {
            let mut inner = self.lock();
            let Some(t) = inner.transfers.get_mut(&transfer_id) else { return };
            std::mem::replace(&mut t.status, status.to_owned())
        };
        let now = rfc3339(crate::common::now());
        let body = serde_json::json!({
            "data": {"resource": {"type": "transfer", "id": transfer_id, "profile_id": PROFILE, "account_id": 0},
                     "current_state": status, "previous_state": if previous.is_empty() { serde_json::Value::Null } else { previous.into() },
                     "occurred_at": now},
            "subscription_id": "00000000-0000-0000-0000-000000000001", "event_type": "transfers#state-change",
            "schema_version": "2.0.0", "sent_at": now,
        })
        .to_string()
        .into_bytes();
        let headers = vec![("X-Signature-SHA256".to_owned(), self.sign(&body)), ("X-Delivery-Id".to_owned(), id())];
        deliver(self.webhook_url.clone(), body, headers, delay);
    }
}

/// The router and the public key Drop must be configured with.
pub fn start(api_base: &str) -> (Router, String) {
    // RSA key generation only fails without system randomness.
    #[allow(clippy::expect_used)]
    let key = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).expect("RSA key");
    let w = Wise {
        inner: Arc::new(Mutex::new(Inner {
            quotes: HashMap::new(),
            next_id: 50_000_000,
            transfers: HashMap::new(),
            by_ctid: HashMap::new(),
        })),
        key: Arc::new(key),
        faults: Faults::default(),
        webhook_url: format!("{api_base}/api/webhooks/wise"),
    };
    let public = w.public_key_b64();
    let router = Router::new()
        .route("/wise/v3/profiles/{profile}/quotes", post(quote))
        .route("/wise/v1/accounts", post(recipient))
        .route("/wise/v1/transfers", post(create_transfer))
        .route("/wise/v1/transfers/{id}", get(get_transfer))
        .route("/wise/v3/profiles/{profile}/transfers/{id}/payments", post(fund))
        .route("/wise/v1/simulation/transfers/{id}/{status}", get(simulate))
        .route("/wise/_sim/fault", post(set_fault))
        .with_state(w);
    (router, public)
}

fn authorised(h: &HeaderMap) -> bool {
    h.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {TOKEN}"))
}

async fn guard(w: &Wise, h: &HeaderMap) -> Option<Response> {
    if !authorised(h) {
        return Some(
            (
                StatusCode::UNAUTHORIZED,
                Json(serde_json::json!({"error": "invalid_token", "error_description": "bad token"})),
            )
                .into_response(),
        );
    }
    w.faults.apply().await
}

async fn quote(State(w): State<Wise>, h: HeaderMap, Json(b): Json<serde_json::Value>) -> Response {
    if let Some(r) = guard(&w, &h).await {
        return r;
    }
    let (src_ccy, dst_ccy) = (b["sourceCurrency"].as_str().unwrap_or(""), b["targetCurrency"].as_str().unwrap_or(""));
    let (src, dst) = (b["sourceAmount"].as_f64(), b["targetAmount"].as_f64());
    if src.is_some() == dst.is_some() {
        return json_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "error.quote.amount.onlySingle",
            "give sourceAmount or targetAmount",
        );
    }
    let Some(rate) = (src_ccy == "NOK").then(|| nok_rate(dst_ccy)).flatten() else {
        return json_error(StatusCode::UNPROCESSABLE_ENTITY, "error.route.unsupported", "currency route not supported");
    };
    let (source, fee, target) = match (src, dst) {
        (Some(s), _) => {
            let fee = round2(s * 0.0055 + 9.0);
            (s, fee, round2((s - fee) * rate))
        }
        (_, Some(t)) => {
            let base = t / rate;
            let fee = round2(base * 0.0055 + 9.0);
            (round2(base + fee + 0.005), fee, t)
        }
        _ => return json_error(StatusCode::BAD_REQUEST, "error", "amount"),
    };
    let qid = format!("{}-{}", id(), "q");
    let now = crate::common::now();
    let q = serde_json::json!({
        "id": qid, "sourceCurrency": src_ccy, "targetCurrency": dst_ccy, "sourceAmount": source, "targetAmount": target,
        "rate": rate, "rateType": "FIXED", "payOut": "BANK_TRANSFER", "status": "PENDING", "profile": PROFILE,
        "createdTime": rfc3339(now), "rateExpirationTime": rfc3339(now + time::Duration::minutes(30)),
        "expirationTime": rfc3339(now + time::Duration::minutes(30)), "providedAmountType": if src.is_some() { "SOURCE" } else { "TARGET" },
        "paymentOptions": [{"disabled": false, "payIn": "BALANCE", "payOut": "BANK_TRANSFER", "sourceAmount": source, "targetAmount": target,
            "fee": {"transferwise": fee, "payIn": 0, "discount": 0, "partner": 0, "total": fee},
            "price": {"total": {"type": "TOTAL", "label": "Total fees", "value": {"amount": fee, "currency": src_ccy, "label": format!("{fee} {src_ccy}")}}},
            "estimatedDelivery": rfc3339(now + time::Duration::hours(20))}],
        "notices": [],
    });
    w.lock().quotes.insert(qid, q.clone());
    (StatusCode::OK, Json(q)).into_response()
}

async fn recipient(State(w): State<Wise>, h: HeaderMap, Json(b): Json<serde_json::Value>) -> Response {
    if let Some(r) = guard(&w, &h).await {
        return r;
    }
    let name = b["accountHolderName"].as_str().unwrap_or("");
    if b["currency"].as_str().is_none() || name.split_whitespace().count() < 2 || b.get("details").is_none() {
        return json_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "NOT_VALID",
            "currency, accountHolderName (two names) and details are required",
        );
    }
    let rid = {
        let mut inner = w.lock();
        inner.next_id += 1;
        inner.next_id
    };
    Json(serde_json::json!({"id": rid, "profile": PROFILE, "currency": b["currency"], "type": b["type"], "accountHolderName": name, "active": true})).into_response()
}

fn transfer_json(t: &Transfer) -> serde_json::Value {
    serde_json::json!({"id": t.id, "user": 1, "targetAccount": t.target_account, "sourceAccount": null, "quoteUuid": t.quote,
        "status": t.status, "rate": t.rate, "created": t.created, "sourceCurrency": t.source_currency, "sourceValue": t.source_value,
        "targetCurrency": t.target_currency, "targetValue": t.target_value, "customerTransactionId": t.customer_transaction_id,
        "hasActiveIssues": false, "details": {"reference": "Drop"}})
}

async fn create_transfer(State(w): State<Wise>, h: HeaderMap, Json(b): Json<serde_json::Value>) -> Response {
    if let Some(r) = guard(&w, &h).await {
        return r;
    }
    let ctid = b["customerTransactionId"].as_str().unwrap_or("").to_owned();
    let quote_id = b["quoteUuid"].as_str().unwrap_or("").to_owned();
    let mut inner = w.lock();
    if let Some(existing) = inner.by_ctid.get(&ctid).and_then(|i| inner.transfers.get(i)) {
        return Json(transfer_json(existing)).into_response();
    }
    let Some(q) = inner.quotes.get(&quote_id).cloned() else {
        return json_error(StatusCode::UNPROCESSABLE_ENTITY, "quote.not.found", "unknown quoteUuid");
    };
    if ctid.is_empty() || b["targetAccount"].as_i64().is_none() {
        return json_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "NOT_VALID",
            "targetAccount and customerTransactionId are required",
        );
    }
    inner.next_id += 1;
    let t = Transfer {
        id: inner.next_id,
        target_account: b["targetAccount"].as_i64().unwrap_or(0),
        quote: quote_id,
        customer_transaction_id: ctid.clone(),
        status: String::new(),
        source_value: q["sourceAmount"].as_f64().unwrap_or(0.0),
        target_value: q["targetAmount"].as_f64().unwrap_or(0.0),
        rate: q["rate"].as_f64().unwrap_or(0.0),
        created: crate::common::now()
            .format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"))
            .unwrap_or_default(),
        source_currency: q["sourceCurrency"].as_str().unwrap_or("").to_owned(),
        target_currency: q["targetCurrency"].as_str().unwrap_or("").to_owned(),
    };
    let tid = t.id;
    inner.by_ctid.insert(ctid, tid);
    inner.transfers.insert(tid, t);
    drop(inner);
    w.set_status(tid, "incoming_payment_waiting", Duration::from_millis(10));
    let inner = w.lock();
    match inner.transfers.get(&tid) {
        Some(t) => Json(transfer_json(t)).into_response(),
        None => json_error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "lost"),
    }
}

async fn get_transfer(State(w): State<Wise>, h: HeaderMap, Path(tid): Path<i64>) -> Response {
    if let Some(r) = guard(&w, &h).await {
        return r;
    }
    match w.lock().transfers.get(&tid) {
        Some(t) => Json(transfer_json(t)).into_response(),
        None => json_error(StatusCode::NOT_FOUND, "transfer.not.found", "no such transfer"),
    }
}

async fn fund(State(w): State<Wise>, h: HeaderMap, Path((_profile, tid)): Path<(i64, i64)>) -> Response {
    if let Some(r) = guard(&w, &h).await {
        return r;
    }
    let status = w.lock().transfers.get(&tid).map(|t| t.status.clone());
    match status.as_deref() {
        None => return json_error(StatusCode::NOT_FOUND, "transfer.not.found", "no such transfer"),
        Some("incoming_payment_waiting") => {}
        // Funding again is a no-op.
        Some(_) => {
            return Json(serde_json::json!({"type": "BALANCE", "status": "COMPLETED", "errorCode": null}))
                .into_response()
        }
    }
    if w.faults.get() == Fault::Reject {
        return Json(
            serde_json::json!({"type": "BALANCE", "status": "REJECTED", "errorCode": "transfer.insufficient_funds"}),
        )
        .into_response();
    }
    w.set_status(tid, "processing", Duration::from_millis(20));
    let (a, b) = (w.clone(), w.clone());
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        a.set_status(tid, "funds_converted", Duration::ZERO);
        tokio::time::sleep(Duration::from_millis(150)).await;
        b.set_status(tid, "outgoing_payment_sent", Duration::ZERO);
    });
    Json(serde_json::json!({"type": "BALANCE", "status": "COMPLETED", "errorCode": null})).into_response()
}

async fn simulate(State(w): State<Wise>, Path((tid, status)): Path<(i64, String)>) -> Response {
    if !matches!(
        status.as_str(),
        "processing" | "funds_converted" | "outgoing_payment_sent" | "bounced_back" | "funds_refunded" | "cancelled"
    ) {
        return json_error(StatusCode::BAD_REQUEST, "bad.status", "unknown status");
    }
    if !w.lock().transfers.contains_key(&tid) {
        return json_error(StatusCode::NOT_FOUND, "transfer.not.found", "no such transfer");
    }
    w.set_status(tid, &status, Duration::ZERO);
    let inner = w.lock();
    inner
        .transfers
        .get(&tid)
        .map(|t| Json(transfer_json(t)).into_response())
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

async fn set_fault(State(w): State<Wise>, Json(f): Json<SetFault>) -> StatusCode {
    w.faults.set(f.fault);
    StatusCode::NO_CONTENT
}
