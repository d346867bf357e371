//! Reference data over the API: provinces with their CME committees, subjects, titles, and an
//! ID-number check that forms use while a person types.

use axum::Json;
use axum::extract::{Path, State};
use jijiao_domain::IdNumber;
use jijiao_domain::title::TITLES;
use serde::Serialize;
use utoipa::ToSchema;

use crate::routes::Routes;
use crate::{ApiError, AppState};

pub fn routes() -> Routes {
    Routes::new()
        .get("/provinces", provinces)
        .get("/subjects", subjects)
        .get("/titles", titles)
        .get("/id-numbers/{number}", check_id_number)
        .put("/provinces/{code}", edit_province)
        .post("/subjects/import", import_subjects)
}

#[derive(Serialize, ToSchema)]
pub struct Saved {
    ok: bool,
}

/// Corrects a provincial committee's contacts (national administrator).
#[utoipa::path(put, path = "/api/v1/provinces/{code}", tag = "reference", params(("code" = String, Path, description = "两位省份代码")),
    request_body = jijiao_app::reference::CommitteeEdit,
    responses((status = 200, body = Saved), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn edit_province(
    State(state): State<AppState>,
    p: crate::auth::Principal,
    Path(code): Path<String>,
    crate::api::ApiJson(edit): crate::api::ApiJson<jijiao_app::reference::CommitteeEdit>,
) -> Result<Json<Saved>, ApiError> {
    jijiao_app::reference::edit_committee(&state, &p, &code, edit).await?;
    Ok(Json(Saved { ok: true }))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct ImportQuery {
    /// The file's name, whose extension hints at its format (xlsx, xls, csv, tsv).
    file_name: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Imported {
    /// Third-level subjects now in the catalogue.
    tertiary: usize,
}

/// Replaces the third-level subject catalogue from a file (national administrator); all or
/// nothing, every bad row reported with its spreadsheet row number.
#[utoipa::path(post, path = "/api/v1/subjects/import", tag = "reference", params(ImportQuery),
    request_body(content = Vec<u8>, description = "xlsx、xls、CSV（UTF-8 或 GBK）或 TSV 文件，表头含“代码”“名称”", content_type = "application/octet-stream"),
    responses((status = 200, body = Imported), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn import_subjects(
    State(state): State<AppState>,
    p: crate::auth::Principal,
    axum::extract::Query(q): axum::extract::Query<ImportQuery>,
    body: axum::body::Bytes,
) -> Result<Json<Imported>, ApiError> {
    let name = q.file_name.unwrap_or_else(|| "subjects.csv".into());
    let tertiary = jijiao_app::reference::import_catalogue(&state, &p, &body, &name).await?;
    Ok(Json(Imported { tertiary }))
}

/// A provincial unit and its CME committee (seed 000, Attachment 5).
#[derive(Serialize, ToSchema)]
pub struct ProvinceView {
    /// Two-digit code (GB/T 2260; 66 for the 兵团).
    code: String,
    name: String,
    abbreviation: String,
    committee: CommitteeView,
}

#[derive(Serialize, ToSchema)]
pub struct CommitteeView {
    name: String,
    postcode: String,
    address: String,
    phone: String,
    fax: String,
}

#[utoipa::path(get, path = "/api/v1/provinces", tag = "reference",
    responses((status = 200, description = "32个省级单位及其继续医学教育委员会", body = [ProvinceView])))]
pub async fn provinces(State(state): State<AppState>) -> Result<Json<Vec<ProvinceView>>, ApiError> {
    let rows = state.store.provinces().await?;
    Ok(Json(
        rows.into_iter()
            .map(|p| ProvinceView {
                code: p.code,
                name: p.name,
                abbreviation: p.abbreviation,
                committee: CommitteeView {
                    name: p.committee_name,
                    postcode: p.postcode,
                    address: p.address,
                    phone: p.phone,
                    fax: p.fax,
                },
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct SecondarySubjectView {
    /// `01` … `24`.
    code: String,
    name: String,
    tertiary: Vec<TertiarySubjectView>,
}

#[derive(Serialize, ToSchema)]
pub struct TertiarySubjectView {
    /// `SS-TT`, e.g. `03-07`.
    code: String,
    name: String,
}

#[utoipa::path(get, path = "/api/v1/subjects", tag = "reference",
    responses((status = 200, description = "24个二级学科及其三级学科", body = [SecondarySubjectView])))]
pub async fn subjects(State(state): State<AppState>) -> Result<Json<Vec<SecondarySubjectView>>, ApiError> {
    let catalogue = state.store.catalogue().await?;
    Ok(Json(
        jijiao_domain::subject::SECONDARY
            .iter()
            .map(|(code, name)| SecondarySubjectView {
                code: code.to_string(),
                name: name.to_string(),
                tertiary: catalogue
                    .children(code)
                    .map(|t| TertiarySubjectView { code: t.code.clone(), name: t.name.clone() })
                    .collect(),
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct TitleView {
    name: &'static str,
    /// 正高级, 副高级, 中级, 初级
    rank: &'static str,
    /// 医, 药, 护, 技, 教学, 科研
    series: &'static str,
}

#[utoipa::path(get, path = "/api/v1/titles", tag = "reference",
    responses((status = 200, description = "专业技术职称及其级别、系列", body = [TitleView])))]
pub async fn titles() -> Json<Vec<TitleView>> {
    Json(TITLES.iter().map(|t| TitleView { name: t.name, rank: t.rank.label(), series: t.series.label() }).collect())
}

#[derive(Serialize, ToSchema)]
pub struct IdNumberCheck {
    valid: bool,
    /// Why it is not valid, in Chinese.
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    birth_date: Option<String>,
    /// 男 or 女.
    #[serde(skip_serializing_if = "Option::is_none")]
    sex: Option<&'static str>,
}

/// Validates a number (GB 11643-1999) without storing or logging it.
#[utoipa::path(get, path = "/api/v1/id-numbers/{number}", tag = "reference",
    params(("number" = String, Path, description = "18位身份证号")),
    responses((status = 200, description = "校验结果", body = IdNumberCheck)))]
pub async fn check_id_number(Path(number): Path<String>) -> Json<IdNumberCheck> {
    Json(match IdNumber::parse(&number) {
        Ok(id) => IdNumberCheck {
            valid: true,
            message: None,
            birth_date: Some(id.birth_date().to_string()),
            sex: Some(id.sex().label()),
        },
        Err(e) => IdNumberCheck { valid: false, message: Some(e.to_string()), birth_date: None, sex: None },
    })
}
