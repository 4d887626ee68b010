//! The compliance console's static page: `GET /console` (the HTML) and `GET /console/assets/{file}`
//! (its script and style sheet), compiled into the binary. A strict Content-Security-Policy: no
//! inline script or style, nothing from elsewhere, no framing. The page holds no data: it signs in
//! with BankID (the API's session cookies, same origin) and reads `/api/admin/*`, which check the
//! admin role.

use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use http::StatusCode;
use std::sync::Arc;

const INDEX: &str = include_str!("../console/index.html");
const SCRIPT: &str = include_str!("../console/app.js");
const STYLE: &str = include_str!("../console/app.css");

/// The page's policy: its own script, style, API and images; nothing inline, no framing.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; \
base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

fn page(content_type: &str, body: &str, cache: &str) -> ApiResponse {
    let mut r = ApiResponse::with_body(StatusCode::OK, content_type, body.as_bytes().to_vec());
    r.header("content-security-policy", CSP);
    r.header("x-content-type-options", "nosniff");
    r.header("referrer-policy", "no-referrer");
    r.header("x-frame-options", "DENY");
    r.header("cache-control", cache);
    r
}

#[utoipa::path(get, path = "/console", tag = "admin",
    responses((status = 200, description = "The compliance console (HTML; its data comes from /api/admin/*)", content_type = "text/html", body = String)))]
pub async fn index(_ctx: Arc<Ctx>, _req: ApiRequest) -> Result<ApiResponse, ApiError> {
    Ok(page("text/html; charset=utf-8", INDEX, "no-cache"))
}

#[utoipa::path(get, path = "/console/assets/{file}", tag = "admin",
    params(("file" = String, Path, description = "app.js or app.css")),
    responses((status = 200, description = "The console's script or style sheet", content(
                  (String = "text/javascript"), (String = "text/css"))),
              (status = 404)))]
pub async fn asset(_ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    match req.path_params.get("file").map(String::as_str) {
        Some("app.js") => Ok(page("text/javascript; charset=utf-8", SCRIPT, "no-cache")),
        Some("app.css") => Ok(page("text/css; charset=utf-8", STYLE, "no-cache")),
        _ => Err(ApiError::not_found()),
    }
}

crate::handler!(index_handler, index);
crate::handler!(asset_handler, asset);
