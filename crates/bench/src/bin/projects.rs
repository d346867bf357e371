//! Benchmarks of published lists (issue 6): importing a 20,000-row xlsx against calamine alone
//! reading it and against the least SQLite itself takes to store those rows with the catalogue's
//! indexes ([`sqlite_floor`]), catalogue search latency over 200,000 projects at 32 concurrent
//! users (SQLite, and PostgreSQL beside it), and exporting a 20,000-project batch. A program whose
//! output is the figure (BENCHMARKS.md, "Publication and the public catalogue"), never a timed test.
//!
//! Usage:
//!   projects import  --rows 20000
//!   projects search  --rows 200000 --users 32 --seconds 20 [--postgres URL] [--replica URL] [--http]
//!   projects search  --rows 200000 --postgres-database URL --floor [--show-statements]
//!   projects export  --rows 20000

use clap::{Parser, Subcommand};
use http_body_util::BodyExt;
use jijiao_bench::pg_capture::{Capture, Param, Statement};
use jijiao_bench::{Histogram, millis};
use jijiao_domain::Year;
use jijiao_domain::org::{Delivery, Level};

/// A year of the generated lists.
fn y(year: u16) -> Year {
    Year::try_from(year).expect("a year in range")
}
use jijiao_domain::publication::ProjectKind;
use jijiao_storage::projects::{NewBatch, ProjectFilter, ProjectSort};
use jijiao_storage::{DatabaseTarget, PageRequest, Store, Vault};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Bench,
}

#[derive(Subcommand)]
enum Bench {
    Import {
        #[arg(long, default_value_t = 20_000)]
        rows: usize,
        #[command(flatten)]
        postgres: PostgresBeside,
    },
    Search {
        #[arg(long, default_value_t = 200_000)]
        rows: usize,
        #[arg(long, default_value_t = 32)]
        users: usize,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// An admin URL of a PostgreSQL server (a fresh database is created on it).
        #[arg(long)]
        postgres: Option<String>,
        /// A PostgreSQL database to keep the generated projects in, and to reuse when it already
        /// holds them (like `--sqlite-file`; the database must exist).
        #[arg(long)]
        postgres_database: Option<String>,
        /// With `--postgres-database`: the store's pool (`JIJIAO_DATABASE_CONNECTIONS`).
        #[arg(long, default_value_t = jijiao_storage::DEFAULT_POSTGRES_CONNECTIONS)]
        connections: u32,
        /// A SQLite file to keep the generated projects in, and to reuse when it already holds
        /// them (repeated runs skip the loading; it is migrated first, as at every start).
        #[arg(long)]
        sqlite_file: Option<std::path::PathBuf>,
        /// A streaming replica of the PostgreSQL database (`JIJIAO_DATABASE_READ_URL`): the searches
        /// are a visitor's, read from it (`Store::public_reads`); it must have replayed the load.
        #[arg(long)]
        replica: Option<String>,
        /// Send each search as `GET /api/v1/projects?…` through the whole router (in process,
        /// JSON included) instead of calling the store.
        #[arg(long)]
        http: bool,
        /// On PostgreSQL, after the store-level run: the floor, the same searches as exactly the
        /// statements the store sent for each (recorded through a proxy, `pg_capture`), replayed
        /// through sqlx's native PostgreSQL pool of the store's size, one connection per search
        /// as the store takes, with no jijiao code around them.
        #[arg(long)]
        floor: bool,
        /// With `--floor`: print each search's recorded statements, values written in (for EXPLAIN).
        #[arg(long)]
        show_statements: bool,
        /// With `--floor`: the floor pool's connections (the store has 16).
        #[arg(long, default_value_t = 16)]
        floor_connections: u32,
        /// With `--floor`: send only each search's last statement (its page, or its count when
        /// nothing is found): a bound on any merging of a search's statements into one.
        #[arg(long)]
        floor_last_only: bool,
    },
    Export {
        #[arg(long, default_value_t = 20_000)]
        rows: usize,
        #[command(flatten)]
        postgres: PostgresBeside,
    },
}

