//! Browser tests in real Chromium (Debian's `chromium` driven through `chromedriver`): the pages as
//! a person sees them. Skipped with a message off CI when Chromium is missing; required in CI.

use fantoccini::{Client, ClientBuilder, Locator};
use jijiao_storage::testing::TestDatabase;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub(crate) struct Browser {
    pub(crate) client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub(crate) async fn close(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Starts chromedriver on a free port and opens a headless Chromium session.
pub(crate) async fn browser() -> Option<Browser> {
    let (Ok(driver), Ok(chromium)) = (std::env::var("JIJIAO_TEST_CHROMEDRIVER"), std::env::var("JIJIAO_TEST_CHROMIUM"))
    else {
        assert!(!in_ci(), "CI=true 时必须运行浏览器测试：请安装 chromium 与 chromium-driver");
        eprintln!("跳过浏览器测试：未设置 JIJIAO_TEST_CHROMEDRIVER / JIJIAO_TEST_CHROMIUM");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let driver = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let profile = tempfile::tempdir().unwrap();
    // Flags from notes/deps.md: no sandbox as root, and no background networking (the machine
    // has no internet, and Chromium would otherwise keep trying).
    let capabilities = serde_json::json!({
        // The console is kept for the tests that read it (no console error on any page).
        "goog:loggingPrefs": { "browser": "ALL" },
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-quic", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }
    });
    let capabilities = capabilities.as_object().unwrap().clone();
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector).capabilities(capabilities.clone()).connect(&url).await {
            Ok(client) => {
                return Some(Browser { client, driver, _profile: profile });
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("chromedriver did not answer on {url}");
}

/// The real server on a free port, with the demo world loaded.
pub(crate) async fn server() -> (SocketAddr, TestDatabase) {
    let db = jijiao_storage::testing::sqlite().await;
    let store = db.open().await;
    jijiao::demo::load(&store).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(jijiao_web::serve(listener, jijiao_web::AppState::new(store)));
    (address, db)
}

/// Clicks an element that loads another page and waits until that page has replaced the current
/// one. Waiting for an element instead would race: the old page may hold the same element (the
/// edit page also has a submit button and a flash message), found just before it goes stale.
pub(crate) async fn click_to_new_page(c: &Client, element: fantoccini::elements::Element) {
    c.execute("window.jijiaoOldPage = true;", vec![]).await.unwrap();
    element.click().await.unwrap();
    for _ in 0..100 {
        let probe = "return document.readyState === 'complete' && window.jijiaoOldPage === undefined;";
        // While the new page loads, scripts may fail to run: only a clear yes ends the wait.
        if c.execute(probe, vec![]).await.is_ok_and(|loaded| loaded == serde_json::json!(true)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the click did not load a new page within 10 s");
}

#[tokio::test]
async fn home_page_renders_chinese_and_navigation_works() {
    let Some(browser) = browser().await else {
        return;
    };
    let (address, _db) = server().await;
    let c = &browser.client;
    c.goto(&format!("http://{address}/")).await.unwrap();
    assert_eq!(c.title().await.unwrap(), "首页 · 继教");
    let heading = c.find(Locator::Css("h1")).await.unwrap().text().await.unwrap();
    assert_eq!(heading, "继续医学教育，一站办理");
    let stats = c.find(Locator::Css(".stats")).await.unwrap().text().await.unwrap();
    // 200 demo professionals and the 2 people of record met on a demo roster (demo_reports).
    assert!(stats.contains("202"), "the demo's professionals are counted: {stats}");

    c.find(Locator::LinkText("继教委员会")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("tbody tr")).await.unwrap();
    assert_eq!(c.current_url().await.unwrap().path(), "/committees");
    let rows = c.find_all(Locator::Css("tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 32);
    assert!(rows[0].text().await.unwrap().contains("北京市继续医学教育委员会"));

    c.find(Locator::LinkText("学科目录")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css(".subject")).await.unwrap();
    let body = c.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(body.contains("03-07 感染病学"), "{body}");

    // On a phone-sized window the navigation is still there and reachable.
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&format!("http://{address}/")).await.unwrap();
    assert!(c.find(Locator::LinkText("学科目录")).await.unwrap().is_displayed().await.unwrap());
    browser.close().await;
}

/// The menu each demo role must see after logging in, and nothing else: its entries in the order
/// of their areas, grouped by task (issue 18), the API's documentation for administrators only.
fn expected_menu(username: &str) -> Vec<&'static str> {
    const GROUPS: [&[&str]; 5] = [
        &["首页", "继教委员会", "学科目录", "项目目录"],
        &["我的主页", "我的学分", "自学申请", "我的证书"],
        &["项目申报", "项目审核", "申报时间", "项目公布", "举办活动", "执行情况审核"],
        &["登记学分", "自学审核", "学分审核", "原学分导入", "学分达标", "证书管理", "签名密钥"],
        &["账号管理", "待确认人员", "接口令牌", "审计日志", "参考数据", "接口文档"],
    ];
    let group = |entry: &&str| GROUPS.iter().position(|g| g.contains(entry)).expect("every entry has a group");
    let mut menu = entries_by_area(username);
    let admin = menu.contains(&"账号管理");
    menu.retain(|entry| *entry != "接口文档" || admin);
    menu.sort_by_key(group);
    menu
}

/// The menu's entries in the order of their areas.
fn entries_by_area(username: &str) -> Vec<&'static str> {
    let public = ["首页", "继教委员会", "学科目录", "项目目录", "我的主页"];
    let admin = ["账号管理", "待确认人员", "接口令牌", "审计日志"];
    // The learning record's entries (credits area), then the applications area's, before the API docs.
    let credits: &[&str] = match username {
        "guojia" | "beijing" | "hebei" => &["学分审核", "原学分导入", "学分达标"],
        "dongcheng" => &["学分达标"],
        "xiehe" => &["登记学分", "自学审核", "学分达标"],
        "fuzeren" | "yisheng" => &["我的学分", "自学申请"],
        _ => &[],
    };
    // Applications: reviewers review, applicants apply; both see the windows.
    let applications: &[&str] = match username {
        "guojia" | "beijing" | "hebei" | "dongcheng" => &["项目审核", "申报时间"],
        "xiehe" | "fuzeren" => &["项目申报", "申报时间"],
        _ => &[],
    };
    // Certificates (issue 17), between the learning record and the applications.
    let certificates: &[&str] = match username {
        "guojia" | "beijing" | "hebei" => &["证书管理", "签名密钥"],
        "dongcheng" | "xiehe" => &["证书管理"],
        "fuzeren" | "yisheng" => &["我的证书"],
        _ => &[],
    };
    let areas = credits.iter().chain(certificates.iter()).chain(applications.iter()).copied();
    // Events (issue 15): everyone but professionals, after publication.
    // Execution reports (issue 16): the offices that audit them, and the national office that watches.
    let events: &[&str] = match username {
        "yisheng" | "daiqueren" => &[],
        "guojia" | "beijing" | "hebei" => &["举办活动", "执行情况审核"],
        _ => &["举办活动"],
    };
    match username {
        "guojia" => public
            .iter()
            .chain(admin.iter())
            .copied()
            .chain(["参考数据"])
            .chain(areas)
            .chain(["项目公布"])
            .chain(events.iter().copied())
            .chain(["接口文档"])
            .collect(),
        "beijing" | "hebei" => public
            .iter()
            .chain(admin.iter())
            .copied()
            .chain(areas)
            .chain(["项目公布"])
            .chain(events.iter().copied())
            .chain(["接口文档"])
            .collect(),
        "dongcheng" | "xiehe" => public
            .iter()
            .chain(admin.iter())
            .copied()
            .chain(areas)
            .chain(events.iter().copied())
            .chain(["接口文档"])
            .collect(),
        "daiqueren" => public.to_vec(),
        _ => public.iter().copied().chain(areas).chain(events.iter().copied()).chain(["接口文档"]).collect(),
    }
}

#[tokio::test]
async fn each_demo_role_logs_in_and_sees_its_own_menu() {
    let Some(browser) = browser().await else { return };
    let (address, db) = server().await;
    let store = db.open().await;
    let c = &browser.client;
    for (username, display_name, _) in jijiao::demo::DEMO_ACCOUNTS {
        // A person's account is shown by the person's name (issue 18), other accounts by theirs.
        let account = store.account_by_username(username).await.unwrap();
        let display_name = match account.person_id {
            Some(person) => store.person(person).await.unwrap().name,
            None => display_name.to_string(),
        };
        c.goto(&format!("http://{address}/login")).await.unwrap();
        c.find(Locator::Id("username")).await.unwrap().send_keys(username).await.unwrap();
        c.find(Locator::Id("password")).await.unwrap().send_keys(jijiao::demo::DEMO_PASSWORD).await.unwrap();
        c.find(Locator::Css("main button[type=submit]")).await.unwrap().click().await.unwrap();
        // Clicks return before the next page has loaded: wait for what that page shows.
        c.wait().for_element(Locator::Css(".who .user-name")).await.unwrap();
        assert_eq!(c.current_url().await.unwrap().path(), "/me", "{username} lands on the own page");
        let heading = c.find(Locator::Css("main h1")).await.unwrap().text().await.unwrap();
        assert_eq!(heading, display_name);
        let mut menu = Vec::new();
        for link in c.find_all(Locator::Css("nav .nav a")).await.unwrap() {
            menu.push(link.text().await.unwrap());
        }
        assert_eq!(menu, expected_menu(username), "{username}'s menu");
        // An administration page is reachable from an administrator's menu only.
        if menu.iter().any(|m| m == "账号管理") {
            c.find(Locator::LinkText("账号管理")).await.unwrap().click().await.unwrap();
            c.wait().for_element(Locator::Css("form.filters")).await.unwrap();
            let title = c.find(Locator::Css("main h1")).await.unwrap().text().await.unwrap();
            assert_eq!(title, "账号管理", "{username}");
        }
        c.find(Locator::Css(".who button")).await.unwrap().click().await.unwrap();
        c.wait().for_element(Locator::LinkText("登录")).await.unwrap_or_else(|e| panic!("{username} logged out: {e}"));
    }
    browser.close().await;
}

/// The professional's learning record in a real browser: the progress bar, the records with their
/// explanations, and the unit administrator's queue of self-study plans reached from the menu.
#[tokio::test]
async fn the_learning_record_shows_progress_and_the_unit_reviews_self_study() {
    let Some(browser) = browser().await else { return };
    let (address, _db) = server().await;
    let c = &browser.client;
    let login = async |username: &str| {
        c.goto(&format!("http://{address}/login")).await.unwrap();
        c.find(Locator::Id("username")).await.unwrap().send_keys(username).await.unwrap();
        c.find(Locator::Id("password")).await.unwrap().send_keys(jijiao::demo::DEMO_PASSWORD).await.unwrap();
        c.find(Locator::Css("main button[type=submit]")).await.unwrap().click().await.unwrap();
        c.wait().for_element(Locator::Css(".who .user-name")).await.unwrap();
    };
    login("yisheng").await;
    c.find(Locator::LinkText("我的学分")).await.unwrap().click().await.unwrap();
    let progress = c.wait().for_element(Locator::Css("main progress")).await.unwrap();
    let percent: i64 = progress.attr("value").await.unwrap().unwrap().parse().unwrap();
    assert!((1..100).contains(&percent), "this year is in progress: {percent}%");
    let table = c.find(Locator::Css("#records-title + .table-wrap table")).await.unwrap().text().await.unwrap();
    assert!(table.contains("心内科病例讨论") && table.contains("未附签到表"), "{table}");
    c.find(Locator::Css(".who button")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::LinkText("登录")).await.unwrap();

    login("xiehe").await;
    c.find(Locator::LinkText("自学审核")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("#plans-title")).await.unwrap();
    let plans = c.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(plans.contains("临床研究方法学"), "the leader's plan waits: {plans}");
    browser.close().await;
}

/// A unit administrator copies last year's application, turns it into a provincial one, goes
/// through the five steps, sees the live review clear a finding beside its field, and finds the
/// submission blocked by the unit's 不合格 inspection of this year (the demo's events).
#[tokio::test]
async fn a_unit_fills_and_submits_an_application() {
    let Some(browser) = browser().await else { return };
    let (address, _db) = server().await;
    let c = &browser.client;
    c.goto(&format!("http://{address}/login")).await.unwrap();
    c.find(Locator::Id("username")).await.unwrap().send_keys("xiehe").await.unwrap();
    c.find(Locator::Id("password")).await.unwrap().send_keys(jijiao::demo::DEMO_PASSWORD).await.unwrap();
    c.find(Locator::Css("main button[type=submit]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css(".who .user-name")).await.unwrap();

    c.find(Locator::LinkText("项目申报")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::LinkText("新建申报书")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("form[action$='/copy'] button")).await.unwrap().click().await.unwrap();
    // Step 1: basic information, as a provincial application this time.
    let level = c.wait().for_element(Locator::Css("#application-form select[name='level']")).await.unwrap();
    assert!(c.current_url().await.unwrap().query().unwrap_or_default().contains("step=basic"));
    level.select_by_value("provincial").await.unwrap();
    c.find(Locator::Css("select[name='category']")).await.unwrap().select_by_value("improvement").await.unwrap();
    for expected in ["leader", "courses", "periods", "final"] {
        click_to_new_page(c, c.find(Locator::Css("button[value='next']")).await.unwrap()).await;
        let query = c.current_url().await.unwrap().query().unwrap_or_default().to_string();
        assert!(query.contains(&format!("step={expected}")), "saved and moved to step {expected}: {query}");
        c.find(Locator::Css(".flash")).await.unwrap();
    }
    // The copy must be signed again: the finding sits beside the field, and goes as it is changed.
    let beside = Locator::Css("ul[data-findings-for='commitment_signed'] li");
    assert!(c.find(beside).await.unwrap().text().await.unwrap().contains("承诺书"));
    c.find(Locator::Css("select[name='commitment_signed']")).await.unwrap().select_by_value("true").await.unwrap();
    let mut cleared = false;
    for _ in 0..50 {
        if c.find_all(beside).await.unwrap().is_empty() {
            cleared = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let summary = c.find(Locator::Id("review-summary")).await.unwrap().text().await.unwrap();
    assert!(cleared, "the live review clears the finding beside the field: {summary}");
    click_to_new_page(c, c.find(Locator::Css("button[value='detail']")).await.unwrap()).await;
    assert!(!c.current_url().await.unwrap().path().ends_with("/edit"), "the detail page, not the form");
    // The demo's events (issue 15) found one of 协和's periods of this year 不合格 on inspection: the
    // unit's history (rules.md §7.7) blocks its applications of the next two years, so the review
    // names that rule and the application stays a draft.
    let findings = c.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(findings.contains("督查结果为“不合格”") && findings.contains("不能提交"), "{findings}");
    assert!(findings.contains("状态：草稿"), "{findings}");
    browser.close().await;
}

#[tokio::test]
async fn anyone_searches_the_catalogue_and_opens_a_project() {
    let Some(browser) = browser().await else { return };
    let (address, _db) = server().await;
    let c = &browser.client;
    c.goto(&format!("http://{address}/")).await.unwrap();
    c.find(Locator::LinkText("项目目录")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Id("catalogue-search")).await.unwrap();
    c.find(Locator::Id("q")).await.unwrap().send_keys("肿瘤").await.unwrap();
    c.find(Locator::Css("#catalogue-search button[type=submit]")).await.unwrap().click().await.unwrap();
    // The click returns before the results page has loaded: wait for its address.
    for _ in 0..100 {
        if c.current_url().await.unwrap().query().is_some_and(|q| q.contains("q=")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    c.wait().for_element(Locator::Id("result-count")).await.unwrap();
    let count = c.find(Locator::Id("result-count")).await.unwrap().text().await.unwrap();
    assert!(count.starts_with("共 ") && !count.starts_with("共 0 "), "{count}");
    let rows = c.find_all(Locator::Css("#projects tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 20, "a full first page");
    for row in &rows {
        let text = row.text().await.unwrap();
        assert!(text.contains("肿瘤"), "{text}");
        assert!(!text.contains("139"), "no phone: {text}");
    }
    let first = c.find(Locator::Css("#projects tbody tr td a")).await.unwrap();
    let number = first.text().await.unwrap();
    first.click().await.unwrap();
    c.wait().for_element(Locator::Id("project-number")).await.unwrap();
    assert_eq!(c.find(Locator::Id("project-number")).await.unwrap().text().await.unwrap(), number);
    assert!(number.ends_with("（国）") || number.ends_with("（京）"), "{number}");
    browser.close().await;
}

/// Issue 15 in a real browser: 北京协和医院 files a period held today; the 北京 inspector, on a
/// 390-px-wide window, records the inspection with a photo taken through the file input; the unit
/// sees it on the event's page, photo included.
#[tokio::test]
async fn a_unit_files_an_inspector_inspects_on_a_phone_and_the_unit_sees_it() {
    use chrono::Datelike;
    let Some(browser) = browser().await else { return };
    let db = jijiao_storage::testing::sqlite().await;
    let store = db.open().await;
    jijiao::demo::load(&store).await.unwrap();
    let today = jijiao_app::Clock::today(&jijiao_app::SystemClock);
    let number = format!("{}-03-02-001（国）", today.year());
    let unit = store.organisation_by_name("北京协和医院").await.unwrap();
    let batch = jijiao_storage::projects::NewBatch {
        level: jijiao_domain::org::Level::National,
        province_code: None,
        year: jijiao_domain::Year::of(today),
        batch: 77,
        notice: String::new(),
        notice_date: None,
    };
    let project = jijiao_storage::projects::NewProject {
        number: Some(number.clone()),
        application_id: None,
        name: "浏览器测试学习班".into(),
        unit_name: "北京协和医院".into(),
        unit_id: Some(unit.id.0),
        province_code: Some("11".into()),
        leader_name: "王喆".into(),
        leader_phone: None,
        subject_tertiary: "03-02".into(),
        kind: jijiao_domain::publication::ProjectKind::Recommended,
        delivery: jijiao_domain::org::Delivery::FaceToFace,
        credits: jijiao_domain::Credits::from_tenths(20),
        hours: Some(jijiao_domain::Hours::whole(6)),
        periods: vec![jijiao_storage::projects::ProjectPeriod { start: today, end: today, place: "北京".into() }],
        audience: String::new(),
        planned_enrollment: 80,
        enrollment_note: String::new(),
        remarks: String::new(),
    };
    store.import_projects(&jijiao_storage::Actor::system("测试"), &batch, &[project]).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(jijiao_web::serve(listener, jijiao_web::AppState::new(store)));
    let event = format!("http://{address}/events/{}/1", jijiao_app::events::url_number(&number));
    let c = &browser.client;
    let login = async |username: &str| {
        c.goto(&format!("http://{address}/login")).await.unwrap();
        c.find(Locator::Id("username")).await.unwrap().send_keys(username).await.unwrap();
        c.find(Locator::Id("password")).await.unwrap().send_keys(jijiao::demo::DEMO_PASSWORD).await.unwrap();
        c.find(Locator::Css("main button[type=submit]")).await.unwrap().click().await.unwrap();
        c.wait().for_element(Locator::Css(".who .user-name")).await.unwrap();
    };
    let logout = async || {
        c.find(Locator::Css(".who button")).await.unwrap().click().await.unwrap();
        c.wait().for_element(Locator::LinkText("登录")).await.unwrap();
    };

    // The unit files: the form opens with the published dates; the rest is typed in.
    login("xiehe").await;
    c.goto(&format!("{event}/filing")).await.unwrap();
    c.wait().for_element(Locator::Id("filing-form")).await.unwrap();
    for (name, value) in [
        ("city", "北京市"),
        ("address", "东城区帅府园1号"),
        ("contact_name", "刘老师"),
        ("contact_phone", "13912345678"),
    ] {
        c.find(Locator::Css(&format!("#filing-form input[name='{name}']")))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    for (name, value) in [
        ("s_from", "09:00"),
        ("s_to", "16:00"),
        ("s_topic", "心力衰竭诊疗"),
        ("s_teacher", "王喆"),
        ("s_unit", "北京协和医院"),
        ("s_title", "主任医师"),
        ("s_hours", "6"),
    ] {
        let first = c.find_all(Locator::Css(&format!("input[name='{name}']"))).await.unwrap().remove(0);
        first.send_keys(value).await.unwrap();
    }
    // A date input takes its value in the browser's locale when typed: set it as the form holds it.
    c.execute(
        "document.querySelector(\"input[name='s_date']\").value = arguments[0];",
        vec![serde_json::json!(today.to_string())],
    )
    .await
    .unwrap();
    click_to_new_page(c, c.find(Locator::Css("#filing-form button[type=submit]")).await.unwrap()).await;
    let flash = c.find(Locator::Css(".flash")).await.unwrap().text().await.unwrap();
    assert!(flash.starts_with("报备已保存"), "{flash}");
    let current = c.find(Locator::Id("current-filing")).await.unwrap().text().await.unwrap();
    assert!(current.contains("东城区帅府园1号") && current.contains("139****5678"), "{current}");
    logout().await;

    // The inspector, on a phone-sized window, fills the checklist and adds a photo.
    c.set_window_size(390, 844).await.unwrap();
    login("duchayuan").await;
    c.goto(&format!("{event}/inspect")).await.unwrap();
    c.wait().for_element(Locator::Id("inspect-form")).await.unwrap();
    for (key, _) in jijiao_domain::events::inspection::ITEMS {
        c.find(Locator::Css(&format!("input[name='{key}'][value='yes']"))).await.unwrap().click().await.unwrap();
    }
    c.find(Locator::Css("input[name='note_sign_in']")).await.unwrap().send_keys("签到表齐全").await.unwrap();
    let photo = tempfile::Builder::new().suffix(".jpg").tempfile().unwrap();
    std::fs::write(photo.path(), jijiao_domain::events::files::samples::jpeg_with_exif()).unwrap();
    let camera = c.find(Locator::Css("input[type='file'][capture]")).await.unwrap();
    camera.send_keys(&photo.path().display().to_string()).await.unwrap();
    c.find(Locator::Css("input[name='result'][value='pass']")).await.unwrap().click().await.unwrap();
    let overflow: serde_json::Value =
        c.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
    assert!(overflow.as_i64().unwrap() <= 0, "the form fits a 390-px screen: {overflow}");
    click_to_new_page(c, c.find(Locator::Css("#inspect-form button[type=submit]")).await.unwrap()).await;
    assert!(c.current_url().await.unwrap().path().starts_with("/inspections/"));
    let result = c.find(Locator::Id("result")).await.unwrap().text().await.unwrap();
    assert!(result.contains("合格"), "{result}");
    assert_eq!(c.find_all(Locator::Css("#photos img")).await.unwrap().len(), 1);
    logout().await;

    // The unit sees the inspection and its photo.
    c.set_window_size(1280, 900).await.unwrap();
    login("xiehe").await;
    c.goto(&event).await.unwrap();
    let inspections = c.wait().for_element(Locator::Id("inspections")).await.unwrap().text().await.unwrap();
    assert!(
        inspections.contains("督查") && inspections.contains("合格") && inspections.contains("北京市督查员"),
        "{inspections}"
    );
    let loaded: serde_json::Value = c
        .execute("const i = document.querySelector('#inspections img'); return i !== null && i.complete && i.naturalWidth > 0;", vec![])
        .await
        .unwrap();
    assert_eq!(loaded, serde_json::json!(true), "the photo is served to the unit");
    browser.close().await;
}

/// Issue 16 in Chromium: a unit imports a roster with one bad ID number (refused, the row named),
/// fixes it, fills the survey grid and submits the report; the province approves; the learner signs
/// in on a phone and finds the credits in 我的学分.
#[tokio::test]
async fn a_roster_and_report_go_from_the_unit_through_the_province_to_the_learner() {
    use chrono::Datelike;
    let Some(browser) = browser().await else { return };
    let (address, db) = server().await;
    let store = db.open().await;
    let today = jijiao_app::Clock::today(&jijiao_app::SystemClock);
    // The demo's 协和 period held 12 days ago, its report a draft (demo_reports).
    let number = format!("{}-03-01-910（京）", today.year());
    let event = format!("http://{address}/events/{}/1", jijiao_app::events::url_number(&number));
    let yisheng = store.person(store.account_by_username("yisheng").await.unwrap().person_id.unwrap()).await.unwrap();
    let stranger =
        jijiao_domain::id_number::compose("130102", chrono::NaiveDate::from_ymd_opt(1986, 2, 2).unwrap(), 31);
    let mut wrong = stranger.as_str().to_string();
    let last = if wrong.ends_with('0') { "1" } else { "0" };
    wrong.replace_range(17.., last);
    let csv = |second: &str| {
        format!(
            "姓名,身份证号,工作单位,所在省份,职称,手机,考勤学时,考核结果,授课学时\n{},{},北京协和医院,北京市,主治医师,,6,合格,\n钱多多,{second},河北医科大学第二医院,河北省,医师,,6,合格,\n",
            yisheng.name,
            yisheng.id_number.as_str()
        )
    };
    let file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    let c = &browser.client;
    let login = async |username: &str| {
        c.goto(&format!("http://{address}/login")).await.unwrap();
        c.find(Locator::Id("username")).await.unwrap().send_keys(username).await.unwrap();
        c.find(Locator::Id("password")).await.unwrap().send_keys(jijiao::demo::DEMO_PASSWORD).await.unwrap();
        c.find(Locator::Css("main button[type=submit]")).await.unwrap().click().await.unwrap();
        c.wait().for_element(Locator::Css(".who .user-name")).await.unwrap();
    };
    let logout = async || {
        c.find(Locator::Css(".who button")).await.unwrap().click().await.unwrap();
        c.wait().for_element(Locator::LinkText("登录")).await.unwrap();
    };
    // Confirmation dialogs are answered yes (a person would click 确定).
    let confirm_yes = async || c.execute("window.confirm = () => true;", vec![]).await.unwrap();

    login("xiehe").await;
    let upload = async |content: String| {
        std::fs::write(file.path(), content).unwrap();
        c.goto(&format!("{event}/roster")).await.unwrap();
        let input = c.wait().for_element(Locator::Css("#roster-form input[type='file']")).await.unwrap();
        input.send_keys(&file.path().display().to_string()).await.unwrap();
        click_to_new_page(c, c.find(Locator::Css("#roster-form button[type=submit]")).await.unwrap()).await;
    };
    upload(csv(&wrong)).await;
    let errors = c.find(Locator::Id("errors")).await.unwrap().text().await.unwrap();
    assert!(errors.contains("第3行“身份证号”") && errors.contains("未保存"), "{errors}");
    upload(csv(stranger.as_str())).await;
    let flash = c.find(Locator::Css(".flash")).await.unwrap().text().await.unwrap();
    assert!(flash.contains("学员名单已导入"), "{flash}");
    let roster = c.find(Locator::Id("roster")).await.unwrap().text().await.unwrap();
    assert!(roster.contains("钱多多") && roster.contains("****"), "{roster}");

    // The report: the draft opens with what the filing holds; the survey grid shows each share.
    c.goto(&format!("{event}/report")).await.unwrap();
    c.wait().for_element(Locator::Id("report-form")).await.unwrap();
    for q in 1..=7 {
        for o in 0..if q == 7 { 5 } else { 3 } {
            let value = match (q, o) {
                (7, 0 | 1) => "2",
                (7, _) => "0",
                (_, 0) => "2",
                _ => "0",
            };
            let input = c.find(Locator::Css(&format!("input[name='q{q}_{o}']"))).await.unwrap();
            input.clear().await.unwrap();
            input.send_keys(value).await.unwrap();
        }
    }
    let share = c.find(Locator::Css("#survey-q1 output")).await.unwrap().text().await.unwrap();
    assert_eq!(share, "100.0%", "the share of all learners beside the count");
    confirm_yes().await;
    let submit = c.find(Locator::Css("#report-form button[value='submit']")).await.unwrap();
    click_to_new_page(c, submit).await;
    let flash = c.find(Locator::Css(".flash")).await.unwrap().text().await.unwrap();
    assert!(flash.contains("已提交"), "{flash}");
    logout().await;

    // The province audits: the score its records give, then approval.
    login("beijing").await;
    c.goto(&format!("{event}/report")).await.unwrap();
    let audit = c.wait().for_element(Locator::Id("audit")).await.unwrap();
    assert!(audit.text().await.unwrap().contains("审核通过"));
    confirm_yes().await;
    click_to_new_page(c, c.find(Locator::Css("#audit button[type=submit]")).await.unwrap()).await;
    let state = c.find(Locator::Id("report-state")).await.unwrap().text().await.unwrap();
    assert!(state.contains("审核通过") && state.contains("2 条"), "{state}");
    logout().await;

    // The learner, on a phone, sees the credits at once.
    c.set_window_size(390, 844).await.unwrap();
    login("yisheng").await;
    c.goto(&format!("http://{address}/me/credits")).await.unwrap();
    let main = c.wait().for_element(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(main.contains("临床药学规范化培训班"), "{main}");
    browser.close().await;
}

/// The learners' phone survey (issue 16): `yisheng`, on a phone, finds the survey of a period she
/// learned in under 我的学分, answers the seven questions with her thumb (the page no wider than the
/// phone) and reads her answers back; the unit then fills its report's survey grid with the counts.
#[tokio::test]
async fn a_learner_answers_the_survey_on_a_phone_and_the_unit_fills_its_report_with_it() {
    use chrono::Datelike;
    let Some(browser) = browser().await else { return };
    let (address, _db) = server().await;
    let today = jijiao_app::Clock::today(&jijiao_app::SystemClock);
    // The demo's 协和 period held 12 days ago: 15 learners answered, `yisheng` not yet (demo_reports).
    let number = format!("{}-03-01-910（京）", today.year());
    let url_number = jijiao_app::events::url_number(&number);
    let c = &browser.client;
    let login = async |username: &str| {
        c.goto(&format!("http://{address}/login")).await.unwrap();
        c.find(Locator::Id("username")).await.unwrap().send_keys(username).await.unwrap();
        c.find(Locator::Id("password")).await.unwrap().send_keys(jijiao::demo::DEMO_PASSWORD).await.unwrap();
        c.find(Locator::Css("main button[type=submit]")).await.unwrap().click().await.unwrap();
        c.wait().for_element(Locator::Css(".who .user-name")).await.unwrap();
    };
    let overflow = async || -> i64 {
        let v = c.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
        v.as_i64().unwrap()
    };

    c.set_window_size(390, 844).await.unwrap();
    login("yisheng").await;
    c.goto(&format!("http://{address}/me/credits")).await.unwrap();
    let link =
        c.wait().for_element(Locator::Css(&format!("#surveys a[href='/surveys/{url_number}/1']"))).await.unwrap();
    click_to_new_page(c, link).await;
    c.wait().for_element(Locator::Id("survey-form")).await.unwrap();
    assert!(overflow().await <= 0, "the survey fits a 390 px phone");
    // Questions 1–6: the second option of each (tapping its words); question 7: two of five.
    for q in 1..=6 {
        c.find(Locator::XPath(&format!("//fieldset[@id='question-q{q}']/label[2]")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    for o in [1, 4] {
        c.find(Locator::Css(&format!("#question-q7 input[value='{o}']"))).await.unwrap().click().await.unwrap();
    }
    let tall = c
        .execute("return document.querySelector('#question-q1 label').getBoundingClientRect().height;", vec![])
        .await
        .unwrap();
    assert!(tall.as_f64().unwrap() >= 40.0, "each choice is a thumb's height: {tall}");
    c.execute("window.confirm = () => true;", vec![]).await.unwrap();
    click_to_new_page(c, c.find(Locator::Id("survey-submit")).await.unwrap()).await;
    let done = c.find(Locator::Id("survey-done")).await.unwrap().text().await.unwrap();
    assert!(done.contains("问卷已提交"), "{done}");
    let answers = c.find(Locator::Id("survey-answers")).await.unwrap().text().await.unwrap();
    assert!(answers.contains("基本是") && answers.contains("提高操作能力"), "{answers}");
    assert!(overflow().await <= 0, "the answers read back on the phone");
    c.find(Locator::Css(".who button")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::LinkText("登录")).await.unwrap();

    // The unit, at a desk: the report page says how many answered and fills the grid with them.
    c.set_window_size(1366, 900).await.unwrap();
    login("xiehe").await;
    c.goto(&format!("http://{address}/events/{url_number}/1/report")).await.unwrap();
    let answered = c.wait().for_element(Locator::Id("survey-answered")).await.unwrap().text().await.unwrap();
    assert!(answered.contains("16"), "{answered}");
    click_to_new_page(c, c.find(Locator::Id("fill-survey")).await.unwrap()).await;
    let flash = c.find(Locator::Css(".flash")).await.unwrap().text().await.unwrap();
    assert!(flash.contains("已用 16 名学员"), "{flash}");
    let q7 = c.find(Locator::Css("input[name='q7_4']")).await.unwrap().prop("value").await.unwrap().unwrap();
    assert_ne!(q7, "", "the grid is filled: {q7}");
    browser.close().await;
}
