//! `POST /api/auth/logout`: ends the session family and clears the cookies.

use crate::audit;
use drop_runtime::{cookies, ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::auth::refresh;
use futures::future::BoxFuture;
use http::StatusCode;
use std::sync::Arc;

#[utoipa::path(post, path = "/api/auth/logout", tag = "auth",
    responses((status = 204, description = "Logged out: the session ends at once (access tokens of it answer 401 from now on); cookies cleared"), (status = 403, description = "Missing X-Requested-With")))]
pub async fn logout(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    if let Some(token) = cookies::get(&req.headers, cookies::REFRESH) {
        if let Some(user) = refresh::revoke_by_token(ctx.table.as_ref(), &token).await? {
            audit::record(&ctx, &req, &user, "logout", &user, serde_json::json!({})).await;
        }
    }
    // A client that holds only the access token (bearer) ends its session by that.
    let bearer = req.header("authorization").and_then(|h| h.strip_prefix("Bearer ")).map(|t| t.trim().to_owned());
    if let Some(token) = bearer.or_else(|| cookies::get(&req.headers, cookies::ACCESS)) {
        if let Ok(p) = ctx.tokens()?.verify(&token).await {
            refresh::revoke_family(ctx.table.as_ref(), &p.sid, "logout").await?;
        }
    }
    let mut r = ApiResponse::empty(StatusCode::NO_CONTENT);
    super::clear_session(&mut r);
    Ok(r)
}

pub fn handler(ctx: Arc<Ctx>, req: ApiRequest) -> BoxFuture<'static, Result<ApiResponse, ApiError>> {
    Box::pin(logout(ctx, req))
}
