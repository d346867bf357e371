//! Response hardening and request limits: security headers on every response, and rate limits on
//! login (per address) and the API (per address when anonymous, per account when signed in).
//!
//! The counts live in the database (`rate_limits`), so that N servers behind a proxy allow a caller
//! the configured rate, not N times it. Forms that sign in or look a person up (login,
//! registration, the password self-service, the credit query: 20 a minute) count each request in the database before it is
//! answered: exact across servers, and one small write beside the password hash such a request
//! costs anyway. The API (600 or 1,200 a minute) would pay a write per read that way, so each
//! server counts API requests in memory and adds them to the database once a second
//! ([`RateLimiter::flush`], run by [`spawn_flusher`]), learning every other server's counts for
//! the same callers in the same statement: across N servers a caller can exceed its limit by what
//! it sends in the second before the servers hear of each other.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jijiao_storage::{RATE_WINDOW_MS, RateCount, Store, now_millis};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use crate::AppState;
use crate::auth::MaybePrincipal;

/// No inline scripts (pages load `/static/app.js`), no framing, images may be data: URIs (captcha).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Sets the security headers on every response of `router`. Plain header layers rather than a
/// middleware function: they add no boxed future to each request.
pub fn with_headers<S: Clone + Send + Sync + 'static>(router: axum::Router<S>) -> axum::Router<S> {
    use tower_http::set_header::SetResponseHeaderLayer;
    let set = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    router
        // A route may set a policy of its own (the API docs); every other response gets the site's.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(set(header::REFERRER_POLICY, "same-origin"))
        .layer(set(header::X_FRAME_OPTIONS, "DENY"))
        .layer(set(HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=()"))
}

/// Requests per window for each class of endpoint: per address for anonymous callers, per
/// account for signed-in ones (staff of a hospital behind one address must not share a limit).
/// 0 turns a limit off.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub login_per_minute: u32,
    pub public_per_minute: u32,
    pub signed_in_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self { login_per_minute: 20, public_per_minute: 600, signed_in_per_minute: 1200 }
    }
}

/// Whom a limit counts: an address, or a signed-in account wherever it comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Caller {
    Address(IpAddr),
    Account(i64),
}

impl Caller {
    /// The name the database counts it under (stored as a keyed hash).
    fn key(&self) -> String {
        match self {
            Caller::Address(ip) => format!("ip:{ip}"),
            Caller::Account(id) => format!("account:{id}"),
        }
    }
}

/// How a class of requests is counted across servers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Counting {
    /// In the database before the request is answered.
    Now,
    /// In memory, added to the database by the next [`RateLimiter::flush`].
    Batched,
}

/// One caller's window of one class, as this server knows it.
#[derive(Clone, Copy, Debug)]
struct Window {
    /// When it began (ms since the epoch), as the database says once it has been told.
    start: i64,
    /// Requests counted in the database (by every server) when this server last asked.
    shared: i64,
    /// Requests this server allowed since, not yet in the database.
    unsynced: i64,
}

/// Per caller and class of endpoint.
type Windows = HashMap<(Caller, &'static str), Window>;

/// The most windows a server keeps in memory; beyond, windows that ended are dropped.
const MAX_WINDOWS: usize = 100_000;

#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<Windows>,
}

/// Seconds until a window that began at `start` ends, at least 1 (a `Retry-After` of 0 invites an
/// immediate retry).
fn wait_from(start: i64, now: i64) -> u64 {
    let left_ms = (start + RATE_WINDOW_MS - now).clamp(0, RATE_WINDOW_MS);
    (left_ms as u64).div_ceil(1000).max(1)
}

impl RateLimiter {
    fn lock(&self) -> std::sync::MutexGuard<'_, Windows> {
        self.windows.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a request in memory (added to the database at the next [`Self::flush`]), against
    /// what every server had counted at the last one; `Err(seconds)` to wait when over the limit.
    /// A refused request is not counted.
    pub fn check(&self, caller: Caller, class: &'static str, per_minute: u32) -> Result<(), u64> {
        let now = now_millis();
        let mut map = self.lock();
        if map.len() > MAX_WINDOWS {
            map.retain(|_, w| now - w.start < RATE_WINDOW_MS || w.unsynced > 0);
        }
        let window = map.entry((caller, class)).or_insert(Window { start: now, shared: 0, unsynced: 0 });
        if now - window.start >= RATE_WINDOW_MS {
            // What was not yet told belongs to the window that ended: it no longer counts.
            *window = Window { start: now, shared: 0, unsynced: 0 };
        }
        if window.shared + window.unsynced >= i64::from(per_minute) {
            return Err(wait_from(window.start, now));
        }
        window.unsynced += 1;
        Ok(())
    }

    /// Counts a request in the database at once, so that every server sees it before it is
    /// answered. If the database cannot count, the request is counted in memory (logged): a
    /// database outage must not lift the limit.
    pub async fn check_now(
        &self,
        store: &Store,
        caller: Caller,
        class: &'static str,
        per_minute: u32,
    ) -> Result<(), u64> {
        let count = RateCount { caller: caller.key(), class: class.to_string(), requests: 1 };
        match store.count_requests(&[count]).await {
            Ok(windows) => {
                let window = windows[0];
                if window.requests > i64::from(per_minute) {
                    return Err(wait_from(window.window_start, now_millis()));
                }
                Ok(())
            }
            Err(e) => {
                tracing::warn!(error = %e, "rate limit: the database did not count a request; counting it here");
                self.check(caller, class, per_minute)
            }
        }
    }

