//! Applications end to end over HTTP, on SQLite and PostgreSQL: a unit drafts, saves and submits;
//! errors block submission; the district, the province and the national office act in turn; a
//! return goes back with its comment; codes, windows, quotas, copies and the reviewers' lists.
//! (Just over 700 lines: the chain of one capability, from draft to print, in one place.)

use crate::common;

use axum::http::Method;
use chrono::Datelike;
use common::{Client, World, world};
use jijiao_domain::authz::Role;
use jijiao_storage::{Actor, NewAccount, NewRole};
use serde_json::{Value, json};

const VALID: &str = include_str!("../../domain/tests/fixtures/review/valid_national.json");

pub(crate) fn next_year() -> i64 {
    i64::from(jijiao_app::Clock::today(&jijiao_app::SystemClock).year() + 1)
}

/// The valid national application of the fixtures, as 东城区东花市社区卫生服务中心 applies for next year.
pub(crate) fn document(name: &str) -> Value {
    let mut doc: Value = serde_json::from_str(VALID).unwrap();
    let year = next_year();
    doc["year"] = year.into();
    doc["name"] = name.into();
    doc["applicant"]["name"] = "东城区东花市社区卫生服务中心".into();
    doc["leader"]["employer"] = "东城区东花市社区卫生服务中心".into();
    doc["leader"]["history"] = json!([]);
    // The template's own teachers teach for the new unit (at least half must be its own).
    for teacher in doc["teachers"].as_array_mut().unwrap() {
        if teacher["employer"] == "首都医科大学附属北京安贞医院" {
            teacher["employer"] = "东城区东花市社区卫生服务中心".into();
        }
    }
    for period in doc["periods"].as_array_mut().unwrap() {
        for key in ["start", "end"] {
            let text = period[key].as_str().unwrap().replacen("2025", &year.to_string(), 1);
            period[key] = text.into();
        }
    }
    doc
}

/// A unit administrator for 东花市 (the demo has one for 协和 only).
pub(crate) async fn donghuashi(w: &World) -> Client {
    let unit = w.store.organisation_by_name("东城区东花市社区卫生服务中心").await.unwrap().id;
    w.store
        .create_account(
            &Actor::system("测试"),
            &NewAccount {
                username: "donghuashi".into(),
                display_name: "东花市继教管理员".into(),
                password_hash: "x".into(),
                person_id: None,
                confirmed: true,
                must_change_password: false,
            },
            &[NewRole { role: Role::UnitAdmin, org_id: Some(unit), province_code: None }],
        )
        .await
        .unwrap();
    w.signed_in("donghuashi").await
}

pub(crate) async fn send_json(w: &World, c: &Client, method: Method, path: &str, body: &Value) -> common::Reply {
    w.send(c, method, path, Some(body.to_string())).await
}

async fn step(w: &World, c: &Client, id: i64, step: &str, comment: &str) -> common::Reply {
    send_json(
        w,
        c,
        Method::POST,
        &format!("/api/v1/applications/{id}/steps"),
        &json!({ "step": step, "comment": comment }),
    )
    .await
}

