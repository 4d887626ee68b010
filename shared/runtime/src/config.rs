//! Typed configuration from the environment. Anything missing or malformed fails at init with the
//! variable's name, never later in a request.

use crate::needs::Need;
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
    pub adapters: Adapters,
    /// AWS adapters only.
    pub pii_key_id: Option<String>,
    pub blind_index_key_id: Option<String>,
    /// Embedded adapters only.
    pub db_path: String,
    pub key_file: PathBuf,
    /// Keep SMS/e-mail in the table for `GET /_local/messages` instead of sending them (set by
    /// the local stack, whatever its adapters).
    pub local_messages: bool,
    /// Count table round trips (`DROP_COUNT_TABLE_CALLS`), for the benchmark.
    pub count_table_calls: bool,
    /// The local secret store (`DROP_SECRETS_FILE`, default `.drop/secrets.json`).
    pub secrets_file: PathBuf,
    /// The embedded object store's directory (`DROP_OBJECTS_DIR`, default `.drop/objects`).
    pub objects_dir: PathBuf,
    /// What this function is wired with; each section below is set exactly when its need is.
    pub needs: Vec<Need>,
    /// [`Need::Http`].
    pub http: Option<Http>,
    /// Our public base URL (`https://api.drop.no`): access-token issuer and callback base. Set
    /// for every need that names `API_BASE_URL`.
    pub api_base_url: Option<String>,
    pub bankid: Option<BankId>,
    /// [`Need::BankIdExchange`].
    pub bankid_exchange: Option<BankIdExchange>,
    pub bank: Option<Bank>,
    pub wise: Option<Wise>,
    /// Wise's webhook public key (SubjectPublicKeyInfo, base64 or PEM).
    pub wise_webhook_public_key: Option<String>,
    pub thunes: Option<Thunes>,
    /// [`Need::Acquirer`].
    pub nexi: Option<Nexi>,
    /// [`Need::Banking`].
    pub swan: Option<Swan>,
    /// [`Need::BankingWebhook`]: the secret Swan sends as `x-swan-secret`.
    pub swan_webhook_secret_id: Option<String>,
    /// NOK minor units (defaults unless [`Need::PaymentLimits`] reads them).
    pub limits_remit: drop_services::remit::limits::Limits,
    /// AML scorecard thresholds ([`Need::Aml`]; AML_DECLINE_AT 0 = never decline).
    pub aml: drop_domain::aml::Params,
    /// Sender of e-mail codes (SES).
    pub notify_from: Option<String>,
    pub screening: Option<Screening>,
    pub publishing: Option<Publishing>,
    /// Enhetsregisteret's host ([`Need::BusinessRegister`]).
    pub brreg_base_url: Option<String>,
    /// Norges Bank's exchange-rate series ([`Need::ReferenceRates`]).
    pub reference_rates_url: Option<String>,
    /// The reporting entity's id issued by the FIU, for STR exports ([`Need::Reporting`]).
    pub reporting_entity_id: Option<String>,
    /// The case attachments' bucket and its KMS key ([`Need::CaseFiles`]); a directory under
    /// `DROP_OBJECTS_DIR` with the embedded adapters.
    pub case_files: Option<(String, String)>,
    /// The Drop-made key that seals paging cursors (`CURSOR_KEY_SECRET_ID`).
    pub cursor_key_id: Option<String>,
    /// The secrets `secret-rotation` may rotate (`ROTATED_SECRET_IDS`, comma-separated).
    pub rotated_secret_ids: Vec<String>,
}

/// [`Need::Http`]: what the pipeline around every route reads.
#[derive(Debug, Clone)]
pub struct Http {
    pub frontend_origin: String,
    pub max_body_bytes: usize,
    pub limits: Limits,
}

/// [`Need::BankId`].
#[derive(Debug, Clone)]
pub struct BankId {
    pub issuer: String,
    pub client_id: String,
}

/// [`Need::BankIdExchange`].
#[derive(Debug, Clone)]
pub struct BankIdExchange {
    /// Secret id (ARN in AWS, name locally), never the secret: the context reads it at init.
    pub client_secret_id: String,
    /// Admit D-number holders (see `drop_services::auth::login` for the residency rule).
    pub allow_d_number: bool,
    /// Admit synthetic test identity numbers (never in prod).
    pub allow_synthetic_nin: bool,
}

/// [`Need::Bank`].
#[derive(Debug, Clone)]
pub struct Bank {
    pub base_url: String,
    /// Drop's safeguarding account (BBAN), the creditor of PSD2 payments.
    pub safeguarding_account: String,
}

