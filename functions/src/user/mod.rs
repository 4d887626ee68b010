//! The signed-in user's own profile and settings.

pub mod profile;
pub mod settings;

use drop_runtime::{ApiError, Ctx};

/// Money routes need an active user: both contacts verified. Until then `403 onboarding-incomplete`.
pub async fn require_active(ctx: &Ctx, user_id: &str) -> Result<(), ApiError> {
    match drop_services::auth::users::status(ctx.table.as_ref(), user_id).await? {
        Some(s) if s == "active" => Ok(()),
        _ => Err(ApiError::new(
            http::StatusCode::FORBIDDEN,
            "onboarding-incomplete",
            "Onboarding incomplete",
            "verify your phone number and e-mail address first",
        )),
    }
}
