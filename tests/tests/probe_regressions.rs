//! The outside probe's findings beyond the money paths (issue 9, defects 9–16), over HTTP through
//! the local stack: money routes refuse users still onboarding; a phone number another account
//! holds gets the same answer as a free one; look-alike letters and invalid input cannot query or
//! beat the sanctions list; malformed cursors and unquotable amounts are 4xx; text with control or
//! invisible characters is refused; authenticated answers are never cached; unknown key ids do not
//! turn every request into a key reload.

use drop_tests::flow::{client, login, with_access, Session, ADULT};
use drop_tests::pay::{add_recipient, get_json, initiate, post, ready};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn problem(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let v: Value = r.json().await.unwrap();
    (status, v["type"].as_str().unwrap_or_default().trim_start_matches("https://problems.drop.no/").to_owned())
}

async fn recipient(base: &str, s: &Session, body: Value) -> reqwest::Response {
    post(base, "/api/user/recipients", s).json(&body).send().await.unwrap()
}

async fn probe(aws: bool) {
    let (stack, base) = drop_tests::flow::start(aws).await;
    // 9. Onboarding: no linking, no paying before both contacts are verified.
    let fresh = login(&base, ADULT).await.map_err(|r| r.status()).unwrap();
    assert_eq!(
        problem(post(&base, "/api/user/accounts", &fresh).send().await.unwrap()).await,
        (403, "onboarding-incomplete".into())
    );
    let r = post(&base, "/api/payment/initiate", &fresh)
        .json(&json!({"recipientId": "rcp_x", "sourceAmount": 100000, "targetCurrency": "EUR"}))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(r).await, (403, "onboarding-incomplete".into()));
    let s = ready(&base).await;
    // 10. Another account's phone number: the same 202 as a free one; no code, and its owner is told.
    let other = login(&base, "29029648784").await.map_err(|r| r.status()).unwrap();
    let register = |who: &Session, phone: &str| {
        with_access(client().post(format!("{base}/api/auth/register")), who)
            .header("x-requested-with", "fetch")
            .json(&json!({"phone": phone, "email": "other@example.no"}))
            .send()
    };
    let free = register(&other, "92345678").await.unwrap();
    let taken = register(&other, "91234567").await.unwrap();
    assert_eq!(taken.status(), StatusCode::ACCEPTED);
    assert_eq!(taken.json::<Value>().await.unwrap(), free.json::<Value>().await.unwrap());
    let msgs: Value =
        client().get(format!("{base}/_local/messages?to=%2B4791234567")).send().await.unwrap().json().await.unwrap();
    let newest = msgs[0]["body"].as_str().unwrap();
    assert!(newest.contains("another Drop account") && !newest.chars().any(|c| c.is_ascii_digit()), "{newest}");
    // Nothing else tells them apart: the profile shows a change pending, and codes fail alike.
    let profile = get_json(&base, "/api/user/profile", &other).await;
    assert_eq!(profile["pendingVerification"], true);
    for _ in 0..6 {
        let r = with_access(client().post(format!("{base}/api/auth/verify")), &other)
            .header("x-requested-with", "fetch")
            .json(&json!({"code": "123456", "channel": "sms"}))
            .send()
            .await
            .unwrap();
        assert!([400, 429].contains(&r.status().as_u16()));
    }
    // 11. Look-alike letters: blocked like the plain listed name.
    for name in ["Ivan Petrovich Sidorov", "ǀvan Petrovich Sidorov", "Ivan Petroviƈh Sidorov"] {
        let body = json!({"name": name, "country": "RU", "currency": "EUR", "accountNumber": "40817810099910004312"});
        assert_eq!(problem(recipient(&base, &s, body).await).await, (403, "recipient-blocked".into()), "{name}");
    }
    // 12. Validation first: a listed name with an invalid account gets the same 400 as anyone.
    for name in ["Olena Kovalenko", "Kari Nordmann"] {
        let r = recipient(&base, &s, json!({"name": name, "country": "DE", "currency": "EUR", "iban": "DE00"})).await;
        assert_eq!(problem(r).await, (400, "invalid-field".into()), "{name}");
    }
    // 13. Malformed cursors (and another partition's) are 400; an amount nobody serves is 422.
    let history = |cursor: &str| {
        let q: String = cursor.bytes().map(|b| format!("%{b:02X}")).collect();
        with_access(client().get(format!("{base}/api/payment/history?cursor={q}")), &s).send()
    };
    let foreign = base64_url(&json!({"pk": "USER#usr_someone", "sk": "PAY#x"}).to_string());
    for cursor in ["!!!", "e30", "bm90IGpzb24", foreign.as_str()] {
        assert_eq!(problem(history(cursor).await.unwrap()).await, (400, "invalid-field".into()), "{cursor}");
    }
    let to = add_recipient(
        &base,
        &s,
        json!({"name": "Ola Nordmann", "country": "DE", "currency": "EUR", "iban": "DE89370400440532013000"}),
    )
    .await;
    assert_eq!(problem(initiate(&base, &s, &to, 1).await).await, (422, "amount-not-served".into()));
    // 14. Control characters and bidi overrides are refused in every text field.
    for email in ["kari@example.no\r\nBcc: x@example.no", "kari\u{202E}on.elpmaxe@example.no", "ka\u{0}ri@example.no"] {
        let r = with_access(client().patch(format!("{base}/api/user/profile")), &s)
            .header("x-requested-with", "fetch")
            .json(&json!({"email": email}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{email:?}");
    }
    for name in ["Ola\u{202E}Nordmann", "Ola\nNordmann", "Ola \u{200B}Nordmann"] {
        let r = recipient(
            &base,
            &s,
            json!({"name": name, "country": "DE", "currency": "EUR", "iban": "DE89370400440532013000"}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{name:?}");
    }
    // 15. No authenticated answer may be cached, errors included.
    for path in [
        "/api/user/profile",
        "/api/user/accounts",
        "/api/user/recipients",
        "/api/payment/history",
        "/api/payment/pay_nope",
    ] {
        let r = with_access(client().get(format!("{base}{path}")), &s).send().await.unwrap();
        assert_eq!(r.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"), "{path}");
    }
    // 16. Tokens with made-up key ids: 401 over HTTP, and the verifier (counted here on its own
    // table) does not reload the keys for each of them.
    let parts: Vec<&str> = s.access.split('.').collect();
    let forged = |i: usize| {
        let header = base64_url(&json!({"alg": "RS256", "typ": "JWT", "kid": format!("made-up-{i}")}).to_string());
        format!("{header}.{}.{}", parts[1], parts[2])
    };
    let r = client().get(format!("{base}/api/user/profile")).header("authorization", format!("Bearer {}", forged(0)));
    assert_eq!(r.send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let table =
        std::sync::Arc::new(drop_adapters::counting::CountingTable::new(stack.ctx.table.clone(), calls.clone()));
    let signer = std::sync::Arc::new(drop_adapters::embedded::LocalSigner::new(stack.ctx.crypto.clone()));
    let verifier = drop_services::auth::tokens::TokenService::new(
        table,
        signer,
        stack.ctx.clock.clone(),
        stack.ctx.config.api_base_url().unwrap(),
        drop_runtime::context::TOKEN_AUDIENCE,
    );
    assert!(verifier.verify(&s.access).await.is_ok());
    let warm = calls.load(std::sync::atomic::Ordering::SeqCst);
    let started = std::time::Instant::now();
    for i in 0..200 {
        assert!(verifier.verify(&forged(i)).await.is_err());
    }
    let reloads = calls.load(std::sync::atomic::Ordering::SeqCst) - warm;
    let allowed = 1 + started.elapsed().as_secs();
    assert!(reloads <= allowed, "{reloads} key reads for 200 unknown kids in {:?}", started.elapsed());
    stack.stop().await;
}

fn base64_url(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

#[tokio::test(flavor = "multi_thread")]
async fn probe_findings_are_fixed_embedded() {
    probe(false).await;
}

#[ignore = "needs moto: tests/run.sh"]
#[tokio::test(flavor = "multi_thread")]
async fn probe_findings_are_fixed_on_aws() {
    drop_tests::aws::require();
    probe(true).await;
}
