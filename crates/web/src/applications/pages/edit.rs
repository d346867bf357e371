//! Editing a draft step by step, and creating, copying and deleting drafts.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jijiao_app::applications::{self as ops, ListQuery, WindowView};
use jijiao_domain::Year;
use jijiao_domain::authz::Role;
use jijiao_domain::authz::applications as rules;
use jijiao_domain::org::{Level, OrgKind};
use jijiao_domain::review::workflow::Step;
use jijiao_domain::review::{Application, Review};
use jijiao_storage::OrgId;
use jijiao_storage::applications::StoredApplication;
use serde::Deserialize;
use serde_json::Value;

use super::form::{
    FieldView, FindingView, LEVELS, RowsView, STEPS, StepSpec, apply_step, finding_view, masked_document,
    parse_document, step_spec, step_views,
};
use super::*;
use crate::auth::{PageUser, Principal};
use crate::csrf::CsrfToken;
use crate::error::form_year;
use crate::pages::{Layout, PageError, PageForm, render};
use crate::{ApiError, AppState};

#[derive(Template)]
#[template(path = "applications/edit.html")]
pub(super) struct EditPage {
    layout: Layout,
    id: i64,
    name: String,
    code: String,
    status_label: &'static str,
    steps: Vec<(&'static str, &'static str, usize)>,
    step: &'static str,
    step_label: &'static str,
    next_step: Option<&'static str>,
    fields: Vec<FieldView>,
    tables: Vec<RowsView>,
    /// The stored document as JSON, for the live check (the ID number and phones masked).
    document: String,
    findings: Vec<FindingView>,
    errors: usize,
    warnings: usize,
    returns: Vec<ReturnView>,
    message: Option<String>,
    error: Option<String>,
    may_submit: bool,
    /// The pickers: every subject (secondary and tertiary) by code with its name, every title.
    subjects: Vec<(String, String)>,
    titles: Vec<&'static str>,
}

pub(super) struct ReturnView {
    pub(super) at: String,
    pub(super) actor: String,
    pub(super) comment: String,
}

#[derive(Deserialize, Default)]
pub(super) struct EditQuery {
    step: Option<String>,
    saved: Option<String>,
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn edit_view(
    state: &AppState,
    p: &Principal,
    csrf: &CsrfToken,
    app: &StoredApplication,
    doc: &Value,
    step: &'static StepSpec,
    review: &Review,
    message: Option<String>,
    error: Option<String>,
) -> Result<EditPage, ApiError> {
    let findings: Vec<FindingView> = review.findings.iter().map(finding_view).collect();
    let (fields, tables) = step_views(step, doc, &findings);
    let steps = STEPS.iter().map(|s| (s.code, s.label, findings.iter().filter(|f| f.step == s.code).count())).collect();
    let position = STEPS.iter().position(|s| s.code == step.code).unwrap_or(0);
    let masked = masked_document(doc);
    let returns = state
        .store
        .application_steps(app.summary.id)
        .await?
        .into_iter()
        .filter(|s| s.step == Step::Return)
        .map(|s| ReturnView { at: jijiao_domain::time::format_shanghai(s.at), actor: s.actor, comment: s.comment })
        .collect();
    let catalogue = state.store.catalogue().await?;
    let subjects = jijiao_domain::subject::SECONDARY
        .iter()
        .map(|(code, name)| (code.to_string(), name.to_string()))
        .chain(catalogue.tertiary().iter().map(|t| (t.code.clone(), t.name.clone())))
        .collect::<std::collections::BTreeMap<_, _>>()
        .into_iter()
        .collect();
    let titles = jijiao_domain::title::TITLES.iter().map(|t| t.name).collect();
    Ok(EditPage {
        subjects,
        titles,
        layout: layout("/applications", p, csrf),
        id: app.summary.id.0,
        name: app.summary.name.clone(),
        code: app.summary.code.clone().unwrap_or_default(),
        status_label: app.summary.status.label(),
        steps,
        step: step.code,
        step_label: step.label,
        next_step: STEPS.get(position + 1).map(|s| s.code),
        fields,
        tables,
        document: masked.to_string(),
        errors: review.errors,
        warnings: review.warnings,
        findings,
        returns,
        message,
        error,
        may_submit: ops::available_steps(p, &app.summary).contains(&Step::Submit),
    })
}

pub(super) async fn editable(state: &AppState, p: &Principal, id: i64) -> Result<StoredApplication, ApiError> {
    let app = ops::visible(state, p, id).await?;
    if !rules::may_edit(&p.grants, &ops::place_of(&app.summary), app.summary.status) {
        return Err(ApiError::Forbidden);
    }
    Ok(app)
}

pub(super) async fn edit_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path(id): Path<i64>,
    Query(q): Query<EditQuery>,
) -> Result<Response, PageError> {
    let step = step_spec(q.step.as_deref().unwrap_or("basic")).unwrap_or(&STEPS[0]);
    let app = editable(&state, &p, id).await?;
    let review = ops::review_stored(&state, &app).await?;
    let doc = serde_json::to_value(&app.document).map_err(|e| ApiError::Internal(e.to_string()))?;
    let message = q.saved.is_some().then(|| "草稿已保存。".to_string());
    let page = edit_view(&state, &p, &csrf, &app, &doc, step, &review, message, None).await?;
    Ok(render(StatusCode::OK, &page))
}

