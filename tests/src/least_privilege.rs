//! The least-privilege check over a run's record (`drop_services::aws_calls`): each function's
//! policy in `template.yaml` must allow exactly what its function did. Missing → AccessDenied in
//! AWS; extra → a permission nobody uses (or listed in `NOT_DRIVEN` with the reason). Queue
//! polling and the outbox relay are AWS's own work there (event source mappings, Pipes), not a
//! function's: recorded outside any function and not checked. Run by tests/run.sh after every
//! suite: `cargo run -p drop-tests --bin least-privilege`.

use crate::iam::{grants, Grants};
use drop_services::aws_calls::{self, OUTSIDE};
use std::collections::{BTreeMap, BTreeSet};

/// Grants for paths no suite drives through a function, each with the reason (the
/// generator of the policies reads this list too).
pub const NOT_DRIVEN: &[(&str, &str, &str, &str)] = &[
    (
        "SigningKeyRotationFunction",
        "kms:ScheduleKeyDeletion",
        "token-signing-key",
        "retires keys a grace period after a rotation (signing_keys.rs and identity_contract test it, outside a function)",
    ),
    (
        "SigningKeyRotationFunction",
        "dynamodb:DeleteItem",
        "MainTable",
        "releases the month's claim when making the key failed, so the retry rotates",
    ),
    (
        "QrSettlementWorkerFunction",
        "dynamodb:GetItem",
        "MainTable",
        "reads whether a charge is recorded when recording it was refused (raced by the Nexi webhook)",
    ),
    (
        "MerchantRefundFunction",
        "dynamodb:DeleteItem",
        "MainTable",
        "releases the idempotency lock when another refund of the payment moved it first (two at once: \
         merchant_refund_flow drives it on SQLite; on moto they go one after the other)",
    ),
    (
        "WebhookNexiFunction",
        "dynamodb:GetItem",
        "MainTable",
        "reads whether a charge is recorded when recording it was refused (raced by the settlement worker)",
    ),
];

/// The record in the template's terms: logical ids for functions and resources.
pub fn by_function(
    calls: &BTreeSet<aws_calls::Call>,
    names: &BTreeMap<String, String>,
) -> (BTreeMap<String, Grants>, Vec<String>) {
    let t = drop_local::template::Template::load(&crate::root().join("template.yaml")).unwrap();
    let logical_fn: BTreeMap<&str, &str> =
        t.functions.iter().map(|f| (f.binary.as_str(), f.logical_id.as_str())).collect();
    let kinds = [aws_calls::SMS, aws_calls::SENDER, aws_calls::SIGNING_KEY];
    let (mut out, mut unknown): (BTreeMap<String, Grants>, Vec<String>) = (BTreeMap::new(), Vec::new());
    for c in calls.iter().filter(|c| c.function != OUTSIDE) {
        // Names the pipeline tests give their own handlers are not functions of the template
        // (the structure test holds registry and template together).
        let Some(f) = logical_fn.get(c.function.as_str()) else { continue };
        let bucket = c.action.starts_with("s3:").then(|| c.resource.split_once('/')).flatten();
        let resource = match c.resource.split_once("/index/") {
            Some((table, _)) => names.get(table).map(|l| format!("{l}/index/*")),
            // Objects by bucket and top-level prefix, as the policies grant them.
            None if bucket.is_some() => bucket.and_then(|(b, key)| {
                Some(format!("{}/{}/*", names.get(b)?, key.split('/').next().unwrap_or_default()))
            }),
            None if kinds.contains(&c.resource.as_str()) => Some(c.resource.clone()),
            // The local key provider stands in for both symmetric keys.
            None if c.resource == aws_calls::LOCAL_DATA_KEY => Some("PiiKey".to_owned()),
            None if c.resource == aws_calls::LOCAL_MAC_KEY => Some("BlindIndexKey".to_owned()),
            None => names.get(&c.resource).cloned(),
        };
        let Some(resource) = resource else {
            unknown.push(format!("{f}: {} on a resource the template does not name: {}", c.action, c.resource));
            continue;
        };
        let set = out.entry(f.to_string()).or_default();
        // DynamoDB uses the table key on the function's behalf: to read, and to write.
        if c.action.starts_with("dynamodb:") && !resource.contains("/index/") {
            set.insert(("kms:Decrypt".to_owned(), "TableKey (via DynamoDB)".to_owned()));
            if !matches!(c.action.as_str(), "dynamodb:GetItem" | "dynamodb:Query") {
                for a in ["kms:Encrypt", "kms:GenerateDataKey"] {
                    set.insert((a.to_owned(), "TableKey (via DynamoDB)".to_owned()));
                }
            }
        }
        // S3 uses the bucket's key on the function's behalf: to read, and to write.
        if let Some(key) = bucket.and_then(|(b, _)| names.get(b)).and_then(|b| t.buckets.get(b).cloned().flatten()) {
            let a = if c.action == "s3:GetObject" { "kms:Decrypt" } else { "kms:GenerateDataKey" };
            set.insert((a.to_owned(), format!("{key} (via S3)")));
        }
        set.insert((c.action.clone(), resource));
    }
    (out, unknown)
}

/// What differs between the policies and the record under `dir`; empty when they agree.
pub fn check(dir: &std::path::Path) -> Vec<String> {
    let (recorded, mut report) = by_function(&aws_calls::read_dir(dir), &aws_calls::read_names(dir));
    if recorded.len() < 30 {
        report.push(format!("the record covers {} functions: was the run recorded?", recorded.len()));
        return report;
    }
    let text = std::fs::read_to_string(crate::root().join("template.yaml")).unwrap_or_default();
    let template = serde_yaml::from_str(&text).unwrap_or(serde_yaml::Value::Null);
    let (mut allowed, deny) = grants(&template);
    // Publish on "*" is SMS only where publishing to any topic is denied.
    for (f, allow) in allowed.iter_mut() {
        let any = ("sns:Publish".to_owned(), "*".to_owned());
        let denied = deny.get(f).is_some_and(|d| d.contains(&("sns:Publish".to_owned(), "sns-topics".to_owned())));
        if allow.contains(&any) && denied {
            allow.remove(&any);
            allow.insert(("sns:Publish".to_owned(), aws_calls::SMS.to_owned()));
        }
    }
    let not_driven: BTreeSet<(String, String, String)> =
        NOT_DRIVEN.iter().map(|(f, a, r, _)| (f.to_string(), a.to_string(), r.to_string())).collect();
    for (f, allow) in &allowed {
        let did = recorded.get(f).cloned().unwrap_or_default();
        for (a, r) in did.difference(allow) {
            report.push(format!("{f}: MISSING {a} on {r}"));
        }
        for (a, r) in allow.difference(&did) {
            if !not_driven.contains(&(f.clone(), a.clone(), r.clone())) {
                report.push(format!("{f}: EXTRA {a} on {r}"));
            }
        }
    }
    report
}
