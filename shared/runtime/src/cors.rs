//! CORS for the one configured frontend origin, with credentials. In AWS, API Gateway answers
//! CORS itself from the template's `CorsConfiguration` and drops what the backend sets; a test
//! holds the template to these lists, so both places say the same.

use crate::message::ApiResponse;
use http::HeaderMap;

/// Request headers the frontend may send.
pub const ALLOW_HEADERS: &[&str] =
    &["content-type", "authorization", "x-requested-with", "idempotency-key", "x-correlation-id"];
pub const ALLOW_METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
/// Response headers the frontend may read.
pub const EXPOSE_HEADERS: &[&str] = &["x-request-id", "x-correlation-id", "retry-after"];
/// Seconds a preflight answer may be cached.
pub const MAX_AGE: u32 = 600;

fn allowed<'a>(headers: &'a HeaderMap, origin: &str) -> Option<&'a str> {
    headers.get("origin").and_then(|o| o.to_str().ok()).filter(|o| *o == origin)
}

/// Adds the CORS response headers when the request comes from the frontend origin.
pub fn apply(resp: &mut ApiResponse, req_headers: &HeaderMap, origin: &str) {
    resp.header("vary", "Origin");
    if let Some(o) = allowed(req_headers, origin) {
        resp.header("access-control-allow-origin", o);
        resp.header("access-control-allow-credentials", "true");
        resp.header("access-control-expose-headers", &EXPOSE_HEADERS.join(", "));
    }
}

/// The answer to a preflight `OPTIONS` (API Gateway gives it in AWS; the local stack uses this).
pub fn preflight(req_headers: &HeaderMap, origin: &str) -> ApiResponse {
    let mut r = ApiResponse::empty(http::StatusCode::NO_CONTENT);
    apply(&mut r, req_headers, origin);
    if allowed(req_headers, origin).is_some() {
        r.header("access-control-allow-methods", &ALLOW_METHODS.join(", "));
        r.header("access-control-allow-headers", &ALLOW_HEADERS.join(", "));
        r.header("access-control-max-age", &MAX_AGE.to_string());
    }
    r
}
