//! From the event to the learner's record as operations (rules.md §7.3–§7.5): the roster, the
//! execution report through draft, submission, return and approval, the score stored at approval,
//! the project credits it grants with their certificates, and the Execution report of a project
//! built from its records. Pages, API and CLI all call these, so each scope check exists once.
//!
//! A remote project's periods are its upload cycles (`events::remote`): the same operations keep
//! their rosters and reports, with the cycle's dates where a face-to-face period has its filing's,
//! and the learners' phone survey (`survey`) fills either's survey grid.
//!
//! Who does what: the project's unit administrator or its leader keeps the roster and the report
//! (as they file, `access::may_file`); the office of the applicant unit's province audits
//! (`access::may_audit`); whoever sees the event reads them; a learner on the roster answers the
//! survey.

mod execution;
mod roster;
pub mod survey;

use chrono::NaiveDate;
use jijiao_domain::credits::learning_record::{RecordFacts, RecordSource};
use jijiao_domain::credits::{ActivityKind, Role as CreditRole};
use jijiao_domain::events::access;
use jijiao_domain::events::filing::Filing;
use jijiao_domain::events::report::{self as rules, Report, ReportStatus};
use jijiao_domain::score::{self, mean};
use jijiao_storage::credit_records::NewCreditRecord;
use jijiao_storage::reports::{
    Approval, NewReportFile, PeriodKey, ReportFile, ReportFileKind, StoredReport, StoredRosterEntry,
};
use serde::Serialize;

use crate::events::{Event, event};
use crate::{Acting, App, AppError};

pub use execution::{PeriodState, execution_report, period_states, report_for_cycle, report_from_filing};
pub use roster::{
    RosterImport, RosterLine, RosterView, import_roster, import_roster_as_operator, roster_from_sign_ins,
    roster_template, roster_view,
};

/// The period as every write names it.
pub(crate) fn key_of(event: &Event) -> PeriodKey {
    PeriodKey {
        project_id: event.project.id,
        project_number: event.number().to_string(),
        period: event.row.period,
        unit_id: event.project.unit_id,
        unit_province: event.project.province_code.clone(),
    }
}

/// The period's current filing (its latest version), if it was filed.
pub(crate) async fn current_filing(app: &App, event: &Event) -> Result<Option<Filing>, AppError> {
    Ok(app.store.filings(event.project.id, event.row.period).await?.pop().map(|f| f.filing))
}

/// Refuses a principal who may not keep the period's roster and report (403: they see it).
fn require_filer(p: &Acting, event: &Event) -> Result<(), AppError> {
    if access::may_file(&p.grants, &event.place()) { Ok(()) } else { Err(AppError::Forbidden) }
}

fn require_auditor(p: &Acting, event: &Event) -> Result<(), AppError> {
    if access::may_audit(&p.grants, &event.place()) { Ok(()) } else { Err(AppError::Forbidden) }
}

fn problems_error(problems: Vec<jijiao_domain::events::Problem>) -> AppError {
    AppError::InvalidDocument(
        problems
            .into_iter()
            .map(|p| jijiao_domain::document::DocumentError { path: p.field, message: p.message })
            .collect(),
    )
}

/// A period's report as views show it: the report, where it stands, and the score once approved.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportView {
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub report: Report,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: ReportStatus,
    /// The period's score, `"95.0"`, once approved.
    pub score: Option<String>,
    /// Each item's points and explanation, once approved.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub items: Option<serde_json::Value>,
    pub return_reason: Option<String>,
    /// The first submission's date (the score reads it).
    pub reported_on: Option<NaiveDate>,
    pub submitted_on: Option<NaiveDate>,
    /// When the report falls due (14 days after the period's end) and the audit (14 days after submission).
    pub due: Option<NaiveDate>,
    pub audit_due: Option<NaiveDate>,
    pub decided_by: Option<String>,
    pub credits_granted: Option<u32>,
    pub certificates: Option<u32>,
    pub learners: u32,
    pub speakers: u32,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub files: Vec<ReportFile>,
}

