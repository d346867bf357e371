//! Compliance: who of the administrator's people reached the year's credits, as a page and an export.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use jijiao_app::credits::reports::{self, ComplianceQuery, ComplianceView};
use serde::Deserialize;

use super::files::xlsx;
use super::*;
use crate::auth::PageUser;
use crate::csrf::CsrfToken;
use crate::pages::{Layout, PageError, render};
use crate::{ApiError, AppState};

#[derive(Template)]
#[template(path = "credits/compliance.html")]
pub(super) struct CompliancePage {
    layout: Layout,
    v: ComplianceView,
    /// The query string of the scope and filters, for the export link and the pager.
    query: String,
    status: String,
}

#[derive(Deserialize, Default)]
pub(super) struct ComplianceForm {
    year: Option<String>,
    unit: Option<String>,
    district: Option<String>,
    province: Option<String>,
    status: Option<String>,
    page: Option<u32>,
}

pub(super) fn number<T: std::str::FromStr>(field: &str, text: &Option<String>) -> Result<Option<T>, ApiError> {
    match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => t.parse().map(Some).map_err(|_| ApiError::invalid(field, format!("“{t}”应为数字"))),
        None => Ok(None),
    }
}

pub(super) fn compliance_query(f: &ComplianceForm) -> Result<ComplianceQuery, ApiError> {
    Ok(ComplianceQuery {
        year: f
            .year
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| form_year("year", t, || format!("“{t}”应为数字")))
            .transpose()?,
        unit: number("unit", &f.unit)?,
        district: number("district", &f.district)?,
        province: f.province.clone().filter(|p| !p.trim().is_empty()),
        status: f.status.clone().filter(|s| !s.trim().is_empty()),
        page: f.page,
        per_page: Some(50),
    })
}

pub(super) fn compliance_query_string(q: &ComplianceQuery, year: Year) -> String {
    let mut parts = vec![format!("year={year}")];
    if let Some(u) = q.unit {
        parts.push(format!("unit={u}"));
    }
    if let Some(d) = q.district {
        parts.push(format!("district={d}"));
    }
    if let Some(p) = &q.province {
        parts.push(format!("province={}", crate::auth::urlencode(p)));
    }
    if let Some(s) = &q.status {
        parts.push(format!("status={}", crate::auth::urlencode(s)));
    }
    parts.join("&")
}

pub(super) async fn compliance_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Query(f): Query<ComplianceForm>,
) -> Result<Response, PageError> {
    let q = compliance_query(&f)?;
    let v = reports::report(&state, &p, &q).await?;
    let (query, status) = (compliance_query_string(&q, v.year), q.status.unwrap_or_else(|| "all".into()));
    Ok(render(StatusCode::OK, &CompliancePage { layout: layout("/credits/compliance", &p, &csrf), v, query, status }))
}

pub(super) async fn compliance_export(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Query(f): Query<ComplianceForm>,
) -> Result<Response, PageError> {
    let q = compliance_query(&f)?;
    let (year, bytes) = reports::report_xlsx(&state, &p, &q).await?;
    Ok(xlsx(&format!("compliance-{year}.xlsx"), bytes))
}
