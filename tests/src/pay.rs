//! Paying through the local stack like the frontend: link an account (bank SCA), quote, confirm
//! under an Idempotency-Key, approve at the bank, wait for a status.

use crate::flow::{client, login, onboard, with_access, Session, ADULT};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

pub async fn ready(base: &str) -> Session {
    let s = login(base, ADULT).await.map_err(|r| r.status()).expect("login");
    onboard(base, &s).await;
    s
}

/// A problem answer's status and `type` slug (`https://problems.drop.no/<slug>`).
pub async fn problem(r: reqwest::Response) -> (StatusCode, String) {
    let status = r.status();
    let v: Value = r.json().await.unwrap_or_default();
    (status, v["type"].as_str().unwrap_or_default().trim_start_matches("https://problems.drop.no/").to_owned())
}

pub fn post(base: &str, path: &str, s: &Session) -> reqwest::RequestBuilder {
    with_access(client().post(format!("{base}{path}")), s).header("x-requested-with", "fetch")
}

pub async fn get_json(base: &str, path: &str, s: &Session) -> Value {
    with_access(client().get(format!("{base}{path}")), s).send().await.unwrap().json().await.unwrap()
}

/// The SCA binding cookies confirm set, by payment id: the part of a browser's cookie jar that
/// `follow` needs (tests share one process, so it is keyed by payment, not global).
static SCA_COOKIES: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());

fn sca_cookie(url: &str) -> Option<String> {
    let id = url.split("payment=").nth(1)?.split('&').next()?;
    SCA_COOKIES.lock().unwrap().iter().find(|(p, _)| p == id).map(|(_, c)| c.clone())
}

/// Follows a 303 chain by hand (bank → our callback) and returns the final Location. Sends the
/// SCA binding cookie to Drop's SCA callback, as the browser that confirmed would.
pub async fn follow(url: &str) -> String {
    follow_with(url, None).await
}

/// As [`follow`], with a cookie for Drop's callbacks (`name=value`).
pub async fn follow_with(url: &str, cookie: Option<&str>) -> String {
    let c = client();
    let mut url = url.to_owned();
    for _ in 0..4 {
        // The frontend is not running in tests: its URL is the answer.
        if url.starts_with("http://localhost:5173") {
            return url;
        }
        let mut req = c.get(&url);
        if let Some(cookie) = cookie.map(str::to_owned).or_else(|| sca_cookie(&url)) {
            req = req.header("cookie", cookie);
        }
        let r = req.send().await.unwrap();
        if r.status() != StatusCode::SEE_OTHER {
            return url;
        }
        url = r.headers()["location"].to_str().unwrap().to_owned();
    }
    url
}

pub async fn link_account(base: &str, s: &Session) -> String {
    let r = post(base, "/api/user/accounts", s).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let binding = crate::flow::cookie(&r, "__Host-drop_link").expect("link binding cookie");
    let sca = r.json::<Value>().await.unwrap()["scaRedirectUrl"].as_str().unwrap().to_owned();
    let done = follow_with(&format!("{sca}?sim_result=approve"), Some(&format!("__Host-drop_link={binding}"))).await;
    assert!(done.ends_with("/accounts?linked=2"), "{done}");
    let accounts = get_json(base, "/api/user/accounts", s).await;
    assert_eq!(accounts.as_array().unwrap().len(), 2);
    assert!(accounts[0]["account"].as_str().unwrap().starts_with("•"), "masked");
    accounts[0]["id"].as_str().unwrap().to_owned()
}

pub async fn initiate(base: &str, s: &Session, recipient: &str, nok_minor: i64) -> reqwest::Response {
    initiate_in(base, s, recipient, nok_minor, "EUR").await
}

pub async fn initiate_in(
    base: &str,
    s: &Session,
    recipient: &str,
    nok_minor: i64,
    currency: &str,
) -> reqwest::Response {
    post(base, "/api/payment/initiate", s)
        .json(&json!({"recipientId": recipient, "sourceAmount": nok_minor, "targetCurrency": currency}))
        .send()
        .await
        .unwrap()
}

/// Creates a recipient; returns its id.
pub async fn add_recipient(base: &str, s: &Session, body: Value) -> String {
    let r = post(base, "/api/user/recipients", s).json(&body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{body}");
    r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

/// Quote, confirm and approve at the bank; returns the payment id.
pub async fn pay_approved(base: &str, s: &Session, recipient: &str, account: &str, nok_minor: i64) -> String {
    let r = initiate(base, s, recipient, nok_minor).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["paymentId"].as_str().unwrap().to_owned();
    let c = confirm(base, s, &id, account, &ulid::Ulid::new().to_string()).await;
    assert_eq!(c.status(), StatusCode::OK, "{}", c.text().await.unwrap());
    let sca = c.json::<Value>().await.unwrap()["scaRedirectUrl"].as_str().unwrap().to_owned();
    let back = follow(&format!("{sca}?sim_result=approve")).await;
    assert!(back.contains(&format!("/payments/{id}")), "{back}");
    id
}

pub async fn confirm(base: &str, s: &Session, payment: &str, account: &str, key: &str) -> reqwest::Response {
    let r = post(base, "/api/payment/confirm", s)
        .header("idempotency-key", key)
        .json(&json!({"paymentId": payment, "accountId": account}))
        .send()
        .await
        .unwrap();
    if let Some(binding) = crate::flow::cookie(&r, "__Host-drop_sca") {
        SCA_COOKIES.lock().unwrap().push((payment.to_owned(), format!("__Host-drop_sca={binding}")));
    }
    r
}

pub async fn wait_status(base: &str, s: &Session, payment: &str, want: &str) -> Value {
    let mut last = Value::Null;
    for _ in 0..200 {
        last = get_json(base, &format!("/api/payment/{payment}"), s).await;
        if last["status"] == want {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("payment never reached {want}: {last}");
}
