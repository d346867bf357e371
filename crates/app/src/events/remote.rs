//! Remote projects as operations (rules.md §4, §7.1, §7.4): the upload cycle the unit chooses once
//! for the project, and its cycles as the periods every workflow route and page already takes.
//! `periods/{n}` of a remote project is upload cycle n (the domain's `events::cycle` dates it), so
//! the roster, the report, its audit, the score, the credits and the certificates go through the
//! same operations as a face-to-face period's; what differs is asked of [`is_remote`].
//!
//! Who does what: the unit administrator of the project's unit or its leader chooses the cycle (as
//! they file a face-to-face period); whoever sees the project's events reads it. The choice may be
//! changed until a report of the project was submitted; after that the cycles' dates are on record.

use chrono::NaiveDate;
use jijiao_domain::authz::Place;
use jijiao_domain::events::access::{self, EventPlace};
use jijiao_domain::events::cycle::{self, Cycle, MONTHS};
use jijiao_domain::events::report as report_rules;
use jijiao_domain::org::Delivery;
use jijiao_storage::StoreError;
use jijiao_storage::events::{EventRow, EventScope};
use jijiao_storage::projects::Project;
use jijiao_storage::reports::{CycleChange, RemoteProjectRow};
use serde::Serialize;

use crate::{Acting, App, AppError};

/// What a remote project's routes answer before its unit chose the cycle.
pub const NO_CYCLE: &str =
    "该远程项目尚未选择上传周期：请项目单位先选择上传周期（1、2、3、6或12个月），再按周期汇报执行情况";

/// Whether a project reports per upload cycle.
pub fn is_remote(project: &Project) -> bool {
    project.delivery == Delivery::Remote
}

/// How views name a period: `第2期`, or `第2个上传周期` of a remote project.
pub fn period_label(delivery: Delivery, n: u32) -> String {
    match delivery {
        Delivery::FaceToFace => format!("第{n}期"),
        Delivery::Remote => format!("第{n}个上传周期"),
    }
}

/// Where a remote project sits, for [`access`]: its unit's chain; it has no venue.
pub fn place_of(row: &RemoteProjectRow) -> EventPlace {
    EventPlace {
        unit: Place {
            province: row.unit_province.clone(),
            district: row.unit_district,
            unit: row.unit_id,
            person: row.leader_person,
        },
        venue_province: None,
    }
}

/// The day cycle 1 begins (the published start).
pub fn anchor(row: &RemoteProjectRow) -> NaiveDate {
    cycle::anchor(Some(row.first_day), row.year)
}

/// Every cycle of the project under a cycle of `months`.
pub fn cycles_of(row: &RemoteProjectRow, months: u32) -> Vec<Cycle> {
    cycle::cycles(anchor(row), months, row.last_day)
}

/// The cycles as the rows of events: each dated as published with its cycle's dates, never filed
/// or inspected.
pub fn cycle_rows(row: &RemoteProjectRow, months: u32) -> Vec<EventRow> {
    let cycles = cycles_of(row, months);
    let count = cycles.len() as u32;
    let place = if row.place.trim().is_empty() { "远程（网络）".to_string() } else { row.place.clone() };
    cycles
        .into_iter()
        .map(|c| EventRow {
            project_id: row.project_id,
            number: row.number.clone(),
            name: row.name.clone(),
            year: row.year,
            level: row.level,
            subject: row.subject.clone(),
            unit_name: row.unit_name.clone(),
            unit_id: row.unit_id,
            unit_province: row.unit_province.clone(),
            unit_district: row.unit_district,
            leader_name: row.leader_name.clone(),
            leader_person: row.leader_person,
            planned_enrollment: row.planned_enrollment,
            hours_tenths: row.hours_tenths,
            recorded_at: row.recorded_at,
            periods: count,
            period: c.n,
            published_start: c.start,
            published_end: c.end,
            published_place: place.clone(),
            filed: None,
            inspections: 0,
            failed_inspections: 0,
        })
        .collect()
}

/// The remote project of a number, with what its cycles are built from (no scope check).
pub(crate) async fn remote_row(app: &App, number: &str) -> Result<RemoteProjectRow, AppError> {
    let all = EventScope { all: true, ..Default::default() };
    app.store.remote_projects(&all, Some(number)).await?.into_iter().next().ok_or(AppError::NotFound)
}

