//! A small closed-loop HTTP/1.1 load generator for jijiao's benchmarks: N keep-alive connections,
//! one task each, for D seconds against one loopback URL; prints requests/s, p50, p99, max latency
//! and errors (or JSON with `--json`). Bounded in connections, time and optionally request count,
//! and refuses any non-loopback target.
//!
//! With `--mix` (issue 14, "Load") each connection is a signed-in user instead, going round
//! jijiao's own mix: the catalogue (API and page), the learner's record (API and page), other API
//! reads, and one write in ten (a credit registration). The users (`load<person id>`: each a demo
//! professional and an administrator of their unit, so that they may register credits) and their
//! sessions are made directly in the database named by `--database` (with `JIJIAO_ENCRYPTION_KEY`),
//! because signing 200 users in through the login form would take ten minutes of its rate limit.
//! The URL is then the server's base, e.g. `http://127.0.0.1:8080`.

use clap::Parser;
use hyper::body::Bytes;
use jijiao_bench::{Connection, Histogram, Target, millis};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Longest a single request may take before it counts as an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Parser)]
#[command(name = "loadgen", about = "Closed-loop HTTP/1.1 load against a loopback URL")]
struct Args {
    /// Target, e.g. http://127.0.0.1:8080/healthz (loopback only)
    url: String,
    /// Concurrent keep-alive connections, one task each
    #[arg(short, long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=1024))]
    connections: u32,
    /// Measured seconds
    #[arg(short, long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    duration: u64,
    /// Seconds of load before measuring (same connections, not recorded)
    #[arg(short, long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=60))]
    warmup: u64,
    /// Stop once this many requests have been sent in total (warm-up included)
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    max_requests: Option<u64>,
    /// Client worker threads (default: one per core; they share the cores with the server)
    #[arg(short, long, value_parser = clap::value_parser!(u32).range(1..=64))]
    threads: Option<u32>,
    /// Name for the report (defaults to the URL)
    #[arg(long)]
    label: Option<String>,
    /// Print one JSON object instead of text
    #[arg(long)]
    json: bool,
    /// jijiao's mixed workload of signed-in users (see the module comment); `--connections` is the
    /// number of users
    #[arg(long, requires = "database")]
    mix: bool,
    /// The server's database (`sqlite://PATH` or `postgres://…`), to make the users and sessions
    #[arg(long)]
    database: Option<String>,
}

