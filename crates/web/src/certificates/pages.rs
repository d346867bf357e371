//! The certificates' pages: public verification (what scanning the QR code opens), the published
//! keys, the PDF, a professional's certificates with their zips, the offices' management (revoke,
//! reissue, a project's zip, key rotation), and the public credit query.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jijiao_app::certificates::{self, CertificateLine, PublicYear, Verified};
use jijiao_domain::authz::Role;
use jijiao_domain::certificate::PublishedKey;
use serde::Deserialize;

use super::base_url;
use crate::auth::{MaybePrincipal, PageUser, Principal};
use crate::csrf::CsrfToken;
use crate::pages::{Layout, PageError, PageForm, render};
use crate::routes::Routes;
use crate::{ApiError, AppState};

pub const WELL_KNOWN: &str = "/.well-known/jijiao/certificate-keys.json";

pub fn routes() -> Routes {
    Routes::new()
        .get(WELL_KNOWN, well_known)
        .get("/certificates/verify", verify_page)
        .get("/certificates/manage", manage_page)
        .get("/certificates/project-zip", project_zip)
        .get("/certificates/{number}", pdf)
        .post("/certificates/{number}/revoke", revoke)
        .post("/certificates/{number}/reissue", reissue)
        .get("/me/certificates", my_certificates)
        .get("/me/certificates/zip", my_zip)
        .get("/admin/certificate-keys", keys_page)
        .post("/admin/certificate-keys/{office}/rotate", rotate_key)
        .get("/credit-query", query_form)
        .post("/credit-query", query)
}

/// This area's entries in the menu of a signed-in, confirmed user.
pub fn menu(p: &Principal, items: &mut Vec<(&'static str, &'static str)>) {
    if p.account.person_id.is_some() {
        items.push(("/me/certificates", "我的证书"));
    }
    if p.is_admin() {
        items.push(("/certificates/manage", "证书管理"));
    }
    if p.has(Role::NationalAdmin) || p.has(Role::ProvinceAdmin) {
        items.push(("/admin/certificate-keys", "签名密钥"));
    }
}

/// Every signing key, current and retired: what any province's system verifies certificates with.
async fn well_known(State(state): State<AppState>, principal: MaybePrincipal) -> Result<Response, ApiError> {
    let keys = certificates::published_keys(&state, principal.reads()).await?;
    Ok(([(header::CACHE_CONTROL, "public, max-age=300")], Json(keys)).into_response())
}

/// One fact as the verification page lists it.
struct FactLine {
    label: &'static str,
    value: String,
}

#[derive(Template)]
#[template(path = "certificates/verify.html")]
struct VerifyPage {
    layout: Layout,
    number: String,
    /// Why the number gave no certificate.
    problem: Option<String>,
    result: Option<VerifyResult>,
}

struct VerifyResult {
    number: String,
    status: &'static str,
    status_label: String,
    check: String,
    title: &'static str,
    facts: Vec<FactLine>,
    revoked: Option<(String, String)>,
    replaced_by: Option<String>,
    /// The visitor is the issuing office: revoke and reissue forms.
    may_manage: bool,
    /// The visitor may download the PDF.
    may_download: bool,
}

fn fact_lines(v: &Verified) -> Vec<FactLine> {
    let f = &v.facts;
    let mut lines = vec![
        FactLine { label: "证书编号", value: f.number.clone() },
        FactLine { label: "证书类别", value: f.kind.label().into() },
        FactLine { label: "姓名", value: f.name.clone() },
        FactLine { label: "身份证号", value: f.id_number.clone() },
        FactLine { label: "项目名称", value: f.project_name.clone() },
        FactLine { label: "项目编号", value: f.project_number.clone() },
        FactLine { label: "项目级别", value: f.level.label().into() },
        FactLine { label: "举办形式", value: f.delivery.label().into() },
        FactLine {
            label: "举办时间",
            value: match f.start {
                Some(s) if s != f.end => format!("{s} 至 {}", f.end),
                _ => f.end.to_string(),
            },
        },
    ];
    if !f.place.is_empty() {
        lines.push(FactLine { label: "举办地点", value: f.place.clone() });
    }
    lines.extend([
        FactLine { label: "学时", value: f.hours.clone() },
        FactLine { label: "学分", value: f.credits.clone() },
        FactLine { label: "发证机构", value: f.office_name.clone() },
        FactLine { label: "发证日期", value: f.issued_on.to_string() },
        FactLine { label: "签名密钥", value: f.kid.clone() },
    ]);
    if let Some(old) = &f.replaces {
        lines.push(FactLine { label: "替代证书", value: old.clone() });
    }
    lines
}

#[derive(Deserialize)]
struct NumberQuery {
    number: Option<String>,
    /// One period of the project (its certificates only); all periods when absent or empty.
    #[serde(default)]
    period: Option<String>,
}

