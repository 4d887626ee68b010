//! `GET /api/openapi.json`: the OpenAPI 3.1 document generated from the handlers' types, as
//! committed (`infra/openapi.json`, held current by a test): built into the binary, so serving it
//! costs nothing at cold start and this module does not depend on the generator.

use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use futures::future::BoxFuture;
use http::StatusCode;
use std::sync::Arc;

/// The OpenAPI document (an OpenAPI 3.1 JSON object).
#[utoipa::path(get, path = "/api/openapi.json", tag = "platform",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object)))]
pub async fn openapi(_ctx: Arc<Ctx>, _req: ApiRequest) -> Result<ApiResponse, ApiError> {
    const DOC: &str = include_str!("../../../infra/openapi.json");
    let mut r = ApiResponse::with_body(StatusCode::OK, "application/json", DOC.as_bytes().to_vec());
    r.header("cache-control", "public, max-age=300");
    Ok(r)
}

pub fn handler(ctx: Arc<Ctx>, req: ApiRequest) -> BoxFuture<'static, Result<ApiResponse, ApiError>> {
    Box::pin(openapi(ctx, req))
}
