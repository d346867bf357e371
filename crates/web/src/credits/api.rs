//! The learning record over the API: credit records, registrations by units, self-study, grants and compliance.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jijiao_app::credits::reports::{self, ComplianceQuery, ComplianceView};
use jijiao_app::credits::{
    self, ApplyInput, PlanInput, RegisterInput, ReviewLine, ReviewQuery, SelfStudyView, YearView, imports,
};
use jijiao_domain::Year;
use jijiao_domain::authz::credits::CreditAction;
use jijiao_domain::authz::credits::may_ever;
use jijiao_storage::PersonId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::api::ApiJson;
use crate::auth::Principal;
use crate::error::ErrorBody;
use crate::routes::Routes;
use crate::{ApiError, AppState};

/// This area's part of the OpenAPI document (merged in [`crate::api::openapi`]).
#[derive(OpenApi)]
#[openapi(
    paths(
        my_credits, person_credits, register, review_list, grant, reject, reverse, decide_matching,
        registration_template, import_registrations, legacy_template, import_legacy, compliance, compliance_export,
        my_self_study, submit_plan, apply_self_study, self_study_queue, approve_plan, reject_plan
    ),
    components(schemas(
        YearView, RegisterInput, ReviewPage, Created, Decided, MatchingDecided, RejectBody, BulkDecision, Imported, ComplianceView,
        PlanInput, ApplyInput, SelfStudyView
    )),
    tags((name = "credits", description = "个人学习档案：学分记录、单位登记与导入、自学、省级审核、达标情况"))
)]
pub struct Doc;

pub fn routes() -> Routes {
    Routes::new()
        .get("/me/credits", my_credits)
        .get("/people/{id}/credits", person_credits)
        .post("/credit-records", register)
        .get("/credit-records", review_list)
        .post("/credit-records/{id}/grant", grant)
        .post("/credit-records/{id}/reject", reject)
        .post("/credit-records/decide", decide_matching)
        .post("/credit-records/{id}/reverse", reverse)
        .get("/credit-records/template", registration_template)
        .post("/credit-records/import", import_registrations)
        .get("/credit-records/legacy-template", legacy_template)
        .post("/credit-records/legacy-import", import_legacy)
        .get("/credits/compliance", compliance)
        .get("/credits/compliance/export", compliance_export)
        .get("/me/self-study", my_self_study)
        .post("/me/self-study/plans", submit_plan)
        .post("/me/self-study/applications", apply_self_study)
        .get("/self-study", self_study_queue)
        .post("/self-study/plans/{id}/approve", approve_plan)
        .post("/self-study/plans/{id}/reject", reject_plan)
}

use jijiao_documents::XLSX_CONTENT_TYPE as XLSX;

/// An xlsx download.
fn xlsx(file_name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, XLSX.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Deserialize, IntoParams)]
pub struct YearQuery {
    /// The calendar year (default: this year).
    #[param(value_type = Option<u16>, minimum = 1900, maximum = 2200)]
    year: Option<Year>,
}

/// The caller's own learning record for a year: every record with its explanation, totals by kind and caps.
#[utoipa::path(get, path = "/api/v1/me/credits", tag = "credits", params(YearQuery),
    responses((status = 200, body = YearView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn my_credits(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<YearQuery>,
) -> Result<Json<YearView>, ApiError> {
    Ok(Json(credits::person_year(&state, &p, None, q.year).await?.1))
}

/// A person's learning record, for the administrators of the person's scope.
#[utoipa::path(get, path = "/api/v1/people/{id}/credits", tag = "credits", params(("id" = i64, Path), YearQuery),
    responses((status = 200, body = YearView), (status = 404, body = ErrorBody)))]
pub async fn person_credits(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> Result<Json<YearView>, ApiError> {
    Ok(Json(credits::person_year(&state, &p, Some(PersonId(id)), q.year).await?.1))
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    id: i64,
}

/// A unit administrator registers further training, degree education, a government assignment or
/// practice for an employee; it is provisional until the province grants it.
#[utoipa::path(post, path = "/api/v1/credit-records", tag = "credits", request_body = RegisterInput,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(input): ApiJson<RegisterInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = credits::register(&state, &p, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.0 })))
}

#[derive(Serialize, ToSchema)]
pub struct ReviewPage {
    items: Vec<ReviewLine>,
    total: i64,
    page: u32,
    per_page: u32,
}

/// Records for the province's review (provisional by default), filtered.
#[utoipa::path(get, path = "/api/v1/credit-records", tag = "credits", params(ReviewQuery),
    responses((status = 200, body = ReviewPage), (status = 403, body = ErrorBody)))]
