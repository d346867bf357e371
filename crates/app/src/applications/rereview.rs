//! The re-review of every stored application after the rules or the subject catalogue changed
//! (`jijiao rereview`), in one linear pass over the records.

use jijiao_domain::org::Level;
use jijiao_domain::review::workflow::Status;
use jijiao_domain::review::{Finding, OtherApplication, Review, Severity, Window, review};
use jijiao_storage::applications::{ApplicationFilter, ApplicationSummary};
use serde::Serialize;

use super::{counts, office_name};
use crate::{App, AppError};

/// What a re-review of the whole store found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Rereview {
    pub reviewed: usize,
    /// Applications whose recorded counts changed.
    pub changed: u64,
    pub with_errors: usize,
    pub with_warnings: usize,
}

/// Re-reviews every stored application (after the rules or the catalogue changed), each with the
/// same context [`super::review_stored`] gives it, and records the new counts. The records are read once:
/// the counts per leader, unit and year come from one pass, and the other units' applications a
/// name is compared with are narrowed to those with the same name key or the same leader — the
/// only ones the duplicate rule can report — so the whole store is reviewed in one linear pass
/// instead of one query set per application.
pub async fn rereview_all(app: &App) -> Result<Rereview, AppError> {
    use jijiao_domain::review::names::{name_key, unit_key};
    use std::collections::HashMap;

    let apps = app.store.application_documents(&ApplicationFilter::default(), i64::MAX).await?;
    let windows = app.store.windows(None).await?;
    let catalogue = app.store.catalogue().await?;
    let today = app.today();
    let counted = |s: &ApplicationSummary| s.status != Status::Draft;
    let group = |s: &ApplicationSummary| (s.year, s.level.code());
    let leader_of = |s: &ApplicationSummary| match s.leader_person_id {
        Some(person) => (person, String::new()),
        None => (0, s.leader_name.trim().to_string()),
    };
    let mut per_leader: HashMap<_, u32> = HashMap::new();
    let mut per_unit: HashMap<_, u32> = HashMap::new();
    let mut approved: HashMap<_, u32> = HashMap::new();
    let mut by_name: HashMap<_, Vec<usize>> = HashMap::new();
    let mut by_leader_name: HashMap<_, Vec<usize>> = HashMap::new();
    for (i, stored) in apps.iter().enumerate() {
        let s = &stored.summary;
        if s.status == Status::Approved {
            *approved.entry((s.year, s.level.code(), s.unit_id)).or_default() += 1;
        }
        if !counted(s) {
            continue;
        }
        *per_leader.entry((group(s), leader_of(s))).or_default() += 1;
        *per_unit.entry((group(s), s.unit_id)).or_default() += 1;
        by_name.entry((group(s), name_key(&s.name))).or_default().push(i);
        by_leader_name.entry((group(s), unit_key(&s.leader_name))).or_default().push(i);
    }
    let window_of = |s: &ApplicationSummary| {
        windows.iter().filter(|w| w.year == s.year && w.level == s.level).find(|w| match s.level {
            Level::National => true,
            Level::Provincial => w.province_code.as_deref() == Some(s.province_code.as_str()),
            Level::District => Some(w.org_id) == s.district_id,
        })
    };
    let mut histories: HashMap<_, Vec<jijiao_domain::review::UnitProject>> = HashMap::new();
    let mut out = Rereview::default();
    let mut counts = Vec::with_capacity(apps.len());
    for stored in &apps {
        let s = &stored.summary;
        let own = u32::from(counted(s));
        let mut doc = stored.document.clone();
        let window = window_of(s);
        let day = s.submitted_on.unwrap_or(today);
        let ctx = &mut doc.context;
        ctx.submitted_on = day;
        ctx.window = match window {
            Some(w) => Window { opens: w.opens, closes: w.closes },
            None => Window { opens: day, closes: day },
        };
        ctx.leader_applications_same_level =
            per_leader.get(&(group(s), leader_of(s))).copied().unwrap_or(0).saturating_sub(own);
        ctx.unit_applications = per_unit.get(&(group(s), s.unit_id)).copied().unwrap_or(0).saturating_sub(own);
        ctx.unit_previous_year_approved = s
            .year
            .checked_add(-1)
            .and_then(|last| approved.get(&(last, s.level.code(), s.unit_id)))
            .copied()
            .filter(|n| *n > 0);
        // rules.md §7.7, as the single review reads it; one query per unit and year.
        let key = (s.unit_id, s.year);
        if let std::collections::hash_map::Entry::Vacant(slot) = histories.entry(key) {
            slot.insert(crate::events::unit_history(app, jijiao_storage::OrgId(s.unit_id), s.year).await?);
        }
        ctx.unit_history = histories.get(&key).cloned().unwrap_or_default();
        let mut candidates: Vec<usize> = by_name
            .get(&(group(s), name_key(&doc.name)))
            .into_iter()
            .chain(by_leader_name.get(&(group(s), unit_key(&doc.leader.name))))
            .flatten()
            .copied()
            .filter(|j| apps[*j].summary.unit_id != s.unit_id)
            .collect();
        // The records list other applications in the order they were made.
        candidates.sort_unstable_by_key(|j| apps[*j].summary.id);
        candidates.dedup();
        ctx.other_applications = candidates
            .into_iter()
            .map(|j| {
                let o = &apps[j].summary;
                OtherApplication { unit: o.unit_name.clone(), name: o.name.clone(), leader: o.leader_name.clone() }
            })
            .collect();
        let mut result = review(&doc, &catalogue);
        if window.is_none() {
            let mut findings = result.findings;
            findings.push(Finding {
                rule: "window.open",
                severity: Severity::Error,
                field: "context.window".into(),
                message: format!(
                    "{}尚未设置{}年度{}项目的申报时间，暂不能提交",
                    office_name(s.level),
                    s.year,
                    s.level.label()
                ),
            });
            result = Review::from_findings(findings);
        }
        out.reviewed += 1;
        out.with_errors += usize::from(result.errors > 0);
        out.with_warnings += usize::from(result.warnings > 0);
        counts.push((s.id, self::counts(&result)));
    }
    out.changed = app.store.set_many_application_findings(&counts).await?;
    Ok(out)
}
