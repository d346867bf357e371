//! Remote projects per upload cycle and the learners' phone survey end to end (issue 16) on both
//! backends: the unit chooses the cycle once (refused after a submission), a cycle's roster, report
//! (online, with its courseware and hours, no filing) and approval through the same routes as a
//! face-to-face period, the credits capped at 3 over the project's cycles with their certificates;
//! the survey answered once by a learner on the roster, refused twice, from a stranger, before the
//! end and after approval, and its counts filling the report.

use crate::common::{self, Client, World};
use axum::http::Method;
use chrono::{Datelike, Days};
use jijiao_domain::org::{Delivery, Level};
use jijiao_domain::publication::ProjectKind;
use jijiao_domain::{Credits, Hours};
use jijiao_storage::projects::{NewBatch, NewProject, ProjectPeriod};
use serde_json::{Value, json};

fn today() -> chrono::NaiveDate {
    jijiao_app::Clock::today(&jijiao_app::SystemClock)
}

fn url(number: &str) -> String {
    jijiao_app::events::url_number(number)
}

fn api(number: &str, rest: &str) -> String {
    format!("/api/v1/projects/{}/{rest}", url(number))
}

const HEADER: &str = "姓名,身份证号,工作单位,所在省份,职称,手机,考勤学时,考核结果,授课学时";

async fn row_of(w: &World, username: &str, hours: &str, taught: &str) -> String {
    let person = w.store.account_by_username(username).await.unwrap().person_id.unwrap();
    let p = w.store.person(person).await.unwrap();
    format!("{},{},北京协和医院,北京市,主治医师,,{hours},合格,{taught}", p.name, p.id_number.as_str())
}

fn stranger() -> String {
    jijiao_domain::id_number::compose("130102", chrono::NaiveDate::from_ymd_opt(1986, 2, 3).unwrap(), 41)
        .as_str()
        .to_string()
}

/// A remote project of 北京协和医院 (12 hours, 3 credits) published starting 70 days ago: with a
/// monthly cycle its first two cycles have ended and the third is under way.
async fn remote_project(w: &World) -> (String, chrono::NaiveDate) {
    let start = today() - Days::new(70);
    let unit = w.store.organisation_by_name("北京协和医院").await.unwrap();
    let number = format!("{}-03-01-950（国）", start.year());
    let batch = NewBatch {
        level: Level::National,
        province_code: None,
        year: jijiao_domain::Year::of(start),
        batch: 60,
        notice: String::new(),
        notice_date: None,
    };
    let project = NewProject {
        number: Some(number.clone()),
        application_id: None,
        name: "远程继续教育测试课程".into(),
        unit_name: "北京协和医院".into(),
        unit_id: Some(unit.id.0),
        province_code: unit.province_code.clone(),
        leader_name: "王喆".into(),
        leader_phone: None,
        subject_tertiary: "03-01".into(),
        kind: ProjectKind::Recommended,
        delivery: Delivery::Remote,
        credits: Credits::from_tenths(30),
        hours: Some(Hours::whole(12)),
        periods: vec![ProjectPeriod { start, end: start, place: "远程（网络）".into() }],
        audience: "临床医师".into(),
        planned_enrollment: 300,
        enrollment_note: String::new(),
        remarks: String::new(),
    };
    w.store.import_projects(&jijiao_storage::Actor::system("测试"), &batch, &[project]).await.unwrap();
    (number, start)
}

fn remote_report(hours: Option<u32>) -> Value {
    json!({ "form": "online", "hours": hours,
        "courseware": { "no_seek": true, "single_courseware": true, "learning_state_check": true },
        "teaching": [ { "topic": "心衰远程课程", "teacher": "王喆" } ],
        "effect_analysis": "学员在线完成学习", "problems": "无",
        "survey": { "q1": [2, 0, 0], "q2": [1, 1, 0], "q3": [2, 0, 0], "q4": [2, 0, 0], "q5": [1, 1, 0],
                    "q6": [2, 0, 0], "q7": [1, 1, 1, 0, 1] } })
}

async fn upload(w: &World, c: &Client, number: &str, n: u32, csv: String) -> common::Reply {
    let path = api(number, &format!("periods/{n}/roster"));
    w.multipart(c, Method::PUT, &path, &[], &[("file", "名单.csv".into(), csv.into_bytes())]).await
}