pub(crate) async fn detail(w: &World, c: &Client, id: i64) -> Value {
    let reply = w.get(c, &format!("/api/v1/applications/{id}")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

pub(crate) fn rules_of(review: &Value) -> Vec<String> {
    review["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn a_national_application_from_draft_to_approval() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = world(db).await;
        let unit = donghuashi(&w).await;
        let dongcheng = w.signed_in("dongcheng").await;
        let beijing = w.signed_in("beijing").await;
        let guojia = w.signed_in("guojia").await;

        // The draft, then a save that breaks a rule: the review answers every save.
        let created = send_json(&w, &unit, Method::POST, "/api/v1/applications", &document("社区心衰管理培训班")).await;
        assert_eq!(created.status, 201, "{backend}: {}", created.body);
        let id = created.json()["id"].as_i64().unwrap();
        assert_eq!(created.json()["status"], "draft");
        let mut short = document("社区心衰管理培训班");
        short["recommendation"] = "内容实用，同意推荐。".into();
        let saved = send_json(&w, &unit, Method::PUT, &format!("/api/v1/applications/{id}"), &short).await;
        assert_eq!(saved.status, 200, "{backend}: {}", saved.body);
        let review = &saved.json()["review"];
        assert_eq!(review["ok"], false);
        assert!(
            review["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["field"] == "recommendation" && f["severity"] == "error"),
            "{backend}: {review}"
        );

        // Errors block submission, and nothing changes.
        let blocked = step(&w, &unit, id, "submit", "").await;
        assert_eq!(blocked.status, 422, "{backend}: {}", blocked.body);
        assert!(blocked.body.contains("不能提交"), "{}", blocked.body);
        assert_eq!(detail(&w, &unit, id).await["status"], "draft");
        // Reviewers never see drafts.
        assert_eq!(w.get(&beijing, &format!("/api/v1/applications/{id}")).await.status, 404);

        // Fixed inside the window and the quota: submitted, with a code of its level and year.
        let saved =
            send_json(&w, &unit, Method::PUT, &format!("/api/v1/applications/{id}"), &document("社区心衰管理培训班"))
                .await;
        assert_eq!(saved.json()["review"]["errors"], 0, "{backend}: {}", saved.body);
        let submitted = step(&w, &unit, id, "submit", "").await;
        assert_eq!(submitted.status, 200, "{backend}: {}", submitted.body);
        assert_eq!(submitted.json()["status"], "submitted");
        let d = detail(&w, &unit, id).await;
        let code = d["code"].as_str().unwrap().to_string();
        assert!(code.starts_with("03-01-") && code.len() == 9, "{backend}: code {code}");
        assert_eq!(d["submitted_on"], jijiao_app::Clock::today(&jijiao_app::SystemClock).to_string());
        // The unit can no longer change it.
        let late = send_json(&w, &unit, Method::PUT, &format!("/api/v1/applications/{id}"), &document("改名")).await;
        assert_eq!(late.status, 403, "{backend}: {}", late.body);

        // The district first: the province cannot skip it.
        assert_eq!(step(&w, &beijing, id, "recommend", "").await.status, 403);
        let forwarded = step(&w, &dongcheng, id, "forward", "材料齐全").await;
        assert_eq!(forwarded.json()["status"], "district_reviewed", "{backend}: {}", forwarded.body);

        // The province returns it: a comment is required, and the unit sees it.
        let silent = step(&w, &beijing, id, "return", "  ").await;
        assert_eq!(silent.status, 422, "{backend}: {}", silent.body);
        let returned = step(&w, &beijing, id, "return", "请补充培训形式").await;
        assert_eq!(returned.json()["status"], "returned", "{backend}: {}", returned.body);
        let d = detail(&w, &unit, id).await;
        assert!(
            d["steps"].as_array().unwrap().iter().any(|s| s["step"] == "return" && s["comment"] == "请补充培训形式")
        );
        assert_eq!(d["editable"], true);
        let page = w.get(&unit, &format!("/applications/{id}/edit?step=final")).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("请补充培训形式"), "{backend}: the edit page shows the comment");

        // Edited and submitted again: the review runs again, the code stays.
        let mut edited = document("社区心衰管理培训班");
        edited["summary"] = "系统讲授心力衰竭诊疗指南更新，采用专题讲座与病例讨论相结合的形式。".into();
        let saved = send_json(&w, &unit, Method::PUT, &format!("/api/v1/applications/{id}"), &edited).await;
        assert_eq!(saved.status, 200, "{backend}: {}", saved.body);
        assert_eq!(step(&w, &unit, id, "submit", "").await.json()["status"], "submitted");
        assert_eq!(detail(&w, &unit, id).await["code"], code.as_str());
        assert_eq!(step(&w, &dongcheng, id, "forward", "").await.json()["status"], "district_reviewed");
        assert_eq!(step(&w, &beijing, id, "recommend", "同意推荐").await.json()["status"], "province_recommended");
        // The province does not approve national applications; the national office does.
        assert_eq!(step(&w, &beijing, id, "approve", "").await.status, 403);
        let approved = step(&w, &guojia, id, "approve", "同意立项").await;
        assert_eq!(approved.json()["status"], "approved", "{backend}: {}", approved.body);
        assert_eq!(step(&w, &guojia, id, "reject", "重复").await.status, 403, "decided is final");

        // Every step: who, when, why.
        let d = detail(&w, &guojia, id).await;
        let steps: Vec<(String, String, String)> = d["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                assert!(s["at"].as_i64().unwrap() > 0);
                (
                    s["step"].as_str().unwrap().into(),
                    s["actor"].as_str().unwrap().into(),
                    s["comment"].as_str().unwrap().into(),
                )
            })
            .collect();
        let expected: Vec<(&str, &str, &str)> = vec![
            ("submit", "东花市继教管理员", ""),
            ("forward", "东城区管理员", "材料齐全"),
            ("return", "北京市继教办管理员", "请补充培训形式"),
            ("submit", "东花市继教管理员", ""),
            ("forward", "东城区管理员", ""),
            ("recommend", "北京市继教办管理员", "同意推荐"),
            ("approve", "国家级管理员", "同意立项"),
        ];
        let expected: Vec<(String, String, String)> =
            expected.into_iter().map(|(a, b, c)| (a.into(), b.into(), c.into())).collect();
        assert_eq!(steps, expected, "{backend}");
        // And the ID number is masked in the view.
        assert!(d["document"]["leader"]["id_number"].as_str().unwrap().contains('*'));
    }
}

#[tokio::test]
async fn codes_quotas_windows_and_provincial_decisions() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = world(db).await;
        let unit = donghuashi(&w).await;
        let xiehe = w.signed_in("xiehe").await;
        let beijing = w.signed_in("beijing").await;
        let guojia = w.signed_in("guojia").await;
        let year = next_year();

        // Codes: each submission of the level and year takes the next sequence number.
        let mut codes = Vec::new();
        for name in ["社区慢病管理学习班", "社区康复技术培训班"] {
            let id = send_json(&w, &unit, Method::POST, "/api/v1/applications", &document(name)).await.json()["id"]
                .as_i64()
                .unwrap();
            let reply = step(&w, &unit, id, "submit", "").await;
            assert_eq!(reply.status, 200, "{backend}: {}", reply.body);
            codes.push(detail(&w, &unit, id).await["code"].as_str().unwrap().to_string());
        }
        let seq = |c: &str| c.rsplit('-').next().unwrap().parse::<u32>().unwrap();
        assert_eq!(seq(&codes[1]), seq(&codes[0]) + 1, "{backend}: {codes:?}");

        let page = w.get(&unit, "/applications").await;
        assert!(page.body.contains(&format!("本单位 {year} 年度国家级项目限额 2 项")), "{backend}");
        assert!(page.body.contains("已提交 2 项"), "{backend}");
        let quotas = w.get(&unit, "/api/v1/application-quotas").await.json();
        assert_eq!(quotas["year"], year, "{backend}: the coming year by default");
        assert_eq!((&quotas["national"]["quota"], &quotas["national"]["submitted"]), (&json!(2), &json!(2)));
        assert!(quotas["district"].is_null(), "{backend}: {quotas}");
        // The district office sees its own quota of district projects, on the API and the list.
        let dongcheng = w.signed_in("dongcheng").await;
        let district = w.get(&dongcheng, &format!("/api/v1/application-quotas?year={year}")).await.json();
        assert!(district["national"].is_null() && district["district"]["approved"].is_u64(), "{backend}: {district}");
        let page = w.get(&dongcheng, "/applications").await;
        assert!(page.body.contains(&format!("本区 {year} 年度区级项目")), "{backend}");
        // The quota: a first-time unit may have 2; the third is refused.
        let third = send_json(&w, &unit, Method::POST, "/api/v1/applications", &document("社区护理培训班")).await;
        let third_id = third.json()["id"].as_i64().unwrap();
        assert!(rules_of(&third.json()["review"]).contains(&"unit.quota".to_string()), "{backend}: {}", third.body);
        assert_eq!(step(&w, &unit, third_id, "submit", "").await.status, 422);

        // Windows: each level's office sets its own; a closed window blocks submission.
        let window = |level: &str, opens: &str, closes: &str| json!({ "year": year, "level": level, "opens": format!("{year}-{opens}"), "closes": format!("{year}-{closes}") });
        let put = |c: &Client, body: Value| {
            let c = c.clone();
            let w = &w;
            async move { send_json(w, &c, Method::PUT, "/api/v1/application-windows", &body).await }
        };
        assert_eq!(put(&beijing, window("national", "01-01", "01-02")).await.status, 403);
        assert_eq!(put(&beijing, window("provincial", "01-01", "12-31")).await.status, 200);
        assert_eq!(put(&xiehe, window("provincial", "01-01", "12-31")).await.status, 403);
        let backwards = put(&guojia, window("national", "02-01", "01-01")).await;
        assert_eq!(backwards.status, 422, "{backend}: {}", backwards.body);
        // Next year's national window set to days already passed or to come: closed today.
        let closed = json!({ "year": year, "level": "national", "opens": format!("{}-01-01", year - 3), "closes": format!("{}-01-02", year - 3) });
        assert_eq!(put(&guojia, closed).await.status, 200);
        let windows = w.get(&unit, "/api/v1/application-windows").await.json();
        let national =
            windows.as_array().unwrap().iter().find(|v| v["year"] == year && v["level"] == "national").unwrap().clone();
        assert_eq!(national["open_now"], false, "{backend}: {windows}");
        let late = send_json(&w, &xiehe, Method::POST, "/api/v1/applications", &{
            let mut d = document("窗口外的申报");
            d["applicant"]["name"] = "北京协和医院".into();
            d
        })
        .await;
        assert!(rules_of(&late.json()["review"]).contains(&"window.open".to_string()), "{backend}: {}", late.body);
        let page = w.get(&unit, "/application-windows").await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains(&format!("{}-01-02", year - 3)), "units see the deadlines");

        // A provincial application without a district: the province approves it.
        let list = w.get(&beijing, "/api/v1/applications?level=provincial&status=submitted").await.json();
        let item = list["items"].as_array().unwrap().iter().find(|i| i["unit_name"] == "北京医学会").unwrap().clone();
        let id = item["id"].as_i64().unwrap();
        assert_eq!(step(&w, &guojia, id, "approve", "").await.status, 403, "{backend}: not the national office's");
        let approved = step(&w, &beijing, id, "approve", "同意立项").await;
        assert_eq!(approved.json()["status"], "approved", "{backend}: {}", approved.body);
    }
}

