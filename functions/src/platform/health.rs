//! `GET /api/health`: version, adapter kinds and the event pipeline's last canary. No secrets.

use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::canary::{self, CanaryStatus};
use futures::future::BoxFuture;
use http::StatusCode;
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HealthResponse {
    /// `ok`, or `degraded` when storage does not answer (then the status is 503).
    pub status: &'static str,
    pub version: &'static str,
    pub environment: String,
    pub adapters: Adapters,
    pub pipeline: Pipeline,
}

#[derive(Serialize, ToSchema)]
pub struct Adapters {
    /// `dynamodb` or `sqlite`.
    pub table: &'static str,
    /// `kms` or `local`.
    pub crypto: &'static str,
    /// `sqs` or `sqlite`.
    pub queue: &'static str,
}

/// The event-pipeline canary (outbox → bus → queue → consumer).
#[derive(Serialize, ToSchema, Default)]
#[serde(rename_all = "camelCase")]
pub struct Pipeline {
    pub last_sent_at: Option<String>,
    pub last_received_at: Option<String>,
    pub received: i64,
}

impl From<CanaryStatus> for Pipeline {
    fn from(c: CanaryStatus) -> Self {
        Pipeline { last_sent_at: c.last_sent_at, last_received_at: c.last_received_at, received: c.received }
    }
}

#[utoipa::path(get, path = "/api/health", tag = "platform",
    responses((status = 200, description = "The service is up", body = HealthResponse),
              (status = 503, description = "Storage does not answer", body = HealthResponse)))]
pub async fn health(ctx: Arc<Ctx>, _req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let (status, code, pipeline) = match canary::status(ctx.table.as_ref()).await {
        Ok(c) => ("ok", StatusCode::OK, c.into()),
        Err(e) => {
            tracing::warn!(error = %e, "health: storage did not answer");
            ("degraded", StatusCode::SERVICE_UNAVAILABLE, Pipeline::default())
        }
    };
    let body = HealthResponse {
        status,
        version: drop_runtime::config::VERSION,
        environment: ctx.config.env.clone(),
        adapters: Adapters { table: ctx.table.kind(), crypto: ctx.crypto.kind(), queue: ctx.queue.kind() },
        pipeline,
    };
    let mut r = ApiResponse::json(code, &body)?;
    r.header("cache-control", "no-store");
    Ok(r)
}

pub fn handler(ctx: Arc<Ctx>, req: ApiRequest) -> BoxFuture<'static, Result<ApiResponse, ApiError>> {
    Box::pin(health(ctx, req))
}
