//! CORS for the one configured frontend origin, with credentials.

use crate::http::ApiResponse;
use http::HeaderMap;

pub const ALLOW_HEADERS: &str = "content-type, authorization, x-requested-with, idempotency-key, x-correlation-id";
pub const ALLOW_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";

fn allowed<'a>(headers: &'a HeaderMap, origin: &str) -> Option<&'a str> {
    headers.get("origin").and_then(|o| o.to_str().ok()).filter(|o| *o == origin)
}

/// Adds the CORS response headers when the request comes from the frontend origin.
pub fn apply(resp: &mut ApiResponse, req_headers: &HeaderMap, origin: &str) {
    resp.header("vary", "Origin");
    if let Some(o) = allowed(req_headers, origin) {
        resp.header("access-control-allow-origin", o);
        resp.header("access-control-allow-credentials", "true");
        resp.header("access-control-expose-headers", "x-request-id, x-correlation-id, retry-after");
    }
}

/// The answer to a preflight `OPTIONS` (API Gateway gives it in AWS; the local stack uses this).
pub fn preflight(req_headers: &HeaderMap, origin: &str) -> ApiResponse {
    let mut r = ApiResponse::empty(http::StatusCode::NO_CONTENT);
    apply(&mut r, req_headers, origin);
    if allowed(req_headers, origin).is_some() {
        r.header("access-control-allow-methods", ALLOW_METHODS);
        r.header("access-control-allow-headers", ALLOW_HEADERS);
        r.header("access-control-max-age", "600");
    }
    r
}
