//! Paying a merchant by QR code end to end through drop-local over HTTP, with the bank,
//! Enhetsregisteret and BankID simulators, on SQLite and on moto: a dynamic code is scanned,
//! confirmed by 50 concurrent requests under one key (one bank payment), approved at the bank,
//! and followed to `completed` with the merchant owed the amount in the ledger; the settlement
//! worker hands it to Nexi (the simulator), whose webhook is authenticated and deduplicated; the
//! paid code cannot be paid again. A static code takes the payer's amount; a payment the bank rejects
//! fails and leaves nothing owed, and when the bank settles it after all the money goes back.
//! Bad codes get their problem types: a wrong CRC, a foreign GUID,
//! a static code without an amount, an expired code.

use drop_domain::qr::mpm::crc16;
use drop_services::table::{Key, Update};
use drop_simulators::brreg;
use drop_tests::flow::{client, cookie, start, with_access};
use drop_tests::pay::problem;
use drop_tests::pay::{follow_with, get_json, link_account, post, ready};
use drop_tests::qr::{invariants, reconcile};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The payload with its CRC computed again (a valid code of other content).
fn recrc(payload_without_crc: &str) -> String {
    let body = format!("{payload_without_crc}6304");
    format!("{body}{:04X}", crc16(body.as_bytes()))
}

