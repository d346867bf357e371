//! The learning record end to end over HTTP, on every backend: a unit registers (one at a time and
//! from spreadsheets, all or nothing), the province grants, reverses and imports legacy records,
//! professionals plan and apply for self-study, and administrators read compliance reports.

use crate::common;

use axum::http::{Method, StatusCode, header};
use common::{Reply, World, world};
use jijiao_documents::{CellOut, Sheet, read_table, write_xlsx};
use jijiao_storage::PersonId;

fn year() -> i32 {
    i32::from(jijiao_app::Clock::this_year(&jijiao_app::SystemClock))
}

async fn person_of(w: &World, username: &str) -> PersonId {
    w.store.account_by_username(username).await.unwrap().person_id.unwrap()
}

async fn id_number(w: &World, person: PersonId) -> String {
    w.store.person(person).await.unwrap().id_number.as_str().to_string()
}

fn json(reply: &Reply, want: StatusCode) -> serde_json::Value {
    assert_eq!(reply.status, want, "{}", reply.body);
    reply.json()
}

async fn records_of(w: &World, person: PersonId) -> usize {
    w.store.credit_records_of(person, None).await.unwrap().len()
}

#[tokio::test]
async fn a_registration_is_granted_by_the_province_and_explained_on_the_professionals_page() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = world(db).await;
        let unit = w.signed_in("xiehe").await;
        let province = w.signed_in("beijing").await;
        let me = w.signed_in("yisheng").await;
        let person = person_of(&w, "yisheng").await;
        let y = year();

        let before = json(&w.get(&me, &format!("/api/v1/me/credits?year={y}")).await, StatusCode::OK);
        let total_before = before["total"].as_str().unwrap().to_string();

        // A bad registration names its field; nothing is stored.
        let count = records_of(&w, person).await;
        let bad = format!(
            r#"{{"person_id":{},"kind":"practice","title":"病例讨论","end":"{y}-13-01","hours":"6","role":"participant"}}"#,
            person.0
        );
        let r = json(&w.post(&unit, "/api/v1/credit-records", &bad).await, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r["field"], "end", "{backend}");
        let no_role = format!(
            r#"{{"person_id":{},"kind":"practice","title":"病例讨论","end":"{y}-05-01","hours":"6"}}"#,
            person.0
        );
        let r = json(&w.post(&unit, "/api/v1/credit-records", &no_role).await, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r["field"], "role");
        assert_eq!(records_of(&w, person).await, count);

        let good = format!(
            r#"{{"person_id":{},"kind":"practice","title":"疑难病例讨论","end":"{y}-05-01","hours":"12","role":"participant"}}"#,
            person.0
        );
        let id =
            json(&w.post(&unit, "/api/v1/credit-records", &good).await, StatusCode::CREATED)["id"].as_i64().unwrap();

        // Provisional: shown with what it would earn, not counted.
        let page = json(&w.get(&me, &format!("/api/v1/me/credits?year={y}")).await, StatusCode::OK);
        let line = page["records"].as_array().unwrap().iter().find(|r| r["id"] == id).unwrap().clone();
        assert_eq!(line["status"], "provisional");
        assert!(line["explanation"].as_str().unwrap().starts_with("（待审核，发放后）"), "{line}");
        assert_eq!(page["total"].as_str().unwrap(), total_before);

        // The unit cannot grant what it recorded; the province finds it by filter and grants it.
        assert_eq!(
            w.post(&unit, &format!("/api/v1/credit-records/{id}/grant"), "").await.status,
            StatusCode::FORBIDDEN
        );
        let list = json(&w.get(&province, "/api/v1/credit-records?kind=practice&q=").await, StatusCode::OK);
        assert!(list["items"].as_array().unwrap().iter().any(|r| r["id"] == id), "{backend}");
        json(&w.post(&province, &format!("/api/v1/credit-records/{id}/grant"), "").await, StatusCode::OK);
        let again = w.post(&province, &format!("/api/v1/credit-records/{id}/grant"), "").await;
        assert_eq!(again.status, StatusCode::CONFLICT, "granted once");

        let page = json(&w.get(&me, &format!("/api/v1/me/credits?year={y}")).await, StatusCode::OK);
        let line = page["records"].as_array().unwrap().iter().find(|r| r["id"] == id).unwrap().clone();
        assert_eq!(line["status"], "granted");
        assert_eq!(line["rule"], "practice.participant");
        assert_ne!(page["total"].as_str().unwrap(), total_before, "{backend}: now counted");

        // A correction reverses it: the record stays, the year no longer counts it.
        let r = json(
            &w.post(&province, &format!("/api/v1/credit-records/{id}/reverse"), r#"{"reason":"重复登记"}"#).await,
            StatusCode::CREATED,
        );
        assert!(r["id"].as_i64().unwrap() > id);
        let page = json(&w.get(&me, &format!("/api/v1/me/credits?year={y}")).await, StatusCode::OK);
        assert_eq!(page["total"].as_str().unwrap(), total_before);
        let line = page["records"].as_array().unwrap().iter().find(|r| r["id"] == id).unwrap().clone();
        assert_eq!((line["status_label"].as_str(), line["cancelled"].as_bool()), (Some("已冲销"), Some(true)));
        let twice = w.post(&province, &format!("/api/v1/credit-records/{id}/reverse"), r#"{"reason":"再次"}"#).await;
        assert_eq!(twice.status, StatusCode::CONFLICT);

        // The professional's page, its print view and its workbook.
        let html = w.get(&me, &format!("/me/credits?year={y}")).await;
        assert_eq!(html.status, StatusCode::OK);
        assert!(html.body.contains("<progress") && html.body.contains("疑难病例讨论"), "{backend}");
        assert!(!html.body.contains(&id_number(&w, person).await), "the ID number is masked");
        assert_eq!(w.get(&me, &format!("/me/credits/print?year={y}")).await.status, StatusCode::OK);
        let (status, bytes) = w.raw(&me, Method::GET, &format!("/me/credits/export?year={y}"), vec![]).await;
        assert_eq!(status, StatusCode::OK);
        let sheet = jijiao_documents::read_sheet(&bytes, "year.xlsx", "学分明细").unwrap();
        assert!(sheet.rows.iter().any(|r| r.get(2).as_text().unwrap() == "疑难病例讨论"));
        // Legacy years show the 2006 rules.
        let legacy = json(&w.get(&me, "/api/v1/me/credits?year=2023").await, StatusCode::OK);
        assert_eq!(legacy["rules"], "2006", "{backend}");
    }
}

