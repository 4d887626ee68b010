//! Fixtures for tests of the HTTP pipeline: a context on SQLite in memory and three handlers
//! (one that parses a transfer, one that fails with an internal error carrying a secret).

use bytes::Bytes;
use drop_runtime::metrics::{Metrics, Sink};
use drop_runtime::{ApiError, ApiRequest, ApiResponse, Config, Ctx};
use futures::future::BoxFuture;
use http::{Method, StatusCode};
use std::sync::Arc;

pub const PUBLIC: drop_runtime::http::Route = drop_runtime::http::Route {
    access: drop_runtime::function::Access::Public,
    limit: drop_runtime::function::LimitClass::Default,
    check: drop_runtime::http::no_check,
};

pub async fn ctx() -> Arc<Ctx> {
    let cfg = Config::from_lookup(&[drop_runtime::Need::Http], |k| match k {
        "TABLE_NAME" => Some("main".into()),
        "AUDIT_TABLE_NAME" => Some("audit".into()),
        "FRONTEND_ORIGIN" => Some("https://app.drop.no".into()),
        "DROP_DB_PATH" => Some(":memory:".into()),
        "DROP_KEY_FILE" => {
            Some(std::env::temp_dir().join(crate::aws::unique("k")).join("keys.json").display().to_string())
        }
        "MAX_BODY_BYTES" => Some("1024".into()),
        "API_BASE_URL" => Some("http://127.0.0.1:3000".into()),
        _ => None,
    })
    .unwrap();
    Arc::new(Ctx::from_config(cfg, Metrics::new(Sink::Discard)).await.unwrap())
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct Transfer {
    phone: String,
    amount: Amount,
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct Amount {
    minor: i64,
    currency: drop_domain::Currency,
}

pub fn echo(_ctx: Arc<Ctx>, req: ApiRequest) -> BoxFuture<'static, Result<ApiResponse, ApiError>> {
    Box::pin(async move {
        let t: Transfer = req.json()?;
        ApiResponse::json(StatusCode::OK, &serde_json::json!({"minor": t.amount.minor}))
    })
}

pub fn broken(_ctx: Arc<Ctx>, _req: ApiRequest) -> BoxFuture<'static, Result<ApiResponse, ApiError>> {
    Box::pin(async move { Err(drop_services::TableError::Corrupt("row 7 secret=13097248022".into()).into()) })
}

pub fn post(body: &str) -> ApiRequest {
    let mut r = ApiRequest::new(Method::POST, "/api/test");
    r.body = Bytes::from(body.to_owned());
    r
}

pub async fn call(req: ApiRequest) -> (ApiResponse, serde_json::Value) {
    let resp = drop_runtime::http::handle(ctx().await, "test", PUBLIC, echo, req).await;
    let v = serde_json::from_slice(&resp.body).unwrap_or(serde_json::Value::Null);
    (resp, v)
}
