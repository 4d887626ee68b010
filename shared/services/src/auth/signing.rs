//! Access-token signing keys. The `TokenSigner` port holds RSA keys (KMS asymmetric keys in AWS; a
//! local RSA key, wrapped by the local key provider, on a laptop); the registry of which key is
//! current lives in the table (`SIGNKEY` partition). Rotation makes a new current key and keeps
//! the previous one in the JWKS until every token it signed has expired, then retires it.
//!
//! In AWS a new key is usable for signing only once its `drop:purpose` tag has reached IAM (up to
//! five minutes): a rotated key is published in the JWKS at once but signs only after the
//! signer's [`TokenSigner::propagation_secs`]; the previous key signs until then. Each rotation period and the very first
//! key are claimed with a conditional write, so a retried or concurrent run creates nothing more.

use super::jwt::Jwk;
use super::AuthError;
use crate::table::{Cmp, Condition, Item, Key, Query, Table, TableError, Update};
use async_trait::async_trait;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use drop_domain::keys::attr;
use drop_domain::lifecycle::signing_key::{transition, Event as KeyEvent, Status as KeyStatus};

/// Claims: one per rotation period (`rotation#YYYY-MM`), and `bootstrap` for the first key.
pub use drop_domain::keys::SIGNING_CLAIM_PK as CLAIM_PK;
pub use drop_domain::keys::SIGNING_KEYS_PK as PK;
/// A bootstrap claim older than this was left by a container that died: it may be taken over.
const BOOTSTRAP_CLAIM_SECS: i64 = 60;

pub use super::jwt::RsaPublic;

