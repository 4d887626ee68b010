//! `POST/GET /api/user/accounts`, `GET /api/user/accounts/callback`, `DELETE /api/user/accounts/{id}`.

use drop_runtime::{cookies, ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::remit::accounts;
use http::StatusCode;
use std::sync::Arc;

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScaRedirect {
    /// Send the browser here to approve at the bank.
    pub sca_redirect_url: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountResponse {
    pub id: String,
    pub name: String,
    pub currency: String,
    /// IBAN, all but the last four characters hidden.
    pub account: String,
    pub consent_valid_until: String,
}

#[utoipa::path(post, path = "/api/user/accounts", tag = "accounts",
    responses((status = 200, description = "Consent started at the bank; sets `__Host-drop_link`, which the callback requires", body = ScaRedirect), (status = 401),
              (status = 403, description = "Contacts not verified yet (onboarding-incomplete)"), (status = 503)))]
pub async fn link(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let user = req.principal()?.user_id.clone();
    crate::user::require_active(&ctx, &user).await?;
    let ip = req.source_ip.clone().unwrap_or_else(|| "0.0.0.0".into());
    let callbacks = drop_runtime::routes::ApiCallbacks::new(ctx.config.api_base_url()?);
    let (url, state) =
        accounts::start(ctx.table.as_ref(), ctx.bank()?, &user, &ip, &callbacks, ctx.clock.epoch()).await?;
    let mut r = ApiResponse::json(StatusCode::OK, &ScaRedirect { sca_redirect_url: url })?;
    r.header("set-cookie", &cookies::bind(cookies::LINK_FLOW, &state));
    Ok(r)
}

#[utoipa::path(get, path = "/api/user/accounts/callback", tag = "accounts",
    params(("state" = String, Query, description = "The link's one-time state")),
    responses((status = 303, description = "Accounts stored; Location is the frontend"),
              (status = 403, description = "A browser that did not start this link (link-not-started-here)"), (status = 404)))]
pub async fn callback(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let front = &ctx.config.http()?.frontend_origin;
    // Only the browser that started linking may finish it: someone else's consent must not land
    // in this user's Drop account, nor this user's in someone else's.
    let state = req.query.get("state").map(String::as_str).unwrap_or_default();
    if !cookies::is_bound(&req.headers, cookies::LINK_FLOW, state) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "link-not-started-here",
            "Link not started here",
            "this link was not started in this browser; start again",
        ));
    }
    let location = match accounts::finish(ctx.table.as_ref(), &ctx.crypto, ctx.bank()?, state, ctx.clock.epoch()).await
    {
        Ok((_, n)) => format!("{front}/accounts?linked={n}"),
        Err(drop_services::remit::RemitError::BankRefused(_)) => format!("{front}/accounts?error=refused"),
        Err(e) => return Err(e.into()),
    };
    let mut r = ApiResponse::empty(StatusCode::SEE_OTHER);
    r.header("location", &location);
    r.header("set-cookie", &cookies::unbind(cookies::LINK_FLOW));
    Ok(r)
}

#[utoipa::path(get, path = "/api/user/accounts", tag = "accounts",
    responses((status = 200, description = "Linked accounts", body = [AccountResponse]), (status = 401)))]
pub async fn list(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let list = accounts::list(ctx.table.as_ref(), &ctx.crypto, &req.principal()?.user_id).await?;
    ApiResponse::json(StatusCode::OK, &list)
}

#[utoipa::path(delete, path = "/api/user/accounts/{id}", tag = "accounts",
    params(("id" = String, Path, description = "Account id")),
    responses((status = 204, description = "Removed; the consent is revoked"), (status = 404)))]
pub async fn remove(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let id = req.path_params.get("id").cloned().unwrap_or_default();
    accounts::remove(ctx.table.as_ref(), ctx.bank()?, &req.principal()?.user_id, &id).await?;
    Ok(ApiResponse::empty(StatusCode::NO_CONTENT))
}

crate::handler!(link_handler, link);
crate::handler!(callback_handler, callback);
crate::handler!(list_handler, list);
crate::handler!(remove_handler, remove);
