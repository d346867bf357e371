//! Remote projects (rules.md §4, §7.1): the upload cycle each one's unit chose, and the published
//! remote projects of a scope with what their cycles are dated from. Their rosters and reports are
//! kept per upload cycle in the tables of face-to-face periods, `period` being the cycle's number.

use chrono::NaiveDate;
use jijiao_domain::Year;
use jijiao_domain::org::Level;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::{Actor, Change, append};
use crate::events::EventScope;
use crate::sql::{Bind, Filter};
use crate::{Result, Store, StoreError, decode};

/// The cycle a unit chose, and who chose it when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StoredCycle {
    pub months: u32,
    pub set_by_name: String,
    pub set_at: i64,
}

/// A published remote project as its cycles are built from: the facts of an event's row and the
/// published dates and place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RemoteProjectRow {
    pub project_id: i64,
    pub number: String,
    pub name: String,
    pub year: Year,
    pub level: Level,
    pub subject: String,
    pub unit_name: String,
    pub unit_id: Option<i64>,
    pub unit_province: Option<String>,
    pub unit_district: Option<i64>,
    pub leader_name: String,
    pub leader_person: Option<i64>,
    pub planned_enrollment: u32,
    pub hours_tenths: Option<i64>,
    pub recorded_at: i64,
    /// The first day of the first published period and the last of the last.
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// The first published period's place (a list writes `远程（网络）` or the teaching website).
    pub place: String,
    /// The chosen cycle in months, once chosen.
    pub months: Option<u32>,
}

/// What a change of cycle names: the project and its unit (the audit log's scope).
#[derive(Clone, Debug)]
pub struct CycleChange<'a> {
    pub project_id: i64,
    pub project_number: &'a str,
    pub unit_id: Option<i64>,
    pub unit_province: Option<&'a str>,
    pub months: u32,
    pub at: i64,
}

const SELECT: &str = "SELECT p.id AS project_id, p.number, p.name, p.year, p.level, p.subject_tertiary, p.unit_name, p.unit_id, \
    p.province_code AS unit_province, d.id AS unit_district, p.leader_name, a.leader_person_id, p.planned_enrollment, p.hours, p.created_at, \
    p.first_day, p.last_day, \
    (SELECT pp.place FROM project_periods pp WHERE pp.project_id = p.id ORDER BY pp.start_date, pp.position LIMIT 1) AS place, \
    c.months \
    FROM projects p LEFT JOIN remote_cycles c ON c.project_id = p.id \
    LEFT JOIN organisations o ON o.id = p.unit_id \
    LEFT JOIN organisations d ON d.id = o.parent_id AND d.kind = 'district' \
    LEFT JOIN applications a ON a.id = p.application_id";

fn row_of(r: &AnyRow) -> Result<RemoteProjectRow> {
    let date = |column: &str, name: &'static str| -> Result<NaiveDate> {
        decode::date(&r.try_get::<String, _>(column)?, name)
    };
    Ok(RemoteProjectRow {
        project_id: r.try_get("project_id")?,
        number: r.try_get("number")?,
        name: r.try_get("name")?,
        year: decode::year(r, "year", "projects.year")?,
        level: decode::code(&r.try_get::<String, _>("level")?, "projects.level", Level::from_code)?,
        subject: r.try_get("subject_tertiary")?,
        unit_name: r.try_get("unit_name")?,
        unit_id: r.try_get("unit_id")?,
        unit_province: r.try_get("unit_province")?,
        unit_district: r.try_get("unit_district")?,
        leader_name: r.try_get("leader_name")?,
        leader_person: r.try_get("leader_person_id")?,
        planned_enrollment: decode::int(r, "planned_enrollment", "projects.planned_enrollment")?,
        hours_tenths: r.try_get("hours")?,
        recorded_at: r.try_get("created_at")?,
        first_day: date("first_day", "projects.first_day")?,
        last_day: date("last_day", "projects.last_day")?,
        place: r.try_get::<Option<String>, _>("place")?.unwrap_or_default(),
        months: r
            .try_get::<Option<i64>, _>("months")?
            .map(|m| decode::narrow(m, "remote_cycles.months"))
            .transpose()?,
    })
}

