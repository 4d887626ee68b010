//! Money never rests at Drop without a ledger entry and a way out (issue 9, defects 1–5), over HTTP
//! through the local stack: cancel asks the bank first; a bank that settles what Drop cancelled
//! is caught by reconciliation and refunded; approval after the quote expired is refunded and a
//! payment left at SCA is cancelled at the bank; a recipient with a payment in flight cannot be
//! deleted, and a payout without one is refunded; a payout returned after completion is
//! refunded; refunds move money on the refund rail. The invariant checker agrees after each.

use drop_tests::flow::{client, start, Session};
use drop_tests::pay::{add_recipient, confirm, follow, get_json, initiate, link_account, post, ready, wait_status};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn sim(stack: &drop_local::Stack, name: &str) -> String {
    format!("http://{}/{name}", stack.simulator(name).expect("simulator running"))
}

async fn recipient(base: &str, s: &Session) -> String {
    add_recipient(
        base,
        s,
        json!({"name": "Ola Nordmann", "country": "DE", "currency": "EUR", "iban": "DE89370400440532013000"}),
    )
    .await
}

/// Quote and confirm; returns (payment id, SCA URL).
async fn confirmed(base: &str, s: &Session, recipient: &str, account: &str, amount: i64) -> (String, String) {
    let q: Value = initiate(base, s, recipient, amount).await.json().await.unwrap();
    let id = q["paymentId"].as_str().expect("quoted").to_owned();
    let c = confirm(base, s, &id, account, &ulid::Ulid::new().to_string()).await;
    assert_eq!(c.status(), StatusCode::OK);
    let sca = c.json::<Value>().await.unwrap()["scaRedirectUrl"].as_str().unwrap().to_owned();
    (id, sca)
}

