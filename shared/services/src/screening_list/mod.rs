//! The sanctions/PEP list as the screening functions see it. `screening-list-refresh` downloads
//! the operator's licensed list, builds the index snapshot and publishes it in the object store
//! with a manifest (`screening/current.json`); every function that screens loads the snapshot the
//! manifest names at cold start and looks at the manifest again every `check_every`, so a new list
//! version is used without a deploy. Without a list, screening fails closed (see `screening`).

pub mod refresh;

use crate::objects::{ObjectError, ObjectStore};
use crate::screening::Screener;
use drop_domain::screening::index::Index;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The manifest naming the current snapshot.
pub const MANIFEST_KEY: &str = "screening/current.json";
/// How often a warm function looks for a new version.
pub const CHECK_EVERY: Duration = Duration::from_secs(300);

/// What `screening/current.json` holds: the list the screening functions use.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub dataset: String,
    pub version: String,
    /// The snapshot's key in the store.
    pub snapshot_key: String,
    /// SHA-256 of the snapshot, checked on every load.
    pub snapshot_sha256: String,
    /// The delivered file's name and its SHA-1 as the delivery stated it (and we checked).
    pub resource: String,
    pub source_sha1: String,
    pub entries: u64,
    /// When the list provider last changed the list (the delivery's `updated_at`), if it said.
    pub list_updated_at: Option<String>,
    /// When Drop published this snapshot.
    pub published_at: String,
    /// The matcher the snapshot was built for.
    pub matcher: String,
}

impl Manifest {
    /// Seconds since the list was current at its provider (or since Drop published it, when the
    /// provider gave no time).
    pub fn age_secs(&self, now: time::OffsetDateTime) -> i64 {
        let parse = |s: &str| time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok();
        let at = self.list_updated_at.as_deref().and_then(parse).or_else(|| parse(&self.published_at));
        at.map(|t| (now - t).whole_seconds().max(0)).unwrap_or(i64::MAX)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error("{0}")]
    Store(#[from] ObjectError),
    #[error("the manifest is not valid: {0}")]
    Manifest(String),
    #[error("the snapshot {0} is missing")]
    Missing(String),
    #[error("the snapshot does not match its manifest's checksum")]
    Checksum,
    #[error("the snapshot does not load: {0}")]
    Snapshot(String),
}

/// Reads the manifest; `None` when nothing was published yet.
pub async fn read_manifest(store: &dyn ObjectStore) -> Result<Option<Manifest>, ListError> {
    match store.get(MANIFEST_KEY).await? {
        Some(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| ListError::Manifest(e.to_string())),
        None => Ok(None),
    }
}

/// Loads the snapshot a manifest names, checking its checksum and its dataset and version.
pub async fn load_snapshot(store: &dyn ObjectStore, m: &Manifest) -> Result<Screener, ListError> {
    let bytes = store.get(&m.snapshot_key).await?.ok_or_else(|| ListError::Missing(m.snapshot_key.clone()))?;
    if crate::digest::sha256_hex(&bytes) != m.snapshot_sha256 {
        return Err(ListError::Checksum);
    }
    let index = Index::from_snapshot(&bytes).map_err(|e| ListError::Snapshot(e.to_string()))?;
    if index.dataset != m.dataset || index.version != m.version {
        return Err(ListError::Snapshot("its dataset or version differs from the manifest".into()));
    }
    Ok(Screener { index: Some(index), config: Default::default() })
}

struct Loaded {
    screener: Arc<Screener>,
    manifest: Option<Manifest>,
    checked: Option<Instant>,
}

/// The list a function screens with: loaded at cold start, looked at again every `check_every`.
/// A failed check keeps the list already loaded (the refresh's staleness alarm reports an old
/// list); with none loaded, screening fails closed.
pub struct Lists {
    store: Option<Arc<dyn ObjectStore>>,
    check_every: Duration,
    loaded: std::sync::RwLock<Loaded>,
    /// One check at a time; others use the list already loaded meanwhile.
    checking: tokio::sync::Mutex<()>,
}

impl Lists {
    /// No list anywhere: every screening is `NotScreened`.
    pub fn none() -> Self {
        Self::fixed(Screener::none())
    }

    /// One list, never replaced (tests and tools).
    pub fn fixed(screener: Screener) -> Self {
        Lists {
            store: None,
            check_every: Duration::MAX,
            loaded: std::sync::RwLock::new(Loaded { screener: Arc::new(screener), manifest: None, checked: None }),
            checking: tokio::sync::Mutex::new(()),
        }
    }

    /// Loads the published list at cold start (a function that cannot read it starts anyway and
    /// fails closed until a later check succeeds).
    pub async fn load(store: Arc<dyn ObjectStore>, check_every: Duration) -> Self {
        let lists = Self::lazy(store, check_every);
        lists.check().await;
        lists
    }

    /// Loads the published list when it is first needed.
    pub fn lazy(store: Arc<dyn ObjectStore>, check_every: Duration) -> Self {
        Lists {
            store: Some(store),
            check_every,
            loaded: std::sync::RwLock::new(Loaded {
                screener: Arc::new(Screener::none()),
                manifest: None,
                checked: None,
            }),
            checking: tokio::sync::Mutex::new(()),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Loaded> {
        self.loaded.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The list to screen with now.
    pub async fn current(&self) -> Arc<Screener> {
        let due = self.store.is_some() && self.read().checked.is_none_or(|t| t.elapsed() >= self.check_every);
        if due {
            self.check().await;
        }
        self.read().screener.clone()
    }

    /// The manifest of the loaded list (after a check if one is due).
    pub async fn manifest(&self) -> Option<Manifest> {
        self.current().await;
        self.read().manifest.clone()
    }

    /// Looks at the manifest and loads a new version; errors are logged, the old list kept.
    async fn check(&self) {
        let Some(store) = &self.store else { return };
        let Ok(_one) = self.checking.try_lock() else { return };
        let known = self.read().manifest.clone();
        let outcome = match read_manifest(store.as_ref()).await {
            Ok(None) => Ok(None),
            Ok(Some(m)) if Some(&m) == known.as_ref() => Ok(None),
            Ok(Some(m)) => load_snapshot(store.as_ref(), &m).await.map(|s| Some((m, s))),
            Err(e) => Err(e),
        };
        let mut loaded = self.loaded.write().unwrap_or_else(|p| p.into_inner());
        loaded.checked = Some(Instant::now());
        match outcome {
            Ok(Some((m, screener))) => {
                tracing::info!(dataset = %m.dataset, version = %m.version, entries = m.entries, "screening list loaded");
                loaded.screener = Arc::new(screener);
                loaded.manifest = Some(m);
            }
            Ok(None) if known.is_none() => tracing::warn!("no screening list is published: screening fails closed"),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "screening list not checked; the loaded one stays"),
        }
    }
}

#[cfg(test)]
pub(crate) mod memory {
    //! An in-memory object store for the unit tests.
    use super::*;
    use async_trait::async_trait;
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    #[derive(Default)]
    pub struct MemoryObjects(pub Mutex<BTreeMap<String, Vec<u8>>>);

    #[async_trait]
    impl ObjectStore for MemoryObjects {
        fn kind(&self) -> &'static str {
            "memory"
        }
        async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, ObjectError> {
            Ok(self.0.lock().unwrap().get(key).cloned())
        }
        async fn put(&self, key: &str, bytes: Vec<u8>, _: &str) -> Result<(), ObjectError> {
            self.0.lock().unwrap().insert(key.to_owned(), bytes);
            Ok(())
        }
    }
}
