//! `POST /api/auth/verify` `{"code", "channel"}`: confirms the pending phone or e-mail address; the
//! user is active once both are verified.

use crate::audit;
use crate::user::profile::ProfileResponse;
use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::auth::{otp, users};
use futures::future::BoxFuture;
use http::StatusCode;
use std::sync::Arc;

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The 6-digit code (surrounding spaces are ignored).
    #[schema(pattern = "^ *[0-9]{6} *$")]
    pub code: String,
    /// Which contact the code verifies: `sms` (the phone) or `email`. Default: the phone's code
    /// while one is pending, else the e-mail's.
    pub channel: Option<VerifyChannel>,
}

#[derive(serde::Deserialize, utoipa::ToSchema, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum VerifyChannel {
    Sms,
    Email,
}

#[utoipa::path(post, path = "/api/auth/verify", tag = "auth", request_body = VerifyRequest,
    responses((status = 200, description = "Verified; the profile", body = ProfileResponse),
              (status = 400, description = "Wrong or expired code"), (status = 429, description = "Too many attempts")))]
pub async fn verify(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let user = req.principal()?.user_id.clone();
    let body: VerifyRequest = req.json()?;
    let channel = body.channel.map(|c| match c {
        VerifyChannel::Sms => drop_services::notify::Channel::Sms,
        VerifyChannel::Email => drop_services::notify::Channel::Email,
    });
    let result = otp::verify(ctx.table.as_ref(), &ctx.crypto, &user, channel, body.code.trim_matches(' ')).await;
    let outcome = if result.is_ok() { "verified" } else { "rejected" };
    audit::record(&ctx, &req, &user, "contact.verify", &user, serde_json::json!({"outcome": outcome})).await;
    result?;
    let p = users::profile(ctx.table.as_ref(), &ctx.crypto, &user).await?;
    ApiResponse::json(StatusCode::OK, &ProfileResponse::from(p))
}

pub fn handler(ctx: Arc<Ctx>, req: ApiRequest) -> BoxFuture<'static, Result<ApiResponse, ApiError>> {
    Box::pin(verify(ctx, req))
}
