//! Applications over the API: drafts, submission, the review chain, windows and quotas.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use jijiao_app::applications::{self as ops, ListQuery, NationalQuota, Quotas, SetWindow, WindowView};
use jijiao_domain::review::Application;
use jijiao_domain::review::workflow::Step;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::api::ApiJson;
use crate::auth::Principal;
use crate::routes::Routes;
use crate::{ApiError, AppState};

/// This area's part of the OpenAPI document (merged in [`crate::api::openapi`]).
#[derive(OpenApi)]
#[openapi(
    paths(
        list_applications, create_application, get_application, update_application, check_edit, delete_application,
        step_application, copy_application, export_applications, list_windows, set_window, quotas
    ),
    components(schemas(SetWindow, WindowView, StepInput, Saved, Quotas, NationalQuota, EditReview, EditFinding)),
    tags((name = "applications", description = "项目申报：草稿、提交、逐级审核、申报时间与限额（按管理范围）"))
)]
pub struct Doc;

pub fn routes() -> Routes {
    Routes::new()
        .get("/applications", list_applications)
        .post("/applications", create_application)
        .get("/applications/export.xlsx", export_applications)
        .get("/applications/{id}", get_application)
        .put("/applications/{id}", update_application)
        .post("/applications/{id}/check", check_edit)
        .delete("/applications/{id}", delete_application)
        .post("/applications/{id}/steps", step_application)
        .post("/applications/{id}/copy", copy_application)
        .get("/application-windows", list_windows)
        .put("/application-windows", set_window)
        .get("/application-quotas", quotas)
}

/// A saved application and the formal review of what was saved.
#[derive(Serialize, ToSchema)]
pub struct Saved {
    id: i64,
    status: String,
    /// { ok, errors, warnings, findings: [ { rule, severity, field, message } ] }
    #[schema(value_type = Object)]
    review: jijiao_domain::review::Review,
}

