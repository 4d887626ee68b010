//! Merchants and QR payments through the local stack: onboard a merchant, make a code, pay it
//! (scan, confirm, the bank's SCA, reconciliation until the bank settled) and wait until the
//! settlement worker has handed it to Nexi.

use crate::flow::Session;
use crate::flow::{client, cookie};
use crate::pay::{follow_with, get_json, post};
use drop_local::Stack;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Onboards the session's user as the merchant of Enhetsregisteret's active organisation.
pub async fn merchant(base: &str, s: &Session) -> String {
    let body = json!({"organisationNumber": drop_simulators::brreg::ACTIVE, "settlementAccount": "8601 11 17947", "mcc": "5812"});
    let r = post(base, "/api/merchant/onboard", s).json(&body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

/// Makes a code (`POST /api/merchant/qr`).
pub async fn code(base: &str, s: &Session, body: Value) -> Value {
    let r = post(base, "/api/merchant/qr", s).json(&body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.unwrap()
}

/// Runs payment reconciliation now (nothing counts as stale).
pub async fn reconcile(base: &str) -> Value {
    let r = client().post(format!("{base}/_local/schedules/payment-reconciliation?staleAfterSeconds=0")).send().await;
    let r = r.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

/// Runs the ledger invariant checker now.
pub async fn invariants(base: &str) -> Value {
    let r = client().post(format!("{base}/_local/schedules/ledger-invariants")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

/// Pays a dynamic code of `amount` from `account` and waits until the payer's bank settled it
/// and Nexi charged it. Answers the QR payment id.
pub async fn pay_charged(stack: &Stack, base: &str, s: &Session, account: &str, merchant: &str, amount: i64) -> String {
    let dynamic = code(base, s, json!({"merchantId": merchant, "amount": amount, "expiresInSeconds": 600})).await;
    let r =
        post(base, "/api/payment/qr/initiate", s).json(&json!({"payload": dynamic["payload"]})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["paymentId"].as_str().unwrap().to_owned();
    let r = post(base, "/api/payment/qr/confirm", s)
        .header("idempotency-key", ulid::Ulid::new().to_string())
        .json(&json!({"paymentId": id, "accountId": account}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let binding = cookie(&r, "__Host-drop_sca").expect("the SCA binding cookie");
    let sca = r.json::<Value>().await.unwrap()["scaRedirectUrl"].as_str().unwrap().to_owned();
    let back = follow_with(&format!("{sca}?sim_result=approve"), Some(&format!("__Host-drop_sca={binding}"))).await;
    assert!(back.contains("status=authorised"), "{back}");
    let mut view = Value::Null;
    for _ in 0..6 {
        view = get_json(base, &format!("/api/payment/qr/{id}"), s).await;
        if view["status"] == "completed" {
            break;
        }
        reconcile(base).await;
    }
    assert_eq!(view["status"], "completed", "{view}");
    for _ in 0..200 {
        if stack.ctx.remit.qr_find(&id).await.unwrap().charge_id.is_some() {
            return id;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("Nexi never charged {id}");
}
