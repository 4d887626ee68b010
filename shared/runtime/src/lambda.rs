//! The entry point of every Lambda binary: `drop_runtime::lambda::run(&FUNCTION)`.

use crate::batch::{self, BatchOutcome, Record};
use crate::function::{FunctionDef, Kind};
use crate::http::{self, ApiRequest, ApiResponse};
use crate::metrics::{Metrics, Sink};
use crate::{Config, Ctx, Error};
use lambda_http::{Body, RequestExt};
use lambda_runtime::{service_fn, LambdaEvent};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Builds the context once (the cold start) and serves invocations until the runtime stops.
pub fn run(def: &'static FunctionDef) -> Result<(), Error> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async move {
        crate::logging::init();
        let config = Config::from_env(&def.needs())
            .inspect_err(|e| tracing::error!(function = def.name, error = %e, "bad configuration"))?;
        // Init runs under the function's role too (its secrets are read here).
        let init = Ctx::from_config(config, Metrics::new(Sink::Stdout));
        let ctx = Arc::new(drop_services::aws_calls::within(def.name, init).await?);
        serve(ctx, def).await
    })
}

async fn serve(ctx: Arc<Ctx>, def: &'static FunctionDef) -> Result<(), Error> {
    match def.kind {
        Kind::Http { handler, access, limit, check, .. } => {
            let route = http::Route { access, limit, check };
            lambda_http::run(service_fn(move |req: lambda_http::Request| {
                let ctx = ctx.clone();
                async move { Ok::<_, Error>(to_lambda(http::handle(ctx, def.name, route, handler, from_lambda(req)).await)) }
            }))
            .await
        }
        Kind::Sqs { handler } => {
            lambda_runtime::run(service_fn(move |ev: LambdaEvent<SqsEvent>| {
                let ctx = ctx.clone();
                async move {
                    let records = ev.payload.records.into_iter().map(SqsRecord::into_record).collect();
                    match batch::process(ctx, def.name, handler, records).await {
                        BatchOutcome::Partial(failed) => Ok(BatchResponse {
                            batch_item_failures: failed
                                .into_iter()
                                .map(|item_identifier| ItemFailure { item_identifier })
                                .collect(),
                        }),
                        BatchOutcome::AllFailed => Err(Error::from("every record of the batch failed")),
                    }
                }
            }))
            .await
        }
        Kind::Schedule { handler } | Kind::Invoke { handler } => {
            lambda_runtime::run(service_fn(move |ev: LambdaEvent<serde_json::Value>| {
                let ctx = ctx.clone();
                async move {
                    drop_services::aws_calls::within(def.name, handler(ctx, ev.payload)).await.map_err(|e| {
                        tracing::error!(function = def.name, problem = e.slug, "scheduled run failed");
                        Error::from(e.slug)
                    })
                }
            }))
            .await
        }
    }
}

/// The SQS event, reduced to what consumers need.
#[derive(Deserialize)]
pub struct SqsEvent {
    #[serde(rename = "Records", default)]
    pub records: Vec<SqsRecord>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SqsRecord {
    #[serde(default)]
    pub message_id: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub attributes: std::collections::HashMap<String, String>,
}

impl SqsRecord {
    fn into_record(self) -> Record {
        let receive_count = self.attributes.get("ApproximateReceiveCount").and_then(|c| c.parse().ok()).unwrap_or(1);
        Record { message_id: self.message_id, body: self.body, receive_count }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchResponse {
    pub batch_item_failures: Vec<ItemFailure>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemFailure {
    pub item_identifier: String,
}

fn from_lambda(req: lambda_http::Request) -> ApiRequest {
    let path_params = req.path_parameters().iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    let query = req.query_string_parameters().iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    let (request_id, source_ip) = match req.request_context_ref() {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(c)) => {
            (c.request_id.clone().unwrap_or_default(), c.http.source_ip.clone())
        }
        _ => (String::new(), None),
    };
    let (parts, body) = req.into_parts();
    let body = match body {
        Body::Empty => bytes::Bytes::new(),
        Body::Text(t) => bytes::Bytes::from(t),
        Body::Binary(b) => bytes::Bytes::from(b),
        _ => bytes::Bytes::new(),
    };
    ApiRequest {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        path_params,
        query,
        headers: parts.headers,
        body,
        request_id,
        correlation_id: String::new(),
        source_ip,
        principal: None,
    }
}

fn to_lambda(r: ApiResponse) -> lambda_http::Response<Body> {
    let mut resp = lambda_http::Response::new(if r.body.is_empty() {
        Body::Empty
    } else {
        match String::from_utf8(r.body.to_vec()) {
            Ok(s) => Body::Text(s),
            Err(e) => Body::Binary(e.into_bytes()),
        }
    });
    *resp.status_mut() = r.status;
    *resp.headers_mut() = r.headers;
    resp
}
