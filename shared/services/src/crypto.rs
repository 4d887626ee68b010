//! Envelope encryption and blind indexes.
//!
//! The port is [`KeyProvider`] (KMS in AWS, a local key file on a laptop): it makes and unwraps
//! 256-bit data keys and computes the blind-index HMAC with a key of its own. [`Crypto`] does the
//! rest once for both: AES-256-GCM with a fresh 96-bit nonce and associated data that binds the
//! ciphertext to its table, item key and attribute, so a ciphertext moved to another row or column
//! fails to decrypt. Data keys are cached per container with a bounded lifetime and use count.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use async_trait::async_trait;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use drop_domain::Secret;
use rand::RngCore;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ENVELOPE_VERSION: &str = "v1";

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("key service unavailable: {0}")]
    Unavailable(String),
    #[error("ciphertext is malformed")]
    Malformed,
    #[error("ciphertext does not decrypt under this context")]
    Forged,
    #[error("key material is invalid: {0}")]
    BadKey(String),
}

/// A fresh data key: the plaintext to encrypt with, and the wrapped form stored beside the data.
pub struct DataKey {
    pub plaintext: Secret<Vec<u8>>,
    pub wrapped: Vec<u8>,
}

#[async_trait]
pub trait KeyProvider: Send + Sync {
    /// `kms` or `local`.
    fn kind(&self) -> &'static str;
    async fn generate_data_key(&self) -> Result<DataKey, CryptoError>;
    async fn unwrap_data_key(&self, wrapped: &[u8]) -> Result<Secret<Vec<u8>>, CryptoError>;
    /// HMAC-SHA256 with the blind-index key (never a data key).
    async fn mac(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError>;
}

/// Where a ciphertext lives. All four parts go into the associated data.
#[derive(Debug, Clone, Copy)]
pub struct Aad<'a> {
    pub table: &'a str,
    pub pk: &'a str,
    pub sk: &'a str,
    pub attribute: &'a str,
}

/// The table every PII attribute of the main table is bound to.
pub const AAD_TABLE: &str = "main";

/// What a PII attribute of a main-table item is bound to: its key and name.
pub fn aad<'a>(pk: &'a str, sk: &'a str, attribute: &'a str) -> Aad<'a> {
    Aad { table: AAD_TABLE, pk, sk, attribute }
}

impl Aad<'_> {
    fn bytes(&self) -> Vec<u8> {
        // Length-prefixed, so ("ab","c") and ("a","bc") differ.
        let mut out = Vec::with_capacity(64);
        for part in [ENVELOPE_VERSION, self.table, self.pk, self.sk, self.attribute] {
            out.extend_from_slice(&(part.len() as u32).to_be_bytes());
            out.extend_from_slice(part.as_bytes());
        }
        out
    }
}

/// How long, and for how many encryptions, one data key is used.
#[derive(Debug, Clone, Copy)]
pub struct KeyCachePolicy {
    pub max_age: Duration,
    pub max_uses: u64,
    /// Unwrapped keys kept for decryption.
    pub max_unwrapped: usize,
}

impl Default for KeyCachePolicy {
    fn default() -> Self {
        KeyCachePolicy { max_age: Duration::from_secs(300), max_uses: 10_000, max_unwrapped: 64 }
    }
}

struct CurrentKey {
    key: Arc<Secret<Vec<u8>>>,
    wrapped: Arc<Vec<u8>>,
    born: Instant,
    uses: u64,
}

/// Unwrapped data keys by their wrapped form, with when they were unwrapped.
type UnwrapCache = HashMap<Vec<u8>, (Arc<Secret<Vec<u8>>>, Instant)>;

pub struct Crypto {
    keys: Arc<dyn KeyProvider>,
    policy: KeyCachePolicy,
    current: tokio::sync::Mutex<Option<CurrentKey>>,
    unwrapped: Mutex<UnwrapCache>,
}

impl Crypto {
    pub fn new(keys: Arc<dyn KeyProvider>, policy: KeyCachePolicy) -> Self {
        Crypto { keys, policy, current: tokio::sync::Mutex::new(None), unwrapped: Mutex::new(HashMap::new()) }
    }

