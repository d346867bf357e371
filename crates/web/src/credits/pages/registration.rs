//! Units' registration of credits (one by one, from the form) and the review of what was registered:
//! grant, reject, reverse, one at a time or all matching.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jijiao_app::credits::{self, REGISTRABLE, RegisterInput, ReviewLine, ReviewQuery};
use jijiao_domain::authz::credits::{CreditAction, may_ever};
use jijiao_domain::credits::learning_record::RecordSource;
use jijiao_domain::credits::learning_record::RecordStatus;
use serde::Deserialize;

use super::*;
use crate::auth::{PageUser, Principal};
use crate::csrf::CsrfToken;
use crate::pages::{Layout, PageError, PageForm, render};
use crate::{ApiError, AppState};

#[derive(Template)]
#[template(path = "credits/register.html")]
pub(super) struct RegisterPage {
    layout: Layout,
    people: Vec<(i64, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    message: Option<String>,
    error: Option<String>,
    /// Every bad row of a rejected import.
    problems: Vec<String>,
    /// What was typed into the form that failed (issue 18: a failed form keeps everything typed).
    typed: Typed,
}

/// The one-by-one form's values as typed, empty for a fresh form.
#[derive(Default)]
pub(super) struct Typed {
    person_id: i64,
    kind: String,
    title: String,
    start: String,
    end: String,
    hours: String,
    role: String,
    passed: String,
    source_ref: String,
}

impl From<&RegisterInput> for Typed {
    fn from(f: &RegisterInput) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Self {
            person_id: f.person_id,
            kind: f.kind.clone(),
            title: f.title.clone(),
            start: text(&f.start),
            end: f.end.clone(),
            hours: text(&f.hours),
            role: text(&f.role),
            passed: text(&f.passed),
            source_ref: text(&f.source_ref),
        }
    }
}

pub(super) async fn register_page(
    state: &AppState,
    p: &Principal,
    csrf: &CsrfToken,
    message: Option<String>,
    error: Option<String>,
) -> Result<Response, PageError> {
    register_page_with(state, p, csrf, message, error, Vec::new(), Typed::default()).await
}

pub(super) async fn register_page_with(
    state: &AppState,
    p: &Principal,
    csrf: &CsrfToken,
    message: Option<String>,
    error: Option<String>,
    problems: Vec<String>,
    typed: Typed,
) -> Result<Response, PageError> {
    if !may_ever(&p.grants, CreditAction::Register) {
        return Err(ApiError::Forbidden.into());
    }
    let people = credits::registrable_people(state, p).await?;
    let status =
        if error.is_some() || !problems.is_empty() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(render(
        status,
        &RegisterPage {
            layout: layout("/credits/register", p, csrf),
            people,
            kinds: REGISTRABLE.iter().map(|k| (k.code(), k.label())).collect(),
            message,
            error,
            problems,
            typed,
        },
    ))
}

pub(super) async fn register_form(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
) -> Result<Response, PageError> {
    register_page(&state, &p, &csrf, None, None).await
}

