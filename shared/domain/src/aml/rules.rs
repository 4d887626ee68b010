//! The rules. Each answers one question about one transfer and explains its answer.

use super::aggregates::{self, Aggregates, DAY};
use super::{CountryLists, Outcome, Params, Profile, RuleOutcome, RuleResult, Transfer};

fn r(rule: &'static str, outcome: RuleOutcome, explanation: String) -> RuleResult {
    RuleResult { rule, outcome, explanation }
}

fn hit(rule: &'static str, weight: i32, explanation: String) -> RuleResult {
    r(rule, RuleOutcome::Hit { weight }, explanation)
}

fn miss(rule: &'static str, explanation: String) -> RuleResult {
    r(rule, RuleOutcome::Miss, explanation)
}

fn insufficient(rule: &'static str, explanation: String) -> RuleResult {
    r(rule, RuleOutcome::InsufficientHistory, explanation)
}

fn nok(minor: i64) -> String {
    format!("NOK {}", minor / 100)
}

/// Rules over the transfer and the profile alone: cheap enough for the confirm request.
pub fn cheap(t: &Transfer, profile: &Profile, lists: &CountryLists, p: &Params) -> Vec<RuleResult> {
    let mut out = Vec::with_capacity(4);
    // HOLD: an earlier alert froze this user's transfers.
    out.push(if profile.held {
        r("hold", RuleOutcome::Forced { outcome: Outcome::BlockAndReview }, "transfers held by an earlier alert".into())
    } else {
        miss("hold", "no hold".into())
    });
    // LARGE (Tazama 091 re-parameterised).
    out.push(if t.amount >= p.large_absolute {
        hit("large", 100, format!("{} is at or above {}", nok(t.amount), nok(p.large_absolute)))
    } else {
        miss("large", format!("{} is below {}", nok(t.amount), nok(p.large_absolute)))
    });
    // HIGH-RISK JURISDICTION.
    let country = t.country.to_uppercase();
    out.push(if lists.call_for_action.contains(&country) {
        r(
            "high_risk_jurisdiction",
            RuleOutcome::Forced { outcome: Outcome::BlockAndReview },
            format!("{country} is on the FATF call-for-action list ({})", lists.version),
        )
    } else if lists.high_risk.contains(&country) {
        hit("high_risk_jurisdiction", 200, format!("{country} is a high-risk jurisdiction ({})", lists.version))
    } else {
        miss("high_risk_jurisdiction", format!("{country} not listed ({})", lists.version))
    });
    // NEW ACCOUNT with a large transfer.
    let age_days = (t.at - profile.account_opened_at).div_euclid(DAY);
    out.push(if age_days < p.new_account_days && t.amount >= p.new_account_amount {
        hit("new_account", 200, format!("{} from an account {age_days} days old", nok(t.amount)))
    } else {
        miss("new_account", format!("{} from an account {age_days} days old", nok(t.amount)))
    });
    out
}

