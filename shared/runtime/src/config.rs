//! Typed configuration from the environment. Anything missing or malformed fails at init with the
//! variable's name, never later in a request.

use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adapters {
    Aws,
    Embedded,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub env: String,
    pub table_name: String,
    pub audit_table_name: String,
    pub frontend_origin: String,
    pub adapters: Adapters,
    /// AWS adapters only.
    pub pii_key_id: Option<String>,
    pub blind_index_key_id: Option<String>,
    pub event_bus_name: Option<String>,
    /// Embedded adapters only.
    pub db_path: String,
    pub key_file: PathBuf,
    pub max_body_bytes: usize,
    /// Our public base URL (`https://api.drop.no`): access-token issuer and callback base.
    pub api_base_url: String,
    pub bankid_issuer: String,
    pub bankid_client_id: String,
    /// Secret ids (ARN in AWS, name locally), never the secrets: `ctx` reads them at init.
    /// `None`: this function does not call that provider.
    pub bankid_client_secret_id: Option<String>,
    /// Admit D-number holders (see `drop_services::auth::login` for the residency rule).
    pub allow_d_number: bool,
    /// Admit synthetic test identity numbers (never in prod).
    pub allow_synthetic_nin: bool,
    /// Sender of e-mail codes (SES).
    pub notify_from: String,
    pub limits: Limits,
    /// Keep SMS/e-mail in the table for `GET /_local/messages` instead of sending them (set by
    /// the local stack, whatever its adapters).
    pub local_messages: bool,
    /// Count table round trips (`DROP_COUNT_TABLE_CALLS`), for the benchmark.
    pub count_table_calls: bool,
    pub bank_base_url: String,
    /// Drop's safeguarding account (BBAN), the creditor of PSD2 payments.
    pub safeguarding_account: String,
    pub wise_base_url: String,
    pub wise_api_token_id: Option<String>,
    pub wise_profile_id: String,
    /// Wise's webhook public key (SubjectPublicKeyInfo, base64 or PEM).
    pub wise_webhook_public_key: String,
    pub thunes_base_url: String,
    /// A JSON secret `{"key": …, "secret": …}`.
    pub thunes_credentials_id: Option<String>,
    /// The Drop-made key that seals paging cursors (`CURSOR_KEY_SECRET_ID`).
    pub cursor_key_id: Option<String>,
    /// The secrets `secret-rotation` may rotate (`ROTATED_SECRET_IDS`, comma-separated).
    pub rotated_secret_ids: Vec<String>,
    /// The local secret store (`DROP_SECRETS_FILE`, default `.drop/secrets.json`).
    pub secrets_file: PathBuf,
    /// NOK minor units.
    pub limits_remit: drop_services::remit::limits::Limits,
    /// AML scorecard thresholds (AML_REVIEW_AT, AML_BLOCK_AT, AML_DECLINE_AT; 0 = never decline).
    pub aml: drop_domain::aml::Params,
    /// The bucket the screening list is published in (`SCREENING_BUCKET`); a directory under
    /// `DROP_OBJECTS_DIR` with the embedded adapters.
    pub screening_bucket: Option<String>,
    /// Load the published list at cold start (`SCREENING_LIST_PRELOAD`): the functions that screen.
    pub screening_list_preload: bool,
    /// How often a warm function looks for a new list version (`SCREENING_LIST_CHECK_SECS`).
    pub screening_list_check: std::time::Duration,
    /// A list older than this is stale (`SCREENING_LIST_MAX_AGE_HOURS`).
    pub screening_list_max_age_hours: u32,
    /// Publishing (`screening-list-refresh` only): the KMS key snapshots are written with, the
    /// delivery's `index.json`, the file to use, and the secret holding the `Authorization` value.
    pub screening_list_key_id: Option<String>,
    pub screening_list_index_url: Option<String>,
    pub screening_list_resource: String,
    pub screening_list_authorization_id: Option<String>,
    /// The embedded object store's directory (`DROP_OBJECTS_DIR`, default `.drop/objects`).
    pub objects_dir: PathBuf,
}

