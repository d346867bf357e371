//! Account administration as operations with their authorisation: the pages and the API both call
//! these, so every scope check exists once.

use jijiao_domain::IdNumber;
use jijiao_domain::authz::{Action, Place, Role};
use jijiao_storage::{
    Account, AccountFilter, AccountId, AccountSummary, ApiToken, AuditEntry, AuditFilter, Change, NewAccount, NewRole,
    OrgId, Page, PageRequest, RoleRecord, StoreError, now_millis,
};
use serde::Deserialize;

use crate::auth::Principal;
use crate::{ApiError, AppState, passwords};

/// Where each of an account's roles sits; an account without roles sits at its person's employer.
pub async fn places_of(
    state: &AppState,
    account: &Account,
    roles: &[RoleRecord],
) -> Result<Vec<(Role, Place)>, ApiError> {
    let person_place = match account.person_id {
        Some(person) => {
            let p = state.store.person(person).await?;
            let mut place = match p.employer_id {
                Some(e) => state.store.organisation(e).await?.place(),
                None => Place::default(),
            };
            place.person = Some(person.0);
            Some(place)
        }
        None => None,
    };
    let mut out = Vec::new();
    for r in roles {
        let place = match r.role {
            Role::NationalAdmin => Place::everywhere(),
            Role::Inspector => Place { province: r.province_code.clone(), ..Place::default() },
            Role::Leader | Role::Professional => person_place.clone().unwrap_or_default(),
            _ => match r.org_id {
                Some(o) => state.store.organisation(o).await?.place(),
                None => Place::default(),
            },
        };
        out.push((r.role, place));
    }
    if out.is_empty()
        && let Some(place) = person_place
    {
        out.push((Role::Professional, place));
    }
    Ok(out)
}

/// An account the principal may see, or 404 (never revealing that it exists).
pub async fn visible_account(
    state: &AppState,
    p: &Principal,
    id: AccountId,
) -> Result<(Account, Vec<RoleRecord>, Vec<(Role, Place)>), ApiError> {
    let account = state.store.account(id).await?;
    let roles = state.store.roles_of(id).await?;
    let places = places_of(state, &account, &roles).await?;
    let own = p.account.id == id;
    if !own && !places.iter().any(|(_, place)| p.may(Action::Read, place) && p.is_admin()) {
        return Err(ApiError::NotFound);
    }
    Ok((account, roles, places))
}

/// An account the principal may manage: visible, and every role of it below the principal's.
pub async fn managed_account(
    state: &AppState,
    p: &Principal,
    id: AccountId,
) -> Result<(Account, Vec<RoleRecord>), ApiError> {
    let (account, roles, places) = visible_account(state, p, id).await?;
    if account.id == p.account.id
        || places.is_empty()
        || !places.iter().all(|(role, place)| p.may(Action::ManageAccount(*role), place))
    {
        return Err(ApiError::Forbidden);
    }
    Ok((account, roles))
}

/// The listing filter for the principal's scope: the broadest administrative role wins.
pub async fn scope_filter(state: &AppState, p: &Principal) -> Result<AccountFilter, ApiError> {
    let best =
        p.grants.iter().filter(|g| g.role.is_admin()).max_by_key(|g| g.role.level()).ok_or(ApiError::Forbidden)?;
    Ok(match best.role {
        Role::NationalAdmin => AccountFilter::default(),
        Role::ProvinceAdmin => AccountFilter { province_code: best.province.clone(), ..Default::default() },
        Role::DistrictAdmin => {
            let district = best.district.ok_or(ApiError::Forbidden)?;
            AccountFilter { org_ids: Some(state.store.subtree(OrgId(district)).await?), ..Default::default() }
        }
        _ => AccountFilter { org_ids: Some(best.unit.into_iter().collect()), ..Default::default() },
    })
}

pub async fn list(
    state: &AppState,
    p: &Principal,
    q: Option<String>,
    pending_only: bool,
    page: PageRequest,
) -> Result<Page<AccountSummary>, ApiError> {
    let filter = AccountFilter { q, pending_only, ..scope_filter(state, p).await? };
    Ok(state.store.accounts(&filter, page).await?)
}

/// What an administrator fills in to create an account.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccount {
    pub username: String,
    pub display_name: String,
    /// Leave empty to generate a temporary password that must be changed at first login.
    #[serde(default)]
    pub password: Option<String>,
    /// national_admin, province_admin, district_admin, inspector, unit_admin, leader, professional
    pub role: String,
    /// The office or unit an administrator acts for.
    #[serde(default)]
    pub org_id: Option<i64>,
    /// An inspector's province (two-digit code).
    #[serde(default)]
    pub province_code: Option<String>,
    /// For leaders and professionals: the person's ID number (the person must be registered).
    #[serde(default)]
    pub id_number: Option<String>,
}

