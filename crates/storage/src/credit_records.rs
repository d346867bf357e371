//! Credit records (学分登记) and the learning record (个人学习档案): who earned what, recorded and granted by whom.
//!
//! A record holds the facts of one activity ([`RecordFacts`]); the credits are computed from the facts
//! by the credit engine wherever they are shown. Records start provisional and are granted or rejected
//! (with a reason) once; a granted record is never updated: [`Store::reverse_credit`] adds a new record
//! that cancels it. Every change is in the audit log, in the change's own transaction.

use jijiao_domain::credits::learning_record::{RecordFacts, RecordSource, RecordStatus, YearRecord};
use jijiao_domain::credits::{ActivityKind, LegacyClass, Role, RuleSettings};
use jijiao_domain::org::{Delivery, Level};
use jijiao_domain::{Credits, Hours};
use serde::Serialize;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Any, Row, Transaction};

use crate::audit::{Actor, Change, append};
use crate::decode;
use crate::sql::{Bind, Filter, add, date_text, value_rows};
use crate::{OrgId, Page, PageRequest, PersonId, Result, Store, StoreError, now_millis};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CreditRecordId(pub i64);

/// A record to store: whose, where from, and its facts.
#[derive(Clone, Debug)]
pub struct NewCreditRecord {
    pub person_id: PersonId,
    pub source: RecordSource,
    /// The project's number and period, the registration's reference, the plan, the imported file.
    pub source_ref: Option<String>,
    pub facts: RecordFacts,
    /// Stored as granted at once (legacy imports by the province), else provisional.
    pub granted: bool,
}

/// A stored record with the names a list shows.
#[derive(Clone, Debug, Serialize)]
pub struct CreditRecord {
    pub id: CreditRecordId,
    pub person_id: PersonId,
    pub person_name: String,
    pub org_id: Option<OrgId>,
    pub org_name: Option<String>,
    pub province_code: Option<String>,
    pub year: i32,
    pub source: RecordSource,
    pub source_ref: Option<String>,
    pub facts: RecordFacts,
    pub status: RecordStatus,
    pub reject_reason: Option<String>,
    /// The granted record this one cancels (a correction).
    pub reverses_id: Option<CreditRecordId>,
    /// The correction that cancelled this record, if any.
    pub reversed_by: Option<CreditRecordId>,
    pub recorded_by: Option<i64>,
    pub recorded_by_name: String,
    pub decided_by: Option<i64>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<i64>,
    pub created_at: i64,
}

impl CreditRecord {
    /// Counts for nothing: reversed by a correction, or itself a reversal.
    pub fn cancelled(&self) -> bool {
        self.reverses_id.is_some() || self.reversed_by.is_some()
    }

    /// The record as the credit engine's learning record reads it (id as text).
    pub fn year_record(&self) -> YearRecord {
        YearRecord {
            id: self.id.0.to_string(),
            facts: self.facts.clone(),
            status: self.status,
            cancelled: self.cancelled(),
        }
    }
}

/// Which records a review list shows: an administrator's scope, narrowed by the page's filters.
#[derive(Clone, Debug, Default)]
pub struct CreditFilter {
    pub province_code: Option<String>,
    /// Records of any of these employers (a district and its units, or one unit).
    pub org_ids: Option<Vec<i64>>,
    pub person_id: Option<PersonId>,
    pub status: Option<RecordStatus>,
    pub kind: Option<ActivityKind>,
    /// Records of any of these sources.
    pub sources: Option<Vec<RecordSource>>,
    pub year: Option<i32>,
    /// Words of the person's name.
    pub q: Option<String>,
}

/// A decision on a provisional record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Grant,
    Reject { reason: String },
}

/// One person's credits of a year in a compliance list: the person and the granted records' facts.
#[derive(Clone, Debug)]
pub struct PersonYear {
    pub person_id: PersonId,
    pub name: String,
    pub id_number: jijiao_domain::IdNumber,
    pub province_code: Option<String>,
    pub org_id: Option<OrgId>,
    pub org_name: Option<String>,
    pub grassroots: bool,
    pub records: Vec<YearRecord>,
}

