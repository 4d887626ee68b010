//! What `sam deploy --config-env <env>` gets, checked here because we cannot deploy from here:
//! every template parameter without a default has a valid value in every environment of
//! `samconfig.toml`; the API's domain and the frontend share a site; pre-production identity
//! and sandbox partners outside prod; API Gateway's CORS says what the code says.

use serde_yaml::Value as Y;
use std::collections::BTreeMap;

fn template() -> Y {
    let text = std::fs::read_to_string(drop_tests::root().join("template.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

fn environments() -> BTreeMap<String, BTreeMap<String, String>> {
    let text = std::fs::read_to_string(drop_tests::root().join("samconfig.toml")).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    let mut out = BTreeMap::new();
    for env in ["dev", "staging", "prod"] {
        let deploy = &doc[env]["deploy"]["parameters"];
        let overrides = deploy["parameter_overrides"].as_array().expect("parameter_overrides is a list");
        let mut params = BTreeMap::new();
        for o in overrides {
            let (k, v) = o.as_str().unwrap().split_once('=').unwrap();
            assert!(params.insert(k.to_owned(), v.to_owned()).is_none(), "{env}: {k} twice");
        }
        assert_eq!(deploy["stack_name"].as_str().unwrap(), format!("drop-{env}"));
        out.insert(env.to_owned(), params);
    }
    out
}

/// `api.dev.drop.no` → `drop.no` (Drop's domains are all under one two-label registrable domain).
fn site(host: &str) -> String {
    let labels: Vec<&str> = host.split('.').collect();
    labels[labels.len().saturating_sub(2)..].join(".")
}

#[test]
fn every_environment_has_every_parameter_and_valid_values() {
    let t = template();
    let params = t["Parameters"].as_mapping().unwrap();
    for (env, values) in environments() {
        for (name, spec) in params {
            let name = name.as_str().unwrap();
            let value = match (values.get(name), spec.get("Default")) {
                (Some(v), _) => v.clone(),
                (None, Some(d)) => d.as_str().map(str::to_owned).unwrap_or_else(|| format!("{d:?}")),
                (None, None) => panic!("{env}: {name} has no value and no default: sam deploy would ask"),
            };
            if let Some(p) = spec.get("AllowedPattern").and_then(Y::as_str) {
                assert!(regex::Regex::new(p).unwrap().is_match(&value), "{env}: {name}={value} against {p}");
            }
            if let Some(allowed) = spec.get("AllowedValues").and_then(Y::as_sequence) {
                assert!(allowed.iter().any(|a| a.as_str() == Some(&value)), "{env}: {name}={value}");
            }
        }
        for name in values.keys() {
            assert!(params.contains_key(name), "{env}: {name} is not a template parameter");
        }
        assert_eq!(values["Environment"], env);
    }
}

#[test]
fn each_environment_is_its_own_site_with_the_right_partners() {
    for (env, v) in environments() {
        let domain = &v["ApiDomainName"];
        assert_eq!(v["ApiBaseUrl"], format!("https://{domain}"), "{env}: the token issuer and redirect base");
        let origin = v["FrontendOrigin"].strip_prefix("https://").expect("an https frontend");
        assert_eq!(site(origin), site(domain), "{env}: cookies and the BankID redirect need one site");
        let preprod = "https://auth.current.bankid.no/auth/realms/current";
        let sandbox_key = v["WiseWebhookPublicKey"].contains("wpb91cEYuyJNQepZAVfP");
        if env == "prod" {
            assert_ne!(v["BankIdIssuer"], preprod);
            assert_eq!(v["WiseBaseUrl"], "https://api.wise.com");
            assert!(!sandbox_key && !v["ThunesBaseUrl"].contains(".pre."));
            assert_eq!(v.get("NexiBaseUrl").map(String::as_str), Some("https://api.dibspayment.eu"), "Nexi live");
        } else {
            assert_eq!(v["BankIdIssuer"], preprod, "{env}: BankID pre-production");
            assert_eq!(v["WiseBaseUrl"], "https://api.wise-sandbox.com");
            assert!(sandbox_key, "{env}: the webhook key of the Wise environment it calls");
            assert!(v["ThunesBaseUrl"].contains(".pre."));
            assert!(!v.contains_key("NexiBaseUrl"), "{env}: Nexi's test host (the template's default)");
        }
    }
    let domains: std::collections::BTreeSet<String> =
        environments().values().map(|v| v["ApiDomainName"].clone()).collect();
    assert_eq!(domains.len(), 3, "one domain per environment");
}

#[test]
fn the_custom_domain_is_regional_tls_1_2_and_mapped_to_the_api() {
    let t = template();
    let d = &t["Resources"]["ApiDomain"]["Properties"]["DomainNameConfigurations"][0];
    assert_eq!(d["EndpointType"], "REGIONAL");
    assert_eq!(d["SecurityPolicy"], "TLS_1_2");
    let m = &t["Resources"]["ApiDomainMapping"]["Properties"];
    assert!(format!("{:?}", m["ApiId"]).contains("\"HttpApi\""), "mapped to the HTTP API");
    assert!(format!("{:?}", m["DomainName"]).contains("\"ApiDomain\""));
    assert_eq!(m["Stage"], "$default");
}

fn strings(v: &Y) -> Vec<String> {
    v.as_sequence().unwrap().iter().map(|x| x.as_str().unwrap().to_lowercase()).collect()
}

#[test]
fn api_gateway_cors_says_what_the_code_says() {
    let t = template();
    let c = &t["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"];
    let code = |l: &[&str]| l.iter().map(|s| s.to_lowercase()).collect::<Vec<_>>();
    assert_eq!(strings(&c["AllowHeaders"]), code(drop_runtime::cors::ALLOW_HEADERS));
    assert_eq!(strings(&c["ExposeHeaders"]), code(drop_runtime::cors::EXPOSE_HEADERS));
    assert_eq!(strings(&c["AllowMethods"]), code(drop_runtime::cors::ALLOW_METHODS));
    assert_eq!(c["MaxAge"].as_u64(), Some(u64::from(drop_runtime::cors::MAX_AGE)));
    assert_eq!(c["AllowCredentials"].as_bool(), Some(true));
    assert_eq!(format!("{:?}", c["AllowOrigins"]).matches("FrontendOrigin").count(), 1);
    assert_eq!(c["AllowOrigins"].as_sequence().map(Vec::len), Some(1), "one origin");
}

#[test]
fn payouts_run_one_at_a_time_within_the_function_timeout() {
    use drop_services::remit::settle::{PAYOUT_MAX_CALLS, SETTLEMENT_READS, SETTLEMENT_READ_GAP_MS};
    let t = drop_local::template::Template::load(&drop_tests::root().join("template.yaml")).unwrap();
    let f = t.function("payout-worker").unwrap();
    let drop_local::template::EventSpec::Sqs { batch_size, .. } = &f.events[0] else { panic!("an SQS consumer") };
    assert_eq!(*batch_size, 1, "one payout per invocation: a slow partner cannot time out a batch");
    let worst_ms = u64::from(PAYOUT_MAX_CALLS) * drop_adapters::providers::http::REQUEST_TIMEOUT_SECS * 1000
        + u64::from(SETTLEMENT_READS - 1) * SETTLEMENT_READ_GAP_MS;
    let margin_ms = 5_000; // table reads and writes
    assert!(
        u64::from(f.timeout) * 1000 >= worst_ms + margin_ms,
        "payout-worker's timeout {} s < {} ms of partner calls + {margin_ms} ms",
        f.timeout,
        worst_ms
    );
}

/// Every Rust source file of the deployed crates (not tests), concatenated.
fn deployed_sources() -> String {
    fn walk(dir: &std::path::Path, out: &mut String) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() && p.file_name().is_some_and(|n| n != "tests") {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push_str(&std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    let mut out = String::new();
    for d in ["shared/runtime/src", "shared/services/src", "shared/adapters/src", "functions/src"] {
        walk(&drop_tests::root().join(d), &mut out);
    }
    out
}

#[test]
fn every_environment_variable_is_read_by_the_code() {
    let t = template();
    let sources = deployed_sources();
    let mut envs = vec![t["Globals"]["Function"]["Environment"]["Variables"].clone()];
    for res in t["Resources"].as_mapping().unwrap().values() {
        envs.push(res["Properties"]["Environment"]["Variables"].clone());
    }
    for env in envs {
        for k in env.as_mapping().into_iter().flatten().map(|(k, _)| k.as_str().unwrap().to_owned()) {
            assert!(sources.contains(&format!("\"{k}\"")), "{k} is set in template.yaml but no code reads it");
        }
    }
}

#[test]
fn the_screening_list_bucket_is_private_encrypted_versioned_and_watched() {
    let t = template();
    let r = &t["Resources"];
    let b = &r["ScreeningBucket"]["Properties"];
    assert_eq!(b["VersioningConfiguration"]["Status"], "Enabled");
    let sse = &b["BucketEncryption"]["ServerSideEncryptionConfiguration"][0];
    assert_eq!(sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"], "aws:kms");
    assert!(format!("{:?}", sse["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]).contains("ScreeningListKey.Arn"));
    for k in ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"] {
        assert_eq!(b["PublicAccessBlockConfiguration"][k], true, "{k}");
    }
    assert_eq!(r["ScreeningBucket"]["DeletionPolicy"], "RetainExceptOnCreate");
    let policy = format!("{:?}", r["ScreeningBucketPolicy"]["Properties"]["PolicyDocument"]);
    assert!(
        policy.contains("aws:SecureTransport") && policy.contains("s3:x-amz-server-side-encryption-aws-kms-key-id")
    );
    // No report from the hourly refresh is as stale as an old list; the threshold is the parameter.
    let a = &r["ScreeningListStaleAlarm"]["Properties"];
    assert_eq!(
        (a["MetricName"].as_str(), a["TreatMissingData"].as_str()),
        (Some("ScreeningListAgeHours"), Some("breaching"))
    );
    assert!(format!("{:?}", a["Threshold"]).contains("ScreeningListMaxAgeHours"));
    let f = &r["ScreeningListRefreshFunction"]["Properties"];
    assert_eq!(f["Events"]["Schedule"]["Properties"]["ScheduleExpression"], "rate(1 hour)");
    // The functions that screen load the list at cold start; no other function has the bucket.
    let mut preload: Vec<&str> = r
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, v)| v["Properties"]["Environment"]["Variables"]["SCREENING_LIST_PRELOAD"] == "true")
        .map(|(k, _)| k.as_str().unwrap())
        .collect();
    preload.sort_unstable();
    assert_eq!(
        preload,
        [
            "AuthCallbackFunction",
            "MerchantOnboardFunction",
            "PaymentConfirmFunction",
            "RecipientsCreateFunction",
            "ScreeningRescreenFunction",
            "WalletBalanceCheckFunction",
            "WalletReconciliationFunction",
            "WalletTransferFunction",
            "WebhookSwanFunction"
        ]
    );
}
