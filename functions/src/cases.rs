//! Compliance cases (role `admin`): `GET /api/admin/cases`, `GET /api/admin/cases/{id}`, and the
//! work on one (`assign`, `notes`, `links`, `transition`); the `case-intake` consumer that files
//! each new alert into its subject's case. Every read and write is audited on the subject's chain.

use drop_runtime::batch::Record;
use drop_runtime::{ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::cases::{self, work, Case, Entry};
use futures::future::BoxFuture;
use http::StatusCode;
use std::sync::Arc;

fn rfc3339(t: i64) -> String {
    drop_domain::time::rfc3339_epoch(t)
}

/// A case in the queue.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CaseView {
    pub id: String,
    /// user or merchant
    pub subject_type: String,
    pub subject_id: String,
    pub user_id: String,
    /// open, investigating, escalated, closed_no_action or reported
    pub status: String,
    pub assignee: Option<String>,
    /// The highest score of its alerts.
    pub score: i64,
    pub alert_count: i64,
    /// RFC 3339, UTC.
    pub opened_at: String,
    pub updated_at: String,
    /// Whole days since it opened.
    pub age_days: i64,
}

impl CaseView {
    fn of(c: &Case, now: i64) -> CaseView {
        CaseView {
            id: c.id.clone(),
            subject_type: c.subject_type.clone(),
            subject_id: c.subject_id.clone(),
            user_id: c.user_id.clone(),
            status: c.status.as_str().to_owned(),
            assignee: c.assignee.clone(),
            score: c.score,
            alert_count: c.alert_count,
            opened_at: rfc3339(c.opened_at),
            updated_at: rfc3339(c.updated_at),
            age_days: (now - c.opened_at).max(0) / 86_400,
        }
    }
}

/// One timeline entry.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EntryView {
    pub id: String,
    /// alert, assigned, note, link, transition or str
    pub kind: String,
    pub actor: String,
    pub at: String,
    /// What happened (alert id and outcome, the new status, the linked payment, …).
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// A note's text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl From<&Entry> for EntryView {
    fn from(e: &Entry) -> Self {
        EntryView {
            id: e.id.clone(),
            kind: e.kind.clone(),
            actor: e.actor.clone(),
            at: rfc3339(e.at),
            details: e.details.clone(),
            text: e.note.as_ref().map(|n| n.expose().clone()),
        }
    }
}

/// A hold on the subject's transfers.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HoldView {
    /// alert, case, str or manual
    pub source: String,
    pub id: String,
    pub since: String,
}

/// A case with everything the console shows about it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CaseDetail {
    pub case: CaseView,
    /// Oldest first.
    pub timeline: Vec<EntryView>,
    /// Its alerts, with their rule results or matched list entries and explanations.
    pub alerts: Vec<crate::admin::AlertView>,
    /// Linked payment ids.
    pub payments: Vec<String>,
    /// The case's reports.
    pub reports: Vec<crate::strs::StrView>,
    /// What holds the subject's transfers now.
    pub holds: Vec<HoldView>,
    /// A decision proposed and waiting for a second admin (`report`), and who proposed it.
    pub pending_decision: Option<String>,
    pub attachments: Vec<AttachmentView>,
}

/// A document attached to a case.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentView {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    pub created_at: String,
}

#[utoipa::path(get, path = "/api/admin/cases", tag = "admin",
    params(("status" = Option<String>, Query, description = "open, investigating, escalated, closed_no_action or reported"),
           ("assignee" = Option<String>, Query, description = "An admin's user id"),
           ("open" = Option<bool>, Query, description = "Only cases not closed"),
           ("sort" = Option<String>, Query, description = "score (highest first) or age (oldest first); default newest first"),
           ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1–200, default 50")),
    responses((status = 200, description = "Cases", body = [CaseView]), (status = 400), (status = 401), (status = 403, description = "Not an admin")))]
pub async fn list(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let admin = req.principal()?.user_id.clone();
    let status = match req.query.get("status") {
        Some(s) => Some(cases::Status::parse(s).ok_or_else(|| ApiError::invalid_field("status", "not a case status"))?),
        None => None,
    };
    let open_only = match req.query.get("open").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(ApiError::invalid_field("open", "true or false")),
    };
    let sort = req.query.get("sort").cloned();
    if sort.as_deref().is_some_and(|s| s != "score" && s != "age") {
        return Err(ApiError::invalid_field("sort", "score or age"));
    }
    let filter = cases::Filter {
        status,
        assignee: req.query.get("assignee").cloned(),
        open_only,
        sort,
        limit: req.query_in("limit", 1..=200, 50)?,
    };
    let found = cases::list(ctx.table.as_ref(), &filter).await?;
    crate::audit::record(&ctx, &req, &admin, "case.listed", &admin, serde_json::json!({"count": found.len()})).await;
    let now = ctx.clock.epoch();
    ApiResponse::json(StatusCode::OK, &found.iter().map(|c| CaseView::of(c, now)).collect::<Vec<_>>())
}