/// [`Need::Wise`].
#[derive(Debug, Clone)]
pub struct Wise {
    pub base_url: String,
    pub profile_id: String,
    pub api_token_id: String,
}

/// [`Need::Thunes`].
#[derive(Debug, Clone)]
pub struct Thunes {
    pub base_url: String,
    /// A JSON secret `{"key": …, "secret": …}`.
    pub credentials_id: String,
}

/// [`Need::Acquirer`]: Nexi Checkout.
#[derive(Debug, Clone)]
pub struct Nexi {
    pub base_url: String,
    /// The secret key (`Authorization` value) in Secrets Manager.
    pub secret_key_id: String,
}

/// [`Need::Banking`]: Swan, and whether euro accounts are offered here.
#[derive(Debug, Clone)]
pub struct Swan {
    pub api_url: String,
    pub token_url: String,
    pub client_id: String,
    pub client_secret_id: String,
    /// Where the browser comes back to after Swan's onboarding (`<FRONTEND_ORIGIN>/wallet`).
    pub frontend_origin: String,
    /// `WALLET_ENABLED` (default false): the per-environment flag.
    pub enabled: bool,
    /// ISO 3166 alpha-3 of the accounts' IBANs (`WALLET_COUNTRY`).
    pub country: &'static str,
}

/// [`Need::Screening`].
#[derive(Debug, Clone)]
pub struct Screening {
    /// The bucket the screening list is published in (`SCREENING_BUCKET`); a directory under
    /// `DROP_OBJECTS_DIR` with the embedded adapters.
    pub bucket: String,
    /// Load the published list at cold start (`SCREENING_LIST_PRELOAD`): the functions that screen.
    pub preload: bool,
    /// How often a warm function looks for a new list version (`SCREENING_LIST_CHECK_SECS`).
    pub check: std::time::Duration,
    /// A list older than this is stale (`SCREENING_LIST_MAX_AGE_HOURS`).
    pub max_age_hours: u32,
}

