//! Holding a project as operations (rules.md §7.1, §7.2, §7.6, §7.7): filing a period, the events list
//! of venue supervision, inspections with their photos, the unit's own record, suspension from an
//! inspection, the files served only in scope, QR sign-in, and the unit history the formal review
//! reads. Pages and API both call these, so every scope check exists once: out of sight is 404, in
//! sight but beyond one's powers 403.

mod list;
pub mod remote;
pub mod sign_in;
pub mod tasks;

use chrono::NaiveDate;
use jijiao_documents::CellOut;
use jijiao_domain::Year;
use jijiao_domain::authz::{Grant, Place, Role};
use jijiao_domain::document::DocumentError;
use jijiao_domain::events::access::{self, EventPlace};
use jijiao_domain::events::files::{self as event_files, PHOTOS_MAX};
use jijiao_domain::events::filing::{self, Filing, Published};
use jijiao_domain::events::history::{PeriodFacts, unit_history as history_of};
use jijiao_domain::events::inspection::{self, Inspection, Outcome};
use jijiao_domain::events::{Problem, tasks as due};
use jijiao_domain::personal::mask_phone;
use jijiao_domain::review::UnitProject;
use jijiao_storage::events::{
    EventFilter, EventRow, EventScope, FilingOutcome, InspectionKind, NewFile, NewFiling, NewInspection, StoredFiling,
    StoredInspection,
};
use jijiao_storage::projects::Project;
use jijiao_storage::{OrgId, StoreError};
use serde::Serialize;

use crate::{Acting, App, AppError};

pub use list::{EventQuery, events, events_xlsx};

/// Where an event sits, for [`access`].
pub fn place_of(row: &EventRow) -> EventPlace {
    EventPlace {
        unit: Place {
            province: row.unit_province.clone(),
            district: row.unit_district,
            unit: row.unit_id,
            person: row.leader_person,
        },
        venue_province: row.filed.as_ref().map(|f| f.venue_province.clone()),
    }
}

/// The coarse scope of the events list for these grants (the list then checks each event).
pub fn scope_of(grants: &[Grant]) -> EventScope {
    let mut scope = EventScope::default();
    for g in grants {
        match g.role {
            Role::NationalAdmin => scope.all = true,
            Role::ProvinceAdmin | Role::Inspector => scope.provinces.extend(g.province.clone()),
            Role::DistrictAdmin => scope.districts.extend(g.district),
            Role::UnitAdmin => scope.units.extend(g.unit),
            Role::Leader => scope.leaders.extend(g.person),
            Role::Professional => {}
        }
    }
    scope
}

/// A period of a published project as the operations see it: the project and the period's row.
#[derive(Clone, Debug)]
pub struct Event {
    pub project: Project,
    pub row: EventRow,
}

impl Event {
    pub fn place(&self) -> EventPlace {
        place_of(&self.row)
    }

    pub fn number(&self) -> &str {
        &self.row.number
    }
}

