//! Opening the database: which backend, the pool, migrations at start, health and backup.

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Connection, Executor};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::replica::{REPLICA_ACQUIRE_TIMEOUT, Replica};
use crate::vault::Vault;
use crate::{Backend, Result, StoreError};

/// How many times [`Store::write`] runs a transaction that fails on a lock conflict.
pub(crate) const WRITE_ATTEMPTS: u32 = 5;

/// The pause before running a transaction again: random (so the transactions that collided do not
/// collide again in step), and longer after each attempt: 5–25 ms after the first, up to 20–100 ms.
fn retry_pause(attempt: u32) -> Duration {
    let mut byte = [0u8; 1];
    getrandom::fill(&mut byte).expect("the OS random source works");
    let base = 5 * u64::from(attempt);
    Duration::from_millis(base + base * 4 * u64::from(byte[0]) / 255)
}

/// Creates `path` as a new, empty file that only its owner may read and write (0600 on Unix);
/// fails if it exists. Personal data is encrypted in the database, but the file also holds the
/// lookup hashes, the audit log and everything else: it is kept like the key file.
pub(crate) fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Creates the SQLite database file before SQLite does, so that it is the owner's only: SQLite
/// creates a database file readable by everyone (0644) but gives its WAL, shared-memory and journal
/// files the database file's own permissions. An existing file is left as the operator set it; one
/// that others may read is reported in the log.
fn private_database_file(path: &Path) -> Result<()> {
    match create_private(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
                if mode & 0o077 != 0 {
                    tracing::warn!(
                        path = %path.display(),
                        mode = format!("{mode:o}"),
                        "the SQLite database file can be read by other users; `chmod 600` it (and its -wal and -shm files)"
                    );
                }
            }
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// The SQLite file inside the data folder.
pub const SQLITE_FILE: &str = "jijiao.sqlite3";

/// How long a PostgreSQL connection may sit idle in the pool and still be lent without a ping:
/// long enough that a busy server never pings, short against the time a restart takes.
const PING_AFTER_IDLE: Duration = Duration::from_secs(5);

/// The connections of a PostgreSQL pool (the primary's, and the replica's if there is one) unless
/// configured otherwise (`JIJIAO_DATABASE_CONNECTIONS`, [`Store::open_with`]).
pub const DEFAULT_POSTGRES_CONNECTIONS: u32 = 16;

/// What every PostgreSQL connection of the store is set to when it opens. The store's statements
/// each take milliseconds, many at once: JIT compilation costs more than that (170 ms to inline
/// one catalogue count, whose declared-costly gram function puts its plan's cost past
/// `jit_above_cost`), and parallel workers are processes started per statement, competing with the
/// other users' statements for the same cores (a count of 王建国 in a subject: 23 ms alone,
/// 34 ms with two workers). At 32 users over 200,000 projects: 559–586 → 609–620 searches/s
/// (BENCHMARKS.md, issue 19, tenth session). Public so that a benchmark's floor runs with them.
pub const POSTGRES_CONNECTION_SETTINGS: &str = "SET jit = off; SET max_parallel_workers_per_gather = 0";

/// A PostgreSQL pool's options: `max_connections`, waiting at most `acquire_timeout` for one,
/// pinging a connection before lending it only when it sat idle for more than [`PING_AFTER_IDLE`]
/// (see [`Store::connect`]), and [`POSTGRES_CONNECTION_SETTINGS`].
fn postgres_pool_options(max_connections: u32, acquire_timeout: Duration) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(acquire_timeout)
        .test_before_acquire(false)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute(POSTGRES_CONNECTION_SETTINGS).await?;
                Ok(())
            })
        })
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > PING_AFTER_IDLE {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
}

/// What every SQLite connection of the store is set to when it opens (see [`Store::connect`] for
/// why each); public so that a benchmark measuring SQLite alone runs with the same settings.
pub const SQLITE_CONNECTION_SETTINGS: &str = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -16000; PRAGMA temp_store = MEMORY;";

/// Where the data lives: parsed from configuration before anything is opened, so a wrong
/// scheme is refused at start with a clear message.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    SqliteFile(PathBuf),
    /// An in-memory SQLite database, for tests; one connection, so every query sees the same data.
    SqliteMemory,
    Postgres(String),
}

impl std::fmt::Debug for DatabaseTarget {
    /// Never prints a PostgreSQL password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseTarget::SqliteFile(p) => write!(f, "SqliteFile({})", p.display()),
            DatabaseTarget::SqliteMemory => f.write_str("SqliteMemory"),
            DatabaseTarget::Postgres(url) => write!(f, "Postgres({})", redact_password(url)),
        }
    }
}

