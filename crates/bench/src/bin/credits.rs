//! The learning record's benchmarks (BENCHMARKS.md): `generate` fills a database (a new SQLite file,
//! or an empty PostgreSQL database) with N professionals and M credit records of one year through the
//! store's bulk load; `recompute` computes every professional's year from the database with the
//! credit engine (as the compliance reports do) and prints the time, the peak memory (VmHWM) and a
//! checksum; `page` measures a professional's record page (`/credits/people/{id}`, the whole router
//! in-process with a signed-in administrator) with C concurrent users on random people, and prints
//! p50, p99 and max.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::NaiveDate;
use clap::{Args as ClapArgs, Parser, Subcommand};
use http_body_util::BodyExt;
use jijiao_bench::{Histogram, millis};
use jijiao_domain::authz::Role;
use jijiao_domain::credits::learning_record::{RecordFacts, RecordSource, summarise};
use jijiao_domain::credits::{ActivityKind, Person as EnginePerson, Role as ActivityRole, RuleSettings};
use jijiao_domain::org::{Delivery, InspectionResult, Level, OrgKind, UnitType};
use jijiao_domain::{Credits, Hours, Year};
use jijiao_storage::credit_records::NewCreditRecord;
use jijiao_storage::{
    Actor, DEFAULT_POSTGRES_CONNECTIONS, DatabaseTarget, NewAccount, NewOrganisation, NewPerson, NewRole, OrgId,
    PersonId, Store, Vault,
};
use tower::ServiceExt;

/// The year the generated records belong to (2024 rules).
const YEAR: i32 = 2025;

/// [`YEAR`] as the store and the engine take it.
fn year() -> Year {
    Year::try_from(YEAR).expect("YEAR is a year")
}
/// A fixed key: the generated database is for benchmarks only.
const KEY: [u8; 32] = [7; 32];
/// People per bulk call (one transaction for them, one for their records).
const BATCH: i64 = 10_000;

#[derive(Parser)]
#[command(name = "credits", about = "Benchmarks of the learning record")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

/// The database: a SQLite file, or a PostgreSQL URL.
#[derive(ClapArgs)]
#[group(required = true, multiple = false)]
struct Target {
    /// SQLite file
    #[arg(long)]
    db: Option<PathBuf>,
    /// PostgreSQL URL, e.g. postgres://postgres@127.0.0.1:5432/jijiao_bench_credits
    #[arg(long)]
    postgres: Option<String>,
}

impl Target {
    fn database(&self) -> DatabaseTarget {
        match (&self.db, &self.postgres) {
            (_, Some(url)) => DatabaseTarget::Postgres(url.clone()),
            (Some(path), None) => DatabaseTarget::SqliteFile(path.clone()),
            (None, None) => unreachable!("clap requires one of --db and --postgres"),
        }
    }

