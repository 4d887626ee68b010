//! Decisions that need two admins (four eyes): closing a case as reported, releasing a hold a
//! confirmed screening hit set. The first admin's request records a proposal (`DECIDE#<action>`
//! under the record it is about, with what was proposed); the same request from a second admin
//! decides it, consuming the proposal in the decision's own transaction. The proposer asking again
//! is refused, and a second admin asking for something else than was proposed is refused too.

use crate::table::{Condition, Item, Key, Table, TableError, TxOp};
use drop_domain::keys::attr;

const PROPOSED_BY: &str = "proposed_by";
const PROPOSAL: &str = "proposal";

#[derive(Debug, thiserror::Error)]
pub enum FourEyesError {
    /// The admin who proposed it cannot also decide it.
    #[error("a second admin must decide this")]
    SameAdmin,
    /// The pending proposal is for something else.
    #[error("the pending proposal differs: {0}")]
    Differs(String),
    #[error("storage: {0}")]
    Storage(#[from] TableError),
}

/// Where a four-eyes request stands.
#[derive(Debug)]
pub enum Step {
    /// Recorded; a second admin must make the same request.
    Proposed,
    /// A second admin: add `consume` to the decision's transaction.
    Second { proposed_by: String, consume: TxOp },
}

pub fn key(record_pk: &str, action: &str) -> Key {
    Key::new(record_pk, drop_domain::keys::decision_sk(action))
}

/// One admin's request for `action` on the record `record_pk`, with what they ask for.
pub async fn step(
    table: &dyn Table,
    record_pk: &str,
    action: &str,
    proposal: &str,
    actor: &str,
    now: i64,
) -> Result<Step, FourEyesError> {
    let k = key(record_pk, action);
    let pending = match table.get(&k).await? {
        Some(p) => p,
        None => {
            let item = Item::new(k.pk.clone(), k.sk.clone())
                .with(PROPOSED_BY, actor)
                .with(PROPOSAL, proposal)
                .with(attr::CREATED_AT, now);
            match table.put(item, Some(Condition::absent())).await {
                Ok(()) => return Ok(Step::Proposed),
                // Another admin proposed at the same moment: theirs stands.
                Err(TableError::ConditionFailed { .. }) => {
                    table.get(&k).await?.ok_or(FourEyesError::Differs("gone".into()))?
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    let by = pending.s(PROPOSED_BY).unwrap_or_default().to_owned();
    if by == actor {
        return Err(FourEyesError::SameAdmin);
    }
    let proposed = pending.s(PROPOSAL).unwrap_or_default();
    if proposed != proposal {
        return Err(FourEyesError::Differs(proposed.to_owned()));
    }
    let consume = TxOp::Delete { key: k, condition: Some(Condition::eq(PROPOSED_BY, by.as_str())) };
    Ok(Step::Second { proposed_by: by, consume })
}

/// Who proposed `action` on the record and what, if anyone did.
pub async fn pending(table: &dyn Table, record_pk: &str, action: &str) -> Result<Option<(String, String)>, TableError> {
    Ok(table
        .get(&key(record_pk, action))
        .await?
        .map(|p| (p.s(PROPOSED_BY).unwrap_or_default().to_owned(), p.s(PROPOSAL).unwrap_or_default().to_owned())))
}
