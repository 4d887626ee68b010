//! A licensed sanctions/PEP list delivery in OpenSanctions' shape (`reference/compliance.md`
//! §2.2): `GET …/datasets/latest/<dataset>/index.json` names the version and its files (SHA-1
//! `checksum`, `size`), and each version's files are served under their own URL. Requests need
//! `Authorization: Token <TOKEN>`. Tests publish a new version with
//! `POST /lists/_sim/publish?version=…[&bad_checksum=true]` (the body is the new
//! `targets.simple.csv`).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const TOKEN: &str = "sim-list-token";
pub const DATASET: &str = "drop-fixture";
pub const RESOURCE: &str = "targets.simple.csv";
/// The synthetic fixture: the first version every simulator starts with.
pub const FIXTURE: &str = include_str!("../../screening/fixture.csv");
pub const FIRST_VERSION: &str = "20261124000000-fix";

struct Version {
    version: String,
    body: Bytes,
    updated_at: String,
    bad_checksum: bool,
}

#[derive(Clone)]
pub struct Lists(Arc<Mutex<Version>>);

pub fn router() -> Router {
    let state = Lists(Arc::new(Mutex::new(Version {
        version: FIRST_VERSION.into(),
        body: Bytes::from_static(FIXTURE.as_bytes()),
        updated_at: crate::common::rfc3339(crate::common::now()),
        bad_checksum: false,
    })));
    Router::new()
        .route("/lists/datasets/latest/{dataset}/index.json", get(index))
        .route("/lists/datasets/{version}/{dataset}/{file}", get(file))
        .route("/lists/_sim/publish", post(publish))
        .with_state(state)
}

fn authorised(h: &HeaderMap) -> bool {
    h.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Token {TOKEN}"))
}

fn sha1_hex(data: &[u8]) -> String {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, data);
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

async fn index(State(s): State<Lists>, Path(dataset): Path<String>, h: HeaderMap) -> Response {
    if !authorised(&h) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if dataset != DATASET {
        return StatusCode::NOT_FOUND.into_response();
    }
    let v = s.0.lock().unwrap_or_else(|p| p.into_inner());
    let checksum = if v.bad_checksum { "0".repeat(40) } else { sha1_hex(&v.body) };
    Json(serde_json::json!({
        "name": DATASET,
        "title": "Drop synthetic fixture",
        "version": v.version,
        "updated_at": v.updated_at,
        "entity_count": v.body.iter().filter(|b| **b == b'\n').count().saturating_sub(1),
        "resources": [{
            "name": RESOURCE,
            "url": format!("/lists/datasets/{}/{DATASET}/{RESOURCE}", v.version),
            "checksum": checksum,
            "size": v.body.len(),
            "mime_type": "text/csv",
        }],
    }))
    .into_response()
}

async fn file(
    State(s): State<Lists>,
    Path((version, dataset, name)): Path<(String, String, String)>,
    h: HeaderMap,
) -> Response {
    if !authorised(&h) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let v = s.0.lock().unwrap_or_else(|p| p.into_inner());
    if version != v.version || dataset != DATASET || name != RESOURCE {
        return StatusCode::NOT_FOUND.into_response();
    }
    ([("content-type", "text/csv")], v.body.clone()).into_response()
}

async fn publish(State(s): State<Lists>, Query(q): Query<HashMap<String, String>>, body: Bytes) -> Response {
    let Some(version) = q.get("version").cloned() else {
        return (StatusCode::BAD_REQUEST, "version is required").into_response();
    };
    let mut v = s.0.lock().unwrap_or_else(|p| p.into_inner());
    *v = Version {
        version,
        body,
        updated_at: crate::common::rfc3339(crate::common::now()),
        bad_checksum: q.get("bad_checksum").is_some_and(|b| b == "true"),
    };
    StatusCode::NO_CONTENT.into_response()
}
