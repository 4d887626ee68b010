//! The local stack's `Notifier`: messages are kept (encrypted, keyed by a blind index of the
//! recipient, for a day) and listed newest first by `GET /_local/messages?to=…`.

use async_trait::async_trait;
use drop_domain::Secret;
use drop_services::crypto::{Aad, Crypto};
use drop_services::notify::{Channel, Notifier, NotifyError};
use drop_services::table::{Item, Query, Table, TTL_ATTR};
use drop_services::Clock;
use std::sync::Arc;

pub struct LocalNotifier {
    table: Arc<dyn Table>,
    crypto: Arc<Crypto>,
    clock: Arc<dyn Clock>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Message {
    pub to: String,
    pub body: String,
    pub at: String,
}

fn aad<'a>(pk: &'a str, sk: &'a str, attribute: &'a str) -> Aad<'a> {
    Aad { table: "main", pk, sk, attribute }
}

impl LocalNotifier {
    pub fn new(table: Arc<dyn Table>, crypto: Arc<Crypto>, clock: Arc<dyn Clock>) -> Self {
        LocalNotifier { table, crypto, clock }
    }

    async fn pk(&self, to: &str) -> Result<String, NotifyError> {
        Ok(drop_domain::keys::local_message_pk(&self.crypto.blind_index("local-message", to).await?))
    }

    /// Messages sent to `to`, newest first.
    pub async fn list(&self, to: &str) -> Result<Vec<Message>, NotifyError> {
        let pk = self.pk(to).await?;
        let page = self.table.query(Query::partition(&pk).backward().limit(50)).await?;
        let mut out = Vec::new();
        for i in page.items {
            let sk = i.s("sk").unwrap_or_default().to_owned();
            let body = self.crypto.decrypt_str(aad(&pk, &sk, "body"), i.s("body").unwrap_or_default()).await?;
            out.push(Message {
                to: to.to_owned(),
                body: body.expose().clone(),
                at: i.s("at").unwrap_or_default().to_owned(),
            });
        }
        Ok(out)
    }
}

#[async_trait]
impl Notifier for LocalNotifier {
    fn kind(&self) -> &'static str {
        "local"
    }

    async fn send(&self, channel: Channel, to: &Secret<String>, body: &Secret<String>) -> Result<(), NotifyError> {
        // Stands in for SNS and SES: the least-privilege record notes what those would be asked;
        // keeping the message is the local stack's own work, not the function's.
        match channel {
            Channel::Sms => drop_services::aws_calls::record("sns:Publish", drop_services::aws_calls::SMS),
            Channel::Email => drop_services::aws_calls::record("ses:SendEmail", drop_services::aws_calls::SENDER),
        }
        drop_services::aws_calls::within(drop_services::aws_calls::OUTSIDE, self.keep(channel, to, body)).await
    }
}

impl LocalNotifier {
    async fn keep(&self, channel: Channel, to: &Secret<String>, body: &Secret<String>) -> Result<(), NotifyError> {
        let pk = self.pk(to.expose()).await?;
        let sk = drop_services::ids::ulid().to_string();
        let now = self.clock.now();
        let body = self.crypto.encrypt_str(aad(&pk, &sk, "body"), body).await?;
        let item = Item::new(&pk, &sk)
            .with("channel", if channel == Channel::Sms { "sms" } else { "email" })
            .with("body", body)
            .with("at", drop_domain::time::rfc3339(now))
            .with(TTL_ATTR, now.unix_timestamp() + 24 * 3600);
        self.table.put(item, None).await?;
        tracing::info!(channel = ?channel, "local message stored");
        Ok(())
    }
}
