//! Pages of published projects: the public catalogue and each project's page, and the publishing
//! offices' pages (batches, publication, the national office's upload of published lists,
//! suspensions, the printable list). Authorisation is the API's (`projects::api`), shared.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jijiao_app::projects::{self as project_ops, CatalogueQuery, ListImport};
use jijiao_storage::applications::ApplicationId;
use jijiao_storage::projects::{Batch, Project, ProjectFilter};

use crate::auth::{MaybePrincipal, PageUser, Principal};
use crate::csrf::CsrfToken;
use crate::error::form_year;
use crate::pages::{Layout, PageError, render};
use crate::projects::api::{NewBatchBody, new_batch, own_batch, visible_batches};
use crate::routes::Routes;
use crate::{ApiError, AppState};

pub fn routes() -> Routes {
    Routes::new()
        .get("/projects", catalogue)
        .get("/projects/{number}", project_page)
        .get("/publication", publication_page)
        .post("/publication/batches", create_batch)
        .get("/publication/batches/{id}", batch_page)
        .post("/publication/batches/{id}/applications", add_applications)
        .post("/publication/batches/{id}/publish", publish)
        .get("/publication/batches/{id}/print", print)
        .post("/publication/import", upload)
        .post("/publication/suspensions", suspend)
        .post("/publication/suspensions/{id}/lift", lift_suspension)
        .post("/publication/number-patterns", set_number_pattern)
}

/// This area's entries in the menu of a signed-in, confirmed user. The catalogue itself is public:
/// [`crate::pages::menu`] gets it from [`public_menu`].
pub fn menu(p: &Principal, items: &mut Vec<(&'static str, &'static str)>) {
    if project_ops::is_publisher(p) {
        items.push(("/publication", "项目公布"));
    }
}

/// The catalogue's entry, for everyone (signed in or not).
pub fn public_menu(items: &mut Vec<(&'static str, &'static str)>) {
    items.push(("/projects", "项目目录"));
}

struct Row {
    number: String,
    link: String,
    name: String,
    unit: String,
    leader: String,
    term: String,
    credits: String,
    delivery: &'static str,
    suspended: Option<String>,
}

fn row(p: Project) -> Row {
    let number = p.number.clone().unwrap_or_default();
    let term = match (p.periods.first(), p.periods.len()) {
        (Some(x), 1) => format!("{} 至 {}", x.start, x.end),
        (Some(_), n) => format!("{} 至 {}（{n}期）", p.first_day, p.last_day),
        (None, _) => String::new(),
    };
    Row {
        link: crate::auth::urlencode(&number),
        number,
        name: p.name,
        unit: p.unit_name,
        leader: p.leader_name,
        term,
        credits: p.credits.to_string(),
        delivery: p.delivery.label(),
        suspended: p.suspension.map(|s| s.reason),
    }
}

#[derive(Template)]
#[template(path = "projects/catalogue.html")]
struct CataloguePage {
    layout: Layout,
    q: CatalogueQuery,
    query: String,
    error: Option<String>,
    /// The subjects to choose from: every second level, and a third-level one given in the
    /// address after its second level.
    subjects: Vec<(String, String)>,
    provinces: Vec<(&'static str, &'static str)>,
    rows: Vec<Row>,
    total: i64,
    /// More than `total` matched (the catalogue counts up to a cap).
    page: u32,
    pages: i64,
    /// The filters given besides the words and the order (shown on the "筛选" button).
    filters: usize,
}

