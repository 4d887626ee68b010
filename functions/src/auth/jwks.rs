//! `GET /.well-known/jwks.json`: the public keys that verify Drop's access tokens (current and
//! previous, so no session breaks during a rotation).

use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use futures::future::BoxFuture;
use http::StatusCode;
use std::sync::Arc;

/// A JSON Web Key Set (RFC 7517) of RSA keys.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct JwksResponse {
    #[schema(value_type = Vec<Object>)]
    pub keys: Vec<drop_services::auth::jwt::Jwk>,
}

#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "auth",
    responses((status = 200, description = "The key set", body = JwksResponse)))]
pub async fn jwks(ctx: Arc<Ctx>, _req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let set = ctx.tokens()?.jwks().await?;
    let mut r = ApiResponse::json(StatusCode::OK, &JwksResponse { keys: set.keys })?;
    r.header("cache-control", "public, max-age=300");
    Ok(r)
}

pub fn handler(ctx: Arc<Ctx>, req: ApiRequest) -> BoxFuture<'static, Result<ApiResponse, ApiError>> {
    Box::pin(jwks(ctx, req))
}
