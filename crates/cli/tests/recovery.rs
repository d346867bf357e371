//! Recovery (issue 14, "Keep it so"): a backup taken while writes run restores to a database that
//! passes `jijiao audit verify` and holds every record committed before the backup began, on both
//! backends, by the procedure README.md gives: `jijiao backup FILE` and a copy of the file into a
//! fresh data folder for SQLite; `pg_dump -Fc` and `pg_restore` into a fresh database for PostgreSQL.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use jijiao_storage::testing::{self, TestDatabase, hospital};
use jijiao_storage::{Actor, DatabaseTarget, Store};
use tokio::sync::Mutex;

/// The key of `testing::test_vault` (32 bytes of 42), as the `jijiao` binary reads it.
const TEST_KEY: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";

/// Runs the `jijiao` binary against `target`: (exit code, everything printed).
fn jijiao(target: &DatabaseTarget, args: &[&str]) -> (i32, String) {
    let url = match target {
        DatabaseTarget::SqliteFile(path) => format!("sqlite://{}", path.display()),
        DatabaseTarget::Postgres(url) => url.clone(),
        DatabaseTarget::SqliteMemory => unreachable!("the recovery test uses files"),
    };
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jijiao"))
        .args(args)
        .env("JIJIAO_DATABASE_URL", url)
        .env("JIJIAO_ENCRYPTION_KEY", TEST_KEY)
        .env_remove("JIJIAO_CONFIG")
        .output()
        .expect("jijiao runs");
    let printed = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), printed)
}

fn run_tool(program: &str, args: &[&str]) {
    let out = std::process::Command::new(program).args(args).output().unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Writes audited records (one organisation each) until told to stop; returns the names committed,
/// in order. A name is pushed only once its transaction has committed.
fn start_writer(
    store: Store,
    stop: Arc<AtomicBool>,
    committed: Arc<Mutex<Vec<String>>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let actor = Actor::system("恢复测试");
        let mut n = 0;
        while !stop.load(Ordering::SeqCst) {
            let name = format!("恢复测试医院{n}");
            store.create_organisation(&actor, &hospital(&name, "11")).await.expect("a write while the backup runs");
            committed.lock().await.push(name);
            n += 1;
        }
    })
}

/// Takes the backup of `db` while the writer runs and returns the restored database and the names
/// committed before the backup began.
async fn backup_and_restore(db: &TestDatabase, store: &Store) -> (TestDatabase, Vec<String>, usize) {
    let stop = Arc::new(AtomicBool::new(false));
    let committed = Arc::new(Mutex::new(Vec::new()));
    let writer = start_writer(store.clone(), stop.clone(), committed.clone());
    // Some records first, so that the backup begins in the middle of the writing.
    while committed.lock().await.len() < 20 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let before = committed.lock().await.clone();
    let file = db.dir.path().join("backup");
    let file_text = file.display().to_string();
    let restored = match &db.target {
        DatabaseTarget::SqliteFile(_) => {
            let target = db.target.clone();
            let args = ["backup".to_string(), file_text.clone()];
            let (code, out) = tokio::task::spawn_blocking(move || {
                jijiao(&target, &args.iter().map(String::as_str).collect::<Vec<_>>())
            })
            .await
            .unwrap();
            assert_eq!(code, 0, "jijiao backup: {out}");
            // Restore as README.md says: the backup becomes the database file of a fresh data folder.
            let fresh = testing::sqlite().await;
            let DatabaseTarget::SqliteFile(path) = &fresh.target else { unreachable!() };
            std::fs::copy(&file, path).unwrap();
            fresh
        }
        DatabaseTarget::Postgres(url) => {
            let (url, out) = (url.clone(), file_text.clone());
            tokio::task::spawn_blocking(move || run_tool("pg_dump", &["-Fc", "-f", &out, &url])).await.unwrap();
            let admin = std::env::var(testing::POSTGRES_ENV).expect("PostgreSQL runs when its URL is set");
            let fresh = testing::postgres(&admin).await;
            let DatabaseTarget::Postgres(fresh_url) = fresh.target.clone() else { unreachable!() };
            tokio::task::spawn_blocking(move || {
                run_tool("pg_restore", &["--no-owner", "--exit-on-error", "-d", &fresh_url, &file_text])
            })
            .await
            .unwrap();
            fresh
        }
        DatabaseTarget::SqliteMemory => unreachable!(),
    };
    // The writer went on through the backup; a few more records after it, then stop.
    let at_end = committed.lock().await.len();
    while committed.lock().await.len() < at_end + 5 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();
    let during = at_end - before.len();
    (restored, before, during)
}

#[tokio::test]
async fn a_backup_taken_while_writing_restores_whole_and_verified() {
    for db in testing::databases().await {
        let backend = db.name;
        let store = db.open().await;
        let (restored, before, during) = backup_and_restore(&db, &store).await;
        store.close().await;

        let (code, out) = jijiao(&restored.target, &["audit", "verify"]);
        assert_eq!(code, 0, "{backend}: audit verify of the restored database: {out}");
        let copy = restored.open().await;
        for name in &before {
            let org = copy.organisation_by_name(name).await;
            assert!(org.is_ok(), "{backend}: {name}, committed before the backup began, is missing: {org:?}");
        }
        // The copy is a database in use: it takes writes, and its chain still verifies after them.
        copy.create_organisation(&Actor::system("恢复测试"), &hospital("恢复后新建医院", "11")).await.unwrap();
        copy.close().await;
        let (code, out) = jijiao(&restored.target, &["audit", "verify"]);
        assert_eq!(code, 0, "{backend}: audit verify after a write to the restored database: {out}");
        eprintln!("{backend}: {} records before the backup, {during} written while it ran", before.len());
    }
}
