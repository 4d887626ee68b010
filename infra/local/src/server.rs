//! The local HTTP API: every route of `template.yaml`, served by its registry handler through the
//! same pipeline as in Lambda, plus `/_local/*` tools that only the local stack has.

use crate::template::Template;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::response::Response;
use drop_functions::registry;
use drop_runtime::function::{Kind, ScheduleHandler};
use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use http::{Method, StatusCode};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

pub struct State {
    pub contexts: Arc<crate::env_vars::Contexts>,
    pub template: Arc<Template>,
    pub schedules: Arc<BTreeMap<String, ScheduleHandler>>,
    /// By the secret's template logical id.
    pub rotations: Arc<BTreeMap<String, crate::rotation::Rotation>>,
}

pub fn router(state: State) -> axum::extract::connect_info::IntoMakeServiceWithConnectInfo<axum::Router, SocketAddr> {
    let state = Arc::new(state);
    axum::Router::new()
        .fallback(move |ci: ConnectInfo<SocketAddr>, req: Request| {
            let state = state.clone();
            async move { handle(state, ci.0, req).await }
        })
        .into_make_service_with_connect_info::<SocketAddr>()
}

/// Matches a concrete path against a template path (`/api/user/accounts/{id}`).
pub fn match_path(pattern: &str, path: &str) -> Option<BTreeMap<String, String>> {
    let pat: Vec<&str> = pattern.trim_matches('/').split('/').collect();
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut params = BTreeMap::new();
    for (i, p) in pat.iter().enumerate() {
        if let Some(name) = p.strip_prefix('{').and_then(|p| p.strip_suffix("+}")) {
            params.insert(name.to_owned(), segs.get(i..)?.join("/"));
            return Some(params);
        }
        let s = segs.get(i)?;
        match p.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            Some(name) if !s.is_empty() => {
                params.insert(name.to_owned(), percent_decode(s));
            }
            Some(_) => return None,
            None if p == s => {}
            None => return None,
        }
    }
    (pat.len() == segs.len()).then_some(params)
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

fn to_axum(r: ApiResponse) -> Response {
    let mut resp = Response::new(Body::from(r.body));
    *resp.status_mut() = r.status;
    *resp.headers_mut() = r.headers;
    resp
}

async fn handle(state: Arc<State>, peer: SocketAddr, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let origin = state.contexts.default.config.http.as_ref().map(|h| h.frontend_origin.clone()).unwrap_or_default();
    if parts.method == Method::OPTIONS {
        return to_axum(drop_runtime::cors::preflight(&parts.headers, &origin));
    }
    if let Some(rest) = path.strip_prefix("/_local/") {
        let query =
            axum::extract::Query::<BTreeMap<String, String>>::try_from_uri(&parts.uri).map(|q| q.0).unwrap_or_default();
        return to_axum(local_tool(&state, &parts.method, rest, &query).await.unwrap_or_else(|e| e.to_response(&path)));
    }
    let mut allowed: Vec<String> = Vec::new();
    let mut found = None;
    for (method, pattern, binary) in state.template.routes() {
        if let Some(params) = match_path(&pattern, &path) {
            if method == parts.method.as_str() || method == "ANY" {
                found = Some((binary, params));
                break;
            }
            allowed.push(method.to_string());
        }
    }
    let Some((binary, path_params)) = found else {
        let e = if allowed.is_empty() { ApiError::not_found() } else { ApiError::method_not_allowed() };
        let mut r = e.to_response(&path);
        if !allowed.is_empty() {
            allowed.push("OPTIONS".into());
            allowed.sort();
            allowed.dedup();
            r.header("allow", &allowed.join(", "));
        }
        drop_runtime::cors::apply(&mut r, &parts.headers, &origin);
        return to_axum(r);
    };
    let Some(def) = registry::find(&binary) else {
        return to_axum(ApiError::not_found().to_response(&path));
    };
    let Kind::Http { handler, access, limit: class, check, .. } = def.kind else {
        return to_axum(ApiError::not_found().to_response(&path));
    };
    let ctx = state.contexts.of(def.name).clone();
    let Ok(limit) = ctx.config.http().map(|h| h.max_body_bytes) else {
        return to_axum(ApiError::internal().to_response(&path));
    };
    let body = match axum::body::to_bytes(body, limit + 1).await {
        Ok(b) => b,
        Err(_) => return to_axum(ApiError::payload_too_large(limit).to_response(&path)),
    };
    let query =
        axum::extract::Query::<BTreeMap<String, String>>::try_from_uri(&parts.uri).map(|q| q.0).unwrap_or_default();
    let api = ApiRequest {
        method: parts.method,
        path,
        path_params,
        query,
        headers: parts.headers,
        body,
        request_id: ulid::Ulid::new().to_string(),
        correlation_id: String::new(),
        source_ip: Some(peer.ip().to_string()),
        principal: None,
    };
    let route = drop_runtime::http::Route { access, limit: class, check };
    to_axum(drop_runtime::http::handle(ctx, def.name, route, handler, api).await)
}

