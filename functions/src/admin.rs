//! Compliance staff (role `admin`): `GET /api/admin/alerts`, `POST /api/admin/alerts/{id}/close`.

use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::alerts::Alert;
use http::StatusCode;
use std::sync::Arc;

/// An alert as the console shows it: what decided it, never PII of ours.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlertView {
    pub id: String,
    /// screening or aml
    pub kind: String,
    /// user, recipient or payment
    pub subject_type: String,
    pub subject_id: String,
    pub user_id: String,
    /// onboarding, recipient, confirm, monitor or rescreen
    pub trigger: String,
    /// potential_hit, confirmed_hit, review, block_and_review or decline
    pub outcome: String,
    /// Screening: the best match, 0–1. AML: the scorecard's total (an integer).
    #[schema(value_type = Option<f64>)]
    pub score: Option<serde_json::Number>,
    pub algorithm: String,
    pub dataset: String,
    pub version: String,
    /// open or closed
    pub status: String,
    pub resolution: Option<String>,
    pub closed_by: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: Option<String>,
    /// Screening: whether the match is confirmed (an exact identifier or a blocking score).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmed: Option<bool>,
    /// Screening: the matched list entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub entries: Option<serde_json::Value>,
    /// AML: the rules' results.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub rules: Option<serde_json::Value>,
}

impl From<&Alert> for AlertView {
    fn from(a: &Alert) -> Self {
        let screening = a.kind == "screening";
        AlertView {
            id: a.id.clone(),
            kind: a.kind.clone(),
            subject_type: a.subject_type.clone(),
            subject_id: a.subject_id.clone(),
            user_id: a.user_id.clone(),
            trigger: a.trigger.clone(),
            outcome: a.outcome.clone(),
            score: a.score.and_then(|s| {
                if screening {
                    serde_json::Number::from_f64(s as f64 / 1000.0)
                } else {
                    Some(serde_json::Number::from(s))
                }
            }),
            algorithm: a.algorithm.clone(),
            dataset: a.dataset.clone(),
            version: a.version.clone(),
            status: a.status.as_str().to_owned(),
            resolution: a.resolution.clone(),
            closed_by: a.closed_by.clone(),
            created_at: a
                .created_at
                .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
                .map(drop_domain::time::rfc3339),
            confirmed: screening.then_some(a.outcome == "confirmed_hit"),
            entries: screening.then(|| a.details.clone()),
            rules: (!screening).then(|| a.details.clone()),
        }
    }
}

/// An alert closed, and whether the hold it put on the user's transfers was released.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClosedView {
    pub alert: AlertView,
    /// Any resolution but confirmed_risk releases it.
    pub hold_released: bool,
}

#[utoipa::path(get, path = "/api/admin/alerts", tag = "admin",
    params(("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1–200, default 50")),
    responses((status = 200, description = "Alerts, newest first: score, algorithm, list dataset and version, matched list entries", body = [AlertView]),
              (status = 401), (status = 403, description = "Not an admin")))]
pub async fn alerts(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let limit = req.query_in("limit", 1..=200, 50)?;
    let list = drop_services::alerts::list(ctx.table.as_ref(), limit).await?;
    ApiResponse::json(StatusCode::OK, &list.iter().map(AlertView::from).collect::<Vec<_>>())
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CloseRequest {
    /// false_positive, valuable_alert or confirmed_risk
    pub resolution: String,
}

/// A close that waits for a second admin (releasing a confirmed hit's hold).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AwaitingView {
    /// awaiting_second_admin
    pub status: String,
}

#[utoipa::path(post, path = "/api/admin/alerts/{id}/close", tag = "admin", request_body = CloseRequest,
    params(("id" = String, Path, description = "Alert id")),
    responses((status = 200, description = "Closed; unless the risk is confirmed, the hold this alert put on the user's transfers is released (other holds stay)", body = ClosedView),
              (status = 202, description = "Releasing a confirmed hit's hold: proposed; a second admin must make the same request", body = AwaitingView),
              (status = 400), (status = 401), (status = 403, description = "Not an admin"), (status = 404),
              (status = 409, description = "Already closed; changed meanwhile; the proposer cannot decide (four-eyes) or another resolution is proposed")))]
pub async fn close(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let admin = req.principal()?.user_id.clone();
    let id = req.path_params.get("id").cloned().unwrap_or_default();
    let b: CloseRequest = req.json()?;
    let resolution = drop_services::alerts::Resolution::parse(&b.resolution)
        .ok_or_else(|| ApiError::invalid_field("resolution", "false_positive, valuable_alert or confirmed_risk"))?;
    let closing = drop_services::alerts::close(ctx.table.as_ref(), &id, resolution, &admin, ctx.clock.epoch()).await?;
    let closed = match closing {
        drop_services::alerts::Closing::Closed(c) => c,
        drop_services::alerts::Closing::AwaitingSecondAdmin => {
            let details = serde_json::json!({"alert": id, "resolution": resolution.as_str()});
            crate::audit::record(&ctx, &req, &admin, "alert.close_proposed", &admin, details).await;
            return ApiResponse::json(StatusCode::ACCEPTED, &AwaitingView { status: "awaiting_second_admin".into() });
        }
    };
    let user = closed.alert.user_id.clone();
    let details =
        serde_json::json!({"alert": id, "resolution": resolution.as_str(), "holdReleased": closed.hold_released});
    crate::audit::record(&ctx, &req, &user, "alert.closed", &admin, details).await;
    ApiResponse::json(
        StatusCode::OK,
        &ClosedView { alert: AlertView::from(&closed.alert), hold_released: closed.hold_released },
    )
}

crate::handler!(alerts_handler, alerts);
crate::handler!(close_handler, close);
