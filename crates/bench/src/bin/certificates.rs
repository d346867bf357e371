//! The certificates' benchmarks (issue 17, BENCHMARKS.md): on a fresh database with N professionals
//! of 北京 and one granted project record each, `issue` times issuing their N certificates in one
//! call (numbers and Ed25519 signatures, no PDFs: the 1,000 certificates of one period should take
//! under 1 s); `pdf` times one certificate's PDF (median of K; target under 100 ms); `verify` times
//! `GET /api/v1/certificates/{number}` through the whole router in-process with C concurrent
//! callers, and prints requests per second with p50 and p99 beside the catalogue's per-project
//! request (`GET /api/v1/projects/{number}` over M published projects) driven the same way in the
//! same run, rounds alternating, and the ratio (target: verification at least 80 % of the
//! catalogue's rate); the public pages (`/certificates/verify?number=` beside `/projects/{number}`)
//! likewise.
//!
//! A program whose output is the figure, never a timed test. Quick smoke run:
//! `cargo run --release -p jijiao-bench --bin certificates -- --people 50 --pdfs 3 --requests 200`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::NaiveDate;
use clap::Parser;
use http_body_util::BodyExt;
use jijiao_bench::{Histogram, millis};
use jijiao_domain::Hours;
use jijiao_domain::credits::learning_record::{RecordFacts, RecordSource};
use jijiao_domain::credits::{ActivityKind, Role};
use jijiao_domain::org::{Delivery, Level};
use jijiao_storage::credit_records::{Decision, NewCreditRecord};
use jijiao_storage::testing::hospital;
use jijiao_storage::{Actor, DatabaseTarget, NewPerson, Store, Vault};
use tower::ServiceExt;

#[derive(Parser)]
#[command(name = "certificates", about = "Benchmarks of electronic credit certificates")]
struct Args {
    /// Professionals, one certificate each (the period's roster).
    #[arg(long, default_value_t = 1000)]
    people: u64,
    /// PDFs to time (median printed).
    #[arg(long, default_value_t = 20)]
    pdfs: usize,
    /// Verification requests in all.
    #[arg(long, default_value_t = 20_000)]
    requests: usize,
    /// Concurrent verification callers.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Published projects whose pages the verification is compared with.
    #[arg(long, default_value_t = 1000)]
    projects: usize,
    /// Alternating rounds of each kind of request (catalogue, then verification).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// PostgreSQL URL of an empty database; a temporary SQLite file otherwise.
    #[arg(long)]
    postgres: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let target = match &args.postgres {
        Some(url) => DatabaseTarget::Postgres(url.clone()),
        None => DatabaseTarget::SqliteFile(dir.path().join("bench.sqlite3")),
    };
    let store = Store::open(&target, Vault::from_master_key(&[7; 32])).await?;
    let actor = Actor::system("基准测试");
    let unit = store.create_organisation(&actor, &hospital("基准医院", "11")).await?;
    let mut records = Vec::with_capacity(args.people as usize);
    let day = NaiveDate::from_ymd_opt(2026, 5, 12).expect("a date");
    let mut new = Vec::with_capacity(args.people as usize);
    for n in 0..args.people {
        let id = jijiao_domain::id_number::compose(
            "110101",
            NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date") + chrono::Days::new(n),
            (n % 900) as u16 + 1,
        );
        let person = store
            .create_person(
                &actor,
                &NewPerson {
                    name: format!("学员{n}"),
                    id_number: id,
                    title: None,
                    employer_id: Some(unit),
                    in_post: true,
                    phone: None,
                },
            )
            .await?;
        new.push(NewCreditRecord {
            person_id: person,
            source: RecordSource::Project,
            source_ref: None,
            facts: RecordFacts {
                kind: ActivityKind::Project,
                title: "心力衰竭规范化诊疗".into(),
                project_number: Some("2026-03-07-012（国）".into()),
                level: Some(Level::National),
                delivery: Some(Delivery::FaceToFace),
                role: Some(Role::Participant),
                start: Some(day - chrono::Days::new(2)),
                end: day,
                passed: Some(true),
                hours: Some(Hours::whole(18)),
                credits: None,
                legacy_class: None,
            },
            granted: false,
        });
    }
    for chunk in new.chunks(1000) {
        let ids = store.record_credits(&actor, chunk).await?;
        store.decide_credits(&actor, &ids, &Decision::Grant).await?;
        records.extend(ids);
    }
    let app = jijiao_app::App::new(store.clone());

    let started = Instant::now();
    let issued = jijiao_app::certificates::issue_certificates_for(&app, &actor, &records).await?;
    let elapsed = started.elapsed();
    println!(
        "issue: {} certificates in {:.3} s (numbers, signatures, audit; no PDFs)",
        issued.len(),
        elapsed.as_secs_f64()
    );

    let mut times = Vec::with_capacity(args.pdfs);
    for c in issued.iter().cycle().take(args.pdfs) {
        let started = Instant::now();
        let pdf = jijiao_app::certificates::pdf(c, "https://jijiao.example").await?;
        times.push(started.elapsed());
        anyhow::ensure!(pdf.starts_with(b"%PDF"), "not a PDF");
    }
    times.sort();
    if !times.is_empty() {
        println!(
            "pdf: median {:.3} ms, max {:.3} ms over {}",
            millis(jijiao_bench::median(&times)),
            millis(times[times.len() - 1]),
            times.len()
        );
    }

