//! The authorisation matrix for QR sign-in (see `../authorisation.rs`), on the period the events
//! matrix makes (`events.rs`: held and filed today, one session 09:00–16:00), in scope 北京协和医院's
//! and out of scope 河北医科大学第二医院's.
//!
//! The unit's side (its QR page and image, the list and the current code) is the unit's: others who
//! see the event get 403, those out of sight 404. The learner's side takes the code as its credential,
//! so scope does not matter: any account with a person of its own signs in (the leader, a
//! professional, also one awaiting confirmation, who may have registered at the door), an office's
//! account cannot (403); signing out before signing in is a conflict (409). The phone page opens for
//! anyone.

use axum::http::Method;
use chrono::Datelike;
use jijiao_domain::events::sign_in::{Code, Slot, step_at};

use super::common::World;
use super::{Scope, Who};

fn today() -> chrono::NaiveDate {
    jijiao_app::Clock::today(&jijiao_app::SystemClock)
}

/// Whether a route is this area's phone page (its API and unit routes are scoped as events').
pub fn scoped(path: &str) -> bool {
    path.starts_with("/sign-in/{token}")
}

/// The expected status of this area's routes; `None` for a route of another area.
pub fn expected(method: &Method, path: &str, who: Who, scope: Scope) -> Option<u16> {
    use Who::*;
    let get = method == Method::GET;
    let api = path.starts_with("/api/");
    let signed_out = if api { 401 } else { 303 };
    let has_person = matches!(who, Leader | Professional | Pending);
    // The unit's side: as the events matrix's `act(Unit, 200)`.
    let unit = || match (who, scope) {
        (Anonymous, _) => signed_out,
        (Pending | Professional, _) => 403,
        (Unit, Scope::In) => 200,
        (National, _) | (Province | District | Inspector, Scope::In) => 403,
        _ => 404,
    };
    // The learner's side: `ok` for a person, 403 for an office's account.
    let learner = |ok: u16| match who {
        Anonymous => signed_out,
        _ if has_person => ok,
        _ => 403,
    };
    Some(match (get, path) {
        (true, "/events/{number}/{n}/sign-in" | "/events/{number}/{n}/sign-in/qr.svg") => unit(),
        (
            true,
            "/api/v1/projects/{number}/periods/{n}/sign-ins" | "/api/v1/projects/{number}/periods/{n}/sign-in-code",
        ) => unit(),
        (false, "/api/v1/projects/{number}/periods/{n}/sign-ins") => learner(200),
        (false, "/api/v1/projects/{number}/periods/{n}/sign-outs") => learner(409),
        (true, "/sign-in/{token}") => 200,
        (false, "/sign-in/{token}") => learner(200),
        _ => return None,
    })
}

/// The code of the events matrix's period `n` at this moment (its session of today 09:00).
async fn code(w: &World, n: usize) -> String {
    let number = format!("{}-03-02-{:05}（国）", today().year(), n % 100_000);
    let project = w.store.project_by_number(&number).await.unwrap();
    let slot = Slot::new(today(), 9 * 60).unwrap();
    let step = step_at(jijiao_app::Clock::now_millis(&jijiao_app::SystemClock));
    Code::issue(&w.store.vault().sign_in_secret(), &number, project.id, 1, slot, step).to_string()
}

/// The phone page's path for a fresh period of the scope (made by the events matrix); `None` for
/// other routes.
pub async fn path(w: &World, route: &str, scope: Scope, n: usize) -> Option<String> {
    if !scoped(route) {
        return None;
    }
    super::events_matrix::path(w, "/events/{number}/{n}", scope, n).await?;
    Some(route.replace("{token}", &code(w, n).await))
}

/// The body of a sign-in or sign-out: a code of the period the route's path was filled with.
pub async fn body(w: &World, method: &Method, route: &str, n: usize) -> Option<String> {
    if method == Method::GET {
        return None;
    }
    match route {
        "/api/v1/projects/{number}/periods/{n}/sign-ins" | "/api/v1/projects/{number}/periods/{n}/sign-outs" => {
            Some(format!(r#"{{"code":"{}"}}"#, code(w, n).await))
        }
        "/sign-in/{token}" => Some("action=in".into()),
        _ => None,
    }
}
