//! The authorisation matrix for the routes of credit records and the learning record (see `../authorisation.rs`).
//!
//! Who does what (rules.md §2.5): a person reads their own record; administrators read the records of
//! their scope; the unit administrator registers, imports and reviews self-study; the province (and the
//! nation) grants what employers recorded, reverses, and imports legacy records; professionals plan and
//! apply for self-study. The inspector has no part in credits.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::Method;
use jijiao_domain::credits::learning_record::{RecordFacts, RecordSource};
use jijiao_domain::credits::{ActivityKind, Role};
use jijiao_domain::{Hours, IdNumber};
use jijiao_storage::credit_records::{Decision, NewCreditRecord, PlanFilter, PlanStatus};
use jijiao_storage::{Actor, PersonId};

use super::common::{World, multipart_file};
use super::{Scope, Who};

/// The year of the self-study plans the matrix applies against.
fn plan_year() -> jijiao_domain::Year {
    jijiao_app::Clock::this_year(&jijiao_app::SystemClock)
}

/// The fresh professional of request `n` (see `professional` in `../authorisation.rs`): 受测{n}, at
/// 北京协和医院 in scope and at 河北医科大学第二医院 out of scope.
fn fresh_id_number(n: usize) -> IdNumber {
    jijiao_domain::id_number::compose(
        "110101",
        chrono::NaiveDate::from_ymd_opt(1980, 1, 1).unwrap() + chrono::Days::new(n as u64),
        500,
    )
}

/// Person ids found by `target` for the bodies of the same request (bodies are built synchronously).
static PEOPLE: Mutex<Option<HashMap<usize, i64>>> = Mutex::new(None);

fn remember(n: usize, person: i64) {
    PEOPLE.lock().unwrap().get_or_insert_with(HashMap::new).insert(n, person);
}

fn remembered(n: usize) -> i64 {
    PEOPLE.lock().unwrap().as_ref().and_then(|m| m.get(&n).copied()).expect("target() ran before body()")
}

fn is(method: &Method, m: &str) -> bool {
    method.as_str() == m
}

/// The expected status of this area's routes; `None` for a route of another area.
pub fn expected(method: &Method, path: &str, who: Who, scope: Scope) -> Option<u16> {
    use Who::*;
    let area = path.contains("/credits")
        || path.contains("/credit-records")
        || path.contains("self-study")
        || path.starts_with("/me/credits");
    if !area || path == "/api/v1/credits/evaluate" {
        return None;
    }
    let api = path.starts_with("/api/");
    if who == Anonymous {
        return Some(if api { 401 } else { 303 });
    }
    if who == Pending {
        return Some(403);
    }
    let get = is(method, "GET");
    let only = |roles: &[Who], ok: u16| if roles.contains(&who) { ok } else { 403 };
    let person_only = |ok: u16| if matches!(who, Leader | Professional) { ok } else { 404 };
    let page_done = |ok_api: u16| if api { ok_api } else { 303 };
    // Reading someone's record: administrators of the scope.
    let read_in_scope = |ok: u16| match (who, scope) {
        (National, _) => ok,
        (Province | District | Unit, Scope::In) => ok,
        _ => 404,
    };
    // Deciding on what an employer recorded (and reversing): the province of the scope, or the nation.
    let province_decides = |ok: u16| match (who, scope) {
        (National, _) | (Province, Scope::In) => ok,
        (District | Unit, Scope::In) => 403,
        _ => 404,
    };
    // Deciding on a self-study plan: the person's unit administrator.
    let unit_decides = |ok: u16| match (who, scope) {
        (Unit, Scope::In) => ok,
        (National, _) | (Province | District, Scope::In) => 403,
        _ => 404,
    };
    let admins = [National, Province, District, Unit];
    let reviewers = [National, Province];
    let status = match (get, path.trim_start_matches("/api/v1")) {
        (true, "/me/credits" | "/me/credits/print" | "/me/credits/export") => person_only(200),
        (true, "/people/{id}/credits" | "/credits/people/{id}") => read_in_scope(200),
        (false, "/credit-records") => only(&[Unit], 201),
        (false, "/credits/register") => only(&[Unit], 200),
        (true, "/credits/register" | "/credit-records/template" | "/credits/register/template") => only(&[Unit], 200),
        (false, "/credit-records/import") => only(&[Unit], 201),
        (false, "/credits/register/import") => only(&[Unit], 200),
        (true, "/credit-records" | "/credits/review") => only(&reviewers, 200),
        (false, "/credit-records/decide") => only(&reviewers, 200),
        (false, "/credits/review/decide") => only(&reviewers, 303),
        (false, "/credit-records/{id}/grant" | "/credit-records/{id}/reject") => province_decides(200),
        (false, "/credits/records/{id}/grant" | "/credits/records/{id}/reject") => province_decides(303),
        (false, "/credit-records/{id}/reverse") => province_decides(201),
        (false, "/credits/records/{id}/reverse") => province_decides(303),
        (true, "/credits/legacy" | "/credits/legacy/template" | "/credit-records/legacy-template") => {
            only(&reviewers, 200)
        }
        (false, "/credit-records/legacy-import") => only(&reviewers, 201),
        (false, "/credits/legacy/import") => only(&reviewers, 200),
        (true, "/credits/compliance" | "/credits/compliance/export") => only(&admins, 200),
        // The API's own self-study list is the person's (404 for an account without one); the page
        // is offered to those who may apply.
        (true, "/me/self-study") if api => person_only(200),
        (true, "/me/self-study") => only(&[Leader, Professional], 200),
        (false, "/me/self-study/plans" | "/me/self-study/applications") => {
            only(&[Leader, Professional], if api { 201 } else { 200 })
        }
        (true, "/self-study" | "/credits/self-study") => only(&[Unit], 200),
        (false, "/self-study/plans/{id}/approve" | "/self-study/plans/{id}/reject") => unit_decides(200),
        (false, "/credits/self-study/plans/{id}/approve" | "/credits/self-study/plans/{id}/reject") => {
            unit_decides(page_done(200))
        }
        _ => return None,
    };
    Some(status)
}