async fn catalogue(
    State(state): State<AppState>,
    principal: MaybePrincipal,
    csrf: CsrfToken,
    Query(q): Query<CatalogueQuery>,
) -> Result<Response, PageError> {
    let reads = state.store.public_reads(principal.reads());
    let mut subjects: Vec<(String, String)> =
        jijiao_domain::subject::SECONDARY.iter().map(|(code, name)| (code.to_string(), name.to_string())).collect();
    // A third-level subject given in the address (a shared link, the API's parameters) is shown as
    // chosen rather than as 全部, which would drop it from the next search made with the form.
    if let Some(code) = q.subject.as_deref().map(str::trim).filter(|s| !s.is_empty())
        && !subjects.iter().any(|(c, _)| c == code)
    {
        let name = reads.catalogue().await.ok().and_then(|c| c.find(code).map(|t| t.name.clone())).unwrap_or_default();
        let at = subjects.iter().position(|(c, _)| code.starts_with(c.as_str())).map_or(subjects.len(), |i| i + 1);
        subjects.insert(at, (code.to_string(), name));
    }
    let provinces = jijiao_domain::province::PROVINCES.iter().map(|p| (p.code, p.name)).collect();
    let query = serde_urlencoded::to_string(q.given_parameters()).unwrap_or_default();
    let filters = q.given_parameters().iter().filter(|(name, _)| !matches!(*name, "q" | "sort")).count();
    let search = async {
        let filter = q.filter()?;
        let page = q.page()?;
        Ok::<_, ApiError>(reads.projects(&filter, page).await?)
    };
    let (rows, total, page, pages, error, status) = match search.await {
        Ok(found) => {
            let pages = found.pages();
            let (total, page) = (found.total, found.page);
            (found.items.into_iter().map(row).collect(), total, page, pages, None, StatusCode::OK)
        }
        Err(ApiError::InvalidInput { message, .. }) => {
            (Vec::new(), 0, 1, 0, Some(message), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => return Err(e.into()),
    };
    let layout = Layout::new("/projects", &principal, &csrf);
    Ok(render(
        status,
        &CataloguePage { layout, filters, q, query, error, subjects, provinces, rows, total, page, pages },
    ))
}

#[derive(Template)]
#[template(path = "projects/project.html")]
struct ProjectPage {
    layout: Layout,
    number: String,
    credits: String,
    hours: Option<String>,
    subject: String,
    p: Project,
    /// The periods as filed (rules.md §7.1): number, dates, place, whether a later filing moved them.
    filed: Vec<(u32, String, String, bool)>,
    /// A remote project's upload cycle page, for a signed-in account with a part in events (the page
    /// itself decides what they see).
    cycle_link: Option<String>,
}

async fn project_page(
    State(state): State<AppState>,
    principal: MaybePrincipal,
    csrf: CsrfToken,
    Path(number): Path<String>,
) -> Result<Response, PageError> {
    let reads = state.store.public_reads(principal.reads());
    let p = reads.project_by_number(&number).await.map_err(|e| match e {
        jijiao_storage::StoreError::NotFound => {
            PageError::new(StatusCode::NOT_FOUND, "项目不存在", "没有这个编号的已公布项目，请检查编号。")
        }
        other => other.into(),
    })?;
    let catalogue = reads.catalogue().await.ok();
    let subject =
        catalogue.and_then(|c| c.full_name(&p.subject_tertiary)).unwrap_or_else(|| p.subject_tertiary.clone());
    let filed = match &p.number {
        Some(number) => {
            let scope = jijiao_storage::events::EventScope { all: true, ..Default::default() };
            let filter = jijiao_storage::events::EventFilter { number: Some(number.clone()), ..Default::default() };
            reads
                .events(&scope, &filter)
                .await?
                .into_iter()
                .filter_map(|r| r.filed.map(|f| (r.period, format!("{} 至 {}", f.start, f.end), f.place, f.moved)))
                .collect()
        }
        None => Vec::new(),
    };
    let takes_part = principal.0.as_ref().is_some_and(|p| jijiao_domain::events::access::takes_part(&p.grants));
    let cycle_link = (takes_part && p.delivery == jijiao_domain::org::Delivery::Remote)
        .then(|| p.number.as_deref().map(|n| format!("/events/{}/upload-cycle", jijiao_app::events::url_number(n))))
        .flatten();
    Ok(render(
        StatusCode::OK,
        &ProjectPage {
            cycle_link,
            layout: Layout::new("/projects", &principal, &csrf),
            number: p.number.clone().unwrap_or_default(),
            credits: p.credits.to_string(),
            hours: p.hours.map(|h| h.to_string()),
            subject,
            p,
            filed,
        },
    ))
}

#[derive(Template)]
#[template(path = "projects/publication.html")]
struct PublicationPage {
    layout: Layout,
    batches: Vec<Batch>,
    national: bool,
    provinces: Vec<(&'static str, &'static str)>,
    /// The number patterns of the provinces the principal publishes for.
    patterns: Vec<project_ops::NumberPattern>,
    /// The suspensions in force (the national office's to lift).
    suspensions: Vec<jijiao_storage::suspensions::ActiveSuspension>,
    /// The units on record, for the suspension form's picker (issue 18: the exact name was typed).
    units: Vec<String>,
    message: Option<String>,
    problems: Vec<String>,
}

/// The error page for what a publishing action refused, or the problems to show again.
fn refusal(e: impl Into<ApiError>) -> Result<Vec<String>, PageError> {
    match e.into() {
        ApiError::InvalidDocument(all) => Ok(all.into_iter().map(|d| d.message).collect()),
        ApiError::InvalidInput { message, .. } | ApiError::Conflict(message) => Ok(vec![message]),
        ApiError::Forbidden => Err(PageError::new(StatusCode::FORBIDDEN, "没有权限", "项目由国家级或省级管理员公布。")),
        ApiError::NotFound => Err(PageError::new(StatusCode::NOT_FOUND, "页面不存在", "没有这个批次。")),
        other => Err(other.into()),
    }
}

/// The error page of a page that only shows: what a publishing action would have shown again
/// (its problems) is, here, the page's whole answer.
fn unshowable(e: impl Into<ApiError>) -> PageError {
    match refusal(e) {
        Ok(problems) => PageError::new(StatusCode::UNPROCESSABLE_ENTITY, "无法显示", problems.join("；")),
        Err(page) => page,
    }
}

async fn publication(
    state: &AppState,
    p: &Principal,
    csrf: &CsrfToken,
    status: StatusCode,
    message: Option<String>,
    problems: Vec<String>,
) -> Result<Response, PageError> {
    let national = p.has(jijiao_domain::authz::Role::NationalAdmin);
    let loaded = async {
        let batches = visible_batches(state, p).await?;
        let patterns = project_ops::number_patterns(state, p).await?;
        let suspensions = if national { state.store.active_suspensions().await? } else { Vec::new() };
        let mut units: Vec<String> =
            if national { state.store.unit_directory().await?.into_keys().collect() } else { Vec::new() };
        units.sort();
        Ok::<_, ApiError>((batches, patterns, suspensions, units))
    };
    let (batches, patterns, suspensions, units) = loaded.await.map_err(unshowable)?;
    let provinces = jijiao_domain::province::PROVINCES
        .iter()
        .filter(|pr| project_ops::may_publish(p, jijiao_domain::org::Level::Provincial, Some(pr.code)))
        .map(|pr| (pr.code, pr.name))
        .collect();
    let layout = Layout::new("/publication", &MaybePrincipal(Some(p.clone())), csrf);
    Ok(render(
        status,
        &PublicationPage { layout, batches, national, provinces, patterns, suspensions, units, message, problems },
    ))
}

async fn publication_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
) -> Result<Response, PageError> {
    publication(&state, &p, &csrf, StatusCode::OK, None, vec![]).await
}

#[derive(serde::Deserialize)]
struct BatchForm {
    #[serde(default)]
    level: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    batch: String,
    #[serde(default)]
    notice: String,
    #[serde(default)]
    notice_date: String,
}

async fn create_batch(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    crate::pages::PageForm(form): crate::pages::PageForm<BatchForm>,
) -> Result<Response, PageError> {
    let result = async {
        if !project_ops::is_publisher(&p) {
            return Err(ApiError::Forbidden);
        }
        let body = NewBatchBody {
            level: form.level,
            province: Some(form.province).filter(|p| !p.is_empty()),
            year: form_year("year", &form.year, || "年度应为四位数字".into())?,
            batch: form.batch.trim().parse().map_err(|_| ApiError::invalid("batch", "批次应为数字"))?,
            notice: form.notice,
            notice_date: Some(form.notice_date),
        };
        let new = new_batch(&p, &body)?;
        Ok(state.store.create_batch(&p.actor(), &new).await?)
    };
    match result.await {
        Ok(id) => Ok(Redirect::to(&format!("/publication/batches/{}", id.0)).into_response()),
        Err(e) => publication(&state, &p, &csrf, StatusCode::UNPROCESSABLE_ENTITY, None, refusal(e)?).await,
    }
}

#[derive(Template)]
#[template(path = "projects/batch.html")]
struct BatchPage {
    layout: Layout,
    batch: Batch,
    candidates: Vec<(ApplicationId, String, String, String)>,
    projects: Vec<Project>,
    more: bool,
    message: Option<String>,
    problems: Vec<String>,
}

async fn show_batch(
    state: &AppState,
    p: &Principal,
    csrf: &CsrfToken,
    id: i64,
    problems: Vec<String>,
) -> Result<Response, PageError> {
    show_batch_with(state, p, csrf, id, problems, None).await
}

async fn show_batch_with(
    state: &AppState,
    p: &Principal,
    csrf: &CsrfToken,
    id: i64,
    problems: Vec<String>,
    message: Option<String>,
) -> Result<Response, PageError> {
    let loaded = async {
        let batch = own_batch(state, p, id).await?;
        let candidates = state.store.publishable_applications(&batch).await?;
        let filter = ProjectFilter { batch_id: Some(batch.id), ..Default::default() };
        let projects = state.store.project_list(&filter, 501).await?;
        Ok::<_, ApiError>((batch, candidates, projects))
    };
    let (batch, candidates, mut projects) = loaded.await.map_err(unshowable)?;
    let more = projects.len() > 500;
    projects.truncate(500);
    let status = if problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let layout = Layout::new("/publication", &MaybePrincipal(Some(p.clone())), csrf);
    Ok(render(status, &BatchPage { layout, batch, candidates, projects, more, message, problems }))
}

/// What an action on a batch did, named after it (issue 18: adding and publishing said nothing).
#[derive(serde::Deserialize, Default)]
struct BatchDone {
    added: Option<usize>,
    published: Option<usize>,
}

async fn batch_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path(id): Path<i64>,
    Query(done): Query<BatchDone>,
) -> Result<Response, PageError> {
    let message = match (done.added, done.published) {
        (Some(n), _) => Some(format!("已将 {n} 份申报书加入本批次，公布时统一编号。")),
        (_, Some(n)) => Some(format!("本批次已公布，{n} 个项目已编号，现已在项目目录中公开。")),
        _ => None,
    };
    show_batch_with(&state, &p, &csrf, id, vec![], message).await
}

