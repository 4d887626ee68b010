//! Log lines carry request ids but never bodies, tokens, cookies or internal error details.
//!
//! Alone in its own test binary with a global subscriber: a thread-local subscriber in a binary
//! shared with other tests flaked, because another thread could cache "nobody listens" for the
//! pipeline's log callsites before this test's subscriber existed.

use drop_tests::pipeline::{broken, call, ctx, post, PUBLIC};
use http::HeaderValue;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn log_lines_carry_ids_but_never_bodies_or_tokens() {
    let cap = Capture::default();
    let writer = cap.clone();
    let sub = tracing_subscriber::fmt().json().with_writer(move || writer.clone()).finish();
    tracing::subscriber::set_global_default(sub).unwrap();
    let mut req = post(r#"{"phone":"+4798765432","amount":{"minor":1,"currency":"NOK"}}"#);
    req.headers.insert("authorization", HeaderValue::from_static("Bearer eyJsecret.token.value"));
    req.headers.insert("cookie", HeaderValue::from_static("__Host-drop_at=eyJcookie"));
    let _ = call(req).await;
    let _ = drop_runtime::http::handle(ctx().await, "test", PUBLIC, broken, post(r#"{"nnin":"13097248022"}"#)).await;
    let logs = String::from_utf8(cap.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("\"request_id\""), "{logs}");
    for secret in ["+4798765432", "eyJsecret", "eyJcookie", "13097248022"] {
        assert!(!logs.contains(secret), "log leaks {secret}: {logs}");
    }
}
