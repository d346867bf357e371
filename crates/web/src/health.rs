//! The health check's database round trip, shared by the checks that arrive while one runs.
//!
//! Load balancers and monitors poll `/healthz` hard; a round trip each would put the database
//! under the monitor's load. Callers arriving while a round trip runs wait for the next one and
//! share its answer, so every answer still comes from a round trip begun after its caller
//! arrived (never a cached one), and at most one runs at a time per server.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::Mutex;

#[derive(Debug, Default)]
pub struct SingleFlight {
    /// How many round trips have finished.
    finished: AtomicU64,
    /// The number and answer of the last finished round trip; held while one runs.
    last: Mutex<(u64, bool)>,
}

impl SingleFlight {
    /// Runs `round_trip`, or shares the answer of one that began after this call did.
    pub async fn check<F, Fut>(&self, round_trip: F) -> bool
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = bool>,
    {
        // Round trips run one at a time under the lock. One may be running as we arrive: it
        // finishes as `arrived + 1` and may have begun before us. Number `arrived + 2` or later
        // began after that one finished, so after we arrived.
        let arrived = self.finished.load(Ordering::Acquire);
        let mut last = self.last.lock().await;
        if last.0 >= arrived + 2 {
            return last.1;
        }
        let ok = round_trip().await;
        let number = self.finished.fetch_add(1, Ordering::AcqRel) + 1;
        *last = (number, ok);
        ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    #[tokio::test]
    async fn concurrent_callers_share_round_trips_and_later_callers_get_a_new_one() {
        let flight = Arc::new(SingleFlight::default());
        let trips = Arc::new(AtomicUsize::new(0));
        let slow_trip = |trips: Arc<AtomicUsize>| async move {
            trips.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            true
        };
        let callers: Vec<_> = (0..100)
            .map(|_| {
                let (flight, trips) = (flight.clone(), trips.clone());
                tokio::spawn(async move { flight.check(|| slow_trip(trips)).await })
            })
            .collect();
        for caller in callers {
            assert!(caller.await.unwrap());
        }
        let shared = trips.load(Ordering::SeqCst);
        assert!((1..=2).contains(&shared), "100 concurrent callers made {shared} round trips");

        // A caller arriving after everything finished never reuses an old answer.
        flight.check(|| async { false }).await;
        assert!(!flight.check(|| async { false }).await);
        assert!(flight.check(|| async { true }).await);
    }
}
