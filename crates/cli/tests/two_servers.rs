//! Issue 19, many app servers on one PostgreSQL: two `jijiao serve` processes started at once on an
//! empty database, then driven at the same time with the same requests: approvals, publication,
//! credit grants and reversals, and failed logins. Every contested action happens once (one server
//! answers it done, the other that it was already done), no answer is a 5xx, numbers are never
//! given twice, the failed logins of both servers add up to the captcha and the lock, and the
//! audit chain still verifies. PostgreSQL only (SQLite is one process's file): skipped without
//! `JIJIAO_TEST_POSTGRES_URL`, required with `CI=true`.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use jijiao_domain::Hours;
use jijiao_domain::credits::learning_record::{RecordFacts, RecordSource, RecordStatus};
use jijiao_domain::credits::{ActivityKind, Role};
use jijiao_domain::review::workflow::Step;
use jijiao_storage::applications::{ApplicationId, NewApplication};
use jijiao_storage::credit_records::NewCreditRecord;
use jijiao_storage::projects::ProjectFilter;
use jijiao_storage::testing::{self, TestDatabase};
use jijiao_storage::{Actor, AuditFilter, DatabaseTarget, PageRequest, Store};

/// The key of `testing::test_vault` (32 bytes of 42), as the `jijiao` binary reads it.
const TEST_KEY: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";
const VALID: &str = include_str!("../../domain/tests/fixtures/review/valid_national.json");
const APPLICATIONS: usize = 24;
const RECORDS: usize = 30;

/// A `jijiao serve` process, stopped when dropped; its output goes to a file, shown on failure.
pub(crate) struct Server {
    child: Child,
    pub(crate) address: SocketAddr,
    log: std::path::PathBuf,
}

impl Server {
    fn start(url: &str, dir: &std::path::Path, name: &str) -> Server {
        Self::start_with(url, dir, name, &[])
    }

    /// [`Server::start`] with more settings (`JIJIAO_*` variables).
    pub(crate) fn start_with(url: &str, dir: &std::path::Path, name: &str, settings: &[(&str, &str)]) -> Server {
        // A free port: bound by the system, released, then named to the server.
        let address = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let log = dir.join(format!("{name}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_jijiao"))
            .args(["serve", "--listen", &address.to_string()])
            .env("JIJIAO_DATABASE_URL", url)
            .env("JIJIAO_ENCRYPTION_KEY", TEST_KEY)
            .env("JIJIAO_DATA_DIR", dir.join(name))
            .env("JIJIAO_COOKIE_SECURE", "false")
            .env("JIJIAO_TRUSTED_PROXIES", "127.0.0.1")
            .env("JIJIAO_LOG", "warn")
            .env_remove("JIJIAO_CONFIG")
            .env_remove("JIJIAO_DATABASE_READ_URL")
            .envs(settings.iter().copied())
            .stdout(Stdio::from(out.try_clone().unwrap()))
            .stderr(Stdio::from(out))
            .spawn()
            .expect("jijiao serve starts");
        Server { child, address, log }
    }

    /// Waits for the first 200 from `/healthz`; a server that exits first fails the test.
    pub(crate) fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("jijiao serve exited ({status}): {}", self.output());
            }
            if std::net::TcpStream::connect(self.address).is_ok()
                && send(self.address, "GET", "/healthz", "", "").0 == 200
            {
                return;
            }
            assert!(Instant::now() < deadline, "jijiao serve did not answer: {}", self.output());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub(crate) fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request on its own connection: (status, body). `headers` are whole lines.
