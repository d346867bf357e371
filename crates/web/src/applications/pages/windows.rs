//! The application windows each level's office sets.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jijiao_app::applications::{self as ops, SetWindow, WindowView};
use jijiao_domain::authz::applications as rules;
use jijiao_domain::org::Level;
use serde::Deserialize;

use super::*;
use crate::AppState;
use crate::auth::PageUser;
use crate::csrf::CsrfToken;
use crate::error::form_year;
use crate::pages::{Layout, PageError, PageForm, render};

#[derive(Template)]
#[template(path = "applications/windows.html")]
pub(super) struct WindowsPage {
    layout: Layout,
    windows: Vec<WindowView>,
    /// The level whose window this office sets, if any.
    own_level: Option<(&'static str, &'static str)>,
    year: jijiao_domain::Year,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct WindowsQuery {
    saved: Option<String>,
}

pub(super) async fn windows_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Query(q): Query<WindowsQuery>,
) -> Result<Response, PageError> {
    if !may_use(&p) {
        return Err(PageError::forbidden("此页面供申报单位、项目负责人和各级审核部门使用。"));
    }
    let own_level = p
        .grants
        .iter()
        .filter_map(|g| rules::window_level(g.role))
        .min_by_key(|l| match l {
            Level::National => 0,
            Level::Provincial => 1,
            Level::District => 2,
        })
        .map(|l| (l.code(), l.label()));
    let windows = ops::windows_for(&state, &p).await?;
    Ok(render(
        StatusCode::OK,
        &WindowsPage {
            layout: layout("/application-windows", &p, &csrf),
            windows,
            own_level,
            year: ops::coming_year(&state),
            message: q.saved.map(|_| "申报时间已保存。".to_string()),
        },
    ))
}

#[derive(Deserialize)]
pub(super) struct WindowForm {
    year: String,
    level: String,
    opens: String,
    closes: String,
}

pub(super) async fn set_window(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    PageForm(form): PageForm<WindowForm>,
) -> Result<Response, PageError> {
    let year = form_year("year", &form.year, || format!("年度应为四位数字，当前为“{}”", form.year))?;
    let input = SetWindow { year, level: form.level, opens: form.opens, closes: form.closes };
    ops::set_window(&state, &p, &input).await?;
    Ok(Redirect::to("/application-windows?saved=1").into_response())
}
