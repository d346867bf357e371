//! The authorisation matrix for a remote project's upload cycle and the learners' survey (see
//! `../authorisation.rs`).
//!
//! Upload cycle: each case gets a fresh remote project (in scope 北京协和医院's, out of scope a 河北
//! unit's), its cycle not yet chosen. Reading is for whoever sees the project's events, choosing
//! the unit's; a professional has no part in events (403); out of sight is 404.
//!
//! Survey: on the events area's fresh period (held today, so its survey is open), whose roster in
//! scope has `yisheng` as a learner. The learner answers and reads her survey; anyone else who sees
//! the event is refused (403); out of sight, and a professional not on the roster, is 404. The
//! counts are read as the report is.

use axum::http::Method;
use chrono::Datelike;
use jijiao_domain::events::roster::RosterEntry;
use jijiao_domain::org::{Delivery, Level};
use jijiao_domain::publication::ProjectKind;
use jijiao_domain::{Credits, Hours};
use jijiao_storage::Actor;
use jijiao_storage::projects::{NewBatch, NewProject, ProjectPeriod};
use jijiao_storage::reports::PeriodKey;

use super::common::World;
use super::{Scope, Who, events_matrix};

fn today() -> chrono::NaiveDate {
    jijiao_app::Clock::today(&jijiao_app::SystemClock)
}

/// Whether a route is this area's.
pub fn scoped(path: &str) -> bool {
    path.contains("/upload-cycle") || path.contains("/survey")
}

/// The expected status of this area's routes; `None` for a route of another area.
pub fn expected(method: &Method, path: &str, who: Who, scope: Scope) -> Option<u16> {
    use Who::*;
    if !scoped(path) {
        return None;
    }
    let get = method == Method::GET;
    let api = path.starts_with("/api/");
    let signed_out = if api { 401 } else { 303 };
    let read = |ok: u16| match (who, scope) {
        (Anonymous, _) => signed_out,
        (Pending | Professional, _) => 403,
        (National, _) => ok,
        (Province | District | Inspector | Unit, Scope::In) => ok,
        _ => 404,
    };
    let act = |doer: Who, ok: u16| match read(ok) {
        status if status == ok && who != doer && who != Anonymous => 403,
        status => status,
    };
    // The survey: its learner (`yisheng`, on the roster in scope) answers; who sees the event is
    // refused; the rest find nothing.
    let learner = |ok: u16| match (who, scope) {
        (Anonymous, _) => signed_out,
        (Pending, _) => 403,
        (Professional, Scope::In) => ok,
        (Professional | Leader, _) => 404,
        (National, _) | (Province | District | Inspector | Unit, Scope::In) => 403,
        _ => 404,
    };
    Some(match (get, path) {
        (true, "/api/v1/projects/{number}/upload-cycle" | "/events/{number}/upload-cycle") => read(200),
        (false, "/api/v1/projects/{number}/upload-cycle") => act(Unit, 200),
        (false, "/events/{number}/upload-cycle") => act(Unit, 303),
        (true, "/api/v1/projects/{number}/periods/{n}/survey/counts") => read(200),
        (true, "/api/v1/projects/{number}/periods/{n}/survey" | "/surveys/{number}/{n}") => learner(200),
        (false, "/api/v1/projects/{number}/periods/{n}/survey") => learner(201),
        (false, "/surveys/{number}/{n}") => learner(303),
        _ => return None,
    })
}

/// The number of case `n`'s fresh remote project.
fn remote_number(n: usize) -> String {
    format!("{}-03-03-{:05}（国）", today().year(), n % 100_000)
}

/// A fresh remote project of the scope's unit, published starting today (no cycle chosen).
async fn remote_project(w: &World, scope: Scope, n: usize) -> String {
    let (unit_name, province) = match scope {
        Scope::In => ("北京协和医院", "11"),
        Scope::Out => ("河北医科大学第二医院", "13"),
    };
    let unit = w.store.organisation_by_name(unit_name).await.unwrap();
    let number = remote_number(n);
    let batch = NewBatch {
        level: Level::National,
        province_code: None,
        year: jijiao_domain::Year::try_from(today().year()).unwrap(),
        batch: 78,
        notice: String::new(),
        notice_date: None,
    };
    let project = NewProject {
        number: Some(number.clone()),
        application_id: None,
        name: format!("远程授权测试项目{n}"),
        unit_name: unit_name.into(),
        unit_id: Some(unit.id.0),
        province_code: Some(province.into()),
        leader_name: "测试".into(),
        leader_phone: None,
        subject_tertiary: "03-03".into(),
        kind: ProjectKind::Recommended,
        delivery: Delivery::Remote,
        credits: Credits::from_tenths(30),
        hours: Some(Hours::whole(9)),
        periods: vec![ProjectPeriod { start: today(), end: today(), place: "远程（网络）".into() }],
        audience: String::new(),
        planned_enrollment: 300,
        enrollment_note: String::new(),
        remarks: String::new(),
    };
    w.store.import_projects(&Actor::system("测试"), &batch, &[project]).await.unwrap();
    number
}

/// The route's path for case `n`, its records made ready; `None` for other areas' routes.
pub async fn path(w: &World, route: &str, scope: Scope, n: usize) -> Option<String> {
    if !scoped(route) {
        return None;
    }
    if route.contains("/upload-cycle") {
        let number = remote_project(w, scope, n).await;
        return Some(route.replace("{number}", &jijiao_app::events::url_number(&number)));
    }
    // The events area makes the period (held today, filed); `yisheng` learns in it in scope.
    events_matrix::path(w, "/events/{number}/{n}", scope, n).await.unwrap();
    let number = events_matrix::number(n);
    let project = w.store.project_by_number(&number).await.unwrap();
    if scope == Scope::In {
        let person = w.store.account_by_username("yisheng").await.unwrap().person_id.unwrap();
        let p = w.store.person(person).await.unwrap();
        let key = PeriodKey {
            project_id: project.id,
            project_number: number.clone(),
            period: 1,
            unit_id: project.unit_id,
            unit_province: project.province_code.clone(),
        };
        let entry = RosterEntry {
            row: 2,
            name: p.name.clone(),
            id_number: p.id_number.clone(),
            unit: "北京协和医院".into(),
            province: "11",
            title: "医师".into(),
            phone: String::new(),
            hours: Hours::whole(6),
            passed: true,
            taught_hours: None,
        };
        w.store.replace_roster(&Actor::system("测试"), &key, &[entry], 0).await.unwrap();
    }
    Some(route.replace("{number}", &jijiao_app::events::url_number(&number)).replace("{n}", "1"))
}

/// The body a request of this area sends; `None` when the route is not this area's.
pub fn body(method: &Method, path: &str) -> Option<String> {
    if method == Method::GET || !scoped(path) {
        return None;
    }
    Some(match path {
        "/api/v1/projects/{number}/upload-cycle" => r#"{"months":3}"#.into(),
        "/events/{number}/upload-cycle" => "months=3".into(),
        "/api/v1/projects/{number}/periods/{n}/survey" => {
            r#"{"q1":0,"q2":1,"q3":0,"q4":0,"q5":1,"q6":0,"q7":[0,3]}"#.into()
        }
        "/surveys/{number}/{n}" => "q1=0&q2=1&q3=0&q4=0&q5=1&q6=0&q7=0&q7=3".into(),
        _ => return None,
    })
}
