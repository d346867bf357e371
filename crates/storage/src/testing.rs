//! Test support shared by the storage, web and CLI test suites: the same scenarios run on every
//! backend that is available, each on a fresh database.
//!
//! SQLite always runs (a temporary file). PostgreSQL runs when `JIJIAO_TEST_POSTGRES_URL` names a
//! server (the test script sets it when 127.0.0.1:5432 answers); in CI (`CI=true`) its absence is
//! a failure, not a skip.

use sqlx::Executor;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{DatabaseTarget, Store, Vault};

pub const POSTGRES_ENV: &str = "JIJIAO_TEST_POSTGRES_URL";

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A database for one test; the temporary folder lives as long as this value.
pub struct TestDatabase {
    pub name: &'static str,
    pub target: DatabaseTarget,
    pub dir: tempfile::TempDir,
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
    TestDatabase { name: "sqlite", target, dir }
}

/// Creates `jijiao_test_<pid>_<n>` on the server named by `admin_url` and returns its URL.
pub async fn postgres(admin_url: &str) -> TestDatabase {
    sqlx::any::install_default_drivers();
    let name = format!("jijiao_test_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
    let admin = sqlx::AnyPool::connect(admin_url).await.expect("PostgreSQL answers");
    admin.execute(format!("DROP DATABASE IF EXISTS {name}").as_str()).await.expect("drop old test database");
    admin.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("create test database");
    admin.close().await;
    let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
    let target = DatabaseTarget::Postgres(format!("{base}/{name}"));
    TestDatabase { name: "postgres", target, dir: tempfile::tempdir().expect("temp dir") }
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
