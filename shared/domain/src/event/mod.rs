//! Domain events as they travel: written to the outbox, published on the bus, read by consumers.
//! The detail carries ids, states and amounts only — never PII.

pub mod catalogue;

use serde::{Deserialize, Serialize};

/// Source of every event the outbox publishes on the bus.
pub const OUTBOX_SOURCE: &str = "drop.outbox";

/// The `detail` of a bus event (the shape the EventBridge Pipe's input template produces).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventDetail {
    pub event_id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub occurred_at: String,
    /// The event's data as a JSON document in a string (Pipes input templates carry strings).
    pub payload: String,
}

impl EventDetail {
    pub fn payload_json(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_str(&self.payload)
    }
}

/// An EventBridge event as delivered to an SQS target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BusEnvelope {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub id: String,
    #[serde(rename = "detail-type")]
    pub detail_type: String,
    pub source: String,
    #[serde(default)]
    pub time: String,
    pub detail: EventDetail,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_an_eventbridge_sqs_body() {
        let body = r#"{"version":"0","id":"x","detail-type":"platform.canary","source":"drop.outbox",
          "account":"1","time":"2026-11-24T12:00:00Z","region":"eu-north-1","resources":[],
          "detail":{"event_id":"evt_1","type":"platform.canary","aggregate_type":"platform",
          "aggregate_id":"canary","occurred_at":"2026-11-24T12:00:00Z","payload":"{\"n\":1}"}}"#;
        let env: BusEnvelope = serde_json::from_str(body).unwrap();
        assert_eq!(env.detail.event_id, "evt_1");
        assert_eq!(env.detail.payload_json().unwrap()["n"], 1);
        assert!(serde_json::from_str::<BusEnvelope>(r#"{"source":"x"}"#).is_err());
    }
}
