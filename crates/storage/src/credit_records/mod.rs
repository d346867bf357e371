//! Credit records (学分登记) and the learning record (个人学习档案): who earned what, recorded and granted by whom.
//!
//! A record holds the facts of one activity ([`RecordFacts`]); the credits are computed from the facts
//! by the credit engine wherever they are shown. Records start provisional and are granted or rejected
//! (with a reason) once; a granted record is never updated: [`Store::reverse_credit`] adds a new record
//! that cancels it. Every change is in the audit log, in the change's own transaction.
//!
//! Here: records, their review and correction, and how a record is stored and read. Self-study plans
//! are in `self_study`, the compliance lists and the bulk recomputation's reads in `compliance`.

use chrono::NaiveDate;
use jijiao_domain::credits::learning_record::{RecordFacts, RecordSource, RecordStatus, YearRecord};
use jijiao_domain::credits::{ActivityKind, LegacyClass, Role, RuleSettings};
use jijiao_domain::org::{Delivery, Level};
use jijiao_domain::{Credits, Hours};
use serde::Serialize;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Any, Row, Transaction};

use crate::Backend;
use crate::audit::{Actor, Change, append};
use crate::decode;
use crate::sql::{Bind, Filter, add, date_text, value_rows};
use crate::{OrgId, Page, PageRequest, PersonId, Result, Store, StoreError, now_millis};

mod compliance;
mod self_study;

pub use compliance::PersonYear;
pub use self_study::{PlanFilter, PlanId, PlanStatus, SelfStudyPlan, plan_ref};

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
    pub year: jijiao_domain::Year,
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
    pub year: Option<jijiao_domain::Year>,
    /// Words of the person's name.
    pub q: Option<String>,
    /// Records whose activity ended on or before this day.
    pub ended_by: Option<chrono::NaiveDate>,
    /// Records whose activity ends after this day.
    pub ends_after: Option<chrono::NaiveDate>,
}

/// A decision on a provisional record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Grant,
    Reject { reason: String },
}

/// A record's columns, its organisation's name given as `$org` (over `r` and `p`, see [`FROM`]).
macro_rules! record_columns {
    ($org:literal) => {
        concat!(
            "r.id, r.person_id, p.name AS person_name, r.org_id, ",
            $org,
            " AS org_name, r.province_code, r.year, \
    r.kind, r.source, r.source_ref, r.title, r.project_number, r.level, r.delivery, r.role, r.start_date, r.end_date, \
    r.passed, r.hours_tenths, r.credits_tenths, r.legacy_class, r.status, r.reject_reason, r.reverses_id, \
    (SELECT c.id FROM credit_records c WHERE c.reverses_id = r.id) AS reversed_by, r.recorded_by, r.recorded_by_name, \
    r.decided_by, r.decided_by_name, r.decided_at, r.created_at"
        )
    };
}

const COLUMNS: &str = record_columns!("o.name");

const FROM: &str =
    "FROM credit_records r JOIN people p ON p.id = r.person_id LEFT JOIN organisations o ON o.id = r.org_id";