const COLUMNS: &str = "r.id, r.person_id, p.name AS person_name, r.org_id, o.name AS org_name, r.province_code, r.year, \
    r.kind, r.source, r.source_ref, r.title, r.project_number, r.level, r.delivery, r.role, r.start_date, r.end_date, \
    r.passed, r.hours_tenths, r.credits_tenths, r.legacy_class, r.status, r.reject_reason, r.reverses_id, \
    (SELECT c.id FROM credit_records c WHERE c.reverses_id = r.id) AS reversed_by, r.recorded_by, r.recorded_by_name, \
    r.decided_by, r.decided_by_name, r.decided_at, r.created_at";

const FROM: &str =
    "FROM credit_records r JOIN people p ON p.id = r.person_id LEFT JOIN organisations o ON o.id = r.org_id";

fn invalid_facts(facts: &RecordFacts) -> Result<()> {
    let problems = facts.check(&RuleSettings::default());
    match problems.first() {
        Some(p) => Err(StoreError::Invalid(format!("{}：{}", p.field, p.message))),
        None => Ok(()),
    }
}

/// The audit view of a record: its facts, never personal data beyond the name.
fn audit_json(id: i64, person: &str, new: &NewCreditRecord, status: RecordStatus) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "person_id": new.person_id,
        "person": person,
        "source": new.source,
        "source_ref": new.source_ref,
        "facts": new.facts,
        "status": status,
    })
}

impl Store {
    /// Stores one record (provisional, or granted for imports).
    pub async fn record_credit(&self, actor: &Actor, new: &NewCreditRecord) -> Result<CreditRecordId> {
        let mut tx = self.begin_write().await?;
        let id = self.insert_credit(&mut tx, actor, new, None).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Stores many records in one transaction: all of them or, on any error, none.
    pub async fn record_credits(&self, actor: &Actor, records: &[NewCreditRecord]) -> Result<Vec<CreditRecordId>> {
        for r in records {
            invalid_facts(&r.facts)?;
        }
        let mut tx = self.begin_write().await?;
        let mut ids = Vec::with_capacity(records.len());
        for r in records {
            ids.push(self.insert_credit(&mut tx, actor, r, None).await?);
        }
        tx.commit().await?;
        Ok(ids)
    }

    async fn insert_credit(
        &self,
        tx: &mut Transaction<'_, Any>,
        actor: &Actor,
        new: &NewCreditRecord,
        reverses: Option<CreditRecordId>,
    ) -> Result<CreditRecordId> {
        invalid_facts(&new.facts)?;
        let person = sqlx::query(
            "SELECT p.name, p.employer_id, o.province_code FROM people p LEFT JOIN organisations o ON o.id = p.employer_id WHERE p.id = $1",
        )
        .bind(new.person_id.0)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::Invalid("人员不存在".into()))?;
        let name: String = person.try_get("name")?;
        let org_id: Option<i64> = person.try_get("employer_id")?;
        let province: Option<String> = person.try_get("province_code")?;
        let status = if new.granted { RecordStatus::Granted } else { RecordStatus::Provisional };
        let now = now_millis();
        let mut args = AnyArguments::default();
        bind_credit(
            &mut args,
            new,
            &Placement { org_id, province: province.clone(), status, reverses: reverses.map(|r| r.0) },
            actor,
            now,
        );
        let id: i64 = sqlx::query_scalar_with(
            &format!(
                "INSERT INTO credit_records ({CREDIT_INSERT_COLUMNS}) VALUES {} RETURNING id",
                value_rows(self.backend, 1, 26)
            ),
            args,
        )
        .fetch_one(&mut **tx)
        .await?;
        let action = match (reverses.is_some(), new.granted) {
            (true, _) => "credit.reverse",
            (false, true) => "credit.record_granted",
            (false, false) => "credit.record",
        };
        let mut after = audit_json(id, &name, new, status);
        if let Some(r) = reverses {
            after["reverses_id"] = serde_json::json!(r.0);
        }
        let change = Change {
            action,
            object_type: "credit_record",
            object_id: id.to_string(),
            province_code: province,
            org_id,
            before: None,
            after: Some(after),
        };
        append(self, tx, actor, &change).await?;
        Ok(CreditRecordId(id))
    }

