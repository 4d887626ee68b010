//! The sanctions/PEP list in AWS: `screening-list-refresh` (hourly) publishes a new version from
//! the operator's licensed delivery, and `GET /api/admin/screening-list` shows compliance staff
//! which list screening uses, how old it is, and how far the re-screen against it got.

use drop_adapters::providers::lists::ListDelivery;
use drop_runtime::config::Unwired;
use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::audit::{self, NewEntry};
use drop_services::screening_list::refresh::{self, Refreshed};
use drop_services::screening_list::{read_manifest, Manifest};
use futures::future::BoxFuture;
use http::StatusCode;
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

const FUNCTION: &str = "screening-list-refresh";

async fn refresh_list(ctx: Arc<Ctx>, _event: serde_json::Value) -> Result<serde_json::Value, ApiError> {
    let store = ctx.objects.clone().ok_or(Unwired("Screening"))?;
    let publishing = ctx.config.publishing.as_ref().ok_or(Unwired("ListPublishing"))?;
    // Read at every run: a rotated credential is used without a restart.
    let authorization =
        ctx.secrets.get(&publishing.authorization_id).await.map_err(|e| ApiError::unavailable(e.to_string()))?;
    let source = ListDelivery::new(&publishing.index_url, &publishing.resource, Some(authorization))
        .map_err(ApiError::unavailable)?;
    let now = ctx.clock.now();
    let outcome = match refresh::refresh(&source, store.as_ref(), now).await {
        Ok(r) => r,
        Err(e) => {
            // No age metric this run: the staleness alarm treats a missing point as stale.
            tracing::error!(error = %e, "screening list not refreshed");
            ctx.metrics.record(FUNCTION, &[("ScreeningListRefreshFailed", 1.0, "Count")]);
            return Err(ApiError::unavailable(e.to_string()));
        }
    };
    let m = outcome.manifest();
    let published = matches!(outcome, Refreshed::Published(_));
    ctx.metrics.record(
        FUNCTION,
        &[
            ("ScreeningListAgeHours", m.age_secs(now) as f64 / 3600.0, "None"),
            ("ScreeningListEntries", m.entries as f64, "Count"),
            ("ScreeningListPublished", if published { 1.0 } else { 0.0 }, "Count"),
        ],
    );
    if published {
        let details = serde_json::json!({
            "dataset": m.dataset, "version": m.version, "resource": m.resource, "sourceSha1": m.source_sha1,
            "snapshotSha256": m.snapshot_sha256, "entries": m.entries,
        });
        let at = drop_domain::time::rfc3339(now);
        let entry =
            NewEntry { subject: "SYSTEM", action: "screening.list.published", actor: "system", ip: None, details };
        audit::append(ctx.audit.as_ref(), &at, entry).await?;
    }
    Ok(serde_json::json!({
        "outcome": if published { "published" } else { "unchanged" },
        "dataset": m.dataset, "version": m.version, "entries": m.entries, "ageSeconds": m.age_secs(now),
    }))
}

pub fn refresh_handler(
    ctx: Arc<Ctx>,
    event: serde_json::Value,
) -> BoxFuture<'static, Result<serde_json::Value, ApiError>> {
    Box::pin(refresh_list(ctx, event))
}

/// The published list.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublishedList {
    pub dataset: String,
    pub version: String,
    /// Entries in the index.
    pub entries: u64,
    /// The delivered file and its SHA-1.
    pub resource: String,
    pub source_sha1: String,
    /// When the provider last changed the list, if it said (RFC 3339).
    pub list_updated_at: Option<String>,
    /// When Drop published it (RFC 3339).
    pub published_at: String,
    pub matcher: String,
}

impl From<Manifest> for PublishedList {
    fn from(m: Manifest) -> Self {
        PublishedList {
            dataset: m.dataset,
            version: m.version,
            entries: m.entries,
            resource: m.resource,
            source_sha1: m.source_sha1,
            list_updated_at: m.list_updated_at,
            published_at: m.published_at,
            matcher: m.matcher,
        }
    }
}

/// The re-screen against the latest list.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Rescreen {
    /// `<dataset>@<version>` of the run.
    pub list: String,
    /// `user`, `recipient` or `done`.
    pub phase: String,
    pub screened: i64,
    pub potential_hits: i64,
    pub confirmed_hits: i64,
    /// Unix seconds.
    pub started_at: i64,
    pub updated_at: i64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListStatus {
    /// None until the first list is published (screening then fails closed).
    pub published: Option<PublishedList>,
    /// Seconds since the list was current at its provider; None without a list.
    pub age_seconds: Option<i64>,
    /// Older than `maxAgeHours`, or no list at all.
    pub stale: bool,
    pub max_age_hours: u32,
    pub rescreen: Option<Rescreen>,
}

#[utoipa::path(get, path = "/api/admin/screening-list", tag = "admin",
    responses((status = 200, description = "The published sanctions/PEP list, its age, and the re-screen against it", body = ListStatus),
              (status = 401), (status = 403, description = "Not an admin"),
              (status = 503, description = "The list store does not answer")))]
pub async fn status(ctx: Arc<Ctx>, _req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let store = ctx.objects.clone().ok_or_else(|| ApiError::unavailable("SCREENING_BUCKET is not set"))?;
    let manifest = read_manifest(store.as_ref()).await.map_err(|e| ApiError::unavailable(e.to_string()))?;
    let rescreen = drop_services::rescreen::status(ctx.table.as_ref()).await?.map(|s| Rescreen {
        list: s.progress.list,
        phase: s.progress.phase,
        screened: s.progress.screened,
        potential_hits: s.progress.potential_hits,
        confirmed_hits: s.progress.confirmed_hits,
        started_at: s.started_at,
        updated_at: s.updated_at,
    });
    let max_age_hours = ctx.config.screening.as_ref().ok_or(Unwired("Screening"))?.max_age_hours;
    let age_seconds = manifest.as_ref().map(|m| m.age_secs(ctx.clock.now()));
    let body = ListStatus {
        stale: age_seconds.is_none_or(|a| a > i64::from(max_age_hours) * 3600),
        published: manifest.map(Into::into),
        age_seconds,
        max_age_hours,
        rescreen,
    };
    ApiResponse::json(StatusCode::OK, &body)
}

crate::handler!(status_handler, status);