/// Rules over the user's aggregates (which must not yet include `t`).
pub fn behavioural(t: &Transfer, a: &Aggregates, profile: &Profile, p: &Params) -> Vec<RuleResult> {
    let mut out = Vec::with_capacity(8);
    out.push(large_vs_history(t, a, p));

    // VELOCITY: count and amount in the last hours.
    let v = a.hours(t.at, p.velocity_hours);
    let (count, sum) = (v.out_count + 1, v.out_sum + t.amount);
    let h = p.velocity_hours;
    out.push(if count >= p.velocity_count {
        hit("velocity", 200, format!("{count} transfers in {h} h"))
    } else if sum >= p.velocity_sum {
        hit("velocity", 100, format!("{} in {h} h", nok(sum)))
    } else {
        miss("velocity", format!("{count} transfers, {} in {h} h", nok(sum)))
    });

    // STRUCTURING: several just below a threshold.
    let w = a.days(t.at, p.structuring_days);
    out.push(if w.out_count == 0 {
        insufficient("structuring", format!("no earlier transfer in {} days", p.structuring_days))
    } else {
        let found = p.structuring_thresholds.iter().zip(w.near).find_map(|(&threshold, earlier)| {
            let n = earlier + i64::from(aggregates::near(t.amount, threshold, p.structuring_band));
            (n >= 2).then_some((n, threshold))
        });
        match found {
            Some((n, threshold)) => hit(
                "structuring",
                200,
                format!("{n} transfers just below {} in {} days", nok(threshold), p.structuring_days),
            ),
            None => miss("structuring", "no split pattern".into()),
        }
    });

    // LINKED: transfers summed against NOK 100,000 (hvitvaskingsloven § 10).
    let linked = a.days(t.at, p.linked_days).out_sum + t.amount;
    out.push(if linked >= p.linked_threshold {
        hit("linked_100k", 100, format!("{} in {} days: refresh customer due diligence", nok(linked), p.linked_days))
    } else {
        miss("linked_100k", format!("{} in {} days", nok(linked), p.linked_days))
    });

    // DORMANCY then activity.
    let age_days = (t.at - profile.account_opened_at).div_euclid(DAY);
    let today = t.at.div_euclid(DAY);
    let quiet = a.last_active_day(t.at).map(|d| today - d);
    out.push(if age_days < p.dormant_days {
        insufficient("dormant", format!("account younger than {} days", p.dormant_days))
    } else if t.amount >= p.dormant_amount && quiet.is_none_or(|q| q >= p.dormant_days) {
        hit("dormant", 200, format!("{} after {}+ quiet days", nok(t.amount), p.dormant_days))
    } else {
        miss("dormant", format!("last activity {} days ago", quiet.map_or("over 365".into(), |q| q.to_string())))
    });

    // MANY RECIPIENTS.
    let mut recipients = a.recipients(t.at, p.recipients_days);
    let earlier = recipients.len();
    recipients.insert(&t.recipient);
    let n = recipients.len();
    out.push(if earlier == 0 {
        insufficient("many_recipients", format!("no earlier transfer in {} days", p.recipients_days))
    } else if n >= p.recipients_count {
        hit("many_recipients", 100, format!("{n} recipients in {} days", p.recipients_days))
    } else {
        miss("many_recipients", format!("{n} recipients in {} days", p.recipients_days))
    });

    // RAPID IN AND OUT: most of the money that just came in goes straight out.
    let incoming = a.hours(t.at, p.rapid_hours).in_sum;
    out.push(if incoming == 0 {
        insufficient("rapid_in_out", format!("nothing came in during {} h", p.rapid_hours))
    } else if t.amount as f64 >= incoming as f64 * p.rapid_share {
        hit("rapid_in_out", 200, format!("{} out within {} h of {} in", nok(t.amount), p.rapid_hours, nok(incoming)))
    } else {
        miss("rapid_in_out", format!("{} out, {} in during {} h", nok(t.amount), nok(incoming), p.rapid_hours))
    });

    // ROUND AMOUNTS, repeatedly.
    let w = a.days(t.at, p.round_days);
    let n = w.round + i64::from(aggregates::round(t.amount, p));
    out.push(if w.out_count == 0 {
        insufficient("round_amounts", format!("no earlier transfer in {} days", p.round_days))
    } else if n >= p.round_count {
        hit("round_amounts", 100, format!("{n} round amounts in {} days", p.round_days))
    } else {
        miss("round_amounts", format!("{n} round amounts in {} days", p.round_days))
    });
    out
}