impl Store {
    /// The upload cycle of a remote project, once chosen.
    pub async fn upload_cycle(&self, project_id: i64) -> Result<Option<StoredCycle>> {
        let row = sqlx::query("SELECT months, set_by_name, set_at FROM remote_cycles WHERE project_id = $1")
            .bind(project_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(StoredCycle {
                months: decode::int(&r, "months", "remote_cycles.months")?,
                set_by_name: r.try_get("set_by_name")?,
                set_at: r.try_get("set_at")?,
            })
        })
        .transpose()
    }

    /// Chooses (or changes) a remote project's upload cycle; refused once a report of the project
    /// was submitted (its cycles' dates are then on record). The project's reports are read under a
    /// row lock (PostgreSQL) or the write lock (SQLite), so a submission waits for the change or the
    /// change sees the submission.
    pub async fn set_upload_cycle(&self, actor: &Actor, change: &CycleChange<'_>) -> Result<()> {
        self.write(|mut tx| async move {
            let submitted: Vec<AnyRow> = sqlx::query(&format!(
                "SELECT period FROM period_reports WHERE project_id = $1 AND first_submitted_on IS NOT NULL{}",
                self.backend.lock_rows("period_reports")
            ))
            .bind(change.project_id)
            .fetch_all(&mut *tx)
            .await?;
            if let Some(first) = submitted.first() {
                let period: i64 = first.try_get("period")?;
                return Err(StoreError::Conflict(format!(
                    "第{period}个上传周期的执行情况已提交，上传周期不能再变更"
                )));
            }
            let before: Option<i64> = sqlx::query_scalar(&format!(
                "SELECT months FROM remote_cycles WHERE project_id = $1{}",
                self.backend.lock_rows("remote_cycles")
            ))
            .bind(change.project_id)
            .fetch_optional(&mut *tx)
            .await?;
            let audit = Change {
                action: "upload_cycle.set",
                object_type: "remote_project",
                object_id: change.project_number.to_string(),
                province_code: change.unit_province.map(str::to_string),
                org_id: change.unit_id,
                before: before.map(|m| serde_json::json!({ "months": m })),
                after: Some(serde_json::json!({ "months": change.months })),
            };
            append(self, &mut tx, actor, &audit).await?;
            let sql = if before.is_some() {
                "UPDATE remote_cycles SET months = $2, account_id = $3, set_by_name = $4, set_at = $5 WHERE project_id = $1"
            } else {
                "INSERT INTO remote_cycles (project_id, months, account_id, set_by_name, set_at) VALUES ($1, $2, $3, $4, $5)"
            };
            sqlx::query(sql)
                .bind(change.project_id)
                .bind(i64::from(change.months))
                .bind(actor.account_id)
                .bind(&actor.name)
                .bind(change.at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// The published remote projects of `scope` (their unit's province, district or unit, or their
    /// leader; a remote project has no venue), one project when `number` is given, by number.
    pub async fn remote_projects(&self, scope: &EventScope, number: Option<&str>) -> Result<Vec<RemoteProjectRow>> {
        let mut f = Filter::default();
        f.and("p.number IS NOT NULL AND p.delivery = 'remote'", []);
        if !scope.all {
            let mut parts = Vec::new();
            let mut binds = Vec::new();
            let list = |column: &str, n: usize| format!("{column} IN ({})", vec!["?"; n].join(", "));
            if !scope.provinces.is_empty() {
                parts.push(list("p.province_code", scope.provinces.len()));
                binds.extend(scope.provinces.iter().map(|p| Bind::Text(p.clone())));
            }
            for (column, ids) in
                [("d.id", &scope.districts), ("p.unit_id", &scope.units), ("a.leader_person_id", &scope.leaders)]
            {
                if !ids.is_empty() {
                    parts.push(list(column, ids.len()));
                    binds.extend(ids.iter().map(|i| Bind::Int(*i)));
                }
            }
            if parts.is_empty() {
                return Ok(Vec::new());
            }
            f.and(&format!("({})", parts.join(" OR ")), binds);
        }
        if let Some(number) = number {
            f.and("p.number = ?", [Bind::Text(number.to_string())]);
        }
        let limit = f.next_placeholder();
        let sql = format!("{SELECT}{} ORDER BY p.first_day, p.number LIMIT ${limit}", f.where_sql());
        let rows = f.query(&sql).bind(crate::events::EVENTS_CAP).fetch_all(&self.pool).await?;
        rows.iter().map(row_of).collect()
    }
}
