//! Signing in and out, self-registration of professionals, the own page and the own password.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jijiao_app::passwords;
use jijiao_domain::IdNumber;
use jijiao_domain::authz::Role;
use jijiao_domain::org::OrgKind;
use jijiao_domain::personal::{is_valid_phone, mask_id_number, mask_phone};
use jijiao_storage::{
    Account, Change, NewAccount, NewPerson, NewRole, OrgFilter, OrgId, PageRequest, StoreError, now_millis,
};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{ClientIp, MaybePrincipal, PageUser, Via, clear_session_cookie, session_cookie};
use crate::captcha;
use crate::csrf::CsrfToken;
use crate::pages::{Layout, PageError, PageForm, render};
use crate::routes::Routes;

pub fn routes() -> Routes {
    Routes::new()
        .get("/login", login_form)
        .post("/login", login)
        .post("/logout", logout)
        .get("/register", register_form)
        .post("/register", register)
        .get("/me", me)
        .get("/me/password", password_form)
        .post("/me/password", change_password)
}

/// Failures (per address or per account) after which the captcha is required.
pub const CAPTCHA_AFTER: i64 = 3;
/// Failures after which the account (or address) is locked, for longer with every further one.
pub const LOCK_AFTER: i64 = 10;

/// One minute at the tenth failure, doubling with each further one, at most a day.
pub fn lock_for(failures: i64) -> i64 {
    // One place for the schedule: the login tests use it too (`jijiao_web::login_lock_for`).
    if failures < LOCK_AFTER {
        return 0;
    }
    let doublings = (failures - LOCK_AFTER).min(11) as u32;
    (60_000i64 << doublings).min(24 * 60 * 60 * 1000)
}

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct LoginPage {
    layout: Layout,
    error: Option<String>,
    /// What happened before (a password reset by SMS code).
    notice: Option<&'static str>,
    username: String,
    next: String,
    captcha: Option<(String, String)>,
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
    /// Set by the password self-service after a reset.
    reset: Option<String>,
}

/// Only same-site paths are followed after login (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if crate::guard::is_same_site_path(n) => n.to_string(),
        _ => "/me".to_string(),
    }
}

async fn new_captcha(state: &AppState) -> Result<(String, String), StoreError> {
    let (answer, image) = captcha::new_captcha();
    let id = jijiao_storage::Vault::random_token();
    state.store.store_captcha(&id, &captcha::captcha_hash(&answer), 10 * 60 * 1000).await?;
    Ok((id, image))
}

fn ip_key(ip: &Option<String>) -> String {
    format!("ip:{}", ip.as_deref().unwrap_or("unknown"))
}

/// One failure counter per account, whether its owner typed the username or the ID number
/// (two counters would give twice the attempts); a login that names no account is counted
/// under what was typed.
fn account_key(login: &str, account: Option<&Account>) -> String {
    match account {
        Some(a) => account_id_key(a.id),
        None => format!("account:{}", login.trim().to_lowercase()),
    }
}

/// The failure counter of an account (see [`account_key`]), which a password reset clears.
pub(crate) fn account_id_key(id: jijiao_storage::AccountId) -> String {
    format!("account-id:{}", id.0)
}

