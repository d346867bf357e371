//! The open catalogue over the API: published projects searched, one by number, downloaded; and the
//! publishing offices' batches (create, add approved applications, publish, export), list import
//! and suspensions.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jijiao_app::projects::{self as project_ops, CatalogueQuery, ListImport};
use jijiao_domain::Year;
use jijiao_domain::org::Level;
use jijiao_storage::projects::{Batch, BatchId, NewBatch, Project, ProjectFilter};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::auth::{MaybePrincipal, Principal};
use crate::routes::Routes;
use crate::{ApiError, AppState};

/// This area's part of the OpenAPI document (merged in [`crate::api::openapi`]).
#[derive(OpenApi)]
#[openapi(
    paths(search, download, project, batches, create_batch, add_applications, publish, export_batch, import_list, suspend, suspensions, lift_suspension, number_patterns, set_number_pattern),
    components(schemas(ProjectView, PeriodView, SearchResult, BatchView, NewBatchBody, AddBody, Added, Published, Imported, SuspendBody, Suspended, SuspensionView, LiftBody, Lifted, PatternBody, project_ops::NumberPattern)),
    tags((name = "projects", description = "项目目录（无需登录）与分批公布（国家级、省级管理员）"))
)]
pub struct Doc;

pub fn routes() -> Routes {
    Routes::new()
        .get("/projects", search)
        .get("/projects/export", download)
        .get("/projects/{number}", project)
        .post("/projects/import", import_list)
        .get("/batches", batches)
        .post("/batches", create_batch)
        .post("/batches/{id}/applications", add_applications)
        .post("/batches/{id}/publish", publish)
        .get("/batches/{id}/export", export_batch)
        .post("/suspensions", suspend)
        .get("/suspensions", suspensions)
        .post("/suspensions/{id}/lift", lift_suspension)
        .get("/number-patterns", number_patterns)
        .put("/number-patterns", set_number_pattern)
}

/// One holding: dates and place.
#[derive(Serialize, ToSchema)]
pub struct PeriodView {
    start: String,
    end: String,
    place: String,
}

/// A published project as anyone may see it. The leader's phone is never included.
#[derive(Serialize, ToSchema)]
pub struct ProjectView {
    /// 项目编号，如 2024-04-08-186（国）
    number: String,
    name: String,
    unit: String,
    leader: String,
    #[schema(value_type = u16, minimum = 1900, maximum = 2200)]
    year: Year,
    batch: u16,
    /// 公布文号
    notice: String,
    /// national / provincial
    level: String,
    /// 申办单位所在省份代码
    province: Option<String>,
    /// 三级学科代码 SS-TT
    subject: String,
    /// recommended / promoted / base
    kind: String,
    /// face_to_face / remote
    delivery: String,
    /// 学分，如 "10.0"
    credits: String,
    hours: Option<String>,
    periods: Vec<PeriodView>,
    audience: String,
    planned_enrollment: u32,
    remarks: String,
    /// 暂停原因（已暂停时）
    suspended: Option<String>,
}

impl From<Project> for ProjectView {
    fn from(p: Project) -> Self {
        Self {
            number: p.number.unwrap_or_default(),
            name: p.name,
            unit: p.unit_name,
            leader: p.leader_name,
            year: p.year,
            batch: p.batch,
            notice: p.notice,
            level: p.level.code().into(),
            province: p.province_code,
            subject: p.subject_tertiary,
            kind: p.kind.code().into(),
            delivery: p.delivery.code().into(),
            credits: p.credits.to_string(),
            hours: p.hours.map(|h| h.to_string()),
            periods: p
                .periods
                .into_iter()
                .map(|x| PeriodView { start: x.start.to_string(), end: x.end.to_string(), place: x.place })
                .collect(),
            audience: p.audience,
            planned_enrollment: p.planned_enrollment,
            remarks: p.remarks,
            suspended: p.suspension.map(|s| s.reason),
        }
    }
}

/// A page of the catalogue, with the exact number of matches.
#[derive(Serialize, ToSchema)]
pub struct SearchResult {
    items: Vec<ProjectView>,
    /// 匹配的项目总数（精确计数）
    total: i64,
    page: u32,
    per_page: u32,
}

