//! Suspicious transaction reports (compliance reference §3.3): drafted from a case (the subject
//! from KYC, the linked payments, the alerts' indicators), edited while a draft, approved by an
//! admin other than the drafter, filed (channel, time, the FIU's receipt reference), acknowledged.
//! `STR#<id>` / `STR`; its content (personal data and the narrative) is one encrypted JSON
//! document. The case links it (`LINK#str#<id>`) and its timeline records each step. While an STR
//! is in review or approved, the subject's transfers are held (a hold sourced to the STR): "do not
//! execute before Økokrim is informed".

use crate::cases::{self, CaseError};
use crate::crypto::{aad, Crypto};
use crate::holds;
use crate::table::{Condition, Item, Key, Query, Table, TableError, TxOp, Update};
use drop_domain::keys::{self, attr};
use drop_domain::lifecycle::str_report::{transition, Event, Status};
use drop_domain::reports::{Content, Counterparty, Person, Transaction};

const STR_ID: &str = "str_id";
const CREATED_BY: &str = "created_by";
const APPROVED_BY: &str = "approved_by";
const CHANNEL: &str = "filing_channel";
const FILED_AT: &str = "filed_at";
const RECEIPT: &str = "receipt_ref";

/// How an STR reached the FIU.
pub const CHANNELS: [&str; 2] = ["altinn_mt0002", "goaml"];

