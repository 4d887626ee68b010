//! Paging cursors the API gives out: the store's cursor, bound to who asked and for what
//! (`scope`, e.g. `history:<user>`), sealed with a Drop-made rotating key. A cursor cannot be
//! forged, altered, or used by someone else; one sealed before a rotation works for the overlap.

use crate::secrets::rotating::RotatingKey;
use crate::secrets::SecretError;

fn message(scope: &str, store_cursor: &str) -> Vec<u8> {
    format!("cursor\u{1f}{scope}\u{1f}{store_cursor}").into_bytes()
}

/// `<store cursor>.<tag>` (the store's cursors are base64url: no `.`).
pub async fn seal(key: &RotatingKey, scope: &str, store_cursor: &str, now: i64) -> Result<String, SecretError> {
    Ok(format!("{store_cursor}.{}", key.sign(&message(scope, store_cursor), now).await?))
}

/// The store's cursor, if `cursor` is one this API sealed for `scope`.
pub async fn open(key: &RotatingKey, scope: &str, cursor: &str, now: i64) -> Result<Option<String>, SecretError> {
    let Some((inner, tag)) = cursor.rsplit_once('.') else { return Ok(None) };
    Ok(key.verify(&message(scope, inner), tag, now).await?.then(|| inner.to_owned()))
}
