//! Suspicious transaction reports (role `admin`): `POST /api/admin/cases/{id}/str` drafts one from
//! a case; `GET`/`PATCH /api/admin/strs/{id}` read and edit it; `POST …/transition` moves it
//! (submit, return, approve — by another admin than the drafter —, file, acknowledge, withdraw);
//! `GET …/export?format=goaml|mt0002|html` renders it. Every read and write is audited.

use drop_domain::lifecycle::str_report::Event;
use drop_domain::reports::Content;
use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::str_reports::{self, Edit, Filing, Str};
use http::StatusCode;
use std::sync::Arc;

/// An STR's state (its content is in [`StrDetail`]).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StrView {
    pub id: String,
    pub case_id: String,
    /// draft, in_review, approved, filed, acknowledged or withdrawn
    pub status: String,
    pub created_by: String,
    pub approved_by: Option<String>,
    /// altinn_mt0002 or goaml
    pub channel: Option<String>,
    pub filed_at: Option<String>,
    pub receipt_ref: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Str> for StrView {
    fn from(s: &Str) -> Self {
        StrView {
            id: s.id.clone(),
            case_id: s.case_id.clone(),
            status: s.status.as_str().to_owned(),
            created_by: s.created_by.clone(),
            approved_by: s.approved_by.clone(),
            channel: s.channel.clone(),
            filed_at: s.filed_at.map(drop_domain::time::rfc3339_epoch),
            receipt_ref: s.receipt_ref.clone(),
            created_at: drop_domain::time::rfc3339_epoch(s.created_at),
            updated_at: drop_domain::time::rfc3339_epoch(s.updated_at),
        }
    }
}

/// An STR with its content: the subject, the transactions, indicators, reason and action.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StrDetail {
    pub report: StrView,
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
}

fn detail(s: &Str, c: &Content) -> StrDetail {
    StrDetail { report: StrView::from(s), content: serde_json::to_value(c).unwrap_or_default() }
}

fn id(req: &ApiRequest) -> String {
    req.path_params.get("id").cloned().unwrap_or_default()
}

#[utoipa::path(post, path = "/api/admin/cases/{id}/str", tag = "admin",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 201, description = "Drafted from the case: the subject from KYC, the linked payments, the alerts' indicators", body = StrDetail),
              (status = 401), (status = 403, description = "Not an admin"), (status = 404), (status = 409, description = "The case is closed")))]
pub async fn draft(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let admin = req.principal()?.user_id.clone();
    let case_id = id(&req);
    let s = str_reports::draft(ctx.table.as_ref(), &ctx.crypto, &case_id, &admin, ctx.clock.epoch()).await?;
    let (s, c) = str_reports::get(ctx.table.as_ref(), &ctx.crypto, &s.id).await?;
    crate::audit::record(
        &ctx,
        &req,
        &s.user_id,
        "str.drafted",
        &admin,
        serde_json::json!({"str": s.id, "case": case_id}),
    )
    .await;
    ApiResponse::json(StatusCode::CREATED, &detail(&s, &c))
}

#[utoipa::path(get, path = "/api/admin/strs/{id}", tag = "admin",
    params(("id" = String, Path, description = "STR id")),
    responses((status = 200, description = "The report and its content", body = StrDetail),
              (status = 401), (status = 403, description = "Not an admin"), (status = 404)))]
pub async fn get(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let admin = req.principal()?.user_id.clone();
    let (s, c) = str_reports::get(ctx.table.as_ref(), &ctx.crypto, &id(&req)).await?;
    crate::audit::record(&ctx, &req, &s.user_id, "str.read", &admin, serde_json::json!({"str": s.id})).await;
    ApiResponse::json(StatusCode::OK, &detail(&s, &c))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EditRequest {
    /// Grounds for the suspicion (at most 4000 characters).
    #[schema(max_length = 4000)]
    pub reason: Option<String>,
    /// What Drop did (at most 4000 characters).
    #[schema(max_length = 4000)]
    pub action: Option<String>,
    /// Indicator codes: letters, digits and `_`, at most 64 each, at most 50.
    #[schema(max_items = 50)]
    pub indicators: Option<Vec<String>>,
}

#[utoipa::path(patch, path = "/api/admin/strs/{id}", tag = "admin", request_body = EditRequest,
    params(("id" = String, Path, description = "STR id")),
    responses((status = 200, description = "Edited", body = StrDetail),
              (status = 400), (status = 401), (status = 403, description = "Not an admin"), (status = 404),
              (status = 409, description = "Not a draft, or changed meanwhile")))]
