//! Administration pages: accounts and roles within one's scope, confirmations of self-registered
//! professionals, API tokens and the audit log. Every decision is made in [`jijiao_app::accounts`].

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jijiao_app::accounts::{self, AddRole, CreateAccount, CreateToken};
use jijiao_domain::authz::{Action, Place, Role};
use jijiao_domain::org::OrgKind;
use jijiao_storage::{AccountId, OrgFilter, PageRequest};
use serde::Deserialize;

use super::pages::{RoleLine, role_lines};
use crate::auth::{MaybePrincipal, PageUser, Principal};
use crate::csrf::CsrfToken;
use crate::pages::{Layout, PageError, PageForm, render};
use crate::routes::Routes;
use crate::{ApiError, AppState};

pub fn routes() -> Routes {
    Routes::new()
        .get("/admin/accounts", accounts_page)
        .get("/admin/accounts/new", new_account_page)
        .post("/admin/accounts", create_account)
        .get("/admin/accounts/{id}", account_page)
        .post("/admin/accounts/{id}/disable", disable)
        .post("/admin/accounts/{id}/enable", enable)
        .post("/admin/accounts/{id}/confirm", confirm)
        .post("/admin/accounts/{id}/reject", reject_registration)
        .post("/admin/accounts/{id}/password-reset", reset_password)
        .post("/admin/accounts/{id}/roles", add_role)
        .post("/admin/accounts/{id}/roles/{role_id}/remove", remove_role)
        .get("/admin/confirmations", confirmations_page)
        .get("/admin/tokens", tokens_page)
        .post("/admin/tokens", create_token)
        .post("/admin/tokens/{id}/revoke", revoke_token)
        .get("/admin/audit", audit_page)
}

/// Administration pages are for administrators; others get a 403 page.
fn admin(p: &Principal) -> Result<(), PageError> {
    if p.is_admin() {
        Ok(())
    } else {
        Err(PageError::new(StatusCode::FORBIDDEN, "没有权限", "此页面仅供管理员使用。"))
    }
}

fn layout(current: &str, p: &Principal, csrf: &CsrfToken) -> Layout {
    Layout::new(current, &MaybePrincipal(Some(p.clone())), csrf)
}

// ---- accounts ----

pub struct AccountRow {
    id: i64,
    username: String,
    display_name: String,
    disabled: bool,
    confirmed: bool,
    roles: Vec<RoleLine>,
    /// For the waiting list (issue 18): who registered, as the unit checks them.
    registrant: Option<Registrant>,
}

/// A self-registered professional as the confirmation list shows them: ID number masked.
pub struct Registrant {
    id_number: String,
    employer: String,
    title: String,
    registered: String,
}

async fn registrant(state: &AppState, account: &jijiao_storage::Account) -> Result<Option<Registrant>, ApiError> {
    let Some(person) = account.person_id else { return Ok(None) };
    let person = state.store.person(person).await?;
    let employer = match person.employer_id {
        Some(org) => state.store.organisation(org).await?.name,
        None => String::new(),
    };
    let registered = jijiao_domain::time::format_shanghai(account.created_at);
    Ok(Some(Registrant {
        id_number: jijiao_domain::personal::mask_id_number(person.id_number.as_str()),
        employer,
        title: person.title.unwrap_or_default(),
        registered: registered.split(' ').next().unwrap_or_default().to_string(),
    }))
}

#[derive(Template)]
#[template(path = "accounts/admin/accounts.html")]
struct AccountsPage {
    layout: Layout,
    heading: &'static str,
    rows: Vec<AccountRow>,
    q: String,
    page: u32,
    pages: i64,
    total: i64,
    pending: bool,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    page: Option<u32>,
    /// The account just confirmed, named in the message (issue 18: confirming said nothing).
    confirmed: Option<i64>,
    /// The registration just refused, named in the message.
    rejected: Option<i64>,
}

fn display_username(username: &str) -> String {
    if jijiao_domain::IdNumber::parse(username).is_ok() {
        jijiao_domain::personal::mask_id_number(username)
    } else {
        username.to_string()
    }
}