fn registration_rows(rows: &[[&str; 9]]) -> Vec<u8> {
    let headers = ["身份证号", "姓名", "类别", "活动名称", "开始日期", "结束日期", "学时", "身份", "考核结果"];
    write_xlsx(&[Sheet {
        name: "学分登记".into(),
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows: rows.iter().map(|r| r.iter().map(|c| CellOut::Text(c.to_string())).collect()).collect(),
        column_widths: None,
    }])
    .unwrap()
}

#[tokio::test]
async fn registrations_from_a_spreadsheet_are_all_or_nothing_with_every_bad_row_named() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = world(db).await;
        let unit = w.signed_in("xiehe").await;
        let person = person_of(&w, "yisheng").await;
        let id = id_number(&w, person).await;
        let name = w.store.person(person).await.unwrap().name;
        let y = year().to_string();
        let end = format!("{y}-06-30");
        let start = format!("{y}-03-01");

        // The template reads back with its columns.
        let (status, template) = w.raw(&unit, Method::GET, "/api/v1/credit-records/template", vec![]).await;
        assert_eq!(status, StatusCode::OK);
        let table = read_table(&template, "template.xlsx").unwrap();
        assert!(table.column(&["身份证号"]).is_some() && table.column(&["考核结果"]).is_some());

        let count = records_of(&w, person).await;
        let bad = registration_rows(&[
            [&id, &name, "进修学习", "阜外医院进修", &start, &end, "", "", "合格"],
            [&id, "张冠李戴", "实践活动", "病例讨论", "", &end, "6", "参加者", ""],
            [&id, &name, "会议", "学术会议", "", &end, "6", "参加者", ""],
            [&id, &name, "实践活动", "病例讨论", "", "明天", "6", "参加者", ""],
            ["110105194912310021", &name, "实践活动", "病例讨论", "", &end, "6", "参加者", ""],
            [&id, &name, "进修学习", "阜外医院进修", &start, &end, "", "", "合格"],
        ]);
        let (status, body) = w.raw(&unit, Method::POST, "/api/v1/credit-records/import?file_name=r.xlsx", bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}", String::from_utf8_lossy(&body));
        let errors: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let fields: Vec<&str> =
            errors["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(
            fields,
            vec!["第3行“姓名”", "第4行“类别”", "第5行“结束日期”", "第6行“身份证号”", "第7行“活动名称”"],
            "{backend}: {errors}"
        );
        assert_eq!(records_of(&w, person).await, count, "nothing stored");

        // The same rows put right, as CSV in GBK, are all stored, provisional.
        let csv = format!(
            "身份证号,姓名,类别,活动名称,开始日期,结束日期,学时,身份,考核结果\n{id},{name},进修学习,阜外医院进修,{start},{end},,,合格\n,,,,,,,,\n{id},{name},实践活动,病例讨论,,{end},6,参加者,\n"
        );
        let (gbk, _, _) = encoding_rs::GBK.encode(&csv);
        let (status, body) =
            w.raw(&unit, Method::POST, "/api/v1/credit-records/import?file_name=r.csv", gbk.into_owned()).await;
        assert_eq!(status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&body));
        assert_eq!(serde_json::from_slice::<serde_json::Value>(&body).unwrap()["imported"], 2);
        assert_eq!(records_of(&w, person).await, count + 2, "{backend}");

        // The page shows every problem of a rejected upload.
        let page =
            w.post(&unit, "/credits/register/import", &common::multipart_file("r.csv", "姓名,学时\n张三,3\n")).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains("表头缺少“身份证号”列"), "{}", page.body);
        // Out of the unit's scope: someone of another unit reads as unknown.
        let hebei = w.store.organisation_by_name("河北医科大学第二医院").await.unwrap().id;
        let stranger = w
            .store
            .people(
                &jijiao_storage::PersonFilter { employer_id: Some(hebei), ..Default::default() },
                Default::default(),
            )
            .await
            .unwrap()
            .items[0]
            .id;
        let stranger_id = id_number(&w, stranger).await;
        let file = format!(
            "身份证号,姓名,类别,活动名称,结束日期,学时,身份\n{stranger_id},某人,实践活动,病例讨论,{end},6,参加者\n"
        );
        let r = w.post(&unit, "/api/v1/credit-records/import", &file).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("管理范围"), "{}", r.body);
    }
}

