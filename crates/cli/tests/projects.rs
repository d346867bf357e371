//! Published lists end to end: `jijiao import projects` on real files written here (xlsx through
//! rust_xlsxwriter, CSV in GBK), and the public catalogue over HTTP on both backends.

use crate::common::{self, jijiao};

use jijiao_documents::{CellOut, Sheet, write_xlsx};
use jijiao_storage::{DatabaseTarget, Store, Vault};

/// A year for the tests (in range by construction).
fn y(year: u16) -> jijiao_domain::Year {
    jijiao_domain::Year::try_from(year).expect("a year in range")
}

const HEADERS: [&str; 11] = [
    "项目编号",
    "项目名称",
    "申办单位",
    "项目负责人",
    "负责人电话",
    "举办期限",
    "举办地点",
    "学分",
    "教学对象",
    "拟招生人数",
    "备注",
];

fn text_row(cells: [&str; 11]) -> Vec<CellOut> {
    cells.iter().map(|c| CellOut::Text(c.to_string())).collect()
}

/// A province's administrator sets the pattern its projects are numbered by; the national office
/// sees every province's; nobody sets another province's, and a pattern without year or serial is
/// refused naming the field.
#[tokio::test]
async fn publishers_set_their_provinces_number_patterns() {
    use axum::http::Method;
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = common::world(db).await;
        let beijing = w.signed_in("beijing").await;
        let own = w.get(&beijing, "/api/v1/number-patterns").await.json();
        assert_eq!(own.as_array().unwrap().len(), 1, "{backend}: {own}");
        assert_eq!(
            (&own[0]["province"], &own[0]["pattern"], &own[0]["custom"]),
            (&"11".into(), &"YYYY-SS-TT-NNN（{简称}）".into(), &false.into())
        );
        assert!(own[0]["example"].as_str().unwrap().ends_with("-03-07-001（京）"), "{own}");

        let put = async |c: &common::Client, body: &str| {
            w.send(c, Method::PUT, "/api/v1/number-patterns", Some(body.to_string())).await
        };
        let set = put(&beijing, r#"{"province":"11","pattern":"京YYYY-SS-NNN"}"#).await;
        assert_eq!(set.status.as_u16(), 200, "{backend}: {}", set.body);
        assert!(set.json()["example"].as_str().unwrap().starts_with("京20"), "{}", set.body);
        assert_eq!(
            w.store.setting(&jijiao_storage::projects::pattern_key("11")).await.unwrap().as_deref(),
            Some("京YYYY-SS-NNN")
        );
        let bad = put(&beijing, r#"{"province":"11","pattern":"京-SS-NNN"}"#).await;
        assert_eq!(bad.status.as_u16(), 422, "{backend}");
        assert_eq!(bad.json()["field"], "pattern", "{}", bad.body);
        let hebei = w.signed_in("hebei").await;
        assert_eq!(put(&hebei, r#"{"province":"11","pattern":"YYYY-NNN"}"#).await.status.as_u16(), 403);

        let guojia = w.signed_in("guojia").await;
        let all = w.get(&guojia, "/api/v1/number-patterns").await.json();
        assert_eq!(all.as_array().unwrap().len(), 32, "{backend}");
        let page = w.get(&beijing, "/publication").await;
        assert!(page.body.contains("省级项目编号规则") && page.body.contains("京YYYY-SS-NNN"), "{backend}");
        let professional = w.signed_in("yisheng").await;
        assert_eq!(w.get(&professional, "/api/v1/number-patterns").await.status.as_u16(), 403);
    }
}

#[tokio::test]
async fn an_xlsx_list_is_imported_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = Vec::new();
    for i in 1..=50 {
        let number = format!("2024-03-05-{i:03}（国）");
        let name = format!("肿瘤规范化诊疗学习班第{i}期");
        rows.push(text_row([
            &number,
            &name,
            "北京协和医院",
            "张三",
            "13800138000",
            "2024-09-02-2024-09-05\n4天",
            "北京",
            "10分",
            "肿瘤科医师",
            "200/…",
            "",
        ]));
    }
    let good = write_xlsx(&[Sheet {
        name: "名单".into(),
        headers: HEADERS.map(String::from).to_vec(),
        rows: rows.clone(),
        column_widths: None,
    }])
    .unwrap();
    let file = dir.path().join("2024第一批.xlsx");
    std::fs::write(&file, &good).unwrap();
    let data = dir.path().join("data");
    let f = file.to_str().unwrap();

    let (code, out, err) = jijiao(&data, &["import", "projects", f, "--year", "2024", "--batch", "1", "--dry-run"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("50 个项目") && out.contains("未保存"), "{out}");
    let (code, out, err) = jijiao(&data, &["import", "projects", f, "--year", "2024", "--batch", "1"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("已导入 50 个项目"), "{out}");
    // The same numbers again: refused, each named.
    let (code, _, err) = jijiao(&data, &["import", "projects", f, "--year", "2024", "--batch", "2"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("2024-03-05-001（国） 已公布"), "{err}");
    // A wrong year for every row.
    let (code, _, err) = jijiao(&data, &["import", "projects", f, "--year", "2025", "--batch", "1"]);
    assert_eq!(code, 2);
    assert!(err.contains("第2行“项目编号”") && err.contains("第51行"), "{err}");

    // One bad row among good ones: nothing of the file is saved.
    let mut mixed = Vec::new();
    for i in 1..=5 {
        mixed.push(text_row([
            &format!("2024-06-01-{i:03}（国）"),
            "儿童哮喘学习班",
            "北京协和医院",
            "李四",
            "",
            "2024.10.01至2024.10.02",
            "北京",
            "8",
            "儿科医师",
            "100",
            "",
        ]));
    }
    mixed[3][7] = CellOut::Text("八分".into());
    let bad = write_xlsx(&[Sheet {
        name: "名单".into(),
        headers: HEADERS.map(String::from).to_vec(),
        rows: mixed,
        column_widths: None,
    }])
    .unwrap();
    let bad_file = dir.path().join("bad.xlsx");
    std::fs::write(&bad_file, bad).unwrap();
    let (code, _, err) =
        jijiao(&data, &["import", "projects", bad_file.to_str().unwrap(), "--year", "2024", "--batch", "3"]);
    assert_eq!(code, 2);
    assert!(err.contains("1 处错误") && err.contains("第5行“学分”"), "{err}");

    let (vault, _) = Vault::load_or_create(&data, Some(common::FIXED_KEY)).unwrap();
    let store = Store::open(&DatabaseTarget::SqliteFile(data.join(jijiao_storage::SQLITE_FILE)), vault).await.unwrap();
    let found = store
        .projects(&jijiao_storage::projects::ProjectFilter::default(), jijiao_storage::PageRequest::default())
        .await
        .unwrap();
    assert_eq!(found.total, 50, "only the first import was saved");
    let p = store.project_by_number("2024-03-05-007(国)").await.unwrap();
    assert_eq!((p.credits.tenths(), p.planned_enrollment, p.periods.len()), (100, 200, 1));
    store.close().await;
}

#[tokio::test]
async fn a_gbk_csv_reports_every_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    let text = [
        HEADERS.join(","),
        "2024-09-01-001（国）,超声新技术学习班,北京大学第三医院,王五,010-82266699,2024/09/02-2024/09/05,北京,10,超声科医师,150,".into(),
        "2024-09-01-002（国）,,北京大学第三医院,王五,,2024-09-05-2024-09-02,北京,10,超声科医师,150,".into(),
        "2024-09-01-001（国）,重复编号,北京大学第三医院,王五,,2024-09-02-2024-09-03,北京,10分,超声科医师,很多,".into(),
    ]
    .join("\r\n");
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    let file = dir.path().join("名单.csv");
    std::fs::write(&file, gbk.as_ref()).unwrap();
    let (code, _, err) = jijiao(
        &dir.path().join("data"),
        &["import", "projects", file.to_str().unwrap(), "--year", "2024", "--batch", "1"],
    );
    assert_eq!(code, 2, "{err}");
    for expected in ["第3行“项目名称”", "第3行“举办期限”", "第4行“项目编号”", "与第2行重复", "第4行“拟招生人数”"]
    {
        assert!(err.contains(expected), "{expected} in {err}");
    }
    assert!(!err.contains("第2行“"), "row 2 is right: {err}");
}

#[tokio::test]
async fn the_catalogue_is_public_and_never_shows_phones() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = common::world(db).await;
        let anyone = w.anonymous();
        let found = w.get(&anyone, "/api/v1/projects?q=%E8%82%BF%E7%98%A4&per_page=5").await;
        assert_eq!(found.status.as_u16(), 200, "{backend}: {}", found.body);
        let json = found.json();
        let total = json["total"].as_i64().unwrap();
        assert!(total > 0, "{backend}: the demo world has 肿瘤 projects");
        assert_eq!(json["items"].as_array().unwrap().len(), 5);
        let number = json["items"][0]["number"].as_str().unwrap().to_string();
        assert!(
            json["items"][0]["name"].as_str().unwrap().contains("肿瘤")
                || json["items"][0]["unit"].as_str().unwrap().contains("肿瘤")
        );
        assert!(!found.body.contains("139"), "{backend}: no phone in the catalogue");
        let one = w.get(&anyone, &format!("/api/v1/projects/{}", jijiao_web::auth::urlencode(&number))).await;
        assert_eq!(one.status.as_u16(), 200);
        assert_eq!(one.json()["number"], number.as_str());
        let page = w.get(&anyone, &format!("/projects/{}", jijiao_web::auth::urlencode(&number))).await;
        assert_eq!(page.status.as_u16(), 200);
        assert!(page.body.contains(&number));
        let csv = w.get(&anyone, "/api/v1/projects/export?q=%E8%82%BF%E7%98%A4&format=csv").await;
        assert_eq!(csv.status.as_u16(), 200);
        // A record starts with its number (YYYY-SS-TT-NNN); cells may hold line breaks.
        let is_number = |l: &str| {
            let b = l.as_bytes();
            b.len() > 15
                && b[4] == b'-'
                && b[7] == b'-'
                && b[10] == b'-'
                && b[11..14].iter().all(u8::is_ascii_digit)
                && !b[14].is_ascii_digit()
        };
        assert_eq!(csv.body.lines().filter(|l| is_number(l)).count() as i64, total);
        assert!(!csv.body.contains("139"), "no phone in downloads");
        let bad = w.get(&anyone, "/api/v1/projects?from=2024/01/01").await;
        assert_eq!((bad.status.as_u16(), bad.json()["field"].as_str()), (422, Some("from")));
        let html = w.get(&anyone, "/projects?q=%E8%82%BF%E7%98%A4&sort=date").await;
        assert_eq!(html.status.as_u16(), 200);
        assert!(html.body.contains(&format!("共 {total} 个项目")), "{backend}");
        // A third-level subject in the address is shown chosen, after its second level.
        let within = w.get(&anyone, "/projects?subject=03-01").await;
        assert_eq!(within.status.as_u16(), 200);
        let chosen = within.body.find(r#"<option value="03-01" selected>03-01 心血管病学</option>"#);
        let second = within.body.find(r#"<option value="03">03 临床内科学</option>"#);
        assert!(matches!((second, chosen), (Some(s), Some(c)) if s < c), "{backend}: {}", within.body);

        // The national office imports through the API and suspends a unit in one action.
        let national = w.signed_in("guojia").await;
        let list = format!(
            "{}\n2030-03-01-001（国）,胸痛中心建设研讨班,测试暂停医院,赵六,,2030-05-01-2030-05-02,北京,5,医师,100,\n",
            HEADERS.join(",")
        );
        let dry = w
            .send(
                &national,
                axum::http::Method::POST,
                "/api/v1/projects/import?year=2030&batch=1&dry_run=true&file_name=list.csv",
                Some(list.clone()),
            )
            .await;
        assert_eq!((dry.status.as_u16(), dry.json()["projects"].as_i64()), (200, Some(1)), "{}", dry.body);
        assert_eq!(w.get(&anyone, "/api/v1/projects?year=2030").await.json()["total"], 0);
        let done = w
            .send(
                &national,
                axum::http::Method::POST,
                "/api/v1/projects/import?year=2030&batch=1&file_name=list.csv",
                Some(list),
            )
            .await;
        assert_eq!(done.status.as_u16(), 200, "{}", done.body);
        let suspended =
            w.post(&national, "/api/v1/suspensions", r#"{"unit":"测试暂停医院","reason":"年度校验不合格"}"#).await;
        assert_eq!(suspended.json()["projects"], 1);
        let shown = w.get(&anyone, "/api/v1/projects/2030-03-01-001%EF%BC%88%E5%9B%BD%EF%BC%89").await;
        assert_eq!(shown.json()["suspended"], "年度校验不合格");
    }
}

/// Issue 20: real notices' date ranges and half-width suffixes are read and stored on both backends;
/// a provincial suffix in a national list and a `N天` line that disagrees with the dates are row errors.
#[tokio::test]
async fn published_lists_are_read_as_notices_write_them() {
    use jijiao_app::projects::{ListImport, check_list, store_list};
    let row = |number: &str, term: &str| {
        format!("{number},心血管病学新进展学习班,北京协和医院,张三,,\"{term}\",北京,10,心内科医师,100,")
    };
    let good = [
        HEADERS.join(","),
        row("2021-03-01-001 (国)", "2021年11月3-6日"),
        row("2021-03-01-002(国)", "2021年11月3日-6日"),
        row("2021-03-01-003（国）", "2021年11月30日-12月2日\n3天"),
        row("2021-03-01-004", "2021年12月30日-2022年1月2日"),
        row("2021-03-01-005（国）", "2021年11月3日至6日\n4天"),
    ]
    .join("\r\n");
    let bad = [
        HEADERS.join(","),
        row("2021-03-01-006 (省)", "2021年11月3-6日"),
        row("2021-03-01-007（京）", "2021年11月3-6日"),
        row("2021-03-01-008（国）", "2021年11月3-6日\n5天"),
    ]
    .join("\r\n");
    let gbk = |text: &str| encoding_rs::GBK.encode(text).0.into_owned();
    for db in jijiao_storage::testing::databases().await {
        let app = jijiao_app::App::new(db.open().await);
        let all = match check_list(&app, gbk(&bad), "名单.csv", y(2021), |_, _| {}).await {
            Err(jijiao_app::AppError::InvalidDocument(problems)) => {
                problems.iter().map(|p| p.message.clone()).collect::<Vec<_>>().join("\n")
            }
            other => panic!("{}: {other:?}", db.name),
        };
        for expected in ["第2行“项目编号”", "后缀为（省）", "第3行“项目编号”", "后缀为（京）", "第4行“举办期限”"]
        {
            assert!(all.contains(expected), "{}: {expected} in {all}", db.name);
        }
        let projects = check_list(&app, gbk(&good), "名单.csv", y(2021), |_, _| {}).await.unwrap();
        let import =
            ListImport { year: y(2021), batch: 1, notice: "全继委办发〔2021〕1号".into(), dry_run: false };
        let stored = store_list(&app, &jijiao_storage::Actor::system("测试"), &import, &projects).await.unwrap();
        assert_eq!(stored, 5, "{}", db.name);
        let spans = [
            ("2021-03-01-001（国）", "2021-11-03", "2021-11-06"),
            ("2021-03-01-003（国）", "2021-11-30", "2021-12-02"),
            ("2021-03-01-004（国）", "2021-12-30", "2022-01-02"),
            ("2021-03-01-005（国）", "2021-11-03", "2021-11-06"),
        ];
        for (number, start, end) in spans {
            let p = app.store.project_by_number(number).await.unwrap();
            let period = &p.periods[0];
            assert_eq!((period.start.to_string(), period.end.to_string()), (start.into(), end.into()), "{number}");
        }
    }
}
