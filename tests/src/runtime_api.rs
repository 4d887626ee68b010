//! A Lambda Runtime API emulator (the `2018-06-01` interface a custom runtime polls), for boot
//! tests and cold-start benchmarks: push events, read responses, and see when the runtime first
//! asked for work (its init is done then).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Response(serde_json::Value),
    Error(serde_json::Value),
}

#[derive(Default)]
struct Inner {
    queue: VecDeque<(String, Vec<u8>)>,
    outcomes: HashMap<String, Outcome>,
    first_next: Option<Instant>,
    init_error: Option<String>,
}

#[derive(Clone, Default)]
pub struct Emulator {
    inner: Arc<Mutex<Inner>>,
    work: Arc<Notify>,
    done: Arc<Notify>,
}

pub struct Running {
    pub addr: SocketAddr,
    pub emulator: Emulator,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Emulator {
    pub async fn start() -> Running {
        let emulator = Emulator::default();
        let app = axum::Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(emulator.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind emulator");
        let addr = listener.local_addr().expect("addr");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Running { addr, emulator, server }
    }

    /// Queues an invocation; returns its request id.
    pub fn push(&self, event: &[u8]) -> String {
        let id = ulid::Ulid::new().to_string();
        self.inner.lock().unwrap().queue.push_back((id.clone(), event.to_vec()));
        self.work.notify_waiters();
        self.work.notify_one();
        id
    }

    pub fn first_next(&self) -> Option<Instant> {
        self.inner.lock().unwrap().first_next
    }

    pub fn init_error(&self) -> Option<String> {
        self.inner.lock().unwrap().init_error.clone()
    }

    /// Waits until the runtime asks for its first event (init finished).
    pub async fn wait_ready(&self, timeout: Duration) -> Option<Instant> {
        let end = Instant::now() + timeout;
        while Instant::now() < end {
            if let Some(t) = self.first_next() {
                return Some(t);
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        None
    }

    pub async fn wait_outcome(&self, id: &str, timeout: Duration) -> Option<Outcome> {
        let end = Instant::now() + timeout;
        loop {
            if let Some(o) = self.inner.lock().unwrap().outcomes.get(id).cloned() {
                return Some(o);
            }
            let left = end.checked_duration_since(Instant::now())?;
            let _ = tokio::time::timeout(left.min(Duration::from_millis(20)), self.done.notified()).await;
        }
    }
}

async fn next(State(e): State<Emulator>) -> impl IntoResponse {
    {
        let mut inner = e.inner.lock().unwrap();
        inner.first_next.get_or_insert_with(Instant::now);
    }
    loop {
        if let Some((id, body)) = e.inner.lock().unwrap().queue.pop_front() {
            let deadline = (time::OffsetDateTime::now_utc().unix_timestamp() + 30) * 1000;
            let mut h = HeaderMap::new();
            h.insert("lambda-runtime-aws-request-id", id.parse().unwrap());
            h.insert("lambda-runtime-deadline-ms", deadline.to_string().parse().unwrap());
            h.insert(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:eu-north-1:123456789012:function:test".parse().unwrap(),
            );
            h.insert(
                "lambda-runtime-trace-id",
                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1".parse().unwrap(),
            );
            return (StatusCode::OK, h, body);
        }
        let _ = tokio::time::timeout(Duration::from_millis(50), e.work.notified()).await;
    }
}

fn record(e: &Emulator, id: String, outcome: Outcome) -> StatusCode {
    e.inner.lock().unwrap().outcomes.insert(id, outcome);
    e.done.notify_waiters();
    StatusCode::ACCEPTED
}

async fn response(State(e): State<Emulator>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    let v = serde_json::from_slice(&body).unwrap_or(serde_json::Value::String(String::from_utf8_lossy(&body).into()));
    record(&e, id, Outcome::Response(v))
}

async fn error(State(e): State<Emulator>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    let v = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    record(&e, id, Outcome::Error(v))
}

async fn init_error(State(e): State<Emulator>, body: Bytes) -> StatusCode {
    e.inner.lock().unwrap().init_error = Some(String::from_utf8_lossy(&body).into());
    StatusCode::ACCEPTED
}

/// The environment Lambda gives a function, pointed at an emulator.
pub fn lambda_env(addr: SocketAddr, function: &str) -> Vec<(String, String)> {
    [
        ("AWS_LAMBDA_RUNTIME_API", addr.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", function.to_owned()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256".to_owned()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "local".to_owned()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{function}")),
        ("AWS_LAMBDA_LOG_FORMAT", "JSON".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}