fn case_id(req: &ApiRequest) -> String {
    req.path_params.get("id").cloned().unwrap_or_default()
}

#[utoipa::path(get, path = "/api/admin/cases/{id}", tag = "admin",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, description = "The case, its timeline (notes decrypted), alerts, linked payments, reports and the subject's holds", body = CaseDetail),
              (status = 401), (status = 403, description = "Not an admin"), (status = 404)))]
pub async fn get(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let admin = req.principal()?.user_id.clone();
    let id = case_id(&req);
    let (case, entries, links) = cases::get(ctx.table.as_ref(), &ctx.crypto, &id).await?;
    let mut alerts = Vec::new();
    for e in entries.iter().filter(|e| e.kind == "alert") {
        if let Some(alert_id) = e.details["alert"].as_str() {
            let key =
                drop_services::table::Key::new(drop_domain::keys::alert_pk(alert_id), drop_domain::keys::ALERT_SK);
            if let Some(item) = ctx.table.get(&key).await? {
                alerts.push(crate::admin::AlertView::from(&drop_services::alerts::Alert::from_item(&item)));
            }
        }
    }
    let holds = drop_services::holds::of_user(ctx.table.as_ref(), &case.user_id).await?;
    let reports = drop_services::str_reports::of_case(ctx.table.as_ref(), &id).await?;
    let pending =
        drop_services::four_eyes::pending(ctx.table.as_ref(), &drop_domain::keys::case_pk(&id), "report").await?;
    let detail = CaseDetail {
        case: CaseView::of(&case, ctx.clock.epoch()),
        timeline: entries.iter().map(EntryView::from).collect(),
        alerts,
        payments: links.into_iter().filter(|(k, _)| k == "payment").map(|(_, id)| id).collect(),
        reports: reports.iter().map(crate::strs::StrView::from).collect(),
        holds: holds
            .into_iter()
            .map(|(s, id, since)| HoldView { source: s.as_str().to_owned(), id, since: rfc3339(since) })
            .collect(),
        pending_decision: pending.map(|(by, _)| by),
        attachments: cases::files::list(ctx.table.as_ref(), &ctx.crypto, &id)
            .await?
            .into_iter()
            .map(|a| AttachmentView {
                id: a.id,
                file_name: a.file_name,
                content_type: a.content_type,
                size: a.size,
                sha256: a.sha256,
                created_at: rfc3339(a.created_at),
            })
            .collect(),
    };
    crate::audit::record(&ctx, &req, &case.user_id, "case.read", &admin, serde_json::json!({"case": id})).await;
    ApiResponse::json(StatusCode::OK, &detail)
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssignRequest {
    /// An admin's user id.
    #[schema(min_length = 1, max_length = 64)]
    pub assignee: String,
}

#[utoipa::path(post, path = "/api/admin/cases/{id}/assign", tag = "admin", request_body = AssignRequest,
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, description = "Assigned (an open case is now being investigated)", body = CaseView),
              (status = 400, description = "The assignee is not an admin"), (status = 401), (status = 403, description = "Not an admin"),
              (status = 404), (status = 409, description = "Closed, or changed meanwhile")))]
pub async fn assign(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let admin = req.principal()?.user_id.clone();
    let id = case_id(&req);
    let b: AssignRequest = req.json()?;
    let now = ctx.clock.epoch();
    let case = work::assign(ctx.table.as_ref(), &id, &b.assignee, &admin, now).await?;
    let details = serde_json::json!({"case": id, "assignee": b.assignee});
    crate::audit::record(&ctx, &req, &case.user_id, "case.assigned", &admin, details).await;
    ApiResponse::json(StatusCode::OK, &CaseView::of(&case, now))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NoteRequest {
    /// 1–4000 characters; encrypted at rest.
    #[schema(min_length = 1, max_length = 4000)]
    pub text: String,
}

/// A note written.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NoteCreated {
    pub entry_id: String,
}