#[tokio::test]
async fn copies_lists_filters_and_exports() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = world(db).await;
        let xiehe = w.signed_in("xiehe").await;
        let beijing = w.signed_in("beijing").await;
        let dongcheng = w.signed_in("dongcheng").await;
        let hebei = w.signed_in("hebei").await;
        let guojia = w.signed_in("guojia").await;
        let this_year = next_year() - 1;

        // Copy from last year: a new draft for next year, the commitment to sign again.
        let mine = w.get(&xiehe, &format!("/api/v1/applications?year={this_year}&status=approved")).await.json();
        let last = mine["items"][0]["id"].as_i64().expect("the demo has this year's approvals");
        let copied = w.send(&xiehe, Method::POST, &format!("/api/v1/applications/{last}/copy"), None).await;
        assert_eq!(copied.status, 201, "{backend}: {}", copied.body);
        let new_id = copied.json()["id"].as_i64().unwrap();
        let d = detail(&w, &xiehe, new_id).await;
        assert_eq!(d["year"], next_year());
        assert_eq!(d["status"], "draft");
        assert_eq!(d["copied_from"], last);
        assert_eq!(d["document"]["commitment_signed"], false);
        assert!(d["document"]["periods"][0]["start"].as_str().unwrap().starts_with(&next_year().to_string()));

        // Scopes: the unit sees its own including drafts; reviewers only what was submitted in theirs.
        let all = |c: &Client, q: &str| {
            let c = c.clone();
            let w = &w;
            let q = q.to_string();
            async move { w.get(&c, &format!("/api/v1/applications?per_page=100{q}")).await.json() }
        };
        let unit_list = all(&xiehe, "").await;
        let items = unit_list["items"].as_array().unwrap();
        assert!(items.iter().all(|i| i["unit_name"] == "北京协和医院"));
        assert!(items.iter().any(|i| i["status"] == "draft"));
        for (c, who) in [(&beijing, "beijing"), (&dongcheng, "dongcheng"), (&hebei, "hebei"), (&guojia, "guojia")] {
            let list = all(c, "").await;
            let items = list["items"].as_array().unwrap();
            assert!(!items.is_empty(), "{backend}: {who} sees something");
            assert!(items.iter().all(|i| i["status"] != "draft"), "{backend}: {who} sees no drafts");
            match who {
                "beijing" => assert!(items.iter().all(|i| i["province_code"] == "11")),
                "hebei" => assert!(items.iter().all(|i| i["province_code"] == "13")),
                "dongcheng" => assert!(items.iter().all(|i| i["unit_name"] == "北京协和医院")),
                _ => assert!(items.iter().any(|i| i["province_code"] == "31")),
            }
        }
        // Filters: level, province (the national office's), subject, status, findings.
        let recommended = all(&guojia, "&status=province_recommended").await;
        assert!(recommended["items"].as_array().unwrap().iter().all(|i| i["status"] == "province_recommended"));
        assert!(recommended["total"].as_i64().unwrap() >= 2);
        let shanghai = all(&guojia, "&province=31").await;
        assert!(shanghai["items"].as_array().unwrap().iter().all(|i| i["province_code"] == "31"));
        assert!(shanghai["total"].as_i64().unwrap() >= 1);
        // A province's administrator cannot look into another province by the filter.
        let other = all(&beijing, "&province=13").await;
        assert!(other["items"].as_array().unwrap().iter().all(|i| i["province_code"] == "11"));
        let provincial = all(&beijing, "&level=provincial").await;
        assert!(provincial["items"].as_array().unwrap().iter().all(|i| i["level"] == "provincial"));
        assert_eq!(all(&guojia, "&subject=99").await["total"], 0);
        let clean = all(&guojia, "&findings=no").await;
        assert!(clean["items"].as_array().unwrap().iter().all(|i| i["errors"] == 0 && i["warnings"] == 0));
        let bad = w.get(&guojia, "/api/v1/applications?status=nonsense").await;
        assert_eq!(bad.status, 422, "{}", bad.body);

        // The pages: the reviewers' list with its filters, the export for review meetings.
        let page = w.get(&beijing, "/applications?status=district_reviewed").await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("运动医学关节镜技术学习班"), "{backend}");
        assert!(!page.body.contains("肝癌综合治疗新进展学习班"), "{backend}: not Beijing's");
        let export = w.get(&guojia, "/api/v1/applications/export.xlsx?level=national").await;
        assert_eq!(export.status, 200);
        assert!(export.headers[axum::http::header::CONTENT_TYPE].to_str().unwrap().contains("spreadsheetml"));
        // The leader's highest degree beside the title; no phone numbers in a meeting's workbook.
        let (status, bytes) =
            w.raw(&guojia, Method::GET, "/api/v1/applications/export.xlsx?level=national", vec![]).await;
        assert_eq!(status, 200);
        let table = jijiao_documents::read_table(&bytes, "export.xlsx").unwrap();
        assert!(table.column(&["职称"]).is_some() && table.column(&["最高学历"]).is_some(), "{backend}");
        assert!(table.column(&["联系电话"]).is_none() && table.column(&["负责人联系电话"]).is_none());
    }
}

