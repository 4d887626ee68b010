//! Person-to-person payment requests: `POST /api/payment/requests` makes one (a QR code in
//! Drop's profile, with an SVG), `GET /api/payment/requests` lists mine (paid ones with the
//! amount and time). Another Drop user pays it with `/api/payment/qr/initiate` and `/confirm`.

use drop_domain::time::rfc3339_epoch as rfc3339;
use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::remit::requests::{self, Ask, PaymentRequest};
use http::StatusCode;
use std::sync::Arc;

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestCreate {
    /// NOK minor units; leave out to let the payer enter it.
    #[serde(default, deserialize_with = "drop_runtime::whole::option")]
    #[schema(minimum = 1, maximum = 2500000)]
    pub amount: Option<i64>,
    /// Shown to the payer (at most 140 characters).
    #[schema(max_length = 140)]
    pub message: Option<String>,
    /// The linked account to be paid to (default: the first linked account).
    pub account_id: Option<String>,
    /// Seconds until it expires (60–604800, default 86400).
    #[serde(default, deserialize_with = "drop_runtime::whole::option")]
    #[schema(minimum = 60, maximum = 604800)]
    pub expires_in_seconds: Option<i64>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestView {
    pub id: String,
    /// The EMVCo payload the QR code holds.
    pub payload: String,
    /// NOK minor units (none: the payer enters it).
    pub amount: Option<i64>,
    pub currency: String,
    pub message: Option<String>,
    pub account_id: String,
    /// active, paid or expired
    pub status: String,
    /// When paid: what was paid (NOK minor units).
    pub paid_amount: Option<i64>,
    pub expires_at: String,
    pub created_at: String,
    /// The code as an SVG image (in the answer to its creation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub svg: Option<String>,
}

fn view(r: &PaymentRequest, now: i64) -> RequestView {
    let status = match r.status.as_str() {
        "paid" => "paid",
        _ if now >= r.valid_until => "expired",
        _ => "active",
    };
    RequestView {
        id: r.id.clone(),
        payload: r.payload.clone(),
        amount: r.amount,
        currency: "NOK".into(),
        message: r.message.clone(),
        account_id: r.account_id.clone(),
        status: status.into(),
        paid_amount: r.paid.as_ref().map(|p| p.1),
        expires_at: rfc3339(r.valid_until),
        created_at: rfc3339(r.created_at),
        svg: None,
    }
}

#[utoipa::path(post, path = "/api/payment/requests", tag = "payments", request_body = RequestCreate,
    responses((status = 201, description = "The request: payload and SVG", body = RequestView),
              (status = 400, description = "A field is not valid, or no linked account to be paid to"),
              (status = 403, description = "Contacts not verified yet (onboarding-incomplete)"),
              (status = 404, description = "No such linked account")))]
pub async fn create(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let user = req.principal()?.user_id.clone();
    let b: RequestCreate = req.json()?;
    crate::user::require_active(&ctx, &user).await?;
    let account_id = match b.account_id {
        Some(a) => a,
        None => drop_services::remit::accounts::list(ctx.table.as_ref(), &ctx.crypto, &user)
            .await?
            .into_iter()
            .next()
            .map(|a| a.id)
            .ok_or_else(|| ApiError::invalid_field("accountId", "link a bank account first"))?,
    };
    let profile = drop_services::auth::users::profile(ctx.table.as_ref(), &ctx.crypto, &user).await?;
    let name = match (profile.given_name, profile.family_name, profile.name) {
        (Some(g), Some(f), _) => format!("{g} {f}"),
        (_, _, Some(n)) => n,
        _ => return Err(ApiError::invalid_field("name", "your name is not known")),
    };
    let ask = Ask {
        user_id: &user,
        name: &name,
        account_id: &account_id,
        amount: b.amount,
        message: b.message.as_deref(),
        ttl: b.expires_in_seconds,
    };
    let now = ctx.clock.epoch();
    let r = requests::create(ctx.table.as_ref(), &ctx.crypto, &ask, ctx.remit.limits.per_payment, now).await?;
    let mut v = view(&r, now);
    v.svg = Some(crate::merchant_qr::svg(&r.payload)?);
    ApiResponse::json(StatusCode::CREATED, &v)
}

#[utoipa::path(get, path = "/api/payment/requests", tag = "payments",
    params(("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "1–100, default 50")),
    responses((status = 200, description = "My requests, newest first", body = [RequestView])))]
pub async fn list(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let user = req.principal()?.user_id.clone();
    let limit = req.query_in("limit", 1..=100, 50)?;
    let now = ctx.clock.epoch();
    let all = requests::list(ctx.table.as_ref(), &ctx.crypto, &user, limit).await?;
    ApiResponse::json(StatusCode::OK, &all.iter().map(|r| view(r, now)).collect::<Vec<_>>())
}

crate::handler!(create_handler, create);
crate::handler!(list_handler, list);
