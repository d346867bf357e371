//! Issue 19, the read replica (`JIJIAO_DATABASE_READ_URL`): a visitor's catalogue, project pages,
//! certificate verification and home page read from the replica, everyone signed in reads the
//! primary; and with the replica down every public page still answers, from the primary, with a
//! warning in the log.
//!
//! The replica tests need the streaming replica `scripts/replica` runs on 127.0.0.1:5433, named
//! by `JIJIAO_TEST_REPLICA_URL` (`scripts/test` starts it and sets the variable in CI; elsewhere
//! they are skipped without it). Which server answered is proved by what it holds, not by timing:
//! with the replica's replay paused, a project published on the primary is found by a signed-in
//! search and not by a visitor's, until replay resumes and the replica catches up.

use std::process::Command;
use std::time::{Duration, Instant};

use jijiao_storage::testing;
use sqlx::AnyPool;

use crate::common::World;
use crate::two_servers::{Server, send};

pub const REPLICA_ENV: &str = "JIJIAO_TEST_REPLICA_URL";

/// The admin URLs of the primary and of its replica, or `None` (the test is skipped) when either
/// is not configured; in CI both must be.
fn servers() -> Option<(String, String)> {
    let primary = std::env::var(testing::POSTGRES_ENV).ok().filter(|u| !u.is_empty());
    let replica = std::env::var(REPLICA_ENV).ok().filter(|u| !u.is_empty());
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    match (primary, replica) {
        (Some(p), Some(r)) => Some((p, r)),
        _ if in_ci => {
            panic!("CI=true 时必须测试只读副本：请设置 {} 与 {REPLICA_ENV}（scripts/replica）", testing::POSTGRES_ENV)
        }
        _ => {
            eprintln!(
                "跳过只读副本测试：未设置 {} 或 {REPLICA_ENV}（scripts/replica 可启动副本）",
                testing::POSTGRES_ENV
            );
            None
        }
    }
}

/// `url` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    format!("{}/{name}", url.rsplit_once('/').map_or(url, |(base, _)| base))
}

async fn pool(url: &str) -> AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::pool::PoolOptions::new().max_connections(1).connect(url).await.expect("PostgreSQL answers")
}

