//! The euro account end to end through drop-local over HTTP with the Swan simulator, on SQLite
//! and on moto: open it (Swan's onboarding and its redirect), see it active with an IBAN; euro
//! sent to it through Swan's Testing API appears once in the balance, the ledger and the stored
//! transactions, whether the webhook is duplicated, reordered or lost (the reconciliation poll
//! finds it); a wrong `x-swan-secret` changes nothing; a sender on the sanctions list raises an
//! alert and holds the user's transfers, and the user sees nothing of it.

use drop_tests::flow::{client, stored_items, with_access};
use drop_tests::pay::{add_recipient, get_json, post, problem, ready};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

struct Swan {
    base: String,
    aws: bool,
}

impl Swan {
    /// Sends `value` euro from `name` to `iban`; answers Swan's transaction id.
    async fn credit(&self, iban: &str, value: &str, name: &str) -> String {
        drop_tests::swan::credit(&self.base, iban, value, name).await
    }

    /// What the consent page answers next, and what becomes of accepted transfers.
    async fn consent(&self, answer: &str, outgoing: &str) {
        let knob = json!({"answer": answer, "outgoing": outgoing});
        let r = client().post(format!("{}/swan/_sim/consent", self.base)).json(&knob).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
    }

    /// Swan's payments that carry this external reference.
    async fn payments_for(&self, reference: &str) -> usize {
        let v: Value =
            client().get(format!("{}/swan/_sim/payments", self.base)).send().await.unwrap().json().await.unwrap();
        v["payments"].as_array().unwrap().iter().filter(|p| p["externalReferences"][0] == reference).count()
    }

