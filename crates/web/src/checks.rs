//! The offline checks over HTTP (formats.md): the same documents and answers as `jijiao check`,
//! public (no login), so a unit's system can check a file before submitting it.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use jijiao_domain::check::{Kind, run};

use crate::routes::Routes;
use crate::{ApiError, AppState};

pub fn routes() -> Routes {
    Routes::new()
        .post("/applications/check", check_application)
        .post("/scores/evaluate", evaluate_score)
        .post("/credits/evaluate", evaluate_credits)
}

async fn check(state: &AppState, kind: Kind, body: &Bytes) -> Result<Json<serde_json::Value>, ApiError> {
    let text = std::str::from_utf8(body).map_err(|_| ApiError::BadRequest("请求体应为 UTF-8 编码的 JSON".into()))?;
    // The formal review checks subjects against the catalogue in force, which the national office
    // may have replaced, and credits under the server's rule settings (JIJIAO_RULES_FILE); offline,
    // the CLI uses the shipped default catalogue and the settings given with --settings.
    let catalogue = state.store.catalogue().await?;
    run(kind, text, &catalogue, &state.rules).map(|o| Json(o.json)).map_err(ApiError::InvalidDocument)
}

/// Formal review of an application (rules.md §3).
#[utoipa::path(post, path = "/api/v1/applications/check", tag = "checks",
    request_body(content = Object, description = "申报书（formats.md Application）", content_type = "application/json"),
    responses(
        (status = 200, description = "审查结果 { ok, errors, warnings, findings: [ { rule, severity, field, message } ] }", body = Object),
        (status = 422, description = "文件不是有效的申报书（指出字段路径）", body = crate::error::ErrorBody)))]
pub async fn check_application(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    check(&state, Kind::Application, &body).await
}

/// The 2024 evaluation score of an execution report (rules.md §5).
#[utoipa::path(post, path = "/api/v1/scores/evaluate", tag = "checks",
    request_body(content = Object, description = "执行情况（formats.md Execution report）", content_type = "application/json"),
    responses(
        (status = 200, description = "评分 { periods: [ { items, total, explanations } ], score }", body = Object),
        (status = 422, description = "文件不是有效的执行情况（指出字段路径）", body = crate::error::ErrorBody)))]
pub async fn evaluate_score(State(state): State<AppState>, body: Bytes) -> Result<Json<serde_json::Value>, ApiError> {
    check(&state, Kind::Score, &body).await
}

/// One professional's credits for one year under the 2024 rules, or a legacy year (rules.md §2).
#[utoipa::path(post, path = "/api/v1/credits/evaluate", tag = "checks",
    request_body(content = Object, description = "年度学习活动（formats.md Activities）", content_type = "application/json"),
    responses(
        (status = 200, description = "学分 { year, activities, by_kind, total, required, compliant }", body = Object),
        (status = 422, description = "文件无效：列出每一处问题", body = crate::error::ErrorBody)))]
pub async fn evaluate_credits(State(state): State<AppState>, body: Bytes) -> Result<Json<serde_json::Value>, ApiError> {
    check(&state, Kind::Credits, &body).await
}
