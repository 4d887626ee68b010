//! AWS adapters. Each takes an SDK client built once per container by the composition root.

mod dynamodb;
mod dynamodb_expr;
mod eventbridge;
mod kms;
mod kms_signer;
mod notify;
mod s3;
mod secrets;
mod sqs;

pub use dynamodb::DynamoTable;
pub use eventbridge::EventBridgeBus;
pub use kms::KmsKeys;
pub use kms_signer::{rsa_from_spki, KmsSigner};
pub use notify::AwsNotifier;
pub use s3::S3Objects;
pub use secrets::SecretsManagerStore;
pub use sqs::SqsQueue;

/// Loads the SDK configuration once (region, credentials, `AWS_ENDPOINT_URL` for moto/LocalStack).
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
}

pub(crate) fn describe<E: std::fmt::Debug + aws_sdk_dynamodb::error::ProvideErrorMetadata>(e: &E) -> String {
    match (e.code(), e.message()) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.to_owned(),
        _ => format!("{e:?}").chars().take(300).collect(),
    }
}
