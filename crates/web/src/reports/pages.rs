//! The pages from the roster on: a period's roster (the template, the import with every bad row
//! named, the masked list), its execution report (Attachment 2 with the survey grid as on paper and
//! each count's share of all learners, Attachment 3's textbooks, the exam questions and schedule,
//! draft and submit), the audit of a report (the score its records give, return with a reason or
//! approve), and the audit list of an office.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jijiao_app::AppError;
use jijiao_app::events::{self as events, Event, url_number};
use jijiao_app::reports::{self as ops, ReportView, RosterView};
use jijiao_domain::Hours;
use jijiao_domain::events::access;
use jijiao_domain::events::filing::Form as HeldForm;
use jijiao_domain::events::report::{Report, ReportStatus, SURVEY, Teaching, Textbook, TextbookKind};
use jijiao_domain::score::{Courseware, Item, Survey};
use jijiao_storage::reports::ReportFileKind;
use serde::Deserialize;

use crate::auth::{MaybePrincipal, PageUser, Principal};
use crate::csrf::CsrfToken;
use crate::events::pages::messages;
use crate::pages::{Layout, PageError, render};
use crate::routes::Routes;
use crate::{ApiError, AppState};

pub fn routes() -> Routes {
    Routes::new()
        .get("/events/{number}/{n}/roster", roster_page)
        .post("/events/{number}/{n}/roster", import_roster)
        .get("/roster-template.xlsx", template)
        .get("/events/{number}/{n}/roster/from-sign-ins.xlsx", from_sign_ins)
        .get("/events/{number}/{n}/report", report_page)
        .post("/events/{number}/{n}/report", save_report)
        .post("/events/{number}/{n}/report/files", upload_file)
        .get("/events/{number}/{n}/report/files/{id}", download_file)
        .post("/events/{number}/{n}/report/return", return_report)
        .post("/events/{number}/{n}/report/approve", approve_report)
        .get("/reports", audit_list)
}

/// The menu entry: the offices that audit reports or watch their audit.
pub fn menu(p: &Principal, items: &mut Vec<(&'static str, &'static str)>) {
    if access::is_auditor(&p.grants) || p.grants.iter().any(|g| g.role == jijiao_domain::authz::Role::NationalAdmin) {
        items.push(("/reports", "执行情况审核"));
    }
}

fn layout(p: &Principal, csrf: &CsrfToken, current: &str) -> Layout {
    Layout::new(current, &MaybePrincipal(Some(p.clone())), csrf)
}

fn event_link(number: &str, period: u32) -> String {
    format!("/events/{}/{}", url_number(number), period)
}

#[derive(Deserialize)]
struct Flash {
    done: Option<String>,
}

fn flash_text(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "imported" => "学员名单已导入。",
        "saved" => "执行情况草稿已保存。",
        "submitted" => "执行情况已提交，等待省级审核（14天内）。",
        "returned" => "已退回，单位修改后可重新提交。",
        "approved" => "已审核通过：评分已保存，学分已发放到学员的学习档案，证书已签发。",
        "file" => "文件已上传。",
        "cycle" => "请先选择上传周期。",
        _ => return None,
    })
}

/// What both pages show of the period.
struct Head {
    name: String,
    number: String,
    /// The number as it goes in a URL.
    url_number: String,
    period: u32,
    /// `第1期`, or `第1个上传周期` of a remote project.
    label: String,
    unit: String,
    link: String,
    /// Where the period's facts are: the event's page, or a remote project's upload cycle page.
    back: String,
    remote: bool,
}

fn head(event: &Event) -> Head {
    let remote = jijiao_app::events::remote::is_remote(&event.project);
    Head {
        label: jijiao_app::events::remote::period_label(event.project.delivery, event.row.period),
        back: if remote {
            format!("/events/{}/upload-cycle", url_number(event.number()))
        } else {
            event_link(event.number(), event.row.period)
        },
        remote,
        name: event.project.name.clone(),
        number: event.number().to_string(),
        url_number: url_number(event.number()),
        period: event.row.period,
        unit: event.project.unit_name.clone(),
        link: event_link(event.number(), event.row.period),
    }
}

