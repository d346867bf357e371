//! The workflow API of formats.md from the roster on: the roster import (multipart `file`, with a dry
//! run), the execution report (draft, submit, return, approve), its files, the period states of a
//! project, the reports an auditor sees, and the project's Execution report built from its records.

use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jijiao_app::reports::{self as ops, Approved, PeriodState, ReportView, RosterImport, RosterView};
use jijiao_domain::events::report::ReportStatus;
use jijiao_domain::score::ExecutionReport;
use jijiao_storage::reports::ReportFileKind;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::auth::Principal;
use crate::routes::Routes;
use crate::{ApiError, AppState};

#[derive(OpenApi)]
#[openapi(
    paths(put_roster, get_roster, roster_template, put_report, get_report, submit, return_report, approve, post_report_file, periods, execution, audit_list),
    components(schemas(RosterImport, RosterView, ReportView, Approved, PeriodState, ReturnBody, Saved, AuditItem, FileAdded)),
    tags((name = "reports", description = "执行情况：学员名单、执行情况汇报、审核、评分与学分发放"))
)]
pub struct Doc;

pub fn routes() -> Routes {
    Routes::new()
        .put("/projects/{number}/periods/{n}/roster", put_roster)
        .get("/projects/{number}/periods/{n}/roster", get_roster)
        .get("/roster-template.xlsx", roster_template)
        .put("/projects/{number}/periods/{n}/report", put_report)
        .get("/projects/{number}/periods/{n}/report", get_report)
        .post("/projects/{number}/periods/{n}/report/submit", submit)
        .post("/projects/{number}/periods/{n}/report/return", return_report)
        .post("/projects/{number}/periods/{n}/report/approve", approve)
        .post("/projects/{number}/periods/{n}/report/files", post_report_file)
        .get("/projects/{number}/periods", periods)
        .get("/projects/{number}/execution.json", execution)
        .get("/reports", audit_list)
}

/// The uploaded file of a multipart form's `file` field with its name, and the other text fields.
pub(crate) async fn upload(mut multipart: Multipart) -> Result<(String, Vec<u8>, Vec<(String, String)>), ApiError> {
    let broken = || ApiError::BadRequest("文件上传不完整，请重试".into());
    let mut file = None;
    let mut texts = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(|_| broken())? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("upload").to_string();
            let bytes = field.bytes().await.map_err(|_| broken())?;
            file = Some((file_name, bytes.to_vec()));
        } else if field.file_name().is_none() {
            texts.push((name, field.text().await.map_err(|_| broken())?));
        }
    }
    match file {
        Some((name, bytes)) if !bytes.is_empty() => Ok((name, bytes, texts)),
        _ => Err(ApiError::invalid("file", "请选择要上传的文件")),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct DryRun {
    /// true：只检查，不保存
    #[serde(default)]
    dry_run: Option<String>,
}

impl DryRun {
    fn get(&self) -> Result<bool, ApiError> {
        match self.dry_run.as_deref().map(str::trim) {
            None | Some("" | "false" | "0") => Ok(false),
            Some("true" | "1") => Ok(true),
            Some(other) => Err(ApiError::invalid("dry_run", format!("“{other}”应为 true 或 false"))),
        }
    }
}

/// Imports the roster of a period (the unit administrator of the project's unit, or its leader):
/// multipart field `file` (xlsx, xls, CSV in UTF-8 or GBK, the template's columns). All or nothing;
/// `dry_run=true` checks without saving.
#[utoipa::path(put, path = "/api/v1/projects/{number}/periods/{n}/roster", tag = "reports", security(("bearer" = [])),
    params(("number" = String, Path, description = "项目编号"), ("n" = u32, Path, description = "期次"), DryRun),
    request_body(content_type = "multipart/form-data", content = Object, description = "字段 file：学员名单"),
    responses((status = 200, body = RosterImport), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn put_roster(
    State(state): State<AppState>,
    p: Principal,
    Path((number, n)): Path<(String, u32)>,
    Query(q): Query<DryRun>,
    multipart: Multipart,
) -> Result<Json<RosterImport>, ApiError> {
    let dry_run = q.get()?;
    let (name, bytes, _) = upload(multipart).await?;
    Ok(Json(ops::import_roster(&state, &p, &number, n, &bytes, &name, dry_run).await?))
}

/// The roster of a period, ID numbers and phones masked.
#[utoipa::path(get, path = "/api/v1/projects/{number}/periods/{n}/roster", tag = "reports", security(("bearer" = [])),
    params(("number" = String, Path), ("n" = u32, Path)),
    responses((status = 200, body = RosterView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_roster(
    State(state): State<AppState>,
    p: Principal,
    Path((number, n)): Path<(String, u32)>,
) -> Result<Json<RosterView>, ApiError> {
    Ok(Json(ops::roster_view(&state, &p, &number, n).await?))
}

/// The roster template (xlsx with the §7.3 columns, an example row and the help sheet).
#[utoipa::path(get, path = "/api/v1/roster-template.xlsx", tag = "reports",
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)))]
pub async fn roster_template() -> Result<Response, ApiError> {
    let bytes = ops::roster_template().await?;
    Ok(xlsx("学员名单模板.xlsx", bytes))
}