/// Runs a scheduled function now with `event` as its input.
pub async fn trigger(
    ctx: &Arc<Ctx>,
    schedules: &BTreeMap<String, ScheduleHandler>,
    function: &str,
    event: serde_json::Value,
) -> Result<serde_json::Value, ApiError> {
    let handler = schedules.get(function).ok_or_else(ApiError::not_found)?;
    drop_services::aws_calls::within(function, handler(ctx.clone(), event)).await
}

async fn local_tool(
    state: &State,
    method: &Method,
    rest: &str,
    query: &BTreeMap<String, String>,
) -> Result<ApiResponse, ApiError> {
    match (method, rest.split('/').collect::<Vec<_>>().as_slice()) {
        (&Method::GET, ["functions"]) => {
            let fs: Vec<serde_json::Value> = state
                .template
                .functions
                .iter()
                .map(|f| serde_json::json!({"function": f.binary, "logicalId": f.logical_id, "events": format!("{:?}", f.events)}))
                .collect();
            ApiResponse::json(StatusCode::OK, &fs)
        }
        (&Method::GET, ["messages"]) => {
            let local = state.contexts.default.local_messages.as_ref().ok_or_else(ApiError::not_found)?;
            let to = query.get("to").ok_or_else(|| ApiError::invalid_field("to", "to is required"))?;
            ApiResponse::json(StatusCode::OK, &local.list(to).await?)
        }
        (&Method::POST, ["schedules", name]) => {
            // Query parameters become fields of the event (numbers where they parse).
            let mut event = serde_json::json!({"source": "local.trigger"});
            for (k, v) in query {
                event[k] = v.parse::<i64>().map(serde_json::Value::from).unwrap_or_else(|_| v.clone().into());
            }
            let out = trigger(state.contexts.of(name), &state.schedules, name, event).await?;
            ApiResponse::json(StatusCode::OK, &out)
        }
        (&Method::POST, ["rotate", secret]) => {
            let r = state.rotations.get(*secret).ok_or_else(ApiError::not_found)?;
            ApiResponse::json(StatusCode::OK, &crate::rotation::rotate_now(state.contexts.of(r.function), r).await?)
        }
        _ => Err(ApiError::not_found()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_paths() {
        assert_eq!(match_path("/api/health", "/api/health"), Some(BTreeMap::new()));
        assert_eq!(match_path("/api/health", "/api/health/x"), None);
        let p = match_path("/api/user/accounts/{id}", "/api/user/accounts/acc%2F1").unwrap();
        assert_eq!(p["id"], "acc/1");
        assert_eq!(match_path("/api/user/accounts/{id}", "/api/user/accounts/"), None);
        let p = match_path("/files/{proxy+}", "/files/a/b/c").unwrap();
        assert_eq!(p["proxy"], "a/b/c");
    }
}
