//! Compliance cases: the alerts about one subject (a user, or a merchant) grouped for
//! investigation. A case is `CASE#<id>` / `CASE`; its timeline entries (`T#<ulid>`: alerts
//! joining, assignments, notes — encrypted —, transitions, links, reports) and links to payments
//! (`LINK#payment#<id>`) share its partition; the subject's open case is named by `CASE#OPEN` in
//! the subject's partition, so a new alert joins it (`intake`, the `case-intake` consumer of
//! `alert.raised`). Everything here is compliance data: owned by the user for retention, never
//! shown to them (tipping-off).

pub mod files;
pub mod intake;
pub mod work;

use crate::table::{Item, Key, Query, Table, TableError};
use drop_domain::keys::{self, attr};
pub use drop_domain::lifecycle::case::{Event, Status};

pub(crate) const SUBJECT_TYPE: &str = "subject_type";
pub(crate) const SUBJECT_ID: &str = "subject_id";
pub(crate) const ASSIGNEE: &str = "assignee";
pub(crate) const ALERT_COUNT: &str = "alert_count";
pub(crate) const CASE_ID: &str = "case_id";
pub(crate) const ENTRY_KIND: &str = "entry";
pub(crate) const ACTOR: &str = "actor";

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("no such case")]
    NotFound,
    #[error("{0} is not valid")]
    Invalid(&'static str),
    #[error("a case in status {0} cannot take that")]
    IllegalState(&'static str),
    #[error("the case changed meanwhile")]
    Changed,
    #[error("{0}")]
    FourEyes(#[from] crate::four_eyes::FourEyesError),
    #[error("storage: {0}")]
    Storage(#[from] TableError),
    #[error("crypto: {0}")]
    Crypto(#[from] crate::crypto::CryptoError),
}

/// A case as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub id: String,
    /// `user` or `merchant`.
    pub subject_type: String,
    pub subject_id: String,
    /// The customer the case is about (the merchant's signatory for a merchant).
    pub user_id: String,
    pub status: Status,
    pub assignee: Option<String>,
    /// The highest score of its alerts (AML scores and screening scores × 1000 alike).
    pub score: i64,
    pub alert_count: i64,
    pub opened_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

pub fn key(case_id: &str) -> Key {
    Key::new(keys::case_pk(case_id), keys::CASE_SK)
}

pub fn new_id() -> String {
    format!("cas_{}", crate::ids::ulid())
}

impl Case {
    pub fn from_item(i: &Item) -> Option<Case> {
        Some(Case {
            id: i.s(CASE_ID)?.to_owned(),
            subject_type: i.s(SUBJECT_TYPE)?.to_owned(),
            subject_id: i.s(SUBJECT_ID)?.to_owned(),
            user_id: i.s(attr::USER_ID)?.to_owned(),
            status: Status::parse(i.s(attr::STATUS)?)?,
            assignee: i.s(ASSIGNEE).map(str::to_owned),
            score: i.n(attr::SCORE).unwrap_or(0),
            alert_count: i.n(ALERT_COUNT).unwrap_or(0),
            opened_at: i.n(attr::CREATED_AT).unwrap_or(0),
            updated_at: i.n(attr::UPDATED_AT).unwrap_or(0),
            version: i.n(attr::VERSION).unwrap_or(0),
        })
    }
}

/// One timeline entry; a note's text is decrypted for the admin's view only.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: String,
    /// `alert`, `assigned`, `note`, `transition`, `link`, `str`, `proposed`.
    pub kind: String,
    pub actor: String,
    pub at: i64,
    pub details: serde_json::Value,
    pub note: Option<drop_domain::Secret<String>>,
}

/// The partition a subject's open-case pointer lives in.
pub fn open_case_key(subject_type: &str, subject_id: &str) -> Key {
    let pk = if subject_type == "merchant" { keys::merchant_pk(subject_id) } else { keys::user_pk(subject_id) };
    Key::new(pk, keys::OPEN_CASE_SK)
}

/// Which cases the console lists.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<Status>,
    pub assignee: Option<String>,
    /// Only cases not closed.
    pub open_only: bool,
    /// `score` (highest first) or `age` (oldest first); default newest first.
    pub sort: Option<String>,
    pub limit: u32,
}

/// The newest cases (up to 1,000 read), filtered and sorted for the console.
pub async fn list(table: &dyn Table, f: &Filter) -> Result<Vec<Case>, TableError> {
    let page = table.query(Query::partition(keys::CASES_GSI).on_index("gsi1").backward().limit(1000)).await?;
    let mut cases: Vec<Case> = page
        .items
        .iter()
        .filter_map(Case::from_item)
        .filter(|c| f.status.is_none_or(|s| c.status == s))
        .filter(|c| f.assignee.as_deref().is_none_or(|a| c.assignee.as_deref() == Some(a)))
        .filter(|c| !f.open_only || !c.status.is_closed())
        .collect();
    match f.sort.as_deref() {
        Some("score") => cases.sort_by(|a, b| b.score.cmp(&a.score).then(a.opened_at.cmp(&b.opened_at))),
        Some("age") => cases.sort_by_key(|c| c.opened_at),
        _ => {}
    }
    cases.truncate(f.limit.clamp(1, 200) as usize);
    Ok(cases)
}

/// A case with its timeline (notes decrypted) and the payments linked to it.
pub async fn get(
    table: &dyn Table,
    crypto: &crate::crypto::Crypto,
    case_id: &str,
) -> Result<(Case, Vec<Entry>, Vec<(String, String)>), CaseError> {
    let pk = keys::case_pk(case_id);
    let mut items = Vec::new();
    let mut cursor = None;
    loop {
        let page = table.query(Query::partition(pk.as_str()).limit(500).after(cursor.take())).await?;
        items.extend(page.items);
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let mut case = None;
    let (mut entries, mut links) = (Vec::new(), Vec::new());
    for i in &items {
        let sk = i.s(attr::SK).unwrap_or_default();
        if sk == keys::CASE_SK {
            case = Case::from_item(i);
        } else if let Some(id) = sk.strip_prefix(keys::CASE_ENTRY_PREFIX) {
            let note = match i.s(attr::NOTE) {
                Some(sealed) => Some(crypto.decrypt_str(crate::crypto::aad(&pk, sk, attr::NOTE), sealed).await?),
                None => None,
            };
            entries.push(Entry {
                id: id.to_owned(),
                kind: i.s(ENTRY_KIND).unwrap_or_default().to_owned(),
                actor: i.s(ACTOR).unwrap_or_default().to_owned(),
                at: i.n(attr::CREATED_AT).unwrap_or(0),
                details: i.s(attr::DETAILS).and_then(|d| serde_json::from_str(d).ok()).unwrap_or_default(),
                note,
            });
        } else if let Some(link) = sk.strip_prefix(keys::CASE_LINK_PREFIX) {
            if let Some((kind, id)) = link.split_once('#') {
                links.push((kind.to_owned(), id.to_owned()));
            }
        }
    }
    Ok((case.ok_or(CaseError::NotFound)?, entries, links))
}

/// A timeline entry as a put (its id is a ULID: the timeline sorts by time).
pub(crate) fn entry(
    case_id: &str,
    user_id: &str,
    kind: &str,
    actor: &str,
    now: i64,
    details: serde_json::Value,
) -> Item {
    let (pk, sk) = (keys::case_pk(case_id), keys::case_entry_sk(&crate::ids::ulid().to_string()));
    crate::subject::owned_by(Item::new(pk, sk), user_id)
        .with(ENTRY_KIND, kind)
        .with(ACTOR, actor)
        .with(attr::CREATED_AT, now)
        .with(attr::DETAILS, details.to_string())
}
