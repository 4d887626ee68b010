//! Contracts of the identity ports: `TokenSigner` (local RSA and KMS on moto), `Notifier`
//! (local store; SNS and SES on moto), and the BankID OIDC client against the simulator's
//! fault modes.

use drop_adapters::aws::{AwsNotifier, KmsSigner};
use drop_adapters::embedded::{LocalKeys, LocalNotifier, LocalSigner, SqliteStore, SqliteTable};
use drop_adapters::providers::bankid::{BankIdClient, BankIdConfig};
use drop_domain::role::Role;
use drop_domain::Secret;
use drop_services::auth::jwt;
use drop_services::auth::login::{pkce_challenge, IdentityProvider};
use drop_services::auth::signing::{self, TokenSigner};
use drop_services::auth::tokens::{Principal, TokenService, KEY_GRACE_SECS};
use drop_services::auth::AuthError;
use drop_services::crypto::{Crypto, KeyCachePolicy};
use drop_services::notify::{Channel, Notifier};
use drop_services::{Clock, FixedClock, SystemClock, Table};
use std::sync::Arc;

fn table(clock: Arc<FixedClock>) -> Arc<dyn Table> {
    Arc::new(SqliteTable::new(SqliteStore::open(":memory:").unwrap(), "main", clock))
}

fn crypto() -> Arc<Crypto> {
    Arc::new(Crypto::new(Arc::new(LocalKeys::ephemeral()), KeyCachePolicy::default()))
}

fn local_signer() -> Arc<dyn TokenSigner> {
    Arc::new(LocalSigner::new(crypto()))
}

async fn kms_signer() -> Arc<dyn TokenSigner> {
    drop_tests::aws::require();
    Arc::new(KmsSigner::new(aws_sdk_kms::Client::new(&drop_tests::aws::config().await)))
}