    pub async fn credit_record(&self, id: CreditRecordId) -> Result<CreditRecord> {
        let row =
            sqlx::query(&format!("SELECT {COLUMNS} {FROM} WHERE r.id = $1")).bind(id.0).fetch_one(&self.pool).await?;
        record_from_row(&row)
    }

    /// A person's records, of one year or all, in the order the activities ended.
    pub async fn credit_records_of(&self, person: PersonId, year: Option<i32>) -> Result<Vec<CreditRecord>> {
        let mut f = Filter::default();
        f.and("r.person_id = ?", [Bind::Int(person.0)]);
        if let Some(y) = year {
            f.and("r.year = ?", [Bind::Int(i64::from(y))]);
        }
        let sql = format!("SELECT {COLUMNS} {FROM}{} ORDER BY r.end_date, r.id", f.where_sql());
        let rows = f.query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(record_from_row).collect()
    }

    /// The years a person has records in, newest first.
    pub async fn credit_years_of(&self, person: PersonId) -> Result<Vec<i32>> {
        let years: Vec<i64> =
            sqlx::query_scalar("SELECT DISTINCT year FROM credit_records WHERE person_id = $1 ORDER BY year DESC")
                .bind(person.0)
                .fetch_all(&self.pool)
                .await?;
        years.into_iter().map(|y| decode::narrow(y, "credit_records.year")).collect()
    }

    /// Records for review lists, newest first.
    pub async fn credit_records(&self, filter: &CreditFilter, page: PageRequest) -> Result<Page<CreditRecord>> {
        let f = filter_sql(filter);
        let where_sql = f.where_sql();
        let total: i64 =
            f.query_scalar(&format!("SELECT CAST(COUNT(*) AS BIGINT) {FROM}{where_sql}")).fetch_one(&self.pool).await?;
        let n = f.next_placeholder();
        let sql = format!("SELECT {COLUMNS} {FROM}{where_sql} ORDER BY r.id DESC LIMIT ${n} OFFSET ${}", n + 1);
        let rows = f.query(&sql).bind(page.limit()).bind(page.offset()).fetch_all(&self.pool).await?;
        let items = rows.iter().map(record_from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page { items, total, capped: false, page: page.page, per_page: page.per_page })
    }

    /// The ids of every record matching a filter (for a bulk decision), at most `limit`.
    pub async fn credit_record_ids(&self, filter: &CreditFilter, limit: i64) -> Result<Vec<CreditRecordId>> {
        let f = filter_sql(filter);
        let n = f.next_placeholder();
        let sql = format!("SELECT r.id {FROM}{} ORDER BY r.id LIMIT ${n}", f.where_sql());
        let ids: Vec<i64> = f.query_scalar(&sql).bind(limit).fetch_all(&self.pool).await?;
        Ok(ids.into_iter().map(CreditRecordId).collect())
    }

