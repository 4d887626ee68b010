//! Reference exchange rates: what a foreign-currency amount is worth in kroner, for the AML
//! aggregates (and the local-currency amounts of reports). The rate is Norges Bank's daily
//! reference rate of the day the money moved (Europe/Oslo), or of the last business day before
//! it. Each currency's rate of a day is asked for once and kept in the table, so a redelivered
//! event converts to the same kroner as the first delivery did.

use crate::table::{Item, Key, Table, TableError, TTL_ATTR};
use async_trait::async_trait;
use drop_domain::fx::Rate;
use drop_domain::keys::attr;
use drop_domain::money::Currency;
use time::Date;

#[derive(Debug, thiserror::Error)]
pub enum RateError {
    /// Timeouts, 429, 5xx, an answer we cannot read: worth retrying.
    #[error("reference rates unavailable: {0}")]
    Unavailable(String),
    /// The source publishes no rate for this currency.
    #[error("no reference rate for {0}")]
    Unknown(String),
    #[error("storage: {0}")]
    Storage(#[from] TableError),
}

/// One published rate: kroner per one unit of the currency, on `day`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observed {
    pub day: Date,
    pub nok_per_unit: Rate,
}

/// The source of reference rates (Norges Bank's open data API).
#[async_trait]
pub trait ReferenceRates: Send + Sync {
    /// The rate published for `on`, or the last one before it (weekends, holidays, before the
    /// day's publication).
    async fn nok_per_unit(&self, currency: Currency, on: Date) -> Result<Observed, RateError>;
}

/// Cached rates are kept this long (a redelivery is days late at most; a year covers reports).
const KEEP_SECS: i64 = 400 * 86_400;
const RATE: &str = "rate";
const OBSERVED_ON: &str = "observed_on";

/// An amount in kroner: the converted minor units (rounded down) and the rate used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InKroner {
    pub nok_minor: i64,
    pub rate: Observed,
}

/// `minor` units of `currency`, moved at `at` (epoch seconds), in kroner. Kroner stay kroner
/// without a lookup.
pub async fn in_kroner(
    table: &dyn Table,
    rates: &dyn ReferenceRates,
    minor: i64,
    currency: Currency,
    at: i64,
) -> Result<InKroner, RateError> {
    let moment = time::OffsetDateTime::from_unix_timestamp(at).map_err(|_| RateError::Unknown("that time".into()))?;
    let day = drop_domain::age::oslo_date(moment);
    if currency == Currency::NOK {
        return Ok(InKroner { nok_minor: minor, rate: Observed { day, nok_per_unit: Rate(drop_domain::fx::SCALE) } });
    }
    let rate = rate_of_day(table, rates, currency, day, at).await?;
    Ok(InKroner { nok_minor: drop_domain::fx::convert_down(minor, currency, Currency::NOK, rate.nok_per_unit), rate })
}

async fn rate_of_day(
    table: &dyn Table,
    rates: &dyn ReferenceRates,
    currency: Currency,
    day: Date,
    now: i64,
) -> Result<Observed, RateError> {
    let key =
        Key::new(drop_domain::keys::fx_rate_pk(currency.as_str()), drop_domain::keys::fx_rate_sk(&day.to_string()));
    if let Some(item) = table.get(&key).await? {
        let rate = item.s(RATE).and_then(Rate::parse);
        let observed = item.s(OBSERVED_ON).and_then(parse_day);
        if let (Some(nok_per_unit), Some(day)) = (rate, observed) {
            return Ok(Observed { day, nok_per_unit });
        }
    }
    let observed = rates.nok_per_unit(currency, day).await?;
    // The first answer stays: a racing writer's condition fails and its answer is read back.
    let item = Item::new(key.pk.clone(), key.sk.clone())
        .with(RATE, observed.nok_per_unit.to_decimal_string())
        .with(OBSERVED_ON, observed.day.to_string())
        .with(attr::CREATED_AT, now)
        .with(TTL_ATTR, now + KEEP_SECS);
    match table.put(item, Some(crate::table::Condition::absent())).await {
        Ok(()) => Ok(observed),
        Err(TableError::ConditionFailed { current }) => {
            let current = match current {
                Some(c) => Some(*c),
                None => table.get(&key).await?,
            };
            let rate = current.as_ref().and_then(|i| i.s(RATE)).and_then(Rate::parse);
            let day = current.as_ref().and_then(|i| i.s(OBSERVED_ON)).and_then(parse_day);
            match (rate, day) {
                (Some(nok_per_unit), Some(day)) => Ok(Observed { day, nok_per_unit }),
                _ => Ok(observed),
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// `yyyy-mm-dd`.
pub fn parse_day(s: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s, &format).ok()
}
