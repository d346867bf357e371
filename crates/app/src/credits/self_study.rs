//! Self-study (rules.md §2.5): the professional plans a year's study, the employer approves the
//! plan, the professional applies for credits against it, and the employer grants them.

use chrono::Datelike;
use jijiao_domain::authz::Place;
use jijiao_domain::authz::credits::{CreditAction, may_ever, permits};
use jijiao_domain::credits::ActivityKind;
use jijiao_domain::credits::learning_record::{RecordFacts, RecordSource, RecordStatus};
use jijiao_domain::year::YearParseError;
use jijiao_domain::{Credits, Year};
use jijiao_storage::PageRequest;
use jijiao_storage::credit_records::{
    CreditFilter, CreditRecord, CreditRecordId, Decision, NewCreditRecord, PlanFilter, PlanId, PlanStatus,
    SelfStudyPlan, plan_ref,
};
use serde::{Deserialize, Serialize};

use super::{Subject, blank, own, parse_credits, parse_date, text_or_number};
use crate::{Acting, App, AppError};

/// A self-study plan for a year, as the professional submits it. Text fields so forms and JSON read alike.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    #[serde(default, deserialize_with = "text_or_number")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub year: Option<String>,
    /// What will be studied, how, and how the results will be shown.
    pub content: String,
    /// Credits planned, up to one decimal.
    #[serde(default, deserialize_with = "text_or_number")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub planned: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub csrf: Option<String>,
}

/// An application for self-study credits against an approved plan.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApplyInput {
    /// The approved plan; default: the approved plan of the year the study ended.
    #[serde(default, deserialize_with = "text_or_number")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub plan_id: Option<String>,
    /// What was studied.
    pub title: String,
    /// `YYYY-MM-DD`, in the plan's year.
    pub end: String,
    /// Credits asked for, up to one decimal.
    #[serde(default, deserialize_with = "text_or_number")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub credits: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub csrf: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanLine {
    pub id: i64,
    pub person_id: i64,
    pub person: String,
    pub employer: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = u16, minimum = 1900, maximum = 2200))]
    pub year: Year,
    pub content: String,
    pub planned: String,
    /// Credits applied for against the plan (provisional or granted).
    pub applied: String,
    pub status: String,
    pub status_label: String,
    pub reject_reason: Option<String>,
    pub decided_by: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationLine {
    pub id: i64,
    pub person_id: i64,
    pub person: String,
    pub employer: Option<String>,
    pub plan: Option<String>,
    pub title: String,
    pub end: String,
    pub credits: String,
    pub status: String,
    pub status_label: String,
    pub reject_reason: Option<String>,
}

/// A professional's plans and applications, or a unit's queue of them.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SelfStudyView {
    pub plans: Vec<PlanLine>,
    pub applications: Vec<ApplicationLine>,
}

async fn plan_line(app: &App, plan: &SelfStudyPlan) -> Result<PlanLine, AppError> {
    let applied = app.store.self_study_applied(plan.id).await?;
    Ok(PlanLine {
        id: plan.id.0,
        person_id: plan.person_id.0,
        person: plan.person_name.clone(),
        employer: plan.org_name.clone(),
        year: plan.year,
        content: plan.content.clone(),
        planned: plan.planned.to_string(),
        applied: applied.to_string(),
        status: plan.status.code().into(),
        status_label: plan.status.label().into(),
        reject_reason: plan.reject_reason.clone(),
        decided_by: plan.decided_by_name.clone(),
    })
}

fn application_line(r: &CreditRecord) -> ApplicationLine {
    ApplicationLine {
        id: r.id.0,
        person_id: r.person_id.0,
        person: r.person_name.clone(),
        employer: r.org_name.clone(),
        plan: r.source_ref.clone(),
        title: r.facts.title.clone(),
        end: r.facts.end.to_string(),
        credits: r.facts.credits.unwrap_or(Credits::ZERO).to_string(),
        status: r.status.code().into(),
        status_label: if r.cancelled() { "已冲销".into() } else { r.status.label().into() },
        reject_reason: r.reject_reason.clone(),
    }
}