pub(super) async fn save(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path(id): Path<i64>,
    PageForm(form): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let field = |name: &str| form.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let step = step_spec(field("step").as_deref().unwrap_or("basic")).unwrap_or(&STEPS[0]);
    let app = editable(&state, &p, id).await?;
    let mut doc = serde_json::to_value(&app.document).map_err(|e| ApiError::Internal(e.to_string()))?;
    let parsed = apply_step(step, &mut doc, &form).and_then(|()| parse_document(&doc));
    let outcome = match parsed {
        Ok(parsed) => ops::update(&state, &p, id, &parsed).await.map_err(|e| match ApiError::from(e) {
            ApiError::InvalidInput { message, .. } | ApiError::BadRequest(message) | ApiError::Conflict(message) => {
                Ok(message)
            }
            other => Err(other),
        }),
        Err(message) => Err(Ok(message)),
    };
    match outcome {
        Ok(_) => {
            let next = match field("go").as_deref() {
                Some("next") => STEPS.iter().position(|s| s.code == step.code).and_then(|i| STEPS.get(i + 1)),
                _ => None,
            };
            let redirect = match next {
                Some(next) => Redirect::to(&format!("/applications/{id}/edit?step={}&saved=1", next.code)),
                None if field("go").as_deref() == Some("detail") => Redirect::to(&format!("/applications/{id}")),
                None => Redirect::to(&format!("/applications/{id}/edit?step={}&saved=1", step.code)),
            };
            Ok(redirect.into_response())
        }
        // The entered values come back with the message, nothing is lost.
        Err(Ok(message)) => {
            let review = ops::review_stored(&state, &app).await?;
            let message = format!("未保存：{message}");
            let page = edit_view(&state, &p, &csrf, &app, &doc, step, &review, None, Some(message)).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(Err(e)) => Err(e.into()),
    }
}

pub(super) struct EarlierView {
    id: i64,
    year: Year,
    level: &'static str,
    name: String,
    status: &'static str,
}

#[derive(Template)]
#[template(path = "applications/new.html")]
pub(super) struct NewPage {
    layout: Layout,
    year: Year,
    levels: &'static [(&'static str, &'static str)],
    earlier: Vec<EarlierView>,
    windows: Vec<WindowView>,
}

pub(super) async fn new_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
) -> Result<Response, PageError> {
    if !rules::is_applicant_role(&p.grants) {
        return Err(PageError::forbidden("只有单位管理员和项目负责人可以申报项目。"));
    }
    let page = ops::list(&state, &p, &ListQuery { per_page: Some(100), ..Default::default() }).await?;
    let this_year = state.this_year();
    let earlier = page
        .items
        .into_iter()
        .filter(|a| a.year <= this_year)
        .map(|a| EarlierView {
            id: a.id.0,
            year: a.year,
            level: a.level.label(),
            name: a.name,
            status: a.status.label(),
        })
        .collect();
    let windows = ops::windows_for(&state, &p).await?;
    Ok(render(
        StatusCode::OK,
        &NewPage {
            layout: layout("/applications", &p, &csrf),
            year: ops::coming_year(&state),
            levels: LEVELS,
            earlier,
            windows,
        },
    ))
}

#[derive(Deserialize)]
pub(super) struct CreateForm {
    level: String,
    name: String,
    #[serde(default)]
    year: Option<String>,
}

