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
        Ok(Config {
            env: get("DROP_ENV").unwrap_or_else(|| "local".into()),
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

    const BASE: [(&str, &str); 3] =
        [("TABLE_NAME", "t"), ("AUDIT_TABLE_NAME", "a"), ("FRONTEND_ORIGIN", "http://localhost:5173")];

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
        v[2] = ("FRONTEND_ORIGIN", "https://app.drop.no/path");
        assert!(matches!(cfg(&v), Err(ConfigError::Invalid("FRONTEND_ORIGIN", _))));
        let mut v = BASE.to_vec();
        v.push(("DROP_ADAPTERS", "mongo"));
        assert!(matches!(cfg(&v), Err(ConfigError::Invalid("DROP_ADAPTERS", _))));
        let mut v = BASE.to_vec();
        v.push(("MAX_BODY_BYTES", "lots"));
        assert!(matches!(cfg(&v), Err(ConfigError::Invalid("MAX_BODY_BYTES", _))));
        assert!(matches!(cfg(&BASE[..2]), Err(ConfigError::Missing("FRONTEND_ORIGIN"))));
    }
}
