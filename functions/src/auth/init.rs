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

#[utoipa::path(post, path = "/api/auth/bankid/init", tag = "auth",
    responses((status = 200, description = "Login started (state kept 10 minutes); sets `__Host-drop_login`, which the callback requires", body = InitResponse),
              (status = 429, description = "Too many logins from this address"),
              (status = 502, description = "BankID did not answer")))]
pub async fn init(ctx: Arc<Ctx>, _req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let (url, state) = login::start(ctx.table.as_ref(), ctx.idp()?, ctx.clock.epoch()).await?;
    let mut r = ApiResponse::json(StatusCode::OK, &InitResponse { authorize_url: url })?;
    r.header("cache-control", "no-store");
    r.header("set-cookie", &drop_runtime::cookies::bind(drop_runtime::cookies::LOGIN_FLOW, &state));
    Ok(r)
}

pub fn handler(ctx: Arc<Ctx>, req: ApiRequest) -> BoxFuture<'static, Result<ApiResponse, ApiError>> {
    Box::pin(init(ctx, req))
}
