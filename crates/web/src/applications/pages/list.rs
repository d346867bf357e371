//! The lists of applications (the unit's own, the reviewers' with filters) and their Excel export.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use jijiao_app::applications::{self as ops, ListQuery, WindowView};
use jijiao_domain::authz::applications as rules;
use jijiao_domain::review::workflow::Status;
use serde::Deserialize;

use super::form::LEVELS;
use super::*;
use crate::AppState;
use crate::auth::PageUser;
use crate::csrf::CsrfToken;
use crate::error::form_year;
use crate::pages::{Layout, PageError, render};

pub(super) struct RowView {
    id: i64,
    code: String,
    year: jijiao_domain::Year,
    level: &'static str,
    name: String,
    unit: String,
    leader: String,
    subject: String,
    status: &'static str,
    submitted_on: String,
    errors: u32,
    warnings: u32,
}

#[derive(Template)]
#[template(path = "applications/list.html")]
pub(super) struct ListPage {
    layout: Layout,
    reviewer: bool,
    applicant: bool,
    rows: Vec<RowView>,
    total: i64,
    page: u32,
    pages: i64,
    /// The filters as a query string (for paging and the export).
    query: String,
    year: String,
    level: String,
    province: String,
    subject: String,
    status: String,
    findings: String,
    q: String,
    levels: &'static [(&'static str, &'static str)],
    provinces: Vec<(&'static str, &'static str)>,
    subjects: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    windows: Vec<WindowView>,
    quotas: ops::Quotas,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct ListForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    findings: String,
    #[serde(default)]
    q: String,
    page: Option<u32>,
    deleted: Option<String>,
}

pub(super) async fn list_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Query(form): Query<ListForm>,
) -> Result<Response, PageError> {
    if !may_use(&p) {
        return Err(PageError::forbidden("此页面供申报单位、项目负责人和各级审核部门使用。"));
    }
    let opt = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
    let year = opt(&form.year)
        .map(|y| form_year("year", &y, || format!("年度应为四位数字，当前为“{}”", form.year)))
        .transpose()?;
    let query = ListQuery {
        year,
        level: opt(&form.level),
        province: opt(&form.province),
        subject: opt(&form.subject),
        status: opt(&form.status),
        findings: opt(&form.findings),
        q: opt(&form.q),
        page: form.page,
        per_page: Some(20),
    };
    // A unit administrator sees the unit's national quota for the coming year (rules.md §3), a
    // district administrator the district's quota of district projects (002).
    let page = ops::list(&state, &p, &query).await?;
    let windows = ops::windows_for(&state, &p).await?;
    let quotas = ops::quotas(&state, &p, ops::coming_year(&state)).await?;
    let pages = page.pages();
    let rows = page
        .items
        .into_iter()
        .map(|a| RowView {
            id: a.id.0,
            code: a.code.unwrap_or_default(),
            year: a.year,
            level: a.level.label(),
            name: a.name,
            unit: a.unit_name,
            leader: a.leader_name,
            subject: a.subject_tertiary,
            status: a.status.label(),
            submitted_on: a.submitted_on.map(|d| d.to_string()).unwrap_or_default(),
            errors: a.errors,
            warnings: a.warnings,
        })
        .collect();
    let query_string = serde_urlencoded::to_string([
        ("year", form.year.trim()),
        ("level", form.level.trim()),
        ("province", form.province.trim()),
        ("subject", form.subject.trim()),
        ("status", form.status.trim()),
        ("findings", form.findings.trim()),
        ("q", form.q.trim()),
    ])
    .unwrap_or_default();
    let reviewer = rules::is_reviewer(&p.grants);
    Ok(render(
        StatusCode::OK,
        &ListPage {
            layout: layout("/applications", &p, &csrf),
            reviewer,
            applicant: rules::is_applicant_role(&p.grants),
            rows,
            total: page.total,
            page: page.page,
            pages,
            query: query_string,
            year: form.year,
            level: form.level,
            province: form.province,
            subject: form.subject,
            status: form.status,
            findings: form.findings,
            q: form.q,
            levels: LEVELS,
            provinces: jijiao_domain::province::PROVINCES.iter().map(|p| (p.code, p.name)).collect(),
            subjects: jijiao_domain::subject::SECONDARY.to_vec(),
            statuses: Status::ALL
                .iter()
                .filter(|s| !reviewer || **s != Status::Draft)
                .map(|s| (s.code(), s.label()))
                .collect(),
            windows,
            quotas,
            message: form.deleted.map(|_| "草稿已删除。".to_string()),
        },
    ))
}