/// A database URL with its password (if any) replaced by `***`, for logs and messages.
pub fn redact_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl DatabaseTarget {
    /// `JIJIAO_DATABASE_URL` if set, else the SQLite file in the data folder.
    pub fn from_config(url: Option<&str>, data_dir: &Path) -> Result<Self> {
        let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(Self::SqliteFile(data_dir.join(SQLITE_FILE)));
        };
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(url.to_string()))
        } else if url == "sqlite::memory:" {
            Ok(Self::SqliteMemory)
        } else if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            let path = path.split('?').next().unwrap_or(path);
            Ok(Self::SqliteFile(PathBuf::from(path)))
        } else {
            Err(StoreError::UnsupportedScheme(url.to_string()))
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseTarget::Postgres(_) => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }
}

/// The storage interface. Cheap to clone (a pool handle); holds no state beyond the database,
/// so several app servers can share one PostgreSQL.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    /// Shared, not copied: the AES key schedule and the MAC keys are hundreds of bytes, and the store
    /// is cloned with every request's state.
    pub(crate) vault: Arc<Vault>,
    /// The read replica of the public's reads, if configured ([`Store::with_read_replica`]); only
    /// [`crate::PublicReads`] uses it.
    pub(crate) replica: Option<Arc<Replica>>,
}

impl Store {
    /// Opens the pool; does not migrate (see [`Store::migrate`]).
    pub async fn connect(target: &DatabaseTarget, vault: Vault) -> Result<Self> {
        Self::connect_with(target, vault, DEFAULT_POSTGRES_CONNECTIONS).await
    }

