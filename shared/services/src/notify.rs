//! The `Notifier` port: SMS and e-mail (SNS and SES in AWS; kept in the table and listed by
//! `GET /_local/messages` in the local stack).

use async_trait::async_trait;
use drop_domain::Secret;

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("{0}")]
    Unavailable(String),
    #[error("crypto: {0}")]
    Crypto(#[from] crate::crypto::CryptoError),
    #[error("storage: {0}")]
    Storage(#[from] crate::table::TableError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Sms,
    Email,
}

#[async_trait]
pub trait Notifier: Send + Sync {
    fn kind(&self) -> &'static str;
    /// `to` is an E.164 phone number or an e-mail address; `body` may hold a code: both secret.
    async fn send(&self, channel: Channel, to: &Secret<String>, body: &Secret<String>) -> Result<(), NotifyError>;
}
