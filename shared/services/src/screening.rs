//! Sanctions/PEP screening of people: users at sign-up, recipients on creation and at every
//! payment, everyone again when a new list version arrives. A potential hit raises an alert (for
//! compliance staff only); a hit at or above the confirmation score blocks. Alerts record the
//! score, the algorithm and the list's dataset and version — and no PII of ours (the matched list
//! entries are public list data).

use crate::alerts::{self, NewAlert};
use crate::table::{CancelReason, Table, TableError, TxOp};
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

    /// `(dataset, version)` of the loaded list.
    pub fn list_version(&self) -> Option<(&str, &str)> {
        self.index.as_ref().map(|ix| (ix.dataset.as_str(), ix.version.as_str()))
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

impl Verdict {
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::NoHit => "no_hit",
            Verdict::PotentialHit { .. } => "potential_hit",
            Verdict::ConfirmedHit { .. } => "confirmed_hit",
            Verdict::NotScreened => "not_screened",
        }
    }

    /// What the AML decision makes of it: no list means fail closed.
    pub fn for_aml(&self) -> drop_domain::aml::Screening {
        use drop_domain::aml::Screening as S;
        match self {
            Verdict::NoHit => S::NoHit,
            Verdict::PotentialHit { .. } => S::PotentialHit,
            Verdict::ConfirmedHit { .. } => S::ConfirmedHit,
            Verdict::NotScreened => S::Error,
        }
    }
}

/// Who is screened, why, and where the alert goes.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    pub subject_type: &'a str,
    pub subject_id: &'a str,
    pub user_id: &'a str,
    pub trigger: &'a str,
    /// A fixed alert id makes a rerun idempotent; None draws a new one.
    pub alert_id: Option<String>,
}

/// Screens a party without storing anything: the verdict and, for a potential hit, the alert to
/// store (in the caller's transaction).
pub fn assess(screener: &Screener, subject: &Subject<'_>, party: &Party, now: i64) -> (Verdict, Vec<TxOp>) {
    let Some(hits) = screener.screen(party) else {
        tracing::warn!(subject_type = subject.subject_type, trigger = subject.trigger, "not screened: no list loaded");
        return (Verdict::NotScreened, Vec::new());
    };
    let potential: Vec<&Hit> = hits.iter().filter(|h| h.potential_match).collect();
    let Some(best) = potential.first() else { return (Verdict::NoHit, Vec::new()) };
    let alert_id = subject.alert_id.clone().unwrap_or_else(alerts::new_id);
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
    let alert = NewAlert {
        kind: "screening",
        subject_type: subject.subject_type,
        subject_id: subject.subject_id,
        user_id: subject.user_id,
        trigger: subject.trigger,
        outcome: if confirmed { "confirmed_hit" } else { "potential_hit" },
        score: (best.score * 1000.0).round() as i64,
        algorithm: ALGORITHM,
        dataset: &best.dataset,
        version: &best.version,
        details: serde_json::Value::Array(entries),
    };
    let ops = alert.ops(&alert_id, now).to_vec();
    let verdict = if confirmed { Verdict::ConfirmedHit { alert_id } } else { Verdict::PotentialHit { alert_id } };
    (verdict, ops)
}

/// Screens a party and stores the alert for a potential hit. A hit on a user also holds their
/// transfers for review (the hold names the alert), in the same transaction; recipients are
/// screened again at every confirm instead. An alert already there (a rerun) changes nothing.
pub async fn screen(
    table: &dyn Table,
    screener: &Screener,
    subject: &Subject<'_>,
    party: &Party,
    now: i64,
) -> Result<Verdict, TableError> {
    let (verdict, mut ops) = assess(screener, subject, party, now);
    if ops.is_empty() {
        return Ok(verdict);
    }
    if let (Verdict::PotentialHit { alert_id } | Verdict::ConfirmedHit { alert_id }, "user") =
        (&verdict, subject.subject_type)
    {
        ops.extend(crate::holds::hold(subject.user_id, crate::holds::Source::Alert, alert_id, now));
    }
    match table.transact(ops).await {
        Err(TableError::TransactionCanceled { reasons })
            if matches!(reasons.first(), Some(Some(CancelReason::ConditionFailed { .. }))) =>
        {
            Ok(verdict)
        }
        other => other.map(|_| verdict),
    }
}
