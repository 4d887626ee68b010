//! `KeyProvider` from a local key file: a key-encryption key that wraps data keys (AES-256-GCM)
//! and a separate blind-index key. The file is created with mode 0600 on first use.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use drop_domain::Secret;
use drop_services::crypto::{CryptoError, DataKey, KeyProvider};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::path::Path;

const WRAP_AAD: &[u8] = b"drop-local-data-key-v1";

pub struct LocalKeys {
    kek: Secret<Vec<u8>>,
    mac_key: Secret<Vec<u8>>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct KeyFile {
    kek: String,
    mac: String,
}

fn random32() -> Vec<u8> {
    let mut k = vec![0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut k);
    k
}

impl LocalKeys {
    /// Fresh random keys held in memory only (tests).
    pub fn ephemeral() -> Self {
        LocalKeys { kek: Secret::new(random32()), mac_key: Secret::new(random32()) }
    }

    /// Loads the key file, creating it (0600) if it does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self, CryptoError> {
        let bad = |e: &dyn std::fmt::Display| CryptoError::BadKey(format!("{}: {e}", path.display()));
        if !path.exists() {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| bad(&e))?;
            }
            let file = KeyFile { kek: B64.encode(random32()), mac: B64.encode(random32()) };
            let json = serde_json::to_vec_pretty(&file).map_err(|e| bad(&e))?;
            write_private(path, &json).map_err(|e| bad(&e))?;
        }
        let raw = std::fs::read(path).map_err(|e| bad(&e))?;
        let file: KeyFile = serde_json::from_slice(&raw).map_err(|e| bad(&e))?;
        let kek = B64.decode(&file.kek).map_err(|e| bad(&e))?;
        let mac = B64.decode(&file.mac).map_err(|e| bad(&e))?;
        if kek.len() != 32 || mac.len() != 32 {
            return Err(bad(&"keys must be 32 bytes"));
        }
        Ok(LocalKeys { kek: Secret::new(kek), mac_key: Secret::new(mac) })
    }

    fn cipher(&self) -> Result<Aes256Gcm, CryptoError> {
        Aes256Gcm::new_from_slice(self.kek.expose()).map_err(|e| CryptoError::BadKey(e.to_string()))
    }
}

/// Creates a file only its owner can read (fails if it exists).
#[cfg(unix)]
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(bytes)
}

#[cfg(not(unix))]
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

#[async_trait]
impl KeyProvider for LocalKeys {
    fn kind(&self) -> &'static str {
        "local"
    }

    async fn generate_data_key(&self) -> Result<DataKey, CryptoError> {
        drop_services::aws_calls::record("kms:GenerateDataKey", drop_services::aws_calls::LOCAL_DATA_KEY);
        let plaintext = random32();
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = self
            .cipher()?
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: &plaintext, aad: WRAP_AAD })
            .map_err(|_| CryptoError::BadKey("wrap failed".into()))?;
        let mut wrapped = nonce.to_vec();
        wrapped.extend_from_slice(&ct);
        Ok(DataKey { plaintext: Secret::new(plaintext), wrapped })
    }

    async fn unwrap_data_key(&self, wrapped: &[u8]) -> Result<Secret<Vec<u8>>, CryptoError> {
        drop_services::aws_calls::record("kms:Decrypt", drop_services::aws_calls::LOCAL_DATA_KEY);
        if wrapped.len() < 12 + 16 {
            return Err(CryptoError::Malformed);
        }
        let (nonce, ct) = wrapped.split_at(12);
        self.cipher()?
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad: WRAP_AAD })
            .map(Secret::new)
            .map_err(|_| CryptoError::Forged)
    }

    async fn mac(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        drop_services::aws_calls::record("kms:GenerateMac", drop_services::aws_calls::LOCAL_MAC_KEY);
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(self.mac_key.expose())
            .map_err(|e| CryptoError::BadKey(e.to_string()))?;
        m.update(message);
        Ok(m.finalize().into_bytes().to_vec())
    }
}
