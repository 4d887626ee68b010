//! Secrets live in a secret store, never in a function's environment: the environment holds only
//! the secret's id (its ARN in AWS, its name locally), and a function reads the secrets it uses.
//! AWS Secrets Manager in AWS; `.drop/secrets.json` (mode 0600) locally.
//!
//! Provider-issued secrets (BankID, Wise, Thunes) are changed by an operator. Secrets Drop makes
//! itself are rotated by `secret-rotation` with Secrets Manager's four steps ([`rotation`]); the
//! previous value stays accepted for an overlap window ([`Versions::accepts`]).

pub mod rotating;
pub mod rotation;

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

/// A secret's current value and the one it replaced.
#[derive(Debug, Clone)]
pub struct Versions {
    pub current: Secret<String>,
    /// When the current value became current (epoch seconds).
    pub current_since: i64,
    pub previous: Option<Secret<String>>,
}

impl Versions {
    /// The values a verifier accepts at `now`: the current one, and the previous one until
    /// `overlap` seconds after the rotation (what was issued or cached before it still works).
    pub fn accepted(&self, now: i64, overlap: i64) -> Vec<&Secret<String>> {
        let mut out = vec![&self.current];
        if let Some(p) = &self.previous {
            if now - self.current_since < overlap {
                out.push(p);
            }
        }
        out
    }
}

#[async_trait]
pub trait SecretStore: Send + Sync {
    /// The current value of a secret by its id.
    async fn get(&self, id: &str) -> Result<Secret<String>, SecretError>;
    /// The current value, when it became current, and the previous value.
    async fn versions(&self, id: &str) -> Result<Versions, SecretError>;
    /// The value staged for a rotation under `token`, if there is one.
    async fn pending(&self, id: &str, token: &str) -> Result<Option<Secret<String>>, SecretError>;
    /// Stages `value` under `token` (AWSPENDING); the same token again changes nothing.
    async fn put_pending(&self, id: &str, token: &str, value: &Secret<String>) -> Result<(), SecretError>;
    /// Makes the value staged under `token` current; the current one becomes the previous one.
    /// Done already (the token is current): nothing changes.
    async fn promote(&self, id: &str, token: &str, now: i64) -> Result<(), SecretError>;
}
