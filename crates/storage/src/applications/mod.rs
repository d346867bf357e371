//! Applications (申报书) with their review chain, and the windows in which each level accepts them.
//!
//! The whole [`Application`] document is kept as JSON, with the columns lists filter on beside it
//! (year, level, province, district, unit, leader, subject, status, code, the review's counts).
//! The leader's ID number is blanked in the JSON and stored encrypted, as are the two phones of the
//! 申报书 (the unit's contact and the leader, issue 18 point 14), each in a column of its own. Every change of status is
//! one row of `application_steps` (who, when, why) and one audit entry, in the same transaction.
//! Who may do what is decided above (`jijiao_domain::authz::applications`); what may follow what
//! is decided here, by `jijiao_domain::review::workflow`, so no caller can skip a step.
//!
//! Here: the documents, their lists and the review context. The steps of the chain and the district
//! quota are in `review`, the windows in `windows`.

use chrono::NaiveDate;
use jijiao_domain::Year;
use jijiao_domain::org::Level;
use jijiao_domain::personal::mask_id_number;
use jijiao_domain::review::Application;
use jijiao_domain::review::workflow::Status;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::Backend;
use crate::audit::{Actor, Change, append};
use crate::decode;
use crate::sql::{Bind, Filter};
use crate::{OrgId, Page, PageRequest, PersonId, Result, Store, StoreError, now_millis};

mod review;
mod windows;

pub use review::{DistrictQuota, StepRecord};
pub use windows::WindowRecord;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct ApplicationId(pub i64);

/// Where a new application belongs: its unit (and the district above it) and its leader, if the
/// leader is a registered person.
#[derive(Clone, Debug)]
pub struct NewApplication {
    pub document: Application,
    pub unit_id: OrgId,
    pub district_id: Option<OrgId>,
    pub leader_person_id: Option<PersonId>,
    pub copied_from: Option<ApplicationId>,
    /// The formal review's errors and warnings for the document as saved.
    pub findings: (u32, u32),
}

/// A stored application: the indexed columns and the whole document (ID number decrypted).
#[derive(Clone, Debug, Serialize)]
pub struct StoredApplication {
    #[serde(flatten)]
    pub summary: ApplicationSummary,
    pub document: Application,
}

/// An application as lists show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApplicationSummary {
    pub id: ApplicationId,
    pub year: Year,
    pub level: Level,
    pub province_code: String,
    pub district_id: Option<i64>,
    pub unit_id: i64,
    pub unit_name: String,
    pub leader_person_id: Option<i64>,
    pub leader_name: String,
    pub name: String,
    pub subject_secondary: String,
    pub subject_tertiary: String,
    pub status: Status,
    pub code: Option<String>,
    pub submitted_on: Option<NaiveDate>,
    pub errors: u32,
    pub warnings: u32,
    pub copied_from: Option<ApplicationId>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Which applications to list (every field narrows).
#[derive(Clone, Debug, Default)]
pub struct ApplicationFilter {
    pub year: Option<Year>,
    pub level: Option<Level>,
    pub province_code: Option<String>,
    pub district_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub leader_person_id: Option<i64>,
    /// A second-level subject code (`03`).
    pub subject: Option<String>,
    pub status: Option<Status>,
    /// Leave out drafts (what reviewers see).
    pub submitted_only: bool,
    /// `Some(true)`: with findings (errors or warnings); `Some(false)`: without.
    pub has_findings: Option<bool>,
    /// Words of the name, the code, the unit or the leader.
    pub q: Option<String>,
}

/// What the review context needs from the records about one application.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContextCounts {
    /// Other non-draft applications of the leader, same year and level.
    pub leader_applications: u32,
    /// Other non-draft applications of the unit, same year and level.
    pub unit_applications: u32,
    /// The unit's approvals of the same level the year before; `None` when none.
    pub unit_previous_year_approved: Option<u32>,
    /// Non-draft applications of other units, same year and level: (unit, name, leader).
    pub others: Vec<(String, String, String)>,
}

const COLUMNS: &str = "a.id, a.year, a.level, a.province_code, a.district_id, a.unit_id, o.name AS unit_name, a.leader_person_id, a.leader_name, a.name, a.subject_secondary, a.subject_tertiary, a.status, a.code, a.submitted_on, a.errors, a.warnings, a.copied_from, a.created_at, a.updated_at";
const FROM: &str = "applications a JOIN organisations o ON o.id = a.unit_id";

