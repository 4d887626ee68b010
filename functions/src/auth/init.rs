//! `POST /api/auth/bankid/init`: starts a BankID login.

use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::auth::login;
use futures::future::BoxFuture;
use http::StatusCode;
use std::sync::Arc;

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InitResponse {
    /// Where to send the browser: BankID's authorize endpoint with state, nonce and PKCE.
    pub authorize_url: String,
}

/// Where the login returns to (optional; the frontend by default).
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InitRequest {
    /// `console`: back to the compliance console (`/console`) instead of the frontend.
    pub return_to: Option<ReturnTo>,
}

/// Where a login may return to besides the frontend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReturnTo {
    Console,
}

#[utoipa::path(post, path = "/api/auth/bankid/init", tag = "auth", request_body(content = Option<InitRequest>, description = "Optional"),
    responses((status = 200, description = "Login started (state kept 10 minutes); sets `__Host-drop_login`, which the callback requires (and `__Host-drop_return` for the console)", body = InitResponse),
              (status = 400, description = "A body that is not an InitRequest"),
              (status = 429, description = "Too many logins from this address"),
              (status = 502, description = "BankID did not answer")))]
pub async fn init(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let console = !req.body.iter().all(u8::is_ascii_whitespace)
        && req.json::<Option<InitRequest>>()?.and_then(|b| b.return_to) == Some(ReturnTo::Console);
    let (url, state) = login::start(ctx.table.as_ref(), ctx.idp()?, ctx.clock.epoch()).await?;
    let mut r = ApiResponse::json(StatusCode::OK, &InitResponse { authorize_url: url })?;
    r.header("cache-control", "no-store");
    r.header("set-cookie", &drop_runtime::cookies::bind(drop_runtime::cookies::LOGIN_FLOW, &state));
    if console {
        r.header("set-cookie", &drop_runtime::cookies::return_to("console"));
    }
    Ok(r)
}

pub fn handler(ctx: Arc<Ctx>, req: ApiRequest) -> BoxFuture<'static, Result<ApiResponse, ApiError>> {
    Box::pin(init(ctx, req))
}
