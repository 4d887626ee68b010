//! Driving the local stack like the frontend: BankID login through the simulator, onboarding.

use drop_local::Stack;
use reqwest::redirect::Policy;
use reqwest::StatusCode;

pub const ADULT: &str = "13097248022";
pub const PHONE: &str = "+4791234567";
pub const EMAIL: &str = "kari.test@example.no";

#[derive(Clone)]
pub struct Session {
    pub access: String,
    pub refresh: String,
    pub location: String,
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(Policy::none()).build().unwrap()
}

pub fn cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find_map(|c| {
        let (k, rest) = c.split_once('=')?;
        (k == name).then(|| rest.split(';').next().unwrap_or_default().to_owned())
    })
}

/// init → BankID authorize with `sim_nnin` → callback. Ok(session) or Err(the callback response).
pub async fn login(base: &str, nnin: &str) -> Result<Session, reqwest::Response> {
    let c = client();
    let init = c.post(format!("{base}/api/auth/bankid/init")).send().await.unwrap();
    // The browser keeps the login's binding cookie and sends it back with the callback.
    let binding = cookie(&init, "__Host-drop_login").expect("login binding cookie");
    let init: serde_json::Value = init.json().await.unwrap();
    let url = init["authorizeUrl"].as_str().expect("authorizeUrl").to_owned();
    assert!(url.contains("code_challenge_method=S256") && url.contains("state=") && url.contains("nonce="));
    let auth = c.get(format!("{url}&sim_nnin={nnin}")).send().await.unwrap();
    assert_eq!(auth.status(), StatusCode::SEE_OTHER);
    let callback = auth.headers()["location"].to_str().unwrap().to_owned();
    assert!(callback.starts_with(base), "{callback}");
    let resp = c.get(&callback).header("cookie", format!("__Host-drop_login={binding}")).send().await.unwrap();
    if resp.status() != StatusCode::SEE_OTHER {
        return Err(resp);
    }
    Ok(Session {
        access: cookie(&resp, "__Host-drop_at").expect("access cookie"),
        refresh: cookie(&resp, "__Secure-drop_rt").expect("refresh cookie"),
        location: resp.headers()["location"].to_str().unwrap().to_owned(),
    })
}

pub fn with_access(rb: reqwest::RequestBuilder, s: &Session) -> reqwest::RequestBuilder {
    rb.header("cookie", format!("__Host-drop_at={}", s.access))
}

pub async fn start(aws: bool) -> (Stack, String) {
    start_with(crate::local_options(aws)).await
}

pub async fn start_with(opts: drop_local::Options) -> (Stack, String) {
    let stack = Stack::start(opts).await.unwrap();
    let base = format!("http://{}", stack.addr);
    (stack, base)
}

pub async fn onboard(base: &str, s: &Session) {
    onboard_with(base, s, "91 23 45 67", PHONE, EMAIL).await
}

