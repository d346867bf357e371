//! The learning record's benchmarks (BENCHMARKS.md): `generate` fills a SQLite database with N
//! professionals and M credit records of one year; `recompute` computes every professional's year
//! from the database with the credit engine (as the compliance reports do) and prints the time, the
//! peak memory (VmHWM) and a checksum; `page` measures a professional's record page
//! (`/credits/people/{id}`, the whole router in-process with a signed-in administrator) with C
//! concurrent users on random people, and prints p50, p99 and max.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use clap::{Parser, Subcommand};
use http_body_util::BodyExt;
use jijiao_bench::{Histogram, millis};
use jijiao_domain::authz::Role;
use jijiao_domain::credits::learning_record::summarise;
use jijiao_domain::credits::{Person as EnginePerson, RuleSettings};
use jijiao_domain::org::{InspectionResult, OrgKind, UnitType};
use jijiao_storage::{Actor, DatabaseTarget, NewAccount, NewOrganisation, NewRole, Store, Vault};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use tower::ServiceExt;

/// The year the generated records belong to (2024 rules).
const YEAR: i32 = 2025;
/// A fixed key: the generated database is for benchmarks only.
const KEY: [u8; 32] = [7; 32];

#[derive(Parser)]
#[command(name = "credits", about = "Benchmarks of the learning record")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a benchmark database (the file must not exist)
    Generate {
        #[arg(long)]
        db: PathBuf,
        #[arg(long, default_value_t = 1_000_000)]
        people: i64,
        /// Records per person (all of the benchmark year)
        #[arg(long, default_value_t = 10)]
        per_person: i64,
        #[arg(long, default_value_t = 1000)]
        units: i64,
    },
    /// Recompute every professional's year from the database
    Recompute {
        #[arg(long)]
        db: PathBuf,
        /// Concurrent workers (one database connection each)
        #[arg(long, default_value_t = 2)]
        workers: usize,
        /// People per range (one pair of queries each)
        #[arg(long, default_value_t = 5000)]
        range: i64,
    },
    /// p50/p99 of the record page under concurrent users
    Page {
        #[arg(long)]
        db: PathBuf,
        #[arg(long, default_value_t = 32)]
        users: usize,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
    },
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        match args.command {
            Command::Generate { db, people, per_person, units } => generate(&db, people, per_person, units).await,
            Command::Recompute { db, workers, range } => recompute(&db, workers, range).await,
            Command::Page { db, users, seconds } => page(&db, users, seconds).await,
        }
    })
}

