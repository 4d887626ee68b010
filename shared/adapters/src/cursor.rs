//! Opaque query cursors: base64url of a small JSON document. Both table adapters use it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use drop_services::table::TableError;

pub fn encode<T: serde::Serialize>(value: &T) -> String {
    B64.encode(serde_json::to_vec(value).unwrap_or_default())
}

pub fn decode<T: serde::de::DeserializeOwned>(cursor: &str) -> Result<T, TableError> {
    let bytes = B64.decode(cursor).map_err(|_| TableError::BadCursor)?;
    serde_json::from_slice(&bytes).map_err(|_| TableError::BadCursor)
}