/// Tazama 048: the amount against the mean and spread of the user's recent transfers.
fn large_vs_history(t: &Transfer, a: &Aggregates, p: &Params) -> RuleResult {
    let w = a.days(t.at, p.large_window_days);
    let days = p.large_window_days;
    if w.out_count < p.min_history {
        return insufficient(
            "large_vs_history",
            format!("{} transfers in {days} days; {} needed", w.out_count, p.min_history),
        );
    }
    let n = w.out_count as f64;
    let mean = w.out_sum as f64 / 100.0 / n;
    let std = (w.out_sq as f64 / n - mean * mean).max(0.0).sqrt();
    let amount = t.amount as f64 / 100.0;
    if std <= 1.0 {
        return if amount >= mean * p.large_flat_ratio {
            hit("large_vs_history", 100, format!("{} against an unvarying NOK {mean:.0} in {days} days", nok(t.amount)))
        } else {
            miss("large_vs_history", format!("{} against an unvarying NOK {mean:.0}", nok(t.amount)))
        };
    }
    let z = (amount - mean) / std;
    if z >= p.large_z {
        hit(
            "large_vs_history",
            200,
            format!("{} is {z:.1} standard deviations above the {days}-day mean", nok(t.amount)),
        )
    } else {
        miss("large_vs_history", format!("{z:.1} standard deviations from the {days}-day mean"))
    }
}

#[cfg(test)]
mod tests {
    use super::super::aggregates::DAY;
    use super::super::*;

    const T0: i64 = 1_800_000_000;

    fn t(amount: i64) -> Transfer {
        Transfer { at: T0, amount, recipient: "r1".into(), country: "DE".into() }
    }

    fn past(days_ago: i64, amount: i64, recipient: &str) -> Movement {
        Movement { at: T0 - days_ago * DAY, amount, recipient: recipient.into(), incoming: false }
    }

    fn agg(h: &[Movement]) -> Aggregates {
        let mut a = Aggregates::default();
        for m in h {
            a.record(m, &Params::default());
        }
        a
    }

    fn old() -> Profile {
        Profile { account_opened_at: T0 - 400 * DAY, held: false }
    }

    fn run(tr: &Transfer, h: &[Movement]) -> Decision {
        evaluate(tr, &agg(h), &old(), &CountryLists::default(), Screening::NoHit, &Params::default())
    }

    fn rule(d: &Decision, id: &str) -> RuleOutcome {
        d.results.iter().find(|x| x.rule == id).map(|x| x.outcome.clone()).unwrap_or(RuleOutcome::Miss)
    }

    fn active() -> Vec<Movement> {
        vec![past(10, 200_000, "r1"), past(20, 300_000, "r1"), past(30, 250_000, "r1")]
    }

    #[test]
    fn large_absolute_and_against_history() {
        assert_eq!(rule(&run(&t(10_000_000), &active()), "large"), RuleOutcome::Hit { weight: 100 });
        assert_eq!(rule(&run(&t(9_999_999), &active()), "large"), RuleOutcome::Miss);
        // Mean NOK 2,500, standard deviation NOK 408.25: three deviations is NOK 3,724.75.
        assert_eq!(rule(&run(&t(372_400), &active()), "large_vs_history"), RuleOutcome::Miss);
        assert_eq!(rule(&run(&t(372_500), &active()), "large_vs_history"), RuleOutcome::Hit { weight: 200 });
        assert_eq!(rule(&run(&t(500_000), &active()[..2]), "large_vs_history"), RuleOutcome::InsufficientHistory);
        let flat = vec![past(1, 200_000, "r1"), past(2, 200_000, "r1"), past(3, 200_000, "r1")];
        assert_eq!(rule(&run(&t(300_000), &flat), "large_vs_history"), RuleOutcome::Hit { weight: 100 });
        assert_eq!(rule(&run(&t(299_999), &flat), "large_vs_history"), RuleOutcome::Miss);
        let stale = vec![past(91, 200_000, "r1"), past(92, 200_000, "r1"), past(93, 200_000, "r1")];
        assert_eq!(rule(&run(&t(900_000), &stale), "large_vs_history"), RuleOutcome::InsufficientHistory);
    }

