//! Re-review of every stored application (issue 5: 20,000 under 5 s): loads N applications of many
//! units into a fresh SQLite store (not timed; half of them submitted, so codes, counts per leader
//! and unit and the duplicate comparison all have work), then times
//! `jijiao_app::applications::rereview_all`, which reads every document back, rebuilds each review context
//! from the records, runs the formal review and writes the counts. Repeats and prints min/median/max,
//! and beside them the floor (the review alone, the rows alone). With `--postgres ADMIN_URL` the
//! same follows on a fresh PostgreSQL database (issue 19).

use anyhow::Context;
use chrono::Days;
use clap::Parser;
use jijiao_bench::{median, millis};
use jijiao_domain::org::{InspectionResult, Level, OrgKind, UnitType};
use jijiao_domain::review::workflow::Step;
use jijiao_storage::applications::{NewApplication, WindowRecord};
use jijiao_storage::{Actor, DatabaseTarget, NewOrganisation, OrgId};
use std::process::ExitCode;
use std::time::{Duration, Instant};

const TEMPLATE: &str = include_str!("../../../domain/tests/fixtures/review/valid_national.json");
const TOPICS: [&str; 12] = [
    "心力衰竭规范化诊疗",
    "重症医学机械通气",
    "内分泌代谢病诊疗",
    "运动医学关节镜技术",
    "生殖医学新技术",
    "基层慢病管理",
    "脑血管病介入治疗",
    "肝癌综合治疗",
    "临床输血安全管理",
    "儿童哮喘规范化管理",
    "院内感染防控",
    "急诊创伤救治",
];

#[derive(Debug, Parser)]
#[command(name = "rereview", about = "Time the re-review of every stored application (target: 20,000 under 5 s)")]
struct Args {
    /// How many applications to store
    #[arg(short, long, default_value_t = 20_000)]
    count: usize,
    /// How many applicant units they come from
    #[arg(long, default_value_t = 400)]
    units: usize,
    /// How many re-reviews to time
    #[arg(short, long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
    runs: u32,
    /// The target in seconds
    #[arg(long, default_value_t = 5.0)]
    target: f64,
    /// An admin URL of a PostgreSQL server: after SQLite, the same applications are loaded into a
    /// fresh database made there (`<prefix>_rereview_<pid>`, dropped at the end) and re-reviewed
    #[arg(long)]
    postgres: Option<String>,
    /// The name prefix of that database
    #[arg(long, default_value = "jijiao_bench")]
    postgres_prefix: String,
}

fn office(kind: OrgKind, name: String, province: Option<&str>, parent: Option<OrgId>) -> NewOrganisation {
    NewOrganisation {
        kind,
        name,
        parent_id: parent,
        province_code: province.map(str::to_string),
        unit_type: (kind == OrgKind::Unit).then_some(UnitType::Hospital),
        grassroots: false,
        cme_qualified: kind == OrgKind::Unit,
        remote_qualified: false,
        inspection: InspectionResult::Passed,
    }
}

