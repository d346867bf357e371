//! Pages of the learning record: a professional's credits by year, units' registrations, self-study, grants, compliance.
//! Every decision is made in [`jijiao_app::credits`].

use askama::Template;
use axum::extract::Multipart;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jijiao_app::credits::reports::{self, ComplianceQuery, ComplianceView};
use jijiao_app::credits::{
    self, ApplyInput, PlanInput, REGISTRABLE, RegisterInput, ReviewLine, ReviewQuery, SelfStudyView, YearView, imports,
};
use jijiao_domain::authz::credits::{CreditAction, may_ever, permits};
use jijiao_domain::credits::learning_record::RecordSource;
use jijiao_domain::credits::learning_record::RecordStatus;
use jijiao_storage::PersonId;
use serde::Deserialize;

use crate::auth::{MaybePrincipal, PageUser, Principal};
use crate::csrf::CsrfToken;
use crate::pages::{Layout, PageForm, error_page, render};
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
        .post("/credits/records/{id}/reverse", reverse)
        .get("/credits/register/template", registration_template)
        .post("/credits/register/import", import_registrations)
        .get("/credits/legacy", legacy_page)
        .get("/credits/legacy/template", legacy_template)
        .post("/credits/legacy/import", import_legacy)
        .get("/credits/compliance", compliance_page)
        .get("/credits/compliance/export", compliance_export)
        .get("/me/self-study", my_self_study)
        .post("/me/self-study/plans", submit_plan)
        .post("/me/self-study/applications", apply_self_study)
        .get("/credits/self-study", self_study_queue)
        .post("/credits/self-study/plans/{id}/approve", approve_plan)
        .post("/credits/self-study/plans/{id}/reject", reject_plan)
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

