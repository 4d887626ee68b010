//! A case's attachments (documents a compliance officer collected: bank statements, the customer's
//! answers). Each is envelope-encrypted (the PII key, bound to the case and attachment ids) and
//! stored as `cases/<case id>/<attachment id>` in the case bucket (SSE-KMS under its own key in
//! AWS; a directory locally). The case links it (`LINK#attachment#<id>`: the file name encrypted,
//! content type, size, SHA-256) and its timeline records it.

use super::{entry, key, Case, CaseError};
use crate::crypto::{aad, Crypto};
use crate::objects::ObjectStore;
use crate::table::{Condition, Item, Key, Table, TableError, TxOp, Update};
use drop_domain::keys::{self, attr};

/// The largest attachment, decoded (the API's body limit bounds it further).
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// Content types an attachment may have.
pub const TYPES: [&str; 6] =
    ["application/pdf", "image/png", "image/jpeg", "text/plain", "text/csv", "application/json"];

const FILE_NAME: &str = "file_name";
const CONTENT_TYPE: &str = "content_type";
const SIZE: &str = "size";
const SHA256: &str = "sha256";

fn object_key(case_id: &str, attachment_id: &str) -> String {
    format!("cases/{case_id}/{attachment_id}")
}

fn link_key(case_id: &str, attachment_id: &str) -> Key {
    Key::new(keys::case_pk(case_id), keys::case_link_sk("attachment", attachment_id))
}

/// An attachment's description (its bytes are fetched on their own).
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: i64,
    /// The case's subject (for the audit chain).
    pub user_id: String,
}

fn valid_name(name: &str) -> bool {
    let n = name.trim();
    !n.is_empty() && n.chars().count() <= 200 && drop_domain::text::is_clean(n) && !n.contains(['/', '\\', '"'])
}

fn unavailable(e: crate::objects::ObjectError) -> CaseError {
    CaseError::Storage(TableError::Unavailable(e.to_string()))
}

/// Stores an attachment on an open or closed case; returns its id and the case's subject.
#[allow(clippy::too_many_arguments)]
pub async fn attach(
    table: &dyn Table,
    crypto: &Crypto,
    store: &dyn ObjectStore,
    case_id: &str,
    file_name: &str,
    content_type: &str,
    bytes: &[u8],
    actor: &str,
    now: i64,
) -> Result<(String, String), CaseError> {
    if !valid_name(file_name) {
        return Err(CaseError::Invalid("fileName"));
    }
    if !TYPES.contains(&content_type) {
        return Err(CaseError::Invalid("contentType"));
    }
    if bytes.is_empty() || bytes.len() > MAX_BYTES {
        return Err(CaseError::Invalid("content"));
    }
    let case = table.get(&key(case_id)).await?.as_ref().and_then(Case::from_item).ok_or(CaseError::NotFound)?;
    let id = format!("att_{}", crate::ids::ulid());
    let object = object_key(case_id, &id);
    let sealed = crypto.encrypt(aad(&keys::case_pk(case_id), &object, "attachment"), bytes).await?;
    store.put(&object, sealed.into_bytes(), "application/octet-stream").await.map_err(unavailable)?;
    let link = link_key(case_id, &id);
    let name = crypto
        .encrypt_str(aad(&link.pk, &link.sk, FILE_NAME), &drop_domain::Secret::new(file_name.trim().to_owned()))
        .await?;
    let digest = crate::digest::sha256_hex(bytes);
    let item = crate::subject::owned_by(Item::new(link.pk, link.sk), &case.user_id)
        .with(FILE_NAME, name)
        .with(CONTENT_TYPE, content_type)
        .with(SIZE, bytes.len() as i64)
        .with(SHA256, digest.as_str())
        .with(attr::CREATED_AT, now);
    let details =
        serde_json::json!({"attachment": id, "contentType": content_type, "size": bytes.len(), "sha256": digest});
    let bump = Update::new(key(case_id)).set(attr::UPDATED_AT, now).add(attr::VERSION, 1);
    let ops = vec![
        TxOp::Update(bump.when(Condition::present())),
        TxOp::Put { item, condition: Some(Condition::absent()) },
        TxOp::Put { item: entry(case_id, &case.user_id, "attachment", actor, now, details), condition: None },
    ];
    match table.transact(ops).await {
        Ok(()) => Ok((id, case.user_id)),
        Err(TableError::TransactionCanceled { .. }) => Err(CaseError::Changed),
        Err(e) => Err(e.into()),
    }
}

async fn describe(crypto: &Crypto, i: &Item) -> Result<Option<Attachment>, CaseError> {
    let (Some(pk), Some(sk)) = (i.s(attr::PK), i.s(attr::SK)) else { return Ok(None) };
    let Some(id) = sk.strip_prefix(&keys::case_link_sk("attachment", "")) else { return Ok(None) };
    let name = match i.s(FILE_NAME) {
        Some(sealed) => crypto.decrypt_str(aad(pk, sk, FILE_NAME), sealed).await?.expose().clone(),
        None => String::new(),
    };
    Ok(Some(Attachment {
        id: id.to_owned(),
        file_name: name,
        content_type: i.s(CONTENT_TYPE).unwrap_or_default().to_owned(),
        size: i.n(SIZE).unwrap_or(0),
        sha256: i.s(SHA256).unwrap_or_default().to_owned(),
        created_at: i.n(attr::CREATED_AT).unwrap_or(0),
        user_id: i.s(attr::USER_ID).unwrap_or_default().to_owned(),
    }))
}

/// The case's attachments.
pub async fn list(table: &dyn Table, crypto: &Crypto, case_id: &str) -> Result<Vec<Attachment>, CaseError> {
    let prefix = keys::case_link_sk("attachment", "");
    let q = crate::table::Query::partition(keys::case_pk(case_id)).prefix(prefix.as_str()).limit(200);
    let mut out = Vec::new();
    for i in &table.query(q).await?.items {
        if let Some(a) = describe(crypto, i).await? {
            out.push(a);
        }
    }
    Ok(out)
}

/// An attachment and its bytes (checked against the digest recorded when it was stored).
pub async fn fetch(
    table: &dyn Table,
    crypto: &Crypto,
    store: &dyn ObjectStore,
    case_id: &str,
    attachment_id: &str,
) -> Result<(Attachment, Vec<u8>), CaseError> {
    let item = table.get(&link_key(case_id, attachment_id)).await?.ok_or(CaseError::NotFound)?;
    let a = describe(crypto, &item).await?.ok_or(CaseError::NotFound)?;
    let object = object_key(case_id, attachment_id);
    let sealed = store.get(&object).await.map_err(unavailable)?.ok_or(CaseError::NotFound)?;
    let envelope = String::from_utf8(sealed).map_err(|_| CaseError::Invalid("attachment"))?;
    let bytes = crypto.decrypt(aad(&keys::case_pk(case_id), &object, "attachment"), &envelope).await?;
    let bytes = bytes.expose().clone();
    if crate::digest::sha256_hex(&bytes) != a.sha256 {
        return Err(CaseError::Invalid("attachment"));
    }
    Ok((a, bytes))
}