#[utoipa::path(post, path = "/api/admin/cases/{id}/notes", tag = "admin", request_body = NoteRequest,
    params(("id" = String, Path, description = "Case id")),
    responses((status = 201, description = "Noted on the timeline", body = NoteCreated),
              (status = 400), (status = 401), (status = 403, description = "Not an admin"), (status = 404),
              (status = 409, description = "Changed meanwhile")))]
pub async fn note(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let admin = req.principal()?.user_id.clone();
    let id = case_id(&req);
    let b: NoteRequest = req.json()?;
    let entry_id = work::note(ctx.table.as_ref(), &ctx.crypto, &id, &b.text, &admin, ctx.clock.epoch()).await?;
    let (case, _, _) = cases::get(ctx.table.as_ref(), &ctx.crypto, &id).await?;
    let details = serde_json::json!({"case": id, "entry": entry_id});
    crate::audit::record(&ctx, &req, &case.user_id, "case.noted", &admin, details).await;
    ApiResponse::json(StatusCode::CREATED, &NoteCreated { entry_id })
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinkRequest {
    /// One of the subject's payments.
    #[schema(min_length = 1, max_length = 64)]
    pub payment_id: String,
}

/// A link made (or there already).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Linked {
    pub payment_id: String,
    /// false: it was linked before.
    pub created: bool,
}

#[utoipa::path(post, path = "/api/admin/cases/{id}/links", tag = "admin", request_body = LinkRequest,
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, description = "Linked (or linked before)", body = Linked),
              (status = 400, description = "Not one of the subject's payments"), (status = 401), (status = 403, description = "Not an admin"),
              (status = 404), (status = 409, description = "Changed meanwhile")))]
pub async fn link(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let admin = req.principal()?.user_id.clone();
    let id = case_id(&req);
    let b: LinkRequest = req.json()?;
    let created = work::link_payment(ctx.table.as_ref(), &id, &b.payment_id, &admin, ctx.clock.epoch()).await?;
    let details = serde_json::json!({"case": id, "payment": b.payment_id});
    crate::audit::record(&ctx, &req, &admin, "case.linked", &admin, details).await;
    ApiResponse::json(StatusCode::OK, &Linked { payment_id: b.payment_id, created })
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransitionRequest {
    /// investigate, escalate, deescalate, close_no_action or report
    pub event: String,
}

#[utoipa::path(post, path = "/api/admin/cases/{id}/transition", tag = "admin", request_body = TransitionRequest,
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, description = "Moved (escalating holds the subject's transfers; leaving escalated releases that hold)", body = CaseView),
              (status = 202, description = "Closing as reported: proposed; a second admin must make the same request", body = crate::admin::AwaitingView),
              (status = 400), (status = 401), (status = 403, description = "Not an admin"), (status = 404),
              (status = 409, description = "Not possible in this state (reporting needs a filed STR); changed meanwhile; the proposer cannot decide")))]
pub async fn transition(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let admin = req.principal()?.user_id.clone();
    let id = case_id(&req);
    let b: TransitionRequest = req.json()?;
    let event = cases::Event::parse(&b.event).ok_or_else(|| {
        ApiError::invalid_field("event", "investigate, escalate, deescalate, close_no_action or report")
    })?;
    let now = ctx.clock.epoch();
    match work::transition_case(ctx.table.as_ref(), &id, event, &admin, now).await? {
        work::Moved::Moved(case) => {
            let details = serde_json::json!({"case": id, "event": event.as_str(), "status": case.status.as_str()});
            crate::audit::record(&ctx, &req, &case.user_id, "case.transition", &admin, details).await;
            ApiResponse::json(StatusCode::OK, &CaseView::of(&case, now))
        }
        work::Moved::AwaitingSecondAdmin => {
            let details = serde_json::json!({"case": id, "event": event.as_str()});
            crate::audit::record(&ctx, &req, &admin, "case.proposed", &admin, details).await;
            ApiResponse::json(
                StatusCode::ACCEPTED,
                &crate::admin::AwaitingView { status: "awaiting_second_admin".into() },
            )
        }
    }
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttachRequest {
    /// Shown to admins; 1–200 characters, no path separators.
    #[schema(min_length = 1, max_length = 200)]
    pub file_name: String,
    /// application/pdf, image/png, image/jpeg, text/plain, text/csv or application/json
    pub content_type: String,
    /// The file, base64 (standard alphabet, padded); within the API's body limit.
    #[schema(min_length = 1)]
    pub content_base64: String,
}

/// An attachment stored.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Attached {
    pub attachment_id: String,
}

