//! Prints two `loadgen --json` results side by side with the throughput ratio against a target,
//! so `run.sh` can show jijiao's `/healthz` next to bare axum without needing jq.

use anyhow::Context;
use clap::Parser;
use serde_json::Value;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "compare", about = "Side-by-side table of two loadgen --json results")]
struct Args {
    /// The server under test (loadgen --json output)
    subject: PathBuf,
    /// The baseline (loadgen --json output)
    baseline: PathBuf,
    /// Required share of the baseline's throughput
    #[arg(long, default_value_t = 0.8)]
    target: f64,
}

fn load(path: &PathBuf) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(text.trim()).with_context(|| format!("{} is not JSON", path.display()))
}

fn main() -> ExitCode {
    let args = Args::parse();
    let (subject, baseline) = match (load(&args.subject), load(&args.baseline)) {
        (Ok(s), Ok(b)) => (s, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("compare: {e:#}");
            return ExitCode::from(2);
        }
    };
    let text = |v: &Value, key: &str| match &v[key] {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_string(),
        other => other.to_string(),
    };
    let number = |v: &Value, key: &str| v[key].as_f64().unwrap_or(f64::NAN);
    println!("{:<14} {:>22} {:>22}", "", text(&subject, "label"), text(&baseline, "label"));
    for (name, key) in [
        ("requests/s", "requests_per_s"),
        ("p50 ms", "p50_ms"),
        ("p90 ms", "p90_ms"),
        ("p99 ms", "p99_ms"),
        ("max ms", "max_ms"),
        ("requests", "requests"),
        ("errors", "errors"),
        ("connections", "connections"),
        ("seconds", "elapsed_s"),
    ] {
        println!("{name:<14} {:>22} {:>22}", text(&subject, key), text(&baseline, key));
    }
    let ratio = number(&subject, "requests_per_s") / number(&baseline, "requests_per_s");
    let verdict = if ratio >= args.target { "meets the target" } else { "BELOW the target" };
    println!(
        "throughput ratio {} / {}: {:.1} % ({verdict} of ≥ {:.0} %)",
        text(&subject, "label"),
        text(&baseline, "label"),
        ratio * 100.0,
        args.target * 100.0
    );
    ExitCode::SUCCESS
}