pub(crate) fn send(address: SocketAddr, method: &str, path: &str, headers: &str, body: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = if head.to_lowercase().contains("transfer-encoding: chunked") { dechunk(body) } else { body.into() };
    (status, body)
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else { break };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// A request to send, and where.
#[derive(Clone)]
struct Job {
    server: usize,
    method: &'static str,
    path: String,
    headers: String,
    body: String,
}

/// Sends every job at once from as many threads (they wait for each other at a barrier first, so
/// both servers are asked together): the answers in the jobs' order.
fn all_at_once(addresses: &[SocketAddr], jobs: &[Job]) -> Vec<(u16, String)> {
    let barrier = std::sync::Barrier::new(jobs.len());
    std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .iter()
            .map(|job| {
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    send(addresses[job.server], job.method, &job.path, &job.headers, &job.body)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// A signed-in API client's headers: the session cookie and its CSRF token.
async fn api_session(store: &Store, username: &str) -> String {
    let id = store.account_by_username(username).await.unwrap().id;
    let (token, csrf) = store.create_session(id, None, 3_600_000).await.unwrap();
    format!("Cookie: jijiao_session={token}\r\nX-CSRF-Token: {csrf}\r\nContent-Type: application/json\r\n")
}

fn no_server_error(what: &str, answers: &[(u16, String)]) {
    for (status, body) in answers {
        assert!(*status < 500 && *status != 0, "{what}: {status} {body}");
    }
}

/// For jobs sent in pairs (the same request to server 0 and server 1): exactly one of each pair
/// is `done`, the other refused with a 4xx.
fn once_per_pair(what: &str, answers: &[(u16, String)], done: u16) {
    no_server_error(what, answers);
    for (i, pair) in answers.chunks(2).enumerate() {
        let done_count = pair.iter().filter(|(s, _)| *s == done).count();
        assert_eq!(done_count, 1, "{what} #{i}: {:?}", pair);
        assert!(pair.iter().all(|(s, _)| *s == done || (400..500).contains(s)), "{what} #{i}: {pair:?}");
    }
}

/// Both servers asked the same thing: one job per server for each path.
fn pairs(method: &'static str, paths: &[String], headers: &str, body: &str) -> Vec<Job> {
    paths
        .iter()
        .flat_map(|path| {
            (0..2).map(move |server| Job {
                server,
                method,
                path: path.clone(),
                headers: headers.to_string(),
                body: body.to_string(),
            })
        })
        .collect()
}

fn postgres_admin_url() -> Option<String> {
    match std::env::var(testing::POSTGRES_ENV).ok().filter(|u| !u.is_empty()) {
        Some(url) => Some(url),
        None if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") => {
            panic!("CI=true 时必须在 PostgreSQL 上运行：请设置 {}", testing::POSTGRES_ENV)
        }
        None => None,
    }
}

/// `count` national applications of 协和 for 2025, submitted and recommended (the store's own
/// steps), waiting for the national office's approval.
async fn recommended_applications(store: &Store, count: usize) -> Vec<ApplicationId> {
    let system = Actor::system("测试");
    let unit = store.organisation_by_name("北京协和医院").await.unwrap().id;
    let on = NaiveDate::from_ymd_opt(2024, 11, 20).unwrap();
    let mut ids = Vec::new();
    for n in 0..count {
        let mut document = jijiao_domain::review::parse_application(VALID).unwrap();
        document.name = format!("多服务器并发测试学习班第{n}期");
        let new = NewApplication {
            document,
            unit_id: unit,
            district_id: None,
            leader_person_id: None,
            copied_from: None,
            findings: (0, 0),
        };
        let id = store.create_application(&system, &new).await.unwrap();
        for step in [Step::Submit, Step::Recommend] {
            store.step_application(&system, id, step, "同意", on).await.unwrap();
        }
        ids.push(id);
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgresql_database() {
    let Some(admin_url) = postgres_admin_url() else {
        eprintln!("跳过：未设置 {}", testing::POSTGRES_ENV);
        return;
    };
    let db: TestDatabase = testing::postgres(&admin_url).await;
    let DatabaseTarget::Postgres(url) = db.target.clone() else { unreachable!() };

    // Both started at once on the empty database: one migrates and loads the reference data, the
    // other waits for it; both serve.
    let dir = db.dir.path().to_path_buf();
    let mut servers = [Server::start(&url, &dir, "a"), Server::start(&url, &dir, "b")];
    let servers = tokio::task::spawn_blocking(move || {
        for server in &mut servers {
            server.wait_ready();
        }
        servers
    })
    .await
    .unwrap();
    let addresses: Vec<SocketAddr> = servers.iter().map(|s| s.address).collect();
    let store = db.open().await;
    jijiao::demo::load(&store).await.unwrap();
    let guojia = api_session(&store, "guojia").await;
    let beijing = api_session(&store, "beijing").await;
    let run = |jobs: Vec<Job>| {
        let addresses = addresses.clone();
        tokio::task::spawn_blocking(move || all_at_once(&addresses, &jobs))
    };

    // Approvals: each application approved through both servers at once, approved once.
    let applications = recommended_applications(&store, APPLICATIONS).await;
    let paths: Vec<String> = applications.iter().map(|id| format!("/api/v1/applications/{}/steps", id.0)).collect();
    let answers = run(pairs("POST", &paths, &guojia, r#"{"step":"approve","comment":"同意"}"#)).await.unwrap();
    once_per_pair("approval", &answers, 200);
    let mut approvals = BTreeMap::new();
    let mut page = 1;
    loop {
        let filter = AuditFilter { object_type: Some("application".into()), ..Default::default() };
        let entries = store.audit_log(&filter, PageRequest::new(Some(page), Some(100))).await.unwrap();
        for e in &entries.items {
            let approved = e.after.as_ref().is_some_and(|a| a.to_string().contains("approved"));
            if e.action == "application.step" && approved {
                *approvals.entry(e.object_id.clone()).or_insert(0) += 1;
            }
        }
        if entries.items.len() < 100 {
            break;
        }
        page += 1;
    }
    for id in &applications {
        let stored = store.application(*id).await.unwrap();
        assert_eq!(stored.summary.status.code(), "approved", "{id:?}");
        assert_eq!(approvals.get(&id.0.to_string()), Some(&1), "{id:?}: one approval in the audit log");
    }

    // Publication: two batches formed on different servers, then each published through both
    // servers at once; every project numbered once, no number twice.
    let mut batches = Vec::new();
    for (server, batch) in [(0usize, 41), (1, 42)] {
        let body =
            format!(r#"{{"level":"national","year":2025,"batch":{batch},"notice":"全继委办发〔2025〕{batch}号"}}"#);
        let (status, reply) = send(addresses[server], "POST", "/api/v1/batches", &guojia, &body);
        assert_eq!(status, 201, "{reply}");
        batches.push(serde_json::from_str::<serde_json::Value>(&reply).unwrap()["id"].as_i64().unwrap());
    }
    let halves: Vec<&[ApplicationId]> = applications.chunks(APPLICATIONS / 2).collect();
    let adds: Vec<Job> = batches
        .iter()
        .zip(&halves)
        .enumerate()
        .map(|(server, (batch, half))| Job {
            server,
            method: "POST",
            path: format!("/api/v1/batches/{batch}/applications"),
            headers: guojia.clone(),
            body: serde_json::json!({ "applications": half.iter().map(|id| id.0).collect::<Vec<_>>() }).to_string(),
        })
        .collect();
    let answers = run(adds).await.unwrap();
    no_server_error("adding to batches", &answers);
    assert!(answers.iter().all(|(s, _)| *s == 200), "{answers:?}");
    let paths: Vec<String> = batches.iter().map(|b| format!("/api/v1/batches/{b}/publish")).collect();
    let answers = run(pairs("POST", &paths, &guojia, "")).await.unwrap();
    no_server_error("publication", &answers);
    for (pair, batch) in answers.chunks(2).zip(&batches) {
        let numbered: i64 = pair
            .iter()
            .map(|(status, body)| {
                assert_eq!(*status, 200, "{body}");
                serde_json::from_str::<serde_json::Value>(body).unwrap()["numbered"].as_i64().unwrap()
            })
            .sum();
        assert_eq!(numbered, (APPLICATIONS / 2) as i64, "batch {batch}: numbered once between the two servers");
    }
    let everything = store.project_list(&ProjectFilter::default(), 100_000).await.unwrap();
    let numbers: Vec<String> = everything.iter().filter_map(|p| p.number.clone()).collect();
    let distinct: BTreeSet<&String> = numbers.iter().collect();
    assert_eq!(distinct.len(), numbers.len(), "no number given twice");
    let ours = everything.iter().filter(|p| p.name.starts_with("多服务器并发测试学习班")).collect::<Vec<_>>();
    assert_eq!(ours.len(), APPLICATIONS);
    assert!(ours.iter().all(|p| p.number.is_some()), "every project of both batches numbered");

    // Credit grants and reversals: each provisional record granted through both servers at once,
    // granted once; then each reversed through both at once, reversed once.
    let person = store.account_by_username("yisheng").await.unwrap().person_id.unwrap();
    let records: Vec<NewCreditRecord> = (0..RECORDS as u64)
        .map(|day| NewCreditRecord {
            person_id: person,
            source: RecordSource::Employer,
            source_ref: None,
            facts: RecordFacts {
                kind: ActivityKind::Practice,
                title: format!("多服务器病例讨论{day}"),
                project_number: None,
                level: None,
                delivery: None,
                role: Some(Role::Participant),
                start: None,
                end: NaiveDate::from_ymd_opt(2025, 2, 1).unwrap() + chrono::Days::new(day),
                passed: None,
                hours: Some(Hours::whole(3)),
                credits: None,
                legacy_class: None,
            },
            granted: false,
        })
        .collect();
    store.bulk_record_credits(&Actor::system("测试"), &records).await.unwrap();
    let ids: Vec<_> = store
        .credit_records_of(person, None)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.facts.title.starts_with("多服务器病例讨论") && r.status == RecordStatus::Provisional)
        .map(|r| r.id)
        .collect();
    assert_eq!(ids.len(), RECORDS);
    let paths: Vec<String> = ids.iter().map(|id| format!("/api/v1/credit-records/{}/grant", id.0)).collect();
    let answers = run(pairs("POST", &paths, &beijing, "")).await.unwrap();
    once_per_pair("grant", &answers, 200);
    let paths: Vec<String> = ids.iter().map(|id| format!("/api/v1/credit-records/{}/reverse", id.0)).collect();
    let answers = run(pairs("POST", &paths, &beijing, r#"{"reason":"重复登记"}"#)).await.unwrap();
    once_per_pair("reversal", &answers, 201);
    let all = store.credit_records_of(person, None).await.unwrap();
    for id in &ids {
        let record = all.iter().find(|r| r.id == *id).unwrap();
        assert_eq!(record.status, RecordStatus::Granted, "{id:?}");
        let reversals = all.iter().filter(|r| r.reverses_id == Some(*id)).count();
        assert_eq!(reversals, 1, "{id:?}: reversed once");
        assert!(record.reversed_by.is_some());
    }

    // Failed logins through both servers at once, from six addresses behind the (trusted) proxy:
    // every failure that was checked is counted, on whichever server; from three on, both servers
    // ask for the captcha, even with the right password; at ten, both refuse the account.
    let hebei = store.account_by_username("hebei").await.unwrap().id;
    let login = |server: usize, n: usize, password: &str| Job {
        server,
        method: "POST",
        path: "/login".into(),
        headers: format!(
            "Cookie: jijiao_csrf=t{n}\r\nX-Forwarded-For: 198.51.100.{n}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        ),
        body: format!("username=hebei&password={password}&csrf=t{n}"),
    };
    let wrong: Vec<Job> = (0..6).map(|n| login(n % 2, n + 1, "wrong-password")).collect();
    let answers = run(wrong).await.unwrap();
    no_server_error("failed logins", &answers);
    assert!(answers.iter().all(|(s, _)| *s == 401), "{answers:?}");
    let checked = answers.iter().filter(|(_, body)| body.contains("用户名或密码错误")).count() as i64;
    let (failures, _) = store.login_failures(&format!("account-id:{}", hebei.0)).await.unwrap();
    assert_eq!(failures, checked, "every checked failure counted once, on either server");
    assert!(failures >= 3, "{failures}");
    let right: Vec<Job> = (0..2).map(|server| login(server, 10 + server, "demo2025")).collect();
    for (status, body) in run(right).await.unwrap() {
        assert_eq!(status, 401);
        assert!(body.contains("请输入验证码"), "both servers ask for the captcha: {body}");
    }
    for _ in failures..10 {
        store.record_login_failure(&format!("account-id:{}", hebei.0), jijiao_web::login_lock_for).await.unwrap();
    }
    let right: Vec<Job> = (0..2).map(|server| login(server, 20 + server, "demo2025")).collect();
    for (status, body) in run(right).await.unwrap() {
        assert_eq!(status, 429, "both servers hold the lock: {body}");
        assert!(body.contains("分钟后再试"));
    }

    // Nothing written at once broke the audit chain.
    let report = store.verify_audit_chain().await.unwrap();
    assert!(report.first_broken.is_none(), "{report:?}");
    for server in &servers {
        let output = server.output();
        assert!(!output.contains("panicked") && !output.contains("ERROR"), "{output}");
    }
    store.close().await;
}
