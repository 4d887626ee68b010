//! Re-screening. When the loaded list differs from the one everyone was last screened against,
//! every user (gsi3 `SCREEN#user`) and then every recipient (gsi3 `SCREEN#recipient`) is screened
//! again, a page at a time. Progress (list, phase, cursor, counts) is kept in one state item after
//! every page, so a run cut short by its time budget resumes where it stopped, and a page done
//! twice raises no second alert (alert ids are derived from the run and the subject).

use crate::auth::users::SCREEN_PARTITION as USERS;
use crate::crypto::aad;
use crate::crypto::{Crypto, CryptoError};
use crate::remit::recipients::SCREEN_PARTITION as RECIPIENTS;
use crate::screening::{self, Screener, Subject, Verdict};
use crate::table::{Item, Key, Query, Table, TableError, Update};
use drop_domain::keys::attr;
use drop_domain::screening::Party;

#[derive(Debug, thiserror::Error)]
pub enum RescreenError {
    #[error("storage: {0}")]
    Storage(#[from] TableError),
    #[error("crypto: {0}")]
    Crypto(#[from] CryptoError),
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// `<dataset>@<version>` being screened against; empty when no list is loaded.
    pub list: String,
    /// `user`, `recipient` or `done`.
    pub phase: String,
    pub screened: i64,
    pub potential_hits: i64,
    pub confirmed_hits: i64,
    /// Pages done in this invocation.
    pub pages: u32,
}

fn state_key() -> Key {
    Key::new(drop_domain::keys::RESCREEN_PK, drop_domain::keys::STATE_SK)
}

const PAGE: u32 = 100;

/// Deterministic per run and subject, and ordered by the run's start like any other alert id.
fn alert_id(list: &str, started_ms: i64, subject: &str) -> String {
    let h = crate::digest::sha256_hex(format!("{list}|{subject}").as_bytes());
    let random = u128::from_str_radix(&h[..32], 16).unwrap_or(0);
    format!("alr_{}", ulid::Ulid::from_parts(started_ms.max(0) as u64, random))
}

async fn text(crypto: &Crypto, item: &Item, attr: &str) -> Result<Option<String>, CryptoError> {
    let (pk, sk) = (item.s(attr::PK).unwrap_or_default(), item.s(attr::SK).unwrap_or_default());
    match item.s(attr) {
        Some(ct) => Ok(Some(crypto.decrypt_str(aad(pk, sk, attr), ct).await?.expose().clone())),
        None => Ok(None),
    }
}

/// The person an item stands for: a user's profile or a recipient.
async fn party(crypto: &Crypto, phase: &str, item: &Item) -> Result<Party, CryptoError> {
    let mut names: Vec<String> = text(crypto, item, "name").await?.into_iter().collect();
    if phase == "recipient" {
        let countries = item.s(attr::COUNTRY).map(|c| vec![c.to_lowercase()]).unwrap_or_default();
        return Ok(Party { names, countries, ..Default::default() });
    }
    if let (Some(g), Some(f)) = (text(crypto, item, "given_name").await?, text(crypto, item, "family_name").await?) {
        names.push(format!("{g} {f}"));
    }
    let birth = text(crypto, item, "birthdate").await?.and_then(|b| drop_domain::screening::index::parse_birth(&b));
    Ok(Party { names, birth, countries: vec!["no".into()], gender: None })
}

/// Runs until everyone is screened against the loaded list, `more()` says stop, or there is
/// nothing to do. `report` sees the progress after every page.
pub async fn run(
    table: &dyn Table,
    crypto: &Crypto,
    screener: &Screener,
    now: i64,
    mut more: impl FnMut() -> bool,
    mut report: impl FnMut(&Progress),
) -> Result<Progress, RescreenError> {
    let Some((dataset, version)) = screener.list_version() else {
        tracing::warn!("re-screen skipped: no list loaded");
        return Ok(Progress::default());
    };
    let list = format!("{dataset}@{version}");
    let state = table.get(&state_key()).await?;
    let fresh = state.as_ref().and_then(|s| s.s(attr::LIST)) != Some(list.as_str());
    let n = |k: &str| if fresh { 0 } else { state.as_ref().and_then(|s| s.n(k)).unwrap_or(0) };
    let mut p = Progress {
        list: list.clone(),
        phase: if fresh {
            "user".into()
        } else {
            state.as_ref().and_then(|s| s.s(attr::PHASE)).unwrap_or("user").into()
        },
        screened: n("screened"),
        potential_hits: n("potential_hits"),
        confirmed_hits: n("confirmed_hits"),
        pages: 0,
    };
    let started_ms = if fresh { now * 1000 } else { n("started_ms") };
    let mut cursor = if fresh { None } else { state.as_ref().and_then(|s| s.s(attr::CURSOR)).map(str::to_owned) };
    if fresh {
        tracing::info!(list = %list, "re-screen started");
    }
    while p.phase != "done" && more() {
        let partition = if p.phase == "user" { USERS } else { RECIPIENTS };
        let page = table.query(Query::partition(partition).on_index("gsi3").limit(PAGE).after(cursor.take())).await?;
        for item in &page.items {
            let (subject_type, subject_id, user_id) = if p.phase == "user" {
                let id = item.s(attr::USER_ID).unwrap_or_default();
                ("user", id.to_owned(), id.to_owned())
            } else {
                let user =
                    item.s(attr::PK).unwrap_or_default().trim_start_matches(drop_domain::keys::USER_PREFIX).to_owned();
                (
                    "recipient",
                    item.s(attr::SK)
                        .unwrap_or_default()
                        .trim_start_matches(drop_domain::keys::RECIPIENT_PREFIX)
                        .to_owned(),
                    user,
                )
            };
            let who = party(crypto, &p.phase, item).await?;
            let subject = Subject {
                subject_type,
                subject_id: &subject_id,
                user_id: &user_id,
                trigger: "rescreen",
                alert_id: Some(alert_id(&list, started_ms, &subject_id)),
            };
            // A user's hit also holds their transfers (see `screening::screen`).
            match screening::screen(table, screener, &subject, &who, now).await? {
                Verdict::PotentialHit { .. } => p.potential_hits += 1,
                Verdict::ConfirmedHit { .. } => p.confirmed_hits += 1,
                Verdict::NoHit | Verdict::NotScreened => {}
            }
            p.screened += 1;
        }
        cursor = page.cursor;
        if cursor.is_none() {
            p.phase = if p.phase == "user" { "recipient".into() } else { "done".into() };
        }
        p.pages += 1;
        save(table, &p, cursor.as_deref(), started_ms, now).await?;
        report(&p);
    }
    if p.phase == "done" && p.pages > 0 {
        tracing::info!(list = %list, screened = p.screened, potential = p.potential_hits, confirmed = p.confirmed_hits, "re-screen finished");
    }
    Ok(p)
}

async fn save(
    table: &dyn Table,
    p: &Progress,
    cursor: Option<&str>,
    started_ms: i64,
    now: i64,
) -> Result<(), TableError> {
    let mut u = Update::new(state_key())
        .set(attr::LIST, p.list.clone())
        .set(attr::PHASE, p.phase.clone())
        .set(attr::SCREENED, p.screened)
        .set(attr::POTENTIAL_HITS, p.potential_hits)
        .set(attr::CONFIRMED_HITS, p.confirmed_hits)
        .set(attr::STARTED_MS, started_ms)
        .set(attr::UPDATED_AT, now);
    u = match cursor {
        Some(c) => u.set(attr::CURSOR, c),
        None => u.remove(attr::CURSOR),
    };
    // Two runs at once would only repeat pages: alert ids are deterministic.
    table.update(u).await.map(|_| ())
}

/// The re-screen as last stored: progress, when it started and last moved (`None` before the
/// first run).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    #[serde(flatten)]
    pub progress: Progress,
    pub started_at: i64,
    pub updated_at: i64,
}

pub async fn status(table: &dyn Table) -> Result<Option<Status>, TableError> {
    Ok(table.get(&state_key()).await?.map(|s| Status {
        progress: Progress {
            list: s.s(attr::LIST).unwrap_or_default().to_owned(),
            phase: s.s(attr::PHASE).unwrap_or_default().to_owned(),
            screened: s.n(attr::SCREENED).unwrap_or(0),
            potential_hits: s.n(attr::POTENTIAL_HITS).unwrap_or(0),
            confirmed_hits: s.n(attr::CONFIRMED_HITS).unwrap_or(0),
            pages: 0,
        },
        started_at: s.n(attr::STARTED_MS).unwrap_or(0) / 1000,
        updated_at: s.n(attr::UPDATED_AT).unwrap_or(0),
    }))
}
