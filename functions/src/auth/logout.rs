//! `POST /api/auth/logout`: ends the session family and clears the cookies.

use crate::audit;
use drop_runtime::{cookies, ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::auth::refresh;
use futures::future::BoxFuture;
use http::StatusCode;
use std::sync::Arc;

#[utoipa::path(post, path = "/api/auth/logout", tag = "auth",
    responses((status = 204, description = "Logged out; cookies cleared"), (status = 403, description = "Missing X-Requested-With")))]
pub async fn logout(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    if let Some(token) = cookies::get(&req.headers, cookies::REFRESH) {
        if let Some(user) = refresh::revoke_by_token(ctx.table.as_ref(), &token).await? {
            audit::record(&ctx, &req, &user, "logout", &user, serde_json::json!({})).await;
        }
    }
    let mut r = ApiResponse::empty(StatusCode::NO_CONTENT);
    super::clear_session(&mut r);
    Ok(r)
}

pub fn handler(ctx: Arc<Ctx>, req: ApiRequest) -> BoxFuture<'static, Result<ApiResponse, ApiError>> {
    Box::pin(logout(ctx, req))
}
