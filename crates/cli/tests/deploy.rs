//! Issue 19, deployment: the commands of `deploy/README.md` run as written. `deploy/backup` and
//! `deploy/restore` on both backends (a restored copy holds what was written before the backup
//! and passes `jijiao audit verify`, which the restore runs; a tampered copy fails it), and the
//! systemd unit passes `systemd-analyze verify` where systemd is installed.

use jijiao_storage::testing::{self, hospital};
use jijiao_storage::{Actor, DatabaseTarget, Store};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The key of `testing::test_vault` (32 bytes of 42), as the `jijiao` binary reads it.
const TEST_KEY: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy")
}

/// Runs a deploy script with the environment a server of `target` would have: (exit code, output).
fn script(name: &str, args: &[&str], target: &DatabaseTarget) -> (i32, String) {
    let mut command = Command::new(deploy_dir().join(name));
    command.args(args).env("JIJIAO_BIN", env!("CARGO_BIN_EXE_jijiao")).env("JIJIAO_ENCRYPTION_KEY", TEST_KEY);
    command.env_remove("JIJIAO_CONFIG").env_remove("JIJIAO_DATABASE_URL").env_remove("JIJIAO_DATA_DIR");
    match target {
        DatabaseTarget::Postgres(url) => command.env("JIJIAO_DATABASE_URL", url),
        DatabaseTarget::SqliteFile(path) => command.env("JIJIAO_DATA_DIR", path.parent().unwrap()),
        DatabaseTarget::SqliteMemory => unreachable!(),
    };
    let out = command.output().expect("the script runs");
    let printed = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), printed)
}

