//! The authorisation matrix for the routes of holding a project (see `../authorisation.rs`).
//!
//! In scope: a period of a fresh project of 北京协和医院 (北京市, 东城区), held today in 北京 and filed.
//! Out of scope: one of 河北医科大学第二医院 held today in 河北. Reading is the unit's chain's and the
//! venue province's; filing and the unit's own record the unit's; inspecting the venue province's
//! inspector's; suspending from an inspection the provinces' and the national office's. A
//! professional has no part in events (403); out of sight is 404.

use axum::http::Method;
use chrono::Datelike;
use jijiao_domain::events::filing::{Contact, Filing, Form, Session, Venue};
use jijiao_domain::events::inspection::{Checklist, Inspection, Outcome};
use jijiao_domain::org::{Delivery, Level};
use jijiao_domain::publication::ProjectKind;
use jijiao_domain::{Credits, Hours};
use jijiao_storage::Actor;
use jijiao_storage::events::{InspectionKind, NewFile, NewFiling, NewInspection};
use jijiao_storage::projects::{NewBatch, NewProject, ProjectPeriod};

use super::common::{BOUNDARY, MULTIPART_START, World};
use super::{Scope, Who};

fn today() -> chrono::NaiveDate {
    jijiao_app::Clock::today(&jijiao_app::SystemClock)
}

/// Whether a route is this area's and points at a record in or out of scope.
pub fn scoped(path: &str) -> bool {
    path.contains("/periods/{n}/")
        || path.starts_with("/events/{number}")
        || path.starts_with("/inspections/{id}")
        || path.starts_with("/api/v1/inspections/{id}")
        || path.starts_with("/event-files/{id}")
}

/// The expected status of this area's routes; `None` for a route of another area.
pub fn expected(method: &Method, path: &str, who: Who, scope: Scope) -> Option<u16> {
    use Who::*;
    let get = method == Method::GET;
    let api = path.starts_with("/api/");
    let signed_out = if api { 401 } else { 303 };
    let written = if api { 200 } else { 303 };
    let created = if api { 201 } else { 303 };
    // Whoever sees the event may read; `ok` for them, 404 for those out of sight.
    let read = |ok: u16| match (who, scope) {
        (Anonymous, _) => signed_out,
        (Pending | Professional, _) => 403,
        (National, _) => ok,
        (Province | District | Inspector | Unit, Scope::In) => ok,
        _ => 404,
    };
    // Only `doer` may act (with `ok`); the others who see the event get 403.
    let act = |doer: Who, ok: u16| match read(ok) {
        status if status == ok && who != doer && who != Anonymous => 403,
        status => status,
    };
    let listed = match who {
        Anonymous => signed_out,
        Pending | Professional => 403,
        _ => 200,
    };
    Some(match (get, path) {
        (true, "/api/v1/events" | "/events" | "/events/export") => listed,
        (true, "/api/v1/tasks") => match who {
            Anonymous => 401,
            Pending => 403,
            _ => 200,
        },
        (
            true,
            "/api/v1/projects/{number}/periods/{n}/filing" | "/api/v1/projects/{number}/periods/{n}/inspections",
        )
        | (true, "/events/{number}/{n}" | "/inspections/{id}" | "/event-files/{id}") => read(200),
        (true, "/events/{number}/{n}/filing" | "/events/{number}/{n}/own") => act(Unit, 200),
        (false, "/api/v1/projects/{number}/periods/{n}/filing" | "/events/{number}/{n}/filing") => act(Unit, written),
        (false, "/api/v1/projects/{number}/periods/{n}/own-inspection" | "/events/{number}/{n}/own") => {
            act(Unit, created)
        }
        (true, "/events/{number}/{n}/inspect") => act(Inspector, 200),
        (false, "/api/v1/projects/{number}/periods/{n}/inspections" | "/events/{number}/{n}/inspect") => {
            act(Inspector, created)
        }
        (false, "/api/v1/inspections/{id}/suspend" | "/inspections/{id}/suspend") => match (who, scope) {
            (National, _) | (Province, Scope::In) => written,
            (Province, Scope::Out) => 404,
            _ => act(National, written),
        },
        _ => return None,
    })
}

fn session(day: chrono::NaiveDate) -> Session {
    Session {
        date: day,
        from: "09:00".into(),
        to: "16:00".into(),
        topic: "讲座".into(),
        teacher: "张三".into(),
        teacher_unit: "医院".into(),
        teacher_title: "主任医师".into(),
        hours: Hours::whole(6),
    }
}

fn filing(province: &str, address: &str) -> Filing {
    Filing {
        start: today(),
        end: today(),
        venue: Venue { province: province.into(), city: "市区".into(), address: address.into(), scenic_area: false },
        form: Form::Offline,
        planned_enrollment: 60,
        fee: 0,
        contact: Contact { name: "李四".into(), phone: "13800138000".into() },
        schedule: vec![session(today())],
    }
}

/// The number of the fresh project of case `n`.
pub fn number(n: usize) -> String {
    format!("{}-03-02-{:05}（国）", today().year(), n % 100_000)
}

