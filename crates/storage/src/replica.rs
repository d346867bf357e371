//! The read replica (issue 19): what the public reads (the catalogue, project pages, certificate
//! verification and the home page's figures) may come from a PostgreSQL streaming replica
//! (`JIJIAO_DATABASE_READ_URL`), so that visitors' searches do not load the primary.
//!
//! Only the methods of [`PublicReads`] can reach the replica; every other method of [`Store`], and
//! every write, uses the primary. Which reads a request makes is the caller's choice ([`Reads`]):
//! the web layer sends a signed-in request's reads to the primary even on public pages, so that
//! nobody ever reads their own write from a replica that has not replayed it yet (the simplest rule
//! that is always right; visitors, who write nothing, read from the replica).
//!
//! A replica that fails (refuses connections, times out, errors) is not allowed to fail the
//! request: the read is run again on the primary, with a warning, and the replica is left alone
//! for [`HOLD_OFF`] before it is tried again, so that a replica that is down costs one slow request
//! per period rather than a delay on every request. A lookup by number that the replica does not
//! find is asked of the primary too (a certificate issued a moment ago, its QR code scanned at
//! once): a miss is rare, and so is the second query.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use jijiao_domain::certificate::PublishedKey;
use jijiao_domain::subject::Catalogue;
use sqlx::AnyPool;

use crate::catalogue::ProjectFilter;
use crate::certificates::Certificate;
use crate::events::{EventFilter, EventRow, EventScope};
use crate::projects::Project;
use crate::{Page, PageRequest, Result, Store, StoreError};

/// How long reads stay on the primary after the replica failed.
pub const HOLD_OFF: Duration = Duration::from_secs(30);

/// How long a read waits for a replica connection before it goes to the primary. Short: a
/// connection refused is retried by the pool until this deadline, and a host that does not answer
/// at all is waited for as long; either delays the one request that finds the replica down.
pub(crate) const REPLICA_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(1);

/// Where a request's public reads go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reads {
    /// The primary: a signed-in request, or anything that must see the latest write.
    Primary,
    /// The replica when one is configured and has not failed in the last [`HOLD_OFF`]; else the
    /// primary.
    Replica,
}

/// The replica's pool and whether it may be tried now.
#[derive(Debug)]
pub(crate) struct Replica {
    /// A store over the replica's pool (with no replica of its own): what [`PublicReads`] runs
    /// the store's own read methods on.
    pub(crate) store: Store,
    health: Health,
    /// Reads answered by the replica and reads that fell back to the primary since start (for the
    /// tests and the benchmark; not persisted).
    served: AtomicU64,
    fell_back: AtomicU64,
}

impl Replica {
    pub(crate) fn new(store: Store) -> Self {
        Self { store, health: Health::new(Instant::now()), served: AtomicU64::new(0), fell_back: AtomicU64::new(0) }
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.store.pool
    }
}

/// Whether the replica may be tried: a deadline before which reads go to the primary, in
/// milliseconds after `base`, so that it can be read and set without a lock.
#[derive(Debug)]
struct Health {
    base: Instant,
    /// Milliseconds after `base` until which the replica is not tried; 0: try it.
    primary_until: AtomicU64,
}

impl Health {
    fn new(base: Instant) -> Self {
        Self { base, primary_until: AtomicU64::new(0) }
    }

    fn millis(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.base).as_millis()).unwrap_or(u64::MAX)
    }

    fn usable_at(&self, now: Instant) -> bool {
        self.millis(now) >= self.primary_until.load(Ordering::Relaxed)
    }

    /// Records a failure at `now`: the replica is left alone until `now + HOLD_OFF`. True when this
    /// failure is the one that took it out of use (so that one warning is logged, not one per
    /// request that was in flight when it went down).
    fn failed_at(&self, now: Instant) -> bool {
        let until = self.millis(now).saturating_add(HOLD_OFF.as_millis() as u64);
        let before = self.primary_until.fetch_max(until, Ordering::Relaxed);
        before <= self.millis(now)
    }
}

/// A failure of the replica itself (unreachable, overloaded, an error of its own such as a query
/// cancelled by a recovery conflict), after which the primary is asked: not an answer like "not
/// found" or a refusal, which the primary would give as well.
fn replica_failed(e: &StoreError) -> bool {
    matches!(e, StoreError::Busy | StoreError::Database(_) | StoreError::Io(_))
}