/// A document as the row keeps it: the JSON without personal data, and that data encrypted.
struct Sealed {
    json: String,
    id_number: String,
    leader_phone: Option<String>,
    contact_phone: Option<String>,
}

/// The encrypted columns read with a document.
const SEALED_COLUMNS: &str = "a.document, a.leader_id_number_enc, a.leader_phone_enc, a.contact_phone_enc";

fn province_code_of(name: &str) -> Result<String> {
    jijiao_domain::province::find(name)
        .map(|p| p.code.to_string())
        .ok_or_else(|| StoreError::Invalid(format!("未知省份“{name}”")))
}

fn count(v: u32) -> i64 {
    i64::from(v)
}

/// The audit view of an application: no document, the ID number masked.
fn audit_view(doc: &Application, status: Status, code: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "name": doc.name,
        "year": doc.year,
        "level": doc.level,
        "leader": doc.leader.name,
        "leader_id_number": mask_id_number(&doc.leader.id_number),
        "status": status,
        "code": code,
    })
}

impl Store {
    /// The document as stored: the ID number blanked and the phones taken out (each goes encrypted
    /// in its own column; a phone the document does not have is NULL there).
    fn seal_document(&self, doc: &Application) -> Result<Sealed> {
        let mut blank = doc.clone();
        let id_number = std::mem::take(&mut blank.leader.id_number);
        let leader_phone = blank.leader.phone.take().map(|p| self.vault.encrypt(&p));
        let contact_phone = blank.applicant.contact_phone.take().map(|p| self.vault.encrypt(&p));
        let json = serde_json::to_string(&blank).map_err(|e| StoreError::Invalid(e.to_string()))?;
        Ok(Sealed { json, id_number: self.vault.encrypt(&id_number), leader_phone, contact_phone })
    }

    /// The document from its row: the JSON with the encrypted columns put back.
    fn open_document(&self, row: &AnyRow) -> Result<Application> {
        let mut doc: Application = decode::json(&row.try_get::<String, _>("document")?, "applications.document")?;
        doc.leader.id_number = self.vault.decrypt(&row.try_get::<String, _>("leader_id_number_enc")?)?;
        let phone = |column: &str| -> Result<Option<String>> {
            row.try_get::<Option<String>, _>(column)?.map(|enc| self.vault.decrypt(&enc)).transpose()
        };
        doc.leader.phone = phone("leader_phone_enc")?;
        doc.applicant.contact_phone = phone("contact_phone_enc")?;
        Ok(doc)
    }

