//! A Drop-made key that rotates: signs with the current value, verifies with the current one or,
//! during the overlap, the previous one. Versions are re-read every [`REFRESH_SECS`], and at once
//! (at most once a second) when a tag fails, so an instance that started before a rotation
//! verifies what a newer one signed.

use super::{SecretError, SecretStore, Versions};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;
use tokio::sync::Mutex;

/// How long versions are kept before they are read again.
pub const REFRESH_SECS: i64 = 300;
/// How long after a rotation the previous value still verifies. Longer than the template's
/// rotation window (2 h: in AWS the clock starts when the new value is staged, not when it is
/// made current) plus [`REFRESH_SECS`], so what any instance signed before it saw the rotation
/// still verifies everywhere.
pub const OVERLAP_SECS: i64 = 3 * 3600;

pub struct RotatingKey {
    store: Arc<dyn SecretStore>,
    id: String,
    cached: Mutex<Option<(Versions, i64)>>,
    last_forced: Mutex<i64>,
}

fn tag(key: &str, msg: &[u8]) -> Option<Vec<u8>> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()).ok()?;
    m.update(msg);
    Some(m.finalize().into_bytes().to_vec())
}

impl RotatingKey {
    pub fn new(store: Arc<dyn SecretStore>, id: &str) -> Self {
        RotatingKey { store, id: id.to_owned(), cached: Mutex::new(None), last_forced: Mutex::new(i64::MIN) }
    }

    async fn versions(&self, now: i64, force: bool) -> Result<Versions, SecretError> {
        let mut cached = self.cached.lock().await;
        match cached.as_ref() {
            Some((v, at)) if !force && now - at < REFRESH_SECS => Ok(v.clone()),
            _ => {
                let v = self.store.versions(&self.id).await?;
                *cached = Some((v.clone(), now));
                Ok(v)
            }
        }
    }

    /// HMAC-SHA256 of `msg` under the current value, base64url.
    pub async fn sign(&self, msg: &[u8], now: i64) -> Result<String, SecretError> {
        let v = self.versions(now, false).await?;
        let t = tag(v.current.expose(), msg).ok_or_else(|| SecretError::Unavailable("hmac".into()))?;
        Ok(B64.encode(t))
    }

    /// Whether `sig` is `msg`'s tag under a value accepted now.
    pub async fn verify(&self, msg: &[u8], sig: &str, now: i64) -> Result<bool, SecretError> {
        let Ok(sig) = B64.decode(sig) else { return Ok(false) };
        let check = |v: &Versions| {
            v.accepted(now, OVERLAP_SECS).iter().any(|k| {
                let Ok(mut m) = <Hmac<Sha256> as Mac>::new_from_slice(k.expose().as_bytes()) else { return false };
                m.update(msg);
                m.verify_slice(&sig).is_ok() // constant time
            })
        };
        if check(&self.versions(now, false).await?) {
            return Ok(true);
        }
        let mut last = self.last_forced.lock().await;
        if now <= *last {
            return Ok(false);
        }
        *last = now;
        drop(last);
        Ok(check(&self.versions(now, true).await?))
    }
}