/// Each case once with the local signer, and once with KMS (ignored without moto).
macro_rules! with_each_signer {
    ($($name:ident),* $(,)?) => {
        mod local { $( #[tokio::test] async fn $name() { super::$name(super::local_signer()).await } )* }
        mod kms { $( #[ignore = "needs moto: tests/run.sh"] #[tokio::test] async fn $name() { super::$name(super::kms_signer().await).await } )* }
    };
}

with_each_signer!(signer_signs_what_its_jwk_verifies, token_service_issues_verifies_and_rotates_with_grace);

async fn signer_signs_what_its_jwk_verifies(signer: Arc<dyn TokenSigner>) {
    {
        let handle = signer.create_key("k1").await.unwrap();
        let public = signer.public_key("k1", &handle).await.unwrap();
        assert_eq!(public.e, vec![1, 0, 1], "{}", signer.kind());
        assert_eq!(public.n.len(), 256, "RSA-2048 ({})", signer.kind());
        let header = jwt::Header { alg: "RS256".into(), kid: Some("k1".into()), typ: None };
        let input = jwt::signing_input(&header, &serde_json::json!({"sub": "x"}));
        let sig = signer.sign("k1", &handle, input.as_bytes()).await.unwrap();
        let token = jwt::assemble(&input, &sig);
        let jwk = jwt::Jwk::rsa("k1", &public.n, &public.e);
        assert_eq!(jwt::verify(&jwt::parse(&token).unwrap(), "RS256", &[jwk]), Ok(()), "{}", signer.kind());
        signer.retire(&handle).await.unwrap();
    }
}

async fn token_service_issues_verifies_and_rotates_with_grace(signer: Arc<dyn TokenSigner>) {
    {
        let clock = Arc::new(FixedClock::at(1_800_000_000));
        let t = table(clock.clone());
        let svc = TokenService::new(t.clone(), signer.clone(), clock.clone(), "https://api.drop.no", "drop-api");
        let p = Principal { user_id: "usr_1".into(), role: Role::User, sid: "ses_1".into() };
        let old = svc.issue(&p).await.unwrap();
        assert_eq!(svc.verify(&old).await.unwrap(), p);
        let r = svc.rotate().await.unwrap();
        assert_eq!(r.superseded.len(), 1);
        assert_eq!(svc.jwks().await.unwrap().keys.len(), 2);
        assert_eq!(svc.verify(&old).await.unwrap(), p, "the previous key still verifies");
        // The new key signs once the signer says it is usable (KMS: its tag has reached IAM).
        if signer.propagation_secs() > 0 {
            let meanwhile = svc.issue(&p).await.unwrap();
            assert_eq!(jwt::parse(&meanwhile).unwrap().header.kid, jwt::parse(&old).unwrap().header.kid);
            clock.advance(signer.propagation_secs());
        }
        let new = svc.issue(&p).await.unwrap();
        assert_ne!(jwt::parse(&new).unwrap().header.kid, jwt::parse(&old).unwrap().header.kid);
        // After the grace the old key is retired and its tokens (long expired anyway) fail.
        clock.advance(KEY_GRACE_SECS + 1);
        let retired = signing::retire_expired(t.as_ref(), signer.as_ref(), clock.epoch()).await.unwrap();
        assert_eq!(retired.len(), 1);
        let svc2 = TokenService::new(t.clone(), signer.clone(), clock.clone(), "https://api.drop.no", "drop-api");
        assert_eq!(svc2.jwks().await.unwrap().keys.len(), 1);
        assert!(svc2.verify(&old).await.is_err());
        assert_eq!(svc2.verify(&new).await.map(|p| p.user_id).ok(), None, "expired by now");
    }
}

#[tokio::test]
async fn spki_parser_reads_rsa_keys() {
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::signature::KeyPair;
    let kp = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let der = kp.public_key().as_der().unwrap();
    let p = drop_adapters::aws::rsa_from_spki(der.as_ref()).unwrap();
    assert_eq!(p.n, kp.public_key().modulus().big_endian_without_leading_zero());
    assert_eq!(p.e, vec![1, 0, 1]);
    assert!(drop_adapters::aws::rsa_from_spki(b"\x30\x03\x02\x01\x01").is_none());
}

#[tokio::test]
async fn local_notifier_keeps_messages_newest_first_and_encrypted() {
    let clock = Arc::new(FixedClock::at(1_800_000_000));
    let t = table(clock.clone());
    let n = LocalNotifier::new(t.clone(), crypto(), clock.clone());
    let to = Secret::new("+4791234567".to_owned());
    n.send(Channel::Sms, &to, &Secret::new("first 111111".into())).await.unwrap();
    n.send(Channel::Sms, &to, &Secret::new("second 222222".into())).await.unwrap();
    let list = n.list("+4791234567").await.unwrap();
    assert_eq!(list.len(), 2);
    assert!(list[0].body.starts_with("second"));
    assert!(n.list("+4700000000").await.unwrap().is_empty());
}

#[ignore = "needs moto: tests/run.sh"]
#[tokio::test]
async fn aws_notifier_sends_sms_and_email_on_moto() {
    drop_tests::aws::require();
    let cfg = drop_tests::aws::config().await;
    let ses = aws_sdk_sesv2::Client::new(&cfg);
    ses.create_email_identity().email_identity("no-reply@drop.no").send().await.unwrap();
    let n = AwsNotifier::new(aws_sdk_sns::Client::new(&cfg), ses, "no-reply@drop.no");
    n.send(Channel::Sms, &Secret::new("+4791234567".into()), &Secret::new("code 123456".into())).await.unwrap();
    n.send(Channel::Email, &Secret::new("kari@example.no".into()), &Secret::new("code 123456".into())).await.unwrap();
}

struct Sim {
    base: String,
    running: Vec<drop_simulators::Running>,
}

async fn sim() -> Sim {
    let running =
        drop_simulators::start_all([127, 0, 0, 1], drop_simulators::Ports::Ephemeral, "http://127.0.0.1:3000")
            .await
            .unwrap();
    let addr = running.iter().find(|r| r.name == "bankid").unwrap().addr;
    Sim { base: format!("http://{addr}/bankid"), running }
}

fn bankid(sim: &Sim, secret: &str) -> BankIdClient {
    BankIdClient::new(
        BankIdConfig {
            issuer: sim.base.clone(),
            client_id: drop_simulators::bankid::CLIENT_ID.into(),
            client_secret: Some(Secret::new(secret.into())),
            redirect_uri: "http://127.0.0.1:3000/api/auth/bankid/callback".into(),
        },
        Arc::new(SystemClock),
    )
    .unwrap()
}

/// Runs authorize with `sim_nnin` and returns the code.
async fn code(client: &BankIdClient, nonce: &str, verifier: &str) -> String {
    let url = client.authorize_url("st", nonce, &pkce_challenge(verifier)).await.unwrap();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = http.get(format!("{url}&sim_nnin=13097248022")).send().await.unwrap();
    let loc = r.headers()["location"].to_str().unwrap().to_owned();
    let q = loc.split_once('?').unwrap().1;
    q.split('&').find_map(|kv| kv.strip_prefix("code=")).unwrap().replace("%2D", "-").replace("%5F", "_")
}

async fn set_mode(sim: &Sim, mode: &str) {
    let r = reqwest::Client::new()
        .post(format!("{}/_sim/mode", sim.base))
        .json(&serde_json::json!({"mode": mode}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
}

#[tokio::test]
async fn bankid_client_verifies_and_refuses_what_it_must() {
    let sim = sim().await;
    let c = bankid(&sim, drop_simulators::bankid::CLIENT_SECRET);
    let verifier = "a-verifier-of-enough-length-0123456789abcdef";
    let claims = c.exchange(&code(&c, "n1", verifier).await, verifier, "n1").await.unwrap();
    assert_eq!(claims.nnin.unwrap().expose(), "13097248022");
    assert_eq!(claims.birthdate.as_deref(), Some("1972-09-13"));
    assert_eq!(claims.acr.as_deref(), Some("urn:bankid:bid;LOA=4"));
    // A code is single use; a wrong verifier fails.
    let k = code(&c, "n2", verifier).await;
    assert!(
        matches!(c.exchange(&k, "wrong-verifier-wrong-verifier-wrong-verifier", "n2").await, Err(AuthError::ProviderRefused(e)) if e == "invalid_grant")
    );
    assert!(matches!(c.exchange(&k, verifier, "n2").await, Err(AuthError::ProviderRefused(_))));
    // Our nonce must come back.
    assert!(matches!(c.exchange(&code(&c, "n3", verifier).await, verifier, "other").await, Err(AuthError::Token(_))));
    // Wrong client secret.
    let bad = bankid(&sim, "wrong");
    assert!(
        matches!(bad.exchange(&code(&bad, "n4", verifier).await, verifier, "n4").await, Err(AuthError::ProviderRefused(e)) if e == "invalid_client")
    );
    for (mode, expect_token_error) in
        [("expired_id_token", true), ("wrong_nonce", true), ("unknown_key", true), ("token_server_error", false)]
    {
        set_mode(&sim, mode).await;
        let r = c.exchange(&code(&c, "n5", verifier).await, verifier, "n5").await;
        match r {
            Err(AuthError::Token(_)) => assert!(expect_token_error, "{mode}"),
            Err(AuthError::ProviderRefused(_)) => assert!(!expect_token_error, "{mode}"),
            other => panic!("{mode}: {other:?}"),
        }
    }
    set_mode(&sim, "normal").await;
    // After a key rotation at BankID the client re-reads the JWKS once and accepts the new key.
    reqwest::Client::new().post(format!("{}/_sim/rotate", sim.base)).send().await.unwrap();
    assert!(c.exchange(&code(&c, "n6", verifier).await, verifier, "n6").await.is_ok());
    for r in sim.running {
        r.stop();
    }
}

#[tokio::test]
async fn bankid_simulator_rejects_incomplete_authorize_requests() {
    let sim = sim().await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let base = format!("{}/precheck/auth?client_id=drop-local&redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fapi%2Fauth%2Fbankid%2Fcallback&scope=openid", sim.base);
    let full = "&response_type=code&state=s&nonce=n&code_challenge=c&code_challenge_method=S256";
    for (missing, params) in [
        ("response_type", "&state=s&nonce=n&code_challenge=c&code_challenge_method=S256"),
        ("pkce", "&response_type=code&state=s&nonce=n"),
        ("plain pkce", "&response_type=code&state=s&nonce=n&code_challenge=c&code_challenge_method=plain"),
        ("nonce", "&response_type=code&state=s&code_challenge=c&code_challenge_method=S256"),
    ] {
        let r = http.get(format!("{base}{params}&sim_nnin=13097248022")).send().await.unwrap();
        let loc = r.headers()["location"].to_str().unwrap();
        assert!(loc.contains("error=invalid_request"), "{missing}: {loc}");
    }
    let page = http.get(format!("{base}{full}")).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap().contains("13097248022"), "the test-user page lists users");
    let unknown = http
        .get(format!("{}/precheck/auth?client_id=other&redirect_uri=http://evil/cb{full}", sim.base))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 400);
    for r in sim.running {
        r.stop();
    }
}