    #[test]
    fn velocity_count_and_amount() {
        let four: Vec<Movement> = (0..4)
            .map(|i| Movement { at: T0 - 3600 * (i + 1), amount: 10_000, recipient: "r1".into(), incoming: false })
            .collect();
        assert_eq!(rule(&run(&t(10_000), &four), "velocity"), RuleOutcome::Hit { weight: 200 });
        assert_eq!(rule(&run(&t(10_000), &four[..3]), "velocity"), RuleOutcome::Miss);
        assert_eq!(rule(&run(&t(5_000_000), &[]), "velocity"), RuleOutcome::Hit { weight: 100 });
        assert_eq!(rule(&run(&t(4_999_999), &[]), "velocity"), RuleOutcome::Miss);
        let yesterday: Vec<Movement> = (0..4).map(|i| past(2, 10_000 + i, "r1")).collect();
        assert_eq!(rule(&run(&t(10_000), &yesterday), "velocity"), RuleOutcome::Miss, "outside 24 h");
    }

    #[test]
    fn structuring_below_eur_1000_and_nok_100k() {
        let h = vec![past(2, 1_100_000, "r1")];
        assert_eq!(rule(&run(&t(1_150_000), &h), "structuring"), RuleOutcome::Hit { weight: 200 });
        assert_eq!(rule(&run(&t(1_160_000), &h), "structuring"), RuleOutcome::Miss, "at the threshold is not below");
        assert_eq!(rule(&run(&t(1_044_000), &h), "structuring"), RuleOutcome::Hit { weight: 200 }, "band edge");
        assert_eq!(rule(&run(&t(1_043_999), &h), "structuring"), RuleOutcome::Miss, "below the band");
        let old_split = vec![past(8, 1_100_000, "r1"), past(8, 50_000, "r1")];
        assert_eq!(rule(&run(&t(1_150_000), &old_split), "structuring"), RuleOutcome::InsufficientHistory);
        let big = vec![past(1, 9_500_000, "r1")];
        assert_eq!(rule(&run(&t(9_200_000), &big), "structuring"), RuleOutcome::Hit { weight: 200 });
    }

    #[test]
    fn linked_transfers_against_nok_100k() {
        let h = vec![past(100, 6_000_000, "r1"), past(200, 3_000_000, "r2")];
        assert_eq!(rule(&run(&t(1_000_000), &h), "linked_100k"), RuleOutcome::Hit { weight: 100 });
        assert_eq!(rule(&run(&t(999_999), &h), "linked_100k"), RuleOutcome::Miss);
        let older = vec![past(365, 9_000_000, "r1")];
        assert_eq!(rule(&run(&t(1_000_000), &older), "linked_100k"), RuleOutcome::Miss, "outside 365 days");
    }

    #[test]
    fn jurisdictions_versioned_and_forced() {
        let mut tr = t(100_000);
        tr.country = "IR".into();
        let d = run(&tr, &active());
        assert_eq!(d.outcome, Outcome::BlockAndReview);
        assert_eq!(d.lists, "fatf-2025-10");
        tr.country = "ng".into();
        assert_eq!(rule(&run(&tr, &active()), "high_risk_jurisdiction"), RuleOutcome::Hit { weight: 200 });
        assert_eq!(run(&tr, &active()).outcome, Outcome::Review);
    }

    #[test]
    fn new_account_and_dormancy() {
        let young = Profile { account_opened_at: T0 - 10 * DAY, held: false };
        let lists = CountryLists::default();
        let d = evaluate(&t(2_000_000), &agg(&[]), &young, &lists, Screening::NoHit, &Params::default());
        assert_eq!(rule(&d, "new_account"), RuleOutcome::Hit { weight: 200 });
        assert_eq!(rule(&d, "dormant"), RuleOutcome::InsufficientHistory);
        let d = evaluate(&t(1_999_999), &agg(&[]), &young, &lists, Screening::NoHit, &Params::default());
        assert_eq!(rule(&d, "new_account"), RuleOutcome::Miss);
        assert_eq!(rule(&run(&t(1_000_000), &[past(200, 10_000, "r1")]), "dormant"), RuleOutcome::Hit { weight: 200 });
        assert_eq!(rule(&run(&t(1_000_000), &[past(180, 10_000, "r1")]), "dormant"), RuleOutcome::Hit { weight: 200 });
        assert_eq!(rule(&run(&t(1_000_000), &[past(179, 10_000, "r1")]), "dormant"), RuleOutcome::Miss);
        assert_eq!(rule(&run(&t(999_999), &[past(200, 10_000, "r1")]), "dormant"), RuleOutcome::Miss);
        assert_eq!(rule(&run(&t(1_000_000), &[]), "dormant"), RuleOutcome::Hit { weight: 200 }, "never active");
    }

