//! Published projects (公布的项目): numbered in batches, searchable by anyone, imported and exported as published lists.
//!
//! A batch (年度, 批次, 文号) collects projects; publishing it numbers every project that has no
//! number yet, from `project_number_sequences`, which only ever increase: a number is never
//! reused or changed, and publishing twice numbers nothing twice. Imported lists arrive already
//! numbered; their serials raise the sequences so later publications continue after them.
//! Leaders' phones are kept encrypted and never leave this module in clear.

use chrono::NaiveDate;
use jijiao_domain::org::{Delivery, Level};
use jijiao_domain::publication::{self, ProjectKind};
use jijiao_domain::review::workflow::Status;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::{BTreeMap, HashMap};

use crate::applications::ApplicationId;
use crate::audit::{Actor, Change, append};
use crate::catalogue_search;
use crate::sql::{Bind, Filter, escape_like, placeholders, value_rows};
use crate::{Backend, Page, PageRequest, Result, Store, StoreError, now_millis};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct BatchId(pub i64);

/// A batch to create: who publishes (the national office, or a province) and its notice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewBatch {
    pub level: Level,
    /// The publishing province of a provincial batch.
    pub province_code: Option<String>,
    pub year: u16,
    pub batch: u16,
    pub notice: String,
    pub notice_date: Option<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Batch {
    pub id: BatchId,
    pub level: Level,
    pub province_code: Option<String>,
    pub year: u16,
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
    pub credits: i64,
    pub hours: Option<i64>,
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
    pub year: u16,
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
    pub credits: i64,
    pub hours: Option<i64>,
    pub audience: String,
    pub planned_enrollment: u32,
    pub enrollment_note: String,
    pub remarks: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub periods: Vec<ProjectPeriod>,
    pub suspension: Option<Suspension>,
}

/// How the catalogue orders its results.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProjectSort {
    /// By number (year, subject, serial).
    #[default]
    Number,
    /// Soonest first day first.
    Date,
    /// Newest year first.
    Newest,
}

/// The catalogue's filters; every field narrows. Only numbered (published) projects unless
/// `batch_id` is given (a batch's own page shows its unnumbered drafts too).
#[derive(Clone, Debug, Default)]
pub struct ProjectFilter {
    /// Words of the name, unit, leader or number; every word must match.
    pub q: Option<String>,
    pub year: Option<u16>,
    pub batch: Option<u16>,
    pub batch_id: Option<BatchId>,
    /// `SS` or `SS-TT`.
    pub subject: Option<String>,
    pub province_code: Option<String>,
    pub level: Option<Level>,
    pub kind: Option<ProjectKind>,
    pub delivery: Option<Delivery>,
    /// Projects held (at least partly) on or after this day…
    pub from: Option<NaiveDate>,
    /// …and on or before this one.
    pub to: Option<NaiveDate>,
    pub unit_name: Option<String>,
    pub sort: ProjectSort,
}

/// What an import did (or, in a dry run, would do).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    pub batch_id: BatchId,
    pub projects: usize,
}

const COLUMNS: &str = "p.id, p.batch_id, p.number, p.year, b.batch, b.notice, p.level, p.province_code, p.unit_id, p.unit_name, p.leader_name, p.name, p.subject_secondary, p.subject_tertiary, p.kind, p.delivery, p.credits, p.hours, p.audience, p.planned_enrollment, p.enrollment_note, p.remarks, p.first_day, p.last_day, s.reason AS suspension_reason, s.at AS suspension_at";
const FROM: &str = "projects p JOIN publication_batches b ON b.id = p.batch_id LEFT JOIN project_suspensions s ON s.id = p.suspension_id";
/// What a catalogue row joins, after the `FROM` of [`catalogue_sql`].
const JOINS: &str =
    " JOIN publication_batches b ON b.id = p.batch_id LEFT JOIN project_suspensions s ON s.id = p.suspension_id";
const BATCH_COLUMNS: &str = "b.id, b.level, b.province_code, b.year, b.batch, b.notice, b.notice_date, b.published_at, (SELECT CAST(COUNT(*) AS BIGINT) FROM projects p WHERE p.batch_id = b.id) AS projects, (SELECT CAST(COUNT(*) AS BIGINT) FROM projects p WHERE p.batch_id = b.id AND p.number IS NOT NULL) AS numbered";
/// The public catalogue counts matches up to this many and then says "more than" (`Page::capped`):
/// an exact count of a common word over 200,000 projects reads tens of thousands of rows per
/// page, and nobody pages through more than this; they narrow the search or download it.
pub const COUNT_CAP: i64 = 1_000;
/// Rows per multi-row INSERT: well under both backends' parameter limits.
const CHUNK: usize = 200;

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_date(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| StoreError::Invalid(format!("数据库中的日期“{text}”无法识别")))
}

fn scope_of(level: Level, province: Option<&str>) -> Result<String> {
    match (level, province) {
        (Level::National, _) => Ok(String::new()),
        (Level::Provincial, Some(p)) => Ok(p.to_string()),
        (Level::Provincial, None) => Err(StoreError::Invalid("省级批次须指明省份".into())),
        (Level::District, _) => Err(StoreError::Invalid("区级项目不分批公布".into())),
    }
}

