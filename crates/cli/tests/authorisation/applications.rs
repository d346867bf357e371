//! The authorisation matrix for the routes of applications and their review (see `../authorisation.rs`).
//!
//! Targets: an application of 北京协和医院 (东城区, led by 王喆, whom `fuzeren` is) in scope, one
//! of 河北医科大学第二医院 out of scope. Routes that change the document get a fresh draft (only the
//! applicants see drafts); routes that read or review get a fresh submitted application, and the
//! review step sent is a return, which only the district office above 协和 may take at that point.

use axum::http::Method;
use chrono::NaiveDate;
use jijiao_domain::review::workflow::Step;
use jijiao_storage::applications::NewApplication;
use jijiao_storage::{Actor, OrgId};

use super::common::World;
use super::{Scope, Who};

const VALID: &str = include_str!("../../../domain/tests/fixtures/review/valid_national.json");

fn is_area(path: &str) -> bool {
    path.starts_with("/applications")
        || path.starts_with("/api/v1/applications")
        || path.starts_with("/application-windows")
        || path.starts_with("/api/v1/application-windows")
        || path.starts_with("/api/v1/application-quotas")
}

/// The target of a route: a draft (document routes) or a submitted application (the rest).
/// [`target`] is not told the method, so the GET, PUT and DELETE of `/api/v1/applications/{id}`
/// all get a draft (the page `/applications/{id}` reads a submitted one).
fn wants_draft(path: &str) -> bool {
    path.ends_with("/edit")
        || path.ends_with("/delete")
        || path == "/api/v1/applications/{id}"
        || path == "/api/v1/applications/{id}/check"
}

/// The expected status of this area's routes; `None` for a route of another area.
pub fn expected(method: &Method, path: &str, who: Who, scope: Scope) -> Option<u16> {
    use Who::*;
    if !is_area(path) || path == "/api/v1/applications/check" {
        return None;
    }
    let api = path.starts_with("/api/");
    let get = method == Method::GET;
    if who == Anonymous {
        return Some(if api { 401 } else { 303 });
    }
    if who == Pending {
        return Some(403);
    }
    let redirect_or = |api_ok: u16| if api { api_ok } else { 303 };
    let applicant = matches!(who, Unit | Leader);
    let reviewer = matches!(who, National | Province | District);
    let in_scope = scope == Scope::In;
    // Who sees a submitted application: the applicants and reviewers of its scope, the nation.
    let sees_submitted = who == National || (in_scope && (applicant || reviewer));
    let status = match (get, path) {
        (true, "/applications" | "/api/v1/applications" | "/api/v1/applications/export.xlsx") => {
            if applicant || reviewer { 200 } else { 403 }
        }
        (true, "/applications/new") => {
            if applicant {
                200
            } else {
                403
            }
        }
        (false, "/applications" | "/api/v1/applications") => {
            if applicant {
                redirect_or(201)
            } else {
                403
            }
        }
        (true, "/api/v1/application-windows") => 200,
        // Each office's own quota: a unit's national one, a district's of district projects.
        (true, "/api/v1/application-quotas") => {
            if matches!(who, Unit | District) {
                200
            } else {
                403
            }
        }
        (true, "/application-windows") => {
            if applicant || reviewer {
                200
            } else {
                403
            }
        }
        // The body sets the national window: the national office's alone.
        (false, "/application-windows" | "/api/v1/application-windows") => {
            if who == National {
                redirect_or(200)
            } else {
                403
            }
        }
        // The printouts are read like the detail page.
        (true, "/applications/{id}" | "/applications/{id}/form.pdf" | "/applications/{id}/commitment.pdf") => {
            if sees_submitted {
                200
            } else {
                404
            }
        }
        // A draft: only its applicants see it.
        (_, p) if wants_draft(p) => {
            if applicant && in_scope {
                if get { 200 } else { redirect_or(200) }
            } else {
                404
            }
        }
        (false, "/applications/{id}/steps" | "/api/v1/applications/{id}/steps") => {
            if who == District && in_scope {
                redirect_or(200)
            } else if sees_submitted {
                403
            } else {
                404
            }
        }
        (false, "/applications/{id}/copy" | "/api/v1/applications/{id}/copy") => {
            if applicant && in_scope {
                redirect_or(201)
            } else if sees_submitted {
                403
            } else {
                404
            }
        }
        _ => return None,
    };
    Some(status)
}

/// A record of this area for a route's `{id}`, in or out of 北京协和医院's scope; `None` when the
/// route is not this area's.
pub async fn target(w: &World, path: &str, scope: Scope, n: usize) -> Option<i64> {
    if !is_area(path) || !path.contains("{id}") {
        return None;
    }
    Some(application(w, scope, n, !wants_draft(path)).await)
}

/// A fresh application of 协和 (in scope) or 河北医科大学第二医院 (out), submitted when `submit`.
pub async fn application(w: &World, scope: Scope, n: usize, submit: bool) -> i64 {
    let mut doc = jijiao_domain::review::parse_application(VALID).unwrap();
    let (unit_name, province) = match scope {
        Scope::In => ("北京协和医院", "北京市"),
        Scope::Out => ("河北医科大学第二医院", "河北省"),
    };
    doc.province = province.into();
    doc.applicant.name = unit_name.into();
    doc.applicant.province = province.into();
    doc.name = format!("授权测试项目{n}");
    let unit = w.store.organisation_by_name(unit_name).await.unwrap();
    let district = unit.parent_id.map(|d| d.0);
    let leader = match scope {
        Scope::In => w.store.account_by_username("fuzeren").await.unwrap().person_id,
        Scope::Out => None,
    };
    let new = NewApplication {
        document: doc,
        unit_id: unit.id,
        district_id: district.map(OrgId),
        leader_person_id: leader,
        copied_from: None,
        findings: (0, 0),
    };
    let actor = Actor::system("测试");
    let id = w.store.create_application(&actor, &new).await.unwrap();
    if submit {
        let on = NaiveDate::from_ymd_opt(2025, 11, 20).unwrap();
        w.store.step_application(&actor, id, Step::Submit, "", on).await.unwrap();
    }
    id.0
}

/// The body a request of this area sends; `None` when the route is not this area's.
pub fn body(_w: &World, method: &Method, path: &str, n: usize) -> Option<String> {
    if !is_area(path) || path == "/api/v1/applications/check" || method == Method::GET {
        return None;
    }
    let year = 2026;
    Some(match path {
        "/api/v1/applications" | "/api/v1/applications/{id}" | "/api/v1/applications/{id}/check"
            if method != Method::DELETE =>
        {
            let mut doc: serde_json::Value = serde_json::from_str(VALID).unwrap();
            doc["name"] = format!("授权测试新项目{n}").into();
            doc.to_string()
        }
        "/applications" => "level=national&name=授权测试新项目".into(),
        "/applications/{id}/edit" => format!("step=basic&name=授权测试改名{n}"),
        "/api/v1/applications/{id}/steps" => r#"{"step":"return","comment":"请补充推荐理由"}"#.into(),
        "/applications/{id}/steps" => "step=return&comment=请补充推荐理由".into(),
        "/api/v1/application-windows" => {
            format!(r#"{{"year":{year},"level":"national","opens":"{year}-11-18","closes":"{year}-11-26"}}"#)
        }
        "/application-windows" => format!("year={year}&level=national&opens={year}-11-18&closes={year}-11-26"),
        _ => String::new(),
    })
}