/// Registers these contacts (the phone as typed, and in E.164) and verifies them.
pub async fn onboard_with(base: &str, s: &Session, typed: &str, phone: &str, email: &str) {
    let c = client();
    let r = with_access(c.post(format!("{base}/api/auth/register")), s)
        .header("x-requested-with", "fetch")
        .json(&serde_json::json!({"phone": typed, "email": email}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED, "{}", r.text().await.unwrap());
    let code_to = |to: String| {
        let c = c.clone();
        async move {
            let msgs: serde_json::Value =
                c.get(format!("{base}/_local/messages?to={to}")).send().await.unwrap().json().await.unwrap();
            let body = msgs[0]["body"].as_str().expect("a code was sent").to_owned();
            let code: String = body.chars().filter(char::is_ascii_digit).take(6).collect();
            assert_eq!(code.len(), 6, "{body}");
            code
        }
    };
    let sms = code_to(format!("%2B{}", &phone[1..])).await;
    let mail = code_to(email.replace('@', "%40")).await;
    let verify = |code: &str, channel: &str| {
        with_access(c.post(format!("{base}/api/auth/verify")), s)
            .header("x-requested-with", "fetch")
            .json(&serde_json::json!({"code": code, "channel": channel}))
            .send()
    };
    // A wrong code first: refused, and counted. The e-mail's code does not verify the phone.
    let wrong = if sms == "000000" { "111111" } else { "000000" };
    assert_eq!(verify(wrong, "sms").await.unwrap().status(), StatusCode::BAD_REQUEST);
    if mail != sms {
        assert_eq!(verify(&mail, "sms").await.unwrap().status(), StatusCode::BAD_REQUEST);
    }
    let r = verify(&sms, "sms").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!((p["phoneVerified"].as_bool(), p["emailVerified"].as_bool()), (Some(true), Some(false)));
    assert_eq!(p["status"], "onboarding", "one verified contact is not enough");
    let r = verify(&mail, "email").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(p["status"], "active");
    assert_eq!(p["phone"], phone);
    assert_eq!(p["phoneVerified"], true);
    assert_eq!(p["emailVerified"], true);
    assert_eq!(p["email"], email);
}

/// Every stored string of both tables, SQLite or DynamoDB.
pub async fn stored_text(stack: &Stack, aws: bool) -> String {
    if aws {
        let client = aws_sdk_dynamodb::Client::new(&crate::aws::config().await);
        let mut all = String::new();
        for table in [&stack.ctx.config.table_name, &stack.ctx.config.audit_table_name] {
            let mut start = None;
            loop {
                let out = client.scan().table_name(table).set_exclusive_start_key(start).send().await.unwrap();
                for item in out.items() {
                    all.push_str(&format!("{item:?}\n"));
                }
                match out.last_evaluated_key() {
                    Some(k) if !k.is_empty() => start = Some(k.clone()),
                    _ => break,
                }
            }
        }
        all
    } else {
        let conn = rusqlite::Connection::open(&stack.ctx.config.db_path).unwrap();
        let mut st = conn.prepare("SELECT pk || ' ' || sk || ' ' || body FROM items").unwrap();
        let rows: Vec<String> = st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        rows.join("\n")
    }
}

/// One stored item: its table (`main` or `audit`), key and string attributes.
#[derive(Debug, Clone)]
pub struct Stored {
    pub table: String,
    pub pk: String,
    pub sk: String,
    pub strings: std::collections::BTreeMap<String, String>,
}

/// Every item of both tables, SQLite or DynamoDB (a scan: for tests only).
pub async fn stored_items(stack: &Stack, aws: bool) -> Vec<Stored> {
    let tables = [("main", &stack.ctx.config.table_name), ("audit", &stack.ctx.config.audit_table_name)];
    let mut out = Vec::new();
    if aws {
        let client = aws_sdk_dynamodb::Client::new(&crate::aws::config().await);
        for (which, table) in tables {
            let mut start = None;
            loop {
                let page = client.scan().table_name(table).set_exclusive_start_key(start).send().await.unwrap();
                for item in page.items() {
                    let strings: std::collections::BTreeMap<String, String> =
                        item.iter().filter_map(|(k, v)| Some((k.clone(), v.as_s().ok()?.clone()))).collect();
                    let (pk, sk) = (strings["pk"].clone(), strings["sk"].clone());
                    out.push(Stored { table: which.into(), pk, sk, strings });
                }
                match page.last_evaluated_key() {
                    Some(k) if !k.is_empty() => start = Some(k.clone()),
                    _ => break,
                }
            }
        }
    } else {
        let conn = rusqlite::Connection::open(&stack.ctx.config.db_path).unwrap();
        for (which, table) in tables {
            let mut st = conn.prepare("SELECT pk, sk, body FROM items WHERE tbl = ?1").unwrap();
            let rows = st.query_map([table], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, String>(2)?))).unwrap();
            for row in rows {
                let (pk, sk, body): (String, String, String) = row.unwrap();
                let attrs: std::collections::BTreeMap<String, drop_services::table::Value> =
                    serde_json::from_str(&body).unwrap();
                let strings = attrs.into_iter().filter_map(|(k, v)| Some((k, v.as_s()?.to_owned()))).collect();
                out.push(Stored { table: which.into(), pk, sk, strings });
            }
        }
    }
    out
}
