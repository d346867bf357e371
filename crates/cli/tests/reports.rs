//! From the event to the learner's record end to end (issue 16) on both backends: the roster import
//! refused by row and column with nothing saved (wrong template, bad check digit, the same person
//! twice, hours above the schedule, a name that is not the registered one), GBK CSV and xlsx read
//! alike, the report refused where its survey counts exceed the learners, submit, return, approve
//! once, the credits in the learner's record at once with their certificates, a reversal, a
//! suspended unit, the tasks, the pages, and the stored score equal to `jijiao check score` on the
//! exported Execution report.

use crate::common::{self, Client, World};
use axum::http::Method;
use chrono::Datelike;
use jijiao_documents::{CellOut, Sheet};
use serde_json::{Value, json};

fn today() -> chrono::NaiveDate {
    jijiao_app::Clock::today(&jijiao_app::SystemClock)
}

fn number(serial: u32, mark: &str) -> String {
    format!("{}-03-01-{serial:03}（{mark}）", today().year())
}

/// The demo's 协和 provincial period held 12 days ago (one day, 6 hours; its report a draft).
fn held() -> String {
    number(910, "京")
}

fn api(number: &str, rest: &str) -> String {
    format!("/api/v1/projects/{}/periods/1/{rest}", jijiao_app::events::url_number(number))
}

const HEADER: &str = "姓名,身份证号,工作单位,所在省份,职称,手机,考勤学时,考核结果,授课学时";

/// A person already in the demo (by username) as a roster row with the given hours.
async fn row_of(w: &World, username: &str, hours: &str, passed: &str, taught: &str) -> String {
    let person = w.store.account_by_username(username).await.unwrap().person_id.unwrap();
    let p = w.store.person(person).await.unwrap();
    format!("{},{},北京协和医院,北京市,主治医师,13800000000,{hours},{passed},{taught}", p.name, p.id_number.as_str())
}

/// A valid ID number of a person not in the demo (people of record), by sequence.
fn stranger(seq: u16) -> String {
    jijiao_domain::id_number::compose("130102", chrono::NaiveDate::from_ymd_opt(1985, 6, 1).unwrap(), seq)
        .as_str()
        .to_string()
}

async fn upload(w: &World, c: &Client, number: &str, query: &str, file_name: &str, bytes: Vec<u8>) -> common::Reply {
    w.multipart(c, Method::PUT, &format!("{}{query}", api(number, "roster")), &[], &[("file", file_name.into(), bytes)])
        .await
}

fn report(q1: [u32; 3]) -> Value {
    json!({ "form": "offline", "courseware": null,
        "teaching": [ { "topic": "专题讲座", "teacher": "王喆" } ],
        "effect_analysis": "效果良好", "problems": "无",
        "survey": { "q1": q1, "q2": [1, 1, 0], "q3": [1, 1, 0], "q4": [2, 0, 0], "q5": [1, 1, 0], "q6": [1, 1, 0],
                    "q7": [1, 1, 1, 0, 1] },
        "textbooks": [ { "name": "讲义", "written": "2026-03", "authors": "北京协和医院", "kind": "text",
                         "characters": 1000, "hours": 6, "summary": "目录" } ] })
}

