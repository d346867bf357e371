//! What each account must do next (待办, issues 15 and 16): a list of providers, each giving the
//! tasks of one kind for the signed-in account (filings, inspections, supervision, reports due,
//! remote projects' cycles to choose and cycle reports due, audits due, a learner's surveys); the
//! list merges and orders them.

use std::future::Future;
use std::pin::Pin;

use chrono::Days;
use jijiao_domain::authz::Role;
use jijiao_domain::events::access;
use jijiao_domain::events::report::{self as report_rules, ReportStatus};
use jijiao_domain::events::tasks::{self as due, Task};
use jijiao_storage::events::{EventFilter, EventRow};

use super::{events, place_of};
use crate::{Acting, App, AppError};

type Tasks<'a> = Pin<Box<dyn Future<Output = Result<Vec<Task>, AppError>> + Send + 'a>>;

/// One kind of task: what the account must do of it, by the context's clock.
pub type Provider = for<'a> fn(&'a App, &'a Acting) -> Tasks<'a>;

/// Every kind of task, in the order the start page lists them when due on the same day.
pub const PROVIDERS: &[Provider] =
    &[filings_due, inspections_due, supervision_this_week, reports_due, remote_due, audits_due, surveys_due];

/// The account's tasks: overdue first, then by due day.
pub async fn tasks(app: &App, p: &Acting) -> Result<Vec<Task>, AppError> {
    let mut all = Vec::new();
    for provider in PROVIDERS {
        all.extend(provider(app, p).await?);
    }
    due::sort(&mut all);
    Ok(all)
}

fn event_url(r: &EventRow) -> String {
    format!("/events/{}/{}", crate::events::url_number(&r.number), r.period)
}

/// A unit's periods starting within 21 days and not filed (the unit administrator, the leader).
fn filings_due<'a>(app: &'a App, p: &'a Acting) -> Tasks<'a> {
    Box::pin(async move {
        if !access::is_filer(&p.grants) {
            return Ok(Vec::new());
        }
        let today = app.today();
        let filter = EventFilter {
            from: Some(today),
            to: Some(today + Days::new(due::FILING_HORIZON_DAYS)),
            filed: Some(false),
            ..Default::default()
        };
        let rows = events(app, p, &filter).await?;
        Ok(rows
            .iter()
            .filter(|r| access::may_file(&p.grants, &place_of(r)))
            .filter_map(|r| {
                let (due_day, _) = due::filing_due(r.start(), r.end(), r.filed.is_some(), today)?;
                Some(Task::new(
                    "filing",
                    due_day,
                    today,
                    format!("报备 {} 第{}期（{} 开始）：{}", r.number, r.period, r.start(), r.name),
                    format!("{}/filing", event_url(r)),
                ))
            })
            .collect())
    })
}

/// An inspector's events of the venue province today (due today) and the rest of the week.
fn inspections_due<'a>(app: &'a App, p: &'a Acting) -> Tasks<'a> {
    Box::pin(async move {
        if !access::is_inspector(&p.grants) {
            return Ok(Vec::new());
        }
        let today = app.today();
        let (_, sunday) = due::week_of(today);
        let filter = EventFilter { from: Some(today), to: Some(sunday), filed: Some(true), ..Default::default() };
        let rows = events(app, p, &filter).await?;
        Ok(rows
            .iter()
            .filter(|r| access::may_inspect(&p.grants, &place_of(r)) && r.inspections == 0)
            .map(|r| {
                let due_day = r.start().max(today);
                let when = if r.start() <= today { "今日举办" } else { "本周举办" };
                Task::new(
                    "inspection",
                    due_day,
                    today,
                    format!(
                        "督查（{when}，{} 至 {}）{} 第{}期：{}，{}",
                        r.start(),
                        r.end(),
                        r.number,
                        r.period,
                        r.name,
                        r.place()
                    ),
                    format!("{}/inspect", event_url(r)),
                )
            })
            .collect())
    })
}

/// An office's events held in its province this week, to supervise.
fn supervision_this_week<'a>(app: &'a App, p: &'a Acting) -> Tasks<'a> {
    Box::pin(async move {
        let provinces: Vec<String> = p
            .grants
            .iter()
            .filter(|g| matches!(g.role, Role::ProvinceAdmin | Role::DistrictAdmin))
            .filter_map(|g| g.province.clone())
            .collect();
        if provinces.is_empty() {
            return Ok(Vec::new());
        }
        let today = app.today();
        let (monday, sunday) = due::week_of(today);
        let mut out = Vec::new();
        for province in provinces {
            let filter = EventFilter {
                from: Some(monday),
                to: Some(sunday),
                venue_province: Some(province),
                ..Default::default()
            };
            for r in events(app, p, &filter).await? {
                // Due on its last day (supervision of an event ends with it); never overdue: what
                // has ended is no longer this week's to supervise.
                out.push(Task {
                    kind: "supervision",
                    due: r.end(),
                    overdue: false,
                    title: format!(
                        "本周在本省举办：{} 第{}期 {}（{}，{} 至 {}）",
                        r.number,
                        r.period,
                        r.name,
                        r.unit_name,
                        r.start(),
                        r.end()
                    ),
                    url: event_url(&r),
                });
            }
        }
        Ok(out)
    })
}

/// How far back a held period's missing report stays on a unit's list: a year is long enough for
/// anyone to notice, and keeps the list to what can still be mended.
const REPORT_LOOKBACK_DAYS: u64 = 366;

