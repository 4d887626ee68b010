//! Least privilege, proven. With `DROP_RECORD_AWS_CALLS=<dir>` (tests/run.sh sets it), the AWS
//! adapters of every test process record each action a function performs and the resource it
//! touched (`drop_services::aws_calls`), across all the end-to-end suites on moto; this file adds
//! one run that drives every function. After the suites, tests/run.sh runs the ignored check
//! below: each function's policy in `template.yaml` must allow exactly what its function did.
//! Missing → AccessDenied in AWS; extra → a permission nobody uses (or listed in `NOT_DRIVEN`
//! with the reason). Queue polling and the outbox relay are AWS's own work there (event source
//! mappings, Pipes), not a function's: recorded outside any function and not checked.

use drop_services::aws_calls::{self, OUTSIDE};
use drop_tests::flow::{client, login, with_access, Session};
use drop_tests::iam::{grants, Grants};
use drop_tests::pay::{add_recipient, get_json, initiate, link_account, pay_approved, post, ready, wait_status};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

const STAFF: &str = "29029648784";

/// Grants for paths no suite drives through a function, each with the reason (the
/// generator of the policies reads this list too).
const NOT_DRIVEN: &[(&str, &str, &str, &str)] = &[
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
];

async fn drive(stack: &drop_local::Stack, base: &str) {
    let c = client();
    for path in ["/api/health", "/api/openapi.json", "/.well-known/jwks.json"] {
        assert_eq!(c.get(format!("{base}{path}")).send().await.unwrap().status(), StatusCode::OK, "{path}");
    }
    if let Err(r) = login(base, drop_tests::flow::ADULT).await {
        panic!("login: {} {}", r.status(), r.text().await.unwrap_or_default());
    }
    let s = ready(base).await;
    assert_eq!(get_json(base, "/api/user/profile", &s).await["status"], "active");
    for change in [json!({"email": "kari.new@example.no"}), json!({"phone": "+4741234567"})] {
        let patch = with_access(c.patch(format!("{base}/api/user/profile")), &s).header("x-requested-with", "x");
        assert_eq!(patch.json(&change).send().await.unwrap().status(), StatusCode::ACCEPTED, "{change}");
    }
    get_json(base, "/api/user/settings", &s).await;
    let put = with_access(c.put(format!("{base}/api/user/settings")), &s).header("x-requested-with", "x");
    let settings = json!({"language": "en", "marketingConsent": false, "notifications": {"email": true, "sms": true, "push": false}});
    assert_eq!(put.json(&settings).send().await.unwrap().status(), StatusCode::OK);

    let account = link_account(base, &s).await;
    let accounts = get_json(base, "/api/user/accounts", &s).await;
    let second = accounts[1]["id"].as_str().unwrap().to_owned();
    let to = add_recipient(
        base,
        &s,
        json!({"name": "Ola Nordmann", "country": "DE", "currency": "EUR", "iban": "DE89370400440532013000"}),
    )
    .await;
    let gone = add_recipient(
        base,
        &s,
        json!({"name": "Kari Hansen", "country": "DE", "currency": "EUR", "iban": "DE89370400440532013000"}),
    )
    .await;
    // A possible sanctions match: an alert for compliance.
    add_recipient(
        base,
        &s,
        json!({"name": "Maria Gonzalez", "country": "NO", "currency": "EUR", "accountNumber": "86011117947"}),
    )
    .await;
    get_json(base, "/api/user/recipients", &s).await;
    let del = with_access(c.delete(format!("{base}/api/user/recipients/{gone}")), &s).header("x-requested-with", "x");
    assert_eq!(del.send().await.unwrap().status(), StatusCode::NO_CONTENT);

    // Paid out by Wise (small) and Thunes (large), through their webhooks.
    for amount in [50_000, 2_000_000] {
        let id = pay_approved(base, &s, &to, &account, amount).await;
        wait_status(base, &s, &id, "completed").await;
    }
    get_json(base, "/api/payment/history?limit=1", &s).await;
    let q: Value = initiate(base, &s, &to, 10_000).await.json().await.unwrap();
    let id = q["paymentId"].as_str().unwrap();
    assert_eq!(post(base, &format!("/api/payment/{id}/cancel"), &s).send().await.unwrap().status(), StatusCode::OK);

    // Compliance closes the alert.
    let staff = login(base, STAFF).await.map_err(|r| r.status()).unwrap();
    let sub = drop_services::auth::jwt::parse(&staff.access).unwrap().claims["sub"].as_str().unwrap().to_owned();
    drop_services::auth::users::set_role(stack.ctx.table.as_ref(), &sub, drop_domain::role::Role::Admin).await.unwrap();
    let admin = login(base, STAFF).await.map_err(|r| r.status()).unwrap();
    let alerts = get_json(base, "/api/admin/alerts", &admin).await;
    let list = get_json(base, "/api/admin/screening-list", &admin).await;
    assert_eq!(list["published"]["dataset"], drop_simulators::lists::DATASET, "{list}");
    let alert = alerts.as_array().unwrap().first().expect("an alert")["id"].as_str().unwrap().to_owned();
    let close = post(base, &format!("/api/admin/alerts/{alert}/close"), &admin);
    assert_eq!(close.json(&json!({"resolution": "false_positive"})).send().await.unwrap().status(), StatusCode::OK);

    for f in [
        "payment-reconciliation",
        "ledger-invariants",
        "screening-rescreen",
        "pipeline-canary",
        "signing-key-rotation",
        "screening-list-refresh",
    ] {
        stack.trigger(f).await.unwrap_or_else(|e| panic!("{f}: {e:?}"));
    }
    stack.rotate("CursorKey").await.unwrap();
    let del = with_access(c.delete(format!("{base}/api/user/accounts/{second}")), &s).header("x-requested-with", "x");
    assert_eq!(del.send().await.unwrap().status(), StatusCode::NO_CONTENT);
    session_end(base, &s).await;
    // The queues' consumers (payout, monitor, canary) catch up.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
}

