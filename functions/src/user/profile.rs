//! `GET /api/user/profile` and `PATCH /api/user/profile` (a changed phone or e-mail is
//! re-verified with a code before it takes effect).

use crate::audit;
use crate::auth::register::VerificationSent;
use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::auth::{otp, users};
use futures::future::BoxFuture;
use http::StatusCode;
use std::sync::Arc;

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileResponse {
    pub user_id: String,
    /// `onboarding` until phone and e-mail are verified, then `active`.
    pub status: String,
    /// `user`, `merchant` or `admin`.
    pub role: String,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// `YYYY-MM-DD`.
    pub birthdate: Option<String>,
    /// E.164.
    pub phone: Option<String>,
    pub phone_verified: bool,
    pub email: Option<String>,
    pub email_verified: bool,
    pub pending_verification: bool,
}

impl From<users::Profile> for ProfileResponse {
    fn from(p: users::Profile) -> Self {
        ProfileResponse {
            user_id: p.user_id,
            status: p.status,
            role: p.role.to_owned(),
            name: p.name,
            given_name: p.given_name,
            family_name: p.family_name,
            birthdate: p.birthdate,
            phone: p.phone,
            phone_verified: p.phone_verified,
            email: p.email,
            email_verified: p.email_verified,
            pending_verification: p.pending_verification,
        }
    }
}

#[utoipa::path(get, path = "/api/user/profile", tag = "user",
    responses((status = 200, description = "The profile", body = ProfileResponse), (status = 401)))]
pub async fn get_profile(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let user = &req.principal()?.user_id;
    let p = users::profile(ctx.table.as_ref(), &ctx.crypto, user).await?;
    let mut r = ApiResponse::json(StatusCode::OK, &ProfileResponse::from(p))?;
    r.header("cache-control", "no-store");
    Ok(r)
}

pub fn get_handler(ctx: Arc<Ctx>, req: ApiRequest) -> BoxFuture<'static, Result<ApiResponse, ApiError>> {
    Box::pin(get_profile(ctx, req))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileUpdate {
    pub phone: Option<String>,
    pub email: Option<String>,
}

#[utoipa::path(patch, path = "/api/user/profile", tag = "user", request_body = ProfileUpdate,
    responses((status = 202, description = "Codes sent; each change applies once its code is verified", body = VerificationSent),
              (status = 400), (status = 401), (status = 403, description = "Missing X-Requested-With")))]
pub async fn update_profile(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let user = req.principal()?.user_id.clone();
    let body: ProfileUpdate = req.json()?;
    let channels = otp::request(
        ctx.table.as_ref(),
        &ctx.crypto,
        ctx.notifier()?,
        &user,
        body.phone.as_deref(),
        body.email.as_deref(),
        ctx.clock.epoch(),
    )
    .await?;
    let fields: Vec<&str> = [("phone", body.phone.is_some()), ("email", body.email.is_some())]
        .iter()
        .filter(|f| f.1)
        .map(|f| f.0)
        .collect();
    audit::record(&ctx, &req, &user, "profile.change_requested", &user, serde_json::json!({"fields": fields})).await;
    ApiResponse::json(StatusCode::ACCEPTED, &VerificationSent::of(&channels))
}

pub fn update_handler(ctx: Arc<Ctx>, req: ApiRequest) -> BoxFuture<'static, Result<ApiResponse, ApiError>> {
    Box::pin(update_profile(ctx, req))
}
