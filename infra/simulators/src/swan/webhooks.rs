//! Swan's webhooks: only `{eventType, eventId, eventDate, projectId, resourceId}` with the
//! subscription's secret in `x-swan-secret`; anything but a 2xx is retried up to 7 times (Swan:
//! every 30 s; here every `retry_ms`), then given up. Knobs make deliveries duplicated, reordered
//! (held back and sent after the next event), delayed or lost.

use super::{Swan, PROJECT_ID, WEBHOOK_SECRET};
use crate::common::{id, now, rfc3339};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Swan retries a failed delivery this many times.
pub const RETRIES: u32 = 7;

#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct WebhookKnobs {
    /// Each event is sent twice.
    pub duplicate: bool,
    /// Each event is held back until the next one has been sent.
    pub reorder: bool,
    /// Milliseconds before each delivery.
    pub delay_ms: u64,
    /// Events are not sent at all (the reconciliation poll must find them).
    pub lose: bool,
    /// Milliseconds between retries.
    pub retry_ms: u64,
    /// The secret sent (a wrong one shows Drop refusing it).
    pub secret: String,
    /// One delivery at a time, in order (moto restores a table snapshot when a transaction fails,
    /// undoing a concurrent one: the AWS-adapter runs need deliveries apart; DynamoDB does not).
    pub serial: bool,
}

impl Default for WebhookKnobs {
    fn default() -> Self {
        WebhookKnobs {
            duplicate: false,
            reorder: false,
            delay_ms: 0,
            lose: false,
            retry_ms: 300,
            secret: WEBHOOK_SECRET.to_owned(),
            serial: false,
        }
    }
}

#[derive(Default)]
struct Log {
    knobs: WebhookKnobs,
    held: Option<Value>,
    /// `{body, status: "delivered" | "gave_up" | "lost"}` per delivery.
    deliveries: Vec<Value>,
}

#[derive(Clone)]
pub struct Emitter {
    url: String,
    log: Arc<Mutex<Log>>,
    /// Held through a delivery when `serial`.
    one_at_a_time: Arc<tokio::sync::Mutex<()>>,
}

impl Emitter {
    pub fn new(url: String, knobs: WebhookKnobs) -> Emitter {
        Emitter {
            url,
            log: Arc::new(Mutex::new(Log { knobs, ..Log::default() })),
            one_at_a_time: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Tells Drop that `resource_id` changed (`Transaction.Booked`, `Consent.Granted`, …).
    pub fn emit(&self, event_type: &str, resource_id: &str) {
        if self.url.is_empty() {
            return;
        }
        let body = json!({
            "eventType": event_type,
            "eventId": id(),
            "eventDate": rfc3339(now()),
            "projectId": PROJECT_ID,
            "resourceId": resource_id,
        });
        let (knobs, send) = {
            let mut g = self.lock();
            let knobs = g.knobs.clone();
            if knobs.lose {
                g.deliveries.push(json!({"body": body, "status": "lost"}));
                return;
            }
            let mut send = vec![];
            if knobs.reorder {
                // This one waits; the one held before goes now (after this one, in effect).
                send.extend(g.held.replace(body));
            } else {
                send.push(body);
            }
            (knobs, send)
        };
        for b in send {
            let times = if knobs.duplicate { 2 } else { 1 };
            for _ in 0..times {
                self.deliver(b.clone(), &knobs);
            }
        }
    }

    fn deliver(&self, body: Value, knobs: &WebhookKnobs) {
        let (url, me, knobs) = (self.url.clone(), self.clone(), knobs.clone());
        // Taken before the task starts, so serial deliveries keep the order they were emitted in.
        let turn = knobs.serial.then(|| self.one_at_a_time.clone().try_lock_owned());
        let queue = self.one_at_a_time.clone();
        tokio::spawn(async move {
            let _turn = match turn {
                Some(Ok(t)) => Some(t),
                Some(Err(_)) => Some(queue.lock_owned().await),
                None => None,
            };
            tokio::time::sleep(Duration::from_millis(knobs.delay_ms)).await;
            let client = reqwest::Client::new();
            for attempt in 0..=RETRIES {
                let req = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("x-swan-secret", &knobs.secret)
                    .timeout(Duration::from_secs(10))
                    .json(&body);
                if matches!(req.send().await, Ok(r) if r.status().is_success()) {
                    me.lock().deliveries.push(json!({"body": body, "status": "delivered", "attempts": attempt + 1}));
                    return;
                }
                tokio::time::sleep(Duration::from_millis(knobs.retry_ms)).await;
            }
            me.lock().deliveries.push(json!({"body": body, "status": "gave_up", "attempts": RETRIES + 1}));
        });
    }
}

pub async fn set_knobs(State(s): State<Swan>, Json(k): Json<WebhookKnobs>) -> StatusCode {
    let mut g = s.webhooks.lock();
    // A held event goes out when reordering is switched off.
    let held = if k.reorder { None } else { g.held.take() };
    g.knobs = k.clone();
    drop(g);
    if let Some(b) = held {
        s.webhooks.deliver(b, &k);
    }
    StatusCode::NO_CONTENT
}

pub async fn delivered(State(s): State<Swan>) -> Json<Value> {
    Json(json!({"deliveries": s.webhooks.lock().deliveries.clone()}))
}
