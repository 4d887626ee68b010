//! Sanctions/PEP screening of people: users at sign-up, recipients on creation. A potential hit
//! raises an alert (for compliance staff only); a hit at or above the confirmation score blocks a
//! recipient. Alerts record the score, the algorithm and the list's dataset and version — and no
//! PII of ours (the matched list entries are public list data).

use crate::table::{Item, Query, Table, TableError};
use drop_domain::screening::index::{Hit, Index};
use drop_domain::screening::{Party, ScoreConfig};

pub const ALGORITHM: &str = "drop-name-v1";
/// An automated hit this strong is treated as confirmed (Watchman guidance: ≥ 0.95 auto block).
pub const CONFIRMED_AT: f64 = 0.95;

pub struct Screener {
    pub index: Option<Index>,
    pub config: ScoreConfig,
}

impl Screener {
    pub fn none() -> Self {
        Screener { index: None, config: ScoreConfig::default() }
    }

    /// Loads a list from the operator's file contents: `.csv` (OpenSanctions targets.simple),
    /// `.jsonl`/`.json` (FollowTheMoney), or an index snapshot.
    pub fn load(file_name: &str, bytes: &[u8], dataset: &str, version: &str) -> Result<Self, String> {
        let text = || std::str::from_utf8(bytes).map_err(|_| "the list is not UTF-8".to_owned());
        let index = if file_name.ends_with(".csv") {
            Index::from_simple_csv(text()?, dataset, version)
        } else if file_name.ends_with(".jsonl") || file_name.ends_with(".json") {
            Index::from_ftm_jsonl(text()?, dataset, version)
        } else {
            Index::from_snapshot(bytes)
        }
        .map_err(|e| e.to_string())?;
        Ok(Screener { index: Some(index), config: ScoreConfig::default() })
    }

    pub fn screen(&self, party: &Party) -> Option<Vec<Hit>> {
        self.index.as_ref().map(|ix| ix.search(party, self.config))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    NoHit,
    /// An alert was raised.
    PotentialHit {
        alert_id: String,
    },
    /// Raised and blocking.
    ConfirmedHit {
        alert_id: String,
    },
    /// No list is loaded: nothing was checked.
    NotScreened,
}

/// Screens a party and stores an alert for potential hits.
pub async fn screen(
    table: &dyn Table,
    screener: &Screener,
    subject_type: &str,
    subject_id: &str,
    trigger: &str,
    party: &Party,
    now: i64,
) -> Result<Verdict, TableError> {
    let Some(hits) = screener.screen(party) else {
        tracing::warn!(subject_type, trigger, "screening skipped: no list loaded");
        return Ok(Verdict::NotScreened);
    };
    let potential: Vec<&Hit> = hits.iter().filter(|h| h.potential_match).collect();
    let Some(best) = potential.first() else { return Ok(Verdict::NoHit) };
    let alert_id = format!("alr_{}", crate::ids::ulid());
    // Only the list side of each hit: entry ids, captions, scores, how tokens matched.
    let entries: Vec<serde_json::Value> = potential
        .iter()
        .map(|h| {
            serde_json::json!({
                "entryId": h.entry_id, "caption": h.caption, "score": h.score,
                "matched": h.explanation.tokens.iter().map(|t| serde_json::json!({"entryToken": t.entry, "how": t.how, "score": t.score})).collect::<Vec<_>>(),
                "adjustments": h.explanation.adjustments,
            })
        })
        .collect();
    let confirmed = best.score >= CONFIRMED_AT;
    let item = Item::new(format!("ALERT#{alert_id}"), "ALERT")
        .with("alert_id", alert_id.clone())
        .with("kind", "screening")
        .with("subject_type", subject_type)
        .with("subject_id", subject_id)
        .with("trigger", trigger)
        .with("score", (best.score * 1000.0).round() as i64)
        .with("confirmed", confirmed)
        .with("algorithm", ALGORITHM)
        .with("dataset", best.dataset.clone())
        .with("version", best.version.clone())
        .with("entries", serde_json::Value::Array(entries).to_string())
        .with("status", "open")
        .with("created_at", now)
        .with("gsi1pk", "ALERTS")
        .with("gsi1sk", alert_id.clone());
    table.put(item, None).await?;
    Ok(if confirmed { Verdict::ConfirmedHit { alert_id } } else { Verdict::PotentialHit { alert_id } })
}

/// Newest first.
pub async fn alerts(table: &dyn Table, limit: u32) -> Result<Vec<serde_json::Value>, TableError> {
    let page = table.query(Query::partition("ALERTS").on_index("gsi1").backward().limit(limit.clamp(1, 200))).await?;
    Ok(page
        .items
        .iter()
        .map(|i| {
            serde_json::json!({
                "id": i.s("alert_id"), "kind": i.s("kind"), "subjectType": i.s("subject_type"), "subjectId": i.s("subject_id"),
                "trigger": i.s("trigger"), "score": i.n("score").map(|s| s as f64 / 1000.0), "confirmed": i.get("confirmed") == Some(&crate::table::Value::Bool(true)),
                "algorithm": i.s("algorithm"), "dataset": i.s("dataset"), "version": i.s("version"), "status": i.s("status"),
                "entries": i.s("entries").and_then(|e| serde_json::from_str::<serde_json::Value>(e).ok()),
                "createdAt": i.n("created_at").and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok()).map(drop_domain::time::rfc3339),
            })
        })
        .collect())
}
