//! HTTP plumbing shared by the provider clients: one reqwest client per container, built on
//! first use (building one loads the TLS roots, ~10 ms: functions that never call out do not pay
//! it at cold start), error classification (429/5xx/timeouts are transient, other 4xx are
//! rejections), amounts.

use drop_services::remit::ports::ProviderError;
use std::sync::OnceLock;
use std::time::Duration;

static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();

/// The longest one call to a partner may take, connecting included (function timeouts are sized
/// from it: `template.yaml` and its test).
pub const REQUEST_TIMEOUT_SECS: u64 = 8;

/// The container's client (connection pool shared by every provider).
pub fn shared() -> Result<&'static reqwest::Client, String> {
    if let Some(c) = CLIENT.get() {
        return Ok(c);
    }
    let c = reqwest::Client::builder()
        .timeout(Duration::from_secs(REQUEST_TIMEOUT_SECS))
        .connect_timeout(Duration::from_secs(3))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    Ok(CLIENT.get_or_init(|| c))
}

/// A request on the shared client.
pub fn request(method: reqwest::Method, url: String) -> Result<reqwest::RequestBuilder, ProviderError> {
    Ok(shared().map_err(ProviderError::Transient)?.request(method, url))
}

/// Sends and reads a JSON answer, classifying failures.
pub async fn json(req: reqwest::RequestBuilder) -> Result<serde_json::Value, ProviderError> {
    let resp = req.send().await.map_err(|e| {
        ProviderError::Transient(if e.is_timeout() { "timeout".into() } else { "connection failed".into() })
    })?;
    let status = resp.status();
    let body: serde_json::Value = resp.json().await.unwrap_or(serde_json::Value::Null);
    if status.is_success() {
        return Ok(body);
    }
    let code = body
        .pointer("/errors/0/code")
        .or_else(|| body.pointer("/tppMessages/0/code"))
        .or_else(|| body.get("error"))
        .and_then(|v| v.as_str())
        .unwrap_or("error")
        .to_owned();
    // 401/403: Drop's credentials (revoked, rotated, missing): retry once they are fixed; never
    // a refusal of the payment (which would fail and refund it).
    if matches!(status.as_u16(), 401 | 403 | 408 | 429) || status.is_server_error() {
        Err(ProviderError::Transient(format!("{} {code}", status.as_u16())))
    } else {
        Err(ProviderError::Rejected(format!("{} {code}", status.as_u16())))
    }
}

/// A decimal amount (JSON number or string) in minor units of a currency, rounded half away
/// from zero.
pub fn minor(v: &serde_json::Value, exponent: u32) -> Option<i64> {
    let x = v.as_f64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))?;
    Some((x * 10f64.powi(exponent as i32)).round() as i64)
}

/// Minor units as a decimal string (`150000`, 2 → `"1500.00"`).
pub fn decimal(minor: i64, exponent: u32) -> String {
    if exponent == 0 {
        return minor.to_string();
    }
    let d = 10i64.pow(exponent);
    format!("{}{}.{:0w$}", if minor < 0 { "-" } else { "" }, minor.abs() / d, minor.abs() % d, w = exponent as usize)
}

/// Seconds from now until an RFC 3339 time (0 if unreadable).
pub fn epoch(v: &serde_json::Value) -> Option<i64> {
    v.as_str().and_then(drop_domain::time::parse_rfc3339).map(|t| t.unix_timestamp())
}

/// Characters kept as they are in a form-encoded value (RFC 3986 unreserved).
const FORM: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// `application/x-www-form-urlencoded` encoding of one value.
pub fn form_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, FORM).to_string()
}

/// A form body of name/value pairs.
pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("{k}={}", form_encode(v))).collect::<Vec<_>>().join("&")
}
