//! Nexi Checkout (Nets Easy) Payment API v1 simulator (`reference/providers.md` §4, partly
//! unconfirmed): create a payment (`POST /v1/payments`, its order, reference and webhooks), charge
//! it (`POST /v1/payments/{id}/charges`, deduplicated by `Idempotency-Key`), read it
//! (`GET /v1/payments/{id}`: summary, charges). A charge sends `payment.charge.created.v2` to the
//! payment's webhook with the `Authorization` value given at creation (Nexi signs nothing). Drop
//! charges payments it funded itself (an A2A arrangement with the acquirer, unconfirmed), so a
//! created payment can be charged without a reservation. `Authorization: <secret key>`.

use crate::common::{deliver, json_error, now, rfc3339, Faults, SetFault};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const SECRET_KEY: &str = "test-secret-key-drop-sim";
/// The merchant number the simulator's webhooks carry.
pub const MERCHANT_NUMBER: i64 = 100_017_120;

#[derive(Default)]
struct Inner {
    payments: HashMap<String, Value>,
    /// `Idempotency-Key` → charge id.
    charge_keys: HashMap<String, String>,
    /// Webhook deliveries so far (`{url, authorization, body}`), for tests to replay.
    delivered: Vec<Value>,
}

#[derive(Clone, Default)]
pub struct Nexi {
    inner: Arc<Mutex<Inner>>,
    faults: Faults,
}

impl Nexi {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub fn router() -> Router {
    Router::new()
        .route("/nexi/v1/payments", post(create))
        .route("/nexi/v1/payments/{id}", get(read))
        .route("/nexi/v1/payments/{id}/charges", post(charge))
        .route("/nexi/_sim/webhooks", get(delivered))
        .route("/nexi/_sim/fault", post(set_fault))
        .with_state(Nexi::default())
}

/// 32 lower-case hex digits, like Nexi's ids.
fn hex_id() -> String {
    let u = ulid::Ulid::new().0.to_be_bytes();
    u.iter().map(|b| format!("{b:02x}")).collect()
}

async fn guard(n: &Nexi, h: &HeaderMap) -> Option<Response> {
    if h.get("authorization").and_then(|v| v.to_str().ok()) != Some(SECRET_KEY) {
        return Some(json_error(StatusCode::UNAUTHORIZED, "unauthorized", "the secret key is not valid"));
    }
    n.faults.apply().await
}

fn bad(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"errors": {"request": [message]}}))).into_response()
}

async fn create(State(n): State<Nexi>, h: HeaderMap, Json(b): Json<Value>) -> Response {
    if let Some(r) = guard(&n, &h).await {
        return r;
    }
    let order = &b["order"];
    let (Some(amount), Some(currency)) = (order["amount"].as_i64(), order["currency"].as_str()) else {
        return bad("order.amount and order.currency are required");
    };
    let items = order["items"].as_array().cloned().unwrap_or_default();
    let gross: i64 = items.iter().filter_map(|i| i["grossTotalAmount"].as_i64()).sum();
    if amount <= 0 || items.is_empty() || gross != amount {
        return bad("order.amount must be the sum of the items' grossTotalAmount");
    }
    let hooks = b["notifications"]["webHooks"].as_array().cloned().unwrap_or_default();
    for w in &hooks {
        let auth = w["authorization"].as_str().unwrap_or_default();
        let url = w["url"].as_str().unwrap_or_default();
        if !(8..=64).contains(&auth.len()) || !auth.bytes().all(|c| c.is_ascii_alphanumeric()) || url.len() > 256 {
            return bad("webhook authorization must be 8-64 alphanumerics and url at most 256 characters");
        }
    }
    let id = hex_id();
    let payment = json!({
        "paymentId": id,
        "summary": {"reservedAmount": 0, "chargedAmount": 0, "refundedAmount": 0, "cancelledAmount": 0},
        "orderDetails": {"amount": amount, "currency": currency, "reference": order["reference"].clone()},
        "myReference": b["myReference"].clone(),
        "paymentDetails": {"paymentType": "A2A", "paymentMethod": "AccountToAccount"},
        "created": rfc3339(now()),
        "charges": [],
        "webHooks": hooks,
    });
    n.lock().payments.insert(id.clone(), payment);
    let page = format!("https://test.checkout.dibspayment.eu/hostedpaymentpage/?checkoutKey={id}");
    (StatusCode::CREATED, Json(json!({"paymentId": id, "hostedPaymentPageUrl": page}))).into_response()
}

