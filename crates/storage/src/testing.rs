//! Test support shared by the storage, web and CLI test suites: the same scenarios run on every
//! backend that is available, each on a fresh database, and the few ways into the database that
//! only a test may take (ageing a session, tampering with the audit log, reading a raw row).
//!
//! Compiled only with the `testing` feature (and in this crate's own unit tests), so a production
//! build holds neither tempfile nor a method that runs raw SQL.
//!
//! SQLite always runs (a temporary file). PostgreSQL runs when `JIJIAO_TEST_POSTGRES_URL` names a
//! server (the test script sets it when 127.0.0.1:5432 answers); in CI (`CI=true`) its absence is
//! a failure, not a skip.

use sqlx::{Executor, Row};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{DatabaseTarget, PersonId, Result, Store, Vault};

pub const POSTGRES_ENV: &str = "JIJIAO_TEST_POSTGRES_URL";

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A database for one test; it lives as long as this value: the temporary folder (SQLite) and the
/// PostgreSQL database are removed when it is dropped, so keep it while its store is in use.
pub struct TestDatabase {
    pub name: &'static str,
    pub target: DatabaseTarget,
    pub dir: tempfile::TempDir,
    /// The server that made the PostgreSQL database, which drops it again.
    admin_url: Option<String>,
}

impl Drop for TestDatabase {
    /// Drops the PostgreSQL database (a catalogue benchmark's is 600 MB), forcing off any
    /// connection still open. `drop` may run inside the tests' runtime, which cannot be blocked
    /// on, so a thread with a runtime of its own does it. A failure only leaves the database for
    /// `scripts/test` to drop at its next start.
    fn drop(&mut self) {
        let (Some(admin_url), DatabaseTarget::Postgres(url)) = (self.admin_url.take(), &self.target) else {
            return;
        };
        let Some((_, name)) = url.rsplit_once('/') else { return };
        let drop_database = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let admin = sqlx::AnyPool::connect(&admin_url).await.ok()?;
                let done = admin.execute(drop_database.as_str()).await.ok();
                admin.close().await;
                done
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(_))) {
            eprintln!("未能删除测试数据库 {name}（scripts/test 下次启动时会删除）");
        }
    }
}

impl TestDatabase {
    /// Connected, migrated, reference data loaded, with a fixed test key.
    pub async fn open(&self) -> Store {
        Store::open(&self.target, test_vault()).await.expect("test database opens")
    }
}

pub fn test_vault() -> Vault {
    Vault::from_master_key(&[42; 32])
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Runs `scenario` on a fresh store of every backend, with the backend's name for messages.
pub async fn each_backend<F, Fut>(scenario: F)
where
    F: Fn(Store, &'static str) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for db in databases().await {
        let store = db.open().await;
        scenario(store.clone(), db.name).await;
        store.close().await;
    }
}

/// Every backend to run a scenario on, each a fresh database.
pub async fn databases() -> Vec<TestDatabase> {
    let mut out = vec![sqlite().await];
    match std::env::var(POSTGRES_ENV).ok().filter(|u| !u.is_empty()) {
        Some(admin_url) => out.push(postgres(&admin_url).await),
        None if in_ci() => panic!("CI=true 时必须在 PostgreSQL 上运行：请设置 {POSTGRES_ENV}"),
        None => eprintln!("跳过 PostgreSQL：未设置 {POSTGRES_ENV}"),
    }
    out
}

pub async fn sqlite() -> TestDatabase {
    let dir = tempfile::tempdir().expect("temp dir");
    let target = DatabaseTarget::SqliteFile(dir.path().join("test.sqlite3"));
    TestDatabase { name: "sqlite", target, dir, admin_url: None }
}

