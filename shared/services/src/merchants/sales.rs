//! A merchant's sales: the QR payments made to it (gsi3 `MERCHANTPAY#<id>`, newest first), as
//! the merchant may see them (amount, status, code, times; nothing about the payer), a dashboard
//! (today, 7 and 30 days in Oslo time: count, sum, average; a per-day series) and a CSV export.
//! A sale counts once the payer's bank settled it (`completed`, then `settled`).

use super::MerchantError;
use crate::table::{Item, Query, Table};
use drop_domain::keys;
use drop_domain::lifecycle::qr_payment::Status;

/// The most payments one dashboard reads (30 days); beyond it the dashboard says it is partial.
pub const DASHBOARD_MAX: usize = 20_000;

/// One payment to the merchant.
#[derive(Debug, Clone, PartialEq)]
pub struct Sale {
    pub payment_id: String,
    pub qr_id: String,
    /// static or dynamic
    pub code_kind: String,
    /// NOK minor units.
    pub amount: i64,
    pub currency: String,
    pub status: Status,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Sale {
    fn from_item(i: &Item) -> Option<Sale> {
        Some(Sale {
            payment_id: i.s("payment_id")?.to_owned(),
            qr_id: i.s("qr_id")?.to_owned(),
            code_kind: i.s("code_kind")?.to_owned(),
            amount: i.n("amount")?,
            currency: i.s("currency")?.to_owned(),
            status: Status::parse(i.s("status")?)?,
            created_at: i.n("created_at")?,
            updated_at: i.n("updated_at")?,
        })
    }

    /// Money the merchant has from it (the payer's bank settled it).
    pub fn counts(&self) -> bool {
        matches!(self.status, Status::Completed | Status::Settled)
    }
}

/// The merchant's payments made in `[from, to]` (epoch seconds), newest first, one page.
pub async fn page(
    table: &dyn Table,
    merchant_id: &str,
    from: i64,
    to: i64,
    limit: u32,
    cursor: Option<String>,
) -> Result<(Vec<Sale>, Option<String>), MerchantError> {
    let page = table
        .query(
            Query::partition(keys::merchant_payments_gsi(merchant_id))
                .on_index("gsi3")
                .between(format!("{:012}", from.max(0)), format!("{:012}~", to.max(0)))
                .backward()
                .limit(limit)
                .after(cursor),
        )
        .await?;
    Ok((page.items.iter().filter_map(Sale::from_item).collect(), page.cursor))
}

/// Every payment made in `[from, to]`, newest first, at most `max` (and whether there were more).
pub async fn all(
    table: &dyn Table,
    merchant_id: &str,
    from: i64,
    to: i64,
    max: usize,
) -> Result<(Vec<Sale>, bool), MerchantError> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let (sales, next) = page(table, merchant_id, from, to, 500, cursor).await?;
        out.extend(sales);
        match next {
            Some(c) if out.len() < max => cursor = Some(c),
            Some(_) => return Ok((out, true)),
            None => return Ok((out, false)),
        }
    }
}

/// Count, sum and average of counted sales.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub count: u32,
    /// NOK minor units.
    pub sum: i64,
    /// NOK minor units, rounded down (0 with no sales).
    pub average: i64,
}

impl Totals {
    fn add(&mut self, amount: i64) {
        self.count += 1;
        self.sum += amount;
        self.average = self.sum / i64::from(self.count);
    }
}

/// One Oslo day of the series.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Day {
    /// YYYY-MM-DD (Europe/Oslo).
    pub date: String,
    pub count: u32,
    pub sum: i64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    pub currency: &'static str,
    pub today: Totals,
    pub last7_days: Totals,
    pub last30_days: Totals,
    /// Refunds to payers (none are made yet: the merchant refund route comes with Nexi refunds).
    pub refunds: Totals,
    /// The last 30 Oslo days, oldest first, every day present.
    pub days: Vec<Day>,
    /// More payments than the dashboard reads: the figures are a lower bound.
    pub partial: bool,
}

fn oslo(t: i64) -> time::Date {
    let at = time::OffsetDateTime::from_unix_timestamp(t).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    drop_domain::age::oslo_date(at)
}

