//! The API of accounts, roles, tokens, the audit log and the directory of organisations and
//! people, each scoped to the caller (404 for someone else's record, 403 for an action).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use jijiao_app::accounts::{self, AddRole, CreateAccount, CreateToken};
use jijiao_domain::authz::{Action, Role};
use jijiao_domain::org::OrgKind;
use jijiao_storage::{AccountId, OrgFilter, OrgId, PageRequest, PersonFilter, PersonId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::ApiJson;
use crate::auth::Principal;
use crate::routes::Routes;
use crate::{ApiError, AppState};

pub fn routes() -> Routes {
    Routes::new()
        .get("/me", me)
        .get("/accounts", list_accounts)
        .post("/accounts", create_account)
        .get("/accounts/{id}", get_account)
        .post("/accounts/{id}/disable", disable_account)
        .post("/accounts/{id}/enable", enable_account)
        .post("/accounts/{id}/confirm", confirm_account)
        .post("/accounts/{id}/password-reset", reset_password)
        .post("/accounts/{id}/roles", add_role)
        .delete("/accounts/{id}/roles/{role_id}", remove_role)
        .get("/tokens", list_tokens)
        .post("/tokens", create_token)
        .delete("/tokens/{id}", revoke_token)
        .get("/audit", audit)
        .get("/organisations", list_organisations)
        .get("/organisations/{id}", get_organisation)
        .get("/people", list_people)
        .get("/people/{id}", get_person)
}

#[derive(Serialize, ToSchema)]
pub struct RoleView {
    id: i64,
    role: String,
    label: String,
    org_id: Option<i64>,
    org_name: Option<String>,
    province_code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AccountView {
    id: i64,
    username: String,
    display_name: String,
    disabled: bool,
    confirmed: bool,
    must_change_password: bool,
    roles: Vec<RoleView>,
}

fn account_view(a: &jijiao_storage::Account, roles: &[jijiao_storage::RoleRecord]) -> AccountView {
    AccountView {
        id: a.id.0,
        // A professional's username is the ID number: masked like everywhere else.
        username: if jijiao_domain::IdNumber::parse(&a.username).is_ok() {
            jijiao_domain::personal::mask_id_number(&a.username)
        } else {
            a.username.clone()
        },
        display_name: a.display_name.clone(),
        disabled: a.disabled,
        confirmed: a.confirmed,
        must_change_password: a.must_change_password,
        roles: roles
            .iter()
            .map(|r| RoleView {
                id: r.id,
                role: r.role.code().into(),
                label: r.role.label().into(),
                org_id: r.org_id.map(|o| o.0),
                org_name: r.org_name.clone(),
                province_code: r.province_code.clone(),
            })
            .collect(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ListOf<T> {
    items: Vec<T>,
    total: i64,
    page: u32,
    per_page: u32,
}

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// Words of the name.
    q: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
    /// Only accounts awaiting confirmation.
    #[serde(default)]
    pending: bool,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", responses((status = 200, body = AccountView), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(State(state): State<AppState>, p: Principal) -> Result<Json<AccountView>, ApiError> {
    let roles = state.store.roles_of(p.account.id).await?;
    Ok(Json(account_view(&p.account, &roles)))
}

#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts", params(ListQuery),
    responses((status = 200, body = ListOf<AccountView>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list_accounts(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<ListQuery>,
) -> Result<Json<ListOf<AccountView>>, ApiError> {
    let page = accounts::list(&state, &p, q.q, q.pending, PageRequest::new(q.page, q.per_page)).await?;
    Ok(Json(ListOf {
        items: page.items.iter().map(|s| account_view(&s.account, &s.roles)).collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    id: i64,
    /// Shown once when the password was generated; the user must change it at first login.
    #[serde(skip_serializing_if = "Option::is_none")]
    temporary_password: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", request_body = CreateAccount,
    responses((status = 201, body = Created), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_account(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(input): ApiJson<CreateAccount>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let (id, temporary_password) = accounts::create(&state, &p, input).await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.0, temporary_password })))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}", tag = "accounts", params(("id" = i64, Path)),
    responses((status = 200, body = AccountView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_account(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Json<AccountView>, ApiError> {
    let (account, roles, _) = accounts::visible_account(&state, &p, AccountId(id)).await?;
    Ok(Json(account_view(&account, &roles)))
}

#[derive(Serialize, ToSchema)]
pub struct Done {
    ok: bool,
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/disable", tag = "accounts", params(("id" = i64, Path)), responses((status = 200, body = Done)))]
pub async fn disable_account(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Json<Done>, ApiError> {
    accounts::set_disabled(&state, &p, AccountId(id), true).await?;
    Ok(Json(Done { ok: true }))
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/enable", tag = "accounts", params(("id" = i64, Path)), responses((status = 200, body = Done)))]
pub async fn enable_account(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Json<Done>, ApiError> {
    accounts::set_disabled(&state, &p, AccountId(id), false).await?;
    Ok(Json(Done { ok: true }))
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/confirm", tag = "accounts", params(("id" = i64, Path)), responses((status = 200, body = Done)))]
pub async fn confirm_account(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Json<Done>, ApiError> {
    accounts::confirm(&state, &p, AccountId(id)).await?;
    Ok(Json(Done { ok: true }))
}

#[derive(Serialize, ToSchema)]
pub struct TemporaryPassword {
    temporary_password: String,
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/password-reset", tag = "accounts", params(("id" = i64, Path)), responses((status = 200, body = TemporaryPassword)))]
pub async fn reset_password(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Json<TemporaryPassword>, ApiError> {
    let temporary_password = accounts::reset_password(&state, &p, AccountId(id)).await?;
    Ok(Json(TemporaryPassword { temporary_password }))
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/roles", tag = "accounts", params(("id" = i64, Path)), request_body = AddRole, responses((status = 200, body = Done)))]
pub async fn add_role(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<AddRole>,
) -> Result<Json<Done>, ApiError> {
    accounts::add_role(&state, &p, AccountId(id), input).await?;
    Ok(Json(Done { ok: true }))
}

#[utoipa::path(delete, path = "/api/v1/accounts/{id}/roles/{role_id}", tag = "accounts", params(("id" = i64, Path), ("role_id" = i64, Path)), responses((status = 200, body = Done)))]
pub async fn remove_role(
    State(state): State<AppState>,
    p: Principal,
    Path((id, role_id)): Path<(i64, i64)>,
) -> Result<Json<Done>, ApiError> {
    accounts::remove_role(&state, &p, AccountId(id), role_id).await?;
    Ok(Json(Done { ok: true }))
}

#[derive(Serialize, ToSchema)]
pub struct TokenView {
    id: i64,
    account_id: i64,
    account: String,
    name: String,
    prefix: String,
    created_at: i64,
    expires_at: i64,
    revoked: bool,
    last_used_at: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "accounts", responses((status = 200, body = [TokenView])))]
pub async fn list_tokens(State(state): State<AppState>, p: Principal) -> Result<Json<Vec<TokenView>>, ApiError> {
    let tokens = accounts::tokens(&state, &p).await?;
    Ok(Json(
        tokens
            .into_iter()
            .map(|t| TokenView {
                id: t.id,
                account_id: t.account_id.0,
                account: t.account,
                name: t.name,
                prefix: t.prefix,
                created_at: t.created_at,
                expires_at: t.expires_at,
                revoked: t.revoked_at.is_some(),
                last_used_at: t.last_used_at,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct TokenSecret {
    id: i64,
    /// Shown once: send it as `Authorization: Bearer …`.
    token: String,
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "accounts", request_body = CreateToken, responses((status = 201, body = TokenSecret)))]
pub async fn create_token(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(input): ApiJson<CreateToken>,
) -> Result<(StatusCode, Json<TokenSecret>), ApiError> {
    let (id, token) = accounts::create_token(&state, &p, input).await?;
    Ok((StatusCode::CREATED, Json(TokenSecret { id, token })))
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "accounts", params(("id" = i64, Path)), responses((status = 200, body = Done)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Json<Done>, ApiError> {
    accounts::revoke_token(&state, &p, id).await?;
    Ok(Json(Done { ok: true }))
}

#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    actor: Option<String>,
    object_type: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditView {
    id: i64,
    /// Beijing time.
    at: String,
    actor: String,
    ip: Option<String>,
    action: String,
    object_type: String,
    object_id: String,
    /// The object before the change; `null` for a creation (any JSON value).
    before: Option<serde_json::Value>,
    /// The object after the change; `null` for a deletion (any JSON value).
    after: Option<serde_json::Value>,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "accounts", params(AuditQuery), responses((status = 200, body = ListOf<AuditView>)))]
pub async fn audit(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<AuditQuery>,
) -> Result<Json<ListOf<AuditView>>, ApiError> {
    let page = accounts::audit(&state, &p, q.actor, q.object_type, PageRequest::new(q.page, q.per_page)).await?;
    Ok(Json(ListOf {
        items: page
            .items
            .into_iter()
            .map(|e| AuditView {
                id: e.id,
                at: jijiao_domain::time::format_shanghai(e.at),
                actor: e.actor,
                ip: e.ip,
                action: e.action,
                object_type: e.object_type,
                object_id: e.object_id,
                before: e.before,
                after: e.after,
            })
            .collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationView {
    id: i64,
    kind: String,
    name: String,
    parent_id: Option<i64>,
    province_code: Option<String>,
    unit_type: Option<String>,
    grassroots: bool,
    cme_qualified: bool,
    remote_qualified: bool,
    inspection: String,
}

fn org_view(o: jijiao_storage::Organisation) -> OrganisationView {
    OrganisationView {
        id: o.id.0,
        kind: o.kind.code().into(),
        name: o.name,
        parent_id: o.parent_id.map(|p| p.0),
        province_code: o.province_code,
        unit_type: o.unit_type.map(|t| t.code().into()),
        grassroots: o.grassroots,
        cme_qualified: o.cme_qualified,
        remote_qualified: o.remote_qualified,
        inspection: o.inspection.code().into(),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct OrgQuery {
    /// national, provincial, district, unit
    kind: Option<String>,
    q: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
}

/// Organisations in the caller's scope (administrators).
#[utoipa::path(get, path = "/api/v1/organisations", tag = "directory", params(OrgQuery), responses((status = 200, body = ListOf<OrganisationView>)))]
pub async fn list_organisations(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<OrgQuery>,
) -> Result<Json<ListOf<OrganisationView>>, ApiError> {
    let scope = accounts::scope_filter(&state, &p).await?;
    let kind = match q.kind.as_deref() {
        Some(k) => Some(OrgKind::from_code(k).ok_or_else(|| ApiError::invalid("kind", "未知机构类别"))?),
        None => None,
    };
    let mut filter = OrgFilter { kind, province_code: scope.province_code, q: q.q, parent_id: None };
    let page = PageRequest::new(q.page, q.per_page);
    // Districts and units see their own subtree only.
    if let Some(ids) = scope.org_ids {
        let mut items = Vec::new();
        for id in &ids {
            let o = state.store.organisation(OrgId(*id)).await?;
            if filter.kind.is_none_or(|k| k == o.kind) && filter.q.as_deref().is_none_or(|w| o.name.contains(w)) {
                items.push(org_view(o));
            }
        }
        let total = items.len() as i64;
        return Ok(Json(ListOf { items, total, page: 1, per_page: page.per_page }));
    }
    filter.parent_id = None;
    let result = state.store.organisations(&filter, page).await?;
    Ok(Json(ListOf {
        items: result.items.into_iter().map(org_view).collect(),
        total: result.total,
        page: result.page,
        per_page: result.per_page,
    }))
}

#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "directory", params(("id" = i64, Path)),
    responses((status = 200, body = OrganisationView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_organisation(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Json<OrganisationView>, ApiError> {
    let org = state.store.organisation(OrgId(id)).await?;
    let place = org.place();
    if !p.may(Action::Read, &place) || !p.is_admin() {
        return Err(ApiError::NotFound);
    }
    Ok(Json(org_view(org)))
}

#[derive(Deserialize, IntoParams)]
pub struct PeopleQuery {
    q: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct PersonView {
    id: i64,
    name: String,
    /// Masked (110105********002X) unless `reveal=true` was asked by a role that needs it whole.
    id_number: String,
    sex: String,
    birth_date: String,
    title: Option<String>,
    employer_id: Option<i64>,
    employer: Option<String>,
    in_post: bool,
    phone: Option<String>,
}

fn person_view(m: jijiao_storage::MaskedPerson) -> PersonView {
    PersonView {
        id: m.id.0,
        name: m.name,
        id_number: m.id_number,
        sex: m.sex.label().into(),
        birth_date: m.birth_date.to_string(),
        title: m.title,
        employer_id: m.employer_id.map(|e| e.0),
        employer: m.employer,
        in_post: m.in_post,
        phone: m.phone,
    }
}

/// People in the caller's scope, masked.
#[utoipa::path(get, path = "/api/v1/people", tag = "directory", params(PeopleQuery), responses((status = 200, body = ListOf<PersonView>)))]
pub async fn list_people(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<PeopleQuery>,
) -> Result<Json<ListOf<PersonView>>, ApiError> {
    let scope = accounts::scope_filter(&state, &p).await?;
    let page = PageRequest::new(q.page, q.per_page);
    if let Some(ids) = scope.org_ids {
        let mut items = Vec::new();
        let mut total = 0;
        for id in ids {
            let filter = PersonFilter { employer_id: Some(OrgId(id)), q: q.q.clone(), ..Default::default() };
            let part = state.store.people(&filter, PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE))).await?;
            total += part.total;
            items.extend(part.items.into_iter().map(person_view));
        }
        return Ok(Json(ListOf { items, total, page: 1, per_page: page.per_page }));
    }
    let filter = PersonFilter { province_code: scope.province_code, q: q.q, ..Default::default() };
    let result = state.store.people(&filter, page).await?;
    Ok(Json(ListOf {
        items: result.items.into_iter().map(person_view).collect(),
        total: result.total,
        page: result.page,
        per_page: result.per_page,
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct RevealQuery {
    /// Show the whole ID number and phone (the person, or an administrator of the employer); logged.
    #[serde(default)]
    reveal: bool,
}

#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "directory", params(("id" = i64, Path), RevealQuery),
    responses((status = 200, body = PersonView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_person(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    Query(q): Query<RevealQuery>,
) -> Result<Json<PersonView>, ApiError> {
    let person = state.store.person(PersonId(id)).await?;
    let (mut place, employer, province) = match person.employer_id {
        Some(e) => {
            let org = state.store.organisation(e).await?;
            (org.place(), Some(org.name.clone()), org.province_code.clone())
        }
        None => (Default::default(), None, None),
    };
    place.person = Some(id);
    if !p.may(Action::Read, &place) {
        return Err(ApiError::NotFound);
    }
    let mut view = person_view(person.masked(employer));
    if q.reveal {
        // The whole number is for the person and for those who register their credits: the
        // employer's unit administrator (and administrators above, who may act for it).
        let own = p.account.person_id == Some(PersonId(id));
        let unit_scope = p.grants.iter().any(|g| g.role.is_admin() && g.role != Role::Inspector && g.covers(&place));
        if !own && !unit_scope {
            return Err(ApiError::Forbidden);
        }
        accounts::record_reveal(&state, &p, id, person.employer_id.map(|e| e.0), province).await?;
        view.id_number = person.id_number.to_string();
        view.phone = person.phone.clone();
    }
    Ok(Json(view))
}
