//! The home page: what the system offers, the catalogue search and a few figures.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use jijiao_domain::org::OrgKind;
use jijiao_storage::{OrgFilter, PageRequest};

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
    let store = &state.store;
    let provinces = store.provinces().await?.len();
    let unit_filter = OrgFilter { kind: Some(OrgKind::Unit), ..Default::default() };
    let units = store.organisations(&unit_filter, PageRequest::new(Some(1), Some(1))).await?.total;
    let people = store.count_people().await?;
    let tertiary = store.catalogue().await?.tertiary().len();
    let layout = Layout::new("/", &principal, &csrf);
    Ok(render(StatusCode::OK, &HomePage { layout, provinces, units, people, tertiary }))
}
