//! The files a report carries (rules.md §7.4): the exam questions and the schedule as held, kept in
//! the database like the events' files, so app servers keep nothing on disk.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::PeriodKey;
use crate::audit::{Actor, append};
use crate::{Result, Store, StoreError};

jijiao_domain::labelled_enum!(
    /// What a report's file is.
    ReportFileKind {
        Exam = "exam" / "考核试题",
        Schedule = "schedule" / "日程表",
    }
);

/// A file to store with a report.
#[derive(Clone, Copy, Debug)]
pub struct NewReportFile<'a> {
    pub kind: ReportFileKind,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub content: &'a [u8],
}

/// A report's file, without its content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReportFile {
    pub id: i64,
    pub kind: ReportFileKind,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: i64,
}

impl Store {
    /// Stores a report's file; the latest of each kind is the one that counts.
    pub async fn add_report_file(
        &self,
        actor: &Actor,
        key: &PeriodKey,
        file: NewReportFile<'_>,
        at: i64,
    ) -> Result<i64> {
        let NewReportFile { kind, file_name, content_type, content } = file;
        self.write(|mut tx| async move {
            let change = key.change(
                "report.file",
                None,
                serde_json::json!({ "kind": kind.code(), "file_name": file_name, "size": content.len() }),
            );
            append(self, &mut tx, actor, &change).await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO report_files (project_id, period, kind, file_name, content_type, size, content, account_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(key.project_id)
            .bind(i64::from(key.period))
            .bind(kind.code())
            .bind(file_name)
            .bind(content_type)
            .bind(content.len() as i64)
            .bind(content)
            .bind(actor.account_id)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(id)
        })
        .await
    }

    /// The latest file of each kind of a period's report.
    pub async fn report_files(&self, project_id: i64, period: u32) -> Result<Vec<ReportFile>> {
        let rows = sqlx::query(
            "SELECT f.id, f.kind, f.file_name, f.content_type, f.size, f.created_at FROM report_files f \
             WHERE f.project_id = $1 AND f.period = $2 AND f.id = (SELECT MAX(g.id) FROM report_files g \
             WHERE g.project_id = f.project_id AND g.period = f.period AND g.kind = f.kind) ORDER BY f.kind",
        )
        .bind(project_id)
        .bind(i64::from(period))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ReportFile {
                    id: r.try_get("id")?,
                    kind: crate::decode::code(
                        &r.try_get::<String, _>("kind")?,
                        "report_files.kind",
                        ReportFileKind::from_code,
                    )?,
                    file_name: r.try_get("file_name")?,
                    content_type: r.try_get("content_type")?,
                    size: r.try_get("size")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// A report file's content, if it belongs to the period.
    pub async fn report_file_content(&self, project_id: i64, period: u32, id: i64) -> Result<(ReportFile, Vec<u8>)> {
        let r = sqlx::query(
            "SELECT id, kind, file_name, content_type, size, created_at, content FROM report_files WHERE id = $1 AND project_id = $2 AND period = $3",
        )
        .bind(id)
        .bind(project_id)
        .bind(i64::from(period))
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let file = ReportFile {
            id: r.try_get("id")?,
            kind: crate::decode::code(
                &r.try_get::<String, _>("kind")?,
                "report_files.kind",
                ReportFileKind::from_code,
            )?,
            file_name: r.try_get("file_name")?,
            content_type: r.try_get("content_type")?,
            size: r.try_get("size")?,
            created_at: r.try_get("created_at")?,
        };
        Ok((file, r.try_get("content")?))
    }
}
