//! `SecretStore` on AWS Secrets Manager (`GetSecretValue` of the current version by ARN or name).

use async_trait::async_trait;
use drop_domain::Secret;
use drop_services::secrets::{SecretError, SecretStore};

pub struct SecretsManagerStore {
    client: aws_sdk_secretsmanager::Client,
}

impl SecretsManagerStore {
    pub fn new(client: aws_sdk_secretsmanager::Client) -> Self {
        SecretsManagerStore { client }
    }
}

#[async_trait]
impl SecretStore for SecretsManagerStore {
    async fn get(&self, id: &str) -> Result<Secret<String>, SecretError> {
        use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
        match self.client.get_secret_value().secret_id(id).send().await {
            Ok(out) => out.secret_string.map(Secret::new).ok_or_else(|| SecretError::NotFound(id.to_owned())),
            Err(e) => match e.code() {
                Some("ResourceNotFoundException") => Err(SecretError::NotFound(id.to_owned())),
                Some(code) => Err(SecretError::Unavailable(code.to_owned())),
                None => Err(SecretError::Unavailable("no answer".into())),
            },
        }
    }
}