    fn describe(&self) -> String {
        match (&self.db, &self.postgres) {
            (Some(path), _) => format!("SQLite {}", path.display()),
            _ => "PostgreSQL".to_string(),
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Fill a new database: a SQLite file that does not exist, or a PostgreSQL database without people
    Generate {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value_t = 1_000_000)]
        people: i64,
        /// Records per person (all of the benchmark year)
        #[arg(long, default_value_t = 10)]
        per_person: i64,
        #[arg(long, default_value_t = 1000)]
        units: i64,
        /// Concurrent loaders: one encodes a batch while the other writes
        #[arg(long, default_value_t = 2)]
        jobs: usize,
    },
    /// Recompute every professional's year from the database
    Recompute {
        #[command(flatten)]
        target: Target,
        /// Concurrent workers (one database connection each)
        #[arg(long, default_value_t = 2)]
        workers: usize,
        /// People per range (one pair of queries each); memory grows with it, speed hardly
        #[arg(long, default_value_t = 1000)]
        range: i64,
        /// Then the floor: the same two statements per range, by as many workers, straight
        /// through sqlx's native driver of the backend (no `Any` driver, no decryption, no JSON
        /// parsing, no engine), and the recompute's time against it
        #[arg(long)]
        floor: bool,
    },
    /// The record page's floor on PostgreSQL: the six statements one page sends (session with its
    /// account, the account's roles, the person, the employer, the year's records, the years), in
    /// the same order and with the same parameters, straight through sqlx's native PostgreSQL pool
    /// (no `Any` driver, no store, no router, no engine, no HTML), by the same concurrent users
    PageFloor {
        /// A PostgreSQL URL of a database `generate` filled (and `page` ran on, for a session)
        #[arg(long)]
        postgres: String,
        #[arg(long, default_value_t = 32)]
        users: usize,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// Four statements instead of six: the floor of a page that read its person with the
        /// employer and its records with the years in one statement each (the employer and the
        /// years are left out, so this is below any such page)
        #[arg(long)]
        four: bool,
        /// All of a page's statements on one connection taken from the pool once: sqlx pings a
        /// connection each time it goes back to the pool (a round trip), so a statement per
        /// acquisition pays one ping each, a page on one connection one in all
        #[arg(long, conflicts_with = "in_pairs")]
        one_connection: bool,
        /// The statements in three pairs, a connection each, as the page takes them since the tenth
        /// session: the session with its roles, the person with the employer, the records with the
        /// years
        #[arg(long)]
        in_pairs: bool,
    },
    /// p50/p99 of the record page under concurrent users
    Page {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value_t = 32)]
        users: usize,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// With `--postgres`: the store's pool (`JIJIAO_DATABASE_CONNECTIONS`).
        #[arg(long, default_value_t = DEFAULT_POSTGRES_CONNECTIONS)]
        connections: u32,
    },
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        match args.command {
            Command::Generate { target, people, per_person, units, jobs } => {
                generate(&target, people, per_person, units, jobs).await
            }
            Command::Recompute { target, workers, range, floor } => {
                let elapsed = recompute(&target, workers, range).await?;
                if floor {
                    recompute_floor(&target, workers, range, elapsed).await?;
                }
                Ok(())
            }
            Command::Page { target, users, seconds, connections } => page(&target, users, seconds, connections).await,
            Command::PageFloor { postgres, users, seconds, four, one_connection, in_pairs } => {
                let acquire = if one_connection {
                    Acquire::Once
                } else if in_pairs {
                    Acquire::PerPair
                } else {
                    Acquire::PerStatement
                };
                page_floor(&postgres, users, seconds, four, acquire).await
            }
        }
    })
}

async fn open(target: &Target, connections: u32) -> anyhow::Result<Store> {
    let store = Store::open_with(&target.database(), Vault::from_master_key(&KEY), connections).await?;
    Ok(store)
}

/// Opens a database that `generate` has filled (refuses a missing SQLite file rather than creating it).
async fn open_filled(target: &Target, connections: u32) -> anyhow::Result<Store> {
    if let Some(path) = &target.db {
        anyhow::ensure!(path.exists(), "{} does not exist: run `generate` first", path.display());
    }
    let store = open(target, connections).await?;
    anyhow::ensure!(store.max_person_id().await? > 0, "no people: run `generate` first");
    Ok(store)
}

/// Peak resident memory of this process (Linux), in MiB.
fn peak_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    kb / 1024
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

/// The k-th professional (0-based): an ID number unique for k < 14,000,000 (14,000 birth dates ×
/// 1,000 sequences), a phone, and an employer among the units.
fn professional(k: i64, units: &[OrgId]) -> NewPerson {
    let birth = date(1960, 1, 1) + chrono::Days::new((k % 14_000) as u64);
    NewPerson {
        name: format!("专业人员{k}"),
        id_number: jijiao_domain::id_number::compose("110101", birth, (k / 14_000) as u16),
        title: Some("主治医师".into()),
        employer_id: Some(units[(k as usize) % units.len()]),
        in_post: true,
        phone: Some(format!("139{k:08}")),
    }
}

