//! Nexi Checkout (Nets Easy) Payment API v1 simulator (`reference/providers.md` §4, partly
//! unconfirmed): create a payment (`POST /v1/payments`, its order, reference and webhooks), charge
//! it (`POST /v1/payments/{id}/charges`, deduplicated by `Idempotency-Key`), read it
//! (`GET /v1/payments/{id}`: summary, charges), refund a charge (`POST /v1/charges/{id}/refunds`,
//! by `Idempotency-Key`), and the Reporting API's payouts (`GET /report/v1/payouts`, `…/{id}` with
//! payment actions; `reference/banking-and-notifications.md` §2, unconfirmed): `POST
//! /_sim/payouts` pays out what was charged and refunded since the last run. A charge sends `payment.charge.created.v2` to the
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
    /// Charge id → payment id.
    charges: HashMap<String, String>,
    /// Refund `Idempotency-Key` → refund id.
    refund_keys: HashMap<String, String>,
    /// Charges and refunds not paid out yet (payment actions as the report shows them).
    unpaid: Vec<Value>,
    /// Payouts made, oldest first (with their payment actions).
    payouts: Vec<Value>,
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
        .route("/nexi/v1/charges/{id}/refunds", post(refund))
        .route("/nexi/report/v1/payouts", get(payouts))
        .route("/nexi/report/v1/payouts/{id}", get(payout))
        .route("/nexi/_sim/payouts", post(make_payout))
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
        let reference = p["orderDetails"]["reference"].clone();
        if let Some(k) = key {
            inner.charge_keys.insert(k, charge_id.clone());
        }
        inner.charges.insert(charge_id.clone(), id.clone());
        inner.unpaid.push(action(&charge_id, &id, "Charge", amount, &currency, &reference));
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

/// A payment action as the payout report lists it.
fn action(id: &str, payment_id: &str, kind: &str, amount: i64, currency: &Value, reference: &Value) -> Value {
    json!({"id": id, "paymentId": payment_id, "paymentAction": kind, "paymentMethod": "AccountToAccount",
           "paymentType": "A2A", "timestamp": rfc3339(now()), "reference": reference, "amount": amount,
           "vatAmount": 0, "currency": currency, "fee": 0, "flexibleFee": 0, "fixedFee": 0})
}

async fn refund(State(n): State<Nexi>, h: HeaderMap, Path(charge_id): Path<String>, Json(b): Json<Value>) -> Response {
    if let Some(r) = guard(&n, &h).await {
        return r;
    }
    let key = h.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut inner = n.lock();
    if let Some(existing) = key.as_ref().and_then(|k| inner.refund_keys.get(k)) {
        return (StatusCode::CREATED, Json(json!({"refundId": existing}))).into_response();
    }
    let Some(payment_id) = inner.charges.get(&charge_id).cloned() else {
        return json_error(StatusCode::NOT_FOUND, "not_found", "no such charge");
    };
    let Some(p) = inner.payments.get_mut(&payment_id) else {
        return json_error(StatusCode::NOT_FOUND, "not_found", "no such payment");
    };
    let charged: i64 = p["charges"]
        .as_array()
        .map(|c| c.iter().filter(|c| c["chargeId"] == charge_id.as_str()).filter_map(|c| c["amount"].as_i64()).sum())
        .unwrap_or(0);
    let refunded: i64 = p["refunds"]
        .as_array()
        .map(|r| r.iter().filter(|r| r["chargeId"] == charge_id.as_str()).filter_map(|r| r["amount"].as_i64()).sum())
        .unwrap_or(0);
    let amount = b["amount"].as_i64().unwrap_or(0);
    if amount <= 0 || refunded + amount > charged {
        return bad("the amount is more than is left to refund");
    }
    let refund_id = hex_id();
    let total = p["summary"]["refundedAmount"].as_i64().unwrap_or(0);
    p["summary"]["refundedAmount"] = json!(total + amount);
    let entry = json!({"refundId": refund_id, "chargeId": charge_id, "amount": amount, "created": rfc3339(now())});
    match p["refunds"].as_array_mut() {
        Some(list) => list.push(entry),
        None => p["refunds"] = json!([entry]),
    }
    let (currency, reference) = (p["orderDetails"]["currency"].clone(), p["orderDetails"]["reference"].clone());
    inner.unpaid.push(action(&refund_id, &payment_id, "Refund", amount, &currency, &reference));
    if let Some(k) = key {
        inner.refund_keys.insert(k, refund_id.clone());
    }
    (StatusCode::CREATED, Json(json!({"refundId": refund_id}))).into_response()
}

