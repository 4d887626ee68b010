//! The sanctions/PEP list delivered as in AWS, on both adapters: the local stack publishes the
//! list simulator's first version through `screening-list-refresh` when it starts; a delivery
//! that does not match its index changes nothing; a new version is published once, used by the
//! running functions without a restart, and re-screens everyone; compliance sees the list's
//! version, age and re-screen progress, and the audit log each publication.

use drop_tests::flow::{client, login, start, Session};
use drop_tests::pay::{get_json, post, ready};
use reqwest::StatusCode;
use serde_json::{json, Value};

const STAFF: &str = "29029648784";
const V2: &str = "20261202060000-two";

async fn admin(stack: &drop_local::Stack, base: &str) -> Session {
    let staff = login(base, STAFF).await.map_err(|r| r.status()).unwrap();
    let sub = drop_services::auth::jwt::parse(&staff.access).unwrap().claims["sub"].as_str().unwrap().to_owned();
    drop_services::auth::users::set_role(stack.ctx.table.as_ref(), &sub, drop_domain::role::Role::Admin).await.unwrap();
    login(base, STAFF).await.map_err(|r| r.status()).unwrap()
}

async fn publish(stack: &drop_local::Stack, version: &str, csv: &str, bad_checksum: bool) {
    let sim = stack.simulator("lists").expect("the list simulator");
    let url = format!("http://{sim}/lists/_sim/publish?version={version}&bad_checksum={bad_checksum}");
    let r = client().post(url).body(csv.to_owned()).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}

async fn recipient(base: &str, s: &Session, name: &str) -> reqwest::Response {
    let body = json!({"name": name, "country": "DE", "currency": "EUR", "iban": "DE89370400440532013000"});
    post(base, "/api/user/recipients", s).json(&body).send().await.unwrap()
}

async fn alerts(stack: &drop_local::Stack) -> Vec<Value> {
    let list = drop_services::alerts::list(stack.ctx.table.as_ref(), 200).await.unwrap();
    list.iter().map(|a| serde_json::to_value(drop_functions::admin::AlertView::from(a)).unwrap()).collect()
}

async fn new_version_is_published_used_and_rescreened(aws: bool) {
    let (stack, base) = start(aws).await;
    let staff = admin(&stack, &base).await;
    let status = get_json(&base, "/api/admin/screening-list", &staff).await;
    assert_eq!(status["published"]["dataset"], drop_simulators::lists::DATASET, "{status}");
    assert_eq!(status["published"]["version"], drop_simulators::lists::FIRST_VERSION);
    assert_eq!((status["published"]["entries"].as_u64(), status["stale"].as_bool()), (Some(8), Some(false)));
    assert!(status["ageSeconds"].as_i64().unwrap() < 600, "{status}");

    // Not on the first list: created without an alert.
    let s = ready(&base).await;
    let r = recipient(&base, &s, "Tormod Kvalheim").await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let tormod = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    assert!(alerts(&stack).await.iter().all(|a| a["subjectId"] != tormod.as_str()));

    // A delivery whose file does not match its index: nothing is published.
    let mut csv = drop_simulators::lists::FIXTURE.to_owned();
    csv.push_str("drop-fx-0100,Person,Tormod Kvalheim,,,de,,,Synthetic fixture sanction,,,drop-fixture,2026-12-02,2026-12-02,2026-12-02\n");
    publish(&stack, "20261202050000-bad", &csv, true).await;
    let failed = stack.trigger("screening-list-refresh").await.expect_err("a checksum mismatch fails the run");
    assert_eq!(failed.status, StatusCode::SERVICE_UNAVAILABLE);
    let status = get_json(&base, "/api/admin/screening-list", &staff).await;
    assert_eq!(status["published"]["version"], drop_simulators::lists::FIRST_VERSION);

    // The new version: published once.
    publish(&stack, V2, &csv, false).await;
    let out = stack.trigger("screening-list-refresh").await.unwrap();
    assert_eq!(
        (out["outcome"].as_str(), out["version"].as_str(), out["entries"].as_u64()),
        (Some("published"), Some(V2), Some(9))
    );
    let again = stack.trigger("screening-list-refresh").await.unwrap();
    assert_eq!(again["outcome"], "unchanged");

    // Used by the running functions at once: a new recipient of that name is a hit on v2.
    let second = recipient(&base, &s, "Tormod Kvalheim").await;
    assert_ne!(second.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let on_v2 = |a: &&Value| a["version"] == V2 && a["trigger"] == "recipient";
    assert_eq!(alerts(&stack).await.iter().filter(on_v2).count(), 1);

    // The re-screen runs everyone against v2: the recipient made before is found too.
    let run = stack.trigger("screening-rescreen").await.unwrap();
    assert_eq!(
        (run["list"].as_str(), run["phase"].as_str()),
        (Some(format!("drop-fixture@{V2}").as_str()), Some("done"))
    );
    let rescreened: Vec<Value> = alerts(&stack).await.into_iter().filter(|a| a["trigger"] == "rescreen").collect();
    assert!(rescreened.iter().any(|a| a["subjectId"] == tormod.as_str() && a["version"] == V2), "{rescreened:?}");
    let status = get_json(&base, "/api/admin/screening-list", &staff).await;
    assert_eq!((status["published"]["version"].as_str(), status["published"]["entries"].as_u64()), (Some(V2), Some(9)));
    assert_eq!(status["rescreen"]["list"], format!("drop-fixture@{V2}"));
    assert_eq!(status["rescreen"]["phase"], "done");

    // Nothing about the list reaches a user.
    let forbidden = drop_tests::flow::with_access(client().get(format!("{base}/api/admin/screening-list")), &s);
    assert_eq!(forbidden.send().await.unwrap().status(), StatusCode::FORBIDDEN);

    // The audit log holds each publication with its checksums.
    let chain = drop_services::audit::read_chain(stack.ctx.audit.as_ref(), "SYSTEM").await.unwrap();
    let published: Vec<_> = chain.iter().filter(|e| e.action == "screening.list.published").collect();
    assert_eq!(published.len(), 2, "the first version and v2");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn embedded_new_version_is_published_used_and_rescreened() {
    new_version_is_published_used_and_rescreened(false).await;
}

#[ignore = "needs moto: tests/run.sh"]
#[tokio::test(flavor = "multi_thread")]
async fn aws_new_version_is_published_used_and_rescreened() {
    drop_tests::aws::require();
    new_version_is_published_used_and_rescreened(true).await;
}
