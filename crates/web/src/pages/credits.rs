//! Pages of the learning record: a professional's credits by year, units' registrations, self-study, grants, compliance.
//! Every decision is made in [`crate::credit_ops`].

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jijiao_domain::authz::credits::{CreditAction, may_ever};
use jijiao_domain::credits::learning_record::RecordStatus;
use jijiao_storage::PersonId;
use serde::Deserialize;

use super::{Layout, PageForm, error_page, render};
use crate::auth::{MaybePrincipal, PageUser, Principal};
use crate::credit_ops::{self, REGISTRABLE, RegisterInput, ReviewLine, ReviewQuery, YearView};
use crate::csrf::CsrfToken;
use crate::routes::Routes;
use crate::{ApiError, AppState};

pub fn routes() -> Routes {
    Routes::new()
        .get("/me/credits", my_year)
        .get("/me/credits/print", my_print)
        .get("/me/credits/export", my_export)
        .get("/credits/people/{id}", person_year)
        .get("/credits/register", register_form)
        .post("/credits/register", register)
        .get("/credits/review", review_page)
        .post("/credits/review/decide", decide_matching)
        .post("/credits/records/{id}/grant", grant)
        .post("/credits/records/{id}/reject", reject)
}

/// This area's entries in the menu of a signed-in, confirmed user.
pub fn menu(p: &Principal, items: &mut Vec<(&'static str, &'static str)>) {
    if p.account.person_id.is_some() {
        items.push(("/me/credits", "我的学分"));
    }
    if may_ever(&p.grants, CreditAction::Register) {
        items.push(("/credits/register", "登记学分"));
    }
    if may_ever(&p.grants, CreditAction::Review) {
        items.push(("/credits/review", "学分审核"));
    }
}

fn layout(current: &str, p: &Principal, csrf: &CsrfToken) -> Layout {
    Layout::new(current, &MaybePrincipal(Some(p.clone())), csrf)
}

fn failure(e: ApiError) -> Response {
    match e {
        ApiError::NotFound => {
            error_page(StatusCode::NOT_FOUND, "页面不存在", "您访问的记录不存在，或不在您的管理范围内。")
        }
        ApiError::Forbidden => error_page(StatusCode::FORBIDDEN, "没有权限", "此操作超出了您的权限或管理范围。"),
        ApiError::InvalidInput { message, .. } | ApiError::BadRequest(message) | ApiError::Conflict(message) => {
            error_page(StatusCode::UNPROCESSABLE_ENTITY, "无法完成操作", &message)
        }
        other => {
            tracing::error!(error = %other, "credits page failed");
            error_page(StatusCode::SERVICE_UNAVAILABLE, "暂时无法完成", "系统暂时无法完成此操作，请稍后再试。")
        }
    }
}

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<i32>,
}

#[derive(Template)]
#[template(path = "credits/year.html")]
struct YearPage {
    layout: Layout,
    v: YearView,
    own: bool,
    print: bool,
}

async fn own_view(state: &AppState, p: &Principal, year: Option<i32>) -> Result<YearView, ApiError> {
    let s = credit_ops::own(state, p).await?;
    credit_ops::year_view(state, &s, year).await
}

async fn my_year(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Query(q): Query<YearQuery>,
) -> Response {
    match own_view(&state, &p, q.year).await {
        Ok(v) => {
            render(StatusCode::OK, &YearPage { layout: layout("/me/credits", &p, &csrf), v, own: true, print: false })
        }
        Err(e) => failure(e),
    }
}

async fn my_print(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Query(q): Query<YearQuery>,
) -> Response {
    match own_view(&state, &p, q.year).await {
        Ok(v) => {
            render(StatusCode::OK, &YearPage { layout: layout("/me/credits", &p, &csrf), v, own: true, print: true })
        }
        Err(e) => failure(e),
    }
}