/// PostgreSQL beside SQLite in the same run (import and export, issue 19).
#[derive(clap::Args)]
struct PostgresBeside {
    /// An admin URL of a PostgreSQL server: after SQLite, the same benchmark runs on a fresh
    /// database made there (`<prefix>_<bench>_<pid>`), dropped at the end.
    #[arg(long = "postgres")]
    admin_url: Option<String>,
    /// The name prefix of that database.
    #[arg(long, default_value = "jijiao_bench")]
    postgres_prefix: String,
}

fn vault() -> Vault {
    Vault::from_master_key(&[7; 32])
}

async fn sqlite_store(dir: &std::path::Path) -> Store {
    Store::open(&DatabaseTarget::SqliteFile(dir.join("bench.sqlite3")), vault()).await.unwrap()
}

/// A store on a fresh PostgreSQL database, which is dropped with the returned value.
async fn postgres_store(admin: &str) -> (Store, jijiao_storage::testing::TestDatabase) {
    let db = jijiao_storage::testing::postgres(admin).await;
    (Store::open(&db.target, vault()).await.unwrap(), db)
}

/// Imports a generated list of `rows` for `year` into `store`; returns (calamine, parse, store) times.
async fn import(store: &Store, rows: usize, year: Year) -> (Duration, Duration, Duration) {
    let bytes = jijiao_bench::catalogue::list(rows, year);
    let t = Instant::now();
    {
        use calamine::Reader;
        let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
        let range = wb.worksheet_range_at(0).unwrap().unwrap();
        assert_eq!(range.height(), rows + 1);
    }
    let calamine_alone = t.elapsed();
    let t = Instant::now();
    let units = store.unit_directory().await.unwrap();
    let projects = jijiao_app::projects::parse_list(&bytes, "list.xlsx", year, &units, |_, _| {}).unwrap();
    let app = jijiao_app::App::new(store.clone());
    let conflicts = jijiao_app::projects::conflicts(&app, &projects).await.unwrap();
    assert!(conflicts.is_empty());
    let parsed = t.elapsed();
    let t = Instant::now();
    let batch = NewBatch {
        level: Level::National,
        province_code: None,
        year,
        batch: 1,
        notice: String::new(),
        notice_date: None,
    };
    store.import_projects(&jijiao_storage::Actor::system("bench"), &batch, &projects).await.unwrap();
    (calamine_alone, parsed, t.elapsed())
}

