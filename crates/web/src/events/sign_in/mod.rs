//! QR sign-in over HTTP (rules.md §7.6, issue 16): the API beside the formats.md workflow (the
//! learner's sign-in and sign-out with a code, the unit's list and current code) and the pages (the
//! unit's QR code for a session, refreshed every 30 s by a small script, with the live count; the
//! phone page a code opens). Every decision is made in [`jijiao_app::events::sign_in`].

pub mod api;
pub mod pages;

/// The address a code's QR opens: this server as the request reached it.
pub(crate) fn code_url(state: &crate::AppState, headers: &axum::http::HeaderMap, code: &str) -> String {
    format!("{}/sign-in/{code}", crate::certificates::base_url(state, headers))
}
