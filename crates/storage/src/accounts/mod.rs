//! Accounts and roles, sessions, login throttling, captchas and API tokens: everything a server
//! needs between requests, kept in the database so servers hold no state of their own.
//!
//! Here: accounts and their roles. Sessions, login throttling and captchas are in [`sessions`], API
//! tokens in [`tokens`], the codes of the password self-service in [`password_reset`].

use jijiao_domain::authz::{Grant, Role};
use jijiao_domain::org::OrgKind;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::{Actor, Change, append};
use crate::constraints::{self, Constraint};
use crate::decode;
use crate::sql::{Bind, Filter, flag};
use crate::{OrgId, Page, PageRequest, PersonId, Result, Store, StoreError, now_millis};

mod password_reset;
mod sessions;
mod tokens;

pub use password_reset::{CodeIssue, CodeUse, RESET_CODE_TRIES, ResetCodeLimits};
pub use sessions::{MAX_LIVE_CAPTCHAS, SessionRecord};
pub use tokens::{ApiToken, TokenHolder};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct AccountId(pub i64);

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Account {
    pub id: AccountId,
    pub username: String,
    pub display_name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub person_id: Option<PersonId>,
    pub disabled: bool,
    pub confirmed: bool,
    pub must_change_password: bool,
    pub created_at: i64,
    /// Why the unit refused this self-registration, if it did (the registrant reads it).
    pub rejected_reason: Option<String>,
}

#[derive(Clone, Debug)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub person_id: Option<PersonId>,
    pub confirmed: bool,
    pub must_change_password: bool,
}

/// A role as stored: the role and the organisation it acts for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RoleRecord {
    pub id: i64,
    pub role: Role,
    pub org_id: Option<OrgId>,
    pub org_name: Option<String>,
    pub province_code: Option<String>,
}

