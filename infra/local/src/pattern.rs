//! EventBridge event-pattern matching, the subset Drop's rules use: exact values, `prefix`,
//! `anything-but`, `exists`, nested objects.

use serde_json::Value;

pub fn matches(pattern: &Value, event: &Value) -> bool {
    let Some(fields) = pattern.as_object() else {
        return false;
    };
    fields.iter().all(|(k, p)| {
        let v = event.get(k);
        match p {
            Value::Object(_) => v.is_some_and(|v| matches(p, v)),
            Value::Array(alts) => alts.iter().any(|alt| alt_matches(alt, v)),
            _ => false,
        }
    })
}

fn alt_matches(alt: &Value, v: Option<&Value>) -> bool {
    match alt {
        Value::Object(o) => {
            if let Some(p) = o.get("prefix").and_then(Value::as_str) {
                return v.and_then(Value::as_str).is_some_and(|s| s.starts_with(p));
            }
            if let Some(e) = o.get("exists").and_then(Value::as_bool) {
                return v.is_some() == e;
            }
            if let Some(x) = o.get("anything-but") {
                let list = x.as_array().cloned().unwrap_or_else(|| vec![x.clone()]);
                return v.is_some_and(|v| !list.contains(v));
            }
            false
        }
        lit => v.is_some_and(|v| v == lit || v.as_array().is_some_and(|a| a.contains(lit))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matches_the_subset() {
        let ev = json!({"source": "drop.outbox", "detail-type": "payment.completed", "detail": {"status": "completed", "n": 1}});
        assert!(matches(&json!({"source": ["drop.outbox"]}), &ev));
        assert!(!matches(&json!({"source": ["other"]}), &ev));
        assert!(matches(&json!({"detail-type": [{"prefix": "payment."}]}), &ev));
        assert!(matches(&json!({"detail": {"status": ["completed", "failed"]}}), &ev));
        assert!(!matches(&json!({"detail": {"status": ["failed"]}}), &ev));
        assert!(matches(&json!({"detail": {"missing": [{"exists": false}]}}), &ev));
        assert!(matches(&json!({"detail": {"status": [{"anything-but": "failed"}]}}), &ev));
        assert!(!matches(&json!({"nope": ["x"]}), &ev));
    }
}
