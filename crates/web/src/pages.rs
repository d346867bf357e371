//! What every page shares: the layout (header, menu), rendering, the error page, the form
//! extractor, and the page routes of every capability merged into one.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::ApiError;
use crate::auth::{MaybePrincipal, Principal};
use crate::csrf::CsrfToken;
use crate::routes::Routes;
use jijiao_app::AppError;
use jijiao_domain::authz::Role;
use jijiao_storage::StoreError;

use crate::{accounts, applications, certificates, credits, events, projects, reference, reports};

pub fn routes() -> Routes {
    Routes::new()
        .get("/", crate::home::home)
        .merge(accounts::pages::routes())
        .merge(accounts::reset::routes())
        .merge(accounts::admin::routes())
        .merge(reference::pages::routes())
        .merge(credits::pages::routes())
        .merge(applications::pages::routes())
        .merge(projects::pages::routes())
        .merge(events::pages::routes())
        .merge(reports::pages::routes())
        .merge(reports::remote_pages::routes())
        .merge(events::sign_in::pages::routes())
        .merge(certificates::pages::routes())
}

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

/// A group of the menu, by task (issue 18: sixteen links in a row took a quarter of a phone).
pub struct NavGroup {
    pub label: &'static str,
    pub items: Vec<NavItem>,
}

/// The menu's groups, in this order; an entry's group is found from its path.
const GROUPS: [&str; 5] = ["查询", "我的", "项目", "学分与证书", "系统管理"];

fn group_of(href: &str) -> usize {
    let under = |prefix: &str| href == prefix || href.starts_with(&format!("{prefix}/"));
    if under("/me") {
        1
    } else if ["/applications", "/application-windows", "/publication", "/events", "/reports"].iter().any(|p| under(p))
    {
        2
    } else if under("/credits") || under("/certificates") || href == "/admin/certificate-keys" {
        3
    } else if under("/admin") || under("/api") {
        4
    } else {
        0
    }
}

/// A menu this short is shown whole on a phone too; a longer one folds behind one button.
const SHORT_MENU: usize = 6;

/// What the base layout needs from every page.
pub struct Layout {
    /// The menu by task, each group's entries in the menu's order.
    pub groups: Vec<NavGroup>,
    /// The menu folds behind a "菜单" button on a phone (see [`SHORT_MENU`]).
    pub collapsible: bool,
    /// The signed-in user's name, for the header.
    pub user: Option<String>,
    /// The form token for every form on the page (and the logout button).
    pub csrf: String,
}

/// The menu for a visitor: public entries, then what each of the visitor's roles may use.
pub fn menu(principal: Option<&Principal>) -> Vec<(&'static str, &'static str)> {
    let mut items = vec![("/", "首页"), ("/committees", "继教委员会"), ("/subjects", "学科目录")];
    projects::pages::public_menu(&mut items);
    let Some(p) = principal else {
        return items;
    };
    items.push(("/me", "我的主页"));
    if !p.account.confirmed {
        return items;
    }
    if p.is_admin() {
        items.push(("/admin/accounts", "账号管理"));
        items.push(("/admin/confirmations", "待确认人员"));
        items.push(("/admin/tokens", "接口令牌"));
        items.push(("/admin/audit", "审计日志"));
    }
    if p.has(Role::NationalAdmin) {
        items.push(("/admin/reference", "参考数据"));
    }
    credits::pages::menu(p, &mut items);
    certificates::pages::menu(p, &mut items);
    applications::pages::menu(p, &mut items);
    projects::pages::menu(p, &mut items);
    events::pages::menu(p, &mut items);
    reports::pages::menu(p, &mut items);
    // The API's documentation for those who use the API: administrators, who make its tokens
    // (issue 18: a professional had no use for it in the menu).
    if p.is_admin() {
        items.push(("/api/docs", "接口文档"));
    }
    items
}

/// The visitor's menu in its groups (empty groups left out), `current` marked.
fn grouped(principal: Option<&Principal>, current: &str) -> (Vec<NavGroup>, usize) {
    let mut groups: Vec<NavGroup> = GROUPS.iter().map(|label| NavGroup { label, items: Vec::new() }).collect();
    let items = menu(principal);
    let count = items.len();
    for (href, label) in items {
        groups[group_of(href)].items.push(NavItem { href, label, active: href == current });
    }
    groups.retain(|g| !g.items.is_empty());
    (groups, count)
}

impl Layout {
    /// The navigation for this visitor, with `current` marked for screen readers and the eye.
    pub fn new(current: &str, principal: &MaybePrincipal, csrf: &CsrfToken) -> Self {
        let p = principal.0.as_ref();
        let (groups, count) = grouped(p, current);
        Self {
            groups,
            collapsible: count > SHORT_MENU,
            user: p.map(|p| p.account.display_name.clone()),
            csrf: csrf.0.clone(),
        }
    }

    /// For error pages, which know nothing of the visitor.
    pub fn anonymous() -> Self {
        let (groups, count) = grouped(None, "");
        Self { groups, collapsible: count > SHORT_MENU, user: None, csrf: String::new() }
    }
}

/// Renders a template, or an error page if rendering fails (a bug, logged).
pub fn render<T: Template>(status: StatusCode, template: &T) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, Html("<h1>服务器内部错误</h1>".to_string())).into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub heading: String,
    pub message: String,
    /// The way back to where the visitor was working (the capability's page in their menu).
    pub back: Option<NavItem>,
}

