//! `GET /api/user/settings` and `PUT /api/user/settings`.

use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::auth::users::{self, Language, NotificationSettings, Settings};
use futures::future::BoxFuture;
use http::StatusCode;
use std::sync::Arc;

#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsBody {
    /// `nb`, `nn` or `en`.
    #[schema(pattern = "^(nb|nn|en)$")]
    pub language: String,
    pub notifications: Notifications,
    pub marketing_consent: bool,
}

#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Notifications {
    pub email: bool,
    pub sms: bool,
    pub push: bool,
}

fn to_body(s: Settings) -> SettingsBody {
    let language = match s.language {
        Language::Nb => "nb",
        Language::Nn => "nn",
        Language::En => "en",
    };
    SettingsBody {
        language: language.into(),
        notifications: Notifications {
            email: s.notifications.email,
            sms: s.notifications.sms,
            push: s.notifications.push,
        },
        marketing_consent: s.marketing_consent,
    }
}

#[utoipa::path(get, path = "/api/user/settings", tag = "user",
    responses((status = 200, description = "The settings", body = SettingsBody), (status = 401)))]
pub async fn get_settings(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let s = users::settings(ctx.table.as_ref(), &req.principal()?.user_id).await?;
    ApiResponse::json(StatusCode::OK, &to_body(s))
}

pub fn get_handler(ctx: Arc<Ctx>, req: ApiRequest) -> BoxFuture<'static, Result<ApiResponse, ApiError>> {
    Box::pin(get_settings(ctx, req))
}

#[utoipa::path(put, path = "/api/user/settings", tag = "user", request_body = SettingsBody,
    responses((status = 200, description = "Saved", body = SettingsBody), (status = 400), (status = 401), (status = 403)))]
pub async fn put_settings(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let user = req.principal()?.user_id.clone();
    let b: SettingsBody = req.json()?;
    let language = match b.language.as_str() {
        "nb" => Language::Nb,
        "nn" => Language::Nn,
        "en" => Language::En,
        _ => return Err(ApiError::invalid_field("language", "language is nb, nn or en")),
    };
    let s = Settings {
        language,
        notifications: NotificationSettings {
            email: b.notifications.email,
            sms: b.notifications.sms,
            push: b.notifications.push,
        },
        marketing_consent: b.marketing_consent,
    };
    users::save_settings(ctx.table.as_ref(), &user, &s).await?;
    ApiResponse::json(StatusCode::OK, &to_body(s))
}

pub fn put_handler(ctx: Arc<Ctx>, req: ApiRequest) -> BoxFuture<'static, Result<ApiResponse, ApiError>> {
    Box::pin(put_settings(ctx, req))
}
