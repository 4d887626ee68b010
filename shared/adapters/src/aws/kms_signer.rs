//! `TokenSigner` on KMS: one asymmetric RSA_2048 `SIGN_VERIFY` key per signing key, so the private
//! key never leaves KMS. Rotation creates a new KMS key and schedules the retired one for deletion.
//! The key is created with the tag the IAM policies require (`drop:purpose=token-signing`): the
//! roles may create, use and delete only keys with that tag, that spec and that usage.

use async_trait::async_trait;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{KeySpec, KeyUsageType, MessageType, SigningAlgorithmSpec, Tag};
use aws_sdk_kms::Client;
use drop_services::auth::signing::{RsaPublic, TokenSigner};
use drop_services::auth::AuthError;

/// The tag every signing key carries; the template's IAM conditions name it.
pub const PURPOSE_TAG: &str = "drop:purpose";
pub const PURPOSE: &str = "token-signing";

use drop_services::aws_calls::SIGNING_KEY;

pub struct KmsSigner {
    client: Client,
}

impl KmsSigner {
    pub fn new(client: Client) -> Self {
        KmsSigner { client }
    }
}

fn err<E: std::fmt::Debug + aws_sdk_kms::error::ProvideErrorMetadata, R: std::fmt::Debug>(
    e: aws_sdk_kms::error::SdkError<E, R>,
) -> AuthError {
    match e {
        aws_sdk_kms::error::SdkError::ServiceError(s) => AuthError::Signer(super::describe(s.err())),
        other => AuthError::Signer(other.to_string()),
    }
}

pub use drop_services::auth::jwt::rsa_from_spki;

#[async_trait]
impl TokenSigner for KmsSigner {
    fn kind(&self) -> &'static str {
        "kms"
    }

    async fn create_key(&self, kid: &str) -> Result<String, AuthError> {
        drop_services::aws_calls::record("kms:CreateKey", SIGNING_KEY);
        drop_services::aws_calls::record("kms:TagResource", SIGNING_KEY);
        let tag = Tag::builder()
            .tag_key(PURPOSE_TAG)
            .tag_value(PURPOSE)
            .build()
            .map_err(|e| AuthError::Signer(e.to_string()))?;
        let out = self
            .client
            .create_key()
            .key_spec(KeySpec::Rsa2048)
            .key_usage(KeyUsageType::SignVerify)
            .tags(tag)
            .description(format!("Drop access-token signing key {kid}"))
            .send()
            .await
            .map_err(err)?;
        out.key_metadata.map(|m| m.key_id).ok_or(AuthError::Signer("no key id".into()))
    }

    async fn sign(&self, _kid: &str, handle: &str, message: &[u8]) -> Result<Vec<u8>, AuthError> {
        drop_services::aws_calls::record("kms:Sign", SIGNING_KEY);
        let out = self
            .client
            .sign()
            .key_id(handle)
            .message(Blob::new(message.to_vec()))
            .message_type(MessageType::Raw)
            .signing_algorithm(SigningAlgorithmSpec::RsassaPkcs1V15Sha256)
            .send()
            .await
            .map_err(err)?;
        out.signature.map(|s| s.into_inner()).ok_or(AuthError::Signer("no signature".into()))
    }

    async fn public_key(&self, _kid: &str, handle: &str) -> Result<RsaPublic, AuthError> {
        drop_services::aws_calls::record("kms:GetPublicKey", SIGNING_KEY);
        let out = self.client.get_public_key().key_id(handle).send().await.map_err(err)?;
        let der = out.public_key.ok_or(AuthError::Signer("no public key".into()))?;
        rsa_from_spki(der.as_ref()).ok_or(AuthError::Signer("public key is not RSA".into()))
    }

    /// KMS: "it might take up to five minutes" for a tag to affect access to a key.
    fn propagation_secs(&self) -> i64 {
        300
    }

    async fn retire(&self, handle: &str) -> Result<(), AuthError> {
        drop_services::aws_calls::record("kms:ScheduleKeyDeletion", SIGNING_KEY);
        self.client.schedule_key_deletion().key_id(handle).pending_window_in_days(7).send().await.map_err(err)?;
        Ok(())
    }
}