/// Resolves the role to give and where it sits, checking the principal may give it there.
async fn role_to_assign(
    state: &AppState,
    p: &Principal,
    role: &str,
    org_id: Option<i64>,
    province_code: Option<String>,
    person: Option<jijiao_storage::PersonId>,
) -> Result<NewRole, ApiError> {
    let role = Role::from_code(role).ok_or_else(|| ApiError::invalid("role", "未知角色"))?;
    let place = match role {
        Role::NationalAdmin => Place::everywhere(),
        Role::Inspector => {
            let code =
                province_code.clone().ok_or_else(|| ApiError::invalid("province_code", "请选择督查员所属省份"))?;
            if jijiao_domain::province::by_code(&code).is_none() {
                return Err(ApiError::invalid("province_code", "省份代码无效"));
            }
            Place::province(&code)
        }
        Role::Leader | Role::Professional => {
            let person = person.ok_or_else(|| ApiError::invalid("id_number", "请填写该人员的身份证号"))?;
            let p = state.store.person(person).await?;
            let mut place = match p.employer_id {
                Some(e) => state.store.organisation(e).await?.place(),
                None => Place::default(),
            };
            place.person = Some(person.0);
            place
        }
        _ => {
            let org = org_id.ok_or_else(|| ApiError::invalid("org_id", "请选择所属机构"))?;
            let org = state
                .store
                .organisation(OrgId(org))
                .await
                .map_err(|_| ApiError::invalid("org_id", "所属机构不存在"))?;
            org.place()
        }
    };
    p.require(Action::AssignRole(role), &place)?;
    Ok(NewRole { role, org_id: org_id.map(OrgId), province_code })
}

/// Creates an account; returns it and the temporary password when one was generated.
pub async fn create(
    state: &AppState,
    p: &Principal,
    input: CreateAccount,
) -> Result<(AccountId, Option<String>), ApiError> {
    if input.username.trim().is_empty() {
        return Err(ApiError::invalid("username", "请填写用户名"));
    }
    if input.display_name.trim().is_empty() {
        return Err(ApiError::invalid("display_name", "请填写姓名或名称"));
    }
    let person = match input.id_number.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(text) => {
            let id = IdNumber::parse(text).map_err(|e| ApiError::invalid("id_number", e.to_string()))?;
            Some(
                state
                    .store
                    .person_by_id_number(&id)
                    .await
                    .map_err(|_| ApiError::invalid("id_number", "该身份证号的人员尚未登记"))?
                    .id,
            )
        }
        None => None,
    };
    let role = role_to_assign(state, p, &input.role, input.org_id, input.province_code.clone(), person).await?;
    let (password, temporary) = match input.password.filter(|s| !s.is_empty()) {
        Some(pw) => {
            if let Some(w) = passwords::weakness(&pw) {
                return Err(ApiError::invalid("password", w));
            }
            (pw, None)
        }
        None => {
            let t = passwords::temporary_password();
            (t.clone(), Some(t))
        }
    };
    let new = NewAccount {
        username: input.username.trim().to_string(),
        display_name: input.display_name.trim().to_string(),
        password_hash: passwords::hash(password).await?,
        person_id: person,
        confirmed: true,
        must_change_password: temporary.is_some(),
    };
    let id = state.store.create_account(&p.actor(), &new, &[role]).await.map_err(|e| match e {
        StoreError::Conflict(m) => ApiError::invalid("username", m),
        StoreError::Invalid(m) => ApiError::invalid("role", m),
        other => other.into(),
    })?;
    Ok((id, temporary))
}

pub async fn set_disabled(state: &AppState, p: &Principal, id: AccountId, disabled: bool) -> Result<(), ApiError> {
    managed_account(state, p, id).await?;
    Ok(state.store.set_account_disabled(&p.actor(), id, disabled).await?)
}

/// Confirms a self-registered professional: an administrator of the employer's scope.
pub async fn confirm(state: &AppState, p: &Principal, id: AccountId) -> Result<(), ApiError> {
    let (account, _, places) = visible_account(state, p, id).await?;
    if account.confirmed {
        return Err(ApiError::Conflict("该账号已确认".into()));
    }
    if !places.iter().any(|(_, place)| p.may(Action::ConfirmProfessional, place)) {
        return Err(ApiError::Forbidden);
    }
    Ok(state.store.confirm_account(&p.actor(), id).await?)
}