/// The least SQLite itself takes to store an imported list the way the catalogue keeps it, measured
/// on the file `import` just wrote: its rows copied again inside the file (`INSERT … SELECT`, so
/// nothing is parsed, checked, encrypted, bound or handed between threads) into a table without
/// indexes, then into a copy of `projects` with every index and constraint it has, and their
/// word-index documents (built before the clock starts, by the store's own rules) into a copy of
/// `project_search`. Each copy is its own transaction and is committed, so its pages are written
/// to the log as an import's are; the copies stay in the benchmark's temporary file. Returns
/// (bare, indexed, word index).
async fn sqlite_floor(file: &std::path::Path) -> (Duration, Duration, Duration) {
    use jijiao_storage::catalogue::grams::{Facets, sqlite_document};
    use sqlx::{Connection, Executor, Row};
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display())).await.unwrap();
    conn.execute(jijiao_storage::SQLITE_CONNECTION_SETTINGS).await.unwrap();
    let rows = sqlx::query(
        "SELECT p.id, p.search_text, p.year, b.batch, p.subject_tertiary, p.province_code, p.level, p.kind, p.delivery
         FROM projects p JOIN publication_batches b ON b.id = p.batch_id",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let documents: Vec<(i64, String)> = rows
        .iter()
        .map(|r| {
            let (tertiary, province, level, kind, delivery): (String, Option<String>, String, String, String) =
                (r.get(4), r.get(5), r.get(6), r.get(7), r.get(8));
            let facets = Facets {
                year: Year::try_from(r.get::<i64, _>(2)).expect("a stored year"),
                batch: u16::try_from(r.get::<i64, _>(3)).expect("a stored batch"),
                subject_tertiary: &tertiary,
                province_code: province.as_deref(),
                level: &level,
                kind: &kind,
                delivery: &delivery,
            };
            (r.get(0), sqlite_document(&r.get::<String, _>(1), &facets))
        })
        .collect();
    // Every statement that made `projects` and `project_search` (table first, then its indexes),
    // for copies of them.
    let schema: Vec<String> = sqlx::query_scalar(
        "SELECT sql FROM sqlite_master WHERE tbl_name IN ('projects', 'project_search') AND sql IS NOT NULL
         ORDER BY tbl_name, type DESC",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    conn.execute("CREATE TABLE floor_bare AS SELECT * FROM projects WHERE false").await.unwrap();
    for statement in &schema {
        conn.execute(
            statement.replace("projects", "floor_projects").replace("project_search", "floor_search").as_str(),
        )
        .await
        .unwrap();
    }
    conn.execute("CREATE TEMP TABLE floor_documents (id INTEGER PRIMARY KEY, terms TEXT NOT NULL)").await.unwrap();
    sqlx::query("INSERT INTO floor_documents SELECT value ->> 0, value ->> 1 FROM json_each(?)")
        .bind(serde_json::to_string(&documents).unwrap())
        .execute(&mut conn)
        .await
        .unwrap();
    let mut timed = async |sql: &str| {
        let t = Instant::now();
        let mut tx = conn.begin().await.unwrap();
        let copied = tx.execute(sql).await.unwrap().rows_affected();
        tx.commit().await.unwrap();
        assert_eq!(copied as usize, documents.len(), "{sql}");
        t.elapsed()
    };
    let bare = timed("INSERT INTO floor_bare SELECT * FROM projects").await;
    let indexed = timed("INSERT INTO floor_projects SELECT * FROM projects").await;
    let words = timed("INSERT INTO floor_search (rowid, terms) SELECT id, terms FROM floor_documents").await;
    (bare, indexed, words)
}

/// Prints an import's times beside calamine and beside the database's own floor.
fn report_import(
    backend: &str,
    rows: usize,
    (calamine, parse, save): (Duration, Duration, Duration),
    (bare, indexed, words): (Duration, Duration, Duration),
) {
    let total = parse + save;
    println!(
        "import {rows} rows ({backend}): calamine alone {:.0} ms; jijiao read+check {:.0} ms, save {:.0} ms, total {:.0} ms; ratio to calamine {:.2}×",
        millis(calamine),
        millis(parse),
        millis(save),
        millis(total),
        total.as_secs_f64() / calamine.as_secs_f64()
    );
    let words_label = if backend == "SQLite" { "word index (FTS5)" } else { "gram counts (catalogue_grams)" };
    let floor = parse + indexed + words;
    println!(
        "{backend} alone copying the same rows inside the database: bare table {:.0} ms, with the projects table's indexes {:.0} ms, {words_label} {:.0} ms; read+check + indexed rows + word index {:.0} ms = {:.2}× calamine; save against its floor (indexed rows + word index) {:.2}×",
        millis(bare),
        millis(indexed),
        millis(words),
        millis(floor),
        floor.as_secs_f64() / calamine.as_secs_f64(),
        save.as_secs_f64() / (indexed + words).as_secs_f64()
    );
}

/// [`sqlite_floor`] on PostgreSQL, on the database `import` just wrote: the rows copied by the
/// server itself (`INSERT … SELECT`, lower than any COPY or multi-row INSERT from a client) into a
/// bare table (`LIKE projects`), into a copy with every index (the GIN index of the grams among
/// them), check and foreign key of `projects`, and the grams counted per batch and subject into
/// copies of `catalogue_gram_counts` and `catalogue_subject_gram_counts`, as an import's
/// transaction writes them (PostgreSQL's counterpart of SQLite's FTS5 documents). Each copy is its
/// own committed transaction. Returns (bare, indexed, word index).
async fn postgres_floor(url: &str) -> (Duration, Duration, Duration) {
    use sqlx::{Connection, Executor};
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let foreign_keys: Vec<String> = sqlx::query_scalar(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'projects'::regclass AND contype = 'f'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    conn.execute("CREATE TABLE floor_bare (LIKE projects)").await.unwrap();
    conn.execute("CREATE TABLE floor_projects (LIKE projects INCLUDING ALL)").await.unwrap();
    for key in &foreign_keys {
        conn.execute(format!("ALTER TABLE floor_projects ADD {key}").as_str()).await.unwrap();
    }
    conn.execute("CREATE TABLE floor_gram_counts (LIKE catalogue_gram_counts INCLUDING ALL)").await.unwrap();
    conn.execute("CREATE TABLE floor_subject_gram_counts (LIKE catalogue_subject_gram_counts INCLUDING ALL)")
        .await
        .unwrap();
    let projects: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM projects").fetch_one(&mut conn).await.unwrap();
    let mut timed = async |sql: &str, expect: Option<i64>| {
        let t = Instant::now();
        let mut tx = conn.begin().await.unwrap();
        let copied = tx.execute(sql).await.unwrap().rows_affected();
        tx.commit().await.unwrap();
        if let Some(n) = expect {
            assert_eq!(copied as i64, n, "{sql}");
        }
        t.elapsed()
    };
    let bare = timed("INSERT INTO floor_bare SELECT * FROM projects", Some(projects)).await;
    let indexed = timed("INSERT INTO floor_projects SELECT * FROM projects", Some(projects)).await;
    let words = timed(
        "WITH by_subject AS MATERIALIZED (
             SELECT g, year, level, batch_id, subject_secondary || ':' || subject_tertiary AS subject, COUNT(*) AS projects
             FROM projects p CROSS JOIN LATERAL (SELECT DISTINCT unnest(catalogue_grams(p.search_text)) AS g) grams
             WHERE number IS NOT NULL GROUP BY g, year, level, batch_id, subject_secondary, subject_tertiary),
         per_batch AS (
             INSERT INTO floor_gram_counts (gram, year, level, batch_id, projects)
             SELECT g, year, level, batch_id, SUM(projects) FROM by_subject GROUP BY g, year, level, batch_id)
         INSERT INTO floor_subject_gram_counts (gram, subject, batch_id, year, level, projects)
         SELECT g, subject, batch_id, year, level, projects FROM by_subject WHERE projects >= 100",
        None,
    )
    .await;
    conn.close().await.unwrap();
    (bare, indexed, words)
}

/// Imports a list of `rows` (not timed), then times its batch's export as
/// `GET /api/v1/batches/{id}/export` makes it, and beside it the least the database takes to hand
/// over the same rows ([`export_floor`]); prints both.
async fn export(store: &Store, target: &DatabaseTarget, rows: usize, backend: &str) {
    import(store, rows, y(2024)).await;
    let batch = store.batches(None, None).await.unwrap()[0].clone();
    let t = Instant::now();
    let filter = ProjectFilter { batch_id: Some(batch.id), ..Default::default() };
    let projects = store.project_list(&filter, i64::MAX / 2).await.unwrap();
    let phones = store.project_leader_phones(batch.id).await.unwrap();
    let read = t.elapsed();
    let bytes = jijiao_app::projects::list_xlsx("批次", jijiao_app::projects::list_rows(&projects, Some(&phones)))
        .await
        .unwrap();
    let total = t.elapsed();
    println!(
        "export {} projects to xlsx ({backend}): read {:.0} ms, total {:.0} ms, {} KB",
        projects.len(),
        millis(read),
        millis(total),
        bytes.len() / 1024
    );
    let (floor, n) = export_floor(target, batch.id.0).await;
    assert_eq!(n, projects.len());
    println!(
        "  {backend} alone handing over the same {n} rows (the list's statement with its periods, and the phones, native sqlx driver): {:.0} ms; read against it {:.2}×",
        millis(floor),
        read.as_secs_f64() / floor.as_secs_f64()
    );
}

/// The export's reads as the store sends them (every column of the list with the periods as one
/// JSON text, in the list's order; then the encrypted phones), through sqlx's native driver of the
/// backend, rows received but not decoded. Returns (time, rows).
async fn export_floor(target: &DatabaseTarget, batch_id: i64) -> (Duration, usize) {
    use sqlx::Connection;
    const COLUMNS: &str = "p.id, p.batch_id, p.number, p.year, b.batch, b.notice, p.level, p.province_code, p.unit_id, \
        p.unit_name, p.leader_name, p.name, p.subject_secondary, p.subject_tertiary, p.kind, p.delivery, p.credits, p.hours, \
        p.audience, p.planned_enrollment, p.enrollment_note, p.remarks, p.first_day, p.last_day, s.reason AS suspension_reason, \
        s.at AS suspension_at";
    const PHONES: &str =
        "SELECT id, leader_phone_enc FROM projects WHERE batch_id = $1 AND leader_phone_enc IS NOT NULL";
    let list = |periods: &str| {
        format!(
            "SELECT {COLUMNS}, (SELECT {periods} FROM project_periods pp WHERE pp.project_id = p.id) AS periods \
             FROM projects p JOIN publication_batches b ON b.id = p.batch_id LEFT JOIN project_suspensions s ON s.id = p.suspension_id \
             WHERE p.batch_id = $1 ORDER BY p.year DESC, p.subject_tertiary, p.number, p.id"
        )
    };
    match target {
        DatabaseTarget::Postgres(url) => {
            let sql = list(
                "CAST(json_agg(json_build_array(pp.start_date, pp.end_date, pp.place) ORDER BY pp.position) AS TEXT)",
            );
            let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
            let t = Instant::now();
            let rows = sqlx::query(&sql).bind(batch_id).fetch_all(&mut conn).await.unwrap();
            sqlx::query(PHONES).bind(batch_id).fetch_all(&mut conn).await.unwrap();
            (t.elapsed(), rows.len())
        }
        DatabaseTarget::SqliteFile(file) => {
            let sql = list("json_group_array(json_array(pp.start_date, pp.end_date, pp.place) ORDER BY pp.position)");
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display())).await.unwrap();
            sqlx::Executor::execute(&mut conn, jijiao_storage::SQLITE_CONNECTION_SETTINGS).await.unwrap();
            let t = Instant::now();
            let rows = sqlx::query(&sql).bind(batch_id).fetch_all(&mut conn).await.unwrap();
            sqlx::query(PHONES).bind(batch_id).fetch_all(&mut conn).await.unwrap();
            (t.elapsed(), rows.len())
        }
        other => panic!("no export floor for {other:?}"),
    }
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let dir = tempfile::tempdir().unwrap();
    match cli.command {
        Bench::Import { rows, postgres } => {
            let store = sqlite_store(dir.path()).await;
            let timed = import(&store, rows, y(2024)).await;
            store.close().await;
            let floor = sqlite_floor(&dir.path().join("bench.sqlite3")).await;
            report_import("SQLite", rows, timed, floor);
            if let Some(admin) = &postgres.admin_url {
                let db =
                    jijiao_bench::ScratchDatabase::create(admin, &postgres.postgres_prefix, "import").await.unwrap();
                let store = Store::open(&DatabaseTarget::Postgres(db.url.clone()), vault()).await.unwrap();
                let timed = import(&store, rows, y(2024)).await;
                store.close().await;
                let floor = postgres_floor(&db.url).await;
                report_import("PostgreSQL", rows, timed, floor);
            }
        }
        Bench::Export { rows, postgres } => {
            let store = sqlite_store(dir.path()).await;
            export(&store, &DatabaseTarget::SqliteFile(dir.path().join("bench.sqlite3")), rows, "SQLite").await;
            store.close().await;
            if let Some(admin) = &postgres.admin_url {
                let db =
                    jijiao_bench::ScratchDatabase::create(admin, &postgres.postgres_prefix, "export").await.unwrap();
                let target = DatabaseTarget::Postgres(db.url.clone());
                let store = Store::open(&target, vault()).await.unwrap();
                export(&store, &target, rows, "PostgreSQL").await;
                store.close().await;
            }
        }
        Bench::Search {
            rows,
            users,
            seconds,
            postgres,
            postgres_database,
            connections,
            sqlite_file,
            replica,
            http,
            floor,
            show_statements,
            floor_connections,
            floor_last_only,
        } => {
            // The PostgreSQL database (dropped with `database`) lives until the end of the run.
            let (store, database) = match (&postgres, &sqlite_file) {
                _ if postgres_database.is_some() => {
                    let url = postgres_database.clone().unwrap_or_default();
                    (Store::open_with(&DatabaseTarget::Postgres(url), vault(), connections).await.unwrap(), None)
                }
                (Some(url), _) => {
                    let (store, database) = postgres_store(url).await;
                    (store, Some(database))
                }
                (None, Some(file)) => {
                    (Store::open(&DatabaseTarget::SqliteFile(file.clone()), vault()).await.unwrap(), None)
                }
                (None, None) => (sqlite_store(dir.path()).await, None),
            };
            let held = store.projects(&ProjectFilter::default(), PageRequest::default()).await.unwrap();
            if held.total == 0 {
                let t = Instant::now();
                let years = rows.div_ceil(20_000);
                for y in 0..years {
                    let n = (rows - y * 20_000).min(20_000);
                    import(&store, n, Year::try_from((2010 + y) as i64).expect("a year")).await;
                }
                println!("loaded {rows} projects in {:.1} s", t.elapsed().as_secs_f64());
            } else {
                let kept =
                    postgres_database.clone().unwrap_or_else(|| sqlite_file.unwrap_or_default().display().to_string());
                println!("reusing the projects already in {kept}");
            }
            let queries: Arc<Vec<ProjectFilter>> = Arc::new(search_queries());
            let store = match &replica {
                Some(url) => store.with_read_replica(url).unwrap(),
                None => store,
            };
            for q in queries.iter() {
                let page = store
                    .public_reads(jijiao_storage::Reads::Replica)
                    .projects(q, PageRequest::new(Some(1), Some(20)))
                    .await
                    .unwrap();
                println!("  {}: total {}", short(q), page.total);
            }
            let app = jijiao_web::router(jijiao_web::AppState::new(store.clone()));
            let stop = Instant::now() + Duration::from_secs(seconds);
            let mut tasks = Vec::new();
            for u in 0..users {
                let (store, app) = (store.clone(), app.clone());
                let queries = queries.clone();
                tasks.push(tokio::spawn(async move {
                    let mut h = Histogram::new();
                    let mut per_query = vec![Histogram::new(); queries.len()];
                    let mut i = u;
                    while Instant::now() < stop {
                        let q = i % queries.len();
                        let page = 1 + ((i / queries.len()) % 3) as u32;
                        let t = Instant::now();
                        if http {
                            let mut query = params(&queries[q]);
                            query.extend([("page", page.to_string()), ("per_page", "20".into())]);
                            let uri = format!("/api/v1/projects?{}", serde_urlencoded::to_string(&query).unwrap());
                            let request = axum::http::Request::get(uri).body(axum::body::Body::empty()).unwrap();
                            let response = app.clone().oneshot(request).await.unwrap();
                            assert_eq!(response.status(), axum::http::StatusCode::OK);
                            response.into_body().collect().await.unwrap();
                        } else {
                            // The same call the API's GET /api/v1/projects makes for a visitor, pages
                            // 1–3 of 20 (from the replica when there is one).
                            store
                                .public_reads(jijiao_storage::Reads::Replica)
                                .projects(&queries[q], PageRequest::new(Some(page), Some(20)))
                                .await
                                .unwrap();
                        }
                        h.record(t.elapsed());
                        per_query[q].record(t.elapsed());
                        i += 1;
                    }
                    (h, per_query)
                }));
            }
            let mut all = Histogram::new();
            let mut per_query = vec![Histogram::new(); queries.len()];
            for t in tasks {
                let (h, pq) = t.await.unwrap();
                all.merge(&h);
                for (a, b) in per_query.iter_mut().zip(&pq) {
                    a.merge(b);
                }
            }
            let backend = match (&replica, postgres.is_some() || postgres_database.is_some()) {
                (Some(_), _) => {
                    let (served, fell_back) = store.replica_reads();
                    format!("PostgreSQL, read replica: {served} reads from it, {fell_back} from the primary")
                }
                (None, true) => format!("PostgreSQL, {} connections", store.pool_size()),
                (None, false) => "SQLite".to_string(),
            };
            let level = if http { "GET /api/v1/projects through the router" } else { "store level" };
            println!(
                "search over {rows} projects, {users} concurrent users, {seconds} s ({backend}, {level}): {} queries, {:.0}/s, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
                all.count(),
                all.count() as f64 / seconds as f64,
                millis(all.quantile(0.5)),
                millis(all.quantile(0.99)),
                millis(all.max())
            );
            for (q, h) in queries.iter().zip(&per_query) {
                println!(
                    "  {:<40} p50 {:.1} ms, p99 {:.1} ms",
                    short(q),
                    millis(h.quantile(0.5)),
                    millis(h.quantile(0.99))
                );
            }
            if floor {
                let url = match (&postgres_database, &database) {
                    (Some(url), _) => url.clone(),
                    (None, Some(db)) => match &db.target {
                        DatabaseTarget::Postgres(url) => url.clone(),
                        _ => unreachable!("a PostgreSQL test database"),
                    },
                    (None, None) => panic!("--floor needs --postgres or --postgres-database"),
                };
                let searches = capture_searches(&url, &queries).await;
                if show_statements {
                    for (q, pages) in queries.iter().zip(&searches) {
                        for (page, statements) in pages.iter().enumerate() {
                            println!("-- {} (page {})", short(q), page + 1);
                            for s in statements {
                                println!("{};", s.inlined());
                            }
                        }
                    }
                }
                let searches = if floor_last_only {
                    let last = |statements: &Vec<Statement>| statements[statements.len() - 1..].to_vec();
                    searches.iter().map(|pages| pages.iter().map(last).collect()).collect()
                } else {
                    searches
                };
                let (h, per_query) = search_floor(&url, Arc::new(searches), floor_connections, users, seconds).await;
                let statements: Vec<usize> = per_query.iter().map(|(n, _)| *n).collect();
                println!(
                    "floor: the store's own statements ({}–{} per search), native sqlx PostgreSQL, {floor_connections} connections, {users} users, {seconds} s: {} searches, {:.0}/s, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; store level ÷ floor in rate {:.2}",
                    statements.iter().min().unwrap_or(&0),
                    statements.iter().max().unwrap_or(&0),
                    h.count(),
                    h.count() as f64 / seconds as f64,
                    millis(h.quantile(0.5)),
                    millis(h.quantile(0.99)),
                    millis(h.max()),
                    all.count() as f64 / h.count().max(1) as f64
                );
                for (q, (n, h)) in queries.iter().zip(&per_query) {
                    println!(
                        "  {:<40} {n} statements, p50 {:.1} ms, p99 {:.1} ms",
                        short(q),
                        millis(h.quantile(0.5)),
                        millis(h.quantile(0.99))
                    );
                }
            }
        }
    }
}

