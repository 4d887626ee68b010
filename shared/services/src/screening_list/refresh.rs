//! Publishing a new list version: read the delivery's index, and when its version is not the one
//! published, download the file, check its size and SHA-1 against the index, build the index
//! snapshot, store it under its own key and only then replace the manifest. A run that fails
//! anywhere leaves the published list as it was; a rerun of the same version does nothing.

use super::{read_manifest, ListError, Manifest, MANIFEST_KEY};
use crate::objects::{ObjectError, ObjectStore};
use crate::screening::{Screener, ALGORITHM};
use async_trait::async_trait;

/// The largest file accepted (OpenSanctions `default` targets.simple.csv was 276 MB in 2024).
pub const MAX_BYTES: u64 = 2 << 30;

/// What the delivery's `index.json` says about the current version.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub dataset: String,
    pub version: String,
    pub updated_at: Option<String>,
    pub resource: Resource,
}

/// The file to download.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub name: String,
    pub url: String,
    /// Hex SHA-1 as the index states it.
    pub sha1: Option<String>,
    pub size: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("the list delivery refused our credentials")]
    Unauthorized,
    #[error("the list delivery is unavailable: {0}")]
    Unavailable(String),
    #[error("the list delivery answered something unexpected: {0}")]
    Malformed(String),
}

/// The operator's licensed list delivery (OpenSanctions' `index.json` + files shape).
#[async_trait]
pub trait ListSource: Send + Sync {
    async fn index(&self) -> Result<Delivery, SourceError>;
    /// The file's bytes; more than `max_bytes` is an error.
    async fn download(&self, url: &str, max_bytes: u64) -> Result<Vec<u8>, SourceError>;
}

