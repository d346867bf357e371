//! Published projects (公布的项目): numbered in batches, searchable by anyone, imported and exported as published lists.
//!
//! A batch (年度, 批次, 文号) collects projects; publishing it numbers every project that has no
//! number yet, from `project_number_sequences`, which only ever increase: a number is never
//! reused or changed, and publishing twice numbers nothing twice. Imported lists arrive already
//! numbered; their serials raise the sequences so later publications continue after them.
//! Leaders' phones are kept encrypted and never leave this module in clear.
//!
//! Here: the types, reading one project and decoding rows. Batches and publication are in
//! `batches`, imported lists in `import`, the public catalogue's search in [`crate::catalogue`],
//! suspensions in [`crate::suspensions`].

use chrono::NaiveDate;
use jijiao_domain::org::{Delivery, Level};
use jijiao_domain::publication::{self, ProjectKind};
use jijiao_domain::{Credits, Hours, Year};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashMap;

use crate::applications::ApplicationId;
use crate::decode;
use crate::{Backend, Result, Store, StoreError};

mod batches;
mod import;

pub use crate::catalogue::{PAGE_BY_IDS_UP_TO, ProjectFilter, ProjectSort};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct BatchId(pub i64);

/// A batch to create: who publishes (the national office, or a province) and its notice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewBatch {
    pub level: Level,
    /// The publishing province of a provincial batch.
    pub province_code: Option<String>,
    pub year: Year,
    pub batch: u16,
    pub notice: String,
    pub notice_date: Option<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Batch {
    pub id: BatchId,
    pub level: Level,
    pub province_code: Option<String>,
    pub year: Year,
    pub batch: u16,
    pub notice: String,
    pub notice_date: Option<NaiveDate>,
    pub published_at: Option<i64>,
    pub projects: i64,
    pub numbered: i64,
}

impl Batch {
    /// `2024年第1批国家级`
    pub fn title(&self) -> String {
        format!("{}年第{}批{}项目", self.year, self.batch, self.level.label())
    }
}

/// One holding (期): dates and place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ProjectPeriod {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub place: String,
}

/// A project to store: from an imported list (with its number) or an approved application.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewProject {
    /// Canonical number of an imported list; `None` for a project numbered at publication.
    pub number: Option<String>,
    pub application_id: Option<ApplicationId>,
    pub name: String,
    pub unit_name: String,
    pub unit_id: Option<i64>,
    pub province_code: Option<String>,
    pub leader_name: String,
    pub leader_phone: Option<String>,
    /// `SS-TT`
    pub subject_tertiary: String,
    pub kind: ProjectKind,
    pub delivery: Delivery,
    pub credits: Credits,
    pub hours: Option<Hours>,
    pub periods: Vec<ProjectPeriod>,
    pub audience: String,
    pub planned_enrollment: u32,
    pub enrollment_note: String,
    pub remarks: String,
}

/// Why a unit's projects were suspended, shown publicly on each of them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suspension {
    pub reason: String,
    pub at: i64,
}

/// A project as the catalogue shows it: no phone, ever.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Project {
    pub id: i64,
    pub batch_id: BatchId,
    pub number: Option<String>,
    pub year: Year,
    pub batch: u16,
    pub notice: String,
    pub level: Level,
    pub province_code: Option<String>,
    pub unit_id: Option<i64>,
    pub unit_name: String,
    pub leader_name: String,
    pub name: String,
    pub subject_secondary: String,
    pub subject_tertiary: String,
    pub kind: ProjectKind,
    pub delivery: Delivery,
    pub credits: Credits,
    pub hours: Option<Hours>,
    pub audience: String,
    pub planned_enrollment: u32,
    pub enrollment_note: String,
    pub remarks: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub periods: Vec<ProjectPeriod>,
    pub suspension: Option<Suspension>,
}

/// What an import did (or, in a dry run, would do).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    pub batch_id: BatchId,
    pub projects: usize,
}