fn search_text(p: &NewProject, number: Option<&str>) -> String {
    format!("{} {} {} {}", p.name.trim(), p.unit_name.trim(), p.leader_name.trim(), number.unwrap_or(""))
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
    pub async fn create_batch(&self, actor: &Actor, new: &NewBatch) -> Result<BatchId> {
        let scope = scope_of(new.level, new.province_code.as_deref())?;
        let mut tx = self.begin_write().await?;
        let id = insert_batch(&mut tx, new, &scope).await?;
        let change = Change {
            action: "batch.create",
            object_type: "publication_batch",
            object_id: id.to_string(),
            province_code: new.province_code.clone(),
            org_id: None,
            before: None,
            after: Some(
                serde_json::json!({ "level": new.level, "year": new.year, "batch": new.batch, "notice": new.notice }),
            ),
        };
        append(self, &mut tx, actor, &change).await?;
        tx.commit().await?;
        Ok(BatchId(id))
    }

    pub async fn batch(&self, id: BatchId) -> Result<Batch> {
        let row = sqlx::query(&format!("SELECT {BATCH_COLUMNS} FROM publication_batches b WHERE b.id = $1"))
            .bind(id.0)
            .fetch_one(&self.pool)
            .await?;
        batch_from_row(&row)
    }

    /// Batches, newest first: the national ones and those of `province` (every province's when `None`).
    pub async fn batches(&self, level: Option<Level>, province: Option<&str>) -> Result<Vec<Batch>> {
        let mut f = Filter::default();
        if let Some(l) = level {
            f.and("b.level = ?", [Bind::Text(l.code().into())]);
        }
        if let Some(p) = province {
            f.and("b.province_code = ?", [Bind::Text(p.into())]);
        }
        let sql = format!(
            "SELECT {BATCH_COLUMNS} FROM publication_batches b{} ORDER BY b.year DESC, b.level, b.province_code, b.batch DESC",
            f.where_sql()
        );
        f.query(&sql).fetch_all(&self.pool).await?.iter().map(batch_from_row).collect()
    }

    /// Approved applications of the batch's year and level (and province) not yet in any batch.
    pub async fn publishable_applications(
        &self,
        batch: &Batch,
    ) -> Result<Vec<(ApplicationId, String, String, String)>> {
        let mut f = Filter::default();
        f.and("a.status = ?", [Bind::Text(Status::Approved.code().into())])
            .and("a.year = ?", [Bind::Int(i64::from(batch.year))])
            .and("a.level = ?", [Bind::Text(batch.level.code().into())])
            .and("NOT EXISTS (SELECT 1 FROM projects p WHERE p.application_id = a.id)", []);
        if let Some(p) = &batch.province_code {
            f.and("a.province_code = ?", [Bind::Text(p.clone())]);
        }
        let sql = format!(
            "SELECT a.id, a.name, o.name AS unit_name, a.subject_tertiary FROM applications a JOIN organisations o ON o.id = a.unit_id{} ORDER BY a.subject_tertiary, a.id",
            f.where_sql()
        );
        let rows = f.query(&sql).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok((
                    ApplicationId(r.try_get("id")?),
                    r.try_get("name")?,
                    r.try_get("unit_name")?,
                    r.try_get("subject_tertiary")?,
                ))
            })
            .collect()
    }

    /// Adds approved applications to a batch as projects awaiting their numbers. Each must be
    /// approved, of the batch's year, level and province, and not in a batch already.
    pub async fn add_applications(&self, actor: &Actor, batch_id: BatchId, ids: &[ApplicationId]) -> Result<usize> {
        let batch = self.batch(batch_id).await?;
        let mut projects = Vec::with_capacity(ids.len());
        for id in ids {
            let app = self.application(*id).await?;
            let s = &app.summary;
            if s.status != Status::Approved {
                return Err(StoreError::Invalid(format!("申报书“{}”尚未批准，不能公布", s.name)));
            }
            if s.year != batch.year || s.level != batch.level {
                return Err(StoreError::Invalid(format!("申报书“{}”的年度或级别与批次不符", s.name)));
            }
            if batch.province_code.as_ref().is_some_and(|p| *p != s.province_code) {
                return Err(StoreError::Invalid(format!("申报书“{}”不属于本省", s.name)));
            }
            let doc = &app.document;
            projects.push(NewProject {
                number: None,
                application_id: Some(*id),
                name: doc.name.trim().to_string(),
                unit_name: s.unit_name.clone(),
                unit_id: Some(s.unit_id),
                province_code: Some(s.province_code.clone()),
                leader_name: s.leader_name.clone(),
                leader_phone: None,
                subject_tertiary: s.subject_tertiary.clone(),
                kind: match doc.kind {
                    jijiao_domain::review::ProjectKind::Recommended => ProjectKind::Recommended,
                    jijiao_domain::review::ProjectKind::Promoted => ProjectKind::Promoted,
                },
                delivery: doc.delivery,
                credits: doc.credits.tenths(),
                hours: Some(doc.total_hours.tenths()),
                periods: doc
                    .periods
                    .iter()
                    .map(|p| ProjectPeriod { start: p.start, end: p.end, place: p.place.clone() })
                    .collect(),
                audience: doc.audience.clone(),
                planned_enrollment: doc.planned_enrollment,
                enrollment_note: String::new(),
                remarks: String::new(),
            });
        }
        let mut tx = self.begin_write().await?;
        for p in &projects {
            if let Err(e) = p.validate() {
                return Err(StoreError::Invalid(e));
            }
        }
        insert_projects(self, &mut tx, &batch, &projects).await?;
        let change = Change {
            action: "batch.add_applications",
            object_type: "publication_batch",
            object_id: batch_id.0.to_string(),
            province_code: batch.province_code.clone(),
            org_id: None,
            before: None,
            after: Some(serde_json::json!({ "applications": ids })),
        };
        append(self, &mut tx, actor, &change).await?;
        tx.commit().await?;
        Ok(projects.len())
    }

    /// Publishes a batch: numbers every project of it that has no number, in subject order, and
    /// marks the batch published. Returns how many were numbered now (0 the second time).
    pub async fn publish_batch(&self, actor: &Actor, batch_id: BatchId) -> Result<usize> {
        let batch = self.batch(batch_id).await?;
        let scope = scope_of(batch.level, batch.province_code.as_deref())?;
        let (pattern, mark) = match (&batch.level, &batch.province_code) {
            (Level::Provincial, Some(code)) => {
                let pattern = self
                    .setting(&pattern_key(code))
                    .await?
                    .unwrap_or_else(|| publication::DEFAULT_PROVINCIAL_PATTERN.to_string());
                let abbreviation = jijiao_domain::province::by_code(code).map_or("", |p| p.abbreviation);
                (pattern, abbreviation.to_string())
            }
            _ => ("YYYY-SS-TT-NNN（国）".to_string(), publication::NATIONAL_MARK.to_string()),
        };
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(
            "SELECT id, subject_secondary, subject_tertiary, name, unit_name, leader_name, province_code, kind, delivery FROM projects WHERE batch_id = $1 AND number IS NULL ORDER BY subject_tertiary, id",
        )
        .bind(batch_id.0)
        .fetch_all(&mut *tx)
        .await?;
        // id, tertiary subject, search text without the number, and (province, kind, delivery).
        type Unnumbered = (i64, String, String, (Option<String>, String, String));
        let mut by_key: BTreeMap<String, Vec<Unnumbered>> = BTreeMap::new();
        for r in &rows {
            let secondary: String = r.try_get("subject_secondary")?;
            let tertiary: String = r.try_get("subject_tertiary")?;
            let text = format!(
                "{} {} {}",
                r.try_get::<String, _>("name")?,
                r.try_get::<String, _>("unit_name")?,
                r.try_get::<String, _>("leader_name")?
            );
            by_key.entry(publication::sequence_key(&pattern, &secondary, &tertiary)).or_default().push((
                r.try_get("id")?,
                tertiary,
                text,
                (r.try_get("province_code")?, r.try_get("kind")?, r.try_get("delivery")?),
            ));
        }
        let year = i64::from(batch.year);
        let mut numbered = 0;
        let mut documents = Vec::new();
        for (key, projects) in &by_key {
            let last = reserve(&mut tx, year, &scope, key, projects.len() as i64).await?;
            let first = last - projects.len() as i64 + 1;
            for (offset, (id, tertiary, text, (province, kind, delivery))) in projects.iter().enumerate() {
                let serial = u32::try_from(first + offset as i64).unwrap_or(u32::MAX);
                let number = publication::format_pattern(&pattern, batch.year, tertiary, serial, &mark);
                let text = format!("{text} {number}");
                let done =
                    sqlx::query("UPDATE projects SET number = $2, search_text = $3 WHERE id = $1 AND number IS NULL")
                        .bind(id)
                        .bind(&number)
                        .bind(&text)
                        .execute(&mut *tx)
                        .await?;
                if done.rows_affected() == 1 && self.backend == Backend::Sqlite {
                    let facets = catalogue_search::Facets {
                        year: batch.year,
                        batch: batch.batch,
                        subject_tertiary: tertiary,
                        province_code: province.as_deref(),
                        level: batch.level.code(),
                        kind,
                        delivery,
                    };
                    documents.push((*id, catalogue_search::sqlite_document(&text, &facets)));
                }
                numbered += done.rows_affected() as usize;
            }
        }
        let counts = catalogue_search::trigram_counts(documents.iter().map(|(_, d)| d.as_str()));
        index_words(&mut tx, &documents, &counts).await?;
        sqlx::query("UPDATE publication_batches SET published_at = COALESCE(published_at, $2) WHERE id = $1")
            .bind(batch_id.0)
            .bind(now_millis())
            .execute(&mut *tx)
            .await?;
        let change = Change {
            action: "batch.publish",
            object_type: "publication_batch",
            object_id: batch_id.0.to_string(),
            province_code: batch.province_code.clone(),
            org_id: None,
            before: Some(serde_json::json!({ "numbered": batch.numbered })),
            after: Some(serde_json::json!({ "numbered_now": numbered, "title": batch.title() })),
        };
        append(self, &mut tx, actor, &change).await?;
        tx.commit().await?;
        Ok(numbered)
    }

    /// Every unit on record: name → (id, province), so an imported list links its units.
    pub async fn unit_directory(&self) -> Result<HashMap<String, (i64, Option<String>)>> {
        let rows = sqlx::query("SELECT id, name, province_code FROM organisations WHERE kind = 'unit'")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get::<String, _>("name")?, (r.try_get("id")?, r.try_get("province_code")?))))
            .collect()
    }

    /// Numbers (canonical) among `numbers` that already exist.
    pub async fn existing_numbers(&self, numbers: &[String]) -> Result<Vec<String>> {
        let mut found = Vec::new();
        for chunk in numbers.chunks(500) {
            let sql = format!(
                "SELECT number FROM projects WHERE number IN ({})",
                placeholders(self.backend, 1, chunk.len()).join(", ")
            );
            let mut q = sqlx::query_scalar::<_, String>(&sql);
            for n in chunk {
                q = q.bind(n);
            }
            found.extend(q.fetch_all(&self.pool).await?);
        }
        Ok(found)
    }

    /// Stores a published list, all or nothing: the batch (created, or the existing one of that
    /// year and number) is marked published and every project keeps the number of the list.
    /// Serials raise the number sequences, so later publications never reuse them.
    pub async fn import_projects(
        &self,
        actor: &Actor,
        batch: &NewBatch,
        projects: &[NewProject],
    ) -> Result<ImportOutcome> {
        for (i, p) in projects.iter().enumerate() {
            p.validate().map_err(|e| StoreError::Invalid(format!("第{}个项目：{e}", i + 1)))?;
            if p.number.is_none() {
                return Err(StoreError::Invalid(format!("第{}个项目没有项目编号", i + 1)));
            }
        }
        let scope = scope_of(batch.level, batch.province_code.as_deref())?;
        let mut tx = self.begin_write().await?;
        let existing: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM publication_batches WHERE level = $1 AND scope = $2 AND year = $3 AND batch = $4",
        )
        .bind(batch.level.code())
        .bind(&scope)
        .bind(i64::from(batch.year))
        .bind(i64::from(batch.batch))
        .fetch_optional(&mut *tx)
        .await?;
        let id = match existing {
            Some(id) => id,
            None => insert_batch(&mut tx, batch, &scope).await?,
        };
        sqlx::query(
            "UPDATE publication_batches SET published_at = COALESCE(published_at, $2), notice = CASE WHEN notice = '' THEN $3 ELSE notice END WHERE id = $1",
        )
        .bind(id)
        .bind(now_millis())
        .bind(batch.notice.trim())
        .execute(&mut *tx)
        .await?;
        let stored = self.batch_in(&mut tx, BatchId(id)).await?;
        insert_projects(self, &mut tx, &stored, projects).await?;
        // Raise the sequences to the largest imported serial of each key.
        let mut highest: HashMap<(i64, String), i64> = HashMap::new();
        for p in projects {
            let Some(number) = &p.number else { continue };
            if let Ok(n) = publication::ProjectNumber::parse(number, None) {
                let entry = highest.entry((i64::from(n.year), n.subject())).or_default();
                *entry = (*entry).max(i64::from(n.serial));
            }
        }
        for ((year, key), serial) in &highest {
            sqlx::query(
                "INSERT INTO project_number_sequences (year, scope, sequence_key, last_serial) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (year, scope, sequence_key) DO UPDATE SET last_serial = CASE WHEN project_number_sequences.last_serial > excluded.last_serial THEN project_number_sequences.last_serial ELSE excluded.last_serial END",
            )
            .bind(year)
            .bind(&scope)
            .bind(key)
            .bind(serial)
            .execute(&mut *tx)
            .await?;
        }
        let change = Change {
            action: "projects.import",
            object_type: "publication_batch",
            object_id: id.to_string(),
            province_code: batch.province_code.clone(),
            org_id: None,
            before: None,
            after: Some(serde_json::json!({ "year": batch.year, "batch": batch.batch, "projects": projects.len() })),
        };
        append(self, &mut tx, actor, &change).await?;
        tx.commit().await?;
        if self.backend == Backend::Postgres {
            // A list is up to tens of thousands of rows at once: PostgreSQL's statistics are
            // brought up to date now rather than when autovacuum comes round, as without them it
            // took a common word for a rare one and sorted every project for one catalogue page
            // (120 ms instead of 12). SQLite's pages follow the index named for them.
            sqlx::query("ANALYZE projects").execute(&self.pool).await?;
        }
        Ok(ImportOutcome { batch_id: BatchId(id), projects: projects.len() })
    }

    async fn batch_in(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>, id: BatchId) -> Result<Batch> {
        let row = sqlx::query(&format!("SELECT {BATCH_COLUMNS} FROM publication_batches b WHERE b.id = $1"))
            .bind(id.0)
            .fetch_one(&mut **tx)
            .await?;
        batch_from_row(&row)
    }

    /// Suspends every published project of a unit (by the unit's name as published), with a
    /// reason shown publicly. Returns how many projects it covered.
    pub async fn suspend_unit_projects(&self, actor: &Actor, unit_name: &str, reason: &str) -> Result<usize> {
        let (unit_name, reason) = (unit_name.trim(), reason.trim());
        if reason.is_empty() {
            return Err(StoreError::Invalid("请填写暂停原因（将公开显示）".into()));
        }
        let mut tx = self.begin_write().await?;
        let count: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM projects WHERE unit_name = $1 AND number IS NOT NULL AND suspension_id IS NULL",
        )
        .bind(unit_name)
        .fetch_one(&mut *tx)
        .await?;
        if count == 0 {
            return Err(StoreError::Invalid(format!("“{unit_name}”没有可暂停的已公布项目")));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO project_suspensions (unit_name, reason, projects, account_id, actor, at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(unit_name)
        .bind(reason)
        .bind(count)
        .bind(actor.account_id)
        .bind(&actor.name)
        .bind(now_millis())
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE projects SET suspension_id = $2 WHERE unit_name = $1 AND number IS NOT NULL AND suspension_id IS NULL",
        )
        .bind(unit_name)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let change = Change {
            action: "projects.suspend",
            object_type: "project_suspension",
            object_id: id.to_string(),
            province_code: None,
            org_id: None,
            before: None,
            after: Some(serde_json::json!({ "unit": unit_name, "reason": reason, "projects": count })),
        };
        append(self, &mut tx, actor, &change).await?;
        tx.commit().await?;
        Ok(usize::try_from(count).unwrap_or(0))
    }

    /// The catalogue: a page of projects matching the filter, counted up to [`COUNT_CAP`].
    ///
    /// The count comes first, through the word index, and brings the ids it found: at most
    /// `COUNT_CAP` matches are then read by id and sorted, without searching a second time; more
    /// than that are dense enough that walking the index of the page's order finds a page of them
    /// soon, with nothing sorted.
    pub async fn projects(&self, filter: &ProjectFilter, page: PageRequest) -> Result<Page<Project>> {
        // One connection for the whole search (its plan, count and page), not one per statement:
        // under load each statement otherwise queued for a connection again, so a search's time
        // grew with its number of statements (2 to 4) rather than with its work. At 32 users a
        // search of a long word waited three times where a filter waited twice (BENCHMARKS.md,
        // issue 6, fourth session).
        let mut conn = self.pool.acquire().await?;
        let plan = self.search_plan(&mut conn, filter).await?;
        let ids_of = match self.backend {
            Backend::Sqlite => "group_concat(id)",
            Backend::Postgres => "string_agg(CAST(id AS TEXT), ',')",
        };
        let (matches, f) = match exact_in_index(filter, &plan) {
            // The index alone answers: no row is read to count.
            Some(query) => {
                let mut f = Filter::default();
                f.and("project_search MATCH ?", [Bind::Text(query)]);
                ("rowid AS id FROM project_search".to_string(), f)
            }
            None => {
                let (from, f) = catalogue_sql(filter, &plan, Access::Narrow);
                (format!("p.id FROM {from}"), f)
            }
        };
        let found = f
            .query(&format!(
                "SELECT CAST(COUNT(*) AS BIGINT) AS n, {ids_of} AS ids FROM (SELECT {matches}{} LIMIT {}) found",
                f.where_sql(),
                COUNT_CAP + 1
            ))
            .fetch_one(&mut *conn)
            .await?;
        let counted: i64 = found.try_get("n")?;
        let capped = counted > COUNT_CAP;
        let total = counted.min(COUNT_CAP);
        let mut items = Vec::new();
        if capped || page.offset() < total {
            let (from, f) = if capped {
                // Walking in order is only quick when matches are spread along the order; a date
                // range gathers them in one stretch of years, which its own index reaches directly.
                let dated = filter.from.is_some() || filter.to.is_some();
                let access = if !dated || filter.sort == ProjectSort::Date { Access::InOrder } else { Access::Narrow };
                catalogue_sql(filter, &plan, access)
            } else {
                // Every match's id is known: the page is read by id.
                let ids: String = found.try_get::<Option<String>, _>("ids")?.unwrap_or_default();
                let among = match self.backend {
                    Backend::Sqlite => "p.id IN (SELECT value FROM json_each('[' || ? || ']'))",
                    Backend::Postgres => "p.id = ANY(CAST(string_to_array(?, ',') AS BIGINT[]))",
                };
                let mut f = Filter::default();
                f.and(among, [Bind::Text(ids)]);
                ("projects p".to_string(), f)
            };
            // The page's ids are chosen first and its rows read after: sorting the matches then
            // carries their order's columns only, not every column of every match.
            let (n, order) = (f.next_placeholder(), order_by(filter.sort));
            let sql = format!(
                "SELECT {} FROM {FROM} WHERE p.id IN (SELECT p.id FROM {from}{} ORDER BY {order} LIMIT ${n} OFFSET ${}) ORDER BY {order}",
                project_columns(self.backend),
                f.where_sql(),
                n + 1
            );
            let rows = f.query(&sql).bind(page.limit()).bind(page.offset()).fetch_all(&mut *conn).await?;
            items = rows.iter().map(project_from_row).collect::<Result<Vec<_>>>()?;
        }
        Ok(Page { items, total, capped, page: page.page, per_page: page.per_page })
    }

    /// Every project matching the filter, in order, at most `limit` (downloads and batch exports).
    pub async fn project_list(&self, filter: &ProjectFilter, limit: i64) -> Result<Vec<Project>> {
        let mut conn = self.pool.acquire().await?;
        let plan = self.search_plan(&mut conn, filter).await?;
        let (from, f) = catalogue_sql(filter, &plan, Access::Narrow);
        let n = f.next_placeholder();
        let sql = format!(
            "SELECT {} FROM {from}{JOINS}{} ORDER BY {} LIMIT ${n}",
            project_columns(self.backend),
            f.where_sql(),
            order_by(filter.sort)
        );
        let rows = f.query(&sql).bind(limit).fetch_all(&mut *conn).await?;
        rows.iter().map(project_from_row).collect()
    }

    /// What a search needs from the database before its SQL is written: the bound of a date range
    /// and, on SQLite, which tokens each word looks up.
    async fn search_plan(&self, conn: &mut sqlx::AnyConnection, filter: &ProjectFilter) -> Result<SearchPlan> {
        // For a search from a day: the earliest first day a project held on or after it can have
        // (the day less the longest span on record; `span_days` is indexed: one lookup).
        let earliest_start = match filter.from {
            None => None,
            Some(from) => {
                let longest: i64 =
                    sqlx::query_scalar("SELECT CAST(COALESCE(MAX(span_days), 0) AS BIGINT) FROM projects")
                        .fetch_one(&mut *conn)
                        .await?;
                from.checked_sub_days(chrono::Days::new(u64::try_from(longest).unwrap_or(0)))
            }
        };
        let mut word_queries = Vec::new();
        if self.backend == Backend::Sqlite {
            let words: Vec<Vec<String>> = words_of(filter).into_iter().map(catalogue_search::sqlite_terms).collect();
            // How many published projects hold each trigram of the longer words, all words in one
            // statement. A term no published project holds counts 0: its word then finds nothing.
            let looked_up: Vec<&String> = words.iter().filter(|terms| terms.len() > 1).flatten().collect();
            let mut docs: HashMap<String, i64> = HashMap::new();
            if !looked_up.is_empty() {
                let sql = format!(
                    "SELECT term, docs FROM project_search_terms WHERE term IN ({})",
                    placeholders(self.backend, 1, looked_up.len()).join(", ")
                );
                let mut q = sqlx::query(&sql);
                for t in looked_up {
                    q = q.bind(t);
                }
                for r in q.fetch_all(&mut *conn).await? {
                    docs.insert(r.try_get("term")?, r.try_get("docs")?);
                }
            }
            for mut terms in words {
                if terms.len() > 1 {
                    let counted = terms.into_iter().map(|t| {
                        let n = docs.get(&t).copied().unwrap_or(0);
                        (t, n)
                    });
                    terms = catalogue_search::rarest(counted.collect());
                }
                word_queries.push(catalogue_search::sqlite_all(&terms));
            }
        }
        Ok(SearchPlan { backend: self.backend, earliest_start, word_queries })
    }

    /// One published project by its number (as printed: brackets and spaces are normalised).
    pub async fn project_by_number(&self, number: &str) -> Result<Project> {
        let canonical = publication::ProjectNumber::parse(number, None)
            .map(|n| n.text())
            .unwrap_or_else(|_| number.trim().to_string());
        let sql = format!("SELECT {} FROM {FROM} WHERE p.number = $1", project_columns(self.backend));
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

async fn insert_batch(tx: &mut sqlx::Transaction<'_, sqlx::Any>, new: &NewBatch, scope: &str) -> Result<i64> {
    if !(1990..=2100).contains(&new.year) || new.batch == 0 {
        return Err(StoreError::Invalid("年度或批次不合理".into()));
    }
    let id: std::result::Result<i64, StoreError> = sqlx::query_scalar(
        "INSERT INTO publication_batches (level, province_code, scope, year, batch, notice, notice_date, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(new.level.code())
    .bind(new.province_code.as_deref())
    .bind(scope)
    .bind(i64::from(new.year))
    .bind(i64::from(new.batch))
    .bind(new.notice.trim())
    .bind(new.notice_date.map(date_text))
    .bind(now_millis())
    .fetch_one(&mut **tx)
    .await
    .map_err(StoreError::from);
    id.map_err(|e| match e {
        StoreError::Conflict(_) => StoreError::Conflict(format!("{}年第{}批已存在", new.year, new.batch)),
        other => other,
    })
}

/// Reserves `count` serials of a sequence; returns the last one reserved.
async fn reserve(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    year: i64,
    scope: &str,
    key: &str,
    count: i64,
) -> Result<i64> {
    sqlx::query(
        "INSERT INTO project_number_sequences (year, scope, sequence_key, last_serial) VALUES ($1, $2, $3, 0) ON CONFLICT (year, scope, sequence_key) DO NOTHING",
    )
    .bind(year)
    .bind(scope)
    .bind(key)
    .execute(&mut **tx)
    .await?;
    Ok(sqlx::query_scalar(
        "UPDATE project_number_sequences SET last_serial = last_serial + $4 WHERE year = $1 AND scope = $2 AND sequence_key = $3 RETURNING last_serial",
    )
    .bind(year)
    .bind(scope)
    .bind(key)
    .bind(count)
    .fetch_one(&mut **tx)
    .await?)
}

/// Inserts projects and their periods in multi-row statements (a 20,000-row list in seconds).
async fn insert_projects(
    store: &Store,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    batch: &Batch,
    projects: &[NewProject],
) -> Result<()> {
    const COLS: usize = 26;
    let now = now_millis();
    // The word index's documents are built on another thread while the rows go in (only storing
    // them needs the rows' ids): building 20,000 of them took a sixth of an import's save.
    let documents = (store.backend == Backend::Sqlite).then(|| {
        let (year, batch_number, level) = (batch.year, batch.batch, batch.level.code());
        let inputs: Vec<_> = projects
            .iter()
            .map(|p| {
                let text = p.number.as_deref().map(|number| search_text(p, Some(number)));
                (text, p.subject_tertiary.clone(), p.province_code.clone(), p.kind.code(), p.delivery.code())
            })
            .collect();
        tokio::task::spawn_blocking(move || {
            let documents: Vec<Option<String>> = inputs
                .iter()
                .map(|(text, tertiary, province, kind, delivery)| {
                    let facets = catalogue_search::Facets {
                        year,
                        batch: batch_number,
                        subject_tertiary: tertiary,
                        province_code: province.as_deref(),
                        level,
                        kind,
                        delivery,
                    };
                    text.as_deref().map(|text| catalogue_search::sqlite_document(text, &facets))
                })
                .collect();
            let counts = catalogue_search::trigram_counts(documents.iter().flatten().map(String::as_str));
            (documents, counts)
        })
    });
    let mut ids: Vec<i64> = Vec::with_capacity(projects.len());
    for chunk in projects.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO projects (batch_id, application_id, number, year, level, province_code, unit_id, unit_name, leader_name, leader_phone_enc, name, subject_secondary, subject_tertiary, kind, delivery, credits, hours, audience, planned_enrollment, enrollment_note, remarks, first_day, last_day, span_days, search_text, created_at) VALUES {} RETURNING id",
            value_rows(store.backend, chunk.len(), COLS)
        );
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for p in chunk {
            let (first, last) = p.days();
            let secondary = p.subject_tertiary.get(..2).unwrap_or("").to_string();
            q = q
                .bind(batch.id.0)
                .bind(p.application_id.map(|a| a.0))
                .bind(p.number.clone())
                .bind(i64::from(batch.year))
                .bind(batch.level.code())
                .bind(p.province_code.clone())
                .bind(p.unit_id)
                .bind(p.unit_name.trim().to_string())
                .bind(p.leader_name.trim().to_string())
                .bind(p.leader_phone.as_deref().filter(|t| !t.trim().is_empty()).map(|t| store.vault.encrypt(t.trim())))
                .bind(p.name.trim().to_string())
                .bind(secondary)
                .bind(p.subject_tertiary.clone())
                .bind(p.kind.code())
                .bind(p.delivery.code())
                .bind(p.credits)
                .bind(p.hours)
                .bind(p.audience.trim().to_string())
                .bind(i64::from(p.planned_enrollment))
                .bind(p.enrollment_note.trim().to_string())
                .bind(p.remarks.trim().to_string())
                .bind(date_text(first))
                .bind(date_text(last))
                .bind((last - first).num_days())
                .bind(search_text(p, p.number.as_deref()))
                .bind(now);
        }
        let returned = q.fetch_all(&mut **tx).await.map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict("项目编号或申报书已公布过".into()),
            other => other,
        })?;
        ids.extend(returned);
    }
    if ids.len() != projects.len() {
        return Err(StoreError::Invalid("项目写入数量不符".into()));
    }
    if let Some(documents) = documents {
        let (documents, counts) = documents.await.map_err(|e| StoreError::Invalid(format!("检索索引生成失败：{e}")))?;
        let documents: Vec<(i64, String)> =
            ids.iter().zip(documents).filter_map(|(id, document)| Some((*id, document?))).collect();
        index_words(tx, &documents, &counts).await?;
    }
    let periods: Vec<(i64, usize, &ProjectPeriod)> = projects
        .iter()
        .zip(&ids)
        .flat_map(|(p, id)| p.periods.iter().enumerate().map(move |(i, period)| (*id, i, period)))
        .collect();
    for chunk in periods.chunks(CHUNK * 2) {
        let sql = format!(
            "INSERT INTO project_periods (project_id, position, start_date, end_date, place) VALUES {}",
            value_rows(store.backend, chunk.len(), 5)
        );
        let mut q = sqlx::query(&sql);
        for (id, position, period) in chunk {
            q = q
                .bind(*id)
                .bind(*position as i64)
                .bind(date_text(period.start))
                .bind(date_text(period.end))
                .bind(period.place.trim().to_string());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Adds numbered projects (id, [`catalogue_search::sqlite_document`]) to SQLite's word index, with
/// their [`catalogue_search::trigram_counts`]; PostgreSQL indexes `search_text` itself.
///
/// All documents reach the index in one statement: FTS5 writes what it has gathered to disk at
/// the end of every statement (a savepoint), so a list inserted 400 rows at a time left 50 small
/// segments to merge. They are first staged in a temporary table by ordinary multi-row inserts:
/// passed as one JSON array instead (25 MB for 20,000 projects, each element parsed again for its
/// two fields), the same statement took 280–300 ms where staging and moving take 175
/// (BENCHMARKS.md, issue 6, fourth session). The table is made and dropped inside the caller's
/// transaction, so a failed import leaves none on the pooled connection.
async fn index_words(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    documents: &[(i64, String)],
    trigram_counts: &[(String, i64)],
) -> Result<()> {
    if documents.is_empty() {
        return Ok(());
    }
    sqlx::query("CREATE TEMP TABLE words_staged (id INTEGER PRIMARY KEY, terms TEXT NOT NULL)")
        .execute(&mut **tx)
        .await?;
    for chunk in documents.chunks(CHUNK * 5) {
        let sql =
            format!("INSERT INTO temp.words_staged (id, terms) VALUES {}", value_rows(Backend::Sqlite, chunk.len(), 2));
        let mut q = sqlx::query(&sql);
        for (id, terms) in chunk {
            q = q.bind(*id).bind(terms.as_str());
        }
        q.execute(&mut **tx).await?;
    }
    sqlx::query("INSERT INTO project_search (rowid, terms) SELECT id, terms FROM temp.words_staged")
        .execute(&mut **tx)
        .await?;
    sqlx::query("DROP TABLE temp.words_staged").execute(&mut **tx).await?;
    // The trigrams' counts, which pick the rarest trigrams of a search word. `WHERE true` tells
    // SQLite's parser that ON CONFLICT is the upsert, not part of the join.
    sqlx::query(
        "INSERT INTO project_search_terms (term, docs) SELECT value ->> 0, value ->> 1 FROM json_each($1) WHERE true \
         ON CONFLICT (term) DO UPDATE SET docs = project_search_terms.docs + excluded.docs",
    )
    .bind(serde_json::to_string(trigram_counts).map_err(|e| StoreError::Invalid(e.to_string()))?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn order_by(sort: ProjectSort) -> &'static str {
    match sort {
        ProjectSort::Number => "p.year DESC, p.subject_tertiary, p.number, p.id",
        ProjectSort::Date => "p.first_day, p.id",
        ProjectSort::Newest => "p.year DESC, p.batch_id DESC, p.number, p.id",
    }
}

/// How a catalogue query reaches its rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    /// Through the word index for `q` (SQLite joins its FTS table; PostgreSQL adds the GIN
    /// condition) and whatever index the database picks for the rest: counting (which brings the
    /// ids of up to `COUNT_CAP` matches), downloads, and pages of many matches in a date range.
    Narrow,
    /// Along the index of the page's order, checking every row (`LIKE` for words): pages of many
    /// matches. SQLite is told the index (`INDEXED BY`), as its planner cannot know that matches
    /// are dense; PostgreSQL plans this itself.
    InOrder,
}

/// The index a page of `filter` is read along when walking in order (SQLite, migrations 0007–0008).
fn order_index(filter: &ProjectFilter) -> &'static str {
    let subject = filter.subject.as_deref().map(str::trim).filter(|s| !s.is_empty());
    match filter.sort {
        ProjectSort::Number if subject.is_some_and(|s| s.len() != 2) => "projects_tertiary_text",
        ProjectSort::Number if subject.is_some() => "projects_subject_text",
        ProjectSort::Number => "projects_catalogue_text",
        ProjectSort::Date => "projects_date_text",
        ProjectSort::Newest => "projects_newest_text",
    }
}

/// The words of a search: at most five, each of which must occur.
fn words_of(filter: &ProjectFilter) -> Vec<&str> {
    filter.q.as_deref().map(|q| q.split_whitespace().take(5).collect()).unwrap_or_default()
}

/// What [`Store::search_plan`] found out for one search.
struct SearchPlan {
    backend: Backend,
    /// The earliest first day a project held on or after `from` can have.
    earliest_start: Option<NaiveDate>,
    /// SQLite: the FTS5 query of each word (without its common trigrams).
    word_queries: Vec<String>,
}

/// The [`catalogue_search::facet`] tokens of a filter's equality conditions (SQLite's index).
fn sqlite_facets(filter: &ProjectFilter) -> Vec<String> {
    use catalogue_search::facet;
    let mut out = Vec::new();
    out.extend(filter.year.map(|y| facet('y', &y.to_string())));
    out.extend(filter.batch.map(|b| facet('n', &b.to_string())));
    if let Some(s) = filter.subject.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        out.extend(s.get(..2).map(|c| facet('c', c)));
        if s.len() != 2 {
            out.push(facet('s', s));
        }
    }
    out.extend(filter.province_code.as_deref().filter(|p| !p.is_empty()).map(|p| facet('p', p)));
    out.extend(filter.level.map(|l| facet('l', l.code())));
    out.extend(filter.kind.map(|k| facet('k', k.code())));
    out.extend(filter.delivery.map(|d| facet('d', d.code())));
    out
}