async fn login_form(
    State(state): State<AppState>,
    principal: MaybePrincipal,
    csrf: CsrfToken,
    Query(query): Query<NextQuery>,
    ClientIp(ip): ClientIp,
) -> Result<Response, PageError> {
    if principal.0.is_some() {
        return Ok(Redirect::to("/me").into_response());
    }
    let (failures, _) = state.store.login_failures(&ip_key(&ip)).await?;
    let captcha = if failures >= CAPTCHA_AFTER { Some(new_captcha(&state).await?) } else { None };
    let page = LoginPage {
        layout: Layout::new("/login", &principal, &csrf),
        error: None,
        notice: query.reset.is_some().then_some("密码已重置，所有已登录的设备均已退出。请用新密码登录。"),
        username: String::new(),
        next: safe_next(query.next.as_deref()),
        captcha,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    captcha_id: String,
    #[serde(default)]
    captcha: String,
    #[serde(default)]
    next: String,
}

/// Finds the account by username, or (for professionals) by ID number.
async fn find_account(state: &AppState, login: &str) -> Result<Option<Account>, StoreError> {
    let by_name = state.store.account_by_username(login).await;
    match by_name {
        Ok(a) => return Ok(Some(a)),
        Err(StoreError::NotFound) => {}
        Err(e) => return Err(e),
    }
    let Ok(id) = IdNumber::parse(login) else { return Ok(None) };
    match state.store.person_by_id_number(&id).await {
        Ok(person) => match state.store.account_by_person(person.id).await {
            Ok(a) => Ok(Some(a)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e),
        },
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn login(
    State(state): State<AppState>,
    principal: MaybePrincipal,
    csrf: CsrfToken,
    ClientIp(ip): ClientIp,
    request_headers: axum::http::HeaderMap,
    PageForm(form): PageForm<LoginForm>,
) -> Response {
    let mut page = LoginPage {
        layout: Layout::new("/login", &principal, &csrf),
        error: None,
        notice: None,
        username: form.username.trim().to_string(),
        next: safe_next(Some(&form.next)),
        captcha: None,
    };
    let result: Result<Response, StoreError> = async {
        let account = find_account(&state, form.username.trim()).await?;
        let keys = [ip_key(&ip), account_key(&form.username, account.as_ref())];
        let mut worst = (0i64, 0i64);
        for key in &keys {
            let (failures, locked_until) = state.store.login_failures(key).await?;
            worst = (worst.0.max(failures), worst.1.max(locked_until));
        }
        let now = now_millis();
        if worst.1 > now {
            let minutes = (worst.1 - now + 59_999) / 60_000;
            page.error = Some(format!("登录失败次数过多，已暂时锁定，请 {minutes} 分钟后再试"));
            page.captcha = Some(new_captcha(&state).await?);
            let mut r = render(StatusCode::TOO_MANY_REQUESTS, &page);
            if let Ok(v) = HeaderValue::from_str(&((worst.1 - now) / 1000).max(1).to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return Ok(r);
        }
        if worst.0 >= CAPTCHA_AFTER {
            let expected =
                if form.captcha_id.is_empty() { None } else { state.store.take_captcha(&form.captcha_id).await? };
            if expected.as_deref() != Some(captcha::captcha_hash(&form.captcha).as_str()) {
                page.error = Some(if form.captcha.trim().is_empty() {
                    "请输入验证码".into()
                } else {
                    "验证码错误，请重新输入".into()
                });
                page.captcha = Some(new_captcha(&state).await?);
                return Ok(render(StatusCode::UNAUTHORIZED, &page));
            }
        }
        let verified =
            passwords::verify(form.password.clone(), account.as_ref().map(|a| a.password_hash.clone())).await;
        let account = match account {
            Some(a) if verified && !a.disabled => a,
            Some(a) if verified && a.disabled => {
                page.error = Some("账号已停用，请联系管理员".into());
                return Ok(render(StatusCode::FORBIDDEN, &page));
            }
            _ => {
                // Both keys count: guessing many passwords for one account, or many accounts
                // from one address, both lead to the captcha and then to the lock.
                let mut failures = 0;
                for key in &keys {
                    failures = failures.max(state.store.record_login_failure(key, lock_for).await?);
                }
                page.error = Some("用户名或密码错误".into());
                if failures >= CAPTCHA_AFTER {
                    page.captcha = Some(new_captcha(&state).await?);
                }
                return Ok(render(StatusCode::UNAUTHORIZED, &page));
            }
        };
        for key in &keys {
            state.store.clear_login_failures(key).await?;
        }
        // A fresh session on every login (no fixation); any session this browser had ends.
        if let Some(old) = crate::auth::cookie(&request_headers, crate::auth::SESSION_COOKIE) {
            state.store.end_session(old).await?;
        }
        let (token, _csrf) =
            state.store.create_session(account.id, ip.as_deref(), state.settings.session_lifetime_ms).await?;
        let actor = jijiao_storage::Actor {
            account_id: Some(account.id.0),
            name: account.display_name.clone(),
            ip: ip.clone(),
        };
        state
            .store
            .record(
                &actor,
                &Change {
                    action: "account.login",
                    object_type: "account",
                    object_id: account.id.0.to_string(),
                    ..Change::default()
                },
            )
            .await?;
        let mut response = Redirect::to(&page.next).into_response();
        let cookie = session_cookie(&token, state.settings.secure_cookies, state.settings.session_lifetime_ms / 1000);
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
        Ok(response)
    }
    .await;
    result.unwrap_or_else(|e| PageError::from(e).into_response())
}

async fn logout(State(state): State<AppState>, principal: MaybePrincipal) -> Result<Response, PageError> {
    if let Some(p) = principal.0
        && let Via::Session { token, .. } = &p.via
    {
        state.store.end_session(token).await?;
        let change = Change {
            action: "account.logout",
            object_type: "account",
            object_id: p.account.id.0.to_string(),
            ..Change::default()
        };
        state.store.record(&p.actor(), &change).await?;
    }
    let mut response = Redirect::to("/").into_response();
    if let Ok(v) = HeaderValue::from_str(&clear_session_cookie(state.settings.secure_cookies)) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

// ---- registration ----

#[derive(Template)]
#[template(path = "accounts/register.html")]
struct RegisterPage {
    layout: Layout,
    form: RegisterForm,
    /// Where to go once registered (a sign-in page the learner came from), a same-site path.
    next: String,
    errors: Vec<(&'static str, String)>,
    units: Vec<(i64, String)>,
    titles: Vec<&'static str>,
}

impl RegisterPage {
    /// The error for a field, if any (shown beside it).
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }

    fn selected_unit(&self, id: &i64) -> bool {
        self.form.employer_id.parse::<i64>().ok() == Some(*id)
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct RegisterForm {
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    employer_id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
    #[serde(default)]
    next: String,
}

async fn units(state: &AppState) -> Result<Vec<(i64, String)>, StoreError> {
    let filter = OrgFilter { kind: Some(OrgKind::Unit), ..Default::default() };
    let page = state.store.organisations(&filter, PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE))).await?;
    Ok(page.items.into_iter().map(|o| (o.id.0, o.name)).collect())
}

fn titles() -> Vec<&'static str> {
    jijiao_domain::title::TITLES.iter().map(|t| t.name).collect()
}

async fn register_form(
    State(state): State<AppState>,
    principal: MaybePrincipal,
    csrf: CsrfToken,
    Query(query): Query<NextQuery>,
) -> Result<Response, PageError> {
    let next = safe_next(query.next.as_deref());
    if principal.0.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let units = units(&state).await?;
    Ok(render(
        StatusCode::OK,
        &RegisterPage {
            layout: Layout::new("/register", &principal, &csrf),
            form: RegisterForm::default(),
            next,
            errors: vec![],
            units,
            titles: titles(),
        },
    ))
}

/// The one answer for a registration the records refuse (see `register`).
const REFUSED: &str = "无法用该身份证号和姓名注册：如您已注册，请直接登录（忘记密码可在登录页通过手机验证码重置，或联系本单位继教管理员）；否则请核对姓名与身份证号";

async fn register(
    State(state): State<AppState>,
    principal: MaybePrincipal,
    csrf: CsrfToken,
    ClientIp(ip): ClientIp,
    PageForm(form): PageForm<RegisterForm>,
) -> Response {
    let units = match units(&state).await {
        Ok(u) => u,
        Err(e) => return PageError::from(e).into_response(),
    };
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    let id_number = IdNumber::parse(&form.id_number).map_err(|e| errors.push(("id_number", e.to_string()))).ok();
    let name = form.name.trim().to_string();
    if name.chars().count() < 2 || name.chars().count() > 30 {
        errors.push(("name", "请填写2到30个字的姓名".into()));
    }
    let employer = form.employer_id.parse::<i64>().ok().filter(|id| units.iter().any(|(u, _)| u == id));
    if employer.is_none() {
        errors.push(("employer_id", "请选择所在单位".into()));
    }
    if jijiao_domain::title::find(&form.title).is_none() {
        errors.push(("title", "请选择专业技术职称".into()));
    }
    if !is_valid_phone(&form.phone) {
        errors.push(("phone", "请填写11位手机号或带区号的固定电话".into()));
    }
    if let Some(w) = passwords::weakness(&form.password) {
        errors.push(("password", w.into()));
    } else if form.password != form.password2 {
        errors.push(("password2", "两次输入的密码不一致".into()));
    }
    let page = |errors| RegisterPage {
        layout: Layout::new("/register", &principal, &csrf),
        form: RegisterForm { password: String::new(), password2: String::new(), ..form.clone() },
        next: safe_next(Some(&form.next)),
        errors,
        units: units.clone(),
        titles: titles(),
    };
    let (Some(id_number), Some(employer), true) = (id_number, employer, errors.is_empty()) else {
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page(errors));
    };
    let actor = jijiao_storage::Actor { account_id: None, name: format!("{name}（自助注册）"), ip: ip.clone() };
    let result: Result<Response, StoreError> = async {
        let person = match state.store.person_by_id_number(&id_number).await {
            Ok(existing) => {
                // A wrong name and an existing account get one answer: a stranger trying numbers
                // learns neither that a number is registered nor under which name.
                let registered = state.store.account_by_person(existing.id).await.is_ok();
                if existing.name != name || registered {
                    return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page(vec![("id_number", REFUSED.into())])));
                }
                existing.id
            }
            Err(StoreError::NotFound) => {
                let new = NewPerson {
                    name: name.clone(),
                    id_number: id_number.clone(),
                    title: Some(form.title.clone()),
                    employer_id: Some(OrgId(employer)),
                    in_post: true,
                    phone: Some(form.phone.trim().to_string()),
                };
                state.store.create_person(&actor, &new).await?
            }
            Err(e) => return Err(e),
        };
        let hash = passwords::hash(form.password.clone()).await.map_err(|e| StoreError::Unsupported(e.to_string()))?;
        let account = NewAccount {
            username: id_number.as_str().to_string(),
            display_name: name.clone(),
            password_hash: hash,
            person_id: Some(person),
            confirmed: false,
            must_change_password: false,
        };
        let role = NewRole { role: Role::Professional, org_id: None, province_code: None };
        let id = state.store.create_account(&actor, &account, &[role]).await?;
        let (token, _) = state.store.create_session(id, ip.as_deref(), state.settings.session_lifetime_ms).await?;
        // Back to where the learner came from (a QR sign-in page), else the own page.
        let mut response = Redirect::to(&safe_next(Some(&form.next))).into_response();
        let cookie = session_cookie(&token, state.settings.secure_cookies, state.settings.session_lifetime_ms / 1000);
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
        Ok(response)
    }
    .await;
    result.unwrap_or_else(|e| PageError::from(e).into_response())
}

// ---- own page and password ----

pub struct RoleLine {
    pub role: String,
    pub scope: String,
}

#[derive(Template)]
#[template(path = "accounts/me.html")]
struct MePage {
    layout: Layout,
    name: String,
    username: String,
    confirmed: bool,
    /// Why the unit refused the registration, when it did.
    rejected_reason: Option<String>,
    must_change_password: bool,
    person: Option<PersonLines>,
    roles: Vec<RoleLine>,
    /// What the account must do next (待办, issue 15), overdue first.
    tasks: Vec<jijiao_app::events::Task>,
}

struct PersonLines {
    id_number: String,
    sex: &'static str,
    birth_date: String,
    title: String,
    employer: String,
    phone: String,
}

pub fn role_lines(roles: &[jijiao_storage::RoleRecord], employer: Option<&str>) -> Vec<RoleLine> {
    roles
        .iter()
        .map(|r| RoleLine {
            role: r.role.label().to_string(),
            scope: match r.role {
                Role::NationalAdmin => "全国".to_string(),
                Role::Inspector => r
                    .province_code
                    .as_deref()
                    .and_then(jijiao_domain::province::by_code)
                    .map(|p| p.name.to_string())
                    .unwrap_or_default(),
                Role::Leader | Role::Professional => employer.unwrap_or("本人").to_string(),
                _ => r.org_name.clone().unwrap_or_default(),
            },
        })
        .collect()
}

async fn me(State(state): State<AppState>, PageUser(p): PageUser, csrf: CsrfToken) -> Response {
    let result: Result<Response, StoreError> = async {
        let roles = state.store.roles_of(p.account.id).await?;
        let person = match p.account.person_id {
            Some(id) => {
                let person = state.store.person(id).await?;
                let employer = match person.employer_id {
                    Some(e) => Some(state.store.organisation(e).await?.name),
                    None => None,
                };
                Some((person, employer))
            }
            None => None,
        };
        let employer_name = person.as_ref().and_then(|(_, e)| e.clone());
        let tasks = if p.account.confirmed {
            jijiao_app::events::tasks::tasks(&state, &p).await.map_err(|e| StoreError::Unsupported(e.to_string()))?
        } else {
            Vec::new()
        };
        let page = MePage {
            tasks,
            layout: Layout::new("/me", &MaybePrincipal(Some(p.clone())), &csrf),
            name: p.account.display_name.clone(),
            username: if p.account.username.len() == 18 {
                mask_id_number(&p.account.username)
            } else {
                p.account.username.clone()
            },
            confirmed: p.account.confirmed,
            rejected_reason: p.account.rejected_reason.clone().filter(|_| !p.account.confirmed),
            must_change_password: p.account.must_change_password,
            roles: role_lines(&roles, employer_name.as_deref()),
            person: person.map(|(person, employer)| PersonLines {
                id_number: mask_id_number(person.id_number.as_str()),
                sex: person.sex.label(),
                birth_date: person.birth_date.to_string(),
                title: person.title.clone().unwrap_or_default(),
                employer: employer.unwrap_or_default(),
                phone: person.phone.as_deref().map(mask_phone).unwrap_or_default(),
            }),
        };
        Ok(render(StatusCode::OK, &page))
    }
    .await;
    result.unwrap_or_else(|e| PageError::from(e).into_response())
}

#[derive(Template)]
#[template(path = "accounts/password.html")]
struct PasswordPage {
    layout: Layout,
    error: Option<String>,
}

async fn password_form(PageUser(p): PageUser, csrf: CsrfToken) -> Response {
    let layout = Layout::new("/me", &MaybePrincipal(Some(p)), &csrf);
    render(StatusCode::OK, &PasswordPage { layout, error: None })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    password: String,
    password2: String,
}

async fn change_password(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    PageForm(form): PageForm<PasswordForm>,
) -> Response {
    let layout = Layout::new("/me", &MaybePrincipal(Some(p.clone())), &csrf);
    let fail = |layout, message: &str| {
        render(StatusCode::UNPROCESSABLE_ENTITY, &PasswordPage { layout, error: Some(message.to_string()) })
    };
    if !passwords::verify(form.current, Some(p.account.password_hash.clone())).await {
        return fail(layout, "当前密码不正确");
    }
    if let Some(w) = passwords::weakness(&form.password) {
        return fail(layout, w);
    }
    if form.password != form.password2 {
        return fail(layout, "两次输入的新密码不一致");
    }
    let result = async {
        let hash = passwords::hash(form.password).await.map_err(|e| StoreError::Unsupported(e.to_string()))?;
        state.store.set_password(&p.actor(), p.account.id, &hash, false).await
    }
    .await;
    match result {
        // Every session ended with the change: sign in again with the new password.
        Ok(()) => {
            let mut response = Redirect::to("/login?next=/me").into_response();
            if let Ok(v) = HeaderValue::from_str(&clear_session_cookie(state.settings.secure_cookies)) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
            response
        }
        Err(e) => PageError::from(e).into_response(),
    }
}