/// Resets a password to a temporary one, returned once.
pub async fn reset_password(state: &AppState, p: &Principal, id: AccountId) -> Result<String, ApiError> {
    managed_account(state, p, id).await?;
    let temporary = passwords::temporary_password();
    let hash = passwords::hash(temporary.clone()).await?;
    state.store.set_password(&p.actor(), id, &hash, true).await?;
    Ok(temporary)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddRole {
    pub role: String,
    #[serde(default)]
    pub org_id: Option<i64>,
    #[serde(default)]
    pub province_code: Option<String>,
}

pub async fn add_role(state: &AppState, p: &Principal, id: AccountId, input: AddRole) -> Result<(), ApiError> {
    let (account, _, _) = visible_account(state, p, id).await?;
    if account.id == p.account.id {
        return Err(ApiError::Forbidden);
    }
    let role = role_to_assign(state, p, &input.role, input.org_id, input.province_code, account.person_id).await?;
    state.store.add_role(&p.actor(), id, &role).await.map_err(|e| match e {
        StoreError::Conflict(m) | StoreError::Invalid(m) => ApiError::invalid("role", m),
        other => other.into(),
    })
}

pub async fn remove_role(state: &AppState, p: &Principal, id: AccountId, role_id: i64) -> Result<(), ApiError> {
    let (_, roles) = managed_account(state, p, id).await?;
    if !roles.iter().any(|r| r.id == role_id) {
        return Err(ApiError::NotFound);
    }
    Ok(state.store.remove_role(&p.actor(), id, role_id).await?)
}

// ---- API tokens ----

/// Tokens the principal may see: its own, and those of accounts it manages.
pub async fn tokens(state: &AppState, p: &Principal) -> Result<Vec<ApiToken>, ApiError> {
    if !p.is_admin() {
        return Err(ApiError::Forbidden);
    }
    let mut ids = vec![p.account.id];
    let scope = list(state, p, None, false, PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE))).await?;
    for a in scope.items {
        if a.account.id != p.account.id && managed_account(state, p, a.account.id).await.is_ok() {
            ids.push(a.account.id);
        }
    }
    Ok(state.store.api_tokens_of(&ids).await?)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    pub name: String,
    /// Days until it expires (1 to 366).
    pub days: u32,
    /// The account it acts as: the caller's own by default, or one the caller manages.
    #[serde(default)]
    pub account_id: Option<i64>,
}

/// Creates a token (administrators only, for themselves or accounts they manage); the secret is
/// returned once and never stored.
pub async fn create_token(state: &AppState, p: &Principal, input: CreateToken) -> Result<(i64, String), ApiError> {
    if !p.is_admin() {
        return Err(ApiError::Forbidden);
    }
    if !(1..=366).contains(&input.days) {
        return Err(ApiError::invalid("days", "有效期应为1到366天"));
    }
    if input.name.trim().is_empty() {
        return Err(ApiError::invalid("name", "请填写令牌名称"));
    }
    let account = match input.account_id {
        Some(id) if id != p.account.id.0 => managed_account(state, p, AccountId(id)).await?.0.id,
        _ => p.account.id,
    };
    let expires = now_millis() + i64::from(input.days) * 24 * 60 * 60 * 1000;
    Ok(state.store.create_api_token(&p.actor(), account, &input.name, expires).await?)
}

pub async fn revoke_token(state: &AppState, p: &Principal, id: i64) -> Result<(), ApiError> {
    let token = state.store.api_token(id).await?;
    if token.account_id != p.account.id {
        managed_account(state, p, token.account_id).await.map_err(|_| ApiError::NotFound)?;
    }
    Ok(state.store.revoke_api_token(&p.actor(), id).await?)
}

// ---- audit ----

pub async fn audit(
    state: &AppState,
    p: &Principal,
    actor: Option<String>,
    object_type: Option<String>,
    page: PageRequest,
) -> Result<Page<AuditEntry>, ApiError> {
    let scope = scope_filter(state, p).await?;
    let filter = AuditFilter { province_code: scope.province_code, org_ids: scope.org_ids, object_type, actor };
    Ok(state.store.audit_log(&filter, page).await?)
}

/// Records that a person's whole ID number or phone was shown (who looked, when).
pub async fn record_reveal(
    state: &AppState,
    p: &Principal,
    person: i64,
    org: Option<i64>,
    province: Option<String>,
) -> Result<(), ApiError> {
    let change = Change {
        action: "person.reveal",
        object_type: "person",
        object_id: person.to_string(),
        province_code: province,
        org_id: org,
        ..Change::default()
    };
    state.store.record(&p.actor(), &change).await?;
    Ok(())
}
