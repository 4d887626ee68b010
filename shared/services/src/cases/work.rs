//! An admin's work on a case: assign it, write a note (encrypted), link a payment, move it through
//! its states. Each write is conditional on the case's version (two admins at once: one wins, the
//! other reads it again) and adds a timeline entry in the same transaction. Escalating holds the
//! subject's transfers (a hold sourced to the case); leaving `escalated` releases that hold only.
//! Closing frees the subject's open-case pointer, so the next alert opens a new case. Closing as
//! `reported` takes two admins and a filed STR.

use super::{entry, key, open_case_key, Case, CaseError, Event, Status, ASSIGNEE, CASE_ID};
use crate::holds;
use crate::table::{Condition, Item, Key, Table, TableError, TxOp, Update};
use drop_domain::keys::{self, attr};
use drop_domain::lifecycle::case::transition;

/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 4000;

async fn load(table: &dyn Table, case_id: &str) -> Result<Case, CaseError> {
    table.get(&key(case_id)).await?.as_ref().and_then(Case::from_item).ok_or(CaseError::NotFound)
}

/// The case's version bump, conditional on the version read.
fn bump(c: &Case, now: i64) -> Update {
    Update::new(key(&c.id))
        .set(attr::UPDATED_AT, now)
        .add(attr::VERSION, 1)
        .when(Condition::eq(attr::VERSION, c.version))
}

async fn commit(table: &dyn Table, ops: Vec<TxOp>) -> Result<(), CaseError> {
    match table.transact(ops).await {
        Ok(()) => Ok(()),
        Err(TableError::TransactionCanceled { .. }) => Err(CaseError::Changed),
        Err(e) => Err(e.into()),
    }
}

/// Assigns the case to an admin (an `open` case starts being investigated).
pub async fn assign(
    table: &dyn Table,
    case_id: &str,
    assignee: &str,
    actor: &str,
    now: i64,
) -> Result<Case, CaseError> {
    let c = load(table, case_id).await?;
    if c.status.is_closed() {
        return Err(CaseError::IllegalState(c.status.as_str()));
    }
    let admin = crate::auth::users::get(table, assignee).await.map_err(|_| CaseError::Invalid("assignee"))?;
    if admin.is_none_or(|u| u.role != drop_domain::role::Role::Admin) {
        return Err(CaseError::Invalid("assignee"));
    }
    let mut update = bump(&c, now).set(ASSIGNEE, assignee);
    let mut details = serde_json::json!({"assignee": assignee});
    if c.status == Status::Open {
        update = update.set(attr::STATUS, Status::Investigating.as_str());
        details["status"] = Status::Investigating.as_str().into();
    }
    let after = update.apply(table.get(&key(case_id)).await?)?;
    let ops = vec![
        TxOp::Update(update),
        TxOp::Put { item: entry(case_id, &c.user_id, "assigned", actor, now, details), condition: None },
    ];
    commit(table, ops).await?;
    Case::from_item(&after).ok_or(CaseError::NotFound)
}

/// Adds a note (1–4000 characters, encrypted at rest).
pub async fn note(
    table: &dyn Table,
    crypto: &crate::crypto::Crypto,
    case_id: &str,
    text: &str,
    actor: &str,
    now: i64,
) -> Result<String, CaseError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_NOTE_CHARS || !drop_domain::text::is_clean(text) {
        return Err(CaseError::Invalid("text"));
    }
    let c = load(table, case_id).await?;
    let mut item = entry(case_id, &c.user_id, "note", actor, now, serde_json::json!({}));
    let (pk, sk) = (item.s(attr::PK).unwrap_or_default().to_owned(), item.s(attr::SK).unwrap_or_default().to_owned());
    let sealed = crypto
        .encrypt_str(crate::crypto::aad(&pk, &sk, attr::NOTE), &drop_domain::Secret::new(text.to_owned()))
        .await?;
    item.set(attr::NOTE, sealed);
    let entry_id = sk.strip_prefix(keys::CASE_ENTRY_PREFIX).unwrap_or_default().to_owned();
    commit(table, vec![TxOp::Update(bump(&c, now)), TxOp::Put { item, condition: Some(Condition::absent()) }]).await?;
    Ok(entry_id)
}

