//! The two migration folders, embedded in the binary, and the rule that keeps them in step: a
//! version number names one change, with the same name in `migrations/sqlite` and
//! `migrations/postgres` (a file that does nothing on one backend says why, e.g. PostgreSQL's 0008).
//!
//! How sqlx treats a database that has applied fewer versions than the folder holds (checked by the
//! tests below): at every start it applies each version it has not recorded, in order of version,
//! whether or not a higher one was applied before, and refuses to start if a recorded version's
//! file changed (its checksum) or disappeared. So an applied migration is never edited, not even its
//! comments, and a version added to one folder only is added to the other in the same change.

use sqlx::migrate::Migrator;

use crate::Backend;

static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

/// The backend's migrations.
pub(crate) fn migrator(backend: Backend) -> &'static Migrator {
    match backend {
        Backend::Sqlite => &SQLITE,
        Backend::Postgres => &POSTGRES,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Store, testing};
    use sqlx::migrate::{Migration, MigrationType};

    fn versions_and_names(migrator: &Migrator) -> Vec<(i64, String)> {
        migrator.iter().map(|m| (m.version, m.description.to_string())).collect()
    }

    /// Every number means the same change on both backends: the same versions, in the same order,
    /// with the same names, in both folders.
    #[test]
    fn both_folders_hold_the_same_numbers_and_names() {
        let sqlite = versions_and_names(migrator(Backend::Sqlite));
        let postgres = versions_and_names(migrator(Backend::Postgres));
        assert_eq!(sqlite, postgres);
        // The embedded lists are the folders' files (a file the macro did not see would be missed).
        for (backend, folder) in [(Backend::Sqlite, "sqlite"), (Backend::Postgres, "postgres")] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(folder);
            let mut files: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            files.sort();
            let embedded: Vec<String> = migrator(backend)
                .iter()
                .map(|m| format!("{:04}_{}.sql", m.version, m.description.replace(' ', "_")))
                .collect();
            assert_eq!(files, embedded, "{folder}");
        }
        // Numbered from 1 without a gap.
        assert!(sqlite.iter().enumerate().all(|(i, (version, _))| *version == i as i64 + 1), "{sqlite:?}");
    }

    /// The versions a database has recorded as applied, in order.
    async fn applied(store: &Store) -> Vec<i64> {
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(&store.pool)
            .await
            .unwrap()
    }

    /// A database from before the newest migration (an existing PostgreSQL database that has 0001–0007
    /// but not the 0008 added later) migrates at the next start; and a version missing below one
    /// already applied is applied too, so a number added late to one folder reaches every database.
    #[tokio::test]
    async fn an_existing_database_takes_the_versions_it_lacks() {
        let (older, skipping) = (testing::databases().await, testing::databases().await);
        for (older, skipping) in older.iter().zip(&skipping) {
            let store = Store::connect(&older.target, testing::test_vault()).await.unwrap();
            let all = migrator(store.backend);
            let newest = all.iter().map(|m| m.version).max().unwrap();
            let before_newest = || all.iter().filter(|m| m.version < newest).cloned().collect::<Vec<_>>();
            let before = Migrator { migrations: before_newest().into(), ..Migrator::DEFAULT };
            before.run(&store.pool).await.unwrap();
            assert_eq!(applied(&store).await, (1..newest).collect::<Vec<_>>(), "{}", older.name);
            store.migrate().await.unwrap();
            assert_eq!(applied(&store).await, (1..=newest).collect::<Vec<_>>(), "{}", older.name);
            store.close().await;

            // Below one applied: the database has every version but `newest`, and one after it.
            let store = Store::connect(&skipping.target, testing::test_vault()).await.unwrap();
            let later = Migration::new(
                newest + 1,
                "later change".into(),
                MigrationType::Simple,
                "CREATE TABLE later_change (id BIGINT)".into(),
                false,
            );
            let mut skipped = before_newest();
            skipped.push(later.clone());
            Migrator { migrations: skipped.into(), ..Migrator::DEFAULT }.run(&store.pool).await.unwrap();
            let mut every: Vec<Migration> = all.iter().cloned().collect();
            every.push(later);
            Migrator { migrations: every.into(), ..Migrator::DEFAULT }.run(&store.pool).await.unwrap();
            assert_eq!(applied(&store).await, (1..=newest + 1).collect::<Vec<_>>(), "{}", skipping.name);
            store.close().await;
        }
    }

    /// Issue 19: servers started at once on an empty PostgreSQL database (a deployment of N
    /// servers, all restarted by one command) migrate it once and load the reference data once,
    /// and every one of them starts.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn servers_starting_at_once_on_an_empty_database_migrate_it_once() {
        let Some(admin_url) = std::env::var(testing::POSTGRES_ENV).ok().filter(|u| !u.is_empty()) else {
            eprintln!("跳过：未设置 {}", testing::POSTGRES_ENV);
            return;
        };
        for round in 0..3 {
            let db = testing::postgres(&admin_url).await;
            let starts: Vec<_> = (0..4)
                .map(|_| {
                    let target = db.target.clone();
                    tokio::spawn(async move { Store::open(&target, testing::test_vault()).await })
                })
                .collect();
            let mut stores = Vec::new();
            for start in starts {
                stores.push(
                    start.await.unwrap().unwrap_or_else(|e| panic!("round {round}: a server did not start: {e}")),
                );
            }
            let store = &stores[0];
            let all: Vec<i64> = migrator(Backend::Postgres).iter().map(|m| m.version).collect();
            let rows: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
                .fetch_all(&store.pool)
                .await
                .unwrap();
            assert_eq!(rows, all, "round {round}: each migration applied once");
            let provinces: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM provinces")
                .fetch_one(&store.pool)
                .await
                .unwrap();
            assert_eq!(provinces as usize, jijiao_domain::province::PROVINCES.len(), "round {round}");
            for store in stores {
                store.close().await;
            }
        }
    }
}