/// Searches the published projects (no login; rate-limited per address), with the exact number
/// of matches.
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", params(CatalogueQuery),
    responses((status = 200, body = SearchResult), (status = 422, body = crate::error::ErrorBody), (status = 429, description = "请求过于频繁")))]
pub async fn search(
    State(state): State<AppState>,
    principal: MaybePrincipal,
    Query(q): Query<CatalogueQuery>,
) -> Result<Json<SearchResult>, ApiError> {
    let page = state.store.public_reads(principal.reads()).projects(&q.filter()?, q.page()?).await?;
    Ok(Json(SearchResult {
        items: page.items.into_iter().map(ProjectView::from).collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct FormatQuery {
    /// csv（默认）或 xlsx
    format: Option<String>,
}

/// Downloads a search (at most 20,000 projects) in the columns of published lists, without phones.
#[utoipa::path(get, path = "/api/v1/projects/export", tag = "projects", params(CatalogueQuery, FormatQuery),
    responses((status = 200, description = "CSV（UTF-8）或 xlsx 文件"), (status = 422, body = crate::error::ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    principal: MaybePrincipal,
    Query(q): Query<CatalogueQuery>,
    Query(f): Query<FormatQuery>,
) -> Result<Response, ApiError> {
    let reads = state.store.public_reads(principal.reads());
    let projects = reads.project_list(&q.filter()?, project_ops::MAX_DOWNLOAD).await?;
    let rows = project_ops::list_rows(&projects, None);
    file_response(f.format.as_deref(), "项目目录", rows).await
}

async fn file_response(
    format: Option<&str>,
    name: &str,
    rows: Vec<Vec<jijiao_documents::CellOut>>,
) -> Result<Response, ApiError> {
    let (bytes, mime, ext) = match format.unwrap_or("csv") {
        "csv" => (project_ops::list_csv(rows).await?, "text/csv; charset=utf-8", "csv"),
        "xlsx" => (project_ops::list_xlsx(name, rows).await?, jijiao_documents::XLSX_CONTENT_TYPE, "xlsx"),
        _ => return Err(ApiError::invalid("format", "格式应为 csv 或 xlsx")),
    };
    let disposition =
        format!("attachment; filename=\"projects.{ext}\"; filename*=UTF-8''{}.{ext}", crate::auth::urlencode(name));
    Ok(([(header::CONTENT_TYPE, mime.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response())
}

/// One published project by its number (`(国)` and `（国）` both work).
#[utoipa::path(get, path = "/api/v1/projects/{number}", tag = "projects", params(("number" = String, Path, description = "项目编号")),
    responses((status = 200, body = ProjectView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn project(
    State(state): State<AppState>,
    principal: MaybePrincipal,
    Path(number): Path<String>,
) -> Result<Json<ProjectView>, ApiError> {
    Ok(Json(state.store.public_reads(principal.reads()).project_by_number(&number).await?.into()))
}

#[derive(Serialize, ToSchema)]
pub struct BatchView {
    id: i64,
    level: String,
    province: Option<String>,
    #[schema(value_type = u16, minimum = 1900, maximum = 2200)]
    year: Year,
    batch: u16,
    notice: String,
    notice_date: Option<String>,
    published: bool,
    projects: i64,
    numbered: i64,
}

impl From<Batch> for BatchView {
    fn from(b: Batch) -> Self {
        Self {
            id: b.id.0,
            level: b.level.code().into(),
            province: b.province_code,
            year: b.year,
            batch: b.batch,
            notice: b.notice,
            notice_date: b.notice_date.map(|d| d.to_string()),
            published: b.published_at.is_some(),
            projects: b.projects,
            numbered: b.numbered,
        }
    }
}

/// The batches the caller publishes (national office: all; a province: its own).
#[utoipa::path(get, path = "/api/v1/batches", tag = "projects", security(("bearer" = [])),
    responses((status = 200, body = [BatchView]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn batches(State(state): State<AppState>, p: Principal) -> Result<Json<Vec<BatchView>>, ApiError> {
    Ok(Json(visible_batches(&state, &p).await?.into_iter().map(BatchView::from).collect()))
}

/// The batches a publisher sees; 403 for everyone else.
pub async fn visible_batches(state: &AppState, p: &Principal) -> Result<Vec<Batch>, ApiError> {
    if !project_ops::is_publisher(p) {
        return Err(ApiError::Forbidden);
    }
    let all = state.store.batches(None, None).await?;
    Ok(all.into_iter().filter(|b| project_ops::may_see_batch(p, b)).collect())
}

/// A batch the caller may act on: 404 out of scope (a publisher of another province), 403 for non-publishers.
pub async fn own_batch(state: &AppState, p: &Principal, id: i64) -> Result<Batch, ApiError> {
    if !project_ops::is_publisher(p) {
        return Err(ApiError::Forbidden);
    }
    let batch = state.store.batch(BatchId(id)).await?;
    if !project_ops::may_see_batch(p, &batch) {
        return Err(ApiError::NotFound);
    }
    Ok(batch)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBatchBody {
    /// national 或 provincial
    pub level: String,
    /// 省级批次的省份代码
    pub province: Option<String>,
    #[schema(value_type = u16, minimum = 1900, maximum = 2200)]
    pub year: Year,
    pub batch: u16,
    /// 公布文号，如 全继委办发〔2024〕3号
    #[serde(default)]
    pub notice: String,
    /// 公布日期 YYYY-MM-DD
    pub notice_date: Option<String>,
}

/// Turns a request into a batch the caller may create.
pub fn new_batch(p: &Principal, body: &NewBatchBody) -> Result<NewBatch, ApiError> {
    let level = match body.level.as_str() {
        "national" | "国家级" => Level::National,
        "provincial" | "省级" => Level::Provincial,
        _ => return Err(ApiError::invalid("level", "级别应为 national 或 provincial")),
    };
    let province = match level {
        Level::National => None,
        _ => Some(
            body.province
                .as_deref()
                .and_then(|c| jijiao_domain::province::by_code(c.trim()).or_else(|| jijiao_domain::province::find(c)))
                .map(|p| p.code.to_string())
                .ok_or_else(|| ApiError::invalid("province", "省级批次须选择省份"))?,
        ),
    };
    if !project_ops::may_publish(p, level, province.as_deref()) {
        return Err(ApiError::Forbidden);
    }
    if !(2000..=2100).contains(&body.year.get()) {
        return Err(ApiError::invalid("year", "年度不合理"));
    }
    if body.batch == 0 || body.batch > 99 {
        return Err(ApiError::invalid("batch", "批次应为 1–99"));
    }
    let notice_date = match body.notice_date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => Some(
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| ApiError::invalid("notice_date", "日期应形如 2024-01-10"))?,
        ),
        None => None,
    };
    Ok(NewBatch {
        level,
        province_code: province,
        year: body.year,
        batch: body.batch,
        notice: body.notice.trim().into(),
        notice_date,
    })
}

/// Creates a batch (the national office; a province for its provincial projects).
#[utoipa::path(post, path = "/api/v1/batches", tag = "projects", request_body = NewBatchBody, security(("bearer" = [])),
    responses((status = 201, body = BatchView), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_batch(
    State(state): State<AppState>,
    p: Principal,
    crate::api::ApiJson(body): crate::api::ApiJson<NewBatchBody>,
) -> Result<(StatusCode, Json<BatchView>), ApiError> {
    if !project_ops::is_publisher(&p) {
        return Err(ApiError::Forbidden);
    }
    let new = new_batch(&p, &body)?;
    let id = state.store.create_batch(&p.actor(), &new).await?;
    Ok((StatusCode::CREATED, Json(state.store.batch(id).await?.into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddBody {
    /// 已批准的申报书 id
    applications: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Added {
    added: usize,
}

/// Adds approved applications to a batch (they get numbers when it is published).
#[utoipa::path(post, path = "/api/v1/batches/{id}/applications", tag = "projects", request_body = AddBody, security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Added), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_applications(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    crate::api::ApiJson(body): crate::api::ApiJson<AddBody>,
) -> Result<Json<Added>, ApiError> {
    let batch = own_batch(&state, &p, id).await?;
    let ids: Vec<_> = body.applications.into_iter().map(jijiao_storage::applications::ApplicationId).collect();
    let added = state.store.add_applications(&p.actor(), batch.id, &ids).await?;
    Ok(Json(Added { added }))
}

#[derive(Serialize, ToSchema)]
pub struct Published {
    /// 本次编号的项目数（重复公布为 0）
    numbered: usize,
}

/// Publishes a batch: numbers every project without a number; publishing again numbers nothing.
#[utoipa::path(post, path = "/api/v1/batches/{id}/publish", tag = "projects", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Published), (status = 404, body = crate::error::ErrorBody)))]
pub async fn publish(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Json<Published>, ApiError> {
    let batch = own_batch(&state, &p, id).await?;
    Ok(Json(Published { numbered: state.store.publish_batch(&p.actor(), batch.id).await? }))
}

/// A batch in the columns of published lists (xlsx), leaders' phones masked.
#[utoipa::path(get, path = "/api/v1/batches/{id}/export", tag = "projects", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, description = "xlsx 文件"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn export_batch(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let batch = own_batch(&state, &p, id).await?;
    let bytes = batch_xlsx(&state, &batch).await?;
    file_bytes(&batch.title(), bytes)
}

pub async fn batch_xlsx(state: &AppState, batch: &Batch) -> Result<Vec<u8>, ApiError> {
    let filter = ProjectFilter { batch_id: Some(batch.id), ..Default::default() };
    let projects = state.store.project_list(&filter, i64::MAX / 2).await?;
    let phones = state.store.project_leader_phones(batch.id).await?;
    Ok(project_ops::list_xlsx(&batch.title(), project_ops::list_rows(&projects, Some(&phones))).await?)
}

pub fn file_bytes(name: &str, bytes: Vec<u8>) -> Result<Response, ApiError> {
    let disposition =
        format!("attachment; filename=\"batch.xlsx\"; filename*=UTF-8''{}.xlsx", crate::auth::urlencode(name));
    Ok((
        [
            (header::CONTENT_TYPE, jijiao_documents::XLSX_CONTENT_TYPE.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ImportQuery {
    #[param(value_type = Option<u16>, minimum = 1900, maximum = 2200)]
    year: Option<Year>,
    batch: Option<u16>,
    #[serde(default)]
    dry_run: bool,
    /// 文件名（扩展名决定格式：xlsx、xls、csv）
    file_name: Option<String>,
    /// 公布文号
    notice: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Imported {
    projects: usize,
    dry_run: bool,
    /// 未在系统中登记的申办单位（其项目未关联单位）
    unlinked_units: Vec<String>,
}

/// Imports a published national list (the national office), all or nothing; every bad row is
/// reported in `errors` with its row number and column.
#[utoipa::path(post, path = "/api/v1/projects/import", tag = "projects", params(ImportQuery), security(("bearer" = [])),
    request_body(content = Vec<u8>, description = "xlsx、xls 或 CSV（UTF-8 或 GBK），列同公布名单", content_type = "application/octet-stream"),
    responses((status = 200, body = Imported), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn import_list(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<ImportQuery>,
    body: axum::body::Bytes,
) -> Result<Json<Imported>, ApiError> {
    project_ops::require_importer(&p)?;
    let year = q.year.ok_or_else(|| ApiError::invalid("year", "请指明年度"))?;
    let batch = q.batch.ok_or_else(|| ApiError::invalid("batch", "请指明批次"))?;
    let name = q.file_name.unwrap_or_else(|| "list.xlsx".into());
    let import = ListImport { year, batch, notice: q.notice.unwrap_or_default(), dry_run: q.dry_run };
    let done = project_ops::import_list(&state, &p, &body, &name, &import).await?;
    Ok(Json(Imported { projects: done.projects, dry_run: q.dry_run, unlinked_units: done.unlinked_units }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspendBody {
    /// 申办单位名称（与公布名单一致）
    unit: String,
    /// 暂停原因（公开显示），如 年度校验不合格
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct Suspended {
    projects: usize,
}

/// Suspends every published project of a unit in one action, the reason shown publicly (national office).
#[utoipa::path(post, path = "/api/v1/suspensions", tag = "projects", request_body = SuspendBody, security(("bearer" = [])),
    responses((status = 200, body = Suspended), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn suspend(
    State(state): State<AppState>,
    p: Principal,
    crate::api::ApiJson(body): crate::api::ApiJson<SuspendBody>,
) -> Result<Json<Suspended>, ApiError> {
    if !p.has(jijiao_domain::authz::Role::NationalAdmin) {
        return Err(ApiError::Forbidden);
    }
    Ok(Json(Suspended { projects: state.store.suspend_unit_projects(&p.actor(), &body.unit, &body.reason).await? }))
}

/// A suspension in force, as `GET /api/v1/suspensions` lists it (the store's `ActiveSuspension`,
/// described here for the OpenAPI document: the list is an array, not an object).
#[derive(Serialize, ToSchema)]
pub struct SuspensionView {
    id: i64,
    unit_name: String,
    /// Shown publicly.
    reason: String,
    /// Projects it covers now.
    projects: u32,
    /// Who suspended them.
    actor: String,
    /// When, in milliseconds since the epoch (UTC).
    at: i64,
}

/// The suspensions in force: unit, public reason, projects covered, who suspended them and when
/// (national office).
#[utoipa::path(get, path = "/api/v1/suspensions", tag = "projects", security(("bearer" = [])),
    responses((status = 200, body = [SuspensionView]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn suspensions(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<jijiao_storage::suspensions::ActiveSuspension>>, ApiError> {
    if !p.has(jijiao_domain::authz::Role::NationalAdmin) {
        return Err(ApiError::Forbidden);
    }
    Ok(Json(state.store.active_suspensions().await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LiftBody {
    /// 恢复的依据，如 整改后复核合格（记入审计日志）
    note: String,
}

#[derive(Serialize, ToSchema)]
pub struct Lifted {
    projects: u32,
}

/// Lifts a suspension: its projects are shown without the reason again; the suspension stays on
/// record and the note goes to the audit log (national office).
#[utoipa::path(post, path = "/api/v1/suspensions/{id}/lift", tag = "projects", request_body = LiftBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "暂停记录编号")),
    responses((status = 200, body = Lifted), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn lift_suspension(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    crate::api::ApiJson(body): crate::api::ApiJson<LiftBody>,
) -> Result<Json<Lifted>, ApiError> {
    if !p.has(jijiao_domain::authz::Role::NationalAdmin) {
        return Err(ApiError::Forbidden);
    }
    Ok(Json(Lifted { projects: state.store.lift_suspension(&p.actor(), id, &body.note).await? }))
}

/// The number patterns of the provinces whose batches the caller publishes (a province's
/// administrator: its own; the national office: all).
#[utoipa::path(get, path = "/api/v1/number-patterns", tag = "projects", security(("bearer" = [])),
    responses((status = 200, body = Vec<project_ops::NumberPattern>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn number_patterns(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<project_ops::NumberPattern>>, ApiError> {
    if !project_ops::is_publisher(&p) {
        return Err(ApiError::Forbidden);
    }
    Ok(Json(project_ops::number_patterns(&state, &p).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatternBody {
    /// 省份代码，如 11
    province: String,
    /// 如 YYYY-SS-TT-NNN（{简称}）或 冀YYYYNNNN：须含 YYYY 与 NNN
    pattern: String,
}

/// Sets the pattern a province's projects are numbered by when its batches are published; numbers
/// already given never change.
#[utoipa::path(put, path = "/api/v1/number-patterns", tag = "projects", request_body = PatternBody, security(("bearer" = [])),
    responses((status = 200, body = project_ops::NumberPattern), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_number_pattern(
    State(state): State<AppState>,
    p: Principal,
    crate::api::ApiJson(body): crate::api::ApiJson<PatternBody>,
) -> Result<Json<project_ops::NumberPattern>, ApiError> {
    Ok(Json(project_ops::set_number_pattern(&state, &p, &body.province, &body.pattern).await?))
}
