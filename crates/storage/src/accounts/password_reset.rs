//! The codes of the password self-service (issue 18 point 16), kept in the database so that any
//! server checks a code another one sent: a keyed hash of each code, its expiry and tries, and the
//! limits counted from the rows (per account and per requesting address, an hour).
//!
//! Which account asks, what the code is and how it travels are decided above (`jijiao_app`); here
//! every decision that counts rows is taken under a lock, so two servers cannot both let a fifth
//! try or a fourth code through. Issuing takes the lock of all issuing, then the account's; using
//! a code only the account's: one order, no deadlock.

use sqlx::Row;

use super::AccountId;
use crate::audit::{Actor, Change, append};
use crate::{Result, Store, now_millis};

/// Tries a code allows; then a new code is needed.
pub const RESET_CODE_TRIES: i64 = 5;

/// How far back the limits count the codes issued (and how long their rows are kept).
const LIMIT_WINDOW_MS: i64 = 60 * 60 * 1000;

/// What the limits allow an hour: codes per account, codes per requesting address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResetCodeLimits {
    pub per_account: i64,
    pub per_address: i64,
    /// How long a code is good for.
    pub valid_ms: i64,
}

/// Whether a code was issued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeIssue {
    Issued,
    /// The account had its codes for the hour.
    AccountLimit,
    /// The address had its codes for the hour.
    AddressLimit,
}

/// What a code typed in did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeUse {
    /// The password changed, every session ended, the code is spent.
    Reset,
    /// Not the code: one try fewer.
    Wrong,
    /// No code to try: none issued, expired, ended by a newer one, or out of tries.
    NoLiveCode,
}

impl Store {
    fn reset_code_hash(&self, account: AccountId, code: &str) -> String {
        self.vault.lookup_hash(&format!("password_reset_code:{}:{}", account.0, code.trim()))
    }

    fn reset_address_hash(&self, address: &str) -> String {
        self.vault.lookup_hash(&format!("password_reset_address:{address}"))
    }

    /// Issues `code` to `account` for a request from `address`, unless a limit refuses it; a new
    /// code ends the account's earlier ones. Rows older than the limits' hour are deleted as it goes.
    /// Recorded in the audit log (who asked from where; never the code).
    pub async fn issue_password_reset_code(
        &self,
        actor: &Actor,
        account: AccountId,
        code: &str,
        address: &str,
        limits: ResetCodeLimits,
    ) -> Result<CodeIssue> {
        let (province, org) = self.account_scope(account).await?;
        let hash = self.reset_code_hash(account, code);
        let address = self.reset_address_hash(address);
        let (province, hash, address) = (&province, &hash, &address);
        self.write(|mut tx| async move {
            self.serialise(&mut tx, "password-reset").await?;
            self.serialise(&mut tx, &format!("password-reset:{}", account.0)).await?;
            let now = now_millis();
            sqlx::query("DELETE FROM password_reset_codes WHERE created_at < $1")
                .bind(now - LIMIT_WINDOW_MS)
                .execute(&mut *tx)
                .await?;
            let of_account: i64 = sqlx::query_scalar(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM password_reset_codes WHERE account_id = $1 AND created_at >= $2",
            )
            .bind(account.0)
            .bind(now - LIMIT_WINDOW_MS)
            .fetch_one(&mut *tx)
            .await?;
            if of_account >= limits.per_account {
                return Ok(CodeIssue::AccountLimit);
            }
            let of_address: i64 = sqlx::query_scalar(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM password_reset_codes WHERE address_hash = $1 AND created_at >= $2",
            )
            .bind(address)
            .bind(now - LIMIT_WINDOW_MS)
            .fetch_one(&mut *tx)
            .await?;
            if of_address >= limits.per_address {
                return Ok(CodeIssue::AddressLimit);
            }
            sqlx::query("UPDATE password_reset_codes SET ended_at = $2 WHERE account_id = $1 AND ended_at IS NULL")
                .bind(account.0)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO password_reset_codes (account_id, code_hash, address_hash, created_at, expires_at, tries)
                 VALUES ($1, $2, $3, $4, $5, 0)",
            )
            .bind(account.0)
            .bind(hash)
            .bind(address)
            .bind(now)
            .bind(now + limits.valid_ms)
            .execute(&mut *tx)
            .await?;
            let change = Change {
                action: "account.password_reset_code",
                object_type: "account",
                object_id: account.0.to_string(),
                province_code: province.clone(),
                org_id: org,
                before: None,
                after: Some(serde_json::json!({ "expires_at": now + limits.valid_ms })),
            };
            append(self, &mut tx, actor, &change).await?;
            tx.commit().await?;
            Ok(CodeIssue::Issued)
        })
        .await
    }

    /// Tries `code` against the account's live code: a wrong one costs a try; the right one sets
    /// the new password (the account chose it: nothing to change at the next login), ends the
    /// code and every session of the account, and is recorded in the audit log, all in one
    /// transaction.
    pub async fn reset_password_with_code(
        &self,
        actor: &Actor,
        account: AccountId,
        code: &str,
        password_hash: &str,
    ) -> Result<CodeUse> {
        let (province, org) = self.account_scope(account).await?;
        let hash = self.reset_code_hash(account, code);
        let (province, hash) = (&province, &hash);
        self.write(|mut tx| async move {
            self.serialise(&mut tx, &format!("password-reset:{}", account.0)).await?;
            let now = now_millis();
            let live = sqlx::query(
                "SELECT id, code_hash FROM password_reset_codes
                 WHERE account_id = $1 AND ended_at IS NULL AND expires_at > $2 AND tries < $3 ORDER BY id DESC LIMIT 1",
            )
            .bind(account.0)
            .bind(now)
            .bind(RESET_CODE_TRIES)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(live) = live else { return Ok(CodeUse::NoLiveCode) };
            let id: i64 = live.try_get("id")?;
            if live.try_get::<String, _>("code_hash")? != *hash {
                sqlx::query("UPDATE password_reset_codes SET tries = tries + 1 WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                return Ok(CodeUse::Wrong);
            }
            sqlx::query(
                "UPDATE accounts SET password_hash = $1, must_change_password = 0, updated_at = $2 WHERE id = $3",
            )
            .bind(password_hash)
            .bind(now)
            .bind(account.0)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE password_reset_codes SET ended_at = $2 WHERE account_id = $1 AND ended_at IS NULL")
                .bind(account.0)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE account_id = $1").bind(account.0).execute(&mut *tx).await?;
            let change = Change {
                action: "account.password_reset_by_code",
                object_type: "account",
                object_id: account.0.to_string(),
                province_code: province.clone(),
                org_id: org,
                before: None,
                after: Some(serde_json::json!({ "must_change_password": false, "sessions_ended": true })),
            };
            append(self, &mut tx, actor, &change).await?;
            tx.commit().await?;
            Ok(CodeUse::Reset)
        })
        .await
    }
}
