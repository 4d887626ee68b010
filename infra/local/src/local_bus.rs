//! The bus of the embedded stack: routes each event by the template's rules to their queues,
//! wrapped as EventBridge delivers it to an SQS target.

use crate::pattern;
use crate::template::RuleSpec;
use async_trait::async_trait;
use drop_services::events::{BusError, BusEvent, EventBus};
use drop_services::queue::JobQueue;
use std::collections::BTreeMap;
use std::sync::Arc;

pub struct LocalBus {
    pub rules: Vec<RuleSpec>,
    /// Queue logical id → the queue name in the job queue.
    pub queue_names: BTreeMap<String, String>,
    pub queue: Arc<dyn JobQueue>,
}

pub fn envelope(e: &BusEvent) -> serde_json::Value {
    let detail: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::Null);
    serde_json::json!({
        "version": "0",
        "id": ulid::Ulid::new().to_string(),
        "detail-type": e.detail_type,
        "source": e.source,
        "account": "000000000000",
        "time": drop_domain::time::rfc3339(time::OffsetDateTime::now_utc()),
        "region": "local",
        "resources": [],
        "detail": detail,
    })
}

#[async_trait]
impl EventBus for LocalBus {
    fn kind(&self) -> &'static str {
        "local"
    }

    async fn put_batch(&self, events: &[BusEvent]) -> Result<Vec<Option<String>>, BusError> {
        let mut out = Vec::with_capacity(events.len());
        for e in events {
            let env = envelope(e);
            let mut failure = None;
            for rule in self.rules.iter().filter(|r| pattern::matches(&r.pattern, &env)) {
                for q in &rule.queues {
                    let Some(name) = self.queue_names.get(q) else {
                        continue;
                    };
                    if let Err(err) = self.queue.send(name, &env.to_string()).await {
                        failure = Some(err.to_string());
                    }
                }
            }
            out.push(failure);
        }
        Ok(out)
    }
}
