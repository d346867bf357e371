//! The events list (venue supervision, rules.md §7.1 `filing.venue_supervision`): the periods of
//! published face-to-face projects with their current filing and whether an inspector has been, in
//! one query over both backends. The caller narrows by scope ([`EventScope`], a coarse prefilter the
//! application layer then checks event by event) and by the filters of the list page.

use chrono::NaiveDate;
use jijiao_domain::Year;
use jijiao_domain::events::filing::Form;
use jijiao_domain::org::Level;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::sql::{Bind, Filter, date_text};
use crate::{Result, Store, decode};

/// The most events one list returns.
pub const EVENTS_CAP: i64 = 2000;

/// Whose events: everything, or those whose venue or unit lies in one of `provinces`, whose unit
/// is under one of `districts` or is one of `units`, or whose leader is one of `leaders`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventScope {
    pub all: bool,
    pub provinces: Vec<String>,
    pub districts: Vec<i64>,
    pub units: Vec<i64>,
    pub leaders: Vec<i64>,
}

/// The list's filters; dates compare with the period's current dates (filed, else published).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// The venue's province as filed (2-digit code).
    pub venue_province: Option<String>,
    pub level: Option<Level>,
    /// A second-level (`03`) or third-level (`03-07`) subject.
    pub subject: Option<String>,
    /// Part of the unit's name.
    pub unit: Option<String>,
    /// Inspected by an inspector, or not.
    pub inspected: Option<bool>,
    /// Filed, or not.
    pub filed: Option<bool>,
    /// One project (by number) and, optionally, one period of it.
    pub number: Option<String>,
    pub period: Option<u32>,
    /// The projects of one year.
    pub year: Option<Year>,
}

/// One period of a published project, as the list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EventRow {
    pub project_id: i64,
    pub number: String,
    pub name: String,
    pub year: Year,
    pub level: Level,
    pub subject: String,
    pub unit_name: String,
    pub unit_id: Option<i64>,
    pub unit_province: Option<String>,
    pub unit_district: Option<i64>,
    pub leader_name: String,
    pub leader_person: Option<i64>,
    pub planned_enrollment: u32,
    pub hours_tenths: Option<i64>,
    /// When the project was put on record here (published or imported), Unix milliseconds.
    pub recorded_at: i64,
    pub periods: u32,
    pub period: u32,
    pub published_start: NaiveDate,
    pub published_end: NaiveDate,
    pub published_place: String,
    /// The current filing's facts, when filed.
    pub filed: Option<FiledFacts>,
    pub inspections: u32,
    pub failed_inspections: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FiledFacts {
    pub version: u32,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub venue_province: String,
    pub place: String,
    pub form: Form,
    pub late: bool,
    /// The first version's date.
    pub filed_on: NaiveDate,
    /// Whether a later version changed the dates or the venue.
    pub moved: bool,
}

impl EventRow {
    pub fn start(&self) -> NaiveDate {
        self.filed.as_ref().map_or(self.published_start, |f| f.start)
    }

    pub fn end(&self) -> NaiveDate {
        self.filed.as_ref().map_or(self.published_end, |f| f.end)
    }

    pub fn place(&self) -> &str {
        self.filed.as_ref().map_or(self.published_place.as_str(), |f| f.place.as_str())
    }
}

/// Each period numbered from 1 in the order of its published dates (formats.md).
const PERIODS: &str = "SELECT pp.project_id, pp.start_date, pp.end_date, pp.place, \
    CAST(ROW_NUMBER() OVER (PARTITION BY pp.project_id ORDER BY pp.start_date, pp.position) AS BIGINT) AS period, \
    CAST(COUNT(*) OVER (PARTITION BY pp.project_id) AS BIGINT) AS periods FROM project_periods pp";

const SELECT: &str = "SELECT p.id AS project_id, p.number, p.name, p.year, p.level, p.subject_tertiary, p.unit_name, p.unit_id, \
    p.province_code AS unit_province, d.id AS unit_district, p.leader_name, a.leader_person_id, p.planned_enrollment, p.hours, p.created_at, \
    x.period, x.periods, x.start_date, x.end_date, x.place, \
    c.version, c.start_date AS filed_start, c.end_date AS filed_end, c.venue_province, c.place AS filed_place, c.form, c.late, \
    (SELECT g.filed_on FROM period_filings g WHERE g.project_id = x.project_id AND g.period = x.period AND g.version = 1) AS first_filed_on, \
    (SELECT CAST(COUNT(*) AS BIGINT) FROM period_filings g WHERE g.project_id = x.project_id AND g.period = x.period \
        AND (g.changes LIKE '%dates%' OR g.changes LIKE '%venue%')) AS moves, \
    (SELECT CAST(COUNT(*) AS BIGINT) FROM inspections i WHERE i.project_id = x.project_id AND i.period = x.period AND i.kind = 'inspector') AS inspections, \
    (SELECT CAST(COUNT(*) AS BIGINT) FROM inspections i WHERE i.project_id = x.project_id AND i.period = x.period AND i.kind = 'inspector' AND i.result = 'fail') AS failed";

