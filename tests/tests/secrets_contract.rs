//! The `SecretStore` port, one suite for both adapters: the local file (created 0600, existing
//! values kept) and AWS Secrets Manager on moto.

use drop_adapters::embedded::FileSecrets;
use drop_services::secrets::{SecretError, SecretStore};
use std::collections::BTreeMap;

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

#[tokio::test]
async fn secrets_manager_on_moto() {
    if drop_tests::aws::endpoint().is_none() {
        return;
    }
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
