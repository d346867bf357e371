//! What a signed-in browser needs between requests, kept in the database so that servers hold no
//! state of their own: sessions, the count of failed logins per account and address, and captchas.
//!
//! None of it holds personal data in clear: sessions are stored by the hash of their token, failed
//! logins by a keyed hash of what was typed as the username (an ID number, or a password typed into
//! the wrong field), and the captcha table is bounded, so that a flood of sign-in pages cannot grow it.

use sqlx::Row;

use jijiao_domain::authz::Grant;

use super::{ACCOUNT_COLUMNS, Account, AccountId, account_from_row, grants_on};
use crate::vault::Vault;
use crate::{Result, Store, now_millis};

/// The most captchas kept at once. Each is valid for minutes, and one is drawn for every sign-in
/// page an address that failed to sign in asks for (2,000 in 7 s in issue 14): storing one beyond
/// the bound drops the oldest, so a flood costs the flooder's earlier captchas, not the database.
pub const MAX_LIVE_CAPTCHAS: i64 = 1000;

/// How long after its last recorded activity a session's activity is recorded again: a tenth of the
/// idle limit, at most a minute. Not every request writes, and a session in use never reaches its
/// idle limit: it is refreshed at least nine times within it (a minute's limit, refreshed once a
/// minute, ended sessions in use).
pub(crate) fn refresh_after(idle_ms: i64) -> i64 {
    (idle_ms / 10).clamp(0, 60_000)
}

/// A live session, with its account and the account's grants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    pub account_id: AccountId,
    /// The account, read with the session: every signed-in request needs both.
    pub account: Account,
    /// The account's roles with their scopes ([`Store::grants_of`]), read on the session's
    /// connection.
    pub grants: Vec<Grant>,
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

    /// The live session for a cookie token, with its account's grants: refused when idle longer
    /// than `idle_ms` or past its absolute expiry. Touches `last_seen_at` once [`refresh_after`]
    /// has passed since it was last touched (not a write per request). Every signed-in request
    /// starts here, so its statements share one connection: on PostgreSQL sqlx pings a connection
    /// each time it goes back to the pool, a round trip per statement when each takes its own
    /// (BENCHMARKS.md, "the record page's floor was not one").
    pub async fn session(&self, token: &str, idle_ms: i64) -> Result<Option<SessionRecord>> {
        let hash = Vault::token_hash(token);
        let mut conn = self.pool.acquire().await?;
        let row = sqlx::query(&format!(
            "SELECT s.account_id, s.csrf_token, s.last_seen_at, s.expires_at, {ACCOUNT_COLUMNS}
             FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = $1"
        ))
        .bind(&hash)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let now = now_millis();
        let last_seen: i64 = row.try_get("last_seen_at")?;
        let expires_at: i64 = row.try_get("expires_at")?;
        if now - last_seen > idle_ms || now > expires_at {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(&hash).execute(&mut *conn).await?;
            return Ok(None);
        }
        if now - last_seen > refresh_after(idle_ms) {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(&hash)
                .execute(&mut *conn)
                .await?;
        }
        let account = account_from_row(&row)?;
        let grants = grants_on(&mut *conn, &account).await?;
        Ok(Some(SessionRecord {
            account_id: AccountId(row.try_get("account_id")?),
            account,
            grants,
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

    /// The stored form of a throttle key such as `ip:127.0.0.1` or `account:zhang`: its keyed hash
    /// (the vault's lookup hash), as the username part is whatever was typed, often an ID number or
    /// a password in the wrong field. The prefix keeps these hashes apart from the lookup hashes of
    /// ID numbers and phones.
    fn throttle_key(&self, key: &str) -> String {
        self.vault.lookup_hash(&format!("login_throttle:{key}"))
    }

    /// (failures, locked_until) for a key such as `ip:127.0.0.1` or `account:zhang`.
    pub async fn login_failures(&self, key: &str) -> Result<(i64, i64)> {
        let row = sqlx::query("SELECT failures, locked_until FROM login_throttle WHERE key = $1")
            .bind(self.throttle_key(key))
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
        let key = self.throttle_key(key);
        let failures: i64 = sqlx::query_scalar(
            "INSERT INTO login_throttle (key, failures, last_failure_at, locked_until) VALUES ($1, 1, $2, 0)
             ON CONFLICT (key) DO UPDATE SET failures = login_throttle.failures + 1, last_failure_at = excluded.last_failure_at
             RETURNING failures",
        )
        .bind(&key)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        let lock = lock_for(failures);
        if lock > 0 {
            sqlx::query("UPDATE login_throttle SET locked_until = $1 WHERE key = $2")
                .bind(now + lock)
                .bind(&key)
                .execute(&self.pool)
                .await?;
        }
        Ok(failures)
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_throttle WHERE key = $1")
            .bind(self.throttle_key(key))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ---- captchas ----

    /// Stores a captcha's answer hash for `ttl_ms`, then deletes the expired captchas and the oldest
    /// beyond [`MAX_LIVE_CAPTCHAS`] (the newest are kept; all live for the same time, so the oldest
    /// expire first). Captchas stored at the same moment by several servers may exceed the bound
    /// by their number until the next is stored.
    pub async fn store_captcha(&self, id: &str, answer_hash: &str, ttl_ms: i64) -> Result<()> {
        let now = now_millis();
        sqlx::query("INSERT INTO captchas (id, answer_hash, expires_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(answer_hash)
            .bind(now + ttl_ms)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "DELETE FROM captchas WHERE expires_at < $1
             OR id NOT IN (SELECT id FROM captchas ORDER BY expires_at DESC, id DESC LIMIT $2)",
        )
        .bind(now)
        .bind(MAX_LIVE_CAPTCHAS)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_is_recorded_after_a_tenth_of_the_idle_limit_at_most_a_minute() {
        assert_eq!(refresh_after(60_000), 6_000);
        assert_eq!(refresh_after(5 * 60_000), 30_000);
        assert_eq!(refresh_after(30 * 60_000), 60_000);
        assert_eq!(refresh_after(24 * 60 * 60_000), 60_000);
        assert_eq!(refresh_after(0), 0);
    }
}