    async fn webhooks(&self, mut knobs: Value) {
        // On moto one delivery at a time (see `WebhookKnobs::serial`).
        knobs["serial"] = self.aws.into();
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
        let booked = txs.iter().filter(|t| t.strings.get("status").map(String::as_str) == Some("booked")).count();
        if booked >= n {
            assert_eq!(booked, n, "each transaction once");
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("Drop never recorded {n} booked transactions");
}

/// Follows a transfer's consent page like the browser; answers the transfer id.
/// Waits until the user's AML day buckets hold this many credits summing to this many øre.
async fn money_in_becomes(stack: &drop_local::Stack, user: &str, want: (i64, i64)) {
    let mut got = (0, 0);
    for _ in 0..100 {
        let a = drop_services::aml_records::aggregates(stack.ctx.table.as_ref(), user).await.unwrap();
        let days = a.buckets.iter().filter(|(k, _)| matches!(k, drop_domain::aml::BucketKey::Day(_)));
        got = days.fold((0, 0), |(n, s), (_, b)| (n + b.in_count, s + b.in_sum));
        if got == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("money in counted {got:?}, not {want:?}");
}

async fn follow_consent(base: &str, s: &drop_tests::flow::Session, r: reqwest::Response) -> String {
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["status"], "consent_pending", "{t}");
    let id = t["transferId"].as_str().unwrap().to_owned();
    let back = client().get(t["consentUrl"].as_str().unwrap()).send().await.unwrap();
    assert!(back.status().is_redirection());
    assert!(back.headers()["location"].to_str().unwrap().contains(&format!("/wallet/transfers/{id}")));
    let _ = (base, s);
    id
}

/// Waits until the transfer is in `status`, then answers it as its owner sees it. On SQLite the
/// owner keeps looking (each look asks Swan, racing the webhooks); on moto the webhooks alone move
/// it (moto undoes a concurrent transaction when another one fails, which DynamoDB does not).
async fn transfer_becomes(
    base: &str,
    s: &drop_tests::flow::Session,
    stack: &drop_local::Stack,
    aws: bool,
    id: &str,
    status: &str,
) -> Value {
    let sk = drop_domain::keys::wallet_transfer_sk(id);
    for _ in 0..50 {
        if aws {
            let items = stored_items(stack, aws).await;
            if items.iter().any(|i| i.sk == sk && i.strings.get("status").map(String::as_str) == Some(status)) {
                return get_json(base, &format!("/api/wallet/transfers/{id}"), s).await;
            }
        } else {
            let t = get_json(base, &format!("/api/wallet/transfers/{id}"), s).await;
            if t["status"] == status {
                return t;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("transfer {id} never became {status}");
}

async fn euro_account(aws: bool) {
    let (stack, base) = drop_tests::flow::start(aws).await;
    let swan = Swan { base: format!("http://{}", stack.simulator("swan").expect("the Swan simulator")), aws };
    swan.webhooks(json!({})).await;
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
    // Money in counts in the AML aggregates once, in kroner at Norges Bank's rate of the day
    // (the simulator's 11.7250), each credit converted and rounded down on its own.
    let user = drop_services::auth::jwt::parse(&kari.access).unwrap().claims["sub"].as_str().unwrap().to_owned();
    assert_eq!(drop_simulators::norges_bank::EUR_RATE, "11.7250");
    money_in_becomes(&stack, &user, (2, 117_836 + 23_450)).await;

    // Euro out: not to a NOK recipient, not more than the balance; consent, then booked.
    let hans = json!({"name": "Hans Müller", "country": "DE", "currency": "EUR", "iban": "DE89370400440532013000"});
    let to = add_recipient(&base, &kari, hans).await;
    let ola = json!({"name": "Ola Nordmann", "country": "NO", "currency": "EUR", "accountNumber": "86011117947"});
    let nok = add_recipient(&base, &kari, ola).await;
    let send = |recipient: &str, amount: i64, key: &str| {
        post(&base, "/api/wallet/transfers", &kari)
            .header("idempotency-key", key)
            .json(&json!({"recipientId": recipient, "amount": amount}))
            .send()
    };
    assert_eq!(problem(send(&nok, 1_000, "k-nok").await.unwrap()).await.1, "recipient-not-euro");
    assert_eq!(problem(send(&to, 20_000, "k-big").await.unwrap()).await.1, "insufficient-funds");
    assert_eq!(problem(send(&to, 0, "k-zero").await.unwrap()).await.0, StatusCode::BAD_REQUEST);
    let sent = follow_consent(&base, &kari, send(&to, 2_000, "k-sent").await.unwrap()).await;
    assert_eq!(transfer_becomes(&base, &kari, &stack, aws, &sent, "sent").await["amount"], 2_000);

    // Refused at the consent page, and rejected by the bank: failed, the limits released.
    swan.consent("refuse", "book").await;
    let refused = follow_consent(&base, &kari, send(&to, 1_000, "k-refused").await.unwrap()).await;
    transfer_becomes(&base, &kari, &stack, aws, &refused, "failed").await;
    swan.consent("accept", "reject").await;
    let rejected = follow_consent(&base, &kari, send(&to, 1_500, "k-rejected").await.unwrap()).await;
    transfer_becomes(&base, &kari, &stack, aws, &rejected, "failed").await;
    swan.consent("accept", "book").await;
    let (day, _) = drop_services::remit::limits::periods(stack.ctx.clock.now());
    let counter = drop_services::table::Key::new(
        drop_domain::keys::user_pk(&user),
        drop_domain::keys::limit_sk(&format!("EUR-{day}")),
    );
    let reserved = stack.ctx.table.get(&counter).await.unwrap().and_then(|i| i.n("reserved")).unwrap_or(0);
    assert_eq!(reserved, 2_000, "only the sent transfer counts on today's limit");

    // Swan makes the transfer but its answer is lost: 503, the key's lock released; the owner's
    // look and the retry find the transfer the key made, and Swan holds one payment.
    let fault = |f: &'static str| {
        let url = format!("{}/swan/_sim/fault", swan.base);
        async move { client().post(url).json(&json!({"fault": f})).send().await.unwrap() }
    };
    fault("lost_answer").await;
    assert_eq!(send(&to, 700, "k-lost").await.unwrap().status(), StatusCode::SERVICE_UNAVAILABLE);
    fault("none").await;
    let lost_id = drop_services::wallet::send::transfer_id(&user, "k-lost");
    assert_eq!(get_json(&base, &format!("/api/wallet/transfers/{lost_id}"), &kari).await["status"], "consent_pending");
    let retried: Value = send(&to, 700, "k-lost").await.unwrap().json().await.unwrap();
    assert_eq!(
        (retried["transferId"].as_str(), retried["status"].as_str()),
        (Some(lost_id.as_str()), Some("consent_pending"))
    );
    assert_eq!(swan.payments_for(&lost_id).await, 1);
    // One the user never comes back for: reconciliation gives it to Swan again.
    fault("lost_answer").await;
    assert_eq!(send(&to, 600, "k-lost-2").await.unwrap().status(), StatusCode::SERVICE_UNAVAILABLE);
    fault("none").await;
    let r = stack.trigger("wallet-reconciliation").await.unwrap();
    assert!(r["transfers"].as_u64() >= Some(1), "{r}");
    let lost_2 = drop_services::wallet::send::transfer_id(&user, "k-lost-2");
    assert_eq!(get_json(&base, &format!("/api/wallet/transfers/{lost_2}"), &kari).await["status"], "consent_pending");
    assert_eq!(swan.payments_for(&lost_2).await, 1);

    // Fifty at once under one key: one transfer, one payment at Swan.
    let many = futures::future::join_all((0..50).map(|_| send(&to, 1_000, "k-many"))).await;
    let statuses: Vec<u16> = many.iter().map(|r| r.as_ref().unwrap().status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 202 || *s == 409), "{statuses:?}");
    let winner = many.into_iter().map(|r| r.unwrap()).find(|r| r.status() == StatusCode::ACCEPTED).expect("one 202");
    let id = winner.json::<Value>().await.unwrap()["transferId"].as_str().unwrap().to_owned();
    assert_eq!(swan.payments_for(&id).await, 1);
    let replay = send(&to, 1_000, "k-many").await.unwrap();
    assert_eq!(replay.json::<Value>().await.unwrap()["transferId"].as_str(), Some(id.as_str()));
    let stranger = drop_tests::flow::login(&base, "29029648784").await.map_err(|r| r.status()).unwrap();
    let theirs =
        with_access(client().get(format!("{base}/api/wallet/transfers/{id}")), &stranger).send().await.unwrap();
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);

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
    // Three credits and one transfer out booked (the rejected one is recorded, not booked; the
    // fifty-times-asked one waits for its consent).
    recorded_becomes(&stack, aws, 4).await;
    money_in_becomes(&stack, &user, (3, 117_836 + 23_450 + 5_862)).await;
    let w = wallet(&base, &kari).await;
    assert_eq!(w["balance"], 12_550 - 2_000);
    // The history shows each transaction once: three received, one sent, one rejected.
    let h = get_json(&base, "/api/payment/history?limit=100", &kari).await;
    let items: Vec<Value> = h["items"].as_array().unwrap().iter().filter(|i| i["type"] == "wallet").cloned().collect();
    assert_eq!(items.len(), 5, "{h}");
    let one = items.iter().filter(|i| i["transactionId"] == first.as_str()).collect::<Vec<_>>();
    assert_eq!(one.len(), 1);
    let (d, n) = (one[0]["direction"].as_str(), one[0]["counterpartyName"].as_str());
    assert_eq!(
        (d, n, one[0]["amount"].as_i64(), one[0]["currency"].as_str()),
        (Some("received"), Some("Hans Müller"), Some(10_050), Some("EUR"))
    );
    let sent_out: Vec<&Value> = items.iter().filter(|i| i["direction"] == "sent" && i["status"] == "booked").collect();
    assert_eq!(sent_out.len(), 1);
    assert_eq!(sent_out[0]["amount"], 2_000);
    let booked = get_json(&base, "/api/payment/history?limit=100&status=booked", &kari).await;
    assert_eq!(booked["items"].as_array().unwrap().len(), 4, "{booked}");
    let remittances = get_json(&base, "/api/payment/history?type=remittance", &kari).await;
    assert!(remittances["items"].as_array().unwrap().iter().all(|i| i["type"] != "wallet"));
    // Paged two at a time, the same five.
    let (mut seen, mut cursor) = (Vec::new(), String::new());
    loop {
        let page = get_json(&base, &format!("/api/payment/history?limit=2&cursor={cursor}"), &kari).await;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|i| i["type"] == "wallet")
                .map(|i| i["transactionId"].clone()),
        );
        match page["cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5, "no page repeats one");
    seen.sort_by_key(|v| v.to_string());
    seen.dedup();
    assert_eq!(seen.len(), 5);
    let shown = w.to_string();
    assert!(!shown.contains("alert") && !shown.contains("hold") && !shown.contains("Gonzalez"), "{shown}");

    // What is stored: each transaction once, booked, with its ledger entries; the hold.
    let items = stored_items(&stack, aws).await;
    let txs: Vec<_> = items.iter().filter(|i| i.sk.starts_with(drop_domain::keys::WALLET_TX_PREFIX)).collect();
    let booked = txs.iter().filter(|t| t.strings.get("status").map(String::as_str) == Some("booked")).count();
    assert_eq!((txs.len(), booked), (5, 4), "{:?}", txs.iter().map(|t| &t.sk).collect::<Vec<_>>());
    for id in [&first, &lost, &flagged] {
        let journal = items.iter().filter(|i| i.pk == drop_domain::keys::ledger_pk(id)).count();
        assert_eq!(journal, 1, "one ledger entry for {id}");
    }
    let hold = format!("{}alert#", drop_domain::keys::HOLD_PREFIX);
    let held = items.iter().find(|i| i.pk == drop_domain::keys::user_pk(&user) && i.sk.starts_with(&hold));
    let alert_id = held.expect("the user is held").sk[hold.len()..].to_owned();
    let alert = items.iter().find(|i| i.pk == drop_domain::keys::alert_pk(&alert_id)).expect("the alert");
    assert_eq!(alert.strings.get("subject_type").map(String::as_str), Some("wallet_sender"));
    let account = drop_services::wallet::wallet_account(&alert.strings["user_id"]);
    let ledger = drop_services::remit::ledger::balance(stack.ctx.table.as_ref(), &account).await.unwrap();
    assert_eq!(ledger, 12_550 - 2_000);

    // The daily check: a credit whose webhook was lost is read first, then the books agree with
    // Swan; a posting gone missing is a difference.
    swan.webhooks(json!({"lose": true})).await;
    swan.credit(&iban, "1.00", "Hans Müller").await;
    let check = stack.trigger("wallet-balance-check").await.unwrap();
    assert_eq!(
        (check["wallets"].as_u64(), check["differences"].as_array().map(Vec::len)),
        (Some(1), Some(0)),
        "{check}"
    );
    let tamper = drop_services::table::Update::new(drop_services::table::Key::new(
        drop_domain::keys::ledger_account_pk(&account),
        drop_domain::keys::BALANCE_SK,
    ))
    .add("balance", -100);
    stack.ctx.table.update(tamper).await.unwrap();
    let check = stack.trigger("wallet-balance-check").await.unwrap();
    let d = &check["differences"][0];
    assert_eq!((d["ledger"].as_i64(), d["bank"].as_i64()), (Some(10_550), Some(10_650)), "{check}");
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
