//! The HTTP pipeline every handler runs in (the same in Lambda and locally): problem+json errors
//! with stable types, JSON errors naming the field, body limit, ids, CORS, and SQS batches with
//! partial failures. Logs without bodies: `log_hygiene.rs`.

use drop_runtime::batch::{self, BatchOutcome, Record};
use drop_runtime::{ApiError, ApiResponse, Ctx};
use drop_tests::pipeline::{broken, call, ctx, post, PUBLIC};
use futures::future::BoxFuture;
use http::{HeaderValue, StatusCode};
use std::sync::Arc;

fn problem(resp: &ApiResponse, v: &serde_json::Value, status: u16, slug: &str) {
    assert_eq!(resp.status.as_u16(), status, "{v}");
    assert_eq!(resp.headers["content-type"], "application/problem+json");
    assert_eq!(v["type"], format!("https://problems.drop.no/{slug}"));
    assert_eq!(v["status"], status);
    assert!(v["title"].is_string() && v["detail"].is_string());
}

#[tokio::test]
async fn valid_body_reaches_the_handler() {
    let (resp, v) = call(post(r#"{"phone":"+4791234567","amount":{"minor":150000,"currency":"NOK"}}"#)).await;
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(v["minor"], 150000);
}

#[tokio::test]
async fn wrong_type_names_the_field_without_echoing_the_value() {
    let (resp, v) = call(post(r#"{"phone":4791234567,"amount":{"minor":1,"currency":"NOK"}}"#)).await;
    problem(&resp, &v, 400, "invalid-field");
    assert_eq!(v["field"], "phone");
    assert!(!v.to_string().contains("4791234567"), "{v}");
}

#[tokio::test]
async fn nested_and_missing_fields_are_named() {
    let (resp, v) = call(post(r#"{"phone":"x","amount":{"minor":1,"currency":"nok"}}"#)).await;
    problem(&resp, &v, 400, "invalid-field");
    assert_eq!(v["field"], "amount.currency");
    let (resp, v) = call(post(r#"{"phone":"x"}"#)).await;
    problem(&resp, &v, 400, "invalid-field");
    assert_eq!(v["field"], "amount");
}

#[tokio::test]
async fn malformed_and_missing_bodies() {
    let (resp, v) = call(post("{not json")).await;
    problem(&resp, &v, 400, "malformed-json");
    let (resp, v) = call(post("")).await;
    problem(&resp, &v, 400, "missing-body");
}

#[tokio::test]
async fn body_over_the_limit_is_413() {
    let big = format!(r#"{{"phone":"{}","amount":{{"minor":1,"currency":"NOK"}}}}"#, "9".repeat(2000));
    let (resp, v) = call(post(&big)).await;
    problem(&resp, &v, 413, "payload-too-large");
}

#[tokio::test]
async fn internal_errors_are_generic_500s() {
    let resp = drop_runtime::http::handle(ctx().await, "test", PUBLIC, broken, post("{}")).await;
    let v: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
    problem(&resp, &v, 500, "internal");
    assert!(!v.to_string().contains("13097248022"));
}

#[tokio::test]
async fn request_and_correlation_ids() {
    let (resp, _) = call(post("{}")).await;
    let rid = resp.headers["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(rid.len(), 26);
    assert_eq!(resp.headers["x-correlation-id"], rid.as_str());
    let mut req = post("{}");
    req.headers.insert("x-correlation-id", HeaderValue::from_static("checkout-42"));
    assert_eq!(call(req).await.0.headers["x-correlation-id"], "checkout-42");
    let mut req = post("{}");
    req.headers.insert("x-correlation-id", HeaderValue::from_static("bad id; drop table"));
    assert_ne!(call(req).await.0.headers["x-correlation-id"], "bad id; drop table");
}

#[tokio::test]
async fn cors_only_for_the_frontend_origin() {
    let mut req = post("{}");
    req.headers.insert("origin", HeaderValue::from_static("https://app.drop.no"));
    let (resp, _) = call(req).await;
    assert_eq!(resp.headers["access-control-allow-origin"], "https://app.drop.no");
    assert_eq!(resp.headers["access-control-allow-credentials"], "true");
    let mut req = post("{}");
    req.headers.insert("origin", HeaderValue::from_static("https://evil.example"));
    let (resp, _) = call(req).await;
    assert!(resp.headers.get("access-control-allow-origin").is_none());
    let mut h = http::HeaderMap::new();
    h.insert("origin", HeaderValue::from_static("https://app.drop.no"));
    let pre = drop_runtime::cors::preflight(&h, "https://app.drop.no");
    assert_eq!(pre.status, StatusCode::NO_CONTENT);
    assert!(pre.headers["access-control-allow-headers"].to_str().unwrap().contains("idempotency-key"));
}

fn flaky(_ctx: Arc<Ctx>, r: Record) -> BoxFuture<'static, Result<(), ApiError>> {
    Box::pin(async move {
        if r.body.contains("bad") {
            Err(ApiError::bad_request("malformed-event", "bad"))
        } else {
            Ok(())
        }
    })
}

fn rec(id: &str, body: &str) -> Record {
    Record { message_id: id.into(), body: body.into(), receive_count: 1 }
}

#[tokio::test]
async fn batch_reports_only_failed_records() {
    let out = batch::process(ctx().await, "c", flaky, vec![rec("1", "ok"), rec("2", "bad"), rec("3", "ok")]).await;
    assert_eq!(out, BatchOutcome::Partial(vec!["2".into()]));
    let out = batch::process(ctx().await, "c", flaky, vec![rec("1", "ok")]).await;
    assert_eq!(out, BatchOutcome::Partial(vec![]));
}

#[tokio::test]
async fn batch_with_every_record_failed_fails_whole() {
    let out = batch::process(ctx().await, "c", flaky, vec![rec("1", "bad"), rec("2", "bad")]).await;
    assert_eq!(out, BatchOutcome::AllFailed);
}
