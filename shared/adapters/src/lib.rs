//! Implementations of the ports in `drop-services`: `aws` (DynamoDB, KMS, SQS, EventBridge) and
//! `embedded` (SQLite, a local key file), chosen by the composition root in `drop-runtime`.

pub mod aws;
pub mod counting;
pub mod cursor;
pub mod embedded;
pub mod providers;
