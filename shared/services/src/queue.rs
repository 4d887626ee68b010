//! The job queue port (SQS in AWS; a durable SQLite queue locally).

use async_trait::async_trait;

#[derive(Debug, Clone, PartialEq)]
pub struct QueueMessage {
    pub id: String,
    /// Handle for `delete`; changes with every receive.
    pub receipt: String,
    pub body: String,
    pub receive_count: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("queue unavailable: {0}")]
    Unavailable(String),
    #[error("no such queue: {0}")]
    NoSuchQueue(String),
}

#[async_trait]
pub trait JobQueue: Send + Sync {
    fn kind(&self) -> &'static str;
    /// Sends a message; returns its id. `queue` is the queue URL (SQS) or name (local).
    async fn send(&self, queue: &str, body: &str) -> Result<String, QueueError>;
    /// Receives up to `max` messages, hiding them for `visibility_secs`.
    async fn receive(&self, queue: &str, max: u32, visibility_secs: u32) -> Result<Vec<QueueMessage>, QueueError>;
    async fn delete(&self, queue: &str, receipt: &str) -> Result<(), QueueError>;
}
