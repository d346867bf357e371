//! Inspections on the day (督查, rules.md §7.2): an inspector's record or the unit's own, with its
//! photos, stored together with the audit entry.

use chrono::NaiveDate;
use jijiao_domain::events::inspection::{Checklist, Inspection, Outcome};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::BTreeMap;

use super::files::{self, FileMeta, NewFile};
use crate::audit::{Actor, Change, append};
use crate::sql::{date_text, flag};
use crate::{Result, Store, decode};

/// Whose record it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InspectionKind {
    /// An inspector of the venue province (督查).
    Inspector,
    /// The unit's own on-the-day record (系统内督查信息).
    Unit,
}

impl InspectionKind {
    pub fn code(self) -> &'static str {
        match self {
            InspectionKind::Inspector => "inspector",
            InspectionKind::Unit => "unit",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            InspectionKind::Inspector => "督查",
            InspectionKind::Unit => "单位自查",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        match code {
            "inspector" => Some(InspectionKind::Inspector),
            "unit" => Some(InspectionKind::Unit),
            _ => None,
        }
    }
}

/// An inspection to store.
#[derive(Clone, Debug)]
pub struct NewInspection<'a> {
    pub project_id: i64,
    pub project_number: &'a str,
    pub unit_id: Option<i64>,
    pub unit_province: Option<&'a str>,
    pub period: u32,
    pub kind: InspectionKind,
    pub inspection: &'a Inspection,
    pub late: bool,
    pub venue_province: &'a str,
    pub on: NaiveDate,
    pub at: i64,
    pub photos: Vec<NewFile>,
}

/// A stored inspection with its photos.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StoredInspection {
    pub id: i64,
    pub project_id: i64,
    pub period: u32,
    pub kind: InspectionKind,
    pub checklist: Checklist,
    pub notes: BTreeMap<String, String>,
    pub result: Outcome,
    pub reason: String,
    pub late: bool,
    pub venue_province: String,
    pub on: NaiveDate,
    pub author: String,
    pub at: i64,
    pub photos: Vec<FileMeta>,
}

const COLUMNS: &str = "i.id, i.project_id, i.period, i.kind, i.checklist, i.notes, i.result, i.reason, i.late, i.venue_province, i.on_date, i.author, i.at";

impl Store {
    /// Stores an inspection and its photos, all or nothing, with its audit entry; returns its id.
    pub async fn record_inspection(&self, actor: &Actor, new: &NewInspection<'_>) -> Result<i64> {
        let checklist = serde_json::to_string(&new.inspection.checklist).expect("a checklist serialises");
        let notes = serde_json::to_string(&new.inspection.notes).expect("notes serialise");
        let (checklist, notes) = (&checklist, &notes);
        self.write(|mut tx| async move {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO inspections (project_id, period, kind, checklist, notes, result, reason, late, venue_province, on_date, account_id, author, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
            )
            .bind(new.project_id)
            .bind(i64::from(new.period))
            .bind(new.kind.code())
            .bind(checklist.as_str())
            .bind(notes.as_str())
            .bind(new.inspection.result.code())
            .bind(new.inspection.reason.trim())
            .bind(flag(new.late))
            .bind(new.venue_province)
            .bind(date_text(new.on))
            .bind(actor.account_id)
            .bind(&actor.name)
            .bind(new.at)
            .fetch_one(&mut *tx)
            .await?;
            let mut photo_ids = Vec::new();
            for (position, photo) in new.photos.iter().enumerate() {
                photo_ids.push(
                    files::insert(&mut tx, actor, new.project_id, new.period, photo, Some(id), position, new.at).await?,
                );
            }
            let change = Change {
                action: match new.kind {
                    InspectionKind::Inspector => "events.inspect",
                    InspectionKind::Unit => "events.own_record",
                },
                object_type: "inspection",
                object_id: id.to_string(),
                province_code: Some(new.venue_province.to_string()),
                org_id: new.unit_id,
                before: None,
                after: Some(serde_json::json!({
                    "project": new.project_number, "period": new.period, "result": new.inspection.result.code(),
                    "reason": new.inspection.reason.trim(), "late": new.late, "photos": photo_ids,
                    "unit_province": new.unit_province,
                })),
            };
            append(self, &mut tx, actor, &change).await?;
            tx.commit().await?;
            Ok(id)
        })
        .await
    }

    /// The inspections of a period (inspectors' and the unit's), oldest first.
    pub async fn inspections(&self, project_id: i64, period: u32) -> Result<Vec<StoredInspection>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM inspections i WHERE i.project_id = $1 AND i.period = $2 ORDER BY i.at, i.id"
        ))
        .bind(project_id)
        .bind(i64::from(period))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.inspection_from_row(r).await?);
        }
        Ok(out)
    }

    /// One inspection by its id.
    pub async fn inspection(&self, id: i64) -> Result<StoredInspection> {
        let r = sqlx::query(&format!("SELECT {COLUMNS} FROM inspections i WHERE i.id = $1"))
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        self.inspection_from_row(&r).await
    }

    async fn inspection_from_row(&self, r: &AnyRow) -> Result<StoredInspection> {
        let id: i64 = r.try_get("id")?;
        let photos =
            sqlx::query("SELECT id, content_type, size FROM event_files WHERE inspection_id = $1 ORDER BY position")
                .bind(id)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|p| {
                    Ok(FileMeta {
                        id: p.try_get("id")?,
                        content_type: p.try_get("content_type")?,
                        size: p.try_get("size")?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
        Ok(StoredInspection {
            id,
            project_id: r.try_get("project_id")?,
            period: decode::int(r, "period", "inspections.period")?,
            kind: decode::code(&r.try_get::<String, _>("kind")?, "inspections.kind", InspectionKind::from_code)?,
            checklist: decode::json(&r.try_get::<String, _>("checklist")?, "inspections.checklist")?,
            notes: decode::json(&r.try_get::<String, _>("notes")?, "inspections.notes")?,
            result: decode::code(&r.try_get::<String, _>("result")?, "inspections.result", Outcome::from_code)?,
            reason: r.try_get("reason")?,
            late: r.try_get::<i64, _>("late")? != 0,
            venue_province: r.try_get("venue_province")?,
            on: decode::date(&r.try_get::<String, _>("on_date")?, "inspections.on_date")?,
            author: r.try_get("author")?,
            at: r.try_get("at")?,
            photos,
        })
    }
}
