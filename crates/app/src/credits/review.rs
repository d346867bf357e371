//! Review by the province (rules.md §2.5): the provisional records of its scope granted or rejected
//! one by one or in bulk, and granted records corrected by reversal.

use jijiao_domain::Year;
use jijiao_domain::authz::credits::{CreditAction, may_ever, permits};
use jijiao_domain::credits::learning_record::{RecordSource, RecordStatus};
use jijiao_storage::credit_records::{CreditFilter, CreditRecord, CreditRecordId, Decision};
use jijiao_storage::{Page, PageRequest};
use serde::{Deserialize, Serialize};

use super::{parse_kind, role_label, visible_record};
use crate::{Acting, App, AppError};

#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct ReviewQuery {
    /// `provisional` (default) | `granted` | `rejected` | `all`
    pub status: Option<String>,
    pub kind: Option<String>,
    #[cfg_attr(feature = "openapi", param(value_type = Option<u16>, minimum = 1900, maximum = 2200))]
    pub year: Option<Year>,
    /// Words of the person's name.
    pub q: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// The records a reviewer may decide on: the scope of the principal's province (or all, nationally),
/// recorded by employers or organisers (self-study is the employer's to grant).
pub fn review_filter(p: &Acting, q: &ReviewQuery) -> Result<CreditFilter, AppError> {
    if !may_ever(&p.grants, CreditAction::Review) {
        return Err(AppError::Forbidden);
    }
    let national = p.has(jijiao_domain::authz::Role::NationalAdmin);
    let province = if national {
        None
    } else {
        Some(
            p.grants
                .iter()
                .find(|g| g.role == jijiao_domain::authz::Role::ProvinceAdmin)
                .and_then(|g| g.province.clone())
                .ok_or(AppError::Forbidden)?,
        )
    };
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(RecordStatus::Provisional),
        Some("all") => None,
        Some(s) => Some(RecordStatus::from_code(s).ok_or_else(|| AppError::invalid("status", "状态无法识别"))?),
    };
    let kind = match q.kind.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(k) => Some(parse_kind(k).ok_or_else(|| AppError::invalid("kind", "类别无法识别"))?),
    };
    Ok(CreditFilter {
        province_code: province,
        status,
        kind,
        year: q.year,
        q: q.q.clone(),
        sources: Some(vec![RecordSource::Employer, RecordSource::Project]),
        ..CreditFilter::default()
    })
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewLine {
    pub id: i64,
    pub person_id: i64,
    pub person: String,
    pub employer: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = u16, minimum = 1900, maximum = 2200))]
    pub year: Year,
    pub kind_label: String,
    pub title: String,
    pub role: Option<String>,
    pub start: Option<String>,
    pub end: String,
    pub hours: Option<String>,
    pub passed: Option<bool>,
    pub status: String,
    pub status_label: String,
    pub reject_reason: Option<String>,
    pub recorded_by: String,
}

pub fn review_line(r: &CreditRecord) -> ReviewLine {
    ReviewLine {
        id: r.id.0,
        person_id: r.person_id.0,
        person: r.person_name.clone(),
        employer: r.org_name.clone(),
        year: r.year,
        kind_label: r.facts.kind.label().into(),
        title: r.facts.title.clone(),
        role: r.facts.role.map(role_label),
        start: r.facts.start.map(|d| d.to_string()),
        end: r.facts.end.to_string(),
        hours: r.facts.hours.map(|h| h.to_string()),
        passed: r.facts.passed,
        status: r.status.code().into(),
        status_label: if r.cancelled() { "已冲销".into() } else { r.status.label().into() },
        reject_reason: r.reject_reason.clone(),
        recorded_by: r.recorded_by_name.clone(),
    }
}

pub async fn review_list(app: &App, p: &Acting, q: &ReviewQuery) -> Result<Page<CreditRecord>, AppError> {
    let filter = review_filter(p, q)?;
    Ok(app.store.credit_records(&filter, PageRequest::new(q.page, q.per_page)).await?)
}

/// Grants or rejects one record: 404 out of scope, 403 for a record this role does not decide.
/// Returns the record's source (pages go back to the list it came from).
pub async fn decide_one(app: &App, p: &Acting, id: i64, decision: &Decision) -> Result<RecordSource, AppError> {
    let (r, place) = visible_record(app, p, id).await?;
    let action = if r.source == RecordSource::SelfStudy { CreditAction::ReviewSelfStudy } else { CreditAction::Review };
    if !permits(&p.grants, action, &place) {
        return Err(AppError::Forbidden);
    }
    if *decision == Decision::Grant
        && let Some(message) = super::registration::ends_in_future(&r.facts, app.today())
    {
        return Err(AppError::invalid("end", format!("不能发放：{message}")));
    }
    app.store.decide_credits(&p.actor(), &[r.id], decision).await?;
    Ok(r.source)
}

