//! The review chain of an application: one step at a time, only a step the workflow allows from
//! the current status (`jijiao_domain::review::workflow`), each recorded with who, when and why; the
//! first submission gives the application its code, and a district's approvals stop at its quota.

use chrono::NaiveDate;
use jijiao_domain::Year;
use jijiao_domain::org::Level;
use jijiao_domain::review::workflow::{Status, Step, after, application_code, district_quota};
use serde::Serialize;
use sqlx::Row;

use super::{ApplicationId, level_of, status_of};
use crate::audit::{Actor, Change, append};
use crate::decode;
use crate::sql::date_text;
use crate::{OrgId, Result, Store, StoreError, now_millis};

/// One step of the review chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StepRecord {
    pub id: i64,
    pub step: Step,
    pub from: Status,
    pub to: Status,
    pub account_id: Option<i64>,
    pub actor: String,
    pub comment: String,
    pub at: i64,
}

/// A district office's quota of district projects for a year (002, Beijing; rules.md §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DistrictQuota {
    pub year: Year,
    /// District projects the district approved for the year before.
    pub held_previous_year: u32,
    /// At most this many approvals this year; `None`: no limit (none held the year before).
    pub quota: Option<u32>,
    /// District projects approved for this year so far.
    pub approved: u32,
}

impl DistrictQuota {
    pub fn exhausted(&self) -> bool {
        self.quota.is_some_and(|quota| self.approved >= quota)
    }
}

/// Counts a district's approvals of district projects for `year` and the year before, on the
/// connection given (inside the approving transaction, so the count and the approval agree).
async fn district_quota_on(conn: &mut sqlx::AnyConnection, district: i64, year: Year) -> Result<DistrictQuota> {
    let rows = sqlx::query(
        "SELECT year, CAST(COUNT(*) AS BIGINT) AS approved FROM applications
         WHERE district_id = $1 AND level = $2 AND status = $3 AND year IN ($4, $5) GROUP BY year",
    )
    .bind(district)
    .bind(Level::District.code())
    .bind(Status::Approved.code())
    .bind(i64::from(year) - 1)
    .bind(i64::from(year))
    .fetch_all(&mut *conn)
    .await?;
    let (mut held_previous_year, mut approved) = (0, 0);
    for row in rows {
        let count = u32::try_from(row.try_get::<i64, _>("approved")?).unwrap_or(u32::MAX);
        if row.try_get::<i64, _>("year")? == i64::from(year) {
            approved = count;
        } else {
            held_previous_year = count;
        }
    }
    Ok(DistrictQuota { year, held_previous_year, quota: district_quota(held_previous_year), approved })
}

