//! `POST /api/auth/register` `{"phone", "email"}`: sends a 6-digit code to the phone and another to
//! the e-mail address.

use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::auth::otp;
use drop_services::notify::Channel;
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
    /// `sms` or `email`: where the first code went (the phone's, if it changes).
    pub channel: &'static str,
    /// Every channel a code went to: each contact is verified by its own code.
    pub channels: Vec<&'static str>,
}

fn channel_name(c: Channel) -> &'static str {
    if c == Channel::Sms {
        "sms"
    } else {
        "email"
    }
}

impl VerificationSent {
    pub fn of(channels: &[Channel]) -> Self {
        let channels: Vec<&'static str> = channels.iter().map(|c| channel_name(*c)).collect();
        VerificationSent { channel: channels.first().copied().unwrap_or("email"), channels }
    }
}

#[utoipa::path(post, path = "/api/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 202, description = "Codes sent (the same answer for a number another account has: its owner is told instead)", body = VerificationSent),
              (status = 400, description = "Invalid phone or e-mail"), (status = 401)))]
pub async fn register(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let user = req.principal()?.user_id.clone();
    let body: RegisterRequest = req.json()?;
    let channels = otp::request(
        ctx.table.as_ref(),
        &ctx.crypto,
        ctx.notifier()?,
        &user,
        Some(&body.phone),
        Some(&body.email),
        ctx.clock.epoch(),
    )
    .await?;
    ApiResponse::json(StatusCode::ACCEPTED, &VerificationSent::of(&channels))
}

pub fn handler(ctx: Arc<Ctx>, req: ApiRequest) -> BoxFuture<'static, Result<ApiResponse, ApiError>> {
    Box::pin(register(ctx, req))
}
