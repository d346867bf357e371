//! A project's Execution report built from its records (formats.md "Execution report"), the score
//! of one period that approval stores, and each period's state for the project's page.
//!
//! The plan is the application's when the project came from one (its teachers, its hours), else
//! what the first filing of the earliest filed period said (a remote project: the teachers of its
//! earliest submitted cycle's report); the leader is the published one. The periods are those that
//! have ended (periods are numbered in date order, so they come first), and a period's score is the
//! same whether it is scored alone or with the others: approval scores the period alone and
//! `jijiao check score` on the exported report gives the same figures. A remote project's periods
//! are its upload cycles, each with `upload_cycle_months` and the courseware its report gave.

use chrono::NaiveDate;
use jijiao_domain::events::cycle::Cycle;
use jijiao_domain::events::report::{self as rules, CycleRecords, PeriodRecords, Report, ReportStatus};
use jijiao_domain::events::roster::{Counts, count_people};
use jijiao_domain::score::{self, Days, ExecutionReport, Plan, PlannedPeriod};
use jijiao_storage::events::EventRow;
use jijiao_storage::reports::StoredRosterEntry;
use serde::Serialize;

use crate::events::remote::is_remote;
use crate::events::{Event, project_rows};
use crate::{Acting, App, AppError};

/// The roster's counts (learners per province, speakers) from the stored entries.
fn roster_counts(roster: &[StoredRosterEntry]) -> Counts {
    count_people(roster.iter().map(|e| (e.province.as_str(), e.is_speaker())))
}

/// What the project planned, for every period alike.
async fn plan_of(app: &App, event: &Event, rows: &[EventRow]) -> Result<Plan, AppError> {
    let project = &event.project;
    let remote = is_remote(project);
    let first = rows.first().map(|r| (r.published_start, r.published_end));
    // A remote project plans hours, not days (`score.1.2.4`).
    let days = first.filter(|_| !remote).map(|(start, end)| Days::whole((end - start).num_days() + 1));
    let teachers = match app.store.application_of_project(project.id).await? {
        Some(id) => app.store.application(id).await?.document.teachers.into_iter().map(|t| t.name).collect(),
        None if remote => app
            .store
            .period_reports(project.id)
            .await?
            .into_iter()
            .find(|(_, r)| r.first_submitted_on.is_some())
            .map(|(_, r)| r.report.teaching.into_iter().map(|t| t.teacher).collect())
            .unwrap_or_default(),
        None => {
            let mut teachers = Vec::new();
            for r in rows.iter().filter(|r| r.filed.is_some()) {
                if let Some(first) = app.store.filings(project.id, r.period).await?.into_iter().next() {
                    teachers = first.filing.schedule.into_iter().map(|s| s.teacher).collect();
                    break;
                }
            }
            teachers
        }
    };
    let mut distinct: Vec<String> = Vec::new();
    for t in teachers.into_iter().map(|t| t.trim().to_string()).filter(|t| !t.is_empty()) {
        if !distinct.contains(&t) {
            distinct.push(t);
        }
    }
    Ok(Plan { days, hours: project.hours, teachers: distinct, leader: project.leader_name.clone() })
}

/// The upload cycle in months of a remote project (`None` for a face-to-face one).
async fn months_of(app: &App, event: &Event) -> Result<Option<u32>, AppError> {
    if !is_remote(&event.project) {
        return Ok(None);
    }
    Ok(app.store.upload_cycle(event.project.id).await?.map(|c| c.months))
}

