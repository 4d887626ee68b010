//! Access-token signing keys. The `TokenSigner` port holds RSA keys (KMS asymmetric keys in AWS; a
//! local RSA key, wrapped by the local key provider, on a laptop); the registry of which key is
//! current lives in the table (`SIGNKEY` partition). Rotation makes a new current key and keeps
//! the previous one in the JWKS until every token it signed has expired, then retires it.

use super::jwt::Jwk;
use super::AuthError;
use crate::table::{Item, Key, Query, Table, Update};
use async_trait::async_trait;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;

pub const PK: &str = "SIGNKEY";

pub struct RsaPublic {
    pub n: Vec<u8>,
    pub e: Vec<u8>,
}

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
}

#[derive(Debug, Clone)]
pub struct SigningKey {
    pub kid: String,
    pub handle: String,
    pub jwk: Jwk,
    pub created_at: i64,
    /// Set once a newer key took over: the key leaves the JWKS after this time.
    pub retire_after: Option<i64>,
}

fn key_of(i: &Item) -> Option<SigningKey> {
    if i.s("status") != Some("active") {
        return None;
    }
    let kid = i.s("sk")?.to_owned();
    let n = B64.decode(i.s("n")?).ok()?;
    let e = B64.decode(i.s("e")?).ok()?;
    Some(SigningKey {
        jwk: Jwk::rsa(&kid, &n, &e),
        kid,
        handle: i.s("handle")?.to_owned(),
        created_at: i.n("created_at")?,
        retire_after: i.n("retire_after"),
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
    pub created: Option<String>,
    pub superseded: Vec<String>,
    pub retired: Vec<String>,
}

/// Rotates: a new current key; the old current one stays for `grace` seconds (the longest token
/// lifetime plus skew); keys past their grace are retired.
pub async fn rotate(table: &dyn Table, signer: &dyn TokenSigner, now: i64, grace: i64) -> Result<Rotation, AuthError> {
    let mut out = Rotation::default();
    let keys = active_keys(table).await?;
    out.created = Some(create(table, signer, now).await?);
    for k in &keys {
        if k.retire_after.is_none() {
            table.update(Update::new(Key::new(PK, &k.kid)).set("retire_after", now + grace)).await?;
            out.superseded.push(k.kid.clone());
        }
    }
    out.retired = retire_expired(table, signer, now).await?;
    Ok(out)
}

/// Retires keys whose grace has passed.
pub async fn retire_expired(table: &dyn Table, signer: &dyn TokenSigner, now: i64) -> Result<Vec<String>, AuthError> {
    let mut retired = Vec::new();
    for k in active_keys(table).await? {
        if k.retire_after.is_some_and(|t| t <= now) {
            signer.retire(&k.handle).await?;
            table.update(Update::new(Key::new(PK, &k.kid)).set("status", "retired").set("retired_at", now)).await?;
            retired.push(k.kid);
        }
    }
    Ok(retired)
}

/// Creates and registers a new key; returns its kid.
pub async fn create(table: &dyn Table, signer: &dyn TokenSigner, now: i64) -> Result<String, AuthError> {
    let kid = format!("k{}", ulid::Ulid::new().to_string().to_lowercase());
    let handle = signer.create_key(&kid).await?;
    let public = signer.public_key(&kid, &handle).await?;
    let item = Item::new(PK, &kid)
        .with("handle", handle)
        .with("n", B64.encode(&public.n))
        .with("e", B64.encode(&public.e))
        .with("status", "active")
        .with("created_at", now);
    table.put(item, Some(crate::table::Condition::absent())).await?;
    Ok(kid)
}
