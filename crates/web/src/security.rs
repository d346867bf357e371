//! Response hardening and request limits: security headers on every response, and per-address
//! rate limits on login and the public endpoints.
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
        .layer(set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(set(header::REFERRER_POLICY, "same-origin"))
        .layer(set(header::X_FRAME_OPTIONS, "DENY"))
        .layer(set(HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=()"))
}

/// Requests per window and address for each class of endpoint.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub login_per_minute: u32,
    pub public_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self { login_per_minute: 20, public_per_minute: 600 }
    }
}

/// Per address and class of endpoint: when the current one-minute window began, and its count.
type Windows = HashMap<(IpAddr, &'static str), (Instant, u32)>;

#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<Windows>,
}

impl RateLimiter {
    /// Counts a request; `Err(seconds)` to wait when over the limit.
    pub fn check(&self, ip: IpAddr, class: &'static str, per_minute: u32) -> Result<(), u64> {
        let now = Instant::now();
        let window = Duration::from_secs(60);
        let mut map = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = map.entry((ip, class)).or_insert((now, 0));
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

/// Which limit a request falls under, if any: login and registration posts, and anonymous
/// requests to the API.
fn class_of(request: &Request) -> Option<&'static str> {
    let path = request.uri().path();
    if request.method() == Method::POST && matches!(path, "/login" | "/register") {
        Some("login")
    } else if path.starts_with("/api/") && request.headers().get(header::AUTHORIZATION).is_none() {
        Some("public")
    } else {
        None
    }
}

pub async fn rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if let (Some(class), Some(ip)) = (class_of(&request), crate::auth::client_ip(request.extensions())) {
        let ip: IpAddr = ip.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let limit = if class == "login" {
            state.settings.limits.login_per_minute
        } else {
            state.settings.limits.public_per_minute
        };
        if let Err(wait) = state.rate_limiter.check(ip, class, limit) {
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                axum::Json(serde_json::json!({ "code": "too_many_requests", "message": format!("请求过于频繁，请 {wait} 秒后再试") })),
            )
                .into_response();
            if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return response;
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_address_and_class() {
        let limiter = RateLimiter::default();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        for _ in 0..3 {
            assert!(limiter.check(a, "login", 3).is_ok());
        }
        let wait = limiter.check(a, "login", 3).unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(limiter.check(b, "login", 3).is_ok());
        assert!(limiter.check(a, "public", 3).is_ok());
    }
}