/// The first draft: the applicant unit's particulars from its record, a leader applying for
/// themselves from their own record (the phone of record too); everything else to be filled in
/// the steps.
pub(super) async fn blank_document(
    state: &AppState,
    p: &Principal,
    form: &CreateForm,
) -> Result<Application, ApiError> {
    let bad = |field: &str, message: String| ApiError::InvalidInput { field: Some(field.into()), message };
    let level = Level::from_code_or_label(&form.level).ok_or_else(|| bad("level", "请选择项目级别".into()))?;
    let year = match form.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        Some(y) => form_year("year", y, || format!("申报年度应为四位数字，当前为“{y}”"))?,
        None => ops::coming_year(state),
    };
    let grant = p
        .grants
        .iter()
        .find(|g| matches!(g.role, Role::UnitAdmin | Role::Leader) && g.unit.is_some())
        .ok_or(ApiError::Forbidden)?;
    let unit = state.store.organisation(OrgId(grant.unit.unwrap_or_default())).await?;
    if unit.kind != OrgKind::Unit {
        return Err(ApiError::Forbidden);
    }
    let province = unit
        .province_code
        .as_deref()
        .and_then(jijiao_domain::province::by_code)
        .map(|p| p.name)
        .ok_or_else(|| ApiError::Conflict("本单位未登记所在省份".into()))?;
    let (leader_name, leader_id, leader_title, leader_phone) = match (grant.role, p.account.person_id) {
        (Role::Leader, Some(person)) => {
            let person = state.store.person(person).await?;
            (
                person.name,
                person.id_number.to_string(),
                person.title.unwrap_or_default(),
                person.phone.unwrap_or_default(),
            )
        }
        _ => (String::new(), String::new(), String::new(), String::new()),
    };
    let today = state.today().to_string();
    let doc = serde_json::json!({
        "year": year, "level": level.code(), "province": province, "kind": "recommended",
        "delivery": "face_to_face", "project_type": "general",
        "category": if level == Level::National { Value::Null } else { Value::String("improvement".into()) },
        "practical_training": false, "clinical_skills": false, "mutual_recognition": false,
        "infectious_disease_training": false,
        "subject": { "secondary": "", "tertiary": "" },
        "name": form.name.trim(), "summary": "", "audience": "", "planned_enrollment": 0,
        "total_hours": 0, "theory_hours": 0, "practice_hours": 0, "credits": 0,
        "outside_province_share": 0, "grassroots_share": 0,
        "applicant": {
            "name": unit.name, "unit_type": unit.unit_type.map_or("hospital", |t| t.code()), "province": province,
            "cme_qualified": unit.cme_qualified, "remote_qualified": unit.remote_qualified,
            "inspection": unit.inspection.code(),
            // The 申报书's contact blanks start empty: present, so the review asks for them.
            "contact_name": "", "contact_phone": ""
        },
        "leader": {
            "name": leader_name, "id_number": leader_id, "title": leader_title, "post": "",
            "employer": unit.name, "in_post": true, "specialty": "", "achievements": "", "history": [],
            "degree": "", "address": "", "phone": leader_phone
        },
        "unit_situation": "", "recommendation": "",
        "peer_reviewer": { "name": "", "title": "", "employer": "", "subject": "" },
        "teachers": [], "periods": [], "commitment_signed": false,
        "context": {
            "submitted_on": today, "window": { "opens": today, "closes": today },
            "leader_applications_same_level": 0, "unit_applications": 0,
            "unit_previous_year_approved": null, "unit_history": [], "other_applications": []
        }
    });
    if form.name.trim().is_empty() {
        return Err(bad("name", "请填写项目名称".into()));
    }
    parse_document(&doc).map_err(|message| bad("document", message))
}

pub(super) async fn create(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    PageForm(form): PageForm<CreateForm>,
) -> Result<Response, PageError> {
    if !rules::is_applicant_role(&p.grants) {
        return Err(PageError::forbidden("只有单位管理员和项目负责人可以申报项目。"));
    }
    let doc = blank_document(&state, &p, &form).await?;
    let (id, _) = ops::create(&state, &p, &doc, None).await?;
    Ok(Redirect::to(&format!("/applications/{}/edit?step=basic", id.0)).into_response())
}

pub(super) async fn copy(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (new_id, _) = ops::copy(&state, &p, id).await?;
    Ok(Redirect::to(&format!("/applications/{}/edit?step=basic", new_id.0)).into_response())
}

pub(super) async fn delete(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    ops::delete(&state, &p, id).await?;
    Ok(Redirect::to("/applications?deleted=1").into_response())
}