/// A fresh project of the scope's unit with one period today, filed, inspected once (with a photo):
/// the path of a route of this area filled with it; `None` for other areas' routes.
pub async fn path(w: &World, route: &str, scope: Scope, n: usize) -> Option<String> {
    if !scoped(route) {
        return None;
    }
    let actor = Actor::system("测试");
    let (unit_name, province) = match scope {
        Scope::In => ("北京协和医院", "11"),
        Scope::Out => ("河北医科大学第二医院", "13"),
    };
    let unit = w.store.organisation_by_name(unit_name).await.unwrap();
    let year = today().year();
    let number = number(n);
    let batch = NewBatch {
        level: Level::National,
        province_code: None,
        year: jijiao_domain::Year::try_from(year).unwrap(),
        batch: 77,
        notice: String::new(),
        notice_date: None,
    };
    let project = NewProject {
        number: Some(number.clone()),
        application_id: None,
        name: format!("授权测试项目{n}"),
        unit_name: unit_name.into(),
        unit_id: Some(unit.id.0),
        province_code: Some(province.into()),
        leader_name: "测试".into(),
        leader_phone: None,
        subject_tertiary: "03-02".into(),
        kind: ProjectKind::Recommended,
        delivery: Delivery::FaceToFace,
        credits: Credits::from_tenths(20),
        hours: Some(Hours::whole(6)),
        periods: vec![ProjectPeriod { start: today(), end: today(), place: "市区".into() }],
        audience: String::new(),
        planned_enrollment: 60,
        enrollment_note: String::new(),
        remarks: String::new(),
    };
    w.store.import_projects(&actor, &batch, &[project]).await.unwrap();
    let stored = w.store.project_by_number(&number).await.unwrap();
    let first = filing(province, "会议中心");
    let new = NewFiling {
        project_id: stored.id,
        project_number: &number,
        unit_id: Some(unit.id.0),
        unit_province: Some(province),
        period: 1,
        filing: &first,
        at: 0,
        on: today() - chrono::Days::new(20),
        notice: None,
    };
    w.store.file_period(&actor, &new).await.unwrap();
    let inspection = Inspection {
        checklist: Checklist::default(),
        notes: Default::default(),
        result: Outcome::Pass,
        reason: String::new(),
    };
    let id = w
        .store
        .record_inspection(
            &actor,
            &NewInspection {
                project_id: stored.id,
                project_number: &number,
                unit_id: Some(unit.id.0),
                unit_province: Some(province),
                period: 1,
                kind: InspectionKind::Inspector,
                inspection: &inspection,
                late: false,
                venue_province: province,
                on: today(),
                at: 0,
                photos: vec![NewFile { kind: "photo", content_type: "image/png", content: vec![1, 2, 3] }],
            },
        )
        .await
        .unwrap();
    let photo = w.store.inspection(id).await.unwrap().photos[0].id;
    let record = if route.starts_with("/event-files/") { photo } else { id };
    Some(
        route
            .replace("{number}", &jijiao_app::events::url_number(&number))
            .replace("{n}", "1")
            .replace("{id}", &record.to_string()),
    )
}

fn multipart(fields: &[(&str, String)]) -> String {
    let mut body = String::from(MULTIPART_START);
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            body.push_str(&format!("--{BOUNDARY}\r\n"));
        }
        body.push_str(&format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    body.push_str(&format!("--{BOUNDARY}--\r\n"));
    body
}

fn checklist_form() -> Vec<(&'static str, String)> {
    let mut fields: Vec<(&str, String)> =
        jijiao_domain::events::inspection::ITEMS.iter().map(|(k, _)| (*k, "yes".to_string())).collect();
    fields.push(("result", "pass".into()));
    fields
}

/// The body a request of this area sends; `None` when the route is not this area's.
pub fn body(method: &Method, path: &str) -> Option<String> {
    if method == Method::GET {
        return None;
    }
    let day = today().to_string();
    let mut moved = serde_json::to_value(filing("北京市", "改址后的会议中心")).unwrap();
    if path.starts_with("/api/") {
        // The province is the target's; the API takes it by name or code.
        moved["venue"]["province"] = serde_json::json!("北京市");
    }
    let inspection = r#"{"checklist":{"time_place":true,"leader_present":true,"teachers_as_scheduled":true,"sign_in":true,"within_plan":true,"no_promotion":true,"no_scenic_or_sightseeing":true,"fees_as_filed":true,"notice_number":true},"notes":{},"result":"pass","reason":""}"#;
    Some(match path {
        "/api/v1/projects/{number}/periods/{n}/filing" => moved.to_string(),
        "/api/v1/projects/{number}/periods/{n}/inspections"
        | "/api/v1/projects/{number}/periods/{n}/own-inspection" => inspection.into(),
        "/api/v1/inspections/{id}/suspend" => r#"{"reason":"督查不合格"}"#.into(),
        "/inspections/{id}/suspend" => "reason=督查不合格".into(),
        "/events/{number}/{n}/filing" => multipart(&[
            ("start", day.clone()),
            ("end", day.clone()),
            ("province", "11".into()),
            ("city", "北京市".into()),
            ("address", "改址后的会议中心".into()),
            ("form", "offline".into()),
            ("planned_enrollment", "60".into()),
            ("fee", "0".into()),
            ("contact_name", "李四".into()),
            ("contact_phone", "13800138000".into()),
            ("s_date", day),
            ("s_from", "09:00".into()),
            ("s_to", "16:00".into()),
            ("s_topic", "讲座".into()),
            ("s_teacher", "张三".into()),
            ("s_unit", "医院".into()),
            ("s_title", "主任医师".into()),
            ("s_hours", "6".into()),
        ]),
        "/events/{number}/{n}/inspect" | "/events/{number}/{n}/own" => multipart(&checklist_form()),
        _ => return None,
    })
}
