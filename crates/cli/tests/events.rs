//! Holding a project end to end (issue 15) on both backends: filing through the API with versions,
//! bad input refused by name with nothing saved, inspections with photos (metadata stripped, served
//! only in scope), venue supervision, suspension from an inspection, tasks per role, the unit history
//! in the formal review agreeing with `jijiao check application`, and the pages.

use crate::common::{self, Client, World};

use axum::body::Body;
use axum::http::{Method, Request, header};
use chrono::Datelike;
use http_body_util::BodyExt;
use jijiao_domain::events::files::samples;
use serde_json::{Value, json};
use tower::ServiceExt;

fn today() -> chrono::NaiveDate {
    jijiao_app::Clock::today(&jijiao_app::SystemClock)
}

/// The demo's current-year project of `serial` (demo_events.rs), national or 北京.
fn number(serial: u32, national: bool) -> String {
    format!("{}-03-01-{serial:03}（{}）", today().year(), if national { "国" } else { "京" })
}

fn path(serial: u32, national: bool, rest: &str) -> String {
    format!("/api/v1/projects/{}/periods/1/{rest}", jijiao_app::events::url_number(&number(serial, national)))
}

/// The start and end of a demo period as published (read back from the catalogue).
async fn published(w: &World, serial: u32, national: bool) -> (chrono::NaiveDate, chrono::NaiveDate) {
    let p = w.store.project_by_number(&number(serial, national)).await.unwrap();
    (p.periods[0].start, p.periods[0].end)
}

fn filing(start: chrono::NaiveDate, end: chrono::NaiveDate, address: &str) -> Value {
    let mut schedule = Vec::new();
    let mut d = start;
    while d <= end {
        for (from, to) in [("09:00", "12:00"), ("14:00", "17:00")] {
            schedule
                .push(json!({ "date": d.to_string(), "from": from, "to": to, "topic": "专题讲座", "teacher": "张三",
                "teacher_unit": "北京协和医院", "teacher_title": "主任医师", "hours": 3 }));
        }
        d = d.succ_opt().unwrap();
    }
    json!({ "start": start.to_string(), "end": end.to_string(),
        "venue": { "province": "北京市", "city": "北京市", "address": address, "scenic_area": false },
        "form": "offline", "planned_enrollment": 100, "fee": 0,
        "contact": { "name": "李老师", "phone": "13800138000" }, "schedule": schedule })
}

async fn send(w: &World, c: &Client, method: Method, path: &str, body: &Value) -> common::Reply {
    w.send(c, method, path, Some(body.to_string())).await
}

/// A multipart request to the API with files named `f0.jpg`, `f1.jpg`, ….
async fn multipart(
    w: &World,
    c: &Client,
    method: Method,
    path: &str,
    texts: &[(&str, String)],
    files: &[(&str, Vec<u8>)],
) -> common::Reply {
    let named: Vec<(&str, String, Vec<u8>)> =
        files.iter().enumerate().map(|(i, (name, bytes))| (*name, format!("f{i}.jpg"), bytes.clone())).collect();
    w.multipart(c, method, path, texts, &named).await
}

async fn bytes_of(w: &World, c: &Client, path: &str) -> (u16, Vec<u8>) {
    let request =
        Request::builder().uri(path).header(header::COOKIE, c.cookie.clone().unwrap()).body(Body::empty()).unwrap();
    let response = w.app.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    (status, response.into_body().collect().await.unwrap().to_bytes().to_vec())
}

fn inspection(result: &str, reason: &str) -> Value {
    json!({ "checklist": { "time_place": true, "leader_present": true, "teachers_as_scheduled": true, "sign_in": true,
        "within_plan": true, "no_promotion": true, "no_scenic_or_sightseeing": true, "fees_as_filed": true, "notice_number": true },
        "notes": { "sign_in": "签到表齐全" }, "result": result, "reason": reason })
}

