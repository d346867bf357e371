//! The home page: what the system offers, the catalogue search and a few figures (read from the
//! replica for visitors, like the catalogue: `MaybePrincipal::reads`).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::AppState;
use crate::auth::MaybePrincipal;
use crate::csrf::CsrfToken;
use crate::pages::{Layout, PageError, render};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    provinces: usize,
    units: i64,
    people: i64,
    tertiary: usize,
}

pub async fn home(
    State(state): State<AppState>,
    principal: MaybePrincipal,
    csrf: CsrfToken,
) -> Result<Response, PageError> {
    let figures = state.store.public_reads(principal.reads()).public_figures().await?;
    let jijiao_storage::PublicFigures { provinces, units, people, tertiary } = figures;
    let layout = Layout::new("/", &principal, &csrf);
    Ok(render(StatusCode::OK, &HomePage { layout, provinces, units, people, tertiary }))
}