/// The public verification page: what scanning a certificate's QR code opens. No login.
async fn verify_page(
    State(state): State<AppState>,
    principal: MaybePrincipal,
    csrf: CsrfToken,
    Query(q): Query<NumberQuery>,
) -> Result<Response, PageError> {
    let layout = Layout::new("/certificates/verify", &principal, &csrf);
    let number = q.number.unwrap_or_default().trim().to_string();
    if number.is_empty() {
        return Ok(render(StatusCode::OK, &VerifyPage { layout, number, problem: None, result: None }));
    }
    let v = match certificates::verify_number(&state, principal.reads(), &number).await {
        Ok(v) => v,
        Err(e @ jijiao_app::AppError::InvalidInput { .. }) => {
            let page = VerifyPage { layout, number, problem: Some(e.to_string()), result: None };
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
        Err(jijiao_app::AppError::NotFound) => {
            let problem = Some("未找到该编号的证书。请核对编号；证书真伪以本系统查询结果为准。".to_string());
            return Ok(render(StatusCode::NOT_FOUND, &VerifyPage { layout, number, problem, result: None }));
        }
        Err(e) => return Err(e.into()),
    };
    let c = &v.certificate;
    let (may_manage, may_download) = match principal.0.as_ref() {
        Some(p) if p.account.confirmed => {
            let readable = certificates::readable(&state, p, &c.number).await.is_ok();
            let office = p.has(Role::NationalAdmin)
                || p.grants.iter().any(|g| g.role == Role::ProvinceAdmin && g.province.as_deref() == Some(&c.office));
            (readable && office, readable)
        }
        _ => (false, false),
    };
    let status = v.status();
    let result = VerifyResult {
        number: c.number.clone(),
        status,
        status_label: match status {
            "valid" => "有效".into(),
            "revoked" => "已撤销".into(),
            _ => "无效".into(),
        },
        check: match &v.check {
            Ok(()) => format!("签名有效：由{}的签名密钥 {} 签发（Ed25519）。", v.facts.office_name, v.facts.kid),
            Err(e) => format!("签名无效：{e}"),
        },
        title: v.facts.kind.title(),
        facts: fact_lines(&v),
        revoked: match (c.revoked_on, &c.revoked_reason) {
            (Some(on), Some(reason)) => Some((on.to_string(), reason.clone())),
            _ => None,
        },
        replaced_by: c.replaced_by.clone(),
        may_manage: may_manage && c.status == jijiao_storage::certificates::CertificateStatus::Valid,
        may_download,
    };
    Ok(render(StatusCode::OK, &VerifyPage { layout, number, problem: None, result: Some(result) }))
}

/// The PDF (`/certificates/{number}.pdf`): its owner, the project unit's and the issuing offices.
async fn pdf(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response, PageError> {
    let number = file.strip_suffix(".pdf").ok_or_else(|| PageError::not_found("您访问的页面不存在或已被移除。"))?;
    let c = certificates::readable(&state, &p, number).await?;
    let bytes = certificates::pdf(&c, &base_url(&state, &headers)).await?;
    Ok(download("application/pdf", &format!("{}.pdf", c.number), bytes))
}

fn download(content_type: &str, file_name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Deserialize)]
struct ReasonForm {
    reason: String,
}

async fn revoke(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(number): Path<String>,
    PageForm(form): PageForm<ReasonForm>,
) -> Result<Response, PageError> {
    let c = certificates::revoke(&state, &p, &number, &form.reason).await?;
    Ok(Redirect::to(&format!("/certificates/verify?number={}", c.number)).into_response())
}

async fn reissue(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(number): Path<String>,
    PageForm(form): PageForm<ReasonForm>,
) -> Result<Response, PageError> {
    let c = certificates::reissue(&state, &p, &number, &form.reason).await?;
    Ok(Redirect::to(&format!("/certificates/verify?number={}", c.number)).into_response())
}

struct YearGroup {
    year: jijiao_domain::Year,
    certificates: Vec<CertificateLine>,
}

#[derive(Template)]
#[template(path = "certificates/mine.html")]
struct MinePage {
    layout: Layout,
    years: Vec<YearGroup>,
}

async fn my_certificates(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
) -> Result<Response, PageError> {
    let lines = certificates::my_certificates(&state, &p).await?;
    let mut years: Vec<YearGroup> = Vec::new();
    for line in lines {
        match years.iter_mut().find(|g| g.year == line.year) {
            Some(g) => g.certificates.push(line),
            None => years.push(YearGroup { year: line.year, certificates: vec![line] }),
        }
    }
    years.sort_by_key(|g| std::cmp::Reverse(g.year));
    let layout = Layout::new("/me/certificates", &MaybePrincipal(Some(p)), &csrf);
    Ok(render(StatusCode::OK, &MinePage { layout, years }))
}

#[derive(Deserialize)]
struct YearQuery {
    year: Option<jijiao_domain::Year>,
}

async fn my_zip(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    headers: HeaderMap,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    let year = q.year.unwrap_or_else(|| state.this_year());
    let bytes = certificates::my_year_zip(&state, &p, year, &base_url(&state, &headers)).await?;
    Ok(download("application/zip", &format!("certificates-{year}.zip"), bytes))
}

#[derive(Template)]
#[template(path = "certificates/manage.html")]
struct ManagePage {
    layout: Layout,
}

async fn manage_page(PageUser(p): PageUser, csrf: CsrfToken) -> Result<Response, PageError> {
    if !p.is_admin() {
        return Err(PageError::forbidden("证书管理供各级管理员和单位管理员使用。"));
    }
    let layout = Layout::new("/certificates/manage", &MaybePrincipal(Some(p)), &csrf);
    Ok(render(StatusCode::OK, &ManagePage { layout }))
}

async fn project_zip(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    headers: HeaderMap,
    Query(q): Query<NumberQuery>,
) -> Result<Response, PageError> {
    let number = q.number.unwrap_or_default();
    if number.trim().is_empty() {
        return Err(ApiError::InvalidInput { field: Some("number".into()), message: "请填写项目编号".into() }.into());
    }
    let period = match q.period.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => None,
        Some(text) => {
            Some(text.parse::<u32>().map_err(|_| ApiError::invalid("period", format!("期次“{text}”应为正整数")))?)
        }
    };
    let bytes = certificates::project_zip(&state, &p, &number, period, &base_url(&state, &headers)).await?;
    Ok(download("application/zip", "certificates.zip", bytes))
}

