//! AML transaction monitoring: a catalogue of rules over one outbound transfer and the user's
//! history, each with parameters, an "insufficient history" exit and an explanation; an additive
//! score with review / block-and-review / decline thresholds; forced outcomes (sanctions,
//! FATF call-for-action countries) win over the score. Facts: `reference/compliance.md` §1.

use std::collections::BTreeSet;

const DAY: i64 = 86_400;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Approve,
    Review,
    BlockAndReview,
    Decline,
}

/// A past movement of the user's money (NOK øre).
#[derive(Debug, Clone, PartialEq)]
pub struct Past {
    pub at: i64,
    pub amount: i64,
    pub recipient: String,
    /// Money coming in (a refund, a received payment) rather than going out.
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

#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub account_opened_at: i64,
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

/// Every threshold and weight, versioned as one scorecard.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub version: &'static str,
    pub large_absolute: i64,
    pub large_vs_max_factor: i64,
    pub min_history: usize,
    pub velocity_window: i64,
    pub velocity_count: usize,
    pub velocity_sum: i64,
    pub structuring_thresholds: [i64; 2],
    pub structuring_band: f64,
    pub structuring_window: i64,
    pub linked_threshold: i64,
    pub linked_window: i64,
    pub new_account_days: i64,
    pub new_account_amount: i64,
    pub dormant_days: i64,
    pub dormant_amount: i64,
    pub recipients_window: i64,
    pub recipients_count: usize,
    pub rapid_window: i64,
    pub rapid_share: f64,
    pub round_multiple: i64,
    pub round_min: i64,
    pub round_count: usize,
    pub round_window: i64,
    pub review_at: i32,
    pub block_at: i32,
    /// None: behavioural scores never decline on their own.
    pub decline_at: Option<i32>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            version: "drop-aml@1",
            large_absolute: 10_000_000,
            large_vs_max_factor: 5,
            min_history: 3,
            velocity_window: DAY,
            velocity_count: 5,
            velocity_sum: 5_000_000,
            // EUR 1,000 (at NOK 11.60) and NOK 100,000.
            structuring_thresholds: [1_160_000, 10_000_000],
            structuring_band: 0.1,
            structuring_window: 7 * DAY,
            linked_threshold: 10_000_000,
            linked_window: 365 * DAY,
            new_account_days: 30,
            new_account_amount: 2_000_000,
            dormant_days: 180,
            dormant_amount: 1_000_000,
            recipients_window: 30 * DAY,
            recipients_count: 5,
            rapid_window: 2 * DAY,
            rapid_share: 0.8,
            round_multiple: 100_000,
            round_min: 1_000_000,
            round_count: 3,
            round_window: 30 * DAY,
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

fn r(rule: &'static str, outcome: RuleOutcome, explanation: String) -> RuleResult {
    RuleResult { rule, outcome, explanation }
}

fn nok(minor: i64) -> String {
    format!("NOK {}", minor / 100)
}

pub fn evaluate(
    t: &Transfer,
    history: &[Past],
    profile: &Profile,
    lists: &CountryLists,
    screening: Screening,
    p: &Params,
) -> Decision {
    let out: Vec<&Past> = history.iter().filter(|h| !h.incoming && h.at <= t.at).collect();
    let within = |w: i64| out.iter().filter(move |h| t.at - h.at < w);
    let mut results = Vec::new();

    // LARGE: absolute, and against the user's own history.
    let max_prior = out.iter().filter(|h| t.at - h.at < 90 * DAY).map(|h| h.amount).max();
    results.push(if t.amount >= p.large_absolute {
        r(
            "large",
            RuleOutcome::Hit { weight: 100 },
            format!("{} is at or above {}", nok(t.amount), nok(p.large_absolute)),
        )
    } else if out.len() < p.min_history {
        r(
            "large",
            RuleOutcome::InsufficientHistory,
            format!("{} earlier transfers; {} needed", out.len(), p.min_history),
        )
    } else if max_prior.is_some_and(|m| t.amount > m * p.large_vs_max_factor) {
        r(
            "large",
            RuleOutcome::Hit { weight: 200 },
            format!("{} is over {}× the 90-day maximum", nok(t.amount), p.large_vs_max_factor),
        )
    } else {
        r("large", RuleOutcome::Miss, "in line with history".into())
    });

    // VELOCITY: count and amount in a window.
    let recent: Vec<&&Past> = within(p.velocity_window).collect();
    let count = recent.len() + 1;
    let sum: i64 = recent.iter().map(|h| h.amount).sum::<i64>() + t.amount;
    results.push(if count >= p.velocity_count {
        r("velocity", RuleOutcome::Hit { weight: 200 }, format!("{count} transfers in 24 h"))
    } else if sum >= p.velocity_sum {
        r("velocity", RuleOutcome::Hit { weight: 100 }, format!("{} in 24 h", nok(sum)))
    } else {
        r("velocity", RuleOutcome::Miss, format!("{count} transfers, {} in 24 h", nok(sum)))
    });

    // STRUCTURING: several just below a threshold within a week.
    let mut structuring = r("structuring", RuleOutcome::Miss, "no split pattern".into());
    for threshold in p.structuring_thresholds {
        let lo = threshold - (threshold as f64 * p.structuring_band) as i64;
        let band = |a: i64| a >= lo && a < threshold;
        let n = within(p.structuring_window).filter(|h| band(h.amount)).count() + usize::from(band(t.amount));
        if n >= 2 {
            structuring = r(
                "structuring",
                RuleOutcome::Hit { weight: 200 },
                format!("{n} transfers just below {} in 7 days", nok(threshold)),
            );
            break;
        }
    }
    results.push(structuring);

    // LINKED: transfers summed against NOK 100,000 (hvitvaskingsloven § 10).
    let linked: i64 = within(p.linked_window).map(|h| h.amount).sum::<i64>() + t.amount;
    results.push(if linked >= p.linked_threshold {
        r(
            "linked_100k",
            RuleOutcome::Hit { weight: 100 },
            format!("{} in 12 months: refresh customer due diligence", nok(linked)),
        )
    } else {
        r("linked_100k", RuleOutcome::Miss, format!("{} in 12 months", nok(linked)))
    });

    // HIGH-RISK JURISDICTION.
    let country = t.country.to_uppercase();
    results.push(if lists.call_for_action.contains(&country) {
        r(
            "high_risk_jurisdiction",
            RuleOutcome::Forced { outcome: Outcome::BlockAndReview },
            format!("{country} is on the FATF call-for-action list ({})", lists.version),
        )
    } else if lists.high_risk.contains(&country) {
        r(
            "high_risk_jurisdiction",
            RuleOutcome::Hit { weight: 200 },
            format!("{country} is a high-risk jurisdiction ({})", lists.version),
        )
    } else {
        r("high_risk_jurisdiction", RuleOutcome::Miss, format!("{country} not listed ({})", lists.version))
    });

    // NEW ACCOUNT with a large transfer.
    let age_days = (t.at - profile.account_opened_at) / DAY;
    results.push(if age_days < p.new_account_days && t.amount >= p.new_account_amount {
        r(
            "new_account",
            RuleOutcome::Hit { weight: 200 },
            format!("{} from an account {age_days} days old", nok(t.amount)),
        )
    } else {
        r("new_account", RuleOutcome::Miss, format!("account {age_days} days old"))
    });

    // DORMANCY then activity.
    let last = history.iter().filter(|h| h.at <= t.at).map(|h| h.at).max();
    results.push(if age_days < p.dormant_days {
        r("dormant", RuleOutcome::InsufficientHistory, format!("account younger than {} days", p.dormant_days))
    } else if t.amount >= p.dormant_amount && last.is_none_or(|l| (t.at - l) / DAY >= p.dormant_days) {
        r(
            "dormant",
            RuleOutcome::Hit { weight: 200 },
            format!("{} after {}+ quiet days", nok(t.amount), p.dormant_days),
        )
    } else {
        r("dormant", RuleOutcome::Miss, "recently active".into())
    });

    // MANY RECIPIENTS.
    let mut recipients: BTreeSet<&str> = within(p.recipients_window).map(|h| h.recipient.as_str()).collect();
    recipients.insert(&t.recipient);
    results.push(if recipients.len() >= p.recipients_count {
        r("many_recipients", RuleOutcome::Hit { weight: 100 }, format!("{} recipients in 30 days", recipients.len()))
    } else {
        r("many_recipients", RuleOutcome::Miss, format!("{} recipients in 30 days", recipients.len()))
    });

    // RAPID IN AND OUT: most of recent incoming money goes straight out.
    let incoming: i64 =
        history.iter().filter(|h| h.incoming && h.at <= t.at && t.at - h.at < p.rapid_window).map(|h| h.amount).sum();
    results.push(if incoming > 0 && t.amount as f64 >= incoming as f64 * p.rapid_share {
        r(
            "rapid_in_out",
            RuleOutcome::Hit { weight: 200 },
            format!("{} out within 48 h of {} in", nok(t.amount), nok(incoming)),
        )
    } else {
        r("rapid_in_out", RuleOutcome::Miss, "no pass-through".into())
    });

    // ROUND AMOUNTS, repeatedly.
    let round = |a: i64| a >= p.round_min && a % p.round_multiple == 0;
    let n = within(p.round_window).filter(|h| round(h.amount)).count() + usize::from(round(t.amount));
    results.push(if n >= p.round_count {
        r("round_amounts", RuleOutcome::Hit { weight: 100 }, format!("{n} round amounts in 30 days"))
    } else {
        r("round_amounts", RuleOutcome::Miss, format!("{n} round amounts in 30 days"))
    });

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
    // The strictest of the score, the forced rules and the screening wins.
    let outcome = [Some(by_score), forced, screened].into_iter().flatten().max().unwrap_or(Outcome::Approve);
    Decision { scorecard: p.version, lists: lists.version.clone(), score, outcome, results }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_800_000_000;

    fn t(amount: i64) -> Transfer {
        Transfer { at: T0, amount, recipient: "r1".into(), country: "DE".into() }
    }

    fn past(days_ago: i64, amount: i64, recipient: &str) -> Past {
        Past { at: T0 - days_ago * DAY, amount, recipient: recipient.into(), incoming: false }
    }

    fn old() -> Profile {
        Profile { account_opened_at: T0 - 400 * DAY }
    }

    fn run(tr: &Transfer, h: &[Past]) -> Decision {
        evaluate(tr, h, &old(), &CountryLists::default(), Screening::NoHit, &Params::default())
    }

    fn rule<'a>(d: &'a Decision, id: &str) -> &'a RuleOutcome {
        &d.results.iter().find(|x| x.rule == id).unwrap().outcome
    }

    fn active() -> Vec<Past> {
        vec![past(10, 200_000, "r1"), past(20, 300_000, "r1"), past(30, 250_000, "r1")]
    }

    #[test]
    fn large_at_and_around_thresholds() {
        assert_eq!(rule(&run(&t(9_999_999), &active()), "large"), &RuleOutcome::Hit { weight: 200 }, "> 5× the max");
        assert_eq!(rule(&run(&t(10_000_000), &active()), "large"), &RuleOutcome::Hit { weight: 100 });
        assert_eq!(rule(&run(&t(1_500_000), &active()), "large"), &RuleOutcome::Miss, "exactly 5× is fine");
        assert_eq!(rule(&run(&t(1_500_001), &active()), "large"), &RuleOutcome::Hit { weight: 200 });
        assert_eq!(rule(&run(&t(500_000), &active()[..2]), "large"), &RuleOutcome::InsufficientHistory);
    }

    #[test]
    fn velocity_count_and_amount() {
        let four: Vec<Past> = (0..4)
            .map(|i| Past { at: T0 - 3600 * (i + 1), amount: 10_000, recipient: "r1".into(), incoming: false })
            .collect();
        assert_eq!(rule(&run(&t(10_000), &four), "velocity"), &RuleOutcome::Hit { weight: 200 });
        assert_eq!(rule(&run(&t(10_000), &four[..3]), "velocity"), &RuleOutcome::Miss);
        assert_eq!(rule(&run(&t(5_000_000), &[]), "velocity"), &RuleOutcome::Hit { weight: 100 });
        assert_eq!(rule(&run(&t(4_999_999), &[]), "velocity"), &RuleOutcome::Miss);
    }

    #[test]
    fn structuring_below_eur_1000_and_nok_100k() {
        let h = vec![past(2, 1_100_000, "r1")];
        assert_eq!(rule(&run(&t(1_150_000), &h), "structuring"), &RuleOutcome::Hit { weight: 200 });
        assert_eq!(
            rule(&run(&t(1_160_000), &h), "structuring"),
            &RuleOutcome::Miss,
            "at the threshold is not below it"
        );
        assert_eq!(rule(&run(&t(1_040_000), &h), "structuring"), &RuleOutcome::Miss, "below the band");
        let old_split = vec![past(8, 1_100_000, "r1")];
        assert_eq!(rule(&run(&t(1_150_000), &old_split), "structuring"), &RuleOutcome::Miss, "outside 7 days");
        let big = vec![past(1, 9_500_000, "r1")];
        assert_eq!(rule(&run(&t(9_200_000), &big), "structuring"), &RuleOutcome::Hit { weight: 200 });
    }

    #[test]
    fn linked_transfers_against_nok_100k() {
        let h = vec![past(100, 6_000_000, "r1"), past(200, 3_000_000, "r2")];
        assert_eq!(rule(&run(&t(1_000_000), &h), "linked_100k"), &RuleOutcome::Hit { weight: 100 });
        assert_eq!(rule(&run(&t(999_999), &h), "linked_100k"), &RuleOutcome::Miss);
        let older = vec![past(400, 9_000_000, "r1")];
        assert_eq!(rule(&run(&t(1_000_000), &older), "linked_100k"), &RuleOutcome::Miss, "outside 12 months");
    }

    #[test]
    fn jurisdictions_versioned_and_forced() {
        let mut tr = t(100_000);
        tr.country = "IR".into();
        let d = run(&tr, &active());
        assert_eq!(d.outcome, Outcome::BlockAndReview);
        assert_eq!(d.lists, "fatf-2025-10");
        tr.country = "NG".into();
        assert_eq!(rule(&run(&tr, &active()), "high_risk_jurisdiction"), &RuleOutcome::Hit { weight: 200 });
        assert_eq!(run(&tr, &active()).outcome, Outcome::Review);
    }

    #[test]
    fn new_dormant_recipients_rapid_round() {
        let young = Profile { account_opened_at: T0 - 10 * DAY };
        let lists = CountryLists::default();
        let d = evaluate(&t(2_000_000), &[], &young, &lists, Screening::NoHit, &Params::default());
        assert_eq!(rule(&d, "new_account"), &RuleOutcome::Hit { weight: 200 });
        assert_eq!(rule(&d, "dormant"), &RuleOutcome::InsufficientHistory);
        let d = evaluate(&t(1_999_999), &[], &young, &lists, Screening::NoHit, &Params::default());
        assert_eq!(rule(&d, "new_account"), &RuleOutcome::Miss);
        assert_eq!(rule(&run(&t(1_000_000), &[past(200, 10_000, "r1")]), "dormant"), &RuleOutcome::Hit { weight: 200 });
        assert_eq!(rule(&run(&t(1_000_000), &[past(179, 10_000, "r1")]), "dormant"), &RuleOutcome::Miss);
        let many: Vec<Past> = (0..4).map(|i| past(i + 1, 10_000, &format!("x{i}"))).collect();
        assert_eq!(rule(&run(&t(10_000), &many), "many_recipients"), &RuleOutcome::Hit { weight: 100 });
        assert_eq!(rule(&run(&t(10_000), &many[..3]), "many_recipients"), &RuleOutcome::Miss);
        let inflow = vec![Past { at: T0 - DAY, amount: 1_000_000, recipient: String::new(), incoming: true }];
        assert_eq!(rule(&run(&t(800_000), &inflow), "rapid_in_out"), &RuleOutcome::Hit { weight: 200 });
        assert_eq!(rule(&run(&t(799_999), &inflow), "rapid_in_out"), &RuleOutcome::Miss);
        let rounds = vec![past(3, 1_000_000, "r1"), past(5, 2_000_000, "r1")];
        assert_eq!(rule(&run(&t(3_000_000), &rounds), "round_amounts"), &RuleOutcome::Hit { weight: 100 });
        assert_eq!(rule(&run(&t(3_000_001), &rounds), "round_amounts"), &RuleOutcome::Miss);
    }

    #[test]
    fn score_thresholds_and_screening_force_the_outcome() {
        let quiet = run(&t(200_000), &active());
        assert_eq!((quiet.score, quiet.outcome), (0, Outcome::Approve));
        // large (200) + structuring-free + ... → review at 200, block at 400.
        let d = run(&t(2_000_000), &active());
        assert_eq!(d.score, 200);
        assert_eq!(d.outcome, Outcome::Review);
        let young = Profile { account_opened_at: T0 - 5 * DAY };
        let d =
            evaluate(&t(2_000_000), &active(), &young, &CountryLists::default(), Screening::NoHit, &Params::default());
        assert_eq!(d.score, 400);
        assert_eq!(d.outcome, Outcome::BlockAndReview);
        for (s, want) in [
            (Screening::PotentialHit, Outcome::BlockAndReview),
            (Screening::Error, Outcome::BlockAndReview),
            (Screening::ConfirmedHit, Outcome::Decline),
        ] {
            assert_eq!(
                evaluate(&t(200_000), &active(), &old(), &CountryLists::default(), s, &Params::default()).outcome,
                want
            );
        }
        let strict = Params { decline_at: Some(400), ..Params::default() };
        assert_eq!(
            evaluate(&t(2_000_000), &active(), &young, &CountryLists::default(), Screening::NoHit, &strict).outcome,
            Outcome::Decline
        );
    }
}
