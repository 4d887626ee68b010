//! What a Lambda function is, so that the bins and the local stack run the same handlers.

use crate::batch::Record;
use crate::http::{ApiRequest, ApiResponse};
use crate::problem::ApiError;
use crate::Ctx;
use futures::future::BoxFuture;
use std::sync::Arc;

pub type HttpHandler = fn(Arc<Ctx>, ApiRequest) -> BoxFuture<'static, Result<ApiResponse, ApiError>>;
pub type RecordHandler = fn(Arc<Ctx>, Record) -> BoxFuture<'static, Result<(), ApiError>>;
pub type ScheduleHandler = fn(Arc<Ctx>, serde_json::Value) -> BoxFuture<'static, Result<serde_json::Value, ApiError>>;

#[derive(Clone, Copy)]
pub enum Kind {
    /// One HTTP API route (method, path as in `template.yaml`).
    Http { method: &'static str, path: &'static str, handler: HttpHandler },
    /// An SQS consumer, one record at a time; failures are reported per record.
    Sqs { handler: RecordHandler },
    /// A scheduled (cron/rate) invocation.
    Schedule { handler: ScheduleHandler },
}

#[derive(Clone, Copy)]
pub struct FunctionDef {
    /// The binary name (`Metadata.BuildProperties.Binary` in `template.yaml`).
    pub name: &'static str,
    pub kind: Kind,
}