/// [`Need::ListPublishing`] (`screening-list-refresh` only): the KMS key snapshots are written
/// with, the delivery's `index.json`, the file to use, and the secret holding the
/// `Authorization` value.
#[derive(Debug, Clone)]
pub struct Publishing {
    pub key_id: String,
    pub index_url: String,
    pub resource: String,
    pub authorization_id: String,
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
    pub fn from_env(needs: &[Need]) -> Result<Self, ConfigError> {
        Self::from_lookup(needs, |k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    }

    /// Reads the core variables and those of `needs`, nothing else.
    pub fn from_lookup(needs: &[Need], get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let has = |n: Need| needs.contains(&n);
        let need = |k: &'static str| get(k).ok_or(ConfigError::Missing(k));
        let in_lambda = get("AWS_LAMBDA_RUNTIME_API").is_some() || get("AWS_LAMBDA_FUNCTION_NAME").is_some();
        let adapters = match get("DROP_ADAPTERS").as_deref() {
            Some("aws") => Adapters::Aws,
            Some("embedded") => Adapters::Embedded,
            None if in_lambda => Adapters::Aws,
            None => Adapters::Embedded,
            Some(other) => return Err(ConfigError::Invalid("DROP_ADAPTERS", format!("{other} (aws|embedded)"))),
        };
        let aws_only = |k: &'static str| match adapters {
            Adapters::Aws => need(k).map(Some),
            Adapters::Embedded => Ok(get(k)),
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
        let origin = |k: &'static str| {
            let v = need(k)?.trim_end_matches('/').to_owned();
            if is_origin(&v) {
                Ok(v)
            } else {
                Err(ConfigError::Invalid(k, "must be scheme://host[:port]".into()))
            }
        };
        let env = get("DROP_ENV").unwrap_or_else(|| "local".into());
        let api_base_needed = needs.iter().any(|n| n.required().contains(&"API_BASE_URL"));
        let http = match has(Need::Http) {
            false => None,
            true => Some(Http {
                frontend_origin: origin("FRONTEND_ORIGIN")?,
                max_body_bytes: match get("MAX_BODY_BYTES") {
                    None => 64 * 1024,
                    Some(v) => v.parse().map_err(|_| ConfigError::Invalid("MAX_BODY_BYTES", v))?,
                },
                limits: rate_limits(&num)?,
            }),
        };
        let bankid = match has(Need::BankId) {
            false => None,
            true => Some(BankId { issuer: need("BANKID_ISSUER")?, client_id: need("BANKID_CLIENT_ID")? }),
        };
        let bankid_exchange = match has(Need::BankIdExchange) {
            false => None,
            true => Some(BankIdExchange {
                client_secret_id: need("BANKID_CLIENT_SECRET_ID")?,
                allow_d_number: flag("ALLOW_D_NUMBER", false)?,
                allow_synthetic_nin: flag("ALLOW_SYNTHETIC_NIN", env != "prod")?,
            }),
        };
        let bank = match has(Need::Bank) {
            false => None,
            true => {
                let safeguarding_account = need("SAFEGUARDING_ACCOUNT")?;
                if drop_domain::bank_account::kontonummer(&safeguarding_account).is_err() {
                    return Err(ConfigError::Invalid("SAFEGUARDING_ACCOUNT", "not a Norwegian account number".into()));
                }
                Some(Bank { base_url: need("BANK_BASE_URL")?, safeguarding_account })
            }
        };
        let wise = match has(Need::Wise) {
            false => None,
            true => Some(Wise {
                base_url: need("WISE_BASE_URL")?,
                profile_id: need("WISE_PROFILE_ID")?,
                api_token_id: need("WISE_API_TOKEN_SECRET_ID")?,
            }),
        };
        let thunes = match has(Need::Thunes) {
            false => None,
            true => Some(Thunes {
                base_url: need("THUNES_BASE_URL")?,
                credentials_id: need("THUNES_CREDENTIALS_SECRET_ID")?,
            }),
        };
        let nexi = match has(Need::Acquirer) {
            false => None,
            true => Some(Nexi { base_url: need("NEXI_BASE_URL")?, secret_key_id: need("NEXI_SECRET_KEY_SECRET_ID")? }),
        };
        let swan = match has(Need::Banking) {
            false => None,
            true => {
                let country = need("WALLET_COUNTRY")?;
                let country = drop_services::wallet::COUNTRIES
                    .into_iter()
                    .find(|c| *c == country)
                    .ok_or(ConfigError::Invalid("WALLET_COUNTRY", format!("{country} (FRA|DEU|ESP|NLD|ITA)")))?;
                Some(Swan {
                    api_url: need("SWAN_API_URL")?,
                    token_url: need("SWAN_OAUTH_URL")?,
                    client_id: need("SWAN_CLIENT_ID")?,
                    client_secret_id: need("SWAN_CLIENT_SECRET_ID")?,
                    frontend_origin: origin("FRONTEND_ORIGIN")?,
                    enabled: flag("WALLET_ENABLED", false)?,
                    country,
                })
            }
        };
        let screening = match has(Need::Screening) {
            false => None,
            true => Some(Screening {
                bucket: need("SCREENING_BUCKET")?,
                preload: flag("SCREENING_LIST_PRELOAD", false)?,
                check: std::time::Duration::from_secs(secs("SCREENING_LIST_CHECK_SECS", 300)?),
                max_age_hours: num("SCREENING_LIST_MAX_AGE_HOURS", 48)?,
            }),
        };
        let publishing = match has(Need::ListPublishing) {
            false => None,
            true => Some(Publishing {
                key_id: need("SCREENING_LIST_KEY_ID")?,
                index_url: need("SCREENING_LIST_INDEX_URL")?,
                resource: need("SCREENING_LIST_RESOURCE")?,
                authorization_id: need("SCREENING_LIST_AUTHORIZATION_SECRET_ID")?,
            }),
        };
        let limits_remit = match has(Need::PaymentLimits) {
            false => Default::default(),
            true => payment_limits(&get)?,
        };
        let aml = match has(Need::Aml) {
            false => Default::default(),
            true => aml_params(&need)?,
        };
        Ok(Config {
            api_base_url: if api_base_needed { Some(origin("API_BASE_URL")?) } else { None },
            http,
            bankid,
            bankid_exchange,
            bank,
            wise,
            wise_webhook_public_key: if has(Need::WiseWebhook) { Some(need("WISE_WEBHOOK_PUBLIC_KEY")?) } else { None },
            thunes,
            nexi,
            swan,
            swan_webhook_secret_id: if has(Need::BankingWebhook) {
                Some(need("SWAN_WEBHOOK_SECRET_ID")?)
            } else {
                None
            },
            notify_from: if has(Need::Notify) { Some(need("NOTIFY_FROM")?) } else { None },
            screening,
            publishing,
            brreg_base_url: if has(Need::BusinessRegister) { Some(need("BRREG_BASE_URL")?) } else { None },
            reference_rates_url: if has(Need::ReferenceRates) { Some(need("REFERENCE_RATES_URL")?) } else { None },
            reporting_entity_id: if has(Need::Reporting) { Some(need("REPORTING_ENTITY_ID")?) } else { None },
            case_files: if has(Need::CaseFiles) { Some((need("CASE_BUCKET")?, need("CASE_KEY_ID")?)) } else { None },
            cursor_key_id: if has(Need::Cursors) { Some(need("CURSOR_KEY_SECRET_ID")?) } else { None },
            rotated_secret_ids: match has(Need::SecretRotation) {
                false => Vec::new(),
                true => need("ROTATED_SECRET_IDS")?
                    .split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect(),
            },
            limits_remit,
            aml,
            local_messages: flag("DROP_LOCAL_MESSAGES", adapters == Adapters::Embedded)?,
            count_table_calls: flag("DROP_COUNT_TABLE_CALLS", false)?,
            secrets_file: get("DROP_SECRETS_FILE").map(PathBuf::from).unwrap_or_else(|| ".drop/secrets.json".into()),
            objects_dir: get("DROP_OBJECTS_DIR").map(PathBuf::from).unwrap_or_else(|| ".drop/objects".into()),
            env,
            table_name: need("TABLE_NAME")?,
            audit_table_name: need("AUDIT_TABLE_NAME")?,
            adapters,
            pii_key_id: aws_only("PII_KEY_ID")?,
            blind_index_key_id: aws_only("BLIND_INDEX_KEY_ID")?,
            db_path: get("DROP_DB_PATH").unwrap_or_else(|| ".drop/local.db".into()),
            key_file: get("DROP_KEY_FILE").map(PathBuf::from).unwrap_or_else(|| ".drop/keys.json".into()),
            needs: needs.to_vec(),
        })
    }

