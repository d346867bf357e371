//! The health check's database round trip, shared by the checks that arrive close together.
//!
//! Load balancers and monitors poll `/healthz` hard; a round trip each would put the database
//! under the monitor's load and make the check cost more than the requests it watches. Checks run
//! one at a time; a caller gets the answer of a round trip that finished at most
//! [`SingleFlight::FRESHNESS`] before it got its turn, otherwise it makes a new one. A database
//! that stops answering therefore shows within that time, and a server makes at most a few round
//! trips a second for its monitors however many there are.

use std::future::Future;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

#[derive(Debug)]
pub struct SingleFlight {
    freshness: Duration,
    /// When the last round trip finished and what it answered; held while one runs.
    last: Mutex<Option<(Instant, bool)>>,
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
        Self { freshness, last: Mutex::new(None) }
    }

    /// The answer of a round trip that finished at most `freshness` ago, or of a new one.
    pub async fn check<F, Fut>(&self, round_trip: F) -> bool
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = bool>,
    {
        // Callers queue on the lock while a round trip runs, then share its fresh answer.
        let mut last = self.last.lock().await;
        if let Some((finished, ok)) = *last
            && finished.elapsed() <= self.freshness
        {
            return ok;
        }
        let ok = round_trip().await;
        *last = Some((Instant::now(), ok));
        ok
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
