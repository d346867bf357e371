//! Applications as operations with their authorisation: the pages and the API both call these, so
//! every scope check, every context the review needs and every step exists once.

use chrono::{Datelike, NaiveDate};
use jijiao_documents::{CellOut, Sheet, write_xlsx};
use jijiao_domain::IdNumber;
use jijiao_domain::authz::applications as rules;
use jijiao_domain::authz::{Place, Role};
use jijiao_domain::org::{Level, OrgKind};
use jijiao_domain::review::workflow::{Status, Step, steps};
use jijiao_domain::review::{Application, Finding, OtherApplication, Review, Severity, Window, review};
use jijiao_storage::applications::{
    ApplicationFilter, ApplicationId, ApplicationSummary, NewApplication, StepRecord, StoredApplication, WindowRecord,
};
use jijiao_storage::{OrgId, Page, PageRequest, PersonId, StoreError};
use serde::{Deserialize, Serialize};

use crate::auth::Principal;
use crate::{ApiError, AppState};

/// Today in China (the day a submission counts for).
pub fn today() -> NaiveDate {
    jijiao_domain::time::shanghai_date(jijiao_storage::now_millis())
}

/// Where an application sits, for the authorisation rules.
pub fn place_of(s: &ApplicationSummary) -> Place {
    Place {
        province: Some(s.province_code.clone()),
        district: s.district_id,
        unit: Some(s.unit_id),
        person: s.leader_person_id,
    }
}

/// An application the principal may see, or 404 (never revealing that it exists).
pub async fn visible(state: &AppState, p: &Principal, id: i64) -> Result<StoredApplication, ApiError> {
    let app = match state.store.application(ApplicationId(id)).await {
        Ok(app) => app,
        Err(StoreError::NotFound) => return Err(ApiError::NotFound),
        Err(e) => return Err(e.into()),
    };
    if !rules::may_read(&p.grants, &place_of(&app.summary), app.summary.status) {
        return Err(ApiError::NotFound);
    }
    Ok(app)
}

/// The unit an applicant applies for: a unit administrator's unit, or a leader's employer.
fn applicant_unit(p: &Principal) -> Result<(i64, Option<i64>), ApiError> {
    p.grants
        .iter()
        .filter(|g| matches!(g.role, Role::UnitAdmin | Role::Leader))
        .find_map(|g| g.unit.map(|u| (u, g.person.filter(|_| g.role == Role::Leader))))
        .ok_or(ApiError::Forbidden)
}