#[tokio::test]
async fn self_study_needs_an_approved_plan_and_the_units_grant() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = world(db).await;
        let unit = w.signed_in("xiehe").await;
        let leader = w.signed_in("fuzeren").await;
        let province = w.signed_in("beijing").await;
        let y = year();

        // The demo's leader has a plan waiting; the unit sees it.
        let queue = json(&w.get(&unit, "/api/v1/self-study").await, StatusCode::OK);
        let plan = queue["plans"].as_array().unwrap().iter().find(|p| p["year"] == y).unwrap().clone();
        let plan_id = plan["id"].as_i64().unwrap();
        // Applying before approval names the plan.
        let apply = format!(r#"{{"title":"临床研究方法学第1-4章","end":"{y}-02-01","credits":"3"}}"#);
        let r = json(
            &w.post(&leader, "/api/v1/me/self-study/applications", &apply).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
        assert_eq!(r["field"], "plan_id", "{backend}");
        // Only the unit approves.
        let path = format!("/api/v1/self-study/plans/{plan_id}/approve");
        assert_eq!(w.post(&province, &path, "").await.status, StatusCode::FORBIDDEN);
        json(&w.post(&unit, &path, "").await, StatusCode::OK);
        let id = json(&w.post(&leader, "/api/v1/me/self-study/applications", &apply).await, StatusCode::CREATED)["id"]
            .as_i64()
            .unwrap();
        // Beyond the plan's credits: refused, naming what is left.
        let too_much = format!(r#"{{"title":"其余章节","end":"{y}-03-01","credits":"6"}}"#);
        let r = json(
            &w.post(&leader, "/api/v1/me/self-study/applications", &too_much).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
        assert!(r["message"].as_str().unwrap().contains("尚可申请 5.0"), "{r}");
        // A second plan for the same year is refused.
        let plan_again = format!(r#"{{"year":"{y}","content":"再学一门课","planned":"2"}}"#);
        assert_eq!(w.post(&leader, "/api/v1/me/self-study/plans", &plan_again).await.status, StatusCode::CONFLICT);

        // The province does not grant self-study; the unit does.
        assert_eq!(
            w.post(&province, &format!("/api/v1/credit-records/{id}/grant"), "").await.status,
            StatusCode::FORBIDDEN
        );
        json(&w.post(&unit, &format!("/api/v1/credit-records/{id}/grant"), "").await, StatusCode::OK);
        let mine = json(&w.get(&leader, "/api/v1/me/self-study").await, StatusCode::OK);
        let application = mine["applications"].as_array().unwrap().iter().find(|a| a["id"] == id).unwrap().clone();
        assert_eq!(application["status"], "granted");
        let year_view = json(&w.get(&leader, &format!("/api/v1/me/credits?year={y}")).await, StatusCode::OK);
        let line = year_view["records"].as_array().unwrap().iter().find(|r| r["id"] == id).unwrap().clone();
        assert_eq!(
            (line["credits"].as_str(), line["rule"].as_str()),
            (Some("3.0"), Some("self_study.granted")),
            "{backend}"
        );

        // The pages: the professional's forms and the unit's queue.
        let page = w.get(&leader, "/me/self-study").await;
        assert!(page.status == StatusCode::OK && page.body.contains("提交自学计划"));
        let form = format!("title=读书报告&end={y}-04-01&credits=200");
        let page = w.post(&leader, "/me/self-study/applications", &form).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains("超过计划学分"), "{}", page.body);
        assert_eq!(w.get(&unit, "/credits/self-study").await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn legacy_records_are_imported_by_the_province_only_when_every_row_is_right() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = world(db).await;
        let province = w.signed_in("beijing").await;
        let hebei = w.signed_in("hebei").await;
        let person = person_of(&w, "fuzeren").await;
        let id = id_number(&w, person).await;
        let name = w.store.person(person).await.unwrap().name;
        let count = records_of(&w, person).await;

        let bad = format!(
            "身份证号,姓名,学分类别,学分,活动名称,结束日期\n{id},{name},I类,6,心血管新进展,2022-05-01\n{id},{name},III类,4,院内讲座,2022-06-01\n{id},{name},II类,4.25,院内讲座,2022-07-01\n{id},{name},II类,4,院内讲座,2025-02-01\n"
        );
        let r = json(
            &w.post(&province, "/api/v1/credit-records/legacy-import", &bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
        let fields: Vec<&str> = r["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, vec!["第3行“学分类别”", "第4行“学分”", "第5行“结束日期”"], "{backend}: {r}");
        assert_eq!(records_of(&w, person).await, count);

        let good = format!(
            "身份证号,姓名,学分类别,学分,活动名称,结束日期,项目编号\n{id},{name},I类,9,心血管新进展,2022-05-01,2022-03-01-001（国）\n{id},{name},II类,16,院内讲座,2022-07-01,\n"
        );
        // Another province cannot import people of 北京.
        let r = w.post(&hebei, "/api/v1/credit-records/legacy-import", &good).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let r = json(&w.post(&province, "/api/v1/credit-records/legacy-import", &good).await, StatusCode::CREATED);
        assert_eq!(r["imported"], 2);
        let me = w.signed_in("fuzeren").await;
        let year = json(&w.get(&me, "/api/v1/me/credits?year=2022").await, StatusCode::OK);
        assert_eq!((year["rules"].as_str(), year["total"].as_str()), (Some("2006"), Some("25.0")), "{backend}");
        assert_eq!(year["compliant"], true, "25 with I类 ≥ 5 and II类 ≥ 15 under the 2006 rules");
        // The legacy template.
        let (status, bytes) = w.raw(&province, Method::GET, "/api/v1/credit-records/legacy-template", vec![]).await;
        assert_eq!(status, StatusCode::OK);
        assert!(read_table(&bytes, "t.xlsx").unwrap().column(&["学分类别"]).is_some());
    }
}

#[tokio::test]
async fn compliance_reports_cover_the_asked_scope_and_export_to_excel() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = world(db).await;
        let unit = w.signed_in("xiehe").await;
        let province = w.signed_in("beijing").await;
        let hebei = w.signed_in("hebei").await;
        let y = year();
        let xiehe = w.store.organisation_by_name("北京协和医院").await.unwrap().id.0;

        let own =
            json(&w.get(&unit, &format!("/api/v1/credits/compliance?year={y}&per_page=200")).await, StatusCode::OK);
        assert_eq!(own["scope"], "北京协和医院");
        let people = own["people"].as_i64().unwrap();
        let reached = own["reached"].as_i64().unwrap();
        assert!(reached > 0 && reached < people, "{backend}: the demo has both: {own}");
        assert_eq!(own["rows"].as_array().unwrap().len() as i64, people);
        let missing =
            json(&w.get(&unit, &format!("/api/v1/credits/compliance?year={y}&status=missing")).await, StatusCode::OK);
        assert_eq!(missing["total"].as_i64().unwrap(), people - reached);
        assert!(missing["rows"].as_array().unwrap().iter().all(|r| r["compliant"] == false && r["missing"] != ""));
        assert_eq!(own["kinds"].as_array().unwrap().len(), 7, "the 2024 kinds");

        // The province asks for the unit; another province cannot.
        let path = format!("/api/v1/credits/compliance?year={y}&unit={xiehe}");
        let as_province = json(&w.get(&province, &path).await, StatusCode::OK);
        assert_eq!(as_province["people"], people);
        assert_eq!(w.get(&hebei, &path).await.status, StatusCode::NOT_FOUND);
        let whole = json(&w.get(&province, &format!("/api/v1/credits/compliance?year={y}")).await, StatusCode::OK);
        assert_eq!(whole["scope"], "北京市");
        assert!(whole["people"].as_i64().unwrap() > people);
        assert_eq!(w.get(&province, "/api/v1/credits/compliance?province=13").await.status, StatusCode::NOT_FOUND);
        let legacy = json(&w.get(&unit, "/api/v1/credits/compliance?year=2023").await, StatusCode::OK);
        assert_eq!(legacy["kinds"].as_array().unwrap().len(), 2, "I类 and II类");

        let (status, bytes) =
            w.raw(&unit, Method::GET, &format!("/api/v1/credits/compliance/export?year={y}"), vec![]).await;
        assert_eq!(status, StatusCode::OK);
        let sheet = jijiao_documents::read_sheet(&bytes, "c.xlsx", "达标情况").unwrap();
        assert_eq!(sheet.rows.len() as i64, people, "{backend}");
        assert!(sheet.column(&["尚缺"]).is_some());
        let page = w.get(&unit, "/credits/compliance").await;
        assert!(page.status == StatusCode::OK && page.body.contains("已达标"), "{}", page.body);
    }
}

/// Issue 18: granting "all matching" applies the check a single grant applies. A provisional record
/// whose activity ends after today (recorded before registrations refused such dates, or by a
/// route that did not check) stays provisional, and the reviewer is told how many and why; a
/// rejection of all matching takes it with the others.
#[tokio::test]
async fn a_bulk_grant_skips_records_ending_after_today_and_says_so() {
    use jijiao_domain::credits::learning_record::RecordFacts;
    use jijiao_domain::credits::{ActivityKind, Role};
    use jijiao_storage::credit_records::{CreditRecordId, NewCreditRecord};
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = world(db).await;
        let actor = jijiao_storage::Actor::system("测试");
        let unit = w.store.organisation_by_name("北京协和医院").await.unwrap().id;
        let person = w
            .store
            .create_person(
                &actor,
                &jijiao_storage::NewPerson {
                    name: "批量发放甲".into(),
                    id_number: jijiao_domain::id_number::compose(
                        "110101",
                        chrono::NaiveDate::from_ymd_opt(1980, 2, 3).unwrap(),
                        77,
                    ),
                    title: Some("主治医师".into()),
                    employer_id: Some(unit),
                    in_post: true,
                    phone: None,
                },
            )
            .await
            .unwrap();
        let today = jijiao_app::Clock::today(&jijiao_app::SystemClock);
        let record = |title: &str, end: chrono::NaiveDate| NewCreditRecord {
            person_id: person,
            source: jijiao_domain::credits::learning_record::RecordSource::Employer,
            source_ref: None,
            facts: RecordFacts {
                kind: ActivityKind::Practice,
                title: title.into(),
                project_number: None,
                level: None,
                delivery: None,
                role: Some(Role::Participant),
                start: None,
                end,
                passed: None,
                hours: Some(jijiao_domain::Hours::whole(6)),
                credits: None,
                legacy_class: None,
            },
            granted: false,
        };
        let mut ids: Vec<CreditRecordId> = Vec::new();
        for (title, end) in [
            ("已结束的病例讨论", today - chrono::Days::new(3)),
            ("今天结束的手术示范", today),
            ("下月的学术会议", today + chrono::Days::new(30)),
        ] {
            ids.push(w.store.record_credit(&actor, &record(title, end)).await.unwrap());
        }
        let status_of = |id: CreditRecordId| {
            let store = w.store.clone();
            async move { store.credit_record(id).await.unwrap().status.code() }
        };

        // The API: two granted, one skipped, with the reason.
        let province = w.signed_in("beijing").await;
        let body = r#"{"decision":"grant","q":"批量发放甲"}"#;
        let reply = w.send(&province, Method::POST, "/api/v1/credit-records/decide", Some(body.into())).await;
        let done = json(&reply, StatusCode::OK);
        assert_eq!(
            (done["decided"].as_u64(), done["skipped_future"].as_u64()),
            (Some(2), Some(1)),
            "{backend}: {done}"
        );
        assert!(done["note"].as_str().unwrap().contains("晚于今天"), "{backend}: {done}");
        assert_eq!(
            (status_of(ids[0]).await, status_of(ids[1]).await, status_of(ids[2]).await),
            ("granted", "granted", "provisional"),
            "{backend}"
        );

        // The page: nothing left to grant but the future one, and the list says why it stayed.
        let reply = w.post(&province, "/credits/review/decide", "decision=grant&q=批量发放甲").await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{backend}: {}", reply.body);
        let location = reply.headers[header::LOCATION].to_str().unwrap().to_string();
        assert!(location.contains("done=0") && location.contains("skipped=1"), "{backend}: {location}");
        let page = w.get(&province, &location).await;
        assert!(page.body.contains("另有 1 条学分记录的活动结束日期晚于今天"), "{backend}: {}", page.body);
        assert_eq!(status_of(ids[2]).await, "provisional", "{backend}");

        // A rejection needs no end: all matching, the future one too.
        let body = r#"{"decision":"reject","reason":"与本院记录不符","q":"批量发放甲"}"#;
        let reply = w.send(&province, Method::POST, "/api/v1/credit-records/decide", Some(body.into())).await;
        let done = json(&reply, StatusCode::OK);
        assert_eq!((done["decided"].as_u64(), done["skipped_future"].as_u64()), (Some(1), Some(0)), "{backend}");
        assert!(done.get("note").is_none(), "{backend}: {done}");
        assert_eq!(status_of(ids[2]).await, "rejected", "{backend}");
    }
}
