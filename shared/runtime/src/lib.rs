//! Lambda glue shared by every function and by the local stack: the function registry types,
//! HTTP handling (request id, correlation id, body limit, problem+json, CORS, one log line per
//! request), SQS batches with partial failures, schedules, typed config, EMF metrics, and the
//! composition root that picks AWS or embedded adapters.

pub mod batch;
pub mod config;
pub mod context;
pub mod cookies;
pub mod cors;
pub mod function;
pub mod http;
pub mod idempotent;
pub mod lambda;
pub mod logging;
pub mod message;
pub mod metrics;
pub mod needs;
pub mod problem;
pub mod routes;
pub mod whole;

pub use config::Config;
pub use context::Ctx;
pub use function::{FunctionDef, Kind};
pub use message::{ApiRequest, ApiResponse};
pub use needs::Need;
pub use problem::ApiError;

pub type Error = lambda_runtime::Error;