/// Grants or rejects the records selected, all or none: each is checked as [`decide_one`] checks it
/// before any is decided, then all are decided in one transaction. Returns how many.
pub async fn decide_selected(app: &App, p: &Acting, ids: &[i64], decision: &Decision) -> Result<usize, AppError> {
    let mut checked = Vec::with_capacity(ids.len());
    for id in ids {
        let (r, place) = visible_record(app, p, *id).await?;
        let action =
            if r.source == RecordSource::SelfStudy { CreditAction::ReviewSelfStudy } else { CreditAction::Review };
        if !permits(&p.grants, action, &place) {
            return Err(AppError::Forbidden);
        }
        if *decision == Decision::Grant
            && let Some(message) = super::registration::ends_in_future(&r.facts, app.today())
        {
            return Err(AppError::invalid("end", format!("第 {id} 条不能发放：{message}")));
        }
        checked.push(r.id);
    }
    if checked.is_empty() {
        return Ok(0);
    }
    Ok(app.store.decide_credits(&p.actor(), &checked, decision).await?)
}

/// Corrects a granted record by reversing it (province or national administrator): the record stays as
/// it was, a new record cancels it, both in the audit log. Returns the reversal's id.
pub async fn reverse_one(app: &App, p: &Acting, id: i64, reason: &str) -> Result<CreditRecordId, AppError> {
    let (r, place) = visible_record(app, p, id).await?;
    if !permits(&p.grants, CreditAction::Reverse, &place) {
        return Err(AppError::Forbidden);
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid("reason", "冲销时必须填写原因"));
    }
    if reason.chars().count() > 500 {
        return Err(AppError::invalid("reason", "原因不能超过500字"));
    }
    let (reversal, _) = app.store.reverse_credit(&p.actor(), r.id, reason, None, app.today()).await?;
    Ok(reversal)
}

/// The most records one bulk decision touches.
pub const BULK_LIMIT: i64 = 1000;

/// What a decision on all matching records did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkDecided {
    /// Records granted or rejected.
    pub decided: usize,
    /// Records left provisional because their activity ends after today: granting waits for the
    /// end, as for one record at a time (issue 18). Only a grant skips any.
    pub skipped_future: usize,
}

/// Grants or rejects every provisional record matching the filter within the reviewer's scope.
/// A grant applies the check [`decide_one`] applies, row by row: records whose activity ends after
/// today stay provisional and are counted in [`BulkDecided::skipped_future`] (issue 18: the bulk
/// path granted one dated next month); a rejection needs no end and takes them all.
pub async fn decide_matching(
    app: &App,
    p: &Acting,
    q: &ReviewQuery,
    decision: &Decision,
) -> Result<BulkDecided, AppError> {
    let filter = CreditFilter { status: Some(RecordStatus::Provisional), ..review_filter(p, q)? };
    let today = app.today();
    let (decidable, skipped_future) = match decision {
        Decision::Grant => {
            let future = CreditFilter { ends_after: Some(today), ..filter.clone() };
            let skipped = app.store.count_credit_records(&future).await?;
            (CreditFilter { ended_by: Some(today), ..filter }, usize::try_from(skipped).unwrap_or(usize::MAX))
        }
        Decision::Reject { .. } => (filter, 0),
    };
    let ids = app.store.credit_record_ids(&decidable, BULK_LIMIT).await?;
    let decided = if ids.is_empty() { 0 } else { app.store.decide_credits(&p.actor(), &ids, decision).await? };
    Ok(BulkDecided { decided, skipped_future })
}

/// A reason from a form or JSON, turned into a decision.
pub fn decision(grant: bool, reason: Option<&str>) -> Result<Decision, AppError> {
    if grant {
        return Ok(Decision::Grant);
    }
    match reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) if r.chars().count() <= 500 => Ok(Decision::Reject { reason: r.to_string() }),
        Some(_) => Err(AppError::invalid("reason", "原因不能超过500字")),
        None => Err(AppError::invalid("reason", "不通过时必须填写原因")),
    }
}