struct KeyLine {
    key: PublishedKey,
    office_name: String,
}

#[derive(Template)]
#[template(path = "certificates/keys.html")]
struct KeysPage {
    layout: Layout,
    keys: Vec<KeyLine>,
    offices: Vec<(&'static str, &'static str)>,
}

async fn keys_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
) -> Result<Response, PageError> {
    let offices: Vec<(&str, &str)> = certificates::rotatable_offices(&p)
        .into_iter()
        .filter_map(|code| jijiao_domain::province::by_code(code).map(|pr| (pr.code, pr.name)))
        .collect();
    if offices.is_empty() {
        return Err(PageError::forbidden("签名密钥由省级和国家级管理员管理。"));
    }
    let keys = certificates::published_keys(&state, jijiao_storage::Reads::Primary)
        .await?
        .into_iter()
        .filter(|k| offices.iter().any(|(code, _)| *code == k.office))
        .map(|key| KeyLine { office_name: jijiao_domain::certificate::office_name(&key.office), key })
        .collect();
    let layout = Layout::new("/admin/certificate-keys", &MaybePrincipal(Some(p)), &csrf);
    Ok(render(StatusCode::OK, &KeysPage { layout, keys, offices }))
}

async fn rotate_key(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(office): Path<String>,
) -> Result<Response, PageError> {
    certificates::rotate_key(&state, &p, &office).await?;
    Ok(Redirect::to("/admin/certificate-keys").into_response())
}

#[derive(Template)]
#[template(path = "certificates/query.html")]
struct QueryPage {
    layout: Layout,
    name: String,
    error: Option<String>,
    captcha: (String, String),
    /// `Some` after a query: the years found (empty when nothing matched).
    answer: Option<Vec<PublicYear>>,
    asked: bool,
}

async fn new_captcha(state: &AppState) -> Result<(String, String), PageError> {
    let (answer, image) = crate::captcha::new_captcha();
    let id = jijiao_storage::Vault::random_token();
    state.store.store_captcha(&id, &crate::captcha::captcha_hash(&answer), 10 * 60 * 1000).await?;
    Ok((id, image))
}

/// The public credit query (seed 001): name, ID number and captcha.
async fn query_form(
    State(state): State<AppState>,
    principal: MaybePrincipal,
    csrf: CsrfToken,
) -> Result<Response, PageError> {
    let page = QueryPage {
        layout: Layout::new("/credit-query", &principal, &csrf),
        name: String::new(),
        error: None,
        captcha: new_captcha(&state).await?,
        answer: None,
        asked: false,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
struct QueryForm {
    name: String,
    id_number: String,
    captcha_id: String,
    captcha: String,
}

/// A wrong pair, an unknown number or a person without records all answer alike: nothing found.
async fn query(
    State(state): State<AppState>,
    principal: MaybePrincipal,
    csrf: CsrfToken,
    PageForm(form): PageForm<QueryForm>,
) -> Result<Response, PageError> {
    let mut page = QueryPage {
        layout: Layout::new("/credit-query", &principal, &csrf),
        name: form.name.trim().chars().take(50).collect(),
        error: None,
        captcha: new_captcha(&state).await?,
        answer: None,
        asked: false,
    };
    let expected = if form.captcha_id.is_empty() { None } else { state.store.take_captcha(&form.captcha_id).await? };
    if expected.as_deref() != Some(crate::captcha::captcha_hash(&form.captcha).as_str()) {
        page.error = Some("验证码不正确，请重新输入。".into());
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    if form.name.trim().is_empty() || form.id_number.trim().is_empty() {
        page.error = Some("请填写姓名和身份证号。".into());
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let found = certificates::public_credit_query(&state, &form.name, &form.id_number).await?;
    page.asked = true;
    page.answer = found.filter(|years| !years.is_empty());
    Ok(render(StatusCode::OK, &page))
}
