//! The wiring stays consistent: template ↔ registry ↔ bins ↔ sample events ↔ OpenAPI, and the
//! domain crate stays pure.

use drop_functions::registry::FUNCTIONS;
use drop_local::template::{EventSpec, Template};
use drop_runtime::Kind;
use std::collections::BTreeSet;

fn template() -> Template {
    Template::load(&drop_tests::root().join("template.yaml")).unwrap()
}

#[test]
fn template_registry_and_bins_name_the_same_functions() {
    let t: BTreeSet<String> = template().functions.iter().map(|f| f.binary.clone()).collect();
    let r: BTreeSet<String> = FUNCTIONS.iter().map(|f| f.name.to_owned()).collect();
    let bins: BTreeSet<String> = std::fs::read_dir(drop_tests::root().join("functions/src/bin"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".rs").map(str::to_owned))
        .collect();
    assert_eq!(t, r, "template.yaml functions vs registry");
    assert_eq!(r, bins, "registry vs functions/src/bin");
    assert_eq!(r.len(), FUNCTIONS.len(), "registry names are unique");
}

#[test]
fn every_function_is_wired_the_way_its_handler_expects() {
    let t = template();
    for def in FUNCTIONS {
        let f = t.function(def.name).unwrap();
        if let Kind::Invoke { .. } = def.kind {
            assert!(f.events.is_empty(), "{}: invoked by AWS, no template events", def.name);
            assert!(
                t.rotations.iter().any(|r| r.function == f.logical_id),
                "{}: no RotationSchedule invokes it",
                def.name
            );
            continue;
        }
        assert_eq!(f.events.len(), 1, "{}: one trigger per function", def.name);
        match (&def.kind, &f.events[0]) {
            (Kind::Http { method, path, .. }, EventSpec::Http { method: m, path: p }) => {
                assert_eq!((*method, *path), (m.as_str(), p.as_str()), "{} route", def.name)
            }
            (Kind::Sqs { .. }, EventSpec::Sqs { queue, .. }) => {
                let q = &t.queues[queue];
                assert!(q.dead_letter.is_some(), "{queue} needs a DLQ");
                assert!(
                    q.visibility_timeout > 6 * f.timeout,
                    "{queue}: visibility must exceed 6 × {}'s timeout",
                    def.name
                );
            }
            (Kind::Schedule { .. }, EventSpec::Schedule { expression }) => {
                drop_local::schedule::Schedule::parse(expression).unwrap();
            }
            (_, e) => panic!("{}: handler kind does not match template event {e:?}", def.name),
        }
    }
}

#[test]
fn every_function_has_a_sample_event() {
    for def in FUNCTIONS {
        let p = drop_tests::root().join("events").join(format!("{}.json", def.name));
        let text = std::fs::read_to_string(&p).unwrap_or_else(|_| panic!("{} missing", p.display()));
        serde_json::from_str::<serde_json::Value>(&text).unwrap();
    }
}

#[test]
fn every_rule_targets_known_queues_and_every_queue_has_a_dead_letter_queue_or_is_one() {
    let t = template();
    let dlqs: BTreeSet<&String> = t.queues.values().filter_map(|q| q.dead_letter.as_ref()).collect();
    for r in &t.rules {
        assert!(!r.queues.is_empty(), "{} has no queue target", r.logical_id);
        for q in &r.queues {
            assert!(t.queues.contains_key(q), "{} targets unknown {q}", r.logical_id);
        }
    }
    for (id, q) in &t.queues {
        assert!(q.dead_letter.is_some() || dlqs.contains(id) || id.ends_with("Dlq"), "{id} has no DLQ");
    }
}

fn openapi_routes(doc: &serde_json::Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            out.insert((method.to_uppercase(), path.clone()));
        }
    }
    out
}

#[test]
fn openapi_paths_equal_template_routes() {
    let doc: serde_json::Value = serde_json::from_str(&drop_functions::openapi::json()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let from_template: BTreeSet<(String, String)> = template().routes().into_iter().map(|(m, p, _)| (m, p)).collect();
    assert_eq!(openapi_routes(&doc), from_template);
}

#[test]
fn committed_openapi_document_is_current() {
    let path = drop_tests::root().join("infra/openapi.json");
    let fresh = drop_functions::openapi::json() + "\n";
    if std::env::var("DROP_UPDATE_OPENAPI").as_deref() == Ok("1") {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "infra/openapi.json is stale: run `DROP_UPDATE_OPENAPI=1 cargo test -p drop-tests --test structure`"
    );
}

#[test]
fn domain_crate_has_no_io_dependencies() {
    // The normal (not dev, not build) dependency tree of drop-domain on this platform.
    let out = std::process::Command::new(env!("CARGO"))
        .args(["tree", "-p", "drop-domain", "-e", "normal", "--prefix", "none", "--format", "{p}"])
        .current_dir(drop_tests::root())
        .output()
        .unwrap();
    assert!(out.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&out.stderr));
    let names: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    let forbidden = [
        "tokio",
        "async-std",
        "smol",
        "futures",
        "futures-util",
        "hyper",
        "http",
        "reqwest",
        "rusqlite",
        "libsqlite3-sys",
        "sqlx",
        "lambda_runtime",
        "lambda_http",
        "axum",
        "mio",
        "async-trait",
    ];
    let bad: Vec<&String> = names.iter().filter(|n| forbidden.contains(&n.as_str()) || n.starts_with("aws-")).collect();
    assert!(bad.is_empty(), "drop-domain depends on {bad:?}");
    assert!(names.contains("drop-domain") && names.contains("serde"), "{names:?}");
}

