//! Thunes Money Transfer API v2 simulator (`reference/providers.md` §2; field level unconfirmed):
//! quotations, transactions on a quotation, confirm, `GET` by id or `ext-<external_id>`, status
//! classes `1`..`9`, and callbacks to `callback_url` (a hint: the client re-fetches). HTTP Basic.

use crate::common::{deliver, id, json_error, rfc3339, Fault, Faults, SetFault};
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

pub const KEY: &str = "sim-thunes-key";
pub const SECRET: &str = "sim-thunes-secret";

#[derive(Default)]
struct Inner {
    next: i64,
    quotations: HashMap<i64, serde_json::Value>,
    transactions: HashMap<i64, serde_json::Value>,
    by_ext: HashMap<String, i64>,
}

#[derive(Clone, Default)]
pub struct Thunes {
    inner: Arc<Mutex<Inner>>,
    faults: Faults,
}

impl Thunes {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set_class(&self, tid: i64, class: &str, message: &str) {
        let (callback, body) = {
            let mut inner = self.lock();
            let Some(t) = inner.transactions.get_mut(&tid) else { return };
            t["status_class"] = class.into();
            t["status_class_message"] = message.into();
            t["status"] = format!("{class}0000").into();
            t["status_message"] = message.into();
            (t["callback_url"].as_str().map(str::to_owned), t.to_string().into_bytes())
        };
        if let Some(url) = callback {
            deliver(url, body, vec![], Duration::from_millis(10));
        }
    }
}

pub fn router() -> Router {
    Router::new()
        .route("/thunes/v2/money-transfer/quotations", post(quotation))
        .route("/thunes/v2/money-transfer/quotations/{id}/transactions", post(transaction))
        .route("/thunes/v2/money-transfer/transactions/{id}/confirm", post(confirm))
        .route("/thunes/v2/money-transfer/transactions/{id}", get(get_transaction))
        .route("/thunes/_sim/fault", post(set_fault))
        .with_state(Thunes::default())
}

fn authorised(h: &HeaderMap) -> bool {
    let expected = format!("Basic {}", B64.encode(format!("{KEY}:{SECRET}")));
    h.get("authorization").and_then(|v| v.to_str().ok()) == Some(expected.as_str())
}

async fn guard(t: &Thunes, h: &HeaderMap) -> Option<Response> {
    if !authorised(h) {
        return Some(json_error(StatusCode::UNAUTHORIZED, "1000401", "unauthorized"));
    }
    t.faults.apply().await
}

fn dec(v: &serde_json::Value) -> Option<f64> {
    v.as_str().and_then(|s| s.parse().ok()).or(v.as_f64())
}

async fn quotation(State(t): State<Thunes>, h: HeaderMap, Json(b): Json<serde_json::Value>) -> Response {
    if let Some(r) = guard(&t, &h).await {
        return r;
    }
    let src_ccy = b.pointer("/source/currency").and_then(|v| v.as_str()).unwrap_or("");
    let dst_ccy = b.pointer("/destination/currency").and_then(|v| v.as_str()).unwrap_or("");
    let Some(mid) = (src_ccy == "NOK").then(|| crate::wise::nok_rate(dst_ccy)).flatten() else {
        return json_error(StatusCode::BAD_REQUEST, "1003001", "currency not supported");
    };
    // Thunes: a flat NOK 5 fee and a rate 0.7 % under mid-market, so it is the cheaper provider
    // below about NOK 2,700 and Wise (0.55 % + NOK 9) above.
    let rate = mid * 0.993;
    let fee = 5.0;
    let (source, destination) =
        match (b["mode"].as_str(), dec(&b["source"]["amount"]), dec(&b["destination"]["amount"])) {
            (Some("SOURCE_AMOUNT"), Some(s), _) => (s, ((s - fee) * rate * 100.0).floor() / 100.0),
            (Some("DESTINATION_AMOUNT"), _, Some(d)) => (((d / rate + fee) * 100.0).ceil() / 100.0, d),
            _ => return json_error(StatusCode::BAD_REQUEST, "1003002", "mode and the matching amount are required"),
        };
    let now = crate::common::now();
    let mut inner = t.lock();
    inner.next += 1;
    let qid = inner.next;
    let q = serde_json::json!({
        "id": qid, "external_id": b["external_id"], "mode": b["mode"], "transaction_type": b["transaction_type"],
        "payer": {"id": b["payer_id"], "name": "Sim Payer", "currency": dst_ccy},
        "source": {"amount": format!("{source:.2}"), "currency": src_ccy, "country_iso_code": "NOR"},
        "destination": {"amount": format!("{destination:.2}"), "currency": dst_ccy},
        "sent_amount": {"amount": format!("{:.2}", source - fee), "currency": src_ccy},
        "wholesale_fx_rate": format!("{rate:.10}"), "fee": {"amount": format!("{fee:.2}"), "currency": src_ccy},
        "creation_date": rfc3339(now), "expiration_date": rfc3339(now + time::Duration::minutes(30)),
    });
    inner.quotations.insert(qid, q.clone());
    (StatusCode::CREATED, Json(q)).into_response()
}

