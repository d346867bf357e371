//! The health check's database round trip, shared by the checks that arrive close together.
//!
//! Load balancers and monitors poll `/healthz` hard; a round trip each would put the database
//! under the monitor's load and make the check cost more than the requests it watches. A caller
//! gets the answer of a round trip that finished at most [`SingleFlight::FRESHNESS`] earlier;
//! otherwise it makes a new one, one at a time. A database that stops answering therefore shows
//! within that time, and a server makes at most a few round trips a second for its monitors
//! however many there are.
//!
//! The fresh answer is read from one atomic word, without a lock: the checks that share it then
//! cost about what a bare handler costs (issue 2 asks for 80 % of bare axum). Only a stale answer
//! takes the lock, and the callers that queued behind a round trip find it fresh once they get in.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

#[derive(Debug)]
pub struct SingleFlight {
    freshness: Duration,
    /// What [`Self::last`] measures from.
    origin: Instant,
    /// The last answer: microseconds from `origin` to when its round trip finished, shifted left
    /// by one, with the answer in the low bit; 0 before the first round trip.
    last: AtomicU64,
    /// Held while a round trip runs, so that only one runs at a time.
    running: Mutex<()>,
}

impl Default for SingleFlight {
    fn default() -> Self {
        Self::new(Self::FRESHNESS)
    }
}

impl SingleFlight {
    /// How old a shared answer may be.
    pub const FRESHNESS: Duration = Duration::from_millis(100);

    pub fn new(freshness: Duration) -> Self {
        Self { freshness, origin: Instant::now(), last: AtomicU64::new(0), running: Mutex::new(()) }
    }

    /// The answer of a round trip that finished at most `freshness` ago, or of a new one.
    pub async fn check<F, Fut>(&self, round_trip: F) -> bool
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = bool>,
    {
        if let Some(ok) = self.fresh() {
            return ok;
        }
        let _running = self.running.lock().await;
        if let Some(ok) = self.fresh() {
            return ok;
        }
        let ok = round_trip().await;
        // At least 1 µs after the origin, so that a stored answer is never the empty word.
        let finished = (self.origin.elapsed().as_micros() as u64).max(1);
        self.last.store(finished << 1 | u64::from(ok), Ordering::Release);
        ok
    }

    fn fresh(&self) -> Option<bool> {
        let last = self.last.load(Ordering::Acquire);
        if last == 0 {
            return None;
        }
        let finished = Duration::from_micros(last >> 1);
        (self.origin.elapsed().saturating_sub(finished) <= self.freshness).then_some(last & 1 == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn concurrent_callers_share_one_round_trip() {
        let flight = Arc::new(SingleFlight::new(Duration::from_secs(60)));
        let trips = Arc::new(AtomicUsize::new(0));
        let callers: Vec<_> = (0..100)
            .map(|_| {
                let (flight, trips) = (flight.clone(), trips.clone());
                tokio::spawn(async move {
                    flight
                        .check(|| async move {
                            trips.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            true
                        })
                        .await
                })
            })
            .collect();
        for caller in callers {
            assert!(caller.await.unwrap());
        }
        assert_eq!(trips.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn an_answer_older_than_the_freshness_is_not_reused() {
        let flight = SingleFlight::new(Duration::from_millis(30));
        assert!(flight.check(|| async { true }).await);
        // Within the freshness the last answer stands, even though the database would now fail.
        assert!(flight.check(|| async { false }).await);
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(!flight.check(|| async { false }).await, "a failing database shows once the answer is stale");
        assert!(!flight.check(|| async { true }).await);
        let instant = SingleFlight::new(Duration::ZERO);
        assert!(!instant.check(|| async { false }).await);
        tokio::time::sleep(Duration::from_millis(1)).await;
        assert!(instant.check(|| async { true }).await);
    }
}
