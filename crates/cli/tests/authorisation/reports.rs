//! The authorisation matrix for the routes from the roster on (see `../authorisation.rs`).
//!
//! Each case gets the events area's fresh project held and filed today (in scope 北京协和医院, out of
//! scope a 河北 unit held in 河北), with its roster and report in the state the route acts on: a draft
//! to read, save or submit, a submitted report to return or approve. Keeping the roster and the
//! report is the unit's; auditing the province of the applicant unit's; reading whoever sees the
//! event; a professional has no part in events (403); out of sight is 404.

use axum::http::Method;
use jijiao_domain::Hours;
use jijiao_domain::events::report::Report;
use jijiao_domain::events::roster::RosterEntry;
use jijiao_storage::Actor;
use jijiao_storage::reports::{NewReportFile, PeriodKey, ReportFileKind};

use super::common::{BOUNDARY, MULTIPART_START, World};
use super::{Scope, Who, events_matrix};

fn today() -> chrono::NaiveDate {
    jijiao_app::Clock::today(&jijiao_app::SystemClock)
}

/// Whether a route is this area's.
pub fn scoped(path: &str) -> bool {
    path.contains("/roster")
        || path.contains("/report")
        || path == "/api/v1/projects/{number}/periods"
        || path == "/api/v1/projects/{number}/execution.json"
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
    let written = if api { 200 } else { 303 };
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
    Some(match (get, path) {
        (true, "/api/v1/roster-template.xlsx") => 200,
        (true, "/roster-template.xlsx") => match who {
            Anonymous => 303,
            Pending => 403,
            _ => 200,
        },
        (true, "/api/v1/reports" | "/reports") => match who {
            Anonymous => signed_out,
            National | Province => 200,
            _ => 403,
        },
        (true, "/events/{number}/{n}/roster/from-sign-ins.xlsx") => act(Unit, 200),
        (true, _) => read(200),
        (false, "/api/v1/projects/{number}/periods/{n}/report/files") => act(Unit, 201),
        (false, p) if p.ends_with("/return") || p.ends_with("/approve") => act(Province, written),
        (false, _) => act(Unit, written),
    })
}

fn learner() -> RosterEntry {
    let id = jijiao_domain::id_number::compose("110101", chrono::NaiveDate::from_ymd_opt(1990, 3, 3).unwrap(), 21);
    RosterEntry {
        row: 2,
        name: "授权学员".into(),
        id_number: id,
        unit: "某医院".into(),
        province: "11",
        title: "医师".into(),
        phone: String::new(),
        hours: Hours::whole(6),
        passed: true,
        taught_hours: None,
    }
}

fn complete_report() -> Report {
    serde_json::from_value(serde_json::json!({
        "form": "offline", "teaching": [ { "topic": "讲座", "teacher": "张三" } ],
        "effect_analysis": "良好", "problems": "无",
        "survey": { "q1": [1, 0, 0], "q2": [1, 0, 0], "q3": [1, 0, 0], "q4": [1, 0, 0], "q5": [1, 0, 0],
                    "q6": [1, 0, 0], "q7": [1, 1, 0, 0, 0] }
    }))
    .unwrap()
}

/// The route's path for case `n`, its period's roster and report made ready; `None` for other areas.
pub async fn path(w: &World, route: &str, scope: Scope, n: usize) -> Option<String> {
    if !scoped(route) || !route.contains("{number}") {
        return None;
    }
    // The events area makes the project, filed today; the filled path names its number.
    let filled = events_matrix::path(w, "/events/{number}/{n}", scope, n).await.unwrap();
    let number = events_matrix::number(n);
    let project = w.store.project_by_number(&number).await.unwrap();
    let key = PeriodKey {
        project_id: project.id,
        project_number: number.clone(),
        period: 1,
        unit_id: project.unit_id,
        unit_province: project.province_code.clone(),
    };
    let actor = Actor::system("测试");
    w.store.replace_roster(&actor, &key, &[learner()], 0).await.unwrap();
    w.store.save_report(&actor, &key, &complete_report(), 0).await.unwrap();
    if route.ends_with("/return") || route.ends_with("/approve") {
        w.store.submit_report(&actor, &key, today(), 0).await.unwrap();
    }
    let file = w
        .store
        .add_report_file(
            &actor,
            &key,
            NewReportFile {
                kind: ReportFileKind::Exam,
                file_name: "试题.pdf",
                content_type: "application/pdf",
                content: b"%PDF-1.4 test",
            },
            0,
        )
        .await
        .unwrap();
    let url_number = filled.trim_start_matches("/events/").trim_end_matches("/1").to_string();
    Some(route.replace("{number}", &url_number).replace("{n}", "1").replace("{id}", &file.to_string()))
}

fn multipart(texts: &[(&str, &str)], file: Option<(&str, &str)>) -> String {
    let mut body = String::new();
    for (name, value) in texts {
        body.push_str(&format!("{MULTIPART_START}Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    if let Some((name, content)) = file {
        body.push_str(&format!(
            "{MULTIPART_START}Content-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n{content}\r\n"
        ));
    }
    body.push_str(&format!("--{BOUNDARY}--\r\n"));
    body
}

fn roster_csv() -> String {
    let id = learner().id_number;
    format!(
        "姓名,身份证号,工作单位,所在省份,职称,手机,考勤学时,考核结果,授课学时\n授权学员,{},某医院,北京市,医师,,6,合格,\n",
        id.as_str()
    )
}

/// The body a request of this area sends; `None` when the route is not this area's.
pub fn body(method: &Method, path: &str) -> Option<String> {
    if method == Method::GET || !scoped(path) {
        return None;
    }
    let report = serde_json::to_string(&complete_report()).unwrap();
    Some(match path {
        "/api/v1/projects/{number}/periods/{n}/roster" | "/events/{number}/{n}/roster" => {
            multipart(&[], Some(("名单.csv", &roster_csv())))
        }
        "/api/v1/projects/{number}/periods/{n}/report" => report,
        "/events/{number}/{n}/report" => {
            "action=save&form=offline&t_topic=讲座&t_teacher=张三&effect_analysis=良好&problems=无".into()
        }
        "/api/v1/projects/{number}/periods/{n}/report/files" | "/events/{number}/{n}/report/files" => {
            multipart(&[("kind", "exam")], Some(("试题.pdf", "%PDF-1.4 test")))
        }
        "/api/v1/projects/{number}/periods/{n}/report/return" => r#"{"reason":"请补充考核试题"}"#.into(),
        "/events/{number}/{n}/report/return" => "reason=请补充考核试题".into(),
        _ => String::new(),
    })
}
