//! The compliance console in headless Chromium (Debian's `chromium` and `chromium-driver`, which
//! tests/run.sh installs), driven over WebDriver against drop-local: sign in with BankID as an
//! admin, open the case queue, open a case, write a note, draft an STR, approve it as a second admin
//! and download its goAML XML. Screenshots of each screen go to `target/console-screenshots/`.

use drop_tests::flow::{login, start};
use drop_tests::pay::ready;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::time::Duration;

const STAFF: &str = "29029648784";
const SECOND: &str = "15038512363";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

fn shots() -> std::path::PathBuf {
    let dir = drop_tests::root().join("target").join("console-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    std::fs::write(shots().join(format!("{name}.png")), png).unwrap();
}

/// Waits until the element is displayed and its text contains `text`.
async fn wait_text(c: &Client, css: &str, text: &str) -> String {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(e) = c.find(Locator::Css(css)).await {
            if e.is_displayed().await.unwrap_or(false) {
                last = e.text().await.unwrap_or_default();
                if last.contains(text) {
                    return last;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} never showed {text:?} (last: {last:?}; status: {:?})", status(c).await);
}

async fn status(c: &Client) -> String {
    match c.find(Locator::Id("status")).await {
        Ok(e) => e.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).click().await.unwrap();
}

async fn fill(c: &Client, css: &str, text: &str) {
    let e = c.find(Locator::Css(css)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

/// Signs in through the BankID simulator's page as `nnin`.
async fn sign_in(c: &Client, nnin: &str) {
    wait_text(c, "#signin", "Sign in").await;
    click(c, "#signin-button").await;
    wait_text(c, "h1", "BankID").await;
    fill(c, "input[name=sim_nnin]", nnin).await;
    let forms = c.find_all(Locator::Css("form")).await.unwrap();
    forms[1].find(Locator::Css("button")).await.unwrap().click().await.unwrap();
    wait_text(c, "#queue", "Case queue").await;
}

async fn chromedriver() -> (std::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = std::process::Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromedriver");
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if reqwest::get(format!("{url}/status")).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (child, url)
}

#[ignore = "needs Debian's chromium and chromium-driver: tests/run.sh installs them"]
#[tokio::test(flavor = "multi_thread")]
async fn the_console_takes_a_case_from_alert_to_str() {
    assert!(std::path::Path::new(CHROMEDRIVER).exists(), "chromium-driver is not installed");
    let (stack, base) = start(false).await;
    // A customer whose new recipient is on the list: an alert, filed into a case.
    let kari = ready(&base).await;
    let blocked = json!({"name": "Ivan Petrovich Sidorov", "country": "RU", "currency": "EUR", "accountNumber": "40817810099910004312"});
    let r = drop_tests::pay::post(&base, "/api/user/recipients", &kari).json(&blocked).send().await.unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::FORBIDDEN);
    // Two compliance officers, made admins by the operator path.
    for nnin in [STAFF, SECOND] {
        let s = login(&base, nnin).await.map_err(|r| r.status()).unwrap();
        let id = drop_services::auth::jwt::parse(&s.access).unwrap().claims["sub"].as_str().unwrap().to_owned();
        let (t, a) = (stack.ctx.table.as_ref(), stack.ctx.audit.as_ref());
        drop_services::auth::users::grant_role(t, a, &id, drop_domain::role::Role::Admin, "operator:test", 0)
            .await
            .unwrap();
    }

    let (mut driver, url) = chromedriver().await;
    let caps = json!({"goog:chromeOptions": {"binary": CHROMIUM, "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1100"]}});
    let caps: serde_json::Map<String, Value> = serde_json::from_value(caps).unwrap();
    let c = ClientBuilder::rustls().unwrap().capabilities(caps).connect(&url).await.expect("a Chromium session");

    c.goto(&format!("{base}/console")).await.unwrap();
    wait_text(&c, "#signin", "Sign in with BankID").await;
    shot(&c, "01-sign-in").await;
    sign_in(&c, STAFF).await;
    let row = wait_text(&c, "#queue-rows", "cas_").await;
    assert!(row.contains("open"), "{row}");
    shot(&c, "02-case-queue").await;

    // The case: its alert with the matched list entry; a note.
    click(&c, "#queue-rows button").await;
    wait_text(&c, "#case-alerts", "screening").await;
    wait_text(&c, "#case-alerts", "entryId").await;
    fill(&c, "#note-text", "Called the customer; the recipient is a business contact.").await;
    click(&c, "#note-form button").await;
    wait_text(&c, "#case-timeline", "business contact").await;
    shot(&c, "03-case").await;

    // An STR drafted, completed and submitted.
    click(&c, "#case-str").await;
    wait_text(&c, "#str-title", "str_").await;
    fill(&c, "#str-reason", "Recipient on the sanctions list; a new account with no history.").await;
    fill(&c, "#str-action", "Transfers held; the customer was contacted.").await;
    click(&c, "#str-form button").await;
    wait_text(&c, "#status", "Draft saved").await;
    click(&c, "#str-submit").await;
    wait_text(&c, "#str-facts", "in_review").await;
    // The drafter cannot approve it.
    click(&c, "#str-approve").await;
    wait_text(&c, "#status", "you proposed").await.to_string();
    shot(&c, "04-str-editor").await;
    let str_title = c.find(Locator::Id("str-title")).await.unwrap().text().await.unwrap();
    let str_id = str_title.rsplit(' ').next().unwrap().to_owned();

    // The second admin approves it and downloads the goAML XML.
    click(&c, "#sign-out").await;
    sign_in(&c, SECOND).await;
    click(&c, "#queue-rows button").await;
    wait_text(&c, "#case-reports", &str_id).await;
    click(&c, "#case-reports button").await;
    wait_text(&c, "#str-facts", "in_review").await;
    click(&c, "#str-approve").await;
    wait_text(&c, "#str-facts", "approved").await;
    shot(&c, "05-str-approved-by-second-admin").await;
    click(&c, "#export-goaml").await;
    wait_text(&c, "#status", "Downloaded the goaml export").await;
    let script = "const done = arguments[arguments.length - 1]; \
        fetch(arguments[0], {credentials: 'same-origin'}).then(r => r.text()).then(done, e => done('error ' + e));";
    let xml =
        c.execute_async(script, vec![json!(format!("/api/admin/strs/{str_id}/export?format=goaml"))]).await.unwrap();
    let xml = xml.as_str().unwrap_or_default().to_owned();
    assert!(
        xml.starts_with("<?xml") && xml.contains(&format!("<entity_reference>{str_id}</entity_reference>")),
        "{xml}"
    );
    std::fs::write(shots().join(format!("{str_id}.xml")), &xml).unwrap();
    shot(&c, "06-goaml-downloaded").await;

    c.close().await.unwrap();
    let _ = driver.kill();
    stack.stop().await;
}
