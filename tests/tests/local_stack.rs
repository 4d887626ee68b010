//! The local stack end to end over HTTP: routes from the template, the event pipeline (outbox →
//! bus → rule → queue → consumer), schedules triggered by hand, persistence, clean shutdown.
//! Embedded always; on the AWS adapters too when `AWS_ENDPOINT_URL` is set.

use drop_local::Stack;
use std::time::Duration;

async fn get(url: &str) -> (u16, serde_json::Value, reqwest::header::HeaderMap) {
    let r = reqwest::get(url).await.unwrap();
    let (s, h) = (r.status().as_u16(), r.headers().clone());
    (s, r.json().await.unwrap_or(serde_json::Value::Null), h)
}

async fn wait_received(base: &str, n: i64) -> serde_json::Value {
    for _ in 0..200 {
        let (_, v, _) = get(&format!("{base}/api/health")).await;
        if v["pipeline"]["received"].as_i64() >= Some(n) {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("canary never arrived");
}

async fn pipeline(aws: bool) {
    let opts = drop_tests::local_options(aws);
    let stack = Stack::start(opts.clone()).await.unwrap();
    let base = format!("http://{}", stack.addr);
    let (s, v, h) = get(&format!("{base}/api/health")).await;
    assert_eq!(s, 200);
    assert_eq!(v["status"], "ok");
    assert_eq!(v["adapters"]["table"], if aws { "dynamodb" } else { "sqlite" });
    assert_eq!(v["adapters"]["crypto"], if aws { "kms" } else { "local" });
    assert!(h.get("x-request-id").is_some());
    assert_eq!(v["pipeline"]["received"], 0);

    let c = reqwest::Client::new();
    let r = c.post(format!("{base}/_local/schedules/pipeline-canary")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let sent: serde_json::Value = r.json().await.unwrap();
    assert!(sent["eventId"].as_str().unwrap().starts_with("evt_"));
    let v = wait_received(&base, 1).await;
    assert!(v["pipeline"]["lastSentAt"].is_string());
    stack.stop().await;

    // Everything persists: a new stack on the same storage sees the canary.
    let stack = Stack::start(opts).await.unwrap();
    let (_, v, _) = get(&format!("http://{}/api/health", stack.addr)).await;
    assert_eq!(v["pipeline"]["received"], 1);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn event_pipeline_end_to_end_embedded() {
    pipeline(false).await;
}

#[ignore = "needs moto: tests/run.sh"]
#[tokio::test(flavor = "multi_thread")]
async fn event_pipeline_end_to_end_on_aws() {
    drop_tests::aws::require();
    pipeline(true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_routes_methods_and_preflight() {
    let stack = Stack::start(drop_tests::local_options(false)).await.unwrap();
    let base = format!("http://{}", stack.addr);
    let c = reqwest::Client::new();
    let r = c.get(format!("{base}/api/nope")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = c.delete(format!("{base}/api/health")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 405);
    assert_eq!(r.headers()["allow"], "GET, OPTIONS");
    let r = c.put(format!("{base}/api/user/profile")).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["allow"].to_str().unwrap()), (405, "GET, OPTIONS, PATCH"));
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["type"], "https://problems.drop.no/method-not-allowed");
    // A path that names a POST-only resource but also fits GET /api/payment/{id} (API Gateway's
    // most specific match): 405 before anything else, signed in or not.
    for (method, path, allow) in [
        (reqwest::Method::GET, "/api/payment/confirm", "OPTIONS, POST"),
        (reqwest::Method::DELETE, "/api/user/accounts/callback", "GET, OPTIONS"),
    ] {
        let r = c.request(method, format!("{base}{path}")).send().await.unwrap();
        assert_eq!((r.status().as_u16(), r.headers()["allow"].to_str().unwrap()), (405, allow), "{path}");
    }
    let r = c
        .request(reqwest::Method::OPTIONS, format!("{base}/api/health"))
        .header("origin", "http://localhost:5173")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(r.headers()["access-control-allow-origin"], "http://localhost:5173");
    assert_eq!(r.headers()["access-control-allow-credentials"], "true");
    let r = c.post(format!("{base}/_local/schedules/nope")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let (s, doc, _) = get(&format!("{base}/api/openapi.json")).await;
    assert_eq!(s, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_binary_starts_prints_where_and_stops_on_ctrl_c() {
    let bin = drop_tests::bin_dir().join("drop-local");
    assert!(bin.exists(), "run `cargo build -p drop-local` first");
    let dir = std::env::temp_dir().join(drop_tests::aws::unique("drop-bin"));
    std::fs::create_dir_all(&dir).unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = tokio::process::Command::new(&bin)
        .current_dir(&dir)
        .env_remove("AWS_ENDPOINT_URL")
        .env("DROP_LOCAL_ADDR", format!("127.0.0.1:{port}"))
        .env("DROP_TEMPLATE", drop_tests::root().join("template.yaml"))
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut ok = false;
    for _ in 0..100 {
        if let Ok(r) = reqwest::get(format!("http://127.0.0.1:{port}/api/health")).await {
            ok = r.status().as_u16() == 200;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ok, "health did not answer 200");
    assert!(dir.join(".drop/local.db").exists(), "state lives in .drop/local.db");
    let pid = child.id().unwrap() as i32;
    // SIGINT, as Ctrl-C sends.
    let _ = std::process::Command::new("kill").args(["-INT", &pid.to_string()]).status();
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait()).await.expect("stops within 10 s").unwrap();
    assert!(status.success(), "{status:?}");
    let mut out = String::new();
    use tokio::io::AsyncReadExt;
    child.stdout.take().unwrap().read_to_string(&mut out).await.unwrap();
    assert!(out.contains("api ") && out.contains(&port.to_string()) && out.contains("canary-consumer"), "{out}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn audit_verify_command_reports_intact_and_broken_chains() {
    use drop_services::audit::{append, NewEntry};
    let bin = drop_tests::bin_dir().join("drop-local");
    assert!(bin.exists(), "run `cargo build -p drop-local` first");
    let dir = std::env::temp_dir().join(drop_tests::aws::unique("drop-audit"));
    let db = dir.join("local.db");
    let store = drop_adapters::embedded::SqliteStore::open(db.to_str().unwrap()).unwrap();
    let table = drop_adapters::embedded::SqliteTable::new(
        store,
        "drop-local-AuditTable",
        std::sync::Arc::new(drop_services::SystemClock),
    );
    for i in 0..3 {
        let e = NewEntry {
            subject: "SYSTEM",
            action: "test",
            actor: "system",
            ip: None,
            details: serde_json::json!({"i": i}),
        };
        append(&table, "2026-11-24T00:00:00Z", e).await.unwrap();
    }
    let run = || {
        std::process::Command::new(&bin)
            .args(["audit-verify", "SYSTEM"])
            .env_remove("AWS_ENDPOINT_URL")
            .env("DROP_DB_PATH", &db)
            .env("DROP_KEY_FILE", dir.join("keys.json"))
            .env("DROP_TEMPLATE", drop_tests::root().join("template.yaml"))
            .output()
            .unwrap()
    };
    let ok = run();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stdout));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("SYSTEM: intact (3 entries)"));
    use drop_services::Table;
    let key = drop_services::table::Key::new("AUDIT#SYSTEM", "000000000002");
    let mut item = table.get(&key).await.unwrap().unwrap();
    item.set("action", "rewritten");
    table.put(item, None).await.unwrap();
    let bad = run();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stdout).contains("BROKEN at entry 2"));
    let _ = std::fs::remove_dir_all(dir);
}

/// `--env-vars` in the SAM CLI's shape: a function's own entry changes only that function.
#[tokio::test(flavor = "multi_thread")]
async fn env_vars_override_one_function() {
    let mut opts = drop_tests::local_options(false);
    let file = std::env::temp_dir().join(drop_tests::aws::unique("env-vars")).with_extension("json");
    std::fs::write(&file, r#"{"PaymentInitiateFunction": {"LIMIT_PER_PAYMENT": "20000"}}"#).unwrap();
    opts.env_vars = Some(file);
    let stack = Stack::start(opts).await.unwrap();
    let base = format!("http://{}", stack.addr);
    assert!(stack.summary.iter().any(|l| l.contains("payment-initiate runs with its own overrides")));
    let s = drop_tests::pay::ready(&base).await;
    let body = serde_json::json!({"name": "Ola Nordmann", "country": "DE", "currency": "EUR", "iban": "DE89370400440532013000"});
    let to = drop_tests::pay::add_recipient(&base, &s, body).await;
    assert_eq!(drop_tests::pay::initiate(&base, &s, &to, 10_000).await.status(), 201);
    let over = drop_tests::pay::initiate(&base, &s, &to, 30_000).await;
    assert_eq!(over.status(), 422, "over this function's own limit");
    let problem: serde_json::Value = over.json().await.unwrap();
    assert_eq!(problem["type"], "https://problems.drop.no/limit-exceeded");
    // Other functions keep the stack's settings.
    assert_eq!(stack.contexts.of("payment-confirm").config.limits_remit.per_payment, 2_500_000);
    stack.stop().await;
}

/// `drop-local grant-role`: an operator makes a user an admin on the local storage, audited on the
/// user's chain and on SYSTEM's; an unknown user or role is refused.
#[tokio::test(flavor = "multi_thread")]
async fn grant_role_makes_an_admin_and_audits_it() {
    use drop_services::Table;
    let bin = drop_tests::bin_dir().join("drop-local");
    assert!(bin.exists(), "run `cargo build -p drop-local` first");
    let dir = std::env::temp_dir().join(drop_tests::aws::unique("drop-grant"));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("local.db");
    let store = drop_adapters::embedded::SqliteStore::open(db.to_str().unwrap()).unwrap();
    let clock = std::sync::Arc::new(drop_services::SystemClock);
    let main = drop_adapters::embedded::SqliteTable::new(store.clone(), "drop-local-MainTable", clock.clone());
    let audit = drop_adapters::embedded::SqliteTable::new(store, "drop-local-AuditTable", clock);
    let profile = drop_services::table::Item::new("USER#usr_granted", "PROFILE")
        .with("user_id", "usr_granted")
        .with("role", "user")
        .with("status", "active");
    main.put(profile, None).await.unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(&bin)
            .arg("grant-role")
            .args(args)
            .env_remove("AWS_ENDPOINT_URL")
            .env("DROP_DB_PATH", &db)
            .env("DROP_KEY_FILE", dir.join("keys.json"))
            .env("DROP_TEMPLATE", drop_tests::root().join("template.yaml"))
            .output()
            .unwrap()
    };
    let ok = run(&["usr_granted", "admin"]);
    assert!(ok.status.success(), "{}{}", String::from_utf8_lossy(&ok.stdout), String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("user -> admin"));
    let user = drop_services::auth::users::get(&main, "usr_granted").await.unwrap().unwrap();
    assert_eq!(user.role, drop_domain::role::Role::Admin);
    for subject in ["usr_granted", "SYSTEM"] {
        let chain = drop_services::audit::read_chain(&audit, subject).await.unwrap();
        assert!(chain.iter().any(|e| e.action == "role.granted" && e.actor.starts_with("operator:")), "{subject}");
    }
    assert_eq!(run(&["usr_nobody", "admin"]).status.code(), Some(1));
    assert_eq!(run(&["usr_granted", "superuser"]).status.code(), Some(2));
    let _ = std::fs::remove_dir_all(dir);
}