    /// Adds the requests counted in memory since the last flush to the database, and learns each
    /// of those callers' counts on every server. Windows that ended and hold nothing untold are
    /// forgotten. On a database error the requests stay counted here (logged).
    pub async fn flush(&self, store: &Store) -> Result<(), jijiao_storage::StoreError> {
        let now = now_millis();
        let (keys, counts): (Vec<_>, Vec<_>) = {
            let mut map = self.lock();
            map.retain(|_, w| now - w.start < RATE_WINDOW_MS || w.unsynced > 0);
            map.iter_mut()
                .filter(|(_, w)| w.unsynced > 0)
                .map(|((caller, class), w)| {
                    let count = RateCount { caller: caller.key(), class: class.to_string(), requests: w.unsynced };
                    w.shared += w.unsynced;
                    w.unsynced = 0;
                    ((*caller, *class), count)
                })
                .unzip()
        };
        let windows = store.count_requests(&counts).await?;
        let mut map = self.lock();
        for (key, window) in keys.into_iter().zip(windows) {
            if let Some(w) = map.get_mut(&key) {
                // Requests allowed while the database answered stay untold, for the next flush.
                w.start = window.window_start;
                w.shared = window.requests;
            }
        }
        Ok(())
    }
}

/// Flushes `limiter` to the database every second while the server runs, and once a minute
/// deletes the windows that ended (on every server: the delete is idempotent and small).
pub fn spawn_flusher(limiter: std::sync::Arc<RateLimiter>, store: Store) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut ticks: u64 = 0;
        loop {
            tick.tick().await;
            if let Err(e) = limiter.flush(&store).await {
                tracing::warn!(error = %e, "rate limit: could not add this server's counts to the database");
            }
            ticks += 1;
            if ticks.is_multiple_of(60)
                && let Err(e) = store.forget_rate_windows().await
            {
                tracing::warn!(error = %e, "rate limit: could not delete ended windows");
            }
        }
    })
}

/// Which limit a request falls under, if any: login and registration posts per address, API
/// requests per account when signed in (by session or token, as the authentication middleware
/// resolved it: a header that merely looks like a credential does not count) and per address
/// otherwise. A limit of 0 is off (a deployment whose proxy limits instead).
fn class_of(request: &Request, limits: &Limits) -> Option<(Caller, &'static str, u32, Counting)> {
    let path = request.uri().path();
    let address = || {
        let ip = crate::auth::client_ip(request.extensions())?;
        Some(Caller::Address(ip.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))))
    };
    let class = if request.method() == Method::POST && matches!(path, "/login" | "/register") {
        (address()?, "login", limits.login_per_minute, Counting::Now)
    } else if request.method() == Method::POST && matches!(path, "/password-reset" | "/password-reset/confirm") {
        // The password self-service sends messages and tries codes: per address, as login.
        (address()?, "password_reset", limits.login_per_minute, Counting::Now)
    } else if request.method() == Method::POST && path == "/credit-query" {
        // The public credit query answers who has which credits: per address, as strictly as login.
        (address()?, "credit_query", limits.login_per_minute, Counting::Now)
    } else if path == "/certificates/verify" || path.starts_with("/.well-known/") {
        // Public verification without a login: the anonymous API's limit, per address.
        (address()?, "public", limits.public_per_minute, Counting::Batched)
    } else if path.starts_with("/api/") {
        let principal = request.extensions().get::<MaybePrincipal>().and_then(|p| p.0.as_ref());
        match principal {
            Some(p) => (Caller::Account(p.account.id.0), "signed_in", limits.signed_in_per_minute, Counting::Batched),
            None => (address()?, "public", limits.public_per_minute, Counting::Batched),
        }
    } else {
        return None;
    };
    (class.2 > 0).then_some(class)
}

/// Runs after authentication, which it needs to tell signed-in callers from anonymous ones.
pub async fn rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if let Some((caller, class, limit, counting)) = class_of(&request, &state.settings.limits) {
        let counted = match counting {
            Counting::Now => state.rate_limiter.check_now(&state.store, caller, class, limit).await,
            Counting::Batched => state.rate_limiter.check(caller, class, limit),
        };
        if let Err(wait) = counted {
            return too_many_requests(request.uri().path(), wait);
        }
    }
    next.run(request).await
}

fn too_many_requests(path: &str, wait: u64) -> Response {
    let message = format!("请求过于频繁，请 {wait} 秒后再试");
    // A person at the login or registration form gets a page; programs get the API's JSON.
    let mut response = if path.starts_with("/api/") || path.starts_with("/.well-known/") {
        (
            StatusCode::TOO_MANY_REQUESTS,
            axum::Json(serde_json::json!({ "code": "too_many_requests", "message": message })),
        )
            .into_response()
    } else {
        crate::pages::error_page(StatusCode::TOO_MANY_REQUESTS, "请求过于频繁", &message)
    };
    if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_address_and_class() {
        let limiter = RateLimiter::default();
        let a = Caller::Address("10.0.0.1".parse().unwrap());
        let b = Caller::Address("10.0.0.2".parse().unwrap());
        for _ in 0..3 {
            assert!(limiter.check(a, "login", 3).is_ok());
        }
        let wait = limiter.check(a, "login", 3).unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(limiter.check(b, "login", 3).is_ok());
        assert!(limiter.check(a, "public", 3).is_ok());
        assert!(limiter.check(Caller::Account(1), "login", 3).is_ok(), "an account is counted apart");
    }

    #[test]
    fn the_wait_is_what_is_left_of_the_window_at_least_a_second() {
        assert_eq!(wait_from(0, 0), 60);
        assert_eq!(wait_from(0, 59_001), 1);
        assert_eq!(wait_from(0, 58_999), 2);
        assert_eq!(wait_from(0, 70_000), 1, "a window already over: try again at once, but not in a loop");
        assert_eq!(wait_from(10_000, 0), 60, "a window from a server whose clock runs ahead: at most a window");
    }
}
