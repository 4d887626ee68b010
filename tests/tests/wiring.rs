//! Each function is wired with only what it uses: its environment in `template.yaml` is exactly
//! what its configuration reads for the needs the registry gives it (no provider's settings in a
//! function that never calls that provider), and Globals hold only what every function reads.

use drop_functions::registry::FUNCTIONS;
use drop_local::template::Template;
use drop_runtime::needs::{readable_vars, required_vars, Need, CORE};
use drop_runtime::Config;
use std::cell::RefCell;
use std::collections::BTreeSet;

fn template() -> Template {
    Template::load(&drop_tests::root().join("template.yaml")).unwrap()
}

/// A placeholder value each variable accepts (the template's are references).
fn sample(k: &str) -> String {
    match k {
        "FRONTEND_ORIGIN" | "API_BASE_URL" => "https://api.drop.no".into(),
        "SAFEGUARDING_ACCOUNT" => "86011117947".into(),
        "AML_REVIEW_AT" => "100".into(),
        "AML_BLOCK_AT" => "200".into(),
        "AML_DECLINE_AT" => "0".into(),
        "SCREENING_LIST_PRELOAD" | "WALLET_ENABLED" => "true".into(),
        "WALLET_COUNTRY" => "FRA".into(),
        "SCREENING_LIST_MAX_AGE_HOURS" | "SCREENING_LIST_CHECK_SECS" => "48".into(),
        _ => "x".into(),
    }
}

#[test]
fn each_function_reads_exactly_its_environment() {
    let t = template();
    let mut failures = Vec::new();
    for def in FUNCTIONS {
        let f = t.function(def.name).unwrap();
        let given: BTreeSet<&str> = f.env.keys().map(String::as_str).collect();
        let needs = def.needs();
        // What the code asks for, given exactly the template's variables (as in Lambda).
        let asked = RefCell::new(BTreeSet::new());
        let config = Config::from_lookup(&needs, |k| {
            asked.borrow_mut().insert(k.to_owned());
            given.contains(k).then(|| sample(k))
        });
        if let Err(e) = config {
            failures.push(format!("{}: its environment does not configure it: {e}", def.name));
        }
        let asked = asked.into_inner();
        let unread: Vec<&&str> = given.iter().filter(|k| !asked.contains(**k)).collect();
        if !unread.is_empty() {
            failures.push(format!("{}: given {unread:?}, which nothing it runs reads", def.name));
        }
        // The declared tables say the same as the code.
        let required: BTreeSet<&str> = CORE.iter().copied().chain(required_vars(&needs)).collect();
        let readable: BTreeSet<&str> = CORE.iter().copied().chain(readable_vars(&needs)).collect();
        let missing: Vec<&&str> = required.iter().filter(|k| !given.contains(**k)).collect();
        let extra: Vec<&&str> = given.iter().filter(|k| !readable.contains(**k)).collect();
        if !missing.is_empty() || !extra.is_empty() {
            failures.push(format!("{}: missing {missing:?}, not its needs' {extra:?}", def.name));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn globals_hold_only_what_every_function_reads() {
    let text = std::fs::read_to_string(drop_tests::root().join("template.yaml")).unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let globals: BTreeSet<String> = doc["Globals"]["Function"]["Environment"]["Variables"]
        .as_mapping()
        .unwrap()
        .keys()
        .filter_map(|k| k.as_str().map(str::to_owned))
        .collect();
    let core: BTreeSet<String> = CORE.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(globals, core);
}

/// The providers' settings and secrets reach only the functions that call them.
#[test]
fn provider_settings_reach_only_their_callers() {
    let t = template();
    for (need, prefix) in [(Need::Wise, "WISE_"), (Need::Thunes, "THUNES_"), (Need::Bank, "BANK_")] {
        for def in FUNCTIONS {
            let f = t.function(def.name).unwrap();
            let has = f.env.keys().any(|k| k.starts_with(prefix) && k != "WISE_WEBHOOK_PUBLIC_KEY");
            assert_eq!(has, def.needs().contains(&need), "{}: {prefix}*", def.name);
        }
    }
    let callers: BTreeSet<&str> =
        FUNCTIONS.iter().filter(|d| d.needs().contains(&Need::Wise)).map(|d| d.name).collect();
    let expected: BTreeSet<&str> =
        ["payment-initiate", "payout-worker", "payment-reconciliation", "webhook-wise"].into_iter().collect();
    assert_eq!(callers, expected, "the functions that call Wise");
}
