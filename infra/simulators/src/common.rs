//! Pieces the simulators share: ids, time, fault modes, JSON errors.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub fn id() -> String {
    ulid::Ulid::new().to_string().to_lowercase()
}

pub fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

pub fn rfc3339(t: time::OffsetDateTime) -> String {
    drop_domain::time::rfc3339(t)
}

/// What a simulator does wrong on purpose, switched by tests through `POST …/_sim/fault`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    #[default]
    None,
    /// 429 with `Retry-After: 1`.
    TooManyRequests,
    /// 500.
    ServerError,
    /// Answers after 3 seconds.
    Slow,
    /// Refuses payments/transfers (a business rejection).
    Reject,
    /// Does the work, then answers 504 as a gateway that timed out would: the caller cannot know
    /// it happened (payment initiations).
    LostAnswer,
}

#[derive(Clone, Default)]
pub struct Faults(Arc<Mutex<Fault>>);

impl Faults {
    pub fn set(&self, f: Fault) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = f;
    }

    pub fn get(&self) -> Fault {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A response if a transport-level fault is on (after sleeping for `Slow`).
    pub async fn apply(&self) -> Option<Response> {
        match self.get() {
            Fault::TooManyRequests => Some(
                (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")], "{\"errors\":[{\"code\":\"rate_limited\"}]}")
                    .into_response(),
            ),
            Fault::ServerError => {
                Some((StatusCode::INTERNAL_SERVER_ERROR, "{\"errors\":[{\"code\":\"internal\"}]}").into_response())
            }
            Fault::Slow => {
                tokio::time::sleep(Duration::from_secs(3)).await;
                None
            }
            Fault::None | Fault::Reject | Fault::LostAnswer => None,
        }
    }
}

#[derive(serde::Deserialize)]
pub struct SetFault {
    pub fault: Fault,
}

pub fn json_error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, axum::Json(serde_json::json!({"errors": [{"code": code, "message": message}]}))).into_response()
}

/// Posts a JSON body to a callback URL in the background, as a provider would: after `delay`,
/// retried a few times until it gets a 2xx.
pub fn deliver(url: String, body: Vec<u8>, headers: Vec<(String, String)>, delay: Duration) {
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let client = reqwest::Client::new();
        for attempt in 0..5u64 {
            let mut req = client.post(&url).header("content-type", "application/json").body(body.clone());
            for (k, v) in &headers {
                req = req.header(k, v);
            }
            if matches!(req.send().await, Ok(r) if r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200 * (attempt + 1))).await;
        }
    });
}
