//! Session cookies. The access token lives in `__Host-drop_at` (every path, Lax); the refresh
//! token in `__Secure-drop_rt`, sent only to `/api/auth` and only same-site (Strict).

use http::HeaderMap;

pub const ACCESS: &str = "__Host-drop_at";
pub const REFRESH: &str = "__Secure-drop_rt";

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
}
