//! The learners' phone survey as operations (rules.md §7.4, Attachment 2's questions 1–7): a
//! learner on a period's roster (face to face, or a remote project's upload cycle) answers once,
//! from the period's last day until its report is approved; the unit reads the answers only as
//! counts, which fill the report's survey grid where the unit can still change them.
//!
//! Who: the learner themself, matched by the signed-in account's person (a speaker of the period is
//! not asked). Someone who sees the event but is not its learner is refused (403); anyone else finds
//! nothing (404). The counts are read by whoever sees the event, as its report is.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use jijiao_domain::events::access;
use jijiao_domain::events::report::{self as report_rules, ReportStatus, SURVEY};
use jijiao_domain::events::survey::{self as rules, Answer};
use jijiao_domain::score::Survey;
use jijiao_storage::{PersonId, StoreError};
use serde::Serialize;

use super::key_of;
use crate::events::remote::period_label;
use crate::events::{Event, all_rows, event, url_number};
use crate::{Acting, App, AppError};

/// How far back a learner's unanswered surveys are offered: as far as a unit's missing reports.
const LOOKBACK_DAYS: u64 = 366;

/// One question of the form: its key (`q1`), its text, its options in order, how many to choose.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Question {
    pub key: &'static str,
    pub label: &'static str,
    pub options: Vec<&'static str>,
    /// 1, or 2 for question 7 (选二项).
    pub choose: u8,
}

/// The questions of Attachment 2, in order.
pub fn questions() -> Vec<Question> {
    SURVEY
        .iter()
        .map(|(key, label, options)| Question {
            key,
            label,
            options: options.to_vec(),
            choose: if *key == "q7" { 2 } else { 1 },
        })
        .collect()
}

/// A period's survey as its learner sees it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SurveyView {
    pub number: String,
    pub name: String,
    pub unit: String,
    pub period: u32,
    /// `第1期`, or `第1个上传周期` of a remote project.
    pub label: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// Whether an answer is taken now.
    pub open: bool,
    /// Why it is not, when it is not (not yet ended, report approved, already answered).
    pub closed: Option<String>,
    /// The learner's own answers, once given: each question's option from 0.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub answer: Option<Answer>,
    pub questions: Vec<Question>,
}

