//! The compliance workflow through the local stack, on SQLite and on moto: alerts about one user
//! grouped into a case (a second alert joins it), assignment, an encrypted note, a linked payment,
//! escalation holding the user's transfers with nothing but a neutral answer to them, an STR drafted
//! from the case, approved only by a second admin, exported as goAML XML (every mandatory element of
//! compliance reference §3.2 present) and MT-0002, filed; the case closed as reported by four eyes;
//! every read audited; a later alert opens a new case.

use drop_tests::flow::{client, login, stored_text, with_access, Session};
use drop_tests::pay::{add_recipient, confirm, get_json, initiate, link_account, pay_approved, post, problem, ready};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

/// Compliance staff: Ola Nordmann, and a second adult (a valid synthetic-free fødselsnummer).
const STAFF: &str = "29029648784";
const SECOND: &str = "15038512363";

fn user_id(s: &Session) -> String {
    drop_services::auth::jwt::parse(&s.access).unwrap().claims["sub"].as_str().unwrap().to_owned()
}

async fn admin(stack: &drop_local::Stack, base: &str, nnin: &str) -> Session {
    let s = login(base, nnin).await.map_err(|r| r.status()).unwrap();
    drop_services::auth::users::set_role(stack.ctx.table.as_ref(), &user_id(&s), drop_domain::role::Role::Admin)
        .await
        .unwrap();
    login(base, nnin).await.map_err(|r| r.status()).unwrap()
}