#[derive(Default)]
struct Tally {
    latencies: Histogram,
    errors: u64,
    non_2xx: u64,
    bytes: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let threads = args
        .threads
        .map(|t| t as usize)
        .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(threads).enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("loadgen: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&args, threads)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loadgen: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: &Args, threads: usize) -> anyhow::Result<()> {
    if args.mix {
        return mix::run(args, threads).await;
    }
    let target = Arc::new(Target::parse(&args.url).await?);
    // Fail fast, before spawning anything, when nothing listens.
    drop(Connection::open(&target).await?);

    let start = Instant::now();
    let measure_from = start + Duration::from_secs(args.warmup);
    let deadline = measure_from + Duration::from_secs(args.duration);
    let sent = Arc::new(AtomicU64::new(0));
    let budget = args.max_requests.unwrap_or(u64::MAX);

    let mut tasks = Vec::with_capacity(args.connections as usize);
    for _ in 0..args.connections {
        let target = Arc::clone(&target);
        let sent = Arc::clone(&sent);
        tasks.push(tokio::spawn(async move { worker(&target, measure_from, deadline, &sent, budget).await }));
    }
    let mut total = Tally::default();
    for task in tasks {
        // A task ends at the deadline plus at most one request timeout; past that it is a bug.
        let tally =
            tokio::time::timeout_at((deadline + REQUEST_TIMEOUT + Duration::from_secs(5)).into(), task).await??;
        total.latencies.merge(&tally.latencies);
        total.errors += tally.errors;
        total.non_2xx += tally.non_2xx;
        total.bytes += tally.bytes;
    }
    let elapsed = Instant::now().saturating_duration_since(measure_from);
    report(args, threads, &total, elapsed);
    Ok(())
}

async fn worker(target: &Target, measure_from: Instant, deadline: Instant, sent: &AtomicU64, budget: u64) -> Tally {
    let mut tally = Tally::default();
    'connections: while Instant::now() < deadline {
        let mut connection = match Connection::open(target).await {
            Ok(c) => c,
            Err(_) => {
                if Instant::now() >= measure_from {
                    tally.errors += 1;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        loop {
            if Instant::now() >= deadline || sent.fetch_add(1, Ordering::Relaxed) >= budget {
                break 'connections;
            }
            let begun = Instant::now();
            let outcome = tokio::time::timeout(REQUEST_TIMEOUT, connection.get(target)).await;
            let measured = begun >= measure_from;
            match outcome {
                Ok(Ok((status, len))) if status.is_success() => {
                    if measured {
                        tally.latencies.record(begun.elapsed());
                        tally.bytes += len as u64;
                    }
                }
                Ok(Ok(_)) => {
                    if measured {
                        tally.non_2xx += 1;
                        tally.errors += 1;
                    }
                }
                Ok(Err(_)) | Err(_) => {
                    if measured {
                        tally.errors += 1;
                    }
                    continue 'connections;
                }
            }
        }
    }
    tally
}

fn report(args: &Args, threads: usize, total: &Tally, elapsed: Duration) {
    let ok = total.latencies.count();
    let rps = ok as f64 / elapsed.as_secs_f64().max(1e-9);
    let h = &total.latencies;
    let label = args.label.clone().unwrap_or_else(|| args.url.clone());
    if args.json {
        let value = serde_json::json!({
            "label": label,
            "url": args.url,
            "connections": args.connections,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "client_threads": threads,
            "elapsed_s": (elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
            "requests": ok,
            "errors": total.errors,
            "non_2xx": total.non_2xx,
            "requests_per_s": rps.round(),
            "p50_ms": millis(h.quantile(0.50)),
            "p90_ms": millis(h.quantile(0.90)),
            "p99_ms": millis(h.quantile(0.99)),
            "max_ms": millis(h.max()),
            "body_bytes": total.bytes,
        });
        println!("{value}");
    } else {
        println!(
            "{label}: {} connections, {} s measured after {} s warm-up, {threads} client threads",
            args.connections, args.duration, args.warmup
        );
        println!("  requests   {ok} in {:.2} s = {rps:.0} requests/s", elapsed.as_secs_f64());
        println!(
            "  latency    p50 {:.3} ms   p90 {:.3} ms   p99 {:.3} ms   max {:.3} ms",
            millis(h.quantile(0.50)),
            millis(h.quantile(0.90)),
            millis(h.quantile(0.99)),
            millis(h.max())
        );
        println!("  errors     {} ({} non-2xx)", total.errors, total.non_2xx);
    }
}

/// jijiao's mixed workload (`--mix`): signed-in users over the catalogue, the learner's record, the
/// API and credit registrations.
mod mix {
    use super::*;
    use anyhow::Context;
    use jijiao_domain::authz::Role;
    use jijiao_storage::{
        Actor, DatabaseTarget, NewAccount, NewPerson, NewRole, PageRequest, PersonFilter, Store, Vault,
    };

    /// What a request exercises; each has its own latency figures.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Class {
        Catalogue,
        Record,
        Api,
        Write,
    }

    const CLASSES: [(Class, &str); 4] =
        [(Class::Catalogue, "catalogue"), (Class::Record, "record"), (Class::Api, "api"), (Class::Write, "write")];

    /// One user: the session cookie, its CSRF token and the user's own person.
    struct User {
        cookie: String,
        csrf: String,
        person_id: i64,
    }

    /// Words of the demo catalogue's project names, for searches that find something.
    const WORDS: [&str; 6] = ["心力衰竭", "糖尿病", "护理", "肿瘤", "急诊", "康复"];

    fn database_target(url: &str) -> anyhow::Result<DatabaseTarget> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DatabaseTarget::Postgres(url.to_string()))
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            Ok(DatabaseTarget::SqliteFile(path.into()))
        } else {
            anyhow::bail!("--database: sqlite://PATH or postgres://… expected")
        }
    }

