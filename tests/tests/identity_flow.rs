//! Identity and access end to end through the local stack over HTTP, with the BankID simulator:
//! login, onboarding, refusals, token attacks, refresh rotation and reuse, CSRF, rate limits,
//! RBAC, key rotation, the audit chain, and no plaintext PII at rest (SQLite and DynamoDB).

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use drop_local::Stack;
use drop_services::audit::{self, Verdict};
use drop_services::auth::jwt;
use drop_tests::flow::{client, cookie, login, onboard, start, stored_text, with_access, ADULT, EMAIL};
use reqwest::StatusCode;
use std::sync::Arc;

const CHILD: &str = "15021951940";

async fn full_flow(aws: bool) {
    let (stack, base) = start(aws).await;
    let c = client();
    let s = login(&base, ADULT).await.map_err(|r| r.status()).expect("adult logs in");
    assert!(s.location.ends_with("/onboarding"), "{}", s.location);
    let r = with_access(c.get(format!("{base}/api/user/profile")), &s).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(p["status"], "onboarding");
    assert_eq!(p["birthdate"], "1972-09-13");
    let given = p["givenName"].as_str().unwrap().to_owned();
    let family = p["familyName"].as_str().unwrap().to_owned();
    let user_id = p["userId"].as_str().unwrap().to_owned();
    onboard(&base, &s).await;
    // The same person again: the same user, now straight to the dashboard.
    let again = login(&base, ADULT).await.map_err(|r| r.status()).unwrap();
    assert!(again.location.ends_with("/dashboard"), "{}", again.location);
    let p: serde_json::Value =
        with_access(c.get(format!("{base}/api/user/profile")), &again).send().await.unwrap().json().await.unwrap();
    assert_eq!(p["userId"], user_id.as_str());
    // Settings round trip.
    let settings = serde_json::json!({"language": "en", "notifications": {"email": true, "sms": false, "push": true}, "marketingConsent": false});
    let r = with_access(c.put(format!("{base}/api/user/settings")), &again)
        .header("x-requested-with", "fetch")
        .json(&settings)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let got: serde_json::Value =
        with_access(c.get(format!("{base}/api/user/settings")), &again).send().await.unwrap().json().await.unwrap();
    assert_eq!(got, settings);
    // The audit chain of this user holds the logins and the verification, intact.
    match audit::verify(stack.ctx.audit.as_ref(), &user_id).await.unwrap() {
        Verdict::Intact { entries } => assert!(entries >= 4, "{entries}"),
        other => panic!("{other:?}"),
    }
    // No plaintext PII anywhere at rest.
    let text = stored_text(&stack, aws).await;
    assert!(text.contains("USER#"), "the scan saw the data");
    for pii in [ADULT, "91234567", EMAIL, "kari.test", &given, &family, "1972-09-13"] {
        assert!(!text.contains(pii), "plaintext {pii} stored");
    }
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn login_onboarding_and_no_plaintext_pii_embedded() {
    full_flow(false).await;
}

#[ignore = "needs moto: tests/run.sh"]
#[tokio::test(flavor = "multi_thread")]
async fn login_onboarding_and_no_plaintext_pii_on_dynamodb() {
    drop_tests::aws::require();
    full_flow(true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn under_18_and_non_residents_are_refused_and_not_created() {
    let (stack, base) = start(false).await;
    for (nnin, kind) in [(CHILD, "underage"), ("53097248016", "not-resident")] {
        let resp = login(&base, nnin).await.err().expect("refused");
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        assert!(resp.headers().get("set-cookie").is_none());
        let v: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(v["type"], format!("https://problems.drop.no/{kind}"));
    }
    let text = stored_text(&stack, false).await;
    assert!(!text.contains("USER#") && !text.contains("NIN#"), "no user was created");
    // The refusals are audited (system chain), without the number.
    let entries = audit::read_chain(stack.ctx.audit.as_ref(), "SYSTEM").await.unwrap();
    assert_eq!(entries.iter().filter(|e| e.action == "login.failure").count(), 2);
    assert!(!format!("{entries:?}").contains(CHILD));
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn replayed_login_state_and_wrong_pkce_are_refused() {
    let (stack, base) = start(false).await;
    let c = client();
    let init = c.post(format!("{base}/api/auth/bankid/init")).send().await.unwrap();
    let binding = format!("__Host-drop_login={}", drop_tests::flow::cookie(&init, "__Host-drop_login").unwrap());
    let init: serde_json::Value = init.json().await.unwrap();
    let auth = c.get(format!("{}&sim_nnin={ADULT}", init["authorizeUrl"].as_str().unwrap())).send().await.unwrap();
    let callback = auth.headers()["location"].to_str().unwrap().to_owned();
    // Login CSRF: the callback in a browser that did not start the login (no binding cookie, or
    // another login's) gets no session, and the state stays usable by its own browser.
    let other = c.post(format!("{base}/api/auth/bankid/init")).send().await.unwrap();
    let other = format!("__Host-drop_login={}", drop_tests::flow::cookie(&other, "__Host-drop_login").unwrap());
    for cookie in [None, Some(other)] {
        let mut req = c.get(&callback);
        if let Some(cookie) = cookie {
            req = req.header("cookie", cookie);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(drop_tests::flow::cookie(&r, "__Host-drop_at").is_none());
        assert_eq!(
            r.json::<serde_json::Value>().await.unwrap()["type"],
            "https://problems.drop.no/login-not-started-here"
        );
    }
    assert_eq!(c.get(&callback).header("cookie", &binding).send().await.unwrap().status(), StatusCode::SEE_OTHER);
    // The same callback again: state is one-time.
    let again = c.get(&callback).header("cookie", &binding).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    // A state nobody issued.
    let forged = c.get(format!("{base}/api/auth/bankid/callback?code=x&state=forged")).send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN, "a state nobody bound to this browser");
    stack.stop().await;
}

/// Signs arbitrary claims with the stack's current signing key (the local signer).
async fn sign_with_real_key(stack: &Stack, kid_override: Option<&str>, claims: serde_json::Value) -> String {
    let keys = drop_services::auth::signing::active_keys(stack.ctx.table.as_ref()).await.unwrap();
    let key = &keys[0];
    let signer = drop_adapters::embedded::LocalSigner::new(stack.ctx.crypto.clone());
    let header = jwt::Header {
        alg: "RS256".into(),
        kid: Some(kid_override.unwrap_or(&key.kid).to_owned()),
        typ: Some("JWT".into()),
    };
    let input = jwt::signing_input(&header, &claims);
    use drop_services::auth::signing::TokenSigner;
    let sig = signer.sign(&key.kid, &key.handle, input.as_bytes()).await.unwrap();
    jwt::assemble(&input, &sig)
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_tokens_are_401() {
    let (stack, base) = start(false).await;
    let s = login(&base, ADULT).await.map_err(|r| r.status()).unwrap();
    let c = client();
    let ok = c.get(format!("{base}/api/user/profile")).bearer_auth(&s.access).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK, "a valid Bearer token works");
    let parsed = jwt::parse(&s.access).unwrap();
    let mut claims = parsed.claims.clone();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    // Tampered: claims changed, signature kept.
    let parts: Vec<&str> = s.access.split('.').collect();
    let mut tampered = claims.clone();
    tampered["role"] = "admin".into();
    let tampered = format!("{}.{}.{}", parts[0], B64.encode(tampered.to_string()), parts[2]);
    // Expired, with a genuine signature.
    claims["iat"] = (now - 3600).into();
    claims["exp"] = (now - 1800).into();
    let expired = sign_with_real_key(&stack, None, claims.clone()).await;
    // Unknown kid, genuine signature.
    claims["iat"] = now.into();
    claims["exp"] = (now + 600).into();
    let unknown_kid = sign_with_real_key(&stack, Some("k-unknown"), claims.clone()).await;
    // Wrong audience.
    let mut aud = claims.clone();
    aud["aud"] = "someone-else".into();
    let wrong_aud = sign_with_real_key(&stack, None, aud).await;
    // alg none.
    let none = format!(
        "{}.{}.",
        B64.encode(format!(r#"{{"alg":"none","kid":"{}"}}"#, parsed.header.kid.clone().unwrap())),
        parts[1]
    );
    // HS256 keyed with the public key (the algorithm-confusion attack).
    let jwks: serde_json::Value =
        c.get(format!("{base}/.well-known/jwks.json")).send().await.unwrap().json().await.unwrap();
    let public_n = jwks["keys"][0]["n"].as_str().unwrap().to_owned();
    let hs_input = format!(
        "{}.{}",
        B64.encode(format!(r#"{{"alg":"HS256","kid":"{}"}}"#, parsed.header.kid.clone().unwrap())),
        parts[1]
    );
    use hmac::Mac;
    let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(public_n.as_bytes()).unwrap();
    mac.update(hs_input.as_bytes());
    let hs256 = format!("{hs_input}.{}", B64.encode(mac.finalize().into_bytes()));
    for (name, token) in [
        ("tampered", tampered),
        ("expired", expired),
        ("unknown kid", unknown_kid),
        ("wrong aud", wrong_aud),
        ("alg none", none),
        ("HS256 with public key", hs256),
        ("garbage", "not.a.token".into()),
    ] {
        let r = c.get(format!("{base}/api/user/profile")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{name}");
        let r = c
            .get(format!("{base}/api/user/profile"))
            .header("cookie", format!("__Host-drop_at={token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{name} (cookie)");
    }
    assert_eq!(c.get(format!("{base}/api/user/profile")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    stack.stop().await;
}

async fn refresh(base: &str, rt: &str) -> reqwest::Response {
    client()
        .post(format!("{base}/api/auth/refresh"))
        .header("cookie", format!("__Secure-drop_rt={rt}"))
        .header("x-requested-with", "fetch")
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let (stack, base) = start(false).await;
    let s = login(&base, ADULT).await.map_err(|r| r.status()).unwrap();
    let r1 = refresh(&base, &s.refresh).await;
    assert_eq!(r1.status(), StatusCode::OK);
    let rt2 = cookie(&r1, "__Secure-drop_rt").unwrap();
    let at2 = cookie(&r1, "__Host-drop_at").unwrap();
    assert_ne!(rt2, s.refresh);
    let r2 = refresh(&base, &rt2).await;
    assert_eq!(r2.status(), StatusCode::OK);
    let rt3 = cookie(&r2, "__Secure-drop_rt").unwrap();
    // The first token again: reuse. The family is revoked, the newest token too.
    let replay = refresh(&base, &s.refresh).await;
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
    let v: serde_json::Value = replay.json().await.unwrap();
    assert_eq!(v["type"], "https://problems.drop.no/session-revoked");
    assert_eq!(refresh(&base, &rt3).await.status(), StatusCode::UNAUTHORIZED);
    // The access tokens of the revoked family stop working at once, not when they expire.
    for at in [&s.access, &at2] {
        let profile = client().get(format!("{base}/api/user/profile")).header("cookie", format!("__Host-drop_at={at}"));
        assert_eq!(profile.send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
    // Without the CSRF header the refresh is refused outright.
    let r = client()
        .post(format!("{base}/api/auth/refresh"))
        .header("cookie", format!("__Secure-drop_rt={rt3}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The reuse is audited on the user's chain.
    let user = drop_services::auth::jwt::parse(&at2).unwrap().claims["sub"].as_str().unwrap().to_owned();
    let entries = audit::read_chain(stack.ctx.audit.as_ref(), &user).await.unwrap();
    assert!(entries.iter().any(|e| e.action == "token.reuse"), "{entries:?}");
    // Logout ends a fresh session.
    let s2 = login(&base, ADULT).await.map_err(|r| r.status()).unwrap();
    let out = client()
        .post(format!("{base}/api/auth/logout"))
        .header("cookie", format!("__Secure-drop_rt={}", s2.refresh))
        .header("x-requested-with", "fetch")
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert!(out.headers().get_all("set-cookie").iter().any(|c| c.to_str().unwrap().contains("Max-Age=0")));
    assert_eq!(refresh(&base, &s2.refresh).await.status(), StatusCode::UNAUTHORIZED);
    let profile =
        client().get(format!("{base}/api/user/profile")).header("cookie", format!("__Host-drop_at={}", s2.access));
    assert_eq!(profile.send().await.unwrap().status(), StatusCode::UNAUTHORIZED, "logout ends the access token");
    // A bearer-only client logs out with its access token.
    let s3 = login(&base, ADULT).await.map_err(|r| r.status()).unwrap();
    let bearer =
        || client().get(format!("{base}/api/user/profile")).header("authorization", format!("Bearer {}", s3.access));
    assert_eq!(bearer().send().await.unwrap().status(), StatusCode::OK);
    let out = client()
        .post(format!("{base}/api/auth/logout"))
        .header("authorization", format!("Bearer {}", s3.access))
        .header("x-requested-with", "fetch")
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert_eq!(bearer().send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn csrf_header_required_for_cookie_changes() {
    let (stack, base) = start(false).await;
    let s = login(&base, ADULT).await.map_err(|r| r.status()).unwrap();
    let c = client();
    let body = serde_json::json!({"email": EMAIL});
    let r = with_access(c.patch(format!("{base}/api/user/profile")), &s).json(&body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["type"], "https://problems.drop.no/csrf");
    let r = with_access(c.patch(format!("{base}/api/user/profile")), &s)
        .header("x-requested-with", "fetch")
        .header("origin", "https://evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "a foreign Origin is refused");
    let r = with_access(c.patch(format!("{base}/api/user/profile")), &s)
        .header("x-requested-with", "fetch")
        .header("origin", "http://localhost:5173")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    // A Bearer token is not ambient: no CSRF header needed.
    let r = c.patch(format!("{base}/api/user/profile")).bearer_auth(&s.access).json(&body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_burst_past_the_limit_is_429_with_retry_after() {
    let (stack, base) = start(false).await;
    let c = client();
    let mut limited = None;
    for _ in 0..40 {
        let r = c.post(format!("{base}/api/auth/bankid/init")).send().await.unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(r);
            break;
        }
        assert_eq!(r.status(), StatusCode::OK);
    }
    let r = limited.expect("the login limit (20/min per IP) was reached");
    let retry: i64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_role_is_403_and_every_route_declares_its_access() {
    use drop_runtime::function::{Access, LimitClass};
    use drop_runtime::http::Route;
    let (stack, _base) = start(false).await;
    let role = drop_domain::role::Role::User;
    let now = stack.ctx.clock.epoch();
    let (session, _) = drop_services::auth::refresh::start(stack.ctx.table.as_ref(), "usr_x", role, now).await.unwrap();
    let token = stack
        .ctx
        .tokens()
        .unwrap()
        .issue(&drop_services::auth::tokens::Principal { user_id: "usr_x".into(), role, sid: session.family })
        .await
        .unwrap();
    fn ok(
        _: Arc<drop_runtime::Ctx>,
        _: drop_runtime::ApiRequest,
    ) -> futures::future::BoxFuture<'static, Result<drop_runtime::ApiResponse, drop_runtime::ApiError>> {
        Box::pin(async { Ok(drop_runtime::ApiResponse::empty(http::StatusCode::OK)) })
    }
    let admin_only = Route {
        access: Access::Roles(&[drop_domain::role::Role::Admin]),
        limit: LimitClass::Default,
        check: drop_runtime::http::no_check,
    };
    let mut req = drop_runtime::ApiRequest::new(http::Method::GET, "/api/admin/x");
    req.headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
    let r = drop_runtime::http::handle(stack.ctx.clone(), "t", admin_only, ok, req.clone()).await;
    assert_eq!(r.status, http::StatusCode::FORBIDDEN);
    let user_ok = Route {
        access: Access::Roles(&[drop_domain::role::Role::User]),
        limit: LimitClass::Default,
        check: drop_runtime::http::no_check,
    };
    assert_eq!(drop_runtime::http::handle(stack.ctx.clone(), "t", user_ok, ok, req).await.status, http::StatusCode::OK);
    // The public routes are exactly these; every other route needs a role or the refresh cookie.
    let public: Vec<&str> = drop_functions::registry::FUNCTIONS
        .iter()
        .filter_map(|f| match f.kind {
            drop_runtime::Kind::Http { access: Access::Public, path, .. } => Some(path),
            _ => None,
        })
        .collect();
    assert_eq!(
        public,
        [
            "/api/health",
            "/api/openapi.json",
            "/api/auth/bankid/init",
            "/api/auth/bankid/callback",
            "/.well-known/jwks.json",
            "/api/user/accounts/callback",
            "/api/payment/sca-callback",
            "/api/webhooks/wise",
            "/api/webhooks/thunes",
            // Authenticated by the secret Drop made for the payment (`qr_settle`).
            "/api/webhooks/nexi",
            "/api/webhooks/swan",
            // The compliance console's static page (its data is behind the admin role).
            "/console",
            "/console/assets/{file}",
        ]
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn key_rotation_keeps_sessions_and_jwks_serves_both_keys() {
    let (stack, base) = start(false).await;
    let s = login(&base, ADULT).await.map_err(|r| r.status()).unwrap();
    let c = client();
    let before: serde_json::Value =
        c.get(format!("{base}/.well-known/jwks.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(before["keys"].as_array().unwrap().len(), 1);
    let r = c.post(format!("{base}/_local/schedules/signing-key-rotation")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let after: serde_json::Value =
        c.get(format!("{base}/.well-known/jwks.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(after["keys"].as_array().unwrap().len(), 2, "current and previous");
    // A token signed before the rotation still works; new tokens use the new key.
    assert_eq!(
        with_access(c.get(format!("{base}/api/user/profile")), &s).send().await.unwrap().status(),
        StatusCode::OK
    );
    let fresh = refresh(&base, &s.refresh).await;
    let at = cookie(&fresh, "__Host-drop_at").unwrap();
    assert_ne!(jwt::parse(&at).unwrap().header.kid, jwt::parse(&s.access).unwrap().header.kid);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn audit_chain_detects_a_changed_or_deleted_entry() {
    let (stack, base) = start(false).await;
    let s = login(&base, ADULT).await.map_err(|r| r.status()).unwrap();
    login(&base, ADULT).await.map_err(|r| r.status()).unwrap();
    login(&base, ADULT).await.map_err(|r| r.status()).unwrap();
    let user = jwt::parse(&s.access).unwrap().claims["sub"].as_str().unwrap().to_owned();
    let t = stack.ctx.audit.clone();
    assert_eq!(audit::verify(t.as_ref(), &user).await.unwrap(), Verdict::Intact { entries: 3 });
    let key = drop_services::table::Key::new(audit::chain_pk(&user), "000000000002");
    let original = t.get(&key).await.unwrap().unwrap();
    let mut changed = original.clone();
    changed.set("actor", "someone-else");
    t.put(changed, None).await.unwrap();
    assert_eq!(
        audit::verify(t.as_ref(), &user).await.unwrap(),
        Verdict::Broken { at_seq: 2, reason: "entry was changed" }
    );
    t.put(original, None).await.unwrap();
    assert_eq!(audit::verify(t.as_ref(), &user).await.unwrap(), Verdict::Intact { entries: 3 });
    t.delete(&key, None).await.unwrap();
    assert_eq!(audit::verify(t.as_ref(), &user).await.unwrap(), Verdict::Broken { at_seq: 2, reason: "entry missing" });
    let last = drop_services::table::Key::new(audit::chain_pk(&user), "000000000003");
    t.delete(&last, None).await.unwrap();
    assert!(matches!(audit::verify(t.as_ref(), &user).await.unwrap(), Verdict::Broken { .. }));
    stack.stop().await;
}