async fn session_end(base: &str, s: &Session) {
    let cookie_post = |path: &str, rt: &str| {
        client()
            .post(format!("{base}{path}"))
            .header("cookie", format!("__Secure-drop_rt={rt}"))
            .header("x-requested-with", "x")
    };
    let refreshed = cookie_post("/api/auth/refresh", &s.refresh).send().await.unwrap();
    assert_eq!(refreshed.status(), StatusCode::OK);
    let rt = drop_tests::flow::cookie(&refreshed, "__Secure-drop_rt").expect("a new refresh token");
    let r = client()
        .post(format!("{base}/api/auth/logout"))
        .header("cookie", format!("__Secure-drop_rt={rt}"))
        .header("x-requested-with", "x")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
}

/// The record in the template's terms: logical ids for functions and resources.
fn by_function(
    calls: &BTreeSet<aws_calls::Call>,
    names: &BTreeMap<String, String>,
) -> (BTreeMap<String, Grants>, Vec<String>) {
    let t = drop_local::template::Template::load(&drop_tests::root().join("template.yaml")).unwrap();
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

#[tokio::test(flavor = "multi_thread")]
async fn every_function_driven_on_aws() {
    if drop_tests::aws::endpoint().is_none() {
        return;
    }
    let (stack, base) = drop_tests::flow::start(true).await;
    drive(&stack, &base).await;
    stack.stop().await;
}

/// Run by tests/run.sh after every suite, with the run's record.
#[test]
#[ignore = "needs the record of a whole test run: tests/run.sh runs it with DROP_RECORD_AWS_CALLS"]
fn every_policy_allows_exactly_what_its_function_did() {
    let dir = std::env::var_os("DROP_RECORD_AWS_CALLS").expect("DROP_RECORD_AWS_CALLS names the run's record");
    let dir = std::path::PathBuf::from(dir);
    let (recorded, mut report) = by_function(&aws_calls::read_dir(&dir), &aws_calls::read_names(&dir));
    assert!(recorded.len() > 30, "the record covers {} functions: was the run recorded?", recorded.len());
    let text = std::fs::read_to_string(drop_tests::root().join("template.yaml")).unwrap();
    let (mut allowed, deny) = grants(&serde_yaml::from_str(&text).unwrap());
    // Publish on "*" is SMS only where publishing to any topic is denied.
    for (f, allow) in allowed.iter_mut() {
        let any = ("sns:Publish".to_owned(), "*".to_owned());
        if allow.contains(&any) && deny[f].contains(&("sns:Publish".to_owned(), "sns-topics".to_owned())) {
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
    assert!(report.is_empty(), "template.yaml policies vs what the functions did:\n{}", report.join("\n"));
}
