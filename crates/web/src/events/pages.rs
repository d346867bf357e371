//! The pages of holding a project: the events list with its month calendar (today marked) and its
//! xlsx export, an event's page (published facts, current filing and its versions, inspections with
//! photos), the filing form beside the published facts, the inspection form made for a phone (the
//! checklist, the camera through the file input), the unit's own record, an inspection's page with
//! the province's suspension, and the files, served only in scope.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, Days, NaiveDate};
use jijiao_app::AppError;
use jijiao_app::events::{self as ops, Event, EventQuery, url_number};
use jijiao_domain::Hours;
use jijiao_domain::events::access;
use jijiao_domain::events::filing::{Contact, Filing, Form as HeldForm, Session, Venue};
use jijiao_domain::events::inspection::{Checklist, ITEMS, Inspection, Outcome};
use jijiao_domain::personal::mask_phone;
use jijiao_storage::events::{EventRow, InspectionKind, StoredInspection};
use serde::Deserialize;

use super::{Form, read_form};
use crate::auth::{MaybePrincipal, PageUser, Principal};
use crate::csrf::CsrfToken;
use crate::pages::{Layout, PageError, PageForm, render};
use crate::routes::Routes;
use crate::{ApiError, AppState};

pub fn routes() -> Routes {
    Routes::new()
        .get("/events", list)
        .get("/events/export", export)
        .get("/events/{number}/{n}", event_page)
        .get("/events/{number}/{n}/filing", filing_form)
        .post("/events/{number}/{n}/filing", submit_filing)
        .get("/events/{number}/{n}/inspect", inspect_form)
        .post("/events/{number}/{n}/inspect", submit_inspection)
        .get("/events/{number}/{n}/own", own_form)
        .post("/events/{number}/{n}/own", submit_own)
        .get("/inspections/{id}", inspection_page)
        .post("/inspections/{id}/suspend", suspend)
        .get("/event-files/{id}", file)
}

/// The menu entry: everyone with a part in events (not professionals).
pub fn menu(p: &Principal, items: &mut Vec<(&'static str, &'static str)>) {
    if access::takes_part(&p.grants) {
        items.push(("/events", "举办活动"));
    }
}

fn layout(p: &Principal, csrf: &CsrfToken) -> Layout {
    Layout::new("/events", &MaybePrincipal(Some(p.clone())), csrf)
}

fn event_link(number: &str, period: u32) -> String {
    format!("/events/{}/{}", url_number(number), period)
}

/// A row of the list and of the calendar.
struct Line {
    link: String,
    number: String,
    period: u32,
    name: String,
    unit: String,
    dates: String,
    place: String,
    filed: &'static str,
    late: bool,
    moved: bool,
    inspection: &'static str,
    failed: bool,
}

impl From<&EventRow> for Line {
    fn from(r: &EventRow) -> Self {
        let filed = r.filed.as_ref();
        Self {
            link: event_link(&r.number, r.period),
            number: r.number.clone(),
            period: r.period,
            name: r.name.clone(),
            unit: r.unit_name.clone(),
            dates: if r.start() == r.end() { r.start().to_string() } else { format!("{} 至 {}", r.start(), r.end()) },
            place: r.place().to_string(),
            filed: match filed {
                None => "未报备",
                Some(f) if f.late => "逾期报备",
                Some(_) => "已报备",
            },
            late: filed.is_some_and(|f| f.late),
            moved: filed.is_some_and(|f| f.moved),
            inspection: match (r.inspections, r.failed_inspections) {
                (0, _) => "未督查",
                (_, 0) => "合格",
                _ => "不合格",
            },
            failed: r.failed_inspections > 0,
        }
    }
}

struct Day {
    /// 0 for the blank cells before the 1st.
    day: u32,
    today: bool,
    events: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "events/list.html")]
struct ListPage {
    layout: Layout,
    q: EventQuery,
    lines: Vec<Line>,
    month: String,
    month_label: String,
    previous: String,
    next: String,
    weeks: Vec<Vec<Day>>,
    today: String,
    export: String,
    error: Option<String>,
}