#[tokio::test]
async fn the_pages_create_save_step_by_step_and_review() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = world(db).await;
        let xiehe = w.signed_in("xiehe").await;
        let dongcheng = w.signed_in("dongcheng").await;

        let created = w.post(&xiehe, "/applications", "level=national&name=页面新建的学习班").await;
        assert_eq!(created.status, 303, "{backend}: {}", created.body);
        let location = created.headers["location"].to_str().unwrap().to_string();
        let id: i64 = location.trim_start_matches("/applications/").split('/').next().unwrap().parse().unwrap();
        // The first step shows the unit's particulars and findings beside their fields.
        let page = w.get(&xiehe, &location).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("北京协和医院") && page.body.contains("data-findings-for=\"summary\""));
        assert!(page.body.contains("不能提交"), "{backend}: the submit button says what blocks it");

        // Saving a step keeps the draft and moves on; a bad number names the field.
        let saved = w
            .post(
                &xiehe,
                &format!("/applications/{id}/edit"),
                "step=basic&go=next&planned_enrollment=120&audience=全科医师",
            )
            .await;
        assert_eq!(saved.status, 303, "{backend}: {}", saved.body);
        assert!(saved.headers["location"].to_str().unwrap().contains("step=leader"));
        let bad = w.post(&xiehe, &format!("/applications/{id}/edit"), "step=basic&planned_enrollment=很多").await;
        assert_eq!(bad.status, 422);
        assert!(bad.body.contains("拟招生人数") && bad.body.contains("很多"), "{backend}: {}", bad.body);
        // Rows: teachers typed into the table, empty rows left out.
        let teachers = "step=courses&teachers[0].name=张丽&teachers[0].title=主任医师&teachers[0].employer=北京协和医院&teachers[0].topic=指南解读&teachers[0].method=lecture&teachers[0].hours=6&teachers[1].name=&teachers[1].method=lecture";
        assert_eq!(w.post(&xiehe, &format!("/applications/{id}/edit"), teachers).await.status, 303);
        let d = detail(&w, &xiehe, id).await;
        assert_eq!(d["document"]["planned_enrollment"], 120);
        assert_eq!(d["document"]["teachers"].as_array().unwrap().len(), 1);
        assert_eq!(d["document"]["teachers"][0]["name"], "张丽");

        // A reviewer acts from the detail page: 协和's submitted demo application, forwarded.
        let list = w.get(&dongcheng, "/api/v1/applications?status=submitted").await.json();
        let submitted = list["items"][0]["id"].as_i64().unwrap();
        let page = w.get(&dongcheng, &format!("/applications/{submitted}")).await;
        assert!(page.body.contains("区级审核通过") && page.body.contains("退回修改"), "{backend}");
        let done = w.post(&dongcheng, &format!("/applications/{submitted}/steps"), "step=forward&comment=同意").await;
        assert_eq!(done.status, 303, "{backend}: {}", done.body);
        let page = w.get(&dongcheng, &format!("/applications/{submitted}")).await;
        assert!(page.body.contains("区级已审核") && page.body.contains("同意"), "{backend}");
        // The demo's returned application shows its comment to the unit.
        let returned = w.get(&xiehe, "/api/v1/applications?status=returned").await.json();
        let rid = returned["items"][0]["id"].as_i64().unwrap();
        let page = w.get(&xiehe, &format!("/applications/{rid}")).await;
        assert!(page.body.contains("推荐理由未写明培训形式"), "{backend}");
    }
}

