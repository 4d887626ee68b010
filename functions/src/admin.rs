//! Compliance staff (role `admin`): `GET /api/admin/alerts`.

use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use http::StatusCode;
use std::sync::Arc;

#[utoipa::path(get, path = "/api/admin/alerts", tag = "admin",
    params(("limit" = Option<u32>, Query, description = "1–200, default 50")),
    responses((status = 200, description = "Alerts, newest first: score, algorithm, list dataset and version, matched list entries", body = [Object]),
              (status = 401), (status = 403, description = "Not an admin")))]
pub async fn alerts(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let limit = req.query.get("limit").and_then(|l| l.parse().ok()).unwrap_or(50);
    let list = drop_services::alerts::list(ctx.table.as_ref(), limit).await?;
    ApiResponse::json(StatusCode::OK, &list)
}

crate::handler!(alerts_handler, alerts);
