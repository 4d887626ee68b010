//! Access-token signing keys under AWS's rules, on SQLite with the local signer: a rotation runs
//! once per month however often it is invoked (Lambda retries asynchronous invocations twice); a
//! new key signs only after the signer's propagation delay (KMS: its tag reaching IAM), while the
//! previous one keeps signing; the first key is made once, and only when a token is issued.

use async_trait::async_trait;
use drop_adapters::embedded::{LocalKeys, LocalSigner, SqliteStore, SqliteTable};
use drop_services::auth::signing::{self, RsaPublic, TokenSigner};
use drop_services::auth::AuthError;
use drop_services::crypto::{Crypto, KeyCachePolicy};
use drop_services::table::Table;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

const T0: i64 = 1_796_083_200; // 2026-12-01T00:00:00Z

/// The local signer with KMS's delay, counting the keys it makes.
struct LikeKms(LocalSigner, AtomicU32);

#[async_trait]
impl TokenSigner for LikeKms {
    fn kind(&self) -> &'static str {
        "like-kms"
    }
    async fn create_key(&self, kid: &str) -> Result<String, AuthError> {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.0.create_key(kid).await
    }
    async fn sign(&self, kid: &str, handle: &str, m: &[u8]) -> Result<Vec<u8>, AuthError> {
        self.0.sign(kid, handle, m).await
    }
    async fn public_key(&self, kid: &str, handle: &str) -> Result<RsaPublic, AuthError> {
        self.0.public_key(kid, handle).await
    }
    async fn retire(&self, handle: &str) -> Result<(), AuthError> {
        self.0.retire(handle).await
    }
    fn propagation_secs(&self) -> i64 {
        300
    }
}

fn fixture() -> (Arc<dyn Table>, LikeKms) {
    let clock = Arc::new(drop_services::clock::FixedClock::at(T0));
    let table: Arc<dyn Table> = Arc::new(SqliteTable::new(SqliteStore::open(":memory:").unwrap(), "main", clock));
    let crypto = Arc::new(Crypto::new(Arc::new(LocalKeys::ephemeral()), KeyCachePolicy::default()));
    (table, LikeKms(LocalSigner::new(crypto), AtomicU32::new(0)))
}

#[tokio::test]
async fn a_rotation_runs_once_a_month_and_a_new_key_signs_after_propagation() {
    let (table, signer) = fixture();
    signing::bootstrap(table.as_ref(), &signer, T0).await.unwrap();
    let first = signing::active_keys(table.as_ref()).await.unwrap()[0].kid.clone();
    let grace = 3600;
    let r = signing::rotate(table.as_ref(), &signer, T0 + 10, grace).await.unwrap();
    let second = r.created.clone().unwrap();
    assert_eq!(r.superseded, vec![first.clone()]);
    // Retried twice (Lambda's async retries) and run again later that month: nothing new.
    for at in [T0 + 11, T0 + 70, T0 + 20 * 86_400] {
        let again = signing::rotate(table.as_ref(), &signer, at, grace).await.unwrap();
        assert!(again.already_done && again.created.is_none(), "{again:?}");
    }
    assert_eq!(signer.1.load(Ordering::SeqCst), 2, "one bootstrap key, one rotated key");
    // Both are published; the old one signs until the new one's tag has propagated.
    let keys = signing::active_keys(table.as_ref()).await.unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(signing::signing_key(&keys, T0 + 10 + 299).unwrap().kid, first);
    assert_eq!(signing::signing_key(&keys, T0 + 10 + 300).unwrap().kid, second);
    // The old key stays in the JWKS for the grace after it stopped signing.
    let old = keys.iter().find(|k| k.kid == first).unwrap();
    assert_eq!(old.retire_after, Some(T0 + 10 + 300 + grace));
    // Next month rotates again.
    let next = signing::rotate(table.as_ref(), &signer, T0 + 31 * 86_400, grace).await.unwrap();
    assert!(next.created.is_some() && !next.already_done);
}

#[tokio::test]
async fn the_first_key_is_made_once() {
    let (table, signer) = fixture();
    let runs = futures::future::join_all((0..8).map(|_| signing::bootstrap(table.as_ref(), &signer, T0))).await;
    assert!(runs.iter().filter(|r| r.is_ok()).count() >= 1);
    assert_eq!(signing::active_keys(table.as_ref()).await.unwrap().len(), 1);
    assert_eq!(signer.1.load(Ordering::SeqCst), 1);
    // A claim left by a container that died is taken over after a minute.
    let (table, signer) = fixture();
    table
        .put(drop_services::table::Item::new(signing::CLAIM_PK, "bootstrap").with("claimed_at", T0), None)
        .await
        .unwrap();
    assert!(signing::bootstrap(table.as_ref(), &signer, T0 + 30).await.is_err(), "someone else is making it");
    signing::bootstrap(table.as_ref(), &signer, T0 + 61).await.unwrap();
    assert_eq!(signing::active_keys(table.as_ref()).await.unwrap().len(), 1);
}