/// [`COLUMNS`] and [`FROM`] for one person's records, a few dozen at most: each record's
/// organisation looked up by id. Joined, PostgreSQL estimated 79 records where a person of the 10M
/// records' benchmark has 10, and hashed all 1,000 organisations for every record page: 0.17–0.24
/// of the statement's 0.27–0.42 ms, three quarters of the page's time in PostgreSQL (BENCHMARKS.md,
/// issue 19, fourteenth session).
const PERSON_COLUMNS: &str = record_columns!("(SELECT o.name FROM organisations o WHERE o.id = r.org_id)");
const PERSON_FROM: &str = "FROM credit_records r JOIN people p ON p.id = r.person_id";

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
        self.write(|mut tx| async move {
            let id = self.insert_credit(&mut tx, actor, new, None).await?;
            tx.commit().await?;
            Ok(id)
        })
        .await
    }

    /// Stores many records in one transaction: all of them or, on any error, none.
    pub async fn record_credits(&self, actor: &Actor, records: &[NewCreditRecord]) -> Result<Vec<CreditRecordId>> {
        for r in records {
            invalid_facts(&r.facts)?;
        }
        self.write(|mut tx| async move {
            let mut ids = Vec::with_capacity(records.len());
            for r in records {
                ids.push(self.insert_credit(&mut tx, actor, r, None).await?);
            }
            tx.commit().await?;
            Ok(ids)
        })
        .await
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
    pub async fn credit_records_of(
        &self,
        person: PersonId,
        year: Option<jijiao_domain::Year>,
    ) -> Result<Vec<CreditRecord>> {
        records_of_on(&self.pool, person, year).await
    }

    /// The records with these ids (in no promised order): what a certificate issue reads at once.
    pub async fn credit_records_in(&self, ids: &[CreditRecordId]) -> Result<Vec<CreditRecord>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(IN_LIST) {
            let list = chunk.iter().map(|i| i.0.to_string()).collect::<Vec<_>>().join(", ");
            let rows =
                sqlx::query(&format!("SELECT {COLUMNS} {FROM} WHERE r.id IN ({list})")).fetch_all(&self.pool).await?;
            for r in &rows {
                out.push(record_from_row(r)?);
            }
        }
        Ok(out)
    }

    /// The records of several people in one year, in the order the activities ended: the learning
    /// records of a whole roster read at once.
    pub async fn credit_records_of_people(
        &self,
        people: &[PersonId],
        year: jijiao_domain::Year,
    ) -> Result<Vec<CreditRecord>> {
        let mut out = Vec::new();
        for chunk in people.chunks(IN_LIST) {
            let list = chunk.iter().map(|p| p.0.to_string()).collect::<Vec<_>>().join(", ");
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} {FROM} WHERE r.person_id IN ({list}) AND r.year = $1 ORDER BY r.end_date, r.id"
            ))
            .bind(i64::from(year))
            .fetch_all(&self.pool)
            .await?;
            for r in &rows {
                out.push(record_from_row(r)?);
            }
        }
        Ok(out)
    }

    /// The years a person has records in, newest first.
    pub async fn credit_years_of(&self, person: PersonId) -> Result<Vec<jijiao_domain::Year>> {
        years_of_on(&self.pool, person).await
    }

    /// Records for review lists, newest first.
    pub async fn credit_records(&self, filter: &CreditFilter, page: PageRequest) -> Result<Page<CreditRecord>> {
        let f = filter_sql(self.backend, filter);
        let where_sql = f.where_sql();
        let total: i64 =
            f.query_scalar(&format!("SELECT CAST(COUNT(*) AS BIGINT) {FROM}{where_sql}")).fetch_one(&self.pool).await?;
        let n = f.next_placeholder();
        let sql = format!("SELECT {COLUMNS} {FROM}{where_sql} ORDER BY r.id DESC LIMIT ${n} OFFSET ${}", n + 1);
        let rows = f.query(&sql).bind(page.limit()).bind(page.offset()).fetch_all(&self.pool).await?;
        let items = rows.iter().map(record_from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page { items, total, page: page.page, per_page: page.per_page })
    }

    /// The ids of every record matching a filter (for a bulk decision), at most `limit`.
    /// How many records match the filter.
    pub async fn count_credit_records(&self, filter: &CreditFilter) -> Result<i64> {
        let f = filter_sql(self.backend, filter);
        let sql = format!("SELECT CAST(COUNT(*) AS BIGINT) {FROM}{}", f.where_sql());
        Ok(f.query_scalar(&sql).fetch_one(&self.pool).await?)
    }

    pub async fn credit_record_ids(&self, filter: &CreditFilter, limit: i64) -> Result<Vec<CreditRecordId>> {
        let f = filter_sql(self.backend, filter);
        let n = f.next_placeholder();
        let sql = format!("SELECT r.id {FROM}{} ORDER BY r.id LIMIT ${n}", f.where_sql());
        let ids: Vec<i64> = f.query_scalar(&sql).bind(limit).fetch_all(&self.pool).await?;
        Ok(ids.into_iter().map(CreditRecordId).collect())
    }

    /// Grants or rejects provisional records, all in one transaction: if any is no longer provisional,
    /// nothing changes (409).
    ///
    /// The records are locked first, in id order, and the audit head after them (at the first
    /// entry): every decision, of one record or of many, locks in this one order, so concurrent
    /// decisions over the same records queue instead of deadlocking on PostgreSQL. (A bulk decision
    /// that locked each record as it came to it, after its first entry had taken the audit head,
    /// waited for a record a single decision held while that one waited for the head: issue 14.)
    pub async fn decide_credits(&self, actor: &Actor, ids: &[CreditRecordId], decision: &Decision) -> Result<usize> {
        let (new_status, reason) = match decision {
            Decision::Grant => (RecordStatus::Granted, None),
            Decision::Reject { reason } if reason.trim().is_empty() => {
                return Err(StoreError::Invalid("不通过时必须填写原因".into()));
            }
            Decision::Reject { reason } => (RecordStatus::Rejected, Some(reason.trim())),
        };
        let mut in_id_order: Vec<i64> = ids.iter().map(|id| id.0).collect();
        in_id_order.sort_unstable();
        in_id_order.dedup();
        let lock = format!(
            "SELECT r.id, r.status, r.province_code, r.org_id, p.name FROM credit_records r JOIN people p ON p.id = r.person_id \
             WHERE r.id IN ({}) ORDER BY r.id{}",
            id_list(&in_id_order),
            self.backend.lock_rows("r")
        );
        let lock = &lock;
        self.write(|mut tx| async move {
            let now = now_millis();
            let mut records = std::collections::HashMap::with_capacity(ids.len());
            for row in sqlx::query(lock).fetch_all(&mut *tx).await? {
                let status: String = row.try_get("status")?;
                records.insert(row.try_get::<i64, _>("id")?, (status, row));
            }
            for id in ids {
                let (status, row) = records.get_mut(&id.0).ok_or(StoreError::NotFound)?;
                if *status != RecordStatus::Provisional.code() {
                    return Err(StoreError::Conflict(format!(
                        "第 {} 号学分记录已{}，不能再审核",
                        id.0,
                        RecordStatus::from_code(status).map_or("处理", RecordStatus::label)
                    )));
                }
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
                // The same id twice in `ids` is refused as decided, as it was by the first.
                *status = new_status.code().to_string();
            }
            tx.commit().await?;
            Ok(ids.len())
        })
        .await
    }

    /// Corrects a granted record: a new granted record reverses it (it then counts for nothing), and an
    /// optional replacement is recorded with it, provisional. The granted record itself is not touched;
    /// its certificate is revoked as of `today` (the application's clock, not the machine's).
    pub async fn reverse_credit(
        &self,
        actor: &Actor,
        id: CreditRecordId,
        reason: &str,
        replacement: Option<&NewCreditRecord>,
        today: NaiveDate,
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
        let reversal = &reversal;
        self.write(|mut tx| async move {
            // Its certificate is revoked with the reason (rules.md §7.5), locked before the first
            // audit entry and recorded after it.
            let revoked = self.revoke_certificates_of_record(&mut tx, id, reason, today).await?;
            let reversal_id = self.insert_credit(&mut tx, actor, reversal, Some(id)).await?;
            self.audit_revocations(&mut tx, actor, &revoked).await?;
            let replacement_id = match replacement {
                Some(r) => Some(
                    self.insert_credit(&mut tx, actor, &NewCreditRecord { granted: false, ..r.clone() }, None).await?,
                ),
                None => None,
            };
            tx.commit().await?;
            Ok((reversal_id, replacement_id))
        })
        .await
    }
}