/// The full-text query that matches exactly the projects `filter` selects, when SQLite's index
/// holds every condition of it exactly: published projects only, words of one to three characters
/// (their one token, a character, bigram or trigram, is in a text exactly when `LIKE` finds the
/// word, as both fold ASCII case only), and equality filters in their canonical form (token and
/// value then correspond one to one). Longer words look up several trigrams, which every text
/// containing the word has but which a text may have apart, so they, like dates, are still checked
/// on the rows.
fn exact_in_index(filter: &ProjectFilter, plan: &SearchPlan) -> Option<String> {
    if plan.backend != Backend::Sqlite || filter.batch_id.is_some() || filter.unit_name.is_some() {
        return None;
    }
    if filter.from.is_some() || filter.to.is_some() {
        return None;
    }
    if words_of(filter).iter().any(|w| w.chars().count() > 3) {
        return None;
    }
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if let Some(s) = filter.subject.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let canonical = match s.split_once('-') {
            None => s.len() == 2 && digits(s),
            Some((secondary, tertiary)) => {
                secondary.len() == 2 && tertiary.len() == 2 && digits(secondary) && digits(tertiary)
            }
        };
        if !canonical {
            return None;
        }
    }
    if filter.province_code.as_deref().is_some_and(|p| !p.bytes().all(|b| b.is_ascii_alphanumeric())) {
        return None;
    }
    let mut terms = plan.word_queries.clone();
    terms.extend(sqlite_facets(filter).into_iter().map(|t| format!("\"{t}\"")));
    if terms.is_empty() { None } else { Some(terms.join(" AND ")) }
}

