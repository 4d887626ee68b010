//! `SecretStore` on AWS Secrets Manager, by ARN or name: the staging labels AWSCURRENT,
//! AWSPREVIOUS and AWSPENDING carry a rotation (Secrets Manager moves AWSPREVIOUS itself when
//! AWSCURRENT moves).

use async_trait::async_trait;
use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
use drop_domain::Secret;
use drop_services::secrets::{SecretError, SecretStore, Versions};

pub struct SecretsManagerStore {
    client: aws_sdk_secretsmanager::Client,
}

impl SecretsManagerStore {
    pub fn new(client: aws_sdk_secretsmanager::Client) -> Self {
        SecretsManagerStore { client }
    }

    /// A version by stage (and id); `None` when there is no such version.
    async fn version(
        &self,
        id: &str,
        stage: &str,
        version_id: Option<&str>,
    ) -> Result<Option<(Secret<String>, i64)>, SecretError> {
        drop_services::aws_calls::record("secretsmanager:GetSecretValue", id);
        let req = self
            .client
            .get_secret_value()
            .secret_id(id)
            .version_stage(stage)
            .set_version_id(version_id.map(Into::into));
        match req.send().await {
            Ok(out) => {
                let since = out.created_date.map(|d| d.secs()).unwrap_or(0);
                Ok(out.secret_string.map(|s| (Secret::new(s), since)))
            }
            Err(e) => match e.code() {
                Some("ResourceNotFoundException") => Ok(None),
                _ => Err(unavailable(e.code())),
            },
        }
    }
}

fn unavailable(code: Option<&str>) -> SecretError {
    SecretError::Unavailable(code.unwrap_or("no answer").to_owned())
}

#[async_trait]
impl SecretStore for SecretsManagerStore {
    async fn get(&self, id: &str) -> Result<Secret<String>, SecretError> {
        self.version(id, "AWSCURRENT", None).await?.map(|v| v.0).ok_or_else(|| SecretError::NotFound(id.to_owned()))
    }

    async fn versions(&self, id: &str) -> Result<Versions, SecretError> {
        let (current, previous) =
            tokio::try_join!(self.version(id, "AWSCURRENT", None), self.version(id, "AWSPREVIOUS", None))?;
        let (current, current_since) = current.ok_or_else(|| SecretError::NotFound(id.to_owned()))?;
        Ok(Versions { current, current_since, previous: previous.map(|p| p.0) })
    }

    async fn pending(&self, id: &str, token: &str) -> Result<Option<Secret<String>>, SecretError> {
        Ok(self.version(id, "AWSPENDING", Some(token)).await?.map(|v| v.0))
    }

    async fn put_pending(&self, id: &str, token: &str, value: &Secret<String>) -> Result<(), SecretError> {
        drop_services::aws_calls::record("secretsmanager:PutSecretValue", id);
        self.client
            .put_secret_value()
            .secret_id(id)
            .client_request_token(token)
            .secret_string(value.expose())
            .version_stages("AWSPENDING")
            .send()
            .await
            .map(|_| ())
            .map_err(|e| unavailable(e.code()))
    }

    async fn promote(&self, id: &str, token: &str, _now: i64) -> Result<(), SecretError> {
        drop_services::aws_calls::record("secretsmanager:DescribeSecret", id);
        let d = self.client.describe_secret().secret_id(id).send().await.map_err(|e| match e.code() {
            Some("ResourceNotFoundException") => SecretError::NotFound(id.to_owned()),
            code => unavailable(code),
        })?;
        let stages = d.version_ids_to_stages.unwrap_or_default();
        let current = stages.iter().find(|(_, s)| s.iter().any(|s| s == "AWSCURRENT")).map(|(v, _)| v.clone());
        if current.as_deref() == Some(token) {
            return Ok(());
        }
        // Only the version staged for this rotation (never an older one back to current).
        if !stages.get(token).is_some_and(|s| s.iter().any(|s| s == "AWSPENDING")) {
            return Err(SecretError::NotFound(format!("{id} version {token} is not pending")));
        }
        drop_services::aws_calls::record("secretsmanager:UpdateSecretVersionStage", id);
        self.client
            .update_secret_version_stage()
            .secret_id(id)
            .version_stage("AWSCURRENT")
            .move_to_version_id(token)
            .set_remove_from_version_id(current)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| unavailable(e.code()))
    }
}