#[async_trait]
pub trait TokenSigner: Send + Sync {
    /// `kms` or `local`.
    fn kind(&self) -> &'static str;
    /// Makes a new RSA-2048 key; returns its handle (KMS key id, or the wrapped local key).
    async fn create_key(&self, kid: &str) -> Result<String, AuthError>;
    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message`.
    async fn sign(&self, kid: &str, handle: &str, message: &[u8]) -> Result<Vec<u8>, AuthError>;
    async fn public_key(&self, kid: &str, handle: &str) -> Result<RsaPublic, AuthError>;
    /// The key will not be used again (KMS: scheduled for deletion).
    async fn retire(&self, handle: &str) -> Result<(), AuthError>;
    /// Seconds after creation before a key may sign (KMS: until its tag reaches IAM).
    fn propagation_secs(&self) -> i64 {
        0
    }
}

#[derive(Debug, Clone)]
pub struct SigningKey {
    pub kid: String,
    pub handle: String,
    pub jwk: Jwk,
    pub created_at: i64,
    /// From when the key signs (it verifies from its creation).
    pub usable_from: i64,
    /// Set once a newer key took over: the key leaves the JWKS after this time.
    pub retire_after: Option<i64>,
}

impl SigningKey {
    /// Where it is in its lifecycle (`drop_domain::lifecycle::signing_key`).
    pub fn status(&self) -> KeyStatus {
        if self.retire_after.is_some() {
            KeyStatus::Superseded
        } else {
            KeyStatus::Active
        }
    }
}

/// The key that signs now: the newest usable one (the newest if none is usable yet).
pub fn signing_key(keys: &[SigningKey], now: i64) -> Option<&SigningKey> {
    keys.iter().find(|k| k.usable_from <= now).or(keys.first())
}

fn key_of(i: &Item) -> Option<SigningKey> {
    // Active and superseded keys verify (and are in the JWKS); retired ones do not.
    match KeyStatus::of(i.s(attr::STATUS)?, i.n(attr::RETIRE_AFTER))? {
        KeyStatus::Active | KeyStatus::Superseded => {}
        KeyStatus::Retired => return None,
    }
    let kid = i.s(attr::SK)?.to_owned();
    let n = B64.decode(i.s(attr::RSA_N)?).ok()?;
    let e = B64.decode(i.s(attr::RSA_E)?).ok()?;
    Some(SigningKey {
        jwk: Jwk::rsa(&kid, &n, &e),
        kid,
        handle: i.s(attr::HANDLE)?.to_owned(),
        created_at: i.n(attr::CREATED_AT)?,
        usable_from: i.n(attr::USABLE_FROM).or(i.n(attr::CREATED_AT))?,
        retire_after: i.n(attr::RETIRE_AFTER),
    })
}

/// Active keys, newest first.
pub async fn active_keys(table: &dyn Table) -> Result<Vec<SigningKey>, AuthError> {
    let page = table.query(Query::partition(PK).backward().limit(20)).await?;
    Ok(page.items.iter().filter_map(key_of).collect())
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rotation {
    /// This period was rotated already (a retry, or another run): nothing was done.
    pub already_done: bool,
    pub created: Option<String>,
    pub superseded: Vec<String>,
    pub retired: Vec<String>,
}

/// Rotates: a new current key; the old current one stays for `grace` seconds (the longest token
/// lifetime plus skew); keys past their grace are retired.
/// Once per calendar month (UTC): a retried or concurrent run finds the period claimed.
pub async fn rotate(table: &dyn Table, signer: &dyn TokenSigner, now: i64, grace: i64) -> Result<Rotation, AuthError> {
    let period = time::OffsetDateTime::from_unix_timestamp(now)
        .map(|t| format!("rotation#{:04}-{:02}", t.year(), t.month() as u8));
    let period = period.map_err(|_| AuthError::Signer("clock out of range".into()))?;
    if !claim(table, &period, now, None).await? {
        return Ok(Rotation { already_done: true, ..Rotation::default() });
    }
    let mut out = Rotation::default();
    let keys = active_keys(table).await?;
    let usable_from = now + signer.propagation_secs();
    match create(table, signer, now, usable_from).await {
        Ok(kid) => out.created = Some(kid),
        Err(e) => {
            // Nothing was made: let the retry claim the period again.
            let _ = table.delete(&Key::new(CLAIM_PK, &period), None).await;
            return Err(e);
        }
    }
    for k in &keys {
        if let Ok(to) = transition(k.status(), KeyEvent::Supersede) {
            // It signs until the new key is usable; its tokens then live out their lifetime.
            debug_assert_eq!(to, KeyStatus::Superseded);
            let until = usable_from + grace;
            table.update(Update::new(Key::new(PK, &k.kid)).set(attr::RETIRE_AFTER, until)).await?;
            out.superseded.push(k.kid.clone());
        }
    }
    out.retired = retire_expired(table, signer, now).await?;
    Ok(out)
}

/// Claims `name` for this run; `takeover_after`: a claim that old may be taken (its holder died).
async fn claim(table: &dyn Table, name: &str, now: i64, takeover_after: Option<i64>) -> Result<bool, AuthError> {
    let mut cond = Condition::absent();
    if let Some(age) = takeover_after {
        cond = cond.or(Condition::cmp(attr::CLAIMED_AT, Cmp::Lt, now - age));
    }
    match table.put(Item::new(CLAIM_PK, name).with(attr::CLAIMED_AT, now), Some(cond)).await {
        Ok(()) => Ok(true),
        Err(TableError::ConditionFailed { .. }) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The first key, made by one container (the others are told to retry); usable at once (until
/// the tag reaches IAM, signing in AWS may be refused for a few minutes after a first deploy).
pub async fn bootstrap(table: &dyn Table, signer: &dyn TokenSigner, now: i64) -> Result<(), AuthError> {
    if !claim(table, "bootstrap", now, Some(BOOTSTRAP_CLAIM_SECS)).await? {
        return Err(AuthError::Signer("the first signing key is being made".into()));
    }
    if !active_keys(table).await?.is_empty() {
        return Ok(());
    }
    create(table, signer, now, now).await.map(|_| ())
}

/// Retires keys whose grace has passed.
pub async fn retire_expired(table: &dyn Table, signer: &dyn TokenSigner, now: i64) -> Result<Vec<String>, AuthError> {
    let mut retired = Vec::new();
    for k in active_keys(table).await? {
        if k.retire_after.is_some_and(|t| t <= now) {
            let Ok(to) = transition(k.status(), KeyEvent::Retire) else { continue };
            signer.retire(&k.handle).await?;
            table
                .update(Update::new(Key::new(PK, &k.kid)).set(attr::STATUS, to.stored()).set("retired_at", now))
                .await?;
            retired.push(k.kid);
        }
    }
    Ok(retired)
}

/// Creates and registers a new key that signs from `usable_from`; returns its kid.
async fn create(table: &dyn Table, signer: &dyn TokenSigner, now: i64, usable_from: i64) -> Result<String, AuthError> {
    let kid = format!("k{}", ulid::Ulid::new().to_string().to_lowercase());
    let handle = signer.create_key(&kid).await?;
    let public = signer.public_key(&kid, &handle).await?;
    let item = Item::new(PK, &kid)
        .with(attr::HANDLE, handle)
        .with(attr::RSA_N, B64.encode(&public.n))
        .with(attr::RSA_E, B64.encode(&public.e))
        .with(attr::STATUS, KeyStatus::Active.stored())
        .with(attr::CREATED_AT, now)
        .with(attr::USABLE_FROM, usable_from);
    table.put(item, Some(crate::table::Condition::absent())).await?;
    Ok(kid)
}
