//! A merchant's sales, for its members: `GET /api/merchant/dashboard`, `GET /api/merchant/payments`
//! (newest first, a sealed cursor, a status and time filter) and `GET /api/merchant/payments.csv`
//! (for the accountant). Nothing about the payer is shown.

use drop_domain::time::rfc3339_epoch as rfc3339;
use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::merchants::sales::{self, Dashboard, Sale};
use drop_services::merchants::{as_member, Merchant};
use http::StatusCode;
use std::sync::Arc;

/// The longest period one export or list covers (days).
pub const MAX_PERIOD_DAYS: i64 = 366;

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SaleView {
    pub payment_id: String,
    /// The QR code paid.
    pub qr_id: String,
    /// static or dynamic
    pub code_kind: String,
    /// NOK minor units.
    pub amount: i64,
    pub currency: String,
    /// created, pending_authorisation, authorised, completed, settled, cancelled, expired, failed, refunding, refunded
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
    /// What the merchant's refunds of it hold (requested, on the way or paid back).
    pub refunded_amount: i64,
}

impl From<&Sale> for SaleView {
    fn from(s: &Sale) -> Self {
        SaleView {
            payment_id: s.payment_id.clone(),
            qr_id: s.qr_id.clone(),
            code_kind: s.code_kind.clone(),
            amount: s.amount,
            currency: s.currency.clone(),
            status: s.status.as_str().to_owned(),
            created_at: rfc3339(s.created_at),
            updated_at: rfc3339(s.updated_at),
            refunded_amount: s.refunded,
        }
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SalesPage {
    pub items: Vec<SaleView>,
    /// Pass back as `cursor` for the next page.
    pub cursor: Option<String>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TotalsView {
    pub count: u32,
    pub sum: i64,
    pub average: i64,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DayView {
    /// YYYY-MM-DD, Europe/Oslo.
    pub date: String,
    pub count: u32,
    pub sum: i64,
}

/// Sales the payer's bank settled, by Oslo day. Money is NOK minor units.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DashboardView {
    pub currency: String,
    pub today: TotalsView,
    pub last7_days: TotalsView,
    pub last30_days: TotalsView,
    pub refunds: TotalsView,
    /// The last 30 days, oldest first.
    pub days: Vec<DayView>,
    /// More payments than one dashboard reads: the figures are a lower bound.
    pub partial: bool,
}

impl From<Dashboard> for DashboardView {
    fn from(d: Dashboard) -> Self {
        let t = |t: sales::Totals| TotalsView { count: t.count, sum: t.sum, average: t.average };
        DashboardView {
            currency: d.currency.to_owned(),
            today: t(d.today),
            last7_days: t(d.last7_days),
            last30_days: t(d.last30_days),
            refunds: t(d.refunds),
            days: d.days.into_iter().map(|x| DayView { date: x.date, count: x.count, sum: x.sum }).collect(),
            partial: d.partial,
        }
    }
}

/// The member's merchant named by `merchantId` (404 for anyone else).
async fn merchant(ctx: &Ctx, req: &ApiRequest) -> Result<Merchant, ApiError> {
    let user = req.principal()?.user_id.clone();
    let id =
        req.query.get("merchantId").ok_or_else(|| ApiError::invalid_field("merchantId", "merchantId is required"))?;
    Ok(as_member(ctx.table.as_ref(), &user, id).await?)
}

/// `from`/`to` (RFC 3339): default the last 30 days; at most a year apart.
fn period(req: &ApiRequest, now: i64) -> Result<(i64, i64), ApiError> {
    let at = |name: &'static str| -> Result<Option<i64>, ApiError> {
        match req.query.get(name) {
            None => Ok(None),
            Some(v) => drop_domain::time::parse_rfc3339(v)
                .map(|t| Some(t.unix_timestamp()))
                .ok_or_else(|| ApiError::invalid_field(name, "an RFC 3339 time")),
        }
    };
    let (from, to) = match (at("from")?, at("to")?) {
        (Some(f), Some(t)) => (f, t),
        // From a time: a year on at most, and not past now.
        (Some(f), None) => (f, now.min(f + MAX_PERIOD_DAYS * 86_400)),
        (None, t) => {
            let t = t.unwrap_or(now);
            (t - 30 * 86_400, t)
        }
    };
    if from > to || to - from > MAX_PERIOD_DAYS * 86_400 || from < 0 {
        // The field the caller gave (`to` alone: the period it ends is before 1970).
        let field = if req.query.contains_key("from") { "from" } else { "to" };
        return Err(ApiError::invalid_field(field, "from before to, at most a year apart, not before 1970"));
    }
    Ok((from, to))
}

#[utoipa::path(get, path = "/api/merchant/dashboard", tag = "merchants",
    params(("merchantId" = String, Query, description = "The merchant")),
    responses((status = 200, description = "Today, 7 and 30 days (Europe/Oslo), and a per-day series", body = DashboardView),
              (status = 404, description = "No such merchant, or not a member of it")))]