async fn my_export(State(state): State<AppState>, PageUser(p): PageUser, Query(q): Query<YearQuery>) -> Response {
    let result = async {
        let v = own_view(&state, &p, q.year).await?;
        Ok::<_, ApiError>((v.year, credit_ops::year_xlsx(&v)?))
    }
    .await;
    match result {
        Ok((year, bytes)) => (
            [
                (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"credits-{year}.xlsx\"")),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => failure(e),
    }
}

async fn person_year(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> Response {
    let result = async {
        let s = credit_ops::person_for(&state, &p, PersonId(id), CreditAction::ReadRecord).await?;
        credit_ops::year_view(&state, &s, q.year).await
    }
    .await;
    match result {
        Ok(v) => {
            let own = p.account.person_id == Some(PersonId(id));
            render(StatusCode::OK, &YearPage { layout: layout("/credits/review", &p, &csrf), v, own, print: false })
        }
        Err(e) => failure(e),
    }
}

// ---- registration ----

#[derive(Template)]
#[template(path = "credits/register.html")]
struct RegisterPage {
    layout: Layout,
    people: Vec<(i64, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    message: Option<String>,
    error: Option<String>,
}

async fn register_page(
    state: &AppState,
    p: &Principal,
    csrf: &CsrfToken,
    message: Option<String>,
    error: Option<String>,
) -> Response {
    if !may_ever(&p.grants, CreditAction::Register) {
        return failure(ApiError::Forbidden);
    }
    match credit_ops::registrable_people(state, p).await {
        Ok(people) => {
            let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
            render(
                status,
                &RegisterPage {
                    layout: layout("/credits/register", p, csrf),
                    people,
                    kinds: REGISTRABLE.iter().map(|k| (k.code(), k.label())).collect(),
                    message,
                    error,
                },
            )
        }
        Err(e) => failure(e),
    }
}

async fn register_form(State(state): State<AppState>, PageUser(p): PageUser, csrf: CsrfToken) -> Response {
    register_page(&state, &p, &csrf, None, None).await
}

async fn register(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    PageForm(form): PageForm<RegisterInput>,
) -> Response {
    match credit_ops::register(&state, &p, &form).await {
        Ok(id) => {
            register_page(&state, &p, &csrf, Some(format!("已登记（第 {} 号），等待省级审核。", id.0)), None).await
        }
        Err(ApiError::InvalidInput { message, .. }) => register_page(&state, &p, &csrf, None, Some(message)).await,
        Err(e) => failure(e),
    }
}

// ---- review ----

#[derive(Template)]
#[template(path = "credits/review.html")]
struct ReviewPage {
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
pub struct ReviewForm {
    status: Option<String>,
    kind: Option<String>,
    year: Option<String>,
    q: Option<String>,
    page: Option<u32>,
    done: Option<usize>,
}

fn review_query(f: &ReviewForm) -> Result<ReviewQuery, ApiError> {
    let year = match f.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        Some(y) => Some(y.parse::<i32>().map_err(|_| ApiError::invalid("year", format!("年度“{y}”应为四位数字")))?),
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

async fn review_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Query(f): Query<ReviewForm>,
) -> Response {
    let result = async {
        let q = review_query(&f)?;
        let page = credit_ops::review_list(&state, &p, &q).await?;
        Ok::<_, ApiError>(ReviewPage {
            layout: layout("/credits/review", &p, &csrf),
            rows: page.items.iter().map(credit_ops::review_line).collect(),
            total: page.total,
            page: page.page,
            pages: page.pages(),
            status: f.status.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| "provisional".into()),
            kind: f.kind.clone().unwrap_or_default(),
            year: f.year.clone().unwrap_or_default(),
            q: f.q.clone().unwrap_or_default(),
            statuses: RecordStatus::ALL.iter().map(|s| (s.code(), s.label())).chain([("all", "全部")]).collect(),
            kinds: REGISTRABLE.iter().map(|k| (k.code(), k.label())).collect(),
            message: f.done.map(|n| format!("已处理 {n} 条学分记录。")),
        })
    }
    .await;
    match result {
        Ok(page) => render(StatusCode::OK, &page),
        Err(e) => failure(e),
    }
}

#[derive(Deserialize)]
pub struct BulkForm {
    decision: String,
    kind: Option<String>,
    year: Option<String>,
    q: Option<String>,
    reason: Option<String>,
    #[allow(dead_code)]
    csrf: Option<String>,
}

async fn decide_matching(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    PageForm(form): PageForm<BulkForm>,
) -> Response {
    let result = async {
        let filter =
            ReviewForm { kind: form.kind.clone(), year: form.year.clone(), q: form.q.clone(), ..ReviewForm::default() };
        let q = review_query(&filter)?;
        let decision = credit_ops::decision(form.decision == "grant", form.reason.as_deref())?;
        credit_ops::decide_matching(&state, &p, &q, &decision).await
    }
    .await;
    match result {
        Ok(n) => Redirect::to(&format!("/credits/review?done={n}")).into_response(),
        Err(e) => failure(e),
    }
}

async fn grant(State(state): State<AppState>, PageUser(p): PageUser, Path(id): Path<i64>) -> Response {
    match credit_ops::decide_one(&state, &p, id, &jijiao_storage::credit_records::Decision::Grant).await {
        Ok(()) => Redirect::to("/credits/review?done=1").into_response(),
        Err(e) => failure(e),
    }
}

#[derive(Deserialize)]
pub struct RejectForm {
    #[serde(default)]
    reason: String,
    #[allow(dead_code)]
    csrf: Option<String>,
}

async fn reject(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<i64>,
    PageForm(form): PageForm<RejectForm>,
) -> Response {
    let result = async {
        let decision = credit_ops::decision(false, Some(&form.reason))?;
        credit_ops::decide_one(&state, &p, id, &decision).await
    }
    .await;
    match result {
        Ok(()) => Redirect::to("/credits/review?done=1").into_response(),
        Err(e) => failure(e),
    }
}
