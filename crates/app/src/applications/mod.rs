//! Applications as operations with their authorisation: the pages and the API both call these, so
//! every scope check, every context the review needs and every step exists once. The lists and
//! their export, the windows and quotas, the re-review of the whole store and the printouts are
//! submodules; their items are re-exported here.

mod lists;
pub mod print;
mod rereview;
mod windows;

use chrono::{Datelike, NaiveDate};
use jijiao_domain::IdNumber;
use jijiao_domain::authz::applications as rules;
use jijiao_domain::authz::{Place, Role};
use jijiao_domain::org::{Level, OrgKind};
use jijiao_domain::review::workflow::{Status, Step, steps};
use jijiao_domain::review::{Application, Finding, OtherApplication, Review, Severity, Window, review};
use jijiao_storage::applications::{ApplicationId, ApplicationSummary, NewApplication, StepRecord, StoredApplication};
use jijiao_storage::{OrgId, PersonId, StoreError};
use serde::Serialize;

use crate::{Acting, App, AppError};

pub use lists::{EXPORT_LIMIT, ListQuery, export, list, scope_filter};
pub use rereview::{Rereview, rereview_all};
pub use windows::{
    NationalQuota, Quotas, SetWindow, WindowView, coming_year, quotas, set_window, windows, windows_for,
};

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
pub async fn visible(app: &App, p: &Acting, id: i64) -> Result<StoredApplication, AppError> {
    let stored = match app.store.application(ApplicationId(id)).await {
        Ok(stored) => stored,
        Err(StoreError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    if !rules::may_read(&p.grants, &place_of(&stored.summary), stored.summary.status) {
        return Err(AppError::NotFound);
    }
    Ok(stored)
}

/// The unit an applicant applies for: a unit administrator's unit, or a leader's employer.
fn applicant_unit(p: &Acting) -> Result<(i64, Option<i64>), AppError> {
    p.grants
        .iter()
        .filter(|g| matches!(g.role, Role::UnitAdmin | Role::Leader))
        .find_map(|g| g.unit.map(|u| (u, g.person.filter(|_| g.role == Role::Leader))))
        .ok_or(AppError::Forbidden)
}

/// The leader as a registered person: a leader applying is themselves; a unit administrator's
/// leader is found by ID number among the unit's people.
async fn leader_person(app: &App, p: &Acting, unit: i64, doc: &Application) -> Result<Option<PersonId>, AppError> {
    if let Ok((_, Some(person))) = applicant_unit(p)
        && !p.has(Role::UnitAdmin)
    {
        return Ok(Some(PersonId(person)));
    }
    let Ok(id) = IdNumber::parse(&doc.leader.id_number) else { return Ok(None) };
    match app.store.person_by_id_number(&id).await {
        Ok(person) if person.employer_id == Some(OrgId(unit)) => Ok(Some(person.id)),
        Ok(_) | Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Runs the formal review with the context filled from the records: the window, the day of
/// submission (today for an unsubmitted one), the leader's and the unit's other applications,
/// last year's approvals, other units' applications and the unit's history (rules.md §7.7).
pub async fn review_in_context(
    app: &App,
    doc: &Application,
    unit: i64,
    district: Option<i64>,
    leader: Option<PersonId>,
    exclude: Option<ApplicationId>,
    submitted_on: Option<NaiveDate>,
) -> Result<Review, AppError> {
    let mut doc = doc.clone();
    let counts =
        app.store.application_context(doc.year, doc.level, OrgId(unit), (leader, &doc.leader.name), exclude).await?;
    let province = jijiao_domain::province::find(&doc.province).map(|p| p.code.to_string()).unwrap_or_default();
    let window = app.store.window_for(doc.year, doc.level, &province, district).await?;
    let day = submitted_on.unwrap_or_else(|| app.today());
    let ctx = &mut doc.context;
    ctx.submitted_on = day;
    ctx.window = match &window {
        Some(w) => Window { opens: w.opens, closes: w.closes },
        None => Window { opens: day, closes: day },
    };
    ctx.leader_applications_same_level = counts.leader_applications;
    ctx.unit_applications = counts.unit_applications;
    ctx.unit_previous_year_approved = counts.unit_previous_year_approved;
    // rules.md §7.7: the unit's last 2 years, from its stored filings and inspections.
    ctx.unit_history = crate::events::unit_history(app, OrgId(unit), doc.year).await?;
    ctx.other_applications =
        counts.others.into_iter().map(|(unit, name, leader)| OtherApplication { unit, name, leader }).collect();
    let catalogue = app.store.catalogue().await?;
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

pub(crate) fn office_name(level: Level) -> &'static str {
    match level {
        Level::National => "全国继续医学教育委员会办公室",
        Level::Provincial => "省级继续医学教育委员会",
        Level::District => "区级继续医学教育管理部门",
    }
}

pub(crate) fn counts(r: &Review) -> (u32, u32) {
    (u32::try_from(r.errors).unwrap_or(u32::MAX), u32::try_from(r.warnings).unwrap_or(u32::MAX))
}

/// The review of a stored application as it stands.
pub async fn review_stored(app: &App, stored: &StoredApplication) -> Result<Review, AppError> {
    let s = &stored.summary;
    let leader = s.leader_person_id.map(PersonId);
    review_in_context(app, &stored.document, s.unit_id, s.district_id, leader, Some(s.id), s.submitted_on).await
}

/// The applicant's province must be the unit's, and the level must be one the unit applies at.
async fn check_unit(app: &App, unit: i64, doc: &Application) -> Result<Option<i64>, AppError> {
    let org = app.store.organisation(OrgId(unit)).await?;
    let province = jijiao_domain::province::find(&doc.province).map(|p| p.code);
    if org.province_code.as_deref() != province {
        return Err(AppError::InvalidInput {
            field: Some("province".into()),
            message: format!("申报省份应为本单位所在省份，当前为“{}”", doc.province),
        });
    }
    let district = org.parent_district.map(|d| d.0);
    if doc.level == Level::District && district.is_none() {
        return Err(AppError::InvalidInput {
            field: Some("level".into()),
            message: "本单位不隶属于区级管理部门，不能申报区级项目".into(),
        });
    }
    Ok(district)
}

/// Creates a draft for the principal's unit; returns its id and review.
pub async fn create(
    app: &App,
    p: &Acting,
    doc: &Application,
    copied_from: Option<ApplicationId>,
) -> Result<(ApplicationId, Review), AppError> {
    let (unit, _) = applicant_unit(p)?;
    let org = app.store.organisation(OrgId(unit)).await?;
    if org.kind != OrgKind::Unit {
        return Err(AppError::Forbidden);
    }
    let district = check_unit(app, unit, doc).await?;
    let leader = leader_person(app, p, unit, doc).await?;
    let place = Place { province: org.province_code.clone(), district, unit: Some(unit), person: leader.map(|l| l.0) };
    if !rules::may_draft(&p.grants, &place) {
        return Err(AppError::Forbidden);
    }
    let result = review_in_context(app, doc, unit, district, leader, None, None).await?;
    let new = NewApplication {
        document: doc.clone(),
        unit_id: OrgId(unit),
        district_id: district.map(OrgId),
        leader_person_id: leader,
        copied_from,
        findings: counts(&result),
    };
    let id = app.store.create_application(&p.actor(), &new).await?;
    Ok((id, result))
}

/// Saves the document of a draft or returned application; returns the review.
pub async fn update(app: &App, p: &Acting, id: i64, doc: &Application) -> Result<Review, AppError> {
    let stored = visible(app, p, id).await?;
    let s = &stored.summary;
    if !rules::may_edit(&p.grants, &place_of(s), s.status) {
        return Err(AppError::Forbidden);
    }
    let doc = &with_stored_personal(doc, &stored.document)?;
    check_unit(app, s.unit_id, doc).await?;
    let leader = if p.has(Role::UnitAdmin) {
        leader_person(app, p, s.unit_id, doc).await?
    } else {
        s.leader_person_id.map(PersonId)
    };
    let result = review_in_context(app, doc, s.unit_id, s.district_id, leader, Some(s.id), None).await?;
    app.store.update_application(&p.actor(), s.id, doc, leader, counts(&result)).await?;
    Ok(result)
}

/// The formal review of an edited, unsaved draft as saving it would judge it (issue 18: the form's
/// live review must judge what the server will): the same authorisation, the stored ID number for
/// its mask, the unit's checks and the context from the records, as [`update`]; nothing is stored.
/// What saving would refuse outright (a wrong mask, another province) is one finding among the others.
pub async fn review_edit(app: &App, p: &Acting, id: i64, doc: &Application) -> Result<Review, AppError> {
    let stored = visible(app, p, id).await?;
    let s = &stored.summary;
    if !rules::may_edit(&p.grants, &place_of(s), s.status) {
        return Err(AppError::Forbidden);
    }
    let mut refused = Vec::new();
    let mut refusal = |e: AppError| match e {
        AppError::InvalidInput { field, message } => {
            refused.push(Finding {
                rule: "form.refused",
                severity: Severity::Error,
                field: field.unwrap_or_default(),
                message,
            });
            Ok(())
        }
        other => Err(other),
    };
    let doc = match with_stored_personal(doc, &stored.document) {
        Ok(kept) => kept,
        Err(e) => {
            refusal(e)?;
            doc.clone()
        }
    };
    if let Err(e) = check_unit(app, s.unit_id, &doc).await {
        refusal(e)?;
    }
    let leader = if p.has(Role::UnitAdmin) {
        leader_person(app, p, s.unit_id, &doc).await?
    } else {
        s.leader_person_id.map(PersonId)
    };
    let result = review_in_context(app, &doc, s.unit_id, s.district_id, leader, Some(s.id), None).await?;
    if refused.is_empty() {
        return Ok(result);
    }
    refused.extend(result.findings);
    Ok(Review::from_findings(refused))
}

/// Views show the leader's ID number and the phones masked (issue 18 point 14: the phones as the
/// ID number), so a client saving back what it read sends the masks: a mask means "unchanged" and
/// keeps the stored value. Any other text with `*` would overwrite the value with asterisks, and
/// is refused naming the field.
fn with_stored_personal(doc: &Application, stored: &Application) -> Result<Application, AppError> {
    use jijiao_domain::personal::{mask_id_number, mask_phone};
    let mut kept = doc.clone();
    let sent = doc.leader.id_number.trim();
    if sent.contains('*') {
        if sent != mask_id_number(&stored.leader.id_number) {
            return Err(AppError::invalid(
                "leader.id_number",
                "身份证号含“*”但与已保存号码的遮蔽形式不符：请填写完整的身份证号，或原样保留遮蔽形式表示不修改",
            ));
        }
        kept.leader.id_number = stored.leader.id_number.clone();
    }
    let phones = [
        ("leader.phone", "项目负责人联系电话", &mut kept.leader.phone, &stored.leader.phone),
        ("applicant.contact_phone", "单位联系电话", &mut kept.applicant.contact_phone, &stored.applicant.contact_phone),
    ];
    for (field, label, sent, stored) in phones {
        let Some(text) = sent.as_deref().map(str::trim).filter(|t| t.contains('*')) else { continue };
        match stored {
            Some(whole) if text == mask_phone(whole) => *sent = Some(whole.clone()),
            _ => {
                return Err(AppError::invalid(
                    field,
                    format!("{label}含“*”但与已保存号码的遮蔽形式不符：请填写完整的号码，或原样保留遮蔽形式表示不修改"),
                ));
            }
        }
    }
    Ok(kept)
}

pub async fn delete(app: &App, p: &Acting, id: i64) -> Result<(), AppError> {
    let stored = visible(app, p, id).await?;
    if !rules::may_edit(&p.grants, &place_of(&stored.summary), stored.summary.status) {
        return Err(AppError::Forbidden);
    }
    if stored.summary.status != Status::Draft || stored.summary.code.is_some() {
        return Err(AppError::Conflict("只能删除从未提交的草稿".into()));
    }
    Ok(app.store.delete_application(&p.actor(), stored.summary.id).await?)
}

/// A new draft from an earlier application: the next year, the commitment to be signed again.
pub async fn copy(app: &App, p: &Acting, id: i64) -> Result<(ApplicationId, Review), AppError> {
    let stored = visible(app, p, id).await?;
    if !rules::may_draft(&p.grants, &place_of(&stored.summary)) {
        return Err(AppError::Forbidden);
    }
    let mut doc = stored.document.clone();
    doc.year = windows::coming_year(app);
    doc.commitment_signed = false;
    let shift = i32::from(doc.year) - i32::from(stored.document.year);
    for period in &mut doc.periods {
        period.start = shift_year(period.start, shift);
        period.end = shift_year(period.end, shift);
    }
    create(app, p, &doc, Some(stored.summary.id)).await
}

fn shift_year(d: NaiveDate, years: i32) -> NaiveDate {
    d.with_year(d.year() + years).unwrap_or_else(|| d + chrono::Days::new(365 * years.max(0) as u64))
}

/// A step of the review chain. Submitting runs the review first and is refused while it finds errors.
pub async fn step(app: &App, p: &Acting, id: i64, step: Step, comment: &str) -> Result<(Status, Review), AppError> {
    let stored = visible(app, p, id).await?;
    let s = &stored.summary;
    if !rules::may_step(&p.grants, &place_of(s), s.level, s.status, step) {
        return Err(AppError::Forbidden);
    }
    let on = app.today();
    let result = if step == Step::Submit {
        let leader = s.leader_person_id.map(PersonId);
        let r =
            review_in_context(app, &stored.document, s.unit_id, s.district_id, leader, Some(s.id), Some(on)).await?;
        app.store.set_application_findings(s.id, counts(&r)).await?;
        if !r.ok {
            let first = r.findings.iter().find(|f| f.severity == Severity::Error);
            return Err(AppError::InvalidInput {
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
        review_stored(app, &stored).await?
    };
    let status = app.store.step_application(&p.actor(), s.id, step, comment, on).await?;
    Ok((status, result))
}

/// The steps the principal may take on an application now.
pub fn available_steps(p: &Acting, s: &ApplicationSummary) -> Vec<Step> {
    steps(s.level, s.status, s.district_id.is_some())
        .iter()
        .copied()
        .filter(|st| rules::may_step(&p.grants, &place_of(s), s.level, s.status, *st))
        .collect()
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

/// The document as every view shows it: the leader's ID number and the two phones masked (the
/// whole values stay in the store; the applicant's printout shows them, recorded as a reveal).
pub fn mask_personal(doc: &mut Application) {
    use jijiao_domain::personal::{mask_id_number, mask_phone};
    doc.leader.id_number = mask_id_number(&doc.leader.id_number);
    for phone in [&mut doc.leader.phone, &mut doc.applicant.contact_phone].into_iter().flatten() {
        if !phone.trim().is_empty() {
            *phone = mask_phone(phone);
        }
    }
}

pub async fn detail(app: &App, p: &Acting, id: i64) -> Result<Detail, AppError> {
    let mut stored = visible(app, p, id).await?;
    let review = review_stored(app, &stored).await?;
    let steps = app.store.application_steps(stored.summary.id).await?;
    let allowed_steps = available_steps(p, &stored.summary);
    let editable = rules::may_edit(&p.grants, &place_of(&stored.summary), stored.summary.status);
    // Every view shows the ID number and the phones masked.
    mask_personal(&mut stored.document);
    Ok(Detail { application: stored, review, steps, allowed_steps, editable })
}
