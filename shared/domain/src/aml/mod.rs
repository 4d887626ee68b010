//! AML transaction monitoring: a catalogue of rules over one outbound transfer and the user's
//! rolling aggregates, each with parameters, an "insufficient history" exit where history is
//! needed, and an explanation; an additive score with review / block-and-review / decline
//! thresholds; forced outcomes (sanctions, FATF call-for-action countries) win over the score.
//! The cheap rules need only the transfer and the profile (they run inside confirm); the
//! behavioural ones read the aggregates (they run after the money moved). Facts:
//! `reference/compliance.md` §1.

pub mod aggregates;
mod rules;

pub use aggregates::{Aggregates, Bucket, BucketKey};
pub use rules::{behavioural, cheap};

use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Approve,
    Review,
    BlockAndReview,
    Decline,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Approve => "approve",
            Outcome::Review => "review",
            Outcome::BlockAndReview => "block_and_review",
            Outcome::Decline => "decline",
        }
    }
}

/// A movement of the user's money (NOK øre): a transfer out, or money in (a refund).
#[derive(Debug, Clone, PartialEq)]
pub struct Movement {
    pub at: i64,
    pub amount: i64,
    pub recipient: String,
    pub incoming: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Transfer {
    pub at: i64,
    pub amount: i64,
    pub recipient: String,
    /// Payout country, ISO 3166 alpha-2.
    pub country: String,
}

impl Transfer {
    pub fn movement(&self) -> Movement {
        Movement { at: self.at, amount: self.amount, recipient: self.recipient.clone(), incoming: false }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub account_opened_at: i64,
    /// An earlier decision holds this user's transfers until compliance releases them.
    pub held: bool,
}

/// Versioned high-risk country lists.
#[derive(Debug, Clone, PartialEq)]
pub struct CountryLists {
    pub version: String,
    /// FATF call for action: forced block and review.
    pub call_for_action: BTreeSet<String>,
    /// FATF increased monitoring and the EU high-risk list: added weight.
    pub high_risk: BTreeSet<String>,
}

impl Default for CountryLists {
    fn default() -> Self {
        let set = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect();
        CountryLists {
            version: "fatf-2025-10".into(),
            call_for_action: set(&["KP", "IR", "MM"]),
            high_risk: set(&[
                "DZ", "AO", "BO", "BG", "CM", "CI", "HR", "CD", "HT", "KE", "LA", "LB", "MC", "MZ", "NA", "NP", "NG",
                "ZA", "SS", "SY", "VE", "VN", "YE",
            ]),
        }
    }
}

/// Every threshold and weight, versioned as one scorecard. Windows are whole buckets: hours for
/// velocity and pass-through, days for the rest (storage keeps hours 3 days, days 400).
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub version: &'static str,
    pub large_absolute: i64,
    pub large_window_days: i64,
    pub large_z: f64,
    /// With no variance in history: this many times the mean counts as increased.
    pub large_flat_ratio: f64,
    pub min_history: i64,
    pub velocity_hours: i64,
    pub velocity_count: i64,
    pub velocity_sum: i64,
    pub structuring_thresholds: [i64; 2],
    pub structuring_band: f64,
    pub structuring_days: i64,
    pub linked_threshold: i64,
    pub linked_days: i64,
    pub new_account_days: i64,
    pub new_account_amount: i64,
    pub dormant_days: i64,
    pub dormant_amount: i64,
    pub recipients_days: i64,
    pub recipients_count: usize,
    pub rapid_hours: i64,
    pub rapid_share: f64,
    pub round_multiple: i64,
    pub round_min: i64,
    pub round_count: i64,
    pub round_days: i64,
    pub review_at: i32,
    pub block_at: i32,
    /// None: behavioural scores never decline on their own.
    pub decline_at: Option<i32>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            version: "drop-aml@2",
            large_absolute: 10_000_000,
            large_window_days: 90,
            large_z: 3.0,
            large_flat_ratio: 1.5,
            min_history: 3,
            velocity_hours: 24,
            velocity_count: 5,
            velocity_sum: 5_000_000,
            // EUR 1,000 (at NOK 11.60) and NOK 100,000.
            structuring_thresholds: [1_160_000, 10_000_000],
            structuring_band: 0.1,
            structuring_days: 7,
            linked_threshold: 10_000_000,
            linked_days: 365,
            new_account_days: 30,
            new_account_amount: 2_000_000,
            dormant_days: 180,
            dormant_amount: 1_000_000,
            recipients_days: 30,
            recipients_count: 5,
            rapid_hours: 48,
            rapid_share: 0.8,
            round_multiple: 100_000,
            round_min: 1_000_000,
            round_count: 3,
            round_days: 30,
            review_at: 200,
            block_at: 400,
            decline_at: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "result")]
pub enum RuleOutcome {
    Hit {
        weight: i32,
    },
    Miss,
    InsufficientHistory,
    /// Overrides the score.
    Forced {
        outcome: Outcome,
    },
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RuleResult {
    pub rule: &'static str,
    pub outcome: RuleOutcome,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Decision {
    pub scorecard: &'static str,
    pub lists: String,
    pub score: i32,
    pub outcome: Outcome,
    pub results: Vec<RuleResult>,
}

/// The sanctions screening of the parties, decided before the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screening {
    NoHit,
    PotentialHit,
    ConfirmedHit,
    /// No list loaded or the screening failed: fail closed.
    Error,
}

/// Scores rule results: the strictest of the score band, the forced rules and the screening wins.
pub fn decide(results: Vec<RuleResult>, screening: Screening, lists: &CountryLists, p: &Params) -> Decision {
    let score: i32 = results.iter().map(|x| if let RuleOutcome::Hit { weight } = x.outcome { weight } else { 0 }).sum();
    let by_score = match p.decline_at {
        Some(d) if score >= d => Outcome::Decline,
        _ if score >= p.block_at => Outcome::BlockAndReview,
        _ if score >= p.review_at => Outcome::Review,
        _ => Outcome::Approve,
    };
    let forced = results
        .iter()
        .filter_map(|x| if let RuleOutcome::Forced { outcome } = x.outcome { Some(outcome) } else { None })
        .max();
    let screened = match screening {
        Screening::NoHit => None,
        Screening::PotentialHit | Screening::Error => Some(Outcome::BlockAndReview),
        Screening::ConfirmedHit => Some(Outcome::Decline),
    };
    let outcome = [Some(by_score), forced, screened].into_iter().flatten().max().unwrap_or(Outcome::Approve);
    Decision { scorecard: p.version, lists: lists.version.clone(), score, outcome, results }
}

/// Every rule at once (the benchmark, and anyone with the aggregates at hand).
pub fn evaluate(
    t: &Transfer,
    history: &Aggregates,
    profile: &Profile,
    lists: &CountryLists,
    screening: Screening,
    p: &Params,
) -> Decision {
    let mut results = cheap(t, profile, lists, p);
    results.extend(behavioural(t, history, profile, p));
    decide(results, screening, lists, p)
}