    /// The same, with a PostgreSQL pool of `postgres_connections` (SQLite's is its own, see below).
    /// A pool larger than the database server's cores can run at once only queues the statements
    /// in the server, where none waits its turn in order: at 32 users on the 2-core benchmark
    /// machine, 16 connections answered the catalogue at p99 64-69 ms where 6 answered as many
    /// searches at p99 44-51 ms (BENCHMARKS.md, issue 19, twelfth session).
    pub async fn connect_with(target: &DatabaseTarget, vault: Vault, postgres_connections: u32) -> Result<Self> {
        install_default_drivers();
        let backend = target.backend();
        let (url, max_connections) = match target {
            DatabaseTarget::SqliteFile(path) => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent)?;
                }
                private_database_file(path)?;
                (format!("sqlite://{}?mode=rwc", path.display()), 8)
            }
            DatabaseTarget::SqliteMemory => ("sqlite::memory:".to_string(), 1),
            DatabaseTarget::Postgres(url) => (url.clone(), postgres_connections.max(1)),
        };
        // No ping before lending a SQLite connection: it is a file opened in this process, it cannot
        // be broken by a network or a server restart, and the ping is a hand-over to the connection's
        // thread and back before every query: the record page at 32 users served 9% more requests
        // without it (BENCHMARKS.md, issue 4). On PostgreSQL the ping is a round trip to the server
        // before every query, doubling the round trips of a busy server; it is there to replace
        // connections a server restart or a dropped network broke, which only a connection that sat
        // idle can have missed unnoticed. So a PostgreSQL connection is pinged only when it has been
        // idle for more than [`PING_AFTER_IDLE`] (BENCHMARKS.md, issue 19).
        let mut options = if backend == Backend::Postgres {
            postgres_pool_options(max_connections, Duration::from_secs(10))
        } else {
            AnyPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .test_before_acquire(false)
        };
        if backend == Backend::Sqlite {
            // Set on every connection: foreign keys are per connection in SQLite, and a writer
            // waits for another instead of failing at once. Each connection caches 16 MB of pages
            // (SQLite's default is 2 MB): a catalogue page that visits thousands of rows made a
            // system call per page missed. Not a memory map: its pages count as the process's
            // memory once per connection that touched them (3.6 GB for the record page over the
            // 2.7 GB benchmark database), where this cache is bounded at 8 × 16 MB. Temporary
            // data in memory: a multi-row INSERT inside a transaction keeps a statement journal
            // (the pages it changed, to undo the statement alone), which otherwise went to a
            // temporary file with a write per page; an import spent a tenth of its save there.
            options = options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute(SQLITE_CONNECTION_SETTINGS).await?;
                    Ok(())
                })
            });
        }
        let pool = options.connect(&url).await?;
        if matches!(target, DatabaseTarget::SqliteFile(_)) {
            // WAL is a property of the file: readers do not block the writer.
            pool.execute("PRAGMA journal_mode = WAL").await?;
        }
        Ok(Self { pool, backend, vault: Arc::new(vault), replica: None })
    }

    /// The same store, with the public's reads ([`crate::PublicReads`]) from the PostgreSQL
    /// streaming replica at `url` (`JIJIAO_DATABASE_READ_URL`). The replica is connected to when
    /// first read from, so a server starts while its replica is down (and reads the primary until
    /// it is up, see [`crate::replica`]). Its pool is as large as the primary's, and waits for a
    /// connection only [`REPLICA_ACQUIRE_TIMEOUT`] before the read goes to the primary. Call it
    /// within the runtime (the pool starts its maintenance task).
    pub fn with_read_replica(mut self, url: &str) -> Result<Self> {
        let url = url.trim();
        if self.backend != Backend::Postgres {
            return Err(StoreError::Unsupported(
                "只读副本（JIJIAO_DATABASE_READ_URL）仅用于 PostgreSQL：请同时将 JIJIAO_DATABASE_URL 设为 PostgreSQL"
                    .into(),
            ));
        }
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(StoreError::Unsupported(format!(
                "只读副本地址“{}”无效：应以 postgres:// 开头",
                redact_password(url)
            )));
        }
        install_default_drivers();
        let pool = postgres_pool_options(self.pool_size(), REPLICA_ACQUIRE_TIMEOUT).connect_lazy(url)?;
        let store = Store { pool, backend: self.backend, vault: self.vault.clone(), replica: None };
        tracing::info!(replica = %redact_password(url), "public reads come from the read replica");
        self.replica = Some(Arc::new(Replica::new(store)));
        Ok(self)
    }

    /// Runs `body` with a transaction that writes; `body` commits it (a transaction dropped
    /// uncommitted, as on an early `Err`, rolls back). The one place write transactions begin.
    ///
    /// On SQLite the transaction takes the write lock at once (`BEGIN IMMEDIATE`): a deferred
    /// transaction that reads first and writes after another writer committed fails at once with
    /// SQLITE_BUSY (its snapshot is stale, so `busy_timeout` cannot help), whereas an immediate one
    /// waits for the lock like any other writer.
    ///
    /// On PostgreSQL transactions lock rows as they come to them, so two can wait for each other.
    /// The writes here lock in one order (the rows they decide on in id order, then the audit head:
    /// [`Store::decide_credits`]), and a transaction the server still ends as a deadlock or a
    /// serialisation failure (SQLSTATE 40P01, 40001: a collision the order does not cover) is run
    /// again from the start after a short random pause, up to [`WRITE_ATTEMPTS`] times in all; only
    /// then does the caller see it, as [`StoreError::Busy`]. `body` may therefore run more than
    /// once: it does nothing but its queries, and takes its inputs by reference.
    ///
    /// The transaction is handed over rather than lent, so that `body` is a plain closure returning
    /// a future (`|mut tx| async move { … }`): a closure lending it would need a higher-ranked
    /// bound, under which the compiler cannot prove the caller's future `Send` (which axum needs).
    pub(crate) async fn write<T, Attempt>(
        &self,
        mut body: impl FnMut(sqlx::Transaction<'static, sqlx::Any>) -> Attempt,
    ) -> Result<T>
    where
        Attempt: std::future::Future<Output = Result<T>>,
    {
        let mut attempt = 1;
        loop {
            let tx = self.pool.begin_with(self.backend.begin_write()).await?;
            match body(tx).await {
                Err(e) if e.is_lock_conflict() => {
                    if attempt == WRITE_ATTEMPTS {
                        tracing::warn!(error = %e, attempts = attempt, "a write transaction kept colliding with others");
                        return Err(StoreError::Busy);
                    }
                    tracing::debug!(error = %e, attempt, "a write transaction collided with another; running it again");
                    tokio::time::sleep(retry_pause(attempt)).await;
                    attempt += 1;
                }
                outcome => return outcome,
            }
        }
    }

    /// Serialises the write transactions that decide by counting what is there (the next
    /// application code, a district's quota): each waits for the others holding `key`
    /// ([`Backend::serialise`]).
    pub(crate) async fn serialise(&self, tx: &mut sqlx::AnyConnection, key: &str) -> Result<()> {
        if let Some(lock) = self.backend.serialise() {
            sqlx::query(lock).bind(key).fetch_one(tx).await?;
        }
        Ok(())
    }

    /// Runs the backend's migrations (idempotent); called at every start.
    pub async fn migrate(&self) -> Result<()> {
        crate::migrations::migrator(self.backend).run(&self.pool).await?;
        Ok(())
    }

    /// The most connections the store's pool opens.
    pub fn pool_size(&self) -> u32 {
        self.pool.options().get_max_connections()
    }

    /// Connect, migrate and load the reference data: what `serve` and `migrate` do at start. Servers
    /// starting at once on one database take turns ([`Self::exclusively`]): the first migrates
    /// and loads, the others find it done.
    pub async fn open(target: &DatabaseTarget, vault: Vault) -> Result<Self> {
        Self::open_with(target, vault, DEFAULT_POSTGRES_CONNECTIONS).await
    }

    /// [`Store::open`] with a PostgreSQL pool of `postgres_connections` ([`Store::connect_with`]).
    pub async fn open_with(target: &DatabaseTarget, vault: Vault, postgres_connections: u32) -> Result<Self> {
        let store = Self::connect_with(target, vault, postgres_connections).await?;
        store
            .exclusively(|| async {
                store.migrate().await?;
                store.load_reference_data().await
            })
            .await?;
        Ok(store)
    }

    /// Runs `work` while no other server of the database runs work under this lock: what a server
    /// does once at start (migrations, reference data, the demo world), which two servers started
    /// together must not do at the same time. On PostgreSQL the lock is held by one pooled
    /// connection for the whole of `work` and released after it, also when `work` fails; a
    /// connection whose release failed is closed, so that no later borrower holds the lock.
    pub async fn exclusively<T, E, F, Fut>(&self, work: F) -> std::result::Result<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = std::result::Result<T, E>>,
        E: From<StoreError>,
    {
        let Some((lock, unlock)) = self.backend.start_lock() else {
            return work().await;
        };
        let mut holder = self.pool.acquire().await.map_err(StoreError::from)?;
        sqlx::query(lock).fetch_one(&mut *holder).await.map_err(StoreError::from)?;
        let outcome = work().await;
        if let Err(e) = sqlx::query(unlock).fetch_one(&mut *holder).await {
            tracing::warn!(error = %e, "could not release the start lock; closing its connection");
            let _ = sqlx::Connection::close(holder.detach()).await;
        }
        outcome
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    /// A round trip to the database, for `/healthz`.
    pub async fn health(&self) -> Result<()> {
        let one: i64 = sqlx::query_scalar("SELECT CAST(1 AS BIGINT)").fetch_one(&self.pool).await?;
        debug_assert_eq!(one, 1);
        Ok(())
    }

    /// An online, consistent copy of the SQLite database (`VACUUM INTO`), safe while the server
    /// runs. PostgreSQL has its own tool for this.
    pub async fn backup(&self, destination: &Path) -> Result<()> {
        let Some(backup) = self.backend.backup() else {
            return Err(StoreError::Unsupported(
                "PostgreSQL 数据库请使用 pg_dump 备份，例如：pg_dump -Fc \"$JIJIAO_DATABASE_URL\" > jijiao.dump".into(),
            ));
        };
        if let Some(parent) = destination.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        // The copy holds what the database holds: created empty, readable by its owner only, and
        // then filled (`VACUUM INTO` accepts an empty file, and creates a new one world-readable).
        match create_private(destination) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(StoreError::Unsupported(format!("备份文件 {} 已存在，不会覆盖", destination.display())));
            }
            Err(e) => return Err(e.into()),
        }
        if let Err(e) = sqlx::query(backup).bind(destination.display().to_string()).execute(&self.pool).await {
            // Not left behind half-written, nor as an empty file a second attempt would refuse.
            let _ = std::fs::remove_file(destination);
            return Err(e.into());
        }
        Ok(())
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(&self.pool).await?)
    }

    pub async fn set_setting(&self, actor: &crate::Actor, key: &str, value: &str) -> Result<()> {
        let before = self.setting(key).await?;
        let before = &before;
        self.write(|mut tx| async move {
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
            let change = crate::Change {
                action: "setting.set",
                object_type: "setting",
                object_id: key.to_string(),
                before: before.clone().map(serde_json::Value::String),
                after: Some(serde_json::Value::String(value.to_string())),
                ..Default::default()
            };
            crate::audit::append(self, &mut tx, actor, &change).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    pub async fn close(&self) {
        self.pool.close().await;
        if let Some(replica) = &self.replica {
            replica.pool().close().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_from_configuration() {
        let data = Path::new("/var/lib/jijiao");
        assert_eq!(
            DatabaseTarget::from_config(None, data).unwrap(),
            DatabaseTarget::SqliteFile(data.join(SQLITE_FILE))
        );
        assert_eq!(
            DatabaseTarget::from_config(Some("postgres://u:p@h/db"), data).unwrap().backend(),
            Backend::Postgres
        );
        assert_eq!(
            DatabaseTarget::from_config(Some("sqlite:///tmp/x.db?mode=rwc"), data).unwrap(),
            DatabaseTarget::SqliteFile("/tmp/x.db".into())
        );
        let err = DatabaseTarget::from_config(Some("mysql://h/db"), data).unwrap_err();
        assert!(err.to_string().contains("mysql://h/db"));
        let shown = format!("{:?}", DatabaseTarget::Postgres("postgres://user:secret@host/db".into()));
        assert!(!shown.contains("secret") && shown.contains("user"));
    }

    /// The configured size is the PostgreSQL pool's, and its replica's (`JIJIAO_DATABASE_CONNECTIONS`);
    /// SQLite keeps its own (a file's writers take turns whatever the pool).
    #[tokio::test]
    async fn a_postgresql_pool_is_as_large_as_configured() {
        for db in crate::testing::databases().await {
            let store = Store::open_with(&db.target, crate::testing::test_vault(), 3).await.unwrap();
            let connections = store.pool_size();
            match store.backend {
                Backend::Postgres => {
                    assert_eq!(connections, 3);
                    let DatabaseTarget::Postgres(url) = &db.target else { unreachable!() };
                    let replica = store.clone().with_read_replica(url).unwrap();
                    assert_eq!(replica.replica.as_ref().unwrap().store.pool_size(), 3, "the replica's pool");
                }
                Backend::Sqlite => assert_eq!(connections, 8, "{}", db.name),
            }
            assert_eq!(
                Store::open(&db.target, crate::testing::test_vault()).await.unwrap().pool_size(),
                if store.backend == Backend::Postgres { DEFAULT_POSTGRES_CONNECTIONS } else { 8 }
            );
            store.close().await;
        }
    }

    /// How many times `write` ran a body that inserts the setting `key` and then, while
    /// `collide(attempt)`, raises `sqlstate` (PostgreSQL only) inside the transaction; and its result.
    async fn attempts_to_write(
        store: &Store,
        key: &str,
        sqlstate: &str,
        collide: impl Fn(u32) -> bool,
    ) -> (u32, Result<u32>) {
        let attempts = std::sync::atomic::AtomicU32::new(0);
        let raise = format!("DO $$ BEGIN RAISE EXCEPTION 'collision' USING ERRCODE = '{sqlstate}'; END $$");
        let (attempts_ref, raise, collide) = (&attempts, &raise, &collide);
        let outcome = store
            .write(|mut tx| async move {
                let attempt = attempts_ref.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2)")
                    .bind(key)
                    .bind(attempt.to_string())
                    .execute(&mut *tx)
                    .await?;
                if collide(attempt) {
                    tx.execute(raise.as_str()).await?;
                }
                tx.commit().await?;
                Ok(attempt)
            })
            .await;
        (attempts.into_inner(), outcome)
    }

    /// A transaction PostgreSQL ends as a deadlock runs again, from the start (what the failed
    /// attempt wrote is gone), and one that keeps failing gives up after `WRITE_ATTEMPTS` as
    /// `Busy`. The collisions are raised by SQLSTATE, so the test needs no timing; the concurrent
    /// decisions of `tests/concurrency.rs` collide for real.
    #[tokio::test]
    async fn a_write_that_collides_runs_again_a_bounded_number_of_times() {
        for db in crate::testing::databases().await {
            let store = db.open().await;
            // Any other error ends the transaction at once: a duplicate key, on every backend.
            store.set_setting(&crate::Actor::system("测试"), "taken", "1").await.unwrap();
            let (attempts, outcome) = attempts_to_write(&store, "taken", "40P01", |_| true).await;
            assert!(matches!(outcome, Err(StoreError::Conflict(_))), "{}: {outcome:?}", db.name);
            assert_eq!(attempts, 1, "{}", db.name);
            // SQLite's write transactions never collide: each holds the one write lock from its start.
            if store.backend == Backend::Postgres {
                let (attempts, outcome) = attempts_to_write(&store, "deadlocked once", "40P01", |n| n == 1).await;
                assert_eq!((attempts, outcome.unwrap()), (2, 2));
                assert_eq!(
                    store.setting("deadlocked once").await.unwrap().as_deref(),
                    Some("2"),
                    "attempt 1 rolled back"
                );

                let (attempts, outcome) = attempts_to_write(&store, "never serialisable", "40001", |_| true).await;
                assert!(matches!(outcome, Err(StoreError::Busy)), "{outcome:?}");
                assert_eq!(attempts, WRITE_ATTEMPTS);
                assert_eq!(store.setting("never serialisable").await.unwrap(), None);
            }
            store.close().await;
        }
    }
}
