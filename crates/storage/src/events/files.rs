//! The files of events, in the database: a notice of a filing, the photos of an inspection.

use serde::Serialize;
use sqlx::Row;

use crate::audit::Actor;
use crate::{Result, Store};

/// A file to store: already checked and stripped of metadata (`jijiao_domain::events::files`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewFile {
    pub kind: &'static str,
    pub content_type: &'static str,
    pub content: Vec<u8>,
}

/// What a view shows of a file without reading it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileMeta {
    pub id: i64,
    pub content_type: String,
    pub size: i64,
}

/// A stored file with where it belongs (for the scope check before it is served).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventFile {
    pub id: i64,
    pub project_id: i64,
    pub period: u32,
    pub kind: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn insert(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    actor: &Actor,
    project_id: i64,
    period: u32,
    file: &NewFile,
    inspection_id: Option<i64>,
    position: usize,
    at: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO event_files (project_id, period, kind, content_type, size, content, inspection_id, position, account_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(project_id)
    .bind(i64::from(period))
    .bind(file.kind)
    .bind(file.content_type)
    .bind(i64::try_from(file.content.len()).unwrap_or(i64::MAX))
    .bind(file.content.clone())
    .bind(inspection_id)
    .bind(i64::try_from(position).unwrap_or(0))
    .bind(actor.account_id)
    .bind(at)
    .fetch_one(&mut **tx)
    .await?)
}

impl Store {
    /// One stored file with its content.
    pub async fn event_file(&self, id: i64) -> Result<EventFile> {
        let r =
            sqlx::query("SELECT id, project_id, period, kind, content_type, content FROM event_files WHERE id = $1")
                .bind(id)
                .fetch_one(&self.pool)
                .await?;
        Ok(EventFile {
            id: r.try_get("id")?,
            project_id: r.try_get("project_id")?,
            period: crate::decode::int(&r, "period", "event_files.period")?,
            kind: r.try_get("kind")?,
            content_type: r.try_get("content_type")?,
            content: r.try_get("content")?,
        })
    }
}