/// A unit files a period, late; changes its venue (a new version); the public page says it moved;
/// the venue province and the unit's chain see it, another province does not.
#[tokio::test]
async fn a_unit_files_a_period_and_files_again() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = common::world(db).await;
        let xiehe = w.signed_in("xiehe").await;
        let (start, end) = published(&w, 906, true).await;
        let put =
            send(&w, &xiehe, Method::PUT, &path(906, true, "filing"), &filing(start, end, "东城区帅府园1号")).await;
        assert_eq!(put.status, 200, "{backend}: {}", put.body);
        let late = (start - today()).num_days() < 14;
        assert_eq!(put.json(), json!({ "version": 1, "late": late }), "{backend}");
        let moved =
            send(&w, &xiehe, Method::PUT, &path(906, true, "filing"), &filing(start, end, "西城区金融大街")).await;
        assert_eq!(moved.json()["version"], 2, "{backend}: {}", moved.body);

        let got = w.get(&xiehe, &path(906, true, "filing")).await.json();
        assert_eq!(got["current"]["venue"]["address"], "西城区金融大街");
        assert_eq!(got["current"]["filed_on"], today().to_string());
        assert_eq!(got["current"]["late"], late);
        assert_eq!(got["current"]["contact"]["phone"], "138****8000", "masked: {got}");
        assert_eq!(got["history"].as_array().unwrap().len(), 2);
        assert_eq!(got["history"][0]["changes"], json!(["venue"]));

        let public =
            w.get(&w.anonymous(), &format!("/projects/{}", jijiao_app::events::url_number(&number(906, true)))).await;
        assert!(public.body.contains("西城区金融大街") && public.body.contains("已变更"), "{backend}");

        for (who, sees) in
            [("beijing", true), ("dongcheng", true), ("duchayuan", true), ("hebei", false), ("guojia", true)]
        {
            let c = w.signed_in(who).await;
            let status = w.get(&c, &path(906, true, "filing")).await.status.as_u16();
            assert_eq!(status, if sees { 200 } else { 404 }, "{backend}: {who}");
        }
        let inspector = w.signed_in("duchayuan").await;
        let refused = send(&w, &inspector, Method::PUT, &path(906, true, "filing"), &filing(start, end, "x")).await;
        assert_eq!(refused.status, 403, "{backend}: an inspector does not file");
        let log = w.get(&w.signed_in("guojia").await, "/api/v1/audit?object_type=period_filing").await.json();
        assert!(log.to_string().contains("events.refile"), "{backend}: {log}");
    }
}

/// Bad input is refused with a Chinese message naming the field, and nothing is saved.
#[tokio::test]
async fn bad_filings_are_refused_by_field_and_save_nothing() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = common::world(db).await;
        let xiehe = w.signed_in("xiehe").await;
        let (start, end) = published(&w, 907, false).await;
        let good = filing(start, end, "东城区帅府园1号");
        let mut wrong_year = good.clone();
        wrong_year["start"] = json!(format!("{}-12-30", today().year() - 1));
        let mut backwards = good.clone();
        backwards["end"] = json!((start - chrono::Days::new(1)).to_string());
        let mut hours = good.clone();
        hours["schedule"][0]["hours"] = json!(2);
        let mut renamed = good.clone();
        renamed["name"] = json!("另一个名称");
        let mut scenic = good.clone();
        scenic["venue"]["address"] = json!("八达岭风景名胜区会议中心");
        for (body, field, words) in [
            (wrong_year, "start", "不在项目年度"),
            (backwards, "end", "早于开始日期"),
            (hours, "schedule", "学时合计"),
            (renamed, "name", "不能变更"),
            (scenic, "venue.address", "风景名胜区"),
        ] {
            let reply = send(&w, &xiehe, Method::PUT, &path(907, false, "filing"), &body).await;
            assert_eq!(reply.status, 422, "{backend} {field}: {}", reply.body);
            let errors = reply.json()["errors"].clone();
            let named = errors.as_array().unwrap().iter().find(|e| e["field"] == field);
            assert!(
                named.is_some_and(|e| e["message"].as_str().unwrap().contains(words)),
                "{backend} {field}: {errors}"
            );
        }
        let fake_pdf = multipart(
            &w,
            &xiehe,
            Method::PUT,
            &path(907, false, "filing"),
            &[("json", good.to_string())],
            &[("notice", b"<html>this is not a PDF</html>".to_vec())],
        )
        .await;
        assert_eq!(fake_pdf.status, 422, "{backend}: {}", fake_pdf.body);
        assert_eq!(fake_pdf.json()["errors"][0]["field"], "notice");
        assert!(fake_pdf.body.contains("办班通知") && fake_pdf.body.contains("不是 PDF"), "{}", fake_pdf.body);
        let beyond =
            send(&w, &xiehe, Method::PUT, &path(907, false, "filing").replace("/periods/1/", "/periods/2/"), &good)
                .await;
        assert_eq!((beyond.status.as_u16(), beyond.json()["field"].clone()), (422, json!("period")), "{}", beyond.body);
        let got = w.get(&xiehe, &path(907, false, "filing")).await.json();
        assert_eq!(got["current"], Value::Null, "{backend}: nothing saved");
        // The same filing with a real PDF is accepted.
        let ok = multipart(
            &w,
            &xiehe,
            Method::PUT,
            &path(907, false, "filing"),
            &[("json", good.to_string())],
            &[("notice", samples::pdf())],
        )
        .await;
        assert_eq!(ok.status, 200, "{backend}: {}", ok.body);
    }
}

