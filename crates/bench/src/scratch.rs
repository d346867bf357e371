//! A scratch PostgreSQL database for one benchmark run, named by the caller's prefix, so that a
//! benchmark's database is never one `scripts/test` drops at its start (`jijiao_test_*`) while the
//! benchmark still runs, and whoever runs it can tell their databases apart. It is dropped (forcing
//! off any connection still open) when the value is dropped, as the test databases are: a
//! benchmark's database can take gigabytes.

use sqlx::{Connection, Executor};

/// A fresh, empty database on a PostgreSQL server; dropped with this value.
pub struct ScratchDatabase {
    /// The database's own URL (the admin URL with its database name replaced).
    pub url: String,
    admin_url: String,
    name: String,
}

impl ScratchDatabase {
    /// Creates `<prefix>_<what>_<pid>` on the server of `admin_url` (any database the user may
    /// connect to, e.g. `postgres://postgres@127.0.0.1:5432/postgres`), dropping a leftover of
    /// that name first.
    pub async fn create(admin_url: &str, prefix: &str, what: &str) -> anyhow::Result<Self> {
        let name = format!("{prefix}_{what}_{}", std::process::id());
        anyhow::ensure!(
            name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "a database name of lower-case letters, digits and _: {name}"
        );
        let mut admin = sqlx::PgConnection::connect(admin_url).await?;
        admin.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await?;
        admin.execute(format!("CREATE DATABASE {name}").as_str()).await?;
        admin.close().await?;
        let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
        Ok(ScratchDatabase { url: format!("{base}/{name}"), admin_url: admin_url.to_string(), name })
    }
}

impl Drop for ScratchDatabase {
    /// `drop` may run inside the benchmark's runtime, which cannot be blocked on, so a thread with
    /// a runtime of its own drops the database.
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let statement = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let mut admin = sqlx::PgConnection::connect(&admin_url).await.ok()?;
                let done = admin.execute(statement.as_str()).await.ok();
                let _ = admin.close().await;
                done
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(_))) {
            eprintln!("未能删除基准数据库 {}，请手动删除", self.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Made under the prefix, empty and reachable; gone once the value is dropped.
    #[tokio::test]
    async fn a_scratch_database_is_made_and_dropped() {
        let Some(admin) = std::env::var("JIJIAO_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty()) else {
            let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
            assert!(!ci, "CI=true 时必须在 PostgreSQL 上运行：请设置 JIJIAO_TEST_POSTGRES_URL");
            return;
        };
        let exists = async |name: &str| -> i64 {
            let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
            sqlx::query_scalar("SELECT COUNT(*) FROM pg_database WHERE datname = $1")
                .bind(name)
                .fetch_one(&mut conn)
                .await
                .unwrap()
        };
        let db = ScratchDatabase::create(&admin, "jijiao_test_scratch", "unit").await.unwrap();
        let name = format!("jijiao_test_scratch_unit_{}", std::process::id());
        assert!(db.url.ends_with(&format!("/{name}")), "{}", db.url);
        assert_eq!(exists(&name).await, 1);
        // A connection still open, as when a benchmark fails half-way: the drop forces it off.
        let mut open = sqlx::PgConnection::connect(&db.url).await.unwrap();
        let tables: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'")
            .fetch_one(&mut open)
            .await
            .unwrap();
        assert_eq!(tables, 0, "a fresh database is empty");
        drop(db);
        assert_eq!(exists(&name).await, 0, "{name} is left behind");
        assert!(
            ScratchDatabase::create(&admin, "Bad-Prefix", "unit").await.is_err(),
            "a name needing quotes is refused"
        );
    }
}
