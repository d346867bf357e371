//! What users meet (issue 18) in real Chromium: the 申报书 form's live review judges as the server
//! does and names fields by their labels (points 2, 3), a refused step keeps everything typed (4),
//! lists and menus on a phone (8, 9), and every demo role's menu walked at 1366 and 390 px.

use crate::browser::{browser, click_to_new_page, server};
use fantoccini::{Client, Locator};
use std::net::SocketAddr;
use std::time::Duration;

pub(crate) async fn login(c: &Client, address: SocketAddr, username: &str) {
    c.goto(&format!("http://{address}/login")).await.unwrap();
    c.find(Locator::Id("username")).await.unwrap().send_keys(username).await.unwrap();
    c.find(Locator::Id("password")).await.unwrap().send_keys(jijiao::demo::DEMO_PASSWORD).await.unwrap();
    c.find(Locator::Css("main button[type=submit]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css(".who .user-name")).await.unwrap();
}

async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css)).await.unwrap().text().await.unwrap()
}

async fn value_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css)).await.unwrap().prop("value").await.unwrap().unwrap_or_default()
}

/// Waits until `css` (an element that exists) has text for which `done` holds; its last text.
async fn wait_for_text(c: &Client, css: &str, done: impl Fn(&str) -> bool) -> String {
    let mut text = String::new();
    for _ in 0..100 {
        text = match c.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if done(&text) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} never read as expected; last: {text}");
}

