//! What every page shares: the layout (header, menu), rendering, the error page, the form
//! extractor, and the page routes of every capability merged into one.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::auth::{MaybePrincipal, Principal};
use crate::csrf::CsrfToken;
use crate::routes::Routes;
use jijiao_domain::authz::Role;

use crate::{accounts, applications, credits, projects, reference};

pub fn routes() -> Routes {
    Routes::new()
        .get("/", crate::home::home)
        .merge(accounts::pages::routes())
        .merge(accounts::admin::routes())
        .merge(reference::pages::routes())
        .merge(credits::pages::routes())
        .merge(applications::pages::routes())
        .merge(projects::pages::routes())
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
    applications::pages::menu(p, &mut items);
    projects::pages::menu(p, &mut items);
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
}

pub fn error_page(status: StatusCode, heading: &str, message: &str) -> Response {
    render(
        status,
        &ErrorPage { layout: Layout::anonymous(), heading: heading.to_string(), message: message.to_string() },
    )
}

pub async fn not_found() -> Response {
    error_page(StatusCode::NOT_FOUND, "页面不存在", "您访问的页面不存在或已被移除。")
}

pub fn unavailable(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "page failed");
    error_page(StatusCode::SERVICE_UNAVAILABLE, "暂时无法访问", "系统暂时无法读取数据，请稍后再试。")
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