// ----- the roster -----

#[derive(Template)]
#[template(path = "reports/roster.html")]
struct RosterPage {
    layout: Layout,
    h: Head,
    roster: RosterView,
    may_import: bool,
    action: String,
    errors: Vec<String>,
    /// What the last step did: an import, or a dry run's finding.
    flash: Option<String>,
}

async fn roster_page_for(
    state: &AppState,
    p: &Principal,
    csrf: &CsrfToken,
    number: &str,
    n: u32,
    errors: Vec<String>,
    flash: Option<String>,
) -> Result<RosterPage, PageError> {
    let event = events::event(state, p, number, n).await?;
    let roster = ops::roster_view(state, p, number, n).await?;
    let approved =
        state.store.period_report(event.project.id, n).await?.is_some_and(|r| r.status == ReportStatus::Approved);
    let link = event_link(event.number(), n);
    Ok(RosterPage {
        layout: layout(p, csrf, "/events"),
        action: format!("{link}/roster"),
        h: head(&event),
        roster,
        may_import: access::may_file(&p.grants, &event.place()) && !approved,
        errors,
        flash,
    })
}

async fn roster_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path((number, n)): Path<(String, u32)>,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    let flash = flash_text(flash.done.as_deref()).map(str::to_string);
    let page = roster_page_for(&state, &p, &csrf, &number, n, Vec::new(), flash).await?;
    Ok(render(StatusCode::OK, &page))
}

