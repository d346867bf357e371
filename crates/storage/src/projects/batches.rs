//! Publication batches (批次): creating one, adding approved applications to it as projects, and
//! publishing it, which numbers its projects from sequences that only ever increase.

use jijiao_domain::org::Level;
use jijiao_domain::publication::{self, ProjectKind};
use jijiao_domain::review::workflow::Status;
use sqlx::Row;
use std::collections::BTreeMap;

use super::import::insert_projects;
use super::{
    BATCH_COLUMNS, Batch, BatchId, NewBatch, NewProject, ProjectPeriod, batch_from_row, pattern_key, scope_of,
};
use crate::applications::ApplicationId;
use crate::audit::{Actor, Change, append};
use crate::catalogue::word_index::{self, Entry};
use crate::constraints::{self, Constraint};
use crate::sql::{Bind, Filter, date_text};
use crate::{Result, Store, StoreError, now_millis};

impl Store {
    pub async fn create_batch(&self, actor: &Actor, new: &NewBatch) -> Result<BatchId> {
        let scope = scope_of(new.level, new.province_code.as_deref())?;
        let scope = &scope;
        self.write(|mut tx| async move {
            let id = insert_batch(&mut tx, new, scope).await?;
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
        })
        .await
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
                credits: doc.credits,
                hours: Some(doc.total_hours),
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
        let (batch, projects) = (&batch, &projects);
        self.write(|mut tx| async move {
            for p in projects {
                if let Err(e) = p.validate() {
                    return Err(StoreError::Invalid(e));
                }
            }
            insert_projects(self, &mut tx, batch, projects).await?;
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
        })
        .await
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
        let (batch, mark, pattern, scope) = (&batch, &mark, &pattern, &scope);
        self.write(|mut tx| async move {
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
                by_key.entry(publication::sequence_key(pattern, &secondary, &tertiary)).or_default().push((
                    r.try_get("id")?,
                    tertiary,
                    text,
                    (r.try_get("province_code")?, r.try_get("kind")?, r.try_get("delivery")?),
                ));
            }
            let year = i64::from(batch.year);
            let mut numbered = 0;
            // The projects numbered now, for the word index.
            let mut published: Vec<(i64, Entry)> = Vec::new();
            for (key, projects) in &by_key {
                let last = reserve(&mut tx, year, scope, key, projects.len() as i64).await?;
                let first = last - projects.len() as i64 + 1;
                for (offset, (id, tertiary, text, (province, kind, delivery))) in projects.iter().enumerate() {
                    let serial = u32::try_from(first + offset as i64).unwrap_or(u32::MAX);
                    let number = publication::format_pattern(pattern, batch.year, tertiary, serial, mark);
                    let text = format!("{text} {number}");
                    let done =
                        sqlx::query("UPDATE projects SET number = $2, search_text = $3 WHERE id = $1 AND number IS NULL")
                            .bind(id)
                            .bind(&number)
                            .bind(&text)
                            .execute(&mut *tx)
                            .await?;
                    if done.rows_affected() == 1 {
                        let entry = Entry {
                            text,
                            subject_tertiary: tertiary.clone(),
                            province_code: province.clone(),
                            kind: kind.clone(),
                            delivery: delivery.clone(),
                        };
                        published.push((*id, entry));
                    }
                    numbered += done.rows_affected() as usize;
                }
            }
            let ids: Vec<i64> = published.iter().map(|(id, _)| *id).collect();
            let entries =
                word_index::prepare(self.backend, batch, || published.into_iter().map(|(_, e)| Some(e)).collect());
            word_index::write(&mut tx, entries, &ids).await?;
            crate::catalogue::counts::refresh(self, &mut tx, batch_id.0).await?;
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
        })
        .await
    }

    pub(super) async fn batch_in(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>, id: BatchId) -> Result<Batch> {
        let row = sqlx::query(&format!("SELECT {BATCH_COLUMNS} FROM publication_batches b WHERE b.id = $1"))
            .bind(id.0)
            .fetch_one(&mut **tx)
            .await?;
        batch_from_row(&row)
    }
}

pub(super) async fn insert_batch(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    new: &NewBatch,
    scope: &str,
) -> Result<i64> {
    if !(1990..=2100).contains(&new.year.get()) || new.batch == 0 {
        return Err(StoreError::Invalid("年度或批次不合理".into()));
    }
    sqlx::query_scalar(
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
    .map_err(|e| constraints::naming(e, Constraint::BatchNumber, || format!("{}年第{}批已存在", new.year, new.batch)))
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