/// The inspector of the venue province inspects a 河北 unit's period held in 北京 with a photo: the
/// photo is stored without its metadata and served only to those who see the event; a 30 MB photo
/// and a failure without reason are refused; the province suspends the unit from the inspection.
#[tokio::test]
async fn an_inspection_with_photos_in_the_venue_province() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = common::world(db).await;
        let inspector = w.signed_in("duchayuan").await;
        let target = path(904, true, "inspections");
        let huge = vec![0xffu8; 30 * 1024 * 1024];
        let mut huge_jpeg = samples::jpeg_plain();
        huge_jpeg.extend_from_slice(&huge);
        let too_big = multipart(
            &w,
            &inspector,
            Method::POST,
            &target,
            &[("json", inspection("pass", "").to_string())],
            &[("photo", huge_jpeg)],
        )
        .await;
        assert!(matches!(too_big.status.as_u16(), 413 | 422), "{backend}: {}", too_big.status);
        assert!(too_big.body.contains("10 MB") || too_big.body.contains("过大"), "{}", too_big.body);
        let no_reason = send(&w, &inspector, Method::POST, &target, &inspection("fail", "")).await;
        assert_eq!(
            (no_reason.status.as_u16(), no_reason.json()["field"].clone()),
            (422, json!("reason")),
            "{}",
            no_reason.body
        );
        let listed = w.get(&inspector, &path(904, true, "inspections")).await.json();
        assert_eq!(listed, json!([]), "{backend}: nothing saved");

        let made = multipart(
            &w,
            &inspector,
            Method::POST,
            &target,
            &[("json", inspection("fail", "负责人不在场").to_string())],
            &[("photo", samples::jpeg_with_exif()), ("photo", samples::png_with_text())],
        )
        .await;
        assert_eq!(made.status, 201, "{backend}: {}", made.body);
        let id = made.json()["id"].as_i64().unwrap();
        let listed = w.get(&inspector, &path(904, true, "inspections")).await.json();
        let photos: Vec<String> =
            listed[0]["photos"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_string()).collect();
        assert_eq!(photos.len(), 2, "{listed}");
        assert_eq!(
            bytes_of(&w, &inspector, &photos[0]).await,
            (200, samples::jpeg_plain()),
            "{backend}: EXIF stripped"
        );
        assert_eq!(
            bytes_of(&w, &inspector, &photos[1]).await,
            (200, samples::png_plain()),
            "{backend}: text chunks stripped"
        );
        // 河北's office sees its unit's inspection; 北京's district (not the unit's chain) does not.
        assert_eq!(bytes_of(&w, &w.signed_in("hebei").await, &photos[0]).await.0, 200, "{backend}");
        assert_eq!(bytes_of(&w, &w.signed_in("dongcheng").await, &photos[0]).await.0, 404, "{backend}");
        assert_eq!(bytes_of(&w, &w.signed_in("xiehe").await, &photos[0]).await.0, 404, "{backend}");

        let beijing_office = w.signed_in("beijing").await;
        let unit_admin = w.signed_in("xiehe").await;
        let refused = send(
            &w,
            &unit_admin,
            Method::POST,
            &format!("/api/v1/inspections/{id}/suspend"),
            &json!({ "reason": "x" }),
        )
        .await;
        assert_eq!(refused.status, 404, "{backend}: out of the unit's sight");
        let suspended = send(
            &w,
            &beijing_office,
            Method::POST,
            &format!("/api/v1/inspections/{id}/suspend"),
            &json!({ "reason": "督查不合格" }),
        )
        .await;
        assert_eq!(suspended.status, 200, "{backend}: {}", suspended.body);
        assert!(suspended.json()["projects"].as_u64().unwrap() >= 1);
        let project = w
            .get(&w.anonymous(), &format!("/api/v1/projects/{}", jijiao_app::events::url_number(&number(904, true))))
            .await
            .json();
        let reason = project["suspended"].as_str().unwrap();
        assert!(reason.starts_with("督查不合格") && reason.contains(&format!("督查记录 {id}")), "{reason}");
        let page = w.get(&inspector, &format!("/inspections/{id}")).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("不合格") && page.body.contains("负责人不在场"), "{backend}");
    }
}

