//! Remittance end to end through the local stack over HTTP, with the bank, Wise and Thunes
//! simulators: link an account, add a recipient, quote (both providers, cheapest wins), confirm
//! with an Idempotency-Key, SCA, payout, webhooks, completed; history and ledger agree. Races on
//! one key and on the daily limit; forged webhooks; provider outages and reconciliation.

use drop_tests::flow::{client, start, start_with, stored_text, with_access, Session};
use drop_tests::pay::{confirm, follow, get_json, initiate, link_account, post, ready, wait_status};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn add_recipient(base: &str, s: &Session) -> String {
    let body =
        json!({"name": "Ola Nordmann", "country": "DE", "currency": "EUR", "iban": "DE89 3704 0044 0532 0130 00"});
    drop_tests::pay::add_recipient(base, s, body).await
}

async fn fault(url: &str, fault: &str) {
    let r = client().post(url).json(&json!({"fault": fault})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}

fn sim(stack: &drop_local::Stack, name: &str) -> String {
    format!("http://{}/{name}", stack.simulator(name).expect("simulator running"))
}

/// Pays `nok_minor` to the recipient all the way; returns the payment at `completed`.
async fn pay(base: &str, s: &Session, recipient: &str, account: &str, nok_minor: i64, expect_provider: &str) -> Value {
    let r = initiate(base, s, recipient, nok_minor).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let q: Value = r.json().await.unwrap();
    assert_eq!(q["provider"], expect_provider, "{q}");
    assert_eq!(q["totalDebit"], nok_minor);
    assert!(q["targetAmount"].as_i64().unwrap() > 0 && q["fee"].as_i64().unwrap() > 0);
    let id = q["paymentId"].as_str().unwrap().to_owned();
    let c = confirm(base, s, &id, account, &ulid::Ulid::new().to_string()).await;
    assert_eq!(c.status(), StatusCode::OK);
    let sca = c.json::<Value>().await.unwrap()["scaRedirectUrl"].as_str().unwrap().to_owned();
    let back = follow(&format!("{sca}?sim_result=approve")).await;
    assert!(back.contains(&format!("/payments/{id}")), "{back}");
    wait_status(base, s, &id, "completed").await
}

async fn flow(aws: bool) {
    let (stack, base) = start(aws).await;
    let s = ready(&base).await;
    let account = link_account(&base, &s).await;
    let recipient = add_recipient(&base, &s).await;
    // Small amounts: Thunes is cheaper; large: Wise.
    let small = pay(&base, &s, &recipient, &account, 150_000, "thunes").await;
    let large = pay(&base, &s, &recipient, &account, 2_000_000, "wise").await;
    // History: newest first, and it agrees with the ledger.
    let h = get_json(&base, "/api/payment/history?limit=10", &s).await;
    let items = h["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], large["id"]);
    assert_eq!(items[1]["id"], small["id"]);
    for p in [&small, &large] {
        let journal =
            drop_services::remit::ledger::journal(stack.ctx.table.as_ref(), p["id"].as_str().unwrap()).await.unwrap();
        let sum = |kind: &str| journal.iter().filter(|j| j.kind == kind).map(|j| j.amount).sum::<i64>();
        assert_eq!(sum("funds_received"), p["totalDebit"].as_i64().unwrap());
        assert_eq!(sum("fee"), p["fee"].as_i64().unwrap());
        assert_eq!(sum("payout") + sum("fee"), sum("funds_received"), "everything received was paid out or earned");
    }
    let user = jwt_sub(&s.access);
    assert_eq!(
        drop_services::remit::ledger::balance(stack.ctx.table.as_ref(), &format!("customer:{user}:NOK")).await.unwrap(),
        0
    );
    assert_eq!(
        drop_services::remit::ledger::balance(stack.ctx.table.as_ref(), "safeguarding:NOK").await.unwrap(),
        -2_150_000,
        "assets are debit-normal"
    );
    let fees = drop_services::remit::ledger::balance(stack.ctx.table.as_ref(), "revenue:fees:NOK").await.unwrap();
    assert_eq!(fees, small["fee"].as_i64().unwrap() + large["fee"].as_i64().unwrap());
    // A forged Wise webhook changes nothing.
    let forged = json!({"data": {"resource": {"type": "transfer", "id": 1, "profile_id": 1, "account_id": 0}, "current_state": "bounced_back", "previous_state": "outgoing_payment_sent", "occurred_at": "2026-11-24T12:00:00Z"}, "event_type": "transfers#state-change", "schema_version": "2.0.0"});
    let r = client()
        .post(format!("{base}/api/webhooks/wise"))
        .header("x-signature-sha256", "AAAA")
        .json(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        get_json(&base, &format!("/api/payment/{}", large["id"].as_str().unwrap()), &s).await["status"],
        "completed"
    );
    // No account number or recipient name in plaintext anywhere at rest.
    let text = stored_text(&stack, aws).await;
    assert!(text.contains("RECIPIENT#") && text.contains("ACCOUNT#"));
    for pii in ["DE89370400440532013000", "DE89 3704", "86011117947", "90412263056", "NO9386011117947", "Ola Nordmann"]
    {
        assert!(!text.contains(pii), "plaintext {pii} stored");
    }
    // Removing an account leaves the other.
    let del = || {
        with_access(client().delete(format!("{base}/api/user/accounts/{account}")), &s).header("x-requested-with", "x")
    };
    assert_eq!(del().send().await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(get_json(&base, "/api/user/accounts", &s).await.as_array().unwrap().len(), 1);
    assert_eq!(del().send().await.unwrap().status(), StatusCode::NOT_FOUND);
    stack.stop().await;
}

fn jwt_sub(token: &str) -> String {
    drop_services::auth::jwt::parse(token).unwrap().claims["sub"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn remittance_end_to_end_embedded() {
    flow(false).await;
}

#[ignore = "needs moto: tests/run.sh"]
#[tokio::test(flavor = "multi_thread")]
async fn remittance_end_to_end_on_aws() {
    drop_tests::aws::require();
    flow(true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_concurrent_confirms_with_one_key_make_one_bank_payment() {
    let (stack, base) = start(false).await;
    let s = ready(&base).await;
    let account = link_account(&base, &s).await;
    let recipient = add_recipient(&base, &s).await;
    let q: Value = initiate(&base, &s, &recipient, 300_000).await.json().await.unwrap();
    let id = q["paymentId"].as_str().unwrap().to_owned();
    // Without a key: 400. Then the race.
    let r = post(&base, "/api/payment/confirm", &s)
        .json(&json!({"paymentId": id, "accountId": account}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let key = "7d1f0b6e-5a0e-4f55-9d61-3f7a4c2b9e10";
    let calls = (0..50).map(|_| {
        let (base, id, account) = (base.clone(), id.clone(), account.clone());
        let access = s.access.clone();
        async move {
            let s = Session { access, refresh: String::new(), location: String::new() };
            let r = confirm(&base, &s, &id, &account, key).await;
            (r.status(), r.text().await.unwrap())
        }
    });
    let results = futures::future::join_all(calls).await;
    let ok: std::collections::BTreeSet<String> = results
        .iter()
        .filter(|(st, _)| *st == StatusCode::OK)
        .map(|(_, b)| serde_json::from_str::<Value>(b).unwrap()["scaRedirectUrl"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ok.len(), 1, "one bank payment: {results:?}");
    assert!(results.iter().all(|(st, _)| *st == StatusCode::OK || *st == StatusCode::CONFLICT), "{results:?}");
    // Later: the same key replays; another body is 422.
    let again = confirm(&base, &s, &id, &account, key).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let other = confirm(&base, &s, &id, "acc_other", key).await;
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // One payout.
    let sca = ok.into_iter().next().unwrap();
    follow(&format!("{sca}?sim_result=approve")).await;
    wait_status(&base, &s, &id, "completed").await;
    let journal = drop_services::remit::ledger::journal(stack.ctx.table.as_ref(), &id).await.unwrap();
    assert_eq!(journal.iter().filter(|j| j.kind == "payout").count(), 1);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_concurrent_initiates_cannot_overdraw_the_daily_limit() {
    let mut opts = drop_tests::local_options(false);
    opts.env.insert("LIMIT_PER_DAY".into(), "1000000".into());
    let (stack, base) = start_with(opts).await;
    let s = ready(&base).await;
    let recipient = add_recipient(&base, &s).await;
    let calls = (0..50).map(|_| {
        let (base, recipient, access) = (base.clone(), recipient.clone(), s.access.clone());
        async move {
            let s = Session { access, refresh: String::new(), location: String::new() };
            initiate(&base, &s, &recipient, 100_000).await.status()
        }
    });
    let statuses = futures::future::join_all(calls).await;
    let created = statuses.iter().filter(|st| **st == StatusCode::CREATED).count();
    let refused = statuses.iter().filter(|st| **st == StatusCode::UNPROCESSABLE_ENTITY).count();
    assert_eq!(created, 10, "NOK 10,000 a day at NOK 1,000 each: {statuses:?}");
    assert_eq!(created + refused, 50);
    // History pages with cursors sealed for this user: paging finds every payment once, and
    // another user cannot page on with them.
    let all = get_json(&base, "/api/payment/history?limit=100", &s).await["items"].as_array().unwrap().len();
    let (mut seen, mut next, mut first_cursor) = (std::collections::BTreeSet::new(), String::new(), None);
    loop {
        let h = get_json(&base, &format!("/api/payment/history?limit=4&cursor={next}"), &s).await;
        assert!(h["items"].is_array(), "{h}");
        for p in h["items"].as_array().unwrap() {
            assert!(seen.insert(p["id"].as_str().unwrap().to_owned()), "a payment on two pages");
        }
        match h["cursor"].as_str() {
            Some(c) => next = c.to_owned(),
            None => break,
        }
        first_cursor.get_or_insert_with(|| next.clone());
    }
    assert_eq!(seen.len(), all);
    let other = drop_tests::flow::login(&base, "29029648784").await.map_err(|r| r.status()).unwrap();
    let borrowed = format!("/api/payment/history?limit=4&cursor={}", first_cursor.unwrap());
    let r = with_access(client().get(format!("{base}{borrowed}")), &other).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // Cancelling gives the reservation back.
    let h = get_json(&base, "/api/payment/history?limit=1", &s).await;
    let id = h["items"][0]["id"].as_str().unwrap().to_owned();
    let r = post(&base, &format!("/api/payment/{id}/cancel"), &s).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(initiate(&base, &s, &recipient, 100_000).await.status(), StatusCode::CREATED);
    assert_eq!(initiate(&base, &s, &recipient, 100_000).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A cancelled payment cannot be cancelled or confirmed again.
    assert_eq!(
        post(&base, &format!("/api/payment/{id}/cancel"), &s).send().await.unwrap().status(),
        StatusCode::CONFLICT
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn outages_fall_back_fail_cleanly_and_reconciliation_unsticks() {
    let (stack, base) = start(false).await;
    let s = ready(&base).await;
    let account = link_account(&base, &s).await;
    let recipient = add_recipient(&base, &s).await;
    let (wise, thunes, bank) = (sim(&stack, "wise"), sim(&stack, "thunes"), sim(&stack, "bank"));
    // Wise down: the large payment goes to Thunes.
    fault(&format!("{wise}/_sim/fault"), "server_error").await;
    let q: Value = initiate(&base, &s, &recipient, 2_000_000).await.json().await.unwrap();
    assert_eq!(q["provider"], "thunes");
    // Both down: a clean 503, nothing stored.
    fault(&format!("{thunes}/_sim/fault"), "too_many_requests").await;
    let r = initiate(&base, &s, &recipient, 2_000_000).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.json::<Value>().await.unwrap()["type"], "https://problems.drop.no/no-quote");
    fault(&format!("{wise}/_sim/fault"), "none").await;
    fault(&format!("{thunes}/_sim/fault"), "none").await;
    // The bank is down when the user comes back from SCA: the payment waits...
    let id = q["paymentId"].as_str().unwrap().to_owned();
    let c: Value = confirm(&base, &s, &id, &account, "k-outage").await.json().await.unwrap();
    fault(&format!("{bank}/_sim/fault"), "server_error").await;
    follow(&format!("{}?sim_result=approve", c["scaRedirectUrl"].as_str().unwrap())).await;
    assert_eq!(get_json(&base, &format!("/api/payment/{id}"), &s).await["status"], "pending_authorisation");
    // ... and reconciliation moves it on once the bank answers.
    fault(&format!("{bank}/_sim/fault"), "none").await;
    let r = client()
        .post(format!("{base}/_local/schedules/payment-reconciliation?staleAfterSeconds=0"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    wait_status(&base, &s, &id, "completed").await;
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_payout_fails_and_is_refunded_by_reconciliation() {
    let (stack, base) = start(false).await;
    let s = ready(&base).await;
    let account = link_account(&base, &s).await;
    let recipient = add_recipient(&base, &s).await;
    let q: Value = initiate(&base, &s, &recipient, 2_000_000).await.json().await.unwrap();
    assert_eq!(q["provider"], "wise");
    let id = q["paymentId"].as_str().unwrap().to_owned();
    // Wise refuses to fund the transfer.
    fault(&format!("{}/_sim/fault", sim(&stack, "wise")), "reject").await;
    let c: Value = confirm(&base, &s, &id, &account, "k-refund").await.json().await.unwrap();
    follow(&format!("{}?sim_result=approve", c["scaRedirectUrl"].as_str().unwrap())).await;
    let failed = wait_status(&base, &s, &id, "failed").await;
    assert!(failed["failureReason"].as_str().unwrap().contains("rejected"), "{failed}");
    // The refund is a credit transfer on the refund rail: started, then settled over the bank's reads.
    for _ in 0..6 {
        let r = client()
            .post(format!("{base}/_local/schedules/payment-reconciliation?staleAfterSeconds=0"))
            .send()
            .await
            .unwrap();
        assert!(r.json::<Value>().await.unwrap()["refunded"].as_u64().unwrap() >= 1);
        if get_json(&base, &format!("/api/payment/{id}"), &s).await["status"] == "refunded" {
            break;
        }
    }
    wait_status(&base, &s, &id, "refunded").await;
    let journal = drop_services::remit::ledger::journal(stack.ctx.table.as_ref(), &id).await.unwrap();
    let sum = |kind: &str| journal.iter().filter(|j| j.kind == kind).map(|j| j.amount).sum::<i64>();
    assert_eq!(sum("funds_received"), 2_000_000);
    assert_eq!(sum("refund"), 2_000_000);
    let user = jwt_sub(&s.access);
    assert_eq!(
        drop_services::remit::ledger::balance(stack.ctx.table.as_ref(), &format!("customer:{user}:NOK")).await.unwrap(),
        0
    );
    // Refunded is final.
    assert_eq!(
        post(&base, &format!("/api/payment/{id}/cancel"), &s).send().await.unwrap().status(),
        StatusCode::CONFLICT
    );
    stack.stop().await;
}