pub(super) async fn register(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    PageForm(form): PageForm<RegisterInput>,
) -> Result<Response, PageError> {
    match credits::register(&state, &p, &form).await.map_err(ApiError::from) {
        Ok(id) => {
            register_page(&state, &p, &csrf, Some(format!("已登记（第 {} 号），等待省级审核。", id.0)), None).await
        }
        Err(ApiError::InvalidInput { message, .. }) => {
            register_page_with(&state, &p, &csrf, None, Some(message), Vec::new(), Typed::from(&form)).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---- review ----

#[derive(Template)]
#[template(path = "credits/review.html")]
pub(super) struct ReviewPage {
    layout: Layout,
    rows: Vec<ReviewLine>,
    total: i64,
    page: u32,
    pages: i64,
    status: String,
    kind: String,
    year: String,
    q: String,
    statuses: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct ReviewForm {
    status: Option<String>,
    kind: Option<String>,
    year: Option<String>,
    q: Option<String>,
    page: Option<u32>,
    done: Option<usize>,
    /// What was done to the `done` records: `granted` or `rejected`.
    did: Option<String>,
    /// Records a grant of all matching left provisional (their activity ends after today).
    skipped: Option<usize>,
}

pub(super) fn review_query(f: &ReviewForm) -> Result<ReviewQuery, ApiError> {
    let year = match f.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        Some(y) => Some(form_year("year", y, || format!("年度“{y}”应为四位数字"))?),
        None => None,
    };
    Ok(ReviewQuery {
        status: f.status.clone(),
        kind: f.kind.clone(),
        year,
        q: f.q.clone(),
        page: f.page,
        per_page: Some(50),
    })
}

pub(super) async fn review_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Query(f): Query<ReviewForm>,
) -> Result<Response, PageError> {
    let q = review_query(&f)?;
    let page = credits::review_list(&state, &p, &q).await?;
    let page = ReviewPage {
        layout: layout("/credits/review", &p, &csrf),
        rows: page.items.iter().map(credits::review_line).collect(),
        total: page.total,
        page: page.page,
        pages: page.pages(),
        status: f.status.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| "provisional".into()),
        kind: f.kind.clone().unwrap_or_default(),
        year: f.year.clone().unwrap_or_default(),
        q: f.q.clone().unwrap_or_default(),
        statuses: RecordStatus::ALL.iter().map(|s| (s.code(), s.label())).chain([("all", "全部")]).collect(),
        kinds: REGISTRABLE.iter().map(|k| (k.code(), k.label())).collect(),
        message: f.done.map(|n| {
            let skipped = f.skipped.unwrap_or(0);
            let done = if n == 0 && skipped > 0 {
                "未发放学分记录。".to_string()
            } else {
                done_message(f.did.as_deref(), n)
            };
            format!("{done}{}", skipped_note(skipped).unwrap_or_default())
        }),
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub(super) struct BulkForm {
    decision: String,
    kind: Option<String>,
    year: Option<String>,
    q: Option<String>,
    reason: Option<String>,
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// All matching, or the rows selected (repeated `record` fields: issue 18 asked for both).
pub(super) async fn decide_matching(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let selected: Vec<i64> = pairs.iter().filter(|(k, _)| k == "record").filter_map(|(_, v)| v.parse().ok()).collect();
    let field = |name: &str| pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    if !selected.is_empty() {
        let decision = credits::decision(field("decision").as_deref() == Some("grant"), field("reason").as_deref())?;
        let n = credits::decide_selected(&state, &p, &selected, &decision).await?;
        return Ok(Redirect::to(&format!("/credits/review?done={n}&did={}", did(&decision))).into_response());
    }
    let form = BulkForm {
        decision: field("decision").unwrap_or_default(),
        kind: field("kind"),
        year: field("year"),
        q: field("q"),
        reason: field("reason"),
        csrf: None,
    };
    let filter =
        ReviewForm { kind: form.kind.clone(), year: form.year.clone(), q: form.q.clone(), ..ReviewForm::default() };
    let q = review_query(&filter)?;
    let decision = credits::decision(form.decision == "grant", form.reason.as_deref())?;
    let done = credits::decide_matching(&state, &p, &q, &decision).await?;
    let skipped = if done.skipped_future > 0 { format!("&skipped={}", done.skipped_future) } else { String::new() };
    Ok(Redirect::to(&format!("/credits/review?done={}&did={}{skipped}", done.decided, did(&decision))).into_response())
}

/// Why a grant of all matching records left some provisional (issue 18: the bulk path applies the
/// single decision's check on the end date); `None` when it left none.
pub(crate) fn skipped_note(skipped: usize) -> Option<String> {
    (skipped > 0).then(|| format!("另有 {skipped} 条学分记录的活动结束日期晚于今天，活动结束后才能发放，未作改动。"))
}

fn did(decision: &jijiao_storage::credit_records::Decision) -> &'static str {
    match decision {
        jijiao_storage::credit_records::Decision::Grant => "granted",
        jijiao_storage::credit_records::Decision::Reject { .. } => "rejected",
    }
}

/// What a decision did, for the list it goes back to (issue 18: not "已处理 1 项").
pub(super) fn done_message(did: Option<&str>, n: usize) -> String {
    match (did, n) {
        (_, 0) => "没有符合条件的待审核学分，未作改动。".to_string(),
        (Some("granted"), n) => format!("已发放 {n} 条学分记录，已计入本人的学习档案。"),
        (Some("rejected"), n) => format!("已将 {n} 条学分记录记为不通过，原因本人可见。"),
        (Some("plan-approved"), _) => "已批准该自学计划，本人可按计划申请学分。".to_string(),
        (Some("plan-rejected"), _) => "已不批准该自学计划，原因本人可见。".to_string(),
        _ => format!("已处理 {n} 条学分记录。"),
    }
}

/// Back to the list a decided record came from.
pub(super) fn after_decision(source: RecordSource, decision: &jijiao_storage::credit_records::Decision) -> Response {
    let did = did(decision);
    match source {
        RecordSource::SelfStudy => Redirect::to(&format!("/credits/self-study?done=1&did={did}")).into_response(),
        _ => Redirect::to(&format!("/credits/review?done=1&did={did}")).into_response(),
    }
}

pub(super) async fn grant(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let decision = jijiao_storage::credit_records::Decision::Grant;
    let source = credits::decide_one(&state, &p, id, &decision).await?;
    Ok(after_decision(source, &decision))
}

#[derive(Deserialize)]
pub(super) struct RejectForm {
    #[serde(default)]
    reason: String,
    #[allow(dead_code)]
    csrf: Option<String>,
}

pub(super) async fn reject(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<i64>,
    PageForm(form): PageForm<RejectForm>,
) -> Result<Response, PageError> {
    let decision = credits::decision(false, Some(&form.reason))?;
    let source = credits::decide_one(&state, &p, id, &decision).await?;
    Ok(after_decision(source, &decision))
}

#[derive(Deserialize)]
pub(super) struct ReasonForm {
    #[serde(default)]
    pub(super) reason: String,
    #[allow(dead_code)]
    csrf: Option<String>,
}

pub(super) async fn reverse(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<i64>,
    PageForm(form): PageForm<ReasonForm>,
) -> Result<Response, PageError> {
    credits::reverse_one(&state, &p, id, &form.reason).await?;
    let r = state.store.credit_record(jijiao_storage::credit_records::CreditRecordId(id)).await?;
    let (person, year) = (r.person_id.0, r.year);
    Ok(Redirect::to(&format!("/credits/people/{person}?year={year}")).into_response())
}