/// Requests per minute, per client IP and per signed-in user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub login_per_ip: u32,
    pub verify_per_ip: u32,
    pub verify_per_user: u32,
    pub default_per_ip: u32,
    pub default_per_user: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { login_per_ip: 20, verify_per_ip: 30, verify_per_user: 10, default_per_ip: 300, default_per_user: 120 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is not set")]
    Missing(&'static str),
    #[error("{0} is invalid: {1}")]
    Invalid(&'static str, String),
}

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let need = |k: &'static str| get(k).ok_or(ConfigError::Missing(k));
        let in_lambda = get("AWS_LAMBDA_RUNTIME_API").is_some() || get("AWS_LAMBDA_FUNCTION_NAME").is_some();
        let adapters = match get("DROP_ADAPTERS").as_deref() {
            Some("aws") => Adapters::Aws,
            Some("embedded") => Adapters::Embedded,
            None if in_lambda => Adapters::Aws,
            None => Adapters::Embedded,
            Some(other) => return Err(ConfigError::Invalid("DROP_ADAPTERS", format!("{other} (aws|embedded)"))),
        };
        let frontend_origin = need("FRONTEND_ORIGIN")?;
        if !is_origin(&frontend_origin) {
            return Err(ConfigError::Invalid("FRONTEND_ORIGIN", "must be scheme://host[:port]".into()));
        }
        let aws_only = |k: &'static str| match adapters {
            Adapters::Aws => need(k).map(Some),
            Adapters::Embedded => Ok(get(k)),
        };
        let max_body_bytes = match get("MAX_BODY_BYTES") {
            None => 64 * 1024,
            Some(v) => v.parse().map_err(|_| ConfigError::Invalid("MAX_BODY_BYTES", v))?,
        };
        let flag = |k: &'static str, default: bool| match get(k).as_deref() {
            None => Ok(default),
            Some("true" | "1") => Ok(true),
            Some("false" | "0") => Ok(false),
            Some(v) => Err(ConfigError::Invalid(k, v.to_owned())),
        };
        let num = |k: &'static str, default: u32| match get(k) {
            None => Ok(default),
            Some(v) => v.parse::<u32>().ok().filter(|n| *n > 0).ok_or(ConfigError::Invalid(k, v)),
        };
        let secs = |k: &'static str, default: u64| match get(k) {
            None => Ok(default),
            Some(v) => v.parse::<u64>().map_err(|_| ConfigError::Invalid(k, v)),
        };
        let d = Limits::default();
        let limits = Limits {
            login_per_ip: num("RATE_LIMIT_LOGIN_PER_IP", d.login_per_ip)?,
            verify_per_ip: num("RATE_LIMIT_VERIFY_PER_IP", d.verify_per_ip)?,
            verify_per_user: num("RATE_LIMIT_VERIFY_PER_USER", d.verify_per_user)?,
            default_per_ip: num("RATE_LIMIT_PER_IP", d.default_per_ip)?,
            default_per_user: num("RATE_LIMIT_PER_USER", d.default_per_user)?,
        };
        let env = get("DROP_ENV").unwrap_or_else(|| "local".into());
        let minor = |k: &'static str, default: i64| match get(k) {
            None => Ok(default),
            Some(v) => v.parse::<i64>().ok().filter(|n| *n > 0).ok_or(ConfigError::Invalid(k, v)),
        };
        let dl = drop_services::remit::limits::Limits::default();
        let limits_remit = drop_services::remit::limits::Limits {
            per_payment: minor("LIMIT_PER_PAYMENT", dl.per_payment)?,
            per_day: minor("LIMIT_PER_DAY", dl.per_day)?,
            per_month: minor("LIMIT_PER_MONTH", dl.per_month)?,
        };
        let da = drop_domain::aml::Params::default();
        let score = |k: &'static str, default: i32| match get(k) {
            None => Ok(default),
            Some(v) => v.parse::<i32>().ok().filter(|n| (0..=100_000).contains(n)).ok_or(ConfigError::Invalid(k, v)),
        };
        let decline = score("AML_DECLINE_AT", 0)?;
        let aml = drop_domain::aml::Params {
            review_at: score("AML_REVIEW_AT", da.review_at)?.max(1),
            block_at: score("AML_BLOCK_AT", da.block_at)?.max(1),
            decline_at: (decline > 0).then_some(decline),
            ..da
        };
        if aml.review_at > aml.block_at || aml.decline_at.is_some_and(|d| d < aml.block_at) {
            return Err(ConfigError::Invalid("AML_BLOCK_AT", "review ≤ block ≤ decline".into()));
        }
        let safeguarding_account = need("SAFEGUARDING_ACCOUNT")?;
        if drop_domain::bank_account::kontonummer(&safeguarding_account).is_err() {
            return Err(ConfigError::Invalid("SAFEGUARDING_ACCOUNT", "not a Norwegian account number".into()));
        }
        let api_base_url = need("API_BASE_URL")?.trim_end_matches('/').to_owned();
        if !is_origin(&api_base_url) {
            return Err(ConfigError::Invalid("API_BASE_URL", "must be scheme://host[:port]".into()));
        }
        Ok(Config {
            allow_synthetic_nin: flag("ALLOW_SYNTHETIC_NIN", env != "prod")?,
            allow_d_number: flag("ALLOW_D_NUMBER", false)?,
            api_base_url,
            bankid_issuer: need("BANKID_ISSUER")?,
            bankid_client_id: need("BANKID_CLIENT_ID")?,
            bankid_client_secret_id: get("BANKID_CLIENT_SECRET_ID"),
            notify_from: get("NOTIFY_FROM").unwrap_or_else(|| "no-reply@drop.no".into()),
            local_messages: flag("DROP_LOCAL_MESSAGES", adapters == Adapters::Embedded)?,
            count_table_calls: flag("DROP_COUNT_TABLE_CALLS", false)?,
            screening_bucket: get("SCREENING_BUCKET"),
            screening_list_preload: flag("SCREENING_LIST_PRELOAD", false)?,
            screening_list_check: std::time::Duration::from_secs(secs("SCREENING_LIST_CHECK_SECS", 300)?),
            screening_list_max_age_hours: num("SCREENING_LIST_MAX_AGE_HOURS", 48)?,
            screening_list_key_id: get("SCREENING_LIST_KEY_ID"),
            screening_list_index_url: get("SCREENING_LIST_INDEX_URL"),
            screening_list_resource: get("SCREENING_LIST_RESOURCE").unwrap_or_else(|| "targets.simple.csv".into()),
            screening_list_authorization_id: get("SCREENING_LIST_AUTHORIZATION_SECRET_ID"),
            objects_dir: get("DROP_OBJECTS_DIR").map(PathBuf::from).unwrap_or_else(|| ".drop/objects".into()),
            bank_base_url: need("BANK_BASE_URL")?,
            safeguarding_account,
            wise_base_url: need("WISE_BASE_URL")?,
            wise_api_token_id: get("WISE_API_TOKEN_SECRET_ID"),
            wise_profile_id: need("WISE_PROFILE_ID")?,
            wise_webhook_public_key: need("WISE_WEBHOOK_PUBLIC_KEY")?,
            thunes_base_url: need("THUNES_BASE_URL")?,
            thunes_credentials_id: get("THUNES_CREDENTIALS_SECRET_ID"),
            cursor_key_id: get("CURSOR_KEY_SECRET_ID"),
            rotated_secret_ids: get("ROTATED_SECRET_IDS")
                .map(|v| v.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default(),
            secrets_file: get("DROP_SECRETS_FILE").map(PathBuf::from).unwrap_or_else(|| ".drop/secrets.json".into()),
            limits_remit,
            aml,
            limits,
            env,
            table_name: need("TABLE_NAME")?,
            audit_table_name: need("AUDIT_TABLE_NAME")?,
            frontend_origin,
            adapters,
            pii_key_id: aws_only("PII_KEY_ID")?,
            blind_index_key_id: aws_only("BLIND_INDEX_KEY_ID")?,
            event_bus_name: aws_only("EVENT_BUS_NAME")?,
            db_path: get("DROP_DB_PATH").unwrap_or_else(|| ".drop/local.db".into()),
            key_file: get("DROP_KEY_FILE").map(PathBuf::from).unwrap_or_else(|| ".drop/keys.json".into()),
            max_body_bytes,
        })
    }
}