/// The period's report, for whoever sees the event (404 before anything was saved).
pub async fn report_view(app: &App, p: &Acting, number: &str, period: u32) -> Result<ReportView, AppError> {
    let event = event(app, p, number, period).await?;
    let stored = app.store.period_report(event.project.id, period).await?.ok_or(AppError::NotFound)?;
    view_of(app, &event, stored).await
}

async fn view_of(app: &App, event: &Event, stored: StoredReport) -> Result<ReportView, AppError> {
    let roster = app.store.roster(event.project.id, event.row.period).await?;
    let speakers = roster.iter().filter(|e| e.is_speaker()).count() as u32;
    let end = current_filing(app, event).await?.map_or(event.row.published_end, |f| f.end);
    Ok(ReportView {
        status: stored.status,
        score: stored.score.map(|s| mean(&[s]).to_string()),
        items: stored.score_items,
        return_reason: stored.return_reason,
        reported_on: stored.first_submitted_on,
        submitted_on: stored.submitted_on,
        due: Some(rules::due(end)),
        audit_due: stored.submitted_on.map(rules::due),
        decided_by: stored.decided_by_name,
        credits_granted: stored.credits_granted,
        certificates: stored.certificates,
        learners: roster.len() as u32 - speakers,
        speakers,
        files: app.store.report_files(event.project.id, event.row.period).await?,
        report: stored.report,
    })
}

/// Learners on the roster: the survey's counts are checked against them.
fn learners(roster: &[StoredRosterEntry]) -> u32 {
    roster.iter().filter(|e| !e.is_speaker()).count() as u32
}

/// Saves the report as a draft: it may be incomplete, never wrong (`report.survey_counts`).
pub async fn save_report(app: &App, p: &Acting, number: &str, period: u32, report: &Report) -> Result<(), AppError> {
    let event = event(app, p, number, period).await?;
    require_filer(p, &event)?;
    let roster = app.store.roster(event.project.id, period).await?;
    let problems = rules::check_draft(report, learners(&roster));
    if !problems.is_empty() {
        return Err(problems_error(problems));
    }
    Ok(app.store.save_report(&p.actor(), &key_of(&event), report, app.clock.now_millis()).await?)
}

/// Submits the saved report once it is complete, the roster is in and the period has ended.
pub async fn submit_report(app: &App, p: &Acting, number: &str, period: u32) -> Result<(), AppError> {
    let event = event(app, p, number, period).await?;
    require_filer(p, &event)?;
    let stored = app
        .store
        .period_report(event.project.id, period)
        .await?
        .ok_or_else(|| AppError::Conflict("本期尚未填写执行情况，请先保存后再提交".into()))?;
    let end = current_filing(app, &event).await?.map_or(event.row.published_end, |f| f.end);
    let today = app.today();
    if today < end {
        return Err(AppError::Conflict(format!("本期 {end} 结束，结束后才能提交执行情况")));
    }
    let roster = app.store.roster(event.project.id, period).await?;
    if roster.is_empty() {
        return Err(AppError::Conflict("请先导入本期学员名单，再提交执行情况".into()));
    }
    let mut problems = rules::check_complete(&stored.report, learners(&roster));
    if crate::events::remote::is_remote(&event.project) {
        problems.extend(rules::check_remote(&stored.report));
    }
    if !problems.is_empty() {
        return Err(problems_error(problems));
    }
    Ok(app.store.submit_report(&p.actor(), &key_of(&event), today, app.clock.now_millis()).await?)
}