fn files(ctx: &Ctx) -> Result<&dyn drop_services::objects::ObjectStore, ApiError> {
    ctx.case_files.as_deref().ok_or_else(|| drop_runtime::config::Unwired("CaseFiles").into())
}

#[utoipa::path(post, path = "/api/admin/cases/{id}/attachments", tag = "admin", request_body = AttachRequest,
    params(("id" = String, Path, description = "Case id")),
    responses((status = 201, description = "Stored, encrypted; on the timeline", body = Attached),
              (status = 400), (status = 401), (status = 403, description = "Not an admin"), (status = 404),
              (status = 409, description = "Changed meanwhile"), (status = 413, description = "Larger than the body limit")))]
pub async fn attach(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    use base64::Engine;
    let admin = req.principal()?.user_id.clone();
    let id = case_id(&req);
    let b: AttachRequest = req.json()?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b.content_base64.trim())
        .map_err(|_| ApiError::invalid_field("contentBase64", "not base64"))?;
    let now = ctx.clock.epoch();
    let (table, store) = (ctx.table.as_ref(), files(&ctx)?);
    let (attachment_id, subject) =
        cases::files::attach(table, &ctx.crypto, store, &id, &b.file_name, &b.content_type, &bytes, &admin, now)
            .await?;
    let details = serde_json::json!({"case": id, "attachment": attachment_id});
    crate::audit::record(&ctx, &req, &subject, "case.attached", &admin, details).await;
    ApiResponse::json(StatusCode::CREATED, &Attached { attachment_id })
}

#[utoipa::path(get, path = "/api/admin/cases/{id}/attachments/{attachmentId}", tag = "admin",
    params(("id" = String, Path, description = "Case id"), ("attachmentId" = String, Path, description = "Attachment id")),
    responses((status = 200, description = "The file as stored (its own content type; a download)", content(
                  (String = "application/octet-stream"))),
              (status = 401), (status = 403, description = "Not an admin"), (status = 404)))]
pub async fn attachment(ctx: Arc<Ctx>, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    let admin = req.principal()?.user_id.clone();
    let id = case_id(&req);
    let attachment_id = req.path_params.get("attachmentId").cloned().unwrap_or_default();
    let (a, bytes) = cases::files::fetch(ctx.table.as_ref(), &ctx.crypto, files(&ctx)?, &id, &attachment_id).await?;
    let details = serde_json::json!({"case": id, "attachment": attachment_id});
    crate::audit::record(&ctx, &req, &a.user_id, "case.attachment_read", &admin, details).await;
    let mut r = ApiResponse::with_body(StatusCode::OK, &a.content_type, bytes);
    let ascii: String =
        a.file_name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    r.header("content-disposition", &format!("attachment; filename=\"{ascii}\""));
    r.header("cache-control", "no-store");
    r.header("x-content-type-options", "nosniff");
    Ok(r)
}

/// One `alert.raised` event: the alert joins its subject's case (a new one if none is open).
async fn intake(ctx: Arc<Ctx>, record: Record) -> Result<(), ApiError> {
    let env: drop_domain::event::BusEnvelope =
        serde_json::from_str(&record.body).map_err(|_| ApiError::bad_request("malformed-event", "not a bus event"))?;
    let alert_id = match drop_domain::event::catalogue::DomainEvent::from_detail(&env.detail) {
        Ok(drop_domain::event::catalogue::DomainEvent::Alert { alert_id, .. }) => alert_id,
        _ => return Err(ApiError::bad_request("unexpected-event", "not alert.raised")),
    };
    let filed = cases::intake::file(ctx.table.as_ref(), &alert_id, ctx.clock.epoch()).await?;
    tracing::info!(alert = %alert_id, result = ?filed, "alert filed");
    if let cases::intake::Intake::Filed { opened: true, .. } = filed {
        ctx.metrics.record("case-intake", &[("CasesOpened", 1.0, "Count")]);
    }
    Ok(())
}

pub fn intake_handler(ctx: Arc<Ctx>, record: Record) -> BoxFuture<'static, Result<(), ApiError>> {
    Box::pin(intake(ctx, record))
}

crate::handler!(list_handler, list);
crate::handler!(get_handler, get);
crate::handler!(assign_handler, assign);
crate::handler!(note_handler, note);
crate::handler!(link_handler, link);
crate::handler!(transition_handler, transition);
crate::handler!(attach_handler, attach);
crate::handler!(attachment_handler, attachment);
