//! Filing an alert into its subject's case (the `case-intake` consumer of `alert.raised`): the
//! subject's open case if there is one, else a new case. One transaction: the alert names its case
//! (on the condition it named none: a redelivery changes nothing), the case counts it and keeps
//! the highest score, the timeline records it, and a new case claims the subject's open-case
//! pointer (two alerts racing to open a case: one wins, the other's transaction is cancelled and
//! its redelivery joins the winner's case).

use super::{entry, key, open_case_key, Case, CaseError, Status, ALERT_COUNT, CASE_ID, SUBJECT_ID, SUBJECT_TYPE};
use crate::alerts::Alert;
use crate::table::{Condition, Item, Table, TableError, TxOp, Update};
use drop_domain::keys::{self, attr};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intake {
    /// Filed into this case (`opened`: a new one).
    Filed { case_id: String, opened: bool },
    /// The alert is in a case already (a redelivery).
    AlreadyFiled,
    /// No such alert.
    Ignored,
}

/// The subject of an alert's case: the merchant for a merchant's alert, else the user.
pub fn subject_of(a: &Alert) -> (&'static str, String) {
    if a.subject_type == "merchant" {
        ("merchant", a.subject_id.clone())
    } else {
        ("user", a.user_id.clone())
    }
}

pub async fn file(table: &dyn Table, alert_id: &str, now: i64) -> Result<Intake, CaseError> {
    let alert_key = crate::table::Key::new(keys::alert_pk(alert_id), keys::ALERT_SK);
    let Some(item) = table.get(&alert_key).await? else { return Ok(Intake::Ignored) };
    if item.s(CASE_ID).is_some() {
        return Ok(Intake::AlreadyFiled);
    }
    let alert = Alert::from_item(&item);
    let (subject_type, subject_id) = subject_of(&alert);
    let pointer = open_case_key(subject_type, &subject_id);
    let score = alert.score.unwrap_or(0);
    let named = table.get(&pointer).await?.and_then(|p| p.s(CASE_ID).map(str::to_owned));
    let open = match &named {
        Some(id) => table.get(&key(id)).await?.as_ref().and_then(Case::from_item).filter(|c| !c.status.is_closed()),
        None => None,
    };
    let mut ops = Vec::new();
    let (case_id, opened) = match open {
        Some(c) => {
            ops.push(TxOp::Update(
                Update::new(key(&c.id))
                    .add(ALERT_COUNT, 1)
                    .set(attr::SCORE, c.score.max(score))
                    .set(attr::UPDATED_AT, now)
                    .add(attr::VERSION, 1)
                    .when(Condition::eq(attr::VERSION, c.version)),
            ));
            (c.id, false)
        }
        None => {
            let id = super::new_id();
            let k = key(&id);
            let case = crate::subject::owned_by(Item::new(k.pk, k.sk), &alert.user_id)
                .with(CASE_ID, id.as_str())
                .with(SUBJECT_TYPE, subject_type)
                .with(SUBJECT_ID, subject_id.as_str())
                .with(attr::STATUS, Status::Open.as_str())
                .with(attr::SCORE, score)
                .with(ALERT_COUNT, 1)
                .with(attr::CREATED_AT, now)
                .with(attr::UPDATED_AT, now)
                .with(attr::VERSION, 1)
                .with(attr::GSI1PK, keys::CASES_GSI)
                .with(attr::GSI1SK, id.as_str());
            ops.push(TxOp::Put { item: case, condition: Some(Condition::absent()) });
            // The pointer is replaced only if it still names a closed case (or none).
            let claim = Item::new(pointer.pk.clone(), pointer.sk.clone()).with(CASE_ID, id.as_str());
            let free = match &named {
                Some(closed) => Condition::eq(CASE_ID, closed.as_str()),
                None => Condition::absent(),
            };
            ops.push(TxOp::Put { item: crate::subject::owned_by(claim, &alert.user_id), condition: Some(free) });
            (id, true)
        }
    };
    ops.push(TxOp::Update(
        Update::new(alert_key).set(CASE_ID, case_id.as_str()).when(Condition::NotExists(CASE_ID.into())),
    ));
    let details = serde_json::json!({
        "alert": alert_id, "kind": alert.kind, "trigger": alert.trigger, "outcome": alert.outcome, "score": score,
    });
    ops.push(TxOp::Put { item: entry(&case_id, &alert.user_id, "alert", "system", now, details), condition: None });
    match table.transact(ops).await {
        Ok(()) => Ok(Intake::Filed { case_id, opened }),
        Err(TableError::TransactionCanceled { .. }) => Err(CaseError::Changed),
        Err(e) => Err(e.into()),
    }
}