/// Stores a file of the report: the exam questions or the schedule (PDF, Word, Excel or an image).
pub async fn add_report_file(
    app: &App,
    p: &Acting,
    number: &str,
    period: u32,
    kind: ReportFileKind,
    file_name: &str,
    bytes: &[u8],
) -> Result<i64, AppError> {
    let event = event(app, p, number, period).await?;
    require_filer(p, &event)?;
    let content_type = file_type(bytes).ok_or_else(|| {
        AppError::invalid("file", format!("“{file_name}”不是 PDF、Word、Excel 或图片文件（{}）", kind.label()))
    })?;
    if bytes.len() > MAX_FILE {
        return Err(AppError::invalid("file", format!("{}不能超过 10 MB", kind.label())));
    }
    if let Some(stored) = app.store.period_report(event.project.id, period).await?
        && stored.status == ReportStatus::Approved
    {
        return Err(AppError::Conflict("本期执行情况已审核通过，不能再上传文件".into()));
    }
    let name: String = file_name.chars().filter(|c| !c.is_control()).take(120).collect();
    let file = NewReportFile { kind, file_name: &name, content_type, content: bytes };
    Ok(app.store.add_report_file(&p.actor(), &key_of(&event), file, app.clock.now_millis()).await?)
}

/// A report file's content, for whoever sees the event.
pub async fn report_file(
    app: &App,
    p: &Acting,
    number: &str,
    period: u32,
    id: i64,
) -> Result<(ReportFile, Vec<u8>), AppError> {
    let event = event(app, p, number, period).await?;
    Ok(app.store.report_file_content(event.project.id, period, id).await?)
}

const MAX_FILE: usize = 10 * 1024 * 1024;

/// The content type of a report file, by its first bytes (never by its name).
fn file_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"PK\x03\x04") {
        // docx and xlsx are zip packages; the name's extension decides how it is offered back.
        Some("application/zip")
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        Some("application/x-ole-storage")
    } else {
        None
    }
}

/// Returns a submitted report to its unit with a reason (the auditor).
pub async fn return_report(app: &App, p: &Acting, number: &str, period: u32, reason: &str) -> Result<(), AppError> {
    let event = event(app, p, number, period).await?;
    require_auditor(p, &event)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid("reason", "请填写退回原因"));
    }
    if reason.chars().count() > 1000 {
        return Err(AppError::invalid("reason", "退回原因不能超过 1000 字"));
    }
    Ok(app.store.return_report(&p.actor(), &key_of(&event), reason, app.clock.now_millis()).await?)
}

/// What approval did.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Approved {
    /// The period's score, `"95.0"`.
    pub score: String,
    pub credits_granted: usize,
    pub certificates: usize,
}

/// The credit records a roster earns (§7.5): every entry assessed 合格, as a participant for the
/// hours attended and as a speaker for the hours taught. Amounts and caps are the credits engine's,
/// computed from these facts in each learning record, with its explanation.
pub fn grants(event: &Event, filing: Option<&Filing>, roster: &[StoredRosterEntry]) -> Vec<NewCreditRecord> {
    let project = &event.project;
    let (start, end) = filing.map_or((event.row.published_start, event.row.published_end), |f| (f.start, f.end));
    let record = |person, role, hours| NewCreditRecord {
        person_id: person,
        source: RecordSource::Project,
        source_ref: Some(format!(
            "{} {}",
            event.number(),
            crate::events::remote::period_label(project.delivery, event.row.period)
        )),
        facts: RecordFacts {
            kind: ActivityKind::Project,
            title: project.name.clone(),
            project_number: Some(event.number().to_string()),
            level: Some(project.level),
            delivery: Some(project.delivery),
            role: Some(role),
            start: Some(start),
            end,
            passed: Some(true),
            hours: Some(hours),
            credits: None,
            legacy_class: None,
        },
        granted: true,
    };
    let mut records = Vec::new();
    for e in roster.iter().filter(|e| e.passed) {
        if e.hours > jijiao_domain::Hours::ZERO {
            records.push(record(e.person_id, CreditRole::Participant, e.hours));
        }
        if let Some(taught) = e.taught_hours.filter(|_| e.is_speaker()) {
            records.push(record(e.person_id, CreditRole::Speaker, taught));
        }
    }
    records
}