pub async fn dashboard(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let m = merchant(&ctx, &req).await?;
    let d = sales::dashboard(ctx.table.as_ref(), &m.id, ctx.clock.epoch()).await?;
    ApiResponse::json(StatusCode::OK, &DashboardView::from(d))
}

#[utoipa::path(get, path = "/api/merchant/payments", tag = "merchants",
    params(("merchantId" = String, Query, description = "The merchant"),
           ("from" = Option<String>, Query, description = "RFC 3339; default 30 days before `to`"),
           ("to" = Option<String>, Query, description = "RFC 3339; default now, or a year after `from` if that is sooner"),
           ("status" = Option<String>, Query, description = "Only this status"),
           ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "1–100, default 50"),
           ("cursor" = Option<String>, Query, description = "From the previous page (opaque; one this API gave out)")),
    responses((status = 200, description = "Payments to the merchant, newest first", body = SalesPage),
              (status = 404, description = "No such merchant, or not a member of it")))]
pub async fn payments(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let limit = req.query_in("limit", 1..=100, 50)?;
    let status = match req.query.get("status") {
        Some(s) => Some(
            drop_domain::lifecycle::qr_payment::Status::parse(s)
                .ok_or_else(|| ApiError::invalid_field("status", "a QR payment status"))?,
        ),
        None => None,
    };
    let now = ctx.clock.epoch();
    let (mut from, mut to) = period(&req, now)?;
    let m = merchant(&ctx, &req).await?;
    let user = req.principal()?.user_id.clone();
    // Cursors are sealed for this member and merchant (a forged or borrowed one is refused) and
    // carry the first page's period, so every page reads the same window.
    let key = ctx.cursor_key.as_ref().ok_or_else(ApiError::internal)?;
    let scope = format!("sales:{user}:{}", m.id);
    let unavailable = |_| ApiError::unavailable("the key store did not answer");
    let bad_cursor = || ApiError::invalid_field("cursor", "not a cursor this API gave out");
    let mut cursor = match req.query.get("cursor").filter(|c| !c.is_empty()) {
        Some(c) => {
            let opened = drop_services::cursors::open(key, &scope, c, now).await.map_err(unavailable)?;
            let opened = opened.ok_or_else(bad_cursor)?;
            let (f, t, position) = sales::read_cursor(&opened).ok_or_else(bad_cursor)?;
            (from, to) = (f, t);
            Some(position)
        }
        None => None,
    };
    // Pages are read until `limit` payments match (at most 10 reads: then the page is short and
    // the cursor goes on from the last payment read).
    let mut items = Vec::new();
    let mut before = cursor.take();
    for _ in 0..10 {
        let want = limit - items.len() as u32;
        let (page, next) = sales::page(ctx.table.as_ref(), &m.id, from, to, want, before.as_deref()).await?;
        let last = page.last().map(|s| s.position.clone());
        items.extend(page.iter().filter(|s| status.is_none_or(|st| st == s.status)).map(SaleView::from));
        before = next.and(last);
        if before.is_none() || items.len() >= limit as usize {
            break;
        }
    }
    let cursor = before;
    let cursor = match cursor {
        Some(c) => Some(
            drop_services::cursors::seal(key, &scope, &sales::cursor(from, to, &c), now).await.map_err(unavailable)?,
        ),
        None => None,
    };
    ApiResponse::json(StatusCode::OK, &SalesPage { items, cursor })
}

#[utoipa::path(get, path = "/api/merchant/payments.csv", tag = "merchants",
    params(("merchantId" = String, Query, description = "The merchant"),
           ("from" = Option<String>, Query, description = "RFC 3339; default 30 days before `to`"),
           ("to" = Option<String>, Query, description = "RFC 3339; default now, or a year after `from` if that is sooner")),
    responses((status = 200, description = "Every payment in the period, oldest first: `;`-separated, decimal comma, UTF-8 with BOM (Excel in Norway)", content_type = "text/csv", body = String),
              (status = 404, description = "No such merchant, or not a member of it"),
              (status = 422, description = "More payments than one export holds: ask for a shorter period")))]
pub async fn payments_csv(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let (from, to) = period(&req, ctx.clock.epoch())?;
    let m = merchant(&ctx, &req).await?;
    let (all, more) = sales::all(ctx.table.as_ref(), &m.id, from, to, sales::DASHBOARD_MAX).await?;
    if more {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "period-too-long",
            "Too many payments",
            "more payments than one export holds: ask for a shorter period",
        ));
    }
    let mut r = ApiResponse::with_body(StatusCode::OK, "text/csv; charset=utf-8", sales::csv(&all).into_bytes());
    r.header("content-disposition", &format!("attachment; filename=\"drop-{}.csv\"", m.id));
    Ok(r)
}

crate::handler!(dashboard_handler, dashboard);
crate::handler!(payments_handler, payments);
crate::handler!(payments_csv_handler, payments_csv);