/// The project by its number, with its periods' rows, if the principal sees any of it (else 404).
/// A remote project's rows are its upload cycles (409 before its unit chose the cycle).
pub(crate) async fn project_rows(app: &App, p: &Acting, number: &str) -> Result<(Project, Vec<EventRow>), AppError> {
    if !access::takes_part(&p.grants) {
        return Err(AppError::Forbidden);
    }
    let project = match app.store.project_by_number(number).await {
        Ok(project) => project,
        Err(StoreError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let Some(number) = project.number.clone() else { return Err(AppError::NotFound) };
    if remote::is_remote(&project) {
        let row = remote::remote_row(app, &number).await?;
        if !access::may_read(&p.grants, &remote::place_of(&row)) {
            return Err(AppError::NotFound);
        }
        let Some(months) = row.months else { return Err(AppError::Conflict(remote::NO_CYCLE.into())) };
        return Ok((project, remote::cycle_rows(&row, months)));
    }
    let filter = EventFilter { number: Some(number), ..Default::default() };
    let rows = app.store.events(&EventScope { all: true, ..Default::default() }, &filter).await?;
    if !rows.iter().any(|r| access::may_read(&p.grants, &place_of(r))) {
        return Err(AppError::NotFound);
    }
    Ok((project, rows))
}

/// Every period's row of a published project, in no one's scope: its filed periods, or a remote
/// project's upload cycles (none before the cycle is chosen). For the operator and for learners,
/// whose own checks decide what they see.
pub(crate) async fn all_rows(app: &App, project: &Project) -> Result<Vec<EventRow>, AppError> {
    let Some(number) = project.number.clone() else { return Ok(Vec::new()) };
    if remote::is_remote(project) {
        let row = remote::remote_row(app, &number).await?;
        return Ok(row.months.map(|m| remote::cycle_rows(&row, m)).unwrap_or_default());
    }
    let filter = EventFilter { number: Some(number), ..Default::default() };
    Ok(app.store.events(&EventScope { all: true, ..Default::default() }, &filter).await?)
}

/// Why a period beyond those published (or a cycle beyond the project's) does not exist.
fn no_such_period(project: &Project, period: u32, count: usize) -> AppError {
    if remote::is_remote(project) {
        AppError::invalid("period", format!("第{period}个上传周期不存在：按所选上传周期，该项目共{count}个上传周期"))
    } else {
        AppError::invalid(
            "period",
            format!("第{period}期不存在：该项目公布的举办期数为{count}期，不能报备或督查公布之外的期次"),
        )
    }
}

/// One period (from 1) the principal sees. A period beyond those published is refused by name (422)
/// to those who see the project.
pub async fn event(app: &App, p: &Acting, number: &str, period: u32) -> Result<Event, AppError> {
    let (project, rows) = project_rows(app, p, number).await?;
    let count = rows.len();
    let Some(row) = rows.into_iter().find(|r| r.period == period) else {
        return Err(no_such_period(&project, period, count));
    };
    if !access::may_read(&p.grants, &place_of(&row)) {
        return Err(AppError::NotFound);
    }
    Ok(Event { project, row })
}

/// One period (from 1) of a published project for the server's operator (the command line), who
/// holds the database and acts in no one's scope.
pub async fn operator_event(app: &App, number: &str, period: u32) -> Result<Event, AppError> {
    let project = app.store.project_by_number(number).await.map_err(|e| match e {
        StoreError::NotFound => AppError::invalid("project", format!("没有编号为“{number}”的已公布项目")),
        e => e.into(),
    })?;
    let rows = all_rows(app, &project).await?;
    if rows.is_empty() && remote::is_remote(&project) {
        return Err(AppError::Conflict(remote::NO_CYCLE.into()));
    }
    let count = rows.len();
    let Some(row) = rows.into_iter().find(|r| r.period == period) else {
        return Err(no_such_period(&project, period, count));
    };
    Ok(Event { project, row })
}

/// What filing, inspecting and signing in answer for a remote project (rules.md §7.1).
pub const REMOTE_NOT_FILED: &str = "远程项目按上传周期汇报执行情况，不逐期报备、督查和扫码签到（rules.md §7.1）";

fn problems_error(problems: Vec<Problem>) -> AppError {
    AppError::InvalidDocument(
        problems.into_iter().map(|p| DocumentError { path: p.field, message: p.message }).collect(),
    )
}

/// What the published project says about its periods.
fn published(event: &Event) -> Published {
    Published {
        year: event.project.year,
        delivery: event.project.delivery,
        periods: event.row.periods as usize,
        hours: event.project.hours,
    }
}

/// Files period `period` of project `number` (a unit administrator of the project's unit, or its
/// leader), as a new version when one exists; with a notice when one is uploaded (PDF or image, by
/// content; an image loses its metadata). Nothing is stored unless everything is right.
pub async fn file(
    app: &App,
    p: &Acting,
    number: &str,
    period: u32,
    filing: &Filing,
    notice: Option<&[u8]>,
) -> Result<FilingOutcome, AppError> {
    let event = event(app, p, number, period).await?;
    if !access::may_file(&p.grants, &event.place()) {
        return Err(AppError::Forbidden);
    }
    if remote::is_remote(&event.project) {
        return Err(AppError::invalid("number", REMOTE_NOT_FILED));
    }
    let today = app.today();
    let mut problems = filing::check(filing, &published(&event), period as usize, today);
    let notice = match notice {
        Some(bytes) => match event_files::notice(bytes, "办班通知") {
            Ok((kind, content)) => Some(NewFile { kind: "notice", content_type: kind.content_type(), content }),
            Err(message) => {
                problems.push(Problem::new("filing.notice", "notice", message));
                None
            }
        },
        None => None,
    };
    if !problems.is_empty() {
        return Err(problems_error(problems));
    }
    let new = NewFiling {
        project_id: event.project.id,
        project_number: event.number(),
        unit_id: event.project.unit_id,
        unit_province: event.project.province_code.as_deref(),
        period,
        filing,
        at: app.clock.now_millis(),
        on: today,
        notice,
    };
    Ok(app.store.file_period(&p.actor(), &new).await?)
}

/// A filing version as views show it: the phone masked.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FilingView {
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub filing: Filing,
    pub version: u32,
    /// The first filing's date (the lead time counts from it) for the current filing; the version's
    /// own date in the history.
    pub filed_on: NaiveDate,
    pub late: bool,
    /// What the version changed: dates, venue, form, schedule, other.
    pub changes: Vec<String>,
    pub author: String,
    pub filed_at: i64,
    /// `/event-files/{id}` of the notice, if one was uploaded (served to those who see the event).
    pub notice: Option<String>,
}

fn view(f: &StoredFiling, filed_on: NaiveDate) -> FilingView {
    let mut filing = f.filing.clone();
    filing.contact.phone = mask_phone(&filing.contact.phone);
    FilingView {
        filing,
        version: f.version,
        filed_on,
        late: f.late,
        changes: f.changes.iter().map(|c| c.code().to_string()).collect(),
        author: f.author.clone(),
        filed_at: f.filed_at,
        notice: f.notice.as_ref().map(|n| format!("/event-files/{}", n.id)),
    }
}

/// The current filing and every version, newest first (formats.md: `{ current, history }`).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FilingHistory {
    pub current: Option<FilingView>,
    pub history: Vec<FilingView>,
}

