//! From the event to the learner's record (rules.md §7.3–§7.5): the roster of a held period, its
//! execution report through draft, submission, return and approval, and the files the report carries;
//! remote projects' upload cycles, whose rosters and reports are kept here under the cycle's number
//! (`remote`), and the learners' survey answers (`survey`, migration 0021).
//!
//! Each state change reads the report's state under the write lock (SQLite) or a row lock
//! (PostgreSQL) before it changes it, so two offices acting at once cannot both approve: the second
//! finds the state changed and is told so. Approval stores the
//! score and grants the credit records in the same transaction as the status, all or nothing. Every
//! write appends its audit entry in its own transaction.

mod files;
mod remote;
pub(crate) mod roster;
mod survey;

use chrono::NaiveDate;
use jijiao_domain::events::report::{Report, ReportStatus};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::{Actor, Change, append};
use crate::credit_records::{CreditRecordId, NewCreditRecord};
use crate::sql::date_text;
use crate::{Result, Store, StoreError, decode};

pub use files::{NewReportFile, ReportFile, ReportFileKind};
pub use remote::{CycleChange, RemoteProjectRow, StoredCycle};
pub use roster::{RosterOutcome, StoredRosterEntry};
pub use survey::LearnerPeriod;

/// A period of a published project, as every write here names it (and its audit entry places it).
#[derive(Clone, Debug)]
pub struct PeriodKey {
    pub project_id: i64,
    pub project_number: String,
    pub period: u32,
    pub unit_id: Option<i64>,
    /// The applicant unit's province: the auditor (§7.5) and the audit log's scope.
    pub unit_province: Option<String>,
}

impl PeriodKey {
    fn object_id(&self) -> String {
        format!("{}#{}", self.project_number, self.period)
    }

    fn change(&self, action: &'static str, before: Option<serde_json::Value>, after: serde_json::Value) -> Change {
        Change {
            action,
            object_type: "period_report",
            object_id: self.object_id(),
            province_code: self.unit_province.clone(),
            org_id: self.unit_id,
            before,
            after: Some(after),
        }
    }
}

/// A period's report as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StoredReport {
    pub status: ReportStatus,
    pub report: Report,
    /// The first submission's date: the report's date for the score.
    pub first_submitted_on: Option<NaiveDate>,
    pub submitted_on: Option<NaiveDate>,
    pub return_reason: Option<String>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<i64>,
    /// The period's score (points of 100) and its items with their explanations, from approval.
    pub score: Option<u32>,
    pub score_items: Option<serde_json::Value>,
    pub credits_granted: Option<u32>,
    pub certificates: Option<u32>,
    pub updated_by_name: String,
    pub updated_at: i64,
}

/// What approval stores: the period's score with its items, and the credit records it grants.
#[derive(Clone, Debug)]
pub struct Approval<'a> {
    pub score: u32,
    pub score_items: serde_json::Value,
    pub records: &'a [NewCreditRecord],
    pub at: i64,
}

/// A report in an auditor's list or a unit's: the period, where it stands and when it fell due.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReportRow {
    pub project_id: i64,
    pub number: String,
    pub name: String,
    pub unit: String,
    pub unit_id: Option<i64>,
    pub province_code: Option<String>,
    /// A remote project's periods are its upload cycles.
    pub delivery: jijiao_domain::org::Delivery,
    pub period: u32,
    pub status: ReportStatus,
    pub submitted_on: Option<NaiveDate>,
    pub score: Option<u32>,
}

const REPORT_COLUMNS: &str = "status, document, first_submitted_on, submitted_on, return_reason, decided_by_name, decided_at, score, score_items, credits_granted, certificates, updated_by_name, updated_at";

fn optional_date(r: &AnyRow, column: &str, table_column: &'static str) -> Result<Option<NaiveDate>> {
    r.try_get::<Option<String>, _>(column)?.map(|d| decode::date(&d, table_column)).transpose()
}

