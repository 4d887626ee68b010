//! `POST /api/auth/register` `{"phone", "email"}`: sends a 6-digit code to the phone.

use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::auth::notifier::Channel;
use drop_services::auth::otp;
use futures::future::BoxFuture;
use http::StatusCode;
use std::sync::Arc;

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Norwegian mobile number: `+47…`, `0047…` or 8 digits.
    pub phone: String,
    pub email: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct VerificationSent {
    /// `sms` or `email`: where the code went.
    pub channel: &'static str,
}

impl VerificationSent {
    pub fn of(c: Channel) -> Self {
        VerificationSent { channel: if c == Channel::Sms { "sms" } else { "email" } }
    }
}

#[utoipa::path(post, path = "/api/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 202, description = "Code sent", body = VerificationSent),
              (status = 400, description = "Invalid phone or e-mail"), (status = 401), (status = 409, description = "Phone in use")))]
pub async fn register(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let user = req.principal()?.user_id.clone();
    let body: RegisterRequest = req.json()?;
    let channel = otp::request(
        ctx.table.as_ref(),
        &ctx.crypto,
        ctx.notifier.as_ref(),
        &user,
        Some(&body.phone),
        Some(&body.email),
        ctx.clock.epoch(),
    )
    .await?;
    ApiResponse::json(StatusCode::ACCEPTED, &VerificationSent::of(channel))
}

pub fn handler(ctx: Arc<Ctx>, req: ApiRequest) -> BoxFuture<'static, Result<ApiResponse, ApiError>> {
    Box::pin(register(ctx, req))
}