/// The simulator's payout run: everything charged or refunded since the last one is paid out in
/// one payout per currency, dated today. `{"skew": n}` adds `n` to the first charge's amount in
/// the report (a report that disagrees with Drop's books, for tests).
async fn make_payout(State(n): State<Nexi>, body: Option<Json<Value>>) -> Response {
    let skew = body.and_then(|Json(b)| b["skew"].as_i64()).unwrap_or(0);
    let mut inner = n.lock();
    let mut actions = std::mem::take(&mut inner.unpaid);
    if let Some(first) = actions.iter_mut().find(|a| a["paymentAction"] == "Charge") {
        first["amount"] = json!(first["amount"].as_i64().unwrap_or(0) + skew);
    }
    let mut made = Vec::new();
    let mut currencies: Vec<Value> = actions.iter().map(|a| a["currency"].clone()).collect();
    currencies.dedup();
    for currency in currencies {
        let mine: Vec<Value> = actions.iter().filter(|a| a["currency"] == currency).cloned().collect();
        let sum = |kind: &str| {
            mine.iter().filter(|a| a["paymentAction"] == kind).filter_map(|a| a["amount"].as_i64()).sum::<i64>()
        };
        let count = |kind: &str| mine.iter().filter(|a| a["paymentAction"] == kind).count();
        let (charged, refunded) = (sum("Charge"), sum("Refund"));
        let number = inner.payouts.len() + 1;
        let payout = json!({
            "id": hex_id(), "reference": format!("NETS PAYOUT {number}"),
            "date": format!("{}", now().date()), "bankAccountIban": "NO9386011117947",
            "bankAccountBic": "DNBANOKK", "currency": currency, "amount": charged - refunded,
            "chargedAmount": charged, "numberOfCharges": count("Charge"), "refundedAmount": refunded,
            "numberOfRefunds": count("Refund"), "depositedAmount": charged - refunded, "numberOfDeposits": 0,
            "fees": 0, "feeTaxRate": 0, "feeTaxAmount": 0, "transactionTaxDetails": [],
            "numberOfPaymentActions": mine.len(), "paymentActions": mine,
        });
        made.push(payout["id"].clone());
        inner.payouts.push(payout);
    }
    Json(json!({"payouts": made})).into_response()
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct PayoutQuery {
    from_date: Option<String>,
    to_date: Option<String>,
    page_number: Option<usize>,
    page_size: Option<usize>,
}

/// `GET /report/v1/payouts?fromDate&toDate[&pageNumber][&pageSize]`: payouts dated in the range
/// (inclusive), without their payment actions.
async fn payouts(
    State(n): State<Nexi>,
    h: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<PayoutQuery>,
) -> Response {
    if let Some(r) = guard(&n, &h).await {
        return r;
    }
    let (Some(from), Some(to)) = (q.from_date, q.to_date) else {
        return bad("fromDate and toDate are required");
    };
    let (page, size) = (q.page_number.unwrap_or(0), q.page_size.unwrap_or(100).clamp(1, 1000));
    let inner = n.lock();
    let dated: Vec<Value> = inner
        .payouts
        .iter()
        .filter(|p| p["date"].as_str().is_some_and(|d| d >= from.as_str() && d <= to.as_str()))
        .map(|p| {
            let mut shown = p.clone();
            if let Some(o) = shown.as_object_mut() {
                o.remove("paymentActions");
                o.remove("numberOfPaymentActions");
            }
            shown
        })
        .collect();
    let shown: Vec<Value> = dated.iter().skip(page * size).take(size).cloned().collect();
    Json(json!({"numberOfPayouts": dated.len(), "payouts": shown})).into_response()
}

async fn payout(State(n): State<Nexi>, h: HeaderMap, Path(id): Path<String>) -> Response {
    if let Some(r) = guard(&n, &h).await {
        return r;
    }
    match n.lock().payouts.iter().find(|p| p["id"] == id.as_str()) {
        Some(p) => Json(p.clone()).into_response(),
        None => json_error(StatusCode::NOT_FOUND, "not_found", "no such payout"),
    }
}

async fn delivered(State(n): State<Nexi>) -> Response {
    Json(Value::Array(n.lock().delivered.clone())).into_response()
}

async fn set_fault(State(n): State<Nexi>, Json(f): Json<SetFault>) -> Response {
    n.faults.set(f.fault);
    StatusCode::NO_CONTENT.into_response()
}
