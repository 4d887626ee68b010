//! The object store port: whole objects by key (S3 in AWS, a directory with the embedded
//! adapters). Used for artefacts too large for the table, such as the screening list snapshot.

use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    #[error("object store unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait ObjectStore: Send + Sync {
    /// `s3` or `directory`.
    fn kind(&self) -> &'static str;
    /// The object's bytes; `None` when there is no such object.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, ObjectError>;
    /// Writes the whole object (a reader sees the old or the new one, never a part).
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), ObjectError>;
}
