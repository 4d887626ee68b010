//! A merchant's QR codes: `POST /api/merchant/qr` (static or dynamic; the EMVCo payload and an SVG
//! to print or show), `GET /api/merchant/qr?merchantId=…`. Only the merchant's members.

use drop_domain::time::rfc3339_epoch as rfc3339;
use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::merchants::qr::{self, QrCode};
use http::StatusCode;
use std::sync::Arc;

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QrRequest {
    pub merchant_id: String,
    /// NOK minor units: a dynamic code for one payment of this amount. Leave out for a static
    /// code the payer enters the amount for.
    #[serde(default, deserialize_with = "drop_runtime::whole::option")]
    #[schema(minimum = 1, maximum = 2500000)]
    pub amount: Option<i64>,
    /// Dynamic codes: seconds until it expires (60–86400, default 900).
    #[serde(default, deserialize_with = "drop_runtime::whole::option")]
    #[schema(minimum = 60, maximum = 86400)]
    pub expires_in_seconds: Option<i64>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QrView {
    pub id: String,
    pub merchant_id: String,
    /// static or dynamic
    pub kind: String,
    /// The EMVCo Merchant-Presented Mode payload the QR code holds.
    pub payload: String,
    /// NOK minor units (dynamic codes).
    pub amount: Option<i64>,
    pub currency: String,
    /// RFC 3339, UTC (dynamic codes).
    pub expires_at: Option<String>,
    /// active, paid or expired
    pub status: String,
    pub created_at: String,
    /// The code as an SVG image (in the answer to its creation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub svg: Option<String>,
}

impl From<&QrCode> for QrView {
    fn from(q: &QrCode) -> Self {
        QrView {
            id: q.id.clone(),
            merchant_id: q.merchant_id.clone(),
            kind: q.kind.as_str().to_owned(),
            payload: q.payload.clone(),
            amount: q.amount,
            currency: "NOK".into(),
            expires_at: q.expires_at.map(rfc3339),
            status: q.status.clone(),
            created_at: rfc3339(q.created_at),
            svg: None,
        }
    }
}

/// The payload as an SVG QR code (error correction M, as payment codes use).
pub fn svg(payload: &str) -> Result<String, ApiError> {
    let code = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M)
        .map_err(|_| ApiError::internal())?;
    Ok(code.render::<qrcode::render::svg::Color>().min_dimensions(240, 240).build())
}

#[utoipa::path(post, path = "/api/merchant/qr", tag = "merchants", request_body = QrRequest,
    responses((status = 201, description = "The code: payload and SVG", body = QrView), (status = 401),
              (status = 404, description = "No such merchant, or not a member of it"),
              (status = 409, description = "The merchant is not active (merchant-inactive)")))]
pub async fn create(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let user = req.principal()?.user_id.clone();
    let b: QrRequest = req.json()?;
    crate::user::require_active(&ctx, &user).await?;
    let merchant = drop_services::merchants::as_member(ctx.table.as_ref(), &user, &b.merchant_id).await?;
    let code = qr::create(ctx.table.as_ref(), &merchant, b.amount, b.expires_in_seconds, ctx.clock.epoch()).await?;
    let mut view = QrView::from(&code);
    view.svg = Some(svg(&code.payload)?);
    ApiResponse::json(StatusCode::CREATED, &view)
}

#[utoipa::path(get, path = "/api/merchant/qr", tag = "merchants",
    params(("merchantId" = String, Query, description = "The merchant"),
           ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1–200, default 50")),
    responses((status = 200, description = "The merchant's codes, newest first", body = [QrView]), (status = 401),
              (status = 404, description = "No such merchant, or not a member of it")))]
pub async fn list(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let user = req.principal()?.user_id.clone();
    let limit = req.query_in("limit", 1..=200, 50)?;
    let merchant_id =
        req.query.get("merchantId").ok_or_else(|| ApiError::invalid_field("merchantId", "merchantId is required"))?;
    let merchant = drop_services::merchants::as_member(ctx.table.as_ref(), &user, merchant_id).await?;
    let codes = qr::list(ctx.table.as_ref(), &merchant.id, limit).await?;
    let now = ctx.clock.epoch();
    let views: Vec<QrView> = codes
        .iter()
        .map(|q| {
            let mut v = QrView::from(q);
            if q.status == "active" && q.expires_at.is_some_and(|e| e <= now) {
                v.status = "expired".into();
            }
            v
        })
        .collect();
    ApiResponse::json(StatusCode::OK, &views)
}

crate::handler!(create_handler, create);
crate::handler!(list_handler, list);
