//! Response hardening and request limits: security headers on every response, and rate limits on
//! login (per address) and the API (per address when anonymous, per account when signed in).
//!
//! The rate limiter is the one piece of per-server memory: it is soft state (a restart forgets it,
//! and N servers allow N times the rate), which is acceptable for throttling. What must hold across
//! servers, the login failure counts and lockouts, lives in the database.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

/// Per caller and class of endpoint: when the current one-minute window began, and its count.
type Windows = HashMap<(Caller, &'static str), (Instant, u32)>;

#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<Windows>,
}

impl RateLimiter {
    /// Counts a request; `Err(seconds)` to wait when over the limit.
    pub fn check(&self, caller: Caller, class: &'static str, per_minute: u32) -> Result<(), u64> {
        let now = Instant::now();
        let window = Duration::from_secs(60);
        let mut map = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = map.entry((caller, class)).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        if entry.1 > per_minute {
            let wait = window.saturating_sub(now.duration_since(entry.0)).as_secs().max(1);
            return Err(wait);
        }
        Ok(())
    }
}

/// Which limit a request falls under, if any: login and registration posts per address, API
/// requests per account when signed in (by session or token, as the authentication middleware
/// resolved it: a header that merely looks like a credential does not count) and per address
/// otherwise.
fn class_of(request: &Request, limits: &Limits) -> Option<(Caller, &'static str, u32)> {
    let path = request.uri().path();
    let address = || {
        let ip = crate::auth::client_ip(request.extensions())?;
        Some(Caller::Address(ip.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))))
    };
    if request.method() == Method::POST && matches!(path, "/login" | "/register") {
        Some((address()?, "login", limits.login_per_minute))
    } else if request.method() == Method::POST && path == "/credit-query" {
        // The public credit query answers who has which credits: per address, as strictly as login.
        Some((address()?, "credit_query", limits.login_per_minute))
    } else if path == "/certificates/verify" || path.starts_with("/.well-known/") {
        // Public verification without a login: the anonymous API's limit, per address.
        Some((address()?, "public", limits.public_per_minute))
    } else if path.starts_with("/api/") {
        let principal = request.extensions().get::<MaybePrincipal>().and_then(|p| p.0.as_ref());
        match principal {
            Some(p) => Some((Caller::Account(p.account.id.0), "signed_in", limits.signed_in_per_minute)),
            None => Some((address()?, "public", limits.public_per_minute)),
        }
    } else {
        None
    }
}

/// Runs after authentication, which it needs to tell signed-in callers from anonymous ones.
pub async fn rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if let Some((caller, class, limit)) = class_of(&request, &state.settings.limits)
        && let Err(wait) = state.rate_limiter.check(caller, class, limit)
    {
        let message = format!("请求过于频繁，请 {wait} 秒后再试");
        // A person at the login or registration form gets a page; programs get the API's JSON.
        let path = request.uri().path();
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
        return response;
    }
    next.run(request).await
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
}
