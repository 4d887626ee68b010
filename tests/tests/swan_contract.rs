//! The Swan adapter against the Swan simulator over HTTP: every document the adapter sends is
//! valid in the simulator's schema (generated from its server code), and the account's life
//! works on the wire — onboarding with its redirect, an incoming SEPA credit through the Testing
//! API, a transfer out with consent and idempotency, booking, balances, webhooks with the secret.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use drop_adapters::providers::swan::{documents, SwanClient};
use drop_domain::Secret;
use drop_services::remit::ports::ProviderError;
use drop_services::wallet::ports::{BankingProvider, OpenAccount, PaymentState, SepaOrder, TransactionStatus};
use drop_simulators::swan;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

type Hooks = Arc<Mutex<Vec<(Option<String>, Value)>>>;

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// A receiver of Swan's webhooks, and the simulator sending to it.
async fn start() -> (String, Hooks) {
    let hooks: Hooks = Arc::default();
    let receiver = Router::new()
        .route(
            "/api/webhooks/swan",
            post(|State(h): State<Hooks>, headers: HeaderMap, Json(b): Json<Value>| async move {
                let secret = headers.get("x-swan-secret").and_then(|v| v.to_str().ok()).map(str::to_owned);
                h.lock().unwrap().push((secret, b));
                "ok"
            }),
        )
        .with_state(hooks.clone());
    let api = serve(receiver).await;
    (serve(swan::start(&api)).await, hooks)
}