#[tokio::test]
async fn a_roster_a_report_an_audit_and_the_learners_credits() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = common::world(db).await;
        let xiehe = w.signed_in("xiehe").await;
        let number = held();
        let before = w.get(&xiehe, &api(&number, "roster")).await.json();

        // One bad check digit: refused by row and column, and the demo's roster stays as it was.
        let mut bad_id = stranger(1);
        let last = if bad_id.ends_with('0') { '1' } else { '0' };
        bad_id.replace_range(17.., &last.to_string());
        let rows = [
            row_of(&w, "yisheng", "6", "合格", "").await,
            format!("赵新,{bad_id},河北医科大学第二医院,河北省,医师,,6,合格,"),
            row_of(&w, "fuzeren", "0", "合格", "3").await,
        ];
        let csv = format!("{HEADER}\n{}\n", rows.join("\n"));
        let refused = upload(&w, &xiehe, &number, "", "名单.csv", csv.clone().into_bytes()).await;
        assert_eq!(refused.status, 422, "{backend}: {}", refused.body);
        let errors = refused.json()["errors"].clone();
        assert_eq!(errors[0]["row"], 3, "{errors}");
        assert_eq!(errors[0]["column"], "身份证号", "{errors}");
        assert!(errors[0]["message"].as_str().unwrap().contains("校验"), "{errors}");
        assert_eq!(w.get(&xiehe, &api(&number, "roster")).await.json(), before, "nothing saved");

        // Put right: a dry run saves nothing; the import replaces the roster (a person of record made).
        let fixed = csv.replace(&bad_id, &stranger(1));
        let dry = upload(&w, &xiehe, &number, "?dry_run=true", "名单.csv", fixed.clone().into_bytes()).await;
        assert_eq!(dry.status, 200, "{backend}: {}", dry.body);
        assert_eq!((dry.json()["learners"].clone(), dry.json()["speakers"].clone()), (json!(2), json!(1)));
        assert_eq!(w.get(&xiehe, &api(&number, "roster")).await.json(), before, "a dry run saves nothing");
        let (gbk, _, _) = encoding_rs::GBK.encode(&fixed);
        let done = upload(&w, &xiehe, &number, "", "名单.csv", gbk.into_owned()).await;
        assert_eq!(done.status, 200, "{backend}: {}", done.body);
        assert_eq!(done.json()["people_of_record"], 1, "{}", done.body);
        let roster = w.get(&xiehe, &api(&number, "roster")).await.json();
        let entries = roster["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[1]["name"], "赵新", "a GBK file is read as GBK: {roster}");
        assert!(entries[1]["id_number"].as_str().unwrap().contains("****"), "masked: {roster}");

        // The report: survey counts above the learners are refused by field; a good one is saved.
        let too_many = w.send(&xiehe, Method::PUT, &api(&number, "report"), Some(report([3, 0, 0]).to_string())).await;
        assert_eq!(too_many.status, 422, "{}", too_many.body);
        assert_eq!(too_many.json()["errors"][0]["field"], "survey.q1", "{}", too_many.body);
        let saved = w.send(&xiehe, Method::PUT, &api(&number, "report"), Some(report([2, 0, 0]).to_string())).await;
        assert_eq!(saved.status, 200, "{}", saved.body);
        let submitted = w.send(&xiehe, Method::POST, &api(&number, "report/submit"), None).await;
        assert_eq!(submitted.status, 200, "{}", submitted.body);
        assert_eq!(w.send(&xiehe, Method::POST, &api(&number, "report/submit"), None).await.status, 409);
        assert_eq!(
            w.send(&xiehe, Method::PUT, &api(&number, "report"), Some(report([2, 0, 0]).to_string())).await.status,
            409
        );

        // Who audits: the applicant unit's province only.
        for (who, status) in [("xiehe", 403), ("dongcheng", 403), ("guojia", 403), ("hebei", 404), ("yisheng", 403)] {
            let c = w.signed_in(who).await;
            let got = w.send(&c, Method::POST, &api(&number, "report/approve"), None).await;
            assert_eq!(got.status, status, "{backend} {who}: {}", got.body);
        }
        let beijing = w.signed_in("beijing").await;
        let tasks = w.get(&beijing, "/api/v1/tasks").await.json()["items"].clone();
        assert!(
            tasks
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["kind"] == "audit" && t["title"].as_str().unwrap().contains(&number)),
            "{tasks}"
        );
        let yisheng = w.signed_in("yisheng").await;
        let mine = |c: Client| {
            let w = &w;
            async move { w.get(&c, "/api/v1/me/credits").await.json()["records"].clone() }
        };
        assert!(!mine(yisheng.clone()).await.to_string().contains(&number), "no credits before approval");

        let approved = w.send(&beijing, Method::POST, &api(&number, "report/approve"), None).await;
        assert_eq!(approved.status, 200, "{backend}: {}", approved.body);
        let a = approved.json();
        assert_eq!((a["credits_granted"].clone(), a["certificates"].clone()), (json!(3), json!(3)), "{a}");
        let again = w.send(&beijing, Method::POST, &api(&number, "report/approve"), None).await;
        assert_eq!(again.status, 409, "approving twice: {}", again.body);

        // The learner sees the record at once, with the engine's explanation: 6 hours ÷ 3 = 2.0.
        let records = mine(yisheng.clone()).await;
        let record = records.as_array().unwrap().iter().find(|r| r["title"] == "临床药学规范化培训班").unwrap().clone();
        assert_eq!(record["credits"], "2.0", "{record}");
        assert_eq!(record["status"], "granted");
        assert!(record["explanation"].as_str().unwrap().contains("÷ 3"), "{record}");
        let certificates = w.get(&yisheng, "/api/v1/me/certificates").await.json();
        assert!(certificates.to_string().contains(&number), "{certificates}");
        let view = w.get(&xiehe, &api(&number, "report")).await.json();
        assert_eq!(view["status"], "approved");
        // The unit downloads the period's certificates as one zip.
        let zip = |period: u32| {
            format!("/certificates/project-zip?number={}&period={period}", jijiao_app::events::url_number(&number))
        };
        let got = w.get(&xiehe, &zip(1)).await;
        assert_eq!(got.status, 200, "{backend}");
        assert_eq!(got.body.matches(".pdf").count() / 2, 3, "three certificates, each named twice in the zip");
        assert_eq!(w.get(&xiehe, &zip(2)).await.status, 404, "the project has one period");
        assert_eq!(view["score"], a["score"]);

        // A reversal removes the one record with its reason; its certificate is revoked.
        let id = record["id"].as_i64().unwrap();
        let reversed = w
            .send(
                &beijing,
                Method::POST,
                &format!("/api/v1/credit-records/{id}/reverse"),
                Some(json!({ "reason": "考勤记录有误" }).to_string()),
            )
            .await;
        assert_eq!(reversed.status.as_u16() / 100, 2, "{}", reversed.body);
        let after = mine(yisheng.clone()).await;
        let again = after.as_array().unwrap().iter().find(|r| r["id"] == id).unwrap().clone();
        assert_eq!(again["cancelled"], true, "{again}");
        let certificates = w.get(&yisheng, "/api/v1/me/certificates").await.json();
        assert!(certificates.to_string().contains("revoked"), "{certificates}");

        // Every change is in the audit log.
        let log = w.get(&w.signed_in("guojia").await, "/api/v1/audit?object_type=period_report").await;
        for action in ["roster.replace", "report.save", "report.submit", "report.approve"] {
            assert!(log.body.contains(action), "{backend}: {action} missing from {}", log.body);
        }
    }
}