/// No secret in any function's environment: no `NoEcho` parameter is referenced there, no variable
/// is named like a credential unless it holds a secret's id (`*_SECRET_ID`), and every function
/// given a secret id may read exactly that secret (and no function may read a secret it is not
/// given).
#[test]
fn no_secret_is_in_a_function_environment() {
    use serde_yaml::Value as Y;
    let text = std::fs::read_to_string(drop_tests::root().join("template.yaml")).unwrap();
    let doc: Y = serde_yaml::from_str(&text).unwrap();
    let no_echo: BTreeSet<String> = doc["Parameters"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, v)| v.get("NoEcho").and_then(Y::as_bool) == Some(true))
        .map(|(k, _)| k.as_str().unwrap().to_owned())
        .collect();
    let secrets = template().secrets;
    assert!(secrets.len() >= 3, "the provider credentials are Secrets Manager secrets");
    // Every `!Ref X` below a YAML node.
    fn refs(v: &Y, out: &mut Vec<String>) {
        match v {
            Y::Tagged(t) if t.tag == "Ref" => out.extend(t.value.as_str().map(str::to_owned)),
            Y::Tagged(t) => refs(&t.value, out),
            Y::Mapping(m) => m.values().for_each(|x| refs(x, out)),
            Y::Sequence(s) => s.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let rotators: Vec<String> = drop_local::template::Template::load(&drop_tests::root().join("template.yaml"))
        .unwrap()
        .rotations
        .iter()
        .map(|r| r.function.clone())
        .collect();
    let credential = |name: &str| ["SECRET", "TOKEN", "PASSWORD", "API_KEY"].iter().any(|w| name.contains(w));
    let mut envs = vec![("Globals".to_owned(), doc["Globals"]["Function"]["Environment"]["Variables"].clone())];
    for (id, res) in doc["Resources"].as_mapping().unwrap() {
        if res["Type"] == "AWS::Serverless::Function" {
            let id = id.as_str().unwrap().to_owned();
            let env = res["Properties"]["Environment"]["Variables"].clone();
            let (mut given, mut readable) = (Vec::new(), Vec::new());
            if let Some(m) = env.as_mapping() {
                for (k, v) in m {
                    let k = k.as_str().unwrap();
                    let mut r = Vec::new();
                    refs(v, &mut r);
                    if k.ends_with("_SECRET_ID") || k.ends_with("_SECRET_IDS") {
                        given.extend(r);
                    }
                }
            }
            for st in res["Properties"]["Policies"].as_sequence().into_iter().flatten() {
                for s in st["Statement"].as_sequence().into_iter().flatten() {
                    let actions = format!("{:?}", s["Action"]);
                    if actions.contains("secretsmanager") {
                        assert!(!actions.contains('*'), "{id}: secretsmanager actions are named");
                        // Only a function a RotationSchedule invokes may change a secret.
                        let writes = ["PutSecretValue", "UpdateSecretVersionStage"].iter().any(|a| actions.contains(a));
                        assert!(!writes || rotators.contains(&id), "{id}: changes secrets but rotates none");
                        refs(&s["Resource"], &mut readable);
                    }
                }
            }
            given.sort();
            readable.sort();
            assert_eq!(given, readable, "{id}: reads exactly the secrets its environment names");
            assert!(given.iter().all(|g| secrets.contains(g)), "{id}: {given:?}");
            envs.push((id, env));
        }
    }
    for (id, env) in envs {
        for (k, v) in env.as_mapping().into_iter().flatten() {
            let k = k.as_str().unwrap();
            let mut r = Vec::new();
            refs(v, &mut r);
            assert!(r.iter().all(|x| !no_echo.contains(x)), "{id}: {k} holds a NoEcho parameter");
            let names_secrets = k.ends_with("_SECRET_ID") || k.ends_with("_SECRET_IDS");
            assert!(!credential(k) || names_secrets, "{id}: {k} looks like a credential");
        }
    }
}

#[test]
fn callback_routes_are_template_routes() {
    use drop_runtime::routes::{ACCOUNTS_RETURN, SCA_RETURN, WEBHOOKS, WEBHOOK_PROVIDERS};
    let routes: BTreeSet<(String, String)> = template().routes().into_iter().map(|(m, p, _)| (m, p)).collect();
    let has = |method: &str, path: String| routes.contains(&(method.to_owned(), path.clone()));
    assert!(has("GET", SCA_RETURN.to_owned()), "{SCA_RETURN}");
    assert!(has("GET", ACCOUNTS_RETURN.to_owned()), "{ACCOUNTS_RETURN}");
    for p in WEBHOOK_PROVIDERS {
        assert!(has("POST", format!("{WEBHOOKS}{p}")), "{WEBHOOKS}{p}");
    }
}
