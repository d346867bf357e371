//! The workflow API of formats.md ("Holding a project"): filing a period, the events of a venue
//! province, inspections (JSON, or multipart with the document in `json` and photos in `photo`),
//! the unit's own record, suspension from an inspection, and the signed-in account's tasks.

use axum::Json;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use jijiao_app::events::{self as ops, EventQuery, FilingHistory, tasks};
use jijiao_domain::events::filing::{self, Filing};
use jijiao_domain::events::inspection::Inspection;
use jijiao_storage::events::{EventRow, InspectionKind};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::read_form;
use crate::auth::Principal;
use crate::routes::Routes;
use crate::{ApiError, AppState};

#[derive(OpenApi)]
#[openapi(
    paths(put_filing, get_filing, list_events, post_inspection, post_own_record, list_inspections, suspend, my_tasks),
    components(schemas(Filed, EventItem, EventList, Created, InspectionItem, SuspendBody, Suspended, TaskItem, TaskList, FilingHistory)),
    tags((name = "events", description = "举办：逐期报备、举办地监管、现场督查、待办事项"))
)]
pub struct Doc;

pub fn routes() -> Routes {
    Routes::new()
        .put("/projects/{number}/periods/{n}/filing", put_filing)
        .get("/projects/{number}/periods/{n}/filing", get_filing)
        .get("/events", list_events)
        .post("/projects/{number}/periods/{n}/inspections", post_inspection)
        .get("/projects/{number}/periods/{n}/inspections", list_inspections)
        .post("/projects/{number}/periods/{n}/own-inspection", post_own_record)
        .post("/inspections/{id}/suspend", suspend)
        .get("/tasks", my_tasks)
}

fn is_multipart(request: &Request) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
}

/// A JSON document with its files: the body itself, or multipart with the document in `json` and
/// the files in `file_field`.
async fn document_and_files(request: Request, file_field: &str) -> Result<(String, Vec<Vec<u8>>), ApiError> {
    if is_multipart(&request) {
        let multipart =
            Multipart::from_request(request, &()).await.map_err(|_| ApiError::BadRequest("表单格式不正确".into()))?;
        let form = read_form(multipart).await?;
        let json = form.text("json").ok_or_else(|| ApiError::invalid("json", "缺少 json 字段（报备或督查内容）"))?;
        return Ok((json.to_string(), form.files(file_field)));
    }
    let bytes = axum::body::to_bytes(request.into_body(), crate::guard::UPLOAD_LIMIT)
        .await
        .map_err(|_| ApiError::BadRequest("请求体读取失败或过大".into()))?;
    let text =
        String::from_utf8(bytes.to_vec()).map_err(|_| ApiError::BadRequest("请求体应为 UTF-8 编码的 JSON".into()))?;
    Ok((text, Vec::new()))
}

fn filing_document(text: &str) -> Result<Filing, ApiError> {
    filing::parse(text).map_err(|problems| {
        ApiError::InvalidDocument(
            problems
                .into_iter()
                .map(|p| jijiao_domain::document::DocumentError { path: p.field, message: p.message })
                .collect(),
        )
    })
}

#[derive(Serialize, ToSchema)]
pub struct Filed {
    /// 报备版本（首次为 1，每次变更加 1）
    version: u32,
    /// 首次报备距开始不足14天（逾期报备）
    late: bool,
}