/// The period of the Execution report one period's (or, with `months`, upload cycle's) records make.
async fn period_of(app: &App, project_id: i64, row: &EventRow, months: Option<u32>) -> Result<score::Period, AppError> {
    if let Some(months) = months {
        let roster = app.store.roster(project_id, row.period).await?;
        let report = app.store.period_report(project_id, row.period).await?;
        let submitted = report.as_ref().filter(|r| r.status != ReportStatus::Draft);
        let counts = roster_counts(&roster);
        return Ok(rules::score_cycle(&CycleRecords {
            cycle: Cycle { n: row.period, start: row.published_start, end: row.published_end },
            months,
            counts: &counts,
            report: submitted.map(|r| &r.report),
            reported_on: submitted.and_then(|r| r.first_submitted_on),
        }));
    }
    let planned =
        Some(PlannedPeriod { start: row.published_start, end: row.published_end, place: row.published_place.clone() });
    let filings = app.store.filings(project_id, row.period).await?;
    let Some(current) = filings.last() else {
        // Never filed and over: not held (§7.1: a face-to-face period is filed before it is held).
        return Ok(score::Period { planned, ..not_held() });
    };
    let roster = app.store.roster(project_id, row.period).await?;
    let report = app.store.period_report(project_id, row.period).await?;
    let submitted = report.as_ref().filter(|r| r.status != ReportStatus::Draft);
    let counts = roster_counts(&roster);
    Ok(rules::score_period(&PeriodRecords {
        planned,
        first_filed_on: filings.first().map(|f| f.filed_on),
        filing: Some(&current.filing),
        counts: &counts,
        report: submitted.map(|r| &r.report),
        reported_on: submitted.and_then(|r| r.first_submitted_on),
    }))
}

fn not_held() -> score::Period {
    serde_json::from_value(serde_json::json!({ "held": false })).expect("a period that was not held needs nothing else")
}

fn report_of(event: &Event, plan: Plan, periods: Vec<score::Period>) -> ExecutionReport {
    let project = &event.project;
    let province = project.province_code.as_deref().and_then(jijiao_domain::province::by_code);
    ExecutionReport {
        project_number: event.number().to_string(),
        delivery: project.delivery,
        applicant_province: province.map_or_else(String::new, |p| p.name.to_string()),
        plan,
        periods,
    }
}

/// The score of one period from its records today, every item with its explanation.
pub(crate) async fn score_of_period(app: &App, event: &Event) -> Result<score::PeriodScore, AppError> {
    let rows = if is_remote(&event.project) {
        crate::events::all_rows(app, &event.project).await?
    } else {
        app.store.events(&all(), &by_number(event.number())).await?
    };
    let plan = plan_of(app, event, &rows).await?;
    let period = period_of(app, event.project.id, &event.row, months_of(app, event).await?).await?;
    let scored = score::evaluate(&report_of(event, plan, vec![period]));
    scored.periods.into_iter().next().ok_or_else(|| AppError::Internal("评分结果缺少本期".into()))
}

fn all() -> jijiao_storage::events::EventScope {
    jijiao_storage::events::EventScope { all: true, ..Default::default() }
}

fn by_number(number: &str) -> jijiao_storage::events::EventFilter {
    jijiao_storage::events::EventFilter { number: Some(number.to_string()), ..Default::default() }
}

/// The project's Execution report (formats.md), built from its records: the periods that have ended.
pub async fn execution_report(app: &App, p: &Acting, number: &str) -> Result<ExecutionReport, AppError> {
    let (project, rows) = project_rows(app, p, number).await?;
    let first = rows.first().cloned().ok_or(AppError::NotFound)?;
    let event = Event { project, row: first };
    let plan = plan_of(app, &event, &rows).await?;
    let months = months_of(app, &event).await?;
    let today = app.today();
    let mut periods = Vec::new();
    for row in rows.iter().filter(|r| r.filed.as_ref().map_or(r.published_end, |f| f.end) < today) {
        periods.push(period_of(app, event.project.id, row, months).await?);
    }
    Ok(report_of(&event, plan, periods))
}

