//! Person-to-person payment requests end to end through drop-local over HTTP, with the bank and
//! BankID simulators, on SQLite and on moto: Kari (the requester) asks for 250 kr with a message; Ola scans the
//! code and pays it by PSD2 initiation straight to Kari's account (no ledger postings: the money
//! never passes through Drop); both see it (Ola's payment, Kari's request `paid`); a second
//! payment is refused (409), as is paying one's own request (422); a request without an amount
//! takes the payer's.

use drop_tests::flow::{client, cookie, login, onboard_with, start};
use drop_tests::pay::problem;
use drop_tests::pay::{follow_with, get_json, link_account, post, ready};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn p2p(aws: bool) {
    let (stack, base) = start(aws).await;
    let kari = ready(&base).await;
    let kari_account = link_account(&base, &kari).await;
    let ola = login(&base, "29029648784").await.map_err(|r| r.status()).expect("login");
    onboard_with(&base, &ola, "+47 981 23 456", "+4798123456", "ola.test@example.no").await;
    let ola_account = link_account(&base, &ola).await;

    // Kari asks for 250 kr.
    let r = post(&base, "/api/payment/requests", &kari)
        .json(&json!({"amount": 25_000, "message": "Pizza fredag", "accountId": kari_account}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let request: Value = r.json().await.unwrap();
    assert_eq!((request["status"].as_str(), request["amount"].as_i64()), (Some("active"), Some(25_000)));
    assert!(request["svg"].as_str().unwrap().contains("<svg"));
    let payload = request["payload"].as_str().unwrap().to_owned();
    let code = drop_domain::qr::drop::read(&payload).unwrap();
    assert_eq!(code.payee, drop_domain::qr::drop::Payee::Request(request["id"].as_str().unwrap().to_owned()));
    let profile = get_json(&base, "/api/user/profile", &kari).await;
    let full = format!("{} {}", profile["givenName"].as_str().unwrap(), profile["familyName"].as_str().unwrap());
    assert_eq!(code.name, deunicode::deunicode(&full), "the code names the requester");
    let stored = drop_tests::flow::stored_text(&stack, aws).await;
    assert!(!stored.contains("Pizza fredag"), "the message is encrypted at rest");
    let scan = |s: &drop_tests::flow::Session, payload: &str, amount: Option<i64>| {
        let mut body = json!({"payload": payload});
        if let Some(a) = amount {
            body["amount"] = json!(a);
        }
        post(&base, "/api/payment/qr/initiate", s).json(&body).send()
    };
    assert_eq!(
        problem(scan(&kari, &payload, None).await.unwrap()).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "own-request".into())
    );

    // Ola pays it.
    let r = scan(&ola, &payload, None).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let p: Value = r.json().await.unwrap();
    assert_eq!((p["type"].as_str(), p["amount"].as_i64()), (Some("p2p"), Some(25_000)));
    assert!(p["merchantId"].is_null(), "no user id of the requester is shown");
    let id = p["paymentId"].as_str().unwrap().to_owned();
    let r = post(&base, "/api/payment/qr/confirm", &ola)
        .header("idempotency-key", ulid::Ulid::new().to_string())
        .json(&json!({"paymentId": id, "accountId": ola_account}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let binding = cookie(&r, "__Host-drop_sca").unwrap();
    let sca = r.json::<Value>().await.unwrap()["scaRedirectUrl"].as_str().unwrap().to_owned();
    // While it is being paid, nobody else can pay it.
    assert_eq!(
        problem(scan(&ola, &payload, None).await.unwrap()).await,
        (StatusCode::CONFLICT, "qr-already-paid".into())
    );
    let back = follow_with(&format!("{sca}?sim_result=approve"), Some(&format!("__Host-drop_sca={binding}"))).await;
    assert!(back.contains("status=authorised"), "{back}");
    let mut view = Value::Null;
    for _ in 0..4 {
        let r = client().post(format!("{base}/_local/schedules/payment-reconciliation?staleAfterSeconds=0")).send();
        assert_eq!(r.await.unwrap().status(), StatusCode::OK);
        view = get_json(&base, &format!("/api/payment/qr/{id}"), &ola).await;
        if view["status"] == "completed" {
            break;
        }
    }
    assert_eq!(view["status"], "completed", "{view}");
    // Kari sees her request paid; a second payment is refused.
    let mine = get_json(&base, "/api/payment/requests", &kari).await;
    assert_eq!((mine[0]["status"].as_str(), mine[0]["paidAmount"].as_i64()), (Some("paid"), Some(25_000)), "{mine}");
    assert_eq!(mine[0]["message"], "Pizza fredag");
    assert_eq!(
        problem(scan(&ola, &payload, None).await.unwrap()).await,
        (StatusCode::CONFLICT, "qr-already-paid".into())
    );
    // Both histories show it: Ola sent it, Kari received it (filters by type too); neither shows
    // the other's user id.
    let sent = get_json(&base, "/api/payment/history?type=p2p", &ola).await;
    let sent = sent["items"].as_array().unwrap().iter().find(|i| i["paymentId"] == id.as_str()).cloned();
    let sent = sent.expect("in the payer's history");
    assert_eq!((sent["direction"].as_str(), sent["status"].as_str()), (Some("sent"), Some("completed")), "{sent}");
    let got = get_json(&base, "/api/payment/history", &kari).await;
    let got = got["items"].as_array().unwrap().iter().find(|i| i["paymentId"] == id.as_str()).cloned();
    let got = got.expect("in the requester's history");
    assert_eq!((got["direction"].as_str(), got["amount"].as_i64()), (Some("received"), Some(25_000)), "{got}");
    assert!(!got.to_string().contains("usr_") && !sent.to_string().contains("usr_"), "{got} {sent}");
    let remittances_only = get_json(&base, "/api/payment/history?type=remittance", &kari).await;
    assert_eq!(remittances_only["items"], json!([]), "{remittances_only}");
    // Straight to Kari's account: nothing in Drop's books.
    let journal = drop_services::remit::ledger::journal(stack.ctx.table.as_ref(), &id).await.unwrap();
    assert!(journal.is_empty(), "{journal:?}");
    let r = client().post(format!("{base}/_local/schedules/ledger-invariants")).send().await.unwrap();
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["violations"], json!([]), "{report}");

    // The bank rejects a payment of a request, then settles it after all: the request is paid
    // (money went to Kari directly) and cannot be paid again.
    let r = post(&base, "/api/payment/requests", &kari).json(&json!({"amount": 5_000})).send().await.unwrap();
    let late_payload = r.json::<Value>().await.unwrap()["payload"].as_str().unwrap().to_owned();
    let late: Value = scan(&ola, &late_payload, None).await.unwrap().json().await.unwrap();
    let late_id = late["paymentId"].as_str().unwrap().to_owned();
    let r = post(&base, "/api/payment/qr/confirm", &ola)
        .header("idempotency-key", ulid::Ulid::new().to_string())
        .json(&json!({"paymentId": late_id, "accountId": ola_account}))
        .send()
        .await
        .unwrap();
    let binding = cookie(&r, "__Host-drop_sca").unwrap();
    let sca = r.json::<Value>().await.unwrap()["scaRedirectUrl"].as_str().unwrap().to_owned();
    let back = follow_with(&format!("{sca}?sim_result=reject"), Some(&format!("__Host-drop_sca={binding}"))).await;
    assert!(back.contains("status=failed"), "{back}");
    let bank_id = stack.ctx.remit.qr_find(&late_id).await.unwrap().bank_payment_id.unwrap();
    let bank = format!("http://{}/bank", stack.simulator("bank").unwrap());
    let r = client()
        .post(format!("{bank}/_sim/payments/{bank_id}"))
        .json(&json!({"transactionStatus": "ACSC"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = client().post(format!("{base}/_local/schedules/payment-reconciliation?staleAfterSeconds=0")).send();
    assert_eq!(r.await.unwrap().status(), StatusCode::OK);
    assert_eq!(get_json(&base, &format!("/api/payment/qr/{late_id}"), &ola).await["status"], "completed");
    assert_eq!(problem(scan(&ola, &late_payload, None).await.unwrap()).await.0, StatusCode::CONFLICT, "paid once");

    // A request without an amount: the payer enters it.
    let r = post(&base, "/api/payment/requests", &kari).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let open: Value = r.json().await.unwrap();
    let open_payload = open["payload"].as_str().unwrap().to_owned();
    assert_eq!(
        problem(scan(&ola, &open_payload, None).await.unwrap()).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "amount-required".into())
    );
    let r = scan(&ola, &open_payload, Some(1_000)).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.json::<Value>().await.unwrap()["amount"], 1_000);
    // Bad requests are refused before anything is stored.
    for bad in [json!({"amount": 0}), json!({"message": "x".repeat(141)}), json!({"expiresInSeconds": 10})] {
        let r = post(&base, "/api/payment/requests", &kari).json(&bad).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    assert_eq!(get_json(&base, "/api/payment/requests", &kari).await.as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn p2p_request_on_sqlite() {
    p2p(false).await;
}

#[tokio::test]
#[ignore = "needs moto: tests/run.sh"]
async fn p2p_request_on_moto() {
    p2p(true).await;
}
