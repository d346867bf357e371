//! Events (rules.md §7.1–§7.2, §7.6): the filings of the periods of published projects, the files
//! they carry, the inspections on the day and the learners' QR sign-ins; the events list that venue
//! supervision reads.
//!
//! A filing is never changed in place: each change is a new version (a row), with its author and
//! time; the current filing is the latest version, and whether the period was filed late is judged
//! on the first one. Files (notices, photos) are stored in the database, so app servers keep
//! nothing on disk. The contact's phone is personal data: encrypted in its own column and never
//! stored in the filing's JSON. Every write appends its audit entry in its own transaction.

mod files;
mod inspections;
mod list;
mod sign_ins;

use chrono::NaiveDate;
use jijiao_domain::events::filing::{self, Change, Filing};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::{Actor, Change as AuditChange, append};
use crate::constraints::{Constraint, naming};
use crate::sql::{date_text, flag};
use crate::{Result, Store, StoreError, decode};

pub use files::{EventFile, FileMeta, NewFile};
pub use inspections::{InspectionKind, NewInspection, StoredInspection};
pub use list::{EVENTS_CAP, EventFilter, EventRow, EventScope};
pub use sign_ins::{NewSignIn, SignInHours, SignInLine, StoredSignIn};

/// One version of a period's filing, as stored (the phone decrypted: views mask it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StoredFiling {
    pub version: u32,
    pub filing: Filing,
    /// What this version changed against the one before (empty for the first).
    pub changes: Vec<Change>,
    /// Judged on the first version (`filing.lead_time`).
    pub late: bool,
    pub filed_on: NaiveDate,
    pub filed_at: i64,
    pub author: String,
    pub notice: Option<FileMeta>,
}

/// A filing to store: the period (from 1) of a project, what was filed, when (the operation's clock)
/// and the notice, if one was uploaded with it (else the previous version's stays).
#[derive(Clone, Debug)]
pub struct NewFiling<'a> {
    pub project_id: i64,
    pub project_number: &'a str,
    pub unit_id: Option<i64>,
    pub unit_province: Option<&'a str>,
    pub period: u32,
    pub filing: &'a Filing,
    pub at: i64,
    pub on: NaiveDate,
    pub notice: Option<NewFile>,
}

/// What storing a filing did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FilingOutcome {
    pub version: u32,
    pub late: bool,
    pub changes: Vec<Change>,
}

const FILING_COLUMNS: &str = "f.version, f.document, f.contact_phone_enc, f.changes, f.late, f.filed_on, f.filed_at, f.author, f.notice_file_id, nf.content_type AS notice_type, nf.size AS notice_size";