/// The period of `number` and the signed-in learner on its roster: 404 for what the principal does
/// not see, 403 for someone who sees the event but did not learn in it.
async fn learner(app: &App, p: &Acting, number: &str, period: u32) -> Result<(Event, PersonId), AppError> {
    let project = match app.store.project_by_number(number).await {
        Ok(project) if project.number.is_some() => project,
        Ok(_) | Err(StoreError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let row = all_rows(app, &project).await?.into_iter().find(|r| r.period == period).ok_or(AppError::NotFound)?;
    let event = Event { project, row };
    if let Some(person) = p.account.person_id {
        let roster = app.store.roster(event.project.id, period).await?;
        if roster.iter().any(|e| e.person_id == person && !e.is_speaker()) {
            return Ok((event, person));
        }
    }
    if access::may_read(&p.grants, &event.place()) { Err(AppError::Forbidden) } else { Err(AppError::NotFound) }
}

/// Why the period's survey takes no answer now, if it does not.
async fn closed(app: &App, event: &Event) -> Result<Option<String>, AppError> {
    if let Err(message) = rules::open(event.row.end(), app.today()) {
        return Ok(Some(message));
    }
    let report = app.store.period_report(event.project.id, event.row.period).await?;
    Ok(report.filter(|r| r.status == ReportStatus::Approved).map(|_| "本期执行情况已审核通过，问卷已关闭".to_string()))
}

/// The survey of a period for its learner, with their answers once given.
pub async fn survey(app: &App, p: &Acting, number: &str, period: u32) -> Result<SurveyView, AppError> {
    let (event, person) = learner(app, p, number, period).await?;
    let answer = app.store.survey_answer(event.project.id, period, person).await?;
    let closed = match answer {
        Some(_) => Some("您已填写过本期问卷，感谢参与".to_string()),
        None => closed(app, &event).await?,
    };
    Ok(SurveyView {
        number: event.number().to_string(),
        name: event.project.name.clone(),
        unit: event.project.unit_name.clone(),
        period,
        label: period_label(event.project.delivery, period),
        start: event.row.start(),
        end: event.row.end(),
        open: closed.is_none(),
        closed,
        answer,
        questions: questions(),
    })
}

/// Reads an answer body, naming the field of each problem.
pub fn parse_answer(text: &str) -> Result<Answer, AppError> {
    rules::parse(text).map_err(super::problems_error)
}

/// Stores the learner's answers, once: refused before the period's last day, after its report was
/// approved, and a second time.
pub async fn answer(app: &App, p: &Acting, number: &str, period: u32, answer: &Answer) -> Result<(), AppError> {
    let (event, person) = learner(app, p, number, period).await?;
    let problems = rules::check(answer);
    if !problems.is_empty() {
        return Err(super::problems_error(problems));
    }
    if let Some(reason) = closed(app, &event).await? {
        return Err(AppError::Conflict(reason));
    }
    if app.store.survey_answer(event.project.id, period, person).await?.is_some() {
        return Err(AppError::Conflict("您已填写过本期问卷，每人每期只能填写一次".into()));
    }
    Ok(app.store.answer_survey(&p.actor(), &key_of(&event), person, answer, app.clock.now_millis()).await?)
}

/// How many learners answered, of how many, and the counts their answers give the survey grid.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SurveyCounts {
    pub answered: u32,
    /// Learners on the roster (speakers are not asked).
    pub learners: u32,
    /// The counts per option in the order of the form (formats.md Report `survey`; q7 counts both
    /// choices of each learner).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub survey: Survey,
}

/// The counts of a period's answers, for whoever sees the event (the unit fills its report with them).
/// Only the answers of the roster's current learners count (see [`counts_of`]).
pub async fn survey_counts(app: &App, p: &Acting, number: &str, period: u32) -> Result<SurveyCounts, AppError> {
    let event = event(app, p, number, period).await?;
    counts_of(app, &event).await
}

/// Only the answers of people on the period's current roster as learners count: a roster imported
/// again without someone leaves their answer out, so the counts never exceed the learners.
pub(crate) async fn counts_of(app: &App, event: &Event) -> Result<SurveyCounts, AppError> {
    let roster = app.store.roster(event.project.id, event.row.period).await?;
    let learners: std::collections::HashSet<PersonId> =
        roster.iter().filter(|e| !e.is_speaker()).map(|e| e.person_id).collect();
    let answers: Vec<Answer> = app
        .store
        .survey_answers(event.project.id, event.row.period)
        .await?
        .into_iter()
        .filter(|(person, _)| learners.contains(person))
        .map(|(_, a)| a)
        .collect();
    Ok(SurveyCounts {
        answered: answers.len() as u32,
        learners: learners.len() as u32,
        survey: rules::counts(&answers),
    })
}

/// A survey waiting for the signed-in learner's answers.
#[derive(Clone, Debug, Serialize)]
pub struct SurveyDue {
    pub number: String,
    pub name: String,
    pub period: u32,
    pub label: String,
    pub end: NaiveDate,
    /// The period's report falls due then; the survey is worth answering before.
    pub report_due: NaiveDate,
    pub url: String,
}

/// The surveys the signed-in learner may answer now: periods on whose roster they learned, ended
/// within the last year, not answered, their report not approved. Oldest end first.
pub async fn my_surveys(app: &App, p: &Acting) -> Result<Vec<SurveyDue>, AppError> {
    let Some(person) = p.account.person_id else { return Ok(Vec::new()) };
    let today = app.today();
    let mut rows: HashMap<i64, Vec<jijiao_storage::events::EventRow>> = HashMap::new();
    let mut out = Vec::new();
    for lp in app.store.learner_periods(person).await? {
        if lp.answered || lp.report == Some(ReportStatus::Approved) {
            continue;
        }
        if let std::collections::hash_map::Entry::Vacant(vacant) = rows.entry(lp.project_id) {
            let project = app.store.project_by_number(&lp.number).await?;
            vacant.insert(all_rows(app, &project).await?);
        }
        let Some(row) = rows[&lp.project_id].iter().find(|r| r.period == lp.period) else { continue };
        let end = row.end();
        if rules::open(end, today).is_err() || end + Days::new(LOOKBACK_DAYS) < today {
            continue;
        }
        out.push(SurveyDue {
            url: format!("/surveys/{}/{}", url_number(&lp.number), lp.period),
            label: period_label(lp.delivery, lp.period),
            number: lp.number,
            name: lp.name,
            period: lp.period,
            end,
            report_due: report_rules::due(end),
        });
    }
    out.sort_by(|a, b| (a.end, &a.number, a.period).cmp(&(b.end, &b.number, b.period)));
    Ok(out)
}