/// The fresh person of request `n`.
async fn fresh_person(w: &World, n: usize) -> PersonId {
    w.store.person_by_id_number(&fresh_id_number(n)).await.unwrap().id
}

fn practice(title: &str) -> RecordFacts {
    RecordFacts {
        kind: ActivityKind::Practice,
        title: title.into(),
        project_number: None,
        level: None,
        delivery: None,
        role: Some(Role::Participant),
        start: None,
        end: chrono::NaiveDate::from_ymd_opt(i32::from(plan_year()), 3, 1).unwrap(),
        passed: None,
        hours: Some(Hours::whole(6)),
        credits: None,
        legacy_class: None,
    }
}

/// An approved plan of this year for the demo's professionals, so that their applications succeed.
async fn approved_plans(w: &World) {
    let actor = Actor::system("测试");
    for username in ["yisheng", "fuzeren"] {
        let account = w.store.account_by_username(username).await.unwrap();
        let person = account.person_id.expect("a professional's account has a person");
        let filter = PlanFilter { person_id: Some(person), year: Some(plan_year()), ..PlanFilter::default() };
        let plans = w.store.self_study_plans(&filter).await.unwrap();
        let open = plans.iter().find(|p| p.status != PlanStatus::Rejected);
        match open {
            Some(plan) if plan.status == PlanStatus::Approved => {}
            Some(plan) => w.store.decide_self_study_plan(&actor, plan.id, &Decision::Grant).await.unwrap(),
            None => {
                let id = w
                    .store
                    .submit_self_study_plan(
                        &actor,
                        person,
                        plan_year(),
                        "阅读专业期刊并撰写读书报告",
                        jijiao_domain::Credits::whole(10),
                    )
                    .await
                    .unwrap();
                w.store.decide_self_study_plan(&actor, id, &Decision::Grant).await.unwrap();
            }
        }
    }
}

