//! The lists of applications each office and unit sees (its scope as a filter), and their export
//! as a workbook for review meetings.

use jijiao_documents::{CellOut, Sheet, write_xlsx};
use jijiao_domain::authz::Role;
use jijiao_domain::org::Level;
use jijiao_domain::review::workflow::Status;
use jijiao_storage::applications::{ApplicationFilter, ApplicationSummary};
use jijiao_storage::{Page, PageRequest};
use serde::Deserialize;

use super::review_stored;
use crate::{Acting, App, AppError, blocking};

/// The filters of the lists (pages and API).
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
#[serde(default)]
pub struct ListQuery {
    #[cfg_attr(feature = "openapi", param(value_type = Option<u16>, minimum = 1900, maximum = 2200))]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u16>, minimum = 1900, maximum = 2200))]
    pub year: Option<jijiao_domain::Year>,
    /// national / provincial / district
    pub level: Option<String>,
    /// A province code (`11`).
    pub province: Option<String>,
    /// A second-level subject code (`03`).
    pub subject: Option<String>,
    pub status: Option<String>,
    /// `yes`: with findings; `no`: without.
    pub findings: Option<String>,
    pub q: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

impl ListQuery {
    fn filter(&self) -> Result<ApplicationFilter, AppError> {
        let bad = |field: &str, message: String| AppError::InvalidInput { field: Some(field.into()), message };
        let text = |v: &Option<String>| v.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
        Ok(ApplicationFilter {
            year: self.year,
            level: match text(&self.level) {
                Some(l) => {
                    Some(Level::from_code_or_label(&l).ok_or_else(|| bad("level", format!("未知项目级别“{l}”")))?)
                }
                None => None,
            },
            province_code: text(&self.province),
            subject: text(&self.subject),
            status: match text(&self.status) {
                Some(s) => Some(Status::from_code_or_label(&s).ok_or_else(|| bad("status", format!("未知状态“{s}”")))?),
                None => None,
            },
            has_findings: match text(&self.findings).as_deref() {
                Some("yes") => Some(true),
                Some("no") => Some(false),
                None => None,
                Some(other) => return Err(bad("findings", format!("“有无审查意见”应为 yes 或 no，当前为“{other}”"))),
            },
            q: text(&self.q),
            ..Default::default()
        })
    }
}

/// The principal's scope as a filter: reviewers see what was submitted in their scope (the
/// broadest role wins), applicants their unit's (a leader their own).
pub fn scope_filter(p: &Acting) -> Result<ApplicationFilter, AppError> {
    let best = p
        .grants
        .iter()
        .filter(|g| {
            matches!(
                g.role,
                Role::NationalAdmin | Role::ProvinceAdmin | Role::DistrictAdmin | Role::UnitAdmin | Role::Leader
            )
        })
        .max_by_key(|g| g.role.level())
        .ok_or(AppError::Forbidden)?;
    let none = || AppError::Forbidden;
    Ok(match best.role {
        Role::NationalAdmin => ApplicationFilter { submitted_only: true, ..Default::default() },
        Role::ProvinceAdmin => ApplicationFilter {
            submitted_only: true,
            province_code: Some(best.province.clone().ok_or_else(none)?),
            ..Default::default()
        },
        Role::DistrictAdmin => ApplicationFilter {
            submitted_only: true,
            district_id: Some(best.district.ok_or_else(none)?),
            ..Default::default()
        },
        Role::UnitAdmin => ApplicationFilter { unit_id: Some(best.unit.ok_or_else(none)?), ..Default::default() },
        _ => ApplicationFilter { leader_person_id: Some(best.person.ok_or_else(none)?), ..Default::default() },
    })
}

fn narrowed(p: &Acting, q: &ListQuery) -> Result<ApplicationFilter, AppError> {
    let scope = scope_filter(p)?;
    let mut f = q.filter()?;
    f.submitted_only = scope.submitted_only;
    f.district_id = scope.district_id;
    f.unit_id = scope.unit_id;
    f.leader_person_id = scope.leader_person_id;
    if scope.province_code.is_some() {
        f.province_code = scope.province_code;
    }
    Ok(f)
}

pub async fn list(app: &App, p: &Acting, q: &ListQuery) -> Result<Page<ApplicationSummary>, AppError> {
    let f = narrowed(p, q)?;
    Ok(app.store.applications(&f, PageRequest::new(q.page, q.per_page)).await?)
}

/// At most this many rows in one export.
pub const EXPORT_LIMIT: i64 = 20_000;

/// The list as a workbook for review meetings, in code order, with each application's findings.
pub async fn export(app: &App, p: &Acting, q: &ListQuery) -> Result<Vec<u8>, AppError> {
    let f = narrowed(p, q)?;
    let apps = app.store.application_documents(&f, EXPORT_LIMIT).await?;
    let headers = [
        "申请代码",
        "年度",
        "级别",
        "项目名称",
        "二级学科",
        "三级学科",
        "申报单位",
        "项目负责人",
        "职称",
        "最高学历",
        "学分",
        "总学时",
        "拟招生人数",
        "状态",
        "提交日期",
        "错误",
        "提示",
        "形式审查意见",
    ];
    let mut rows = Vec::with_capacity(apps.len());
    for stored in &apps {
        let s = &stored.summary;
        let r = review_stored(app, stored).await?;
        let d = &stored.document;
        let findings =
            r.findings.iter().map(|f| format!("[{}] {}", f.severity.label(), f.message)).collect::<Vec<_>>().join("\n");
        rows.push(vec![
            CellOut::Text(s.code.clone().unwrap_or_default()),
            CellOut::Integer(i64::from(s.year)),
            CellOut::Text(s.level.label().into()),
            CellOut::Text(s.name.clone()),
            CellOut::Text(s.subject_secondary.clone()),
            CellOut::Text(s.subject_tertiary.clone()),
            CellOut::Text(s.unit_name.clone()),
            CellOut::Text(s.leader_name.clone()),
            CellOut::Text(d.leader.title.clone()),
            CellOut::Text(d.leader.degree.clone().unwrap_or_default()),
            CellOut::Text(d.credits.to_string()),
            CellOut::Text(d.total_hours.to_string()),
            CellOut::Integer(i64::from(d.planned_enrollment)),
            CellOut::Text(s.status.label().into()),
            CellOut::Text(s.submitted_on.map(|d| d.to_string()).unwrap_or_default()),
            CellOut::Integer(r.errors as i64),
            CellOut::Integer(r.warnings as i64),
            CellOut::Text(findings),
        ]);
    }
    let sheet = Sheet {
        name: "申报项目".into(),
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows,
        column_widths: None,
    };
    blocking::run(move || write_xlsx(&[sheet])).await?.map_err(|e| AppError::Internal(e.to_string()))
}