/// The `FROM` (without the batch and suspension joins) and the conditions of a catalogue query.
/// Every condition of the plain scan is kept, so the word index only ever narrows.
fn catalogue_sql(filter: &ProjectFilter, plan: &SearchPlan, access: Access) -> (String, Filter) {
    let (backend, earliest_start) = (plan.backend, plan.earliest_start);
    let mut f = Filter::default();
    let words = words_of(filter);
    // The word index holds published projects only; a batch's own page (drafts included) reads
    // its batch through projects_batch and checks the words there.
    let narrowing = filter.batch_id.is_none() && access == Access::Narrow;
    let indexed = narrowing && !words.is_empty();
    let mut from = "projects p".to_string();
    match backend {
        Backend::Sqlite if narrowing => {
            let mut terms = plan.word_queries.clone();
            terms.extend(sqlite_facets(filter).into_iter().map(|t| format!("\"{t}\"")));
            if !terms.is_empty() {
                // CROSS JOIN keeps the index outside: SQLite would otherwise walk another index
                // (the year's, say) and run the full-text query again for every row of it.
                from = "project_search CROSS JOIN projects p ON p.id = project_search.rowid".into();
                f.and("project_search MATCH ?", [Bind::Text(terms.join(" AND "))]);
            }
        }
        Backend::Sqlite if access == Access::InOrder => from = format!("projects p INDEXED BY {}", order_index(filter)),
        _ => {}
    }
    match filter.batch_id {
        Some(b) => {
            f.and("p.batch_id = ?", [Bind::Int(b.0)]);
        }
        None => {
            f.and("p.number IS NOT NULL", []);
        }
    }
    for word in &words {
        if indexed
            && backend == Backend::Postgres
            && let Some(grams) = catalogue_search::postgres_grams(word)
        {
            f.and("p.search_grams @> string_to_array(?, chr(31))", [Bind::Text(grams)]);
        }
        // Every word must occur; a 2-character word such as 肿瘤 is a plain substring match.
        f.and("p.search_text LIKE ? ESCAPE '\\'", [Bind::Text(format!("%{}%", escape_like(word)))]);
    }
    if let Some(y) = filter.year {
        f.and("p.year = ?", [Bind::Int(i64::from(y))]);
    }
    if let Some(b) = filter.batch {
        f.and("p.batch_id IN (SELECT id FROM publication_batches WHERE batch = ?)", [Bind::Int(i64::from(b))]);
    }
    if let Some(s) = filter.subject.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        // The secondary code leads projects_subject_order; a tertiary code (SS-TT) implies it.
        if let Some(secondary) = s.get(..2) {
            f.and("p.subject_secondary = ?", [Bind::Text(secondary.into())]);
        }
        if s.len() != 2 {
            f.and("p.subject_tertiary = ?", [Bind::Text(s.into())]);
        }
    }
    if let Some(p) = filter.province_code.as_deref().filter(|p| !p.is_empty()) {
        f.and("p.province_code = ?", [Bind::Text(p.into())]);
    }
    if let Some(l) = filter.level {
        f.and("p.level = ?", [Bind::Text(l.code().into())]);
    }
    if let Some(k) = filter.kind {
        f.and("p.kind = ?", [Bind::Text(k.code().into())]);
    }
    if let Some(d) = filter.delivery {
        f.and("p.delivery = ?", [Bind::Text(d.code().into())]);
    }
    if let Some(from) = filter.from {
        f.and("p.last_day >= ?", [Bind::Text(date_text(from))]);
        if let Some(earliest) = earliest_start {
            f.and("p.first_day >= ?", [Bind::Text(date_text(earliest))]);
        }
    }
    if let Some(to) = filter.to {
        f.and("p.first_day <= ?", [Bind::Text(date_text(to))]);
    }
    if let Some(u) = filter.unit_name.as_deref().filter(|u| !u.trim().is_empty()) {
        f.and("p.unit_name = ?", [Bind::Text(u.trim().into())]);
    }
    (from, f)
}