impl Store {
    /// The events of `scope` that pass `filter`, in the order they are held; at most [`EVENTS_CAP`].
    pub async fn events(&self, scope: &EventScope, filter: &EventFilter) -> Result<Vec<EventRow>> {
        let mut f = Filter::default();
        f.and("p.number IS NOT NULL AND p.delivery = 'face_to_face'", []);
        if !scope.all {
            let mut parts = Vec::new();
            let mut binds = Vec::new();
            let list = |column: &str, n: usize| format!("{column} IN ({})", vec!["?"; n].join(", "));
            if !scope.provinces.is_empty() {
                parts.push(list("c.venue_province", scope.provinces.len()));
                parts.push(list("p.province_code", scope.provinces.len()));
                binds.extend(scope.provinces.iter().chain(&scope.provinces).map(|p| Bind::Text(p.clone())));
            }
            for (column, ids) in
                [("d.id", &scope.districts), ("p.unit_id", &scope.units), ("a.leader_person_id", &scope.leaders)]
            {
                if !ids.is_empty() {
                    parts.push(list(column, ids.len()));
                    binds.extend(ids.iter().map(|i| Bind::Int(*i)));
                }
            }
            if parts.is_empty() {
                return Ok(Vec::new());
            }
            f.and(&format!("({})", parts.join(" OR ")), binds);
        }
        if let Some(from) = filter.from {
            f.and("COALESCE(c.end_date, x.end_date) >= ?", [Bind::Text(date_text(from))]);
        }
        if let Some(to) = filter.to {
            f.and("COALESCE(c.start_date, x.start_date) <= ?", [Bind::Text(date_text(to))]);
        }
        if let Some(p) = &filter.venue_province {
            f.and("c.venue_province = ?", [Bind::Text(p.clone())]);
        }
        if let Some(level) = filter.level {
            f.and("p.level = ?", [Bind::Text(level.code().into())]);
        }
        if let Some(s) = &filter.subject {
            if s.len() == 2 {
                f.and("p.subject_secondary = ?", [Bind::Text(s.clone())]);
            } else {
                f.and("p.subject_tertiary = ?", [Bind::Text(s.clone())]);
            }
        }
        if let Some(unit) = &filter.unit {
            f.contains(self.backend, &["p.unit_name"], unit);
        }
        match filter.inspected {
            Some(true) => f.and("EXISTS (SELECT 1 FROM inspections i WHERE i.project_id = x.project_id AND i.period = x.period AND i.kind = 'inspector')", []),
            Some(false) => f.and("NOT EXISTS (SELECT 1 FROM inspections i WHERE i.project_id = x.project_id AND i.period = x.period AND i.kind = 'inspector')", []),
            None => &mut f,
        };
        match filter.filed {
            Some(true) => f.and("c.version IS NOT NULL", []),
            Some(false) => f.and("c.version IS NULL", []),
            None => &mut f,
        };
        if let Some(number) = &filter.number {
            f.and("p.number = ?", [Bind::Text(number.clone())]);
        }
        if let Some(period) = filter.period {
            f.and("x.period = ?", [Bind::Int(i64::from(period))]);
        }
        if let Some(year) = filter.year {
            f.and("p.year = ?", [Bind::Int(i64::from(year))]);
        }
        let limit = f.next_placeholder();
        let sql = format!(
            "{SELECT} FROM ({PERIODS}) x JOIN projects p ON p.id = x.project_id \
             LEFT JOIN period_filings c ON c.project_id = x.project_id AND c.period = x.period \
                AND c.version = (SELECT MAX(v.version) FROM period_filings v WHERE v.project_id = x.project_id AND v.period = x.period) \
             LEFT JOIN organisations o ON o.id = p.unit_id \
             LEFT JOIN organisations d ON d.id = o.parent_id AND d.kind = 'district' \
             LEFT JOIN applications a ON a.id = p.application_id{} \
             ORDER BY COALESCE(c.start_date, x.start_date), p.number, x.period LIMIT ${limit}",
            f.where_sql()
        );
        let rows = f.query(&sql).bind(EVENTS_CAP).fetch_all(&self.pool).await?;
        rows.iter().map(event_from_row).collect()
    }
}

fn event_from_row(r: &AnyRow) -> Result<EventRow> {
    let date = |column: &str, name: &'static str| -> Result<NaiveDate> {
        decode::date(&r.try_get::<String, _>(column)?, name)
    };
    let version: Option<i64> = r.try_get("version")?;
    let filed = match version {
        None => None,
        Some(version) => Some(FiledFacts {
            version: decode::narrow(version, "period_filings.version")?,
            start: date("filed_start", "period_filings.start_date")?,
            end: date("filed_end", "period_filings.end_date")?,
            venue_province: r.try_get("venue_province")?,
            place: r.try_get("filed_place")?,
            form: decode::code(&r.try_get::<String, _>("form")?, "period_filings.form", Form::from_code)?,
            late: r.try_get::<i64, _>("late")? != 0,
            filed_on: date("first_filed_on", "period_filings.filed_on")?,
            moved: r.try_get::<i64, _>("moves")? > 0,
        }),
    };
    Ok(EventRow {
        project_id: r.try_get("project_id")?,
        number: r.try_get("number")?,
        name: r.try_get("name")?,
        year: decode::year(r, "year", "projects.year")?,
        level: decode::code(&r.try_get::<String, _>("level")?, "projects.level", Level::from_code)?,
        subject: r.try_get("subject_tertiary")?,
        unit_name: r.try_get("unit_name")?,
        unit_id: r.try_get("unit_id")?,
        unit_province: r.try_get("unit_province")?,
        unit_district: r.try_get("unit_district")?,
        leader_name: r.try_get("leader_name")?,
        leader_person: r.try_get("leader_person_id")?,
        planned_enrollment: decode::int(r, "planned_enrollment", "projects.planned_enrollment")?,
        hours_tenths: r.try_get("hours")?,
        recorded_at: r.try_get("created_at")?,
        periods: decode::int(r, "periods", "project_periods")?,
        period: decode::int(r, "period", "project_periods.position")?,
        published_start: date("start_date", "project_periods.start_date")?,
        published_end: date("end_date", "project_periods.end_date")?,
        published_place: r.try_get("place")?,
        filed,
        inspections: decode::int(r, "inspections", "inspections")?,
        failed_inspections: decode::int(r, "failed", "inspections.result")?,
    })
}