/// What a project row is read with ([`project_columns`]), from `projects p` alone: its batch's
/// number and notice and its suspension are looked up per row, not joined. When PostgreSQL planned
/// each catalogue page afresh, the two joins made the plan cost 0.32-0.51 ms against 0.23-0.27
/// with the lookups (BENCHMARKS.md, issue 19, twelfth session); a page's rows are now read by id in
/// a statement planned once per connection, where joining the batch would save 0.03 of 0.15 ms. A
/// suspension is looked up only for a suspended project: its two lookups on every row were 40 %
/// of reading a page's 20 rows (0.25 → 0.15 ms; thirteenth session).
pub(crate) const COLUMNS: &str = "p.id, p.batch_id, p.number, p.year, \
    (SELECT b.batch FROM publication_batches b WHERE b.id = p.batch_id) AS batch, \
    (SELECT b.notice FROM publication_batches b WHERE b.id = p.batch_id) AS notice, \
    p.level, p.province_code, p.unit_id, p.unit_name, p.leader_name, p.name, p.subject_secondary, p.subject_tertiary, \
    p.kind, p.delivery, p.credits, p.hours, p.audience, p.planned_enrollment, p.enrollment_note, p.remarks, \
    p.first_day, p.last_day, \
    CASE WHEN p.suspension_id IS NOT NULL THEN (SELECT s.reason FROM project_suspensions s WHERE s.id = p.suspension_id) END AS suspension_reason, \
    CASE WHEN p.suspension_id IS NOT NULL THEN (SELECT s.at FROM project_suspensions s WHERE s.id = p.suspension_id) END AS suspension_at";
const BATCH_COLUMNS: &str = "b.id, b.level, b.province_code, b.year, b.batch, b.notice, b.notice_date, b.published_at, (SELECT CAST(COUNT(*) AS BIGINT) FROM projects p WHERE p.batch_id = b.id) AS projects, (SELECT CAST(COUNT(*) AS BIGINT) FROM projects p WHERE p.batch_id = b.id AND p.number IS NOT NULL) AS numbered";

/// The numbering scope of a batch: `''` for national batches, else the publishing province.
fn scope_of(level: Level, province: Option<&str>) -> Result<String> {
    match (level, province) {
        (Level::National, _) => Ok(String::new()),
        (Level::Provincial, Some(p)) => Ok(p.to_string()),
        (Level::Provincial, None) => Err(StoreError::Invalid("省级批次须指明省份".into())),
        (Level::District, _) => Err(StoreError::Invalid("区级项目不分批公布".into())),
    }
}

/// The settings key of a province's number pattern.
pub fn pattern_key(province_code: &str) -> String {
    format!("projects.number_pattern.{province_code}")
}

impl NewProject {
    fn validate(&self) -> std::result::Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("项目名称不能为空".into());
        }
        if self.unit_name.trim().is_empty() {
            return Err("申办单位不能为空".into());
        }
        if self.periods.is_empty() {
            return Err("至少须有一期举办期限".into());
        }
        if self.subject_tertiary.len() != 5 {
            return Err(format!("三级学科代码“{}”应形如 03-07", self.subject_tertiary));
        }
        Ok(())
    }

    fn days(&self) -> (NaiveDate, NaiveDate) {
        let first = self.periods.iter().map(|p| p.start).min().unwrap_or_default();
        let last = self.periods.iter().map(|p| p.end).max().unwrap_or_default();
        (first, last)
    }
}

impl Store {
    /// One published project by its number (as printed: brackets and spaces are normalised).
    pub async fn project_by_number(&self, number: &str) -> Result<Project> {
        let canonical = publication::ProjectNumber::parse(number, None)
            .map(|n| n.text())
            .unwrap_or_else(|_| number.trim().to_string());
        let sql = format!("SELECT {} FROM projects p WHERE p.number = $1", project_columns(self.backend));
        let row = sqlx::query(&sql).bind(&canonical).fetch_optional(&self.pool).await?;
        let row = match row {
            Some(r) => r,
            // Provincial patterns may not parse as national-shaped numbers: try as written.
            None => sqlx::query(&sql).bind(number.trim()).fetch_one(&self.pool).await?,
        };
        project_from_row(&row)
    }

    /// The leader's phone of a project, decrypted (for the publishing office's export only).
    pub async fn project_leader_phones(&self, batch_id: BatchId) -> Result<HashMap<i64, String>> {
        let rows = sqlx::query(
            "SELECT id, leader_phone_enc FROM projects WHERE batch_id = $1 AND leader_phone_enc IS NOT NULL",
        )
        .bind(batch_id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((r.try_get::<i64, _>("id")?, self.vault.decrypt(&r.try_get::<String, _>("leader_phone_enc")?)?))
            })
            .collect()
    }
}