/// The leader as a registered person: a leader applying is themselves; a unit administrator's
/// leader is found by ID number among the unit's people.
async fn leader_person(
    state: &AppState,
    p: &Principal,
    unit: i64,
    doc: &Application,
) -> Result<Option<PersonId>, ApiError> {
    if let Ok((_, Some(person))) = applicant_unit(p)
        && !p.has(Role::UnitAdmin)
    {
        return Ok(Some(PersonId(person)));
    }
    let Ok(id) = IdNumber::parse(&doc.leader.id_number) else { return Ok(None) };
    match state.store.person_by_id_number(&id).await {
        Ok(person) if person.employer_id == Some(OrgId(unit)) => Ok(Some(person.id)),
        Ok(_) | Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Runs the formal review with the context filled from the records: the window, the day of
/// submission (today for an unsubmitted one), the leader's and the unit's other applications,
/// last year's approvals and other units' applications. The unit history stays empty until the
/// events are recorded.
pub async fn review_in_context(
    state: &AppState,
    doc: &Application,
    unit: i64,
    district: Option<i64>,
    leader: Option<PersonId>,
    exclude: Option<ApplicationId>,
    submitted_on: Option<NaiveDate>,
) -> Result<Review, ApiError> {
    let mut doc = doc.clone();
    let counts =
        state.store.application_context(doc.year, doc.level, OrgId(unit), (leader, &doc.leader.name), exclude).await?;
    let province = jijiao_domain::province::find(&doc.province).map(|p| p.code.to_string()).unwrap_or_default();
    let window = state.store.window_for(doc.year, doc.level, &province, district).await?;
    let day = submitted_on.unwrap_or_else(today);
    let ctx = &mut doc.context;
    ctx.submitted_on = day;
    ctx.window = match &window {
        Some(w) => Window { opens: w.opens, closes: w.closes },
        None => Window { opens: day, closes: day },
    };
    ctx.leader_applications_same_level = counts.leader_applications;
    ctx.unit_applications = counts.unit_applications;
    ctx.unit_previous_year_approved = counts.unit_previous_year_approved;
    ctx.unit_history = Vec::new();
    ctx.other_applications =
        counts.others.into_iter().map(|(unit, name, leader)| OtherApplication { unit, name, leader }).collect();
    let catalogue = state.store.catalogue().await?;
    let mut result = review(&doc, &catalogue);
    if window.is_none() {
        let mut findings = result.findings;
        findings.push(Finding {
            rule: "window.open",
            severity: Severity::Error,
            field: "context.window".into(),
            message: format!(
                "{}尚未设置{}年度{}项目的申报时间，暂不能提交",
                office_name(doc.level),
                doc.year,
                doc.level.label()
            ),
        });
        result = Review::from_findings(findings);
    }
    Ok(result)
}

fn office_name(level: Level) -> &'static str {
    match level {
        Level::National => "全国继续医学教育委员会办公室",
        Level::Provincial => "省级继续医学教育委员会",
        Level::District => "区级继续医学教育管理部门",
    }
}

fn counts(r: &Review) -> (u32, u32) {
    (u32::try_from(r.errors).unwrap_or(u32::MAX), u32::try_from(r.warnings).unwrap_or(u32::MAX))
}

/// The review of a stored application as it stands.
pub async fn review_stored(state: &AppState, app: &StoredApplication) -> Result<Review, ApiError> {
    let s = &app.summary;
    let leader = s.leader_person_id.map(PersonId);
    review_in_context(state, &app.document, s.unit_id, s.district_id, leader, Some(s.id), s.submitted_on).await
}

/// The applicant's province must be the unit's, and the level must be one the unit applies at.
async fn check_unit(state: &AppState, unit: i64, doc: &Application) -> Result<Option<i64>, ApiError> {
    let org = state.store.organisation(OrgId(unit)).await?;
    let province = jijiao_domain::province::find(&doc.province).map(|p| p.code);
    if org.province_code.as_deref() != province {
        return Err(ApiError::InvalidInput {
            field: Some("province".into()),
            message: format!("申报省份应为本单位所在省份，当前为“{}”", doc.province),
        });
    }
    let district = org.parent_district.map(|d| d.0);
    if doc.level == Level::District && district.is_none() {
        return Err(ApiError::InvalidInput {
            field: Some("level".into()),
            message: "本单位不隶属于区级管理部门，不能申报区级项目".into(),
        });
    }
    Ok(district)
}

/// Creates a draft for the principal's unit; returns its id and review.
pub async fn create(
    state: &AppState,
    p: &Principal,
    doc: &Application,
    copied_from: Option<ApplicationId>,
) -> Result<(ApplicationId, Review), ApiError> {
    let (unit, _) = applicant_unit(p)?;
    let org = state.store.organisation(OrgId(unit)).await?;
    if org.kind != OrgKind::Unit {
        return Err(ApiError::Forbidden);
    }
    let district = check_unit(state, unit, doc).await?;
    let leader = leader_person(state, p, unit, doc).await?;
    let place = Place { province: org.province_code.clone(), district, unit: Some(unit), person: leader.map(|l| l.0) };
    if !rules::may_draft(&p.grants, &place) {
        return Err(ApiError::Forbidden);
    }
    let result = review_in_context(state, doc, unit, district, leader, None, None).await?;
    let new = NewApplication {
        document: doc.clone(),
        unit_id: OrgId(unit),
        district_id: district.map(OrgId),
        leader_person_id: leader,
        copied_from,
        findings: counts(&result),
    };
    let id = state.store.create_application(&p.actor(), &new).await?;
    Ok((id, result))
}

/// Saves the document of a draft or returned application; returns the review.
pub async fn update(state: &AppState, p: &Principal, id: i64, doc: &Application) -> Result<Review, ApiError> {
    let app = visible(state, p, id).await?;
    let s = &app.summary;
    if !rules::may_edit(&p.grants, &place_of(s), s.status) {
        return Err(ApiError::Forbidden);
    }
    check_unit(state, s.unit_id, doc).await?;
    let leader = if p.has(Role::UnitAdmin) {
        leader_person(state, p, s.unit_id, doc).await?
    } else {
        s.leader_person_id.map(PersonId)
    };
    let result = review_in_context(state, doc, s.unit_id, s.district_id, leader, Some(s.id), None).await?;
    state.store.update_application(&p.actor(), s.id, doc, leader, counts(&result)).await?;
    Ok(result)
}

pub async fn delete(state: &AppState, p: &Principal, id: i64) -> Result<(), ApiError> {
    let app = visible(state, p, id).await?;
    if !rules::may_edit(&p.grants, &place_of(&app.summary), app.summary.status) {
        return Err(ApiError::Forbidden);
    }
    if app.summary.status != Status::Draft || app.summary.code.is_some() {
        return Err(ApiError::Conflict("只能删除从未提交的草稿".into()));
    }
    Ok(state.store.delete_application(&p.actor(), app.summary.id).await?)
}

/// A new draft from an earlier application: the next year, the commitment to be signed again.
pub async fn copy(state: &AppState, p: &Principal, id: i64) -> Result<(ApplicationId, Review), ApiError> {
    let app = visible(state, p, id).await?;
    if !rules::may_draft(&p.grants, &place_of(&app.summary)) {
        return Err(ApiError::Forbidden);
    }
    let mut doc = app.document.clone();
    doc.year = u16::try_from(today().year()).unwrap_or(2026) + 1;
    doc.commitment_signed = false;
    let shift = i32::from(doc.year) - i32::from(app.document.year);
    for period in &mut doc.periods {
        period.start = shift_year(period.start, shift);
        period.end = shift_year(period.end, shift);
    }
    create(state, p, &doc, Some(app.summary.id)).await
}

fn shift_year(d: NaiveDate, years: i32) -> NaiveDate {
    d.with_year(d.year() + years).unwrap_or_else(|| d + chrono::Days::new(365 * years.max(0) as u64))
}

/// A step of the review chain. Submitting runs the review first and is refused while it finds errors.
pub async fn step(
    state: &AppState,
    p: &Principal,
    id: i64,
    step: Step,
    comment: &str,
) -> Result<(Status, Review), ApiError> {
    let app = visible(state, p, id).await?;
    let s = &app.summary;
    if !rules::may_step(&p.grants, &place_of(s), s.level, s.status, step) {
        return Err(ApiError::Forbidden);
    }
    let on = today();
    let result = if step == Step::Submit {
        let leader = s.leader_person_id.map(PersonId);
        let r = review_in_context(state, &app.document, s.unit_id, s.district_id, leader, Some(s.id), Some(on)).await?;
        state.store.set_application_findings(s.id, counts(&r)).await?;
        if !r.ok {
            let first = r.findings.iter().find(|f| f.severity == Severity::Error);
            return Err(ApiError::InvalidInput {
                field: first.map(|f| f.field.clone()),
                message: format!(
                    "形式审查发现{}处错误，不能提交：{}",
                    r.errors,
                    first.map(|f| f.message.as_str()).unwrap_or_default()
                ),
            });
        }
        r
    } else {
        review_stored(state, &app).await?
    };
    let status = state.store.step_application(&p.actor(), s.id, step, comment, on).await?;
    Ok((status, result))
}

/// The steps the principal may take on an application now.
pub fn available_steps(p: &Principal, s: &ApplicationSummary) -> Vec<Step> {
    steps(s.level, s.status, s.district_id.is_some())
        .iter()
        .copied()
        .filter(|st| rules::may_step(&p.grants, &place_of(s), s.level, s.status, *st))
        .collect()
}

/// The filters of the lists (pages and API).
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams, utoipa::ToSchema)]
#[serde(default)]
pub struct ListQuery {
    pub year: Option<u16>,
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
    fn filter(&self) -> Result<ApplicationFilter, ApiError> {
        let bad = |field: &str, message: String| ApiError::InvalidInput { field: Some(field.into()), message };
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
pub fn scope_filter(p: &Principal) -> Result<ApplicationFilter, ApiError> {
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
        .ok_or(ApiError::Forbidden)?;
    let none = || ApiError::Forbidden;
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

fn narrowed(p: &Principal, q: &ListQuery) -> Result<ApplicationFilter, ApiError> {
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

pub async fn list(state: &AppState, p: &Principal, q: &ListQuery) -> Result<Page<ApplicationSummary>, ApiError> {
    let f = narrowed(p, q)?;
    Ok(state.store.applications(&f, PageRequest::new(q.page, q.per_page)).await?)
}

/// At most this many rows in one export.
pub const EXPORT_LIMIT: i64 = 20_000;

/// The list as a workbook for review meetings, in code order, with each application's findings.
pub async fn export(state: &AppState, p: &Principal, q: &ListQuery) -> Result<Vec<u8>, ApiError> {
    let f = narrowed(p, q)?;
    let apps = state.store.application_documents(&f, EXPORT_LIMIT).await?;
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
    for app in &apps {
        let s = &app.summary;
        let r = review_stored(state, app).await?;
        let d = &app.document;
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
    write_xlsx(&[sheet]).map_err(|e| ApiError::Internal(e.to_string()))
}

/// One application with everything its page and the API show.
#[derive(Debug, Serialize)]
pub struct Detail {
    #[serde(flatten)]
    pub application: StoredApplication,
    pub review: Review,
    pub steps: Vec<StepRecord>,
    /// What the caller may do now.
    pub allowed_steps: Vec<Step>,
    pub editable: bool,
}

pub async fn detail(state: &AppState, p: &Principal, id: i64) -> Result<Detail, ApiError> {
    let mut app = visible(state, p, id).await?;
    let review = review_stored(state, &app).await?;
    let steps = state.store.application_steps(app.summary.id).await?;
    let allowed_steps = available_steps(p, &app.summary);
    let editable = rules::may_edit(&p.grants, &place_of(&app.summary), app.summary.status);
    // Every view shows the ID number masked.
    app.document.leader.id_number = jijiao_domain::personal::mask_id_number(&app.document.leader.id_number);
    Ok(Detail { application: app, review, steps, allowed_steps, editable })
}

/// A window to set: the office is the principal's own for the level.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetWindow {
    /// The project year the window accepts applications for.
    pub year: u16,
    /// national / provincial / district
    pub level: String,
    /// YYYY-MM-DD
    pub opens: String,
    /// YYYY-MM-DD
    pub closes: String,
}

fn parse_day(field: &str, text: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| ApiError::InvalidInput {
        field: Some(field.into()),
        message: format!(
            "{}应为 YYYY-MM-DD 格式的日期，当前为“{text}”",
            if field == "opens" { "开始日期" } else { "截止日期" }
        ),
    })
}

/// The office whose window a role sets: the national office, the province's office, the district.
async fn office_for(state: &AppState, p: &Principal, level: Level) -> Result<(i64, Option<String>), ApiError> {
    for g in &p.grants {
        if rules::window_level(g.role) != Some(level) {
            continue;
        }
        match g.role {
            Role::NationalAdmin => {
                let page = state
                    .store
                    .organisations(
                        &jijiao_storage::OrgFilter { kind: Some(OrgKind::National), ..Default::default() },
                        PageRequest::new(Some(1), Some(1)),
                    )
                    .await?;
                let office = page
                    .items
                    .first()
                    .ok_or_else(|| ApiError::Conflict("尚未登记全国继续医学教育委员会办公室".into()))?;
                return Ok((office.id.0, None));
            }
            Role::ProvinceAdmin => {
                let code = g.province.clone().ok_or(ApiError::Forbidden)?;
                let page = state
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
                    page.items.first().ok_or_else(|| ApiError::Conflict("尚未登记本省继续医学教育委员会".into()))?;
                return Ok((office.id.0, Some(code)));
            }
            Role::DistrictAdmin => {
                let district = g.district.ok_or(ApiError::Forbidden)?;
                let org = state.store.organisation(OrgId(district)).await?;
                return Ok((district, org.province_code));
            }
            _ => {}
        }
    }
    Err(ApiError::Forbidden)
}

pub async fn set_window(state: &AppState, p: &Principal, w: &SetWindow) -> Result<WindowRecord, ApiError> {
    let level = Level::from_code_or_label(&w.level).ok_or_else(|| ApiError::InvalidInput {
        field: Some("level".into()),
        message: format!("未知项目级别“{}”", w.level),
    })?;
    let (org_id, province_code) = office_for(state, p, level).await?;
    let record = WindowRecord {
        year: w.year,
        level,
        org_id,
        province_code,
        opens: parse_day("opens", &w.opens)?,
        closes: parse_day("closes", &w.closes)?,
    };
    if record.closes < record.opens {
        return Err(ApiError::InvalidInput {
            field: Some("closes".into()),
            message: format!("截止日期 {} 早于开始日期 {}", record.closes, record.opens),
        });
    }
    state.store.set_window(&p.actor(), &record).await?;
    Ok(record)
}

/// A window as units see it: the office's name and whether it is open today.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct WindowView {
    pub year: u16,
    pub level: String,
    pub level_label: String,
    pub office: String,
    pub opens: String,
    pub closes: String,
    pub open_now: bool,
}

/// Every window a signed-in user may need: all of them (deadlines are public to the applicants).
pub async fn windows(state: &AppState) -> Result<Vec<WindowView>, ApiError> {
    let today = today();
    let mut out = Vec::new();
    for w in state.store.windows(None).await? {
        let office = state.store.organisation(OrgId(w.org_id)).await?.name;
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

/// The year units are applying for now: the coming one.
pub fn coming_year() -> u16 {
    u16::try_from(today().year() + 1).unwrap_or(u16::MAX)
}

/// A unit's national quota (rules.md §3 `unit.quota`).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct NationalQuota {
    pub unit_id: i64,
    pub quota: u32,
    /// Applications of the unit submitted for the year so far.
    pub submitted: u32,
}

/// The quotas that bind the principal's office for a year.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Quotas {
    pub year: u16,
    /// For a unit administrator.
    pub national: Option<NationalQuota>,
    /// For a district administrator: { year, held_previous_year, quota (null: no limit), approved }.
    #[schema(value_type = Option<Object>)]
    pub district: Option<jijiao_storage::applications::DistrictQuota>,
}

/// A unit administrator's national quota for `year` (from the unit's approvals of the year
/// before) and a district administrator's quota of district projects (002).
pub async fn quotas(state: &AppState, p: &Principal, year: u16) -> Result<Quotas, ApiError> {
    let unit = p.grants.iter().find(|g| g.role == Role::UnitAdmin).and_then(|g| g.unit);
    let district = p.grants.iter().find(|g| g.role == Role::DistrictAdmin).and_then(|g| g.district);
    let national = match unit {
        Some(unit_id) => {
            let c = state.store.application_context(year, Level::National, OrgId(unit_id), (None, ""), None).await?;
            let quota = jijiao_domain::review::workflow::national_quota(c.unit_previous_year_approved);
            Some(NationalQuota { unit_id, quota, submitted: c.unit_applications })
        }
        None => None,
    };
    let district = match district {
        Some(d) => Some(state.store.district_quota(OrgId(d), year).await?),
        None => None,
    };
    Ok(Quotas { year, national, district })
}

/// What a re-review of the whole store found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Rereview {
    pub reviewed: usize,
    /// Applications whose recorded counts changed.
    pub changed: u64,
    pub with_errors: usize,
    pub with_warnings: usize,
}

/// Re-reviews every stored application (after the rules or the catalogue changed), each with the
/// same context [`review_stored`] gives it, and records the new counts. The records are read once:
/// the counts per leader, unit and year come from one pass, and the other units' applications a
/// name is compared with are narrowed to those with the same name key or the same leader — the
/// only ones the duplicate rule can report — so the whole store is reviewed in one linear pass
/// instead of one query set per application.
pub async fn rereview_all(state: &AppState) -> Result<Rereview, ApiError> {
    use jijiao_domain::review::names::{name_key, unit_key};
    use std::collections::HashMap;

    let apps = state.store.application_documents(&ApplicationFilter::default(), i64::MAX).await?;
    let windows = state.store.windows(None).await?;
    let catalogue = state.store.catalogue().await?;
    let today = today();
    let counted = |s: &ApplicationSummary| s.status != Status::Draft;
    let group = |s: &ApplicationSummary| (s.year, s.level.code());
    let leader_of = |s: &ApplicationSummary| match s.leader_person_id {
        Some(person) => (person, String::new()),
        None => (0, s.leader_name.trim().to_string()),
    };
    let mut per_leader: HashMap<_, u32> = HashMap::new();
    let mut per_unit: HashMap<_, u32> = HashMap::new();
    let mut approved: HashMap<_, u32> = HashMap::new();
    let mut by_name: HashMap<_, Vec<usize>> = HashMap::new();
    let mut by_leader_name: HashMap<_, Vec<usize>> = HashMap::new();
    for (i, app) in apps.iter().enumerate() {
        let s = &app.summary;
        if s.status == Status::Approved {
            *approved.entry((s.year, s.level.code(), s.unit_id)).or_default() += 1;
        }
        if !counted(s) {
            continue;
        }
        *per_leader.entry((group(s), leader_of(s))).or_default() += 1;
        *per_unit.entry((group(s), s.unit_id)).or_default() += 1;
        by_name.entry((group(s), name_key(&s.name))).or_default().push(i);
        by_leader_name.entry((group(s), unit_key(&s.leader_name))).or_default().push(i);
    }
    let window_of = |s: &ApplicationSummary| {
        windows.iter().filter(|w| w.year == s.year && w.level == s.level).find(|w| match s.level {
            Level::National => true,
            Level::Provincial => w.province_code.as_deref() == Some(s.province_code.as_str()),
            Level::District => Some(w.org_id) == s.district_id,
        })
    };
    let mut out = Rereview::default();
    let mut counts = Vec::with_capacity(apps.len());
    for app in &apps {
        let s = &app.summary;
        let own = u32::from(counted(s));
        let mut doc = app.document.clone();
        let window = window_of(s);
        let day = s.submitted_on.unwrap_or(today);
        let ctx = &mut doc.context;
        ctx.submitted_on = day;
        ctx.window = match window {
            Some(w) => Window { opens: w.opens, closes: w.closes },
            None => Window { opens: day, closes: day },
        };
        ctx.leader_applications_same_level =
            per_leader.get(&(group(s), leader_of(s))).copied().unwrap_or(0).saturating_sub(own);
        ctx.unit_applications = per_unit.get(&(group(s), s.unit_id)).copied().unwrap_or(0).saturating_sub(own);
        ctx.unit_previous_year_approved =
            approved.get(&(s.year.wrapping_sub(1), s.level.code(), s.unit_id)).copied().filter(|n| *n > 0);
        ctx.unit_history = Vec::new();
        let mut candidates: Vec<usize> = by_name
            .get(&(group(s), name_key(&doc.name)))
            .into_iter()
            .chain(by_leader_name.get(&(group(s), unit_key(&doc.leader.name))))
            .flatten()
            .copied()
            .filter(|j| apps[*j].summary.unit_id != s.unit_id)
            .collect();
        // The records list other applications in the order they were made.
        candidates.sort_unstable_by_key(|j| apps[*j].summary.id);
        candidates.dedup();
        ctx.other_applications = candidates
            .into_iter()
            .map(|j| {
                let o = &apps[j].summary;
                OtherApplication { unit: o.unit_name.clone(), name: o.name.clone(), leader: o.leader_name.clone() }
            })
            .collect();
        let mut result = review(&doc, &catalogue);
        if window.is_none() {
            let mut findings = result.findings;
            findings.push(Finding {
                rule: "window.open",
                severity: Severity::Error,
                field: "context.window".into(),
                message: format!(
                    "{}尚未设置{}年度{}项目的申报时间，暂不能提交",
                    office_name(s.level),
                    s.year,
                    s.level.label()
                ),
            });
            result = Review::from_findings(findings);
        }
        out.reviewed += 1;
        out.with_errors += usize::from(result.errors > 0);
        out.with_warnings += usize::from(result.warnings > 0);
        counts.push((s.id, self::counts(&result)));
    }
    out.changed = state.store.set_many_application_findings(&counts).await?;
    Ok(out)
}