/// Files a period (unit administrator of the project's unit, or its leader): a Filing as JSON, or
/// multipart with the Filing in `json` and the notice (PDF or image) in `notice`. A change of
/// dates, venue, form or schedule is a new version.
#[utoipa::path(put, path = "/api/v1/projects/{number}/periods/{n}/filing", tag = "events", security(("bearer" = [])),
    params(("number" = String, Path, description = "项目编号"), ("n" = u32, Path, description = "期次（按公布日期从1起）")),
    request_body(content = Object, description = "Filing（formats.md）"),
    responses((status = 200, body = Filed), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn put_filing(
    State(state): State<AppState>,
    p: Principal,
    Path((number, n)): Path<(String, u32)>,
    request: Request,
) -> Result<Json<Filed>, ApiError> {
    let (text, files) = document_and_files(request, "notice").await?;
    let filing = filing_document(&text)?;
    if files.len() > 1 {
        return Err(ApiError::invalid("notice", "办班通知只能上传一个文件"));
    }
    let outcome = ops::file(&state, &p, &number, n, &filing, files.first().map(Vec::as_slice)).await?;
    Ok(Json(Filed { version: outcome.version, late: outcome.late }))
}

/// The current filing of a period (with the first filing's date and whether it was late) and every
/// version, newest first; phones masked.
#[utoipa::path(get, path = "/api/v1/projects/{number}/periods/{n}/filing", tag = "events", security(("bearer" = [])),
    params(("number" = String, Path), ("n" = u32, Path)),
    responses((status = 200, body = FilingHistory), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_filing(
    State(state): State<AppState>,
    p: Principal,
    Path((number, n)): Path<(String, u32)>,
) -> Result<Json<FilingHistory>, ApiError> {
    Ok(Json(ops::filing_history(&state, &p, &number, n).await?))
}

#[derive(Serialize, ToSchema)]
pub struct EventItem {
    number: String,
    period: u32,
    name: String,
    unit: String,
    start: String,
    end: String,
    venue: String,
    /// 首次报备日期；未报备为 null
    filed_on: Option<String>,
    late: bool,
    inspected: bool,
}

impl From<&EventRow> for EventItem {
    fn from(r: &EventRow) -> Self {
        Self {
            number: r.number.clone(),
            period: r.period,
            name: r.name.clone(),
            unit: r.unit_name.clone(),
            start: r.start().to_string(),
            end: r.end().to_string(),
            venue: r.place().to_string(),
            filed_on: r.filed.as_ref().map(|f| f.filed_on.to_string()),
            late: r.filed.as_ref().is_some_and(|f| f.late),
            inspected: r.inspections > 0,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EventList {
    items: Vec<EventItem>,
    total: usize,
}

/// Events in the caller's sight: those held in the caller's province (venue supervision) and the
/// caller's own units' events anywhere; `province` narrows to a venue province.
#[utoipa::path(get, path = "/api/v1/events", tag = "events", security(("bearer" = [])), params(EventQuery),
    responses((status = 200, body = EventList), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn list_events(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<EventQuery>,
) -> Result<Json<EventList>, ApiError> {
    let filter = q.filter(state.today())?;
    let rows = ops::events(&state, &p, &filter).await?;
    let items: Vec<EventItem> = rows.iter().map(EventItem::from).collect();
    Ok(Json(EventList { total: items.len(), items }))
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    id: i64,
}

async fn record(
    state: &AppState,
    p: &Principal,
    number: &str,
    n: u32,
    kind: InspectionKind,
    request: Request,
) -> Result<i64, ApiError> {
    let (text, photos) = document_and_files(request, "photo").await?;
    let document: Inspection = jijiao_domain::document::parse(&text)?;
    Ok(ops::inspect(state, p, number, n, kind, &document, &photos).await?)
}

/// Records an inspection (an inspector of the venue province, during the period or up to 3 days
/// after, marked late): JSON, or multipart with the Inspection in `json` and up to 10 photos
/// (JPEG or PNG, ≤ 10 MB each; metadata stripped) in `photo`.
#[utoipa::path(post, path = "/api/v1/projects/{number}/periods/{n}/inspections", tag = "events", security(("bearer" = [])),
    params(("number" = String, Path), ("n" = u32, Path)), request_body(content = Object, description = "Inspection（formats.md）"),
    responses((status = 201, body = Created), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn post_inspection(
    State(state): State<AppState>,
    p: Principal,
    Path((number, n)): Path<(String, u32)>,
    request: Request,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = record(&state, &p, &number, n, InspectionKind::Inspector, request).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Records the unit's own on-the-day record (whoever files the period), with the same checklist.
#[utoipa::path(post, path = "/api/v1/projects/{number}/periods/{n}/own-inspection", tag = "events", security(("bearer" = [])),
    params(("number" = String, Path), ("n" = u32, Path)), request_body(content = Object, description = "Inspection（formats.md）"),
    responses((status = 201, body = Created), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn post_own_record(
    State(state): State<AppState>,
    p: Principal,
    Path((number, n)): Path<(String, u32)>,
    request: Request,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = record(&state, &p, &number, n, InspectionKind::Unit, request).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Serialize, ToSchema)]
pub struct InspectionItem {
    id: i64,
    /// inspector（督查）或 unit（单位自查）
    kind: String,
    result: String,
    reason: String,
    late: bool,
    on: String,
    author: String,
    #[schema(value_type = Object)]
    checklist: jijiao_domain::events::inspection::Checklist,
    notes: std::collections::BTreeMap<String, String>,
    /// 照片地址（仅限可查看者）
    photos: Vec<String>,
}

/// The inspections of a period (the inspectors' and the unit's own), for whoever sees the event.
#[utoipa::path(get, path = "/api/v1/projects/{number}/periods/{n}/inspections", tag = "events", security(("bearer" = [])),
    params(("number" = String, Path), ("n" = u32, Path)),
    responses((status = 200, body = [InspectionItem]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list_inspections(
    State(state): State<AppState>,
    p: Principal,
    Path((number, n)): Path<(String, u32)>,
) -> Result<Json<Vec<InspectionItem>>, ApiError> {
    let event = ops::event(&state, &p, &number, n).await?;
    let items = ops::inspections_of(&state, &event)
        .await?
        .into_iter()
        .map(|i| InspectionItem {
            id: i.id,
            kind: i.kind.code().into(),
            result: i.result.code().into(),
            reason: i.reason,
            late: i.late,
            on: i.on.to_string(),
            author: i.author,
            checklist: i.checklist,
            notes: i.notes,
            photos: i.photos.iter().map(|f| format!("/event-files/{}", f.id)).collect(),
        })
        .collect();
    Ok(Json(items))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspendBody {
    /// 暂停原因（公开显示；督查记录会写在原因之后）
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct Suspended {
    projects: usize,
}

/// Suspends every published project of the inspected unit, the inspection named in the public
/// reason (the venue province's office, the unit's province's, or the national office).
#[utoipa::path(post, path = "/api/v1/inspections/{id}/suspend", tag = "events", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = SuspendBody,
    responses((status = 200, body = Suspended), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn suspend(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    crate::api::ApiJson(body): crate::api::ApiJson<SuspendBody>,
) -> Result<Json<Suspended>, ApiError> {
    Ok(Json(Suspended { projects: ops::suspend_from_inspection(&state, &p, id, &body.reason).await? }))
}

#[derive(Serialize, ToSchema)]
pub struct TaskItem {
    /// filing（报备）、inspection（督查）、supervision（本省本周举办）…
    kind: String,
    due: String,
    overdue: bool,
    title: String,
    url: String,
}

#[derive(Serialize, ToSchema)]
pub struct TaskList {
    items: Vec<TaskItem>,
}

/// What the signed-in account must do next, overdue first.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "events", security(("bearer" = [])),
    responses((status = 200, body = TaskList), (status = 401, body = crate::error::ErrorBody)))]
pub async fn my_tasks(State(state): State<AppState>, p: Principal) -> Result<Json<TaskList>, ApiError> {
    let items = tasks::tasks(&state, &p)
        .await?
        .into_iter()
        .map(|t| TaskItem {
            kind: t.kind.into(),
            due: t.due.to_string(),
            overdue: t.overdue,
            title: t.title,
            url: t.url,
        })
        .collect();
    Ok(Json(TaskList { items }))
}
