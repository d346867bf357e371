//! Measures jijiao's start-up: from spawning the release `jijiao serve` on a fresh, empty data
//! folder (no database yet: it is created, migrated and loaded with reference data) to the first
//! `200` from `GET /healthz`, polled every 5 ms. Repeats and prints min/median/max (target < 1 s).

use anyhow::{Context, bail};
use clap::Parser;
use jijiao_bench::{Connection, Target, median, millis};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

const POLL: Duration = Duration::from_millis(5);

#[derive(Debug, Parser)]
#[command(name = "startup", about = "Time from spawning `jijiao serve` to the first answered /healthz")]
struct Args {
    /// The jijiao binary (default: `jijiao` beside this program, i.e. the same target folder)
    #[arg(long, value_name = "PATH")]
    jijiao: Option<PathBuf>,
    /// How many starts to measure
    #[arg(short, long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100))]
    runs: u32,
    /// Give up on one start after this many seconds
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=300))]
    timeout: u64,
    /// Start on a database created by an earlier (unmeasured) start instead of an empty folder
    #[arg(long)]
    existing: bool,
    /// Print one JSON object instead of text
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("startup: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("startup: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn default_binary() -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe().context("cannot find this program's path")?;
    let dir = me.parent().context("this program has no folder")?;
    Ok(dir.join(format!("jijiao{}", std::env::consts::EXE_SUFFIX)))
}

async fn run(args: &Args) -> anyhow::Result<()> {
    let binary = match &args.jijiao {
        Some(p) => p.clone(),
        None => default_binary()?,
    };
    if !binary.is_file() {
        bail!("{} not found: build it with `cargo build --release -p jijiao`", binary.display());
    }
    let timeout = Duration::from_secs(args.timeout);
    let logs = tempfile::tempdir()?;
    let shared = tempfile::tempdir()?;
    if args.existing {
        start_once(&binary, shared.path(), logs.path(), timeout).await?;
    }
    let mut times = Vec::new();
    for run in 1..=args.runs {
        let fresh = tempfile::tempdir()?;
        let data = if args.existing { shared.path() } else { fresh.path() };
        let took = start_once(&binary, data, logs.path(), timeout).await.with_context(|| format!("run {run}"))?;
        if !args.json {
            println!("run {run:>3}: {:>8.1} ms", millis(took));
        }
        times.push(took);
    }
    times.sort();
    let (min, med, max) = (times[0], median(&times), times[times.len() - 1]);
    let database = if args.existing { "existing SQLite database" } else { "empty data folder (new SQLite database)" };
    if args.json {
        let value = serde_json::json!({
            "binary": binary.display().to_string(),
            "database": database,
            "runs": args.runs,
            "min_ms": millis(min),
            "median_ms": millis(med),
            "max_ms": millis(max),
            "all_ms": times.iter().map(|&t| millis(t)).collect::<Vec<_>>(),
        });
        println!("{value}");
    } else {
        println!(
            "start-up to first 200 /healthz, {database}, {} runs: min {:.1} ms, median {:.1} ms, max {:.1} ms",
            args.runs,
            millis(min),
            millis(med),
            millis(max)
        );
    }
    Ok(())
}

/// A port nothing listens on right now (the kernel's pick; released before jijiao binds it).
fn free_port() -> anyhow::Result<u16> {
    let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(probe.local_addr()?.port())
}

/// Kills the server however the measurement ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start_once(binary: &Path, data_dir: &Path, logs: &Path, timeout: Duration) -> anyhow::Result<Duration> {
    let port = free_port()?;
    let listen = format!("127.0.0.1:{port}");
    let target = Target::parse(&format!("http://{listen}/healthz")).await?;
    let log_path = logs.join(format!("jijiao-{port}.log"));
    let log = std::fs::File::create(&log_path)?;
    let mut command = Command::new(binary);
    command
        .args(["serve", "--listen", &listen])
        .env("JIJIAO_DATA_DIR", data_dir)
        .env_remove("JIJIAO_DATABASE_URL")
        .env_remove("JIJIAO_CONFIG")
        .env_remove("JIJIAO_LISTEN")
        .env_remove("JIJIAO_ENCRYPTION_KEY")
        .env_remove("JIJIAO_ENCRYPTION_KEY_FILE")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);

    let begun = Instant::now();
    let mut server = Server(command.spawn().with_context(|| format!("cannot run {}", binary.display()))?);
    loop {
        if let Ok(mut connection) = Connection::open(&target).await
            && let Ok((status, _)) = connection.get(&target).await
            && status == hyper::StatusCode::OK
        {
            return Ok(begun.elapsed());
        }
        if let Some(status) = server.0.try_wait()? {
            let output = std::fs::read_to_string(&log_path).unwrap_or_default();
            bail!("jijiao exited ({status}) before answering:\n{output}");
        }
        if begun.elapsed() > timeout {
            bail!("no 200 from {} within {timeout:?}", target.path);
        }
        tokio::time::sleep(POLL).await;
    }
}