    let year = jijiao_domain::Year::try_from(2026).expect("a year");
    let projects = jijiao_bench::catalogue::publish(&store, args.projects, year).await?;
    let router = jijiao_web::router(jijiao_web::AppState::new(store.clone()));
    let certificates: Vec<String> = issued.iter().map(|c| c.number.clone()).collect();
    let kinds: [(&str, Vec<String>); 4] = [
        (
            "catalogue API  GET /api/v1/projects/{number}",
            projects.iter().map(|n| format!("/api/v1/projects/{}", encode(n))).collect(),
        ),
        (
            "verify API     GET /api/v1/certificates/{number}",
            certificates.iter().map(|n| format!("/api/v1/certificates/{n}")).collect(),
        ),
        (
            "catalogue page GET /projects/{number}",
            projects.iter().map(|n| format!("/projects/{}", encode(n))).collect(),
        ),
        (
            "verify page    GET /certificates/verify?number=",
            certificates.iter().map(|n| format!("/certificates/verify?number={n}")).collect(),
        ),
    ];
    let mut rates = [0.0f64; 4];
    for round in 1..=args.rounds {
        for (k, (label, uris)) in kinds.iter().enumerate() {
            let (rate, histogram) = drive(&router, uris, args.requests, args.concurrency).await?;
            rates[k] += rate / args.rounds as f64;
            println!(
                "round {round} {label}: {rate:.0} per second, p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
                millis(histogram.quantile(0.5)),
                millis(histogram.quantile(0.99)),
                millis(histogram.max())
            );
        }
    }
    println!(
        "verification ÷ catalogue, mean of {} rounds: API {:.0}/s ÷ {:.0}/s = {:.0} %; pages {:.0}/s ÷ {:.0}/s = {:.0} % (target ≥ 80 %)",
        args.rounds,
        rates[1],
        rates[0],
        100.0 * rates[1] / rates[0],
        rates[3],
        rates[2],
        100.0 * rates[3] / rates[2]
    );
    // The floor of the difference: a verification is the catalogue's kind of request (one row read
    // by its key, JSON out) plus the signature check, which nothing can skip. Timed here alone, on one
    // core: the whole check of the facts (parse, canonical JSON, Ed25519 with the key's point decoded
    // once, as the server keeps it). With the catalogue's request costing `cores / rate` of a core,
    // verification can reach at most catalogue ÷ (catalogue + check) of its rate.
    let keys = store.published_keys().await?;
    let points = jijiao_app::certificates::DecodedKeys::default();
    // The fastest of ten batches: on a shared machine a batch that lost its core says nothing
    // about the check.
    let batch = 400;
    let mut check_us = f64::INFINITY;
    for _ in 0..10 {
        let started = Instant::now();
        for c in issued.iter().cycle().take(batch) {
            jijiao_domain::certificate::verify_decoding(&c.facts, &c.signature, &keys, |k| points.get(k))?;
        }
        check_us = check_us.min(started.elapsed().as_secs_f64() * 1e6 / batch as f64);
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let catalogue_us = cores * 1e6 / rates[0];
    println!(
        "floor: the signature check alone {check_us:.1} µs of a core; the catalogue's request {catalogue_us:.1} µs \
         ({cores} cores ÷ its rate): verification's ceiling {:.0} % of the catalogue's rate, reached {:.0} %",
        100.0 * catalogue_us / (catalogue_us + check_us),
        100.0 * rates[1] / rates[0]
    );
    store.close().await;
    Ok(())
}

/// `requests` GETs of `uris` (spread over them) by `concurrency` callers through the whole router
/// in-process, each answer read to its end and required to be 200: (requests per second, latencies).
async fn drive(
    router: &axum::Router,
    uris: &[String],
    requests: usize,
    concurrency: usize,
) -> anyhow::Result<(f64, Histogram)> {
    let uris = Arc::new(uris.to_vec());
    let per_caller = requests / concurrency.max(1);
    let started = Instant::now();
    let mut callers = Vec::new();
    for caller in 0..concurrency {
        let (router, uris) = (router.clone(), uris.clone());
        callers.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_caller);
            for i in 0..per_caller {
                let uri = &uris[(caller * 7919 + i * 104_729) % uris.len()];
                let request = Request::get(uri.as_str()).body(Body::empty())?;
                let t = Instant::now();
                let response = router.clone().oneshot(request).await?;
                anyhow::ensure!(response.status() == StatusCode::OK, "{uri}: {}", response.status());
                response.into_body().collect().await?;
                latencies.push(t.elapsed());
            }
            Ok::<Vec<Duration>, anyhow::Error>(latencies)
        }));
    }
    let mut histogram = Histogram::new();
    let mut done = 0;
    for c in callers {
        for latency in c.await?? {
            histogram.record(latency);
            done += 1;
        }
    }
    Ok((done as f64 / started.elapsed().as_secs_f64(), histogram))
}

/// A path segment percent-encoded (project numbers hold Chinese brackets).
fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b == b'-' { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}