#[tokio::test]
async fn a_rereview_of_the_store_agrees_with_each_application_reviewed_alone() {
    use jijiao_storage::applications::ApplicationFilter;
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = world(db).await;
        let unit = donghuashi(&w).await;
        // A duplicate of another unit's submitted project, so the duplicate rule has work.
        let mut dup = document("重症医学机械通气规范化培训班");
        dup["recommendation"] = "太短".into();
        let created = send_json(&w, &unit, Method::POST, "/api/v1/applications", &dup).await;
        assert!(
            rules_of(&created.json()["review"]).contains(&"duplicate.project".to_string()),
            "{backend}: {}",
            created.body
        );
        let state = jijiao_app::App::new(w.store.clone());
        let all = w.store.application_documents(&ApplicationFilter::default(), 1000).await.unwrap();
        // Wrong counts everywhere: the re-review must write the right ones.
        for app in &all {
            w.store.set_application_findings(app.summary.id, (99, 99)).await.unwrap();
        }
        let summary = jijiao_app::applications::rereview_all(&state).await.unwrap();
        assert_eq!(summary.reviewed, all.len());
        assert_eq!(summary.changed, all.len() as u64, "{backend}");
        assert!(summary.with_errors > 0 && summary.with_warnings > 0, "{backend}: {summary:?}");
        for app in w.store.application_documents(&ApplicationFilter::default(), 1000).await.unwrap() {
            let alone = jijiao_app::applications::review_stored(&state, &app).await.unwrap();
            assert_eq!(
                (app.summary.errors as usize, app.summary.warnings as usize),
                (alone.errors, alone.warnings),
                "{backend}: {} ({:?})",
                app.summary.name,
                alone.findings.iter().map(|f| f.rule).collect::<Vec<_>>()
            );
        }
    }
}

