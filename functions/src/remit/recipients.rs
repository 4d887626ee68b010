//! `POST/GET /api/user/recipients`, `DELETE /api/user/recipients/{id}`.

use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::remit::recipients::{self, NewRecipient};
use http::StatusCode;
use std::sync::Arc;

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecipientRequest {
    /// First and last name, in Latin letters (diacritics allowed).
    pub name: String,
    /// ISO 3166 alpha-2.
    pub country: String,
    /// ISO 4217: EUR, USD, GBP, SEK, DKK, PLN, PHP, INR.
    pub currency: String,
    /// For IBAN countries.
    pub iban: Option<String>,
    /// For other countries (Norway: a kontonummer).
    pub account_number: Option<String>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecipientResponse {
    pub id: String,
    pub name: String,
    pub country: String,
    pub currency: String,
    /// The account, all but the last four characters hidden.
    pub account: String,
}

#[utoipa::path(post, path = "/api/user/recipients", tag = "recipients", request_body = RecipientRequest,
    responses((status = 201, description = "Created", body = RecipientResponse), (status = 400), (status = 401), (status = 403, description = "Blocked by sanctions screening")))]
pub async fn create(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let user = req.principal()?.user_id.clone();
    let b: RecipientRequest = req.json()?;
    let r = NewRecipient {
        name: b.name.clone(),
        country: b.country.clone(),
        currency: b.currency,
        iban: b.iban,
        account_number: b.account_number,
    };
    // Validated before it is screened: the answer to an invalid request never depends on the list.
    recipients::validate(&r)?;
    // Screened before it exists: a confirmed hit blocks it, a potential hit raises an alert.
    let party = drop_domain::screening::Party {
        names: vec![b.name.clone()],
        countries: vec![b.country.to_lowercase()],
        ..Default::default()
    };
    let id = recipients::new_id();
    let subject = drop_services::screening::Subject {
        subject_type: "recipient",
        subject_id: &id,
        user_id: &user,
        trigger: "recipient",
        alert_id: None,
    };
    let screener = ctx.lists.current().await;
    let verdict =
        drop_services::screening::screen(ctx.table.as_ref(), &screener, &subject, &party, ctx.clock.epoch()).await?;
    if matches!(verdict, drop_services::screening::Verdict::ConfirmedHit { .. }) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "recipient-blocked",
            "Recipient not allowed",
            "payments to this recipient are not possible",
        ));
    }
    let view = recipients::create(ctx.table.as_ref(), &ctx.crypto, &user, &id, &r, ctx.clock.epoch()).await?;
    ApiResponse::json(StatusCode::CREATED, &view)
}

#[utoipa::path(get, path = "/api/user/recipients", tag = "recipients",
    responses((status = 200, description = "Recipients", body = [RecipientResponse]), (status = 401)))]
pub async fn list(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let list = recipients::list(ctx.table.as_ref(), &ctx.crypto, &req.principal()?.user_id).await?;
    ApiResponse::json(StatusCode::OK, &list)
}

#[utoipa::path(delete, path = "/api/user/recipients/{id}", tag = "recipients",
    params(("id" = String, Path, description = "Recipient id")),
    responses((status = 204, description = "Deleted"), (status = 404),
              (status = 409, description = "A payment to this recipient is in flight (recipient-in-use)")))]
pub async fn remove(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let id = req.path_params.get("id").cloned().unwrap_or_default();
    recipients::delete(ctx.table.as_ref(), &req.principal()?.user_id, &id).await?;
    Ok(ApiResponse::empty(StatusCode::NO_CONTENT))
}

crate::handler!(create_handler, create);
crate::handler!(list_handler, list);
crate::handler!(remove_handler, remove);