async fn retype(c: &Client, css: &str, text: &str) {
    let input = c.find(Locator::Css(css)).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

const LIVE: &str = "按页面上尚未保存的内容审查";

#[tokio::test]
async fn the_live_review_judges_as_the_server_names_fields_and_a_refused_step_keeps_what_was_typed() {
    let Some(browser) = browser().await else { return };
    let (address, _db) = server().await;
    let c = &browser.client;
    login(c, address, "xiehe").await;
    // A copy of last year's application: its leader's ID number is saved, and shown masked.
    c.goto(&format!("http://{address}/applications/new")).await.unwrap();
    let copy = c.wait().for_element(Locator::Css("form[action$='/copy'] button")).await.unwrap();
    click_to_new_page(c, copy).await;
    let edit = c.current_url().await.unwrap();
    let edit = format!("http://{address}{}", edit.path());
    c.goto(&format!("{edit}?step=leader")).await.unwrap();
    assert!(value_of(c, "input[name='leader.id_number']").await.contains('*'), "the number is shown masked");

    // Point 2: typing in another step, the live review finds what the server found on load.
    c.goto(&format!("{edit}?step=basic")).await.unwrap();
    let summary = c.wait().for_element(Locator::Id("review-summary")).await.unwrap();
    let server_errors: usize = summary.attr("data-errors").await.unwrap().unwrap().parse().unwrap();
    let name = c.find(Locator::Css("input[name='name']")).await.unwrap();
    name.send_keys("x").await.unwrap();
    name.send_keys("\u{E003}").await.unwrap();
    let live = wait_for_text(c, "#review-summary", |t| t.contains(LIVE)).await;
    let expected = if server_errors == 0 {
        "没有阻止提交的错误".to_string()
    } else {
        format!("还有 {server_errors} 处错误")
    };
    assert!(live.starts_with(&expected), "the live review counts what the server counted ({server_errors}): {live}");
    let findings = text_of(c, "#review-findings").await;
    assert!(!findings.contains("身份证"), "the saved, masked ID number is no finding: {findings}");

    // Point 3: every finding names its field by its label and links to it; no raw path.
    for item in c.find_all(Locator::Css("#review-findings li")).await.unwrap() {
        let text = item.text().await.unwrap();
        let raw = text.split('：').next().unwrap_or_default();
        assert!(!raw.contains('.') && !raw.contains('_') && !raw.is_ascii(), "a label, not a path: {text}");
    }
    let commitment = c
        .find(Locator::XPath("//ul[@id='review-findings']/li[contains(., '项目负责人已签署承诺书')]/a"))
        .await
        .expect("the copy's unsigned commitment, by its label");
    let href = commitment.attr("href").await.unwrap().unwrap();
    assert!(href.ends_with("?step=final#f-commitment_signed"), "linked to its field: {href}");

    // One non-number is one finding among the others, and the others stay current.
    retype(c, "input[name='planned_enrollment']", "abc").await;
    retype(c, "input[name='credits']", "30").await;
    let beside = "ul[data-findings-for='planned_enrollment']";
    c.wait().for_element(Locator::Css(&format!("{beside} li"))).await.unwrap();
    let bad = wait_for_text(c, beside, |t| t.contains("abc")).await;
    assert!(bad.contains("错误"), "{bad}");
    let credits = wait_for_text(c, "ul[data-findings-for='credits']", |t| t.contains("不超过10学分")).await;
    assert!(credits.contains("当前30学分"), "{credits}");
    let live = text_of(c, "#review-summary").await;
    assert!(!live.contains("无法审查"), "{live}");
    let findings = text_of(c, "#review-findings").await;
    assert!(findings.contains("拟招生人数") && findings.contains("项目负责人已签署承诺书"), "{findings}");

    // Point 4: the step saved with the bad number is refused and keeps everything typed.
    retype(c, "input[name='total_hours']", "36").await;
    click_to_new_page(c, c.find(Locator::Css("button[value='stay']")).await.unwrap()).await;
    let error = text_of(c, ".flash.error").await;
    assert!(error.contains("拟招生人数") && error.contains("abc"), "{error}");
    assert_eq!(value_of(c, "input[name='planned_enrollment']").await, "abc");
    assert_eq!(value_of(c, "input[name='credits']").await, "30");
    assert_eq!(value_of(c, "input[name='total_hours']").await, "36");
    browser.close().await;
}

/// The browser's console since the last read (ChromeDriver's log endpoint): the messages at level
/// SEVERE, the console's errors.
async fn console_errors(c: &Client) -> Vec<String> {
    #[derive(Debug)]
    struct BrowserLog;
    impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
        fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
            base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
        }
        fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
            (axum::http::Method::POST, Some(r#"{"type":"browser"}"#.into()))
        }
    }
    let entries = c.issue_cmd(BrowserLog).await.unwrap();
    entries
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["level"] == "SEVERE")
        .map(|e| e["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The menu's entries on this page, as hrefs.
async fn menu_links(c: &Client) -> Vec<String> {
    let links = c
        .execute("return [...document.querySelectorAll('#menu a')].map(a => a.getAttribute('href'));", vec![])
        .await
        .unwrap();
    serde_json::from_value(links).unwrap()
}

/// Every visible table cell with text that is narrower than two characters of its font.
const NARROW_CELLS: &str = r#"
return [...document.querySelectorAll('main td, main th')]
  .filter((cell) => cell.offsetParent !== null && cell.textContent.trim() !== '')
  .filter((cell) => cell.getBoundingClientRect().width < 2 * parseFloat(getComputedStyle(cell).fontSize))
  .map((cell) => cell.textContent.trim().slice(0, 20));
"#;

/// The status of this page's answer, and every same-site link of the page fetched: (href, status)
/// of those that did not answer 200.
const LINKS: &str = r#"
const done = arguments[arguments.length - 1];
const hrefs = [...new Set([...document.querySelectorAll('a[href]')]
  .map((a) => a.getAttribute('href'))
  .filter((h) => h.startsWith('/') && !h.startsWith('//'))
  .map((h) => h.split('#')[0]))].filter((h) => !arguments[0].includes(h));
Promise.all(hrefs.map((h) => fetch(h).then((r) => [h, r.status], () => [h, -1])))
  .then((all) => done({ hrefs, failed: all.filter(([, status]) => status !== 200) }));
"#;

#[tokio::test]
async fn each_demo_roles_menu_walks_clean_at_1366_and_390_px() {
    let Some(browser) = browser().await else { return };
    let (address, _db) = server().await;
    let c = &browser.client;
    let mut checked: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (width, height) in [(1366, 900), (390, 844)] {
        c.set_window_size(width, height).await.unwrap();
        for (username, _, _) in jijiao::demo::DEMO_ACCOUNTS {
            login(c, address, username).await;
            let menu = menu_links(c).await;
            assert!(!menu.is_empty(), "{username}");
            console_errors(c).await;
            for href in &menu {
                c.goto(&format!("http://{address}{href}")).await.unwrap();
                let status = c
                    .execute("return performance.getEntriesByType('navigation')[0].responseStatus;", vec![])
                    .await
                    .unwrap();
                assert_eq!(status, serde_json::json!(200), "{username} at {width} px: {href}");
                let errors = console_errors(c).await;
                assert!(errors.is_empty(), "{username} at {width} px: {href}: console errors {errors:?}");
                let narrow = c.execute(NARROW_CELLS, vec![]).await.unwrap();
                assert_eq!(
                    narrow,
                    serde_json::json!([]),
                    "{username} at {width} px: {href}: cells narrower than 2 characters"
                );
                if width == 390 {
                    let overflow = c
                        .execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![])
                        .await
                        .unwrap();
                    assert!(overflow.as_i64().unwrap() <= 0, "{username}: {href} is wider than the phone: {overflow}");
                }
                // Every same-site link of the page answers 200 (once per role is enough: links
                // do not change with the width).
                if width == 1366 {
                    let seen: Vec<&String> = checked.iter().collect();
                    let links = c.execute_async(LINKS, vec![serde_json::json!(seen)]).await.unwrap();
                    assert_eq!(links["failed"], serde_json::json!([]), "{username}: links of {href} not answering 200");
                    let hrefs: Vec<String> = serde_json::from_value(links["hrefs"].clone()).unwrap();
                    checked.extend(hrefs);
                }
            }
            if width == 1366 {
                checked.clear();
            }
            c.goto(&format!("http://{address}/me")).await.unwrap();
            c.find(Locator::Css(".who button")).await.unwrap().click().await.unwrap();
            c.wait().for_element(Locator::LinkText("登录")).await.unwrap();
        }
    }
    browser.close().await;
}

/// Points 8 and 9 on a phone: the long menu folds behind one button, lists are cards with their
/// columns' names, and the catalogue shows its results before its filters.
#[tokio::test]
async fn on_a_phone_menus_fold_lists_are_cards_and_results_come_first() {
    let Some(browser) = browser().await else { return };
    let (address, _db) = server().await;
    let c = &browser.client;
    c.set_window_size(390, 844).await.unwrap();
    login(c, address, "xiehe").await;
    let toggle = c.find(Locator::Css(".menu-toggle")).await.unwrap();
    let menu = c.find(Locator::Id("menu")).await.unwrap();
    assert!(!menu.is_displayed().await.unwrap(), "the unit's 17 entries fold away");
    let header: f64 = serde_json::from_value(
        c.execute("return document.querySelector('.site-header').offsetHeight;", vec![]).await.unwrap(),
    )
    .unwrap();
    assert!(header < 844.0 / 8.0, "the header takes little of the screen: {header} px");
    toggle.click().await.unwrap();
    assert!(menu.is_displayed().await.unwrap());
    assert_eq!(toggle.attr("aria-expanded").await.unwrap().as_deref(), Some("true"));
    let groups = c.find_all(Locator::Css("#menu .group-label")).await.unwrap();
    let mut labels = Vec::new();
    for g in groups {
        labels.push(g.text().await.unwrap());
    }
    assert_eq!(labels, ["查询", "我的", "项目", "学分与证书", "系统管理"]);
    c.find(Locator::LinkText("项目目录")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Id("projects")).await.unwrap();

    // Results first: the filters behind "筛选", the first card above the fold.
    let filters = c.find(Locator::Id("year")).await.unwrap();
    assert!(!filters.is_displayed().await.unwrap(), "the filters fold away");
    let first: f64 = serde_json::from_value(
        c.execute("return document.querySelector('#projects tbody tr').getBoundingClientRect().top;", vec![])
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(first < 844.0, "the first result is on the first screen: {first}");
    // A card per project, each value under its column's name, none a character wide.
    let card = c.find(Locator::Css("#projects tbody tr")).await.unwrap();
    let height: f64 = serde_json::from_value(
        c.execute("return document.querySelector('#projects tbody tr').offsetHeight;", vec![]).await.unwrap(),
    )
    .unwrap();
    assert!(height < 400.0, "a card, not a column of single characters: {height} px");
    assert!(card.is_displayed().await.unwrap());
    let names = c
        .execute(
            "return [...document.querySelectorAll('#projects tbody tr:first-child td')].map((td) => \
             td.dataset.label + ':' + getComputedStyle(td, '::before').content);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        names,
        serde_json::json!([
            "项目编号:\"项目编号：\"",
            "项目名称:\"项目名称：\"",
            "申办单位:\"申办单位：\"",
            "负责人:\"负责人：\"",
            "举办期限:\"举办期限：\"",
            "学分:\"学分：\"",
            "方式:\"方式：\""
        ]),
        "each value under its column's name"
    );
    let page: f64 =
        serde_json::from_value(c.execute("return document.documentElement.scrollHeight;", vec![]).await.unwrap())
            .unwrap();
    assert!(page < 7854.0 / 2.0, "20 cards are far shorter than the squeezed table was: {page} px");
    c.find(Locator::Css("#more-filters summary")).await.unwrap().click().await.unwrap();
    assert!(filters.is_displayed().await.unwrap(), "筛选 opens the filters");
    browser.close().await;
}

/// Point 13: the learning record's print view is one A4 page for a normal year (the demo
/// professional's: this year's records, a rejected one among them).
#[tokio::test]
async fn the_learning_record_prints_on_one_a4_page() {
    #[derive(Debug)]
    struct Print;
    impl fantoccini::wd::WebDriverCompatibleCommand for Print {
        fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
            base.join(&format!("session/{}/print", session.unwrap_or_default()))
        }
        fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
            let a4 = r#"{"page":{"width":21.0,"height":29.7}}"#;
            (axum::http::Method::POST, Some(a4.into()))
        }
    }
    use base64::Engine;
    let Some(browser) = browser().await else { return };
    let (address, _db) = server().await;
    let c = &browser.client;
    login(c, address, "yisheng").await;
    c.goto(&format!("http://{address}/me/credits/print")).await.unwrap();
    c.wait().for_element(Locator::Css("main h1")).await.unwrap();
    let pdf = c.issue_cmd(Print).await.unwrap();
    let pdf = base64::engine::general_purpose::STANDARD.decode(pdf.as_str().unwrap()).unwrap();
    let text = String::from_utf8_lossy(&pdf);
    if let Ok(dir) = std::env::var("JIJIAO_TEST_PRINT_DIR") {
        std::fs::write(format!("{dir}/learning-record.pdf"), &pdf).unwrap();
    }
    let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
    assert_eq!(pages, 1, "one A4 page");
    browser.close().await;
}