/// The dashboard at `now`: windows end today (Oslo); today is day 1 of 7 and of 30.
pub async fn dashboard(table: &dyn Table, merchant_id: &str, now: i64) -> Result<Dashboard, MerchantError> {
    let today = oslo(now);
    // 31 days back covers the 30 Oslo days whatever the offset.
    let (sales, partial) = all(table, merchant_id, now - 31 * 86_400, now, DASHBOARD_MAX).await?;
    let mut d = Dashboard {
        currency: "NOK",
        today: Totals::default(),
        last7_days: Totals::default(),
        last30_days: Totals::default(),
        refunds: Totals::default(),
        days: Vec::with_capacity(30),
        partial,
    };
    let mut by_day: std::collections::BTreeMap<time::Date, (u32, i64)> = std::collections::BTreeMap::new();
    for s in sales.iter().filter(|s| s.counts()) {
        let day = oslo(s.created_at);
        let age = (today - day).whole_days();
        if !(0..30).contains(&age) {
            continue;
        }
        d.last30_days.add(s.amount);
        if age < 7 {
            d.last7_days.add(s.amount);
        }
        if age == 0 {
            d.today.add(s.amount);
        }
        let e = by_day.entry(day).or_default();
        e.0 += 1;
        e.1 += s.amount;
    }
    for back in (0..30).rev() {
        let day = today - time::Duration::days(back);
        let (count, sum) = by_day.get(&day).copied().unwrap_or_default();
        d.days.push(Day { date: day.to_string(), count, sum });
    }
    Ok(d)
}

/// `149.00` as Norwegian spreadsheets read it: `149,00`.
fn kroner(minor: i64) -> String {
    format!("{}{},{:02}", if minor < 0 { "-" } else { "" }, minor.abs() / 100, minor.abs() % 100)
}

/// The CSV export (RFC 4180 with `;` between fields and a decimal comma, as Excel in Norway
/// opens it; UTF-8 with a BOM), oldest first: Oslo date and time, payment, code, amount, status.
pub fn csv(sales: &[Sale]) -> String {
    let mut out = String::from("\u{feff}date;time;payment;code;code_kind;amount;currency;status\r\n");
    for s in sales.iter().rev() {
        let at = time::OffsetDateTime::from_unix_timestamp(s.created_at).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        let local = at.to_offset(
            time::UtcOffset::from_whole_seconds((drop_domain::age::oslo_offset_hours(at) * 3600) as i32)
                .unwrap_or(time::UtcOffset::UTC),
        );
        let fields = [
            local.date().to_string(),
            format!("{:02}:{:02}:{:02}", local.hour(), local.minute(), local.second()),
            s.payment_id.clone(),
            s.qr_id.clone(),
            s.code_kind.clone(),
            kroner(s.amount),
            s.currency.clone(),
            s.status.as_str().to_owned(),
        ];
        // Ids, dates and statuses are plain; nothing needs quoting (no `;`, `"` or line breaks).
        out.push_str(&fields.join(";"));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sale(id: &str, amount: i64, status: Status, created_at: i64) -> Sale {
        Sale {
            payment_id: id.into(),
            qr_id: "qr_1".into(),
            code_kind: "dynamic".into(),
            amount,
            currency: "NOK".into(),
            status,
            created_at,
            updated_at: created_at,
        }
    }

    #[test]
    fn csv_has_a_decimal_comma_oslo_times_and_oldest_first() {
        // 2026-12-01T23:30:00Z is 00:30 on 2 December in Oslo (UTC+1).
        let rows = [
            sale("qrp_2", 5_050, Status::Completed, 1_796_167_800),
            sale("qrp_1", 14_900, Status::Settled, 1_796_100_000),
        ];
        let text = csv(&rows);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert!(lines[0].starts_with('\u{feff}'));
        assert_eq!(lines[1].split(';').nth(2), Some("qrp_1"));
        assert_eq!(lines[2], "2026-12-02;00:30:00;qrp_2;qr_1;dynamic;50,50;NOK;completed");
        assert_eq!(kroner(-5), "-0,05");
    }
}
