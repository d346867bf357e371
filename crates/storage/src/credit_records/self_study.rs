//! Self-study (自学): a professional's plan for a year, approved or refused by the employer once,
//! and how much has been applied for against it (rules.md §2.2: self-study counts only when planned
//! and approved).

use jijiao_domain::{Credits, Year};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Decision, id_list};
use crate::audit::{Actor, Change, append};
use crate::decode;
use crate::sql::{Bind, Filter};
use crate::{OrgId, PersonId, Result, Store, StoreError, now_millis};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct PlanId(pub i64);

/// Where a self-study plan stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    Submitted,
    Approved,
    Rejected,
}

impl PlanStatus {
    pub const ALL: [PlanStatus; 3] = [PlanStatus::Submitted, PlanStatus::Approved, PlanStatus::Rejected];

    pub fn code(self) -> &'static str {
        match self {
            PlanStatus::Submitted => "submitted",
            PlanStatus::Approved => "approved",
            PlanStatus::Rejected => "rejected",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PlanStatus::Submitted => "待单位审核",
            PlanStatus::Approved => "已批准",
            PlanStatus::Rejected => "未批准",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// A professional's self-study plan for a year (rules.md §2.2: self-study counts only when planned and
/// approved by the employer).
#[derive(Clone, Debug, Serialize)]
pub struct SelfStudyPlan {
    pub id: PlanId,
    pub person_id: PersonId,
    pub person_name: String,
    pub org_id: Option<OrgId>,
    pub org_name: Option<String>,
    pub province_code: Option<String>,
    pub year: Year,
    pub content: String,
    pub planned: Credits,
    pub status: PlanStatus,
    pub reject_reason: Option<String>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<i64>,
    pub created_at: i64,
}

/// Which plans a list shows: a person's, or those of some employers, optionally of one status.
#[derive(Clone, Debug, Default)]
pub struct PlanFilter {
    pub person_id: Option<PersonId>,
    pub org_ids: Option<Vec<i64>>,
    pub status: Option<PlanStatus>,
    pub year: Option<Year>,
}

const PLAN_COLUMNS: &str = "s.id, s.person_id, p.name AS person_name, s.org_id, o.name AS org_name, s.province_code, \
    s.year, s.content, s.planned_tenths, s.status, s.reject_reason, s.decided_by_name, s.decided_at, s.created_at";
const PLAN_FROM: &str =
    "FROM self_study_plans s JOIN people p ON p.id = s.person_id LEFT JOIN organisations o ON o.id = s.org_id";

fn plan_from_row(r: &AnyRow) -> Result<SelfStudyPlan> {
    let status: String = r.try_get("status")?;
    Ok(SelfStudyPlan {
        id: PlanId(r.try_get("id")?),
        person_id: PersonId(r.try_get("person_id")?),
        person_name: r.try_get("person_name")?,
        org_id: r.try_get::<Option<i64>, _>("org_id")?.map(OrgId),
        org_name: r.try_get("org_name")?,
        province_code: r.try_get("province_code")?,
        year: decode::year(r, "year", "self_study_plans.year")?,
        content: r.try_get("content")?,
        planned: Credits::from_tenths(r.try_get("planned_tenths")?),
        status: decode::code(&status, "self_study_plans.status", PlanStatus::from_code)?,
        reject_reason: r.try_get("reject_reason")?,
        decided_by_name: r.try_get("decided_by_name")?,
        decided_at: r.try_get("decided_at")?,
        created_at: r.try_get("created_at")?,
    })
}

/// The text a self-study record's `source_ref` carries for its plan.
pub fn plan_ref(id: PlanId) -> String {
    format!("自学计划第 {} 号", id.0)
}

impl Store {
    /// Submits a plan for a year; refused while another plan of that year is submitted or approved.
    pub async fn submit_self_study_plan(
        &self,
        actor: &Actor,
        person: PersonId,
        year: Year,
        content: &str,
        planned: Credits,
    ) -> Result<PlanId> {
        let content = content.trim();
        if content.is_empty() || content.chars().count() > 2000 {
            return Err(StoreError::Invalid("学习计划内容应为1至2000字".into()));
        }
        if planned.tenths() <= 0 || planned.tenths() > 1000 {
            return Err(StoreError::Invalid("计划学分应大于0且不超过100".into()));
        }
        self.write(|mut tx| async move {
            let open: i64 = sqlx::query_scalar(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM self_study_plans WHERE person_id = $1 AND year = $2 AND status <> 'rejected'",
            )
            .bind(person.0)
            .bind(i64::from(year))
            .fetch_one(&mut *tx)
            .await?;
            if open > 0 {
                return Err(StoreError::Conflict(format!("{year}年度已有待审核或已批准的自学计划")));
            }
            let row = sqlx::query(
                "SELECT p.name, p.employer_id, o.province_code FROM people p LEFT JOIN organisations o ON o.id = p.employer_id WHERE p.id = $1",
            )
            .bind(person.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
            let org_id: Option<i64> = row.try_get("employer_id")?;
            let province: Option<String> = row.try_get("province_code")?;
            let name: String = row.try_get("name")?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO self_study_plans (person_id, org_id, province_code, year, content, planned_tenths, status, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 'submitted', $7) RETURNING id",
            )
            .bind(person.0)
            .bind(org_id)
            .bind(province.as_deref())
            .bind(i64::from(year))
            .bind(content)
            .bind(planned.tenths())
            .bind(now_millis())
            .fetch_one(&mut *tx)
            .await?;
            let change = Change {
                action: "self_study_plan.submit",
                object_type: "self_study_plan",
                object_id: id.to_string(),
                province_code: province,
                org_id,
                before: None,
                after: Some(serde_json::json!({
                    "person_id": person.0, "person": name, "year": year, "content": content, "planned": planned,
                })),
            };
            append(self, &mut tx, actor, &change).await?;
            tx.commit().await?;
            Ok(PlanId(id))
        })
        .await
    }

    pub async fn self_study_plan(&self, id: PlanId) -> Result<SelfStudyPlan> {
        let row = sqlx::query(&format!("SELECT {PLAN_COLUMNS} {PLAN_FROM} WHERE s.id = $1"))
            .bind(id.0)
            .fetch_one(&self.pool)
            .await?;
        plan_from_row(&row)
    }

    /// Plans matching a filter, newest first (at most 500).
    pub async fn self_study_plans(&self, filter: &PlanFilter) -> Result<Vec<SelfStudyPlan>> {
        let mut f = Filter::default();
        if let Some(p) = filter.person_id {
            f.and("s.person_id = ?", [Bind::Int(p.0)]);
        }
        if let Some(ids) = &filter.org_ids {
            f.and(&format!("s.org_id IN ({})", id_list(ids)), []);
        }
        if let Some(s) = filter.status {
            f.and("s.status = ?", [Bind::Text(s.code().into())]);
        }
        if let Some(y) = filter.year {
            f.and("s.year = ?", [Bind::Int(i64::from(y))]);
        }
        let sql = format!("SELECT {PLAN_COLUMNS} {PLAN_FROM}{} ORDER BY s.id DESC LIMIT 500", f.where_sql());
        let rows = f.query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(plan_from_row).collect()
    }

    /// Approves or rejects a submitted plan (once).
    pub async fn decide_self_study_plan(&self, actor: &Actor, id: PlanId, decision: &Decision) -> Result<()> {
        let (status, reason) = match decision {
            Decision::Grant => (PlanStatus::Approved, None),
            Decision::Reject { reason } if reason.trim().is_empty() => {
                return Err(StoreError::Invalid("不批准时必须填写原因".into()));
            }
            Decision::Reject { reason } => (PlanStatus::Rejected, Some(reason.trim())),
        };
        let plan = self.self_study_plan(id).await?;
        let plan = &plan;
        self.write(|mut tx| async move {
            let updated = sqlx::query(
                "UPDATE self_study_plans SET status = $2, reject_reason = $3, decided_by = $4, decided_by_name = $5, decided_at = $6 WHERE id = $1 AND status = 'submitted'",
            )
            .bind(id.0)
            .bind(status.code())
            .bind(reason)
            .bind(actor.account_id)
            .bind(actor.name.as_str())
            .bind(now_millis())
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!("第 {} 号自学计划已{}，不能再审核", id.0, plan.status.label())));
            }
            let change = Change {
                action: if status == PlanStatus::Approved { "self_study_plan.approve" } else { "self_study_plan.reject" },
                object_type: "self_study_plan",
                object_id: id.0.to_string(),
                province_code: plan.province_code.clone(),
                org_id: plan.org_id.map(|o| o.0),
                before: Some(serde_json::json!({ "status": plan.status, "person": plan.person_name })),
                after: Some(serde_json::json!({ "status": status, "reason": reason })),
            };
            append(self, &mut tx, actor, &change).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Credits already applied for against a plan (provisional or granted applications).
    pub async fn self_study_applied(&self, plan: PlanId) -> Result<Credits> {
        let sum: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(SUM(credits_tenths) AS BIGINT) FROM credit_records WHERE source = 'self_study' AND source_ref = $1 AND status <> 'rejected' AND reverses_id IS NULL",
        )
        .bind(plan_ref(plan))
        .fetch_one(&self.pool)
        .await?;
        Ok(Credits::from_tenths(sum.unwrap_or(0)))
    }
}