/// Loads the applications into the store of `target` (`backend` names it in the output), times
/// the re-reviews and their floor; whether the median is under the target.
async fn run(args: &Args, target: &DatabaseTarget, backend: &str) -> anyhow::Result<bool> {
    let store = jijiao_storage::Store::open(target, jijiao_storage::testing::test_vault()).await?;
    let actor = Actor::system("基准测试");
    let national = store.create_organisation(&actor, &office(OrgKind::National, "全国办".into(), None, None)).await?;
    let provinces = [("11", "北京市"), ("13", "河北省"), ("31", "上海市"), ("44", "广东省")];
    let today = jijiao_app::Clock::today(&jijiao_app::SystemClock);
    let year = jijiao_domain::Year::of(today).checked_add(1).context("the coming year is out of range")?;
    let mut units = Vec::new();
    for (code, name) in provinces {
        let office_id = store
            .create_organisation(&actor, &office(OrgKind::Provincial, format!("{name}继教委"), Some(code), None))
            .await?;
        store
            .set_window(
                &actor,
                &WindowRecord {
                    year,
                    level: Level::Provincial,
                    org_id: office_id.0,
                    province_code: Some(code.into()),
                    opens: today - Days::new(5),
                    closes: today + Days::new(20),
                },
            )
            .await?;
        for i in 0..args.units / provinces.len() {
            let unit = store
                .create_organisation(
                    &actor,
                    &office(OrgKind::Unit, format!("{name}第{i}医院"), Some(code), Some(office_id)),
                )
                .await?;
            units.push((unit, name));
        }
    }
    store
        .set_window(
            &actor,
            &WindowRecord {
                year,
                level: Level::National,
                org_id: national.0,
                province_code: None,
                opens: today - Days::new(5),
                closes: today + Days::new(20),
            },
        )
        .await?;
    let template = jijiao_domain::review::parse_application(TEMPLATE).map_err(|e| anyhow::anyhow!("{e}"))?;
    let loading = Instant::now();
    for n in 0..args.count {
        let (unit, province) = &units[n % units.len()];
        let mut doc = template.clone();
        doc.year = year;
        doc.level = if n % 3 == 0 { Level::Provincial } else { Level::National };
        doc.category = (doc.level == Level::Provincial).then_some(jijiao_domain::review::Category::Improvement);
        doc.province = (*province).to_string();
        doc.applicant.name = format!("{province}第{}医院", (n % units.len()) / provinces.len());
        doc.applicant.province = (*province).to_string();
        // Some names repeat across units (the duplicate rule finds them), most do not.
        doc.name = if n % 50 == 0 {
            format!("{}学习班", TOPICS[n % TOPICS.len()])
        } else {
            format!("{}培训班（第{n}期）", TOPICS[n % TOPICS.len()])
        };
        doc.leader.name = format!("负责人{}", n % 5_000);
        let new = NewApplication {
            document: doc,
            unit_id: *unit,
            district_id: None,
            leader_person_id: None,
            copied_from: None,
            findings: (0, 0),
        };
        let id = store.create_application(&actor, &new).await?;
        if n % 2 == 0 {
            store.step_application(&actor, id, Step::Submit, "", today).await?;
        }
    }
    eprintln!(
        "loaded {} applications of {} units in {:.1} s",
        args.count,
        units.len(),
        loading.elapsed().as_secs_f64()
    );

    let app = jijiao_app::App::new(store.clone());
    let mut times = Vec::new();
    for i in 0..args.runs {
        let start = Instant::now();
        let summary = jijiao_app::applications::rereview_all(&app).await.context("re-review failed")?;
        let elapsed = start.elapsed();
        anyhow::ensure!(summary.reviewed == args.count, "reviewed {} of {}", summary.reviewed, args.count);
        eprintln!(
            "run {}: {} ms ({} reviewed, {} changed, {} with errors, {} with warnings)",
            i + 1,
            millis(elapsed),
            summary.reviewed,
            summary.changed,
            summary.with_errors,
            summary.with_warnings
        );
        times.push(elapsed);
    }
    times.sort();
    let med = median(&times);
    println!(
        "re-review of {} stored applications ({backend}): min {} ms, median {} ms, max {} ms (target < {} s)",
        args.count,
        millis(times[0]),
        millis(med),
        millis(*times.last().unwrap_or(&Duration::ZERO)),
        args.target
    );
    let (engine, read) = floor(&store, target).await?;
    println!(
        "  floor ({backend}): the formal review alone over the {} documents in memory {} ms, the database alone handing over every application row (native sqlx driver) {} ms; median against their sum {:.2}×",
        args.count,
        millis(engine),
        millis(read),
        med.as_secs_f64() / (engine + read).as_secs_f64()
    );
    store.close().await;
    Ok(med.as_secs_f64() < args.target)
}

/// The least a re-review can take: the formal review of every stored document with no context to
/// rebuild (the documents read before the clock starts), and the rows `application_documents`
/// reads, received through sqlx's native driver of the backend without decoding or decrypting.
async fn floor(store: &jijiao_storage::Store, target: &DatabaseTarget) -> anyhow::Result<(Duration, Duration)> {
    use sqlx::Connection;
    let documents =
        store.application_documents(&jijiao_storage::applications::ApplicationFilter::default(), i64::MAX).await?;
    let catalogue = store.catalogue().await?;
    let t = Instant::now();
    let errors: u64 =
        documents.iter().map(|d| jijiao_domain::review::review(&d.document, &catalogue).errors as u64).sum();
    let engine = t.elapsed();
    anyhow::ensure!(errors > 0 || documents.is_empty(), "the review found nothing: the floor would be empty");
    const ROWS: &str = "SELECT a.*, o.name AS unit_name FROM applications a JOIN organisations o ON o.id = a.unit_id \
        ORDER BY a.year DESC, a.level, a.code, a.id";
    let (read, n) = match target {
        DatabaseTarget::Postgres(url) => {
            let mut conn = sqlx::PgConnection::connect(url).await?;
            let t = Instant::now();
            let n = sqlx::query(ROWS).fetch_all(&mut conn).await?.len();
            (t.elapsed(), n)
        }
        DatabaseTarget::SqliteFile(file) => {
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display())).await?;
            sqlx::Executor::execute(&mut conn, jijiao_storage::SQLITE_CONNECTION_SETTINGS).await?;
            let t = Instant::now();
            let n = sqlx::query(ROWS).fetch_all(&mut conn).await?.len();
            (t.elapsed(), n)
        }
        DatabaseTarget::SqliteMemory => anyhow::bail!("no floor for an in-memory database"),
    };
    anyhow::ensure!(n == documents.len(), "read {n} rows for {} applications", documents.len());
    Ok((engine, read))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let both = async || {
        let dir = tempfile::tempdir()?;
        let sqlite = run(&args, &DatabaseTarget::SqliteFile(dir.path().join("rereview.sqlite3")), "SQLite").await?;
        let Some(admin) = &args.postgres else { return Ok(sqlite) };
        let db = jijiao_bench::ScratchDatabase::create(admin, &args.postgres_prefix, "rereview").await?;
        let postgres = run(&args, &DatabaseTarget::Postgres(db.url.clone()), "PostgreSQL").await?;
        Ok::<_, anyhow::Error>(sqlite && postgres)
    };
    match both().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("rereview: the median is over the target");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("rereview: {e:#}");
            ExitCode::from(2)
        }
    }
}
