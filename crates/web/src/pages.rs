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

use crate::{accounts, applications, certificates, credits, events, projects, reference};

pub fn routes() -> Routes {
    Routes::new()
        .get("/", crate::home::home)
        .merge(accounts::pages::routes())
        .merge(accounts::admin::routes())
        .merge(reference::pages::routes())
        .merge(credits::pages::routes())
        .merge(applications::pages::routes())
        .merge(projects::pages::routes())
        .merge(events::pages::routes())
        .merge(events::sign_in::pages::routes())
        .merge(certificates::pages::routes())
        .layer(axum::middleware::from_fn(dress_error_pages))
}

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

/// What the base layout needs from every page.
pub struct Layout {
    pub nav: Vec<NavItem>,
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
        items.push(("/api/docs", "接口文档"));
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
    items.push(("/api/docs", "接口文档"));
    items
}

impl Layout {
    /// The navigation for this visitor, with `current` marked for screen readers and the eye.
    pub fn new(current: &str, principal: &MaybePrincipal, csrf: &CsrfToken) -> Self {
        let p = principal.0.as_ref();
        Self {
            nav: menu(p).into_iter().map(|(href, label)| NavItem { href, label, active: href == current }).collect(),
            user: p.map(|p| p.account.display_name.clone()),
            csrf: csrf.0.clone(),
        }
    }

    /// For error pages, which know nothing of the visitor.
    pub fn anonymous() -> Self {
        let nav = menu(None).into_iter().map(|(href, label)| NavItem { href, label, active: false }).collect();
        Self { nav, user: None, csrf: String::new() }
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
/// the way back, for every page route.
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

/// The middleware over the page routes that renders a [`PageError`] again for the visitor.
pub async fn dress_error_pages(
    principal: MaybePrincipal,
    csrf: CsrfToken,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    match response.extensions().get::<PageError>() {
        Some(error) => visitor_error_page(error, &path, &principal, &csrf),
        None => response,
    }
}

pub fn error_page(status: StatusCode, heading: &'static str, message: &str) -> Response {
    PageError::new(status, heading, message).into_response()
}

/// The fallback: outside the page routes, so it dresses its page itself.
pub async fn not_found(principal: MaybePrincipal, csrf: CsrfToken, uri: axum::http::Uri) -> Response {
    let error = PageError::not_found("您访问的页面不存在或已被移除。");
    visitor_error_page(&error, uri.path(), &principal, &csrf)
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
