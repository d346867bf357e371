//! Published lists stored whole (导入已公布的项目名单): all or nothing, every project keeping the number
//! the list gave it; and the multi-row insert that stores projects, shared with publication.

use jijiao_domain::{Hours, publication};
use sqlx::Row;
use std::collections::HashMap;

use super::batches::insert_batch;
use super::{Batch, BatchId, ImportOutcome, NewBatch, NewProject, ProjectPeriod, scope_of};
use crate::audit::{Actor, Change, append};
use crate::catalogue::word_index::{self, Entry};
use crate::sql::{date_text, placeholders, value_rows};
use crate::{Result, Store, StoreError, now_millis};

/// Rows per multi-row INSERT: well under both backends' parameter limits.
const CHUNK: usize = 200;

/// What the catalogue's words are looked for in: name, unit, leader and number.
fn search_text(p: &NewProject, number: Option<&str>) -> String {
    format!("{} {} {} {}", p.name.trim(), p.unit_name.trim(), p.leader_name.trim(), number.unwrap_or(""))
}

impl Store {
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
        let scope = &scope;
        let id = self
            .write(|mut tx| async move {
            let existing: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM publication_batches WHERE level = $1 AND scope = $2 AND year = $3 AND batch = $4",
            )
            .bind(batch.level.code())
            .bind(scope)
            .bind(i64::from(batch.year))
            .bind(i64::from(batch.batch))
            .fetch_optional(&mut *tx)
            .await?;
            let id = match existing {
                Some(id) => id,
                None => insert_batch(&mut tx, batch, scope).await?,
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
                .bind(scope)
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
            Ok(id)
        })
        .await?;
        word_index::after_import(self.backend, &self.pool).await?;
        Ok(ImportOutcome { batch_id: BatchId(id), projects: projects.len() })
    }
}

/// Inserts projects and their periods in multi-row statements (a 20,000-row list in seconds).
pub(super) async fn insert_projects(
    store: &Store,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    batch: &Batch,
    projects: &[NewProject],
) -> Result<()> {
    const COLS: usize = 26;
    let now = now_millis();
    // The word index's entries are prepared while the rows go in (only storing them needs the
    // rows' ids): on SQLite, building 20,000 documents took a sixth of an import's save.
    let entries = word_index::prepare(store.backend, batch, || {
        projects
            .iter()
            .map(|p| {
                p.number.as_deref().map(|number| Entry {
                    text: search_text(p, Some(number)),
                    subject_tertiary: p.subject_tertiary.clone(),
                    province_code: p.province_code.clone(),
                    kind: p.kind.code().to_string(),
                    delivery: p.delivery.code().to_string(),
                })
            })
            .collect()
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
                .bind(p.credits.tenths())
                .bind(p.hours.map(Hours::tenths))
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
        // A number or an application published before: the constraint's own message says which.
        ids.extend(q.fetch_all(&mut **tx).await?);
    }
    if ids.len() != projects.len() {
        return Err(StoreError::Invalid("项目写入数量不符".into()));
    }
    word_index::write(tx, entries, &ids).await?;
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
    // The numbered ones count in the catalogue's totals from this transaction on.
    crate::catalogue::counts::refresh(store, tx, batch.id.0).await?;
    Ok(())
}
