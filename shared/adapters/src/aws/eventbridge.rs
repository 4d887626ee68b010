//! The event bus on EventBridge: `PutEvents` with per-entry results.

use super::describe;
use async_trait::async_trait;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_eventbridge::Client;
use drop_services::events::{BusError, BusEvent, EventBus, MAX_BATCH};

pub struct EventBridgeBus {
    client: Client,
    bus: String,
}

impl EventBridgeBus {
    pub fn new(client: Client, bus: &str) -> Self {
        EventBridgeBus { client, bus: bus.to_owned() }
    }
}

#[async_trait]
impl EventBus for EventBridgeBus {
    fn kind(&self) -> &'static str {
        "eventbridge"
    }

    async fn put_batch(&self, events: &[BusEvent]) -> Result<Vec<Option<String>>, BusError> {
        drop_services::aws_calls::record("events:PutEvents", &self.bus);
        if events.len() > MAX_BATCH {
            return Err(BusError::Unavailable(format!("at most {MAX_BATCH} events per batch")));
        }
        let entries = events
            .iter()
            .map(|e| {
                PutEventsRequestEntry::builder()
                    .event_bus_name(&self.bus)
                    .source(&e.source)
                    .detail_type(&e.detail_type)
                    .detail(&e.detail)
                    .build()
            })
            .collect();
        let out = self.client.put_events().set_entries(Some(entries)).send().await.map_err(|e| match e {
            aws_sdk_eventbridge::error::SdkError::ServiceError(s) => BusError::Unavailable(describe(s.err())),
            other => BusError::Unavailable(other.to_string()),
        })?;
        let mut results: Vec<Option<String>> = out
            .entries()
            .iter()
            .map(|r| r.error_code().map(|c| format!("{c}: {}", r.error_message().unwrap_or_default())))
            .collect();
        // A response with fewer results than entries leaves the rest unconfirmed: retry them.
        results.resize(events.len(), Some("no result".into()));
        Ok(results)
    }
}