/// The principal's own person, who must be allowed to apply for self-study (403 otherwise).
async fn applicant(app: &App, p: &Acting) -> Result<Subject, AppError> {
    if !may_ever(&p.grants, CreditAction::ApplySelfStudy) {
        return Err(AppError::Forbidden);
    }
    let s = own(app, p).await?;
    if !permits(&p.grants, CreditAction::ApplySelfStudy, &s.place) {
        return Err(AppError::Forbidden);
    }
    Ok(s)
}

/// Submits the professional's plan for a year (2025 on: self-study is a kind of the 2024 rules).
pub async fn submit_plan(app: &App, p: &Acting, input: &PlanInput) -> Result<PlanId, AppError> {
    let s = applicant(app, p).await?;
    let year_text = blank(&input.year).ok_or_else(|| AppError::invalid("year", "请填写年度"))?;
    let too_early = || AppError::invalid("year", "自学计划适用于2025年及以后的年度");
    let year: Year = year_text.parse().map_err(|e| match e {
        YearParseError::NotANumber => AppError::invalid("year", format!("年度“{year_text}”应为四位数字")),
        YearParseError::OutOfRange(_) => too_early(),
    })?;
    if !(2025..=2100).contains(&year.get()) {
        return Err(too_early());
    }
    if input.content.trim().is_empty() {
        return Err(AppError::invalid("content", "请填写学习计划内容"));
    }
    if input.content.trim().chars().count() > 2000 {
        return Err(AppError::invalid("content", "学习计划内容不能超过2000字"));
    }
    let planned = parse_credits("planned", input.planned.as_deref())?;
    if planned.tenths() > 1000 {
        return Err(AppError::invalid("planned", "计划学分不能超过100"));
    }
    Ok(app.store.submit_self_study_plan(&p.actor(), s.person.id, year, &input.content, planned).await?)
}

/// Applies for self-study credits against an approved plan of one's own: provisional until the unit grants it.
pub async fn apply_self_study(app: &App, p: &Acting, input: &ApplyInput) -> Result<CreditRecordId, AppError> {
    let s = applicant(app, p).await?;
    let end = parse_date("end", &input.end)?;
    let plan = match blank(&input.plan_id) {
        Some(plan_text) => {
            let plan_id: i64 = plan_text.parse().map_err(|_| AppError::invalid("plan_id", "自学计划编号无效"))?;
            match app.store.self_study_plan(PlanId(plan_id)).await {
                Ok(plan) if plan.person_id == s.person.id => plan,
                Ok(_) | Err(jijiao_storage::StoreError::NotFound) => {
                    return Err(AppError::invalid("plan_id", "没有这个自学计划"));
                }
                Err(e) => return Err(e.into()),
            }
        }
        // Without a plan named: the approved plan of the year the study ended (there is at most one).
        None => {
            let filter = PlanFilter {
                person_id: Some(s.person.id),
                year: Some(Year::of(end)),
                status: Some(PlanStatus::Approved),
                ..PlanFilter::default()
            };
            app.store.self_study_plans(&filter).await?.into_iter().next().ok_or_else(|| {
                AppError::invalid("plan_id", format!("{}年度没有已批准的自学计划，请先提交计划", end.year()))
            })?
        }
    };
    if plan.status != PlanStatus::Approved {
        return Err(AppError::invalid("plan_id", format!("该自学计划{}，不能申请学分", plan.status.label())));
    }
    if end.year() != i32::from(plan.year) {
        return Err(AppError::invalid("end", format!("完成日期应在计划年度 {} 年内", plan.year)));
    }
    let credits = parse_credits("credits", input.credits.as_deref())?;
    let applied = app.store.self_study_applied(plan.id).await?;
    if applied + credits > plan.planned {
        return Err(AppError::invalid(
            "credits",
            format!("超过计划学分：计划 {}，已申请 {}，尚可申请 {}", plan.planned, applied, plan.planned - applied),
        ));
    }
    let facts = RecordFacts {
        kind: ActivityKind::SelfStudy,
        title: input.title.trim().to_string(),
        project_number: None,
        level: None,
        delivery: None,
        role: None,
        start: None,
        end,
        passed: None,
        hours: None,
        credits: Some(credits),
        legacy_class: None,
    };
    if let Some(problem) = facts.check(&app.rules).into_iter().next() {
        return Err(AppError::invalid(problem.field, problem.message));
    }
    let new = NewCreditRecord {
        person_id: s.person.id,
        source: RecordSource::SelfStudy,
        source_ref: Some(plan_ref(plan.id)),
        facts,
        granted: false,
    };
    Ok(app.store.record_credit(&p.actor(), &new).await?)
}

