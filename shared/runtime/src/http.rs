//! The HTTP request/response every handler sees, the same in Lambda and in the local stack, and the
//! pipeline around a handler: ids, body limit, problem+json, CORS, one log line, metrics.

use crate::function::HttpHandler;
use crate::problem::ApiError;
use crate::Ctx;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub method: Method,
    pub path: String,
    pub path_params: BTreeMap<String, String>,
    pub query: BTreeMap<String, String>,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub request_id: String,
    pub correlation_id: String,
    pub source_ip: Option<String>,
}

impl ApiRequest {
    pub fn new(method: Method, path: &str) -> Self {
        ApiRequest {
            method,
            path: path.to_owned(),
            path_params: BTreeMap::new(),
            query: BTreeMap::new(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            request_id: String::new(),
            correlation_id: String::new(),
            source_ip: None,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Parses the JSON body. A malformed body or a wrong field is a 400 naming the field.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, ApiError> {
        if self.body.is_empty() {
            return Err(ApiError::bad_request("missing-body", "a JSON body is required"));
        }
        let de = &mut serde_json::Deserializer::from_slice(&self.body);
        match serde_path_to_error::deserialize::<_, T>(de) {
            Ok(v) => Ok(v),
            Err(e) => {
                let path = e.path().to_string();
                let inner = e.into_inner();
                if inner.is_syntax() || inner.is_eof() {
                    return Err(ApiError::bad_request("malformed-json", "the body is not valid JSON"));
                }
                // serde's messages name the problem ("missing field `phone`", "invalid type ...")
                // but never echo the submitted value.
                let msg = sanitize(&inner.to_string());
                let field = if path == "." { missing_field(&msg).unwrap_or(path) } else { path };
                Err(ApiError::invalid_field(field, msg))
            }
        }
    }
}

/// serde's messages quote the offending value ("invalid type: integer `4791234567`"); keep what
/// was expected, drop what was sent, so no submitted value reaches a response or a log.
fn sanitize(msg: &str) -> String {
    let msg = msg.split(" at line ").next().unwrap_or(msg);
    let expected = msg.split_once(", expected ").map(|(_, e)| e);
    for kind in ["invalid type", "invalid value", "unknown variant", "invalid length"] {
        if msg.starts_with(kind) {
            return match expected {
                Some(e) => format!("{kind}, expected {e}"),
                None => kind.to_owned(),
            };
        }
    }
    msg.to_owned()
}

fn missing_field(msg: &str) -> Option<String> {
    let rest = msg.strip_prefix("missing field `")?;
    Some(rest.split('`').next()?.to_owned())
}

#[derive(Debug, Clone)]
pub struct ApiResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl ApiResponse {
    pub fn empty(status: StatusCode) -> Self {
        ApiResponse { status, headers: HeaderMap::new(), body: Bytes::new() }
    }

    pub fn with_body(status: StatusCode, content_type: &str, body: Vec<u8>) -> Self {
        let mut r = ApiResponse { status, headers: HeaderMap::new(), body: Bytes::from(body) };
        r.header("content-type", content_type);
        r
    }

    pub fn json<T: serde::Serialize>(status: StatusCode, value: &T) -> Result<Self, ApiError> {
        let body = serde_json::to_vec(value).map_err(|_| ApiError::internal())?;
        Ok(Self::with_body(status, "application/json", body))
    }

    pub fn header(&mut self, name: &str, value: &str) {
        if let (Ok(n), Ok(v)) = (http::HeaderName::try_from(name), HeaderValue::from_str(value)) {
            self.headers.append(n, v);
        }
    }
}

fn valid_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Runs one HTTP request through a handler with everything around it.
pub async fn handle(ctx: Arc<Ctx>, function: &str, handler: HttpHandler, mut req: ApiRequest) -> ApiResponse {
    let started = Instant::now();
    if !valid_id(&req.request_id) {
        req.request_id = ulid::Ulid::new().to_string();
    }
    req.correlation_id = match req.header("x-correlation-id") {
        Some(c) if valid_id(c) => c.to_owned(),
        _ => req.request_id.clone(),
    };
    let (method, path, request_id, correlation_id) =
        (req.method.clone(), req.path.clone(), req.request_id.clone(), req.correlation_id.clone());
    let headers = req.headers.clone();
    let limit = ctx.config.max_body_bytes;
    let result =
        if req.body.len() > limit { Err(ApiError::payload_too_large(limit)) } else { handler(ctx.clone(), req).await };
    let mut resp = match result {
        Ok(r) => r,
        Err(e) => {
            if e.status.is_server_error() {
                tracing::error!(function, problem = e.slug, detail = %e.detail, request_id, "request failed");
            }
            e.to_response(&path)
        }
    };
    resp.header("x-request-id", &request_id);
    resp.header("x-correlation-id", &correlation_id);
    crate::cors::apply(&mut resp, &headers, &ctx.config.frontend_origin);
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(
        function,
        method = %method,
        path = %path,
        status = resp.status.as_u16(),
        duration_ms = (ms * 100.0).round() / 100.0,
        request_id,
        correlation_id,
        "request"
    );
    ctx.metrics.record(function, &[("Latency", ms, "Milliseconds"), (status_metric(resp.status), 1.0, "Count")]);
    resp
}

fn status_metric(s: StatusCode) -> &'static str {
    match s.as_u16() {
        500..=599 => "Status5xx",
        400..=499 => "Status4xx",
        _ => "Status2xx",
    }
}