async fn account_list(
    state: AppState,
    p: Principal,
    csrf: CsrfToken,
    q: ListQuery,
    pending: bool,
) -> Result<Response, PageError> {
    admin(&p)?;
    let query = (!q.q.trim().is_empty()).then(|| q.q.trim().to_string());
    let page = accounts::list(&state, &p, query, pending, PageRequest::new(q.page, Some(20))).await?;
    let pages = page.pages();
    let mut rows = Vec::with_capacity(page.items.len());
    for s in page.items {
        let registrant = if pending { registrant(&state, &s.account).await? } else { None };
        rows.push(AccountRow {
            id: s.account.id.0,
            username: display_username(&s.account.username),
            display_name: s.account.display_name,
            disabled: s.account.disabled,
            confirmed: s.account.confirmed,
            roles: role_lines(&s.roles, None),
            registrant,
        });
    }
    let current = if pending { "/admin/confirmations" } else { "/admin/accounts" };
    let name = async |id: i64| {
        accounts::visible_account(&state, &p, AccountId(id)).await.ok().map(|(account, _, _)| account.display_name)
    };
    let message = match (q.confirmed, q.rejected) {
        (Some(id), _) => name(id).await.map(|n| format!("已确认“{n}”：其账号现可使用学分、证书等全部功能。")),
        (_, Some(id)) => name(id).await.map(|n| format!("已拒绝“{n}”的注册，原因本人登录后可见。")),
        _ => None,
    };
    Ok(render(
        StatusCode::OK,
        &AccountsPage {
            layout: layout(current, &p, &csrf),
            heading: if pending { "待确认人员" } else { "账号管理" },
            rows,
            q: q.q,
            page: page.page,
            pages,
            total: page.total,
            pending,
            message,
        },
    ))
}

async fn accounts_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    account_list(state, p, csrf, q, false).await
}

async fn confirmations_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    account_list(state, p, csrf, q, true).await
}

#[derive(Template)]
#[template(path = "accounts/admin/account_new.html")]
struct NewAccountPage {
    layout: Layout,
    roles: Vec<(&'static str, &'static str)>,
    orgs: Vec<(i64, String)>,
    provinces: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

/// The provinces where this administrator may appoint inspectors.
fn inspector_provinces(p: &Principal) -> Vec<(&'static str, &'static str)> {
    jijiao_domain::province::PROVINCES
        .iter()
        .filter(|pr| p.may(Action::AssignRole(Role::Inspector), &Place::province(pr.code)))
        .map(|pr| (pr.code, pr.name))
        .collect()
}

/// The roles this administrator may give somewhere in its scope.
fn assignable(p: &Principal) -> Vec<(&'static str, &'static str)> {
    Role::ALL
        .iter()
        .filter(|r| {
            p.grants.iter().any(|g| {
                g.role
                    .admin_level()
                    .is_some_and(|l| r.level() < l || (g.role == Role::NationalAdmin && **r == Role::NationalAdmin))
            })
        })
        .map(|r| (r.code(), r.label()))
        .collect()
}

async fn scoped_orgs(state: &AppState, p: &Principal) -> Result<Vec<(i64, String)>, ApiError> {
    let scope = accounts::scope_filter(state, p).await?;
    let mut out = Vec::new();
    match scope.org_ids {
        Some(ids) => {
            for id in ids {
                out.push((id, state.store.organisation(jijiao_storage::OrgId(id)).await?.name));
            }
        }
        None => {
            let filter = OrgFilter { province_code: scope.province_code, ..Default::default() };
            let page =
                state.store.organisations(&filter, PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE))).await?;
            out.extend(page.items.into_iter().filter(|o| o.kind != OrgKind::National).map(|o| (o.id.0, o.name)));
        }
    }
    Ok(out)
}

async fn new_account_form(
    state: &AppState,
    p: &Principal,
    csrf: &CsrfToken,
    error: Option<String>,
) -> Result<Response, PageError> {
    let orgs = scoped_orgs(state, p).await?;
    let provinces = inspector_provinces(p);
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(render(
        status,
        &NewAccountPage { layout: layout("/admin/accounts", p, csrf), roles: assignable(p), orgs, provinces, error },
    ))
}

async fn new_account_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
) -> Result<Response, PageError> {
    admin(&p)?;
    new_account_form(&state, &p, &csrf, None).await
}

#[derive(Deserialize)]
pub struct NewAccountForm {
    username: String,
    display_name: String,
    #[serde(default)]
    password: String,
    role: String,
    #[serde(default)]
    org_id: String,
    #[serde(default)]
    province_code: String,
    #[serde(default)]
    id_number: String,
}

