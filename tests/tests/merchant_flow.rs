//! Merchant onboarding end to end through drop-local over HTTP, with the Enhetsregisteret and
//! BankID simulators, on SQLite and on moto: an active organisation whose daily manager signs in
//! becomes an active merchant (and only its members see it); a bankrupt, deleted or unknown
//! organisation is refused; a person without a signing role is refused; an organisation named
//! like a listed company stays pending behind an alert, and the person is not told why. A member
//! makes static and dynamic QR codes (Drop's EMVCo profile, with an SVG); nobody else can.

use drop_simulators::brreg;
use drop_tests::flow::{login, start, Session};
use drop_tests::pay::problem;
use drop_tests::pay::{get_json, post, ready};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn apply(base: &str, s: &Session, org: &str) -> reqwest::Response {
    let body = json!({"organisationNumber": org, "settlementAccount": "8601 11 17947", "mcc": "5812"});
    post(base, "/api/merchant/onboard", s).json(&body).send().await.unwrap()
}

async fn onboarding(aws: bool) {
    let (stack, base) = start(aws).await;
    let s = ready(&base).await;

    // Refused before anything is looked up.
    assert_eq!(problem(apply(&base, &s, "310000018").await).await, (StatusCode::BAD_REQUEST, "invalid-field".into()));
    let bad_account = json!({"organisationNumber": brreg::ACTIVE, "settlementAccount": "1234", "mcc": "5812"});
    let r = post(&base, "/api/merchant/onboard", &s).json(&bad_account).send().await.unwrap();
    assert_eq!(problem(r).await.0, StatusCode::BAD_REQUEST);
    // Not registered, deleted, bankrupt, being wound up.
    for org in ["310000086", brreg::DELETED, brreg::BANKRUPT, brreg::WINDING_UP] {
        let (status, kind) = problem(apply(&base, &s, org).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{org}");
        assert!(kind == "unknown-organisation" || kind == "organisation-inactive", "{org}: {kind}");
    }
    // Active, but this person holds no role there.
    assert_eq!(
        problem(apply(&base, &s, brreg::STRANGERS).await).await,
        (StatusCode::FORBIDDEN, "not-a-signatory".into())
    );

    // The daily manager onboards the organisation.
    let r = apply(&base, &s, brreg::ACTIVE).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let m: Value = r.json().await.unwrap();
    assert_eq!((m["status"].as_str(), m["name"].as_str()), (Some("active"), Some("KAFFEBAREN AS")));
    assert!(m["id"].as_str().unwrap().starts_with("mer_"));
    assert!(!m.to_string().contains("86011117947"), "the settlement account is not shown");
    assert_eq!(
        problem(apply(&base, &s, brreg::ACTIVE).await).await,
        (StatusCode::CONFLICT, "already-onboarded".into())
    );
    let mine = get_json(&base, "/api/merchant", &s).await;
    assert_eq!(mine.as_array().map(Vec::len), Some(1), "{mine}");
    assert_eq!(mine[0]["id"], m["id"]);

    // QR codes: dynamic (an amount, an expiry) and static (the payer enters the amount).
    let merchant = m["id"].as_str().unwrap().to_owned();
    let make = |body: Value| post(&base, "/api/merchant/qr", &s).json(&body).send();
    let r = make(json!({"merchantId": merchant, "amount": 14_900, "expiresInSeconds": 600})).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let dynamic: Value = r.json().await.unwrap();
    let code = drop_domain::qr::drop::read(dynamic["payload"].as_str().unwrap()).unwrap();
    assert_eq!(code.payee, drop_domain::qr::drop::Payee::Merchant(merchant.clone()));
    assert_eq!((code.amount, code.reference.as_deref()), (Some(14_900), dynamic["id"].as_str()));
    assert_eq!((code.name.as_str(), code.mcc.as_str()), ("KAFFEBAREN AS", "5812"));
    assert!(dynamic["svg"].as_str().unwrap().contains("<svg"), "an SVG rendering");
    assert_eq!((dynamic["kind"].as_str(), dynamic["status"].as_str()), (Some("dynamic"), Some("active")));
    assert!(dynamic["expiresAt"].is_string());
    let r = make(json!({"merchantId": merchant})).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let fixed: Value = r.json().await.unwrap();
    let code = drop_domain::qr::drop::read(fixed["payload"].as_str().unwrap()).unwrap();
    assert_eq!((code.amount, fixed["kind"].as_str()), (None, Some("static")));
    for bad in [
        json!({"merchantId": merchant, "amount": 0}),
        json!({"merchantId": merchant, "expiresInSeconds": 600}),
        json!({"merchantId": merchant, "amount": 100, "expiresInSeconds": 5}),
    ] {
        assert_eq!(problem(make(bad.clone()).await.unwrap()).await.0, StatusCode::BAD_REQUEST, "{bad}");
    }
    let codes = get_json(&base, &format!("/api/merchant/qr?merchantId={merchant}"), &s).await;
    let ids: Vec<&str> = codes.as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [fixed["id"].as_str().unwrap(), dynamic["id"].as_str().unwrap()], "newest first");

    // A listed name: pending, an alert for compliance, nothing said to the person.
    let r = apply(&base, &s, brreg::LISTED).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let listed: Value = r.json().await.unwrap();
    assert_eq!(listed["status"], "pending", "{listed}");
    let text = listed.to_string().to_lowercase();
    assert!(!text.contains("alert") && !text.contains("sanction") && !text.contains("screen"), "{text}");
    let alerts = drop_services::alerts::list(stack.ctx.table.as_ref(), 200).await.unwrap();
    let on_merchant: Vec<_> = alerts.iter().filter(|a| a.subject_id == listed["id"].as_str().unwrap()).collect();
    assert!(!on_merchant.is_empty(), "an alert on the pending merchant");
    assert!(on_merchant.iter().all(|a| a.subject_type == "merchant" && a.trigger == "onboarding"));
    let pending = listed["id"].as_str().unwrap();
    let r = post(&base, "/api/merchant/qr", &s).json(&json!({"merchantId": pending})).send().await.unwrap();
    assert_eq!(problem(r).await, (StatusCode::CONFLICT, "merchant-inactive".into()));

    // Another person sees none of them; membership, not the role, decides.
    let other = login(&base, drop_simulators::bankid::TEST_USERS[1].0).await.map_err(|r| r.status()).unwrap();
    let theirs = get_json(&base, "/api/merchant", &other).await;
    assert_eq!(theirs, json!([]));
    let r = post(&base, "/api/merchant/qr", &other).json(&json!({"merchantId": merchant})).send().await.unwrap();
    assert_eq!(problem(r).await.1, "onboarding-incomplete", "a person not onboarded makes no codes");
    let r = drop_tests::flow::with_access(
        drop_tests::flow::client().get(format!("{base}/api/merchant/qr?merchantId={merchant}")),
        &other,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "not a member: as if it did not exist");
    // Not onboarded with Drop yet (contacts unverified): refused before the register is asked.
    assert_eq!(problem(apply(&base, &other, brreg::ACTIVE).await).await.1, "onboarding-incomplete");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn merchant_onboarding_embedded() {
    onboarding(false).await;
}

#[ignore = "needs moto: tests/run.sh"]
#[tokio::test(flavor = "multi_thread")]
async fn merchant_onboarding_on_aws() {
    drop_tests::aws::require();
    onboarding(true).await;
}