/// The professional's own plans and applications.
pub async fn my_self_study(app: &App, p: &Acting) -> Result<SelfStudyView, AppError> {
    let s = own(app, p).await?;
    let plans =
        app.store.self_study_plans(&PlanFilter { person_id: Some(s.person.id), ..PlanFilter::default() }).await?;
    let mut lines = Vec::with_capacity(plans.len());
    for plan in &plans {
        lines.push(plan_line(app, plan).await?);
    }
    let records = app.store.credit_records_of(s.person.id, None).await?;
    let applications =
        records.iter().rev().filter(|r| r.source == RecordSource::SelfStudy).map(application_line).collect();
    Ok(SelfStudyView { plans: lines, applications })
}

/// The units whose self-study the principal reviews.
fn reviewed_units(p: &Acting) -> Vec<i64> {
    p.grants.iter().filter(|g| g.role == jijiao_domain::authz::Role::UnitAdmin).filter_map(|g| g.unit).collect()
}

/// A unit administrator's queue: submitted plans and provisional applications of the unit's people.
pub async fn self_study_queue(app: &App, p: &Acting) -> Result<SelfStudyView, AppError> {
    if !may_ever(&p.grants, CreditAction::ReviewSelfStudy) {
        return Err(AppError::Forbidden);
    }
    let units = reviewed_units(p);
    let plans = app
        .store
        .self_study_plans(&PlanFilter {
            org_ids: Some(units.clone()),
            status: Some(PlanStatus::Submitted),
            ..PlanFilter::default()
        })
        .await?;
    let mut lines = Vec::with_capacity(plans.len());
    for plan in &plans {
        lines.push(plan_line(app, plan).await?);
    }
    let filter = CreditFilter {
        org_ids: Some(units),
        status: Some(RecordStatus::Provisional),
        sources: Some(vec![RecordSource::SelfStudy]),
        ..CreditFilter::default()
    };
    let records = app.store.credit_records(&filter, PageRequest::new(Some(1), Some(200))).await?;
    Ok(SelfStudyView { plans: lines, applications: records.items.iter().map(application_line).collect() })
}

/// Approves or rejects a submitted plan: 404 out of scope, 403 for anyone but the person's unit administrator.
pub async fn decide_plan(app: &App, p: &Acting, id: i64, decision: &Decision) -> Result<(), AppError> {
    let plan = app.store.self_study_plan(PlanId(id)).await?;
    let mut place = match plan.org_id {
        Some(o) => app.store.organisation(o).await?.place(),
        None => Place { province: plan.province_code.clone(), ..Place::default() },
    };
    place.person = Some(plan.person_id.0);
    if !permits(&p.grants, CreditAction::ReadRecord, &place) {
        return Err(AppError::NotFound);
    }
    if !permits(&p.grants, CreditAction::ReviewSelfStudy, &place) {
        return Err(AppError::Forbidden);
    }
    Ok(app.store.decide_self_study_plan(&p.actor(), plan.id, decision).await?)
}