    pub async fn create_application(&self, actor: &Actor, new: &NewApplication) -> Result<ApplicationId> {
        let doc = &new.document;
        if doc.name.trim().is_empty() {
            return Err(StoreError::Invalid("项目名称不能为空".into()));
        }
        let province = province_code_of(&doc.province)?;
        let sealed = self.seal_document(doc)?;
        let now = now_millis();
        let (sealed, province) = (&sealed, &province);
        self.write(|mut tx| async move {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO applications (year, level, province_code, district_id, unit_id, leader_person_id, leader_name, name, subject_secondary, subject_tertiary, status, errors, warnings, document, leader_id_number_enc, copied_from, created_at, updated_at, leader_phone_enc, contact_phone_enc)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18, $19) RETURNING id",
            )
            .bind(i64::from(doc.year))
            .bind(doc.level.code())
            .bind(province)
            .bind(new.district_id.map(|d| d.0))
            .bind(new.unit_id.0)
            .bind(new.leader_person_id.map(|p| p.0))
            .bind(doc.leader.name.trim())
            .bind(doc.name.trim())
            .bind(doc.subject.secondary.trim())
            .bind(doc.subject.tertiary.trim())
            .bind(Status::Draft.code())
            .bind(count(new.findings.0))
            .bind(count(new.findings.1))
            .bind(&sealed.json)
            .bind(&sealed.id_number)
            .bind(new.copied_from.map(|c| c.0))
            .bind(now)
            .bind(sealed.leader_phone.as_deref())
            .bind(sealed.contact_phone.as_deref())
            .fetch_one(&mut *tx)
            .await?;
            let change = Change {
                action: "application.create",
                object_type: "application",
                object_id: id.to_string(),
                province_code: Some(province.clone()),
                org_id: Some(new.unit_id.0),
                before: None,
                after: Some(audit_view(doc, Status::Draft, None)),
            };
            append(self, &mut tx, actor, &change).await?;
            tx.commit().await?;
            Ok(ApplicationId(id))
        })
        .await
    }

    pub async fn application(&self, id: ApplicationId) -> Result<StoredApplication> {
        let row = sqlx::query(&format!("SELECT {COLUMNS}, {SEALED_COLUMNS} FROM {FROM} WHERE a.id = $1"))
            .bind(id.0)
            .fetch_one(&self.pool)
            .await?;
        Ok(StoredApplication { summary: summary_from_row(&row)?, document: self.open_document(&row)? })
    }

    /// Replaces the document of a draft or returned application (the unit's edits), with the
    /// formal review's counts for it. The leader, year and level may change with the document.
    pub async fn update_application(
        &self,
        actor: &Actor,
        id: ApplicationId,
        doc: &Application,
        leader_person_id: Option<PersonId>,
        findings: (u32, u32),
    ) -> Result<()> {
        if doc.name.trim().is_empty() {
            return Err(StoreError::Invalid("项目名称不能为空".into()));
        }
        let province = province_code_of(&doc.province)?;
        let sealed = self.seal_document(doc)?;
        let (sealed, province) = (&sealed, &province);
        self.write(|mut tx| async move {
            let row = sqlx::query("SELECT status, unit_id, code FROM applications WHERE id = $1")
                .bind(id.0)
                .fetch_one(&mut *tx)
                .await?;
            let status = status_of(&row.try_get::<String, _>("status")?)?;
            if !status.editable() {
                return Err(StoreError::Invalid(format!("申报书状态为“{}”，不能修改", status.label())));
            }
            let unit_id: i64 = row.try_get("unit_id")?;
            let code: Option<String> = row.try_get("code")?;
            sqlx::query(
                "UPDATE applications SET year = $2, level = $3, province_code = $4, leader_person_id = $5, leader_name = $6, name = $7,
                 subject_secondary = $8, subject_tertiary = $9, errors = $10, warnings = $11, document = $12, leader_id_number_enc = $13, updated_at = $14,
                 leader_phone_enc = $15, contact_phone_enc = $16
                 WHERE id = $1",
            )
            .bind(id.0)
            .bind(i64::from(doc.year))
            .bind(doc.level.code())
            .bind(province)
            .bind(leader_person_id.map(|p| p.0))
            .bind(doc.leader.name.trim())
            .bind(doc.name.trim())
            .bind(doc.subject.secondary.trim())
            .bind(doc.subject.tertiary.trim())
            .bind(count(findings.0))
            .bind(count(findings.1))
            .bind(&sealed.json)
            .bind(&sealed.id_number)
            .bind(now_millis())
            .bind(sealed.leader_phone.as_deref())
            .bind(sealed.contact_phone.as_deref())
            .execute(&mut *tx)
            .await?;
            let change = Change {
                action: "application.update",
                object_type: "application",
                object_id: id.0.to_string(),
                province_code: Some(province.clone()),
                org_id: Some(unit_id),
                before: None,
                after: Some(audit_view(doc, status, code.as_deref())),
            };
            append(self, &mut tx, actor, &change).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Records the review's counts after a re-review (no change of the document).
    pub async fn set_application_findings(&self, id: ApplicationId, findings: (u32, u32)) -> Result<()> {
        sqlx::query("UPDATE applications SET errors = $2, warnings = $3 WHERE id = $1")
            .bind(id.0)
            .bind(count(findings.0))
            .bind(count(findings.1))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records the review's counts of many applications at once (a re-review of the whole store),
    /// in one transaction; returns how many changed.
    pub async fn set_many_application_findings(&self, counts: &[(ApplicationId, (u32, u32))]) -> Result<u64> {
        self.write(|mut tx| async move {
            let mut changed = 0;
            for (id, (errors, warnings)) in counts {
                changed += sqlx::query(
                    "UPDATE applications SET errors = $2, warnings = $3 WHERE id = $1 AND (errors <> $2 OR warnings <> $3)",
                )
                .bind(id.0)
                .bind(count(*errors))
                .bind(count(*warnings))
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
            tx.commit().await?;
            Ok(changed)
        })
        .await
    }

    /// Deletes a draft that was never submitted.
    pub async fn delete_application(&self, actor: &Actor, id: ApplicationId) -> Result<()> {
        let app = self.application(id).await?;
        if app.summary.status != Status::Draft || app.summary.code.is_some() {
            return Err(StoreError::Invalid("只能删除从未提交的草稿".into()));
        }
        let app = &app;
        self.write(|mut tx| async move {
            sqlx::query("UPDATE applications SET copied_from = NULL WHERE copied_from = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM application_steps WHERE application_id = $1").bind(id.0).execute(&mut *tx).await?;
            let deleted = sqlx::query("DELETE FROM applications WHERE id = $1 AND status = $2")
                .bind(id.0)
                .bind(Status::Draft.code())
                .execute(&mut *tx)
                .await?;
            if deleted.rows_affected() != 1 {
                return Err(StoreError::Conflict("申报书状态已变化，请刷新后重试".into()));
            }
            let change = Change {
                action: "application.delete",
                object_type: "application",
                object_id: id.0.to_string(),
                province_code: Some(app.summary.province_code.clone()),
                org_id: Some(app.summary.unit_id),
                before: Some(audit_view(&app.document, Status::Draft, None)),
                after: None,
            };
            append(self, &mut tx, actor, &change).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    pub async fn applications(
        &self,
        filter: &ApplicationFilter,
        page: PageRequest,
    ) -> Result<Page<ApplicationSummary>> {
        let f = application_filter(self.backend, filter);
        let where_sql = f.where_sql();
        let total: i64 = f
            .query_scalar(&format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {FROM}{where_sql}"))
            .fetch_one(&self.pool)
            .await?;
        let n = f.next_placeholder();
        let sql = format!(
            "SELECT {COLUMNS} FROM {FROM}{where_sql} ORDER BY a.year DESC, a.level, a.code, a.id LIMIT ${n} OFFSET ${}",
            n + 1
        );
        let rows = f.query(&sql).bind(page.limit()).bind(page.offset()).fetch_all(&self.pool).await?;
        let items = rows.iter().map(summary_from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page { items, total, page: page.page, per_page: page.per_page })
    }

    /// Every application matching the filter with its document, in code order (for exports and
    /// re-reviews); bounded by `limit`.
    pub async fn application_documents(
        &self,
        filter: &ApplicationFilter,
        limit: i64,
    ) -> Result<Vec<StoredApplication>> {
        let f = application_filter(self.backend, filter);
        let where_sql = f.where_sql();
        let n = f.next_placeholder();
        let sql = format!(
            "SELECT {COLUMNS}, {SEALED_COLUMNS} FROM {FROM}{where_sql} ORDER BY a.year DESC, a.level, a.code, a.id LIMIT ${n}"
        );
        let rows = f.query(&sql).bind(limit).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| Ok(StoredApplication { summary: summary_from_row(row)?, document: self.open_document(row)? }))
            .collect()
    }

    /// What the review context needs from the records for an application of `unit_id` and
    /// leader (person, or name when unregistered) in `year` and `level`; `exclude` is the
    /// application itself.
    pub async fn application_context(
        &self,
        year: Year,
        level: Level,
        unit_id: OrgId,
        leader: (Option<PersonId>, &str),
        exclude: Option<ApplicationId>,
    ) -> Result<ContextCounts> {
        let not_draft = Status::Draft.code();
        let exclude = exclude.map_or(-1, |e| e.0);
        let year = i64::from(year);
        let leader_applications: i64 = match leader.0 {
            Some(person) => sqlx::query_scalar(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM applications WHERE year = $1 AND level = $2 AND status <> $3 AND id <> $4 AND leader_person_id = $5",
            )
            .bind(year)
            .bind(level.code())
            .bind(not_draft)
            .bind(exclude)
            .bind(person.0),
            None => sqlx::query_scalar(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM applications WHERE year = $1 AND level = $2 AND status <> $3 AND id <> $4 AND leader_person_id IS NULL AND leader_name = $5",
            )
            .bind(year)
            .bind(level.code())
            .bind(not_draft)
            .bind(exclude)
            .bind(leader.1.trim().to_string()),
        }
        .fetch_one(&self.pool)
        .await?;
        let unit_applications: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM applications WHERE year = $1 AND level = $2 AND status <> $3 AND id <> $4 AND unit_id = $5",
        )
        .bind(year)
        .bind(level.code())
        .bind(not_draft)
        .bind(exclude)
        .bind(unit_id.0)
        .fetch_one(&self.pool)
        .await?;
        let approved: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM applications WHERE year = $1 AND level = $2 AND status = $3 AND unit_id = $4",
        )
        .bind(year - 1)
        .bind(level.code())
        .bind(Status::Approved.code())
        .bind(unit_id.0)
        .fetch_one(&self.pool)
        .await?;
        let rows = sqlx::query(
            "SELECT o.name AS unit_name, a.name, a.leader_name FROM applications a JOIN organisations o ON o.id = a.unit_id
             WHERE a.year = $1 AND a.level = $2 AND a.status <> $3 AND a.unit_id <> $4 ORDER BY a.id",
        )
        .bind(year)
        .bind(level.code())
        .bind(not_draft)
        .bind(unit_id.0)
        .fetch_all(&self.pool)
        .await?;
        let others = rows
            .iter()
            .map(|r| Ok((r.try_get("unit_name")?, r.try_get("name")?, r.try_get("leader_name")?)))
            .collect::<Result<Vec<_>>>()?;
        let to_u32 = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
        Ok(ContextCounts {
            leader_applications: to_u32(leader_applications),
            unit_applications: to_u32(unit_applications),
            unit_previous_year_approved: (approved > 0).then(|| to_u32(approved)),
            others,
        })
    }
}

fn application_filter(backend: Backend, filter: &ApplicationFilter) -> Filter {
    let mut f = Filter::default();
    if let Some(y) = filter.year {
        f.and("a.year = ?", [Bind::Int(i64::from(y))]);
    }
    if let Some(l) = filter.level {
        f.and("a.level = ?", [Bind::Text(l.code().into())]);
    }
    if let Some(p) = &filter.province_code {
        f.and("a.province_code = ?", [Bind::Text(p.clone())]);
    }
    if let Some(d) = filter.district_id {
        f.and("a.district_id = ?", [Bind::Int(d)]);
    }
    if let Some(u) = filter.unit_id {
        f.and("a.unit_id = ?", [Bind::Int(u)]);
    }
    if let Some(p) = filter.leader_person_id {
        f.and("a.leader_person_id = ?", [Bind::Int(p)]);
    }
    if let Some(s) = filter.subject.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        f.and("a.subject_secondary = ?", [Bind::Text(s.into())]);
    }
    if let Some(s) = filter.status {
        f.and("a.status = ?", [Bind::Text(s.code().into())]);
    }
    if filter.submitted_only {
        f.and("a.status <> ?", [Bind::Text(Status::Draft.code().into())]);
    }
    match filter.has_findings {
        Some(true) => {
            f.and("(a.errors > 0 OR a.warnings > 0)", []);
        }
        Some(false) => {
            f.and("a.errors = 0 AND a.warnings = 0", []);
        }
        None => {}
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        f.contains(backend, &["a.name", "a.code", "a.leader_name", "o.name"], q);
    }
    f
}

fn status_of(code: &str) -> Result<Status> {
    decode::code(code, "applications.status", Status::from_code)
}

fn level_of(code: &str) -> Result<Level> {
    decode::code(code, "applications.level", Level::from_code)
}

fn summary_from_row(r: &AnyRow) -> Result<ApplicationSummary> {
    let submitted_on: Option<String> = r.try_get("submitted_on")?;
    Ok(ApplicationSummary {
        id: ApplicationId(r.try_get("id")?),
        year: decode::year(r, "year", "applications.year")?,
        level: level_of(&r.try_get::<String, _>("level")?)?,
        province_code: r.try_get("province_code")?,
        district_id: r.try_get("district_id")?,
        unit_id: r.try_get("unit_id")?,
        unit_name: r.try_get("unit_name")?,
        leader_person_id: r.try_get("leader_person_id")?,
        leader_name: r.try_get("leader_name")?,
        name: r.try_get("name")?,
        subject_secondary: r.try_get("subject_secondary")?,
        subject_tertiary: r.try_get("subject_tertiary")?,
        status: status_of(&r.try_get::<String, _>("status")?)?,
        code: r.try_get("code")?,
        submitted_on: submitted_on.as_deref().map(|d| decode::date(d, "applications.submitted_on")).transpose()?,
        errors: decode::int(r, "errors", "applications.errors")?,
        warnings: decode::int(r, "warnings", "applications.warnings")?,
        copied_from: r.try_get::<Option<i64>, _>("copied_from")?.map(ApplicationId),
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}
