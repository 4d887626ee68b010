//! Access tokens: RS256 JWTs, 15 minutes, `kid` in the header, claims `sub role sid iss aud iat
//! exp jti`. Verification accepts RS256 only, with a key from our own registry (re-read once on an
//! unknown `kid`), and checks issuer, audience and times.

use super::jwt::{self, Header, Jwks, JwtError};
use super::signing::{self, SigningKey, TokenSigner};
use super::AuthError;
use crate::table::Table;
use crate::Clock;
use drop_domain::role::Role;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

pub const ACCESS_TTL_SECS: i64 = 15 * 60;
pub const CLOCK_SKEW_SECS: i64 = 60;
/// How long a superseded key stays in the JWKS: the longest token lifetime plus skew.
pub const KEY_GRACE_SECS: i64 = ACCESS_TTL_SECS + 5 * 60;
const CACHE_FOR: Duration = Duration::from_secs(60);

/// Who a verified token speaks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub user_id: String,
    pub role: Role,
    /// The session (refresh-token family).
    pub sid: String,
}

pub struct TokenService {
    table: Arc<dyn Table>,
    signer: Arc<dyn TokenSigner>,
    clock: Arc<dyn Clock>,
    issuer: String,
    audience: String,
    cache: RwLock<Option<(Instant, Vec<SigningKey>)>>,
    /// When keys were last reloaded for an unknown `kid`: at most one such reload per
    /// [`RELOAD_EVERY`], so tokens with made-up `kid`s cannot turn every request into a read.
    forced: std::sync::Mutex<Option<Instant>>,
}

/// The shortest time between two reloads forced by an unknown `kid`.
pub const RELOAD_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

impl TokenService {
    pub fn new(
        table: Arc<dyn Table>,
        signer: Arc<dyn TokenSigner>,
        clock: Arc<dyn Clock>,
        issuer: &str,
        audience: &str,
    ) -> Self {
        TokenService {
            table,
            signer,
            clock,
            issuer: issuer.into(),
            audience: audience.into(),
            cache: RwLock::new(None),
            forced: std::sync::Mutex::new(None),
        }
    }

    /// Whether an unknown `kid` may reload the keys now (and records that it does).
    fn may_reload(&self) -> bool {
        let mut last = self.forced.lock().unwrap_or_else(|p| p.into_inner());
        match *last {
            Some(at) if at.elapsed() < RELOAD_EVERY => false,
            _ => {
                *last = Some(Instant::now());
                true
            }
        }
    }

    pub fn signer_kind(&self) -> &'static str {
        self.signer.kind()
    }

    /// The active keys; `make_first`: with none yet, make the first one (only issuing does: the
    /// JWKS and verification never create keys).
    async fn keys(&self, refresh: bool, make_first: bool) -> Result<Vec<SigningKey>, AuthError> {
        if !refresh {
            if let Some((at, keys)) = self.cache.read().await.as_ref() {
                // An empty list is not kept: the first key may be made any moment.
                if at.elapsed() < CACHE_FOR && !keys.is_empty() {
                    // Stands for the read a cold container makes (the least-privilege record).
                    crate::aws_calls::record_query(self.table.name(), None);
                    return Ok(keys.clone());
                }
            }
        }
        let mut keys = signing::active_keys(self.table.as_ref()).await?;
        if keys.is_empty() && make_first {
            signing::bootstrap(self.table.as_ref(), self.signer.as_ref(), self.clock.epoch()).await?;
            keys = signing::active_keys(self.table.as_ref()).await?;
        }
        *self.cache.write().await = Some((Instant::now(), keys.clone()));
        Ok(keys)
    }

    pub async fn issue(&self, p: &Principal) -> Result<String, AuthError> {
        let keys = self.keys(false, true).await?;
        let now = self.clock.epoch();
        let key = signing::signing_key(&keys, now).ok_or(AuthError::Signer("no signing key".into()))?;
        let claims = serde_json::json!({
            "sub": p.user_id, "role": p.role.as_str(), "sid": p.sid,
            "iss": self.issuer, "aud": self.audience,
            "iat": now, "exp": now + ACCESS_TTL_SECS, "jti": ulid::Ulid::new().to_string(),
        });
        let header = Header { alg: "RS256".into(), kid: Some(key.kid.clone()), typ: Some("JWT".into()) };
        let input = jwt::signing_input(&header, &claims);
        let sig = self.signer.sign(&key.kid, &key.handle, input.as_bytes()).await?;
        Ok(jwt::assemble(&input, &sig))
    }

    pub async fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        let parsed = jwt::parse(token)?;
        let jwks: Vec<_> = self.keys(false, false).await?.into_iter().map(|k| k.jwk).collect();
        match jwt::verify(&parsed, "RS256", &jwks) {
            Err(JwtError::UnknownKey) if parsed.header.alg == "RS256" && self.may_reload() => {
                let fresh: Vec<_> = self.keys(true, false).await?.into_iter().map(|k| k.jwk).collect();
                jwt::verify(&parsed, "RS256", &fresh)?
            }
            other => other?,
        }
        let c = &parsed.claims;
        let now = self.clock.epoch();
        let s = |k: &str| c.get(k).and_then(|v| v.as_str());
        let n = |k: &str| c.get(k).and_then(|v| v.as_i64());
        if s("iss") != Some(self.issuer.as_str()) || s("aud") != Some(self.audience.as_str()) {
            return Err(JwtError::Claims.into());
        }
        match (n("exp"), n("iat")) {
            (Some(exp), Some(iat)) if exp > now - CLOCK_SKEW_SECS && iat <= now + CLOCK_SKEW_SECS => {}
            (Some(_), Some(_)) => return Err(JwtError::Expired.into()),
            _ => return Err(JwtError::Claims.into()),
        }
        let (Some(sub), Some(role), Some(sid)) = (s("sub"), s("role").and_then(Role::parse), s("sid")) else {
            return Err(JwtError::Claims.into());
        };
        Ok(Principal { user_id: sub.to_owned(), role, sid: sid.to_owned() })
    }

    /// The public keys: the current one and any previous one still in its grace period.
    /// Read from the table each time (one query): a rotation shows at once, whichever container
    /// rotated; clients cache the answer (`Cache-Control`).
    pub async fn jwks(&self) -> Result<Jwks, AuthError> {
        Ok(Jwks { keys: self.keys(true, false).await?.into_iter().map(|k| k.jwk).collect() })
    }

    /// Loads the active keys into this container's cache (no key is made).
    pub async fn warm(&self) -> Result<(), AuthError> {
        self.keys(false, false).await.map(|_| ())
    }

    pub async fn rotate(&self) -> Result<signing::Rotation, AuthError> {
        let r = signing::rotate(self.table.as_ref(), self.signer.as_ref(), self.clock.epoch(), KEY_GRACE_SECS).await?;
        *self.cache.write().await = None;
        Ok(r)
    }
}