pub async fn review_list(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<ReviewQuery>,
) -> Result<Json<ReviewPage>, ApiError> {
    let page = credits::review_list(&state, &p, &q).await?;
    Ok(Json(ReviewPage {
        items: page.items.iter().map(credits::review_line).collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Decided {
    decided: usize,
}

/// Grants a provisional record.
#[utoipa::path(post, path = "/api/v1/credit-records/{id}/grant", tag = "credits", params(("id" = i64, Path)),
    responses((status = 200, body = Decided), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn grant(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Json<Decided>, ApiError> {
    credits::decide_one(&state, &p, id, &credits::decision(true, None)?).await?;
    Ok(Json(Decided { decided: 1 }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    /// Why, in Chinese: shown to the professional.
    reason: String,
}

/// Rejects a provisional record with a reason.
#[utoipa::path(post, path = "/api/v1/credit-records/{id}/reject", tag = "credits", params(("id" = i64, Path)), request_body = RejectBody,
    responses((status = 200, body = Decided), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<RejectBody>,
) -> Result<Json<Decided>, ApiError> {
    let decision = credits::decision(false, Some(&body.reason))?;
    credits::decide_one(&state, &p, id, &decision).await?;
    Ok(Json(Decided { decided: 1 }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkDecision {
    /// `grant` | `reject`
    decision: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<u16>, minimum = 1900, maximum = 2200)]
    year: Option<Year>,
    /// Words of the person's name.
    #[serde(default)]
    q: Option<String>,
}

/// What a decision on all matching records did: `decided` as for one record, and the records a
/// grant left provisional because their activity ends after today, with the reason in Chinese.
#[derive(Serialize, ToSchema)]
pub struct MatchingDecided {
    decided: usize,
    /// Records whose activity ends after today: not granted (a grant waits for the end).
    skipped_future: usize,
    /// Why records were skipped; absent when none was.
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

/// Grants or rejects every provisional record of the reviewer's scope matching the filters (at most 1000), in one transaction.
/// A grant skips the records whose activity ends after today, as a grant of one record refuses them.
#[utoipa::path(post, path = "/api/v1/credit-records/decide", tag = "credits", request_body = BulkDecision,
    responses((status = 200, body = MatchingDecided), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide_matching(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(body): ApiJson<BulkDecision>,
) -> Result<Json<MatchingDecided>, ApiError> {
    let grant = match body.decision.as_str() {
        "grant" => true,
        "reject" => false,
        _ => return Err(ApiError::invalid("decision", "decision 应为 grant 或 reject")),
    };
    let decision = credits::decision(grant, body.reason.as_deref())?;
    let q = ReviewQuery { status: None, kind: body.kind, year: body.year, q: body.q, page: None, per_page: None };
    let done = credits::decide_matching(&state, &p, &q, &decision).await?;
    Ok(Json(MatchingDecided {
        decided: done.decided,
        skipped_future: done.skipped_future,
        note: crate::credits::pages::skipped_note(done.skipped_future),
    }))
}

/// Reverses a granted record (a correction by the province): the record stays, a new record cancels it.
#[utoipa::path(post, path = "/api/v1/credit-records/{id}/reverse", tag = "credits", params(("id" = i64, Path)), request_body = RejectBody,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reverse(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<RejectBody>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let reversal = credits::reverse_one(&state, &p, id, &body.reason).await?;
    Ok((StatusCode::CREATED, Json(Created { id: reversal.0 })))
}

#[derive(Deserialize, IntoParams)]
pub struct ImportQuery {
    /// The file's name, whose extension tells its format (xlsx, xls, csv).
    file_name: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Imported {
    /// Records stored.
    imported: usize,
}

/// The xlsx template for registrations (unit administrators).
#[utoipa::path(get, path = "/api/v1/credit-records/template", tag = "credits",
    responses((status = 200, description = "xlsx", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 403, body = ErrorBody)))]
pub async fn registration_template(p: Principal) -> Result<Response, ApiError> {
    if !may_ever(&p.grants, CreditAction::Register) {
        return Err(ApiError::Forbidden);
    }
    Ok(xlsx("credit-registrations.xlsx", imports::registration_template().await?))
}

/// Registers many activities of the unit's employees from a file: all rows or none; every bad row is
/// reported in `errors` with its row number and column.
#[utoipa::path(post, path = "/api/v1/credit-records/import", tag = "credits", params(ImportQuery),
    request_body(content = Vec<u8>, description = "xlsx、xls 或 CSV（UTF-8 或 GBK），列同模板", content_type = "application/octet-stream"),
    responses((status = 201, body = Imported), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import_registrations(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<ImportQuery>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Imported>), ApiError> {
    let name = q.file_name.unwrap_or_else(|| "registrations.csv".into());
    let imported = imports::import_registrations(&state, &p, &body, &name).await?;
    Ok((StatusCode::CREATED, Json(Imported { imported })))
}

/// The xlsx template for legacy I类/II类 records (province administrators).
#[utoipa::path(get, path = "/api/v1/credit-records/legacy-template", tag = "credits",
    responses((status = 200, description = "xlsx", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 403, body = ErrorBody)))]
pub async fn legacy_template(p: Principal) -> Result<Response, ApiError> {
    if !may_ever(&p.grants, CreditAction::ImportLegacy) {
        return Err(ApiError::Forbidden);
    }
    Ok(xlsx("legacy-credits.xlsx", imports::legacy_template().await?))
}

/// Imports legacy I类/II类 records (years before 2025) of people of the province, granted at once: all
/// rows or none, every bad row reported.
#[utoipa::path(post, path = "/api/v1/credit-records/legacy-import", tag = "credits", params(ImportQuery),
    request_body(content = Vec<u8>, description = "xlsx、xls 或 CSV（UTF-8 或 GBK），列同模板", content_type = "application/octet-stream"),
    responses((status = 201, body = Imported), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import_legacy(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<ImportQuery>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Imported>), ApiError> {
    let name = q.file_name.unwrap_or_else(|| "legacy.csv".into());
    let imported = imports::import_legacy(&state, &p, &body, &name).await?;
    Ok((StatusCode::CREATED, Json(Imported { imported })))
}

/// Who has reached the year's requirement and who has not, by kind, for a unit, a district, a province
/// or (nationally) everyone; the principal's own scope by default.
#[utoipa::path(get, path = "/api/v1/credits/compliance", tag = "credits", params(ComplianceQuery),
    responses((status = 200, body = ComplianceView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn compliance(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<ComplianceQuery>,
) -> Result<Json<ComplianceView>, ApiError> {
    Ok(Json(reports::report(&state, &p, &q).await?))
}

/// The whole compliance report as an xlsx workbook (paging ignored).
#[utoipa::path(get, path = "/api/v1/credits/compliance/export", tag = "credits", params(ComplianceQuery),
    responses((status = 200, description = "xlsx", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn compliance_export(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<ComplianceQuery>,
) -> Result<Response, ApiError> {
    let (year, bytes) = reports::report_xlsx(&state, &p, &q).await?;
    Ok(xlsx(&format!("compliance-{year}.xlsx"), bytes))
}

/// The caller's self-study plans and applications.
#[utoipa::path(get, path = "/api/v1/me/self-study", tag = "credits",
    responses((status = 200, body = SelfStudyView), (status = 404, body = ErrorBody)))]
pub async fn my_self_study(State(state): State<AppState>, p: Principal) -> Result<Json<SelfStudyView>, ApiError> {
    Ok(Json(credits::my_self_study(&state, &p).await?))
}

/// Submits a self-study plan for a year, for the unit administrator to approve.
#[utoipa::path(post, path = "/api/v1/me/self-study/plans", tag = "credits", request_body = PlanInput,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submit_plan(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(input): ApiJson<PlanInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = credits::submit_plan(&state, &p, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.0 })))
}

/// Applies for self-study credits against an approved plan; provisional until the unit grants them.
#[utoipa::path(post, path = "/api/v1/me/self-study/applications", tag = "credits", request_body = ApplyInput,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn apply_self_study(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(input): ApiJson<ApplyInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = credits::apply_self_study(&state, &p, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.0 })))
}

/// The unit administrator's queue: submitted plans and provisional self-study applications. Applications
/// are granted or rejected with `/credit-records/{id}/grant` and `/reject`.
#[utoipa::path(get, path = "/api/v1/self-study", tag = "credits",
    responses((status = 200, body = SelfStudyView), (status = 403, body = ErrorBody)))]
pub async fn self_study_queue(State(state): State<AppState>, p: Principal) -> Result<Json<SelfStudyView>, ApiError> {
    Ok(Json(credits::self_study_queue(&state, &p).await?))
}

/// Approves a submitted self-study plan (the person's unit administrator).
#[utoipa::path(post, path = "/api/v1/self-study/plans/{id}/approve", tag = "credits", params(("id" = i64, Path)),
    responses((status = 200, body = Decided), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn approve_plan(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Json<Decided>, ApiError> {
    credits::decide_plan(&state, &p, id, &credits::decision(true, None)?).await?;
    Ok(Json(Decided { decided: 1 }))
}

/// Rejects a submitted self-study plan with a reason.
#[utoipa::path(post, path = "/api/v1/self-study/plans/{id}/reject", tag = "credits", params(("id" = i64, Path)), request_body = RejectBody,
    responses((status = 200, body = Decided), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reject_plan(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<RejectBody>,
) -> Result<Json<Decided>, ApiError> {
    let decision = credits::decision(false, Some(&body.reason))?;
    credits::decide_plan(&state, &p, id, &decision).await?;
    Ok(Json(Decided { decided: 1 }))
}