impl Store {
    /// Takes one step of the review chain, if it may follow the current status: records who,
    /// when (`on`, the day, for the submission date) and why. The first submission gives the
    /// application its code. Returns the new status.
    pub async fn step_application(
        &self,
        actor: &Actor,
        id: ApplicationId,
        step: Step,
        comment: &str,
        on: NaiveDate,
    ) -> Result<Status> {
        let comment = comment.trim();
        if jijiao_domain::review::workflow::needs_comment(step) && comment.is_empty() {
            return Err(StoreError::Invalid(format!("{}时必须填写意见", step.label())));
        }
        self.write(|mut tx| async move {
            let row = sqlx::query(
                "SELECT year, level, province_code, district_id, unit_id, status, code, subject_secondary, subject_tertiary, name FROM applications WHERE id = $1",
            )
            .bind(id.0)
            .fetch_one(&mut *tx)
            .await?;
            let from = status_of(&row.try_get::<String, _>("status")?)?;
            let level = level_of(&row.try_get::<String, _>("level")?)?;
            let year: i64 = row.try_get("year")?;
            let province: String = row.try_get("province_code")?;
            let district: Option<i64> = row.try_get("district_id")?;
            let unit_id: i64 = row.try_get("unit_id")?;
            let mut code: Option<String> = row.try_get("code")?;
            let to = after(level, from, district.is_some(), step)
                .ok_or_else(|| StoreError::Invalid(format!("申报书状态为“{}”，不能{}", from.label(), step.label())))?;
            // The code's sequence and the district's quota are counted from the rows: one at a time.
            if matches!(step, Step::Submit | Step::Approve) {
                self.serialise(&mut tx, &format!("applications:{year}:{}", level.code())).await?;
            }
            if step == Step::Approve
                && level == Level::District
                && let Some(district) = district
            {
                let year = decode::narrow(year, "applications.year")?;
                let quota = district_quota_on(&mut tx, district, year).await?;
                if quota.exhausted() {
                    return Err(StoreError::Invalid(format!(
                        "本区{}年度区级项目已批准{}项，达到限额{}项（上一年度举办{}项的50%），不能再批准",
                        year,
                        quota.approved,
                        quota.quota.unwrap_or_default(),
                        quota.held_previous_year
                    )));
                }
            }
            let now = now_millis();
            if step == Step::Submit {
                if code.is_none() {
                    let scope = if level == Level::National { String::new() } else { province.clone() };
                    let next: i64 = sqlx::query_scalar(
                        "SELECT CAST(COALESCE(MAX(sequence), 0) + 1 AS BIGINT) FROM applications WHERE year = $1 AND level = $2 AND sequence_scope = $3",
                    )
                    .bind(year)
                    .bind(level.code())
                    .bind(&scope)
                    .fetch_one(&mut *tx)
                    .await?;
                    let secondary: String = row.try_get("subject_secondary")?;
                    let tertiary: String = row.try_get("subject_tertiary")?;
                    let new_code = application_code(&secondary, &tertiary, u32::try_from(next).unwrap_or(u32::MAX));
                    sqlx::query("UPDATE applications SET code = $2, sequence = $3, sequence_scope = $4 WHERE id = $1")
                        .bind(id.0)
                        .bind(&new_code)
                        .bind(next)
                        .bind(&scope)
                        .execute(&mut *tx)
                        .await?;
                    code = Some(new_code);
                }
                sqlx::query("UPDATE applications SET submitted_on = $2 WHERE id = $1")
                    .bind(id.0)
                    .bind(date_text(on))
                    .execute(&mut *tx)
                    .await?;
            }
            let updated = sqlx::query("UPDATE applications SET status = $2, updated_at = $3 WHERE id = $1 AND status = $4")
                .bind(id.0)
                .bind(to.code())
                .bind(now)
                .bind(from.code())
                .execute(&mut *tx)
                .await?;
            if updated.rows_affected() != 1 {
                return Err(StoreError::Conflict("申报书状态已变化，请刷新后重试".into()));
            }
            sqlx::query(
                "INSERT INTO application_steps (application_id, step, from_status, to_status, account_id, actor, comment, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id.0)
            .bind(step.code())
            .bind(from.code())
            .bind(to.code())
            .bind(actor.account_id)
            .bind(&actor.name)
            .bind(comment)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let name: String = row.try_get("name")?;
            let change = Change {
                action: "application.step",
                object_type: "application",
                object_id: id.0.to_string(),
                province_code: Some(province),
                org_id: Some(unit_id),
                before: Some(serde_json::json!({ "status": from })),
                after: Some(
                    serde_json::json!({ "name": name, "step": step, "status": to, "code": code, "comment": comment }),
                ),
            };
            append(self, &mut tx, actor, &change).await?;
            tx.commit().await?;
            Ok(to)
        })
        .await
    }

    /// A district office's quota of district projects for `year` and how much of it is used.
    pub async fn district_quota(&self, district: OrgId, year: Year) -> Result<DistrictQuota> {
        let mut conn = self.pool.acquire().await?;
        district_quota_on(&mut conn, district.0, year).await
    }

    /// The steps of an application, oldest first.
    pub async fn application_steps(&self, id: ApplicationId) -> Result<Vec<StepRecord>> {
        let rows = sqlx::query(
            "SELECT id, step, from_status, to_status, account_id, actor, comment, at FROM application_steps WHERE application_id = $1 ORDER BY id",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let step: String = r.try_get("step")?;
                Ok(StepRecord {
                    id: r.try_get("id")?,
                    step: decode::code(&step, "application_steps.step", Step::from_code)?,
                    from: decode::code(
                        &r.try_get::<String, _>("from_status")?,
                        "application_steps.from_status",
                        Status::from_code,
                    )?,
                    to: decode::code(
                        &r.try_get::<String, _>("to_status")?,
                        "application_steps.to_status",
                        Status::from_code,
                    )?,
                    account_id: r.try_get("account_id")?,
                    actor: r.try_get("actor")?,
                    comment: r.try_get("comment")?,
                    at: r.try_get("at")?,
                })
            })
            .collect()
    }
}