#[derive(Debug, Clone, PartialEq)]
pub struct Str {
    pub id: String,
    pub case_id: String,
    pub user_id: String,
    pub status: Status,
    pub created_by: String,
    pub approved_by: Option<String>,
    pub channel: Option<String>,
    pub filed_at: Option<i64>,
    pub receipt_ref: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

impl Str {
    fn from_item(i: &Item) -> Option<Str> {
        Some(Str {
            id: i.s(STR_ID)?.to_owned(),
            case_id: i.s(cases::CASE_ID)?.to_owned(),
            user_id: i.s(attr::USER_ID)?.to_owned(),
            status: Status::parse(i.s(attr::STATUS)?)?,
            created_by: i.s(CREATED_BY)?.to_owned(),
            approved_by: i.s(APPROVED_BY).map(str::to_owned),
            channel: i.s(CHANNEL).map(str::to_owned),
            filed_at: i.n(FILED_AT),
            receipt_ref: i.s(RECEIPT).map(str::to_owned),
            created_at: i.n(attr::CREATED_AT).unwrap_or(0),
            updated_at: i.n(attr::UPDATED_AT).unwrap_or(0),
            version: i.n(attr::VERSION).unwrap_or(0),
        })
    }
}

pub fn key(str_id: &str) -> Key {
    Key::new(keys::str_pk(str_id), keys::STR_SK)
}

async fn seal(crypto: &Crypto, str_id: &str, c: &Content) -> Result<String, CaseError> {
    let json = serde_json::to_string(c).map_err(|_| CaseError::Invalid("content"))?;
    let pk = keys::str_pk(str_id);
    Ok(crypto.encrypt_str(aad(&pk, keys::STR_SK, attr::CONTENT), &drop_domain::Secret::new(json)).await?)
}

/// An STR and its content.
pub async fn get(table: &dyn Table, crypto: &Crypto, str_id: &str) -> Result<(Str, Content), CaseError> {
    let item = table.get(&key(str_id)).await?.ok_or(CaseError::NotFound)?;
    let s = Str::from_item(&item).ok_or(CaseError::NotFound)?;
    let sealed = item.s(attr::CONTENT).ok_or(CaseError::NotFound)?;
    let pk = keys::str_pk(str_id);
    let json = crypto.decrypt_str(aad(&pk, keys::STR_SK, attr::CONTENT), sealed).await?;
    let content = serde_json::from_str(json.expose()).map_err(|_| CaseError::Invalid("content"))?;
    Ok((s, content))
}

/// The case's STRs (newest last).
pub async fn of_case(table: &dyn Table, case_id: &str) -> Result<Vec<Str>, TableError> {
    let prefix = keys::case_link_sk("str", "");
    let page = table.query(Query::partition(keys::case_pk(case_id)).prefix(prefix.as_str()).limit(50)).await?;
    let mut out = Vec::new();
    for link in &page.items {
        let Some(id) = link.s(attr::SK).and_then(|sk| sk.strip_prefix(prefix.as_str())) else { continue };
        if let Some(s) = table.get(&key(id)).await?.as_ref().and_then(Str::from_item) {
            out.push(s);
        }
    }
    Ok(out)
}

/// Whether the case has an STR that reached the FIU.
pub async fn case_has_filed(table: &dyn Table, case_id: &str) -> Result<bool, TableError> {
    Ok(of_case(table, case_id).await?.iter().any(|s| s.status.is_filed()))
}

async fn subject(table: &dyn Table, crypto: &Crypto, user_id: &str) -> Result<Person, CaseError> {
    let p = crate::auth::users::profile(table, crypto, user_id).await.map_err(|_| CaseError::Invalid("subject"))?;
    let pk = keys::user_pk(user_id);
    let item = table.get(&Key::new(&pk, keys::PROFILE_SK)).await?.ok_or(CaseError::NotFound)?;
    let nin = match item.s(attr::NIN) {
        Some(sealed) => crypto.decrypt_str(aad(&pk, keys::PROFILE_SK, attr::NIN), sealed).await?.expose().clone(),
        None => String::new(),
    };
    Ok(Person {
        given_name: p.given_name.unwrap_or_default(),
        family_name: p.family_name.unwrap_or_default(),
        birthdate: p.birthdate.unwrap_or_default(),
        nin,
        nationality: "NO".into(),
        residence: "NO".into(),
        phone: p.phone.filter(|_| p.phone_verified),
        email: p.email.filter(|_| p.email_verified),
    })
}

/// The case's linked remittances as reported transactions.
async fn transactions(
    table: &dyn Table,
    crypto: &Crypto,
    case_id: &str,
    user_id: &str,
) -> Result<Vec<Transaction>, CaseError> {
    let prefix = keys::case_link_sk("payment", "");
    let page = table.query(Query::partition(keys::case_pk(case_id)).prefix(prefix.as_str()).limit(200)).await?;
    let mut out = Vec::new();
    for link in &page.items {
        let Some(id) = link.s(attr::SK).and_then(|sk| sk.strip_prefix(prefix.as_str())) else { continue };
        let item = table.get(&Key::new(keys::user_pk(user_id), keys::payment_sk(id))).await?;
        let Some(p) = item.as_ref().and_then(crate::remit::payments::Payment::from_item) else { continue };
        let b = crate::remit::recipients::beneficiary(table, crypto, user_id, &p.recipient_id).await.ok();
        let target = drop_domain::money::Currency::parse(&p.target_currency).ok();
        out.push(Transaction {
            payment_id: p.id.clone(),
            date: p.created_at.clone(),
            amount_local_minor: p.source_amount,
            foreign_currency: Some(p.target_currency.clone()),
            foreign_amount_minor: Some(p.target_amount),
            foreign_exponent: target.map(|c| c.exponent()),
            rate: Some(p.rate.clone()),
            counterparty: Counterparty {
                name: b.as_ref().map(|b| b.name.expose().clone()).unwrap_or_default(),
                account: b
                    .as_ref()
                    .and_then(|b| b.iban.as_ref().or(b.account_number.as_ref()))
                    .map(|a| a.expose().clone()),
                country: b.as_ref().map(|b| b.country.clone()).unwrap_or_default(),
            },
            kind: "remittance".into(),
            channel: p.provider.as_str().into(),
            status: p.status.as_str().into(),
        });
    }
    Ok(out)
}

/// Indicators from the case's alerts: `AML_<rule>` for each rule that fired, `SANCTIONS_MATCH`
/// and `PEP_MATCH`-style codes for screening hits (internal codes; mapped per FIU on export).
fn indicators(entries: &[cases::Entry]) -> Vec<String> {
    let mut out: Vec<String> = entries
        .iter()
        .filter(|e| e.kind == "alert")
        .map(|e| match e.details["kind"].as_str() {
            Some("screening") => "SCREENING_LIST_MATCH".to_owned(),
            _ => format!("AML_{}", e.details["outcome"].as_str().unwrap_or("review").to_uppercase()),
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Drafts an STR from an open case.
pub async fn draft(table: &dyn Table, crypto: &Crypto, case_id: &str, actor: &str, now: i64) -> Result<Str, CaseError> {
    let (case, entries, _) = cases::get(table, crypto, case_id).await?;
    if case.status.is_closed() {
        return Err(CaseError::IllegalState(case.status.as_str()));
    }
    let content = Content {
        subject: subject(table, crypto, &case.user_id).await?,
        transactions: transactions(table, crypto, case_id, &case.user_id).await?,
        indicators: indicators(&entries),
        reason: String::new(),
        action: String::new(),
    };
    let id = format!("str_{}", crate::ids::ulid());
    let k = key(&id);
    let item = crate::subject::owned_by(Item::new(k.pk, k.sk), &case.user_id)
        .with(STR_ID, id.as_str())
        .with(cases::CASE_ID, case_id)
        .with(attr::STATUS, Status::Draft.as_str())
        .with(CREATED_BY, actor)
        .with(attr::CONTENT, seal(crypto, &id, &content).await?)
        .with(attr::CREATED_AT, now)
        .with(attr::UPDATED_AT, now)
        .with(attr::VERSION, 1)
        .with(attr::GSI1PK, keys::STRS_GSI)
        .with(attr::GSI1SK, id.as_str());
    let link =
        crate::subject::owned_by(Item::new(keys::case_pk(case_id), keys::case_link_sk("str", &id)), &case.user_id)
            .with(attr::CREATED_AT, now);
    let details = serde_json::json!({"str": id, "step": "drafted"});
    let ops = vec![
        TxOp::Put { item: item.clone(), condition: Some(Condition::absent()) },
        TxOp::Put { item: link, condition: Some(Condition::absent()) },
        TxOp::Put { item: cases::entry(case_id, &case.user_id, "str", actor, now, details), condition: None },
    ];
    commit(table, ops).await?;
    Str::from_item(&item).ok_or(CaseError::NotFound)
}

async fn commit(table: &dyn Table, ops: Vec<TxOp>) -> Result<(), CaseError> {
    match table.transact(ops).await {
        Ok(()) => Ok(()),
        Err(TableError::TransactionCanceled { .. }) => Err(CaseError::Changed),
        Err(e) => Err(e.into()),
    }
}

/// What an admin may change in a draft.
#[derive(Debug, Clone, Default)]
pub struct Edit {
    pub reason: Option<String>,
    pub action: Option<String>,
    pub indicators: Option<Vec<String>>,
}

fn clean(field: &'static str, s: &str) -> Result<String, CaseError> {
    let s = s.trim();
    if s.chars().count() > drop_domain::reports::MAX_TEXT_CHARS || !drop_domain::text::is_clean(s) {
        return Err(CaseError::Invalid(field));
    }
    Ok(s.to_owned())
}

/// Edits a draft (conditional on the version read).
pub async fn edit(
    table: &dyn Table,
    crypto: &Crypto,
    str_id: &str,
    e: Edit,
    now: i64,
) -> Result<(Str, Content), CaseError> {
    let reason = e.reason.as_deref().map(|r| clean("reason", r)).transpose()?;
    let action = e.action.as_deref().map(|a| clean("action", a)).transpose()?;
    if let Some(list) = &e.indicators {
        let ok =
            |i: &String| !i.is_empty() && i.len() <= 64 && i.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if list.len() > 50 || !list.iter().all(ok) {
            return Err(CaseError::Invalid("indicators"));
        }
    }
    let (s, mut content) = get(table, crypto, str_id).await?;
    if !s.status.editable() {
        return Err(CaseError::IllegalState(s.status.as_str()));
    }
    if let Some(r) = reason {
        content.reason = r;
    }
    if let Some(a) = action {
        content.action = a;
    }
    if let Some(list) = e.indicators {
        content.indicators = list;
    }
    let update = Update::new(key(str_id))
        .set(attr::CONTENT, seal(crypto, str_id, &content).await?)
        .set(attr::UPDATED_AT, now)
        .add(attr::VERSION, 1)
        .when(Condition::eq(attr::VERSION, s.version).and(Condition::eq(attr::STATUS, Status::Draft.as_str())));
    let after = update.apply(table.get(&key(str_id)).await?)?;
    commit(table, vec![TxOp::Update(update)]).await?;
    Ok((Str::from_item(&after).ok_or(CaseError::NotFound)?, content))
}

/// Filing facts (for `file`): the channel and the FIU's receipt reference.
#[derive(Debug, Clone, Default)]
pub struct Filing {
    pub channel: Option<String>,
    pub receipt_ref: Option<String>,
}

/// Moves an STR: approval by an admin other than the drafter; filing with its channel and receipt;
/// the subject held while the STR is in review or approved.
pub async fn step(
    table: &dyn Table,
    crypto: &Crypto,
    str_id: &str,
    event: Event,
    filing: Filing,
    actor: &str,
    now: i64,
) -> Result<Str, CaseError> {
    let (s, content) = get(table, crypto, str_id).await?;
    let to = transition(s.status, event).map_err(|_| CaseError::IllegalState(s.status.as_str()))?;
    let mut update = Update::new(key(str_id))
        .set(attr::STATUS, to.as_str())
        .set(attr::UPDATED_AT, now)
        .add(attr::VERSION, 1)
        .when(Condition::eq(attr::VERSION, s.version));
    match event {
        Event::Submit if content.reason.trim().is_empty() || content.action.trim().is_empty() => {
            return Err(CaseError::Invalid("reason"));
        }
        Event::Approve if actor == s.created_by => {
            return Err(CaseError::FourEyes(crate::four_eyes::FourEyesError::SameAdmin));
        }
        Event::Approve => update = update.set(APPROVED_BY, actor),
        Event::File => {
            let channel =
                filing.channel.filter(|c| CHANNELS.contains(&c.as_str())).ok_or(CaseError::Invalid("channel"))?;
            let receipt = filing.receipt_ref.as_deref().map(|r| clean("receiptRef", r)).transpose()?;
            let receipt =
                receipt.filter(|r| !r.is_empty() && r.len() <= 100).ok_or(CaseError::Invalid("receiptRef"))?;
            update = update.set(CHANNEL, channel).set(FILED_AT, now).set(RECEIPT, receipt);
        }
        _ => {}
    }
    let after = update.apply(table.get(&key(str_id)).await?)?;
    let mut ops = vec![TxOp::Update(update)];
    if to.holds_subject() && !s.status.holds_subject() {
        ops.extend(holds::hold(&s.user_id, holds::Source::Str, str_id, now));
    } else if s.status.holds_subject()
        && !to.holds_subject()
        && holds::is_set(table, &s.user_id, holds::Source::Str, str_id).await?
    {
        ops.extend(holds::release(&s.user_id, holds::Source::Str, str_id));
    }
    let details = serde_json::json!({"str": str_id, "step": event.as_str(), "status": to.as_str()});
    ops.push(TxOp::Put { item: cases::entry(&s.case_id, &s.user_id, "str", actor, now, details), condition: None });
    commit(table, ops).await?;
    Str::from_item(&after).ok_or(CaseError::NotFound)
}

/// The export header of an STR.
pub fn header(s: &Str, rentity_id: &str) -> drop_domain::reports::Header {
    let at = s.filed_at.unwrap_or(s.updated_at);
    drop_domain::reports::Header {
        reference: s.id.clone(),
        rentity_id: rentity_id.to_owned(),
        date: drop_domain::time::rfc3339_epoch(at),
        case_id: s.case_id.clone(),
    }
}