#[tokio::test]
async fn a_remote_project_reports_per_upload_cycle_and_its_credits_are_capped_at_three() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = common::world(db).await;
        let (number, start) = remote_project(&w).await;
        let xiehe = w.signed_in("xiehe").await;
        let beijing = w.signed_in("beijing").await;

        // Before the unit chooses, the project has no cycles and its periods are refused so.
        let before = w.get(&xiehe, &api(&number, "upload-cycle")).await;
        assert_eq!(before.status, 200, "{backend}: {}", before.body);
        assert_eq!(before.json()["months"], Value::Null);
        let early = w.get(&xiehe, &api(&number, "periods/1/roster")).await;
        assert_eq!(early.status, 409, "{backend}: {}", early.body);
        assert!(early.body.contains("上传周期"), "{}", early.body);

        // Choosing: one of the five cycles, the unit's to choose, out of sight for another province.
        let set = |months: u32| Some(json!({ "months": months }).to_string());
        let bad = w.send(&xiehe, Method::PUT, &api(&number, "upload-cycle"), set(4)).await;
        assert_eq!(bad.status, 422, "{}", bad.body);
        assert_eq!(bad.json()["field"], "months", "{}", bad.body);
        for (who, status) in [("yisheng", 403), ("beijing", 403), ("hebei", 404)] {
            let c = w.signed_in(who).await;
            let got = w.send(&c, Method::PUT, &api(&number, "upload-cycle"), set(1)).await;
            assert_eq!(got.status, status, "{backend} {who}: {}", got.body);
        }
        let two = w.send(&xiehe, Method::PUT, &api(&number, "upload-cycle"), set(2)).await;
        assert_eq!(two.status, 200, "{backend}: {}", two.body);
        assert_eq!(two.json()["cycles"].as_array().unwrap().len(), 6, "two months: six cycles a year");
        let one = w.send(&xiehe, Method::PUT, &api(&number, "upload-cycle"), set(1)).await.json();
        assert_eq!(one["months"], 1, "changed before any submission: {one}");
        let cycles = one["cycles"].as_array().unwrap().clone();
        assert_eq!(cycles.len(), 12);
        assert_eq!(cycles[0]["start"], start.to_string());
        let end1: chrono::NaiveDate = cycles[0]["end"].as_str().unwrap().parse().unwrap();
        assert_eq!(end1, start.checked_add_months(chrono::Months::new(1)).unwrap() - Days::new(1));
        assert_eq!(cycles[0]["report_due"], (end1 + Days::new(14)).to_string());

        // A remote cycle files nothing and is not inspected.
        let day = today().to_string();
        let body = json!({ "start": day, "end": day,
            "venue": { "province": "北京市", "city": "北京市", "address": "东城区帅府园1号" },
            "form": "online", "planned_enrollment": 100, "fee": 0,
            "contact": { "name": "李", "phone": "13800000000" },
            "schedule": [ { "date": day, "from": "09:00", "to": "12:00", "topic": "t",
                "teacher": "王喆", "teacher_unit": "u", "teacher_title": "主任医师", "hours": 3 } ] });
        let filing = w.send(&xiehe, Method::PUT, &api(&number, "periods/1/filing"), Some(body.to_string())).await;
        assert_eq!(filing.status, 422, "{}", filing.body);
        assert!(filing.body.contains("远程项目"), "{}", filing.body);
        // Nor do the pages offer the forms the operations refuse.
        for form in ["filing", "own"] {
            let page = w.get(&xiehe, &format!("/events/{}/1/{form}", url(&number))).await;
            assert_eq!(page.status, 409, "{backend} {form}: {}", page.body);
            assert!(page.body.contains("远程项目按上传周期汇报") && !page.body.contains("提交报备"), "{}", page.body);
        }

        // Cycle 1's roster: hours within the course's published 12; the same route as a period's.
        let yisheng_row = row_of(&w, "yisheng", "12", "").await;
        let over = format!("{HEADER}\n{}\n", yisheng_row.replace(",12,", ",13,"));
        let refused = upload(&w, &xiehe, &number, 1, over).await;
        assert_eq!(refused.status, 422, "{backend}: {}", refused.body);
        assert!(refused.body.contains("第2行“考勤学时”"), "{}", refused.body);
        let csv = format!(
            "{HEADER}\n{yisheng_row}\n赵远,{},河北医科大学第二医院,河北省,医师,,6,合格,\n{}\n",
            stranger(),
            row_of(&w, "fuzeren", "0", "3").await
        );
        let done = upload(&w, &xiehe, &number, 1, csv).await;
        assert_eq!(done.status, 200, "{backend}: {}", done.body);
        assert_eq!((done.json()["learners"].clone(), done.json()["speakers"].clone()), (json!(2), json!(1)));

        // The report: a draft may be incomplete; submitting asks what a remote cycle needs.
        let offline = json!({ "form": "offline", "teaching": [ { "topic": "课程", "teacher": "王喆" } ],
            "effect_analysis": "好", "problems": "无",
            "survey": { "q1": [1, 0, 0], "q2": [1, 0, 0], "q3": [1, 0, 0], "q4": [1, 0, 0], "q5": [1, 0, 0],
                        "q6": [1, 0, 0], "q7": [1, 1, 0, 0, 0] } });
        let draft = w.send(&xiehe, Method::PUT, &api(&number, "periods/1/report"), Some(offline.to_string())).await;
        assert_eq!(draft.status, 200, "{}", draft.body);
        let incomplete = w.send(&xiehe, Method::POST, &api(&number, "periods/1/report/submit"), None).await;
        assert_eq!(incomplete.status, 422, "{}", incomplete.body);
        let fields: Vec<String> = incomplete.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(fields, ["form", "hours"], "{}", incomplete.body);
        let saved = w
            .send(&xiehe, Method::PUT, &api(&number, "periods/1/report"), Some(remote_report(Some(12)).to_string()))
            .await;
        assert_eq!(saved.status, 200, "{}", saved.body);
        let submitted = w.send(&xiehe, Method::POST, &api(&number, "periods/1/report/submit"), None).await;
        assert_eq!(submitted.status, 200, "{backend}: {}", submitted.body);
        let view = w.get(&xiehe, &api(&number, "periods/1/report")).await.json();
        assert_eq!(view["hours"], "12.0", "{view}");
        assert_eq!(view["due"], (end1 + Days::new(14)).to_string(), "due 14 days after the cycle: {view}");

        // Submitted: the cycle is on record and no longer changes.
        let locked = w.send(&xiehe, Method::PUT, &api(&number, "upload-cycle"), set(3)).await;
        assert_eq!(locked.status, 409, "{backend}: {}", locked.body);
        assert!(locked.body.contains("不能再变更"), "{}", locked.body);

        // Approval by the applicant unit's province stores the remote score and grants the credits.
        let audits = w.get(&beijing, "/api/v1/tasks").await.json()["items"].to_string();
        assert!(audits.contains(&number) && audits.contains("第1个上传周期"), "{audits}");
        // Her survey of cycle 1 stays open until the approval: due today, however late the report.
        let learner = w.signed_in("yisheng").await;
        let tasks = w.get(&learner, "/api/v1/tasks").await.json()["items"].clone();
        let survey = tasks
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["kind"] == "survey" && t["url"].as_str().unwrap().ends_with("/1"));
        assert_eq!(survey.expect("cycle 1's survey")["due"], today().to_string(), "{tasks}");
        let approved = w.send(&beijing, Method::POST, &api(&number, "periods/1/report/approve"), None).await;
        assert_eq!(approved.status, 200, "{backend}: {}", approved.body);
        let a = approved.json();
        assert_eq!((a["credits_granted"].clone(), a["certificates"].clone()), (json!(3), json!(3)), "{a}");
        let stored = w.get(&beijing, &api(&number, "periods/1/report")).await.json();
        let items = stored["items"]["items"].clone();
        assert_eq!(items["score.1.1.3"], 15, "a monthly cycle: {items}");
        assert_eq!(items["score.1.2.7"], 20, "{items}");
        assert!(items.get("score.1.1.1").is_none() && items.get("score.1.2.1").is_none(), "{items}");
        assert_eq!(stored["score"], a["score"]);

        // yisheng's 12 hours make 4.0 credits, capped at the remote project's 3.
        let yisheng = w.signed_in("yisheng").await;
        let records = w.get(&yisheng, "/api/v1/me/credits").await.json()["records"].clone();
        let mine: Vec<Value> =
            records.as_array().unwrap().iter().filter(|r| r["title"] == "远程继续教育测试课程").cloned().collect();
        assert_eq!(mine.len(), 1, "{records}");
        assert_eq!(mine[0]["credits"], "3.0", "{}", mine[0]);
        assert_eq!(mine[0]["removed_by_caps"], "1.0", "{}", mine[0]);
        assert!(mine[0]["explanation"].as_str().unwrap().contains("远程项目上限3学分"), "{}", mine[0]);
        assert_eq!(mine[0]["end"], end1.to_string(), "credited on the cycle's last day");
        assert_eq!(mine[0]["source_ref"], format!("{number} 第1个上传周期"), "{}", mine[0]);
        let certificates = w.get(&yisheng, "/api/v1/me/certificates").await.json();
        assert!(certificates.to_string().contains(&number), "{certificates}");

        // Cycle 2: her further hours earn nothing above the cap; the cap holds over the cycles.
        let csv2 = format!("{HEADER}\n{}\n", row_of(&w, "yisheng", "6", "").await);
        assert_eq!(upload(&w, &xiehe, &number, 2, csv2).await.status, 200);
        let mut second = remote_report(Some(10));
        second["survey"] = json!({ "q1": [1, 0, 0], "q2": [1, 0, 0], "q3": [1, 0, 0], "q4": [1, 0, 0],
            "q5": [1, 0, 0], "q6": [1, 0, 0], "q7": [1, 1, 0, 0, 0] });
        let put = w.send(&xiehe, Method::PUT, &api(&number, "periods/2/report"), Some(second.to_string())).await;
        assert_eq!(put.status, 200, "{}", put.body);
        assert_eq!(w.send(&xiehe, Method::POST, &api(&number, "periods/2/report/submit"), None).await.status, 200);
        let again = w.send(&beijing, Method::POST, &api(&number, "periods/2/report/approve"), None).await;
        assert_eq!(again.status, 200, "{backend}: {}", again.body);
        let records = w.get(&yisheng, "/api/v1/me/credits").await.json()["records"].clone();
        // Credits are shown with one decimal ("3.0"): summed as integer tenths, never floats.
        let tenths: i64 = records
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["title"] == "远程继续教育测试课程")
            .map(|r| r["credits"].as_str().unwrap().replace('.', "").parse::<i64>().unwrap())
            .sum();
        assert_eq!(tenths, 30, "{backend}: capped at 3 over the cycles: {records}");

        // Cycle 3 is under way: no report yet, and its learners' survey is not open.
        let csv3 = format!("{HEADER}\n{}\n", row_of(&w, "yisheng", "3", "").await);
        assert_eq!(upload(&w, &xiehe, &number, 3, csv3).await.status, 200);
        let answer = json!({ "q1": 0, "q2": 0, "q3": 0, "q4": 0, "q5": 0, "q6": 0, "q7": [0, 1] }).to_string();
        let early = w.send(&yisheng, Method::POST, &api(&number, "periods/3/survey"), Some(answer)).await;
        assert_eq!(early.status, 409, "{backend}: {}", early.body);
        assert!(early.body.contains("结束当天起"), "{}", early.body);
        let not_yet = w.send(&xiehe, Method::POST, &api(&number, "periods/3/report/submit"), None).await;
        assert!(not_yet.status == 409, "{}", not_yet.body);

        // The export carries each ended cycle with its months and courseware.
        let export = w.get(&beijing, &api(&number, "execution.json")).await.json();
        assert_eq!(export["delivery"], "remote");
        assert_eq!(export["periods"].as_array().unwrap().len(), 2, "{export}");
        assert_eq!(export["periods"][0]["upload_cycle_months"], 1);
        assert_eq!(export["periods"][0]["courseware"]["no_seek"], true);
        assert_eq!(export["periods"][1]["hours"], "10.0");

        // The pages: the cycle page lists the cycles; a cycle's event page leads there.
        let page = w.get(&xiehe, &format!("/events/{}/upload-cycle", url(&number))).await;
        assert!(page.body.contains("id=\"cycle-states\"") && page.body.contains("审核通过"), "{backend}");
        let event = w.get(&xiehe, &format!("/events/{}/1", url(&number))).await;
        assert_eq!(event.status, 303, "{backend}");
        let report = w.get(&xiehe, &format!("/events/{}/3/report", url(&number))).await;
        assert!(report.body.contains("id=\"report-hours\"") && report.body.contains("第3个上传周期"), "{backend}");
        let roster = w.get(&xiehe, &format!("/events/{}/3/roster", url(&number))).await;
        assert!(roster.body.contains("本上传周期名单（学员 1 人") && !roster.body.contains("本期名单"), "{backend}");
        let log = w.get(&w.signed_in("guojia").await, "/api/v1/audit?object_type=remote_project").await;
        assert!(log.body.contains("upload_cycle.set"), "{backend}: {}", log.body);
    }
}

