//! Rate-limit counters in the database, so that every server of a deployment counts the same
//! requests (issue 19): a caller limited by one server is limited by all of them.
//!
//! A caller's window is one minute from its first request after the last window ended (not
//! aligned to the clock, so a caller's count never resets at an arbitrary second). The web layer
//! decides when to count: a request at a time for login-like forms, in batches for the API (see
//! `jijiao_web::security`). Callers are stored as a keyed hash, like the login failure counts.

use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

use crate::sql::{add, value_rows};
use crate::{Result, Store, now_millis};

/// The length of a rate-limit window.
pub const RATE_WINDOW_MS: i64 = 60_000;

/// Requests to add to one caller's count of one class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateCount {
    /// The caller as the web layer names it (`ip:10.0.0.1`, `account:42`); stored hashed.
    pub caller: String,
    pub class: String,
    pub requests: i64,
}

/// A caller's window after counting: when it began (ms since the epoch) and its requests so far,
/// on every server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateWindow {
    pub window_start: i64,
    pub requests: i64,
}

/// Rows per statement: 4 values each, well under both backends' limits.
const ROWS_PER_STATEMENT: usize = 500;

impl Store {
    fn rate_key(&self, caller: &str) -> String {
        self.vault.lookup_hash(&format!("rate_limit:{caller}"))
    }

    /// Adds the counts to their callers' current windows (starting a new window where the last
    /// one ended) and answers each caller's window as it now stands, in the order given. The rows
    /// are written in one order on every server, so that two servers counting the same callers at
    /// once wait for each other instead of deadlocking.
    pub async fn count_requests(&self, counts: &[RateCount]) -> Result<Vec<RateWindow>> {
        if counts.is_empty() {
            return Ok(Vec::new());
        }
        let now = now_millis();
        // One row per (caller, class), in one order: PostgreSQL refuses a statement that updates a
        // row twice, and two servers writing the same rows in the same order do not deadlock.
        let mut merged: BTreeMap<(String, &str), (i64, Vec<usize>)> = BTreeMap::new();
        for (position, count) in counts.iter().enumerate() {
            let entry = merged.entry((self.rate_key(&count.caller), count.class.as_str())).or_default();
            entry.0 += count.requests;
            entry.1.push(position);
        }
        let merged: Vec<_> = merged.into_iter().collect();
        let backend = self.backend;
        let windows = self
            .write(|mut tx| {
                let merged = &merged;
                async move {
                    let mut windows: HashMap<(String, String), RateWindow> = HashMap::new();
                    for chunk in merged.chunks(ROWS_PER_STATEMENT) {
                        // On a conflict the SET expressions read the row as it was: a window that
                        // ended is replaced by the new one, a live one adds the requests.
                        let sql = format!(
                            "INSERT INTO rate_limits (caller, class, window_start, requests) VALUES {}
                             ON CONFLICT (caller, class) DO UPDATE SET
                               requests = CASE WHEN rate_limits.window_start <= excluded.window_start - {RATE_WINDOW_MS}
                                 THEN excluded.requests ELSE rate_limits.requests + excluded.requests END,
                               window_start = CASE WHEN rate_limits.window_start <= excluded.window_start - {RATE_WINDOW_MS}
                                 THEN excluded.window_start ELSE rate_limits.window_start END
                             RETURNING caller, class, window_start, requests",
                            value_rows(backend, chunk.len(), 4)
                        );
                        let mut args = sqlx::any::AnyArguments::default();
                        for ((key, class), (requests, _)) in chunk {
                            add(&mut args, key.clone());
                            add(&mut args, class.to_string());
                            add(&mut args, now);
                            add(&mut args, *requests);
                        }
                        for row in sqlx::query_with(&sql, args).fetch_all(&mut *tx).await? {
                            let window = RateWindow {
                                window_start: row.try_get("window_start")?,
                                requests: row.try_get("requests")?,
                            };
                            windows.insert((row.try_get("caller")?, row.try_get("class")?), window);
                        }
                    }
                    tx.commit().await?;
                    Ok(windows)
                }
            })
            .await?;
        let mut answers = vec![RateWindow { window_start: now, requests: 0 }; counts.len()];
        for ((key, class), (_, positions)) in &merged {
            if let Some(window) = windows.get(&(key.clone(), class.to_string())) {
                for &position in positions {
                    answers[position] = *window;
                }
            }
        }
        Ok(answers)
    }

    /// Deletes the windows that ended more than a window ago (soft state no one reads again);
    /// returns how many.
    pub async fn forget_rate_windows(&self) -> Result<u64> {
        let done = sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
            .bind(now_millis() - 2 * RATE_WINDOW_MS)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