async fn open(db: &Path) -> anyhow::Result<Store> {
    let store = Store::open(&DatabaseTarget::SqliteFile(db.to_path_buf()), Vault::from_master_key(&KEY)).await?;
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

async fn generate(db: &Path, people: i64, per_person: i64, units: i64) -> anyhow::Result<()> {
    anyhow::ensure!(!db.exists(), "{} exists: generate into a new file", db.display());
    let started = Instant::now();
    let store = open(db).await?;
    store.load_reference_data().await?;
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
        unit_ids.push(id.0);
    }
    store.close().await;
    // Bulk rows go through a native SQLite pool: the store's API writes one audited row at a time.
    let options = SqliteConnectOptions::new()
        .filename(db)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Off);
    let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
    let vault = Vault::from_master_key(&KEY);
    let birth0 = chrono::NaiveDate::from_ymd_opt(1960, 1, 1).expect("a date");
    let now = 1_735_689_600_000i64;
    const BATCH: i64 = 500;
    let mut i = 0;
    while i < people {
        let mut tx = pool.begin().await?;
        let mut sql = String::from(
            "INSERT INTO people (id, name, id_number_enc, id_number_hash, sex, birth_date, title, employer_id, in_post, created_at, updated_at) VALUES ",
        );
        for k in i..(i + BATCH).min(people) {
            let birth = birth0 + chrono::Days::new((k % 14_000) as u64);
            let number = jijiao_domain::id_number::compose("110101", birth, (k / 14_000) as u16);
            let sex = if number.sex() == jijiao_domain::Sex::Male { "male" } else { "female" };
            let unit = unit_ids[(k % units) as usize];
            if k > i {
                sql.push(',');
            }
            sql.push_str(&format!(
                "({}, '专业人员{k}', '{}', '{}', '{sex}', '{}', '主治医师', {unit}, 1, {now}, {now})",
                k + 1,
                vault.encrypt(number.as_str()),
                vault.lookup_hash(number.as_str()),
                birth.format("%Y-%m-%d"),
            ));
        }
        sqlx::query(&sql).execute(&mut *tx).await?;
        tx.commit().await?;
        i += BATCH;
    }
    let people_done = started.elapsed();
    let kinds = [
        "'project', 'project', '心血管新进展', 'P1', 'national', 'face_to_face', 'participant', NULL, 9, NULL, NULL",
        "'project', 'project', '远程课程', 'P2', 'national', 'remote', 'participant', NULL, 12, NULL, NULL",
        "'practice', 'employer', '病例讨论', NULL, NULL, NULL, 'participant', NULL, 6, NULL, NULL",
        "'practice', 'employer', '教学查房', NULL, NULL, NULL, 'participant', NULL, 4, NULL, NULL",
        "'practice', 'employer', '业务学习', NULL, NULL, NULL, 'participant', NULL, 8, NULL, NULL",
        "'practice', 'employer', '专题讲座', NULL, NULL, NULL, 'speaker', NULL, 2, NULL, NULL",
        "'further_training', 'employer', '进修', NULL, NULL, NULL, NULL, 1, 60, NULL, '2025-03-01'",
        "'self_study', 'self_study', '读书报告', NULL, NULL, NULL, NULL, NULL, NULL, 20, NULL",
        "'other', 'employer', '其他', NULL, NULL, NULL, NULL, NULL, NULL, 10, NULL",
        "'practice', 'employer', '技能培训', NULL, NULL, NULL, 'participant', NULL, 3, NULL, NULL",
    ];
    let total = people * per_person;
    let mut n = 0i64;
    while n < total {
        let mut tx = pool.begin().await?;
        let mut sql = String::from(
            "INSERT INTO credit_records (person_id, org_id, province_code, year, kind, source, title, project_number, level, delivery, role, passed, hours_tenths, credits_tenths, start_date, end_date, status, recorded_by_name, created_at) VALUES ",
        );
        for r in n..(n + BATCH).min(total) {
            let person = r / per_person;
            let j = (r % per_person) as usize % kinds.len();
            let unit = unit_ids[(person % units) as usize];
            let kind = kinds[j].replace("P1", &format!("2025-01-{:02}-{:03}（国）", person % 28 + 1, person % 997));
            let end = format!("2025-{:02}-{:02}", j % 12 + 1, person % 28 + 1);
            let status = if j == 9 && person % 20 == 0 { "provisional" } else { "granted" };
            if r > n {
                sql.push(',');
            }
            // hours and credits are in tenths: the literals above are whole units.
            let kind = tenths(&kind);
            sql.push_str(&format!(
                "({}, {unit}, '11', {YEAR}, {kind}, '{end}', '{status}', '生成器', {now})",
                person + 1
            ));
        }
        sqlx::query(&sql).execute(&mut *tx).await?;
        tx.commit().await?;
        n += BATCH;
    }
    pool.close().await;
    println!(
        "generated {people} people in {:.1} s and {total} records in {:.1} s ({})",
        people_done.as_secs_f64(),
        (started.elapsed() - people_done).as_secs_f64(),
        db.display()
    );
    Ok(())
}

/// The generator's kind literals give hours and credits in whole units (positions 9 and 10 of 11):
/// multiply them by ten.
fn tenths(kind: &str) -> String {
    let mut parts: Vec<String> = kind.split(", ").map(str::to_string).collect();
    for i in [8, 9] {
        if let Ok(v) = parts[i].parse::<i64>() {
            parts[i] = (v * 10).to_string();
        }
    }
    parts.join(", ")
}

async fn recompute(db: &Path, workers: usize, range: i64) -> anyhow::Result<()> {
    anyhow::ensure!(db.exists(), "{} does not exist: run `generate` first", db.display());
    let store = open(db).await?;
    let started = Instant::now();
    let max = store.max_person_id().await?;
    let next = Arc::new(AtomicI64::new(1));
    let people = Arc::new(AtomicU64::new(0));
    let compliant = Arc::new(AtomicU64::new(0));
    let tenths = Arc::new(AtomicU64::new(0));
    let records = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (store, next, people, compliant, tenths, records) =
            (store.clone(), next.clone(), people.clone(), compliant.clone(), tenths.clone(), records.clone());
        tasks.push(tokio::spawn(async move {
            let settings = RuleSettings::default();
            loop {
                let from = next.fetch_add(range, Ordering::Relaxed);
                if from > max {
                    return Ok::<_, anyhow::Error>(());
                }
                let years = store.person_years_in_range(YEAR, from, from + range).await?;
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
                        let summary = summarise(YEAR as u16, &person, &py.records, &settings);
                        ok += u64::from(summary.report.compliant);
                        sum += summary.report.total.tenths();
                        recs += py.records.len() as u64;
                    }
                    (years.len() as u64, ok, sum, recs)
                });
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
    Ok(())
}

async fn page(db: &Path, users: usize, seconds: u64) -> anyhow::Result<()> {
    anyhow::ensure!(db.exists(), "{} does not exist: run `generate` first", db.display());
    let store = open(db).await?;
    let max = store.max_person_id().await?;
    anyhow::ensure!(max > 0, "no people: run `generate` first");
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