impl Store {
    /// Stores a filing as the next version of the period's filing (all or nothing: the notice, the
    /// version and its audit entry). The first version decides `late`; later ones say what changed,
    /// and one that changes nothing at all is refused.
    pub async fn file_period(&self, actor: &Actor, new: &NewFiling<'_>) -> Result<FilingOutcome> {
        let venue =
            new.filing.venue_province_code().ok_or_else(|| StoreError::Invalid("举办省份无效".into()))?.to_string();
        let phone = self.vault.encrypt(new.filing.contact.phone.trim());
        let mut stored = new.filing.clone();
        stored.contact.phone = String::new();
        let document = serde_json::to_string(&stored).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let (venue, phone, document) = (&venue, &phone, &document);
        self.write(|mut tx| async move {
            let previous = sqlx::query(&format!(
                "SELECT {FILING_COLUMNS} FROM period_filings f LEFT JOIN event_files nf ON nf.id = f.notice_file_id \
                 WHERE f.project_id = $1 AND f.period = $2 ORDER BY f.version DESC LIMIT 1"
            ))
            .bind(new.project_id)
            .bind(i64::from(new.period))
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| self.filing_from_row(&r))
            .transpose()?;
            let (version, late, changes, notice_id) = match &previous {
                None => (1, filing::is_late(new.on, new.filing.start), Vec::new(), None),
                Some(p) => {
                    let changes = filing::changes(&p.filing, new.filing);
                    if changes.is_empty() && new.notice.is_none() {
                        return Err(StoreError::Conflict("与当前报备内容相同，无需重新报备".into()));
                    }
                    (p.version + 1, p.late, changes, p.notice.as_ref().map(|n| n.id))
                }
            };
            let notice_id = match &new.notice {
                Some(file) => Some(files::insert(&mut tx, actor, new.project_id, new.period, file, None, 0, new.at).await?),
                None => notice_id,
            };
            let codes = changes.iter().map(|c| c.code()).collect::<Vec<_>>().join(",");
            sqlx::query(
                "INSERT INTO period_filings (project_id, period, version, start_date, end_date, venue_province, place, form, document, contact_phone_enc, changes, late, notice_file_id, account_id, author, filed_at, filed_on) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
            )
            .bind(new.project_id)
            .bind(i64::from(new.period))
            .bind(i64::from(version))
            .bind(date_text(new.filing.start))
            .bind(date_text(new.filing.end))
            .bind(venue.as_str())
            .bind(new.filing.place())
            .bind(new.filing.form.code())
            .bind(document.as_str())
            .bind(phone.as_str())
            .bind(codes.as_str())
            .bind(flag(late))
            .bind(notice_id)
            .bind(actor.account_id)
            .bind(&actor.name)
            .bind(new.at)
            .bind(date_text(new.on))
            .execute(&mut *tx)
            .await
            .map_err(|e| naming(e, Constraint::FilingVersion, || "该期正在被他人同时报备，请刷新后重试".into()))?;
            let change = AuditChange {
                action: if version == 1 { "events.file" } else { "events.refile" },
                object_type: "period_filing",
                object_id: format!("{}#{}", new.project_number, new.period),
                province_code: new.unit_province.map(str::to_string),
                org_id: new.unit_id,
                before: previous.as_ref().map(|p| summary(&p.filing, p.version)),
                after: Some(serde_json::json!({
                    "version": version, "late": late, "changes": codes, "notice": notice_id,
                    "filing": summary(new.filing, version),
                })),
            };
            append(self, &mut tx, actor, &change).await?;
            tx.commit().await?;
            Ok(FilingOutcome { version, late, changes: changes.clone() })
        })
        .await
    }

    /// The number of a published project by its id (`None` while unpublished).
    pub async fn project_number_of(&self, project_id: i64) -> Result<Option<String>> {
        let number: Option<Option<String>> = sqlx::query_scalar("SELECT number FROM projects WHERE id = $1")
            .bind(project_id)
            .fetch_optional(&self.pool)
            .await?;
        number.ok_or(StoreError::NotFound)
    }

    /// Every version of a period's filing, oldest first.
    pub async fn filings(&self, project_id: i64, period: u32) -> Result<Vec<StoredFiling>> {
        let rows = sqlx::query(&format!(
            "SELECT {FILING_COLUMNS} FROM period_filings f LEFT JOIN event_files nf ON nf.id = f.notice_file_id \
             WHERE f.project_id = $1 AND f.period = $2 ORDER BY f.version"
        ))
        .bind(project_id)
        .bind(i64::from(period))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| self.filing_from_row(r)).collect()
    }

    fn filing_from_row(&self, r: &AnyRow) -> Result<StoredFiling> {
        let mut filing: Filing = decode::json(&r.try_get::<String, _>("document")?, "period_filings.document")?;
        filing.contact.phone = self.vault.decrypt(&r.try_get::<String, _>("contact_phone_enc")?)?;
        let codes: String = r.try_get("changes")?;
        let changes = codes
            .split(',')
            .filter(|c| !c.is_empty())
            .map(|c| decode::code(c, "period_filings.changes", Change::from_code))
            .collect::<Result<Vec<_>>>()?;
        let notice_id: Option<i64> = r.try_get("notice_file_id")?;
        let notice = match notice_id {
            Some(id) => Some(FileMeta { id, content_type: r.try_get("notice_type")?, size: r.try_get("notice_size")? }),
            None => None,
        };
        Ok(StoredFiling {
            version: decode::int(r, "version", "period_filings.version")?,
            filing,
            changes,
            late: r.try_get::<i64, _>("late")? != 0,
            filed_on: decode::date(&r.try_get::<String, _>("filed_on")?, "period_filings.filed_on")?,
            filed_at: r.try_get("filed_at")?,
            author: r.try_get("author")?,
            notice,
        })
    }
}

/// What the audit log keeps of a filing: everything but the contact's phone.
fn summary(f: &Filing, version: u32) -> serde_json::Value {
    serde_json::json!({
        "version": version,
        "start": f.start.to_string(), "end": f.end.to_string(), "place": f.place(), "form": f.form.code(),
        "planned_enrollment": f.planned_enrollment, "fee": f.fee, "contact": f.contact.name,
        "sessions": f.schedule.len(), "hours": f.hours().to_string(),
    })
}
