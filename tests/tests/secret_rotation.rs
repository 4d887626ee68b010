//! Rotation of a Drop-made secret through the local stack, as Secrets Manager runs it in AWS
//! (`POST /_local/rotate/CursorKey`: a fresh token, then `secret-rotation`'s four steps), on both
//! adapters. Two stacks on one store play two Lambda containers: one started before the rotation
//! (versions cached), one after. Paging cursors sealed before the rotation keep working during
//! the overlap on both; cursors sealed with the new value work on the old container too.

use drop_tests::flow::{client, with_access, Session};
use drop_tests::pay::{initiate, ready};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn page(base: &str, s: &Session, cursor: &str) -> (StatusCode, Value) {
    let r = with_access(client().get(format!("{base}/api/payment/history?limit=1&cursor={cursor}")), s)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn cursor_after(base: &str, s: &Session, cursor: &str) -> String {
    let (status, v) = page(base, s, cursor).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v["cursor"].as_str().expect("another page").to_owned()
}

/// The cursor key's current value, read from the stack's store (its local name is the prefix and
/// the template's logical id).
async fn current(stack: &drop_local::Stack, prefix: &str) -> String {
    stack.ctx.secrets.get(&format!("{prefix}-CursorKey")).await.unwrap().expose().clone()
}

async fn rotation_keeps_cursors_working(aws: bool) {
    let opts = drop_tests::local_options(aws);
    let old = drop_local::Stack::start(opts.clone()).await.unwrap();
    let base = format!("http://{}", old.addr);
    let s = ready(&base).await;
    let body = json!({"name": "Ola Nordmann", "country": "DE", "currency": "EUR", "iban": "DE89370400440532013000"});
    let to = drop_tests::pay::add_recipient(&base, &s, body).await;
    for _ in 0..5 {
        assert_eq!(initiate(&base, &s, &to, 10_000).await.status(), StatusCode::CREATED);
    }
    let before = cursor_after(&base, &s, "").await;
    let key_before = current(&old, &opts.prefix).await;

    let r = client().post(format!("{base}/_local/rotate/CursorKey")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let key_after = current(&old, &opts.prefix).await;
    assert_ne!(key_before, key_after, "the rotation made a new value");
    let r = client().post(format!("{base}/_local/rotate/NoSuchSecret")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // A container started after the rotation: seals with the new value, and still opens what
    // was sealed before (the previous value, within the overlap).
    let new = drop_local::Stack::start(opts).await.unwrap();
    let new_base = format!("http://{}", new.addr);
    // Tokens name the stack that issued them (each local stack is its own issuer): the same
    // person signs in there, the same user.
    let s2 = drop_tests::flow::login(&new_base, drop_tests::flow::ADULT).await.map_err(|r| r.status()).unwrap();
    let sealed_new = cursor_after(&new_base, &s2, &before).await;
    assert_eq!(page(&new_base, &s2, &sealed_new).await.0, StatusCode::OK);
    // The container from before the rotation opens the new container's cursors (it re-reads
    // the versions when a tag fails) and its own.
    assert_eq!(page(&base, &s, &sealed_new).await.0, StatusCode::OK);
    assert_eq!(page(&base, &s, &before).await.0, StatusCode::OK);
    // Altered cursors are refused everywhere.
    let altered = format!("{}x", &sealed_new[..sealed_new.len() - 1]);
    assert_eq!(page(&base, &s, &altered).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(page(&new_base, &s2, &altered).await.0, StatusCode::BAD_REQUEST);
    new.stop().await;
    old.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rotation_keeps_cursors_working_embedded() {
    rotation_keeps_cursors_working(false).await;
}

#[ignore = "needs moto: tests/run.sh"]
#[tokio::test(flavor = "multi_thread")]
async fn rotation_keeps_cursors_working_on_aws() {
    drop_tests::aws::require();
    rotation_keeps_cursors_working(true).await;
}
