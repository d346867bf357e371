//! A small closed-loop HTTP/1.1 load generator for jijiao's benchmarks: N keep-alive connections,
//! one task each, for D seconds against one loopback URL; prints requests/s, p50, p99, max latency
//! and errors (or JSON with `--json`). Bounded in connections, time and optionally request count,
//! and refuses any non-loopback target.

use clap::Parser;
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