/// The j-th record of the k-th professional, all ending in [`YEAR`]: a mix of every kind a 2025
/// record may be (projects face to face and remote, practice as participant and speaker, further
/// training, self-study, other). The tenth kind is provisional for one person in twenty, so the
/// recomputation skips it. Hours and credits are integer tenths.
fn record(k: i64, j: i64, person: PersonId) -> NewCreditRecord {
    let day = (k % 28 + 1) as u32;
    let slot = j % 10;
    let end = date(YEAR, (j % 12 + 1) as u32, day);
    let practice = |title: &str, role, tenths| RecordFacts {
        kind: ActivityKind::Practice,
        title: title.into(),
        project_number: None,
        level: None,
        delivery: None,
        role: Some(role),
        start: None,
        end,
        passed: None,
        hours: Some(Hours::from_tenths(tenths)),
        credits: None,
        legacy_class: None,
    };
    let project = |title: &str, delivery, tenths| RecordFacts {
        kind: ActivityKind::Project,
        project_number: Some(format!("{YEAR}-{:02}-{day:02}-{:03}（国）", slot + 1, k % 997)),
        level: Some(Level::National),
        delivery: Some(delivery),
        ..practice(title, ActivityRole::Participant, tenths)
    };
    let given = |kind, title: &str, tenths| RecordFacts {
        kind,
        role: None,
        hours: None,
        credits: Some(Credits::from_tenths(tenths)),
        ..practice(title, ActivityRole::Participant, 0)
    };
    let (source, facts) = match slot {
        0 => (RecordSource::Project, project("心血管新进展", Delivery::FaceToFace, 90)),
        1 => (RecordSource::Project, project("远程课程", Delivery::Remote, 120)),
        2 => (RecordSource::Employer, practice("病例讨论", ActivityRole::Participant, 60)),
        3 => (RecordSource::Employer, practice("教学查房", ActivityRole::Participant, 40)),
        4 => (RecordSource::Employer, practice("业务学习", ActivityRole::Participant, 80)),
        5 => (RecordSource::Employer, practice("专题讲座", ActivityRole::Speaker, 20)),
        6 => (
            RecordSource::Employer,
            RecordFacts {
                kind: ActivityKind::FurtherTraining,
                role: None,
                start: Some(date(YEAR, 3, 1)),
                passed: Some(true),
                ..practice("进修", ActivityRole::Participant, 600)
            },
        ),
        7 => (RecordSource::SelfStudy, given(ActivityKind::SelfStudy, "读书报告", 200)),
        8 => (RecordSource::Employer, given(ActivityKind::Other, "其他", 100)),
        _ => (RecordSource::Employer, practice("技能培训", ActivityRole::Participant, 30)),
    };
    NewCreditRecord { person_id: person, source, source_ref: None, facts, granted: !(slot == 9 && k % 20 == 0) }
}

