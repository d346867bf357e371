//! Reference data pages: the public committee contacts and subject catalogue, and the national
//! administrator's pages that maintain them.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jijiao_app::reference::{CommitteeEdit, edit_committee, import_catalogue};
use jijiao_domain::authz::{Action, Place};
use jijiao_storage::ProvinceRecord;

use crate::auth::{MaybePrincipal, PageUser, Principal};
use crate::csrf::CsrfToken;
use crate::pages::{Layout, PageError, PageForm, render};
use crate::routes::Routes;
use crate::{ApiError, AppState};

pub fn routes() -> Routes {
    Routes::new()
        .get("/committees", committees)
        .get("/subjects", subjects)
        .get("/admin/reference", reference_page)
        .post("/admin/reference/provinces/{code}", save_province)
        .post("/admin/reference/subjects", upload_subjects)
}

#[derive(Template)]
#[template(path = "reference/admin.html")]
struct ReferencePage {
    layout: Layout,
    provinces: Vec<ProvinceRecord>,
    tertiary: usize,
    message: Option<String>,
    problems: Vec<String>,
}

fn national_only(p: &Principal) -> Result<(), PageError> {
    if p.may(Action::EditReference, &Place::everywhere()) {
        Ok(())
    } else {
        Err(PageError::forbidden("参考数据由国家级管理员维护。"))
    }
}

async fn page(
    state: &AppState,
    p: &Principal,
    csrf: &CsrfToken,
    status: StatusCode,
    message: Option<String>,
    problems: Vec<String>,
) -> Result<Response, PageError> {
    let provinces = state.store.provinces().await?;
    let catalogue = state.store.catalogue().await?;
    Ok(render(
        status,
        &ReferencePage {
            layout: Layout::new("/admin/reference", &MaybePrincipal(Some(p.clone())), csrf),
            provinces,
            tertiary: catalogue.tertiary().len(),
            message,
            problems,
        },
    ))
}

async fn reference_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
) -> Result<Response, PageError> {
    national_only(&p)?;
    page(&state, &p, &csrf, StatusCode::OK, None, vec![]).await
}

/// The problems to show on the page again, or the error page for anything else.
fn problems_of(e: impl Into<ApiError>) -> Result<Vec<String>, PageError> {
    match e.into() {
        ApiError::InvalidDocument(all) => Ok(all.into_iter().map(|d| d.to_string()).collect()),
        ApiError::InvalidInput { message, .. } => Ok(vec![message]),
        ApiError::Forbidden => Err(PageError::new(StatusCode::FORBIDDEN, "没有权限", "参考数据由国家级管理员维护。")),
        ApiError::NotFound => Err(PageError::new(StatusCode::NOT_FOUND, "页面不存在", "没有这个省份。")),
        other => Err(other.into()),
    }
}

/// The page's form: the same fields as the API's, plus the form token (checked by the middleware).
#[derive(serde::Deserialize)]
pub struct CommitteeForm {
    #[serde(default)]
    committee_name: String,
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    fax: String,
}

async fn save_province(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path(code): Path<String>,
    PageForm(form): PageForm<CommitteeForm>,
) -> Result<Response, PageError> {
    let edit = CommitteeEdit {
        committee_name: form.committee_name,
        postcode: form.postcode,
        address: form.address,
        phone: form.phone,
        fax: form.fax,
    };
    match edit_committee(&state, &p, &code, edit).await {
        Ok(()) => Ok(Redirect::to("/admin/reference").into_response()),
        Err(e) => page(&state, &p, &csrf, StatusCode::UNPROCESSABLE_ENTITY, None, problems_of(e)?).await,
    }
}

/// The catalogue file arrives as multipart; its CSRF token travels in the query string.
async fn upload_subjects(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    national_only(&p)?;
    let mut file = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("subjects.csv").to_string();
            match field.bytes().await {
                Ok(bytes) => file = Some((name, bytes)),
                Err(_) => {
                    return page(
                        &state,
                        &p,
                        &csrf,
                        StatusCode::BAD_REQUEST,
                        None,
                        vec!["文件上传不完整，请重试".into()],
                    )
                    .await;
                }
            }
        }
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return page(&state, &p, &csrf, StatusCode::UNPROCESSABLE_ENTITY, None, vec!["请选择要导入的文件".into()])
            .await;
    };
    match import_catalogue(&state, &p, &bytes, &name).await {
        Ok(n) => {
            page(&state, &p, &csrf, StatusCode::OK, Some(format!("已导入 {n} 个三级学科，原目录已替换。")), vec![])
                .await
        }
        Err(e) => page(&state, &p, &csrf, StatusCode::UNPROCESSABLE_ENTITY, None, problems_of(e)?).await,
    }
}

#[derive(Template)]
#[template(path = "reference/committees.html")]
struct CommitteesPage {
    layout: Layout,
    provinces: Vec<ProvinceRecord>,
}

async fn committees(
    State(state): State<AppState>,
    principal: MaybePrincipal,
    csrf: CsrfToken,
) -> Result<Response, PageError> {
    let provinces = state.store.provinces().await?;
    Ok(render(StatusCode::OK, &CommitteesPage { layout: Layout::new("/committees", &principal, &csrf), provinces }))
}

struct SubjectGroup {
    code: &'static str,
    name: &'static str,
    tertiary: Vec<jijiao_domain::subject::Tertiary>,
}

#[derive(Template)]
#[template(path = "reference/subjects.html")]
struct SubjectsPage {
    layout: Layout,
    subjects: Vec<SubjectGroup>,
}

async fn subjects(
    State(state): State<AppState>,
    principal: MaybePrincipal,
    csrf: CsrfToken,
) -> Result<Response, PageError> {
    let catalogue = state.store.catalogue().await?;
    let subjects = jijiao_domain::subject::SECONDARY
        .iter()
        .map(|(code, name)| SubjectGroup { code, name, tertiary: catalogue.children(code).cloned().collect() })
        .collect();
    Ok(render(StatusCode::OK, &SubjectsPage { layout: Layout::new("/subjects", &principal, &csrf), subjects }))
}