#[derive(Template)]
#[template(path = "accounts/admin/secret.html")]
struct SecretPage {
    layout: Layout,
    heading: String,
    explanation: String,
    secret: String,
    back: String,
}

async fn create_account(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    PageForm(form): PageForm<NewAccountForm>,
) -> Result<Response, PageError> {
    admin(&p)?;
    let blank = |s: String| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let input = CreateAccount {
        username: form.username,
        display_name: form.display_name,
        password: blank(form.password),
        role: form.role,
        org_id: form.org_id.trim().parse().ok(),
        province_code: blank(form.province_code),
        id_number: blank(form.id_number),
    };
    match accounts::create(&state, &p, input).await.map_err(ApiError::from) {
        Ok((id, Some(temporary))) => Ok(render(
            StatusCode::CREATED,
            &SecretPage {
                layout: layout("/admin/accounts", &p, &csrf),
                heading: "账号已创建".into(),
                explanation: "临时密码只显示这一次，请当面或通过安全渠道交给本人；首次登录后须修改。".into(),
                secret: temporary,
                back: format!("/admin/accounts/{}", id.0),
            },
        )),
        Ok((id, None)) => Ok(Redirect::to(&format!("/admin/accounts/{}", id.0)).into_response()),
        // A refused input shows the form again with the reason.
        Err(ApiError::InvalidInput { message, .. }) => new_account_form(&state, &p, &csrf, Some(message)).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "accounts/admin/account.html")]
struct AccountPage {
    layout: Layout,
    id: i64,
    username: String,
    display_name: String,
    disabled: bool,
    confirmed: bool,
    must_change_password: bool,
    roles: Vec<(i64, RoleLine)>,
    manageable: bool,
    confirmable: bool,
    assignable: Vec<(&'static str, &'static str)>,
    orgs: Vec<(i64, String)>,
    provinces: Vec<(&'static str, &'static str)>,
}

async fn account_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    admin(&p)?;
    let (account, roles, places) = accounts::visible_account(&state, &p, AccountId(id)).await?;
    let manageable = accounts::managed_account(&state, &p, AccountId(id)).await.is_ok();
    let confirmable = !account.confirmed && places.iter().any(|(_, pl)| p.may(Action::ConfirmProfessional, pl));
    let lines = role_lines(&roles, None);
    let page = AccountPage {
        layout: layout("/admin/accounts", &p, &csrf),
        id,
        username: display_username(&account.username),
        display_name: account.display_name,
        disabled: account.disabled,
        confirmed: account.confirmed,
        must_change_password: account.must_change_password,
        roles: roles.iter().map(|r| r.id).zip(lines).collect(),
        manageable,
        confirmable,
        assignable: assignable(&p),
        orgs: scoped_orgs(&state, &p).await?,
        provinces: inspector_provinces(&p),
    };
    Ok(render(StatusCode::OK, &page))
}

fn back_to(id: i64) -> Response {
    Redirect::to(&format!("/admin/accounts/{id}")).into_response()
}

async fn disable(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    accounts::set_disabled(&state, &p, AccountId(id), true).await?;
    Ok(back_to(id))
}

async fn enable(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    accounts::set_disabled(&state, &p, AccountId(id), false).await?;
    Ok(back_to(id))
}

async fn confirm(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    accounts::confirm(&state, &p, AccountId(id)).await?;
    Ok(Redirect::to(&format!("/admin/confirmations?confirmed={id}")).into_response())
}

#[derive(Deserialize)]
struct RejectForm {
    #[serde(default)]
    reason: String,
    #[allow(dead_code)]
    csrf: Option<String>,
}

async fn reject_registration(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<i64>,
    PageForm(form): PageForm<RejectForm>,
) -> Result<Response, PageError> {
    accounts::reject_registration(&state, &p, AccountId(id), &form.reason).await?;
    Ok(Redirect::to(&format!("/admin/confirmations?rejected={id}")).into_response())
}

async fn reset_password(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let temporary = accounts::reset_password(&state, &p, AccountId(id)).await?;
    Ok(render(
        StatusCode::OK,
        &SecretPage {
            layout: layout("/admin/accounts", &p, &csrf),
            heading: "密码已重置".into(),
            explanation: "临时密码只显示这一次，请交给本人；该账号已在所有设备上退出，登录后须修改密码。".into(),
            secret: temporary,
            back: format!("/admin/accounts/{id}"),
        },
    ))
}

