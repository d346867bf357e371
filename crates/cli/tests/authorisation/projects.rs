//! The authorisation matrix for the routes of published projects and the public catalogue (see `../authorisation.rs`).
//!
//! The catalogue is public. Batches are the publishers': the national office everywhere, a
//! province's administrator for its own provincial batches (another province's batch is 404);
//! everyone else 403. Importing lists, suspending units and lifting suspensions is the national
//! office's alone; number patterns are each publisher's for the provinces it publishes.
//! In scope: a provincial batch of 北京市; out of scope: one of 河北省.

use axum::http::Method;
use jijiao_domain::org::{Delivery, Level};
use jijiao_domain::publication::ProjectKind;
use jijiao_storage::Actor;
use jijiao_storage::projects::{NewBatch, NewProject, ProjectPeriod};

use super::common::World;
use super::{Scope, Who};

/// A year for the tests (in range by construction).
fn y(year: u16) -> jijiao_domain::Year {
    jijiao_domain::Year::try_from(year).expect("a year in range")
}

/// The expected status of this area's routes; `None` for a route of another area.
pub fn expected(method: &Method, path: &str, who: Who, scope: Scope) -> Option<u16> {
    use Who::*;
    let get = method == Method::GET;
    let api = path.starts_with("/api/");
    let signed_out = if api { 401 } else { 303 };
    let publisher = |ok: u16| match (who, scope) {
        (Anonymous, _) => signed_out,
        (National, _) | (Province, Scope::In) => ok,
        (Province, Scope::Out) => 404,
        _ => 403,
    };
    let national_only = |ok: u16| match who {
        Anonymous => signed_out,
        National => ok,
        _ => 403,
    };
    Some(match (get, path) {
        (true, "/projects" | "/api/v1/projects" | "/api/v1/projects/export") => 200,
        // The matrix fills `{number}` with something that is no project number.
        (true, "/projects/{number}" | "/api/v1/projects/{number}") => 404,
        (true, "/publication" | "/api/v1/batches") => match who {
            Anonymous => signed_out,
            National | Province => 200,
            _ => 403,
        },
        (false, "/publication/batches" | "/api/v1/batches") => match who {
            Anonymous => signed_out,
            National | Province if api => 201,
            National | Province => 303,
            _ => 403,
        },
        (true, "/publication/batches/{id}" | "/publication/batches/{id}/print" | "/api/v1/batches/{id}/export") => {
            publisher(200)
        }
        (false, "/publication/batches/{id}/applications" | "/publication/batches/{id}/publish") => publisher(303),
        (false, "/api/v1/batches/{id}/applications" | "/api/v1/batches/{id}/publish") => publisher(200),
        // The matrix's request names no year: the national office is told to give one.
        (false, "/publication/import" | "/api/v1/projects/import") => national_only(422),
        (false, "/publication/suspensions" | "/api/v1/suspensions") => national_only(200),
        (true, "/api/v1/suspensions") => national_only(200),
        (false, "/publication/suspensions/{id}/lift" | "/api/v1/suspensions/{id}/lift") => national_only(200),
        // Number patterns: the publishers' (the matrix's province administrator sets its own).
        (_, "/api/v1/number-patterns" | "/publication/number-patterns") => match who {
            Anonymous => signed_out,
            National | Province => 200,
            _ => 403,
        },
        _ => return None,
    })
}

/// Unique per request: (year, batch) from the request's number; years after the demo world's.
fn year_batch(n: usize) -> (u16, u16) {
    (2030 + (n % 60) as u16, ((n / 60) % 99 + 1) as u16)
}

/// A record of this area for a route's `{id}`, in or out of 北京协和医院's scope; `None` when the
/// route is not this area's.
pub async fn target(w: &World, path: &str, scope: Scope, n: usize) -> Option<i64> {
    let actor = Actor::system("测试");
    if path.contains("/suspensions") {
        // A published project of a unit of its own, for the suspension to cover.
        let batch = NewBatch {
            level: Level::National,
            province_code: None,
            year: y(2099),
            batch: 1,
            notice: String::new(),
            notice_date: None,
        };
        let day = chrono::NaiveDate::from_ymd_opt(2099, 3, 1).unwrap();
        let project = NewProject {
            number: Some(format!("2099-03-01-{n:03}（国）")),
            application_id: None,
            name: "暂停测试项目".into(),
            unit_name: format!("暂停测试单位{n}"),
            unit_id: None,
            province_code: None,
            leader_name: "测试".into(),
            leader_phone: None,
            subject_tertiary: "03-01".into(),
            kind: ProjectKind::Recommended,
            delivery: Delivery::FaceToFace,
            credits: jijiao_domain::Credits::from_tenths(50),
            hours: None,
            periods: vec![ProjectPeriod { start: day, end: day, place: "北京".into() }],
            audience: String::new(),
            planned_enrollment: 50,
            enrollment_note: String::new(),
            remarks: String::new(),
        };
        w.store.import_projects(&actor, &batch, &[project]).await.unwrap();
        if !path.contains("{id}") {
            return None;
        }
        // Lifting: a suspension of that unit's project in force.
        let unit = format!("暂停测试单位{n}");
        w.store.suspend_unit_projects(&actor, &unit, "年度校验不合格").await.unwrap();
        let active = w.store.active_suspensions().await.unwrap();
        return active.iter().find(|a| a.unit_name == unit).map(|a| a.id);
    }
    if !path.contains("/batches/{id}") {
        return None;
    }
    let (year, batch) = year_batch(n);
    let province = match scope {
        Scope::In => "11",
        Scope::Out => "13",
    };
    let new = NewBatch {
        level: Level::Provincial,
        province_code: Some(province.into()),
        year: y(year),
        batch,
        notice: "测试".into(),
        notice_date: None,
    };
    Some(w.store.create_batch(&actor, &new).await.unwrap().0)
}

/// The body a request of this area sends; `None` when the route is not this area's.
pub fn body(_w: &World, method: &Method, path: &str, n: usize) -> Option<String> {
    if method == Method::GET {
        return None;
    }
    let (year, batch) = year_batch(n);
    Some(match path {
        "/api/v1/batches" => {
            format!(
                r#"{{"level":"provincial","province":"11","year":{year},"batch":{batch},"notice":"京继委办发〔{year}〕{batch}号"}}"#
            )
        }
        "/publication/batches" => {
            format!("level=provincial&province=11&year={year}&batch={batch}&notice=&notice_date=")
        }
        "/api/v1/batches/{id}/applications" => r#"{"applications":[]}"#.into(),
        "/publication/batches/{id}/applications" | "/publication/batches/{id}/publish" => String::new(),
        "/api/v1/batches/{id}/publish" => String::new(),
        "/api/v1/projects/import" => "项目编号,项目名称\n".into(),
        "/publication/import" => super::common::multipart_file("list.csv", "项目编号,项目名称\n"),
        "/api/v1/suspensions" => format!(r#"{{"unit":"暂停测试单位{n}","reason":"年度校验不合格"}}"#),
        "/publication/suspensions" => format!("unit=暂停测试单位{n}&reason=年度校验不合格"),
        "/api/v1/suspensions/{id}/lift" => r#"{"note":"整改后复核合格"}"#.into(),
        "/publication/suspensions/{id}/lift" => "note=整改后复核合格".into(),
        "/api/v1/number-patterns" => r#"{"province":"11","pattern":"YYYY-SS-TT-NNN（{简称}）"}"#.into(),
        "/publication/number-patterns" => "province=11&pattern=YYYY-SS-TT-NNN（{简称}）".into(),
        _ => return None,
    })
}