fn optional_count(r: &AnyRow, column: &str, table_column: &'static str) -> Result<Option<u32>> {
    r.try_get::<Option<i64>, _>(column)?.map(|v| decode::narrow(v, table_column)).transpose()
}

fn report_from_row(r: &AnyRow) -> Result<StoredReport> {
    Ok(StoredReport {
        status: decode::code(&r.try_get::<String, _>("status")?, "period_reports.status", ReportStatus::from_code)?,
        report: decode::json(&r.try_get::<String, _>("document")?, "period_reports.document")?,
        first_submitted_on: optional_date(r, "first_submitted_on", "period_reports.first_submitted_on")?,
        submitted_on: optional_date(r, "submitted_on", "period_reports.submitted_on")?,
        return_reason: r.try_get("return_reason")?,
        decided_by_name: r.try_get("decided_by_name")?,
        decided_at: r.try_get("decided_at")?,
        score: optional_count(r, "score", "period_reports.score")?,
        score_items: r
            .try_get::<Option<String>, _>("score_items")?
            .map(|s| decode::json(&s, "period_reports.score_items"))
            .transpose()?,
        credits_granted: optional_count(r, "credits_granted", "period_reports.credits_granted")?,
        certificates: optional_count(r, "certificates", "period_reports.certificates")?,
        updated_by_name: r.try_get("updated_by_name")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Why a state change found the report elsewhere, in the user's words.
fn wrong_state(current: Option<ReportStatus>, wanted: &str) -> StoreError {
    let message = match current {
        None => format!("本期尚未填写执行情况，不能{wanted}"),
        Some(ReportStatus::Approved) => format!("本期执行情况已审核通过，不能{wanted}"),
        Some(ReportStatus::Submitted) => format!("本期执行情况已提交、等待审核，不能{wanted}"),
        Some(ReportStatus::Returned) => format!("本期执行情况已被退回，请单位修改后重新提交，不能{wanted}"),
        Some(ReportStatus::Draft) => format!("本期执行情况尚未提交，不能{wanted}"),
    };
    StoreError::Conflict(message)
}

impl Store {
    /// A period's report, if one was ever saved.
    pub async fn period_report(&self, project_id: i64, period: u32) -> Result<Option<StoredReport>> {
        sqlx::query(&format!("SELECT {REPORT_COLUMNS} FROM period_reports WHERE project_id = $1 AND period = $2"))
            .bind(project_id)
            .bind(i64::from(period))
            .fetch_optional(&self.pool)
            .await?
            .map(|r| report_from_row(&r))
            .transpose()
    }

    /// Every report of a project, by period.
    pub async fn period_reports(&self, project_id: i64) -> Result<Vec<(u32, StoredReport)>> {
        let rows = sqlx::query(&format!(
            "SELECT period, {REPORT_COLUMNS} FROM period_reports WHERE project_id = $1 ORDER BY period"
        ))
        .bind(project_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((decode::int(r, "period", "period_reports.period")?, report_from_row(r)?))).collect()
    }

    async fn status_in(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        key: &PeriodKey,
    ) -> Result<Option<(ReportStatus, String)>> {
        let row = sqlx::query(&format!(
            "SELECT status, document FROM period_reports WHERE project_id = $1 AND period = $2{}",
            self.backend.lock_rows("period_reports")
        ))
        .bind(key.project_id)
        .bind(i64::from(key.period))
        .fetch_optional(&mut **tx)
        .await?;
        row.map(|r| {
            let status =
                decode::code(&r.try_get::<String, _>("status")?, "period_reports.status", ReportStatus::from_code)?;
            Ok((status, r.try_get::<String, _>("document")?))
        })
        .transpose()
    }

    /// Saves the report as a draft (a first one, or over a draft or a returned report). A submitted
    /// or approved report is not edited.
    pub async fn save_report(&self, actor: &Actor, key: &PeriodKey, report: &Report, at: i64) -> Result<()> {
        let document = serde_json::to_string(report).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let document = &document;
        self.write(|mut tx| async move {
            let change = key.change("report.save", None, serde_json::json!({ "report": report }));
            append(self, &mut tx, actor, &change).await?;
            match self.status_in(&mut tx, key).await? {
                None => {
                    sqlx::query(
                        "INSERT INTO period_reports (project_id, period, status, document, updated_by_name, updated_at) VALUES ($1, $2, 'draft', $3, $4, $5)",
                    )
                    .bind(key.project_id)
                    .bind(i64::from(key.period))
                    .bind(document.as_str())
                    .bind(&actor.name)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                }
                Some((ReportStatus::Draft | ReportStatus::Returned, _)) => {
                    sqlx::query(
                        "UPDATE period_reports SET document = $1, updated_by_name = $2, updated_at = $3 WHERE project_id = $4 AND period = $5",
                    )
                    .bind(document.as_str())
                    .bind(&actor.name)
                    .bind(at)
                    .bind(key.project_id)
                    .bind(i64::from(key.period))
                    .execute(&mut *tx)
                    .await?;
                }
                Some((status, _)) => return Err(wrong_state(Some(status), "修改")),
            }
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Submits the saved report (a draft, or a returned one again) on `on`; the first submission's
    /// date stays the report's date.
    pub async fn submit_report(&self, actor: &Actor, key: &PeriodKey, on: NaiveDate, at: i64) -> Result<()> {
        let on_text = date_text(on);
        let on_text = &on_text;
        self.write(|mut tx| async move {
            let current = self.guard(&mut tx, key, &[ReportStatus::Draft, ReportStatus::Returned], "提交").await?;
            let change = key.change("report.submit", Some(serde_json::json!({ "status": current.code() })), serde_json::json!({ "on": on_text }));
            append(self, &mut tx, actor, &change).await?;
            sqlx::query(
                "UPDATE period_reports SET status = 'submitted', submitted_on = $1, first_submitted_on = COALESCE(first_submitted_on, $1), \
                 return_reason = NULL, updated_by_name = $2, updated_at = $3 WHERE project_id = $4 AND period = $5",
            )
            .bind(on_text.as_str())
            .bind(&actor.name)
            .bind(at)
            .bind(key.project_id)
            .bind(i64::from(key.period))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Returns a submitted report to its unit with a reason.
    pub async fn return_report(&self, actor: &Actor, key: &PeriodKey, reason: &str, at: i64) -> Result<()> {
        self.write(|mut tx| async move {
            self.guard(&mut tx, key, &[ReportStatus::Submitted], "退回").await?;
            let change = key.change("report.return", Some(serde_json::json!({ "status": "submitted" })), serde_json::json!({ "reason": reason }));
            append(self, &mut tx, actor, &change).await?;
            sqlx::query(
                "UPDATE period_reports SET status = 'returned', return_reason = $1, decided_by_name = $2, decided_at = $3, \
                 updated_by_name = $2, updated_at = $3 WHERE project_id = $4 AND period = $5",
            )
            .bind(reason)
            .bind(&actor.name)
            .bind(at)
            .bind(key.project_id)
            .bind(i64::from(key.period))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// The report's state inside a write transaction, refused unless it is one of `from`. The write
    /// transaction holds the write lock (SQLite) or the row is re-read under it, so the state cannot
    /// change before the UPDATE that follows.
    async fn guard(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        key: &PeriodKey,
        from: &[ReportStatus],
        wanted: &str,
    ) -> Result<ReportStatus> {
        let current = self.status_in(tx, key).await?.map(|(s, _)| s);
        match current {
            Some(s) if from.contains(&s) => Ok(s),
            other => Err(wrong_state(other, wanted)),
        }
    }

    /// Approves a submitted report: stores the score with its items and grants the credit records,
    /// all in one transaction. Returns the records' ids.
    pub async fn approve_report(
        &self,
        actor: &Actor,
        key: &PeriodKey,
        approval: &Approval<'_>,
    ) -> Result<Vec<CreditRecordId>> {
        let items = serde_json::to_string(&approval.score_items).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let items = &items;
        self.write(|mut tx| async move {
            let current = self.guard(&mut tx, key, &[ReportStatus::Submitted], "审核通过").await?;
            let change = key.change(
                "report.approve",
                Some(serde_json::json!({ "status": "submitted" })),
                serde_json::json!({ "score": approval.score, "credit_records": approval.records.len() }),
            );
            append(self, &mut tx, actor, &change).await?;
            let done = sqlx::query(
                "UPDATE period_reports SET status = 'approved', score = $1, score_items = $2, credits_granted = $3, decided_by_name = $4, decided_at = $5, updated_by_name = $4, updated_at = $5 \
                 WHERE project_id = $6 AND period = $7 AND status = 'submitted'",
            )
            .bind(i64::from(approval.score))
            .bind(items.as_str())
            .bind(approval.records.len() as i64)
            .bind(&actor.name)
            .bind(approval.at)
            .bind(key.project_id)
            .bind(i64::from(key.period))
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(wrong_state(Some(current), "审核通过"));
            }
            let ids = self.insert_credit_records(&mut tx, actor, approval.records, approval.at).await?;
            tx.commit().await?;
            Ok(ids)
        })
        .await
    }

    /// Records how many certificates an approval issued (they are issued after the grant commits).
    pub async fn set_report_certificates(&self, key: &PeriodKey, certificates: usize) -> Result<()> {
        sqlx::query("UPDATE period_reports SET certificates = $1 WHERE project_id = $2 AND period = $3")
            .bind(certificates as i64)
            .bind(key.project_id)
            .bind(i64::from(key.period))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The reports of projects whose applicant unit is in one of `provinces` (every province when
    /// `None`), in the given states, oldest submission first.
    pub async fn reports(&self, provinces: Option<&[String]>, statuses: &[ReportStatus]) -> Result<Vec<ReportRow>> {
        if provinces.is_some_and(|p| p.is_empty()) || statuses.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = String::from(
            "SELECT r.project_id, p.number, p.name, p.unit_name, p.unit_id, p.province_code, p.delivery, r.period, r.status, r.submitted_on, r.score \
             FROM period_reports r JOIN projects p ON p.id = r.project_id WHERE r.status IN (",
        );
        sql.push_str(&statuses.iter().map(|s| format!("'{}'", s.code())).collect::<Vec<_>>().join(", "));
        sql.push(')');
        if let Some(provinces) = provinces {
            let list = crate::sql::placeholders(self.backend, 1, provinces.len()).join(", ");
            sql.push_str(&format!(" AND p.province_code IN ({list})"));
        }
        sql.push_str(" ORDER BY r.submitted_on, p.number, r.period");
        let mut query = sqlx::query(&sql);
        for p in provinces.unwrap_or_default() {
            query = query.bind(p.as_str());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(ReportRow {
                    project_id: r.try_get("project_id")?,
                    number: r.try_get::<Option<String>, _>("number")?.unwrap_or_default(),
                    name: r.try_get("name")?,
                    unit: r.try_get("unit_name")?,
                    unit_id: r.try_get("unit_id")?,
                    province_code: r.try_get("province_code")?,
                    delivery: decode::code(
                        &r.try_get::<String, _>("delivery")?,
                        "projects.delivery",
                        jijiao_domain::org::Delivery::from_code,
                    )?,
                    period: decode::int(r, "period", "period_reports.period")?,
                    status: decode::code(
                        &r.try_get::<String, _>("status")?,
                        "period_reports.status",
                        ReportStatus::from_code,
                    )?,
                    submitted_on: optional_date(r, "submitted_on", "period_reports.submitted_on")?,
                    score: optional_count(r, "score", "period_reports.score")?,
                })
            })
            .collect()
    }
}

impl Store {
    /// The application a published project came from (`None` for a project of an imported list).
    pub async fn application_of_project(&self, project_id: i64) -> Result<Option<crate::applications::ApplicationId>> {
        let id: Option<Option<i64>> = sqlx::query_scalar("SELECT application_id FROM projects WHERE id = $1")
            .bind(project_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(id.ok_or(StoreError::NotFound)?.map(crate::applications::ApplicationId))
    }
}