/// What a page answers when it cannot do what was asked: the Chinese error page, with the status
/// the API gives the same error (an internal error is 500 and an unavailable database 503 on both),
/// so handlers use `?` on the operations' results. Rendered first without the visitor (all an
/// error knows); [`dress_error_pages`] renders it again with the signed-in user's header, menu and
/// the way back, for every page answer: the handlers', and the refusals of the guard, CSRF, the
/// rate limit and the extractors (issue 18: a signed-in user never meets the signed-out header).
#[derive(Clone, Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub heading: &'static str,
    pub message: String,
}

impl PageError {
    pub fn new(status: StatusCode, heading: &'static str, message: impl Into<String>) -> Self {
        Self { status, heading, message: message.into() }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "没有权限", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "页面不存在", message)
    }

    /// The page for the error alone; [`dress_error_pages`] dresses it for the visitor.
    fn page(&self, layout: Layout, back: Option<NavItem>) -> ErrorPage {
        ErrorPage { layout, heading: self.heading.to_string(), message: self.message.clone(), back }
    }
}

/// Kind for kind as the API answers ([`ApiError::status`]), with the pages' Chinese wording;
/// internal details are logged, never shown.
impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        let status = e.status();
        match e {
            ApiError::NotFound => Self::not_found("您访问的记录不存在，或不在您的管理范围内。"),
            ApiError::Forbidden => Self::forbidden("此操作超出了您的权限或管理范围。"),
            ApiError::Unauthorized => Self::new(status, "请先登录", "请先登录后再访问此页面。"),
            ApiError::Unavailable(detail) => {
                tracing::warn!(%detail, "page unavailable");
                Self::new(status, "暂时无法访问", "系统繁忙，暂时无法完成此操作，请稍后再试。")
            }
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "page failed");
                Self::new(status, "暂时无法完成", "系统暂时无法完成此操作，请稍后再试。")
            }
            other @ (ApiError::InvalidInput { .. }
            | ApiError::InvalidDocument(_)
            | ApiError::BadRequest(_)
            | ApiError::Conflict(_)
            | ApiError::TooLarge(_)
            | ApiError::UnsupportedMediaType(_)) => Self::new(status, "无法完成操作", other.to_string()),
        }
    }
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        ApiError::from(e).into()
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        ApiError::from(e).into()
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut response = render(self.status, &self.page(Layout::anonymous(), None));
        response.extensions_mut().insert(self);
        response
    }
}

/// The error page for the visitor at `path`: their header and menu, and the way back.
fn visitor_error_page(error: &PageError, path: &str, principal: &MaybePrincipal, csrf: &CsrfToken) -> Response {
    let back = way_back(path, principal.0.as_ref());
    render(error.status, &error.page(Layout::new("", principal, csrf), back))
}

/// The entry of the visitor's menu that `path` lies under (the longest, not the home page, not the
/// path itself): where they were working, a link that is always theirs to follow.
fn way_back(path: &str, principal: Option<&Principal>) -> Option<NavItem> {
    menu(principal)
        .into_iter()
        .filter(|(href, _)| *href != "/" && path != *href && path.starts_with(&format!("{href}/")))
        .max_by_key(|(href, _)| href.len())
        .map(|(href, label)| NavItem { href, label, active: false })
}

/// The middleware (inside authentication, outside everything that may refuse a page) that renders
/// a [`PageError`] again for the visitor. The first rendering's other headers stay (the anonymous
/// CSRF cookie, `Retry-After`, `Allow`); the API's answers are never pages and pass untouched.
pub async fn dress_error_pages(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let path = request.uri().path().to_string();
    if path.starts_with("/api/") {
        return next.run(request).await;
    }
    let principal = request.extensions().get::<MaybePrincipal>().cloned().unwrap_or_default();
    let csrf = principal
        .0
        .as_ref()
        .and_then(|p| p.csrf())
        .or_else(|| crate::auth::cookie(request.headers(), crate::auth::CSRF_COOKIE))
        .unwrap_or_default()
        .to_string();
    let response = next.run(request).await;
    let Some(error) = response.extensions().get::<PageError>().cloned() else { return response };
    let mut dressed = visitor_error_page(&error, &path, &principal, &CsrfToken(csrf));
    for (name, value) in response.headers() {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            dressed.headers_mut().append(name.clone(), value.clone());
        }
    }
    dressed
}

pub fn error_page(status: StatusCode, heading: &'static str, message: &str) -> Response {
    PageError::new(status, heading, message).into_response()
}

/// The fallback (dressed for the visitor like every page error).
pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return ApiError::NotFound.into_response();
    }
    PageError::not_found("您访问的页面不存在或已被移除。").into_response()
}

/// A submitted form; one that cannot be read (a field missing or malformed, as a hand-made request
/// could send) gets a Chinese error page, not the framework's English text.
pub struct PageForm<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for PageForm<T> {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Form::<T>::from_request(req, state).await {
            Ok(axum::extract::Form(value)) => Ok(PageForm(value)),
            Err(rejection) => {
                tracing::debug!(%rejection, "unreadable form");
                Err(error_page(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "表单有误",
                    "提交的表单不完整或格式不正确，请返回页面重新填写。",
                ))
            }
        }
    }
}