#[tokio::test]
async fn bad_rosters_are_refused_by_row_and_column_and_save_nothing() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = common::world(db).await;
        let xiehe = w.signed_in("xiehe").await;
        let period = held();
        let before = w.get(&xiehe, &api(&period, "roster")).await.json();
        let yisheng = row_of(&w, "yisheng", "6", "合格", "").await;
        let cases: Vec<(&str, String, &str, &str)> = vec![
            (
                "the wrong template",
                "姓名,身份证号,学分\n张三,110101198001010011,2\n".into(),
                "第1行",
                "表头缺少“工作单位”列",
            ),
            (
                "the same person twice",
                format!("{HEADER}\n{yisheng}\n{yisheng}\n"),
                "第3行“身份证号”",
                "与第2行是同一人",
            ),
            (
                "hours above the schedule",
                format!("{HEADER}\n{}\n", yisheng.replacen(",6,", ",6.5,", 1)),
                "第2行“考勤学时”",
                "超过本期日程安排的 6.0 学时",
            ),
            (
                "a name that is not the registered one",
                format!("{HEADER}\n{}\n", yisheng.replacen(yisheng.split(',').next().unwrap(), "李四", 1)),
                "第2行“姓名”",
                "不一致",
            ),
            (
                "a negative hour",
                format!("{HEADER}\n{}\n", yisheng.replacen(",6,", ",-1,", 1)),
                "第2行“考勤学时”",
                "应为数字",
            ),
            (
                "an unknown province",
                format!("{HEADER}\n{}\n", yisheng.replacen("北京市", "火星", 1)),
                "第2行“所在省份”",
                "不是省份名称",
            ),
        ];
        for (what, csv, path, message) in cases {
            let got = upload(&w, &xiehe, &period, "", "r.csv", csv.into_bytes()).await;
            assert_eq!(got.status, 422, "{backend} {what}: {}", got.body);
            assert!(got.body.contains(path) && got.body.contains(message), "{backend} {what}: {}", got.body);
        }
        // An xlsx with the template's columns reads as the CSV does.
        let t = |s: &str| CellOut::Text(s.into());
        let cells: Vec<CellOut> = yisheng.split(',').map(t).collect();
        let sheet = Sheet {
            name: "学员名单".into(),
            headers: HEADER.split(',').map(str::to_string).collect(),
            rows: vec![cells],
            column_widths: None,
        };
        let xlsx = jijiao_documents::write_xlsx(&[sheet]).unwrap();
        let dry = upload(&w, &xiehe, &period, "?dry_run=true", "r.xlsx", xlsx).await;
        assert_eq!(dry.status, 200, "{backend}: {}", dry.body);
        assert_eq!(w.get(&xiehe, &api(&period, "roster")).await.json(), before, "{backend}: nothing saved");
        // The template downloads, and a period not yet held takes no roster.
        let template = w.get(&xiehe, "/api/v1/roster-template.xlsx").await;
        assert_eq!(template.status, 200);
        let future =
            upload(&w, &xiehe, &number(905, "国"), "", "r.csv", format!("{HEADER}\n{yisheng}\n").into_bytes()).await;
        assert_eq!(future.status, 409, "{backend}: {}", future.body);
    }
}