/// A period's state on the project's page: filed, inspected, roster, report, audit, score.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodState {
    pub period: u32,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub place: String,
    pub filed_on: Option<NaiveDate>,
    pub filed_late: bool,
    pub inspections: u32,
    pub failed_inspections: u32,
    pub learners: u32,
    pub speakers: u32,
    /// `draft`, `submitted`, `returned`, `approved`; `None` before anything was saved.
    pub report: Option<String>,
    pub report_label: String,
    /// When the report falls due, and whether it is overdue today.
    pub report_due: NaiveDate,
    pub report_overdue: bool,
    pub audit_due: Option<NaiveDate>,
    pub audit_overdue: bool,
    pub score: Option<String>,
    pub credits_granted: Option<u32>,
    /// A remote project's upload cycle in months (its periods are the cycles); `null` face to face.
    pub upload_cycle_months: Option<u32>,
}

/// Each period's state, for whoever sees the project's events.
pub async fn period_states(app: &App, p: &Acting, number: &str) -> Result<Vec<PeriodState>, AppError> {
    let (project, rows) = project_rows(app, p, number).await?;
    let remote = is_remote(&project);
    let months = if remote { app.store.upload_cycle(project.id).await?.map(|c| c.months) } else { None };
    let counts = app.store.roster_counts(project.id).await?;
    let reports: std::collections::HashMap<u32, jijiao_storage::reports::StoredReport> =
        app.store.period_reports(project.id).await?.into_iter().collect();
    let today = app.today();
    Ok(rows
        .iter()
        .map(|r| {
            let (start, end, place) = match &r.filed {
                Some(f) => (f.start, f.end, f.place.clone()),
                None => (r.published_start, r.published_end, r.published_place.clone()),
            };
            let report = reports.get(&r.period);
            let status = report.map(|s| s.status);
            let report_due = rules::due(end);
            let submitted = matches!(status, Some(ReportStatus::Submitted | ReportStatus::Approved));
            let audit_due =
                report.filter(|s| s.status == ReportStatus::Submitted).and_then(|s| s.submitted_on).map(rules::due);
            let (learners, speakers) = counts.get(&r.period).copied().unwrap_or_default();
            PeriodState {
                period: r.period,
                start,
                end,
                place,
                filed_on: r.filed.as_ref().map(|f| f.filed_on),
                filed_late: r.filed.as_ref().is_some_and(|f| f.late),
                inspections: r.inspections,
                failed_inspections: r.failed_inspections,
                learners,
                speakers,
                report: status.map(|s| s.code().to_string()),
                report_label: status.map_or_else(
                    || if end < today { "未填写".to_string() } else { "未到填报时间".to_string() },
                    |s| s.label().to_string(),
                ),
                report_due,
                // A face-to-face period never filed was not held; a remote cycle is due once it ends.
                report_overdue: !submitted && (r.filed.is_some() || remote) && today > report_due,
                audit_due,
                audit_overdue: audit_due.is_some_and(|d| today > d),
                score: report.and_then(|s| s.score).map(|s| score::mean(&[s]).to_string()),
                credits_granted: report.and_then(|s| s.credits_granted),
                upload_cycle_months: months,
            }
        })
        .collect())
}

/// The report a period's page starts from before anything was saved: its form from the filing and
/// the topics with their teachers from the schedule, so nothing the filing holds is typed twice.
pub fn report_from_filing(filing: &jijiao_domain::events::filing::Filing) -> Report {
    Report {
        form: filing.form,
        courseware: None,
        hours: None,
        teaching: filing
            .schedule
            .iter()
            .map(|s| rules::Teaching { topic: s.topic.clone(), teacher: s.teacher.clone() })
            .collect(),
        effect_analysis: String::new(),
        survey: None,
        problems: String::new(),
        textbooks: Vec::new(),
    }
}

/// The report a remote cycle's page starts from before anything was saved: held online only, the
/// course's published hours as the hours it offered.
pub fn report_for_cycle(project: &jijiao_storage::projects::Project) -> Report {
    Report {
        form: jijiao_domain::events::filing::Form::Online,
        courseware: None,
        hours: project.hours,
        teaching: Vec::new(),
        effect_analysis: String::new(),
        survey: None,
        problems: String::new(),
        textbooks: Vec::new(),
    }
}