/// The statements the store sends for each search of `queries`, pages 1–3 of 20 (`[query][page]`),
/// recorded through a proxy in front of the server of `url` by a store of its own, one search at
/// a time.
async fn capture_searches(url: &str, queries: &[ProjectFilter]) -> Vec<Vec<Vec<Statement>>> {
    let capture = Capture::start(url).await.unwrap();
    let store = Store::connect(&DatabaseTarget::Postgres(capture.url()), vault()).await.unwrap();
    let mut searches = Vec::new();
    for q in queries {
        let mut pages = Vec::new();
        for page in 1..=3 {
            let from = capture.len();
            store.projects(q, PageRequest::new(Some(page), Some(20))).await.unwrap();
            let statements = capture.statements(from);
            assert!(!statements.is_empty(), "nothing recorded for {}", short(q));
            pages.push(statements);
        }
        searches.push(pages);
    }
    searches
}

/// The floor of the search benchmark: each user runs the same sequence of searches as the store
/// level (`i % queries`, pages 1–3), each search being its recorded statements sent on one
/// connection of a native PostgreSQL pool (the store's size unless told) without ping, every row
/// fetched.
/// Returns all searches' latencies and, per query, its number of statements and latencies.
async fn search_floor(
    url: &str,
    searches: Arc<Vec<Vec<Vec<Statement>>>>,
    connections: u32,
    users: usize,
    seconds: u64,
) -> (Histogram, Vec<(usize, Histogram)>) {
    let pool = jijiao_bench::native_postgres_pool(connections).test_before_acquire(false).connect(url).await.unwrap();
    let stop = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for u in 0..users {
        let (pool, searches) = (pool.clone(), searches.clone());
        tasks.push(tokio::spawn(async move {
            let mut h = Histogram::new();
            let mut per_query = vec![Histogram::new(); searches.len()];
            let mut i = u;
            while Instant::now() < stop {
                let q = i % searches.len();
                let page = (i / searches.len()) % 3;
                let t = Instant::now();
                let mut conn = pool.acquire().await.unwrap();
                for s in &searches[q][page] {
                    let mut query = sqlx::query(&s.sql);
                    for p in &s.params {
                        query = match p {
                            Param::Null => query.bind(None::<i64>),
                            Param::Bool(b) => query.bind(*b),
                            Param::Int2(v) => query.bind(*v),
                            Param::Int4(v) => query.bind(*v),
                            Param::Int8(v) => query.bind(*v),
                            Param::Text(v) => query.bind(v.as_str()),
                        };
                    }
                    query.fetch_all(&mut *conn).await.unwrap();
                }
                drop(conn);
                h.record(t.elapsed());
                per_query[q].record(t.elapsed());
                i += 1;
            }
            (h, per_query)
        }));
    }
    let mut all = Histogram::new();
    let mut per_query = vec![Histogram::new(); searches.len()];
    for t in tasks {
        let (h, pq) = t.await.unwrap();
        all.merge(&h);
        for (a, b) in per_query.iter_mut().zip(&pq) {
            a.merge(b);
        }
    }
    pool.close().await;
    // The statements of a query's first page (later pages send as many, or fewer when empty).
    let counts = searches.iter().map(|pages| pages[0].len());
    (all, counts.zip(per_query).collect())
}

