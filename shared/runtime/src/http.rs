//! The pipeline around a handler, the same in Lambda and in the local stack: ids, body limit,
//! rate limits, authentication, problem+json, CORS, one log line, metrics.

use crate::function::{Access, HttpHandler, LimitClass};
pub use crate::message::{no_check, ApiRequest, ApiResponse, RouteCheck};
use crate::problem::ApiError;
use crate::Ctx;
use http::{Method, StatusCode};
use std::sync::Arc;
use std::time::Instant;

fn valid_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The route's access rule and rate-limit class.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    pub access: Access,
    pub limit: LimitClass,
    /// Whether the request is for this route at all: API Gateway sends `GET /api/payment/confirm`
    /// to `GET /api/payment/{id}`, but the path names a resource that has no GET (405).
    pub check: RouteCheck,
}

fn unsafe_method(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Cookie-authenticated unsafe requests must carry `X-Requested-With` (a custom header a form
/// or image cannot send cross-site) and, when the browser names an `Origin`, the frontend's or the
/// API's own (the compliance console, served by the API).
fn csrf_ok(req: &ApiRequest, origins: [&str; 2]) -> bool {
    req.header("x-requested-with").is_some_and(|v| !v.is_empty())
        && req.header("origin").is_none_or(|o| origins.iter().any(|ok| !ok.is_empty() && *ok == o))
}

async fn limit(ctx: &Ctx, scope: &str, subject: &str, max: u32) -> Result<(), ApiError> {
    let l = drop_services::auth::ratelimit::Limit { max, window_secs: 60 };
    match drop_services::auth::ratelimit::hit(ctx.table.as_ref(), scope, subject, l, ctx.clock.epoch()).await {
        Ok(None) => Ok(()),
        Ok(Some(retry)) => Err(ApiError::too_many(retry)),
        // A rate limiter that cannot count does not stop traffic; it is logged.
        Err(e) => {
            tracing::warn!(error = %e, "rate limit not counted");
            Ok(())
        }
    }
}

/// Rate limits, authentication, CSRF and roles: everything before the handler runs.
async fn admit(ctx: &Ctx, settings: &crate::config::Http, route: Route, req: &mut ApiRequest) -> Result<(), ApiError> {
    let l = settings.limits;
    // The client IP, hashed: counters need no raw IP.
    let ip = drop_services::digest::sha256_hex(req.source_ip.as_deref().unwrap_or("unknown").as_bytes());
    let ip = &ip[..32];
    let (per_ip, per_user) = match route.limit {
        LimitClass::Login => (l.login_per_ip, l.default_per_user),
        LimitClass::Verify => (l.verify_per_ip, l.verify_per_user),
        LimitClass::Default => (l.default_per_ip, l.default_per_user),
    };
    let scope = match route.limit {
        LimitClass::Login => "login",
        LimitClass::Verify => "verify",
        LimitClass::Default => "api",
    };
    limit(ctx, &format!("{scope}-ip"), ip, per_ip).await?;
    let origin = [settings.frontend_origin.as_str(), ctx.config.api_base_url.as_deref().unwrap_or_default()];
    match route.access {
        Access::Public => Ok(()),
        Access::RefreshCookie => {
            if unsafe_method(&req.method) && !csrf_ok(req, origin) {
                return Err(ApiError::csrf());
            }
            Ok(())
        }
        Access::Roles(roles) => {
            let bearer =
                req.header("authorization").and_then(|h| h.strip_prefix("Bearer ")).map(|t| t.trim().to_owned());
            let (token, via_cookie) = match bearer {
                Some(t) => (t, false),
                None => (
                    crate::cookies::get(&req.headers, crate::cookies::ACCESS).ok_or_else(ApiError::unauthorized)?,
                    true,
                ),
            };
            let principal = ctx.tokens()?.verify(&token).await.map_err(|_| ApiError::unauthorized())?;
            if via_cookie && unsafe_method(&req.method) && !csrf_ok(req, origin) {
                return Err(ApiError::csrf());
            }
            if !roles.contains(&principal.role) {
                return Err(ApiError::forbidden());
            }
            // The session must still be live (logout and a revoked family end it at once); read
            // concurrently with the rate-limit counter, so it adds no sequential round trip.
            let now = ctx.clock.epoch();
            let user_scope = format!("{scope}-user");
            let (limited, live) = futures::join!(
                limit(ctx, &user_scope, &principal.user_id, per_user),
                drop_services::auth::refresh::is_active(ctx.table.as_ref(), &principal.sid, now)
            );
            match live {
                Ok(true) => {}
                Ok(false) => return Err(ApiError::unauthorized()),
                Err(e) => {
                    tracing::warn!(error = %e, "session not read");
                    return Err(ApiError::unavailable("sessions cannot be checked now; try again"));
                }
            }
            limited?;
            req.principal = Some(principal);
            Ok(())
        }
    }
}

/// Runs one HTTP request through a handler with everything around it.
pub async fn handle(
    ctx: Arc<Ctx>,
    function: &str,
    route: Route,
    handler: HttpHandler,
    mut req: ApiRequest,
) -> ApiResponse {
    let started = Instant::now();
    let settings = match ctx.config.http() {
        Ok(s) => s.clone(),
        Err(e) => return ApiError::from(e).to_response(&req.path),
    };
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
    let max_body = settings.max_body_bytes;
    let result = if let Err(e) = (route.check)(&req) {
        Err(e)
    } else if req.body.len() > max_body {
        Err(ApiError::payload_too_large(max_body))
    } else {
        let run = async {
            match admit(&ctx, &settings, route, &mut req).await {
                Ok(()) => handler(ctx.clone(), req).await,
                Err(e) => Err(e),
            }
        };
        drop_services::aws_calls::within(function, run).await
    };
    let mut resp = match result {
        Ok(r) => r,
        Err(e) => {
            if e.status.is_server_error() {
                tracing::error!(function, problem = e.slug, detail = %e.detail, request_id, "request failed");
            }
            e.to_response(&path)
        }
    };
    // Nothing a signed-in user sees may be kept by a browser or proxy cache.
    if !matches!(route.access, Access::Public) && !resp.headers.contains_key("cache-control") {
        resp.header("cache-control", "no-store");
    }
    resp.header("x-request-id", &request_id);
    resp.header("x-correlation-id", &correlation_id);
    crate::cors::apply(&mut resp, &headers, &settings.frontend_origin);
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