async fn qr_pay(aws: bool) {
    let (stack, base) = start(aws).await;
    let s = ready(&base).await;
    let account = link_account(&base, &s).await;
    let body = json!({"organisationNumber": brreg::ACTIVE, "settlementAccount": "8601 11 17947", "mcc": "5812"});
    let r = post(&base, "/api/merchant/onboard", &s).json(&body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let merchant = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let code = |body: Value| {
        let base = base.clone();
        let s = s.clone();
        async move {
            let r = post(&base, "/api/merchant/qr", &s).json(&body).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::CREATED);
            r.json::<Value>().await.unwrap()
        }
    };
    let dynamic = code(json!({"merchantId": merchant, "amount": 14_900, "expiresInSeconds": 600})).await;
    let fixed = code(json!({"merchantId": merchant})).await;
    let payload = dynamic["payload"].as_str().unwrap().to_owned();
    let scan = |payload: String, amount: Option<i64>| {
        let base = base.clone();
        let s = s.clone();
        async move {
            let mut body = json!({"payload": payload});
            if let Some(a) = amount {
                body["amount"] = json!(a);
            }
            post(&base, "/api/payment/qr/initiate", &s).json(&body).send().await.unwrap()
        }
    };

    // Bad codes, each with its own answer.
    let mut tampered = payload.clone();
    let last = if tampered.ends_with('0') { '1' } else { '0' };
    tampered.pop();
    tampered.push(last);
    assert_eq!(problem(scan(tampered, None).await).await, (StatusCode::BAD_REQUEST, "invalid-qr".into()));
    let foreign = recrc(&payload[..payload.len() - 8].replace("NO.DROP.PAY", "NO.EVIL.PAY"));
    assert_eq!(problem(scan(foreign, None).await).await, (StatusCode::UNPROCESSABLE_ENTITY, "unknown-merchant".into()));
    // A valid code that is not the one the merchant made (another amount, CRC made again).
    let altered = recrc(&payload[..payload.len() - 8].replace("5406149.00", "54041.00"));
    assert_eq!(problem(scan(altered, None).await).await, (StatusCode::BAD_REQUEST, "invalid-qr".into()));
    let static_payload = fixed["payload"].as_str().unwrap().to_owned();
    assert_eq!(
        problem(scan(static_payload.clone(), None).await).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "amount-required".into())
    );
    assert_eq!(
        problem(scan(payload.clone(), Some(100)).await).await.0,
        StatusCode::BAD_REQUEST,
        "not the code's amount"
    );

    // The dynamic code: scanned, then confirmed by 50 requests at once under one key.
    let r = scan(payload.clone(), None).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let p: Value = r.json().await.unwrap();
    assert_eq!((p["status"].as_str(), p["amount"].as_i64()), (Some("created"), Some(14_900)));
    assert_eq!((p["merchantName"].as_str(), p["codeKind"].as_str()), (Some("KAFFEBAREN AS"), Some("dynamic")));
    let id = p["paymentId"].as_str().unwrap().to_owned();
    let key = ulid::Ulid::new().to_string();
    let confirm = |key: String, id: String| {
        let base = base.clone();
        let s = s.clone();
        let account = account.clone();
        async move {
            post(&base, "/api/payment/qr/confirm", &s)
                .header("idempotency-key", key)
                .json(&json!({"paymentId": id, "accountId": account}))
                .send()
                .await
                .unwrap()
        }
    };
    let answers = futures::future::join_all((0..50).map(|_| confirm(key.clone(), id.clone()))).await;
    let mut urls = std::collections::BTreeSet::new();
    let mut binding = None;
    for r in answers {
        match r.status() {
            StatusCode::OK => {
                binding = binding.or_else(|| cookie(&r, "__Host-drop_sca"));
                let v: Value = r.json().await.unwrap();
                assert_eq!(v["status"], "pending_authorisation");
                urls.insert(v["scaRedirectUrl"].as_str().unwrap().to_owned());
            }
            StatusCode::CONFLICT => {}
            other => panic!("a concurrent confirm answered {other}: {}", r.text().await.unwrap()),
        }
    }
    assert_eq!(urls.len(), 1, "one bank payment: {urls:?}");
    let sca = urls.into_iter().next().unwrap();
    // The same key replays; another key finds the payment taken.
    let again = confirm(key.clone(), id.clone()).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(confirm(ulid::Ulid::new().to_string(), id.clone()).await.status(), StatusCode::CONFLICT);
    // While it is being paid, nobody else can pay the code.
    assert_eq!(problem(scan(payload.clone(), None).await).await, (StatusCode::CONFLICT, "qr-already-paid".into()));

    // The bank: approved; the SCA return reads the bank (the browser that confirmed). A binding
    // anyone could compute from the payment id (its bare hash) is not the browser's: sent on
    // without a status, the bank not asked.
    let binding = binding.expect("the SCA binding cookie");
    let forged = drop_services::digest::sha256_hex(format!("drop-flow\0{id}").as_bytes());
    let r = client()
        .get(format!("{base}/api/payment/sca-callback?payment={id}"))
        .header("cookie", format!("__Host-drop_sca={forged}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.ends_with(&format!("/payments/{id}")), "{to}");
    let back = follow_with(&format!("{sca}?sim_result=approve"), Some(&format!("__Host-drop_sca={binding}"))).await;
    assert!(back.contains(&format!("/payments/{id}?status=authorised")), "{back}");
    let mut view = get_json(&base, &format!("/api/payment/qr/{id}"), &s).await;
    assert_eq!(view["status"], "authorised");
    // Reconciliation follows the bank until it settled.
    for _ in 0..4 {
        if view["status"] == "completed" {
            break;
        }
        reconcile(&base).await;
        view = get_json(&base, &format!("/api/payment/qr/{id}"), &s).await;
    }
    assert_eq!(view["status"], "completed", "{view}");
    let journal = drop_services::remit::ledger::journal(stack.ctx.table.as_ref(), &id).await.unwrap();
    let payable = journal.iter().find(|j| j.kind == "merchant_payable").expect("the merchant is owed the payment");
    assert_eq!((payable.amount, payable.credit.clone()), (14_900, format!("merchant:{merchant}:NOK")));
    // Settlement: the worker hands the payment to Nexi (create, charge), the charge is recorded
    // (the merchant's payable moves to the acquirer) and Nexi's webhook changes nothing more.
    let table = stack.ctx.table.as_ref();
    let acquirer = drop_services::remit::qr_settle::acquirer_account("nexi");
    let mut handed = 0;
    for _ in 0..200 {
        handed = drop_services::remit::ledger::balance(table, &acquirer).await.unwrap();
        if handed == 14_900 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(handed, 14_900, "handed to Nexi");
    let nexi = format!("http://{}/nexi", stack.simulator("nexi").unwrap());
    let mut hooks = Value::Null;
    for _ in 0..100 {
        hooks = client().get(format!("{nexi}/_sim/webhooks")).send().await.unwrap().json().await.unwrap();
        if hooks.as_array().is_some_and(|h| !h.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let hook = hooks.as_array().and_then(|h| h.iter().find(|h| h["url"].as_str().unwrap_or("").ends_with(&id)));
    let hook = hook.expect("Nexi sent the charge webhook").clone();
    let webhook_url = format!("{base}/api/webhooks/nexi?payment={id}");
    let replay = |auth: String| {
        let body = hook["body"].to_string();
        let url = webhook_url.clone();
        async move {
            client()
                .post(url)
                .header("authorization", auth)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let secret = hook["authorization"].as_str().unwrap().to_owned();
    assert_eq!(replay("0".repeat(32)).await, StatusCode::UNAUTHORIZED, "another secret");
    assert_eq!(replay(secret.clone()).await, StatusCode::NO_CONTENT, "a replay is acknowledged");
    assert_eq!(replay(secret).await, StatusCode::NO_CONTENT);
    assert_eq!(drop_services::remit::ledger::balance(table, &acquirer).await.unwrap(), 14_900, "recorded once");
    let owed =
        drop_services::remit::ledger::balance(table, &drop_services::remit::qr_bank::merchant_account(&merchant))
            .await
            .unwrap();
    assert_eq!(owed, 0, "the acquirer has the merchant's money now");

    let codes = get_json(&base, &format!("/api/merchant/qr?merchantId={merchant}"), &s).await;
    let paid = codes.as_array().unwrap().iter().find(|c| c["id"] == dynamic["id"]).unwrap();
    assert_eq!(paid["status"], "paid");
    assert_eq!(problem(scan(payload.clone(), None).await).await, (StatusCode::CONFLICT, "qr-already-paid".into()));

    // A static code with the payer's amount; the bank rejects it: failed, nothing owed, the
    // limits back.
    let r = scan(static_payload.clone(), Some(5_000)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let p: Value = r.json().await.unwrap();
    assert_eq!((p["amount"].as_i64(), p["codeKind"].as_str()), (Some(5_000), Some("static")));
    let rejected = p["paymentId"].as_str().unwrap().to_owned();
    let r = confirm(ulid::Ulid::new().to_string(), rejected.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let binding = cookie(&r, "__Host-drop_sca").unwrap();
    let sca = r.json::<Value>().await.unwrap()["scaRedirectUrl"].as_str().unwrap().to_owned();
    let back = follow_with(&format!("{sca}?sim_result=reject"), Some(&format!("__Host-drop_sca={binding}"))).await;
    assert!(back.contains("status=failed"), "{back}");
    // The bank settles it after all (late funds): recorded, and refunded by reconciliation.
    let bank_id = stack.ctx.remit.qr_find(&rejected).await.unwrap().bank_payment_id.unwrap();
    let bank = format!("http://{}/bank", stack.simulator("bank").unwrap());
    let r = client()
        .post(format!("{bank}/_sim/payments/{bank_id}"))
        .json(&json!({"transactionStatus": "ACSC"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let mut late = Value::Null;
    for _ in 0..6 {
        reconcile(&base).await;
        late = get_json(&base, &format!("/api/payment/qr/{rejected}"), &s).await;
        if late["status"] == "refunded" {
            break;
        }
    }
    assert_eq!(late["status"], "refunded", "{late}");
    let late_journal = drop_services::remit::ledger::journal(stack.ctx.table.as_ref(), &rejected).await.unwrap();
    let kinds: Vec<&str> = late_journal.iter().map(|j| j.kind).collect();
    assert!(kinds.contains(&"funds_received") && kinds.contains(&"refund"), "{kinds:?}");
    // The static code stays usable.
    assert_eq!(scan(static_payload, Some(7_500)).await.status(), StatusCode::CREATED);

    // An expired dynamic code (its expiry moved into the past, as time would).
    let late = code(json!({"merchantId": merchant, "amount": 2_000})).await;
    let late_id = late["id"].as_str().unwrap();
    let late_key = Key::new(drop_domain::keys::merchant_pk(&merchant), drop_domain::keys::qr_sk(late_id));
    stack.ctx.table.update(Update::new(late_key).set("valid_until", 1_000_i64)).await.unwrap();
    assert_eq!(
        problem(scan(late["payload"].as_str().unwrap().to_owned(), None).await).await,
        (StatusCode::GONE, "qr-expired".into())
    );

    // The merchant's view: the dashboard counts what the payer's bank settled (the completed
    // payment, not the refunded or unconfirmed ones), the list shows every confirmed payment, page
    // by page under sealed cursors (with a status filter too), and the CSV agrees.
    let d = get_json(&base, &format!("/api/merchant/dashboard?merchantId={merchant}"), &s).await;
    assert_eq!((d["today"]["count"].as_u64(), d["today"]["sum"].as_i64()), (Some(1), Some(14_900)), "{d}");
    assert_eq!(d["last30Days"]["sum"], 14_900);
    assert_eq!(d["last7Days"]["average"], 14_900);
    let days = d["days"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    assert_eq!(days[29]["sum"], 14_900, "today is the last day");
    let mut seen = Vec::new();
    let mut cursor = String::new();
    for _ in 0..10 {
        let page =
            get_json(&base, &format!("/api/merchant/payments?merchantId={merchant}&limit=1&cursor={cursor}"), &s).await;
        let items = page["items"].as_array().unwrap_or_else(|| panic!("{page}"));
        seen.extend(items.iter().map(|i| i["paymentId"].as_str().unwrap().to_owned()));
        match page["cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    // Confirmed payments only (a scan alone is nobody's sale: anyone can scan a static code).
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen.contains(&id) && seen.contains(&rejected), "{seen:?}");
    let done =
        get_json(&base, &format!("/api/merchant/payments?merchantId={merchant}&status=completed&limit=1"), &s).await;
    assert_eq!(done["items"][0]["paymentId"].as_str(), Some(id.as_str()), "{done}");
    assert!(!done.to_string().contains("usr_"), "nothing about the payer: {done}");
    let r = with_access(client().get(format!("{base}/api/merchant/payments.csv?merchantId={merchant}")), &s)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = r.text().await.unwrap();
    let rows: Vec<&str> = csv.trim_end().split("\r\n").collect();
    assert_eq!(rows.len(), 3, "{csv}");
    let paid = rows.iter().find(|r| r.contains(&id)).unwrap();
    assert!(paid.ends_with(";149,00;0,00;NOK;completed"), "{paid}");
    let counted: i64 = rows[1..]
        .iter()
        .filter(|r| r.ends_with(";completed") || r.ends_with(";settled"))
        .map(|r| r.split(';').nth(5).unwrap().replace(',', "").parse::<i64>().unwrap())
        .sum();
    assert_eq!(counted, d["last30Days"]["sum"].as_i64().unwrap(), "the CSV and the dashboard agree");
    let paid_in = journal.iter().find(|j| j.kind == "merchant_payable").map(|j| j.amount);
    assert_eq!(Some(counted), paid_in, "and the ledger");

    // A confirmation the bank refuses gives its claim back: the code and the limits are free, and
    // the payment can be confirmed again (another key).
    let refused = code(json!({"merchantId": merchant, "amount": 3_000})).await;
    let r = scan(refused["payload"].as_str().unwrap().to_owned(), None).await;
    let again_id = r.json::<Value>().await.unwrap()["paymentId"].as_str().unwrap().to_owned();
    let fault = |f: &'static str| {
        let bank = bank.clone();
        async move {
            let r = client().post(format!("{bank}/_sim/fault")).json(&json!({"fault": f})).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::NO_CONTENT);
        }
    };
    fault("reject").await;
    let r = confirm(ulid::Ulid::new().to_string(), again_id.clone()).await;
    fault("none").await;
    assert_eq!(problem(r).await, (StatusCode::UNPROCESSABLE_ENTITY, "bank-refused".into()));
    // The bank makes the payment but its answer is lost: a retry under the same key is the same
    // initiation (its X-Request-ID), so the bank has one payment, not two.
    let retry_key = ulid::Ulid::new().to_string();
    fault("lost_answer").await;
    let r = confirm(retry_key.clone(), again_id.clone()).await;
    fault("none").await;
    assert!(r.status().is_server_error(), "{}", r.status());
    let r = confirm(retry_key, again_id.clone()).await;
    assert_eq!(r.status(), StatusCode::OK, "the claim was kept for the same key");
    let made: Value = client().get(format!("{bank}/_sim/payments")).send().await.unwrap().json().await.unwrap();
    let e2e: String = again_id.trim_start_matches("qrp_").chars().take(35).collect();
    // (The refused attempt above is the bank's too, rejected.)
    let ours = made.as_array().unwrap().iter().filter(|p| p["endToEndIdentification"] == e2e.as_str());
    assert_eq!(ours.filter(|p| p["status"] != "RJCT").count(), 1, "one bank payment: {made}");

    // Someone else's payment is not found; the ledger holds together.
    assert_eq!(
        problem(
            post(&base, "/api/payment/qr/confirm", &s)
                .header("idempotency-key", "k1")
                .json(&json!({"paymentId": "qrp_01JC7Z2Q8K4V6M0T3R5N9XWYAB", "accountId": account}))
                .send()
                .await
                .unwrap()
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let report = invariants(&base).await;
    assert_eq!(report["violations"], json!([]), "{report}");
}

#[tokio::test]
async fn qr_payment_on_sqlite() {
    qr_pay(false).await;
}

#[tokio::test]
#[ignore = "needs moto: tests/run.sh"]
async fn qr_payment_on_moto() {
    qr_pay(true).await;
}
