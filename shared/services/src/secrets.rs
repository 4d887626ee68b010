//! Secrets (provider credentials) live in a secret store, never in a function's environment: the
//! environment holds only the secret's id (its ARN in AWS, its name locally), and a function reads
//! the secrets it uses once, at init. AWS Secrets Manager in AWS; `.drop/secrets.json` (mode 0600)
//! locally.

use async_trait::async_trait;
use drop_domain::Secret;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// No such secret (or no value yet: provider credentials are put there by an operator).
    #[error("secret {0} not found")]
    NotFound(String),
    #[error("secret store unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait SecretStore: Send + Sync {
    /// The current value of a secret by its id.
    async fn get(&self, id: &str) -> Result<Secret<String>, SecretError>;
}