/// Each role's tasks: the unit's filings due (overdue in red), the inspector's events today, the
/// office's events this week; a professional has none. The start page lists them.
#[tokio::test]
async fn every_role_sees_what_it_must_do_next() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = common::world(db).await;
        let tasks = async |who: &str| w.get(&w.signed_in(who).await, "/api/v1/tasks").await.json()["items"].clone();
        let unit = tasks("xiehe").await;
        let titles = unit.to_string();
        assert!(titles.contains(&number(906, true)), "{backend}: {unit}");
        assert!(unit.as_array().unwrap().iter().all(|t| t["kind"] == "filing" || t["kind"] == "report"), "{unit}");
        let overdue = unit
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["title"].as_str().unwrap().contains(&number(906, true)))
            .unwrap();
        let (start, _) = published(&w, 906, true).await;
        assert_eq!(
            overdue["overdue"],
            (start - today()).num_days() > 0 && (start - today()).num_days() < 14,
            "{overdue}"
        );
        assert_eq!(overdue["due"], (start - chrono::Days::new(14)).to_string());
        let inspector = tasks("duchayuan").await;
        assert!(inspector.to_string().contains(&number(904, true)), "{backend}: {inspector}");
        assert!(inspector.as_array().unwrap().iter().all(|t| t["kind"] == "inspection"));
        let office = tasks("beijing").await;
        assert!(office.as_array().unwrap().iter().any(|t| t["kind"] == "supervision"), "{backend}: {office}");
        // A professional has no events to file or inspect: only the surveys of periods she learned in.
        let learner = tasks("yisheng").await;
        assert!(!learner.as_array().unwrap().is_empty(), "{backend}: {learner}");
        assert!(
            learner.as_array().unwrap().iter().all(|t| t["kind"] == "survey" && t["overdue"] == false),
            "{learner}"
        );
        let me = w.get(&w.signed_in("xiehe").await, "/me").await;
        assert!(me.body.contains("待办事项") && me.body.contains(&number(906, true)), "{backend}");
    }
}

/// The events list and calendar, its export and the API's venue filter, each in the caller's scope.
#[tokio::test]
async fn venue_supervision_lists_calendars_and_exports() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = common::world(db).await;
        let inspector = w.signed_in("duchayuan").await;
        let page = w.get(&inspector, "/events").await;
        assert_eq!(page.status, 200, "{backend}");
        assert!(
            page.body.contains("aria-current=\"date\"") && page.body.contains("脑血管病介入诊疗学习班"),
            "{backend}"
        );
        let (status, xlsx) = bytes_of(&w, &inspector, "/events/export").await;
        assert_eq!((status, &xlsx[..2]), (200, b"PK".as_slice()), "{backend}");
        let hebei = w.get(&w.signed_in("hebei").await, "/api/v1/events?province=11").await.json();
        let units: Vec<&str> = hebei["items"].as_array().unwrap().iter().map(|i| i["unit"].as_str().unwrap()).collect();
        assert_eq!(units, vec!["河北医科大学第二医院"], "{backend}: its own unit's event held in 北京");
        let xiehe = w.get(&w.signed_in("xiehe").await, "/api/v1/events").await.json();
        assert!(xiehe["items"].as_array().unwrap().iter().all(|i| i["unit"] == "北京协和医院"), "{xiehe}");
        assert_eq!(xiehe["total"], xiehe["items"].as_array().unwrap().len());
        let item =
            xiehe["items"].as_array().unwrap().iter().find(|i| i["number"] == number(902, false).as_str()).unwrap();
        assert_eq!((item["inspected"].clone(), item["late"].clone()), (json!(true), json!(false)), "{item}");
        let uninspected = w.get(&inspector, "/api/v1/events?inspected=false").await.json();
        assert!(!uninspected.to_string().contains(&number(902, false)), "{backend}");
        let bad = w.get(&inspector, "/api/v1/events?from=2026-13-01").await;
        assert_eq!((bad.status.as_u16(), bad.json()["field"].clone()), (422, json!("from")));
        assert_eq!(w.get(&w.signed_in("yisheng").await, "/api/v1/events").await.status, 403);
    }
}