/// Waits until the replica has replayed everything the primary had written when this was called.
async fn caught_up(primary: &AnyPool, replica: &AnyPool) {
    let lsn: String = sqlx::query_scalar("SELECT CAST(pg_current_wal_lsn() AS TEXT)").fetch_one(primary).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let replayed: bool =
            sqlx::query_scalar("SELECT COALESCE(pg_last_wal_replay_lsn() >= CAST($1 AS pg_lsn), FALSE)")
                .bind(&lsn)
                .fetch_one(replica)
                .await
                .unwrap();
        if replayed {
            return;
        }
        assert!(Instant::now() < deadline, "the replica did not replay up to {lsn}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The replica's connections to `database`: the replica pool's, as the replica itself lists them.
async fn connections_to(replica: &AnyPool, database: &str) -> i64 {
    sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM pg_stat_activity WHERE datname = $1")
        .bind(database)
        .fetch_one(replica)
        .await
        .unwrap()
}

/// The replica's replay, paused until this is dropped (also when the test fails half-way).
struct ReplayPaused(String);

impl ReplayPaused {
    /// Pauses replay and waits until it has stopped (a pause is only requested at first, and a
    /// record arriving before it takes effect would still be replayed).
    async fn pause(replica: &AnyPool, url: &str) -> Self {
        sqlx::query("SELECT pg_wal_replay_pause()").execute(replica).await.unwrap();
        let paused = ReplayPaused(url.to_string());
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let state: String =
                sqlx::query_scalar("SELECT pg_get_wal_replay_pause_state()").fetch_one(replica).await.unwrap();
            if state == "paused" {
                return paused;
            }
            assert!(Instant::now() < deadline, "the replica's replay did not pause: {state}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for ReplayPaused {
    fn drop(&mut self) {
        let resumed = Command::new("psql").arg(&self.0).args(["-XAtqc", "SELECT pg_wal_replay_resume()"]).status();
        if !resumed.is_ok_and(|s| s.success()) {
            eprintln!("未能恢复只读副本的重放：psql {} -c 'SELECT pg_wal_replay_resume()'", self.0);
        }
    }
}

const HEADERS: &str =
    "项目编号,项目名称,申办单位,项目负责人,负责人电话,举办期限,举办地点,学分,教学对象,拟招生人数,备注";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitors_read_the_replica_and_the_signed_in_the_primary() {
    let Some((primary_url, replica_url)) = servers() else { return };
    let db = testing::postgres(&primary_url).await;
    let jijiao_storage::DatabaseTarget::Postgres(url) = &db.target else { unreachable!() };
    let name = url.rsplit_once('/').unwrap().1.to_string();
    let store = db.open().await;
    jijiao::demo::load(&store).await.unwrap();
    let (primary, replica) = (pool(&primary_url).await, pool(&replica_url).await);
    caught_up(&primary, &replica).await;

    let store = store.with_read_replica(&with_database(&replica_url, &name)).unwrap();
    let settings = jijiao_web::WebSettings { secure_cookies: false, ..Default::default() };
    let app = jijiao_web::router(jijiao_web::AppState::with_settings(store.clone(), settings));
    let w = World { store, app, db };
    let (national, visitor) = (w.signed_in("guojia").await, w.anonymous());

    let learner = w.signed_in("yisheng").await;
    let mine = w.get(&learner, "/api/v1/me/certificates").await.json();
    let valid = mine.as_array().unwrap().iter().find(|c| c["status"] == "valid");
    let certificate =
        valid.expect("the demo learner holds a valid certificate")["number"].as_str().unwrap().to_string();
    let catalogue = w.store.projects(&Default::default(), jijiao_storage::PageRequest::new(None, Some(1))).await;
    let project = jijiao_web::auth::urlencode(catalogue.unwrap().items[0].number.as_deref().unwrap());
    assert_eq!(connections_to(&replica, &name).await, 0, "the replica is connected to when first read from");
    assert_eq!(w.store.replica_reads(), (0, 0));
    let public_pages = [
        "/".to_string(),
        "/projects?q=%E5%BF%83".to_string(),
        "/api/v1/projects?q=%E5%BF%83".to_string(),
        "/api/v1/projects/export?q=%E5%BF%83".to_string(),
        format!("/projects/{project}"),
        format!("/api/v1/projects/{project}"),
        format!("/certificates/verify?number={certificate}"),
        format!("/api/v1/certificates/{certificate}"),
        "/.well-known/jijiao/certificate-keys.json".to_string(),
    ];

    // Signed in, the public pages read the primary: the replica's count stays where it was.
    for path in &public_pages {
        let reply = w.get(&national, path).await;
        assert_eq!(reply.status.as_u16(), 200, "{path}: {}", reply.body);
    }
    assert_eq!(w.store.replica_reads(), (0, 0), "signed-in reads stay on the primary");
    assert_eq!(connections_to(&replica, &name).await, 0, "not one connection to the replica");

    // Published on the primary while the replica does not replay: the national office finds its
    // project at once (its own write, from the primary); a visitor's search does not, because it
    // is answered by the replica. A visitor asking for the project by number gets it: a miss on
    // the replica is asked of the primary.
    let paused = ReplayPaused::pause(&replica, &replica_url).await;
    let list = format!(
        "{HEADERS}\n2030-03-01-001（国）,副本验证学习班,北京协和医院,赵六,,2030-05-01-2030-05-02,北京,5,医师,100,\n"
    );
    let import = "/api/v1/projects/import?year=2030&batch=1&file_name=list.csv";
    let done = w.send(&national, axum::http::Method::POST, import, Some(list)).await;
    assert_eq!(done.status.as_u16(), 200, "{}", done.body);
    let search = "/api/v1/projects?q=%E5%89%AF%E6%9C%AC%E9%AA%8C%E8%AF%81";
    assert_eq!(w.get(&national, search).await.json()["total"], 1, "the signed-in read its own write");
    let before = w.store.replica_reads();
    assert_eq!(w.get(&visitor, search).await.json()["total"], 0, "the visitor's search was the replica's");
    assert_eq!(w.store.replica_reads(), (before.0 + 1, 0));
    let by_number = w.get(&visitor, "/api/v1/projects/2030-03-01-001%EF%BC%88%E5%9B%BD%EF%BC%89").await;
    assert_eq!(by_number.json()["name"], "副本验证学习班", "{}", by_number.body);
    assert!(connections_to(&replica, &name).await > 0, "the replica lists the pool's connections");

    // Replay resumes: once the replica has caught up, the visitor finds the project too, and every
    // public page answers from the replica, none falling back to the primary.
    drop(paused);
    caught_up(&primary, &replica).await;
    assert_eq!(w.get(&visitor, search).await.json()["total"], 1);
    let before = w.store.replica_reads();
    for path in &public_pages {
        let reply = w.get(&visitor, path).await;
        assert_eq!(reply.status.as_u16(), 200, "{path}: {}", reply.body);
    }
    let after = w.store.replica_reads();
    assert!(after.0 >= before.0 + public_pages.len() as u64, "{before:?} → {after:?}");
    assert_eq!(after.1, 0, "no read fell back to the primary");
    let verified = w.get(&visitor, &format!("/api/v1/certificates/{certificate}")).await.json();
    assert_eq!(verified["status"], "valid", "{verified}");
    w.store.close().await;
    primary.close().await;
    replica.close().await;
}

/// The replica down (its address refuses connections): `jijiao serve` configured with it answers
/// every public page from the primary and logs a warning, then leaves the replica alone: a request
/// that tried it again while it is held off would log "failed again" (these requests come one after
/// the other, so none was in flight when it failed). Needs PostgreSQL only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_pages_answer_from_the_primary_when_the_replica_is_down() {
    let Some(primary_url) = std::env::var(testing::POSTGRES_ENV).ok().filter(|u| !u.is_empty()) else {
        assert!(!std::env::var("CI").is_ok_and(|v| v == "true" || v == "1"), "CI=true 时必须在 PostgreSQL 上运行");
        eprintln!("跳过：未设置 {}", testing::POSTGRES_ENV);
        return;
    };
    let db = testing::postgres(&primary_url).await;
    let jijiao_storage::DatabaseTarget::Postgres(url) = db.target.clone() else { unreachable!() };
    let store = db.open().await;
    jijiao::demo::load(&store).await.unwrap();
    let certificate = {
        let yisheng = store.account_by_username("yisheng").await.unwrap();
        let person = yisheng.person_id.expect("a professional");
        store.certificates_of_person(person, None).await.unwrap()[0].number.clone()
    };
    let project = {
        let page = store.projects(&Default::default(), jijiao_storage::PageRequest::new(None, Some(1))).await.unwrap();
        jijiao_web::auth::urlencode(page.items[0].number.as_deref().unwrap())
    };
    store.close().await;

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let read_url = format!("postgres://postgres@127.0.0.1:{closed}/jijiao");
    let settings = [("JIJIAO_DATABASE_READ_URL", read_url.as_str()), ("JIJIAO_LOG", "warn,jijiao_storage=debug")];
    let mut server = Server::start_with(&url, db.dir.path(), "replica-down", &settings);
    server.wait_ready();
    let address = server.address;
    let pages = tokio::task::spawn_blocking(move || {
        [
            "/".to_string(),
            "/projects".to_string(),
            "/api/v1/projects?q=%E5%BF%83".to_string(),
            format!("/projects/{project}"),
            format!("/api/v1/projects/{project}"),
            format!("/certificates/verify?number={certificate}"),
            format!("/api/v1/certificates/{certificate}"),
            "/.well-known/jijiao/certificate-keys.json".to_string(),
        ]
        .map(|path| {
            let (status, body) = send(address, "GET", &path, "", "");
            (path, status, body)
        })
    })
    .await
    .unwrap();
    for (path, status, body) in &pages {
        assert_eq!(*status, 200, "{path}: {body}\n{}", server.output());
    }
    let log = server.output();
    let warnings = log.lines().filter(|l| l.contains("WARN") && l.contains("the read replica failed")).count();
    assert!(warnings >= 1, "a warning when the replica failed:\n{log}");
    assert!(!log.contains("failed again"), "the replica is left alone for the hold-off:\n{log}");
    drop(server);
    drop(db);
}

/// `scripts/replica` is idempotent: started again, it finds the replica running and says so, with
/// its URL; its status reports the replica streaming from the primary.
#[test]
fn the_replica_script_is_idempotent() {
    if servers().is_none() {
        return;
    }
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/replica");
    let run = |arg: &str| {
        let out = Command::new(&script).arg(arg).output().expect("scripts/replica runs");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.success(), text)
    };
    let (ok, out) = run("start");
    assert!(ok && out.contains("副本运行中") && out.trim_end().ends_with("127.0.0.1:5433/postgres"), "{out}");
    assert!(!out.contains("复制主库"), "a running replica is not copied again: {out}");
    let (ok, out) = run("status");
    assert!(ok && out.contains("streaming"), "{out}");
}
