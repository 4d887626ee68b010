//! Rotation of a secret Drop makes itself, in Secrets Manager's four steps (the event it sends the
//! rotation function: `{"SecretId", "ClientRequestToken", "Step"}`). Every step may run again
//! (Secrets Manager retries): each checks what is done first.
//!
//! 1. `createSecret`: a new random value staged under the token, unless one is staged already.
//! 2. `setSecret`: nothing — only Drop reads these secrets (a partner-held secret, such as a
//!    webhook secret a provider sends back, would be handed to the partner here).
//! 3. `testSecret`: the staged value is there and well-formed.
//! 4. `finishSecret`: the staged value becomes current; the old one stays as the previous value,
//!    accepted for the overlap window.

use super::{SecretError, SecretStore};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use drop_domain::Secret;

/// Bytes of randomness in a generated secret.
pub const SECRET_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    #[error("not a rotation event: {0}")]
    BadEvent(&'static str),
    #[error("the staged value is missing or malformed")]
    TestFailed,
    #[error(transparent)]
    Store(#[from] SecretError),
}

#[derive(Debug, serde::Deserialize)]
pub struct RotationEvent {
    #[serde(rename = "SecretId")]
    pub secret_id: String,
    #[serde(rename = "ClientRequestToken")]
    pub token: String,
    #[serde(rename = "Step")]
    pub step: String,
}

/// A new secret: 32 random bytes (the thread's CSPRNG), base64url.
pub fn generate() -> Secret<String> {
    Secret::new(B64.encode(rand::random::<[u8; SECRET_BYTES]>()))
}

/// Whether a value is one [`generate`] makes.
pub fn well_formed(s: &Secret<String>) -> bool {
    B64.decode(s.expose()).is_ok_and(|b| b.len() == SECRET_BYTES)
}

/// Runs one step. `allowed` lists the secret ids this function may rotate (its environment).
pub async fn step(
    store: &dyn SecretStore,
    allowed: &[String],
    event: &RotationEvent,
    now: i64,
) -> Result<(), RotationError> {
    if !allowed.iter().any(|a| a == &event.secret_id) {
        return Err(RotationError::BadEvent("a secret this function does not rotate"));
    }
    let (id, token) = (event.secret_id.as_str(), event.token.as_str());
    match event.step.as_str() {
        "createSecret" => {
            if store.pending(id, token).await?.is_none() {
                store.put_pending(id, token, &generate()).await?;
            }
            Ok(())
        }
        "setSecret" => Ok(()),
        "testSecret" => match store.pending(id, token).await? {
            Some(v) if well_formed(&v) => Ok(()),
            _ => Err(RotationError::TestFailed),
        },
        "finishSecret" => Ok(store.promote(id, token, now).await?),
        _ => Err(RotationError::BadEvent("unknown step")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_are_random_and_well_formed() {
        let (a, b) = (generate(), generate());
        assert!(well_formed(&a) && well_formed(&b));
        assert_ne!(a.expose(), b.expose());
    }
}
