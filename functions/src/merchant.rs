//! Merchants: `POST /api/merchant/onboard`, `GET /api/merchant` (the caller's merchants).

use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::merchants::{self, Application, Merchant, Person};
use http::StatusCode;
use std::sync::Arc;

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OnboardRequest {
    /// Nine digits with the modulus-11 check digit (spaces allowed).
    #[schema(pattern = "^[0-9]{3} ?[0-9]{3} ?[0-9]{3}$")]
    pub organisation_number: String,
    /// Where Drop settles sales: a Norwegian kontonummer (11 digits, mod 11) or Norwegian IBAN.
    #[schema(pattern = "^([0-9]{4}[ .]?[0-9]{2}[ .]?[0-9]{5}|NO[0-9]{2} ?[0-9]{4} ?[0-9]{4} ?[0-9]{3})$")]
    pub settlement_account: String,
    /// Merchant category code (ISO 18245), four digits.
    #[schema(pattern = "^[0-9]{4}$")]
    pub mcc: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MerchantView {
    pub id: String,
    pub organisation_number: String,
    /// The name in Enhetsregisteret.
    pub name: String,
    /// pending (being reviewed), active, suspended or closed
    pub status: String,
    pub mcc: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}

impl From<&Merchant> for MerchantView {
    fn from(m: &Merchant) -> Self {
        MerchantView {
            id: m.id.clone(),
            organisation_number: m.org_number.clone(),
            name: m.name.clone(),
            status: m.status.as_str().to_owned(),
            mcc: m.mcc.clone(),
            created_at: time::OffsetDateTime::from_unix_timestamp(m.created_at)
                .map(drop_domain::time::rfc3339)
                .unwrap_or_default(),
        }
    }
}

#[utoipa::path(post, path = "/api/merchant/onboard", tag = "merchants", request_body = OnboardRequest,
    responses((status = 201, description = "Onboarded: active, or pending while Drop reviews it", body = MerchantView),
              (status = 401), (status = 403, description = "Not a signatory of the organisation (not-a-signatory), or contacts not verified yet (onboarding-incomplete)"),
              (status = 409, description = "The organisation is already a Drop merchant"),
              (status = 422, description = "Unknown organisation, or deleted, bankrupt or being wound up"),
              (status = 503, description = "Enhetsregisteret did not answer")))]
pub async fn onboard(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let user = req.principal()?.user_id.clone();
    let b: OnboardRequest = req.json()?;
    let application =
        Application { org_number: b.organisation_number, settlement_account: b.settlement_account, mcc: b.mcc };
    // Validated before anything is looked up or screened.
    merchants::validate(&application)?;
    crate::user::require_active(&ctx, &user).await?;
    let profile = drop_services::auth::users::profile(ctx.table.as_ref(), &ctx.crypto, &user).await?;
    let person = match (profile.given_name, profile.family_name, profile.birthdate) {
        (Some(given_name), Some(family_name), Some(birth_date)) => {
            let grant_role = req.principal()?.role == drop_domain::role::Role::User;
            Person { user_id: user.clone(), given_name, family_name, birth_date, grant_role }
        }
        _ => return Err(drop_services::merchants::MerchantError::NotSignatory.into()),
    };
    let register = ctx.register()?;
    let screener = ctx.lists.current().await;
    let now = ctx.clock.epoch();
    let done =
        merchants::onboard(ctx.table.as_ref(), &ctx.crypto, register, &screener, &person, &application, now).await?;
    let m = done.merchant;
    let details = serde_json::json!({"merchant": m.id, "status": m.status.as_str()});
    crate::audit::record(&ctx, &req, &user, "merchant.onboarded", &user, details).await;
    ApiResponse::json(StatusCode::CREATED, &MerchantView::from(&m))
}

#[utoipa::path(get, path = "/api/merchant", tag = "merchants",
    responses((status = 200, description = "The merchants the caller is a member of", body = [MerchantView]), (status = 401)))]
pub async fn list(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let list = merchants::of_member(ctx.table.as_ref(), &req.principal()?.user_id).await?;
    ApiResponse::json(StatusCode::OK, &list.iter().map(MerchantView::from).collect::<Vec<_>>())
}

crate::handler!(onboard_handler, onboard);
crate::handler!(list_handler, list);
