//! `POST /api/auth/refresh`: a new access token and a new refresh token for the refresh cookie.
//! Presenting a refresh token a second time revokes its whole session family.

use crate::audit;
use drop_runtime::{cookies, ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::auth::tokens::{Principal, ACCESS_TTL_SECS};
use drop_services::auth::{refresh, AuthError};
use futures::future::BoxFuture;
use http::StatusCode;
use std::sync::Arc;

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefreshResponse {
    /// Seconds until the new access token expires.
    pub expires_in: i64,
}

#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth",
    responses((status = 200, description = "Rotated: new cookies set", body = RefreshResponse),
              (status = 401, description = "No valid session; a reused token revokes the family"),
              (status = 403, description = "Missing X-Requested-With")))]
pub async fn refresh_session(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let token = cookies::get(&req.headers, cookies::REFRESH).ok_or_else(ApiError::unauthorized)?;
    match refresh::rotate(ctx.table.as_ref(), &token, ctx.clock.epoch()).await {
        Ok((session, next)) => {
            let p = Principal { user_id: session.user_id, role: session.role, sid: session.family };
            let access = ctx.tokens()?.issue(&p).await?;
            let mut r = ApiResponse::json(StatusCode::OK, &RefreshResponse { expires_in: ACCESS_TTL_SECS })?;
            super::set_session(&mut r, &access, &next);
            Ok(r)
        }
        Err(e) => {
            if matches!(e, AuthError::Reuse) {
                let owner = refresh::owner(ctx.table.as_ref(), &token).await.ok().flatten();
                let (subject, family) = owner.unwrap_or_else(|| ("SYSTEM".into(), String::new()));
                audit::record(&ctx, &req, &subject, "token.reuse", "anonymous", serde_json::json!({"family": family}))
                    .await;
            }
            let mut r = ApiError::from(e).to_response(&req.path);
            super::clear_session(&mut r);
            Ok(r)
        }
    }
}

pub fn handler(ctx: Arc<Ctx>, req: ApiRequest) -> BoxFuture<'static, Result<ApiResponse, ApiError>> {
    Box::pin(refresh_session(ctx, req))
}