/// A record of this area for a route's `{id}`, in or out of 北京协和医院's scope; `None` when the
/// route is not this area's.
pub async fn target(w: &World, path: &str, _scope: Scope, n: usize) -> Option<i64> {
    let actor = Actor::system("测试");
    let record = |granted: bool| NewCreditRecord {
        person_id: PersonId(0),
        source: RecordSource::Employer,
        source_ref: None,
        facts: practice(&format!("病例讨论{n}")),
        granted,
    };
    match path.trim_start_matches("/api/v1") {
        "/credit-records" | "/credits/register" => {
            remember(n, fresh_person(w, n).await.0);
            None
        }
        "/me/self-study/applications" => {
            approved_plans(w).await;
            None
        }
        "/credit-records/{id}/grant"
        | "/credit-records/{id}/reject"
        | "/credits/records/{id}/grant"
        | "/credits/records/{id}/reject" => {
            let person = fresh_person(w, n).await;
            Some(
                w.store.record_credit(&actor, &NewCreditRecord { person_id: person, ..record(false) }).await.unwrap().0,
            )
        }
        "/credit-records/{id}/reverse" | "/credits/records/{id}/reverse" => {
            let person = fresh_person(w, n).await;
            Some(w.store.record_credit(&actor, &NewCreditRecord { person_id: person, ..record(true) }).await.unwrap().0)
        }
        "/self-study/plans/{id}/approve"
        | "/self-study/plans/{id}/reject"
        | "/credits/self-study/plans/{id}/approve"
        | "/credits/self-study/plans/{id}/reject" => {
            let person = fresh_person(w, n).await;
            let id = w
                .store
                .submit_self_study_plan(&actor, person, plan_year(), "在线课程学习", jijiao_domain::Credits::whole(5))
                .await
                .unwrap();
            Some(id.0)
        }
        _ => None,
    }
}

/// A registration file for the fresh person of request `n` (at 北京协和医院).
fn registration_csv(n: usize) -> String {
    format!(
        "身份证号,姓名,类别,活动名称,开始日期,结束日期,学时,身份,考核结果\n{},受测{n},实践活动,科室业务学习,,{}-04-01,3,参加者,\n",
        fresh_id_number(n).as_str(),
        plan_year()
    )
}

/// A legacy file for the fresh person of request `n`.
fn legacy_csv(n: usize) -> String {
    format!(
        "身份证号,姓名,学分类别,学分,活动名称,结束日期\n{},受测{n},II类,4.5,院内学术讲座,2023-06-30\n",
        fresh_id_number(n).as_str()
    )
}

/// The body a request of this area sends; `None` when the route is not this area's.
pub fn body(_w: &World, method: &Method, path: &str, n: usize) -> Option<String> {
    if is(method, "GET") {
        return None;
    }
    let year = plan_year();
    Some(match path {
        "/api/v1/credit-records" => format!(
            r#"{{"person_id":{},"kind":"practice","title":"病例讨论","end":"{year}-03-01","hours":"3","role":"participant"}}"#,
            remembered(n)
        ),
        "/credits/register" => {
            format!(
                "person_id={}&kind=practice&title=病例讨论&end={year}-03-01&hours=3&role=participant",
                remembered(n)
            )
        }
        "/api/v1/credit-records/{id}/reject"
        | "/api/v1/credit-records/{id}/reverse"
        | "/api/v1/self-study/plans/{id}/reject" => r#"{"reason":"材料不全"}"#.into(),
        "/credits/records/{id}/reject" | "/credits/records/{id}/reverse" | "/credits/self-study/plans/{id}/reject" => {
            "reason=材料不全".into()
        }
        "/api/v1/credit-records/decide" => r#"{"decision":"grant","kind":"practice","q":"无此人"}"#.into(),
        "/credits/review/decide" => "decision=grant&kind=practice&q=无此人".into(),
        "/api/v1/credit-records/import" => registration_csv(n),
        "/credits/register/import" => multipart_file("registrations.csv", &registration_csv(n)),
        "/api/v1/credit-records/legacy-import" => legacy_csv(n),
        "/credits/legacy/import" => multipart_file("legacy.csv", &legacy_csv(n)),
        // Plans of later years, one per route: a person has one open plan per year.
        "/api/v1/me/self-study/plans" => r#"{"year":2031,"content":"系统学习心电图判读","planned":"6"}"#.into(),
        "/me/self-study/plans" => "year=2032&content=系统学习心电图判读&planned=6".into(),
        "/api/v1/me/self-study/applications" => {
            format!(r#"{{"title":"心电图读书报告","end":"{year}-02-01","credits":"1"}}"#)
        }
        "/me/self-study/applications" => format!("title=心电图读书报告&end={year}-02-01&credits=1"),
        "/api/v1/credit-records/{id}/grant"
        | "/credits/records/{id}/grant"
        | "/api/v1/self-study/plans/{id}/approve"
        | "/credits/self-study/plans/{id}/approve" => String::new(),
        _ => return None,
    })
}
