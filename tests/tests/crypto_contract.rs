//! The `Crypto` port's contract on both key providers: the local key file and KMS (moto).

use drop_adapters::aws::KmsKeys;
use drop_adapters::embedded::LocalKeys;
use drop_domain::Secret;
use drop_services::crypto::{Aad, Crypto, CryptoError, DataKey, KeyCachePolicy, KeyProvider};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Counts data-key generations of the provider it wraps.
struct Counting(Arc<dyn KeyProvider>, AtomicUsize);

#[async_trait::async_trait]
impl KeyProvider for Counting {
    fn kind(&self) -> &'static str {
        self.0.kind()
    }
    async fn generate_data_key(&self) -> Result<DataKey, CryptoError> {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.0.generate_data_key().await
    }
    async fn unwrap_data_key(&self, w: &[u8]) -> Result<Secret<Vec<u8>>, CryptoError> {
        self.0.unwrap_data_key(w).await
    }
    async fn mac(&self, m: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.0.mac(m).await
    }
}

fn local() -> Arc<dyn KeyProvider> {
    Arc::new(LocalKeys::ephemeral())
}

async fn kms() -> Arc<dyn KeyProvider> {
    drop_tests::aws::require();
    let client = aws_sdk_kms::Client::new(&drop_tests::aws::config().await);
    let data = client.create_key().send().await.unwrap().key_metadata.unwrap().key_id;
    let mac = client
        .create_key()
        .key_spec(aws_sdk_kms::types::KeySpec::Hmac256)
        .key_usage(aws_sdk_kms::types::KeyUsageType::GenerateVerifyMac)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    Arc::new(KmsKeys::new(client, &data, &mac))
}

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod on_local { $( #[tokio::test] async fn $name() { super::$name(super::local()).await } )* }
        mod on_kms { $( #[ignore = "needs moto: tests/run.sh"] #[tokio::test] async fn $name() { super::$name(super::kms().await).await } )* }
    };
}

contract!(
    round_trip,
    ciphertext_differs_each_time_and_hides_plaintext,
    wrong_attribute_table_or_key_fails,
    tampered_ciphertext_fails,
    malformed_envelope_fails,
    decrypts_in_a_fresh_container,
    blind_index_is_deterministic_and_purpose_bound,
    data_key_reused_within_bounds_then_rotated,
    data_key_rotated_after_max_age,
);

const AAD: Aad<'static> = Aad { table: "main", pk: "USER#u1", sk: "PROFILE", attribute: "phone" };

fn crypto(k: Arc<dyn KeyProvider>) -> Crypto {
    Crypto::new(k, KeyCachePolicy::default())
}

async fn round_trip(k: Arc<dyn KeyProvider>) {
    let c = crypto(k);
    let env = c.encrypt_str(AAD, &Secret::new("+4791234567".to_owned())).await.unwrap();
    assert_eq!(c.decrypt_str(AAD, &env).await.unwrap().expose(), "+4791234567");
    let empty = c.encrypt(AAD, b"").await.unwrap();
    assert!(c.decrypt(AAD, &empty).await.unwrap().expose().is_empty());
}

async fn ciphertext_differs_each_time_and_hides_plaintext(k: Arc<dyn KeyProvider>) {
    let c = crypto(k);
    let a = c.encrypt(AAD, b"13097248022").await.unwrap();
    let b = c.encrypt(AAD, b"13097248022").await.unwrap();
    assert_ne!(a, b, "fresh nonce per encryption");
    assert!(!a.contains("13097248022"));
    assert!(a.starts_with("v1."));
}

async fn wrong_attribute_table_or_key_fails(k: Arc<dyn KeyProvider>) {
    let c = crypto(k);
    let env = c.encrypt(AAD, b"secret").await.unwrap();
    for other in [
        Aad { attribute: "email", ..AAD },
        Aad { table: "audit", ..AAD },
        Aad { pk: "USER#u2", ..AAD },
        Aad { sk: "ACCOUNT#1", ..AAD },
    ] {
        assert!(matches!(c.decrypt(other, &env).await, Err(CryptoError::Forged)), "{other:?}");
    }
}

async fn tampered_ciphertext_fails(k: Arc<dyn KeyProvider>) {
    let c = crypto(k);
    let env = c.encrypt(AAD, b"secret value").await.unwrap();
    let mut parts: Vec<String> = env.split('.').map(str::to_owned).collect();
    let last = parts[3].clone();
    let flipped = if last.ends_with('A') {
        format!("{}B", &last[..last.len() - 1])
    } else {
        format!("{}A", &last[..last.len() - 1])
    };
    parts[3] = flipped;
    assert!(c.decrypt(AAD, &parts.join(".")).await.is_err());
}

async fn malformed_envelope_fails(k: Arc<dyn KeyProvider>) {
    let c = crypto(k);
    for bad in ["", "v1", "v2.a.b.c", "v1.a.b", "v1.!!.!!.!!", "v1.a.b.c.d"] {
        assert!(matches!(c.decrypt(AAD, bad).await, Err(CryptoError::Malformed)), "{bad}");
    }
}

async fn decrypts_in_a_fresh_container(k: Arc<dyn KeyProvider>) {
    let env = crypto(k.clone()).encrypt(AAD, b"persisted").await.unwrap();
    // A new Crypto (another Lambda container) has no cached key and must unwrap it.
    assert_eq!(crypto(k).decrypt(AAD, &env).await.unwrap().expose(), b"persisted");
}

async fn blind_index_is_deterministic_and_purpose_bound(k: Arc<dyn KeyProvider>) {
    let c = crypto(k);
    let a = c.blind_index("phone", "+4791234567").await.unwrap();
    assert_eq!(a, c.blind_index("phone", "+4791234567").await.unwrap());
    assert_eq!(a.len(), 64);
    assert_ne!(a, c.blind_index("phone", "+4791234568").await.unwrap());
    assert_ne!(a, c.blind_index("email", "+4791234567").await.unwrap());
    assert_ne!(c.blind_index("ab", "c").await.unwrap(), c.blind_index("a", "bc").await.unwrap());
}

async fn data_key_reused_within_bounds_then_rotated(k: Arc<dyn KeyProvider>) {
    let counting = Arc::new(Counting(k, AtomicUsize::new(0)));
    let policy = KeyCachePolicy { max_uses: 3, ..KeyCachePolicy::default() };
    let c = Crypto::new(counting.clone(), policy);
    let mut envs = Vec::new();
    for i in 0..7u8 {
        envs.push(c.encrypt(AAD, &[i]).await.unwrap());
    }
    assert_eq!(counting.1.load(Ordering::SeqCst), 3, "7 encryptions at 3 uses per key");
    for (i, e) in envs.iter().enumerate() {
        assert_eq!(c.decrypt(AAD, e).await.unwrap().expose(), &[i as u8]);
    }
}

async fn data_key_rotated_after_max_age(k: Arc<dyn KeyProvider>) {
    let counting = Arc::new(Counting(k, AtomicUsize::new(0)));
    let policy = KeyCachePolicy { max_age: Duration::from_millis(50), ..KeyCachePolicy::default() };
    let c = Crypto::new(counting.clone(), policy);
    c.encrypt(AAD, b"a").await.unwrap();
    c.encrypt(AAD, b"b").await.unwrap();
    assert_eq!(counting.1.load(Ordering::SeqCst), 1);
    tokio::time::sleep(Duration::from_millis(80)).await;
    c.encrypt(AAD, b"c").await.unwrap();
    assert_eq!(counting.1.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn local_key_file_is_created_private_and_reloaded() {
    let dir = std::env::temp_dir().join(drop_tests::aws::unique("drop-keys"));
    let path = dir.join("keys.json");
    let env = crypto(Arc::new(LocalKeys::load_or_create(&path).unwrap())).encrypt(AAD, b"x").await.unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let again = crypto(Arc::new(LocalKeys::load_or_create(&path).unwrap()));
    assert_eq!(again.decrypt(AAD, &env).await.unwrap().expose(), b"x");
    // Another key file cannot decrypt it.
    assert!(crypto(local()).decrypt(AAD, &env).await.is_err());
    let _ = std::fs::remove_dir_all(dir);
}