/// A role to give: for admins the organisation they act for; for leaders and professionals the
/// person's employer is used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRole {
    pub role: Role,
    pub org_id: Option<OrgId>,
    /// For inspectors (a province without an office record of its own).
    pub province_code: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct AccountFilter {
    /// Accounts with a role in this province (or a person employed there).
    pub province_code: Option<String>,
    /// Accounts with a role at, or a person employed by, one of these organisations.
    pub org_ids: Option<Vec<i64>>,
    pub q: Option<String>,
    /// Only self-registered professionals awaiting confirmation.
    pub pending_only: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct AccountSummary {
    pub account: Account,
    pub roles: Vec<RoleRecord>,
}

/// One change of an account's columns, with what the audit log records of it.
struct AccountUpdate {
    action: &'static str,
    /// `column = $1, …`, numbered from 1 in the order of `binds`.
    set_sql: &'static str,
    binds: Vec<Bind>,
    before: serde_json::Value,
    after: serde_json::Value,
}

const ACCOUNT_COLUMNS: &str = "a.id, a.username, a.display_name, a.password_hash, a.person_id, a.disabled, a.confirmed, a.must_change_password, a.created_at, a.rejected_reason";

impl Store {
    pub async fn create_account(&self, actor: &Actor, new: &NewAccount, roles: &[NewRole]) -> Result<AccountId> {
        let username = new.username.trim();
        if username.is_empty() || username.chars().count() > 64 {
            return Err(StoreError::Invalid("用户名应为1到64个字符".into()));
        }
        self.write(|mut tx| async move {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO accounts (username, display_name, password_hash, person_id, disabled, confirmed, must_change_password, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, 0, $5, $6, $7, $7) RETURNING id",
            )
            .bind(username)
            .bind(new.display_name.trim())
            .bind(&new.password_hash)
            .bind(new.person_id.map(|p| p.0))
            .bind(flag(new.confirmed))
            .bind(flag(new.must_change_password))
            .bind(now_millis())
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| constraints::naming(e, Constraint::AccountUsername, || format!("用户名“{username}”已存在")))?;
            let mut province = None;
            let mut org = None;
            for role in roles {
                let (p, o) = insert_role(&mut tx, self, id, role, new.person_id).await?;
                province = province.or(p);
                org = org.or(o);
            }
            let change = Change {
                action: "account.create",
                object_type: "account",
                object_id: id.to_string(),
                province_code: province,
                org_id: org,
                before: None,
                after: Some(serde_json::json!({
                    "username": username,
                    "display_name": new.display_name.trim(),
                    "confirmed": new.confirmed,
                    "roles": roles.iter().map(|r| r.role.code()).collect::<Vec<_>>(),
                })),
            };
            append(self, &mut tx, actor, &change).await?;
            tx.commit().await?;
            Ok(AccountId(id))
        })
        .await
    }

    pub async fn account(&self, id: AccountId) -> Result<Account> {
        let row = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.id = $1"))
            .bind(id.0)
            .fetch_one(&self.pool)
            .await?;
        account_from_row(&row)
    }

    pub async fn account_by_username(&self, username: &str) -> Result<Account> {
        let row = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.username = $1"))
            .bind(username.trim())
            .fetch_one(&self.pool)
            .await?;
        account_from_row(&row)
    }

    pub async fn account_by_person(&self, person: PersonId) -> Result<Account> {
        let row = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.person_id = $1"))
            .bind(person.0)
            .fetch_one(&self.pool)
            .await?;
        account_from_row(&row)
    }

    pub async fn roles_of(&self, account: AccountId) -> Result<Vec<RoleRecord>> {
        let rows = sqlx::query(
            "SELECT r.id, r.role, r.org_id, r.province_code, o.name AS org_name
             FROM account_roles r LEFT JOIN organisations o ON o.id = r.org_id
             WHERE r.account_id = $1 ORDER BY r.id",
        )
        .bind(account.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(role_from_row).collect()
    }

    /// The account's roles as the authorisation rules see them, each with its full scope (see
    /// [`grants_on`]).
    pub async fn grants_of(&self, account: &Account) -> Result<Vec<Grant>> {
        grants_on(&self.pool, account).await
    }

    pub async fn add_role(&self, actor: &Actor, account: AccountId, role: &NewRole) -> Result<()> {
        let person = self.account(account).await?.person_id;
        self.write(|mut tx| async move {
            let (province, org) = insert_role(&mut tx, self, account.0, role, person).await?;
            let change = Change {
                action: "account.role_add",
                object_type: "account",
                object_id: account.0.to_string(),
                province_code: province,
                org_id: org,
                before: None,
                after: Some(serde_json::json!({ "role": role.role, "org_id": role.org_id })),
            };
            append(self, &mut tx, actor, &change).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    pub async fn remove_role(&self, actor: &Actor, account: AccountId, role_id: i64) -> Result<()> {
        let roles = self.roles_of(account).await?;
        let role = roles.iter().find(|r| r.id == role_id).ok_or(StoreError::NotFound)?;
        self.write(|mut tx| async move {
            sqlx::query("DELETE FROM account_roles WHERE id = $1 AND account_id = $2")
                .bind(role_id)
                .bind(account.0)
                .execute(&mut *tx)
                .await?;
            let change = Change {
                action: "account.role_remove",
                object_type: "account",
                object_id: account.0.to_string(),
                province_code: role.province_code.clone(),
                org_id: role.org_id.map(|o| o.0),
                before: Some(serde_json::json!({ "role": role.role, "org_id": role.org_id })),
                after: None,
            };
            append(self, &mut tx, actor, &change).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Updates the flags of an account (disable, confirm, password), recording before and after.
    async fn update_account(&self, actor: &Actor, id: AccountId, update: AccountUpdate) -> Result<()> {
        let (province, org) = self.account_scope(id).await?;
        let (province, update) = (&province, &update);
        self.write(|mut tx| async move {
            let n = update.binds.len();
            let sql = format!("UPDATE accounts SET {}, updated_at = ${} WHERE id = ${}", update.set_sql, n + 1, n + 2);
            let mut query = sqlx::query(&sql);
            for b in &update.binds {
                query = match b {
                    Bind::Text(t) => query.bind(t.as_str()),
                    Bind::Int(i) => query.bind(*i),
                };
            }
            let done = query.bind(now_millis()).bind(id.0).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            let change = Change {
                action: update.action,
                object_type: "account",
                object_id: id.0.to_string(),
                province_code: province.clone(),
                org_id: org,
                before: Some(update.before.clone()),
                after: Some(update.after.clone()),
            };
            append(self, &mut tx, actor, &change).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    pub async fn set_account_disabled(&self, actor: &Actor, id: AccountId, disabled: bool) -> Result<()> {
        let before = self.account(id).await?.disabled;
        self.update_account(
            actor,
            id,
            AccountUpdate {
                action: if disabled { "account.disable" } else { "account.enable" },
                set_sql: "disabled = $1",
                binds: vec![Bind::Int(flag(disabled))],
                before: serde_json::json!({ "disabled": before }),
                after: serde_json::json!({ "disabled": disabled }),
            },
        )
        .await?;
        if disabled {
            self.end_sessions_of(id).await?;
        }
        Ok(())
    }

    pub async fn confirm_account(&self, actor: &Actor, id: AccountId) -> Result<()> {
        self.update_account(
            actor,
            id,
            AccountUpdate {
                action: "account.confirm",
                set_sql: "confirmed = $1",
                binds: vec![Bind::Int(1)],
                before: serde_json::json!({ "confirmed": false }),
                after: serde_json::json!({ "confirmed": true }),
            },
        )
        .await
    }

    /// Refuses a self-registration with the reason its registrant reads; it leaves the waiting list.
    pub async fn reject_registration(&self, actor: &Actor, id: AccountId, reason: &str) -> Result<()> {
        self.update_account(
            actor,
            id,
            AccountUpdate {
                action: "account.reject_registration",
                set_sql: "rejected_reason = $1",
                binds: vec![Bind::Text(reason.to_string())],
                before: serde_json::json!({ "confirmed": false }),
                after: serde_json::json!({ "confirmed": false, "rejected_reason": reason }),
            },
        )
        .await
    }

    /// Sets a new password hash; `must_change` when an administrator reset it. Ends every session.
    pub async fn set_password(
        &self,
        actor: &Actor,
        id: AccountId,
        password_hash: &str,
        must_change: bool,
    ) -> Result<()> {
        self.update_account(
            actor,
            id,
            AccountUpdate {
                action: if must_change { "account.password_reset" } else { "account.password_change" },
                set_sql: "password_hash = $1, must_change_password = $2",
                binds: vec![Bind::Text(password_hash.to_string()), Bind::Int(flag(must_change))],
                before: serde_json::json!({}),
                after: serde_json::json!({ "must_change_password": must_change }),
            },
        )
        .await?;
        self.end_sessions_of(id).await
    }

    /// The province and organisation an account's audit entries belong to.
    async fn account_scope(&self, id: AccountId) -> Result<(Option<String>, Option<i64>)> {
        let roles = self.roles_of(id).await?;
        if let Some(r) = roles.iter().find(|r| r.org_id.is_some() || r.province_code.is_some()) {
            return Ok((r.province_code.clone(), r.org_id.map(|o| o.0)));
        }
        let account = self.account(id).await?;
        if let Some(p) = account.person_id
            && let Some(e) = self.person(p).await?.employer_id
        {
            return Ok((self.organisation(e).await?.province_code, Some(e.0)));
        }
        Ok((None, None))
    }

    pub async fn accounts(&self, filter: &AccountFilter, page: PageRequest) -> Result<Page<AccountSummary>> {
        let mut f = Filter::default();
        // An account is in a scope through a role there or through its person's employer.
        let from = "FROM accounts a LEFT JOIN people p ON p.id = a.person_id LEFT JOIN organisations e ON e.id = p.employer_id";
        if let Some(code) = &filter.province_code {
            f.and(
                "(e.province_code = ? OR EXISTS (SELECT 1 FROM account_roles r WHERE r.account_id = a.id AND r.province_code = ?))",
                [Bind::Text(code.clone()), Bind::Text(code.clone())],
            );
        }
        if let Some(ids) = &filter.org_ids {
            if ids.is_empty() {
                f.and("1 = 0", []);
            } else {
                let marks = vec!["?"; ids.len()].join(", ");
                let values: Vec<Bind> = ids.iter().chain(ids.iter()).map(|i| Bind::Int(*i)).collect();
                f.and(
                    &format!("(p.employer_id IN ({marks}) OR EXISTS (SELECT 1 FROM account_roles r WHERE r.account_id = a.id AND r.org_id IN ({marks})))"),
                    values,
                );
            }
        }
        if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            f.contains(self.backend, &["a.username", "a.display_name"], q);
        }
        if filter.pending_only {
            f.and("a.confirmed = 0 AND a.rejected_reason IS NULL", []);
        }
        let where_sql = f.where_sql();
        let total: i64 =
            f.query_scalar(&format!("SELECT CAST(COUNT(*) AS BIGINT) {from}{where_sql}")).fetch_one(&self.pool).await?;
        let n = f.next_placeholder();
        let sql = format!("SELECT {ACCOUNT_COLUMNS} {from}{where_sql} ORDER BY a.id LIMIT ${n} OFFSET ${}", n + 1);
        let rows = f.query(&sql).bind(page.limit()).bind(page.offset()).fetch_all(&self.pool).await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            let account = account_from_row(row)?;
            let roles = self.roles_of(account.id).await?;
            items.push(AccountSummary { account, roles });
        }
        Ok(Page { items, total, page: page.page, per_page: page.per_page })
    }
}

/// Inserts a role row; returns the (province, organisation) it belongs to.
async fn insert_role(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    store: &Store,
    account: i64,
    role: &NewRole,
    person: Option<PersonId>,
) -> Result<(Option<String>, Option<i64>)> {
    let (org_id, province) = match role.role {
        Role::NationalAdmin => (None, None),
        Role::Inspector => {
            let p = role.province_code.clone().ok_or_else(|| StoreError::Invalid("督查员必须指定省份".into()))?;
            (None, Some(p))
        }
        Role::Leader | Role::Professional => {
            let person =
                person.ok_or_else(|| StoreError::Invalid("项目负责人和卫生专业技术人员账号必须关联人员".into()))?;
            let employer = store.person(person).await?.employer_id;
            let province = match employer {
                Some(e) => store.organisation(e).await?.province_code,
                None => None,
            };
            (None, province)
        }
        Role::ProvinceAdmin | Role::DistrictAdmin | Role::UnitAdmin => {
            let org = role.org_id.ok_or_else(|| StoreError::Invalid("管理员必须指定所属机构".into()))?;
            let o = store.organisation(org).await?;
            let expected = match role.role {
                Role::ProvinceAdmin => OrgKind::Provincial,
                Role::DistrictAdmin => OrgKind::District,
                _ => OrgKind::Unit,
            };
            if o.kind != expected {
                return Err(StoreError::Invalid(format!("{}只能属于{}", role.role.label(), expected.label())));
            }
            (Some(org.0), o.province_code)
        }
    };
    sqlx::query(
        "INSERT INTO account_roles (account_id, role, org_id, province_code, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(account)
    .bind(role.role.code())
    .bind(org_id)
    .bind(province.as_deref())
    .bind(now_millis())
    .execute(&mut **tx)
    // A role the account has already: the constraint's message says so.
    .await?;
    Ok((province, org_id))
}

fn account_from_row(r: &AnyRow) -> Result<Account> {
    Ok(Account {
        id: AccountId(r.try_get("id")?),
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        password_hash: r.try_get("password_hash")?,
        person_id: r.try_get::<Option<i64>, _>("person_id")?.map(PersonId),
        disabled: r.try_get::<i64, _>("disabled")? != 0,
        confirmed: r.try_get::<i64, _>("confirmed")? != 0,
        must_change_password: r.try_get::<i64, _>("must_change_password")? != 0,
        created_at: r.try_get("created_at")?,
        rejected_reason: r.try_get("rejected_reason")?,
    })
}

fn role_from_row(r: &AnyRow) -> Result<RoleRecord> {
    let role: String = r.try_get("role")?;
    Ok(RoleRecord {
        id: r.try_get("id")?,
        role: decode::code(&role, "account_roles.role", Role::from_code)?,
        org_id: r.try_get::<Option<i64>, _>("org_id")?.map(OrgId),
        org_name: r.try_get("org_name")?,
        province_code: r.try_get("province_code")?,
    })
}

/// The account's roles as the authorisation rules see them, each with its full scope. One query:
/// this runs for every signed-in request (for a session, on the connection that read it). A
/// leader's or professional's place is their employer's (from the person record), an office's its
/// organisation's; a unit's district is its parent when that is a district office.
pub(crate) async fn grants_on<'c, E: sqlx::Executor<'c, Database = sqlx::Any>>(
    on: E,
    account: &Account,
) -> Result<Vec<Grant>> {
    let rows = sqlx::query(
        "SELECT r.role, r.province_code, o.id AS org_id, o.kind AS org_kind, up.id AS parent_id, up.kind AS parent_kind
         FROM account_roles r
         LEFT JOIN people pe ON pe.id = $2
         LEFT JOIN organisations o
           ON o.id = CASE WHEN r.role IN ($3, $4) THEN pe.employer_id ELSE r.org_id END
         LEFT JOIN organisations up ON up.id = o.parent_id
         WHERE r.account_id = $1 ORDER BY r.id",
    )
    .bind(account.id.0)
    .bind(account.person_id.map(|p| p.0))
    .bind(Role::Leader.code())
    .bind(Role::Professional.code())
    .fetch_all(on)
    .await?;
    let district = OrgKind::District.code();
    rows.iter()
        .map(|r| {
            let code: String = r.try_get("role")?;
            let role = decode::code(&code, "account_roles.role", Role::from_code)?;
            let org: Option<i64> = r.try_get("org_id")?;
            let kind: Option<String> = r.try_get("org_kind")?;
            let parent: Option<i64> = r.try_get("parent_id")?;
            let parent_kind: Option<String> = r.try_get("parent_kind")?;
            let (district, unit) = match (org, kind.as_deref()) {
                (Some(o), Some(k)) if k == district => (Some(o), None),
                (Some(o), Some(k)) if k == OrgKind::Unit.code() => {
                    (parent.filter(|_| parent_kind.as_deref() == Some(district)), Some(o))
                }
                _ => (None, None),
            };
            Ok(Grant {
                role,
                province: r.try_get("province_code")?,
                district,
                unit,
                person: matches!(role, Role::Leader | Role::Professional)
                    .then_some(account.person_id.map(|p| p.0))
                    .flatten(),
            })
        })
        .collect()
}