/// The searches of `projects search`: every filter of the public catalogue, alone or combined,
/// common and rare.
fn search_queries() -> Vec<ProjectFilter> {
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d);
    vec![
        ProjectFilter { q: Some("肿瘤".into()), ..Default::default() },
        ProjectFilter { q: Some("心力衰竭".into()), year: Some(y(2012)), ..Default::default() },
        ProjectFilter { subject: Some("06".into()), ..Default::default() },
        ProjectFilter { q: Some("第123人民医院".into()), ..Default::default() },
        ProjectFilter { year: Some(y(2015)), batch: Some(1), ..Default::default() },
        ProjectFilter::default(),
        ProjectFilter { q: Some("2014-09-01-0".into()), ..Default::default() },
        ProjectFilter { from: day(2013, 5, 1), to: day(2013, 5, 31), ..Default::default() },
        ProjectFilter { q: Some("王建国".into()), subject: Some("03-05".into()), ..Default::default() },
        ProjectFilter { q: Some("瘤".into()), sort: ProjectSort::Date, ..Default::default() },
        ProjectFilter { q: Some("儿童哮喘 第15期".into()), sort: ProjectSort::Newest, ..Default::default() },
        ProjectFilter { province_code: Some("11".into()), ..Default::default() },
        ProjectFilter { level: Some(Level::National), kind: Some(ProjectKind::Base), ..Default::default() },
        ProjectFilter { delivery: Some(Delivery::FaceToFace), sort: ProjectSort::Newest, ..Default::default() },
        ProjectFilter { from: day(2018, 3, 1), sort: ProjectSort::Date, ..Default::default() },
    ]
}