/// The principal's applications (applicants: their unit's or their own; reviewers: what was
/// submitted in their scope), filtered and paginated.
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", params(ListQuery),
    responses((status = 200, description = "{ items, total, page, per_page }", body = Object), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list_applications(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<ListQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let page = ops::list(&state, &p, &q).await?;
    Ok(Json(serde_json::to_value(&page).map_err(|e| ApiError::Internal(e.to_string()))?))
}

/// Creates a draft for the caller's unit (a unit administrator) or led by the caller (a leader).
#[utoipa::path(post, path = "/api/v1/applications", tag = "applications",
    request_body(content = Object, description = "申报书（formats.md Application）；context 由服务器按记录重新填写", content_type = "application/json"),
    responses((status = 201, body = Saved), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_application(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(doc): ApiJson<Application>,
) -> Result<(StatusCode, Json<Saved>), ApiError> {
    let (id, review) = ops::create(&state, &p, &doc, None).await?;
    Ok((StatusCode::CREATED, Json(Saved { id: id.0, status: "draft".into(), review })))
}

/// One application: the document (ID number masked), the review with the context from the
/// records, every step with who, when and why, and what the caller may do now.
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_application(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Json<ops::Detail>, ApiError> {
    Ok(Json(ops::detail(&state, &p, id).await?))
}

/// Saves the whole document of a draft or a returned application; answers with its review.
#[utoipa::path(put, path = "/api/v1/applications/{id}", tag = "applications", params(("id" = i64, Path)),
    request_body(content = Object, description = "申报书（formats.md Application）", content_type = "application/json"),
    responses((status = 200, body = Saved), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn update_application(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    ApiJson(doc): ApiJson<Application>,
) -> Result<Json<Saved>, ApiError> {
    let review = ops::update(&state, &p, id, &doc).await?;
    let status = state.store.application(jijiao_storage::applications::ApplicationId(id)).await?.summary.status;
    Ok(Json(Saved { id, status: status.code().into(), review }))
}

/// The formal review of an edited draft, each finding placed on the form.
#[derive(Serialize, ToSchema)]
pub struct EditReview {
    ok: bool,
    errors: usize,
    warnings: usize,
    findings: Vec<EditFinding>,
}

#[derive(Serialize, ToSchema)]
pub struct EditFinding {
    /// The rule (rules.md §3), or `form.unreadable` for a value that is not of its field's kind.
    rule: String,
    /// `error` or `warning`
    severity: String,
    /// The field's path in the document (`teachers[2].hours`).
    field: String,
    message: String,
    /// The field's name on the 申报书 form (`授课教师及课程第3行“学时”`).
    label: String,
    /// The form's step holding the field (`basic`, `leader`, `courses`, `periods`, `final`); empty
    /// for the application's conditions.
    step: String,
    /// The id of the field's element on that step's page, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    anchor: Option<String>,
}

/// The formal review of a draft as edited, before it is saved: what saving it would find (the
/// stored ID number for its mask, the context from the records), with each value that is not of
/// its field's kind as one more finding; nothing is stored. The 申报书 form's live review.
#[utoipa::path(post, path = "/api/v1/applications/{id}/check", tag = "applications", params(("id" = i64, Path)),
    request_body(content = Object, description = "申报书（formats.md Application），可含未保存的修改", content_type = "application/json"),
    responses((status = 200, body = EditReview), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn check_edit(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    ApiJson(sent): ApiJson<serde_json::Value>,
) -> Result<Json<EditReview>, ApiError> {
    use crate::applications::pages::form::{field_place, read_leniently};
    let stored = ops::visible(&state, &p, id).await?;
    let stored = serde_json::to_value(&stored.document).map_err(|e| ApiError::Internal(e.to_string()))?;
    let (doc, unreadable) = read_leniently(sent, &stored).map_err(|e| ApiError::InvalidDocument(vec![e]))?;
    let review = ops::review_edit(&state, &p, id, &doc).await?;
    let findings: Vec<_> = unreadable.into_iter().chain(review.findings).collect();
    let review = jijiao_domain::review::Review::from_findings(findings);
    let findings = review
        .findings
        .into_iter()
        .map(|f| {
            let place = field_place(&f.field);
            EditFinding {
                rule: f.rule.to_string(),
                severity: if f.severity == jijiao_domain::review::Severity::Error { "error" } else { "warning" }.into(),
                field: f.field,
                message: f.message,
                label: place.label,
                step: place.step.to_string(),
                anchor: place.anchor,
            }
        })
        .collect();
    Ok(Json(EditReview { ok: review.ok, errors: review.errors, warnings: review.warnings, findings }))
}

#[derive(Serialize, ToSchema)]
pub struct Done {
    ok: bool,
}

/// Deletes a draft that was never submitted.
#[utoipa::path(delete, path = "/api/v1/applications/{id}", tag = "applications", params(("id" = i64, Path)),
    responses((status = 200, body = Done), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete_application(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Json<Done>, ApiError> {
    ops::delete(&state, &p, id).await?;
    Ok(Json(Done { ok: true }))
}

/// A step of the review chain.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepInput {
    /// submit / forward / recommend / approve / reject / return
    step: String,
    /// Required to return or reject.
    #[serde(default)]
    comment: String,
}

/// Takes a step: the unit submits (refused while the formal review finds errors), the district
/// forwards, the province recommends (national) or approves (provincial), the national office
/// approves or rejects; any reviewer returns with comments.
#[utoipa::path(post, path = "/api/v1/applications/{id}/steps", tag = "applications", params(("id" = i64, Path)), request_body = StepInput,
    responses((status = 200, body = Saved), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn step_application(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<StepInput>,
) -> Result<Json<Saved>, ApiError> {
    let step = Step::from_code_or_label(&input.step).ok_or_else(|| ApiError::InvalidInput {
        field: Some("step".into()),
        message: format!("未知步骤“{}”", input.step),
    })?;
    let (status, review) = ops::step(&state, &p, id, step, &input.comment).await?;
    Ok(Json(Saved { id, status: status.code().into(), review }))
}

/// Copies an application (e.g. last year's) into a new draft for the coming year.
#[utoipa::path(post, path = "/api/v1/applications/{id}/copy", tag = "applications", params(("id" = i64, Path)),
    responses((status = 201, body = Saved), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn copy_application(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<Saved>), ApiError> {
    let (new_id, review) = ops::copy(&state, &p, id).await?;
    Ok((StatusCode::CREATED, Json(Saved { id: new_id.0, status: "draft".into(), review })))
}

/// The list (same filters) as an Excel workbook for review meetings, with the findings.
#[utoipa::path(get, path = "/api/v1/applications/export.xlsx", tag = "applications", params(ListQuery),
    responses((status = 200, description = "xlsx", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 403, body = crate::error::ErrorBody)))]
pub async fn export_applications(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<ListQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let bytes = ops::export(&state, &p, &q).await?;
    Ok(xlsx_response(bytes))
}

pub fn xlsx_response(bytes: Vec<u8>) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, jijiao_documents::XLSX_CONTENT_TYPE),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"applications.xlsx\""),
        ],
        bytes,
    )
}

/// Every level's application window (the deadlines units see).
#[utoipa::path(get, path = "/api/v1/application-windows", tag = "applications",
    responses((status = 200, body = Vec<WindowView>)))]
pub async fn list_windows(State(state): State<AppState>, _p: Principal) -> Result<Json<Vec<WindowView>>, ApiError> {
    Ok(Json(ops::windows(&state).await?))
}

/// Sets when the caller's office accepts applications of its level for a year.
#[utoipa::path(put, path = "/api/v1/application-windows", tag = "applications", request_body = SetWindow,
    responses((status = 200, body = Done), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_window(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(input): ApiJson<SetWindow>,
) -> Result<Json<Done>, ApiError> {
    ops::set_window(&state, &p, &input).await?;
    Ok(Json(Done { ok: true }))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct QuotaQuery {
    /// The year applied for; the coming year when absent.
    #[param(value_type = Option<u16>, minimum = 1900, maximum = 2200)]
    year: Option<jijiao_domain::Year>,
}

/// The caller's quotas: a unit administrator's national quota (50 % of last year's approvals,
/// at least 2), a district administrator's quota of district projects (50 % of those held the
/// year before; no limit when none were). Other roles have no quota to see.
#[utoipa::path(get, path = "/api/v1/application-quotas", tag = "applications", params(QuotaQuery),
    responses((status = 200, body = Quotas), (status = 403, body = crate::error::ErrorBody)))]
pub async fn quotas(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<QuotaQuery>,
) -> Result<Json<Quotas>, ApiError> {
    let quotas = ops::quotas(&state, &p, q.year.unwrap_or_else(|| ops::coming_year(&state))).await?;
    if quotas.national.is_none() && quotas.district.is_none() {
        return Err(ApiError::Forbidden);
    }
    Ok(Json(quotas))
}
