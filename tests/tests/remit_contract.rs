//! Provider facts from `reference/providers.md`: the Wise webhook signature vector, and the
//! transfer idempotency key derivation.

use drop_adapters::providers::wise::{transaction_uuid, verify_webhook};

const SANDBOX_KEY: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwpb91cEYuyJNQepZAVfP
ZIlPZfNUefH+n6w9SW3fykqKu938cR7WadQv87oF2VuT+fDt7kqeRziTmPSUhqPU
ys/V2Q1rlfJuXbE+Gga37t7zwd0egQ+KyOEHQOpcTwKmtZ81ieGHynAQzsn1We3j
wt760MsCPJ7GMT141ByQM+yW1Bx+4SG3IGjXWyqOWrcXsxAvIXkpUD/jK/L958Cg
nZEgz0BSEh0QxYLITnW1lLokSx/dTianWPFEhMC9BgijempgNXHNfcVirg1lPSyg
z7KqoKUN0oHqWLr2U1A+7kqrl6O2nx3CKs1bj1hToT1+p4kcMoHXA7kA+VBLUpEs
VwIDAQAB
-----END PUBLIC KEY-----";

/// The production key as the template's default carries it (base64 DER on one line).
const PRODUCTION_KEY: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvO8vXV+JksBzZAY6GhSOXdoTCfhXaaiZ+qAbtaDBiu2AGkGVpmEygFmWP4Li9m5+Ni85BhVvZOodM9epgW3FbA5Q1SexvAF1PPjX4JpMstak/QhAgl1qMSqEevL8cmUeTgcMuVWCJmlge9h7B1CSD4rtlimGZozG39rUBDg6Qt2K+P4wBfLblL0k4C4YUdLnpGYEDIth+i8XsRpFlogxCAFyH9+knYsDbR43UJ9shtc42Ybd40Afihj8KnYKXzchyQ42aC8aZ/h5hyZ28yVyOj3Vos0VdBIs/gAyJ/4yyQFCXYte64I7ssrlbGRaco4nKF3HmaNhxwyKyJafz19eHwIDAQAB";

const BODY: &str = r#"{"data":{"resource":{"id":49983981,"profile_id":16055450,"account_id":14124090,"type":"transfer"},"current_state":"incoming_payment_waiting","previous_state":null,"occurred_at":"2021-08-23T10:12:50Z"},"subscription_id":"90aa8e14-4ef1-4a56-861c-f3c9cde097ea","event_type":"transfers#state-change","schema_version":"2.0.0","sent_at":"2021-08-23T10:12:50Z"}"#;

const SIGNATURE: &str = "wKcKCYXAzxNgiu7xmoDm943NUni7Rz33QN8JkEA9dWSGebgndonabgSj18Y4C08OrwVmueGsED2s00M7DtJVcYKOS1i3G4TMVx+mgM3aL9djMBkQtiYNBFUd6wrPI7ZUNHv/TrlKSjTMc+6JFvUvJ7owY3z85e3I4jLRLJowMFvO8kvCJ60+1pY9wDwZvtZ//WS93LrwGjk9Dvwzpmu0w+P4J75tETT5qC3Uv0y5G2yO8SEoO3yNP/tg/BOli02niHb53vEOUWUb9bly6thnfMoXoiV/osoGxgF20R58RlvkAmezyyl1Sv542TfS2DpiwVnmjjjkCyXeSUcKookYLQ==";

#[test]
fn wise_sandbox_vector_verifies_only_as_given() {
    assert_eq!(BODY.len(), 354);
    assert!(verify_webhook(SANDBOX_KEY, BODY.as_bytes(), SIGNATURE), "sandbox key: VALID");
    assert!(!verify_webhook(PRODUCTION_KEY, BODY.as_bytes(), SIGNATURE), "production key: INVALID");
    assert!(!verify_webhook(SANDBOX_KEY, format!("{BODY}\n").as_bytes(), SIGNATURE), "trailing newline: INVALID");
    let spaced = BODY.replace("\":", "\": ");
    assert!(!verify_webhook(SANDBOX_KEY, spaced.as_bytes(), SIGNATURE), "re-serialised: INVALID");
    assert!(!verify_webhook(SANDBOX_KEY, BODY.as_bytes(), "not base64!"));
    assert!(!verify_webhook("garbage", BODY.as_bytes(), SIGNATURE));
}

#[test]
fn transfer_idempotency_key_is_a_stable_uuid() {
    let a = transaction_uuid("pay_01JC7Z2Q8K4V6M0T3R5N9XWYAB");
    assert_eq!(a, transaction_uuid("pay_01JC7Z2Q8K4V6M0T3R5N9XWYAB"));
    assert_ne!(a, transaction_uuid("pay_01JC7Z2Q8K4V6M0T3R5N9XWYAC"));
    assert_eq!(a.len(), 36);
    assert_eq!(a.matches('-').count(), 4);
    assert_eq!(&a[14..15], "8", "version nibble");
}

/// A provider that refuses Drop's credentials (a rotated or revoked token) is a transient fault on
/// Drop's side: the payment waits and is retried; it is never failed (and refunded) for it.
#[tokio::test]
async fn a_refused_credential_is_transient_not_a_rejection() {
    use drop_services::remit::ports::{Amount, ProviderError, QuoteRequest, RemittanceProvider};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (router, _public_key) = drop_simulators::wise::start("http://127.0.0.1:9");
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    let base = format!("http://{addr}/wise");
    let profile = drop_simulators::wise::PROFILE.to_string();
    let req = QuoteRequest {
        source_currency: drop_domain::Currency::NOK,
        target_currency: drop_domain::Currency::parse("EUR").unwrap(),
        amount: Amount::Source(2_000_000),
        country: "DE".into(),
    };
    let good = drop_adapters::providers::wise::WiseClient::new(
        &base,
        drop_domain::Secret::new(drop_simulators::wise::TOKEN.into()),
        &profile,
    )
    .unwrap();
    assert!(good.quote(&req).await.is_ok());
    let revoked =
        drop_adapters::providers::wise::WiseClient::new(&base, drop_domain::Secret::new("revoked".into()), &profile)
            .unwrap();
    assert!(matches!(revoked.quote(&req).await, Err(ProviderError::Transient(_))));
    server.abort();
}
