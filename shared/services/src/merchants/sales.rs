//! A merchant's sales: the QR payments made to it (gsi3 `MERCHANTPAY#<id>`, newest first), as
//! the merchant may see them (amount, status, code, times; nothing about the payer), a dashboard
//! (today, 7 and 30 days in Oslo time: count, sum, average; a per-day series; the merchant's
//! refunds, gsi3 `MERCHANTREF#<id>`) and a CSV export.
//! A sale counts once the payer's bank settled it (`completed`, then `settled`).

use super::MerchantError;
use crate::table::{Item, Query, Table};
use drop_domain::keys;
use drop_domain::keys::attr;
use drop_domain::lifecycle::merchant_refund::Status as RefundStatus;
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
    /// What the merchant's refunds hold of it (requested, under way or paid back).
    pub refunded: i64,
    /// Its place in the merchant's list (`<created>#<payment id>`): what pages start before.
    pub position: String,
}

impl Sale {
    fn from_item(i: &Item) -> Option<Sale> {
        Some(Sale {
            payment_id: i.s(attr::PAYMENT_ID)?.to_owned(),
            qr_id: i.s(attr::QR_ID)?.to_owned(),
            code_kind: i.s(attr::CODE_KIND)?.to_owned(),
            amount: i.n(attr::AMOUNT)?,
            currency: i.s(attr::CURRENCY)?.to_owned(),
            status: Status::parse(i.s(attr::STATUS)?)?,
            created_at: i.n(attr::CREATED_AT)?,
            updated_at: i.n(attr::UPDATED_AT)?,
            refunded: i.n(attr::REFUNDED_AMOUNT).unwrap_or(0),
            position: i.s(attr::GSI3SK)?.to_owned(),
        })
    }

    /// Money the merchant has from it (the payer's bank settled it).
    pub fn counts(&self) -> bool {
        matches!(self.status, Status::Completed | Status::Settled)
    }
}

/// Whether a position is one [`Sale::position`] could be.
pub fn is_position(p: &str) -> bool {
    let payment_id = |id: &str| {
        id.strip_prefix("qrp_").is_some_and(|u| u.len() == 26 && u.bytes().all(|b| b.is_ascii_alphanumeric()))
    };
    p.split_once('#').is_some_and(|(t, id)| t.len() == 12 && t.bytes().all(|b| b.is_ascii_digit()) && payment_id(id))
}

/// A page position with its period, as a cursor's inner part: base64url (a position's `#` would
/// end a URL's query).
pub fn cursor(from: i64, to: i64, position: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{from}:{to}:{position}"))
}

/// `(from, to, position)` from [`cursor`]'s form; `None` for anything else.
pub fn read_cursor(inner: &str) -> Option<(i64, i64, String)> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(inner).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let mut parts = text.splitn(3, ':');
    let (from, to, position) = (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?);
    is_position(position).then(|| (from, to, position.to_owned()))
}

/// The merchant's payments made in `[from, to]` (epoch seconds), newest first, one page of at
/// most `limit`, starting after (older than) `before` (a [`Sale::position`]). Pages go by
/// position, not by the table's own cursor: that one holds the index item's table key, which
/// names the payer's partition. Answers the next page's `before` when there may be more.
pub async fn page(
    table: &dyn Table,
    merchant_id: &str,
    from: i64,
    to: i64,
    limit: u32,
    before: Option<&str>,
) -> Result<(Vec<Sale>, Option<String>), MerchantError> {
    let upper = match before {
        Some(b) => b.to_owned(),
        None => format!("{:012}~", to.max(0)),
    };
    let page = table
        .query(
            Query::partition(keys::merchant_payments_gsi(merchant_id))
                .on_index("gsi3")
                .between(format!("{:012}", from.max(0)), upper)
                .backward()
                // `between` includes `before` itself: one more, dropped below.
                .limit(limit + 1),
        )
        .await?;
    let mut sales: Vec<Sale> =
        page.items.iter().filter_map(Sale::from_item).filter(|s| Some(s.position.as_str()) != before).collect();
    let more = sales.len() > limit as usize || page.cursor.is_some();
    sales.truncate(limit as usize);
    let next = if more { sales.last().map(|s| s.position.clone()) } else { None };
    Ok((sales, next))
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
    let mut before: Option<String> = None;
    loop {
        let (sales, next) = page(table, merchant_id, from, to, 500, before.as_deref()).await?;
        out.extend(sales);
        match next {
            Some(c) if out.len() < max => before = Some(c),
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
    /// The merchant's refunds to payers made in the last 30 days (requested, under way or paid).
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
    for (amount, created_at) in refunds(table, merchant_id, now - 31 * 86_400, now).await? {
        if (0..30).contains(&(today - oslo(created_at)).whole_days()) {
            d.refunds.add(amount);
        }
    }
    for back in (0..30).rev() {
        let day = today - time::Duration::days(back);
        let (count, sum) = by_day.get(&day).copied().unwrap_or_default();
        d.days.push(Day { date: day.to_string(), count, sum });
    }
    Ok(d)
}

/// The merchant's refunds made in `[from, to]` that hold their amount (not refused): `(amount,
/// created_at)`, at most [`DASHBOARD_MAX`].
async fn refunds(table: &dyn Table, merchant_id: &str, from: i64, to: i64) -> Result<Vec<(i64, i64)>, MerchantError> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let q = Query::partition(keys::merchant_refunds_gsi(merchant_id))
            .on_index("gsi3")
            .between(format!("{:012}", from.max(0)), format!("{:012}~", to.max(0)))
            .limit(500)
            .after(cursor);
        let page = table.query(q).await?;
        for i in &page.items {
            let holds = i.s(attr::STATUS).and_then(RefundStatus::parse).is_some_and(|s| s.holds_amount());
            if let (true, Some(amount), Some(at)) = (holds, i.n(attr::AMOUNT), i.n(attr::CREATED_AT)) {
                out.push((amount, at));
            }
        }
        match page.cursor {
            Some(c) if out.len() < DASHBOARD_MAX => cursor = Some(c),
            _ => return Ok(out),
        }
    }
}

/// `149.00` as Norwegian spreadsheets read it: `149,00`.
fn kroner(minor: i64) -> String {
    format!("{}{},{:02}", if minor < 0 { "-" } else { "" }, minor.abs() / 100, minor.abs() % 100)
}

/// The CSV export (RFC 4180 with `;` between fields and a decimal comma, as Excel in Norway
/// opens it; UTF-8 with a BOM), oldest first: Oslo date and time, payment, code, amount, status.
pub fn csv(sales: &[Sale]) -> String {
    let mut out = String::from("\u{feff}date;time;payment;code;code_kind;amount;refunded;currency;status\r\n");
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
            kroner(s.refunded),
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
            refunded: 0,
            position: format!("{created_at:012}#{id}"),
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
        assert_eq!(lines[2], "2026-12-02;00:30:00;qrp_2;qr_1;dynamic;50,50;0,00;NOK;completed");
        assert_eq!(kroner(-5), "-0,05");
        let c = cursor(1, 2, "001796100000#qrp_01KBE0000000000000000000AB");
        assert_eq!(read_cursor(&c), Some((1, 2, "001796100000#qrp_01KBE0000000000000000000AB".to_owned())));
        assert!(!c.contains('#'));
        assert_eq!(read_cursor(&cursor(1, 2, "x#USER#usr_1")), None, "only positions");
    }
}
