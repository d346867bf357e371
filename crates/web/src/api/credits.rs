//! The learning record over the API: credit records, registrations by units, self-study, grants and compliance.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use jijiao_domain::authz::credits::CreditAction;
use jijiao_storage::PersonId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::ApiJson;
use crate::auth::Principal;
use crate::credit_ops::{self, RegisterInput, ReviewLine, ReviewQuery, YearView};
use crate::error::ErrorBody;
use crate::routes::Routes;
use crate::{ApiError, AppState};

/// This area's part of the OpenAPI document (merged in [`super::openapi`]).
#[derive(OpenApi)]
#[openapi(
    paths(my_credits, person_credits, register, review_list, grant, reject, decide_matching),
    components(schemas(YearView, RegisterInput, ReviewPage, Created, Decided, RejectBody, BulkDecision)),
    tags((name = "credits", description = "个人学习档案：学分记录、单位登记、省级审核"))
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
}

#[derive(Deserialize, IntoParams)]
pub struct YearQuery {
    /// The calendar year (default: this year).
    year: Option<i32>,
}

/// The caller's own learning record for a year: every record with its explanation, totals by kind and caps.
#[utoipa::path(get, path = "/api/v1/me/credits", tag = "credits", params(YearQuery),
    responses((status = 200, body = YearView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn my_credits(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<YearQuery>,
) -> Result<Json<YearView>, ApiError> {
    let s = credit_ops::own(&state, &p).await?;
    Ok(Json(credit_ops::year_view(&state, &s, q.year).await?))
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
    let s = credit_ops::person_for(&state, &p, PersonId(id), CreditAction::ReadRecord).await?;
    Ok(Json(credit_ops::year_view(&state, &s, q.year).await?))
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
    let id = credit_ops::register(&state, &p, &input).await?;
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
    let page = credit_ops::review_list(&state, &p, &q).await?;
    Ok(Json(ReviewPage {
        items: page.items.iter().map(credit_ops::review_line).collect(),
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
    credit_ops::decide_one(&state, &p, id, &credit_ops::decision(true, None)?).await?;
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
    let decision = credit_ops::decision(false, Some(&body.reason))?;
    credit_ops::decide_one(&state, &p, id, &decision).await?;
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
    year: Option<i32>,
    /// Words of the person's name.
    #[serde(default)]
    q: Option<String>,
}

/// Grants or rejects every provisional record of the reviewer's scope matching the filters (at most 1000), in one transaction.
#[utoipa::path(post, path = "/api/v1/credit-records/decide", tag = "credits", request_body = BulkDecision,
    responses((status = 200, body = Decided), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide_matching(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(body): ApiJson<BulkDecision>,
) -> Result<Json<Decided>, ApiError> {
    let grant = match body.decision.as_str() {
        "grant" => true,
        "reject" => false,
        _ => return Err(ApiError::invalid("decision", "decision 应为 grant 或 reject")),
    };
    let decision = credit_ops::decision(grant, body.reason.as_deref())?;
    let q = ReviewQuery { status: None, kind: body.kind, year: body.year, q: body.q, page: None, per_page: None };
    let decided = credit_ops::decide_matching(&state, &p, &q, &decision).await?;
    Ok(Json(Decided { decided }))
}