    /// Makes (once) the accounts `load0…` for the first `n` people of the demo and a session for each.
    async fn users(url: &str, n: usize) -> anyhow::Result<Vec<User>> {
        let key = std::env::var("JIJIAO_ENCRYPTION_KEY").context("JIJIAO_ENCRYPTION_KEY: the server's key")?;
        let vault = Vault::from_base64(&key).map_err(anyhow::Error::msg)?;
        let store = Store::open(&database_target(url)?, vault).await?;
        // Some demo people have accounts of their own already (one account per person): more than enough.
        let people = store.people(&PersonFilter::default(), PageRequest::new(Some(1), Some(2 * n as u32))).await?.items;
        // Nobody signs in with it: the sessions are made here.
        let hash = jijiao_app::passwords::hash("load-test-2025".into()).await?;
        let actor = Actor::system("负载测试");
        let mut out = Vec::with_capacity(n);
        for person in &people {
            if out.len() == n {
                break;
            }
            let username = format!("load{}", person.id.0);
            let account = match store.account_by_username(&username).await {
                Ok(a) => a.id,
                Err(_) => {
                    let unit = person.employer_id.context("a demo professional has an employer")?;
                    let new = NewAccount {
                        username,
                        display_name: person.name.clone(),
                        password_hash: hash.clone(),
                        person_id: Some(person.id),
                        confirmed: true,
                        must_change_password: false,
                    };
                    let roles = [Role::Professional, Role::UnitAdmin].map(|role| NewRole {
                        role,
                        org_id: Some(unit),
                        province_code: None,
                    });
                    match store.create_account(&actor, &new, &roles).await {
                        Ok(id) => id,
                        Err(jijiao_storage::StoreError::Conflict(_)) => continue,
                        Err(e) => return Err(e.into()),
                    }
                }
            };
            let (token, csrf) = store.create_session(account, Some("127.0.0.1"), 12 * 60 * 60 * 1000).await?;
            out.push(User { cookie: format!("jijiao_session={token}"), csrf, person_id: person.id.0 });
        }
        // The demo has 200 people, a few with accounts of their own: the rest are made here, at the
        // first person's unit, once (a later run finds them in the list above).
        let unit = people.first().and_then(|p| p.employer_id).context("the database holds no people; load the demo")?;
        let mut k = 0;
        while out.len() < n {
            let birth = chrono::NaiveDate::from_ymd_opt(1980, 1, 1).context("a date")? + chrono::Days::new(k);
            let new = NewPerson {
                name: format!("负载测试{k}"),
                id_number: jijiao_domain::id_number::compose("110101", birth, 700),
                title: None,
                employer_id: Some(unit),
                in_post: true,
                phone: None,
            };
            k += 1;
            let person = store.create_person(&actor, &new).await?;
            let new = NewAccount {
                username: format!("load{}", person.0),
                display_name: new.name,
                password_hash: hash.clone(),
                person_id: Some(person),
                confirmed: true,
                must_change_password: false,
            };
            let roles = [Role::Professional, Role::UnitAdmin].map(|role| NewRole {
                role,
                org_id: Some(unit),
                province_code: None,
            });
            let account = store.create_account(&actor, &new, &roles).await?;
            let (token, csrf) = store.create_session(account, Some("127.0.0.1"), 12 * 60 * 60 * 1000).await?;
            out.push(User { cookie: format!("jijiao_session={token}"), csrf, person_id: person.0 });
        }
        store.close().await;
        Ok(out)
    }

    /// The `i`-th request of a user: nine reads, then one write.
    fn request(user: &User, i: u64, year: i32) -> (Class, &'static str, String, Option<String>) {
        let word = WORDS[(i as usize / 10) % WORDS.len()];
        match i % 10 {
            0 => (Class::Catalogue, "GET", format!("/api/v1/projects?q={}", encode(word)), None),
            1 => (Class::Catalogue, "GET", format!("/projects?q={}", encode(word)), None),
            2 => (Class::Catalogue, "GET", format!("/api/v1/projects?subject=03&page={}", i % 5 + 1), None),
            3 => (Class::Record, "GET", "/api/v1/me/credits".into(), None),
            4 => (Class::Record, "GET", "/me/credits".into(), None),
            5 => (Class::Api, "GET", "/api/v1/me".into(), None),
            6 => (Class::Api, "GET", "/api/v1/provinces".into(), None),
            7 => (Class::Api, "GET", "/api/v1/people?per_page=20".into(), None),
            8 => (Class::Catalogue, "GET", "/api/v1/projects?year=2025&level=national&sort=date".into(), None),
            _ => (
                Class::Write,
                "POST",
                "/api/v1/credit-records".into(),
                Some(format!(
                    r#"{{"person_id":{},"kind":"practice","title":"负载测试病例讨论","end":"{year}-03-01","hours":"2","role":"participant"}}"#,
                    user.person_id
                )),
            ),
        }
    }

    fn encode(text: &str) -> String {
        serde_urlencoded::to_string([("", text)]).unwrap_or_default().trim_start_matches('=').to_string()
    }

    #[derive(Default)]
    struct Tallies {
        by_class: [Histogram; 4],
        errors: u64,
        non_2xx: u64,
        /// The first few failures, to say what went wrong.
        samples: Vec<String>,
    }