/// Links one of the subject's payments to the case (once).
pub async fn link_payment(
    table: &dyn Table,
    case_id: &str,
    payment_id: &str,
    actor: &str,
    now: i64,
) -> Result<bool, CaseError> {
    let c = load(table, case_id).await?;
    let owner = if c.subject_type == "user" { c.user_id.as_str() } else { c.subject_id.as_str() };
    let payment = Key::new(keys::user_pk(owner), keys::payment_sk(payment_id));
    let qr = Key::new(keys::user_pk(owner), keys::qr_payment_sk(payment_id));
    if table.get(&payment).await?.is_none() && table.get(&qr).await?.is_none() {
        return Err(CaseError::Invalid("paymentId"));
    }
    let link = crate::subject::owned_by(
        Item::new(keys::case_pk(case_id), keys::case_link_sk("payment", payment_id)),
        &c.user_id,
    )
    .with(attr::CREATED_AT, now);
    let details = serde_json::json!({"payment": payment_id});
    let ops = vec![
        TxOp::Update(bump(&c, now)),
        TxOp::Put { item: link, condition: Some(Condition::absent()) },
        TxOp::Put { item: entry(case_id, &c.user_id, "link", actor, now, details), condition: None },
    ];
    match table.transact(ops).await {
        Ok(()) => Ok(true),
        Err(TableError::TransactionCanceled { reasons }) if reasons.get(1).is_some_and(Option::is_some) => Ok(false),
        Err(TableError::TransactionCanceled { .. }) => Err(CaseError::Changed),
        Err(e) => Err(e.into()),
    }
}

/// What a transition request did.
#[derive(Debug, Clone, PartialEq)]
pub enum Moved {
    Moved(Case),
    /// Closing as reported: proposed, a second admin must make the same request.
    AwaitingSecondAdmin,
}

/// Moves the case; `reason` is recorded on the timeline (no PII: a reason code or short text is
/// the admin's responsibility, so it is encrypted like a note when given).
pub async fn transition_case(
    table: &dyn Table,
    case_id: &str,
    event: Event,
    actor: &str,
    now: i64,
) -> Result<Moved, CaseError> {
    let c = load(table, case_id).await?;
    let to = transition(c.status, event).map_err(|_| CaseError::IllegalState(c.status.as_str()))?;
    let mut ops = Vec::new();
    if event == Event::Report {
        if !crate::str_reports::case_has_filed(table, case_id).await? {
            return Err(CaseError::IllegalState("no filed report"));
        }
        match crate::four_eyes::step(table, &keys::case_pk(case_id), "report", "reported", actor, now).await? {
            crate::four_eyes::Step::Proposed => return Ok(Moved::AwaitingSecondAdmin),
            crate::four_eyes::Step::Second { consume, .. } => ops.push(consume),
        }
    }
    let update = bump(&c, now).set(attr::STATUS, to.as_str());
    let after = update.apply(table.get(&key(case_id)).await?)?;
    ops.push(TxOp::Update(update));
    // The subject's transfers: held while escalated, by this case only.
    let held_user = c.user_id.as_str();
    if to.holds_subject() && !c.status.holds_subject() {
        ops.extend(holds::hold(held_user, holds::Source::Case, case_id, now));
    } else if c.status.holds_subject()
        && !to.holds_subject()
        && holds::is_set(table, held_user, holds::Source::Case, case_id).await?
    {
        ops.extend(holds::release(held_user, holds::Source::Case, case_id));
    }
    if to.is_closed() {
        let pointer = open_case_key(&c.subject_type, &c.subject_id);
        ops.push(TxOp::Delete { key: pointer, condition: Some(Condition::eq(CASE_ID, case_id)) });
    }
    let details = serde_json::json!({"from": c.status.as_str(), "to": to.as_str(), "event": event.as_str()});
    ops.push(TxOp::Put { item: entry(case_id, &c.user_id, "transition", actor, now, details), condition: None });
    commit(table, ops).await?;
    Ok(Moved::Moved(Case::from_item(&after).ok_or(CaseError::NotFound)?))
}
