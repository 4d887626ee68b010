//! Norges Bank's exchange rates (open data, SDMX API, no credentials), the [`ReferenceRates`]
//! port: `GET {base}/B.{CUR}.NOK.SP?format=sdmx-json&endPeriod={day}&lastNObservations=1` answers
//! the last daily reference rate on or before `day`.
//!
//! UNCONFIRMED here (no network): the SDMX-JSON envelope (`data.dataSets`/`data.structure`, or the
//! same at the top level, both read) and the `UNIT_MULT` series attribute (SEK, DKK and others
//! are quoted per 100 units: the rate is divided by 10^UNIT_MULT).

use super::http::shared;
use async_trait::async_trait;
use drop_domain::fx::Rate;
use drop_domain::money::Currency;
use drop_services::fx_reference::{parse_day, Observed, RateError, ReferenceRates};
use serde_json::Value;
use time::Date;

pub struct NorgesBank {
    /// `https://data.norges-bank.no/api/data/EXR`.
    base: String,
}

impl NorgesBank {
    pub fn new(base: &str) -> Self {
        NorgesBank { base: base.trim_end_matches('/').to_owned() }
    }
}

#[async_trait]
impl ReferenceRates for NorgesBank {
    async fn nok_per_unit(&self, currency: Currency, on: Date) -> Result<Observed, RateError> {
        let url = format!(
            "{}/B.{}.NOK.SP?format=sdmx-json&endPeriod={on}&lastNObservations=1&locale=en",
            self.base,
            currency.as_str()
        );
        let client = shared().map_err(RateError::Unavailable)?;
        let resp = client.get(url).header("accept", "application/vnd.sdmx.data+json, application/json").send().await;
        let resp = resp.map_err(|e| {
            RateError::Unavailable(if e.is_timeout() { "timeout".into() } else { "connection failed".into() })
        })?;
        match resp.status().as_u16() {
            200 => {}
            // SDMX answers 404 "NoResultsFound" for a series it does not publish.
            404 => return Err(RateError::Unknown(currency.as_str().to_owned())),
            other => return Err(RateError::Unavailable(format!("status {other}"))),
        }
        let body: Value = resp.json().await.map_err(|_| RateError::Unavailable("not JSON".into()))?;
        last_observation(&body).ok_or_else(|| RateError::Unavailable("no observation in the answer".into()))
    }
}

/// The last observation of the first series of an SDMX-JSON data message.
pub fn last_observation(body: &Value) -> Option<Observed> {
    let root = if body.get("data").is_some() { &body["data"] } else { body };
    let series = root.pointer("/dataSets/0/series")?.as_object()?.values().next()?;
    let times = root.pointer("/structure/dimensions/observation/0/values")?.as_array()?;
    let (index, value) = series["observations"]
        .as_object()?
        .iter()
        .filter_map(|(i, v)| Some((i.parse::<usize>().ok()?, v.get(0)?.as_str()?)))
        .max_by_key(|(i, _)| *i)?;
    let day = parse_day(times.get(index)?.get("id")?.as_str()?)?;
    let quoted = Rate::parse(value)?;
    let per = 10i128.checked_pow(unit_mult(root, series)?)?;
    let nok_per_unit = Rate(quoted.0 / per);
    (nok_per_unit.0 > 0).then_some(Observed { day, nok_per_unit })
}

/// The series' `UNIT_MULT` (0 when the answer names none).
fn unit_mult(root: &Value, series: &Value) -> Option<u32> {
    let Some(defs) = root.pointer("/structure/attributes/series").and_then(Value::as_array) else { return Some(0) };
    let Some(pos) = defs.iter().position(|d| d["id"] == "UNIT_MULT") else { return Some(0) };
    let chosen = series["attributes"].get(pos).and_then(Value::as_u64).unwrap_or(0) as usize;
    let id = defs[pos]["values"].get(chosen)?.get("id")?.as_str()?;
    id.parse().ok().filter(|m| *m <= 6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(rate: &str, mult: &str, days: &[&str]) -> Value {
        let values: Vec<Value> = days.iter().map(|d| json!({"id": d, "name": d})).collect();
        json!({"meta": {}, "data": {
            "dataSets": [{"series": {"0:0:0:0": {"attributes": [0, 0, 0], "observations": {"0": ["1.0"], "1": [rate]}}}}],
            "structure": {
                "dimensions": {"observation": [{"id": "TIME_PERIOD", "values": values}]},
                "attributes": {"series": [
                    {"id": "DECIMALS", "values": [{"id": "4"}]},
                    {"id": "CALCULATED", "values": [{"id": "false"}]},
                    {"id": "UNIT_MULT", "values": [{"id": mult}]}
                ]}
            }
        }})
    }

    #[test]
    fn reads_the_last_observation_and_its_day() {
        let o = last_observation(&message("11.7250", "0", &["2026-11-30", "2026-12-01"])).unwrap();
        assert_eq!(o.day.to_string(), "2026-12-01");
        assert_eq!(o.nok_per_unit.to_decimal_string(), "11.725");
    }

    #[test]
    fn per_hundred_quotes_are_divided() {
        let o = last_observation(&message("98.10", "2", &["2026-11-30", "2026-12-01"])).unwrap();
        assert_eq!(o.nok_per_unit.to_decimal_string(), "0.981");
    }

    #[test]
    fn broken_answers_give_nothing() {
        assert_eq!(last_observation(&json!({})), None);
        assert_eq!(last_observation(&message("n/a", "0", &["2026-11-30", "2026-12-01"])), None);
        assert_eq!(last_observation(&message("11.7", "0", &["2026-11-30"])), None, "no day for the index");
    }
}