fn level_of(code: &str) -> Result<Level> {
    Level::from_code(code).ok_or_else(|| StoreError::Invalid(format!("数据库中的项目级别“{code}”无法识别")))
}

fn batch_from_row(r: &AnyRow) -> Result<Batch> {
    let notice_date: Option<String> = r.try_get("notice_date")?;
    Ok(Batch {
        id: BatchId(r.try_get("id")?),
        level: level_of(&r.try_get::<String, _>("level")?)?,
        province_code: r.try_get("province_code")?,
        year: u16::try_from(r.try_get::<i64, _>("year")?).unwrap_or(0),
        batch: u16::try_from(r.try_get::<i64, _>("batch")?).unwrap_or(0),
        notice: r.try_get("notice")?,
        notice_date: notice_date.as_deref().map(parse_date).transpose()?,
        published_at: r.try_get("published_at")?,
        projects: r.try_get("projects")?,
        numbered: r.try_get("numbered")?,
    })
}

/// What [`project_from_row`] reads: [`COLUMNS`] and the project's periods in their order as one
/// JSON text of `[start, end, place]` triples, read in the project's own statement instead of a
/// second query for the page's projects.
fn project_columns(backend: Backend) -> String {
    let periods = match backend {
        Backend::Sqlite => {
            "(SELECT json_group_array(json_array(pp.start_date, pp.end_date, pp.place) ORDER BY pp.position) FROM project_periods pp WHERE pp.project_id = p.id)"
        }
        Backend::Postgres => {
            "(SELECT CAST(json_agg(json_build_array(pp.start_date, pp.end_date, pp.place) ORDER BY pp.position) AS TEXT) FROM project_periods pp WHERE pp.project_id = p.id)"
        }
    };
    format!("{COLUMNS}, {periods} AS periods")
}

