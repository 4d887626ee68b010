//! Sequential table round trips per route (main and audit table), counted by a `Table`
//! decorator while one user goes through login, onboarding, linking, a recipient, a quote, a
//! confirmation and the SCA return. Prints the figures (`-- --nocapture`) and holds each route to
//! a budget, so a change that adds round trips to a hot path fails here. Authenticated routes read
//! the session (logout ends it at once) concurrently with the per-user rate-limit counter: one
//! more call, no more sequential wait.

use drop_tests::flow::{client, cookie, start_with, with_access, ADULT, EMAIL, PHONE};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// A route's round trips count only if it answered as it should.
#[track_caller]
fn ok(r: reqwest::Response, status: u16) -> reqwest::Response {
    assert_eq!(r.status().as_u16(), status, "{}", r.url());
    r
}

/// Swan's webhook body for a transaction.
fn hook_body(tx: &str) -> Value {
    json!({"eventType": "Transaction.Booked", "eventId": "round-trips-1", "eventDate": "2026-12-02T10:00:00.000Z",
        "projectId": drop_simulators::swan::PROJECT_ID, "resourceId": tx})
}

#[tokio::test(flavor = "multi_thread")]
async fn round_trips_per_route() {
    let mut opts = drop_tests::local_options(false);
    opts.env.insert("DROP_COUNT_TABLE_CALLS".into(), "true".into());
    // Background work (relay, pollers) only at start, so it does not blur the counts.
    opts.poll_every = Duration::from_secs(3600);
    let (stack, base) = start_with(opts).await;
    // Steady state: a signing key exists (the first one ever costs a claim and a re-read).
    stack.trigger("signing-key-rotation").await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Warm containers: each function has its own context (as in Lambda) and has read the keys.
    for ctx in stack.contexts.functions.values() {
        if let Ok(tokens) = ctx.tokens() {
            tokens.warm().await.unwrap();
        }
    }
    let calls = stack.ctx.table_calls.clone().expect("counting on");
    let c = client();
    let mut rows: Vec<(&str, u64, u64)> = Vec::new();
    let mut measure = |route: &'static str, budget: u64, before: u64| {
        let n = calls.load(Ordering::SeqCst) - before;
        rows.push((route, n, budget));
    };
    let now = || calls.load(Ordering::SeqCst);

    let b = now();
    let init = ok(c.post(format!("{base}/api/auth/bankid/init")).send().await.unwrap(), 200);
    measure("POST /api/auth/bankid/init", 2, b);
    let login_binding = format!("__Host-drop_login={}", cookie(&init, "__Host-drop_login").unwrap());
    let init: Value = init.json().await.unwrap();
    let auth = c.get(format!("{}&sim_nnin={ADULT}", init["authorizeUrl"].as_str().unwrap())).send().await.unwrap();
    let callback = auth.headers()["location"].to_str().unwrap().to_owned();
    let b = now();
    let r = c.get(&callback).header("cookie", login_binding).send().await.unwrap();
    measure("GET /api/auth/bankid/callback (new user)", 11, b);
    let access = cookie(&r, "__Host-drop_at").unwrap();
    let s = drop_tests::flow::Session { access, refresh: String::new(), location: String::new() };
    let b = now();
    assert_eq!(
        with_access(c.get(format!("{base}/api/user/profile")), &s).send().await.unwrap().status(),
        StatusCode::OK
    );
    measure("GET /api/user/profile", 5, b);
    let b = now();
    let r = with_access(c.post(format!("{base}/api/auth/register")), &s)
        .header("x-requested-with", "x")
        .json(&json!({"phone": PHONE, "email": EMAIL}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    measure("POST /api/auth/register", 6, b);
    let msgs: Value =
        c.get(format!("{base}/_local/messages?to=%2B{}", &PHONE[1..])).send().await.unwrap().json().await.unwrap();
    let code: String = msgs[0]["body"].as_str().unwrap().chars().filter(char::is_ascii_digit).take(6).collect();
    let b = now();
    let r = with_access(c.post(format!("{base}/api/auth/verify")), &s)
        .header("x-requested-with", "x")
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    measure("POST /api/auth/verify", 12, b);
    // The e-mail address has its own code; the second verification activates the user.
    let mails: Value = c
        .get(format!("{base}/_local/messages?to={}", EMAIL.replace('@', "%40")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code: String = mails[0]["body"].as_str().unwrap().chars().filter(char::is_ascii_digit).take(6).collect();
    let r = with_access(c.post(format!("{base}/api/auth/verify")), &s)
        .header("x-requested-with", "x")
        .json(&json!({"code": code, "channel": "email"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "active");
    let b = now();
    let sca = ok(
        with_access(c.post(format!("{base}/api/user/accounts")), &s)
            .header("x-requested-with", "x")
            .send()
            .await
            .unwrap(),
        200,
    );
    measure("POST /api/user/accounts", 5, b);
    let link_binding = format!("__Host-drop_link={}", cookie(&sca, "__Host-drop_link").unwrap());
    let sca: Value = sca.json().await.unwrap();
    let bank = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let back =
        bank.get(format!("{}?sim_result=approve", sca["scaRedirectUrl"].as_str().unwrap())).send().await.unwrap();
    let b = now();
    ok(c.get(back.headers()["location"].to_str().unwrap()).header("cookie", link_binding).send().await.unwrap(), 303);
    measure("GET /api/user/accounts/callback (2 accounts)", 5, b);
    let b = now();
    let accounts: Value = ok(with_access(c.get(format!("{base}/api/user/accounts")), &s).send().await.unwrap(), 200)
        .json()
        .await
        .unwrap();
    measure("GET /api/user/accounts", 4, b);
    let b = now();
    let rcp: Value = ok(
        with_access(c.post(format!("{base}/api/user/recipients")), &s)
            .header("x-requested-with", "x")
            .json(
                &json!({"name": "Ola Nordmann", "country": "DE", "currency": "EUR", "iban": "DE89370400440532013000"}),
            )
            .send()
            .await
            .unwrap(),
        201,
    )
    .json()
    .await
    .unwrap();
    measure("POST /api/user/recipients", 4, b);
    let b = now();
    let q: Value = ok(
        with_access(c.post(format!("{base}/api/payment/initiate")), &s)
            .header("x-requested-with", "x")
            .json(&json!({"recipientId": rcp["id"], "sourceAmount": 150000, "targetCurrency": "EUR"}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .json()
    .await
    .unwrap();
    measure("POST /api/payment/initiate", 6, b);
    let b = now();
    let conf = ok(
        with_access(c.post(format!("{base}/api/payment/confirm")), &s)
            .header("x-requested-with", "x")
            .header("idempotency-key", "round-trips-1")
            .json(&json!({"paymentId": q["paymentId"], "accountId": accounts[0]["id"]}))
            .send()
            .await
            .unwrap(),
        200,
    );
    let sca_binding = format!("__Host-drop_sca={}", cookie(&conf, "__Host-drop_sca").unwrap());
    let conf: Value = conf.json().await.unwrap();
    // + the user profile (hold, account age) and the recipient (screened again) for the checks.
    measure("POST /api/payment/confirm", 12, b);
    let back =
        bank.get(format!("{}?sim_result=approve", conf["scaRedirectUrl"].as_str().unwrap())).send().await.unwrap();
    let b = now();
    ok(c.get(back.headers()["location"].to_str().unwrap()).header("cookie", sca_binding).send().await.unwrap(), 303);
    measure("GET /api/payment/sca-callback", 4, b);
    // The payment-monitor consumer on the authorised event (pollers are off: called directly).
    let b = now();
    let pay = q["paymentId"].as_str().unwrap();
    let m = stack
        .ctx
        .remit
        .monitor_event("evt_round_trips", drop_domain::payment::Status::Authorised, pay, stack.ctx.clock.epoch())
        .await;
    assert!(matches!(m, Ok(drop_services::remit::aml_checks::Monitored::Recorded(Some(_)))), "{m:?}");
    measure("payment-monitor (one payment.authorised event)", 4, b);
    let id = q["paymentId"].as_str().unwrap();
    let b = now();
    ok(with_access(c.get(format!("{base}/api/payment/{id}")), &s).send().await.unwrap(), 200);
    measure("GET /api/payment/{id}", 4, b);
    let b = now();
    ok(with_access(c.get(format!("{base}/api/payment/history?limit=20")), &s).send().await.unwrap(), 200);
    // (Four sources, read at once: remittances, QR payments made, payments to my requests, the
    // euro account's transactions.)
    measure("GET /api/payment/history", 7, b);
    // A merchant: onboarding (the person is the daily manager of the simulator's active
    // organisation), the list, a dynamic QR code and the codes.
    let b = now();
    let body = json!({"organisationNumber": drop_simulators::brreg::ACTIVE, "settlementAccount": "86011117947", "mcc": "5812"});
    let m: Value = ok(
        with_access(c.post(format!("{base}/api/merchant/onboard")), &s)
            .header("x-requested-with", "x")
            .json(&body)
            .send()
            .await
            .unwrap(),
        201,
    )
    .json()
    .await
    .unwrap();
    measure("POST /api/merchant/onboard", 11, b);
    let merchant = m["id"].as_str().unwrap().to_owned();
    let b = now();
    ok(with_access(c.get(format!("{base}/api/merchant")), &s).send().await.unwrap(), 200);
    measure("GET /api/merchant", 5, b);
    let b = now();
    ok(
        with_access(c.post(format!("{base}/api/merchant/qr")), &s)
            .header("x-requested-with", "x")
            .json(&json!({"merchantId": merchant, "amount": 14_900}))
            .send()
            .await
            .unwrap(),
        201,
    );
    measure("POST /api/merchant/qr", 7, b);
    let b = now();
    ok(with_access(c.get(format!("{base}/api/merchant/qr?merchantId={merchant}")), &s).send().await.unwrap(), 200);
    measure("GET /api/merchant/qr", 6, b);
    // Paying the merchant by QR code: the scan, the confirmation, the bank's return, the payment.
    let payload = stack.ctx.table.as_ref();
    let codes = drop_services::merchants::qr::list(payload, &merchant, 1).await.unwrap();
    let b = now();
    let scanned: Value = ok(
        with_access(c.post(format!("{base}/api/payment/qr/initiate")), &s)
            .header("x-requested-with", "x")
            .json(&json!({"payload": codes[0].payload}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .json()
    .await
    .unwrap();
    measure("POST /api/payment/qr/initiate", 7, b);
    let b = now();
    let conf = ok(
        with_access(c.post(format!("{base}/api/payment/qr/confirm")), &s)
            .header("x-requested-with", "x")
            .header("idempotency-key", "round-trips-qr")
            .json(&json!({"paymentId": scanned["paymentId"], "accountId": accounts[0]["id"]}))
            .send()
            .await
            .unwrap(),
        200,
    );
    // + the payer's profile (hold, account age) for the cheap AML rules.
    measure("POST /api/payment/qr/confirm", 10, b);
    let sca_binding = format!("__Host-drop_sca={}", cookie(&conf, "__Host-drop_sca").unwrap());
    let conf: Value = conf.json().await.unwrap();
    let back =
        bank.get(format!("{}?sim_result=approve", conf["scaRedirectUrl"].as_str().unwrap())).send().await.unwrap();
    let b = now();
    ok(c.get(back.headers()["location"].to_str().unwrap()).header("cookie", sca_binding).send().await.unwrap(), 303);
    measure("GET /api/payment/sca-callback (QR payment)", 4, b);
    let b = now();
    let qrp = scanned["paymentId"].as_str().unwrap();
    ok(with_access(c.get(format!("{base}/api/payment/qr/{qrp}")), &s).send().await.unwrap(), 200);
    measure("GET /api/payment/qr/{id}", 4, b);
    // A payment request (the person's first linked account) and the list of them.
    let b = now();
    ok(
        with_access(c.post(format!("{base}/api/payment/requests")), &s)
            .header("x-requested-with", "x")
            .json(&json!({"amount": 25_000, "message": "Pizza"}))
            .send()
            .await
            .unwrap(),
        201,
    );
    // + the linked accounts (the first one), the profile (the name the code shows; the hold), the account.
    measure("POST /api/payment/requests", 10, b);
    let b = now();
    ok(with_access(c.get(format!("{base}/api/payment/requests")), &s).send().await.unwrap(), 200);
    measure("GET /api/payment/requests", 4, b);
    // The merchant's sales.
    // (The dashboard reads the merchant's refunds too.)
    for (route, path, budget) in [
        ("GET /api/merchant/dashboard", format!("/api/merchant/dashboard?merchantId={merchant}"), 7),
        ("GET /api/merchant/payments", format!("/api/merchant/payments?merchantId={merchant}"), 6),
        ("GET /api/merchant/payments.csv", format!("/api/merchant/payments.csv?merchantId={merchant}"), 6),
    ] {
        let b = now();
        ok(with_access(c.get(format!("{base}{path}")), &s).send().await.unwrap(), 200);
        measure(route, budget, b);
    }
    // A merchant's refund of the payment, once the bank settled it and Nexi charged it.
    for _ in 0..200 {
        let p = stack.ctx.remit.qr_find(qrp).await.unwrap();
        if p.charge_id.is_some() {
            break;
        }
        if p.status.as_str() != "completed" {
            drop_tests::qr::reconcile(&base).await;
        } else {
            // What the settlement worker does on `qr_payment.completed`.
            let _ = stack.ctx.remit.qr_submit(qrp).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Nexi's charge webhook (delivered in the background) is answered before anything is measured.
    let nexi = format!("http://{}/nexi", stack.simulator("nexi").unwrap());
    for _ in 0..100 {
        let hooks: Value = c.get(format!("{nexi}/_sim/webhooks")).send().await.unwrap().json().await.unwrap();
        if hooks.as_array().is_some_and(|h| h.iter().any(|h| h["url"].as_str().unwrap_or("").ends_with(qrp))) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let b = now();
    ok(
        with_access(c.post(format!("{base}/api/merchant/payments/{qrp}/refund")), &s)
            .header("x-requested-with", "x")
            .header("idempotency-key", "round-trips-refund")
            .json(&json!({"amount": 4_000}))
            .send()
            .await
            .unwrap(),
        202,
    );
    // The payment, membership and merchant, the lock, the reservation; then the acquirer's refund
    // (recorded), the transfer (the payment's account; the bank's id recorded), the answer kept.
    measure("POST /api/merchant/payments/{id}/refund", 13, b);
    // The euro account: onboarding started, opened at the first look after Swan's KYC.
    let b = now();
    let w = with_access(c.post(format!("{base}/api/user/wallet")), &s).header("x-requested-with", "x");
    let w: Value = ok(w.send().await.unwrap(), 202).json().await.unwrap();
    // The session and the user's rate counter, the profile (identity, e-mail; its pending-code
    // query), the claim, the onboarding recorded, the view's read.
    measure("POST /api/user/wallet", 8, b);
    c.get(w["onboardingUrl"].as_str().unwrap()).send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let b = now();
    let w: Value =
        ok(with_access(c.get(format!("{base}/api/user/wallet")), &s).send().await.unwrap(), 200).json().await.unwrap();
    // + the wallet opened (conditional on the onboarding read).
    measure("GET /api/user/wallet (opens it)", 5, b);
    let b = now();
    ok(with_access(c.get(format!("{base}/api/user/wallet")), &s).send().await.unwrap(), 200);
    measure("GET /api/user/wallet", 4, b);
    // Euro arrives (its webhook is answered before anything is measured).
    let swan = format!("http://{}", stack.simulator("swan").unwrap());
    let tx = drop_tests::swan::credit(&swan, w["iban"].as_str().unwrap(), "50.00", "Hans Müller").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Swan's webhook again for a transaction already recorded: the marker, Swan's word (no table),
    // the wallet by account, the transaction's item; the marker written.
    let b = now();
    let hook =
        c.post(format!("{base}/api/webhooks/swan")).header("x-swan-secret", drop_simulators::swan::WEBHOOK_SECRET);
    ok(hook.json(&hook_body(&tx)).send().await.unwrap(), 200);
    measure("POST /api/webhooks/swan (recorded already)", 5, b);
    let b = now();
    let t = with_access(c.post(format!("{base}/api/wallet/transfers")), &s)
        .header("x-requested-with", "x")
        .header("idempotency-key", "round-trips-transfer")
        .json(&json!({"recipientId": rcp["id"], "amount": 1_000}));
    let t: Value = ok(t.send().await.unwrap(), 202).json().await.unwrap();
    // The lock, the wallet, the recipient, a transfer under the key?, the profile (hold); the
    // transfer with its limits; Swan's answer recorded; the answer kept.
    measure("POST /api/wallet/transfers", 11, b);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let b = now();
    let path = format!("{base}/api/wallet/transfers/{}", t["transferId"].as_str().unwrap());
    ok(with_access(c.get(path), &s).send().await.unwrap(), 200);
    measure("GET /api/wallet/transfers/{id}", 4, b);
    let b = now();
    ok(c.get(format!("{base}/api/health")).send().await.unwrap(), 200);
    measure("GET /api/health", 2, b);

    println!("\n| route | table round trips | budget |\n|---|---:|---:|");
    for (route, n, budget) in &rows {
        println!("| {route} | {n} | {budget} |");
    }
    for (route, n, budget) in &rows {
        assert!(n <= budget, "{route}: {n} round trips, budget {budget}");
        assert!(*n >= 1 || route.contains("health"), "{route} touched no table? {n}");
    }
    stack.stop().await;
}