async fn read(State(n): State<Nexi>, h: HeaderMap, Path(id): Path<String>) -> Response {
    if let Some(r) = guard(&n, &h).await {
        return r;
    }
    match n.lock().payments.get(&id) {
        Some(p) => {
            let mut shown = p.clone();
            if let Some(o) = shown.as_object_mut() {
                o.remove("webHooks");
            }
            Json(json!({"payment": shown})).into_response()
        }
        None => json_error(StatusCode::NOT_FOUND, "not_found", "no such payment"),
    }
}

async fn charge(State(n): State<Nexi>, h: HeaderMap, Path(id): Path<String>, Json(b): Json<Value>) -> Response {
    if let Some(r) = guard(&n, &h).await {
        return r;
    }
    let key = h.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (charge_id, hooks, event) = {
        let mut inner = n.lock();
        if let Some(existing) = key.as_ref().and_then(|k| inner.charge_keys.get(k)) {
            return (StatusCode::CREATED, Json(json!({"chargeId": existing}))).into_response();
        }
        let Some(p) = inner.payments.get_mut(&id) else {
            return json_error(StatusCode::NOT_FOUND, "not_found", "no such payment");
        };
        let total = p["orderDetails"]["amount"].as_i64().unwrap_or(0);
        let charged = p["summary"]["chargedAmount"].as_i64().unwrap_or(0);
        let amount = b["amount"].as_i64().unwrap_or(0);
        if amount <= 0 || charged + amount > total {
            return bad("the amount is more than is left to charge");
        }
        let charge_id = hex_id();
        p["summary"]["chargedAmount"] = json!(charged + amount);
        let currency = p["orderDetails"]["currency"].clone();
        if let Some(list) = p["charges"].as_array_mut() {
            list.push(json!({"chargeId": charge_id, "amount": amount, "created": rfc3339(now())}));
        }
        let event = json!({
            "id": charge_id,
            "timestamp": rfc3339(now()),
            "merchantNumber": MERCHANT_NUMBER,
            "event": "payment.charge.created.v2",
            "data": {"chargeId": charge_id, "paymentMethod": "AccountToAccount", "paymentType": "A2A",
                     "amount": {"amount": amount, "currency": currency}, "paymentId": id},
        });
        let hooks = p["webHooks"].as_array().cloned().unwrap_or_default();
        if let Some(k) = key {
            inner.charge_keys.insert(k, charge_id.clone());
        }
        for w in hooks.iter().filter(|w| w["eventName"] == "payment.charge.created.v2") {
            inner.delivered.push(json!({"url": w["url"], "authorization": w["authorization"], "body": event}));
        }
        (charge_id, hooks, event)
    };
    for w in hooks.iter().filter(|w| w["eventName"] == "payment.charge.created.v2") {
        let (Some(url), Some(auth)) = (w["url"].as_str(), w["authorization"].as_str()) else { continue };
        let headers = vec![("authorization".to_owned(), auth.to_owned())];
        deliver(url.to_owned(), event.to_string().into_bytes(), headers, Duration::from_millis(20));
    }
    (StatusCode::CREATED, Json(json!({"chargeId": charge_id}))).into_response()
}

async fn delivered(State(n): State<Nexi>) -> Response {
    Json(Value::Array(n.lock().delivered.clone())).into_response()
}

async fn set_fault(State(n): State<Nexi>, Json(f): Json<SetFault>) -> Response {
    n.faults.set(f.fault);
    StatusCode::NO_CONTENT.into_response()
}