/// The checked applications arrive as repeated `application` fields.
async fn add_applications(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let ids: Vec<ApplicationId> = pairs
        .iter()
        .filter(|(k, _)| k == "application")
        .filter_map(|(_, v)| v.parse().ok().map(ApplicationId))
        .collect();
    let result = async {
        let batch = own_batch(&state, &p, id).await?;
        Ok::<_, ApiError>(state.store.add_applications(&p.actor(), batch.id, &ids).await?)
    };
    match result.await {
        Ok(n) => Ok(Redirect::to(&format!("/publication/batches/{id}?added={n}")).into_response()),
        Err(e) => show_batch(&state, &p, &csrf, id, refusal(e)?).await,
    }
}

async fn publish(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let result = async {
        let batch = own_batch(&state, &p, id).await?;
        Ok::<_, ApiError>(state.store.publish_batch(&p.actor(), batch.id).await?)
    };
    match result.await {
        Ok(n) => Ok(Redirect::to(&format!("/publication/batches/{id}?published={n}")).into_response()),
        Err(e) => show_batch(&state, &p, &csrf, id, refusal(e)?).await,
    }
}

#[derive(Template)]
#[template(path = "projects/print.html")]
struct PrintPage {
    title: String,
    notice: String,
    headers: [&'static str; 11],
    rows: Vec<Vec<String>>,
}

/// The printable list of a batch: the columns of published lists, phones left out.
async fn print(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let loaded = async {
        let batch = own_batch(&state, &p, id).await?;
        let projects = state
            .store
            .project_list(&ProjectFilter { batch_id: Some(batch.id), ..Default::default() }, i64::MAX / 2)
            .await?;
        Ok::<_, ApiError>((batch, projects))
    };
    let (batch, projects) = loaded.await.map_err(unshowable)?;
    let rows = project_ops::list_rows(&projects, None)
        .iter()
        .map(|r| r.iter().map(jijiao_documents::CellOut::display_text).collect())
        .collect();
    Ok(render(
        StatusCode::OK,
        &PrintPage { title: batch.title(), notice: batch.notice, headers: project_ops::LIST_COLUMNS, rows },
    ))
}

/// The national office's upload: multipart with the file, year, batch, notice and dry-run box;
/// the form token travels in the query string.
async fn upload(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    if !p.has(jijiao_domain::authz::Role::NationalAdmin) {
        return Err(PageError::forbidden("公布名单由国家级管理员导入。"));
    }
    let (mut file, mut year, mut batch, mut notice, mut dry_run) =
        (None, String::new(), String::new(), String::new(), false);
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("list.xlsx").to_string();
            if let Ok(bytes) = field.bytes().await {
                file = Some((file_name, bytes));
            }
        } else {
            let value = field.text().await.unwrap_or_default();
            match name.as_str() {
                "year" => year = value,
                "batch" => batch = value,
                "notice" => notice = value,
                "dry_run" => dry_run = !value.is_empty(),
                _ => {}
            }
        }
    }
    let result = async {
        let (name, bytes) =
            file.filter(|(_, b)| !b.is_empty()).ok_or_else(|| ApiError::invalid("file", "请选择要导入的文件"))?;
        let year = form_year("year", &year, || "年度应为四位数字".into())?;
        let batch: u16 = batch.trim().parse().map_err(|_| ApiError::invalid("batch", "批次应为数字"))?;
        let import = ListImport { year, batch, notice, dry_run };
        Ok::<_, ApiError>(project_ops::import_list(&state, &p, &bytes, &name, &import).await?)
    };
    match result.await {
        Ok(done) => {
            let n = done.projects;
            let mut message = if dry_run {
                format!("检查通过：{n} 个项目，未保存。")
            } else {
                format!("已导入 {n} 个项目。")
            };
            if let Some(notice) = done.unlinked_notice() {
                message.push_str(&notice);
            }
            publication(&state, &p, &csrf, StatusCode::OK, Some(message), vec![]).await
        }
        Err(e) => publication(&state, &p, &csrf, StatusCode::UNPROCESSABLE_ENTITY, None, refusal(e)?).await,
    }
}