/// A page route's raw body: the harness reads bodies as text, a PDF is bytes.
pub(crate) async fn get_bytes(w: &World, c: &Client, path: &str) -> (u16, axum::http::HeaderMap, Vec<u8>) {
    use axum::body::Body;
    use axum::http::{Request, header};
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut request = Request::builder().method(Method::GET).uri(path);
    if let Some(cookie) = &c.cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let response = w.app.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.into_body().collect().await.unwrap().to_bytes().to_vec())
}

/// The text of a PDF by poppler's pdftotext, when it is installed (`None` otherwise).
pub(crate) fn pdf_text(bytes: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext").arg("-enc").arg("UTF-8").arg(&path).arg("-").output().ok()?;
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    // pdftotext may break lines anywhere; compare without whitespace.
    Some(String::from_utf8(out.stdout).unwrap().split_whitespace().collect())
}

#[tokio::test]
async fn the_form_and_the_commitment_download_as_pdf() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = world(db).await;
        let unit = donghuashi(&w).await;
        let beijing = w.signed_in("beijing").await;

        let mut doc = document("社区心衰管理培训班");
        doc["leader"]["name"] = "王喆".into();
        let created = send_json(&w, &unit, Method::POST, "/api/v1/applications", &doc).await;
        assert_eq!(created.status, 201, "{backend}: {}", created.body);
        let id = created.json()["id"].as_i64().unwrap();
        let page = w.get(&unit, &format!("/applications/{id}")).await;
        assert!(
            page.body.contains(&format!("/applications/{id}/form.pdf"))
                && page.body.contains("打印申报书（PDF）")
                && page.body.contains("打印承诺书（PDF）"),
            "{backend}: the detail page links the printouts"
        );

        let (status, headers, form) = get_bytes(&w, &unit, &format!("/applications/{id}/form.pdf")).await;
        assert_eq!(status, 200, "{backend}: {}", String::from_utf8_lossy(&form));
        assert_eq!(headers["content-type"], "application/pdf");
        let disposition = headers["content-disposition"].to_str().unwrap();
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        // 申报书-<id>.pdf before a code is assigned, percent-encoded UTF-8.
        assert!(
            disposition.contains(&format!("filename*=UTF-8''%E7%94%B3%E6%8A%A5%E4%B9%A6-{id}.pdf")),
            "{disposition}"
        );
        assert!(form.starts_with(b"%PDF"), "{backend}");
        let (status, headers, commitment) = get_bytes(&w, &unit, &format!("/applications/{id}/commitment.pdf")).await;
        assert_eq!(status, 200, "{backend}");
        assert!(commitment.starts_with(b"%PDF"), "{backend}");
        let disposition = headers["content-disposition"].to_str().unwrap();
        assert!(disposition.contains("%E6%89%BF%E8%AF%BA%E4%B9%A6"), "{disposition}");
        if let (Some(form), Some(commitment)) = (pdf_text(&form), pdf_text(&commitment)) {
            assert!(
                form.contains("继续医学教育推荐项目申报书") && form.contains("国家卫生健康委科技教育司制"),
                "{form}"
            );
            assert!(form.contains("社区心衰管理培训班") && form.contains("王喆"), "{backend}: {form}");
            assert!(form.contains("东城区东花市社区卫生服务中心"), "{form}");
            assert!(commitment.contains("社区心衰管理培训班"), "{backend}: {commitment}");
            // The applicant prints the whole ID number, for the paper it signs.
            let full = w.store.application(jijiao_storage::applications::ApplicationId(id)).await.unwrap();
            assert!(form.contains(&full.document.leader.id_number), "{form}");
        }
        // Printing the whole number is a reveal, logged with who printed it (issue 14 point 14).
        let reveals = w
            .store
            .audit_log(
                &jijiao_storage::AuditFilter { actor: Some("东花市继教管理员".into()), ..Default::default() },
                jijiao_storage::PageRequest::default(),
            )
            .await
            .unwrap();
        assert!(
            reveals
                .items
                .iter()
                .any(|e| e.action == "person.reveal" && e.after.as_ref().is_some_and(|a| a["application"] == id)),
            "{backend}: {:?}",
            reveals.items.iter().map(|e| &e.action).collect::<Vec<_>>()
        );

        // A provincial form: Beijing's title with the year, the category on the cover.
        let mut provincial = document("社区慢病管理学习班");
        provincial["level"] = "provincial".into();
        provincial["category"] = "basic_training".into();
        let created = send_json(&w, &unit, Method::POST, "/api/v1/applications", &provincial).await;
        assert_eq!(created.status, 201, "{backend}: {}", created.body);
        let pid = created.json()["id"].as_i64().unwrap();
        let (status, _, form) = get_bytes(&w, &unit, &format!("/applications/{pid}/form.pdf")).await;
        assert_eq!(status, 200, "{backend}: {}", String::from_utf8_lossy(&form));
        if let Some(text) = pdf_text(&form) {
            assert!(text.contains(&format!("{}年北京市级继续医学教育推荐项目申报书", next_year())), "{text}");
            assert!(text.contains("基础训练类") && !text.contains("国家卫生健康委科技教育司制"), "{text}");
        }

        // A district form: the district's level in the title, its office's opinion row.
        let mut district = document("社区康复护理学习班");
        district["level"] = "district".into();
        district["category"] = "improvement".into();
        let created = send_json(&w, &unit, Method::POST, "/api/v1/applications", &district).await;
        assert_eq!(created.status, 201, "{backend}: {}", created.body);
        let did = created.json()["id"].as_i64().unwrap();
        let (status, _, form) = get_bytes(&w, &unit, &format!("/applications/{did}/form.pdf")).await;
        assert_eq!(status, 200, "{backend}: {}", String::from_utf8_lossy(&form));
        if let Some(text) = pdf_text(&form) {
            assert!(text.contains(&format!("{}年北京市东城区级继续医学教育项目申报书", next_year())), "{text}");
            assert!(text.contains("学习提高类") && text.contains("北京市东城区卫生健康委员会意见"), "{text}");
        }

        // Reviewers see no drafts, printed or not.
        assert_eq!(get_bytes(&w, &beijing, &format!("/applications/{id}/form.pdf")).await.0, 404, "{backend}");

        // A character outside the font: a Chinese 422 naming the field and the character.
        let mut odd = document("社区心衰管理培训班");
        odd["name"] = "社区\u{E000}心衰管理培训班".into();
        let saved = send_json(&w, &unit, Method::PUT, &format!("/api/v1/applications/{id}"), &odd).await;
        assert_eq!(saved.status, 200, "{backend}: {}", saved.body);
        let refused = w.get(&unit, &format!("/applications/{id}/form.pdf")).await;
        assert_eq!(refused.status, 422, "{backend}: {}", refused.body);
        assert!(refused.body.contains("项目名称中的“\u{E000}”（U+E000）"), "{backend}: {}", refused.body);
        let refused = w.get(&unit, &format!("/applications/{id}/commitment.pdf")).await;
        assert_eq!(refused.status, 422, "{backend}");
    }
}