fn failure(e: impl Into<ApiError>) -> Response {
    match e.into() {
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
    /// The viewer may correct granted records (a reversal).
    may_reverse: bool,
}

async fn own_view(state: &AppState, p: &Principal, year: Option<i32>) -> Result<YearView, ApiError> {
    let s = credits::own(state, p).await?;
    Ok(credits::year_view(state, &s, year).await?)
}

async fn my_year(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Query(q): Query<YearQuery>,
) -> Response {
    match own_view(&state, &p, q.year).await {
        Ok(v) => render(
            StatusCode::OK,
            &YearPage { layout: layout("/me/credits", &p, &csrf), v, own: true, print: false, may_reverse: false },
        ),
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
        Ok(v) => render(
            StatusCode::OK,
            &YearPage { layout: layout("/me/credits", &p, &csrf), v, own: true, print: true, may_reverse: false },
        ),
        Err(e) => failure(e),
    }
}

async fn my_export(State(state): State<AppState>, PageUser(p): PageUser, Query(q): Query<YearQuery>) -> Response {
    let result = async {
        let v = own_view(&state, &p, q.year).await?;
        Ok::<_, ApiError>((v.year, credits::year_xlsx(&v).await?))
    }
    .await;
    match result {
        Ok((year, bytes)) => (
            [
                (header::CONTENT_TYPE, XLSX.to_string()),
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
        let s = credits::person_for(&state, &p, PersonId(id), CreditAction::ReadRecord).await?;
        let may_reverse = permits(&p.grants, CreditAction::Reverse, &s.place);
        Ok::<_, ApiError>((credits::year_view(&state, &s, q.year).await?, may_reverse))
    }
    .await;
    match result {
        Ok((v, may_reverse)) => {
            let own = p.account.person_id == Some(PersonId(id));
            render(
                StatusCode::OK,
                &YearPage { layout: layout("/credits/review", &p, &csrf), v, own, print: false, may_reverse },
            )
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
    /// Every bad row of a rejected import.
    problems: Vec<String>,
}

async fn register_page(
    state: &AppState,
    p: &Principal,
    csrf: &CsrfToken,
    message: Option<String>,
    error: Option<String>,
) -> Response {
    register_page_with(state, p, csrf, message, error, Vec::new()).await
}

async fn register_page_with(
    state: &AppState,
    p: &Principal,
    csrf: &CsrfToken,
    message: Option<String>,
    error: Option<String>,
    problems: Vec<String>,
) -> Response {
    if !may_ever(&p.grants, CreditAction::Register) {
        return failure(ApiError::Forbidden);
    }
    match credits::registrable_people(state, p).await {
        Ok(people) => {
            let status =
                if error.is_some() || !problems.is_empty() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
            render(
                status,
                &RegisterPage {
                    layout: layout("/credits/register", p, csrf),
                    people,
                    kinds: REGISTRABLE.iter().map(|k| (k.code(), k.label())).collect(),
                    message,
                    error,
                    problems,
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
    match credits::register(&state, &p, &form).await.map_err(ApiError::from) {
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
        let page = credits::review_list(&state, &p, &q).await?;
        Ok::<_, ApiError>(ReviewPage {
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
        let decision = credits::decision(form.decision == "grant", form.reason.as_deref())?;
        Ok::<_, ApiError>(credits::decide_matching(&state, &p, &q, &decision).await?)
    }
    .await;
    match result {
        Ok(n) => Redirect::to(&format!("/credits/review?done={n}")).into_response(),
        Err(e) => failure(e),
    }
}

/// Back to the list a decided record came from.
fn after_decision(source: RecordSource) -> Response {
    match source {
        RecordSource::SelfStudy => Redirect::to("/credits/self-study?done=1").into_response(),
        _ => Redirect::to("/credits/review?done=1").into_response(),
    }
}

async fn grant(State(state): State<AppState>, PageUser(p): PageUser, Path(id): Path<i64>) -> Response {
    match credits::decide_one(&state, &p, id, &jijiao_storage::credit_records::Decision::Grant).await {
        Ok(source) => after_decision(source),
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
        let decision = credits::decision(false, Some(&form.reason))?;
        credits::decide_one(&state, &p, id, &decision).await
    }
    .await;
    match result {
        Ok(source) => after_decision(source),
        Err(e) => failure(e),
    }
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
    #[allow(dead_code)]
    csrf: Option<String>,
}

async fn reverse(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<i64>,
    PageForm(form): PageForm<ReasonForm>,
) -> Response {
    let result = async {
        credits::reverse_one(&state, &p, id, &form.reason).await?;
        let r = state.store.credit_record(jijiao_storage::credit_records::CreditRecordId(id)).await?;
        Ok::<_, ApiError>((r.person_id.0, r.year))
    }
    .await;
    match result {
        Ok((person, year)) => Redirect::to(&format!("/credits/people/{person}?year={year}")).into_response(),
        Err(e) => failure(e),
    }
}

// ---- files: templates and imports ----

use jijiao_documents::XLSX_CONTENT_TYPE as XLSX;

fn xlsx(file_name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, XLSX.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
        ],
        bytes,
    )
        .into_response()
}

/// The uploaded file of a multipart form (field `file`), or the Chinese reason there is none.
async fn upload(multipart: &mut Multipart) -> Result<(String, Vec<u8>), String> {
    let mut file = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                if field.name() == Some("file") {
                    let name = field.file_name().unwrap_or("upload.csv").to_string();
                    let bytes = field.bytes().await.map_err(|_| "文件上传不完整，请重试".to_string())?;
                    file = Some((name, bytes.to_vec()));
                }
            }
            Ok(None) => break,
            Err(_) => return Err("文件上传不完整，请重试".into()),
        }
    }
    file.filter(|(_, b)| !b.is_empty()).ok_or_else(|| "请选择要导入的文件".to_string())
}

/// The problems of a rejected import, one line each, or the error page for anything else.
fn import_problems(e: impl Into<ApiError>) -> Result<Vec<String>, Box<Response>> {
    match e.into() {
        ApiError::InvalidDocument(all) => Ok(all.into_iter().map(|d| d.to_string()).collect()),
        ApiError::InvalidInput { message, .. } => Ok(vec![message]),
        other => Err(Box::new(failure(other))),
    }
}

async fn registration_template(PageUser(p): PageUser) -> Response {
    if !may_ever(&p.grants, CreditAction::Register) {
        return failure(ApiError::Forbidden);
    }
    match imports::registration_template().await {
        Ok(bytes) => xlsx("credit-registrations.xlsx", bytes),
        Err(e) => failure(e),
    }
}

async fn import_registrations(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    mut multipart: Multipart,
) -> Response {
    if !may_ever(&p.grants, CreditAction::Register) {
        return failure(ApiError::Forbidden);
    }
    let (name, bytes) = match upload(&mut multipart).await {
        Ok(file) => file,
        Err(message) => return register_page_with(&state, &p, &csrf, None, None, vec![message]).await,
    };
    match imports::import_registrations(&state, &p, &bytes, &name).await {
        Ok(n) => {
            let message = format!("已从文件登记 {n} 条学分记录，等待省级审核。");
            register_page(&state, &p, &csrf, Some(message), None).await
        }
        Err(e) => match import_problems(e) {
            Ok(problems) => register_page_with(&state, &p, &csrf, None, None, problems).await,
            Err(r) => *r,
        },
    }
}

#[derive(Template)]
#[template(path = "credits/legacy.html")]
struct LegacyPage {
    layout: Layout,
    message: Option<String>,
    problems: Vec<String>,
}

fn legacy_render(p: &Principal, csrf: &CsrfToken, message: Option<String>, problems: Vec<String>) -> Response {
    let status = if problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(status, &LegacyPage { layout: layout("/credits/legacy", p, csrf), message, problems })
}

async fn legacy_page(PageUser(p): PageUser, csrf: CsrfToken) -> Response {
    if !may_ever(&p.grants, CreditAction::ImportLegacy) {
        return failure(ApiError::Forbidden);
    }
    legacy_render(&p, &csrf, None, Vec::new())
}

async fn legacy_template(PageUser(p): PageUser) -> Response {
    if !may_ever(&p.grants, CreditAction::ImportLegacy) {
        return failure(ApiError::Forbidden);
    }
    match imports::legacy_template().await {
        Ok(bytes) => xlsx("legacy-credits.xlsx", bytes),
        Err(e) => failure(e),
    }
}

async fn import_legacy(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    mut multipart: Multipart,
) -> Response {
    if !may_ever(&p.grants, CreditAction::ImportLegacy) {
        return failure(ApiError::Forbidden);
    }
    let (name, bytes) = match upload(&mut multipart).await {
        Ok(file) => file,
        Err(message) => return legacy_render(&p, &csrf, None, vec![message]),
    };
    match imports::import_legacy(&state, &p, &bytes, &name).await {
        Ok(n) => legacy_render(&p, &csrf, Some(format!("已导入 {n} 条原 I类/II类学分记录。")), Vec::new()),
        Err(e) => match import_problems(e) {
            Ok(problems) => legacy_render(&p, &csrf, None, problems),
            Err(r) => *r,
        },
    }
}

// ---- compliance ----

#[derive(Template)]
#[template(path = "credits/compliance.html")]
struct CompliancePage {
    layout: Layout,
    v: ComplianceView,
    /// The query string of the scope and filters, for the export link and the pager.
    query: String,
    status: String,
}

#[derive(Deserialize, Default)]
pub struct ComplianceForm {
    year: Option<String>,
    unit: Option<String>,
    district: Option<String>,
    province: Option<String>,
    status: Option<String>,
    page: Option<u32>,
}

fn number<T: std::str::FromStr>(field: &str, text: &Option<String>) -> Result<Option<T>, ApiError> {
    match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => t.parse().map(Some).map_err(|_| ApiError::invalid(field, format!("“{t}”应为数字"))),
        None => Ok(None),
    }
}

fn compliance_query(f: &ComplianceForm) -> Result<ComplianceQuery, ApiError> {
    Ok(ComplianceQuery {
        year: number("year", &f.year)?,
        unit: number("unit", &f.unit)?,
        district: number("district", &f.district)?,
        province: f.province.clone().filter(|p| !p.trim().is_empty()),
        status: f.status.clone().filter(|s| !s.trim().is_empty()),
        page: f.page,
        per_page: Some(50),
    })
}

fn compliance_query_string(q: &ComplianceQuery, year: i32) -> String {
    let mut parts = vec![format!("year={year}")];
    if let Some(u) = q.unit {
        parts.push(format!("unit={u}"));
    }
    if let Some(d) = q.district {
        parts.push(format!("district={d}"));
    }
    if let Some(p) = &q.province {
        parts.push(format!("province={}", crate::auth::urlencode(p)));
    }
    if let Some(s) = &q.status {
        parts.push(format!("status={}", crate::auth::urlencode(s)));
    }
    parts.join("&")
}

async fn compliance_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Query(f): Query<ComplianceForm>,
) -> Response {
    let result = async {
        let q = compliance_query(&f)?;
        let v = reports::report(&state, &p, &q).await?;
        Ok::<_, ApiError>((compliance_query_string(&q, v.year), v, q.status.unwrap_or_else(|| "all".into())))
    }
    .await;
    match result {
        Ok((query, v, status)) => render(
            StatusCode::OK,
            &CompliancePage { layout: layout("/credits/compliance", &p, &csrf), v, query, status },
        ),
        Err(e) => failure(e),
    }
}

async fn compliance_export(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Query(f): Query<ComplianceForm>,
) -> Response {
    let result = async {
        let q = compliance_query(&f)?;
        Ok::<_, ApiError>(reports::report_xlsx(&state, &p, &q).await?)
    }
    .await;
    match result {
        Ok((year, bytes)) => xlsx(&format!("compliance-{year}.xlsx"), bytes),
        Err(e) => failure(e),
    }
}

// ---- self-study ----

#[derive(Template)]
#[template(path = "credits/self_study.html")]
struct SelfStudyPage {
    layout: Layout,
    v: SelfStudyView,
    /// The professional's own page (else the unit administrator's queue).
    own: bool,
    this_year: i32,
    message: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    done: Option<usize>,
}

async fn self_study_render(
    state: &AppState,
    p: &Principal,
    csrf: &CsrfToken,
    own: bool,
    message: Option<String>,
    error: Option<String>,
) -> Response {
    let view = if own { credits::my_self_study(state, p).await } else { credits::self_study_queue(state, p).await };
    match view {
        Ok(v) => {
            let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
            let current = if own { "/me/self-study" } else { "/credits/self-study" };
            render(
                status,
                &SelfStudyPage {
                    layout: layout(current, p, csrf),
                    v,
                    own,
                    this_year: state.this_year(),
                    message,
                    error,
                },
            )
        }
        Err(e) => failure(e),
    }
}

async fn my_self_study(State(state): State<AppState>, PageUser(p): PageUser, csrf: CsrfToken) -> Response {
    if !may_ever(&p.grants, CreditAction::ApplySelfStudy) {
        return failure(ApiError::Forbidden);
    }
    self_study_render(&state, &p, &csrf, true, None, None).await
}

async fn submit_plan(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    PageForm(form): PageForm<PlanInput>,
) -> Response {
    match credits::submit_plan(&state, &p, &form).await.map_err(ApiError::from) {
        Ok(id) => {
            let message = format!("自学计划已提交（第 {} 号），等待单位审核。", id.0);
            self_study_render(&state, &p, &csrf, true, Some(message), None).await
        }
        Err(ApiError::InvalidInput { message, .. } | ApiError::Conflict(message)) => {
            self_study_render(&state, &p, &csrf, true, None, Some(message)).await
        }
        Err(e) => failure(e),
    }
}

async fn apply_self_study(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    PageForm(form): PageForm<ApplyInput>,
) -> Response {
    match credits::apply_self_study(&state, &p, &form).await.map_err(ApiError::from) {
        Ok(id) => {
            let message = format!("学分申请已提交（第 {} 号），等待单位审核发放。", id.0);
            self_study_render(&state, &p, &csrf, true, Some(message), None).await
        }
        Err(ApiError::InvalidInput { message, .. }) => {
            self_study_render(&state, &p, &csrf, true, None, Some(message)).await
        }
        Err(e) => failure(e),
    }
}

async fn self_study_queue(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Query(q): Query<DoneQuery>,
) -> Response {
    if !may_ever(&p.grants, CreditAction::ReviewSelfStudy) {
        return failure(ApiError::Forbidden);
    }
    let message = q.done.map(|n| format!("已处理 {n} 项。"));
    self_study_render(&state, &p, &csrf, false, message, None).await
}

async fn approve_plan(State(state): State<AppState>, PageUser(p): PageUser, Path(id): Path<i64>) -> Response {
    match credits::decide_plan(&state, &p, id, &jijiao_storage::credit_records::Decision::Grant).await {
        Ok(()) => Redirect::to("/credits/self-study?done=1").into_response(),
        Err(e) => failure(e),
    }
}

async fn reject_plan(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<i64>,
    PageForm(form): PageForm<ReasonForm>,
) -> Response {
    let result = async {
        let decision = credits::decision(false, Some(&form.reason))?;
        credits::decide_plan(&state, &p, id, &decision).await
    }
    .await;
    match result {
        Ok(()) => Redirect::to("/credits/self-study?done=1").into_response(),
        Err(e) => failure(e),
    }
}