/// The reads the public makes, from the replica or the primary ([`Store::public_reads`]). Each
/// method is the store's own method of the same name, run where [`Reads`] says.
#[derive(Clone, Copy, Debug)]
pub struct PublicReads<'a> {
    store: &'a Store,
    /// The replica to try, if one is configured, asked for and not held off.
    replica: Option<&'a Replica>,
}

impl Store {
    /// The public reads of a request: from the replica for [`Reads::Replica`] when one is
    /// configured and usable, from the primary otherwise.
    pub fn public_reads(&self, reads: Reads) -> PublicReads<'_> {
        let replica = match reads {
            Reads::Primary => None,
            Reads::Replica => self.replica.as_deref().filter(|r| r.health.usable_at(Instant::now())),
        };
        PublicReads { store: self, replica }
    }

    /// Whether a read replica is configured.
    pub fn has_read_replica(&self) -> bool {
        self.replica.is_some()
    }

    /// How many public reads the replica answered, and how many fell back to the primary because
    /// it failed, since this store was opened.
    pub fn replica_reads(&self) -> (u64, u64) {
        self.replica
            .as_ref()
            .map_or((0, 0), |r| (r.served.load(Ordering::Relaxed), r.fell_back.load(Ordering::Relaxed)))
    }
}

impl PublicReads<'_> {
    /// Whether these reads go to the replica (when it answers).
    pub fn from_replica(&self) -> bool {
        self.replica.is_some()
    }

    /// Runs `read` on the replica if it is to be tried, else on the primary; a failed replica read
    /// runs again on the primary. The store is handed over (a cheap clone of a pool handle) rather
    /// than lent, as in [`Store::write`], so that `read` is a plain closure returning a future.
    async fn run<T, F, Fut>(&self, what: &'static str, read: F) -> Result<T>
    where
        F: Fn(Store) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        self.run_confirming_misses(what, false, read).await
    }

    /// [`Self::run`], and with `confirm_misses` a `NotFound` from the replica is asked of the primary.
    async fn run_confirming_misses<T, F, Fut>(&self, what: &'static str, confirm_misses: bool, read: F) -> Result<T>
    where
        F: Fn(Store) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let Some(replica) = self.replica else {
            return read(self.store.clone()).await;
        };
        match read(replica.store.clone()).await {
            Err(StoreError::NotFound) if confirm_misses => {
                tracing::debug!(read = what, "not on the replica; asking the primary");
                read(self.store.clone()).await
            }
            Err(e) if replica_failed(&e) => {
                replica.fell_back.fetch_add(1, Ordering::Relaxed);
                if replica.health.failed_at(Instant::now()) {
                    tracing::warn!(
                        read = what,
                        error = %e,
                        hold_off_seconds = HOLD_OFF.as_secs(),
                        "the read replica failed: public reads go to the primary until it is tried again"
                    );
                } else {
                    tracing::debug!(read = what, error = %e, "the read replica failed again; reading the primary");
                }
                read(self.store.clone()).await
            }
            outcome => {
                replica.served.fetch_add(1, Ordering::Relaxed);
                outcome
            }
        }
    }

    /// [`Store::projects`]: a page of the catalogue.
    pub async fn projects(&self, filter: &ProjectFilter, page: PageRequest) -> Result<Page<Project>> {
        self.run("projects", |s| async move { s.projects(filter, page).await }).await
    }

    /// [`Store::project_list`]: a catalogue download.
    pub async fn project_list(&self, filter: &ProjectFilter, limit: i64) -> Result<Vec<Project>> {
        self.run("project_list", |s| async move { s.project_list(filter, limit).await }).await
    }

    /// [`Store::project_by_number`]: a project's page; a miss is asked of the primary.
    pub async fn project_by_number(&self, number: &str) -> Result<Project> {
        self.run_confirming_misses("project_by_number", true, |s| async move { s.project_by_number(number).await })
            .await
    }

    /// [`Store::events`]: the filed periods a project's page shows.
    pub async fn events(&self, scope: &EventScope, filter: &EventFilter) -> Result<Vec<EventRow>> {
        self.run("events", |s| async move { s.events(scope, filter).await }).await
    }

    /// [`Store::catalogue`]: the subject catalogue.
    pub async fn catalogue(&self) -> Result<Catalogue> {
        self.run("catalogue", |s| async move { s.catalogue().await }).await
    }

    /// [`Store::certificate_by_number`]: verification; a miss is asked of the primary.
    pub async fn certificate_by_number(&self, number: &str) -> Result<Certificate> {
        self.run_confirming_misses(
            "certificate_by_number",
            true,
            |s| async move { s.certificate_by_number(number).await },
        )
        .await
    }

    /// [`Store::certificate_with_key`]: verification, the certificate and its key read together
    /// (so from the same database); a miss is asked of the primary.
    pub async fn certificate_with_key(&self, number: &str) -> Result<(Certificate, Option<PublishedKey>)> {
        self.run_confirming_misses(
            "certificate_with_key",
            true,
            |s| async move { s.certificate_with_key(number).await },
        )
        .await
    }

    /// [`Store::published_keys`]: the keys certificates are verified with.
    pub async fn published_keys(&self) -> Result<Vec<PublishedKey>> {
        self.run("published_keys", |s| async move { s.published_keys().await }).await
    }

    /// [`Store::public_figures`]: the home page's figures.
    pub async fn public_figures(&self) -> Result<crate::PublicFigures> {
        self.run("public_figures", |s| async move { s.public_figures().await }).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The replica is left alone for `HOLD_OFF` after a failure and tried again after it; of the
    /// failures while it is held off, only the first reports the change.
    #[test]
    fn a_failed_replica_is_held_off_then_tried_again() {
        let t0 = Instant::now();
        let health = Health::new(t0);
        assert!(health.usable_at(t0));
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        assert!(health.failed_at(at(1_000)), "the first failure takes it out of use");
        assert!(!health.usable_at(at(1_001)));
        assert!(!health.failed_at(at(1_500)), "a request in flight that fails too says nothing new");
        let until = 1_500 + HOLD_OFF.as_millis() as u64;
        assert!(!health.usable_at(at(until - 1)), "held off from the latest failure");
        assert!(health.usable_at(at(until)));
        assert!(health.failed_at(at(until + 10)), "failing again after the hold-off reports again");
        assert!(!health.usable_at(at(until + 11)));
        // A failure at the very start (0 ms after the base) still holds off.
        let fresh = Health::new(t0);
        assert!(fresh.failed_at(t0) && !fresh.usable_at(t0));
    }

    /// A replica that refuses connections: the read is answered from the primary, counted as a
    /// fallback, and the replica is then held off (the next reads go straight to the primary). A
    /// replica only stands beside a PostgreSQL primary.
    #[tokio::test]
    async fn reads_fall_back_to_the_primary_when_the_replica_refuses() {
        // A port nothing listens on: bound by the system, then released.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let replica_url = format!("postgres://postgres@127.0.0.1:{closed}/jijiao");
        for db in crate::testing::databases().await {
            let store = db.open().await;
            if store.backend() == crate::Backend::Sqlite {
                let refused = store.clone().with_read_replica(&replica_url).unwrap_err();
                assert!(refused.to_string().contains("PostgreSQL"), "{refused}");
                store.close().await;
                continue;
            }
            assert!(store.clone().with_read_replica("sqlite:///tmp/x").is_err());
            let store = store.with_read_replica(&replica_url).unwrap();
            assert!(store.has_read_replica());
            assert!(!store.public_reads(Reads::Primary).from_replica(), "asked for the primary");
            let reads = store.public_reads(Reads::Replica);
            assert!(reads.from_replica());
            let page = reads.projects(&ProjectFilter::default(), PageRequest::default()).await.unwrap();
            assert_eq!(page.total, 0);
            assert_eq!(store.replica_reads(), (0, 1), "answered by the primary after the replica failed");
            assert!(!store.public_reads(Reads::Replica).from_replica(), "held off");
            // A lookup that finds nothing is an answer, from wherever it was asked.
            let missing = store.public_reads(Reads::Replica).certificate_by_number("2099-11-00000001").await;
            assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
            assert_eq!(
                store.public_reads(Reads::Replica).public_figures().await.unwrap().provinces,
                jijiao_domain::province::PROVINCES.len()
            );
            assert_eq!(store.replica_reads(), (0, 1));
            store.close().await;
        }
    }

    #[test]
    fn only_the_replicas_own_failures_fall_back() {
        assert!(replica_failed(&StoreError::Busy));
        assert!(replica_failed(&StoreError::Database(sqlx::Error::PoolClosed)));
        assert!(replica_failed(&StoreError::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused))));
        assert!(!replica_failed(&StoreError::NotFound));
        assert!(!replica_failed(&StoreError::Invalid("x".into())));
        assert!(!replica_failed(&StoreError::Decrypt));
    }
}
