//! Session cookies. The access token lives in `__Host-drop_at` (every path, Lax); the refresh
//! token in `__Secure-drop_rt`, sent only to `/api/auth` and only same-site (Strict).

use http::HeaderMap;

pub const ACCESS: &str = "__Host-drop_at";
pub const REFRESH: &str = "__Secure-drop_rt";

/// Flow bindings: the browser that started a redirect flow (BankID login, account linking, a
/// payment's SCA) holds a hash of its state, and the callback is honoured only from that browser
/// (login CSRF: a callback URL replayed in another browser does nothing). `__Host-` cookies cannot
/// be set by another site or subdomain; `Lax`, because the callback is a top-level redirect from
/// the bank or BankID.
pub const LOGIN_FLOW: &str = "__Host-drop_login";
pub const LINK_FLOW: &str = "__Host-drop_link";
pub const SCA_FLOW: &str = "__Host-drop_sca";
/// Where a login returns to when it is not the frontend: `console` (the compliance console, served
/// by the API). A hint from the browser that started the login, read from an allow-list only.
pub const LOGIN_RETURN: &str = "__Host-drop_return";
/// Longer than any state lives (login 10 minutes, link and SCA 30).
pub const FLOW_MAX_AGE: i64 = 1800;

fn binding(state: &str) -> String {
    drop_services::digest::sha256_hex(format!("drop-flow\0{state}").as_bytes())
}

/// The `Set-Cookie` that binds a flow's state to this browser.
pub fn bind(name: &str, state: &str) -> String {
    format!("{name}={}; Path=/; Max-Age={FLOW_MAX_AGE}; HttpOnly; Secure; SameSite=Lax", binding(state))
}

/// The value binding a flow whose state is not secret (a payment's SCA: its id is in URLs and
/// histories): an HMAC under Drop's cursor key, so only Drop can make it.
async fn keyed_binding(
    key: &drop_services::secrets::rotating::RotatingKey,
    name: &str,
    state: &str,
    now: i64,
) -> Result<String, drop_services::secrets::SecretError> {
    key.sign(format!("drop-flow-keyed\0{name}\0{state}").as_bytes(), now).await
}

/// The `Set-Cookie` that binds a flow with a public state to this browser ([`keyed_binding`]).
pub async fn bind_keyed(
    key: &drop_services::secrets::rotating::RotatingKey,
    name: &str,
    state: &str,
    now: i64,
) -> Result<String, drop_services::secrets::SecretError> {
    let value = keyed_binding(key, name, state, now).await?;
    Ok(format!("{name}={value}; Path=/; Max-Age={FLOW_MAX_AGE}; HttpOnly; Secure; SameSite=Lax"))
}

/// Whether the request comes from the browser a public state was bound to.
pub async fn is_bound_keyed(
    key: &drop_services::secrets::rotating::RotatingKey,
    headers: &HeaderMap,
    name: &str,
    state: &str,
    now: i64,
) -> Result<bool, drop_services::secrets::SecretError> {
    let Some(value) = get(headers, name) else { return Ok(false) };
    key.verify(format!("drop-flow-keyed\0{name}\0{state}").as_bytes(), &value, now).await
}

/// Whether the request comes from the browser the state was bound to.
pub fn is_bound(headers: &HeaderMap, name: &str, state: &str) -> bool {
    get(headers, name).is_some_and(|v| drop_services::auth::ct_eq(v.as_bytes(), binding(state).as_bytes()))
}

/// The `Set-Cookie` that sends this browser's login back to `target` (an allow-listed name).
pub fn return_to(target: &str) -> String {
    format!("{LOGIN_RETURN}={target}; Path=/; Max-Age={FLOW_MAX_AGE}; HttpOnly; Secure; SameSite=Lax")
}

/// Clears a flow binding (the flow is over).
pub fn unbind(name: &str) -> String {
    format!("{name}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax")
}

/// The value of one cookie of the request.
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all("cookie").iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then(|| v.to_owned())
    })
}

pub fn access(token: &str, max_age: i64) -> String {
    format!("{ACCESS}={token}; Path=/; Max-Age={max_age}; HttpOnly; Secure; SameSite=Lax")
}

pub fn refresh(token: &str, max_age: i64) -> String {
    format!("{REFRESH}={token}; Path=/api/auth; Max-Age={max_age}; HttpOnly; Secure; SameSite=Strict")
}

pub fn clear() -> [String; 2] {
    [
        format!("{ACCESS}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax"),
        format!("{REFRESH}=; Path=/api/auth; Max-Age=0; HttpOnly; Secure; SameSite=Strict"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies() {
        let mut h = HeaderMap::new();
        h.append("cookie", "a=1; __Host-drop_at=tok.en.x; b=2".parse().unwrap());
        h.append("cookie", "__Secure-drop_rt=r".parse().unwrap());
        assert_eq!(get(&h, ACCESS).as_deref(), Some("tok.en.x"));
        assert_eq!(get(&h, REFRESH).as_deref(), Some("r"));
        assert_eq!(get(&h, "c"), None);
        assert!(access("t", 900).contains("HttpOnly; Secure; SameSite=Lax"));
        assert!(refresh("t", 60).contains("Path=/api/auth"));
    }

    #[test]
    fn flow_bindings_match_only_their_state() {
        let set = bind(LOGIN_FLOW, "state-1");
        assert!(set.starts_with("__Host-drop_login=") && set.contains("Secure; SameSite=Lax"));
        let value = set.split(';').next().unwrap().to_owned();
        let mut h = HeaderMap::new();
        h.append("cookie", value.parse().unwrap());
        assert!(is_bound(&h, LOGIN_FLOW, "state-1"));
        assert!(!is_bound(&h, LOGIN_FLOW, "state-2"));
        assert!(!is_bound(&h, LINK_FLOW, "state-1"));
        assert!(!is_bound(&HeaderMap::new(), LOGIN_FLOW, "state-1"));
    }
}
