//! Beside the workflow API of formats.md (issue 16): a remote project's upload cycle, chosen once by
//! its unit (`periods/{n}` of a remote project is then upload cycle n on every workflow route), and
//! the learners' phone survey of a period or cycle with the counts that fill its report.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jijiao_app::events::remote::{self as remote, CycleLine, UploadCycleView};
use jijiao_app::reports::survey::{self as survey, Question, SurveyCounts, SurveyView};
use jijiao_domain::events::survey::Answer;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::auth::Principal;
use crate::routes::Routes;
use crate::{ApiError, AppState};

#[derive(OpenApi)]
#[openapi(
    paths(get_upload_cycle, put_upload_cycle, get_survey, post_survey, get_survey_counts),
    components(schemas(UploadCycleView, CycleLine, CycleBody, SurveyView, Question, SurveyAnswer, Answered, SurveyCounts)),
    tags((name = "reports", description = "执行情况：学员名单、执行情况汇报、审核、评分与学分发放"))
)]
pub struct Doc;

pub fn routes() -> Routes {
    Routes::new()
        .get("/projects/{number}/upload-cycle", get_upload_cycle)
        .put("/projects/{number}/upload-cycle", put_upload_cycle)
        .get("/projects/{number}/periods/{n}/survey", get_survey)
        .post("/projects/{number}/periods/{n}/survey", post_survey)
        .get("/projects/{number}/periods/{n}/survey/counts", get_survey_counts)
}

/// The upload cycle to choose.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CycleBody {
    /// 上传周期（月）：1、2、3、6 或 12
    #[schema(minimum = 1, maximum = 12)]
    months: u32,
}

/// A remote project's upload cycle and the cycles it makes (`periods/{n}` is cycle n), for whoever
/// sees the project's events; `months` is `null` until its unit chose.
#[utoipa::path(get, path = "/api/v1/projects/{number}/upload-cycle", tag = "reports", security(("bearer" = [])),
    params(("number" = String, Path, description = "项目编号（远程项目）")),
    responses((status = 200, body = UploadCycleView), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn get_upload_cycle(
    State(state): State<AppState>,
    p: Principal,
    Path(number): Path<String>,
) -> Result<Json<UploadCycleView>, ApiError> {
    Ok(Json(remote::upload_cycle(&state, &p, &number).await?))
}

/// Chooses or changes a remote project's upload cycle (the unit administrator of the project's unit,
/// or its leader): 1, 2, 3, 6 or 12 months; refused (409) once a report of the project was submitted.
#[utoipa::path(put, path = "/api/v1/projects/{number}/upload-cycle", tag = "reports", security(("bearer" = [])),
    params(("number" = String, Path, description = "项目编号（远程项目）")), request_body = CycleBody,
    responses((status = 200, body = UploadCycleView), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn put_upload_cycle(
    State(state): State<AppState>,
    p: Principal,
    Path(number): Path<String>,
    crate::api::ApiJson(body): crate::api::ApiJson<CycleBody>,
) -> Result<Json<UploadCycleView>, ApiError> {
    Ok(Json(remote::set_upload_cycle(&state, &p, &number, body.months).await?))
}

/// One learner's answers: each question's chosen option, counted from 0 in the order of the form
/// (`questions` of the survey); question 7 two different options.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyAnswer {
    /// 讲授内容是否为本学科的最新发展…：0 是、1 基本是、2 否
    #[schema(minimum = 0, maximum = 2)]
    q1: u8,
    /// 以前对讲授内容的了解情况：0 全知道、1 部分知道、2 不知道
    #[schema(minimum = 0, maximum = 2)]
    q2: u8,
    /// 参加本项目学习的收获：0 很大、1 较大、2 一般
    #[schema(minimum = 0, maximum = 2)]
    q3: u8,
    /// 对授课教师讲授内容的满意度：0 很满意、1 满意、2 一般
    #[schema(minimum = 0, maximum = 2)]
    q4: u8,
    /// 对教学计划安排的满意度：0 很满意、1 满意、2 一般
    #[schema(minimum = 0, maximum = 2)]
    q5: u8,
    /// 对教材的满意度：0 很满意、1 满意、2 一般
    #[schema(minimum = 0, maximum = 2)]
    q6: u8,
    /// 收获最大的是（选二项）：0 开阔思路、1 提高临床诊治能力、2 提高理论水平、3 提高科研工作能力、4 提高操作能力
    #[schema(min_items = 2, max_items = 2)]
    q7: [u8; 2],
}

#[derive(Serialize, ToSchema)]
pub struct Answered {
    answered: bool,
}

/// The survey of a period (a remote project's upload cycle) for a learner on its roster, with their
/// answers once given and whether it takes answers now.
#[utoipa::path(get, path = "/api/v1/projects/{number}/periods/{n}/survey", tag = "reports", security(("bearer" = [])),
    params(("number" = String, Path, description = "项目编号"), ("n" = u32, Path, description = "期次（远程项目：上传周期）")),
    responses((status = 200, body = SurveyView), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_survey(
    State(state): State<AppState>,
    p: Principal,
    Path((number, n)): Path<(String, u32)>,
) -> Result<Json<SurveyView>, ApiError> {
    Ok(Json(survey::survey(&state, &p, &number, n).await?))
}

/// Answers the survey, once (a learner on the roster): from the period's last day until its report
/// is approved; a second answer is refused (409).
#[utoipa::path(post, path = "/api/v1/projects/{number}/periods/{n}/survey", tag = "reports", security(("bearer" = [])),
    params(("number" = String, Path, description = "项目编号"), ("n" = u32, Path, description = "期次（远程项目：上传周期）")),
    request_body = SurveyAnswer,
    responses((status = 201, body = Answered), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn post_survey(
    State(state): State<AppState>,
    p: Principal,
    Path((number, n)): Path<(String, u32)>,
    crate::api::ApiJson(body): crate::api::ApiJson<SurveyAnswer>,
) -> Result<(StatusCode, Json<Answered>), ApiError> {
    let answer = Answer { q1: body.q1, q2: body.q2, q3: body.q3, q4: body.q4, q5: body.q5, q6: body.q6, q7: body.q7 };
    survey::answer(&state, &p, &number, n, &answer).await?;
    Ok((StatusCode::CREATED, Json(Answered { answered: true })))
}

/// How many learners answered the survey, of how many, and the counts their answers give the
/// report's survey grid (whoever sees the event; the unit fills its report with them).
#[utoipa::path(get, path = "/api/v1/projects/{number}/periods/{n}/survey/counts", tag = "reports", security(("bearer" = [])),
    params(("number" = String, Path, description = "项目编号"), ("n" = u32, Path, description = "期次（远程项目：上传周期）")),
    responses((status = 200, body = SurveyCounts), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn get_survey_counts(
    State(state): State<AppState>,
    p: Principal,
    Path((number, n)): Path<(String, u32)>,
) -> Result<Json<SurveyCounts>, ApiError> {
    Ok(Json(survey::survey_counts(&state, &p, &number, n).await?))
}
