//! Norges Bank's exchange rates API (`data.norges-bank.no/api/data/EXR/B.{CUR}.NOK.SP`), the
//! SDMX-JSON answer to `format=sdmx-json&endPeriod=YYYY-MM-DD&lastNObservations=1`: the last
//! business day's rate on or before `endPeriod` (weekends have none), `UNIT_MULT` 2 for currencies
//! quoted per 100 units, 404 for a series it does not publish.
//!
//! Knobs: `POST /norgesbank/_sim/rates {"currency":"EUR","rate":"11.5","unitMult":0}` sets a
//! currency's rate for every day; `POST /norgesbank/_sim/fault {"unavailable":true}` answers 503.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The simulator's euro rate unless a test sets another.
pub const EUR_RATE: &str = "11.7250";

#[derive(Default)]
struct Sim {
    /// Currency → (quoted rate, unit multiplier).
    rates: HashMap<String, (String, u32)>,
    unavailable: bool,
}

type Shared = Arc<Mutex<Sim>>;

pub fn router() -> Router {
    let mut sim = Sim::default();
    for (c, r, m) in [("EUR", EUR_RATE, 0), ("USD", "10.1050", 0), ("GBP", "13.9020", 0), ("SEK", "98.10", 2)] {
        sim.rates.insert(c.to_owned(), (r.to_owned(), m));
    }
    Router::new()
        .route("/norgesbank/api/data/EXR/{key}", get(series))
        .route("/norgesbank/_sim/rates", post(set_rate))
        .route("/norgesbank/_sim/fault", post(fault))
        .with_state(Arc::new(Mutex::new(sim)))
}

fn sim(s: &Shared) -> std::sync::MutexGuard<'_, Sim> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

fn no_results() -> Response {
    (StatusCode::NOT_FOUND, "NoResultsFound: No Results Found").into_response()
}

async fn series(
    State(s): State<Shared>,
    Path(key): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if sim(&s).unavailable {
        return (StatusCode::SERVICE_UNAVAILABLE, "unavailable").into_response();
    }
    // B.EUR.NOK.SP
    let parts: Vec<&str> = key.split('.').collect();
    let [freq, base, quote, tenor] = parts[..] else { return no_results() };
    if (freq, quote, tenor) != ("B", "NOK", "SP") || q.get("format").map(String::as_str) != Some("sdmx-json") {
        return (StatusCode::BAD_REQUEST, "unsupported query").into_response();
    }
    let Some((rate, mult)) = sim(&s).rates.get(base).cloned() else { return no_results() };
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let end = match q.get("endPeriod") {
        Some(d) => match time::Date::parse(d, &format) {
            Ok(d) => d,
            Err(_) => return (StatusCode::BAD_REQUEST, "endPeriod").into_response(),
        },
        None => time::OffsetDateTime::now_utc().date(),
    };
    let mut day = end;
    while matches!(day.weekday(), time::Weekday::Saturday | time::Weekday::Sunday) {
        day = day.previous_day().unwrap_or(day);
    }
    let Ok(day) = day.format(&format) else { return no_results() };
    Json(json!({
        "meta": {"id": "simulated", "prepared": time::OffsetDateTime::now_utc().to_string()},
        "data": {
            "dataSets": [{"action": "Replace", "series": {"0:0:0:0": {
                "attributes": [0, 0, 0, 0],
                "observations": {"0": [rate]}
            }}}],
            "structure": {
                "dimensions": {
                    "series": [
                        {"id": "FREQ", "values": [{"id": "B", "name": "Business"}]},
                        {"id": "BASE_CUR", "values": [{"id": base}]},
                        {"id": "QUOTE_CUR", "values": [{"id": "NOK"}]},
                        {"id": "TENOR", "values": [{"id": "SP", "name": "Spot"}]}
                    ],
                    "observation": [{"id": "TIME_PERIOD", "values": [{"id": day, "name": day}]}]
                },
                "attributes": {"series": [
                    {"id": "DECIMALS", "values": [{"id": "4"}]},
                    {"id": "CALCULATED", "values": [{"id": "false"}]},
                    {"id": "UNIT_MULT", "values": [{"id": mult.to_string()}]},
                    {"id": "COLLECTION", "values": [{"id": "C", "name": "ECB concertation time 14:15 CET"}]}
                ]}
            }
        }
    }))
    .into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SetRate {
    currency: String,
    rate: String,
    #[serde(default)]
    unit_mult: u32,
}

async fn set_rate(State(s): State<Shared>, Json(b): Json<SetRate>) -> StatusCode {
    sim(&s).rates.insert(b.currency, (b.rate, b.unit_mult));
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct Fault {
    unavailable: bool,
}

async fn fault(State(s): State<Shared>, Json(b): Json<Fault>) -> StatusCode {
    sim(&s).unavailable = b.unavailable;
    StatusCode::NO_CONTENT
}