    /// Grants or rejects provisional records, all in one transaction: if any is no longer provisional,
    /// nothing changes (409).
    pub async fn decide_credits(&self, actor: &Actor, ids: &[CreditRecordId], decision: &Decision) -> Result<usize> {
        if let Decision::Reject { reason } = decision
            && reason.trim().is_empty()
        {
            return Err(StoreError::Invalid("不通过时必须填写原因".into()));
        }
        let now = now_millis();
        let mut tx = self.begin_write().await?;
        for id in ids {
            let row = sqlx::query(
                "SELECT r.status, r.province_code, r.org_id, p.name FROM credit_records r JOIN people p ON p.id = r.person_id WHERE r.id = $1",
            )
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
            let status: String = row.try_get("status")?;
            if status != RecordStatus::Provisional.code() {
                return Err(StoreError::Conflict(format!(
                    "第 {} 号学分记录已{}，不能再审核",
                    id.0,
                    RecordStatus::from_code(&status).map_or("处理", RecordStatus::label)
                )));
            }
            let (new_status, reason) = match decision {
                Decision::Grant => (RecordStatus::Granted, None),
                Decision::Reject { reason } => (RecordStatus::Rejected, Some(reason.trim())),
            };
            let updated = sqlx::query(
                "UPDATE credit_records SET status = $2, reject_reason = $3, decided_by = $4, decided_by_name = $5, decided_at = $6 WHERE id = $1 AND status = 'provisional'",
            )
            .bind(id.0)
            .bind(new_status.code())
            .bind(reason)
            .bind(actor.account_id)
            .bind(actor.name.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!("第 {} 号学分记录已被他人处理", id.0)));
            }
            let change = Change {
                action: if new_status == RecordStatus::Granted { "credit.grant" } else { "credit.reject" },
                object_type: "credit_record",
                object_id: id.0.to_string(),
                province_code: row.try_get("province_code")?,
                org_id: row.try_get("org_id")?,
                before: Some(serde_json::json!({ "status": status, "person": row.try_get::<String, _>("name")? })),
                after: Some(serde_json::json!({ "status": new_status, "reason": reason })),
            };
            append(self, &mut tx, actor, &change).await?;
        }
        tx.commit().await?;
        Ok(ids.len())
    }

    /// Corrects a granted record: a new granted record reverses it (it then counts for nothing), and an
    /// optional replacement is recorded with it, provisional. The granted record itself is not touched.
    pub async fn reverse_credit(
        &self,
        actor: &Actor,
        id: CreditRecordId,
        reason: &str,
        replacement: Option<&NewCreditRecord>,
    ) -> Result<(CreditRecordId, Option<CreditRecordId>)> {
        if reason.trim().is_empty() {
            return Err(StoreError::Invalid("更正时必须填写原因".into()));
        }
        let original = self.credit_record(id).await?;
        if original.status != RecordStatus::Granted {
            return Err(StoreError::Conflict("只有已发放的学分记录需要冲销更正；待审核的记录请直接审核".into()));
        }
        if original.cancelled() {
            return Err(StoreError::Conflict("该学分记录已被冲销，或本身是冲销记录".into()));
        }
        if let Some(r) = replacement
            && r.person_id != original.person_id
        {
            return Err(StoreError::Invalid("更正记录必须属于同一人员".into()));
        }
        let reversal = NewCreditRecord {
            person_id: original.person_id,
            source: original.source,
            source_ref: Some(format!("冲销第 {} 号记录：{}", id.0, reason.trim())),
            facts: original.facts.clone(),
            granted: true,
        };
        let mut tx = self.begin_write().await?;
        let reversal_id = self.insert_credit(&mut tx, actor, &reversal, Some(id)).await?;
        let replacement_id = match replacement {
            Some(r) => {
                Some(self.insert_credit(&mut tx, actor, &NewCreditRecord { granted: false, ..r.clone() }, None).await?)
            }
            None => None,
        };
        tx.commit().await?;
        Ok((reversal_id, replacement_id))
    }

    /// The granted records of a year of the people of a scope, one entry per person (people without
    /// records included), ordered by name; one page of [`Store::compliance_all`].
    pub async fn compliance_year(
        &self,
        province_code: Option<&str>,
        org_ids: Option<&[i64]>,
        year: i32,
        page: PageRequest,
    ) -> Result<Page<PersonYear>> {
        let all = self.compliance_all(province_code, org_ids, year).await?;
        let total = all.len() as i64;
        let items = all.into_iter().skip(page.offset() as usize).take(page.limit() as usize).collect();
        Ok(Page { items, total, capped: false, page: page.page, per_page: page.per_page })
    }
}