async fn names(store: &Store) -> Vec<String> {
    let page =
        store.organisations(&Default::default(), jijiao_storage::PageRequest::new(None, Some(100))).await.unwrap();
    let mut names: Vec<String> = page.items.into_iter().map(|o| o.name).collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_and_restore_scripts_on_both_backends() {
    for db in testing::databases().await {
        let backend = db.name;
        // The data folder's file must be jijiao.sqlite3, as a server's is.
        let source = match &db.target {
            DatabaseTarget::SqliteFile(_) => {
                DatabaseTarget::SqliteFile(db.dir.path().join("live").join(jijiao_storage::SQLITE_FILE))
            }
            other => other.clone(),
        };
        let store = Store::open(&source, testing::test_vault()).await.unwrap();
        for n in 0..5 {
            store
                .create_organisation(&Actor::system("部署测试"), &hospital(&format!("部署测试医院{n}"), "11"))
                .await
                .unwrap();
        }
        let before = names(&store).await;

        let backups = db.dir.path().join("backups");
        let (code, out) = {
            let (source, backups) = (source.clone(), backups.clone());
            tokio::task::spawn_blocking(move || script("backup", &[backups.to_str().unwrap()], &source)).await.unwrap()
        };
        assert_eq!(code, 0, "{backend}: {out}");
        let file = PathBuf::from(out.trim().lines().last().unwrap());
        assert!(file.starts_with(&backups) && file.exists(), "{backend}: {out}");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o077, 0, "{backend}: owner only");
        // Written after the backup: not in the restored copy.
        store.create_organisation(&Actor::system("部署测试"), &hospital("备份之后的医院", "11")).await.unwrap();
        store.close().await;

        let (restored_target, fresh) = match &db.target {
            DatabaseTarget::Postgres(_) => {
                let admin = std::env::var(testing::POSTGRES_ENV).unwrap();
                // A name for the script to create: made and dropped by the test harness.
                let fresh = testing::postgres(&admin).await;
                let DatabaseTarget::Postgres(url) = fresh.target.clone() else { unreachable!() };
                let name = url.rsplit_once('/').unwrap().1.to_string();
                let base = url.rsplit_once('/').unwrap().0.to_string();
                let dropped = Command::new("psql")
                    .arg(format!("{base}/postgres"))
                    .args(["-qc", &format!("DROP DATABASE {name}")])
                    .status()
                    .unwrap();
                assert!(dropped.success());
                (fresh.target.clone(), Some(fresh))
            }
            _ => (DatabaseTarget::SqliteFile(db.dir.path().join("restored").join(jijiao_storage::SQLITE_FILE)), None),
        };
        let target_arg = match &restored_target {
            DatabaseTarget::Postgres(url) => url.clone(),
            DatabaseTarget::SqliteFile(path) => path.parent().unwrap().display().to_string(),
            DatabaseTarget::SqliteMemory => unreachable!(),
        };
        let (code, out) = {
            let (file, target, restored) = (file.clone(), target_arg.clone(), restored_target.clone());
            tokio::task::spawn_blocking(move || script("restore", &[file.to_str().unwrap(), &target], &restored))
                .await
                .unwrap()
        };
        assert_eq!(code, 0, "{backend}: {out}");
        assert!(out.contains("已恢复到"), "{backend}: {out}");
        let restored = Store::open(&restored_target, testing::test_vault()).await.unwrap();
        assert_eq!(names(&restored).await, before, "{backend}: what was written before the backup, nothing after");

        // A copy whose audit log was altered: the restore says so and fails.
        restored.tamper_audit_for_tests("UPDATE audit_log SET actor = '篡改' WHERE id = 2").await.unwrap();
        restored.close().await;
        let (code, out) = {
            let (file, target, restored) = (file.clone(), target_arg.clone(), restored_target.clone());
            tokio::task::spawn_blocking(move || {
                if let DatabaseTarget::SqliteFile(_) = restored {
                    // Restoring again over it: the restore keeps the altered file aside and
                    // verifies the fresh copy, which passes.
                    let again = script("restore", &[file.to_str().unwrap(), &target], &restored);
                    assert_eq!(again.0, 0, "{}", again.1);
                    let kept = Path::new(&target).join("jijiao.sqlite3.before-restore");
                    assert!(kept.exists(), "the replaced database is kept");
                }
                let mut verify = Command::new(env!("CARGO_BIN_EXE_jijiao"));
                verify.args(["audit", "verify"]).env("JIJIAO_ENCRYPTION_KEY", TEST_KEY).env_remove("JIJIAO_CONFIG");
                match &restored {
                    DatabaseTarget::Postgres(url) => verify.env("JIJIAO_DATABASE_URL", url),
                    DatabaseTarget::SqliteFile(path) => {
                        verify.env_remove("JIJIAO_DATABASE_URL").env("JIJIAO_DATA_DIR", path.parent().unwrap())
                    }
                    DatabaseTarget::SqliteMemory => unreachable!(),
                };
                let out = verify.output().unwrap();
                (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
            })
            .await
            .unwrap()
        };
        match &restored_target {
            DatabaseTarget::Postgres(_) => assert_eq!(code, 1, "{backend}: the altered copy fails: {out}"),
            _ => assert_eq!(code, 0, "{backend}: the copy restored again verifies: {out}"),
        }
        drop(fresh);
    }
}

/// The unit file parses without a warning and names an executable (systemd-analyze checks both), with the binary
/// at the path of the test build; skipped where systemd is not installed.
#[test]
fn the_systemd_unit_verifies() {
    let Ok(version) = Command::new("systemd-analyze").arg("--version").output() else {
        eprintln!("跳过：未安装 systemd-analyze");
        return;
    };
    assert!(version.status.success());
    let dir = tempfile::tempdir().unwrap();
    let unit = std::fs::read_to_string(deploy_dir().join("systemd/jijiao@.service")).unwrap();
    assert!(unit.contains("ExecStart=/usr/local/bin/jijiao serve"), "the README installs it there");
    let unit = unit.replace("/usr/local/bin/jijiao", env!("CARGO_BIN_EXE_jijiao"));
    std::fs::write(dir.path().join("jijiao@.service"), unit).unwrap();
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(dir.path().join("jijiao@8081.service"))
        .output()
        .unwrap();
    let printed = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    // Outside a booted systemd (a container) it cannot load the unit at all: say so, not fail.
    if printed.contains("System has not been booted with systemd") || printed.contains("Failed to initialize manager") {
        eprintln!("跳过：{printed}");
        return;
    }
    // A setting systemd does not understand is only a warning, naming the unit file: none either.
    assert!(out.status.success() && !printed.contains("jijiao@"), "{printed}");
}