/// The filter's given fields, as the catalogue's query string would name them.
fn short(f: &ProjectFilter) -> String {
    let parts: Vec<String> = params(f).into_iter().map(|(name, value)| format!("{name}={value}")).collect();
    if parts.is_empty() { "(no filter)".into() } else { parts.join("&") }
}

/// The filter's given fields as the parameters of `GET /api/v1/projects`.
fn params(f: &ProjectFilter) -> Vec<(&'static str, String)> {
    let mut parts = Vec::new();
    let mut add = |name: &'static str, value: Option<String>| {
        if let Some(v) = value {
            parts.push((name, v));
        }
    };
    add("q", f.q.clone());
    add("year", f.year.map(|y| y.to_string()));
    add("batch", f.batch.map(|b| b.to_string()));
    add("subject", f.subject.clone());
    add("province", f.province_code.clone());
    add("level", f.level.map(|l| l.code().to_string()));
    add("kind", f.kind.map(|k| k.code().to_string()));
    add("delivery", f.delivery.map(|d| d.code().to_string()));
    add("from", f.from.map(|d| d.to_string()));
    add("to", f.to.map(|d| d.to_string()));
    add(
        "sort",
        match f.sort {
            ProjectSort::Number => None,
            ProjectSort::Date => Some("date".into()),
            ProjectSort::Newest => Some("newest".into()),
        },
    );
    parts
}
