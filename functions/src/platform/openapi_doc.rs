//! `GET /api/openapi.json`: the OpenAPI 3.1 document generated from the handlers' types.

use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use futures::future::BoxFuture;
use http::StatusCode;
use std::sync::{Arc, OnceLock};

/// The OpenAPI document (an OpenAPI 3.1 JSON object).
#[utoipa::path(get, path = "/api/openapi.json", tag = "platform",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object)))]
pub async fn openapi(_ctx: Arc<Ctx>, _req: ApiRequest) -> Result<ApiResponse, ApiError> {
    static DOC: OnceLock<String> = OnceLock::new();
    let doc = DOC.get_or_init(crate::openapi::json);
    let mut r = ApiResponse::with_body(StatusCode::OK, "application/json", doc.clone().into_bytes());
    r.header("cache-control", "public, max-age=300");
    Ok(r)
}

pub fn handler(ctx: Arc<Ctx>, req: ApiRequest) -> BoxFuture<'static, Result<ApiResponse, ApiError>> {
    Box::pin(openapi(ctx, req))
}
