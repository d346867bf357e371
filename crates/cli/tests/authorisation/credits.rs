//! The authorisation matrix for the routes of credit records and the learning record (see `../authorisation.rs`).

use axum::http::Method;

use super::common::World;
use super::{Scope, Who};

/// The expected status of this area's routes; `None` for a route of another area.
pub fn expected(_method: &Method, _path: &str, _who: Who, _scope: Scope) -> Option<u16> {
    None
}

/// A record of this area for a route's `{id}`, in or out of 北京协和医院's scope; `None` when the
/// route is not this area's.
pub async fn target(_w: &World, _path: &str, _scope: Scope, _n: usize) -> Option<i64> {
    None
}

/// The body a request of this area sends; `None` when the route is not this area's.
pub fn body(_w: &World, _method: &Method, _path: &str, _n: usize) -> Option<String> {
    None
}