    /// The pipeline's settings (every HTTP function has them: [`Need::Http`]).
    pub fn http(&self) -> Result<&Http, Unwired> {
        self.http.as_ref().ok_or(Unwired("Http"))
    }

    pub fn api_base_url(&self) -> Result<&str, Unwired> {
        self.api_base_url.as_deref().ok_or(Unwired("API_BASE_URL"))
    }
}

/// A handler reached for something its function is not wired with (a registry mistake the
/// structure and flow tests catch): a 500, logged with what was missing.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("this function is not wired with {0}")]
pub struct Unwired(pub &'static str);

fn rate_limits(num: &dyn Fn(&'static str, u32) -> Result<u32, ConfigError>) -> Result<Limits, ConfigError> {
    let d = Limits::default();
    Ok(Limits {
        login_per_ip: num("RATE_LIMIT_LOGIN_PER_IP", d.login_per_ip)?,
        verify_per_ip: num("RATE_LIMIT_VERIFY_PER_IP", d.verify_per_ip)?,
        verify_per_user: num("RATE_LIMIT_VERIFY_PER_USER", d.verify_per_user)?,
        default_per_ip: num("RATE_LIMIT_PER_IP", d.default_per_ip)?,
        default_per_user: num("RATE_LIMIT_PER_USER", d.default_per_user)?,
    })
}

fn payment_limits(get: &dyn Fn(&str) -> Option<String>) -> Result<drop_services::remit::limits::Limits, ConfigError> {
    let minor = |k: &'static str, default: i64| match get(k) {
        None => Ok(default),
        Some(v) => v.parse::<i64>().ok().filter(|n| *n > 0).ok_or(ConfigError::Invalid(k, v)),
    };
    let d = drop_services::remit::limits::Limits::default();
    Ok(drop_services::remit::limits::Limits {
        per_payment: minor("LIMIT_PER_PAYMENT", d.per_payment)?,
        per_day: minor("LIMIT_PER_DAY", d.per_day)?,
        per_month: minor("LIMIT_PER_MONTH", d.per_month)?,
    })
}

fn aml_params(
    need: &dyn Fn(&'static str) -> Result<String, ConfigError>,
) -> Result<drop_domain::aml::Params, ConfigError> {
    let score = |k: &'static str| {
        let v = need(k)?;
        v.parse::<i32>().ok().filter(|n| (0..=100_000).contains(n)).ok_or(ConfigError::Invalid(k, v))
    };
    let decline = score("AML_DECLINE_AT")?;
    let aml = drop_domain::aml::Params {
        review_at: score("AML_REVIEW_AT")?.max(1),
        block_at: score("AML_BLOCK_AT")?.max(1),
        decline_at: (decline > 0).then_some(decline),
        ..Default::default()
    };
    if aml.review_at > aml.block_at || aml.decline_at.is_some_and(|d| d < aml.block_at) {
        return Err(ConfigError::Invalid("AML_BLOCK_AT", "review ≤ block ≤ decline".into()));
    }
    Ok(aml)
}

fn is_origin(s: &str) -> bool {
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
    matches!(rest, Some(h) if !h.is_empty() && !h.contains('/') && !h.contains('?') && !h.contains('#'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(needs: &[Need], pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let m: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(needs, |k| m.get(k).cloned())
    }

    const BASE: [(&str, &str); 4] = [
        ("TABLE_NAME", "t"),
        ("AUDIT_TABLE_NAME", "a"),
        ("API_BASE_URL", "http://127.0.0.1:3000"),
        ("FRONTEND_ORIGIN", "http://localhost:5173"),
    ];

    #[test]
    fn embedded_needs_no_aws_names() {
        let c = cfg(&[Need::Http], &BASE).unwrap();
        assert_eq!(c.adapters, Adapters::Embedded);
        assert_eq!(c.http.unwrap().max_body_bytes, 65536);
    }

    #[test]
    fn lambda_defaults_to_aws_and_names_the_missing_variable() {
        let mut v = BASE.to_vec();
        v.push(("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"));
        match cfg(&[Need::Http], &v) {
            Err(ConfigError::Missing("PII_KEY_ID")) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reads_only_what_the_function_needs() {
        // A schedule that touches only the tables reads neither the origin nor any provider.
        let c = cfg(&[], &BASE[..2]).unwrap();
        assert!(c.http.is_none() && c.api_base_url.is_none() && c.wise.is_none() && c.bank.is_none());
        // A need without its variables fails at init, naming the variable.
        assert!(matches!(cfg(&[Need::Wise], &BASE), Err(ConfigError::Missing("WISE_BASE_URL"))));
        assert!(matches!(cfg(&[Need::Aml], &BASE), Err(ConfigError::Missing("AML_DECLINE_AT"))));
        let mut v = BASE.to_vec();
        v.extend([
            ("WISE_BASE_URL", "http://127.0.0.1:3103/wise"),
            ("WISE_PROFILE_ID", "1"),
            ("WISE_API_TOKEN_SECRET_ID", "w"),
            ("THUNES_BASE_URL", "http://127.0.0.1:3104/thunes"),
        ]);
        let c = cfg(&[Need::Wise], &v).unwrap();
        assert_eq!(c.wise.unwrap().profile_id, "1");
        assert!(c.thunes.is_none(), "Thunes' settings are there but not read");
    }

    #[test]
    fn rejects_bad_values() {
        let mut v = BASE.to_vec();
        v[3] = ("FRONTEND_ORIGIN", "https://app.drop.no/path");
        assert!(matches!(cfg(&[Need::Http], &v), Err(ConfigError::Invalid("FRONTEND_ORIGIN", _))));
        let mut v = BASE.to_vec();
        v.push(("DROP_ADAPTERS", "mongo"));
        assert!(matches!(cfg(&[], &v), Err(ConfigError::Invalid("DROP_ADAPTERS", _))));
        let mut v = BASE.to_vec();
        v.push(("MAX_BODY_BYTES", "lots"));
        assert!(matches!(cfg(&[Need::Http], &v), Err(ConfigError::Invalid("MAX_BODY_BYTES", _))));
        assert!(matches!(cfg(&[Need::Http], &BASE[..3]), Err(ConfigError::Missing("FRONTEND_ORIGIN"))));
        let mut v = BASE.to_vec();
        v.push(("RATE_LIMIT_PER_IP", "0"));
        assert!(matches!(cfg(&[Need::Http], &v), Err(ConfigError::Invalid("RATE_LIMIT_PER_IP", _))));
        let mut v = BASE.to_vec();
        v.extend([("ALLOW_D_NUMBER", "maybe"), ("BANKID_CLIENT_SECRET_ID", "s")]);
        assert!(matches!(cfg(&[Need::BankIdExchange], &v), Err(ConfigError::Invalid("ALLOW_D_NUMBER", _))));
        let mut v = BASE.to_vec();
        v.extend([("AML_REVIEW_AT", "500"), ("AML_BLOCK_AT", "100"), ("AML_DECLINE_AT", "0")]);
        assert!(matches!(cfg(&[Need::Aml], &v), Err(ConfigError::Invalid("AML_BLOCK_AT", _))));
    }
}
