//! Isolates where `/healthz` time goes: serves one variant of the handler in-process (jijiao's own
//! router, the store's health check alone, the tracing layer alone, raw sqlx pools of a chosen size,
//! and a health check whose concurrent callers share one database round trip), so `loadgen` can
//! measure each layer's cost without changing jijiao's code.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use clap::{Parser, ValueEnum};
use jijiao_storage::{DatabaseTarget, Store, Vault};
use jijiao_web::health::SingleFlight;
use sqlx::Executor;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tower_http::trace::TraceLayer;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Variant {
    /// jijiao_web::router over a freshly opened Store: what `jijiao serve` runs
    Full,
    /// only the store's health round trip and the same JSON, no tracing layer, no other routes
    StoreHealth,
    /// the same JSON body with no database at all
    Json,
    /// the same JSON body, no database, behind jijiao's whole middleware stack (trace, security
    /// headers, rate limit, authenticate, CSRF) exactly as `jijiao_web::router` layers it
    Middleware,
    /// bare `ok` behind tower-http's TraceLayer
    Trace,
    /// `SELECT CAST(1 AS BIGINT)` on a sqlx Any pool of --pool SQLite connections, jijiao's pragmas
    AnyPool,
    /// the same query on a native sqlx SQLite pool of --pool connections
    SqlitePool,
    /// the store's health check shared as jijiao shares it (jijiao_web::health::SingleFlight),
    /// without jijiao's routes and middleware
    Coalesced,
}

#[derive(Debug, Parser)]
#[command(name = "probe", about = "Serve one /healthz variant in-process, for loadgen")]
struct Args {
    #[arg(value_enum)]
    variant: Variant,
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:8082")]
    listen: String,
    /// Pool size for any-pool and sqlite-pool
    #[arg(long, default_value_t = 8)]
    pool: u32,
    /// Install jijiao's log subscriber with this filter (as JIJIAO_LOG; `serve` uses info)
    #[arg(long)]
    log: Option<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(filter) = &args.log {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_target(false)
            .try_init();
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("probe: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("probe: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn body() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "status": "ok", "database": "sqlite" }))
}

async fn open_store(dir: &std::path::Path) -> anyhow::Result<Store> {
    let (vault, _) = Vault::load_or_create(dir, None)?;
    let target = DatabaseTarget::SqliteFile(dir.join(jijiao_storage::SQLITE_FILE));
    Ok(Store::open(&target, vault).await?)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let app: Router = match args.variant {
        Variant::Full => {
            let store = open_store(dir.path()).await?;
            jijiao_web::router(jijiao_web::AppState::new(store))
        }
        Variant::StoreHealth => {
            let store = open_store(dir.path()).await?;
            Router::new()
                .route(
                    "/healthz",
                    get(|State(store): State<Store>| async move {
                        match store.health().await {
                            Ok(()) => (StatusCode::OK, body()),
                            Err(_) => (StatusCode::SERVICE_UNAVAILABLE, body()),
                        }
                    }),
                )
                .with_state(store)
        }
        Variant::Coalesced => {
            let store = open_store(dir.path()).await?;
            let flight = Arc::new(SingleFlight::default());
            Router::new()
                .route(
                    "/healthz",
                    get(|State((store, flight)): State<(Store, Arc<SingleFlight>)>| async move {
                        if flight.check(|| async { store.health().await.is_ok() }).await {
                            (StatusCode::OK, body())
                        } else {
                            (StatusCode::SERVICE_UNAVAILABLE, body())
                        }
                    }),
                )
                .with_state((store, flight))
        }
        Variant::Json => Router::new().route("/healthz", get(|| async { body() })),
        Variant::Middleware => {
            use axum::middleware::from_fn_with_state;
            use jijiao_web::{auth, csrf, security};
            let state = jijiao_web::AppState::new(open_store(dir.path()).await?);
            let routes = Router::new()
                .route("/healthz", get(|| async { body() }))
                .layer(from_fn_with_state(state.clone(), csrf::protect))
                .layer(from_fn_with_state(state.clone(), auth::authenticate))
                .layer(from_fn_with_state(state.clone(), security::rate_limit))
                .layer(TraceLayer::new_for_http());
            security::with_headers(routes).with_state(state)
        }
        Variant::Trace => Router::new().route("/healthz", get(|| async { "ok" })).layer(TraceLayer::new_for_http()),
        Variant::AnyPool => {
            sqlx::any::install_default_drivers();
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("probe.sqlite3").display());
            let pool = sqlx::any::AnyPoolOptions::new()
                .max_connections(args.pool)
                .acquire_timeout(Duration::from_secs(10))
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute(
                            "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;",
                        )
                        .await?;
                        Ok(())
                    })
                })
                .connect(&url)
                .await?;
            pool.execute("PRAGMA journal_mode = WAL").await?;
            Router::new()
                .route(
                    "/healthz",
                    get(|State(pool): State<sqlx::AnyPool>| async move { query_one(&pool).await.into_response() }),
                )
                .with_state(pool)
        }
        Variant::SqlitePool => {
            let options = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(dir.path().join("probe.sqlite3"))
                .create_if_missing(true)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
            let pool = sqlx::sqlite::SqlitePoolOptions::new().max_connections(args.pool).connect_with(options).await?;
            Router::new()
                .route(
                    "/healthz",
                    get(|State(pool): State<sqlx::SqlitePool>| async move {
                        match sqlx::query_scalar::<_, i64>("SELECT CAST(1 AS BIGINT)").fetch_one(&pool).await {
                            Ok(_) => (StatusCode::OK, body()),
                            Err(_) => (StatusCode::SERVICE_UNAVAILABLE, body()),
                        }
                    }),
                )
                .with_state(pool)
        }
    };
    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    println!("probe {:?} (pool {}) on http://{}/healthz", args.variant, args.pool, listener.local_addr()?);
    // As `jijiao_web::serve`: the middleware reads the peer address.
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await?;
    Ok(())
}

async fn query_one(pool: &sqlx::AnyPool) -> impl IntoResponse + use<> {
    match sqlx::query_scalar::<_, i64>("SELECT CAST(1 AS BIGINT)").fetch_one(pool).await {
        Ok(_) => (StatusCode::OK, body()),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, body()),
    }
}