fn month_of(q: &EventQuery, today: NaiveDate) -> NaiveDate {
    q.month
        .as_deref()
        .and_then(|m| NaiveDate::parse_from_str(&format!("{}-01", m.trim()), "%Y-%m-%d").ok())
        .unwrap_or_else(|| today.with_day(1).expect("the first of a month"))
}

fn query_string(q: &EventQuery) -> String {
    let pairs = [
        ("from", &q.from),
        ("to", &q.to),
        ("level", &q.level),
        ("subject", &q.subject),
        ("unit", &q.unit),
        ("inspected", &q.inspected),
        ("province", &q.province),
    ];
    pairs
        .iter()
        .filter_map(|(k, v)| {
            v.as_deref().filter(|v| !v.trim().is_empty()).map(|v| format!("{k}={}", crate::auth::urlencode(v)))
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn list(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Query(q): Query<EventQuery>,
) -> Result<Response, PageError> {
    if !access::takes_part(&p.grants) {
        return Err(PageError::forbidden("举办活动的报备与督查仅对管理员、督查员和项目单位开放。"));
    }
    let today = state.today();
    let month = month_of(&q, today);
    let next_month = month.checked_add_months(chrono::Months::new(1)).unwrap_or(month);
    let last = next_month - Days::new(1);
    let (filter, error) = match q.filter(today) {
        Ok(f) => (Some(f), None),
        Err(e) => (None, Some(ApiError::from(e).to_string())),
    };
    let rows = match &filter {
        Some(f) => ops::events(&state, &p, f).await?,
        None => Vec::new(),
    };
    // The calendar shows the month asked for, whatever the list's range.
    let month_filter =
        jijiao_storage::events::EventFilter { from: Some(month), to: Some(last), ..filter.clone().unwrap_or_default() };
    let month_rows = ops::events(&state, &p, &month_filter).await?;
    let mut weeks = Vec::new();
    let mut week: Vec<Day> =
        (0..month.weekday().num_days_from_monday()).map(|_| Day { day: 0, today: false, events: vec![] }).collect();
    let mut d = month;
    while d <= last {
        let events = month_rows
            .iter()
            .filter(|r| r.start() <= d && r.end() >= d)
            .map(|r| (event_link(&r.number, r.period), format!("{} {}", r.name, r.unit_name)))
            .collect();
        week.push(Day { day: d.day(), today: d == today, events });
        if week.len() == 7 {
            weeks.push(std::mem::take(&mut week));
        }
        d = d + Days::new(1);
    }
    if !week.is_empty() {
        while week.len() < 7 {
            week.push(Day { day: 0, today: false, events: vec![] });
        }
        weeks.push(week);
    }
    let base = query_string(&q);
    let month_link = |m: NaiveDate| {
        let sep = if base.is_empty() { "" } else { "&" };
        format!("/events?{base}{sep}month={}", m.format("%Y-%m"))
    };
    let previous = month.checked_sub_months(chrono::Months::new(1)).unwrap_or(month);
    let page = ListPage {
        layout: layout(&p, &csrf),
        lines: rows.iter().map(Line::from).collect(),
        month: month.format("%Y-%m").to_string(),
        month_label: format!("{}年{}月", month.year(), month.month()),
        previous: month_link(previous),
        next: month_link(next_month),
        weeks,
        today: today.to_string(),
        export: format!("/events/export?{base}"),
        error,
        q,
    };
    Ok(render(StatusCode::OK, &page))
}

async fn export(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Query(q): Query<EventQuery>,
) -> Result<Response, PageError> {
    let filter = q.filter(state.today())?;
    let rows = ops::events(&state, &p, &filter).await?;
    let bytes = ops::events_xlsx(&rows).await?;
    let disposition =
        format!("attachment; filename=\"events.xlsx\"; filename*=UTF-8''{}.xlsx", crate::auth::urlencode("举办活动"));
    Ok((
        [
            (header::CONTENT_TYPE, jijiao_documents::XLSX_CONTENT_TYPE.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// The published facts shown beside the forms and on the event's page.
struct Facts {
    number: String,
    name: String,
    unit: String,
    leader: String,
    level: &'static str,
    hours: String,
    periods: u32,
    period: u32,
    published: String,
    published_place: String,
    planned_enrollment: u32,
    link: String,
    /// The project number as it goes in a path.
    url_number: String,
}

fn facts(e: &Event) -> Facts {
    let r = &e.row;
    Facts {
        number: r.number.clone(),
        name: r.name.clone(),
        unit: r.unit_name.clone(),
        leader: r.leader_name.clone(),
        level: r.level.label(),
        hours: e.project.hours.map(|h| h.to_string()).unwrap_or_else(|| "未公布".into()),
        periods: r.periods,
        period: r.period,
        published: format!("{} 至 {}", r.published_start, r.published_end),
        published_place: r.published_place.clone(),
        planned_enrollment: r.planned_enrollment,
        link: event_link(&r.number, r.period),
        url_number: url_number(&r.number),
    }
}

struct VersionLine {
    version: u32,
    filed_on: String,
    author: String,
    dates: String,
    place: String,
    form: &'static str,
    changes: String,
}

struct InspectionLine {
    link: String,
    kind: &'static str,
    result: &'static str,
    failed: bool,
    on: String,
    late: bool,
    author: String,
    reason: String,
    photos: Vec<String>,
}

fn inspection_line(i: &StoredInspection) -> InspectionLine {
    InspectionLine {
        link: format!("/inspections/{}", i.id),
        kind: i.kind.label(),
        result: i.result.label(),
        failed: i.result == Outcome::Fail,
        on: i.on.to_string(),
        late: i.late,
        author: i.author.clone(),
        reason: i.reason.clone(),
        photos: i.photos.iter().map(|f| format!("/event-files/{}", f.id)).collect(),
    }
}

struct Current {
    dates: String,
    place: String,
    form: &'static str,
    enrollment: u32,
    fee: u32,
    contact: String,
    filed_on: String,
    late: bool,
    moved: bool,
    notice: Option<String>,
    sessions: Vec<(String, String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "events/event.html")]
struct EventPage {
    layout: Layout,
    f: Facts,
    current: Option<Current>,
    versions: Vec<VersionLine>,
    inspections: Vec<InspectionLine>,
    /// Every period of the project: filed, inspected, roster, report, audit, score.
    states: Vec<jijiao_app::reports::PeriodState>,
    may_file: bool,
    may_inspect: bool,
    may_record_own: bool,
    flash: Option<String>,
}

#[derive(Deserialize)]
struct Flash {
    done: Option<String>,
}

fn flash_text(done: Option<&str>) -> Option<String> {
    Some(
        match done? {
            "filed" => "报备已保存。",
            "late" => "报备已保存：距开始不足14天，记为逾期报备。",
            "inspected" => "督查记录已保存。",
            "own" => "单位自查记录已保存。",
            "suspended" => "已暂停该单位的全部已公布项目。",
            _ => return None,
        }
        .to_string(),
    )
}

async fn event_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path((number, n)): Path<(String, u32)>,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    // A remote project has upload cycles, not periods to file: its cycles are on one page.
    if let Ok(project) = state.store.project_by_number(&number).await
        && ops::remote::is_remote(&project)
    {
        jijiao_app::events::remote::upload_cycle(&state, &p, &number).await?;
        return Ok(Redirect::to(&format!("/events/{}/upload-cycle", url_number(&number))).into_response());
    }
    let event = ops::event(&state, &p, &number, n).await?;
    let history = ops::filing_history(&state, &p, &number, n).await?;
    let current = history.current.as_ref().map(|c| Current {
        dates: format!("{} 至 {}", c.filing.start, c.filing.end),
        place: c.filing.place(),
        form: c.filing.form.label(),
        enrollment: c.filing.planned_enrollment,
        fee: c.filing.fee,
        contact: format!("{} {}", c.filing.contact.name, c.filing.contact.phone),
        filed_on: c.filed_on.to_string(),
        late: c.late,
        moved: event.row.filed.as_ref().is_some_and(|f| f.moved),
        notice: c.notice.clone(),
        sessions: c
            .filing
            .schedule
            .iter()
            .map(|s| {
                (
                    format!("{} {}–{}", s.date, s.from, s.to),
                    s.topic.clone(),
                    format!("{}（{}，{}）", s.teacher, s.teacher_unit, s.teacher_title),
                    s.hours.to_string(),
                    String::new(),
                )
            })
            .collect(),
    });
    let versions = history
        .history
        .iter()
        .map(|v| VersionLine {
            version: v.version,
            filed_on: jijiao_domain::time::format_shanghai(v.filed_at),
            author: v.author.clone(),
            dates: format!("{} 至 {}", v.filing.start, v.filing.end),
            place: v.filing.place(),
            form: v.filing.form.label(),
            changes: if v.version == 1 {
                "首次报备".into()
            } else {
                v.changes
                    .iter()
                    .filter_map(|c| jijiao_domain::events::filing::Change::from_code(c).map(|c| c.label()))
                    .collect::<Vec<_>>()
                    .join("、")
            },
        })
        .collect();
    let inspections = ops::inspections_of(&state, &event).await?.iter().map(inspection_line).collect();
    let states = jijiao_app::reports::period_states(&state, &p, &number).await?;
    let place = event.place();
    let page = EventPage {
        states,
        layout: layout(&p, &csrf),
        f: facts(&event),
        current,
        versions,
        inspections,
        may_file: access::may_file(&p.grants, &place),
        may_inspect: access::may_inspect(&p.grants, &place),
        may_record_own: access::may_record_own(&p.grants, &place),
        flash: flash_text(flash.done.as_deref()),
    };
    Ok(render(StatusCode::OK, &page))
}

/// What the filing form shows: the text of every field as entered (or as filed).
#[derive(Default)]
struct FilingValues {
    start: String,
    end: String,
    province: String,
    city: String,
    address: String,
    scenic_area: bool,
    form: String,
    planned_enrollment: String,
    fee: String,
    contact_name: String,
    /// Never shown: the masked phone on file is the placeholder, and an empty field keeps it.
    phone_on_file: String,
    sessions: Vec<[String; 8]>,
}

const SESSION_FIELDS: [&str; 8] = ["s_date", "s_from", "s_to", "s_topic", "s_teacher", "s_unit", "s_title", "s_hours"];

impl FilingValues {
    fn of(f: &Filing) -> Self {
        Self {
            start: f.start.to_string(),
            end: f.end.to_string(),
            province: f.venue.province.clone(),
            city: f.venue.city.clone(),
            address: f.venue.address.clone(),
            scenic_area: f.venue.scenic_area,
            form: f.form.code().into(),
            planned_enrollment: f.planned_enrollment.to_string(),
            fee: f.fee.to_string(),
            contact_name: f.contact.name.clone(),
            phone_on_file: mask_phone(&f.contact.phone),
            sessions: f
                .schedule
                .iter()
                .map(|s| {
                    [
                        s.date.to_string(),
                        s.from.clone(),
                        s.to.clone(),
                        s.topic.clone(),
                        s.teacher.clone(),
                        s.teacher_unit.clone(),
                        s.teacher_title.clone(),
                        s.hours.to_string(),
                    ]
                })
                .collect(),
        }
    }

    fn from_form(form: &Form, phone_on_file: String) -> Self {
        let t = |n: &str| form.text(n).unwrap_or_default().trim().to_string();
        let columns: Vec<Vec<&str>> = SESSION_FIELDS.iter().map(|n| form.all(n)).collect();
        let rows = columns.iter().map(Vec::len).max().unwrap_or(0);
        let sessions = (0..rows)
            .map(|i| std::array::from_fn(|c| columns[c].get(i).map(|v| v.trim().to_string()).unwrap_or_default()))
            .filter(|row: &[String; 8]| row.iter().any(|v| !v.is_empty()))
            .collect();
        Self {
            start: t("start"),
            end: t("end"),
            province: t("province"),
            city: t("city"),
            address: t("address"),
            scenic_area: form.text("scenic_area").is_some(),
            form: t("form"),
            planned_enrollment: t("planned_enrollment"),
            fee: t("fee"),
            contact_name: t("contact_name"),
            phone_on_file,
            sessions,
        }
    }

    /// The rows the form shows: those entered and a few blank ones.
    fn rows(&self) -> Vec<[String; 8]> {
        let mut rows = self.sessions.clone();
        let blank = rows.len().max(1) + 3;
        rows.resize(blank.max(4), Default::default());
        rows
    }

    /// The filing these values say, or the fields that are not even numbers or dates.
    fn filing(&self, phone: &str) -> Result<Filing, Vec<String>> {
        let mut problems = Vec::new();
        let date = |problems: &mut Vec<String>, label: &str, text: &str| {
            jijiao_domain::document::parse_date(text).unwrap_or_else(|| {
                problems.push(format!("{label}：请填写日期（YYYY-MM-DD）"));
                NaiveDate::default()
            })
        };
        let start = date(&mut problems, "开始日期", &self.start);
        let end = date(&mut problems, "结束日期", &self.end);
        let mut sessions = Vec::new();
        for (i, s) in self.sessions.iter().enumerate() {
            let d = date(&mut problems, &format!("日程第{}场的日期", i + 1), &s[0]);
            let hours = Hours::parse(&s[7]).unwrap_or_else(|e| {
                problems.push(format!("日程第{}场的学时“{}”：{e}", i + 1, s[7]));
                Hours::ZERO
            });
            sessions.push(Session {
                date: d,
                from: s[1].clone(),
                to: s[2].clone(),
                topic: s[3].clone(),
                teacher: s[4].clone(),
                teacher_unit: s[5].clone(),
                teacher_title: s[6].clone(),
                hours,
            });
        }
        let mut number = |label: &str, text: &str| {
            text.parse::<u32>().unwrap_or_else(|_| {
                problems.push(format!("{label}：请填写整数"));
                0
            })
        };
        let planned_enrollment = number("计划招生人数", &self.planned_enrollment);
        let fee = number("收费（元/人）", &self.fee);
        let form = HeldForm::from_code(&self.form).unwrap_or_else(|| {
            problems.push("举办形式：请选择".into());
            HeldForm::Offline
        });
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Filing {
            start,
            end,
            venue: Venue {
                province: self.province.clone(),
                city: self.city.clone(),
                address: self.address.clone(),
                scenic_area: self.scenic_area,
            },
            form,
            planned_enrollment,
            fee,
            contact: Contact { name: self.contact_name.clone(), phone: phone.to_string() },
            schedule: sessions,
        })
    }
}

struct SessionRow {
    date: String,
    from: String,
    to: String,
    topic: String,
    teacher: String,
    unit: String,
    title: String,
    hours: String,
}

#[derive(Template)]
#[template(path = "events/filing.html")]
struct FilingPage {
    layout: Layout,
    f: Facts,
    v: FilingValues,
    rows: Vec<SessionRow>,
    provinces: Vec<(&'static str, &'static str)>,
    forms: Vec<(&'static str, &'static str)>,
    version: u32,
    notice: Option<String>,
    errors: Vec<String>,
    action: String,
}

fn filing_page(
    p: &Principal,
    csrf: &CsrfToken,
    event: &Event,
    v: FilingValues,
    version: u32,
    notice: Option<String>,
    errors: Vec<String>,
) -> FilingPage {
    let f = facts(event);
    let action = format!("{}/filing", f.link);
    FilingPage {
        layout: layout(p, csrf),
        rows: v
            .rows()
            .into_iter()
            .map(|[date, from, to, topic, teacher, unit, title, hours]| SessionRow {
                date,
                from,
                to,
                topic,
                teacher,
                unit,
                title,
                hours,
            })
            .collect(),
        v,
        f,
        provinces: jijiao_domain::province::PROVINCES.iter().map(|p| (p.code, p.name)).collect(),
        forms: HeldForm::ALL.iter().map(|f| (f.code(), f.label())).collect(),
        version,
        notice,
        errors,
        action,
    }
}

/// A remote project's periods are its upload cycles: nothing to file, inspect or check on a day
/// (rules.md §7.1). The forms say so instead of offering what the operations would refuse.
fn refuse_remote(event: &Event) -> Result<(), PageError> {
    if ops::remote::is_remote(&event.project) {
        return Err(PageError::new(
            StatusCode::CONFLICT,
            "远程项目无需报备和督查",
            "远程项目按上传周期汇报执行情况，不逐期报备、督查和自查。请在“举办活动”中打开该项目，按上传周期导入学员名单并汇报。",
        ));
    }
    Ok(())
}

async fn filable(
    state: &AppState,
    p: &Principal,
    number: &str,
    n: u32,
) -> Result<(Event, Option<Filing>, u32, Option<String>), PageError> {
    let event = ops::event(state, p, number, n).await?;
    if !access::may_file(&p.grants, &event.place()) {
        return Err(PageError::forbidden("只有项目所在单位的管理员或项目负责人可以报备。"));
    }
    refuse_remote(&event)?;
    let versions = state.store.filings(event.project.id, n).await?;
    let last = versions.last();
    let notice = last.and_then(|v| v.notice.as_ref()).map(|n| format!("/event-files/{}", n.id));
    Ok((event.clone(), last.map(|v| v.filing.clone()), last.map_or(0, |v| v.version), notice))
}

async fn filing_form(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path((number, n)): Path<(String, u32)>,
) -> Result<Response, PageError> {
    let (event, current, version, notice) = filable(&state, &p, &number, n).await?;
    let v = match &current {
        Some(f) => FilingValues::of(f),
        None => FilingValues {
            start: event.row.published_start.to_string(),
            end: event.row.published_end.to_string(),
            province: event.row.unit_province.clone().unwrap_or_default(),
            form: "offline".into(),
            planned_enrollment: event.row.planned_enrollment.to_string(),
            fee: "0".into(),
            ..Default::default()
        },
    };
    Ok(render(StatusCode::OK, &filing_page(&p, &csrf, &event, v, version, notice, Vec::new())))
}

/// The lines of an error a form shows in place (bad input, a state that forbids the step), or the
/// error page for anything else. The reports' pages share it.
pub(crate) fn messages(e: AppError) -> Result<Vec<String>, PageError> {
    match e {
        AppError::InvalidDocument(all) => Ok(all.iter().map(|d| d.to_string()).collect()),
        AppError::InvalidInput { message, .. } | AppError::Conflict(message) => Ok(vec![message]),
        other => Err(other.into()),
    }
}

async fn submit_filing(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path((number, n)): Path<(String, u32)>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let (event, current, version, notice) = filable(&state, &p, &number, n).await?;
    let form = read_form(multipart).await?;
    let phone_on_file = current.as_ref().map(|f| f.contact.phone.clone()).unwrap_or_default();
    let values =
        FilingValues::from_form(&form, current.as_ref().map(|f| mask_phone(&f.contact.phone)).unwrap_or_default());
    let entered_phone = form.text("contact_phone").unwrap_or_default().trim().to_string();
    let phone = if entered_phone.is_empty() { phone_on_file } else { entered_phone };
    let fail = |errors: Vec<String>, values: FilingValues| {
        render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &filing_page(&p, &csrf, &event, values, version, notice.clone(), errors),
        )
    };
    let filing = match values.filing(&phone) {
        Ok(f) => f,
        Err(errors) => return Ok(fail(errors, values)),
    };
    let notice_file = form.files("notice");
    match ops::file(&state, &p, &number, n, &filing, notice_file.first().map(Vec::as_slice)).await {
        Ok(outcome) => {
            let done = if outcome.late && outcome.version == 1 { "late" } else { "filed" };
            Ok(Redirect::to(&format!("{}?done={done}", event_link(&event.row.number, n))).into_response())
        }
        Err(e) => Ok(fail(messages(e)?, values)),
    }
}

struct Item {
    key: &'static str,
    label: &'static str,
    yes: bool,
    no: bool,
    note: String,
}

#[derive(Template)]
#[template(path = "events/inspect.html")]
struct InspectPage {
    layout: Layout,
    f: Facts,
    own: bool,
    heading: &'static str,
    filed: String,
    items: Vec<Item>,
    pass: bool,
    fail: bool,
    reason: String,
    errors: Vec<String>,
    action: String,
}

fn inspect_page(
    p: &Principal,
    csrf: &CsrfToken,
    event: &Event,
    kind: InspectionKind,
    form: Option<&Form>,
    errors: Vec<String>,
) -> InspectPage {
    let f = facts(event);
    let own = kind == InspectionKind::Unit;
    let action = format!("{}/{}", f.link, if own { "own" } else { "inspect" });
    let filed = event
        .row
        .filed
        .as_ref()
        .map(|x| format!("{} 至 {} · {}", x.start, x.end, x.place))
        .unwrap_or_else(|| "尚未报备".into());
    let answer = |key: &str| form.and_then(|f| f.text(key));
    InspectPage {
        layout: layout(p, csrf),
        own,
        heading: if own { "单位自查（举办当日）" } else { "现场督查" },
        filed,
        items: ITEMS
            .iter()
            .map(|(key, label)| Item {
                key,
                label,
                yes: answer(key) == Some("yes"),
                no: answer(key) == Some("no"),
                note: form.and_then(|f| f.text(&format!("note_{key}"))).unwrap_or_default().to_string(),
            })
            .collect(),
        pass: answer("result") == Some("pass"),
        fail: answer("result") == Some("fail"),
        reason: answer("reason").unwrap_or_default().to_string(),
        errors,
        action,
        f,
    }
}

async fn inspectable(
    state: &AppState,
    p: &Principal,
    number: &str,
    n: u32,
    kind: InspectionKind,
) -> Result<Event, PageError> {
    let event = ops::event(state, p, number, n).await?;
    let allowed = match kind {
        InspectionKind::Inspector => access::may_inspect(&p.grants, &event.place()),
        InspectionKind::Unit => access::may_record_own(&p.grants, &event.place()),
    };
    if !allowed {
        return Err(PageError::forbidden(match kind {
            InspectionKind::Inspector => "只有举办地所在省份的督查员可以记录督查。",
            InspectionKind::Unit => "只有项目所在单位的管理员或项目负责人可以记录单位自查。",
        }));
    }
    refuse_remote(&event)?;
    Ok(event)
}

async fn show_inspect(
    state: AppState,
    p: Principal,
    csrf: CsrfToken,
    number: String,
    n: u32,
    kind: InspectionKind,
) -> Result<Response, PageError> {
    let event = inspectable(&state, &p, &number, n, kind).await?;
    Ok(render(StatusCode::OK, &inspect_page(&p, &csrf, &event, kind, None, Vec::new())))
}

async fn inspect_form(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path((number, n)): Path<(String, u32)>,
) -> Result<Response, PageError> {
    show_inspect(state, p, csrf, number, n, InspectionKind::Inspector).await
}

async fn own_form(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path((number, n)): Path<(String, u32)>,
) -> Result<Response, PageError> {
    show_inspect(state, p, csrf, number, n, InspectionKind::Unit).await
}

async fn record(
    state: AppState,
    p: Principal,
    csrf: CsrfToken,
    number: String,
    n: u32,
    kind: InspectionKind,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let event = inspectable(&state, &p, &number, n, kind).await?;
    let form = read_form(multipart).await?;
    let mut errors = Vec::new();
    let mut yes = Vec::new();
    let mut notes = std::collections::BTreeMap::new();
    for (key, label) in ITEMS {
        match form.text(key) {
            Some("yes") => yes.push(key),
            Some("no") => {}
            _ => errors.push(format!("“{label}”：请选择“是”或“否”")),
        }
        if let Some(note) = form.text(&format!("note_{key}")).map(str::trim).filter(|n| !n.is_empty()) {
            notes.insert(key.to_string(), note.to_string());
        }
    }
    let result = match form.text("result") {
        Some("pass") => Outcome::Pass,
        Some("fail") => Outcome::Fail,
        _ => {
            errors.push("结论：请选择“合格”或“不合格”".into());
            Outcome::Pass
        }
    };
    let fail = |errors: Vec<String>| {
        render(StatusCode::UNPROCESSABLE_ENTITY, &inspect_page(&p, &csrf, &event, kind, Some(&form), errors))
    };
    if !errors.is_empty() {
        return Ok(fail(errors));
    }
    let document = Inspection {
        checklist: Checklist::from_yes(&yes),
        notes,
        result,
        reason: form.text("reason").unwrap_or_default().trim().to_string(),
    };
    match ops::inspect(&state, &p, &number, n, kind, &document, &form.files("photo")).await {
        Ok(id) => {
            let target = match kind {
                InspectionKind::Inspector => format!("/inspections/{id}?done=inspected"),
                InspectionKind::Unit => format!("{}?done=own", event_link(&event.row.number, n)),
            };
            Ok(Redirect::to(&target).into_response())
        }
        Err(e) => Ok(fail(messages(e)?)),
    }
}

async fn submit_inspection(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path((number, n)): Path<(String, u32)>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    record(state, p, csrf, number, n, InspectionKind::Inspector, multipart).await
}

async fn submit_own(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path((number, n)): Path<(String, u32)>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    record(state, p, csrf, number, n, InspectionKind::Unit, multipart).await
}

#[derive(Template)]
#[template(path = "events/inspection.html")]
struct InspectionPage {
    layout: Layout,
    f: Facts,
    i: InspectionLine,
    items: Vec<(&'static str, bool, String)>,
    may_suspend: bool,
    flash: Option<String>,
    error: Option<String>,
}

async fn inspection_view(
    state: &AppState,
    p: &Principal,
    csrf: &CsrfToken,
    id: i64,
    flash: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (stored, event) = ops::inspection(state, p, id).await?;
    let answers = stored.checklist.answers();
    let items = ITEMS
        .iter()
        .zip(answers)
        .map(|((key, label), yes)| (*label, yes, stored.notes.get(*key).cloned().unwrap_or_default()))
        .collect();
    let page = InspectionPage {
        layout: layout(p, csrf),
        f: facts(&event),
        i: inspection_line(&stored),
        items,
        may_suspend: access::may_suspend(&p.grants, &event.place()),
        flash,
        error,
    };
    Ok(render(status, &page))
}

async fn inspection_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path(id): Path<i64>,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    inspection_view(&state, &p, &csrf, id, flash_text(flash.done.as_deref()), None, StatusCode::OK).await
}

#[derive(Deserialize)]
struct SuspendForm {
    reason: String,
}

async fn suspend(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path(id): Path<i64>,
    PageForm(form): PageForm<SuspendForm>,
) -> Result<Response, PageError> {
    match ops::suspend_from_inspection(&state, &p, id, &form.reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/inspections/{id}?done=suspended")).into_response()),
        Err(e @ (AppError::InvalidInput { .. } | AppError::Conflict(_))) => {
            inspection_view(&state, &p, &csrf, id, None, Some(e.to_string()), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn file(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (content_type, bytes) = ops::file_content(&state, &p, id).await?;
    // Served as what it is, never sniffed into something else, and kept out of shared caches.
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
            (header::CONTENT_DISPOSITION, "inline".to_string()),
        ],
        bytes,
    )
        .into_response())
}