    pub(super) async fn run(args: &Args, threads: usize) -> anyhow::Result<()> {
        let target = Arc::new(Target::parse(&args.url).await?);
        drop(Connection::open(&target).await?);
        let database = args.database.as_deref().context("--mix needs --database")?;
        let users = users(database, args.connections as usize).await?;
        let year = chrono::Datelike::year(&jijiao_app::Clock::today(&jijiao_app::SystemClock));
        let start = Instant::now();
        let measure_from = start + Duration::from_secs(args.warmup);
        let deadline = measure_from + Duration::from_secs(args.duration);
        let mut tasks = Vec::with_capacity(users.len());
        for user in users {
            let target = Arc::clone(&target);
            tasks.push(tokio::spawn(async move { user_loop(&target, &user, year, measure_from, deadline).await }));
        }
        let mut total = Tallies::default();
        for task in tasks {
            let t =
                tokio::time::timeout_at((deadline + REQUEST_TIMEOUT + Duration::from_secs(5)).into(), task).await??;
            for (mine, theirs) in total.by_class.iter_mut().zip(&t.by_class) {
                mine.merge(theirs);
            }
            total.errors += t.errors;
            total.non_2xx += t.non_2xx;
            total.samples.extend(t.samples.into_iter().take(5usize.saturating_sub(total.samples.len())));
        }
        let elapsed = Instant::now().saturating_duration_since(measure_from);
        report(args, threads, &total, elapsed);
        if total.errors > 0 {
            anyhow::bail!("{} errors", total.errors);
        }
        Ok(())
    }

    async fn user_loop(target: &Target, user: &User, year: i32, measure_from: Instant, deadline: Instant) -> Tallies {
        let mut tally = Tallies::default();
        let mut i: u64 = 0;
        'connections: while Instant::now() < deadline {
            let Ok(mut connection) = Connection::open(target).await else {
                if Instant::now() >= measure_from {
                    tally.errors += 1;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            };
            while Instant::now() < deadline {
                let (class, method, path, body) = request(user, i, year);
                i += 1;
                let mut headers = vec![("cookie", user.cookie.as_str())];
                if body.is_some() {
                    headers.push(("x-csrf-token", user.csrf.as_str()));
                    headers.push(("content-type", "application/json"));
                }
                let begun = Instant::now();
                let body = Bytes::from(body.unwrap_or_default());
                let outcome =
                    tokio::time::timeout(REQUEST_TIMEOUT, connection.send(target, method, &path, &headers, body)).await;
                if begun < measure_from {
                    if !matches!(outcome, Ok(Ok(_))) {
                        continue 'connections;
                    }
                    continue;
                }
                match outcome {
                    Ok(Ok((status, _))) if status.is_success() => {
                        let slot = CLASSES.iter().position(|(c, _)| *c == class).unwrap_or(0);
                        tally.by_class[slot].record(begun.elapsed());
                    }
                    Ok(Ok((status, answer))) => {
                        tally.errors += 1;
                        tally.non_2xx += 1;
                        if tally.samples.len() < 5 {
                            let text = String::from_utf8_lossy(&answer);
                            tally.samples.push(format!(
                                "{method} {path}: {status} {}",
                                text.chars().take(200).collect::<String>()
                            ));
                        }
                    }
                    Ok(Err(e)) => {
                        tally.errors += 1;
                        if tally.samples.len() < 5 {
                            tally.samples.push(format!("{method} {path}: {e:#}"));
                        }
                        continue 'connections;
                    }
                    Err(_) => {
                        tally.errors += 1;
                        if tally.samples.len() < 5 {
                            tally.samples.push(format!("{method} {path}: no answer in {REQUEST_TIMEOUT:?}"));
                        }
                        continue 'connections;
                    }
                }
            }
        }
        tally
    }

    fn report(args: &Args, threads: usize, total: &Tallies, elapsed: Duration) {
        let mut all = Histogram::default();
        for h in &total.by_class {
            all.merge(h);
        }
        let rps = all.count() as f64 / elapsed.as_secs_f64().max(1e-9);
        let figures = |h: &Histogram| {
            serde_json::json!({
                "requests": h.count(),
                "p50_ms": millis(h.quantile(0.50)),
                "p99_ms": millis(h.quantile(0.99)),
                "max_ms": millis(h.max()),
            })
        };
        let mut classes = serde_json::Map::new();
        for ((_, name), h) in CLASSES.iter().zip(&total.by_class) {
            classes.insert(name.to_string(), figures(h));
        }
        let value = serde_json::json!({
            "label": args.label.clone().unwrap_or_else(|| "mix".into()),
            "url": args.url,
            "users": args.connections,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "client_threads": threads,
            "elapsed_s": (elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
            "requests": all.count(),
            "errors": total.errors,
            "non_2xx": total.non_2xx,
            "requests_per_s": rps.round(),
            "p50_ms": millis(all.quantile(0.50)),
            "p99_ms": millis(all.quantile(0.99)),
            "max_ms": millis(all.max()),
            "by_class": classes,
            "error_samples": total.samples,
        });
        if args.json {
            println!("{value}");
        } else {
            println!("{}", serde_json::to_string_pretty(&value).unwrap_or_default());
        }
    }
}