#[tokio::test]
async fn a_reviewer_prints_a_submitted_application_with_the_id_number_masked() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = world(db).await;
        let dongcheng = w.signed_in("dongcheng").await;
        let hebei = w.signed_in("hebei").await;
        let list = w.get(&dongcheng, "/api/v1/applications?status=submitted").await.json();
        let id = list["items"][0]["id"].as_i64().unwrap();
        let stored = w.store.application(jijiao_storage::applications::ApplicationId(id)).await.unwrap();
        let (status, _, form) = get_bytes(&w, &dongcheng, &format!("/applications/{id}/form.pdf")).await;
        assert_eq!(status, 200, "{backend}");
        assert!(form.starts_with(b"%PDF"));
        if let Some(text) = pdf_text(&form) {
            let full = &stored.document.leader.id_number;
            assert!(text.contains(&stored.document.name) && text.contains(&stored.document.leader.name), "{text}");
            assert!(!text.contains(full.as_str()), "{backend}: the reviewer's printout masks the ID number");
            assert!(text.contains(&jijiao_domain::personal::mask_id_number(full)), "{text}");
            if let Some(code) = &stored.summary.code {
                assert!(text.contains(code.as_str()), "{text}");
            }
        }
        // A masked printout reveals nothing, so nothing is logged as a reveal.
        let log = w
            .store
            .audit_log(
                &jijiao_storage::AuditFilter { object_type: Some("person".into()), ..Default::default() },
                jijiao_storage::PageRequest::default(),
            )
            .await
            .unwrap();
        assert!(!log.items.iter().any(|e| e.action == "person.reveal" && e.actor_account_id.is_some()), "{backend}");
        // Out of scope: as if it did not exist.
        assert_eq!(get_bytes(&w, &hebei, &format!("/applications/{id}/form.pdf")).await.0, 404, "{backend}");
    }
}