fn filter_sql(filter: &CreditFilter) -> Filter {
    let mut f = Filter::default();
    if let Some(p) = &filter.province_code {
        f.and("r.province_code = ?", [Bind::Text(p.clone())]);
    }
    if let Some(ids) = &filter.org_ids {
        let list = if ids.is_empty() {
            "NULL".to_string()
        } else {
            ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
        };
        f.and(&format!("r.org_id IN ({list})"), []);
    }
    if let Some(p) = filter.person_id {
        f.and("r.person_id = ?", [Bind::Int(p.0)]);
    }
    if let Some(s) = filter.status {
        f.and("r.status = ?", [Bind::Text(s.code().into())]);
    }
    if let Some(k) = filter.kind {
        f.and("r.kind = ?", [Bind::Text(k.code().into())]);
    }
    if let Some(sources) = &filter.sources {
        let list = if sources.is_empty() {
            "NULL".to_string()
        } else {
            sources.iter().map(|s| format!("'{}'", s.code())).collect::<Vec<_>>().join(", ")
        };
        f.and(&format!("r.source IN ({list})"), []);
    }
    if let Some(y) = filter.year {
        f.and("r.year = ?", [Bind::Int(i64::from(y))]);
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        f.contains(&["p.name"], q);
    }
    f
}

/// The columns a record is inserted with, in the order [`bind_credit`] binds them.
pub(crate) const CREDIT_INSERT_COLUMNS: &str = "person_id, org_id, province_code, year, kind, source, source_ref, title, project_number, level, delivery, role, start_date, end_date, passed, hours_tenths, credits_tenths, legacy_class, status, reverses_id, recorded_by, recorded_by_name, decided_by, decided_by_name, decided_at, created_at";

/// Where a new record is filed: its person's employer and province at the time, its status and the
/// record it reverses, if any.
pub(crate) struct Placement {
    pub org_id: Option<i64>,
    pub province: Option<String>,
    pub status: RecordStatus,
    pub reverses: Option<i64>,
}

/// Adds a record's 26 values in [`CREDIT_INSERT_COLUMNS`] order: the one encoding of a record, shared by
/// [`Store::record_credit`] and the bulk load ([`Store::bulk_record_credits`]).
pub(crate) fn bind_credit(args: &mut AnyArguments<'_>, new: &NewCreditRecord, at: &Placement, actor: &Actor, now: i64) {
    let f = &new.facts;
    add(args, new.person_id.0);
    add(args, at.org_id);
    add(args, at.province.clone());
    add(args, i64::from(f.year()));
    add(args, f.kind.code());
    add(args, new.source.code());
    add(args, new.source_ref.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string));
    add(args, f.title.trim().to_string());
    add(args, f.project_number.as_deref().map(|n| n.trim().to_string()));
    add(args, f.level.map(|l| l.code()));
    add(args, f.delivery.map(|d| d.code()));
    add(args, f.role.map(role_code));
    add(args, f.start.map(date_text));
    add(args, date_text(f.end));
    add(args, f.passed.map(i64::from));
    add(args, f.hours.map(|h| h.tenths()));
    add(args, f.credits.map(|c| c.tenths()));
    add(args, f.legacy_class.map(|c| c.code()));
    add(args, at.status.code());
    add(args, at.reverses);
    add(args, actor.account_id);
    add(args, actor.name.clone());
    add(args, new.granted.then_some(actor.account_id).flatten());
    add(args, new.granted.then(|| actor.name.clone()));
    add(args, new.granted.then_some(now));
    add(args, now);
}

fn role_code(r: Role) -> &'static str {
    match r {
        Role::Participant => "participant",
        Role::Speaker => "speaker",
    }
}

fn facts_from_row(r: &AnyRow) -> Result<RecordFacts> {
    facts_from_parts(StoredFacts {
        kind: r.try_get("kind")?,
        title: r.try_get("title")?,
        project_number: r.try_get("project_number")?,
        level: r.try_get("level")?,
        delivery: r.try_get("delivery")?,
        role: r.try_get("role")?,
        start_date: r.try_get("start_date")?,
        end_date: r.try_get("end_date")?,
        passed: r.try_get("passed")?,
        hours_tenths: r.try_get("hours_tenths")?,
        credits_tenths: r.try_get("credits_tenths")?,
        legacy_class: r.try_get("legacy_class")?,
    })
}

