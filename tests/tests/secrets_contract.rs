//! The `SecretStore` port, one suite for both adapters: the local file (created 0600, existing
//! values kept) and AWS Secrets Manager on moto; and rotation of a Drop-made secret end to end on
//! both — Secrets Manager's four steps, each run twice, then a key that verifies what was signed
//! before the rotation for the overlap window and not after.

use drop_adapters::embedded::FileSecrets;
use drop_services::secrets::rotating::{RotatingKey, OVERLAP_SECS, REFRESH_SECS};
use drop_services::secrets::rotation::{self, RotationEvent};
use drop_services::secrets::{SecretError, SecretStore};
use std::collections::BTreeMap;
use std::sync::Arc;

async fn rotation_suite(store: Arc<dyn SecretStore>, id: &str, before: &str) {
    let t0 = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let key = RotatingKey::new(store.clone(), id);
    let old_tag = key.sign(b"page 2", t0).await.unwrap();
    // An instance that read the versions before the rotation and keeps them cached.
    let stale = RotatingKey::new(store.clone(), id);
    assert!(stale.verify(b"page 2", &old_tag, t0).await.unwrap());
    let allowed = vec![id.to_owned()];
    let token = format!("{}-1", drop_tests::aws::unique("tok"));
    for step in
        ["createSecret", "createSecret", "setSecret", "testSecret", "testSecret", "finishSecret", "finishSecret"]
    {
        let e = RotationEvent { secret_id: id.to_owned(), token: token.clone(), step: step.into() };
        rotation::step(store.as_ref(), &allowed, &e, t0 + 10).await.unwrap_or_else(|e| panic!("{step}: {e}"));
    }
    let v = store.versions(id).await.unwrap();
    assert!(rotation::well_formed(&v.current));
    assert_ne!(v.current.expose(), before);
    assert_eq!(v.previous.as_ref().map(|p| p.expose().as_str()), Some(before));
    assert_eq!(store.get(id).await.unwrap().expose(), v.current.expose());
    // Only the secrets the function was given; unknown steps refused.
    let e = RotationEvent { secret_id: "someone-elses".into(), token: token.clone(), step: "createSecret".into() };
    assert!(rotation::step(store.as_ref(), &allowed, &e, t0).await.is_err());
    let e = RotationEvent { secret_id: id.to_owned(), token: token.clone(), step: "dropSecret".into() };
    assert!(rotation::step(store.as_ref(), &allowed, &e, t0).await.is_err());
    // After the rotation (as its instances see it once they re-read the versions): new tags
    // are made with the new value; old tags verify during the overlap and not after.
    let now = v.current_since.max(t0) + REFRESH_SECS;
    let fresh = RotatingKey::new(store.clone(), id);
    let new_tag = fresh.sign(b"page 2", now).await.unwrap();
    assert_ne!(new_tag, old_tag);
    assert!(fresh.verify(b"page 2", &old_tag, now).await.unwrap(), "previous value during the overlap");
    assert!(!fresh.verify(b"page 3", &old_tag, now).await.unwrap(), "a tag is for its message only");
    // The stale instance re-reads at once when a tag fails, so it accepts the new value.
    assert!(stale.verify(b"page 2", &new_tag, t0 + 1).await.unwrap());
    let late = v.current_since.max(t0) + OVERLAP_SECS + 1;
    let later = RotatingKey::new(store.clone(), id);
    assert!(!later.verify(b"page 2", &old_tag, late).await.unwrap(), "previous value after the overlap");
    assert!(later.verify(b"page 2", &new_tag, late).await.unwrap());
}

#[tokio::test]
async fn rotation_on_the_file() {
    let dir = std::env::temp_dir().join(drop_tests::aws::unique("secrets"));
    let f = FileSecrets::new(&dir.join("secrets.json"));
    f.ensure(&BTreeMap::from([("cursor-key".to_owned(), "first-value".to_owned())])).unwrap();
    rotation_suite(Arc::new(f), "cursor-key", "first-value").await;
}

#[ignore = "needs moto: tests/run.sh"]
#[tokio::test]
async fn rotation_on_moto() {
    drop_tests::aws::require();
    let client = aws_sdk_secretsmanager::Client::new(&drop_tests::aws::config().await);
    let name = drop_tests::aws::unique("drop-test-rotated");
    client.create_secret().name(&name).secret_string("first-value").send().await.unwrap();
    let store = drop_adapters::aws::SecretsManagerStore::new(client);
    rotation_suite(Arc::new(store), &name, "first-value").await;
}

async fn suite(store: &dyn SecretStore, present: &str, value: &str) {
    assert_eq!(store.get(present).await.unwrap().expose(), value);
    assert!(matches!(store.get("drop-test-no-such-secret").await, Err(SecretError::NotFound(_))));
    // The value never shows in a debug print.
    let s = store.get(present).await.unwrap();
    assert!(!format!("{s:?}").contains(value));
}

#[tokio::test]
async fn file_secrets() {
    let dir = std::env::temp_dir().join(drop_tests::aws::unique("secrets"));
    let path = dir.join("secrets.json");
    let f = FileSecrets::new(&path);
    f.ensure(&BTreeMap::from([("a".to_owned(), "one".to_owned())])).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // Ensuring again adds what is missing and keeps what an operator changed.
    std::fs::write(&path, r#"{"a": "changed"}"#).unwrap();
    f.ensure(&BTreeMap::from([("a".to_owned(), "one".to_owned()), ("b".to_owned(), "two".to_owned())])).unwrap();
    suite(&f, "a", "changed").await;
    suite(&f, "b", "two").await;
    std::fs::write(&path, "not json").unwrap();
    assert!(matches!(f.get("a").await, Err(SecretError::Unavailable(_))));
}

#[ignore = "needs moto: tests/run.sh"]
#[tokio::test]
async fn secrets_manager_on_moto() {
    drop_tests::aws::require();
    let sdk = drop_tests::aws::config().await;
    let client = aws_sdk_secretsmanager::Client::new(&sdk);
    let name = drop_tests::aws::unique("drop-test-secret");
    client.create_secret().name(&name).secret_string("s3cret-value").send().await.unwrap();
    let store = drop_adapters::aws::SecretsManagerStore::new(client.clone());
    suite(&store, &name, "s3cret-value").await;
    // A new version is what the next init reads.
    client.put_secret_value().secret_id(&name).secret_string("rotated").send().await.unwrap();
    assert_eq!(store.get(&name).await.unwrap().expose(), "rotated");
}