    pub fn kind(&self) -> &'static str {
        self.keys.kind()
    }

    /// Encrypts into `v1.<wrapped key>.<nonce>.<ciphertext+tag>` (base64url parts).
    pub async fn encrypt(&self, aad: Aad<'_>, plaintext: &[u8]) -> Result<String, CryptoError> {
        let (key, wrapped) = self.current_key().await?;
        let cipher = Aes256Gcm::new_from_slice(key.expose()).map_err(|e| CryptoError::BadKey(e.to_string()))?;
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext, aad: &aad.bytes() })
            .map_err(|_| CryptoError::BadKey("encryption failed".into()))?;
        Ok(format!("{ENVELOPE_VERSION}.{}.{}.{}", B64.encode(&*wrapped), B64.encode(nonce), B64.encode(ct)))
    }

    pub async fn decrypt(&self, aad: Aad<'_>, envelope: &str) -> Result<Secret<Vec<u8>>, CryptoError> {
        let mut parts = envelope.split('.');
        let (Some(ENVELOPE_VERSION), Some(w), Some(n), Some(c), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(CryptoError::Malformed);
        };
        let wrapped = B64.decode(w).map_err(|_| CryptoError::Malformed)?;
        let nonce = B64.decode(n).map_err(|_| CryptoError::Malformed)?;
        let ct = B64.decode(c).map_err(|_| CryptoError::Malformed)?;
        if nonce.len() != 12 {
            return Err(CryptoError::Malformed);
        }
        let key = self.unwrap_cached(&wrapped).await?;
        let cipher = Aes256Gcm::new_from_slice(key.expose()).map_err(|e| CryptoError::BadKey(e.to_string()))?;
        cipher
            .decrypt(Nonce::from_slice(&nonce), Payload { msg: &ct, aad: &aad.bytes() })
            .map(Secret::new)
            .map_err(|_| CryptoError::Forged)
    }

    pub async fn encrypt_str(&self, aad: Aad<'_>, plaintext: &Secret<String>) -> Result<String, CryptoError> {
        self.encrypt(aad, plaintext.expose().as_bytes()).await
    }

    pub async fn decrypt_str(&self, aad: Aad<'_>, envelope: &str) -> Result<Secret<String>, CryptoError> {
        let bytes = self.decrypt(aad, envelope).await?;
        String::from_utf8(bytes.expose().clone()).map(Secret::new).map_err(|_| CryptoError::Malformed)
    }

    /// Blind index for equality lookups: hex HMAC-SHA256 over `purpose`, a separator and the
    /// already-normalised value. One purpose per kind of value, so equal values of different kinds
    /// never share an index.
    pub async fn blind_index(&self, purpose: &str, normalised: &str) -> Result<String, CryptoError> {
        let mut msg = Vec::with_capacity(purpose.len() + 1 + normalised.len());
        msg.extend_from_slice(purpose.as_bytes());
        msg.push(0x1f);
        msg.extend_from_slice(normalised.as_bytes());
        let mac = self.keys.mac(&msg).await?;
        Ok(mac.iter().map(|b| format!("{b:02x}")).collect())
    }

    async fn current_key(&self) -> Result<(Arc<Secret<Vec<u8>>>, Arc<Vec<u8>>), CryptoError> {
        let mut cur = self.current.lock().await;
        let fresh = |c: &CurrentKey| c.born.elapsed() < self.policy.max_age && c.uses < self.policy.max_uses;
        // A cached key stands for the call a cold container makes (the least-privilege record).
        crate::aws_calls::record("kms:GenerateDataKey", crate::aws_calls::LOCAL_DATA_KEY);
        if !cur.as_ref().is_some_and(fresh) {
            let dk = self.keys.generate_data_key().await?;
            if dk.plaintext.expose().len() != 32 {
                return Err(CryptoError::BadKey("data key is not 256 bits".into()));
            }
            let key = Arc::new(dk.plaintext);
            self.remember(dk.wrapped.clone(), key.clone());
            *cur = Some(CurrentKey { key, wrapped: Arc::new(dk.wrapped), born: Instant::now(), uses: 0 });
        }
        let c = cur.as_mut().ok_or_else(|| CryptoError::BadKey("no data key".into()))?;
        c.uses += 1;
        Ok((c.key.clone(), c.wrapped.clone()))
    }

    async fn unwrap_cached(&self, wrapped: &[u8]) -> Result<Arc<Secret<Vec<u8>>>, CryptoError> {
        crate::aws_calls::record("kms:Decrypt", crate::aws_calls::LOCAL_DATA_KEY);
        if let Ok(map) = self.unwrapped.lock() {
            if let Some((k, born)) = map.get(wrapped) {
                if born.elapsed() < self.policy.max_age {
                    return Ok(k.clone());
                }
            }
        }
        let key = Arc::new(self.keys.unwrap_data_key(wrapped).await?);
        if key.expose().len() != 32 {
            return Err(CryptoError::BadKey("data key is not 256 bits".into()));
        }
        self.remember(wrapped.to_vec(), key.clone());
        Ok(key)
    }

    fn remember(&self, wrapped: Vec<u8>, key: Arc<Secret<Vec<u8>>>) {
        if let Ok(mut map) = self.unwrapped.lock() {
            map.retain(|_, (_, born)| born.elapsed() < self.policy.max_age);
            if map.len() >= self.policy.max_unwrapped {
                if let Some(oldest) = map.iter().min_by_key(|(_, (_, b))| *b).map(|(k, _)| k.clone()) {
                    map.remove(&oldest);
                }
            }
            map.insert(wrapped, (key, Instant::now()));
        }
    }
}
