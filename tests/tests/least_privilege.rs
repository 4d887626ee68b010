//! Least privilege, proven. With `DROP_RECORD_AWS_CALLS=<dir>` (tests/run.sh sets it), the AWS
//! adapters of every test process record each action a function performs and the resource it
//! touched (`drop_services::aws_calls`), across all the end-to-end suites on moto; this file adds
//! one run that drives every function. After the suites, tests/run.sh runs the check
//! (`cargo run -p drop-tests --bin least-privilege`, `drop_tests::least_privilege`): each
//! function's policy in `template.yaml` must allow exactly what its function did.

use drop_tests::flow::{client, login, with_access, Session};
use drop_tests::pay::{add_recipient, get_json, initiate, link_account, pay_approved, post, ready, wait_status};
use reqwest::StatusCode;
use serde_json::{json, Value};

const STAFF: &str = "29029648784";

async fn drive(stack: &drop_local::Stack, base: &str) {
    let c = client();
    for path in ["/api/health", "/api/openapi.json", "/.well-known/jwks.json", "/console", "/console/assets/app.js"] {
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

/// After every function ran: each stored item is one kind of the catalogue
/// (`drop_domain::keys::kinds`), and each PII attribute it has is an encrypted envelope.
async fn every_item_is_a_catalogue_kind(stack: &drop_local::Stack, aws: bool) {
    use drop_domain::keys::kinds::ItemKind;
    let items = drop_tests::flow::stored_items(stack, aws).await;
    assert!(items.len() > 50, "the run stored {} items", items.len());
    let mut seen = std::collections::BTreeSet::new();
    for it in &items {
        let kind = ItemKind::of(&it.pk, &it.sk).unwrap_or_else(|| panic!("{} {} is no catalogue kind", it.pk, it.sk));
        assert_eq!(kind == ItemKind::AuditEntry, it.table == "audit", "{} {}", it.pk, it.sk);
        for attr in kind.pii() {
            if let Some(v) = it.strings.get(*attr) {
                let parts: Vec<&str> = v.split('.').collect();
                assert!(parts.len() == 4 && parts[0] == "v1", "{kind:?}.{attr} is not an envelope");
            }
        }
        seen.insert(format!("{kind:?}"));
    }
    for kind in ["Profile", "BankAccount", "Recipient", "Payment", "AmlBucket", "AmlDecision", "Alert", "AuditEntry"] {
        assert!(seen.contains(kind), "the run stored no {kind}: {seen:?}");
    }
    // Each person's items, found through keys and the owner index, are exactly theirs.
    use drop_domain::keys::{self, kinds::Owner};
    let main: Vec<_> = items.iter().filter(|i| i.table == "main").collect();
    let users: Vec<&str> =
        main.iter().filter(|i| i.sk == keys::PROFILE_SK).filter_map(|i| keys::user_of(&i.pk)).collect();
    assert!(users.len() >= 2, "{users:?}");
    for user in users {
        let mine = |i: &&&drop_tests::flow::Stored| {
            ItemKind::of(&i.pk, &i.sk).is_some_and(|k| k.owner() == Owner::User)
                && (keys::user_of(&i.pk) == Some(user) || i.strings.get("user_id").map(String::as_str) == Some(user))
        };
        let expected: std::collections::BTreeSet<(String, String)> =
            main.iter().filter(mine).map(|i| (i.pk.clone(), i.sk.clone())).collect();
        let found: std::collections::BTreeSet<(String, String)> =
            drop_services::subject::subject_items(stack.ctx.table.as_ref(), user)
                .await
                .unwrap()
                .into_iter()
                .map(|k| (k.pk, k.sk))
                .collect();
        assert_eq!(found, expected, "{user}");
    }
    // Nothing a person owns outside their partition lacks its owner.
    for i in &main {
        let kind = ItemKind::of(&i.pk, &i.sk).unwrap();
        if kind.owner() == Owner::User && keys::user_of(&i.pk).is_none() {
            assert!(i.strings.contains_key("gsi4pk"), "{kind:?} {} is not in the owner index", i.pk);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_function_driven_embedded_stores_only_catalogue_items() {
    let (stack, base) = drop_tests::flow::start(false).await;
    drive(&stack, &base).await;
    every_item_is_a_catalogue_kind(&stack, false).await;
    stack.stop().await;
}

#[ignore = "needs moto: tests/run.sh"]
#[tokio::test(flavor = "multi_thread")]
async fn every_function_driven_on_aws() {
    drop_tests::aws::require();
    let (stack, base) = drop_tests::flow::start(true).await;
    drive(&stack, &base).await;
    every_item_is_a_catalogue_kind(&stack, true).await;
    stack.stop().await;
}