    #[test]
    fn recipients_pass_through_and_round_amounts() {
        let many: Vec<Movement> = (0..4).map(|i| past(i + 1, 10_000, &format!("x{i}"))).collect();
        assert_eq!(rule(&run(&t(10_000), &many), "many_recipients"), RuleOutcome::Hit { weight: 100 });
        assert_eq!(rule(&run(&t(10_000), &many[..3]), "many_recipients"), RuleOutcome::Miss);
        assert_eq!(rule(&run(&t(10_000), &[]), "many_recipients"), RuleOutcome::InsufficientHistory);
        let outside: Vec<Movement> = (0..4).map(|i| past(30 + i, 10_000, &format!("x{i}"))).collect();
        assert_eq!(rule(&run(&t(10_000), &outside), "many_recipients"), RuleOutcome::InsufficientHistory);
        let inflow = vec![Movement { at: T0 - DAY, amount: 1_000_000, recipient: String::new(), incoming: true }];
        assert_eq!(rule(&run(&t(800_000), &inflow), "rapid_in_out"), RuleOutcome::Hit { weight: 200 });
        assert_eq!(rule(&run(&t(799_999), &inflow), "rapid_in_out"), RuleOutcome::Miss);
        assert_eq!(rule(&run(&t(800_000), &[]), "rapid_in_out"), RuleOutcome::InsufficientHistory);
        let rounds = vec![past(3, 1_000_000, "r1"), past(5, 2_000_000, "r1")];
        assert_eq!(rule(&run(&t(3_000_000), &rounds), "round_amounts"), RuleOutcome::Hit { weight: 100 });
        assert_eq!(rule(&run(&t(3_000_001), &rounds), "round_amounts"), RuleOutcome::Miss);
        assert_eq!(rule(&run(&t(900_000), &rounds), "round_amounts"), RuleOutcome::Miss, "below NOK 10,000");
    }

    #[test]
    fn score_thresholds_and_screening_force_the_outcome() {
        let quiet = run(&t(250_000), &active());
        assert_eq!((quiet.score, quiet.outcome), (0, Outcome::Approve));
        let d = run(&t(2_000_000), &active());
        assert_eq!(d.score, 200, "{:?}", d.results);
        assert_eq!(d.outcome, Outcome::Review);
        let young = Profile { account_opened_at: T0 - 5 * DAY, held: false };
        let lists = CountryLists::default();
        let d = evaluate(&t(2_000_000), &agg(&active()), &young, &lists, Screening::NoHit, &Params::default());
        assert_eq!(d.score, 400);
        assert_eq!(d.outcome, Outcome::BlockAndReview);
        for (s, want) in [
            (Screening::PotentialHit, Outcome::BlockAndReview),
            (Screening::Error, Outcome::BlockAndReview),
            (Screening::ConfirmedHit, Outcome::Decline),
        ] {
            assert_eq!(evaluate(&t(250_000), &agg(&active()), &old(), &lists, s, &Params::default()).outcome, want);
        }
        let strict = Params { decline_at: Some(400), ..Params::default() };
        assert_eq!(
            evaluate(&t(2_000_000), &agg(&active()), &young, &lists, Screening::NoHit, &strict).outcome,
            Outcome::Decline
        );
        assert_eq!(d.results.len(), 12, "every rule answers, hit or not");
        let held = Profile { held: true, ..old() };
        let d = evaluate(&t(250_000), &agg(&active()), &held, &lists, Screening::NoHit, &Params::default());
        assert_eq!((d.score, d.outcome), (0, Outcome::BlockAndReview));
    }
}
