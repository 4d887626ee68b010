//! `SecretStore` on a local JSON file, readable by the owner only (created with mode 0600, like the
//! key file). drop-local writes the simulators' credentials there. A value is a string (current
//! only), or after a rotation `{"current", "since", "previous", "pending": {"token", "value"}}`.

use async_trait::async_trait;
use drop_domain::Secret;
use drop_services::secrets::{SecretError, SecretStore, Versions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub struct FileSecrets {
    path: PathBuf,
}

impl FileSecrets {
    pub fn new(path: &Path) -> Self {
        FileSecrets { path: path.to_owned() }
    }

    fn read(&self) -> Result<BTreeMap<String, serde_json::Value>, SecretError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|_| SecretError::Unavailable(format!("{} is not a JSON object", self.path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(SecretError::Unavailable(e.to_string())),
        }
    }

    /// Adds the secrets that are missing (existing values are kept); creates the file 0600.
    pub fn ensure(&self, defaults: &BTreeMap<String, String>) -> Result<(), SecretError> {
        let mut all = self.read()?;
        let before = all.len();
        for (k, v) in defaults {
            all.entry(k.clone()).or_insert_with(|| serde_json::Value::String(v.clone()));
        }
        if all.len() == before && self.path.exists() {
            return Ok(());
        }
        self.write(&all)
    }

    fn write(&self, all: &BTreeMap<String, serde_json::Value>) -> Result<(), SecretError> {
        let text = serde_json::to_vec_pretty(all).map_err(|e| SecretError::Unavailable(e.to_string()))?;
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| SecretError::Unavailable(e.to_string()))?;
        }
        let tmp = self.path.with_extension("tmp");
        let _ = std::fs::remove_file(&tmp);
        super::local_keys::write_private(&tmp, &text).map_err(|e| SecretError::Unavailable(e.to_string()))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| SecretError::Unavailable(e.to_string()))
    }

    fn entry(&self, id: &str) -> Result<(BTreeMap<String, serde_json::Value>, Entry), SecretError> {
        let all = self.read()?;
        let entry = match all.get(id) {
            Some(serde_json::Value::String(s)) => Entry { current: s.clone(), ..Entry::default() },
            Some(v) => serde_json::from_value(v.clone())
                .map_err(|_| SecretError::Unavailable(format!("secret {id} is malformed")))?,
            None => return Err(SecretError::NotFound(id.to_owned())),
        };
        Ok((all, entry))
    }
}

/// One secret after a rotation.
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Entry {
    current: String,
    /// The rotation token that made `current` (none for a value an operator wrote).
    #[serde(default)]
    current_token: Option<String>,
    #[serde(default)]
    since: i64,
    #[serde(default)]
    previous: Option<String>,
    #[serde(default)]
    pending: Option<Pending>,
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Pending {
    token: String,
    value: String,
}

#[async_trait]
impl SecretStore for FileSecrets {
    async fn get(&self, id: &str) -> Result<Secret<String>, SecretError> {
        drop_services::aws_calls::record("secretsmanager:GetSecretValue", id);
        Ok(Secret::new(self.entry(id)?.1.current))
    }

    async fn versions(&self, id: &str) -> Result<Versions, SecretError> {
        drop_services::aws_calls::record("secretsmanager:GetSecretValue", id);
        let e = self.entry(id)?.1;
        Ok(Versions { current: Secret::new(e.current), current_since: e.since, previous: e.previous.map(Secret::new) })
    }

    async fn pending(&self, id: &str, token: &str) -> Result<Option<Secret<String>>, SecretError> {
        drop_services::aws_calls::record("secretsmanager:GetSecretValue", id);
        let e = self.entry(id)?.1;
        Ok(e.pending.filter(|p| p.token == token).map(|p| Secret::new(p.value)))
    }

    async fn put_pending(&self, id: &str, token: &str, value: &Secret<String>) -> Result<(), SecretError> {
        drop_services::aws_calls::record("secretsmanager:PutSecretValue", id);
        let (mut all, mut e) = self.entry(id)?;
        if e.pending.as_ref().is_some_and(|p| p.token == token) {
            return Ok(());
        }
        e.pending = Some(Pending { token: token.to_owned(), value: value.expose().clone() });
        all.insert(id.to_owned(), serde_json::to_value(e).map_err(|e| SecretError::Unavailable(e.to_string()))?);
        self.write(&all)
    }

    async fn promote(&self, id: &str, token: &str, now: i64) -> Result<(), SecretError> {
        drop_services::aws_calls::record("secretsmanager:DescribeSecret", id);
        drop_services::aws_calls::record("secretsmanager:UpdateSecretVersionStage", id);
        let (mut all, e) = self.entry(id)?;
        if e.current_token.as_deref() == Some(token) {
            return Ok(()); // promoted already (a retried step)
        }
        let Some(p) = e.pending.clone().filter(|p| p.token == token) else {
            return Err(SecretError::NotFound(format!("{id} version {token}")));
        };
        let next = Entry {
            current: p.value,
            current_token: Some(p.token),
            since: now,
            previous: Some(e.current),
            pending: None,
        };
        all.insert(id.to_owned(), serde_json::to_value(next).map_err(|e| SecretError::Unavailable(e.to_string()))?);
        self.write(&all)
    }
}