/// The remote project of a number if the principal sees it: 404 out of sight, 422 for a
/// face-to-face project they see (it is filed period by period).
async fn seen(app: &App, p: &Acting, number: &str) -> Result<(Project, RemoteProjectRow), AppError> {
    if !access::takes_part(&p.grants) {
        return Err(AppError::Forbidden);
    }
    let project = match app.store.project_by_number(number).await {
        Ok(project) if project.number.is_some() => project,
        Ok(_) | Err(StoreError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    if !is_remote(&project) {
        // Seen through any of its periods: the face-to-face project is told so, others see nothing.
        crate::events::project_rows(app, p, number).await?;
        return Err(AppError::invalid("number", "面授项目逐期报备和汇报，没有上传周期"));
    }
    let row = remote_row(app, number).await?;
    if !access::may_read(&p.grants, &place_of(&row)) {
        return Err(AppError::NotFound);
    }
    Ok((project, row))
}

/// One cycle as the cycle's page and API show it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CycleLine {
    /// The cycle's number: `periods/{n}` of the workflow routes.
    pub n: u32,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// The report falls due 14 days after the cycle's last day.
    pub report_due: NaiveDate,
}

/// A remote project's upload cycle: the choice, whether it may still change, and the cycles it makes.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadCycleView {
    pub number: String,
    pub name: String,
    pub unit: String,
    /// The chosen cycle in months (1, 2, 3, 6 or 12); `null` before the unit chose.
    pub months: Option<u32>,
    /// The cycles the unit may choose.
    pub choices: Vec<u32>,
    /// The day cycle 1 begins (the published start).
    pub starts_on: NaiveDate,
    /// The last day the project is open to learners.
    pub open_until: NaiveDate,
    pub set_by: Option<String>,
    pub set_at: Option<i64>,
    /// Why the cycle can no longer change (a report was submitted), if so.
    pub locked: Option<String>,
    /// Whether the signed-in account may choose or change it.
    pub may_set: bool,
    pub cycles: Vec<CycleLine>,
}

async fn view(app: &App, p: &Acting, project: &Project, row: &RemoteProjectRow) -> Result<UploadCycleView, AppError> {
    let stored = app.store.upload_cycle(project.id).await?;
    let submitted = app
        .store
        .period_reports(project.id)
        .await?
        .into_iter()
        .find(|(_, r)| r.first_submitted_on.is_some())
        .map(|(n, _)| format!("第{n}个上传周期的执行情况已提交，上传周期不能再变更"));
    let months = stored.as_ref().map(|s| s.months);
    let start = anchor(row);
    Ok(UploadCycleView {
        number: row.number.clone(),
        name: row.name.clone(),
        unit: row.unit_name.clone(),
        months,
        choices: MONTHS.to_vec(),
        starts_on: start,
        open_until: cycle::open_until(start, row.last_day),
        set_by: stored.as_ref().map(|s| s.set_by_name.clone()),
        set_at: stored.as_ref().map(|s| s.set_at),
        may_set: access::may_file(&p.grants, &place_of(row)) && submitted.is_none(),
        locked: submitted,
        cycles: months
            .map(|m| {
                cycles_of(row, m)
                    .into_iter()
                    .map(|c| CycleLine { n: c.n, start: c.start, end: c.end, report_due: report_rules::due(c.end) })
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// A remote project's upload cycle and its cycles, for whoever sees the project.
pub async fn upload_cycle(app: &App, p: &Acting, number: &str) -> Result<UploadCycleView, AppError> {
    let (project, row) = seen(app, p, number).await?;
    view(app, p, &project, &row).await
}

/// Chooses or changes the project's upload cycle (the unit administrator or the leader): one of
/// 1, 2, 3, 6 or 12 months, refused once a report of the project was submitted.
pub async fn set_upload_cycle(app: &App, p: &Acting, number: &str, months: u32) -> Result<UploadCycleView, AppError> {
    let (project, row) = seen(app, p, number).await?;
    if !access::may_file(&p.grants, &place_of(&row)) {
        return Err(AppError::Forbidden);
    }
    let months = cycle::check_months(months).map_err(|problem| AppError::invalid(problem.field, problem.message))?;
    let change = CycleChange {
        project_id: project.id,
        project_number: &row.number,
        unit_id: project.unit_id,
        unit_province: project.province_code.as_deref(),
        months,
        at: app.clock.now_millis(),
    };
    app.store.set_upload_cycle(&p.actor(), &change).await?;
    view(app, p, &project, &row).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use jijiao_domain::org::Level;

    fn row(first: NaiveDate, last: NaiveDate) -> RemoteProjectRow {
        RemoteProjectRow {
            project_id: 7,
            number: "2026-03-01-920（国）".into(),
            name: "远程课程".into(),
            year: jijiao_domain::Year::try_from(2026_u16).unwrap(),
            level: Level::National,
            subject: "03-01".into(),
            unit_name: "北京协和医院".into(),
            unit_id: Some(3),
            unit_province: Some("11".into()),
            unit_district: Some(2),
            leader_name: "王喆".into(),
            leader_person: None,
            planned_enrollment: 500,
            hours_tenths: Some(120),
            recorded_at: 0,
            first_day: first,
            last_day: last,
            place: String::new(),
            months: Some(3),
        }
    }

    #[test]
    fn cycles_become_rows_numbered_from_one_with_their_dates_and_no_venue() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        let r = row(day(2, 1), day(2, 3));
        let rows = cycle_rows(&r, 3);
        assert_eq!(rows.len(), 4);
        assert_eq!((rows[0].period, rows[0].published_start, rows[0].published_end), (1, day(2, 1), day(4, 30)));
        assert_eq!(rows[3].published_end, NaiveDate::from_ymd_opt(2027, 1, 31).unwrap());
        assert!(rows.iter().all(|e| e.periods == 4 && e.filed.is_none() && e.published_place == "远程（网络）"));
        let place = crate::events::place_of(&rows[0]);
        assert_eq!(place, place_of(&r), "a cycle sits where its project does");
        assert_eq!(period_label(Delivery::Remote, 2), "第2个上传周期");
        assert_eq!(period_label(Delivery::FaceToFace, 2), "第2期");
    }
}