/// A record's fact columns as stored, whether read from a row or from the JSON of a recomputation.
struct StoredFacts {
    kind: String,
    title: String,
    project_number: Option<String>,
    level: Option<String>,
    delivery: Option<String>,
    role: Option<String>,
    start_date: Option<String>,
    end_date: String,
    passed: Option<i64>,
    hours_tenths: Option<i64>,
    credits_tenths: Option<i64>,
    legacy_class: Option<String>,
}

fn facts_from_parts(f: StoredFacts) -> Result<RecordFacts> {
    let corrupt = |column: &'static str, value: &str| StoreError::Corrupt { column, value: value.to_string() };
    Ok(RecordFacts {
        kind: decode::code(&f.kind, "credit_records.kind", |k| ActivityKind::ALL.into_iter().find(|a| a.code() == k))?,
        title: f.title,
        project_number: f.project_number,
        level: match f.level {
            Some(l) => Some(decode::code(&l, "credit_records.level", Level::from_code)?),
            None => None,
        },
        delivery: match f.delivery {
            Some(d) => Some(decode::code(&d, "credit_records.delivery", Delivery::from_code)?),
            None => None,
        },
        role: match f.role.as_deref() {
            Some("participant") => Some(Role::Participant),
            Some("speaker") => Some(Role::Speaker),
            Some(other) => return Err(corrupt("credit_records.role", other)),
            None => None,
        },
        start: f.start_date.map(|d| decode::date(&d, "credit_records.start_date")).transpose()?,
        end: decode::date(&f.end_date, "credit_records.end_date")?,
        passed: f.passed.map(|p| p != 0),
        hours: f.hours_tenths.map(Hours::from_tenths),
        credits: f.credits_tenths.map(Credits::from_tenths),
        legacy_class: match f.legacy_class.as_deref() {
            Some("I") => Some(LegacyClass::I),
            Some("II") => Some(LegacyClass::II),
            Some(other) => return Err(corrupt("credit_records.legacy_class", other)),
            None => None,
        },
    })
}

fn record_from_row(r: &AnyRow) -> Result<CreditRecord> {
    let source: String = r.try_get("source")?;
    let status: String = r.try_get("status")?;
    let facts = facts_from_row(r)?;
    Ok(CreditRecord {
        id: CreditRecordId(r.try_get("id")?),
        person_id: PersonId(r.try_get("person_id")?),
        person_name: r.try_get("person_name")?,
        org_id: r.try_get::<Option<i64>, _>("org_id")?.map(OrgId),
        org_name: r.try_get("org_name")?,
        province_code: r.try_get("province_code")?,
        year: decode::int(r, "year", "credit_records.year")?,
        source: decode::code(&source, "credit_records.source", RecordSource::from_code)?,
        source_ref: r.try_get("source_ref")?,
        facts,
        status: decode::code(&status, "credit_records.status", RecordStatus::from_code)?,
        reject_reason: r.try_get("reject_reason")?,
        reverses_id: r.try_get::<Option<i64>, _>("reverses_id")?.map(CreditRecordId),
        reversed_by: r.try_get::<Option<i64>, _>("reversed_by")?.map(CreditRecordId),
        recorded_by: r.try_get("recorded_by")?,
        recorded_by_name: r.try_get("recorded_by_name")?,
        decided_by: r.try_get("decided_by")?,
        decided_by_name: r.try_get("decided_by_name")?,
        decided_at: r.try_get("decided_at")?,
        created_at: r.try_get("created_at")?,
    })
}

