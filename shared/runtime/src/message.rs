//! The HTTP request and response every handler sees (the same in Lambda and in the local stack),
//! and a problem's response.

use crate::problem::ApiError;
use bytes::Bytes;
use drop_services::auth::tokens::Principal;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub method: Method,
    pub path: String,
    pub path_params: BTreeMap<String, String>,
    pub query: BTreeMap<String, String>,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub request_id: String,
    pub correlation_id: String,
    pub source_ip: Option<String>,
    /// Set by the pipeline once an access token verified.
    pub principal: Option<Principal>,
}

impl ApiRequest {
    /// The caller; the pipeline guarantees one on routes that require a role.
    pub fn principal(&self) -> Result<&Principal, ApiError> {
        self.principal.as_ref().ok_or_else(ApiError::unauthorized)
    }

    pub fn new(method: Method, path: &str) -> Self {
        ApiRequest {
            method,
            path: path.to_owned(),
            path_params: BTreeMap::new(),
            query: BTreeMap::new(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            request_id: String::new(),
            correlation_id: String::new(),
            source_ip: None,
            principal: None,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Parses the JSON body. A malformed body or a wrong field is a 400 naming the field.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, ApiError> {
        let v = self.partner_json()?;
        // Every string (and key) is text someone typed: no control or invisible characters.
        if let Ok(raw) = serde_json::from_slice::<serde_json::Value>(&self.body) {
            if let Some(field) = forbidden_text(&raw, "") {
                let field = if field.is_empty() { ".".to_owned() } else { field };
                return Err(ApiError::invalid_field(field, "control or invisible characters are not allowed"));
            }
        }
        Ok(v)
    }

    /// A numeric query parameter within `range`, or `default` when absent (400 naming it otherwise).
    pub fn query_in(&self, name: &str, range: std::ops::RangeInclusive<u32>, default: u32) -> Result<u32, ApiError> {
        match self.query.get(name) {
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| range.contains(n))
                .ok_or_else(|| ApiError::invalid_field(name, format!("{} to {}", range.start(), range.end()))),
            None => Ok(default),
        }
    }

    /// A partner's body (a provider's callback): parsed like [`ApiRequest::json`], but text in
    /// fields Drop does not read is the partner's business, not refused.
    pub fn partner_json<T: serde::de::DeserializeOwned>(&self) -> Result<T, ApiError> {
        if self.body.is_empty() {
            return Err(ApiError::bad_request("missing-body", "a JSON body is required"));
        }
        let de = &mut serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize::<_, T>(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                return ApiError::bad_request("malformed-json", "the body is not valid JSON");
            }
            // serde's messages name the problem ("missing field `phone`", "invalid type ...")
            // but never echo the submitted value.
            let msg = sanitize(&inner.to_string());
            let field = if path == "." { missing_field(&msg).unwrap_or(path) } else { path };
            ApiError::invalid_field(field, msg)
        })
    }
}

/// The path of the first string or key with a forbidden character (`drop_domain::text`).
fn forbidden_text(v: &serde_json::Value, path: &str) -> Option<String> {
    match v {
        serde_json::Value::String(s) => (!drop_domain::text::is_clean(s)).then(|| path.to_owned()),
        serde_json::Value::Array(items) => {
            items.iter().enumerate().find_map(|(i, x)| forbidden_text(x, &format!("{path}[{i}]")))
        }
        serde_json::Value::Object(m) => m.iter().find_map(|(k, x)| {
            let here = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
            if drop_domain::text::is_clean(k) {
                forbidden_text(x, &here)
            } else {
                Some(path.to_owned())
            }
        }),
        _ => None,
    }
}

/// serde's messages quote the offending value ("invalid type: integer `4791234567`"); keep what
/// was expected, drop what was sent, so no submitted value reaches a response or a log.
fn sanitize(msg: &str) -> String {
    let msg = msg.split(" at line ").next().unwrap_or(msg);
    let expected = msg.split_once(", expected ").map(|(_, e)| e);
    for kind in ["invalid type", "invalid value", "unknown variant", "invalid length"] {
        if msg.starts_with(kind) {
            return match expected {
                Some(e) => format!("{kind}, expected {e}"),
                None => kind.to_owned(),
            };
        }
    }
    msg.to_owned()
}

fn missing_field(msg: &str) -> Option<String> {
    let rest = msg.strip_prefix("missing field `")?;
    Some(rest.split('`').next()?.to_owned())
}

#[derive(Debug, Clone)]
pub struct ApiResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl ApiResponse {
    pub fn empty(status: StatusCode) -> Self {
        ApiResponse { status, headers: HeaderMap::new(), body: Bytes::new() }
    }

    pub fn with_body(status: StatusCode, content_type: &str, body: Vec<u8>) -> Self {
        let mut r = ApiResponse { status, headers: HeaderMap::new(), body: Bytes::from(body) };
        r.header("content-type", content_type);
        r
    }

    pub fn json<T: serde::Serialize>(status: StatusCode, value: &T) -> Result<Self, ApiError> {
        let body = serde_json::to_vec(value).map_err(|_| ApiError::internal())?;
        Ok(Self::with_body(status, "application/json", body))
    }

    pub fn header(&mut self, name: &str, value: &str) {
        if let (Ok(n), Ok(v)) = (http::HeaderName::try_from(name), HeaderValue::from_str(value)) {
            self.headers.append(n, v);
        }
    }
}

impl ApiError {
    pub fn to_response(&self, instance: &str) -> ApiResponse {
        let mut body = serde_json::json!({
            "type": self.type_uri(),
            "title": self.title,
            "status": self.status.as_u16(),
            "detail": self.detail,
            "instance": instance,
        });
        if let Some(f) = &self.field {
            body["field"] = serde_json::Value::String(f.clone());
        }
        let mut r = ApiResponse::with_body(self.status, "application/problem+json", body.to_string().into_bytes());
        for (k, v) in &self.headers {
            r.header(k, v);
        }
        r
    }
}

/// A check run before authentication and everything else (see [`Route::check`]).
pub type RouteCheck = fn(&ApiRequest) -> Result<(), ApiError>;

/// A [`RouteCheck`] that refuses nothing.
pub fn no_check(_: &ApiRequest) -> Result<(), ApiError> {
    Ok(())
}
