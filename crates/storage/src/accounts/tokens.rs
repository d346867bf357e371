//! API tokens for machine clients: created by an administrator and shown once, stored hashed,
//! expiring and revocable; a token never does more than its account.

use jijiao_domain::authz::Grant;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{ACCOUNT_COLUMNS, Account, AccountId, account_from_row, grants_on};
use crate::audit::{Actor, Change, append};
use crate::sql::{Bind, Filter};
use crate::vault::Vault;
use crate::{Result, Store, StoreError, now_millis};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub account_id: AccountId,
    pub account: String,
    pub name: String,
    /// The first characters, so an administrator can tell tokens apart; the rest is never stored.
    pub prefix: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

impl Store {
    // ---- API tokens ----

    /// Creates a token for `account`; returns its id and the secret, which is shown once.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        account: AccountId,
        name: &str,
        expires_at: i64,
    ) -> Result<(i64, String)> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid("请填写令牌名称".into()));
        }
        let secret = format!("jj_{}", Vault::random_token());
        let prefix: String = secret.chars().take(10).collect();
        let created_by = actor.account_id.ok_or_else(|| StoreError::Invalid("令牌必须由账号创建".into()))?;
        let (province, org) = self.account_scope(account).await?;
        let (prefix, province, hash) = (&prefix, &province, &Vault::token_hash(&secret));
        let id = self
            .write(|mut tx| async move {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO api_tokens (account_id, name, token_hash, prefix, created_by, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(account.0)
            .bind(name)
            .bind(hash)
            .bind(prefix)
            .bind(created_by)
            .bind(now_millis())
            .bind(expires_at)
            .fetch_one(&mut *tx)
            .await?;
            let change = Change {
                action: "token.create",
                object_type: "api_token",
                object_id: id.to_string(),
                province_code: province.clone(),
                org_id: org,
                before: None,
                after: Some(
                    serde_json::json!({ "account_id": account.0, "name": name, "prefix": prefix, "expires_at": expires_at }),
                ),
            };
            append(self, &mut tx, actor, &change).await?;
            tx.commit().await?;
            Ok(id)
        })
        .await?;
        Ok((id, secret))
    }

    pub async fn api_token(&self, id: i64) -> Result<ApiToken> {
        let row = sqlx::query(
            "SELECT t.id, t.account_id, a.username, t.name, t.prefix, t.created_at, t.expires_at, t.revoked_at, t.last_used_at
             FROM api_tokens t JOIN accounts a ON a.id = t.account_id WHERE t.id = $1",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        token_from_row(&row)
    }

    pub async fn api_tokens_of(&self, accounts: &[AccountId]) -> Result<Vec<ApiToken>> {
        if accounts.is_empty() {
            return Ok(Vec::new());
        }
        let mut f = Filter::default();
        let marks = vec!["?"; accounts.len()].join(", ");
        f.and(&format!("t.account_id IN ({marks})"), accounts.iter().map(|a| Bind::Int(a.0)));
        let sql = format!(
            "SELECT t.id, t.account_id, a.username, t.name, t.prefix, t.created_at, t.expires_at, t.revoked_at, t.last_used_at
             FROM api_tokens t JOIN accounts a ON a.id = t.account_id{} ORDER BY t.id DESC",
            f.where_sql()
        );
        let rows = f.query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(token_from_row).collect()
    }

    pub async fn revoke_api_token(&self, actor: &Actor, id: i64) -> Result<()> {
        let token = self.api_token(id).await?;
        let (province, org) = self.account_scope(token.account_id).await?;
        let province = &province;
        self.write(|mut tx| async move {
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(now_millis())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let change = Change {
                action: "token.revoke",
                object_type: "api_token",
                object_id: id.to_string(),
                province_code: province.clone(),
                org_id: org,
                before: Some(serde_json::json!({ "revoked": token.revoked_at.is_some() })),
                after: Some(serde_json::json!({ "revoked": true })),
            };
            append(self, &mut tx, actor, &change).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// The account a bearer token acts as, with the token's id and the account's grants, if the
    /// token is live (not revoked, not expired). Read on one connection, as a session is
    /// ([`Store::session`]): every API request starts here.
    pub async fn account_for_token(&self, secret: &str) -> Result<Option<TokenHolder>> {
        let mut conn = self.pool.acquire().await?;
        let row = sqlx::query(&format!(
            "SELECT t.id AS token_id, t.expires_at AS token_expires_at, t.revoked_at, t.last_used_at, {ACCOUNT_COLUMNS}
             FROM api_tokens t JOIN accounts a ON a.id = t.account_id WHERE t.token_hash = $1"
        ))
        .bind(Vault::token_hash(secret))
        .fetch_optional(&mut *conn)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let now = now_millis();
        let revoked: Option<i64> = row.try_get("revoked_at")?;
        let expires_at: i64 = row.try_get("token_expires_at")?;
        if revoked.is_some() || now > expires_at {
            return Ok(None);
        }
        let token_id: i64 = row.try_get("token_id")?;
        let last_used: Option<i64> = row.try_get("last_used_at")?;
        if last_used.is_none_or(|t| now - t > 60_000) {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(token_id)
                .execute(&mut *conn)
                .await?;
        }
        let account = account_from_row(&row)?;
        let grants = grants_on(&mut *conn, &account).await?;
        Ok(Some(TokenHolder { token_id, account, grants }))
    }
}

/// The account a live bearer token acts as ([`Store::account_for_token`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenHolder {
    pub token_id: i64,
    pub account: Account,
    /// The account's roles with their scopes ([`Store::grants_of`]).
    pub grants: Vec<Grant>,
}

fn token_from_row(r: &AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: r.try_get("id")?,
        account_id: AccountId(r.try_get("account_id")?),
        account: r.try_get("username")?,
        name: r.try_get("name")?,
        prefix: r.try_get("prefix")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        revoked_at: r.try_get("revoked_at")?,
        last_used_at: r.try_get("last_used_at")?,
    })
}