// ---- self-study plans ----

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
    pub year: i32,
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
    pub year: Option<i32>,
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
        year: decode::int(r, "year", "self_study_plans.year")?,
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
        year: i32,
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
        let mut tx = self.begin_write().await?;
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
        let mut tx = self.begin_write().await?;
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

    /// Every person of a scope with the granted records of a year, ordered by name: two queries, however
    /// many people (compliance reports and their export).
    pub async fn compliance_all(
        &self,
        province_code: Option<&str>,
        org_ids: Option<&[i64]>,
        year: i32,
    ) -> Result<Vec<PersonYear>> {
        let mut scope = String::new();
        let mut f = Filter::default();
        if let Some(p) = province_code {
            f.and("o.province_code = ?", [Bind::Text(p.to_string())]);
        }
        if let Some(ids) = org_ids {
            f.and(&format!("p.employer_id IN ({})", id_list(ids)), []);
        }
        scope.push_str(&f.where_sql());
        let people_sql = format!(
            "SELECT p.id, p.name, p.id_number_enc, p.employer_id, o.name AS org_name, o.province_code, o.grassroots FROM people p LEFT JOIN organisations o ON o.id = p.employer_id{scope} ORDER BY p.name, p.id"
        );
        let rows = f.query(&people_sql).fetch_all(&self.pool).await?;
        let mut out = Vec::with_capacity(rows.len());
        let mut index = std::collections::HashMap::with_capacity(rows.len());
        for r in &rows {
            let person_id = PersonId(r.try_get("id")?);
            index.insert(person_id.0, out.len());
            let id_number = self.vault().decrypt(&r.try_get::<String, _>("id_number_enc")?)?;
            out.push(PersonYear {
                person_id,
                name: r.try_get("name")?,
                id_number: jijiao_domain::IdNumber::parse(&id_number).map_err(|_| StoreError::Decrypt)?,
                province_code: r.try_get("province_code")?,
                org_id: r.try_get::<Option<i64>, _>("employer_id")?.map(OrgId),
                org_name: r.try_get("org_name")?,
                grassroots: r.try_get::<Option<i64>, _>("grassroots")?.unwrap_or(0) != 0,
                records: Vec::new(),
            });
        }
        let n = f.next_placeholder();
        let records_sql = format!(
            "SELECT {COLUMNS} {FROM} WHERE r.year = ${n} AND r.status = 'granted' AND r.person_id IN (SELECT p.id FROM people p LEFT JOIN organisations o ON o.id = p.employer_id{scope}) ORDER BY r.end_date, r.id"
        );
        let records = f.query(&records_sql).bind(i64::from(year)).fetch_all(&self.pool).await?;
        for row in &records {
            let record = record_from_row(row)?;
            if let Some(&i) = index.get(&record.person_id.0) {
                out[i].records.push(record.year_record());
            }
        }
        Ok(out)
    }
}

/// The fields of a record a recomputation needs, as one JSON array per record: the facts, and whether
/// the record is a correction (`reverses_id`). The order is [`LeanRecord`]'s.
const LEAN_FIELDS: &str = "r.id, r.kind, r.title, r.project_number, r.level, r.delivery, r.role, r.start_date, \
    r.end_date, r.passed, r.hours_tenths, r.credits_tenths, r.legacy_class, r.reverses_id";