fn filter_sql(backend: Backend, filter: &CreditFilter) -> Filter {
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
        f.contains(backend, &["p.name"], q);
    }
    // Dates are stored as `YYYY-MM-DD` text, which orders as the dates do.
    if let Some(day) = filter.ended_by {
        f.and("r.end_date <= ?", [Bind::Text(day.to_string())]);
    }
    if let Some(day) = filter.ends_after {
        f.and("r.end_date > ?", [Bind::Text(day.to_string())]);
    }
    f
}

/// The columns a record is inserted with, in the order [`bind_credit`] binds them.
/// Ids per `IN (…)` list: integers written into the statement, well under both backends' limits.
const IN_LIST: usize = 5000;

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
        year: decode::year(r, "year", "credit_records.year")?,
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

/// `IN (…)` of ids known to be integers: no placeholders, so any number of them.
fn id_list(ids: &[i64]) -> String {
    if ids.is_empty() { "NULL".to_string() } else { ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ") }
}

/// A person's records, of one year or all, in the order the activities ended.
pub(crate) async fn records_of_on<'c, E: sqlx::Executor<'c, Database = sqlx::Any>>(
    on: E,
    person: PersonId,
    year: Option<jijiao_domain::Year>,
) -> Result<Vec<CreditRecord>> {
    let mut f = Filter::default();
    f.and("r.person_id = ?", [Bind::Int(person.0)]);
    if let Some(y) = year {
        f.and("r.year = ?", [Bind::Int(i64::from(y))]);
    }
    let sql = format!("SELECT {PERSON_COLUMNS} {PERSON_FROM}{} ORDER BY r.end_date, r.id", f.where_sql());
    let rows = f.query(&sql).fetch_all(on).await?;
    rows.iter().map(record_from_row).collect()
}

/// The years a person has records in, newest first.
pub(crate) async fn years_of_on<'c, E: sqlx::Executor<'c, Database = sqlx::Any>>(
    on: E,
    person: PersonId,
) -> Result<Vec<jijiao_domain::Year>> {
    let years: Vec<i64> =
        sqlx::query_scalar("SELECT DISTINCT year FROM credit_records WHERE person_id = $1 ORDER BY year DESC")
            .bind(person.0)
            .fetch_all(on)
            .await?;
    years.into_iter().map(|y| decode::narrow(y, "credit_records.year")).collect()
}
