//! Holds on a user's transfers, as a set: each hold is an item `HOLD#<source>#<id>` under the user
//! (set by a screening hit or a blocking AML decision naming its alert, by an escalated case, by a
//! pending STR, or by hand), and the profile counts them (`aml_holds`), so the check before every
//! payment stays one read of the profile (or one condition in the payment's transaction). A hold is
//! released only by its own resolution: closing one alert never lifts another's hold or a case's.
//! Hold and count change together, in the caller's transaction. Nothing user-visible names a hold.

use crate::table::{Cmp, Condition, Item, Key, Query, Table, TableError, TxOp, Update};
use drop_domain::keys;

/// The profile attribute counting the user's holds.
pub const HOLDS_ATTR: &str = "aml_holds";
const SET_AT: &str = "held_at";

/// What put a hold on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Alert,
    Case,
    Str,
    Manual,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Alert => "alert",
            Source::Case => "case",
            Source::Str => "str",
            Source::Manual => "manual",
        }
    }
    pub fn parse(s: &str) -> Option<Source> {
        [Source::Alert, Source::Case, Source::Str, Source::Manual].into_iter().find(|x| x.as_str() == s)
    }
}

fn profile(user_id: &str) -> Key {
    Key::new(keys::user_pk(user_id), keys::PROFILE_SK)
}

pub fn hold_key(user_id: &str, source: Source, id: &str) -> Key {
    Key::new(keys::user_pk(user_id), keys::hold_sk(source.as_str(), id))
}

/// Holds the user's transfers for this source (only on an existing profile; the hold must be
/// new, so a rerun of the caller's transaction fails instead of counting twice).
pub fn hold(user_id: &str, source: Source, id: &str, now: i64) -> [TxOp; 2] {
    let k = hold_key(user_id, source, id);
    let item = Item::new(k.pk, k.sk).with(SET_AT, now);
    [
        TxOp::Put { item, condition: Some(Condition::absent()) },
        TxOp::Update(Update::new(profile(user_id)).add(HOLDS_ATTR, 1).when(Condition::present())),
    ]
}

/// Releases this source's hold (it must be there: read [`is_set`] first).
pub fn release(user_id: &str, source: Source, id: &str) -> [TxOp; 2] {
    [
        TxOp::Delete { key: hold_key(user_id, source, id), condition: Some(Condition::present()) },
        TxOp::Update(Update::new(profile(user_id)).add(HOLDS_ATTR, -1).when(Condition::present())),
    ]
}

/// Whether a profile item is held (by anything).
pub fn is_held(profile_item: &Item) -> bool {
    profile_item.n(HOLDS_ATTR).unwrap_or(0) > 0
}

/// A transaction condition on the profile: no hold.
pub fn not_held() -> Condition {
    Condition::NotExists(HOLDS_ATTR.into()).or(Condition::cmp(HOLDS_ATTR, Cmp::Le, 0))
}

/// Whether this source holds the user.
pub async fn is_set(table: &dyn Table, user_id: &str, source: Source, id: &str) -> Result<bool, TableError> {
    Ok(table.get(&hold_key(user_id, source, id)).await?.is_some())
}

/// The user's holds: (source, id, since), for compliance.
pub async fn of_user(table: &dyn Table, user_id: &str) -> Result<Vec<(Source, String, i64)>, TableError> {
    let page = table.query(Query::partition(keys::user_pk(user_id)).prefix(keys::HOLD_PREFIX).limit(100)).await?;
    Ok(page
        .items
        .iter()
        .filter_map(|i| {
            let sk = i.s(drop_domain::keys::attr::SK)?;
            let (source, id) = sk.strip_prefix(keys::HOLD_PREFIX)?.split_once('#')?;
            Some((Source::parse(source)?, id.to_owned(), i.n(SET_AT).unwrap_or(0)))
        })
        .collect())
}

/// The profile key, for a caller that reads it before deciding.
pub fn profile_key(user_id: &str) -> Key {
    profile(user_id)
}