/// A unit's held periods whose execution report is not in (not submitted, or returned): due 14
/// days after the end (the unit administrator, the leader).
fn reports_due<'a>(app: &'a App, p: &'a Acting) -> Tasks<'a> {
    Box::pin(async move {
        if !access::is_filer(&p.grants) {
            return Ok(Vec::new());
        }
        let today = app.today();
        let filter = EventFilter {
            from: Some(today - Days::new(REPORT_LOOKBACK_DAYS)),
            to: Some(today),
            filed: Some(true),
            ..Default::default()
        };
        let rows = events(app, p, &filter).await?;
        let mut statuses = std::collections::HashMap::new();
        let mut out = Vec::new();
        for r in rows.iter().filter(|r| r.end() < today && access::may_file(&p.grants, &place_of(r))) {
            if let std::collections::hash_map::Entry::Vacant(e) = statuses.entry(r.project_id) {
                let reports: std::collections::HashMap<u32, ReportStatus> =
                    app.store.period_reports(r.project_id).await?.into_iter().map(|(n, s)| (n, s.status)).collect();
                e.insert(reports);
            }
            let status = statuses[&r.project_id].get(&r.period).copied();
            let what = match status {
                Some(ReportStatus::Submitted | ReportStatus::Approved) => continue,
                Some(ReportStatus::Returned) => "修改并重新提交被退回的执行情况",
                _ => "填报执行情况",
            };
            out.push(Task::new(
                "report",
                report_rules::due(r.end()),
                today,
                format!("{what}：{} 第{}期（{} 结束）{}", r.number, r.period, r.end(), r.name),
                format!("{}/report", event_url(r)),
            ));
        }
        Ok(out)
    })
}

/// Reports submitted to the office of the applicant unit's province: due 14 days after submission.
/// The national office is shown the overdue ones of every province.
fn audits_due<'a>(app: &'a App, p: &'a Acting) -> Tasks<'a> {
    Box::pin(async move {
        let national = p.grants.iter().any(|g| g.role == Role::NationalAdmin);
        if !national && !access::is_auditor(&p.grants) {
            return Ok(Vec::new());
        }
        let rows = crate::reports::audit_list(app, p, &[ReportStatus::Submitted]).await?;
        let today = app.today();
        Ok(rows
            .into_iter()
            .filter(|r| !national || r.overdue)
            .filter_map(|r| {
                let due_day = r.audit_due?;
                Some(Task::new(
                    "audit",
                    due_day,
                    today,
                    format!(
                        "审核执行情况：{} {} {}（{}，{} 提交）",
                        r.row.number,
                        super::remote::period_label(r.row.delivery, r.row.period),
                        r.row.name,
                        r.row.unit,
                        r.row.submitted_on.map(|d| d.to_string()).unwrap_or_default()
                    ),
                    format!("/events/{}/{}/report", crate::events::url_number(&r.row.number), r.row.period),
                ))
            })
            .collect())
    })
}

/// A unit's remote projects (the unit administrator, the leader): a project open in the last year
/// whose cycle is not chosen (due on its published start), and each upload cycle ended in the last
/// year whose report is not in (not submitted, or returned), due 14 days after the cycle's end.
fn remote_due<'a>(app: &'a App, p: &'a Acting) -> Tasks<'a> {
    Box::pin(async move {
        if !access::is_filer(&p.grants) {
            return Ok(Vec::new());
        }
        let today = app.today();
        let since = today - Days::new(REPORT_LOOKBACK_DAYS);
        let projects = app.store.remote_projects(&super::scope_of(&p.grants), None).await?;
        let mut out = Vec::new();
        for project in projects.iter().filter(|r| access::may_file(&p.grants, &super::remote::place_of(r))) {
            let url = format!("/events/{}/upload-cycle", crate::events::url_number(&project.number));
            let start = super::remote::anchor(project);
            let Some(months) = project.months else {
                if start >= since && start <= today + Days::new(due::FILING_HORIZON_DAYS) {
                    out.push(Task::new(
                        "upload_cycle",
                        start,
                        today,
                        format!("选择上传周期（远程项目，{start} 开始）：{} {}", project.number, project.name),
                        url,
                    ));
                }
                continue;
            };
            let cycles = super::remote::cycle_rows(project, months);
            if !cycles.iter().any(|r| r.end() < today && r.end() >= since) {
                continue;
            }
            let statuses: std::collections::HashMap<u32, ReportStatus> =
                app.store.period_reports(project.project_id).await?.into_iter().map(|(n, s)| (n, s.status)).collect();
            for r in cycles.iter().filter(|r| r.end() < today && r.end() >= since) {
                let what = match statuses.get(&r.period) {
                    Some(ReportStatus::Submitted | ReportStatus::Approved) => continue,
                    Some(ReportStatus::Returned) => "修改并重新提交被退回的执行情况",
                    _ => "填报执行情况",
                };
                out.push(Task::new(
                    "report",
                    report_rules::due(r.end()),
                    today,
                    format!(
                        "{what}：{} {}（{} 至 {}）{}",
                        r.number,
                        super::remote::period_label(jijiao_domain::org::Delivery::Remote, r.period),
                        r.start(),
                        r.end(),
                        r.name
                    ),
                    format!("{}/report", event_url(r)),
                ));
            }
        }
        Ok(out)
    })
}

/// A learner's surveys to answer (optional, rules.md §7.4): periods and cycles they learned in that
/// have ended, their report not yet approved. Due with the report; never overdue (answering is
/// voluntary): a survey whose report is late stays open until the approval, due today.
fn surveys_due<'a>(app: &'a App, p: &'a Acting) -> Tasks<'a> {
    Box::pin(async move {
        let surveys = crate::reports::survey::my_surveys(app, p).await?;
        let today = app.today();
        Ok(surveys
            .into_iter()
            .map(|s| Task {
                kind: "survey",
                due: s.report_due.max(today),
                overdue: false,
                title: format!("填写学员问卷（自愿）：{} {} {}", s.name, s.number, s.label),
                url: s.url,
            })
            .collect())
    })
}
