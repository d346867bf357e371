//! Account administration as operations with their authorisation: the pages and the API both call
//! these, so every scope check exists once.

use jijiao_domain::IdNumber;
use jijiao_domain::authz::{Action, Place, Role};
use jijiao_storage::{
    Account, AccountFilter, AccountId, AccountSummary, ApiToken, AuditEntry, AuditFilter, Change, NewAccount, NewRole,
    OrgId, Page, PageRequest, RoleRecord, StoreError,
};
use serde::Deserialize;

use crate::{Acting, App, AppError, passwords};

/// Where each of an account's roles sits; an account without roles sits at its person's employer.
pub async fn places_of(app: &App, account: &Account, roles: &[RoleRecord]) -> Result<Vec<(Role, Place)>, AppError> {
    let person_place = match account.person_id {
        Some(person) => {
            let p = app.store.person(person).await?;
            let mut place = match p.employer_id {
                Some(e) => app.store.organisation(e).await?.place(),
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
                Some(o) => app.store.organisation(o).await?.place(),
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
    app: &App,
    p: &Acting,
    id: AccountId,
) -> Result<(Account, Vec<RoleRecord>, Vec<(Role, Place)>), AppError> {
    let account = app.store.account(id).await?;
    let roles = app.store.roles_of(id).await?;
    let places = places_of(app, &account, &roles).await?;
    let own = p.account.id == id;
    if !own && !places.iter().any(|(_, place)| p.may(Action::Read, place) && p.is_admin()) {
        return Err(AppError::NotFound);
    }
    Ok((account, roles, places))
}

/// An account the principal may manage: visible, and every role of it below the principal's.
pub async fn managed_account(app: &App, p: &Acting, id: AccountId) -> Result<(Account, Vec<RoleRecord>), AppError> {
    let (account, roles, places) = visible_account(app, p, id).await?;
    if account.id == p.account.id
        || places.is_empty()
        || !places.iter().all(|(role, place)| p.may(Action::ManageAccount(*role), place))
    {
        return Err(AppError::Forbidden);
    }
    Ok((account, roles))
}

/// The listing filter for the principal's scope: the broadest administrative role wins.
pub async fn scope_filter(app: &App, p: &Acting) -> Result<AccountFilter, AppError> {
    let best =
        p.grants.iter().filter(|g| g.role.is_admin()).max_by_key(|g| g.role.level()).ok_or(AppError::Forbidden)?;
    Ok(match best.role {
        Role::NationalAdmin => AccountFilter::default(),
        Role::ProvinceAdmin => AccountFilter { province_code: best.province.clone(), ..Default::default() },
        Role::DistrictAdmin => {
            let district = best.district.ok_or(AppError::Forbidden)?;
            AccountFilter { org_ids: Some(app.store.subtree(OrgId(district)).await?), ..Default::default() }
        }
        _ => AccountFilter { org_ids: Some(best.unit.into_iter().collect()), ..Default::default() },
    })
}

pub async fn list(
    app: &App,
    p: &Acting,
    q: Option<String>,
    pending_only: bool,
    page: PageRequest,
) -> Result<Page<AccountSummary>, AppError> {
    let filter = AccountFilter { q, pending_only, ..scope_filter(app, p).await? };
    Ok(app.store.accounts(&filter, page).await?)
}

/// What an administrator fills in to create an account.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    app: &App,
    p: &Acting,
    role: &str,
    org_id: Option<i64>,
    province_code: Option<String>,
    person: Option<jijiao_storage::PersonId>,
) -> Result<NewRole, AppError> {
    let role = Role::from_code(role).ok_or_else(|| AppError::invalid("role", "未知角色"))?;
    let place = match role {
        Role::NationalAdmin => Place::everywhere(),
        Role::Inspector => {
            let code =
                province_code.clone().ok_or_else(|| AppError::invalid("province_code", "请选择督查员所属省份"))?;
            if jijiao_domain::province::by_code(&code).is_none() {
                return Err(AppError::invalid("province_code", "省份代码无效"));
            }
            Place::province(&code)
        }
        Role::Leader | Role::Professional => {
            let person = person.ok_or_else(|| AppError::invalid("id_number", "请填写该人员的身份证号"))?;
            let p = app.store.person(person).await?;
            let mut place = match p.employer_id {
                Some(e) => app.store.organisation(e).await?.place(),
                None => Place::default(),
            };
            place.person = Some(person.0);
            place
        }
        _ => {
            let org = org_id.ok_or_else(|| AppError::invalid("org_id", "请选择所属机构"))?;
            let org =
                app.store.organisation(OrgId(org)).await.map_err(|_| AppError::invalid("org_id", "所属机构不存在"))?;
            org.place()
        }
    };
    p.require(Action::AssignRole(role), &place)?;
    Ok(NewRole { role, org_id: org_id.map(OrgId), province_code })
}

/// Creates an account; returns it and the temporary password when one was generated.
pub async fn create(app: &App, p: &Acting, input: CreateAccount) -> Result<(AccountId, Option<String>), AppError> {
    if input.username.trim().is_empty() {
        return Err(AppError::invalid("username", "请填写用户名"));
    }
    if input.display_name.trim().is_empty() {
        return Err(AppError::invalid("display_name", "请填写姓名或名称"));
    }
    let person = match input.id_number.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(text) => {
            let id = IdNumber::parse(text).map_err(|e| AppError::invalid("id_number", e.to_string()))?;
            Some(
                app.store
                    .person_by_id_number(&id)
                    .await
                    .map_err(|_| AppError::invalid("id_number", "该身份证号的人员尚未登记"))?
                    .id,
            )
        }
        None => None,
    };
    let role = role_to_assign(app, p, &input.role, input.org_id, input.province_code.clone(), person).await?;
    let (password, temporary) = match input.password.filter(|s| !s.is_empty()) {
        Some(pw) => {
            if let Some(w) = passwords::weakness(&pw) {
                return Err(AppError::invalid("password", w));
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
    let id = app.store.create_account(&p.actor(), &new, &[role]).await.map_err(|e| match e {
        StoreError::Conflict(m) => AppError::invalid("username", m),
        StoreError::Invalid(m) => AppError::invalid("role", m),
        other => other.into(),
    })?;
    Ok((id, temporary))
}

pub async fn set_disabled(app: &App, p: &Acting, id: AccountId, disabled: bool) -> Result<(), AppError> {
    managed_account(app, p, id).await?;
    Ok(app.store.set_account_disabled(&p.actor(), id, disabled).await?)
}

/// Confirms a self-registered professional: an administrator of the employer's scope.
pub async fn confirm(app: &App, p: &Acting, id: AccountId) -> Result<(), AppError> {
    let (account, _, places) = visible_account(app, p, id).await?;
    if account.confirmed {
        return Err(AppError::Conflict("该账号已确认".into()));
    }
    if !places.iter().any(|(_, place)| p.may(Action::ConfirmProfessional, place)) {
        return Err(AppError::Forbidden);
    }
    Ok(app.store.confirm_account(&p.actor(), id).await?)
}

/// Refuses a self-registration, with the reason its registrant reads on signing in (issue 18):
/// those who may confirm it may refuse it.
pub async fn reject_registration(app: &App, p: &Acting, id: AccountId, reason: &str) -> Result<(), AppError> {
    let (account, _, places) = visible_account(app, p, id).await?;
    if account.confirmed {
        return Err(AppError::Conflict("该账号已确认".into()));
    }
    if !places.iter().any(|(_, place)| p.may(Action::ConfirmProfessional, place)) {
        return Err(AppError::Forbidden);
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid("reason", "拒绝时必须填写原因"));
    }
    if reason.chars().count() > 500 {
        return Err(AppError::invalid("reason", "原因不能超过500字"));
    }
    Ok(app.store.reject_registration(&p.actor(), id, reason).await?)
}

/// Resets a password to a temporary one, returned once.
pub async fn reset_password(app: &App, p: &Acting, id: AccountId) -> Result<String, AppError> {
    managed_account(app, p, id).await?;
    let temporary = passwords::temporary_password();
    let hash = passwords::hash(temporary.clone()).await?;
    app.store.set_password(&p.actor(), id, &hash, true).await?;
    Ok(temporary)
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddRole {
    pub role: String,
    #[serde(default)]
    pub org_id: Option<i64>,
    #[serde(default)]
    pub province_code: Option<String>,
}

pub async fn add_role(app: &App, p: &Acting, id: AccountId, input: AddRole) -> Result<(), AppError> {
    let (account, _, _) = visible_account(app, p, id).await?;
    if account.id == p.account.id {
        return Err(AppError::Forbidden);
    }
    let role = role_to_assign(app, p, &input.role, input.org_id, input.province_code, account.person_id).await?;
    app.store.add_role(&p.actor(), id, &role).await.map_err(|e| match e {
        StoreError::Conflict(m) | StoreError::Invalid(m) => AppError::invalid("role", m),
        other => other.into(),
    })
}

pub async fn remove_role(app: &App, p: &Acting, id: AccountId, role_id: i64) -> Result<(), AppError> {
    let (_, roles) = managed_account(app, p, id).await?;
    if !roles.iter().any(|r| r.id == role_id) {
        return Err(AppError::NotFound);
    }
    Ok(app.store.remove_role(&p.actor(), id, role_id).await?)
}

// ---- API tokens ----

/// Tokens the principal may see: its own, and those of accounts it manages.
pub async fn tokens(app: &App, p: &Acting) -> Result<Vec<ApiToken>, AppError> {
    if !p.is_admin() {
        return Err(AppError::Forbidden);
    }
    let mut ids = vec![p.account.id];
    let scope = list(app, p, None, false, PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE))).await?;
    for a in scope.items {
        if a.account.id != p.account.id && managed_account(app, p, a.account.id).await.is_ok() {
            ids.push(a.account.id);
        }
    }
    Ok(app.store.api_tokens_of(&ids).await?)
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    pub name: String,
    /// Days until it expires (1 to 366).
    pub days: u32,
    /// The account it acts as: only the caller's own (the field is accepted for older clients;
    /// any other account is refused with 403).
    #[serde(default)]
    pub account_id: Option<i64>,
}

/// Creates a token for the caller's own account (administrators only); the secret is returned once
/// and never stored. Nobody makes a token for another account: one who could would act as both,
/// with the audit log naming the other person, and duties would no longer be separate. Managers
/// may still list and revoke the tokens of accounts they manage.
pub async fn create_token(app: &App, p: &Acting, input: CreateToken) -> Result<(i64, String), AppError> {
    if !p.is_admin() {
        return Err(AppError::Forbidden);
    }
    if !(1..=366).contains(&input.days) {
        return Err(AppError::invalid("days", "有效期应为1到366天"));
    }
    if input.name.trim().is_empty() {
        return Err(AppError::invalid("name", "请填写令牌名称"));
    }
    if input.account_id.is_some_and(|id| id != p.account.id.0) {
        return Err(AppError::Forbidden);
    }
    let expires = app.clock.now_millis() + i64::from(input.days) * 24 * 60 * 60 * 1000;
    Ok(app.store.create_api_token(&p.actor(), p.account.id, &input.name, expires).await?)
}

pub async fn revoke_token(app: &App, p: &Acting, id: i64) -> Result<(), AppError> {
    let token = app.store.api_token(id).await?;
    if token.account_id != p.account.id {
        managed_account(app, p, token.account_id).await.map_err(|_| AppError::NotFound)?;
    }
    Ok(app.store.revoke_api_token(&p.actor(), id).await?)
}

// ---- audit ----

pub async fn audit(
    app: &App,
    p: &Acting,
    actor: Option<String>,
    object_type: Option<String>,
    page: PageRequest,
) -> Result<Page<AuditEntry>, AppError> {
    let scope = scope_filter(app, p).await?;
    let filter = AuditFilter { province_code: scope.province_code, org_ids: scope.org_ids, object_type, actor };
    Ok(app.store.audit_log(&filter, page).await?)
}

/// Records that a person's whole ID number or phone was shown (who looked, when).
pub async fn record_reveal(
    app: &App,
    p: &Acting,
    person: i64,
    org: Option<i64>,
    province: Option<String>,
) -> Result<(), AppError> {
    let change = Change {
        action: "person.reveal",
        object_type: "person",
        object_id: person.to_string(),
        province_code: province,
        org_id: org,
        ..Change::default()
    };
    app.store.record(&p.actor(), &change).await?;
    Ok(())
}
