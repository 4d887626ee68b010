//! `SecretStore` on a local JSON file (`{"<secret id>": "<value>"}`), readable by the owner only
//! (created with mode 0600, like the key file). drop-local writes the simulators' credentials there.

use async_trait::async_trait;
use drop_domain::Secret;
use drop_services::secrets::{SecretError, SecretStore};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub struct FileSecrets {
    path: PathBuf,
}

impl FileSecrets {
    pub fn new(path: &Path) -> Self {
        FileSecrets { path: path.to_owned() }
    }

    fn read(&self) -> Result<BTreeMap<String, String>, SecretError> {
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
            all.entry(k.clone()).or_insert_with(|| v.clone());
        }
        if all.len() == before && self.path.exists() {
            return Ok(());
        }
        let text = serde_json::to_vec_pretty(&all).map_err(|e| SecretError::Unavailable(e.to_string()))?;
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| SecretError::Unavailable(e.to_string()))?;
        }
        let tmp = self.path.with_extension("tmp");
        let _ = std::fs::remove_file(&tmp);
        super::local_keys::write_private(&tmp, &text).map_err(|e| SecretError::Unavailable(e.to_string()))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| SecretError::Unavailable(e.to_string()))
    }
}

#[async_trait]
impl SecretStore for FileSecrets {
    async fn get(&self, id: &str) -> Result<Secret<String>, SecretError> {
        self.read()?.remove(id).map(Secret::new).ok_or_else(|| SecretError::NotFound(id.to_owned()))
    }
}