/// `jijiao rereview` reviews every stored application of the demo again and says what it found; a
/// second run right after changes nothing.
#[test]
fn the_rereview_command_reviews_every_stored_application() {
    let data = tempfile::tempdir().unwrap();
    let jijiao = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_jijiao"))
            .args(args)
            .env("JIJIAO_DATA_DIR", data.path())
            .env_remove("JIJIAO_DATABASE_URL")
            .env_remove("JIJIAO_CONFIG")
            .env_remove("JIJIAO_ENCRYPTION_KEY")
            .output()
            .expect("jijiao runs");
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    jijiao(&["demo"]);
    let first = jijiao(&["rereview"]);
    let reviewed: u32 = first
        .strip_prefix("已重新审查 ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{first}"));
    assert!(reviewed > 0, "{first}");
    let second = jijiao(&["rereview"]);
    assert!(second.starts_with(&format!("已重新审查 {reviewed} 份申报书")), "{second}");
    assert!(second.contains("：0 份的审查结果有变化"), "nothing changed since the first run: {second}");
}

/// Issue 14 point 7: the document as `GET` returned it (the leader's ID number masked), saved back
/// with `PUT`, keeps the stored number; another masked text is refused naming the field.
#[tokio::test]
async fn a_masked_id_number_saved_back_keeps_the_stored_one() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = world(db).await;
        let unit = donghuashi(&w).await;
        let original = document("社区心衰管理培训班");
        let full = original["leader"]["id_number"].as_str().unwrap().to_string();
        let created = send_json(&w, &unit, Method::POST, "/api/v1/applications", &original).await;
        assert_eq!(created.status, 201, "{backend}: {}", created.body);
        let id = created.json()["id"].as_i64().unwrap();

        let mut read_back = detail(&w, &unit, id).await["document"].clone();
        let shown = read_back["leader"]["id_number"].as_str().unwrap().to_string();
        assert!(shown.contains('*') && shown != full, "{backend}: the API shows it masked: {shown}");
        read_back["name"] = "社区心衰管理培训班（修订）".into();
        let saved = send_json(&w, &unit, Method::PUT, &format!("/api/v1/applications/{id}"), &read_back).await;
        assert_eq!(saved.status, 200, "{backend}: {}", saved.body);
        let stored = w.store.application(jijiao_storage::applications::ApplicationId(id)).await.unwrap();
        assert_eq!(stored.document.leader.id_number, full, "{backend}: the stored number is kept");
        assert_eq!(stored.document.name, "社区心衰管理培训班（修订）");

        read_back["leader"]["id_number"] = "110101********0000".into();
        let refused = send_json(&w, &unit, Method::PUT, &format!("/api/v1/applications/{id}"), &read_back).await;
        assert_eq!(refused.status, 422, "{backend}: {}", refused.body);
        assert_eq!(refused.json()["field"], "leader.id_number", "{backend}: {}", refused.body);
        let stored = w.store.application(jijiao_storage::applications::ApplicationId(id)).await.unwrap();
        assert_eq!(stored.document.leader.id_number, full, "{backend}: nothing was written");
    }
}
