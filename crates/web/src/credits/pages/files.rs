//! The spreadsheet files of credits: the registration and legacy templates, and their imports.

use askama::Template;
use axum::extract::Multipart;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jijiao_app::credits::imports;
use jijiao_domain::authz::credits::{CreditAction, may_ever};

use super::registration::{register_page, register_page_with};
use super::*;
use crate::auth::{PageUser, Principal};
use crate::csrf::CsrfToken;
use crate::pages::{Layout, PageError, render};
use crate::{ApiError, AppState};

pub(super) fn xlsx(file_name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, XLSX.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
        ],
        bytes,
    )
        .into_response()
}

/// The uploaded file of a multipart form (field `file`), or the Chinese reason there is none.
pub(super) async fn upload(multipart: &mut Multipart) -> Result<(String, Vec<u8>), String> {
    let mut file = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                if field.name() == Some("file") {
                    let name = field.file_name().unwrap_or("upload.csv").to_string();
                    let bytes = field.bytes().await.map_err(|_| "文件上传不完整，请重试".to_string())?;
                    file = Some((name, bytes.to_vec()));
                }
            }
            Ok(None) => break,
            Err(_) => return Err("文件上传不完整，请重试".into()),
        }
    }
    file.filter(|(_, b)| !b.is_empty()).ok_or_else(|| "请选择要导入的文件".to_string())
}

/// The problems of a rejected import, one line each, or the error page for anything else.
pub(super) fn import_problems(e: impl Into<ApiError>) -> Result<Vec<String>, PageError> {
    match e.into() {
        ApiError::InvalidDocument(all) => Ok(all.into_iter().map(|d| d.to_string()).collect()),
        ApiError::InvalidInput { message, .. } => Ok(vec![message]),
        other => Err(other.into()),
    }
}

pub(super) async fn registration_template(PageUser(p): PageUser) -> Result<Response, PageError> {
    if !may_ever(&p.grants, CreditAction::Register) {
        return Err(ApiError::Forbidden.into());
    }
    let bytes = imports::registration_template().await?;
    Ok(xlsx("credit-registrations.xlsx", bytes))
}

pub(super) async fn import_registrations(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    if !may_ever(&p.grants, CreditAction::Register) {
        return Err(ApiError::Forbidden.into());
    }
    let (name, bytes) = match upload(&mut multipart).await {
        Ok(file) => file,
        Err(message) => {
            return register_page_with(&state, &p, &csrf, None, None, vec![message], Default::default()).await;
        }
    };
    match imports::import_registrations(&state, &p, &bytes, &name).await {
        Ok(n) => {
            let message = format!("已从文件登记 {n} 条学分记录，等待省级审核。");
            register_page(&state, &p, &csrf, Some(message), None).await
        }
        Err(e) => register_page_with(&state, &p, &csrf, None, None, import_problems(e)?, Default::default()).await,
    }
}

#[derive(Template)]
#[template(path = "credits/legacy.html")]
pub(super) struct LegacyPage {
    layout: Layout,
    message: Option<String>,
    problems: Vec<String>,
}

pub(super) fn legacy_render(
    p: &Principal,
    csrf: &CsrfToken,
    message: Option<String>,
    problems: Vec<String>,
) -> Response {
    let status = if problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(status, &LegacyPage { layout: layout("/credits/legacy", p, csrf), message, problems })
}

pub(super) async fn legacy_page(PageUser(p): PageUser, csrf: CsrfToken) -> Result<Response, PageError> {
    if !may_ever(&p.grants, CreditAction::ImportLegacy) {
        return Err(ApiError::Forbidden.into());
    }
    Ok(legacy_render(&p, &csrf, None, Vec::new()))
}

pub(super) async fn legacy_template(PageUser(p): PageUser) -> Result<Response, PageError> {
    if !may_ever(&p.grants, CreditAction::ImportLegacy) {
        return Err(ApiError::Forbidden.into());
    }
    let bytes = imports::legacy_template().await?;
    Ok(xlsx("legacy-credits.xlsx", bytes))
}

pub(super) async fn import_legacy(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    if !may_ever(&p.grants, CreditAction::ImportLegacy) {
        return Err(ApiError::Forbidden.into());
    }
    let (name, bytes) = match upload(&mut multipart).await {
        Ok(file) => file,
        Err(message) => return Ok(legacy_render(&p, &csrf, None, vec![message])),
    };
    match imports::import_legacy(&state, &p, &bytes, &name).await {
        Ok(n) => Ok(legacy_render(&p, &csrf, Some(format!("已导入 {n} 条原 I类/II类学分记录。")), Vec::new())),
        Err(e) => Ok(legacy_render(&p, &csrf, None, import_problems(e)?)),
    }
}