/// The filing of a period and its history, for whoever sees the event.
pub async fn filing_history(app: &App, p: &Acting, number: &str, period: u32) -> Result<FilingHistory, AppError> {
    let event = event(app, p, number, period).await?;
    history(app, &event).await
}

pub(crate) async fn history(app: &App, event: &Event) -> Result<FilingHistory, AppError> {
    let versions = app.store.filings(event.project.id, event.row.period).await?;
    let first = versions.first().map(|f| f.filed_on);
    Ok(FilingHistory {
        current: versions.last().zip(first).map(|(f, first)| view(f, first)),
        history: versions.iter().rev().map(|f| view(f, f.filed_on)).collect(),
    })
}

/// Reads photos as stored: each checked (JPEG or PNG, by content, at most 10 MB) and stripped of
/// its metadata; at most [`PHOTOS_MAX`]. Errors name the photo (`photo[2]`).
pub fn photos(uploads: &[Vec<u8>]) -> Result<Vec<NewFile>, AppError> {
    if uploads.len() > PHOTOS_MAX {
        return Err(AppError::invalid("photo", format!("照片最多{PHOTOS_MAX}张，本次上传了{}张", uploads.len())));
    }
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for (i, bytes) in uploads.iter().enumerate() {
        match event_files::photo(bytes, &format!("照片{}", i + 1)) {
            Ok((kind, content)) => out.push(NewFile { kind: "photo", content_type: kind.content_type(), content }),
            Err(message) => problems.push(Problem::new("inspection.photo", format!("photo[{i}]"), message)),
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(problems_error(problems)) }
}

/// Records an inspection (an inspector of the venue province) or the unit's own record (whoever
/// files), in the window of rules.md §7.2; returns its id.
pub async fn inspect(
    app: &App,
    p: &Acting,
    number: &str,
    period: u32,
    kind: InspectionKind,
    document: &Inspection,
    uploads: &[Vec<u8>],
) -> Result<i64, AppError> {
    let event = event(app, p, number, period).await?;
    let allowed = match kind {
        InspectionKind::Inspector => access::may_inspect(&p.grants, &event.place()),
        InspectionKind::Unit => access::may_record_own(&p.grants, &event.place()),
    };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    if remote::is_remote(&event.project) {
        return Err(AppError::invalid("number", REMOTE_NOT_FILED));
    }
    let Some(filed) = event.row.filed.clone() else {
        return Err(AppError::Conflict("该期尚未报备，无法记录督查".into()));
    };
    let today = app.today();
    let late = inspection::timing(filed.start, filed.end, today).map_err(|m| AppError::invalid("date", m))?;
    let problems = inspection::check(document);
    if !problems.is_empty() {
        return Err(problems_error(problems));
    }
    let photos = photos(uploads)?;
    let new = NewInspection {
        project_id: event.project.id,
        project_number: event.number(),
        unit_id: event.project.unit_id,
        unit_province: event.project.province_code.as_deref(),
        period,
        kind,
        inspection: document,
        late,
        venue_province: &filed.venue_province,
        on: today,
        at: app.clock.now_millis(),
        photos,
    };
    Ok(app.store.record_inspection(&p.actor(), &new).await?)
}

/// The inspections of an event.
pub async fn inspections_of(app: &App, event: &Event) -> Result<Vec<StoredInspection>, AppError> {
    Ok(app.store.inspections(event.project.id, event.row.period).await?)
}

/// One inspection with its event, for whoever sees the event.
pub async fn inspection(app: &App, p: &Acting, id: i64) -> Result<(StoredInspection, Event), AppError> {
    let stored = match app.store.inspection(id).await {
        Ok(s) => s,
        Err(StoreError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let event = event_by_id(app, p, stored.project_id, stored.period).await?;
    Ok((stored, event))
}

/// The event of a stored record (a project id and a period), if the principal sees it.
async fn event_by_id(app: &App, p: &Acting, project_id: i64, period: u32) -> Result<Event, AppError> {
    let number = app.store.project_number_of(project_id).await?.ok_or(AppError::NotFound)?;
    match event(app, p, &number, period).await {
        Err(AppError::InvalidInput { .. }) => Err(AppError::NotFound),
        other => other,
    }
}

/// A stored file (a notice or a photo), served only to those who see its event.
pub async fn file_content(app: &App, p: &Acting, id: i64) -> Result<(String, Vec<u8>), AppError> {
    let file = match app.store.event_file(id).await {
        Ok(f) => f,
        Err(StoreError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    event_by_id(app, p, file.project_id, file.period).await?;
    Ok((file.content_type, file.content))
}

/// Suspends every published project of the inspected unit from an inspection's page (the venue
/// province's office, the unit's province's, or the national office), through the existing
/// suspension, the inspection named in the public reason. Returns how many projects it covered.
pub async fn suspend_from_inspection(app: &App, p: &Acting, id: i64, reason: &str) -> Result<usize, AppError> {
    let (stored, event) = inspection(app, p, id).await?;
    if !access::may_suspend(&p.grants, &event.place()) {
        return Err(AppError::Forbidden);
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid("reason", "请填写暂停原因（将公开显示）"));
    }
    let public = format!(
        "{}：{} 第{}期{}（{}，督查记录 {}）",
        reason,
        event.number(),
        event.row.period,
        stored.result.label(),
        stored.on,
        stored.id
    );
    Ok(app.store.suspend_unit_projects(&p.actor(), &event.project.unit_name, &public).await?)
}

/// The unit's history of the last 2 years before `year` as the formal review reads it (rules.md
/// §7.7), from the stored filings and inspections.
pub async fn unit_history(app: &App, unit: OrgId, year: Year) -> Result<Vec<UnitProject>, AppError> {
    let scope = EventScope { units: vec![unit.0], ..Default::default() };
    let rows = app.store.events(&scope, &EventFilter::default()).await?;
    let facts: Vec<PeriodFacts> = rows
        .iter()
        .map(|r| {
            let mut inspections = vec![Outcome::Fail; r.failed_inspections as usize];
            inspections.extend(std::iter::repeat_n(Outcome::Pass, (r.inspections - r.failed_inspections) as usize));
            PeriodFacts {
                number: r.number.clone(),
                year: r.year,
                level: r.level,
                end: r.end(),
                filed: r.filed.is_some(),
                recorded_before_end: jijiao_domain::time::shanghai_date(r.recorded_at) <= r.end(),
                inspections,
            }
        })
        .collect();
    Ok(history_of(&facts, year, app.today()))
}

/// Rows of the events export, one per period.
pub fn export_rows(rows: &[EventRow]) -> Vec<Vec<CellOut>> {
    rows.iter()
        .map(|r| {
            let filed = r.filed.as_ref();
            vec![
                CellOut::Text(r.number.clone()),
                CellOut::Integer(i64::from(r.period)),
                CellOut::Text(r.name.clone()),
                CellOut::Text(r.unit_name.clone()),
                CellOut::Text(r.level.label().into()),
                CellOut::Date(r.start()),
                CellOut::Date(r.end()),
                CellOut::Text(r.place().to_string()),
                filed.map_or(CellOut::Empty, |f| CellOut::Date(f.filed_on)),
                CellOut::Text(match filed {
                    None => "未报备".into(),
                    Some(f) if f.late => "逾期报备".into(),
                    Some(_) => "按时".into(),
                }),
                CellOut::Text(if filed.is_some_and(|f| f.moved) { "已变更".into() } else { String::new() }),
                CellOut::Text(match (r.inspections, r.failed_inspections) {
                    (0, _) => "未督查".into(),
                    (_, 0) => "合格".into(),
                    _ => "不合格".into(),
                }),
            ]
        })
        .collect()
}

/// The headers of [`export_rows`].
pub const EXPORT_COLUMNS: [&str; 12] = [
    "项目编号",
    "期次",
    "项目名称",
    "举办单位",
    "级别",
    "开始日期",
    "结束日期",
    "举办地点",
    "报备日期",
    "报备",
    "变更",
    "督查",
];

/// The task providers' shared reading of `due`: re-exported for pages.
pub use due::Task;

/// A project number as a path segment: the full-width brackets percent-encoded, so links work in
/// every browser and the API's `{number}` reads them back.
pub fn url_number(number: &str) -> String {
    let mut out = String::new();
    for c in number.chars() {
        if c.is_ascii_alphanumeric() || c == '-' {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}
