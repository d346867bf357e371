//! Shared pieces of jijiao's benchmark programs (the binaries in `src/bin`): a latency histogram,
//! the loopback-only target check, a one-connection HTTP/1.1 client and a generated published
//! list. These are programs you run and whose output is the figure, never timed tests; `run.sh`
//! drives them.

pub mod catalogue;
pub mod client;
pub mod histogram;
pub mod pg_capture;
pub mod scratch;
pub mod target;

pub use client::Connection;
pub use histogram::Histogram;
pub use scratch::ScratchDatabase;
pub use target::Target;

/// The allocator the `jijiao` binary uses (see its `main.rs`), so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::Duration;

/// Milliseconds with three decimals, the unit every report prints latencies in.
pub fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1_000.0
}

/// A native sqlx PostgreSQL pool of `connections`, each set as the store sets its own
/// ([`jijiao_storage::POSTGRES_CONNECTION_SETTINGS`]): what a floor measures the store against.
pub fn native_postgres_pool(connections: u32) -> sqlx::postgres::PgPoolOptions {
    sqlx::postgres::PgPoolOptions::new().max_connections(connections).after_connect(|conn, _| {
        Box::pin(async move {
            sqlx::Executor::execute(conn, jijiao_storage::POSTGRES_CONNECTION_SETTINGS).await?;
            Ok(())
        })
    })
}

/// Median of a non-empty sorted slice; the mean of the two middle values for an even length.
pub fn median(sorted: &[Duration]) -> Duration {
    assert!(!sorted.is_empty(), "median of nothing");
    let n = sorted.len();
    if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even() {
        let ms = |v: &[u64]| v.iter().map(|&m| Duration::from_millis(m)).collect::<Vec<_>>();
        assert_eq!(median(&ms(&[1, 2, 9])), Duration::from_millis(2));
        assert_eq!(median(&ms(&[1, 2, 4, 9])), Duration::from_millis(3));
        assert_eq!(millis(Duration::from_micros(1234)), 1.234);
    }
}
