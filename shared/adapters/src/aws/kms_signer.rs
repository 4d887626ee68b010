//! `TokenSigner` on KMS: one asymmetric RSA_2048 `SIGN_VERIFY` key per signing key, so the private
//! key never leaves KMS. Rotation creates a new KMS key and schedules the retired one for deletion.

use async_trait::async_trait;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{KeySpec, KeyUsageType, MessageType, SigningAlgorithmSpec};
use aws_sdk_kms::Client;
use drop_services::auth::signing::{RsaPublic, TokenSigner};
use drop_services::auth::AuthError;

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

/// Reads one DER element: (tag, content, rest).
fn der(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        (rest[..n].iter().fold(0usize, |a, b| (a << 8) | *b as usize), &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

fn unsigned(int: &[u8]) -> Vec<u8> {
    let start = int.iter().position(|b| *b != 0).unwrap_or(int.len().saturating_sub(1));
    int[start..].to_vec()
}

/// Modulus and exponent from an X.509 SubjectPublicKeyInfo holding an RSA key.
pub fn rsa_from_spki(spki: &[u8]) -> Option<RsaPublic> {
    let (0x30, body, _) = der(spki)? else { return None };
    let (0x30, _alg, rest) = der(body)? else { return None };
    let (0x03, bits, _) = der(rest)? else { return None };
    let (&0, key) = bits.split_first()? else { return None };
    let (0x30, seq, _) = der(key)? else { return None };
    let (0x02, n, rest) = der(seq)? else { return None };
    let (0x02, e, _) = der(rest)? else { return None };
    Some(RsaPublic { n: unsigned(n), e: unsigned(e) })
}

#[async_trait]
impl TokenSigner for KmsSigner {
    fn kind(&self) -> &'static str {
        "kms"
    }

    async fn create_key(&self, kid: &str) -> Result<String, AuthError> {
        let out = self
            .client
            .create_key()
            .key_spec(KeySpec::Rsa2048)
            .key_usage(KeyUsageType::SignVerify)
            .description(format!("Drop access-token signing key {kid}"))
            .send()
            .await
            .map_err(err)?;
        out.key_metadata.map(|m| m.key_id).ok_or(AuthError::Signer("no key id".into()))
    }

    async fn sign(&self, _kid: &str, handle: &str, message: &[u8]) -> Result<Vec<u8>, AuthError> {
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
        let out = self.client.get_public_key().key_id(handle).send().await.map_err(err)?;
        let der = out.public_key.ok_or(AuthError::Signer("no public key".into()))?;
        rsa_from_spki(der.as_ref()).ok_or(AuthError::Signer("public key is not RSA".into()))
    }

    async fn retire(&self, handle: &str) -> Result<(), AuthError> {
        self.client.schedule_key_deletion().key_id(handle).pending_window_in_days(7).send().await.map_err(err)?;
        Ok(())
    }
}
