//! Self-study: a professional's plans and applications, and their approval by the unit.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jijiao_app::credits::{self, ApplyInput, PlanInput, SelfStudyView};
use jijiao_domain::authz::credits::{CreditAction, may_ever};
use serde::Deserialize;

use super::registration::ReasonForm;
use super::*;
use crate::auth::{PageUser, Principal};
use crate::csrf::CsrfToken;
use crate::pages::{Layout, PageError, PageForm, render};
use crate::{ApiError, AppState};

#[derive(Template)]
#[template(path = "credits/self_study.html")]
pub(super) struct SelfStudyPage {
    layout: Layout,
    v: SelfStudyView,
    /// The professional's own page (else the unit administrator's queue).
    own: bool,
    this_year: jijiao_domain::Year,
    message: Option<String>,
    error: Option<String>,
    /// What was typed into the form that failed (issue 18: a failed form keeps everything typed).
    typed: Typed,
}

/// The two forms' values as typed: the plan's and the application's. A fresh plan form offers
/// this year.
#[derive(Default)]
pub(super) struct Typed {
    plan_year: Option<String>,
    plan_content: String,
    plan_planned: String,
    apply_plan: String,
    apply_title: String,
    apply_end: String,
    apply_credits: String,
}

impl Typed {
    fn plan(f: &PlanInput) -> Self {
        Self {
            plan_year: Some(f.year.clone().unwrap_or_default()),
            plan_content: f.content.clone(),
            plan_planned: f.planned.clone().unwrap_or_default(),
            ..Default::default()
        }
    }

    fn apply(f: &ApplyInput) -> Self {
        Self {
            apply_plan: f.plan_id.clone().unwrap_or_default(),
            apply_title: f.title.clone(),
            apply_end: f.end.clone(),
            apply_credits: f.credits.clone().unwrap_or_default(),
            ..Default::default()
        }
    }
}

#[derive(Deserialize, Default)]
pub(super) struct DoneQuery {
    done: Option<usize>,
    did: Option<String>,
}

pub(super) async fn self_study_render(
    state: &AppState,
    p: &Principal,
    csrf: &CsrfToken,
    own: bool,
    message: Option<String>,
    error: Option<String>,
) -> Result<Response, PageError> {
    render_typed(state, p, csrf, own, message, error, Typed::default()).await
}

async fn render_typed(
    state: &AppState,
    p: &Principal,
    csrf: &CsrfToken,
    own: bool,
    message: Option<String>,
    error: Option<String>,
    typed: Typed,
) -> Result<Response, PageError> {
    let v = if own { credits::my_self_study(state, p).await? } else { credits::self_study_queue(state, p).await? };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let current = if own { "/me/self-study" } else { "/credits/self-study" };
    Ok(render(
        status,
        &SelfStudyPage {
            layout: layout(current, p, csrf),
            v,
            own,
            this_year: state.this_year(),
            message,
            error,
            typed,
        },
    ))
}

pub(super) async fn my_self_study(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
) -> Result<Response, PageError> {
    if !may_ever(&p.grants, CreditAction::ApplySelfStudy) {
        return Err(ApiError::Forbidden.into());
    }
    self_study_render(&state, &p, &csrf, true, None, None).await
}

pub(super) async fn submit_plan(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    PageForm(form): PageForm<PlanInput>,
) -> Result<Response, PageError> {
    match credits::submit_plan(&state, &p, &form).await.map_err(ApiError::from) {
        Ok(id) => {
            let message = format!("自学计划已提交（第 {} 号），等待单位审核。", id.0);
            self_study_render(&state, &p, &csrf, true, Some(message), None).await
        }
        Err(ApiError::InvalidInput { message, .. } | ApiError::Conflict(message)) => {
            render_typed(&state, &p, &csrf, true, None, Some(message), Typed::plan(&form)).await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn apply_self_study(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    PageForm(form): PageForm<ApplyInput>,
) -> Result<Response, PageError> {
    match credits::apply_self_study(&state, &p, &form).await.map_err(ApiError::from) {
        Ok(id) => {
            let message = format!("学分申请已提交（第 {} 号），等待单位审核发放。", id.0);
            self_study_render(&state, &p, &csrf, true, Some(message), None).await
        }
        Err(ApiError::InvalidInput { message, .. } | ApiError::Conflict(message)) => {
            render_typed(&state, &p, &csrf, true, None, Some(message), Typed::apply(&form)).await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn self_study_queue(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    if !may_ever(&p.grants, CreditAction::ReviewSelfStudy) {
        return Err(ApiError::Forbidden.into());
    }
    let message = q.done.map(|n| super::registration::done_message(q.did.as_deref(), n));
    self_study_render(&state, &p, &csrf, false, message, None).await
}

pub(super) async fn approve_plan(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    credits::decide_plan(&state, &p, id, &jijiao_storage::credit_records::Decision::Grant).await?;
    Ok(Redirect::to("/credits/self-study?done=1&did=plan-approved").into_response())
}

pub(super) async fn reject_plan(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<i64>,
    PageForm(form): PageForm<ReasonForm>,
) -> Result<Response, PageError> {
    let decision = credits::decision(false, Some(&form.reason))?;
    credits::decide_plan(&state, &p, id, &decision).await?;
    Ok(Redirect::to("/credits/self-study?done=1&did=plan-rejected").into_response())
}