/// Creates `jijiao_test_<pid>_<n>` on the server named by `admin_url`; dropped with the value.
pub async fn postgres(admin_url: &str) -> TestDatabase {
    sqlx::any::install_default_drivers();
    let name = format!("jijiao_test_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
    let admin = sqlx::AnyPool::connect(admin_url).await.expect("PostgreSQL answers");
    admin.execute(format!("DROP DATABASE IF EXISTS {name}").as_str()).await.expect("drop old test database");
    admin.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("create test database");
    admin.close().await;
    let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
    let target = DatabaseTarget::Postgres(format!("{base}/{name}"));
    TestDatabase {
        name: "postgres",
        target,
        dir: tempfile::tempdir().expect("temp dir"),
        admin_url: Some(admin_url.to_string()),
    }
}

/// A CME-qualified hospital of `province` in good standing: the unit most tests need.
pub fn hospital(name: &str, province: &str) -> crate::NewOrganisation {
    use jijiao_domain::org::{InspectionResult, OrgKind, UnitType};
    crate::NewOrganisation {
        kind: OrgKind::Unit,
        name: name.into(),
        parent_id: None,
        province_code: Some(province.into()),
        unit_type: Some(UnitType::Hospital),
        grassroots: false,
        cme_qualified: true,
        remote_qualified: false,
        inspection: InspectionResult::Passed,
    }
}

impl Store {
    /// Moves a session's last activity into the past (tests of expiry).
    pub async fn age_session_for_tests(&self, token: &str, by_ms: i64) -> Result<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - $1 WHERE token_hash = $2")
            .bind(by_ms)
            .bind(Vault::token_hash(token))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A PostgreSQL setting as the store's connections see it (`current_setting`).
    pub async fn postgres_setting_for_tests(&self, name: &str) -> Result<String> {
        Ok(sqlx::query_scalar("SELECT current_setting($1)").bind(name).fetch_one(&self.pool).await?)
    }

    /// How many times `table` was vacuumed, by anyone (PostgreSQL's `pg_stat_user_tables`).
    pub async fn postgres_vacuums_for_tests(&self, table: &str) -> Result<i64> {
        let sql = "SELECT vacuum_count + autovacuum_count FROM pg_stat_user_tables WHERE relname = $1";
        Ok(sqlx::query_scalar(sql).bind(table).fetch_one(&self.pool).await?)
    }

    /// Sets a token's expiry (tests of expired tokens).
    pub async fn expire_api_token_for_tests(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE api_tokens SET expires_at = 0 WHERE id = $1").bind(id).execute(&self.pool).await?;
        Ok(())
    }

    /// Runs raw SQL against the log, as an attacker with database access could (tests only).
    pub async fn tamper_audit_for_tests(&self, sql: &str) -> Result<()> {
        self.execute_for_tests(sql).await
    }

    /// Runs one raw SQL statement (a migration's, in the tests of what it fills).
    pub async fn execute_for_tests(&self, sql: &str) -> Result<()> {
        sqlx::query(sql).execute(&self.pool).await?;
        Ok(())
    }

    /// Every row of the failed-login counts, its columns joined as text, so tests can prove that
    /// no username or address is kept in clear.
    pub async fn raw_login_throttle_rows_for_tests(&self) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT key, failures, last_failure_at, locked_until FROM login_throttle ORDER BY key")
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::new();
        for row in rows {
            let key: String = row.try_get("key")?;
            let numbers: [i64; 3] =
                [row.try_get("failures")?, row.try_get("last_failure_at")?, row.try_get("locked_until")?];
            out.push(format!("{key}|{}|{}|{}", numbers[0], numbers[1], numbers[2]));
        }
        Ok(out)
    }

    /// The callers of the stored rate-limit windows as stored, to prove none is kept in clear.
    pub async fn rate_limit_callers_for_tests(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT caller FROM rate_limits ORDER BY caller").fetch_all(&self.pool).await?)
    }

    /// How many captchas are stored, expired ones included.
    pub async fn captcha_rows_for_tests(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM captchas").fetch_one(&self.pool).await?)
    }

    /// Every stored column of a person's row as text, so tests can prove nothing is in clear.
    /// The stored (encrypted) secrets of the certificate keys, to check none is kept in clear.
    pub async fn certificate_key_secrets_for_tests(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT secret_enc FROM certificate_keys").fetch_all(&self.pool).await?)
    }

    pub async fn raw_person_row_for_tests(&self, id: PersonId) -> Result<String> {
        let row = sqlx::query(
            "SELECT name, id_number_enc, id_number_hash, birth_date, phone_enc, phone_hash FROM people WHERE id = $1",
        )
        .bind(id.0)
        .fetch_one(&self.pool)
        .await?;
        let mut out = Vec::new();
        for column in ["name", "id_number_enc", "id_number_hash", "birth_date", "phone_enc", "phone_hash"] {
            out.push(row.try_get::<Option<String>, _>(column)?.unwrap_or_default());
        }
        Ok(out.join("|"))
    }

    /// An application's stored document and personal-data columns as text, so tests can prove
    /// that the phones and the ID number are not kept in clear (issue 18 point 14).
    pub async fn raw_application_row_for_tests(&self, id: i64) -> Result<String> {
        let columns = ["document", "leader_id_number_enc", "leader_phone_enc", "contact_phone_enc"];
        let row = sqlx::query(&format!("SELECT {} FROM applications WHERE id = $1", columns.join(", ")))
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        let mut out = Vec::new();
        for column in columns {
            out.push(row.try_get::<Option<String>, _>(column)?.unwrap_or_default());
        }
        Ok(out.join("|"))
    }

    /// The stored reset codes of an account: (code hash, expires_at, tries, ended_at), oldest first.
    pub async fn password_reset_codes_for_tests(&self, account: crate::AccountId) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT code_hash, expires_at, tries, ended_at FROM password_reset_codes WHERE account_id = $1 ORDER BY id",
        )
        .bind(account.0)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for row in rows {
            let hash: String = row.try_get("code_hash")?;
            let numbers: [i64; 2] = [row.try_get("expires_at")?, row.try_get("tries")?];
            let ended: Option<i64> = row.try_get("ended_at")?;
            out.push(format!(
                "{hash}|{}|{}|{}",
                numbers[0],
                numbers[1],
                ended.map(|e| e.to_string()).unwrap_or_default()
            ));
        }
        Ok(out)
    }

    /// Moves every reset code of an account past its expiry (tests of expired codes).
    pub async fn expire_password_reset_codes_for_tests(&self, account: crate::AccountId) -> Result<()> {
        sqlx::query("UPDATE password_reset_codes SET expires_at = 0 WHERE account_id = $1")
            .bind(account.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_postgres_test_database_is_dropped_with_its_value() {
        let Some(admin_url) = std::env::var(POSTGRES_ENV).ok().filter(|u| !u.is_empty()) else {
            assert!(!in_ci(), "CI=true 时必须在 PostgreSQL 上运行：请设置 {POSTGRES_ENV}");
            return;
        };
        let exists = async |name: &str| -> bool {
            let admin = sqlx::AnyPool::connect(&admin_url).await.unwrap();
            let n: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM pg_database WHERE datname = $1")
                .bind(name)
                .fetch_one(&admin)
                .await
                .unwrap();
            admin.close().await;
            n == 1
        };
        let db = postgres(&admin_url).await;
        let DatabaseTarget::Postgres(url) = &db.target else { panic!("a PostgreSQL target") };
        let name = url.rsplit_once('/').unwrap().1.to_string();
        // A store still connected to it, as when a test fails half-way: the drop forces it off.
        let store = db.open().await;
        assert!(exists(&name).await);
        drop(db);
        assert!(!exists(&name).await, "{name} is left behind");
        store.close().await;
    }
}