pub(crate) fn xlsx(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, crate::downloads::attachment(name, "roster-template.xlsx")),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Serialize, ToSchema)]
pub struct Saved {
    status: String,
}

/// Saves the period's report as a draft (Attachments 2 and 3, formats.md "Report"): it may be
/// incomplete, never wrong (survey counts within the learners).
#[utoipa::path(put, path = "/api/v1/projects/{number}/periods/{n}/report", tag = "reports", security(("bearer" = [])),
    params(("number" = String, Path), ("n" = u32, Path)), request_body(content = Object, description = "Report（formats.md）"),
    responses((status = 200, body = Saved), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn put_report(
    State(state): State<AppState>,
    p: Principal,
    Path((number, n)): Path<(String, u32)>,
    body: String,
) -> Result<Json<Saved>, ApiError> {
    let report = ops::parse_report(&body)?;
    ops::save_report(&state, &p, &number, n, &report).await?;
    Ok(Json(Saved { status: ReportStatus::Draft.code().into() }))
}

/// The period's report with its status, and its score and items once approved.
#[utoipa::path(get, path = "/api/v1/projects/{number}/periods/{n}/report", tag = "reports", security(("bearer" = [])),
    params(("number" = String, Path), ("n" = u32, Path)),
    responses((status = 200, body = ReportView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_report(
    State(state): State<AppState>,
    p: Principal,
    Path((number, n)): Path<(String, u32)>,
) -> Result<Json<ReportView>, ApiError> {
    Ok(Json(ops::report_view(&state, &p, &number, n).await?))
}

/// Submits the saved report (complete, the roster in, the period over).
#[utoipa::path(post, path = "/api/v1/projects/{number}/periods/{n}/report/submit", tag = "reports", security(("bearer" = [])),
    params(("number" = String, Path), ("n" = u32, Path)),
    responses((status = 200, body = Saved), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    p: Principal,
    Path((number, n)): Path<(String, u32)>,
) -> Result<Json<Saved>, ApiError> {
    ops::submit_report(&state, &p, &number, n).await?;
    Ok(Json(Saved { status: ReportStatus::Submitted.code().into() }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnBody {
    /// 退回原因
    reason: String,
}

/// Returns a submitted report to its unit with a reason (the office of the applicant unit's province).
#[utoipa::path(post, path = "/api/v1/projects/{number}/periods/{n}/report/return", tag = "reports", security(("bearer" = [])),
    params(("number" = String, Path), ("n" = u32, Path)), request_body = ReturnBody,
    responses((status = 200, body = Saved), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn return_report(
    State(state): State<AppState>,
    p: Principal,
    Path((number, n)): Path<(String, u32)>,
    crate::api::ApiJson(body): crate::api::ApiJson<ReturnBody>,
) -> Result<Json<Saved>, ApiError> {
    ops::return_report(&state, &p, &number, n, &body.reason).await?;
    Ok(Json(Saved { status: ReportStatus::Returned.code().into() }))
}

/// Approves a submitted report: stores the period's score, grants the project credits of everyone
/// assessed 合格 and issues their certificates.
#[utoipa::path(post, path = "/api/v1/projects/{number}/periods/{n}/report/approve", tag = "reports", security(("bearer" = [])),
    params(("number" = String, Path), ("n" = u32, Path)),
    responses((status = 200, body = Approved), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    p: Principal,
    Path((number, n)): Path<(String, u32)>,
) -> Result<Json<Approved>, ApiError> {
    Ok(Json(ops::approve_report(&state, &p, &number, n).await?))
}

#[derive(Serialize, ToSchema)]
pub struct FileAdded {
    id: i64,
}

/// Uploads a file of the report: multipart `kind` (`exam` 考核试题 or `schedule` 日程表) and `file`
/// (PDF, Word, Excel or an image, ≤ 10 MB).
#[utoipa::path(post, path = "/api/v1/projects/{number}/periods/{n}/report/files", tag = "reports", security(("bearer" = [])),
    params(("number" = String, Path), ("n" = u32, Path)),
    request_body(content_type = "multipart/form-data", content = Object, description = "字段 kind 与 file"),
    responses((status = 201, body = FileAdded), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn post_report_file(
    State(state): State<AppState>,
    p: Principal,
    Path((number, n)): Path<(String, u32)>,
    multipart: Multipart,
) -> Result<(StatusCode, Json<FileAdded>), ApiError> {
    let (name, bytes, texts) = upload(multipart).await?;
    let kind_text = texts.iter().find(|(k, _)| k == "kind").map(|(_, v)| v.as_str()).unwrap_or_default();
    let kind = ReportFileKind::from_code_or_label(kind_text)
        .ok_or_else(|| ApiError::invalid("kind", "文件类别应为 exam（考核试题）或 schedule（日程表）"))?;
    let id = ops::add_report_file(&state, &p, &number, n, kind, &name, &bytes).await?;
    Ok((StatusCode::CREATED, Json(FileAdded { id })))
}

/// Each period's state: filed, inspected, roster, report, audit, score.
#[utoipa::path(get, path = "/api/v1/projects/{number}/periods", tag = "reports", security(("bearer" = [])),
    params(("number" = String, Path)),
    responses((status = 200, body = [PeriodState]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn periods(
    State(state): State<AppState>,
    p: Principal,
    Path(number): Path<String>,
) -> Result<Json<Vec<PeriodState>>, ApiError> {
    Ok(Json(ops::period_states(&state, &p, &number).await?))
}

/// The project's Execution report (formats.md), built from its records: `jijiao check score` on it
/// gives the scores approval stored.
#[utoipa::path(get, path = "/api/v1/projects/{number}/execution.json", tag = "reports", security(("bearer" = [])),
    params(("number" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorBody)))]
pub async fn execution(
    State(state): State<AppState>,
    p: Principal,
    Path(number): Path<String>,
) -> Result<Json<ExecutionReport>, ApiError> {
    Ok(Json(ops::execution_report(&state, &p, &number).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    /// submitted（待审核，默认）、returned、approved、all
    #[serde(default)]
    status: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditItem {
    number: String,
    period: u32,
    /// `face_to_face`, or `remote` (its periods are upload cycles).
    delivery: String,
    name: String,
    unit: String,
    status: String,
    submitted_on: Option<String>,
    audit_due: Option<String>,
    overdue: bool,
    score: Option<String>,
    url: String,
}

/// The reports the signed-in office audits or watches (the applicant unit's province; the national
/// office sees every province's), oldest submission first.
#[utoipa::path(get, path = "/api/v1/reports", tag = "reports", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = [AuditItem]), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn audit_list(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Vec<AuditItem>>, ApiError> {
    let statuses = statuses(q.status.as_deref())?;
    let rows = ops::audit_list(&state, &p, &statuses).await?;
    Ok(Json(rows.into_iter().map(AuditItem::from).collect()))
}

pub(crate) fn statuses(text: Option<&str>) -> Result<Vec<ReportStatus>, ApiError> {
    match text.map(str::trim) {
        None | Some("" | "submitted") => Ok(vec![ReportStatus::Submitted]),
        Some("all") => Ok(vec![ReportStatus::Submitted, ReportStatus::Returned, ReportStatus::Approved]),
        Some(other) => ReportStatus::from_code(other)
            .filter(|s| *s != ReportStatus::Draft)
            .map(|s| vec![s])
            .ok_or_else(|| ApiError::invalid("status", format!("“{other}”应为 submitted、returned、approved 或 all"))),
    }
}

impl From<ops::AuditRow> for AuditItem {
    fn from(r: ops::AuditRow) -> Self {
        Self {
            url: format!("/events/{}/{}/report", jijiao_app::events::url_number(&r.row.number), r.row.period),
            delivery: r.row.delivery.code().into(),
            number: r.row.number,
            period: r.row.period,
            name: r.row.name,
            unit: r.row.unit,
            status: r.row.status.code().into(),
            submitted_on: r.row.submitted_on.map(|d| d.to_string()),
            audit_due: r.audit_due.map(|d| d.to_string()),
            overdue: r.overdue,
            score: r.row.score.map(|s| jijiao_domain::score::mean(&[s]).to_string()),
        }
    }
}
