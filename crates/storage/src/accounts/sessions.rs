//! What a signed-in browser needs between requests, kept in the database so that servers hold no
//! state of their own: sessions, the count of failed logins per account and address, and captchas.

use sqlx::Row;

use super::{ACCOUNT_COLUMNS, Account, AccountId, account_from_row};
use crate::vault::Vault;
use crate::{Result, Store, now_millis};

/// A live session, with its account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    pub account_id: AccountId,
    /// The account, read with the session: every signed-in request needs both.
    pub account: Account,
    pub csrf_token: String,
    pub expires_at: i64,
}

impl Store {
    // ---- sessions ----

    /// Starts a session and returns the cookie token (only its hash is stored) and the CSRF token.
    pub async fn create_session(
        &self,
        account: AccountId,
        ip: Option<&str>,
        lifetime_ms: i64,
    ) -> Result<(String, String)> {
        let token = Vault::random_token();
        let csrf = Vault::random_token();
        let now = now_millis();
        sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, csrf_token, ip, created_at, last_seen_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $5, $6)",
        )
        .bind(Vault::token_hash(&token))
        .bind(account.0)
        .bind(&csrf)
        .bind(ip)
        .bind(now)
        .bind(now + lifetime_ms)
        .execute(&self.pool)
        .await?;
        Ok((token, csrf))
    }

    /// The live session for a cookie token: refused when idle longer than `idle_ms` or past its
    /// absolute expiry. Touches `last_seen_at` after a tenth of the idle limit, at most a minute (not
    /// a write per request, and a short limit still sees the activity in time).
    pub async fn session(&self, token: &str, idle_ms: i64) -> Result<Option<SessionRecord>> {
        let hash = Vault::token_hash(token);
        let row = sqlx::query(&format!(
            "SELECT s.account_id, s.csrf_token, s.last_seen_at, s.expires_at, {ACCOUNT_COLUMNS}
             FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = $1"
        ))
        .bind(&hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let now = now_millis();
        let last_seen: i64 = row.try_get("last_seen_at")?;
        let expires_at: i64 = row.try_get("expires_at")?;
        if now - last_seen > idle_ms || now > expires_at {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(&hash).execute(&self.pool).await?;
            return Ok(None);
        }
        if now - last_seen > (idle_ms / 10).min(60_000) {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(&hash)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(SessionRecord {
            account_id: AccountId(row.try_get("account_id")?),
            account: account_from_row(&row)?,
            csrf_token: row.try_get("csrf_token")?,
            expires_at,
        }))
    }

    pub async fn end_session(&self, token: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(Vault::token_hash(token))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn end_sessions_of(&self, account: AccountId) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE account_id = $1").bind(account.0).execute(&self.pool).await?;
        Ok(())
    }

    // ---- login throttling ----

    /// (failures, locked_until) for a key such as `ip:127.0.0.1` or `account:zhang`.
    pub async fn login_failures(&self, key: &str) -> Result<(i64, i64)> {
        let row = sqlx::query("SELECT failures, locked_until FROM login_throttle WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => (r.try_get("failures")?, r.try_get("locked_until")?),
            None => (0, 0),
        })
    }

    /// Counts a failure and sets the lock computed by the caller from the new count.
    pub async fn record_login_failure(&self, key: &str, lock_for: impl Fn(i64) -> i64) -> Result<i64> {
        let now = now_millis();
        let failures: i64 = sqlx::query_scalar(
            "INSERT INTO login_throttle (key, failures, last_failure_at, locked_until) VALUES ($1, 1, $2, 0)
             ON CONFLICT (key) DO UPDATE SET failures = login_throttle.failures + 1, last_failure_at = excluded.last_failure_at
             RETURNING failures",
        )
        .bind(key)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        let lock = lock_for(failures);
        if lock > 0 {
            sqlx::query("UPDATE login_throttle SET locked_until = $1 WHERE key = $2")
                .bind(now + lock)
                .bind(key)
                .execute(&self.pool)
                .await?;
        }
        Ok(failures)
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_throttle WHERE key = $1").bind(key).execute(&self.pool).await?;
        Ok(())
    }

    // ---- captchas ----

    pub async fn store_captcha(&self, id: &str, answer_hash: &str, ttl_ms: i64) -> Result<()> {
        let now = now_millis();
        sqlx::query("DELETE FROM captchas WHERE expires_at < $1").bind(now).execute(&self.pool).await?;
        sqlx::query("INSERT INTO captchas (id, answer_hash, expires_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(answer_hash)
            .bind(now + ttl_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The captcha's answer hash, if it exists and has not expired. It can be used once.
    pub async fn take_captcha(&self, id: &str) -> Result<Option<String>> {
        let hash: Option<String> =
            sqlx::query_scalar("DELETE FROM captchas WHERE id = $1 AND expires_at >= $2 RETURNING answer_hash")
                .bind(id)
                .bind(now_millis())
                .fetch_optional(&self.pool)
                .await?;
        Ok(hash)
    }

    /// The answer hash without using it up (to draw the image).
    pub async fn peek_captcha(&self, id: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT answer_hash FROM captchas WHERE id = $1 AND expires_at >= $2")
            .bind(id)
            .bind(now_millis())
            .fetch_optional(&self.pool)
            .await?)
    }
}