pub async fn edit(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let admin = req.principal()?.user_id.clone();
    let b: EditRequest = req.json()?;
    let e = Edit { reason: b.reason, action: b.action, indicators: b.indicators };
    let (s, c) = str_reports::edit(ctx.table.as_ref(), &ctx.crypto, &id(&req), e, ctx.clock.epoch()).await?;
    crate::audit::record(&ctx, &req, &s.user_id, "str.edited", &admin, serde_json::json!({"str": s.id})).await;
    ApiResponse::json(StatusCode::OK, &detail(&s, &c))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StepRequest {
    /// submit, return, approve, file, acknowledge or withdraw
    pub event: String,
    /// For file: altinn_mt0002 or goaml.
    pub channel: Option<String>,
    /// For file: the FIU's receipt reference (Altinn's reference), at most 100 characters.
    #[schema(max_length = 100)]
    pub receipt_ref: Option<String>,
}

#[utoipa::path(post, path = "/api/admin/strs/{id}/transition", tag = "admin", request_body = StepRequest,
    params(("id" = String, Path, description = "STR id")),
    responses((status = 200, description = "Moved (in review or approved: the subject's transfers are held)", body = StrView),
              (status = 400, description = "Submit without reason and action; file without channel or receipt"),
              (status = 401), (status = 403, description = "Not an admin"), (status = 404),
              (status = 409, description = "Not possible in this state; changed meanwhile; the drafter cannot approve (four-eyes)")))]
pub async fn transition(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let admin = req.principal()?.user_id.clone();
    let b: StepRequest = req.json()?;
    let event = Event::parse(&b.event)
        .ok_or_else(|| ApiError::invalid_field("event", "submit, return, approve, file, acknowledge or withdraw"))?;
    let filing = Filing { channel: b.channel, receipt_ref: b.receipt_ref };
    let s =
        str_reports::step(ctx.table.as_ref(), &ctx.crypto, &id(&req), event, filing, &admin, ctx.clock.epoch()).await?;
    let details = serde_json::json!({"str": s.id, "event": event.as_str(), "status": s.status.as_str()});
    crate::audit::record(&ctx, &req, &s.user_id, "str.transition", &admin, details).await;
    ApiResponse::json(StatusCode::OK, &StrView::from(&s))
}

#[utoipa::path(get, path = "/api/admin/strs/{id}/export", tag = "admin",
    params(("id" = String, Path, description = "STR id"),
           ("format" = String, Query, description = "goaml (goAML 5.0.2 XML), mt0002 (JSON for Altinn's MT-0002) or html (a printable MT-0002 page)")),
    responses((status = 200, description = "The report rendered", content(
                  (String = "application/xml"), (Object = "application/json"), (String = "text/html"))),
              (status = 400), (status = 401), (status = 403, description = "Not an admin"), (status = 404)))]
pub async fn export(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let admin = req.principal()?.user_id.clone();
    let format = req.query.get("format").cloned().unwrap_or_default();
    if !["goaml", "mt0002", "html"].contains(&format.as_str()) {
        return Err(ApiError::invalid_field("format", "goaml, mt0002 or html"));
    }
    let (s, c) = str_reports::get(ctx.table.as_ref(), &ctx.crypto, &id(&req)).await?;
    let h = str_reports::header(&s, ctx.config.reporting_entity_id.as_deref().unwrap_or_default());
    let (content_type, body, ext) = match format.as_str() {
        "goaml" => ("application/xml", drop_domain::reports::goaml::render(&h, &c), "xml"),
        "mt0002" => ("application/json", drop_domain::reports::mt0002::document(&h, &c).to_string(), "json"),
        _ => ("text/html; charset=utf-8", drop_domain::reports::mt0002::html(&h, &c), "html"),
    };
    crate::audit::record(
        &ctx,
        &req,
        &s.user_id,
        "str.exported",
        &admin,
        serde_json::json!({"str": s.id, "format": format}),
    )
    .await;
    let mut r = ApiResponse::with_body(StatusCode::OK, content_type, body.into_bytes());
    r.header("content-disposition", &format!("attachment; filename=\"{}.{ext}\"", s.id));
    r.header("cache-control", "no-store");
    Ok(r)
}

crate::handler!(draft_handler, draft);
crate::handler!(get_handler, get);
crate::handler!(edit_handler, edit);
crate::handler!(transition_handler, transition);
crate::handler!(export_handler, export);