/// Approves a submitted report (the auditor): stores the period's score with its items, grants the
/// project credits of everyone assessed 合格 and issues their certificates. A project suspended
/// for its unit is not approved.
pub async fn approve_report(app: &App, p: &Acting, number: &str, period: u32) -> Result<Approved, AppError> {
    let event = event(app, p, number, period).await?;
    require_auditor(p, &event)?;
    if let Some(s) = &event.project.suspension {
        return Err(AppError::Conflict(format!("该单位的项目已被暂停（{}），暂停期间不能审核通过执行情况", s.reason)));
    }
    let stored = app.store.period_report(event.project.id, period).await?;
    match stored.as_ref().map(|s| s.status) {
        Some(ReportStatus::Submitted) => {}
        Some(ReportStatus::Approved) => return Err(AppError::Conflict("本期执行情况已审核通过，不能重复审核".into())),
        _ => return Err(AppError::Conflict("本期执行情况尚未提交，不能审核".into())),
    }
    let roster = app.store.roster(event.project.id, period).await?;
    let filing = current_filing(app, &event).await?;
    let scored = execution::score_of_period(app, &event).await?;
    let records = grants(&event, filing.as_ref(), &roster);
    for r in &records {
        if let Some(problem) = r.facts.check(&app.rules).first() {
            return Err(AppError::Internal(format!("学分记录无效：{}：{}", problem.field, problem.message)));
        }
    }
    let approval = Approval {
        score: scored.total,
        score_items: serde_json::json!({ "items": scored.items, "explanations": scored.explanations }),
        records: &records,
        at: app.clock.now_millis(),
    };
    let actor = p.actor();
    let key = key_of(&event);
    let ids = app.store.approve_report(&actor, &key, &approval).await?;
    let certificates = crate::certificates::issue_certificates_for(app, &actor, &ids).await?;
    app.store.set_report_certificates(&key, certificates.len()).await?;
    Ok(Approved {
        score: mean(&[scored.total]).to_string(),
        credits_granted: ids.len(),
        certificates: certificates.len(),
    })
}

/// The score a period's records give today, with every item (the approval stores it).
pub async fn period_score(app: &App, p: &Acting, number: &str, period: u32) -> Result<score::PeriodScore, AppError> {
    let event = event(app, p, number, period).await?;
    execution::score_of_period(app, &event).await
}

/// Reads a report body, naming the field of each problem.
pub fn parse_report(text: &str) -> Result<Report, AppError> {
    rules::parse(text).map_err(problems_error)
}

/// A report in an office's audit list, with when its audit falls due.
#[derive(Clone, Debug, Serialize)]
pub struct AuditRow {
    pub row: jijiao_storage::reports::ReportRow,
    pub audit_due: Option<NaiveDate>,
    pub overdue: bool,
}

/// The reports an office audits (its province's units') or watches (the national office: all), in
/// the given states, oldest submission first. Other roles have no audit list (403).
pub async fn audit_list(app: &App, p: &Acting, statuses: &[ReportStatus]) -> Result<Vec<AuditRow>, AppError> {
    use jijiao_domain::authz::Role;
    let national = p.grants.iter().any(|g| g.role == Role::NationalAdmin);
    let provinces: Vec<String> =
        p.grants.iter().filter(|g| g.role == Role::ProvinceAdmin).filter_map(|g| g.province.clone()).collect();
    if !national && provinces.is_empty() {
        return Err(AppError::Forbidden);
    }
    let rows = app.store.reports((!national).then_some(provinces.as_slice()), statuses).await?;
    let today = app.today();
    Ok(rows
        .into_iter()
        .map(|row| {
            let audit_due = row.submitted_on.filter(|_| row.status == ReportStatus::Submitted).map(rules::due);
            AuditRow { overdue: audit_due.is_some_and(|d| today > d), audit_due, row }
        })
        .collect())
}