fn is_origin(s: &str) -> bool {
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
    matches!(rest, Some(h) if !h.is_empty() && !h.contains('/') && !h.contains('?') && !h.contains('#'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let m: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| m.get(k).cloned())
    }

    const BASE: [(&str, &str); 12] = [
        ("BANK_BASE_URL", "http://127.0.0.1:3102/bank"),
        ("SAFEGUARDING_ACCOUNT", "86011117947"),
        ("WISE_BASE_URL", "http://127.0.0.1:3103/wise"),
        ("WISE_PROFILE_ID", "1"),
        ("WISE_WEBHOOK_PUBLIC_KEY", "k"),
        ("THUNES_BASE_URL", "http://127.0.0.1:3104/thunes"),
        ("TABLE_NAME", "t"),
        ("AUDIT_TABLE_NAME", "a"),
        ("API_BASE_URL", "http://127.0.0.1:3000"),
        ("BANKID_ISSUER", "http://127.0.0.1:3101/bankid"),
        ("BANKID_CLIENT_ID", "drop"),
        ("FRONTEND_ORIGIN", "http://localhost:5173"),
    ];

    #[test]
    fn embedded_needs_no_aws_names() {
        let c = cfg(&BASE).unwrap();
        assert_eq!(c.adapters, Adapters::Embedded);
        assert_eq!(c.max_body_bytes, 65536);
    }

    #[test]
    fn lambda_defaults_to_aws_and_names_the_missing_variable() {
        let mut v = BASE.to_vec();
        v.push(("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"));
        match cfg(&v) {
            Err(ConfigError::Missing("PII_KEY_ID")) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rejects_bad_values() {
        let mut v = BASE.to_vec();
        v[11] = ("FRONTEND_ORIGIN", "https://app.drop.no/path");
        assert!(matches!(cfg(&v), Err(ConfigError::Invalid("FRONTEND_ORIGIN", _))));
        let mut v = BASE.to_vec();
        v.push(("DROP_ADAPTERS", "mongo"));
        assert!(matches!(cfg(&v), Err(ConfigError::Invalid("DROP_ADAPTERS", _))));
        let mut v = BASE.to_vec();
        v.push(("MAX_BODY_BYTES", "lots"));
        assert!(matches!(cfg(&v), Err(ConfigError::Invalid("MAX_BODY_BYTES", _))));
        assert!(matches!(cfg(&BASE[..11]), Err(ConfigError::Missing("FRONTEND_ORIGIN"))));
        let mut v = BASE.to_vec();
        v.push(("RATE_LIMIT_PER_IP", "0"));
        assert!(matches!(cfg(&v), Err(ConfigError::Invalid("RATE_LIMIT_PER_IP", _))));
        let mut v = BASE.to_vec();
        v.push(("ALLOW_D_NUMBER", "maybe"));
        assert!(matches!(cfg(&v), Err(ConfigError::Invalid("ALLOW_D_NUMBER", _))));
    }
}