#[derive(serde::Deserialize)]
struct SuspendForm {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    reason: String,
}

async fn suspend(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    crate::pages::PageForm(form): crate::pages::PageForm<SuspendForm>,
) -> Result<Response, PageError> {
    if !p.has(jijiao_domain::authz::Role::NationalAdmin) {
        return Err(PageError::forbidden("暂停单位的项目由国家级管理员操作。"));
    }
    let outcome = state.store.suspend_unit_projects(&p.actor(), &form.unit, &form.reason).await;
    let message = outcome.map(|n| format!("已暂停“{}”的 {n} 个项目，原因已公开显示。", form.unit.trim()));
    publication_after(&state, &p, &csrf, message.map_err(ApiError::from)).await
}

#[derive(serde::Deserialize)]
struct LiftForm {
    #[serde(default)]
    note: String,
}

async fn lift_suspension(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path(id): Path<i64>,
    crate::pages::PageForm(form): crate::pages::PageForm<LiftForm>,
) -> Result<Response, PageError> {
    if !p.has(jijiao_domain::authz::Role::NationalAdmin) {
        return Err(PageError::forbidden("解除暂停由国家级管理员操作。"));
    }
    let outcome = state.store.lift_suspension(&p.actor(), id, &form.note).await;
    let message = outcome.map(|n| format!("已解除暂停，{n} 个项目恢复正常显示。"));
    publication_after(&state, &p, &csrf, message.map_err(ApiError::from)).await
}

#[derive(serde::Deserialize)]
struct PatternForm {
    #[serde(default)]
    province: String,
    #[serde(default)]
    pattern: String,
}

async fn set_number_pattern(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    crate::pages::PageForm(form): crate::pages::PageForm<PatternForm>,
) -> Result<Response, PageError> {
    let outcome =
        project_ops::set_number_pattern(&state, &p, &form.province, &form.pattern).await.map_err(ApiError::from);
    let message = outcome
        .map(|set| format!("{}的项目编号规则已改为“{}”，例如 {}。", set.province_name, set.pattern, set.example));
    publication_after(&state, &p, &csrf, message).await
}

/// The publication page after an action on it: with the action's message, or with what it refused.
async fn publication_after(
    state: &AppState,
    p: &Principal,
    csrf: &CsrfToken,
    outcome: Result<String, ApiError>,
) -> Result<Response, PageError> {
    match outcome {
        Ok(message) => publication(state, p, csrf, StatusCode::OK, Some(message), vec![]).await,
        Err(e) => publication(state, p, csrf, StatusCode::UNPROCESSABLE_ENTITY, None, refusal(e)?).await,
    }
}
