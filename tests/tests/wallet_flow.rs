//! The euro account end to end through drop-local over HTTP with the Swan simulator, on SQLite
//! and on moto: open it (Swan's onboarding and its redirect), see it active with an IBAN; euro
//! sent to it through Swan's Testing API appears once in the balance, the ledger and the stored
//! transactions, whether the webhook is duplicated, reordered or lost (the reconciliation poll
//! finds it); a wrong `x-swan-secret` changes nothing; a sender on the sanctions list raises an
//! alert and holds the user's transfers, and the user sees nothing of it.

use drop_tests::flow::{client, stored_items, with_access};
use drop_tests::pay::{get_json, post, problem, ready};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

const INCOMING: &str = "mutation($input: SimulateIncomingSepaCreditTransferInput!) {
  simulateIncomingSepaCreditTransferReception(input: $input) {
    __typename
    ... on SimulateIncomingSepaCreditTransferReceptionSuccessPayload { transactionId }
  }
}";

struct Swan {
    base: String,
}

impl Swan {
    async fn token(&self) -> String {
        let body = format!(
            "grant_type=client_credentials&client_id={}&client_secret={}",
            drop_simulators::swan::CLIENT_ID,
            drop_simulators::swan::CLIENT_SECRET
        );
        let r = client()
            .post(format!("{}/swan/oauth2/token", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        r.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned()
    }

    /// Sends `value` euro from `name` to `iban`; answers Swan's transaction id.
    async fn credit(&self, iban: &str, value: &str, name: &str) -> String {
        let input = json!({"amount": {"value": value, "currency": "EUR"}, "creditorIban": iban,
            "debtorIban": "DE89370400440532013000", "debtorName": name, "endToEndId": "E2E", "label": "from abroad"});
        let r: Value = client()
            .post(format!("{}/swan/sandbox-partner-admin/graphql", self.base))
            .bearer_auth(self.token().await)
            .json(&json!({"query": INCOMING, "variables": {"input": input}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        r["data"]["simulateIncomingSepaCreditTransferReception"]["transactionId"]
            .as_str()
            .expect("a transaction")
            .to_owned()
    }

    async fn webhooks(&self, knobs: Value) {
        let r = client().post(format!("{}/swan/_sim/webhooks", self.base)).json(&knobs).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
    }
}

async fn wallet(base: &str, s: &drop_tests::flow::Session) -> Value {
    get_json(base, "/api/user/wallet", s).await
}

/// The wallet transactions Drop has recorded.
async fn recorded(stack: &drop_local::Stack, aws: bool) -> Vec<drop_tests::flow::Stored> {
    let items = stored_items(stack, aws).await;
    items.into_iter().filter(|i| i.sk.starts_with(drop_domain::keys::WALLET_TX_PREFIX)).collect()
}

/// Waits until Drop has recorded `n` booked transactions (webhooks arrive in the background).
async fn recorded_becomes(stack: &drop_local::Stack, aws: bool, n: usize) {
    for _ in 0..50 {
        let txs = recorded(stack, aws).await;
        if txs.iter().filter(|t| t.strings.get("status").map(String::as_str) == Some("booked")).count() >= n {
            assert_eq!(txs.len(), n, "each transaction once");
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("Drop never recorded {n} booked transactions");
}

async fn euro_account(aws: bool) {
    let (stack, base) = drop_tests::flow::start(aws).await;
    let swan = Swan { base: format!("http://{}", stack.simulator("swan").expect("the Swan simulator")) };
    let kari = ready(&base).await;

    // No account yet; opening starts Swan's onboarding, and asking again answers the same one.
    let none = with_access(client().get(format!("{base}/api/user/wallet")), &kari).send().await.unwrap();
    assert_eq!(problem(none).await, (StatusCode::NOT_FOUND, "no-wallet".into()));
    let r = post(&base, "/api/user/wallet", &kari).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let opened: Value = r.json().await.unwrap();
    assert_eq!(opened["status"], "onboarding");
    let url = opened["onboardingUrl"].as_str().expect("onboardingUrl").to_owned();
    let again: Value = post(&base, "/api/user/wallet", &kari).send().await.unwrap().json().await.unwrap();
    assert_eq!(again["onboardingUrl"].as_str(), Some(url.as_str()));

    // KYC at Swan; back to the frontend; the account is open.
    let back = client().get(&url).send().await.unwrap();
    assert!(back.status().is_redirection());
    assert!(back.headers()["location"].to_str().unwrap().contains("/wallet?code="));
    let w = wallet(&base, &kari).await;
    assert_eq!(
        (w["status"].as_str(), w["bic"].as_str(), w["balance"].as_i64()),
        (Some("active"), Some("SWNBFR22"), Some(0))
    );
    let iban = w["iban"].as_str().unwrap().to_owned();
    assert!(drop_domain::bank_account::iban(&iban).is_ok() && iban.starts_with("FR"), "{iban}");
    assert_eq!(problem(post(&base, "/api/user/wallet", &kari).send().await.unwrap()).await.1, "wallet-exists");

    // Money in, its webhook sent twice and held back behind the next one: recorded once.
    swan.webhooks(json!({"duplicate": true, "reorder": true})).await;
    let first = swan.credit(&iban, "100.50", "Hans Müller").await;
    swan.webhooks(json!({"duplicate": true})).await;
    recorded_becomes(&stack, aws, 1).await;
    // The balance is Swan's (the money is there); the ledger is checked against it below.
    assert_eq!(wallet(&base, &kari).await["balance"], 10_050);

    // A webhook that never comes: the reconciliation poll finds the transaction.
    swan.webhooks(json!({"lose": true})).await;
    let lost = swan.credit(&iban, "20.00", "Hans Müller").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(recorded(&stack, aws).await.len(), 1, "the lost webhook recorded nothing");
    let r = stack.trigger("wallet-reconciliation").await.unwrap();
    assert_eq!(r["recorded"], 1, "{r}");
    recorded_becomes(&stack, aws, 2).await;
    swan.webhooks(json!({})).await;

    // A forged webhook (wrong secret) changes nothing.
    let forged = client()
        .post(format!("{base}/api/webhooks/swan"))
        .header("x-swan-secret", "not-the-secret")
        .json(&json!({"eventType": "Transaction.Booked", "eventId": "e1", "eventDate": "2026-12-02T10:00:00.000Z",
            "projectId": "p", "resourceId": first}))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(forged).await, (StatusCode::UNAUTHORIZED, "invalid-secret".into()));

    // Euro from a name on the sanctions list: an alert and a hold, nothing the user sees.
    let flagged = swan.credit(&iban, "5.00", "Maria Gonzalez").await;
    recorded_becomes(&stack, aws, 3).await;
    let w = wallet(&base, &kari).await;
    assert_eq!(w["balance"], 12_550);
    let shown = w.to_string();
    assert!(!shown.contains("alert") && !shown.contains("hold") && !shown.contains("Gonzalez"), "{shown}");

    // What is stored: each transaction once, booked, with its ledger entries; the hold.
    let items = stored_items(&stack, aws).await;
    let txs: Vec<_> = items.iter().filter(|i| i.sk.starts_with(drop_domain::keys::WALLET_TX_PREFIX)).collect();
    assert_eq!(txs.len(), 3, "{:?}", txs.iter().map(|t| &t.sk).collect::<Vec<_>>());
    assert!(txs.iter().all(|t| t.strings.get("status").map(String::as_str) == Some("booked")));
    for id in [&first, &lost, &flagged] {
        let journal = items.iter().filter(|i| i.pk == drop_domain::keys::ledger_pk(id)).count();
        assert_eq!(journal, 1, "one ledger entry for {id}");
    }
    let held = items.iter().find(|i| i.sk == drop_domain::keys::PROFILE_SK && i.strings.contains_key("aml_hold"));
    let alert_id = held.expect("the user is held").strings["aml_hold"].clone();
    let alert = items.iter().find(|i| i.pk == drop_domain::keys::alert_pk(&alert_id)).expect("the alert");
    assert_eq!(alert.strings.get("subject_type").map(String::as_str), Some("wallet_sender"));
    let ledger = drop_services::remit::ledger::balance(
        stack.ctx.table.as_ref(),
        &drop_services::wallet::wallet_account(&alert.strings["user_id"]),
    )
    .await
    .unwrap();
    assert_eq!(ledger, 12_550);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn euro_account_on_sqlite() {
    euro_account(false).await;
}

#[ignore = "needs moto: tests/run.sh"]
#[tokio::test(flavor = "multi_thread")]
async fn euro_account_on_aws() {
    drop_tests::aws::require();
    euro_account(true).await;
}
