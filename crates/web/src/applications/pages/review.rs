//! The detail of an application with its review chain, and the review steps taken from it.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jijiao_app::applications::{self as ops};
use jijiao_domain::authz::applications as rules;
use jijiao_domain::review::workflow::{Status, Step, needs_comment};
use jijiao_storage::applications::StoredApplication;
use serde::Deserialize;

use super::edit::ReturnView;
use super::form::{FindingView, finding_view};
use super::*;
use crate::auth::PageUser;
use crate::csrf::CsrfToken;
use crate::pages::{Layout, PageError, PageForm, render};
use crate::{ApiError, AppState};

pub(super) struct StepView {
    at: String,
    step: &'static str,
    from: &'static str,
    to: &'static str,
    actor: String,
    comment: String,
}

pub(super) struct ActionView {
    code: &'static str,
    label: &'static str,
    needs_comment: bool,
    danger: bool,
}

#[derive(Template)]
#[template(path = "applications/detail.html")]
pub(super) struct DetailPage {
    layout: Layout,
    app: StoredApplication,
    masked_id: String,
    /// The 申报书's contact blanks as the page prints them (phones masked by the operation).
    contact: String,
    leader_contact: String,
    degree: String,
    subject: String,
    status: Status,
    level_label: &'static str,
    findings: Vec<FindingView>,
    errors: usize,
    warnings: usize,
    history: Vec<StepView>,
    actions: Vec<ActionView>,
    editable: bool,
    may_copy: bool,
    may_delete: bool,
    returns: Vec<ReturnView>,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct DetailQuery {
    done: Option<String>,
}

pub(super) async fn detail_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path(id): Path<i64>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, PageError> {
    let d = ops::detail(&state, &p, id).await?;
    let catalogue = state.store.catalogue().await?;
    let s = &d.application.summary;
    let subject = catalogue.full_name(&s.subject_tertiary).unwrap_or_else(|| s.subject_tertiary.clone());
    let history: Vec<StepView> = d
        .steps
        .iter()
        .map(|st| StepView {
            at: jijiao_domain::time::format_shanghai(st.at),
            step: st.step.label(),
            from: st.from.label(),
            to: st.to.label(),
            actor: st.actor.clone(),
            comment: st.comment.clone(),
        })
        .collect();
    let returns = d
        .steps
        .iter()
        .filter(|st| st.step == Step::Return)
        .map(|st| ReturnView {
            at: jijiao_domain::time::format_shanghai(st.at),
            actor: st.actor.clone(),
            comment: st.comment.clone(),
        })
        .collect();
    let actions = d
        .allowed_steps
        .iter()
        .map(|st| ActionView {
            code: st.code(),
            label: st.label(),
            needs_comment: needs_comment(*st),
            danger: matches!(st, Step::Reject | Step::Return),
        })
        .collect();
    let place = ops::place_of(s);
    let doc = &d.application.document;
    let page = DetailPage {
        layout: layout("/applications", &p, &csrf),
        masked_id: doc.leader.id_number.clone(),
        contact: contact_line(&doc.applicant.contact_name, &doc.applicant.contact_phone),
        leader_contact: contact_line(&doc.leader.address, &doc.leader.phone),
        degree: filled(&doc.leader.degree).unwrap_or("未填写").to_string(),
        subject,
        status: s.status,
        level_label: s.level.label(),
        findings: d.review.findings.iter().map(finding_view).collect(),
        errors: d.review.errors,
        warnings: d.review.warnings,
        history,
        actions,
        editable: d.editable,
        may_copy: rules::may_draft(&p.grants, &place),
        may_delete: d.editable && s.status == Status::Draft && s.code.is_none(),
        returns,
        message: q.done.as_deref().and_then(Step::from_code).map(|st| format!("已{}。", st.label())),
        app: d.application,
    };
    Ok(render(StatusCode::OK, &page))
}

fn filled(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// `李静，电话 010****2431`, a part left blank said to be so.
fn contact_line(first: &Option<String>, phone: &Option<String>) -> String {
    format!("{}，电话 {}", filled(first).unwrap_or("未填写"), filled(phone).unwrap_or("未填写"))
}

#[derive(Deserialize)]
pub(super) struct StepForm {
    step: String,
    #[serde(default)]
    comment: String,
}

pub(super) async fn take_step(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<i64>,
    PageForm(form): PageForm<StepForm>,
) -> Result<Response, PageError> {
    let Some(step) = Step::from_code(form.step.trim()) else {
        return Err(ApiError::InvalidInput { field: Some("step".into()), message: "未知的审核操作".into() }.into());
    };
    ops::step(&state, &p, id, step, &form.comment).await?;
    Ok(Redirect::to(&format!("/applications/{id}?done={}", step.code())).into_response())
}
