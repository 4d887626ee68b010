//! Compliance staff (role `admin`): `GET /api/admin/alerts`, `POST /api/admin/alerts/{id}/close`.

use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use http::StatusCode;
use std::sync::Arc;

#[utoipa::path(get, path = "/api/admin/alerts", tag = "admin",
    params(("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1–200, default 50")),
    responses((status = 200, description = "Alerts, newest first: score, algorithm, list dataset and version, matched list entries", body = [Object]),
              (status = 401), (status = 403, description = "Not an admin")))]
pub async fn alerts(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let limit = req.query_in("limit", 1..=200, 50)?;
    let list = drop_services::alerts::list(ctx.table.as_ref(), limit).await?;
    ApiResponse::json(StatusCode::OK, &list)
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CloseRequest {
    /// false_positive, valuable_alert or confirmed_risk
    pub resolution: String,
}

#[utoipa::path(post, path = "/api/admin/alerts/{id}/close", tag = "admin", request_body = CloseRequest,
    params(("id" = String, Path, description = "Alert id")),
    responses((status = 200, description = "Closed; unless the risk is confirmed, the hold this alert put on the user's transfers is released", body = Object),
              (status = 400), (status = 401), (status = 403, description = "Not an admin"), (status = 404), (status = 409, description = "Already closed")))]
pub async fn close(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let admin = req.principal()?.user_id.clone();
    let id = req.path_params.get("id").cloned().unwrap_or_default();
    let b: CloseRequest = req.json()?;
    let resolution = drop_services::alerts::Resolution::parse(&b.resolution)
        .ok_or_else(|| ApiError::invalid_field("resolution", "false_positive, valuable_alert or confirmed_risk"))?;
    let closed = drop_services::alerts::close(ctx.table.as_ref(), &id, resolution, &admin, ctx.clock.epoch()).await?;
    let user = closed.alert["userId"].as_str().unwrap_or_default().to_owned();
    let details =
        serde_json::json!({"alert": id, "resolution": resolution.as_str(), "holdReleased": closed.hold_released});
    crate::audit::record(&ctx, &req, &user, "alert.closed", &admin, details).await;
    ApiResponse::json(StatusCode::OK, &closed)
}

crate::handler!(alerts_handler, alerts);
crate::handler!(close_handler, close);
