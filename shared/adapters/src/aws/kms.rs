//! `KeyProvider` on KMS: data keys from `GenerateDataKey` (AES_256) under the PII key, unwrapped
//! with `Decrypt`; the blind index from `GenerateMac` (HMAC_SHA_256) under a separate HMAC key,
//! so the index key never leaves KMS.

use super::describe;
use async_trait::async_trait;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{DataKeySpec, MacAlgorithmSpec};
use aws_sdk_kms::Client;
use drop_domain::Secret;
use drop_services::crypto::{CryptoError, DataKey, KeyProvider};

const CONTEXT: (&str, &str) = ("purpose", "drop-pii");

pub struct KmsKeys {
    client: Client,
    data_key_id: String,
    mac_key_id: String,
}

impl KmsKeys {
    pub fn new(client: Client, data_key_id: &str, mac_key_id: &str) -> Self {
        KmsKeys { client, data_key_id: data_key_id.to_owned(), mac_key_id: mac_key_id.to_owned() }
    }
}

fn err<E: std::fmt::Debug + aws_sdk_kms::error::ProvideErrorMetadata, R: std::fmt::Debug>(
    e: aws_sdk_kms::error::SdkError<E, R>,
) -> CryptoError {
    match e {
        aws_sdk_kms::error::SdkError::ServiceError(s) => match s.err().code() {
            Some("InvalidCiphertextException") => CryptoError::Forged,
            _ => CryptoError::Unavailable(describe(s.err())),
        },
        other => CryptoError::Unavailable(other.to_string()),
    }
}

#[async_trait]
impl KeyProvider for KmsKeys {
    fn kind(&self) -> &'static str {
        "kms"
    }

    async fn generate_data_key(&self) -> Result<DataKey, CryptoError> {
        drop_services::aws_calls::record("kms:GenerateDataKey", &self.data_key_id);
        let out = self
            .client
            .generate_data_key()
            .key_id(&self.data_key_id)
            .key_spec(DataKeySpec::Aes256)
            .encryption_context(CONTEXT.0, CONTEXT.1)
            .send()
            .await
            .map_err(err)?;
        let plaintext = out.plaintext().ok_or(CryptoError::BadKey("no plaintext".into()))?.as_ref().to_vec();
        let wrapped = out.ciphertext_blob().ok_or(CryptoError::BadKey("no blob".into()))?.as_ref().to_vec();
        Ok(DataKey { plaintext: Secret::new(plaintext), wrapped })
    }

    async fn unwrap_data_key(&self, wrapped: &[u8]) -> Result<Secret<Vec<u8>>, CryptoError> {
        drop_services::aws_calls::record("kms:Decrypt", &self.data_key_id);
        let out = self
            .client
            .decrypt()
            .key_id(&self.data_key_id)
            .ciphertext_blob(Blob::new(wrapped.to_vec()))
            .encryption_context(CONTEXT.0, CONTEXT.1)
            .send()
            .await
            .map_err(err)?;
        let p = out.plaintext().ok_or(CryptoError::BadKey("no plaintext".into()))?;
        Ok(Secret::new(p.as_ref().to_vec()))
    }

    async fn mac(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        drop_services::aws_calls::record("kms:GenerateMac", &self.mac_key_id);
        let out = self
            .client
            .generate_mac()
            .key_id(&self.mac_key_id)
            .mac_algorithm(MacAlgorithmSpec::HmacSha256)
            .message(Blob::new(message.to_vec()))
            .send()
            .await
            .map_err(err)?;
        Ok(out.mac().ok_or(CryptoError::BadKey("no mac".into()))?.as_ref().to_vec())
    }
}