fn client(base: &str) -> SwanClient {
    SwanClient::new(
        &format!("{base}/swan/sandbox-partner/graphql"),
        &format!("{base}/swan/oauth2/token"),
        swan::CLIENT_ID,
        Secret::new(swan::CLIENT_SECRET.to_owned()),
    )
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

use drop_tests::swan::{admin, BOOK, INCOMING};

/// A location header's query parameter.
fn param(location: &str, name: &str) -> Option<String> {
    let url = reqwest::Url::parse(location).ok()?;
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn every_document_is_valid_in_the_simulator_schema() {
    let schema = swan::operations::build(swan::Swan::new(String::new()));
    for (name, doc) in documents::ALL {
        // Executed with no variables: a valid document fails only for its missing variables.
        let resp = schema.execute(async_graphql::Request::new(doc)).await;
        for e in &resp.errors {
            assert!(e.message.contains("Variable") || e.message.contains("variable"), "{name}: {}", e.message);
        }
    }
    let sdl = swan::partner_sdl();
    for name in ["SEPACreditTransferTransaction", "interface Rejection", "union InitiateCreditTransfersPayload", "IBAN"]
    {
        assert!(sdl.contains(name), "{name} in the schema");
    }
    let broken = schema.execute(async_graphql::Request::new("query { account(accountId: \"x\") { iban } }")).await;
    assert!(!broken.errors.is_empty(), "a field Swan does not have is refused");
}

#[tokio::test]
async fn an_account_receives_and_sends_on_the_wire() {
    let (base, hooks) = start().await;
    let swan = client(&base);
    // Transfers wait for the Testing API to book them.
    let knob = json!({"answer": "accept", "outgoing": "pending"});
    http().post(format!("{base}/swan/_sim/consent")).json(&knob).send().await.unwrap();
    let open = OpenAccount {
        country: "FRA",
        account_name: "Kari Nordmann EUR".into(),
        email: Secret::new("kari@example.no".into()),
        first_name: Secret::new("Kari".into()),
        last_name: Secret::new("Nordmann".into()),
        birth_date: Secret::new("1990-05-17".into()),
        redirect_url: "http://drop.test/api/wallet/return".into(),
        state: "st4te".into(),
    };
    let onboarding = swan.open_account(&open).await.unwrap();
    assert!(!onboarding.finalized && onboarding.account_id.is_none());
    // The browser goes through KYC and comes back with a code and Drop's state.
    let back = http().get(&onboarding.url).send().await.unwrap();
    assert!(back.status().is_redirection());
    let location = back.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(param(&location, "state").as_deref(), Some("st4te"));
    assert!(param(&location, "code").is_some());
    let done = swan.onboarding(&onboarding.id).await.unwrap().unwrap();
    let account_id = done.account_id.clone().unwrap();
    assert!(done.finalized);
    let account = swan.account(&account_id).await.unwrap().unwrap();
    let iban = account.iban.clone().unwrap().expose().clone();
    assert!(drop_domain::bank_account::iban(&iban).is_ok() && iban.starts_with("FR"), "{iban}");
    assert_eq!((account.booked, account.available), (0, 0));

    // Money in, through the Testing API.
    let r = admin(
        &base,
        INCOMING,
        json!({"amount": {"value": "100.50", "currency": "EUR"}, "creditorIban": iban, "debtorIban": "DE89370400440532013000",
               "debtorName": "Hans Müller", "endToEndId": "E2E-1", "label": "rent"}),
    )
    .await;
    let tx_id = r["data"]["simulateIncomingSepaCreditTransferReception"]["transactionId"].as_str().unwrap().to_owned();
    let t = swan.transaction(&tx_id).await.unwrap().unwrap();
    assert!(t.credit);
    assert_eq!(
        (t.amount, t.status.clone(), t.account_id.as_str()),
        (10_050, TransactionStatus::Booked, account_id.as_str())
    );
    assert_eq!(t.counterparty_name.expose(), "Hans Müller");
    let page = swan.transactions(&account_id, None, None).await.unwrap();
    assert_eq!(page.transactions.len(), 1);

    // Money out: consent first; the same key answers the same payment.
    let order = SepaOrder {
        account_id: account_id.clone(),
        amount: 2_000,
        beneficiary_iban: Secret::new("DE89370400440532013000".into()),
        beneficiary_name: Secret::new("Hans Müller".into()),
        reference: "DROP-1".into(),
        external_reference: "wtr_1".into(),
        consent_redirect_url: "http://drop.test/api/wallet/consent".into(),
    };
    let user = account.holder_user_id.clone();
    let p = swan.send(&user, &order, "key-1").await.unwrap();
    let PaymentState::ConsentPending { consent_url, consent_id } = p.state.clone() else { panic!("{p:?}") };
    assert_eq!(swan.send(&user, &order, "key-1").await.unwrap().id, p.id);
    let back = http().get(&consent_url).send().await.unwrap();
    let location = back.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(param(&location, "consentId").as_deref(), Some(consent_id.as_str()));
    assert_eq!(param(&location, "status").as_deref(), Some("Accepted"));
    let p = swan.payment(&p.id).await.unwrap().unwrap();
    assert_eq!(p.state, PaymentState::Initiated);
    let out = swan.transaction(&p.transaction_ids[0]).await.unwrap().unwrap();
    assert_eq!((out.credit, out.amount, out.status.clone()), (false, 2_000, TransactionStatus::Pending));
    assert_eq!(out.payment_id.as_deref(), Some(p.id.as_str()));
    admin(&base, BOOK, json!({"transactionId": out.id})).await;
    let out = swan.transaction(&out.id).await.unwrap().unwrap();
    assert_eq!(out.status, TransactionStatus::Booked);
    let account = swan.account(&account_id).await.unwrap().unwrap();
    assert_eq!(account.booked, 8_050);

    // A transfer as someone who does not hold the account is refused.
    let other = swan.send("usr_someone_else", &order, "key-2").await;
    assert!(matches!(other, Err(ProviderError::Rejected(ref m)) if m.contains("Forbidden")), "{other:?}");

    // Webhooks: the 5-field body, with the secret.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let got = hooks.lock().unwrap().clone();
    assert!(got.iter().all(|(s, _)| s.as_deref() == Some(swan::WEBHOOK_SECRET)));
    assert!(got.iter().all(|(_, b)| b.as_object().unwrap().len() == 5));
    let booked: Vec<&Value> = got.iter().map(|(_, b)| b).filter(|b| b["eventType"] == "Transaction.Booked").collect();
    assert!(booked.iter().any(|b| b["resourceId"] == tx_id.as_str()), "{got:?}");
}

#[tokio::test]
async fn rate_limits_are_retried_then_reported_as_transient() {
    let (base, _) = start().await;
    let swan = client(&base);
    assert!(swan.account("acc_none").await.unwrap().is_none());
    http().post(format!("{base}/swan/_sim/fault")).json(&json!({"fault": "too_many_requests"})).send().await.unwrap();
    let r = swan.account("acc_none").await;
    assert!(matches!(r, Err(ProviderError::Transient(_))), "{r:?}");
    http().post(format!("{base}/swan/_sim/fault")).json(&json!({"fault": "none"})).send().await.unwrap();
    assert!(swan.account("acc_none").await.unwrap().is_none());
}

#[tokio::test]
async fn duplicated_webhooks_arrive_twice_and_lost_ones_never() {
    let (base, hooks) = start().await;
    let set = |knobs: Value| {
        let base = base.clone();
        async move { http().post(format!("{base}/swan/_sim/webhooks")).json(&knobs).send().await.unwrap() }
    };
    let swan = client(&base);
    let open = |n: &str| OpenAccount {
        country: "DEU",
        account_name: n.into(),
        email: Secret::new("a@example.no".into()),
        first_name: Secret::new("A".into()),
        last_name: Secret::new("B".into()),
        birth_date: Secret::new("1990-01-01".into()),
        redirect_url: String::new(),
        state: String::new(),
    };
    let o = swan.open_account(&open("one")).await.unwrap();
    set(json!({"duplicate": true})).await;
    http().get(&o.url).send().await.unwrap();
    set(json!({"lose": true})).await;
    let o2 = swan.open_account(&open("two")).await.unwrap();
    http().get(&o2.url).send().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let got = hooks.lock().unwrap().clone();
    let about = |id: &str| got.iter().filter(|(_, b)| b["resourceId"] == id).count();
    assert_eq!(about(&o.id), 2, "duplicated");
    assert_eq!(about(&o2.id), 0, "lost");
    let log: Value = http().get(format!("{base}/swan/_sim/webhooks")).send().await.unwrap().json().await.unwrap();
    assert!(log["deliveries"].as_array().unwrap().iter().any(|d| d["status"] == "lost"));
}
