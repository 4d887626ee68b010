//! CloudWatch Embedded Metric Format: one JSON line per record on stdout in Lambda, which
//! CloudWatch turns into metrics. Validated against EMF's limits before it is written.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

pub const NAMESPACE: &str = "Drop";
const MAX_METRICS: usize = 100;
const UNITS: &[&str] = &["Count", "Milliseconds", "Seconds", "Bytes", "Percent", "None"];

#[derive(Clone)]
pub enum Sink {
    Stdout,
    Discard,
    Memory(Arc<Mutex<Vec<String>>>),
}

#[derive(Clone)]
pub struct Metrics {
    sink: Sink,
    cold: Arc<AtomicBool>,
}

impl Metrics {
    pub fn new(sink: Sink) -> Self {
        Metrics { sink, cold: Arc::new(AtomicBool::new(true)) }
    }

    /// The EMF document for one set of metrics with the `function` dimension, or None if it
    /// breaks EMF's rules (empty/too many metrics, bad unit, non-finite value).
    pub fn document(function: &str, metrics: &[(&str, f64, &str)], epoch_ms: i64) -> Option<String> {
        if metrics.is_empty() || metrics.len() > MAX_METRICS {
            return None;
        }
        let mut defs = Vec::new();
        let mut doc = serde_json::Map::new();
        for (name, value, unit) in metrics {
            if name.is_empty()
                || name.len() > 255
                || !UNITS.contains(unit)
                || !value.is_finite()
                || doc.contains_key(*name)
            {
                return None;
            }
            defs.push(serde_json::json!({"Name": name, "Unit": unit}));
            doc.insert((*name).to_owned(), serde_json::json!(value));
        }
        doc.insert("function".into(), serde_json::json!(function));
        doc.insert(
            "_aws".into(),
            serde_json::json!({
                "Timestamp": epoch_ms,
                "CloudWatchMetrics": [{"Namespace": NAMESPACE, "Dimensions": [["function"]], "Metrics": defs}]
            }),
        );
        Some(serde_json::Value::Object(doc).to_string())
    }

    pub fn record(&self, function: &str, metrics: &[(&str, f64, &str)]) {
        if matches!(self.sink, Sink::Discard) {
            return;
        }
        let mut all: Vec<(&str, f64, &str)> = metrics.to_vec();
        if self.cold.swap(false, Ordering::Relaxed) {
            all.push(("ColdStart", 1.0, "Count"));
        }
        let ms = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
        let Some(line) = Self::document(function, &all, ms) else {
            tracing::warn!(function, "metrics dropped: not valid EMF");
            return;
        };
        match &self.sink {
            Sink::Stdout => {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{line}");
            }
            Sink::Memory(buf) => {
                if let Ok(mut b) = buf.lock() {
                    b.push(line);
                }
            }
            Sink::Discard => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emf_document_shape() {
        let d = Metrics::document("health", &[("Latency", 1.5, "Milliseconds")], 1000).unwrap();
        let v: serde_json::Value = serde_json::from_str(&d).unwrap();
        assert_eq!(v["Latency"], 1.5);
        assert_eq!(v["function"], "health");
        assert_eq!(v["_aws"]["CloudWatchMetrics"][0]["Namespace"], "Drop");
        assert_eq!(v["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"], "Milliseconds");
    }

    #[test]
    fn invalid_documents_are_refused() {
        assert!(Metrics::document("f", &[], 0).is_none());
        assert!(Metrics::document("f", &[("x", 1.0, "Parsecs")], 0).is_none());
        assert!(Metrics::document("f", &[("x", f64::NAN, "Count")], 0).is_none());
        assert!(Metrics::document("f", &[("x", 1.0, "Count"), ("x", 2.0, "Count")], 0).is_none());
        let many: Vec<(String, f64, &str)> = (0..101).map(|i| (format!("m{i}"), 1.0, "Count")).collect();
        let refs: Vec<(&str, f64, &str)> = many.iter().map(|(n, v, u)| (n.as_str(), *v, *u)).collect();
        assert!(Metrics::document("f", &refs, 0).is_none());
    }

    #[test]
    fn cold_start_is_counted_once() {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let m = Metrics::new(Sink::Memory(buf.clone()));
        m.record("f", &[("Latency", 1.0, "Milliseconds")]);
        m.record("f", &[("Latency", 1.0, "Milliseconds")]);
        let lines = buf.lock().unwrap();
        assert!(lines[0].contains("ColdStart"));
        assert!(!lines[1].contains("ColdStart"));
    }
}