#[tokio::test]
async fn returns_suspensions_tasks_and_pages() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = common::world(db).await;
        let beijing = w.signed_in("beijing").await;
        let xiehe = w.signed_in("xiehe").await;
        // The demo: 902 returned with its reason, 909 submitted and overdue, 901 approved.
        let returned = w.get(&xiehe, &api(&number(902, "京"), "report")).await.json();
        assert_eq!(returned["status"], "returned", "{backend}: {returned}");
        assert_eq!(returned["return_reason"], jijiao::demo_reports::RETURN_REASON);
        let overdue = w.get(&beijing, "/api/v1/reports").await.json();
        let item = overdue.as_array().unwrap().iter().find(|r| r["number"] == number(909, "国")).unwrap().clone();
        assert_eq!(item["overdue"], true, "{backend}: {item}");
        let national = w.get(&w.signed_in("guojia").await, "/api/v1/tasks").await.json()["items"].clone();
        assert!(
            national.to_string().contains(&number(909, "国")),
            "the national office sees overdue audits: {national}"
        );
        let unit = w.get(&xiehe, "/api/v1/tasks").await.json()["items"].clone();
        let kinds: Vec<&str> = unit.as_array().unwrap().iter().map(|t| t["kind"].as_str().unwrap()).collect();
        assert!(kinds.contains(&"report") && kinds.contains(&"filing"), "{backend}: {unit}");

        // Returning needs a reason; a suspended unit's report is not approved.
        let path = api(&number(909, "国"), "report/return");
        let blank = w.send(&beijing, Method::POST, &path, Some(json!({ "reason": " " }).to_string())).await;
        assert_eq!(blank.status, 422, "{}", blank.body);
        let actor = jijiao_storage::Actor::system("测试");
        w.store.suspend_unit_projects(&actor, "北京大学第三医院", "测试暂停").await.unwrap();
        let refused = w.send(&beijing, Method::POST, &api(&number(909, "国"), "report/approve"), None).await;
        assert_eq!(refused.status, 409, "{backend}: {}", refused.body);
        assert!(refused.body.contains("暂停"), "{}", refused.body);

        // The pages: the unit's report form with the survey grid, the auditor's list and audit.
        let page =
            w.get(&xiehe, &format!("/events/{}/1/report", jijiao_app::events::url_number(&number(910, "京")))).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("id=\"report-form\"") && page.body.contains("name=\"q7_4\""), "{backend}");
        let list = w.get(&beijing, "/reports").await;
        assert!(list.body.contains(&number(909, "国")) && list.body.contains("逾期"), "{backend}");
        let audit =
            w.get(&beijing, &format!("/events/{}/1/report", jijiao_app::events::url_number(&number(909, "国")))).await;
        assert!(audit.body.contains("id=\"audit\"") && audit.body.contains("预览"), "{backend}: {}", audit.body);
        let event = w.get(&xiehe, &format!("/events/{}/1", jijiao_app::events::url_number(&number(901, "国")))).await;
        assert!(event.body.contains("id=\"period-states\"") && event.body.contains("审核通过"), "{backend}");
        let roster =
            w.get(&xiehe, &format!("/events/{}/1/roster", jijiao_app::events::url_number(&number(901, "国")))).await;
        assert!(roster.body.contains("id=\"roster\"") && roster.body.contains("****"), "{backend}");
    }
}