async fn import_roster(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path((number, n)): Path<(String, u32)>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let (name, bytes, texts) = match super::api::upload(multipart).await {
        Ok(upload) => upload,
        Err(e) => {
            let page = roster_page_for(&state, &p, &csrf, &number, n, vec![e.to_string()], None).await?;
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let dry_run = texts.iter().any(|(k, v)| k == "dry_run" && v == "1");
    match ops::import_roster(&state, &p, &number, n, &bytes, &name, dry_run).await {
        Ok(outcome) if dry_run => {
            let mut text = format!(
                "检查通过（未保存）：学员 {} 人，授课教师 {} 人，其中 {} 人已在系统中。",
                outcome.learners, outcome.speakers, outcome.matched
            );
            for w in &outcome.warnings {
                text.push_str(&format!(" 注意：{w}。"));
            }
            let page = roster_page_for(&state, &p, &csrf, &number, n, Vec::new(), Some(text)).await?;
            Ok(render(StatusCode::OK, &page))
        }
        Ok(_) => Ok(Redirect::to(&format!("{}/roster?done=imported", event_link(&number, n))).into_response()),
        Err(e) => {
            let page = roster_page_for(&state, &p, &csrf, &number, n, messages(e)?, None).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

async fn from_sign_ins(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path((number, n)): Path<(String, u32)>,
) -> Result<Response, PageError> {
    let bytes = ops::roster_from_sign_ins(&state, &p, &number, n).await?;
    Ok(super::api::xlsx("学员名单（扫码签到）.xlsx", bytes))
}

async fn template(PageUser(_p): PageUser) -> Result<Response, PageError> {
    let bytes = ops::roster_template().await?;
    Ok(super::api::xlsx("学员名单模板.xlsx", bytes))
}

// ----- the report -----

/// The report form's fields as typed (kept on an error, so nothing typed is lost).
#[derive(Clone, Debug, Default)]
struct Values {
    form: String,
    /// A remote cycle's course hours (本周期课程实际学时数).
    hours: String,
    no_seek: bool,
    single_courseware: bool,
    learning_state_check: bool,
    teaching: Vec<[String; 2]>,
    effect_analysis: String,
    /// Seven questions, up to five options each.
    survey: Vec<Vec<String>>,
    problems: String,
    textbooks: Vec<[String; 7]>,
}

const BOOK_FIELDS: [&str; 7] = ["b_name", "b_written", "b_authors", "b_kind", "b_characters", "b_hours", "b_summary"];

impl Values {
    fn of(report: &Report) -> Self {
        let mut survey: Vec<Vec<String>> =
            SURVEY.iter().map(|(_, _, options)| vec![String::new(); options.len()]).collect();
        for (key, counts) in report.survey_rows() {
            if let Some(i) = SURVEY.iter().position(|(k, ..)| *k == key) {
                survey[i] = counts.iter().map(u32::to_string).collect();
            }
        }
        let cw = report.courseware;
        Self {
            form: report.form.code().into(),
            hours: report.hours.map(|h| h.to_string()).unwrap_or_default(),
            no_seek: cw.is_some_and(|c| c.no_seek),
            single_courseware: cw.is_some_and(|c| c.single_courseware),
            learning_state_check: cw.is_some_and(|c| c.learning_state_check),
            teaching: report.teaching.iter().map(|t| [t.topic.clone(), t.teacher.clone()]).collect(),
            effect_analysis: report.effect_analysis.clone(),
            survey,
            problems: report.problems.clone(),
            textbooks: report
                .textbooks
                .iter()
                .map(|b| {
                    [
                        b.name.clone(),
                        b.written.clone(),
                        b.authors.clone(),
                        b.kind.code().into(),
                        b.characters.to_string(),
                        b.hours.to_string(),
                        b.summary.clone(),
                    ]
                })
                .collect(),
        }
    }

    fn from_form(fields: &[(String, String)]) -> Self {
        let all = |name: &str| fields.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect::<Vec<_>>();
        let one = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
        let flag = |name: &str| fields.iter().any(|(k, v)| k == name && v == "1");
        let topics = all("t_topic");
        let teachers = all("t_teacher");
        let teaching = topics
            .iter()
            .enumerate()
            .map(|(i, t)| [t.clone(), teachers.get(i).cloned().unwrap_or_default()])
            .filter(|[t, te]| !t.trim().is_empty() || !te.trim().is_empty())
            .collect();
        let columns: Vec<Vec<String>> = BOOK_FIELDS.iter().map(|f| all(f)).collect();
        let rows = columns.iter().map(Vec::len).max().unwrap_or(0);
        let textbooks = (0..rows)
            .map(|i| std::array::from_fn(|c| columns[c].get(i).cloned().unwrap_or_default()))
            .filter(|b: &[String; 7]| b.iter().enumerate().any(|(c, v)| c != 3 && !v.trim().is_empty()))
            .collect();
        Self {
            form: one("form"),
            hours: one("hours"),
            no_seek: flag("no_seek"),
            single_courseware: flag("single_courseware"),
            learning_state_check: flag("learning_state_check"),
            teaching,
            effect_analysis: one("effect_analysis"),
            survey: SURVEY
                .iter()
                .map(|(key, _, options)| (0..options.len()).map(|o| one(&format!("{key}_{o}"))).collect())
                .collect(),
            problems: one("problems"),
            textbooks,
        }
    }

    /// The survey grid filled with the counts of the learners' answers.
    fn fill_survey(&mut self, survey: &Survey) {
        let rows: [Vec<u32>; 7] = [
            survey.q1.to_vec(),
            survey.q2.to_vec(),
            survey.q3.to_vec(),
            survey.q4.to_vec(),
            survey.q5.to_vec(),
            survey.q6.to_vec(),
            survey.q7.map(|q| q.to_vec()).unwrap_or_else(|| vec![0; 5]),
        ];
        self.survey = rows.iter().map(|r| r.iter().map(u32::to_string).collect()).collect();
    }

    /// The report these values make, or every field that is not right, named as the page shows it.
    fn report(&self) -> Result<Report, Vec<String>> {
        let mut errors = Vec::new();
        let form = HeldForm::from_code(self.form.trim()).unwrap_or_else(|| {
            errors.push("请选择“举办形式”".to_string());
            HeldForm::Offline
        });
        let mut counts: Vec<Vec<u32>> = Vec::new();
        let mut answered = Vec::new();
        for (q, row) in self.survey.iter().enumerate() {
            let (_, label, options) = SURVEY[q];
            answered.push(row.iter().any(|v| !v.trim().is_empty()));
            counts.push(
                row.iter()
                    .enumerate()
                    .map(|(o, v)| {
                        let v = v.trim();
                        if v.is_empty() {
                            return 0;
                        }
                        v.parse::<u32>().unwrap_or_else(|_| {
                            errors.push(format!("“{label}”的“{}”人数“{v}”应为不小于0的整数", options[o]));
                            0
                        })
                    })
                    .collect(),
            );
        }
        let three = |q: usize| -> [u32; 3] { [counts[q][0], counts[q][1], counts[q][2]] };
        let survey = answered.iter().take(6).any(|a| *a).then(|| Survey {
            q1: three(0),
            q2: three(1),
            q3: three(2),
            q4: three(3),
            q5: three(4),
            q6: three(5),
            q7: answered[6].then(|| [counts[6][0], counts[6][1], counts[6][2], counts[6][3], counts[6][4]]),
            form: None,
        });
        let textbooks = self
            .textbooks
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let n = i + 1;
                let characters = b[4].trim().parse::<u32>().unwrap_or_else(|_| {
                    errors.push(format!("第{n}本教材的“字数”应为整数"));
                    0
                });
                let hours = Hours::parse(b[5].trim()).unwrap_or_else(|_| {
                    errors.push(format!("第{n}本教材的“讲授学时”应为数字，最多一位小数"));
                    Hours::ZERO
                });
                Textbook {
                    name: b[0].trim().into(),
                    written: b[1].trim().into(),
                    authors: b[2].trim().into(),
                    kind: TextbookKind::from_code(b[3].trim()).unwrap_or(TextbookKind::Text),
                    characters,
                    hours,
                    summary: b[6].trim().into(),
                }
            })
            .collect();
        let hours = match self.hours.trim() {
            "" => None,
            text => Some(Hours::parse(text).unwrap_or_else(|_| {
                errors.push(format!("“本周期课程实际学时数”“{text}”应为数字，最多一位小数"));
                Hours::ZERO
            })),
        };
        let online = form != HeldForm::Offline;
        let report = Report {
            form,
            hours,
            courseware: online.then_some(Courseware {
                no_seek: self.no_seek,
                single_courseware: self.single_courseware,
                learning_state_check: self.learning_state_check,
            }),
            teaching: self
                .teaching
                .iter()
                .map(|[topic, teacher]| Teaching { topic: topic.trim().into(), teacher: teacher.trim().into() })
                .collect(),
            effect_analysis: self.effect_analysis.trim().into(),
            survey,
            problems: self.problems.trim().into(),
            textbooks,
        };
        if errors.is_empty() { Ok(report) } else { Err(errors) }
    }
}

/// One question of the survey grid: each option's count and its share of all learners.
struct SurveyRow {
    key: &'static str,
    label: &'static str,
    cells: Vec<(String, &'static str, String, String)>,
}

fn share(count: &str, learners: u32) -> String {
    match count.trim().parse::<u64>() {
        Ok(c) if learners > 0 => {
            // Tenths of a percent, rounded half up, in integers.
            let tenths = (c * 2000 + u64::from(learners)) / (2 * u64::from(learners));
            format!("{}.{}%", tenths / 10, tenths % 10)
        }
        _ => String::new(),
    }
}

fn survey_rows(values: &Values, learners: u32) -> Vec<SurveyRow> {
    SURVEY
        .iter()
        .enumerate()
        .map(|(q, (key, label, options))| SurveyRow {
            key,
            label,
            cells: options
                .iter()
                .enumerate()
                .map(|(o, option)| {
                    let v = values.survey.get(q).and_then(|r| r.get(o)).cloned().unwrap_or_default();
                    (format!("{key}_{o}"), *option, share(&v, learners), v)
                })
                .collect(),
        })
        .collect()
}

struct ScoreLine {
    item: String,
    points: String,
    explanation: String,
}

#[derive(Template)]
#[template(path = "reports/report.html")]
struct ReportPage {
    layout: Layout,
    h: Head,
    status: Option<ReportStatus>,
    view: Option<ReportView>,
    editable: bool,
    may_audit: bool,
    values: Values,
    survey: Vec<SurveyRow>,
    learners: u32,
    speakers: u32,
    /// The score the records give: stored at approval, previewed for the auditor before it.
    score: Option<String>,
    score_lines: Vec<ScoreLine>,
    errors: Vec<String>,
    flash: Option<String>,
    file_action: String,
    csrf: String,
    forms: Vec<(&'static str, &'static str)>,
    /// How many learners answered the phone survey, of how many (the unit may fill the grid with it).
    answered: u32,
    /// The period's (a remote cycle's) dates: `2026-03-01 至 2026-03-31`.
    period_dates: String,
}

#[allow(clippy::too_many_arguments)]
async fn report_page_for(
    state: &AppState,
    p: &Principal,
    csrf: &CsrfToken,
    number: &str,
    n: u32,
    typed: Option<Values>,
    errors: Vec<String>,
    flash: Option<String>,
) -> Result<ReportPage, PageError> {
    let event = events::event(state, p, number, n).await?;
    let place = event.place();
    let may_file = access::may_file(&p.grants, &place);
    let may_audit = access::may_audit(&p.grants, &place);
    let delivery = event.project.delivery;
    let view = match ops::report_view(state, p, number, n).await {
        Ok(v) => Some(v),
        Err(AppError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let roster = ops::roster_view(state, p, number, n).await?;
    let status = view.as_ref().map(|v| v.status);
    let editable = may_file && matches!(status, None | Some(ReportStatus::Draft | ReportStatus::Returned));
    let values = match (typed, &view) {
        (Some(v), _) => v,
        (None, Some(v)) => Values::of(&v.report),
        (None, None) if jijiao_app::events::remote::is_remote(&event.project) => {
            Values::of(&ops::report_for_cycle(&event.project))
        }
        (None, None) => {
            let filings = state.store.filings(event.project.id, n).await?;
            filings.last().map(|f| Values::of(&ops::report_from_filing(&f.filing))).unwrap_or_default()
        }
    };
    let answered = ops::survey::survey_counts(state, p, number, n).await?.answered;
    let (score, score_lines) = match (&view, status) {
        (Some(v), Some(ReportStatus::Approved)) => (v.score.clone(), stored_lines(v.items.as_ref(), delivery)),
        (_, Some(ReportStatus::Submitted)) if may_audit => {
            let scored = ops::period_score(state, p, number, n).await?;
            let lines = scored
                .items
                .iter()
                .map(|(item, points)| ScoreLine {
                    item: item_name(item.id(), delivery),
                    points: format!("{points} / {}", item.max_points()),
                    explanation: scored.explanations.get(item).cloned().unwrap_or_default(),
                })
                .collect();
            (Some(format!("{}（预览）", scored.total)), lines)
        }
        _ => (None, Vec::new()),
    };
    let link = event_link(event.number(), n);
    Ok(ReportPage {
        layout: layout(p, csrf, if may_audit { "/reports" } else { "/events" }),
        h: head(&event),
        status,
        survey: survey_rows(&values, roster.learners),
        learners: roster.learners,
        speakers: roster.speakers,
        view,
        editable,
        may_audit,
        values,
        score,
        score_lines,
        errors,
        flash,
        file_action: format!("{link}/report/files"),
        csrf: csrf.0.clone(),
        forms: HeldForm::ALL.iter().map(|f| (f.code(), f.label())).collect(),
        answered,
        period_dates: format!("{} 至 {}", event.row.start(), event.row.end()),
    })
}

/// The items of a stored score, from the JSON approval kept.
fn stored_lines(items: Option<&serde_json::Value>, delivery: jijiao_domain::org::Delivery) -> Vec<ScoreLine> {
    let Some(items) = items else { return Vec::new() };
    let explanations = items.get("explanations");
    items
        .get("items")
        .and_then(|i| i.as_object())
        .map(|points| {
            points
                .iter()
                .map(|(item, v)| ScoreLine {
                    item: item_name(item, delivery),
                    points: match Item::from_id(item) {
                        Some(i) => format!("{v} / {}", i.max_points()),
                        None => v.to_string(),
                    },
                    explanation: explanations
                        .and_then(|e| e.get(item))
                        .and_then(|e| e.as_str())
                        .unwrap_or_default()
                        .to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// An item as the score's explanation names it: its number and its name (`1.1.1 报备`).
fn item_name(id: &str, delivery: jijiao_domain::org::Delivery) -> String {
    match Item::from_id(id) {
        Some(item) => format!("{} {}", id.trim_start_matches("score."), item.name(delivery)),
        None => id.to_string(),
    }
}

async fn report_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path((number, n)): Path<(String, u32)>,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    let flash = flash_text(flash.done.as_deref()).map(str::to_string);
    let page = report_page_for(&state, &p, &csrf, &number, n, None, Vec::new(), flash).await?;
    Ok(render(StatusCode::OK, &page))
}

async fn save_report(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path((number, n)): Path<(String, u32)>,
    body: String,
) -> Result<Response, PageError> {
    let fields: Vec<(String, String)> = serde_urlencoded::from_str(&body)
        .map_err(|_| PageError::from(ApiError::BadRequest("表单格式不正确，请返回页面重新填写".into())))?;
    let submit = fields.iter().any(|(k, v)| k == "action" && v == "submit");
    let mut values = Values::from_form(&fields);
    if fields.iter().any(|(k, v)| k == "action" && v == "fill_survey") {
        // Fills the grid from the learners' answers and shows the form again, unsaved: the unit
        // checks, changes what it knows better, and saves.
        let counts = ops::survey::survey_counts(&state, &p, &number, n).await?;
        values.fill_survey(&counts.survey);
        let flash = format!(
            "已用 {} 名学员（共 {} 名）的问卷答案填入问卷调查结果，尚未保存：请核对，可修改后保存草稿或提交。",
            counts.answered, counts.learners
        );
        let page = report_page_for(&state, &p, &csrf, &number, n, Some(values), Vec::new(), Some(flash)).await?;
        return Ok(render(StatusCode::OK, &page));
    }
    let fail = |errors: Vec<String>, values: Values| async {
        let page = report_page_for(&state, &p, &csrf, &number, n, Some(values), errors, None).await?;
        Ok::<_, PageError>(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
    };
    let report = match values.report() {
        Ok(r) => r,
        Err(errors) => return fail(errors, values).await,
    };
    if let Err(e) = ops::save_report(&state, &p, &number, n, &report).await {
        return fail(messages(e)?, values).await;
    }
    if submit && let Err(e) = ops::submit_report(&state, &p, &number, n).await {
        let mut lines = vec!["草稿已保存，但尚不能提交：".to_string()];
        lines.extend(messages(e)?);
        return fail(lines, values).await;
    }
    let done = if submit { "submitted" } else { "saved" };
    Ok(Redirect::to(&format!("{}/report?done={done}", event_link(&number, n))).into_response())
}

async fn upload_file(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path((number, n)): Path<(String, u32)>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let outcome = match super::api::upload(multipart).await {
        Ok((name, bytes, texts)) => {
            let kind = texts
                .iter()
                .find(|(k, _)| k == "kind")
                .and_then(|(_, v)| ReportFileKind::from_code(v))
                .unwrap_or(ReportFileKind::Exam);
            ops::add_report_file(&state, &p, &number, n, kind, &name, &bytes).await.map(|_| ())
        }
        Err(e) => Err(AppError::invalid("file", e.to_string())),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("{}/report?done=file", event_link(&number, n))).into_response()),
        Err(e) => {
            let page = report_page_for(&state, &p, &csrf, &number, n, None, messages(e)?, None).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

async fn download_file(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path((number, n, id)): Path<(String, u32, i64)>,
) -> Result<Response, PageError> {
    let (file, bytes) = ops::report_file(&state, &p, &number, n, id).await?;
    let ascii = format!(
        "report-file-{}.{}",
        file.id,
        file.file_name.rsplit('.').next().filter(|e| e.len() <= 5).unwrap_or("bin")
    );
    let disposition = crate::downloads::attachment(&file.file_name, &ascii);
    Ok(([(header::CONTENT_TYPE, file.content_type), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response())
}

#[derive(Deserialize)]
struct ReturnForm {
    #[serde(default)]
    reason: String,
}

async fn return_report(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path((number, n)): Path<(String, u32)>,
    crate::pages::PageForm(form): crate::pages::PageForm<ReturnForm>,
) -> Result<Response, PageError> {
    match ops::return_report(&state, &p, &number, n, &form.reason).await {
        Ok(()) => Ok(Redirect::to(&format!("{}/report?done=returned", event_link(&number, n))).into_response()),
        Err(e) => {
            let page = report_page_for(&state, &p, &csrf, &number, n, None, messages(e)?, None).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

async fn approve_report(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path((number, n)): Path<(String, u32)>,
) -> Result<Response, PageError> {
    match ops::approve_report(&state, &p, &number, n).await {
        Ok(_) => Ok(Redirect::to(&format!("{}/report?done=approved", event_link(&number, n))).into_response()),
        Err(e) => {
            let page = report_page_for(&state, &p, &csrf, &number, n, None, messages(e)?, None).await?;
            Ok(render(StatusCode::CONFLICT, &page))
        }
    }
}

// ----- the audit list -----

#[derive(Deserialize)]
struct AuditQuery {
    #[serde(default)]
    status: Option<String>,
}

struct AuditLine {
    number: String,
    /// `第1期`, or `第1个上传周期`.
    label: String,
    name: String,
    unit: String,
    status: &'static str,
    submitted_on: String,
    audit_due: String,
    overdue: bool,
    score: String,
    link: String,
}

#[derive(Template)]
#[template(path = "reports/audits.html")]
struct AuditPage {
    layout: Layout,
    status: String,
    lines: Vec<AuditLine>,
    overdue: usize,
}

async fn audit_list(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let statuses = super::api::statuses(q.status.as_deref())?;
    let rows = ops::audit_list(&state, &p, &statuses).await?;
    let lines: Vec<AuditLine> = rows
        .into_iter()
        .map(|r| AuditLine {
            link: format!("{}/report", event_link(&r.row.number, r.row.period)),
            label: jijiao_app::events::remote::period_label(r.row.delivery, r.row.period),
            number: r.row.number,
            name: r.row.name,
            unit: r.row.unit,
            status: r.row.status.label(),
            submitted_on: r.row.submitted_on.map(|d| d.to_string()).unwrap_or_default(),
            audit_due: r.audit_due.map(|d| d.to_string()).unwrap_or_default(),
            overdue: r.overdue,
            score: r.row.score.map(|s| s.to_string()).unwrap_or_default(),
        })
        .collect();
    let page = AuditPage {
        layout: layout(&p, &csrf, "/reports"),
        status: q.status.unwrap_or_else(|| "submitted".into()),
        overdue: lines.iter().filter(|l| l.overdue).count(),
        lines,
    };
    Ok(render(StatusCode::OK, &page))
}