/// One element of a person's JSON array of records (see [`LEAN_FIELDS`]).
type LeanRecord = (
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

impl Store {
    /// The people with ids in `from..to` and their granted records of a year, in id order: the unit
    /// of work of a bulk recomputation of everyone's year (two queries per range, memory bounded by
    /// the range).
    ///
    /// The records come one row per person, as a JSON array aggregated by the database, rather than
    /// one row per record: at ten million records the cost of a recomputation is the rows crossing
    /// the driver (a hand-over between threads and a decoded value per column on SQLite), not the
    /// query, and aggregating cuts the rows tenfold (BENCHMARKS.md, issue 4). The aggregate is the
    /// one dialect-specific part.
    pub async fn person_years_in_range(&self, year: i32, from: i64, to: i64) -> Result<Vec<PersonYear>> {
        let rows = sqlx::query(
            "SELECT p.id, p.name, p.id_number_enc, p.employer_id, o.name AS org_name, o.province_code, o.grassroots FROM people p LEFT JOIN organisations o ON o.id = p.employer_id WHERE p.id >= $1 AND p.id < $2 ORDER BY p.id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id_number = self.vault().decrypt(&r.try_get::<String, _>("id_number_enc")?)?;
            out.push(PersonYear {
                person_id: PersonId(r.try_get("id")?),
                name: r.try_get("name")?,
                id_number: jijiao_domain::IdNumber::parse(&id_number).map_err(|_| StoreError::Decrypt)?,
                province_code: r.try_get("province_code")?,
                org_id: r.try_get::<Option<i64>, _>("employer_id")?.map(OrgId),
                org_name: r.try_get("org_name")?,
                grassroots: r.try_get::<Option<i64>, _>("grassroots")?.unwrap_or(0) != 0,
                records: Vec::new(),
            });
        }
        drop(rows);
        let aggregate = self.backend.json_rows(LEAN_FIELDS, None);
        let rows = sqlx::query(&format!(
            "SELECT r.person_id, {aggregate} AS records FROM credit_records r WHERE r.person_id >= $1 AND r.person_id < $2 AND r.year = $3 AND r.status = 'granted' GROUP BY r.person_id ORDER BY r.person_id"
        ))
        .bind(from)
        .bind(to)
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?;
        let mut lean: Vec<(i64, Vec<LeanRecord>)> = Vec::with_capacity(rows.len());
        for row in &rows {
            let json: String = row.try_get("records")?;
            let records = decode::json(&json, "credit_records")?;
            lean.push((row.try_get("person_id")?, records));
        }
        drop(rows);
        // Which records a correction cancels, without a subquery per record: a reversal is always
        // granted, of the same person and with the same facts, hence the same year, as the record it
        // reverses (`reverse_credit`), so it is among these records whenever that record is.
        let reversed: std::collections::HashSet<i64> =
            lean.iter().flat_map(|(_, records)| records.iter().filter_map(|r| r.13)).collect();
        // Both lists are in person order: walk them together.
        let mut i = 0;
        for (person, records) in lean {
            while i < out.len() && out[i].person_id.0 < person {
                i += 1;
            }
            if i == out.len() {
                break;
            }
            if out[i].person_id.0 != person {
                continue;
            }
            let mut year_records = Vec::with_capacity(records.len());
            for r in records {
                let (id, reverses) = (r.0, r.13);
                let facts = facts_from_parts(StoredFacts {
                    kind: r.1,
                    title: r.2,
                    project_number: r.3,
                    level: r.4,
                    delivery: r.5,
                    role: r.6,
                    start_date: r.7,
                    end_date: r.8,
                    passed: r.9,
                    hours_tenths: r.10,
                    credits_tenths: r.11,
                    legacy_class: r.12,
                })?;
                year_records.push((
                    id,
                    YearRecord {
                        id: id.to_string(),
                        facts,
                        status: RecordStatus::Granted,
                        cancelled: reverses.is_some() || reversed.contains(&id),
                    },
                ));
            }
            // The order the record page and the compliance list use: as the activities ended.
            year_records.sort_by(|(a_id, a), (b_id, b)| (a.facts.end, a_id).cmp(&(b.facts.end, b_id)));
            out[i].records = year_records.into_iter().map(|(_, r)| r).collect();
        }
        Ok(out)
    }

    /// The largest person id (0 without people), to split a recomputation into ranges.
    pub async fn max_person_id(&self) -> Result<i64> {
        let max: Option<i64> =
            sqlx::query_scalar("SELECT CAST(MAX(id) AS BIGINT) FROM people").fetch_one(&self.pool).await?;
        Ok(max.unwrap_or(0))
    }
}

fn id_list(ids: &[i64]) -> String {
    if ids.is_empty() { "NULL".to_string() } else { ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ") }
}
