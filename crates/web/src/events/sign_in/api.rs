//! The sign-in API: a signed-in professional sends the code their phone scanned to sign in to its
//! session and again to sign out; the unit (its administrator or the project's leader) reads who
//! signed in and the current code of a session (a kiosk or a provincial system may show it).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use jijiao_app::events::sign_in::{
    self as ops, Attendance, CurrentCode, SessionCount, SessionView, SignInEntry, SignInList,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::api::ApiJson;
use crate::auth::{MaybePrincipal, Principal};
use crate::routes::Routes;
use crate::{ApiError, AppState};

#[derive(OpenApi)]
#[openapi(
    paths(post_sign_in, post_sign_out, list_sign_ins, current_code),
    components(schemas(CodeBody, Attendance, SessionView, SessionCount, SignInEntry, SignInList, CodeView)),
    tags((name = "sign-in", description = "扫码签到：学员凭现场二维码签到、签退；举办单位查看签到名单与当前签到码"))
)]
pub struct Doc;

pub fn routes() -> Routes {
    Routes::new()
        .post("/projects/{number}/periods/{n}/sign-ins", post_sign_in)
        .get("/projects/{number}/periods/{n}/sign-ins", list_sign_ins)
        .post("/projects/{number}/periods/{n}/sign-outs", post_sign_out)
        .get("/projects/{number}/periods/{n}/sign-in-code", current_code)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    /// 扫描现场二维码得到的签到码（二维码地址 `/sign-in/` 之后的部分，或整个地址）
    code: String,
}

/// The code of a body: the code itself, or the whole URL the QR code holds.
fn code_of(body: &CodeBody) -> &str {
    let text = body.code.trim();
    text.rsplit_once("/sign-in/").map_or(text, |(_, code)| code)
}

/// The professional signing in: any signed-in account with a person of its own, also one whose
/// registration awaits its employer's confirmation (a learner who registered at the door).
fn learner(p: MaybePrincipal) -> Result<Principal, ApiError> {
    p.0.ok_or(ApiError::Unauthorized)
}

/// Signs the signed-in professional in to the session the code names (idempotent: a second time
/// answers the first sign-in with `new: false`). The code must be of this period and at most 60 s
/// past its time on screen; the period must be held today and the session be today's.
#[utoipa::path(post, path = "/api/v1/projects/{number}/periods/{n}/sign-ins", tag = "sign-in", security(("bearer" = [])),
    params(("number" = String, Path, description = "项目编号"), ("n" = u32, Path, description = "期次（按公布日期从1起）")),
    request_body = CodeBody,
    responses((status = 200, body = Attendance), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn post_sign_in(
    State(state): State<AppState>,
    p: MaybePrincipal,
    Path((number, n)): Path<(String, u32)>,
    ApiJson(body): ApiJson<CodeBody>,
) -> Result<Json<Attendance>, ApiError> {
    let p = learner(p)?;
    Ok(Json(ops::sign_in(&state, &p, code_of(&body), Some((&number, n))).await?))
}

/// Signs the signed-in professional out of the session the code names (the code scanned again at
/// the end): the hours attended are the time since signing in, in tenths of an hour counted down,
/// at most the session's scheduled hours. Once only (409 the second time, or without a sign-in).
#[utoipa::path(post, path = "/api/v1/projects/{number}/periods/{n}/sign-outs", tag = "sign-in", security(("bearer" = [])),
    params(("number" = String, Path), ("n" = u32, Path)), request_body = CodeBody,
    responses((status = 200, body = Attendance), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn post_sign_out(
    State(state): State<AppState>,
    p: MaybePrincipal,
    Path((number, n)): Path<(String, u32)>,
    ApiJson(body): ApiJson<CodeBody>,
) -> Result<Json<Attendance>, ApiError> {
    let p = learner(p)?;
    Ok(Json(ops::sign_out(&state, &p, code_of(&body), Some((&number, n))).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SessionQuery {
    /// 场次，形如 `2026-06-10T09:00`（日期与开始时间）
    session: Option<String>,
}

/// Who signed in to the period (the unit's administrator or the project's leader): each session of
/// the schedule with its counts, and every sign-in with the ID number masked and the hours at
/// sign-out; `session` narrows the entries to one session.
#[utoipa::path(get, path = "/api/v1/projects/{number}/periods/{n}/sign-ins", tag = "sign-in", security(("bearer" = [])),
    params(("number" = String, Path), ("n" = u32, Path), SessionQuery),
    responses((status = 200, body = SignInList), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn list_sign_ins(
    State(state): State<AppState>,
    p: Principal,
    Path((number, n)): Path<(String, u32)>,
    Query(q): Query<SessionQuery>,
) -> Result<Json<SignInList>, ApiError> {
    Ok(Json(ops::sign_ins(&state, &p, &number, n, q.session.as_deref()).await?))
}

#[derive(Serialize, ToSchema)]
pub struct CodeView {
    #[serde(flatten)]
    current: CurrentCode,
    /// 二维码中的地址（学员手机打开的签到页）
    url: String,
}

/// The code of a session at this moment, and the URL its QR code holds (the unit's administrator
/// or the project's leader, only while the period is held and for one of today's sessions; without
/// `session`, the one under way, else the next). It changes every 30 s (`refresh_at`).
#[utoipa::path(get, path = "/api/v1/projects/{number}/periods/{n}/sign-in-code", tag = "sign-in", security(("bearer" = [])),
    params(("number" = String, Path), ("n" = u32, Path), SessionQuery),
    responses((status = 200, body = CodeView), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn current_code(
    State(state): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    Path((number, n)): Path<(String, u32)>,
    Query(q): Query<SessionQuery>,
) -> Result<Json<CodeView>, ApiError> {
    let current = ops::current_code(&state, &p, &number, n, q.session.as_deref()).await?;
    let url = super::code_url(&state, &headers, &current.code);
    Ok(Json(CodeView { current, url }))
}