async fn generate(target: &Target, people: i64, per_person: i64, units: i64, jobs: usize) -> anyhow::Result<()> {
    if let Some(path) = &target.db {
        anyhow::ensure!(!path.exists(), "{} exists: generate into a new file", path.display());
    }
    let started = Instant::now();
    let store = open(target, DEFAULT_POSTGRES_CONNECTIONS).await?;
    anyhow::ensure!(store.max_person_id().await? == 0, "the database has people: generate into an empty one");
    let actor = Actor::system("基准数据");
    let mut unit_ids = Vec::with_capacity(units as usize);
    for u in 0..units {
        let id = store
            .create_organisation(
                &actor,
                &NewOrganisation {
                    kind: OrgKind::Unit,
                    name: format!("基准医院{u}"),
                    parent_id: None,
                    province_code: Some("11".into()),
                    unit_type: Some(UnitType::Hospital),
                    grassroots: u % 10 == 9,
                    cme_qualified: true,
                    remote_qualified: false,
                    inspection: InspectionResult::Passed,
                },
            )
            .await?;
        unit_ids.push(id);
    }
    let unit_ids = Arc::new(unit_ids);
    // Batches of people, each followed by its people's records, taken by `jobs` loaders: while one
    // loader writes (the database takes one writer at a time), the other builds and encrypts its batch.
    let next = Arc::new(AtomicI64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..jobs.max(1) {
        let (store, next, unit_ids, actor) = (store.clone(), next.clone(), unit_ids.clone(), actor.clone());
        tasks.push(tokio::spawn(async move {
            let mut records_written = 0usize;
            loop {
                let from = next.fetch_add(BATCH, Ordering::Relaxed);
                if from >= people {
                    return Ok::<_, anyhow::Error>(records_written);
                }
                let to = (from + BATCH).min(people);
                let batch: Vec<NewPerson> = (from..to).map(|k| professional(k, &unit_ids)).collect();
                let ids = store.bulk_create_people(&actor, &batch).await?;
                let records: Vec<NewCreditRecord> =
                    (from..to).zip(&ids).flat_map(|(k, &id)| (0..per_person).map(move |j| record(k, j, id))).collect();
                records_written += store.bulk_record_credits(&actor, &records).await?;
            }
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await??;
    }
    store.close().await;
    println!(
        "generated {people} people and {total} records in {:.1} s ({}); peak memory {} MiB",
        started.elapsed().as_secs_f64(),
        target.describe(),
        peak_mib()
    );
    Ok(())
}

async fn recompute(target: &Target, workers: usize, range: i64) -> anyhow::Result<Duration> {
    let store = open_filled(target, DEFAULT_POSTGRES_CONNECTIONS).await?;
    let started = Instant::now();
    let max = store.max_person_id().await?;
    let next = Arc::new(AtomicI64::new(1));
    let people = Arc::new(AtomicU64::new(0));
    let compliant = Arc::new(AtomicU64::new(0));
    let tenths = Arc::new(AtomicU64::new(0));
    let records = Arc::new(AtomicU64::new(0));
    // Where the time goes, summed over workers: waiting for the store's two queries (and decoding
    // their rows), and the engine.
    let (load_ns, engine_ns) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (store, next, people, compliant, tenths, records) =
            (store.clone(), next.clone(), people.clone(), compliant.clone(), tenths.clone(), records.clone());
        let (load_ns, engine_ns) = (load_ns.clone(), engine_ns.clone());
        tasks.push(tokio::spawn(async move {
            let settings = RuleSettings::default();
            loop {
                let from = next.fetch_add(range, Ordering::Relaxed);
                if from > max {
                    return Ok::<_, anyhow::Error>(());
                }
                let begun = Instant::now();
                let years = store.person_years_in_range(year(), from, from + range).await?;
                let loaded = Instant::now();
                load_ns.fetch_add((loaded - begun).as_nanos() as u64, Ordering::Relaxed);
                // The engine is CPU work: off the async workers, in place.
                let (n, ok, sum, recs) = tokio::task::block_in_place(|| {
                    let mut ok = 0;
                    let mut sum = 0i64;
                    let mut recs = 0;
                    for py in &years {
                        let province = py
                            .province_code
                            .as_deref()
                            .and_then(jijiao_domain::province::by_code)
                            .map_or_else(|| "北京市".to_string(), |p| p.name.to_string());
                        let person =
                            EnginePerson { id_number: py.id_number.clone(), province, grassroots: py.grassroots };
                        let summary = summarise(year(), &person, &py.records, &settings);
                        ok += u64::from(summary.report.compliant);
                        sum += summary.report.total.tenths();
                        recs += py.records.len() as u64;
                    }
                    (years.len() as u64, ok, sum, recs)
                });
                engine_ns.fetch_add(loaded.elapsed().as_nanos() as u64, Ordering::Relaxed);
                people.fetch_add(n, Ordering::Relaxed);
                compliant.fetch_add(ok, Ordering::Relaxed);
                tenths.fetch_add(sum as u64, Ordering::Relaxed);
                records.fetch_add(recs, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    let elapsed = started.elapsed();
    println!(
        "recomputed {} people ({} granted records) in {:.1} s with {workers} workers; {} compliant; checksum {} tenths; peak memory {} MiB",
        people.load(Ordering::Relaxed),
        records.load(Ordering::Relaxed),
        elapsed.as_secs_f64(),
        compliant.load(Ordering::Relaxed),
        tenths.load(Ordering::Relaxed),
        peak_mib()
    );
    println!(
        "  summed over workers: store (queries and rows) {:.1} s, engine {:.1} s",
        load_ns.load(Ordering::Relaxed) as f64 / 1e9,
        engine_ns.load(Ordering::Relaxed) as f64 / 1e9
    );
    store.close().await;
    Ok(elapsed)
}

/// See `--floor` of [`Command::Recompute`]: the statements of `Store::person_years_in_range`, as
/// the store sends them, the records' JSON built by the database but only received.
async fn recompute_floor(target: &Target, workers: usize, range: i64, recompute: Duration) -> anyhow::Result<()> {
    const PEOPLE: &str = "SELECT p.id, p.name, p.id_number_enc, p.employer_id, o.name AS org_name, \
        COALESCE(o.province_code, (SELECT re.province_code FROM roster_entries re WHERE re.person_id = p.id \
        ORDER BY re.id DESC LIMIT 1)) AS province_code, o.grassroots FROM people p \
        LEFT JOIN organisations o ON o.id = p.employer_id WHERE p.id >= $1 AND p.id < $2 ORDER BY p.id";
    const FIELDS: &str = "r.id, r.kind, r.title, r.project_number, r.level, r.delivery, r.role, r.start_date, \
        r.end_date, r.passed, r.hours_tenths, r.credits_tenths, r.legacy_class, r.reverses_id";
    let records = |aggregate: &str| {
        format!(
            "SELECT r.person_id, {aggregate} AS records FROM credit_records r WHERE r.person_id >= $1 \
             AND r.person_id < $2 AND r.year = $3 AND r.status = 'granted' GROUP BY r.person_id ORDER BY r.person_id"
        )
    };
    // The same loop on either backend's native pool: ranges taken by `workers` tasks, both
    // statements per range, rows received and counted.
    macro_rules! walk {
        ($pool:expr, $records_sql:expr) => {{
            let pool = $pool;
            let records_sql = Arc::new($records_sql);
            let max: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM people").fetch_one(&pool).await?;
            let next = Arc::new(AtomicI64::new(1));
            let started = Instant::now();
            let mut tasks = Vec::new();
            for _ in 0..workers {
                let (pool, next, records_sql) = (pool.clone(), next.clone(), records_sql.clone());
                tasks.push(tokio::spawn(async move {
                    let (mut people, mut with_records) = (0u64, 0u64);
                    loop {
                        let from = next.fetch_add(range, Ordering::Relaxed);
                        if from > max {
                            return Ok::<_, anyhow::Error>((people, with_records));
                        }
                        people +=
                            sqlx::query(PEOPLE).bind(from).bind(from + range).fetch_all(&pool).await?.len() as u64;
                        with_records += sqlx::query(records_sql.as_str())
                            .bind(from)
                            .bind(from + range)
                            .bind(i64::from(YEAR))
                            .fetch_all(&pool)
                            .await?
                            .len() as u64;
                    }
                }));
            }
            let (mut people, mut with_records) = (0, 0);
            for t in tasks {
                let (p, r) = t.await??;
                people += p;
                with_records += r;
            }
            pool.close().await;
            (started.elapsed(), people, with_records)
        }};
    }
    let (floor, people, with_records) = match (&target.db, &target.postgres) {
        (_, Some(url)) => {
            let pool = jijiao_bench::native_postgres_pool(workers as u32).connect(url).await?;
            walk!(pool, records(&format!("CAST(json_agg(json_build_array({FIELDS})) AS TEXT)")))
        }
        (Some(path), None) => {
            let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path);
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(workers as u32)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        sqlx::Executor::execute(conn, jijiao_storage::SQLITE_CONNECTION_SETTINGS).await?;
                        Ok(())
                    })
                })
                .connect_with(options)
                .await?;
            walk!(pool, records(&format!("json_group_array(json_array({FIELDS}))")))
        }
        (None, None) => unreachable!("clap requires one of --db and --postgres"),
    };
    println!(
        "  floor ({}, native sqlx driver, {workers} workers, ranges of {range}): the same two statements for {people} people ({with_records} with granted records) in {:.1} s; recompute against it {:.2}×",
        target.describe(),
        floor.as_secs_f64(),
        recompute.as_secs_f64() / floor.as_secs_f64()
    );
    Ok(())
}

async fn page(target: &Target, users: usize, seconds: u64, connections: u32) -> anyhow::Result<()> {
    let store = open_filled(target, connections).await?;
    let max = store.max_person_id().await?;
    let username = "bench-national";
    let account = match store.account_by_username(username).await {
        Ok(a) => a.id,
        Err(_) => {
            store
                .create_account(
                    &Actor::system("基准数据"),
                    &NewAccount {
                        username: username.into(),
                        display_name: "基准管理员".into(),
                        password_hash: "x".into(),
                        person_id: None,
                        confirmed: true,
                        must_change_password: false,
                    },
                    &[NewRole { role: Role::NationalAdmin, org_id: None, province_code: None }],
                )
                .await?
        }
    };
    let (token, _) = store.create_session(account, None, 3_600_000).await?;
    let cookie = format!("jijiao_session={token}");
    let settings = jijiao_web::WebSettings { secure_cookies: false, ..Default::default() };
    let app = jijiao_web::router(jijiao_web::AppState::with_settings(store.clone(), settings));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for u in 0..users {
        let (app, cookie) = (app.clone(), cookie.clone());
        tasks.push(tokio::spawn(async move {
            let mut histogram = Histogram::new();
            let mut errors = 0u64;
            // A small deterministic generator: every user visits different people.
            let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ (u as u64 + 1);
            while Instant::now() < deadline {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let person = (x % max as u64) as i64 + 1;
                let request = Request::get(format!("/credits/people/{person}?year={YEAR}"))
                    .header(header::COOKIE, &cookie)
                    .body(Body::empty())
                    .context("request")?;
                let begun = Instant::now();
                let response = app.clone().oneshot(request).await.context("router")?;
                let status = response.status();
                let _ = response.into_body().collect().await;
                histogram.record(begun.elapsed());
                if status != StatusCode::OK {
                    errors += 1;
                }
            }
            Ok::<_, anyhow::Error>((histogram, errors))
        }));
    }
    let mut all = Histogram::new();
    let mut errors = 0;
    for t in tasks {
        let (h, e) = t.await??;
        all.merge(&h);
        errors += e;
    }
    println!(
        "record page /credits/people/{{id}}: {} requests by {users} users in {seconds} s ({:.0}/s); p50 {} ms, p99 {} ms, max {} ms; {errors} non-200; peak memory {} MiB",
        all.count(),
        all.count() as f64 / seconds as f64,
        millis(all.quantile(0.5)),
        millis(all.quantile(0.99)),
        millis(all.max()),
        peak_mib()
    );
    Ok(())
}

/// How the record page's floor takes connections from the pool for a page's statements.
#[derive(Clone, Copy, Debug)]
enum Acquire {
    PerStatement,
    PerPair,
    Once,
}

/// See [`Command::PageFloor`]. The statements are the store's, as PostgreSQL's log shows one page.
async fn page_floor(url: &str, users: usize, seconds: u64, four: bool, acquire: Acquire) -> anyhow::Result<()> {
    use sqlx::Row;
    const SESSION: &str = "SELECT s.account_id, s.csrf_token, s.last_seen_at, s.expires_at, a.id, a.username, \
        a.display_name, a.password_hash, a.person_id, a.disabled, a.confirmed, a.must_change_password, a.created_at, \
        a.rejected_reason FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = $1";
    const ROLES: &str = "SELECT r.role, r.province_code, o.id AS org_id, o.kind AS org_kind, up.id AS parent_id, \
        up.kind AS parent_kind FROM account_roles r LEFT JOIN people pe ON pe.id = $2 \
        LEFT JOIN organisations o ON o.id = CASE WHEN r.role IN ($3, $4) THEN pe.employer_id ELSE r.org_id END \
        LEFT JOIN organisations up ON up.id = o.parent_id WHERE r.account_id = $1 ORDER BY r.id";
    const PERSON: &str = "SELECT p.id, p.name, p.id_number_enc, p.sex, p.birth_date, p.title, p.employer_id, p.in_post, \
        p.phone_enc, p.created_at FROM people p WHERE p.id = $1";
    const ORGANISATION: &str = "SELECT id, kind, name, parent_id, province_code, unit_type, grassroots, cme_qualified, \
        remote_qualified, inspection, created_at, updated_at, (SELECT d.id FROM organisations d \
        WHERE d.id = organisations.parent_id AND d.kind = 'district') AS parent_district_id FROM organisations WHERE id = $1";
    const RECORDS: &str = "SELECT r.id, r.person_id, p.name AS person_name, r.org_id, \
        (SELECT o.name FROM organisations o WHERE o.id = r.org_id) AS org_name, r.province_code, r.year, r.kind, r.source, r.source_ref, r.title, r.project_number, r.level, r.delivery, r.role, r.start_date, \
        r.end_date, r.passed, r.hours_tenths, r.credits_tenths, r.legacy_class, r.status, r.reject_reason, r.reverses_id, \
        (SELECT c.id FROM credit_records c WHERE c.reverses_id = r.id) AS reversed_by, r.recorded_by, r.recorded_by_name, \
        r.decided_by, r.decided_by_name, r.decided_at, r.created_at FROM credit_records r JOIN people p ON p.id = r.person_id \
        WHERE r.person_id = $1 AND r.year = $2 ORDER BY r.end_date, r.id";
    const YEARS: &str = "SELECT DISTINCT year FROM credit_records WHERE person_id = $1 ORDER BY year DESC";

    // The page's statements in three pairs, each pair on `$on`, evaluated once per statement:
    // `&pool` takes a connection for each (and pings it as it goes back), `&mut *conn` runs the
    // pair on one.
    macro_rules! session_pair {
        ($on:expr, $token_hash:expr, $account:expr) => {{
            sqlx::query(SESSION).bind(&$token_hash).fetch_one($on).await?;
            sqlx::query(ROLES)
                .bind($account)
                .bind(None::<i64>)
                .bind("professional")
                .bind("unit_admin")
                .fetch_all($on)
                .await?;
        }};
    }
    macro_rules! person_pair {
        ($on:expr, $person:expr) => {{
            let row = sqlx::query(PERSON).bind($person).fetch_one($on).await?;
            if let Some(employer) = row.try_get::<Option<i64>, _>("employer_id")?
                && !four
            {
                sqlx::query(ORGANISATION).bind(employer).fetch_one($on).await?;
            }
        }};
    }
    macro_rules! records_pair {
        ($on:expr, $person:expr) => {{
            sqlx::query(RECORDS).bind($person).bind(i64::from(YEAR)).fetch_all($on).await?;
            if !four {
                sqlx::query(YEARS).bind($person).fetch_all($on).await?;
            }
        }};
    }

    // The same pool size and connection settings as the store's on PostgreSQL.
    let pool = jijiao_bench::native_postgres_pool(16).connect(url).await?;
    let (token_hash, account): (String, i64) =
        sqlx::query_as("SELECT token_hash, account_id FROM sessions ORDER BY created_at DESC LIMIT 1")
            .fetch_one(&pool)
            .await
            .context("a session: run `credits page` on this database first")?;
    let max: i64 = sqlx::query_scalar("SELECT MAX(id) FROM people").fetch_one(&pool).await?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for u in 0..users {
        let (pool, token_hash) = (pool.clone(), token_hash.clone());
        tasks.push(tokio::spawn(async move {
            let mut histogram = Histogram::new();
            let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ (u as u64 + 1);
            while Instant::now() < deadline {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let person = (x % max as u64) as i64 + 1;
                let begun = Instant::now();
                match acquire {
                    Acquire::Once => {
                        let mut conn = pool.acquire().await?;
                        session_pair!(&mut *conn, token_hash, account);
                        person_pair!(&mut *conn, person);
                        records_pair!(&mut *conn, person);
                    }
                    Acquire::PerPair => {
                        let mut conn = pool.acquire().await?;
                        session_pair!(&mut *conn, token_hash, account);
                        drop(conn);
                        let mut conn = pool.acquire().await?;
                        person_pair!(&mut *conn, person);
                        drop(conn);
                        let mut conn = pool.acquire().await?;
                        records_pair!(&mut *conn, person);
                    }
                    Acquire::PerStatement => {
                        session_pair!(&pool, token_hash, account);
                        person_pair!(&pool, person);
                        records_pair!(&pool, person);
                    }
                }
                histogram.record(begun.elapsed());
            }
            Ok::<_, anyhow::Error>(histogram)
        }));
    }
    let mut all = Histogram::new();
    for t in tasks {
        all.merge(&t.await??);
    }
    println!(
        "record page floor ({} statements, native sqlx PostgreSQL, {}): {} pages by {users} users in {seconds} s ({:.0}/s); p50 {} ms, p99 {} ms, max {} ms",
        if four { "four" } else { "its six" },
        match acquire {
            Acquire::Once => "one connection a page",
            Acquire::PerPair => "a connection a pair of statements",
            Acquire::PerStatement => "a connection a statement",
        },
        all.count(),
        all.count() as f64 / seconds as f64,
        millis(all.quantile(0.5)),
        millis(all.quantile(0.99)),
        millis(all.max())
    );
    Ok(())
}