async fn transaction(
    State(t): State<Thunes>,
    h: HeaderMap,
    Path(qid): Path<i64>,
    Json(b): Json<serde_json::Value>,
) -> Response {
    if let Some(r) = guard(&t, &h).await {
        return r;
    }
    let ext = b["external_id"].as_str().unwrap_or("").to_owned();
    if ext.is_empty() || b.get("credit_party_identifier").is_none() || b.get("beneficiary").is_none() {
        return json_error(
            StatusCode::BAD_REQUEST,
            "1003003",
            "external_id, credit_party_identifier and beneficiary are required",
        );
    }
    let mut inner = t.lock();
    if inner.by_ext.contains_key(&ext) {
        return json_error(StatusCode::BAD_REQUEST, "1003004", "external_id already used");
    }
    let Some(q) = inner.quotations.get(&qid).cloned() else {
        return json_error(StatusCode::NOT_FOUND, "1003005", "quotation not found");
    };
    inner.next += 1;
    let tid = inner.next;
    let mut tx = q.clone();
    tx["id"] = tid.into();
    tx["external_id"] = ext.clone().into();
    tx["status"] = "10000".into();
    tx["status_message"] = "CREATED".into();
    tx["status_class"] = "1".into();
    tx["status_class_message"] = "CREATED".into();
    tx["callback_url"] = b["callback_url"].clone();
    tx["payer_transaction_reference"] = id().into();
    inner.by_ext.insert(ext, tid);
    inner.transactions.insert(tid, tx.clone());
    (StatusCode::CREATED, Json(tx)).into_response()
}

async fn confirm(State(t): State<Thunes>, h: HeaderMap, Path(tid): Path<i64>) -> Response {
    if let Some(r) = guard(&t, &h).await {
        return r;
    }
    let class = t.lock().transactions.get(&tid).map(|x| x["status_class"].as_str().unwrap_or("").to_owned());
    match class.as_deref() {
        None => return json_error(StatusCode::NOT_FOUND, "1003006", "transaction not found"),
        Some("1") => {}
        Some(_) => return json_error(StatusCode::BAD_REQUEST, "1003007", "transaction already confirmed"),
    }
    if t.faults.get() == Fault::Reject {
        t.set_class(tid, "3", "REJECTED");
    } else {
        t.set_class(tid, "2", "CONFIRMED");
        let (a, b) = (t.clone(), t.clone());
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(150)).await;
            a.set_class(tid, "5", "SUBMITTED");
            tokio::time::sleep(Duration::from_millis(150)).await;
            b.set_class(tid, "7", "COMPLETED");
        });
    }
    let inner = t.lock();
    inner
        .transactions
        .get(&tid)
        .map(|x| Json(x.clone()).into_response())
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

async fn get_transaction(State(t): State<Thunes>, h: HeaderMap, Path(key): Path<String>) -> Response {
    if let Some(r) = guard(&t, &h).await {
        return r;
    }
    let inner = t.lock();
    let tid = match key.strip_prefix("ext-") {
        Some(ext) => inner.by_ext.get(ext).copied(),
        None => key.parse().ok(),
    };
    match tid.and_then(|i| inner.transactions.get(&i)) {
        Some(x) => Json(x.clone()).into_response(),
        None => json_error(StatusCode::NOT_FOUND, "1003006", "transaction not found"),
    }
}

async fn set_fault(State(t): State<Thunes>, Json(f): Json<SetFault>) -> StatusCode {
    t.faults.set(f.fault);
    StatusCode::NO_CONTENT
}
