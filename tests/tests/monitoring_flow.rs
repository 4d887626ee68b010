//! Payment screening and AML monitoring through the local stack: the cheap rules and the
//! recipient's screening inside confirm (a FATF call-for-action country or a possible sanctions
//! match declines before the bank is asked), the behavioural rules in the payment-monitor consumer
//! over rolling aggregates (a structuring pattern holds the user's next transfer), redelivery
//! counted once, and the re-screen of everyone against a new list version.

use drop_services::table::Key;
use drop_tests::flow::{client, login, start, with_access, Session, ADULT};
use drop_tests::pay::{add_recipient, confirm, initiate, initiate_in, link_account, pay_approved, ready};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

fn user_id(s: &Session) -> String {
    drop_services::auth::jwt::parse(&s.access).unwrap().claims["sub"].as_str().unwrap().to_owned()
}

async fn alerts(stack: &drop_local::Stack) -> Vec<Value> {
    let list = drop_services::alerts::list(stack.ctx.table.as_ref(), 200).await.unwrap();
    list.iter().map(|a| serde_json::to_value(drop_functions::admin::AlertView::from(a)).unwrap()).collect()
}

/// Waits for the payment-monitor consumer's decision on a payment.
async fn monitored(stack: &drop_local::Stack, user: &str, payment: &str) -> drop_services::table::Item {
    let key = Key::new(format!("USER#{user}"), format!("AMLDEC#{payment}#monitor"));
    for _ in 0..300 {
        if let Some(item) = stack.ctx.table.get(&key).await.unwrap() {
            return item;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{payment} was never monitored");
}

#[tokio::test(flavor = "multi_thread")]
async fn confirm_declines_call_for_action_countries_and_possible_matches() {
    let (stack, base) = start(false).await;
    let s = ready(&base).await;
    let account = link_account(&base, &s).await;
    // Myanmar is on the FATF call-for-action list: blocked for review, before the bank is asked.
    let mm = add_recipient(
        &base,
        &s,
        json!({"name": "Aung Min Thu", "country": "MM", "currency": "USD", "accountNumber": "0012345678"}),
    )
    .await;
    let r = initiate_in(&base, &s, &mm, 50_000, "USD").await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["paymentId"].as_str().unwrap().to_owned();
    let declined = confirm(&base, &s, &id, &account, "mm-1").await;
    assert_eq!(declined.status(), StatusCode::FORBIDDEN);
    let problem: Value = declined.json().await.unwrap();
    assert_eq!(problem["type"], "https://problems.drop.no/payment-declined");
    assert!(!problem.to_string().contains("FATF"), "the user is not told why: {problem}");
    // The same key replays the refusal; the payment is cancelled with its limit released.
    let again = confirm(&base, &s, &id, &account, "mm-1").await;
    assert_eq!(again.status(), StatusCode::FORBIDDEN);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let p: Value =
        with_access(client().get(format!("{base}/api/payment/{id}")), &s).send().await.unwrap().json().await.unwrap();
    assert_eq!((p["status"].as_str(), p["failureReason"].as_str()), (Some("cancelled"), Some("declined")));
    let all = alerts(&stack).await;
    let a = all.iter().find(|a| a["subjectId"] == id.as_str()).unwrap_or_else(|| panic!("no alert: {all:?}"));
    assert_eq!((a["kind"].as_str(), a["trigger"].as_str()), (Some("aml"), Some("confirm")));
    assert_eq!(a["outcome"], "block_and_review");
    assert_eq!(a["algorithm"], "drop-aml@2");
    assert_eq!(
        (a["dataset"].as_str(), a["version"].as_str()),
        (Some("drop-fixture"), Some(drop_simulators::lists::FIRST_VERSION))
    );
    let rules = a["rules"]["results"].as_array().unwrap();
    let hrj = rules.iter().find(|r| r["rule"] == "high_risk_jurisdiction").unwrap();
    assert_eq!(hrj["outcome"]["result"], "forced");
    assert_eq!(a["rules"]["countryLists"], "fatf-2025-10");

    // A recipient that possibly matches the list (allowed at creation, alerted) is refused at confirm.
    let maybe = add_recipient(
        &base,
        &s,
        json!({"name": "Maria Gonzalez", "country": "NO", "currency": "EUR", "accountNumber": "86011117947"}),
    )
    .await;
    let r = initiate(&base, &s, &maybe, 50_000).await;
    let id = r.json::<Value>().await.unwrap()["paymentId"].as_str().unwrap().to_owned();
    assert_eq!(confirm(&base, &s, &id, &account, "maybe-1").await.status(), StatusCode::FORBIDDEN);
    let all = alerts(&stack).await;
    let at_confirm: Vec<&Value> = all.iter().filter(|a| a["trigger"] == "confirm").collect();
    assert!(at_confirm.iter().any(|a| a["kind"] == "screening" && a["subjectId"] == maybe.as_str()), "{all:?}");
    assert!(at_confirm
        .iter()
        .any(|a| a["kind"] == "aml" && a["subjectId"] == id.as_str() && a["rules"]["screening"] == "potential_hit"));
    // An ordinary payment goes through, and its decision is on record.
    let de = add_recipient(
        &base,
        &s,
        json!({"name": "Ola Nordmann", "country": "DE", "currency": "EUR", "iban": "DE89370400440532013000"}),
    )
    .await;
    let ok = pay_approved(&base, &s, &de, &account, 50_000).await;
    let user = user_id(&s);
    let d = stack.ctx.table.get(&Key::new(format!("USER#{user}"), format!("AMLDEC#{ok}#confirm"))).await.unwrap();
    let d = d.expect("the confirm decision is stored");
    assert_eq!((d.s("outcome"), d.s("screening")), (Some("approve"), Some("no_hit")));
    stack.stop().await;
}

/// Another adult (born 1996-02-29), made compliance staff.
const STAFF: &str = "29029648784";

async fn structuring_holds_the_next_transfer(aws: bool) {
    let (stack, base) = start(aws).await;
    let s = ready(&base).await;
    let user = user_id(&s);
    let account = link_account(&base, &s).await;
    let mut recipients = Vec::new();
    for name in ["Ola Nordmann", "Kari Hansen", "Per Olsen", "Liv Berg", "Nils Dahl", "Eva Lie"] {
        let body = json!({"name": name, "country": "DE", "currency": "EUR", "iban": "DE89370400440532013000"});
        recipients.push(add_recipient(&base, &s, body).await);
    }
    // NOK 11,000 twice (just below EUR 1,000 at NOK 11.60 each), three small ones in between, five
    // recipients within the hour: structuring 200 + velocity 200 + many recipients 100 = 500.
    let amounts = [1_100_000, 10_000, 10_000, 10_000, 1_100_000];
    let mut last = None;
    for (i, amount) in amounts.iter().enumerate() {
        let id = pay_approved(&base, &s, &recipients[i], &account, *amount).await;
        last = Some(monitored(&stack, &user, &id).await);
    }
    let d = last.unwrap();
    assert_eq!(d.s("outcome"), Some("block_and_review"), "{d:?}");
    assert_eq!(d.n("score"), Some(500), "{:?}", d.s("results"));
    let results: Value = serde_json::from_str(d.s("results").unwrap()).unwrap();
    for rule in ["structuring", "velocity", "many_recipients"] {
        let r = results.as_array().unwrap().iter().find(|r| r["rule"] == rule).unwrap();
        assert_eq!(r["outcome"]["result"], "hit", "{rule}: {r}");
    }
    let payment = d.s("payment_id").unwrap().to_owned();
    let all = alerts(&stack).await;
    let a = all.iter().find(|a| a["subjectId"] == payment.as_str() && a["trigger"] == "monitor").expect("alert");
    assert_eq!(a["outcome"], "block_and_review");
    assert_eq!(a["score"], 500);
    // The aggregates hold the five transfers once each.
    let aggs = drop_services::aml_records::aggregates(stack.ctx.table.as_ref(), &user).await.unwrap();
    let now = stack.ctx.clock.epoch();
    assert_eq!(aggs.days(now, 1).out_count, 5);
    assert_eq!(aggs.days(now, 1).near[0], 2);
    // A redelivered event changes nothing.
    let redelivered = stack
        .ctx
        .remit
        .monitor_event("evt_not_seen_before", drop_domain::payment::Status::Authorised, &payment, now)
        .await;
    assert!(matches!(redelivered, Ok(drop_services::remit::aml_checks::Monitored::Duplicate)), "{redelivered:?}");
    let again = drop_services::aml_records::aggregates(stack.ctx.table.as_ref(), &user).await.unwrap();
    assert_eq!(again, aggs);
    // The user's next transfer is held before the bank is asked.
    let r = initiate(&base, &s, &recipients[5], 10_000).await;
    let id = r.json::<Value>().await.unwrap()["paymentId"].as_str().unwrap().to_owned();
    let held = confirm(&base, &s, &id, &account, "after-hold").await;
    assert_eq!(held.status(), StatusCode::FORBIDDEN);

    // Compliance reviews the alert. Users cannot close alerts; an admin's false positive releases
    // the hold, audited on the user's chain.
    let alert_id = a["id"].as_str().unwrap().to_owned();
    let close = |who: &Session, resolution: &str| {
        with_access(client().post(format!("{base}/api/admin/alerts/{alert_id}/close")), who)
            .header("x-requested-with", "fetch")
            .json(&json!({"resolution": resolution}))
            .send()
    };
    assert_eq!(close(&s, "false_positive").await.unwrap().status(), StatusCode::FORBIDDEN);
    let staff = login(&base, STAFF).await.map_err(|r| r.status()).unwrap();
    let role = drop_domain::role::Role::Admin;
    drop_services::auth::users::set_role(stack.ctx.table.as_ref(), &user_id(&staff), role).await.unwrap();
    let admin = login(&base, STAFF).await.map_err(|r| r.status()).unwrap();
    assert_eq!(close(&admin, "not-a-resolution").await.unwrap().status(), StatusCode::BAD_REQUEST);
    let r = close(&admin, "false_positive").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let closed: Value = r.json().await.unwrap();
    assert_eq!(closed["holdReleased"], true);
    assert_eq!(
        (closed["alert"]["status"].as_str(), closed["alert"]["resolution"].as_str()),
        (Some("closed"), Some("false_positive"))
    );
    assert_eq!(close(&admin, "false_positive").await.unwrap().status(), StatusCode::CONFLICT);
    let chain = drop_services::audit::read_chain(stack.ctx.audit.as_ref(), &user).await.unwrap();
    assert!(chain.iter().any(|e| e.action == "alert.closed" && e.actor == user_id(&admin)), "{chain:?}");
    let r = initiate(&base, &s, &recipients[5], 10_000).await;
    let id = r.json::<Value>().await.unwrap()["paymentId"].as_str().unwrap().to_owned();
    assert_eq!(confirm(&base, &s, &id, &account, "after-release").await.status(), StatusCode::OK);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn structuring_holds_the_next_transfer_embedded() {
    structuring_holds_the_next_transfer(false).await;
}

#[ignore = "needs moto: tests/run.sh"]
#[tokio::test(flavor = "multi_thread")]
async fn structuring_holds_the_next_transfer_on_aws() {
    drop_tests::aws::require();
    structuring_holds_the_next_transfer(true).await;
}

/// The BankID simulator names this person "Ingrid Johansen", a fixture entry.
const LISTED: &str = "08089409382";

#[tokio::test(flavor = "multi_thread")]
async fn rescreen_runs_everyone_against_a_new_list_version() {
    let (stack, base) = start(false).await;
    let s = login(&base, ADULT).await.map_err(|r| r.status()).unwrap();
    let listed = login(&base, LISTED).await.map_err(|r| r.status()).unwrap();
    let listed_id = user_id(&listed);
    let rcp = add_recipient(
        &base,
        &s,
        json!({"name": "Tormod Kvalheim", "country": "DE", "currency": "EUR", "iban": "DE89370400440532013000"}),
    )
    .await;
    // The schedule against the loaded list, one page per run: users, then recipients, then done.
    let run = |pages: u32| {
        client().post(format!("http://{}/_local/schedules/screening-rescreen?maxPages={pages}", stack.addr)).send()
    };
    let first: Value = run(1).await.unwrap().json().await.unwrap();
    assert_eq!(first["list"], format!("drop-fixture@{}", drop_simulators::lists::FIRST_VERSION));
    assert_eq!((first["phase"].as_str(), first["screened"].as_i64()), (Some("recipient"), Some(2)), "{first}");
    let second: Value = run(1).await.unwrap().json().await.unwrap();
    assert_eq!((second["phase"].as_str(), second["screened"].as_i64()), (Some("done"), Some(3)), "{second}");
    let third: Value = run(5).await.unwrap().json().await.unwrap();
    assert_eq!((third["pages"].as_i64(), third["screened"].as_i64()), (Some(0), Some(3)), "nothing left: {third}");
    let all = alerts(&stack).await;
    let rescreened: Vec<&Value> = all.iter().filter(|a| a["trigger"] == "rescreen").collect();
    assert_eq!(rescreened.len(), 1, "{all:?}");
    assert_eq!(rescreened[0]["subjectId"], listed_id.as_str());

    // A new list version naming the recipient: everyone again, and the recipient is alerted once
    // even though the run is repeated.
    let csv = "id,schema,name,aliases,birth_date,countries,addresses,identifiers,sanctions,phones,emails,dataset,first_seen,last_seen\n\
               new-1,Person,Tormod Kvalheim,,,de,,,,,,Test list,2026-11-25,2026-11-25\n";
    let v2 = drop_services::screening::Screener::load("list.csv", csv.as_bytes(), "test-list", "v2").unwrap();
    let (t, crypto) = (stack.ctx.table.as_ref(), &stack.ctx.crypto);
    let mut reports = Vec::new();
    let p = drop_services::rescreen::run(t, crypto, &v2, 1_900_000_000, || true, |p| reports.push(p.clone()))
        .await
        .unwrap();
    assert_eq!((p.list.as_str(), p.phase.as_str(), p.screened), ("test-list@v2", "done", 3));
    assert_eq!(p.confirmed_hits, 1);
    assert_eq!(reports.len(), 2, "progress after every page");
    let hits: Vec<Value> = alerts(&stack).await.into_iter().filter(|a| a["version"] == "v2").collect();
    assert_eq!(hits.len(), 1);
    assert_eq!(
        (hits[0]["subjectType"].as_str(), hits[0]["subjectId"].as_str()),
        (Some("recipient"), Some(rcp.as_str()))
    );
    assert_eq!(hits[0]["userId"], user_id(&s).as_str());
    // The same run again from the start (as after a lost progress write): no second alert.
    t.delete(&Key::new("SCREENING#RESCREEN", "STATE"), None).await.unwrap();
    drop_services::rescreen::run(t, crypto, &v2, 1_900_000_000, || true, |_| {}).await.unwrap();
    assert_eq!(alerts(&stack).await.iter().filter(|a| a["version"] == "v2").count(), 1);
    stack.stop().await;
}