/// Approves at the bank's SCA page without following the redirect back to Drop.
async fn approve_only(sca: &str) {
    let r = client().get(format!("{sca}?sim_result=approve")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

async fn reconcile(base: &str) -> Value {
    let r = client().post(format!("{base}/_local/schedules/payment-reconciliation?staleAfterSeconds=0")).send().await;
    r.unwrap().json().await.unwrap()
}

/// Runs reconciliation until the payment reaches `want` (the bank's refund settles over reads).
async fn reconcile_until(base: &str, s: &Session, id: &str, want: &str) -> Value {
    for _ in 0..8 {
        reconcile(base).await;
        let p = get_json(base, &format!("/api/payment/{id}"), s).await;
        if p["status"] == want {
            return p;
        }
    }
    panic!("{id} never reached {want}: {}", get_json(base, &format!("/api/payment/{id}"), s).await);
}

async fn journal_sum(stack: &drop_local::Stack, id: &str, kind: &str) -> i64 {
    let journal = drop_services::remit::ledger::journal(stack.ctx.table.as_ref(), id).await.unwrap();
    journal.iter().filter(|j| j.kind == kind).map(|j| j.amount).sum()
}

async fn assert_invariants(base: &str) {
    let r = client().post(format!("{base}/_local/schedules/ledger-invariants")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let report: Value = r.json().await.unwrap();
    assert!(report["payments"].as_u64().unwrap() > 0, "{report}");
    assert_eq!(report["violations"], json!([]), "{report}");
}

async fn cancel(base: &str, s: &Session, id: &str) -> reqwest::Response {
    post(base, &format!("/api/payment/{id}/cancel"), s).send().await.unwrap()
}

async fn cancel_asks_the_bank(aws: bool) {
    let (stack, base) = start(aws).await;
    let s = ready(&base).await;
    let account = link_account(&base, &s).await;
    let to = recipient(&base, &s).await;
    // 1. Approved at the bank, redirect not followed: cancel is refused and Drop follows the bank.
    let (paid, sca) = confirmed(&base, &s, &to, &account, 150_000).await;
    approve_only(&sca).await;
    let r = cancel(&base, &s, &paid).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(r.json::<Value>().await.unwrap()["type"], "https://problems.drop.no/illegal-state");
    wait_status(&base, &s, &paid, "completed").await;
    assert_eq!(journal_sum(&stack, &paid, "funds_received").await, 150_000);
    // 2. Not yet approved: cancelled at the bank first; approving afterwards changes nothing.
    let (cancelled, sca) = confirmed(&base, &s, &to, &account, 120_000).await;
    let r = cancel(&base, &s, &cancelled).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "cancelled");
    follow(&format!("{sca}?sim_result=approve")).await;
    reconcile(&base).await;
    assert_eq!(get_json(&base, &format!("/api/payment/{cancelled}"), &s).await["status"], "cancelled");
    // 3. The bank settles it anyway: reconciliation finds the money and refunds it.
    let bank_id = stack.ctx.remit.find(&cancelled).await.unwrap().bank_payment_id.unwrap();
    let r = force_bank_status(&stack, bank_id, "ACSC").await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let p = reconcile_until(&base, &s, &cancelled, "refunded").await;
    assert_eq!(p["failureReason"], "funds arrived after cancellation");
    assert_eq!(journal_sum(&stack, &cancelled, "funds_received").await, 120_000);
    assert_eq!(journal_sum(&stack, &cancelled, "refund").await, 120_000);
    assert_invariants(&base).await;
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_asks_the_bank_embedded() {
    cancel_asks_the_bank(false).await;
}

#[ignore = "needs moto: tests/run.sh"]
#[tokio::test(flavor = "multi_thread")]
async fn cancel_asks_the_bank_on_aws() {
    drop_tests::aws::require();
    cancel_asks_the_bank(true).await;
}

/// Moves a payment's quote expiry into the past (as if the user took longer than the quote).
async fn expire_quote(stack: &drop_local::Stack, id: &str) {
    let p = stack.ctx.remit.find(id).await.unwrap();
    let key = drop_services::table::Key::new(format!("USER#{}", p.user_id), format!("PAY#{}", &id[4..]));
    let past = time::OffsetDateTime::now_utc().unix_timestamp() - 3600;
    stack.ctx.table.update(drop_services::table::Update::new(key).set("quote_expires", past)).await.unwrap();
}

async fn late_and_lost(aws: bool) {
    let (stack, base) = start(aws).await;
    let s = ready(&base).await;
    let account = link_account(&base, &s).await;
    let to = recipient(&base, &s).await;
    // Approved after the quote expired: not paid out at the stale rate; refunded.
    let (late, sca) = confirmed(&base, &s, &to, &account, 130_000).await;
    expire_quote(&stack, &late).await;
    follow(&format!("{sca}?sim_result=approve")).await;
    let p = get_json(&base, &format!("/api/payment/{late}"), &s).await;
    assert_eq!(p["status"], "failed", "{p}");
    assert_eq!(p["failureReason"], "authorised after the quote expired");
    reconcile_until(&base, &s, &late, "refunded").await;
    assert_eq!(journal_sum(&stack, &late, "payout").await, 0);
    assert_eq!(journal_sum(&stack, &late, "refund").await, 130_000);
    // Left at SCA past the quote: reconciliation cancels it at the bank; a late approval is void.
    let (left, sca) = confirmed(&base, &s, &to, &account, 110_000).await;
    expire_quote(&stack, &left).await;
    let r = reconcile(&base).await;
    assert!(r["cancelled"].as_u64().unwrap() >= 1, "{r}");
    assert_eq!(get_json(&base, &format!("/api/payment/{left}"), &s).await["status"], "cancelled");
    follow(&format!("{sca}?sim_result=approve")).await;
    reconcile(&base).await;
    assert_eq!(get_json(&base, &format!("/api/payment/{left}"), &s).await["status"], "cancelled");
    // A recipient with a payment in flight cannot be deleted...
    let (inflight, sca) = confirmed(&base, &s, &to, &account, 140_000).await;
    let del = || drop_tests::flow::with_access(client().delete(format!("{base}/api/user/recipients/{to}")), &s);
    let r = del().header("x-requested-with", "fetch").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(r.json::<Value>().await.unwrap()["type"], "https://problems.drop.no/recipient-in-use");
    // ... and one that disappears anyway (a race) leads to a refund, not a loop.
    let user = stack.ctx.remit.find(&inflight).await.unwrap().user_id;
    let key = drop_services::table::Key::new(format!("USER#{user}"), format!("RECIPIENT#{to}"));
    stack.ctx.table.delete(&key, None).await.unwrap();
    follow(&format!("{sca}?sim_result=approve")).await;
    let p = wait_status(&base, &s, &inflight, "failed").await;
    assert_eq!(p["failureReason"], "recipient removed");
    reconcile_until(&base, &s, &inflight, "refunded").await;
    assert_invariants(&base).await;
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn late_approval_and_lost_recipient_are_refunded_embedded() {
    late_and_lost(false).await;
}

#[ignore = "needs moto: tests/run.sh"]
#[tokio::test(flavor = "multi_thread")]
async fn late_approval_and_lost_recipient_are_refunded_on_aws() {
    drop_tests::aws::require();
    late_and_lost(true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_payout_returned_after_completion_is_refunded_on_the_rail() {
    let (stack, base) = start(false).await;
    let s = ready(&base).await;
    let account = link_account(&base, &s).await;
    let to = recipient(&base, &s).await;
    let (id, sca) = confirmed(&base, &s, &to, &account, 2_000_000).await;
    follow(&format!("{sca}?sim_result=approve")).await;
    wait_status(&base, &s, &id, "completed").await;
    let p = stack.ctx.remit.find(&id).await.unwrap();
    assert_eq!(p.provider.as_str(), "wise");
    let tid = p.transfer_id.unwrap();
    // Wise bounces it back (a signed webhook from the simulator).
    let r = client().get(format!("{}/v1/simulation/transfers/{tid}/bounced_back", sim(&stack, "wise"))).send().await;
    assert_eq!(r.unwrap().status(), StatusCode::OK);
    let failed = wait_status(&base, &s, &id, "failed").await;
    assert_eq!(failed["failureReason"], "payout returned");
    reconcile_until(&base, &s, &id, "refunded").await;
    // The refund left on the rail: a credit transfer at the bank, settled.
    let p = stack.ctx.remit.find(&id).await.unwrap();
    let (attempt, refund_id) = p.refund_bank_id.expect("refund transfer recorded");
    assert_eq!(attempt, 1);
    let status = drop_services::remit::ports::RefundRail::refund_status(
        stack.ctx.remit.bank.as_ref().unwrap().refunds.as_ref(),
        &refund_id,
    );
    assert!(["ACSP", "ACSC"].contains(&status.await.unwrap().as_str()));
    for (kind, amount) in [("payout_reversed", 2_000_000 - p.fee), ("fee_reversed", p.fee), ("refund", 2_000_000)] {
        assert_eq!(journal_sum(&stack, &id, kind).await, amount, "{kind}");
    }
    assert_invariants(&base).await;
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn link_and_sca_callbacks_only_work_in_the_browser_that_started_them() {
    let (stack, base) = start(false).await;
    let s = ready(&base).await;
    // Account linking: the bank's redirect replayed in another browser links nothing.
    let r = post(&base, "/api/user/accounts", &s).send().await.unwrap();
    assert!(drop_tests::flow::cookie(&r, "__Host-drop_link").is_some());
    let sca = r.json::<Value>().await.unwrap()["scaRedirectUrl"].as_str().unwrap().to_owned();
    let at_bank = client().get(format!("{sca}?sim_result=approve")).send().await.unwrap();
    let callback = at_bank.headers()["location"].to_str().unwrap().to_owned();
    let r = client().get(&callback).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.json::<Value>().await.unwrap()["type"], "https://problems.drop.no/link-not-started-here");
    assert_eq!(get_json(&base, "/api/user/accounts", &s).await, json!([]));
    // SCA: another browser is sent on without the status and without the bank being asked.
    let account = link_account(&base, &s).await;
    let to = recipient(&base, &s).await;
    let (id, sca) = confirmed(&base, &s, &to, &account, 150_000).await;
    let at_bank = client().get(format!("{sca}?sim_result=approve")).send().await.unwrap();
    let callback = at_bank.headers()["location"].to_str().unwrap().to_owned();
    let r = client().get(&callback).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], format!("http://localhost:5173/payments/{id}").as_str());
    assert_eq!(get_json(&base, &format!("/api/payment/{id}"), &s).await["status"], "pending_authorisation");
    // The browser that confirmed gets the status.
    assert!(follow(&callback).await.contains("status="));
    stack.stop().await;
}

/// The bank changes its mind about a payment (simulator hook).
async fn force_bank_status(
    stack: &drop_local::Stack,
    bank_id: String,
    status: &str,
) -> reqwest::Result<reqwest::Response> {
    client()
        .post(format!("{}/_sim/payments/{bank_id}", sim(stack, "bank")))
        .json(&json!({"transactionStatus": status}))
        .send()
        .await
}

async fn bank_fault(stack: &drop_local::Stack, fault: &str) {
    let r = client().post(format!("{}/_sim/fault", sim(stack, "bank"))).json(&json!({"fault": fault})).send();
    assert_eq!(r.await.unwrap().status(), StatusCode::NO_CONTENT);
}

#[tokio::test(flavor = "multi_thread")]
async fn payout_waits_for_settlement_and_refunds_survive_a_refusal() {
    let (stack, base) = start(false).await;
    let s = ready(&base).await;
    let account = link_account(&base, &s).await;
    let to = recipient(&base, &s).await;
    // Accepted (ACCP) but not settled: no payout while the bank has not settled it; then the bank
    // rejects it. The funds recorded at authorisation are reversed, nothing is paid out.
    let (id, sca) = confirmed(&base, &s, &to, &account, 150_000).await;
    let at_bank = client().get(format!("{sca}?sim_result=approve")).send().await.unwrap();
    let callback = at_bank.headers()["location"].to_str().unwrap().to_owned();
    let bank_id = stack.ctx.remit.find(&id).await.unwrap().bank_payment_id.unwrap();
    let force = |status: &'static str| force_bank_status(&stack, bank_id.clone(), status);
    assert_eq!(force("ACCP").await.unwrap().status(), StatusCode::NO_CONTENT);
    follow(&callback).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await; // the payout worker has looked
    let p = stack.ctx.remit.find(&id).await.unwrap();
    assert_eq!(p.status.as_str(), "authorised", "not paid out before settlement");
    reconcile(&base).await;
    assert_eq!(stack.ctx.remit.find(&id).await.unwrap().status.as_str(), "authorised");
    assert_eq!(force("RJCT").await.unwrap().status(), StatusCode::NO_CONTENT);
    bank_fault(&stack, "none").await;
    reconcile(&base).await;
    let p = get_json(&base, &format!("/api/payment/{id}"), &s).await;
    assert_eq!(p["status"], "cancelled", "{p}");
    assert_eq!(journal_sum(&stack, &id, "funds_reversed").await, 150_000);
    assert_eq!(journal_sum(&stack, &id, "payout").await, 0);
    // The bank settles it after all: the money is recorded again (its own posting) and refunded.
    assert_eq!(force("ACSC").await.unwrap().status(), StatusCode::NO_CONTENT);
    reconcile_until(&base, &s, &id, "refunded").await;
    assert_eq!(journal_sum(&stack, &id, "funds_received_again").await, 150_000);
    assert_eq!(journal_sum(&stack, &id, "refund").await, 150_000);
    // Late funds the bank accepted but never settled are not refunded; when the bank rejects
    // them, they are reversed and the payment cancelled.
    let (unsettled, sca) = confirmed(&base, &s, &to, &account, 120_000).await;
    expire_quote(&stack, &unsettled).await;
    let p = stack.ctx.remit.find(&unsettled).await.unwrap();
    let at_bank = client().get(format!("{sca}?sim_result=approve")).send().await.unwrap();
    let callback = at_bank.headers()["location"].to_str().unwrap().to_owned();
    let bank_id = p.bank_payment_id.unwrap();
    let force2 = |status: &'static str| force_bank_status(&stack, bank_id.clone(), status);
    assert_eq!(force2("ACCP").await.unwrap().status(), StatusCode::NO_CONTENT);
    follow(&callback).await;
    assert_eq!(get_json(&base, &format!("/api/payment/{unsettled}"), &s).await["status"], "failed");
    reconcile(&base).await;
    let p = stack.ctx.remit.find(&unsettled).await.unwrap();
    assert_eq!((p.status.as_str(), p.refund_attempt), ("failed", 0), "no refund of unsettled money");
    assert_eq!(force2("RJCT").await.unwrap().status(), StatusCode::NO_CONTENT);
    reconcile(&base).await;
    assert_eq!(get_json(&base, &format!("/api/payment/{unsettled}"), &s).await["status"], "cancelled");
    assert_eq!(journal_sum(&stack, &unsettled, "funds_reversed").await, 120_000);
    assert_eq!(journal_sum(&stack, &unsettled, "refund").await, 0);
    // A refund the bank refuses when it is sent is counted and retried, not stuck.
    let (late, sca) = confirmed(&base, &s, &to, &account, 130_000).await;
    expire_quote(&stack, &late).await;
    follow(&format!("{sca}?sim_result=approve")).await;
    assert_eq!(get_json(&base, &format!("/api/payment/{late}"), &s).await["status"], "failed");
    bank_fault(&stack, "reject").await;
    reconcile(&base).await;
    let p = stack.ctx.remit.find(&late).await.unwrap();
    assert_eq!((p.status.as_str(), p.refund_attempt), ("failed", 1));
    bank_fault(&stack, "none").await;
    reconcile_until(&base, &s, &late, "refunded").await;
    assert_eq!(stack.ctx.remit.find(&late).await.unwrap().refund_attempt, 2);
    assert_eq!(journal_sum(&stack, &late, "refund").await, 130_000);
    assert_invariants(&base).await;
    stack.stop().await;
}
