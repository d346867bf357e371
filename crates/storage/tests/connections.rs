//! The pool's connections to PostgreSQL outlive what breaks them: the store pings a connection only
//! after it sat idle (not before every query, which doubled the round trips of a busy server), so a
//! connection the server ended while it was idle — a restart, an administrator, a dropped network —
//! must still be noticed and replaced before a query is sent over it.

use jijiao_storage::DatabaseTarget;
use jijiao_storage::testing::{POSTGRES_ENV, databases};
use sqlx::Executor;

#[tokio::test]
async fn a_connection_ended_while_idle_is_replaced_before_the_next_query() {
    for db in databases().await {
        let DatabaseTarget::Postgres(url) = &db.target else { continue };
        let database = url.rsplit('/').next().expect("a database name").to_string();
        let admin_url = std::env::var(POSTGRES_ENV).expect("the PostgreSQL server of the tests");
        let store = db.open().await;
        assert_eq!(store.max_person_id().await.expect("first read"), 0);

        // The server ends every connection of the test database, as a restart would.
        let admin = sqlx::AnyPool::connect(&admin_url).await.expect("PostgreSQL answers");
        let ended = format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()"
        );
        admin.execute(ended.as_str()).await.expect("terminate the store's connections");
        admin.close().await;

        // Longer than the store lets a connection idle without a ping.
        tokio::time::sleep(std::time::Duration::from_secs(6)).await;
        for _ in 0..3 {
            assert_eq!(store.max_person_id().await.expect("a read after the connections were ended"), 0);
        }
        store.close().await;
    }
}

/// Every PostgreSQL connection of the store runs without JIT and parallel workers
/// (`POSTGRES_CONNECTION_SETTINGS`).
#[tokio::test]
async fn postgres_connections_plan_without_jit_or_parallel_workers() {
    for db in databases().await {
        let DatabaseTarget::Postgres(_) = &db.target else { continue };
        let store = db.open().await;
        for _ in 0..2 {
            assert_eq!(store.postgres_setting_for_tests("jit").await.unwrap(), "off");
            assert_eq!(store.postgres_setting_for_tests("max_parallel_workers_per_gather").await.unwrap(), "0");
        }
        store.close().await;
    }
}