/// The periods of a row of [`project_columns`], in their order.
fn periods_of(r: &AnyRow) -> Result<Vec<ProjectPeriod>> {
    let json: Option<String> = r.try_get("periods")?;
    let triples: Vec<(String, String, String)> = match json.as_deref() {
        None => Vec::new(),
        Some(json) => {
            serde_json::from_str(json).map_err(|e| StoreError::Invalid(format!("数据库中的举办期限无法识别：{e}")))?
        }
    };
    triples
        .into_iter()
        .map(|(start, end, place)| Ok(ProjectPeriod { start: parse_date(&start)?, end: parse_date(&end)?, place }))
        .collect()
}

/// A row of [`project_columns`].
fn project_from_row(r: &AnyRow) -> Result<Project> {
    let kind: String = r.try_get("kind")?;
    let delivery: String = r.try_get("delivery")?;
    let reason: Option<String> = r.try_get("suspension_reason")?;
    let at: Option<i64> = r.try_get("suspension_at")?;
    Ok(Project {
        id: r.try_get("id")?,
        batch_id: BatchId(r.try_get("batch_id")?),
        number: r.try_get("number")?,
        year: u16::try_from(r.try_get::<i64, _>("year")?).unwrap_or(0),
        batch: u16::try_from(r.try_get::<i64, _>("batch")?).unwrap_or(0),
        notice: r.try_get("notice")?,
        level: level_of(&r.try_get::<String, _>("level")?)?,
        province_code: r.try_get("province_code")?,
        unit_id: r.try_get("unit_id")?,
        unit_name: r.try_get("unit_name")?,
        leader_name: r.try_get("leader_name")?,
        name: r.try_get("name")?,
        subject_secondary: r.try_get("subject_secondary")?,
        subject_tertiary: r.try_get("subject_tertiary")?,
        kind: ProjectKind::from_code(&kind).ok_or_else(|| StoreError::Invalid(format!("未知项目类型“{kind}”")))?,
        delivery: Delivery::from_code(&delivery)
            .ok_or_else(|| StoreError::Invalid(format!("未知举办方式“{delivery}”")))?,
        credits: r.try_get("credits")?,
        hours: r.try_get("hours")?,
        audience: r.try_get("audience")?,
        planned_enrollment: u32::try_from(r.try_get::<i64, _>("planned_enrollment")?).unwrap_or(0),
        enrollment_note: r.try_get("enrollment_note")?,
        remarks: r.try_get("remarks")?,
        first_day: parse_date(&r.try_get::<String, _>("first_day")?)?,
        last_day: parse_date(&r.try_get::<String, _>("last_day")?)?,
        periods: periods_of(r)?,
        suspension: reason.zip(at).map(|(reason, at)| Suspension { reason, at }),
    })
}