#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error("{0}")]
    Source(#[from] SourceError),
    #[error("{0}")]
    Published(#[from] ListError),
    #[error("{0}")]
    Store(#[from] ObjectError),
    #[error("the delivered file does not match the index: {0}")]
    Mismatch(&'static str),
    #[error("the delivery's {0} is not usable as a name")]
    BadName(&'static str),
    #[error("the list does not build: {0}")]
    Build(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Refreshed {
    /// The delivery's version is the one published.
    Unchanged(Manifest),
    /// A new version is published.
    Published(Manifest),
}

impl Refreshed {
    pub fn manifest(&self) -> &Manifest {
        match self {
            Refreshed::Unchanged(m) | Refreshed::Published(m) => m,
        }
    }
}

/// Dataset names and versions become object keys: letters, digits, `.`, `_`, `-` only.
fn key_safe(s: &str) -> bool {
    !s.is_empty() && s.len() <= 100 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

pub fn snapshot_key(dataset: &str, version: &str) -> String {
    format!("screening/snapshots/{dataset}/{version}.idx")
}

fn sha1_hex(data: &[u8]) -> String {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, data);
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

pub async fn refresh(
    source: &dyn ListSource,
    store: &dyn ObjectStore,
    now: time::OffsetDateTime,
) -> Result<Refreshed, RefreshError> {
    let d = source.index().await?;
    if !key_safe(&d.dataset) {
        return Err(RefreshError::BadName("dataset"));
    }
    if !key_safe(&d.version) {
        return Err(RefreshError::BadName("version"));
    }
    if let Some(m) = read_manifest(store).await? {
        if m.dataset == d.dataset && m.version == d.version {
            return Ok(Refreshed::Unchanged(m));
        }
    }
    let limit = d.resource.size.map_or(MAX_BYTES, |s| s.min(MAX_BYTES));
    let bytes = source.download(&d.resource.url, limit).await?;
    if d.resource.size.is_some_and(|s| s != bytes.len() as u64) {
        return Err(RefreshError::Mismatch("size"));
    }
    let source_sha1 = sha1_hex(&bytes);
    if d.resource.sha1.as_deref().is_some_and(|s| !s.eq_ignore_ascii_case(&source_sha1)) {
        return Err(RefreshError::Mismatch("checksum"));
    }
    let screener = Screener::load(&d.resource.name, &bytes, &d.dataset, &d.version).map_err(RefreshError::Build)?;
    drop(bytes);
    let index = screener.index.as_ref().ok_or_else(|| RefreshError::Build("no index".into()))?;
    if index.is_empty() {
        return Err(RefreshError::Build("the list has no entries".into()));
    }
    let snapshot = index.to_snapshot();
    let manifest = Manifest {
        dataset: d.dataset.clone(),
        version: d.version.clone(),
        snapshot_key: snapshot_key(&d.dataset, &d.version),
        snapshot_sha256: crate::digest::sha256_hex(&snapshot),
        resource: d.resource.name.clone(),
        source_sha1,
        entries: index.len() as u64,
        list_updated_at: d.updated_at.clone(),
        published_at: drop_domain::time::rfc3339(now),
        matcher: ALGORITHM.into(),
    };
    // The snapshot first: a manifest never names a snapshot that is not there.
    store.put(&manifest.snapshot_key, snapshot, "application/octet-stream").await?;
    let body = serde_json::to_vec(&manifest).map_err(|e| RefreshError::Build(e.to_string()))?;
    store.put(MANIFEST_KEY, body, "application/json").await?;
    tracing::info!(dataset = %manifest.dataset, version = %manifest.version, entries = manifest.entries, "screening list published");
    Ok(Refreshed::Published(manifest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screening_list::memory::MemoryObjects;
    use crate::screening_list::Lists;
    use drop_domain::screening::Party;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    const V1: &str = "id,schema,name,aliases,birth_date,countries\nx1,Person,Viktor Salehhamak,,1970-01-01,ru\n";
    const V2: &str = "id,schema,name,aliases,birth_date,countries\nx1,Person,Viktor Salehhamak,,1970-01-01,ru\nx2,Person,Olga Brennvinsk,,1980-02-02,by\n";

    struct Source(Mutex<(String, String, Option<String>)>);

    impl Source {
        fn new(version: &str, body: &str) -> Self {
            Source(Mutex::new((version.into(), body.into(), None)))
        }
        fn set(&self, version: &str, body: &str, sha1: Option<&str>) {
            *self.0.lock().unwrap() = (version.into(), body.into(), sha1.map(Into::into));
        }
    }

    #[async_trait]
    impl ListSource for Source {
        async fn index(&self) -> Result<Delivery, SourceError> {
            let (version, body, sha1) = self.0.lock().unwrap().clone();
            Ok(Delivery {
                dataset: "test".into(),
                version,
                updated_at: Some("2026-12-01T06:00:00Z".into()),
                resource: Resource {
                    name: "targets.simple.csv".into(),
                    url: "http://list/targets.simple.csv".into(),
                    sha1: Some(sha1.unwrap_or_else(|| sha1_hex(body.as_bytes()))),
                    size: Some(body.len() as u64),
                },
            })
        }
        async fn download(&self, _: &str, max: u64) -> Result<Vec<u8>, SourceError> {
            let body = self.0.lock().unwrap().1.clone().into_bytes();
            if body.len() as u64 > max {
                return Err(SourceError::Malformed("too large".into()));
            }
            Ok(body)
        }
    }

    fn now() -> time::OffsetDateTime {
        time::macros::datetime!(2026-12-01 12:00 UTC)
    }

    fn olga() -> Party {
        Party { names: vec!["Olga Brennvinsk".into()], ..Default::default() }
    }

    #[tokio::test]
    async fn publishes_once_per_version_and_functions_pick_it_up() {
        let (source, store) = (Source::new("v1", V1), Arc::new(MemoryObjects::default()));
        assert!(matches!(refresh(&source, store.as_ref(), now()).await.unwrap(), Refreshed::Published(_)));
        let again = refresh(&source, store.as_ref(), now()).await.unwrap();
        assert!(matches!(&again, Refreshed::Unchanged(m) if m.version == "v1" && m.entries == 1));
        assert_eq!(again.manifest().age_secs(now()), 6 * 3600);

        let lists = Lists::load(store.clone(), Duration::ZERO).await;
        assert_eq!(lists.current().await.list_version(), Some(("test", "v1")));
        assert!(lists.current().await.screen(&olga()).unwrap().iter().all(|h| !h.potential_match));

        source.set("v2", V2, None);
        let Refreshed::Published(m) = refresh(&source, store.as_ref(), now()).await.unwrap() else { panic!() };
        assert_eq!((m.entries, m.snapshot_key.as_str()), (2, "screening/snapshots/test/v2.idx"));
        // A warm function sees v2 at its next check, without a restart.
        let s = lists.current().await;
        assert_eq!(s.list_version(), Some(("test", "v2")));
        assert!(s.screen(&olga()).unwrap().iter().any(|h| h.potential_match));
    }

    #[tokio::test]
    async fn a_bad_delivery_leaves_the_published_list() {
        let (source, store) = (Source::new("v1", V1), Arc::new(MemoryObjects::default()));
        refresh(&source, store.as_ref(), now()).await.unwrap();
        source.set("v2", V2, Some("0000000000000000000000000000000000000000"));
        assert!(matches!(refresh(&source, store.as_ref(), now()).await, Err(RefreshError::Mismatch("checksum"))));
        source.set("../v2", V2, None);
        assert!(matches!(refresh(&source, store.as_ref(), now()).await, Err(RefreshError::BadName("version"))));
        source.set("v3", "id,schema,name\n", None);
        assert!(matches!(refresh(&source, store.as_ref(), now()).await, Err(RefreshError::Build(_))));
        let m = read_manifest(store.as_ref()).await.unwrap().unwrap();
        assert_eq!(m.version, "v1");
    }

    #[tokio::test]
    async fn a_tampered_snapshot_is_not_loaded_and_no_list_fails_closed() {
        let store = Arc::new(MemoryObjects::default());
        let lists = Lists::load(store.clone(), Duration::ZERO).await;
        assert!(lists.current().await.list_version().is_none());
        refresh(&Source::new("v1", V1), store.as_ref(), now()).await.unwrap();
        store.0.lock().unwrap().get_mut("screening/snapshots/test/v1.idx").unwrap().push(0);
        assert!(lists.current().await.list_version().is_none());
        let m = read_manifest(store.as_ref()).await.unwrap().unwrap();
        assert!(matches!(super::super::load_snapshot(store.as_ref(), &m).await, Err(ListError::Checksum)));
    }
}
