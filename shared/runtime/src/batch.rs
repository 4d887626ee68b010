//! SQS batches: each record handled on its own; failures reported by message id
//! (`ReportBatchItemFailures`). If every record failed, the whole batch fails, so Lambda retries
//! it and backs off (the rule from Powertools' batch utility).

use crate::problem::ApiError;
use crate::Ctx;
use futures::future::BoxFuture;
use std::sync::Arc;

/// The handler of one SQS record.
pub type RecordHandler = fn(Arc<Ctx>, Record) -> BoxFuture<'static, Result<(), ApiError>>;

#[derive(Debug, Clone)]
pub struct Record {
    pub message_id: String,
    pub body: String,
    pub receive_count: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BatchOutcome {
    /// Ids of the records that failed (empty = all succeeded).
    Partial(Vec<String>),
    /// Every record failed: fail the invocation.
    AllFailed,
}

pub async fn process(ctx: Arc<Ctx>, function: &str, handler: RecordHandler, records: Vec<Record>) -> BatchOutcome {
    let total = records.len();
    let mut failed = Vec::new();
    for r in records {
        let id = r.message_id.clone();
        if let Err(e) = drop_services::aws_calls::within(function, handler(ctx.clone(), r)).await {
            tracing::warn!(function, message_id = %id, problem = e.slug, "record failed");
            failed.push(id);
        }
    }
    ctx.metrics.record(
        function,
        &[
            ("RecordsProcessed", (total - failed.len()) as f64, "Count"),
            ("RecordsFailed", failed.len() as f64, "Count"),
        ],
    );
    if total > 0 && failed.len() == total {
        BatchOutcome::AllFailed
    } else {
        BatchOutcome::Partial(failed)
    }
}