/// The user's case once it has this many alerts (the intake runs behind the bus).
async fn case_with(base: &str, who: &Session, user: &str, alerts: i64) -> Value {
    let mut last = Value::Null;
    for _ in 0..150 {
        last = get_json(base, "/api/admin/cases?open=true&sort=score", who).await;
        if let Some(c) = last.as_array().unwrap().iter().find(|c| c["userId"] == user && c["alertCount"] == alerts) {
            return c.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no open case of {user} with {alerts} alerts: {last}");
}

fn send<'a>(
    base: &'a str,
    who: &'a Session,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> reqwest::RequestBuilder {
    with_access(client().request(method, format!("{base}{path}")), who).header("x-requested-with", "fetch").json(&body)
}

/// The elements of a goAML document, each with its parent path; fails on malformed XML or a
/// closing tag that does not match.
fn elements(xml: &str) -> Vec<String> {
    let (mut stack, mut out): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for token in xmlparser::Tokenizer::from(xml) {
        match token.expect("well-formed XML") {
            xmlparser::Token::ElementStart { local, .. } => {
                stack.push(local.as_str().to_owned());
                out.push(stack.join("/"));
            }
            xmlparser::Token::ElementEnd { end: xmlparser::ElementEnd::Close(_, name), .. } => {
                assert_eq!(stack.pop().as_deref(), Some(name.as_str()), "mismatched closing tag");
            }
            xmlparser::Token::ElementEnd { end: xmlparser::ElementEnd::Empty, .. } => {
                stack.pop();
            }
            _ => {}
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
    out
}

/// Compliance reference §3.2: what goAML 5.0.2 requires of a report about a person paying a
/// counterparty abroad. BankID gives no identity document, so `identification` has no issue or
/// expiry date (a KYC gap named in the issue note).
const MANDATORY: &[&str] = &[
    "report/rentity_id",
    "report/submission_code",
    "report/report_code",
    "report/entity_reference",
    "report/submission_date",
    "report/currency_code_local",
    "report/transaction/transactionnumber",
    "report/transaction/transaction_location",
    "report/transaction/transaction_description",
    "report/transaction/date_transaction",
    "report/transaction/transmode_code",
    "report/transaction/transmode_comment",
    "report/transaction/amount_local",
    "report/transaction/t_from_my_client/from_funds_code",
    "report/transaction/t_from_my_client/from_person/gender",
    "report/transaction/t_from_my_client/from_person/first_name",
    "report/transaction/t_from_my_client/from_person/last_name",
    "report/transaction/t_from_my_client/from_person/birthdate",
    "report/transaction/t_from_my_client/from_person/id_number",
    "report/transaction/t_from_my_client/from_person/nationality1",
    "report/transaction/t_from_my_client/from_person/residence",
    "report/transaction/t_from_my_client/from_person/phones/phone/tph_contact_type",
    "report/transaction/t_from_my_client/from_person/phones/phone/tph_communication_type",
    "report/transaction/t_from_my_client/from_person/phones/phone/tph_number",
    "report/transaction/t_from_my_client/from_person/identification/type",
    "report/transaction/t_from_my_client/from_person/identification/number",
    "report/transaction/t_from_my_client/from_person/identification/issue_country",
    "report/transaction/t_from_my_client/from_person/tax_reg_number",
    "report/transaction/t_from_my_client/from_country",
    "report/transaction/t_to/to_foreign_currency/foreign_currency_code",
    "report/transaction/t_to/to_foreign_currency/foreign_amount",
    "report/transaction/t_to/to_foreign_currency/foreign_exchange_rate",
    "report/transaction/t_to/to_person/first_name",
    "report/transaction/t_to/to_person/last_name",
    "report/transaction/t_to/to_country",
    "report/report_indicators/indicator",
];

async fn compliance_workflow(aws: bool) {
    let (stack, base) = drop_tests::flow::start(aws).await;
    let kari = ready(&base).await;
    let kari_id = user_id(&kari);
    let account = link_account(&base, &kari).await;
    let hans =
        json!({"name": "Hans Peter Müller", "country": "DE", "currency": "EUR", "iban": "DE89370400440532013000"});
    let to = add_recipient(&base, &kari, hans).await;
    let paid = pay_approved(&base, &kari, &to, &account, 150_000).await;

    // Two screening alerts about Kari's recipients: one case, opened by the first, joined by the second.
    let blocked = json!({"name": "Ivan Petrovich Sidorov", "country": "RU", "currency": "EUR", "accountNumber": "40817810099910004312"});
    assert_eq!(
        post(&base, "/api/user/recipients", &kari).json(&blocked).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let one = admin(&stack, &base, STAFF).await;
    let two = admin(&stack, &base, SECOND).await;
    let first = case_with(&base, &one, &kari_id, 1).await;
    let possible =
        json!({"name": "Maria Gonzalez", "country": "NO", "currency": "EUR", "accountNumber": "86011117947"});
    add_recipient(&base, &kari, possible).await;
    let case = case_with(&base, &one, &kari_id, 2).await;
    assert_eq!(case["id"], first["id"], "the second alert joins the open case");
    assert_eq!((case["status"].as_str(), case["subjectType"].as_str()), (Some("open"), Some("user")));
    let id = case["id"].as_str().unwrap().to_owned();
    let path = |p: &str| format!("/api/admin/cases/{id}{p}");

    // Not for users: 403, and nothing of it in what Kari sees.
    let r = with_access(client().get(format!("{base}/api/admin/cases")), &kari).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Work on it: assign (only to an admin), a note, a link (only to Kari's payment, once).
    let r =
        send(&base, &one, reqwest::Method::POST, &path("/assign"), json!({"assignee": kari_id})).send().await.unwrap();
    assert_eq!(problem(r).await, (StatusCode::BAD_REQUEST, "invalid-field".into()));
    let r = send(&base, &one, reqwest::Method::POST, &path("/assign"), json!({"assignee": user_id(&one)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "investigating");
    let note = "Kunden sier mottakeren er fetteren hennes; kontoen er ny.";
    let r = send(&base, &one, reqwest::Method::POST, &path("/notes"), json!({"text": note})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = send(&base, &one, reqwest::Method::POST, &path("/notes"), json!({"text": "  "})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    for created in [true, false] {
        let r =
            send(&base, &one, reqwest::Method::POST, &path("/links"), json!({"paymentId": paid})).send().await.unwrap();
        assert_eq!(r.json::<Value>().await.unwrap()["created"], created);
    }
    let r = send(&base, &one, reqwest::Method::POST, &path("/links"), json!({"paymentId": "pay_not_hers"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // A document attached: encrypted in the case store, read back as it was, audited.
    use base64::Engine;
    let statement = "Kontoutskrift: 3 overføringer til Sidorov, oktober.";
    let b64 = base64::engine::general_purpose::STANDARD.encode(statement);
    let attach = |body: Value| send(&base, &one, reqwest::Method::POST, &path("/attachments"), body).send();
    let bad = attach(json!({"fileName": "../x.txt", "contentType": "text/plain", "contentBase64": b64})).await.unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let bad = attach(json!({"fileName": "x.exe", "contentType": "application/x-msdownload", "contentBase64": b64}))
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let r = attach(json!({"fileName": "kontoutskrift oktober.txt", "contentType": "text/plain", "contentBase64": b64}))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let att = r.json::<Value>().await.unwrap()["attachmentId"].as_str().unwrap().to_owned();
    let got = with_access(client().get(format!("{base}{}", path(&format!("/attachments/{att}")))), &two)
        .send()
        .await
        .unwrap();
    assert_eq!(got.headers()["content-type"], "text/plain");
    assert_eq!(got.text().await.unwrap(), statement);
    let stored = stack.ctx.case_files.as_ref().unwrap().get(&format!("cases/{id}/{att}")).await.unwrap().unwrap();
    assert!(!String::from_utf8_lossy(&stored).contains("Sidorov"), "the attachment is encrypted in the store");
    assert!(!stored_text(&stack, aws).await.contains("kontoutskrift"), "its name is encrypted in the table");
    let missing =
        with_access(client().get(format!("{base}{}", path("/attachments/att_nope"))), &two).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    let detail = get_json(&base, &path(""), &two).await;
    assert_eq!(detail["attachments"][0]["fileName"], "kontoutskrift oktober.txt");
    let kinds: Vec<&str> = detail["timeline"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["alert", "alert", "assigned", "note", "link", "attachment"], "{detail}");
    assert_eq!(detail["timeline"][3]["text"], note);
    assert_eq!(detail["alerts"].as_array().unwrap().len(), 2);
    assert_eq!(detail["payments"], json!([paid]));
    assert!(!stored_text(&stack, aws).await.contains("fetteren"), "the note is encrypted at rest");

    // Escalated: Kari's next transfer is held with the answer any declined payment gets.
    let r = send(&base, &one, reqwest::Method::POST, &path("/transition"), json!({"event": "escalate"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "escalated");
    let q = initiate(&base, &kari, &to, 10_000).await.json::<Value>().await.unwrap();
    let held = confirm(&base, &kari, q["paymentId"].as_str().unwrap(), &account, "held-1").await;
    let (status, body) = (held.status(), held.text().await.unwrap());
    assert_eq!(status, StatusCode::FORBIDDEN);
    let lower = body.to_lowercase();
    assert!(lower.contains("payment-declined") && !lower.contains("case") && !lower.contains("hold"), "{body}");
    // Tipping-off: nothing Kari can read names the case, an alert, a hold or a report.
    let held_id = q["paymentId"].as_str().unwrap().to_owned();
    let routes = [
        "/api/user/profile".to_owned(),
        "/api/user/settings".to_owned(),
        "/api/user/accounts".to_owned(),
        "/api/user/recipients".to_owned(),
        "/api/payment/history?limit=100".to_owned(),
        "/api/payment/requests".to_owned(),
        "/api/user/wallet".to_owned(),
        format!("/api/payment/{held_id}"),
        format!("/api/payment/{paid}"),
    ];
    for route in &routes {
        let r = with_access(client().get(format!("{base}{route}")), &kari).send().await.unwrap();
        let body = r.text().await.unwrap();
        for word in [
            "case",
            "Case",
            "alert",
            "Alert",
            "hold",
            "Hold",
            "escalat",
            "suspicious",
            "str_",
            "cas_",
            "alr_",
            "sanction",
            "screening",
            "complian",
            "aml",
            "AML",
        ] {
            assert!(!body.contains(word), "{route} shows {word}: {body}");
        }
    }

    // An STR from the case: drafted, completed, submitted; the drafter cannot approve it.
    let r = send(&base, &one, reqwest::Method::POST, &path("/str"), json!({})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let drafted: Value = r.json().await.unwrap();
    let report = drafted["report"]["id"].as_str().unwrap().to_owned();
    let content = &drafted["content"];
    let me = get_json(&base, "/api/user/profile", &kari).await;
    assert_eq!(content["subject"]["familyName"], me["familyName"], "{me}");
    assert!(!content["subject"]["familyName"].as_str().unwrap_or_default().is_empty());
    assert_eq!(content["subject"]["nin"], drop_tests::flow::ADULT);
    assert_eq!(content["transactions"][0]["paymentId"], paid.as_str());
    assert_eq!(content["transactions"][0]["counterparty"]["name"], "Hans Peter Müller");
    assert!(content["indicators"].as_array().unwrap().contains(&json!("SCREENING_LIST_MATCH")), "{content}");
    let spath = |p: &str| format!("/api/admin/strs/{report}{p}");
    let step = |who: &Session, body: Value| send(&base, who, reqwest::Method::POST, &spath("/transition"), body).send();
    let r = step(&one, json!({"event": "submit"})).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "no reason or action yet");
    let edit = json!({"reason": "Betalinger til en mottaker på sanksjonslisten (mulig treff) og en ny konto.", "action": "Utgående betalinger holdt tilbake; kunden kontaktet."});
    let r = send(&base, &one, reqwest::Method::PATCH, &spath(""), edit).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        step(&one, json!({"event": "submit"})).await.unwrap().json::<Value>().await.unwrap()["status"],
        "in_review"
    );
    assert_eq!(
        problem(step(&one, json!({"event": "approve"})).await.unwrap()).await,
        (StatusCode::CONFLICT, "four-eyes".into())
    );
    let approved: Value = step(&two, json!({"event": "approve"})).await.unwrap().json().await.unwrap();
    assert_eq!(
        (approved["status"].as_str(), approved["approvedBy"].as_str()),
        (Some("approved"), Some(user_id(&two).as_str()))
    );
    let read = get_json(&base, &spath(""), &two).await;
    assert_eq!(
        (read["report"]["status"].as_str(), read["content"]["reason"].as_str().map(|r| r.starts_with("Betalinger"))),
        (Some("approved"), Some(true))
    );
    let r = send(&base, &one, reqwest::Method::PATCH, &spath(""), json!({"reason": "late"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT, "an approved report is not edited");

    // Exports: goAML XML with every mandatory element; MT-0002 with the same facts.
    let export =
        |format: &str| with_access(client().get(format!("{base}{}?format={format}", spath("/export"))), &one).send();
    let xml = export("goaml").await.unwrap();
    assert_eq!(xml.headers()["content-type"], "application/xml");
    let xml = xml.text().await.unwrap();
    assert!(xml.is_ascii(), "goAML text is ASCII");
    let found = elements(&xml);
    for m in MANDATORY {
        assert!(found.iter().any(|f| f == m), "{m} missing from\n{xml}");
    }
    assert!(xml.contains(&format!("<entity_reference>{report}</entity_reference>")));
    assert!(
        xml.contains("<amount_local>1500.00</amount_local>") && xml.contains("<last_name>Muller</last_name>"),
        "{xml}"
    );
    let mt: Value = export("mt0002").await.unwrap().json().await.unwrap();
    assert_eq!(
        (mt["reference"].as_str(), mt["person"]["nationalIdentityNumber"].as_str()),
        (Some(report.as_str()), Some(drop_tests::flow::ADULT))
    );
    assert_eq!(mt["transactions"][0]["amountNok"], "1500.00");
    let page = export("html").await.unwrap().text().await.unwrap();
    assert!(page.contains("MT-0002") && !page.contains("<script"));
    assert_eq!(export("pdf").await.unwrap().status(), StatusCode::BAD_REQUEST);

    // Filed; the case is closed as reported by two admins; Kari's transfers are free again.
    let r = step(&one, json!({"event": "file", "channel": "altinn_mt0002"})).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "filing needs the receipt");
    let filed: Value = step(&one, json!({"event": "file", "channel": "altinn_mt0002", "receiptRef": "AR123456789"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((filed["status"].as_str(), filed["receiptRef"].as_str()), (Some("filed"), Some("AR123456789")));
    let report_case = |who: &Session| {
        send(&base, who, reqwest::Method::POST, &path("/transition"), json!({"event": "report"})).send()
    };
    assert_eq!(report_case(&one).await.unwrap().status(), StatusCode::ACCEPTED);
    assert_eq!(problem(report_case(&one).await.unwrap()).await, (StatusCode::CONFLICT, "four-eyes".into()));
    assert_eq!(get_json(&base, &path(""), &one).await["pendingDecision"], user_id(&one).as_str());
    let closed: Value = report_case(&two).await.unwrap().json().await.unwrap();
    assert_eq!(closed["status"], "reported");
    let profile = stack.ctx.table.get(&drop_services::holds::profile_key(&kari_id)).await.unwrap().unwrap();
    assert!(!drop_services::holds::is_held(&profile), "neither the case nor the STR holds Kari now");

    // Every read is on Kari's audit chain, with its admin.
    let chain = drop_services::audit::read_chain(stack.ctx.audit.as_ref(), &kari_id).await.unwrap();
    let reads = chain.iter().filter(|e| e.action == "case.read" && e.actor == user_id(&two)).count();
    assert!(reads >= 1, "{:?}", chain.iter().map(|e| &e.action).collect::<Vec<_>>());
    for action in
        ["case.assigned", "case.noted", "str.drafted", "str.read", "str.exported", "str.transition", "case.transition"]
    {
        assert!(chain.iter().any(|e| e.action == action), "{action} not audited");
    }
    assert!(matches!(
        drop_services::audit::verify(stack.ctx.audit.as_ref(), &kari_id).await.unwrap(),
        drop_services::audit::Verdict::Intact { .. }
    ));

    // A later alert about Kari opens a new case.
    assert_eq!(
        post(&base, "/api/user/recipients", &kari).json(&blocked).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let next = case_with(&base, &one, &kari_id, 1).await;
    assert_ne!(next["id"], case["id"]);

    // Roles with four eyes: one admin proposes, another applies; nobody changes their own.
    let role = |who: &Session, user: &str, role: &str| {
        send(&base, who, reqwest::Method::POST, "/api/admin/roles", json!({"userId": user, "role": role})).send()
    };
    assert_eq!(role(&one, &user_id(&one), "user").await.unwrap().status(), StatusCode::BAD_REQUEST);
    assert_eq!(role(&one, "usr_nobody", "admin").await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(role(&one, &kari_id, "admin").await.unwrap().status(), StatusCode::ACCEPTED);
    assert_eq!(problem(role(&one, &kari_id, "admin").await.unwrap()).await, (StatusCode::CONFLICT, "four-eyes".into()));
    assert_eq!(problem(role(&two, &kari_id, "merchant").await.unwrap()).await.1, "proposal-differs");
    let applied: Value = role(&two, &kari_id, "admin").await.unwrap().json().await.unwrap();
    assert_eq!(applied["status"], "applied");
    assert_eq!(
        drop_services::auth::users::get(stack.ctx.table.as_ref(), &kari_id).await.unwrap().unwrap().role,
        drop_domain::role::Role::Admin
    );
    assert_eq!(role(&two, &kari_id, "user").await.unwrap().status(), StatusCode::ACCEPTED);
    assert_eq!(role(&one, &kari_id, "user").await.unwrap().json::<Value>().await.unwrap()["status"], "applied");
    let chain = drop_services::audit::read_chain(stack.ctx.audit.as_ref(), &kari_id).await.unwrap();
    assert_eq!(chain.iter().filter(|e| e.action == "role.granted").count(), 2);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn compliance_workflow_on_sqlite() {
    compliance_workflow(false).await;
}

#[ignore = "needs moto: tests/run.sh"]
#[tokio::test(flavor = "multi_thread")]
async fn compliance_workflow_on_aws() {
    drop_tests::aws::require();
    compliance_workflow(true).await;
}