/// rules.md §7.7: 协和's 不合格 inspection of this year reaches the formal review of its next
/// application, and `jijiao check application` with the same history in the file finds the same.
#[tokio::test]
async fn the_unit_history_feeds_the_formal_review_as_the_offline_check_reads_it() {
    let db = jijiao_storage::testing::sqlite().await;
    let w = common::world(db).await;
    let app = jijiao_app::App::new(w.store.clone());
    let xiehe = w.store.organisation_by_name("北京协和医院").await.unwrap().id;
    let filter = jijiao_storage::applications::ApplicationFilter { unit_id: Some(xiehe.0), ..Default::default() };
    let stored = w.store.application_documents(&filter, 50).await.unwrap();
    let next =
        stored.iter().find(|a| i32::from(a.summary.year) == today().year() + 1).expect("a next-year application");
    let server = jijiao_app::applications::review_stored(&app, next).await.unwrap();
    let history_rules = |findings: Vec<(String, String)>| -> Vec<(String, String)> {
        findings.into_iter().filter(|(rule, _)| rule.starts_with("unit.history")).collect()
    };
    let on_server = history_rules(server.findings.iter().map(|f| (f.rule.to_string(), f.message.clone())).collect());
    assert!(on_server.iter().any(|(rule, _)| rule == "unit.history_inspection"), "{on_server:?}");

    let year = next.summary.year;
    let mut document = next.document.clone();
    document.context.unit_history = jijiao_app::events::unit_history(&app, xiehe, year).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("application.json");
    std::fs::write(&file, serde_json::to_string(&document).unwrap()).unwrap();
    let (_, out, err) = common::jijiao(dir.path(), &["check", "application", file.to_str().unwrap(), "--json"]);
    let offline: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
    let offline = history_rules(
        offline["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["rule"].as_str().unwrap().to_string(), f["message"].as_str().unwrap().to_string()))
            .collect(),
    );
    assert_eq!(offline, on_server);
}

/// The filing form answers bad input on the page itself (422), naming the field in Chinese and
/// keeping what was typed; an inspection outside the period's window is refused by date.
#[tokio::test]
async fn the_filing_page_names_bad_fields_and_inspections_keep_to_their_window() {
    let db = jijiao_storage::testing::sqlite().await;
    let w = common::world(db).await;
    let xiehe = w.signed_in("xiehe").await;
    let (start, _) = published(&w, 906, true).await;
    let page = format!("/events/{}/1/filing", jijiao_app::events::url_number(&number(906, true)));
    assert_eq!(w.get(&xiehe, &page).await.status, 200);
    let field = |name: &str, value: &str| {
        format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n", b = common::BOUNDARY)
    };
    let wrong_year = format!("{}-01-05", today().year() + 1);
    let mut body = String::new();
    for (name, value) in [
        ("start", start.to_string()),
        ("end", wrong_year.clone()),
        ("province", "11".into()),
        ("city", "北京市".into()),
        ("address", "东城区帅府园1号".into()),
        ("form", "offline".into()),
        ("planned_enrollment", "100".into()),
        ("fee", "0".into()),
        ("contact_name", "李老师".into()),
        ("contact_phone", "13800138000".into()),
        ("s_date", start.to_string()),
        ("s_from", "09:00".into()),
        ("s_to", "12:00".into()),
        ("s_topic", "讲座".into()),
        ("s_teacher", "张三".into()),
        ("s_unit", "北京协和医院".into()),
        ("s_title", "主任医师".into()),
        ("s_hours", "3".into()),
    ] {
        body.push_str(&field(name, &value));
    }
    body.push_str(&format!("--{}--\r\n", common::BOUNDARY));
    let reply = w.post(&xiehe, &page, &body).await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(reply.body.contains(&format!("结束日期 {wrong_year} 不在项目年度")), "the year is named");
    assert!(reply.body.contains("学时合计 3.0 学时"), "the hours are named");
    assert!(reply.body.contains("东城区帅府园1号"), "what was typed stays");
    assert_eq!(w.get(&xiehe, &path(906, true, "filing")).await.json()["current"], Value::Null);

    // 905 is filed and starts later: no inspection before its first day.
    let inspector = w.signed_in("duchayuan").await;
    let (start_905, _) = published(&w, 905, true).await;
    if start_905 > today() {
        let early = send(&w, &inspector, Method::POST, &path(905, true, "inspections"), &inspection("pass", "")).await;
        assert_eq!((early.status.as_u16(), early.json()["field"].clone()), (422, json!("date")), "{}", early.body);
        assert!(early.body.contains("督查须在举办期间"), "{}", early.body);
    }
}
