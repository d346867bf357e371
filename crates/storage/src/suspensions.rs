//! Suspensions of a unit's published projects (seed 000: a failed annual inspection): suspending
//! them with a public reason, the suspensions in force, and their lifting once the unit is back in
//! order. A lifted suspension stays on record (who, when, why it began) and its projects point to
//! it no longer.

use serde::Serialize;
use sqlx::Row;

use crate::audit::{Actor, Change, append};
use crate::{Result, Store, StoreError, now_millis};

/// A suspension that still covers projects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ActiveSuspension {
    pub id: i64,
    pub unit_name: String,
    pub reason: String,
    /// Projects it covers now.
    pub projects: u32,
    /// Who suspended them, and when (milliseconds since the epoch, UTC).
    pub actor: String,
    pub at: i64,
}

impl Store {
    /// Suspends every published project of a unit (by the unit's name as published), with a
    /// reason shown publicly. Returns how many projects it covered.
    pub async fn suspend_unit_projects(&self, actor: &Actor, unit_name: &str, reason: &str) -> Result<usize> {
        let (unit_name, reason) = (unit_name.trim(), reason.trim());
        if reason.is_empty() {
            return Err(StoreError::Invalid("请填写暂停原因（将公开显示）".into()));
        }
        self.write(|mut tx| async move {
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
        })
        .await
    }

    /// The suspensions in force, newest first.
    pub async fn active_suspensions(&self) -> Result<Vec<ActiveSuspension>> {
        let rows = sqlx::query(
            "SELECT s.id, s.unit_name, s.reason, s.actor, s.at, CAST(COUNT(p.id) AS BIGINT) AS projects
             FROM project_suspensions s JOIN projects p ON p.suspension_id = s.id
             GROUP BY s.id, s.unit_name, s.reason, s.actor, s.at ORDER BY s.at DESC, s.id DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ActiveSuspension {
                    id: r.try_get("id")?,
                    unit_name: r.try_get("unit_name")?,
                    reason: r.try_get("reason")?,
                    projects: u32::try_from(r.try_get::<i64, _>("projects")?).unwrap_or(u32::MAX),
                    actor: r.try_get("actor")?,
                    at: r.try_get("at")?,
                })
            })
            .collect()
    }

    /// Lifts a suspension: its projects are shown without it again. `note` says why (for example
    /// the passed re-inspection) and goes to the audit log. Returns how many projects it freed.
    pub async fn lift_suspension(&self, actor: &Actor, id: i64, note: &str) -> Result<u32> {
        let note = note.trim();
        if note.is_empty() {
            return Err(StoreError::Invalid("请填写恢复的依据（如整改后校验合格）".into()));
        }
        self.write(|mut tx| async move {
            let row = sqlx::query("SELECT unit_name, reason FROM project_suspensions WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
            let (unit_name, reason): (String, String) = (row.try_get("unit_name")?, row.try_get("reason")?);
            let freed = sqlx::query("UPDATE projects SET suspension_id = NULL WHERE suspension_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if freed == 0 {
                return Err(StoreError::Conflict(format!("“{unit_name}”的这次暂停已经解除")));
            }
            let change = Change {
                action: "projects.resume",
                object_type: "project_suspension",
                object_id: id.to_string(),
                province_code: None,
                org_id: None,
                before: Some(serde_json::json!({ "unit": unit_name, "reason": reason, "projects": freed })),
                after: Some(serde_json::json!({ "note": note })),
            };
            append(self, &mut tx, actor, &change).await?;
            tx.commit().await?;
            Ok(u32::try_from(freed).unwrap_or(u32::MAX))
        })
        .await
    }
}