#[derive(Deserialize)]
pub struct RoleForm {
    role: String,
    #[serde(default)]
    org_id: String,
    #[serde(default)]
    province_code: String,
}

async fn add_role(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<i64>,
    PageForm(form): PageForm<RoleForm>,
) -> Result<Response, PageError> {
    let input = AddRole {
        role: form.role,
        org_id: form.org_id.trim().parse().ok(),
        province_code: (!form.province_code.trim().is_empty()).then(|| form.province_code.trim().to_string()),
    };
    accounts::add_role(&state, &p, AccountId(id), input).await?;
    Ok(back_to(id))
}

async fn remove_role(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path((id, role_id)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    accounts::remove_role(&state, &p, AccountId(id), role_id).await?;
    Ok(back_to(id))
}

// ---- tokens ----

pub struct TokenRow {
    id: i64,
    account: String,
    name: String,
    prefix: String,
    expires: String,
    last_used: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "accounts/admin/tokens.html")]
struct TokensPage {
    layout: Layout,
    tokens: Vec<TokenRow>,
}

async fn tokens_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
) -> Result<Response, PageError> {
    admin(&p)?;
    let tokens = accounts::tokens(&state, &p).await?;
    let rows = tokens
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            account: display_username(&t.account),
            name: t.name,
            prefix: t.prefix,
            expires: jijiao_domain::time::format_shanghai(t.expires_at),
            last_used: t.last_used_at.map(jijiao_domain::time::format_shanghai).unwrap_or_else(|| "从未使用".into()),
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    Ok(render(StatusCode::OK, &TokensPage { layout: layout("/admin/tokens", &p, &csrf), tokens: rows }))
}

#[derive(Deserialize)]
pub struct TokenForm {
    name: String,
    days: String,
}

async fn create_token(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    PageForm(form): PageForm<TokenForm>,
) -> Result<Response, PageError> {
    let input = CreateToken { name: form.name, days: form.days.trim().parse().unwrap_or(0), account_id: None };
    let (_, secret) = accounts::create_token(&state, &p, input).await?;
    Ok(render(
        StatusCode::CREATED,
        &SecretPage {
            layout: layout("/admin/tokens", &p, &csrf),
            heading: "接口令牌已创建".into(),
            explanation: "令牌只显示这一次，系统不保存其明文。调用接口时放在请求头：Authorization: Bearer 令牌。"
                .into(),
            secret,
            back: "/admin/tokens".into(),
        },
    ))
}

async fn revoke_token(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    accounts::revoke_token(&state, &p, id).await?;
    Ok(Redirect::to("/admin/tokens").into_response())
}

// ---- audit ----

pub struct AuditRow {
    id: i64,
    at: String,
    actor: String,
    ip: String,
    action: String,
    object: String,
    before: String,
    after: String,
}

#[derive(Template)]
#[template(path = "accounts/admin/audit.html")]
struct AuditPage {
    layout: Layout,
    rows: Vec<AuditRow>,
    actor: String,
    object_type: String,
    page: u32,
    pages: i64,
    total: i64,
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    object_type: String,
    page: Option<u32>,
}

async fn audit_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    admin(&p)?;
    let actor = (!q.actor.trim().is_empty()).then(|| q.actor.trim().to_string());
    let object_type = (!q.object_type.trim().is_empty()).then(|| q.object_type.trim().to_string());
    let page = accounts::audit(&state, &p, actor, object_type, PageRequest::new(q.page, Some(50))).await?;
    let pages = page.pages();
    let json = |v: Option<serde_json::Value>| v.map(|v| v.to_string()).unwrap_or_default();
    let rows = page
        .items
        .into_iter()
        .map(|e| AuditRow {
            id: e.id,
            at: jijiao_domain::time::format_shanghai(e.at),
            actor: e.actor,
            ip: e.ip.unwrap_or_default(),
            action: e.action,
            object: format!("{} #{}", e.object_type, e.object_id),
            before: json(e.before),
            after: json(e.after),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &AuditPage {
            layout: layout("/admin/audit", &p, &csrf),
            rows,
            actor: q.actor,
            object_type: q.object_type,
            page: page.page,
            pages,
            total: page.total,
        },
    ))
}