/// The demo's 协和 provincial period held 12 days ago: 15 of its learners answered, `yisheng` not yet.
fn surveyed() -> String {
    format!("{}-03-01-910（京）", today().year())
}

#[tokio::test]
async fn a_learner_answers_the_survey_once_and_the_counts_fill_the_report() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = common::world(db).await;
        let number = surveyed();
        let yisheng = w.signed_in("yisheng").await;
        let xiehe = w.signed_in("xiehe").await;
        let path = api(&number, "periods/1/survey");

        let open = w.get(&yisheng, &path).await;
        assert_eq!(open.status, 200, "{backend}: {}", open.body);
        assert_eq!(open.json()["open"], true);
        assert_eq!(open.json()["questions"].as_array().unwrap().len(), 7);
        let tasks = w.get(&yisheng, "/api/v1/tasks").await.json()["items"].to_string();
        assert!(tasks.contains("\"survey\"") && tasks.contains(&number), "{tasks}");
        let counts_path = api(&number, "periods/1/survey/counts");
        assert_eq!(w.get(&xiehe, &counts_path).await.json()["answered"], 15, "the demo's answers");

        // Refused by field: an option outside the form, question 7 twice the same.
        let bad = json!({ "q1": 3, "q2": 0, "q3": 0, "q4": 0, "q5": 0, "q6": 0, "q7": [2, 2] }).to_string();
        let refused = w.send(&yisheng, Method::POST, &path, Some(bad)).await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        let errors = refused.json()["errors"].clone();
        let fields: Vec<&str> = errors.as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["q1", "q7"], "{}", refused.body);

        let answer = json!({ "q1": 2, "q2": 2, "q3": 2, "q4": 2, "q5": 2, "q6": 2, "q7": [3, 4] }).to_string();
        let answered = w.send(&yisheng, Method::POST, &path, Some(answer.clone())).await;
        assert_eq!(answered.status, 201, "{backend}: {}", answered.body);
        let twice = w.send(&yisheng, Method::POST, &path, Some(answer.clone())).await;
        assert_eq!(twice.status, 409, "{backend}: {}", twice.body);
        assert!(twice.body.contains("只能填写一次"), "{}", twice.body);
        let mine = w.get(&yisheng, &path).await.json();
        assert_eq!((mine["open"].clone(), mine["answer"]["q7"].clone()), (json!(false), json!([3, 4])), "{mine}");

        // Not a learner of the period: the unit sees it (403), another province does not (404), nor
        // does a professional who was not there (404).
        assert_eq!(w.send(&xiehe, Method::POST, &path, Some(answer.clone())).await.status, 403);
        assert_eq!(w.send(&w.signed_in("hebei").await, Method::POST, &path, Some(answer.clone())).await.status, 404);
        let stranger = stranger_account(&w).await;
        assert_eq!(w.send(&stranger, Method::POST, &path, Some(answer.clone())).await.status, 404, "{backend}");
        assert_eq!(w.get(&stranger, &path).await.status, 404);
        assert_eq!(w.get(&w.anonymous(), &path).await.status, 401);

        // After approval the survey is closed (901: approved in the demo, yisheng on its roster).
        let closed = api(&format!("{}-03-01-901（国）", today().year()), "periods/1/survey");
        let late = w.send(&yisheng, Method::POST, &closed, Some(answer)).await;
        assert_eq!(late.status, 409, "{backend}: {}", late.body);
        assert!(late.body.contains("审核通过"), "{}", late.body);

        // The counts: 16 answers now, her choices among them; they fill the report's grid, unsaved.
        let c = w.get(&xiehe, &counts_path).await.json();
        assert_eq!((c["answered"].clone(), c["learners"].clone()), (json!(16), json!(21)), "{c}");
        assert_eq!(c["survey"]["q7"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).sum::<u64>(), 32);
        let page = w.get(&xiehe, &format!("/events/{}/1/report", url(&number))).await;
        assert!(page.body.contains("id=\"fill-survey\"") && page.body.contains("<strong>16</strong>"), "{backend}");
        let filled =
            w.post(&xiehe, &format!("/events/{}/1/report", url(&number)), "action=fill_survey&form=offline").await;
        assert_eq!(filled.status, 200, "{backend}: {}", filled.body);
        assert!(filled.body.contains("已用 16 名学员（共 21 名）"), "{}", filled.body);
        let q1 = c["survey"]["q1"].as_array().unwrap();
        for (o, count) in q1.iter().enumerate() {
            assert!(filled.body.contains(&format!("name=\"q1_{o}\" value=\"{count}\"")), "q1_{o} = {count}");
        }
        let saved = w.get(&xiehe, &api(&number, "periods/1/report")).await.json();
        assert_ne!(saved["survey"], c["survey"], "filling saves nothing");
        // The unit saves the counts (or its own): within the learners, as any report.
        let mut report = saved.clone();
        for key in [
            "status",
            "score",
            "items",
            "return_reason",
            "reported_on",
            "submitted_on",
            "due",
            "audit_due",
            "decided_by",
            "credits_granted",
            "certificates",
            "learners",
            "speakers",
            "files",
        ] {
            report.as_object_mut().unwrap().remove(key);
        }
        report["survey"] = c["survey"].clone();
        let put = w.send(&xiehe, Method::PUT, &api(&number, "periods/1/report"), Some(report.to_string())).await;
        assert_eq!(put.status, 200, "{backend}: {}", put.body);

        // Her pages: the survey read back, and 我的学分 no longer lists it.
        let survey_page = w.get(&yisheng, &format!("/surveys/{}/1", url(&number))).await;
        assert!(survey_page.body.contains("id=\"survey-answers\""), "{backend}");
        let credits = w.get(&yisheng, "/me/credits").await;
        assert!(!credits.body.contains(&format!("/surveys/{}/1", url(&number))), "{backend}");
        let log = w.get(&w.signed_in("guojia").await, "/api/v1/audit?object_type=period_survey").await;
        assert!(log.body.contains("survey.answer"), "{backend}: {}", log.body);
    }
}

/// A confirmed professional of 北京协和医院 who learned in nothing.
async fn stranger_account(w: &World) -> Client {
    let actor = jijiao_storage::Actor::system("测试");
    let unit = w.store.organisation_by_name("北京协和医院").await.unwrap().id;
    let id = jijiao_domain::id_number::compose("110101", chrono::NaiveDate::from_ymd_opt(1979, 4, 4).unwrap(), 77);
    let person = w
        .store
        .create_person(
            &actor,
            &jijiao_storage::NewPerson {
                name: "路人甲".into(),
                id_number: id,
                title: Some("医师".into()),
                employer_id: Some(unit),
                in_post: true,
                phone: None,
            },
        )
        .await
        .unwrap();
    w.store
        .create_account(
            &actor,
            &jijiao_storage::NewAccount {
                username: "lurenjia".into(),
                display_name: "路人甲".into(),
                password_hash: "x".into(),
                person_id: Some(person),
                confirmed: true,
                must_change_password: false,
            },
            &[jijiao_storage::NewRole {
                role: jijiao_domain::authz::Role::Professional,
                org_id: None,
                province_code: None,
            }],
        )
        .await
        .unwrap();
    w.signed_in("lurenjia").await
}