/// Approval stores the score `jijiao check score` gives for the exported Execution report, item for
/// item, for every approved period of the demo, the remote project's upload cycle among them.
#[tokio::test]
async fn the_stored_score_is_what_check_score_gives_for_the_export() {
    let db = jijiao_storage::testing::sqlite().await;
    let w = common::world(db).await;
    let beijing = w.signed_in("beijing").await;
    let approved: Vec<Value> =
        w.get(&beijing, "/api/v1/reports?status=approved").await.json().as_array().unwrap().clone();
    assert!(!approved.is_empty(), "the demo has approved periods");
    assert!(
        approved.iter().any(|r| r["delivery"] == "remote") && approved.iter().any(|r| r["delivery"] == "face_to_face"),
        "an approved remote cycle and face-to-face period: {approved:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    for item in approved {
        let number = item["number"].as_str().unwrap();
        let period = item["period"].as_u64().unwrap() as usize;
        let export = w
            .get(&beijing, &format!("/api/v1/projects/{}/execution.json", jijiao_app::events::url_number(number)))
            .await;
        assert_eq!(export.status, 200, "{}", export.body);
        let file = dir.path().join("execution.json");
        std::fs::write(&file, &export.body).unwrap();
        let (code, out, err) = common::jijiao(dir.path(), &["check", "score", file.to_str().unwrap(), "--json"]);
        assert_eq!(code, 0, "{out} {err}");
        let offline: Value = serde_json::from_str(&out).unwrap();
        if item["delivery"] == "remote" {
            // The cycle goes out with its months and courseware, and is scored on the remote items.
            let exported: Value = serde_json::from_str(&export.body).unwrap();
            let cycle = &exported["periods"][period - 1];
            assert_eq!(cycle["upload_cycle_months"], jijiao::demo_remote::MONTHS, "{cycle}");
            assert!(cycle["courseware"].is_object(), "{cycle}");
            assert!(offline["periods"][period - 1]["items"].get("score.1.1.3").is_some(), "{offline}");
        }
        let stored =
            w.get(&beijing, &api(number, "report").replace("/periods/1/", &format!("/periods/{period}/"))).await.json();
        assert_eq!(offline["periods"][period - 1]["items"], stored["items"]["items"], "{number}");
        assert_eq!(
            format!("{}.0", offline["periods"][period - 1]["total"]),
            stored["score"].as_str().unwrap(),
            "{number}"
        );
    }
}

/// `jijiao import roster` offline of the server: every bad row named on standard error with exit 2
/// and nothing saved; a dry run saves nothing; the import replaces the period's roster.
#[test]
fn the_command_line_imports_a_roster_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = common::jijiao(dir.path(), &["demo"]);
    assert_eq!(code, 0, "{err}");
    let number = held();
    let file = dir.path().join("名单.csv");
    let mut bad = stranger(7);
    let last = if bad.ends_with('0') { '1' } else { '0' };
    bad.replace_range(17.., &last.to_string());
    let rows = |second: &str| {
        format!(
            "{HEADER}\n王一,{},某医院,河北省,医师,,7,合格,\n王二,{second},某医院,河北省,医师,,6,合格,\n",
            stranger(5)
        )
    };
    std::fs::write(&file, rows(&bad)).unwrap();
    let import = |extra: &[&str]| {
        let mut args = vec!["import", "roster", file.to_str().unwrap(), "--project", number.as_str(), "--period", "1"];
        args.extend_from_slice(extra);
        common::jijiao(dir.path(), &args)
    };
    let (code, _, err) = import(&[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("第2行“考勤学时”") && err.contains("第3行“身份证号”"), "every bad row and column: {err}");
    std::fs::write(&file, rows(&stranger(6)).replace(",7,", ",5,")).unwrap();
    let (code, out, err) = import(&["--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("未保存") && out.contains("学员 2 人"), "{out}");
    let (code, out, err) = import(&[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("已导入"), "{out}");
    let (code, _, err) = common::jijiao(
        dir.path(),
        &["import", "roster", file.to_str().unwrap(), "--project", "无此编号", "--period", "1"],
    );
    assert_ne!(code, 0);
    assert!(err.contains("无此编号"), "{err}");
}
