//! Screening through the local stack (synthetic fixture list): a sign-up whose name matches a
//! list entry raises an alert that an admin sees and the user does not; recipients are screened
//! on creation (a confirmed hit blocks, a potential hit raises an alert).

use drop_tests::flow::{client, login, start, with_access, ADULT};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The BankID simulator names this person "Ingrid Johansen", a fixture entry.
const LISTED: &str = "08089409382";

#[tokio::test(flavor = "multi_thread")]
async fn sign_up_match_raises_an_alert_for_admins_only() {
    let (stack, base) = start(false).await;
    let listed = login(&base, LISTED).await.map_err(|r| r.status()).expect("the listed person can still log in");
    let listed_id = drop_services::auth::jwt::parse(&listed.access).unwrap().claims["sub"].as_str().unwrap().to_owned();
    // The user cannot see alerts.
    let r = with_access(client().get(format!("{base}/api/admin/alerts")), &listed).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // An admin can.
    let staff = login(&base, ADULT).await.map_err(|r| r.status()).unwrap();
    let staff_id = drop_services::auth::jwt::parse(&staff.access).unwrap().claims["sub"].as_str().unwrap().to_owned();
    drop_services::auth::users::set_role(stack.ctx.table.as_ref(), &staff_id, drop_domain::role::Role::Admin)
        .await
        .unwrap();
    let admin = login(&base, ADULT).await.map_err(|r| r.status()).unwrap();
    let alerts: Value = with_access(client().get(format!("{base}/api/admin/alerts")), &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mine: Vec<&Value> =
        alerts.as_array().unwrap().iter().filter(|a| a["subjectId"] == listed_id.as_str()).collect();
    assert_eq!(mine.len(), 1, "{alerts}");
    let a = mine[0];
    assert_eq!(a["trigger"], "onboarding");
    assert_eq!(a["dataset"], "drop-fixture");
    assert_eq!(a["version"], drop_simulators::lists::FIRST_VERSION);
    assert_eq!(a["algorithm"], "drop-name-v1");
    assert!(a["score"].as_f64().unwrap() >= 0.7);
    assert_eq!(a["entries"][0]["entryId"], "drop-fx-0004");
    // Their transfers are held for review, by this alert.
    let key = drop_services::table::Key::new(format!("USER#{listed_id}"), "PROFILE");
    let profile = stack.ctx.table.get(&key).await.unwrap().unwrap();
    assert!(drop_services::holds::is_held(&profile));
    let holds = drop_services::holds::of_user(stack.ctx.table.as_ref(), &listed_id).await.unwrap();
    assert_eq!(holds.len(), 1);
    assert_eq!((holds[0].0, Some(holds[0].1.as_str())), (drop_services::holds::Source::Alert, a["id"].as_str()));
    // The adult's own sign-up did not match anything.
    assert!(!alerts
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["subjectId"] == staff_id.as_str() && a["trigger"] == "onboarding"));
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn recipients_are_screened_on_creation() {
    let (stack, base) = start(false).await;
    let s = login(&base, ADULT).await.map_err(|r| r.status()).unwrap();
    let create = |body: Value| {
        with_access(client().post(format!("{base}/api/user/recipients")), &s)
            .header("x-requested-with", "x")
            .json(&body)
            .send()
    };
    let blocked = create(json!({"name": "Ivan Petrovich Sidorov", "country": "RU", "currency": "EUR", "accountNumber": "40817810099910004312"})).await.unwrap();
    assert_eq!(blocked.status(), StatusCode::FORBIDDEN);
    assert_eq!(blocked.json::<Value>().await.unwrap()["type"], "https://problems.drop.no/recipient-blocked");
    let possible =
        create(json!({"name": "Maria Gonzalez", "country": "NO", "currency": "EUR", "accountNumber": "86011117947"}))
            .await
            .unwrap();
    assert_eq!(possible.status(), StatusCode::CREATED);
    let clean =
        create(json!({"name": "Ola Nordmann", "country": "DE", "currency": "EUR", "iban": "DE89370400440532013000"}))
            .await
            .unwrap();
    assert_eq!(clean.status(), StatusCode::CREATED);
    let alerts: Vec<Value> = drop_services::alerts::list(stack.ctx.table.as_ref(), 50)
        .await
        .unwrap()
        .iter()
        .map(|a| serde_json::to_value(drop_functions::admin::AlertView::from(a)).unwrap())
        .collect();
    let recipients: Vec<&Value> = alerts.iter().filter(|a| a["subjectType"] == "recipient").collect();
    assert_eq!(recipients.len(), 2, "one blocked, one potential: {alerts:?}");
    assert!(recipients.iter().any(|a| a["confirmed"] == true));
    assert!(recipients.iter().any(|a| a["confirmed"] == false));
    // Alerts hold list data and scores, not the query's name.
    let text = serde_json::to_string(&alerts).unwrap();
    assert!(!text.contains("Ola Nordmann") && !text.to_lowercase().contains("maria gonzalez\""));
    stack.stop().await;
}