fn batch_from_row(r: &AnyRow) -> Result<Batch> {
    let notice_date: Option<String> = r.try_get("notice_date")?;
    Ok(Batch {
        id: BatchId(r.try_get("id")?),
        level: decode::code(&r.try_get::<String, _>("level")?, "publication_batches.level", Level::from_code)?,
        province_code: r.try_get("province_code")?,
        year: decode::year(r, "year", "publication_batches.year")?,
        batch: decode::int(r, "batch", "publication_batches.batch")?,
        notice: r.try_get("notice")?,
        notice_date: notice_date.as_deref().map(|d| decode::date(d, "publication_batches.notice_date")).transpose()?,
        published_at: r.try_get("published_at")?,
        projects: r.try_get("projects")?,
        numbered: r.try_get("numbered")?,
    })
}

/// What [`project_from_row`] reads: [`COLUMNS`] and the project's periods in their order as one
/// JSON text of `[start, end, place]` triples, read in the project's own statement instead of a
/// second query for the page's projects.
pub(crate) fn project_columns(backend: Backend) -> String {
    let periods = backend.json_rows("pp.start_date, pp.end_date, pp.place", Some("pp.position"));
    format!("{COLUMNS}, (SELECT {periods} FROM project_periods pp WHERE pp.project_id = p.id) AS periods")
}

/// The periods of a row of [`project_columns`], in their order.
fn periods_of(r: &AnyRow) -> Result<Vec<ProjectPeriod>> {
    let json: Option<String> = r.try_get("periods")?;
    let triples: Vec<(String, String, String)> = match json.as_deref() {
        None => Vec::new(),
        Some(json) => decode::json(json, "project_periods")?,
    };
    triples
        .into_iter()
        .map(|(start, end, place)| {
            Ok(ProjectPeriod {
                start: decode::date(&start, "project_periods.start_date")?,
                end: decode::date(&end, "project_periods.end_date")?,
                place,
            })
        })
        .collect()
}

/// A row of [`project_columns`].
pub(crate) fn project_from_row(r: &AnyRow) -> Result<Project> {
    let reason: Option<String> = r.try_get("suspension_reason")?;
    let at: Option<i64> = r.try_get("suspension_at")?;
    Ok(Project {
        id: r.try_get("id")?,
        batch_id: BatchId(r.try_get("batch_id")?),
        number: r.try_get("number")?,
        year: decode::year(r, "year", "projects.year")?,
        batch: decode::int(r, "batch", "publication_batches.batch")?,
        notice: r.try_get("notice")?,
        level: decode::code(&r.try_get::<String, _>("level")?, "projects.level", Level::from_code)?,
        province_code: r.try_get("province_code")?,
        unit_id: r.try_get("unit_id")?,
        unit_name: r.try_get("unit_name")?,
        leader_name: r.try_get("leader_name")?,
        name: r.try_get("name")?,
        subject_secondary: r.try_get("subject_secondary")?,
        subject_tertiary: r.try_get("subject_tertiary")?,
        kind: decode::code(&r.try_get::<String, _>("kind")?, "projects.kind", ProjectKind::from_code)?,
        delivery: decode::code(&r.try_get::<String, _>("delivery")?, "projects.delivery", Delivery::from_code)?,
        credits: decode::tenths(r.try_get("credits")?, "projects.credits", Credits::from_tenths)?,
        hours: r
            .try_get::<Option<i64>, _>("hours")?
            .map(|h| decode::tenths(h, "projects.hours", Hours::from_tenths))
            .transpose()?,
        audience: r.try_get("audience")?,
        planned_enrollment: decode::int(r, "planned_enrollment", "projects.planned_enrollment")?,
        enrollment_note: r.try_get("enrollment_note")?,
        remarks: r.try_get("remarks")?,
        first_day: decode::date(&r.try_get::<String, _>("first_day")?, "projects.first_day")?,
        last_day: decode::date(&r.try_get::<String, _>("last_day")?, "projects.last_day")?,
        periods: periods_of(r)?,
        suspension: reason.zip(at).map(|(reason, at)| Suspension { reason, at }),
    })
}
