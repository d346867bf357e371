//! Electronic credit certificates over HTTP (rules.md §8, issue 17): public verification (page and
//! API), the published keys, the PDF and the zips, revocation, reissue and key rotation by the
//! issuing office; and the public credit query of the home page. Every decision is made in
//! [`jijiao_app::certificates`].

pub mod api;
pub mod pages;

use axum::http::{HeaderMap, header};

use crate::AppState;

/// The address the QR code's verification URL points at: this server as the request reached it
/// (its `Host`), over HTTPS unless the deployment serves plain HTTP (`JIJIAO_COOKIE_SECURE=false`).
pub fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)))
        .unwrap_or("localhost");
    let scheme = if state.settings.secure_cookies { "https" } else { "http" };
    format!("{scheme}://{host}")
}
