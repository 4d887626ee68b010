//! The Norges Bank adapter against its simulator over HTTP (SDMX-JSON, the last business day on or
//! before the asked day, per-100 quotes, unknown series, outages), and the table cache that asks
//! for each currency's rate of a day once.

use drop_adapters::embedded::{SqliteStore, SqliteTable};
use drop_adapters::providers::norges_bank::NorgesBank;
use drop_domain::money::Currency;
use drop_services::fx_reference::{in_kroner, parse_day, RateError, ReferenceRates};
use drop_services::table::Table;
use serde_json::json;
use std::sync::Arc;

async fn simulator() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, drop_simulators::norges_bank::router()).await;
    });
    format!("http://{addr}/norgesbank")
}

async fn knob(base: &str, path: &str, body: serde_json::Value) {
    let r = reqwest::Client::new().post(format!("{base}/_sim/{path}")).json(&body).send().await.unwrap();
    assert!(r.status().is_success());
}

#[tokio::test]
async fn the_adapter_reads_the_last_business_days_rate() {
    let base = simulator().await;
    let bank = NorgesBank::new(&format!("{base}/api/data/EXR/"));
    let sunday = parse_day("2026-11-29").unwrap();
    let eur = bank.nok_per_unit(Currency::EUR, sunday).await.unwrap();
    assert_eq!((eur.day.to_string(), eur.nok_per_unit.to_decimal_string()), ("2026-11-27".into(), "11.725".into()));
    let sek = bank.nok_per_unit(Currency::parse("SEK").unwrap(), parse_day("2026-12-02").unwrap()).await.unwrap();
    assert_eq!((sek.day.to_string(), sek.nok_per_unit.to_decimal_string()), ("2026-12-02".into(), "0.981".into()));
    let unknown = bank.nok_per_unit(Currency::parse("XAU").unwrap(), sunday).await;
    assert!(matches!(unknown, Err(RateError::Unknown(c)) if c == "XAU"));
    knob(&base, "fault", json!({"unavailable": true})).await;
    assert!(matches!(bank.nok_per_unit(Currency::EUR, sunday).await, Err(RateError::Unavailable(_))));
}

#[tokio::test]
async fn a_days_rate_is_asked_for_once_and_kept() {
    let base = simulator().await;
    let bank = NorgesBank::new(&format!("{base}/api/data/EXR"));
    let clock = Arc::new(drop_services::clock::FixedClock::at(1_796_167_800));
    let table: Arc<dyn Table> = Arc::new(SqliteTable::new(SqliteStore::open(":memory:").unwrap(), "main", clock));
    // 2026-12-01 23:30 UTC is Wednesday 2026-12-02 in Oslo.
    let at = 1_796_167_800;
    let first = in_kroner(table.as_ref(), &bank, 10_050, Currency::EUR, at).await.unwrap();
    assert_eq!((first.nok_minor, first.rate.day.to_string()), (117_836, "2026-12-02".into()));
    // Norges Bank changes its mind or goes away: the day's conversions stay what they were.
    knob(&base, "rates", json!({"currency": "EUR", "rate": "12.0"})).await;
    knob(&base, "fault", json!({"unavailable": true})).await;
    let again = in_kroner(table.as_ref(), &bank, 10_050, Currency::EUR, at + 3_600).await.unwrap();
    assert_eq!(again, first);
    assert_eq!(in_kroner(table.as_ref(), &bank, 333, Currency::EUR, at).await.unwrap().nok_minor, 3_904);
    // Kroner need no rate; another day does, and the outage is an error to retry.
    assert_eq!(in_kroner(table.as_ref(), &bank, 500, Currency::NOK, at).await.unwrap().nok_minor, 500);
    let tomorrow = in_kroner(table.as_ref(), &bank, 100, Currency::EUR, at + 86_400).await;
    assert!(matches!(tomorrow, Err(RateError::Unavailable(_))), "{tomorrow:?}");
    knob(&base, "fault", json!({"unavailable": false})).await;
    let tomorrow = in_kroner(table.as_ref(), &bank, 10_000, Currency::EUR, at + 86_400).await.unwrap();
    assert_eq!(tomorrow.nok_minor, 120_000);
}
