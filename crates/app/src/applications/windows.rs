//! The application windows (申报时间) each office sets for its level, as units see them, and the
//! quotas that bind units and district offices (rules.md §3 `unit.quota`, 002).

use chrono::NaiveDate;
use jijiao_domain::Year;
use jijiao_domain::authz::Role;
use jijiao_domain::authz::applications as rules;
use jijiao_domain::org::{Level, OrgKind};
use jijiao_storage::applications::WindowRecord;
use jijiao_storage::{OrgId, PageRequest};
use serde::{Deserialize, Serialize};

use crate::{Acting, App, AppError};

/// A window to set: the office is the principal's own for the level.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetWindow {
    /// The project year the window accepts applications for.
    #[cfg_attr(feature = "openapi", schema(value_type = u16, minimum = 1900, maximum = 2200))]
    pub year: Year,
    /// national / provincial / district
    pub level: String,
    /// YYYY-MM-DD
    pub opens: String,
    /// YYYY-MM-DD
    pub closes: String,
}

fn parse_day(field: &str, text: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| AppError::InvalidInput {
        field: Some(field.into()),
        message: format!(
            "{}应为 YYYY-MM-DD 格式的日期，当前为“{text}”",
            if field == "opens" { "开始日期" } else { "截止日期" }
        ),
    })
}

/// The office whose window a role sets: the national office, the province's office, the district.
async fn office_for(app: &App, p: &Acting, level: Level) -> Result<(i64, Option<String>), AppError> {
    for g in &p.grants {
        if rules::window_level(g.role) != Some(level) {
            continue;
        }
        match g.role {
            Role::NationalAdmin => {
                let page = app
                    .store
                    .organisations(
                        &jijiao_storage::OrgFilter { kind: Some(OrgKind::National), ..Default::default() },
                        PageRequest::new(Some(1), Some(1)),
                    )
                    .await?;
                let office = page
                    .items
                    .first()
                    .ok_or_else(|| AppError::Conflict("尚未登记全国继续医学教育委员会办公室".into()))?;
                return Ok((office.id.0, None));
            }
            Role::ProvinceAdmin => {
                let code = g.province.clone().ok_or(AppError::Forbidden)?;
                let page = app
                    .store
                    .organisations(
                        &jijiao_storage::OrgFilter {
                            kind: Some(OrgKind::Provincial),
                            province_code: Some(code.clone()),
                            ..Default::default()
                        },
                        PageRequest::new(Some(1), Some(1)),
                    )
                    .await?;
                let office =
                    page.items.first().ok_or_else(|| AppError::Conflict("尚未登记本省继续医学教育委员会".into()))?;
                return Ok((office.id.0, Some(code)));
            }
            Role::DistrictAdmin => {
                let district = g.district.ok_or(AppError::Forbidden)?;
                let org = app.store.organisation(OrgId(district)).await?;
                return Ok((district, org.province_code));
            }
            _ => {}
        }
    }
    Err(AppError::Forbidden)
}

pub async fn set_window(app: &App, p: &Acting, w: &SetWindow) -> Result<WindowRecord, AppError> {
    let level = Level::from_code_or_label(&w.level).ok_or_else(|| AppError::InvalidInput {
        field: Some("level".into()),
        message: format!("未知项目级别“{}”", w.level),
    })?;
    let (org_id, province_code) = office_for(app, p, level).await?;
    let record = WindowRecord {
        year: w.year,
        level,
        org_id,
        province_code,
        opens: parse_day("opens", &w.opens)?,
        closes: parse_day("closes", &w.closes)?,
    };
    if record.closes < record.opens {
        return Err(AppError::InvalidInput {
            field: Some("closes".into()),
            message: format!("截止日期 {} 早于开始日期 {}", record.closes, record.opens),
        });
    }
    app.store.set_window(&p.actor(), &record).await?;
    Ok(record)
}

/// A window as units see it: the office's name and whether it is open today.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WindowView {
    #[cfg_attr(feature = "openapi", schema(value_type = u16, minimum = 1900, maximum = 2200))]
    pub year: Year,
    pub level: String,
    pub level_label: String,
    pub office: String,
    pub opens: String,
    pub closes: String,
    pub open_now: bool,
}

/// Every window (deadlines are public; the API lists them all).
pub async fn windows(app: &App) -> Result<Vec<WindowView>, AppError> {
    windows_where(app, |_| true).await
}

/// The windows that concern the principal (issue 18: a 北京 unit was shown 河北's and 上海's): the
/// national office's, and those of the offices above or over the principal's roles (their province's
/// office, and the district office of their district); the national administrator's, all.
pub async fn windows_for(app: &App, p: &Acting) -> Result<Vec<WindowView>, AppError> {
    if p.has(Role::NationalAdmin) {
        return windows(app).await;
    }
    windows_where(app, |office| match office.province_code.as_deref() {
        None => true,
        Some(province) => p.grants.iter().any(|g| {
            g.province.as_deref() == Some(province)
                && match office.kind {
                    OrgKind::District => g.role == Role::ProvinceAdmin || g.district == Some(office.id.0),
                    _ => true,
                }
        }),
    })
    .await
}

async fn windows_where(
    app: &App,
    concerns: impl Fn(&jijiao_storage::Organisation) -> bool,
) -> Result<Vec<WindowView>, AppError> {
    let today = app.today();
    let mut out = Vec::new();
    for w in app.store.windows(None).await? {
        let office = app.store.organisation(OrgId(w.org_id)).await?;
        if !concerns(&office) {
            continue;
        }
        let office = office.name;
        out.push(WindowView {
            year: w.year,
            level: w.level.code().into(),
            level_label: w.level.label().into(),
            office,
            opens: w.opens.to_string(),
            closes: w.closes.to_string(),
            open_now: w.opens <= today && today <= w.closes,
        });
    }
    Ok(out)
}

/// The year units are applying for now: the coming one (the range's last year at its end).
pub fn coming_year(app: &App) -> Year {
    app.this_year().checked_add(1).unwrap_or(Year::LAST)
}

/// A unit's national quota (rules.md §3 `unit.quota`).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NationalQuota {
    pub unit_id: i64,
    pub quota: u32,
    /// Applications of the unit submitted for the year so far.
    pub submitted: u32,
}

/// The quotas that bind the principal's office for a year.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quotas {
    #[cfg_attr(feature = "openapi", schema(value_type = u16, minimum = 1900, maximum = 2200))]
    pub year: Year,
    /// For a unit administrator.
    pub national: Option<NationalQuota>,
    /// For a district administrator: { year, held_previous_year, quota (null: no limit), approved }.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub district: Option<jijiao_storage::applications::DistrictQuota>,
}

/// A unit administrator's national quota for `year` (from the unit's approvals of the year
/// before) and a district administrator's quota of district projects (002).
pub async fn quotas(app: &App, p: &Acting, year: Year) -> Result<Quotas, AppError> {
    let unit = p.grants.iter().find(|g| g.role == Role::UnitAdmin).and_then(|g| g.unit);
    let district = p.grants.iter().find(|g| g.role == Role::DistrictAdmin).and_then(|g| g.district);
    let national = match unit {
        Some(unit_id) => {
            let c = app.store.application_context(year, Level::National, OrgId(unit_id), (None, ""), None).await?;
            let quota = jijiao_domain::review::workflow::national_quota(c.unit_previous_year_approved);
            Some(NationalQuota { unit_id, quota, submitted: c.unit_applications })
        }
        None => None,
    };
    let district = match district {
        Some(d) => Some(app.store.district_quota(OrgId(d), year).await?),
        None => None,
    };
    Ok(Quotas { year, national, district })
}
