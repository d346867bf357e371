//! Pages of the learning record: a professional's credits by year, units' registrations, self-study, grants, compliance.
//! Every decision is made in [`jijiao_app::credits`].

mod compliance;
mod files;
mod registration;
mod self_study;

pub(crate) use registration::skipped_note;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jijiao_app::credits::{self, YearView};
use jijiao_documents::XLSX_CONTENT_TYPE as XLSX;
use jijiao_domain::Year;
use jijiao_domain::authz::credits::{CreditAction, may_ever, permits};
use jijiao_storage::PersonId;
use serde::Deserialize;

use crate::auth::{MaybePrincipal, PageUser, Principal};
use crate::csrf::CsrfToken;
use crate::error::form_year;
use crate::pages::{Layout, PageError, render};
use crate::routes::Routes;
use crate::{ApiError, AppState};

pub fn routes() -> Routes {
    Routes::new()
        .get("/me/credits", my_year)
        .get("/me/credits/print", my_print)
        .get("/me/credits/export", my_export)
        .get("/credits/people/{id}", person_year)
        .get("/credits/register", registration::register_form)
        .post("/credits/register", registration::register)
        .get("/credits/review", registration::review_page)
        .post("/credits/review/decide", registration::decide_matching)
        .post("/credits/records/{id}/grant", registration::grant)
        .post("/credits/records/{id}/reject", registration::reject)
        .post("/credits/records/{id}/reverse", registration::reverse)
        .get("/credits/register/template", files::registration_template)
        .post("/credits/register/import", files::import_registrations)
        .get("/credits/legacy", files::legacy_page)
        .get("/credits/legacy/template", files::legacy_template)
        .post("/credits/legacy/import", files::import_legacy)
        .get("/credits/compliance", compliance::compliance_page)
        .get("/credits/compliance/export", compliance::compliance_export)
        .get("/me/self-study", self_study::my_self_study)
        .post("/me/self-study/plans", self_study::submit_plan)
        .post("/me/self-study/applications", self_study::apply_self_study)
        .get("/credits/self-study", self_study::self_study_queue)
        .post("/credits/self-study/plans/{id}/approve", self_study::approve_plan)
        .post("/credits/self-study/plans/{id}/reject", self_study::reject_plan)
}

/// This area's entries in the menu of a signed-in, confirmed user.
pub fn menu(p: &Principal, items: &mut Vec<(&'static str, &'static str)>) {
    if p.account.person_id.is_some() {
        items.push(("/me/credits", "我的学分"));
    }
    if may_ever(&p.grants, CreditAction::ApplySelfStudy) {
        items.push(("/me/self-study", "自学申请"));
    }
    if may_ever(&p.grants, CreditAction::Register) {
        items.push(("/credits/register", "登记学分"));
    }
    if may_ever(&p.grants, CreditAction::ReviewSelfStudy) {
        items.push(("/credits/self-study", "自学审核"));
    }
    if may_ever(&p.grants, CreditAction::Review) {
        items.push(("/credits/review", "学分审核"));
    }
    if may_ever(&p.grants, CreditAction::ImportLegacy) {
        items.push(("/credits/legacy", "原学分导入"));
    }
    if may_ever(&p.grants, CreditAction::ReadCompliance) {
        items.push(("/credits/compliance", "学分达标"));
    }
}

fn layout(current: &str, p: &Principal, csrf: &CsrfToken) -> Layout {
    Layout::new(current, &MaybePrincipal(Some(p.clone())), csrf)
}

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<Year>,
}

#[derive(Template)]
#[template(path = "credits/year.html")]
struct YearPage {
    layout: Layout,
    v: YearView,
    own: bool,
    print: bool,
    /// The viewer may correct granted records (a reversal).
    may_reverse: bool,
    /// The list this page is reached from, in the viewer's menu: (href, label).
    back: (&'static str, &'static str),
    /// On the learner's own page: the phone surveys waiting for their answers (rules.md §7.4).
    surveys: Vec<jijiao_app::reports::survey::SurveyDue>,
}

/// The list of the viewer's menu a person's record is opened from (issue 18: "← 学分审核" led
/// unit and district administrators, who have no such list, to a 403).
fn back_to_list(p: &Principal) -> (&'static str, &'static str) {
    let menu = crate::pages::menu(Some(p));
    ["/credits/review", "/credits/compliance", "/credits/self-study"]
        .into_iter()
        .find_map(|list| menu.iter().find(|(href, _)| *href == list).copied())
        .unwrap_or(("/me", "我的主页"))
}

async fn own_view(state: &AppState, p: &Principal, year: Option<Year>) -> Result<YearView, ApiError> {
    Ok(credits::person_year(state, p, None, year).await?.1)
}

async fn my_year(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    let v = own_view(&state, &p, q.year).await?;
    let surveys = jijiao_app::reports::survey::my_surveys(&state, &p).await?;
    Ok(render(
        StatusCode::OK,
        &YearPage {
            layout: layout("/me/credits", &p, &csrf),
            v,
            own: true,
            print: false,
            may_reverse: false,
            back: ("/me", "我的主页"),
            surveys,
        },
    ))
}

async fn my_print(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    let v = own_view(&state, &p, q.year).await?;
    Ok(render(
        StatusCode::OK,
        &YearPage {
            layout: layout("/me/credits", &p, &csrf),
            v,
            own: true,
            print: true,
            may_reverse: false,
            back: ("/me", "我的主页"),
            surveys: Vec::new(),
        },
    ))
}

async fn my_export(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    let v = own_view(&state, &p, q.year).await?;
    let (year, bytes) = (v.year, credits::year_xlsx(&v).await?);
    Ok((
        [
            (header::CONTENT_TYPE, XLSX.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"credits-{year}.xlsx\"")),
        ],
        bytes,
    )
        .into_response())
}

async fn person_year(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    let (s, v) = credits::person_year(&state, &p, Some(PersonId(id)), q.year).await?;
    let may_reverse = permits(&p.grants, CreditAction::Reverse, &s.place);
    let own = p.account.person_id == Some(PersonId(id));
    let back = back_to_list(&p);
    Ok(render(
        StatusCode::OK,
        &YearPage { layout: layout(back.0, &p, &csrf), v, own, print: false, may_reverse, back, surveys: Vec::new() },
    ))
}