/// Point 11 in Chromium: a table of the 申报书 takes another row without saving first, and the
/// people of 登记学分 narrow as a name is typed.
#[tokio::test]
async fn rows_are_added_without_saving_and_people_are_found_by_name() {
    let Some(browser) = browser().await else { return };
    let (address, db) = server().await;
    let c = &browser.client;
    login(c, address, "xiehe").await;
    c.goto(&format!("http://{address}/applications/new")).await.unwrap();
    let copy = c.wait().for_element(Locator::Css("form[action$='/copy'] button")).await.unwrap();
    click_to_new_page(c, copy).await;
    let edit = c.current_url().await.unwrap();
    c.goto(&format!("http://{address}{}?step=periods", edit.path())).await.unwrap();
    let rows = c.find_all(Locator::Css("fieldset[data-array='periods'] .row-fields")).await.unwrap().len();
    c.find(Locator::Css("fieldset[data-array='periods'] .add-row")).await.unwrap().click().await.unwrap();
    let added = c.find_all(Locator::Css("fieldset[data-array='periods'] .row-fields")).await.unwrap();
    assert_eq!(added.len(), rows + 1);
    let place = c.find(Locator::Css(&format!("input[name='periods[{rows}].place']"))).await.unwrap();
    assert_eq!(place.prop("value").await.unwrap().as_deref(), Some(""), "the new row is empty");

    c.goto(&format!("http://{address}/credits/register")).await.unwrap();
    let store = db.open().await;
    let person = store.account_by_username("yisheng").await.unwrap().person_id.unwrap();
    let name = store.person(person).await.unwrap().name;
    let finder = c.find(Locator::Css("input[data-filter-select='person_id']")).await.unwrap();
    finder.send_keys(&name).await.unwrap();
    let shown = c
        .execute("return [...document.querySelectorAll('#person_id option')].filter((o) => !o.hidden).map((o) => o.textContent);", vec![])
        .await
        .unwrap();
    let shown: Vec<String> = serde_json::from_value(shown).unwrap();
    assert!(!shown.is_empty() && shown.iter().all(|o| o.contains(&name)), "{name}: {shown:?}");
    let selected = c.find(Locator::Id("person_id")).await.unwrap().prop("value").await.unwrap().unwrap();
    assert_eq!(selected, person.0.to_string(), "the match is selected");
    browser.close().await;
}
