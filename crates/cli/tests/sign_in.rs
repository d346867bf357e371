//! QR sign-in end to end (rules.md §7.6, issue 16) on both backends, through the server with a clock
//! the test moves: the unit fetches the rotating code of a session held today, a professional signs
//! in with it (once), a code 61 s past its time on screen is refused as expired, one of another period
//! or of a period not held today is refused by name, signing out gives the hours, and the unit's list
//! and the audit log show it all; the phone page sends a visitor to register and back.

use crate::common::{self, Client, World};

use axum::http::StatusCode;
use chrono::{Datelike, NaiveDate, NaiveTime};
use jijiao_app::{App, Clock};
use jijiao_domain::events::sign_in::{Code, Slot, step_at};
use jijiao_storage::testing::TestDatabase;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// A clock the test sets: every server of the test reads it.
#[derive(Clone, Debug, Default)]
struct Movable(Arc<AtomicI64>);

impl Clock for Movable {
    fn now_millis(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl Movable {
    fn set(&self, millis: i64) {
        self.0.store(millis, Ordering::SeqCst);
    }
}

fn today() -> NaiveDate {
    jijiao_app::Clock::today(&jijiao_app::SystemClock)
}

/// Unix milliseconds of a Beijing time today.
fn at(time: &str) -> i64 {
    let t = NaiveTime::parse_from_str(time, "%H:%M:%S").unwrap();
    today().and_time(t).and_utc().timestamp_millis() - 8 * 3_600_000
}

/// The demo world (loaded on the system's today) served with the test's clock.
async fn world(db: TestDatabase, clock: &Movable) -> World {
    let store = db.open().await;
    jijiao::demo::load(&store).await.unwrap();
    let settings = jijiao_web::WebSettings { secure_cookies: false, ..Default::default() };
    let app = App::new(store.clone()).with_clock(clock.clone());
    let router = jijiao_web::router(jijiao_web::AppState::with_app(app, settings));
    World { store, app: router, db }
}

/// The API path of a period of a demo project.
fn api(number: &str, period: u32, rest: &str) -> String {
    format!("/api/v1/projects/{}/periods/{period}/{rest}", jijiao_app::events::url_number(number))
}

async fn post(w: &World, c: &Client, path: &str, body: Value) -> common::Reply {
    w.post(c, path, &body.to_string()).await
}

fn message(reply: &common::Reply) -> String {
    reply.json().to_string()
}

#[tokio::test]
async fn a_learner_signs_in_with_the_rotating_code_and_out_with_hours() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let clock = Movable::default();
        clock.set(at("10:00:29"));
        let w = world(db, &clock).await;
        let number = jijiao::demo_sign_ins::number(today().year());
        let xiehe = w.signed_in("xiehe").await;
        let yisheng = w.signed_in("yisheng").await;

        // The unit's code of the session under way (the morning's, at 10:00).
        let current = w.get(&xiehe, &api(&number, 1, "sign-in-code")).await;
        assert_eq!(current.status, StatusCode::OK, "{backend}: {}", current.body);
        let current = current.json();
        let code = current["code"].as_str().unwrap().to_string();
        assert_eq!(current["session"]["key"], format!("{}T09:00", today()), "{backend}");
        assert_eq!(current["sessions"].as_array().unwrap().len(), 2);
        assert!(current["url"].as_str().unwrap().ends_with(&format!("/sign-in/{code}")), "{current}");
        assert_eq!(current["refresh_at"], at("10:00:30"), "{backend}: the step ends at :30");

        let signed = post(&w, &yisheng, &api(&number, 1, "sign-ins"), json!({ "code": code })).await;
        assert_eq!(signed.status, StatusCode::OK, "{backend}: {}", signed.body);
        assert_eq!(signed.json()["new"], true);
        assert_eq!(signed.json()["signed_in_at"], format!("{}T10:00:29+08:00", today()));
        // The whole URL the QR code holds is read as well; a second scan changes nothing.
        let url = current["url"].as_str().unwrap();
        let again = post(&w, &yisheng, &api(&number, 1, "sign-ins"), json!({ "code": url })).await;
        assert_eq!((again.status, again.json()["new"].clone()), (StatusCode::OK, json!(false)), "{backend}");

        // 59 s later the code still holds (two steps on); 61 s later it has expired.
        let fuzeren = w.signed_in("fuzeren").await;
        clock.set(at("10:00:29") + 61_000);
        let expired = post(&w, &fuzeren, &api(&number, 1, "sign-ins"), json!({ "code": code })).await;
        assert_eq!(expired.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}: {}", expired.body);
        assert!(message(&expired).contains("过期，请重新扫码"), "{backend}: {}", expired.body);
        assert_eq!(expired.json()["field"], "code");
        clock.set(at("10:00:29") + 59_000);
        let in_time = post(&w, &fuzeren, &api(&number, 1, "sign-ins"), json!({ "code": code })).await;
        assert_eq!(in_time.status, StatusCode::OK, "{backend}: {}", in_time.body);

        // A code of this period sent for another (period 2, or another project) is refused.
        for path in [api(&number, 2, "sign-ins"), api(&format!("{}-03-01-904（国）", today().year()), 1, "sign-ins")]
        {
            let other = post(&w, &yisheng, &path, json!({ "code": code })).await;
            assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend} {path}: {}", other.body);
            assert!(message(&other).contains("其他项目或其他期次"), "{backend}: {}", other.body);
        }
        // A forged code and a code of a period not held today (905 starts in two days).
        let forged = code.replace(".1.", ".2.");
        let refused = post(&w, &yisheng, &api(&number, 1, "sign-ins"), json!({ "code": forged })).await;
        assert!(message(&refused).contains("签到码无效"), "{backend}: {}", refused.body);
        let later = w.store.project_by_number(&format!("{}-03-01-905（国）", today().year())).await.unwrap();
        let slot = Slot::new(later.periods[0].start, 9 * 60).unwrap();
        let secret = w.store.vault().sign_in_secret();
        let not_held =
            Code::issue(&secret, later.number.as_deref().unwrap(), later.id, 1, slot, step_at(clock.now_millis()));
        let refused = post(
            &w,
            &yisheng,
            &api(later.number.as_deref().unwrap(), 1, "sign-ins"),
            json!({ "code": not_held.to_string() }),
        )
        .await;
        if later.periods[0].start != today() {
            assert!(message(&refused).contains("不在举办期内"), "{backend}: {}", refused.body);
        }
        let unit_refused = w.get(&xiehe, &api(later.number.as_deref().unwrap(), 1, "sign-in-code")).await;
        if later.periods[0].start != today() {
            assert_eq!(unit_refused.status, StatusCode::CONFLICT, "{backend}: {}", unit_refused.body);
        }

        // The end of the session: a fresh code, signing out gives 10:00:29 → 11:45:00 = 1.7 hours.
        clock.set(at("11:45:00"));
        let end_code =
            w.get(&xiehe, &api(&number, 1, "sign-in-code")).await.json()["code"].as_str().unwrap().to_string();
        let out = post(&w, &yisheng, &api(&number, 1, "sign-outs"), json!({ "code": end_code })).await;
        assert_eq!(out.status, StatusCode::OK, "{backend}: {}", out.body);
        assert_eq!(
            (out.json()["hours"].clone(), out.json()["signed_out_at"].clone()),
            (json!("1.7"), json!(format!("{}T11:45:00+08:00", today()))),
            "{backend}"
        );
        let twice = post(&w, &yisheng, &api(&number, 1, "sign-outs"), json!({ "code": end_code })).await;
        assert_eq!(twice.status, StatusCode::CONFLICT, "{backend}: {}", twice.body);
        assert!(message(&twice).contains("不能重复签退"));
        let guojia = w.signed_in("guojia").await;
        let office = post(&w, &guojia, &api(&number, 1, "sign-ins"), json!({ "code": end_code })).await;
        assert_eq!(office.status, StatusCode::FORBIDDEN, "{backend}: an office's account has no person");

        // The unit's list: the demo's five and these two in the morning, the ID numbers masked.
        let list = w.get(&xiehe, &api(&number, 1, "sign-ins")).await.json();
        let morning = &list["sessions"][0];
        assert_eq!(
            (morning["signed_in"].clone(), morning["signed_out"].clone()),
            (json!(7), json!(4)),
            "{backend}: {list}"
        );
        let mine = list["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["signed_out_at"] == json!(format!("{}T11:45:00+08:00", today())))
            .unwrap();
        assert_eq!(mine["hours"], "1.7");
        assert!(mine["id_number"].as_str().unwrap().contains("********"), "{mine}");
        assert_eq!(list["total"], 7);
        let afternoon =
            w.get(&xiehe, &format!("{}?session={}T14:00", api(&number, 1, "sign-ins"), today())).await.json();
        assert_eq!(afternoon["total"], 0, "{backend}");
        // Out of the unit's chain: 404; in it without the power: 403.
        assert_eq!(
            w.get(&w.signed_in("hebei").await, &api(&number, 1, "sign-ins")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            w.get(&w.signed_in("beijing").await, &api(&number, 1, "sign-ins")).await.status,
            StatusCode::FORBIDDEN
        );

        // What the roster starts from: each person's hours, the number and phone in full.
        let app = App::new(w.store.clone()).with_clock(clock.clone());
        let account = w.store.account_by_username("xiehe").await.unwrap();
        let grants = w.store.grants_of(&account).await.unwrap();
        let acting = jijiao_app::Acting { account, grants, ip: None };
        let hours = jijiao_app::events::sign_in::roster_hours(&app, &acting, &number, 1).await.unwrap();
        assert_eq!(hours.len(), 7, "{backend}");
        let her = w.store.account_by_username("yisheng").await.unwrap().person_id.unwrap();
        let line = hours.iter().find(|h| h.person_id == her).unwrap();
        assert_eq!((line.hours.tenths(), line.sessions, line.open), (17, 1, 0), "{backend}");
        assert_eq!((line.province.as_deref(), line.unit.as_deref()), (Some("北京市"), Some("北京协和医院")));
        assert_eq!(line.id_number.as_str().len(), 18);

        let log = w.get(&guojia, "/api/v1/audit?object_type=sign_in").await.json();
        let text = log.to_string();
        assert!(text.contains("events.sign_in") && text.contains("events.sign_out"), "{backend}: {log}");
    }
}

/// The pages: the unit's QR page and image, the phone page for a visitor (log in or register, and
/// back), for a pending registrant (signs in), and for an office's account (cannot).
#[tokio::test]
async fn the_pages_show_the_code_and_take_a_learner_through_registration() {
    let clock = Movable::default();
    clock.set(at("09:30:00"));
    let w = world(jijiao_storage::testing::sqlite().await, &clock).await;
    let number = jijiao::demo_sign_ins::number(today().year());
    let xiehe = w.signed_in("xiehe").await;
    let page_path = format!("/events/{}/1/sign-in", jijiao_app::events::url_number(&number));
    let page = w.get(&xiehe, &page_path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("id=\"sign-in-qr\"") && page.body.contains("/static/sign-in.js"), "{}", page.body);
    assert!(page.body.contains("临床合理用药专题讲座") && !page.body.contains("注册待确认"));
    assert!(page.body.contains("<dd id=\"signed-in-count\">5</dd>"), "the demo's five");
    let svg = w.get(&xiehe, &format!("{page_path}/qr.svg?session={}T14:00", today())).await;
    assert_eq!(svg.status, StatusCode::OK);
    assert_eq!(svg.headers["content-type"], "image/svg+xml; charset=utf-8");
    assert!(svg.body.starts_with("<svg") && svg.headers["cache-control"] == "no-store");
    let event = w.get(&xiehe, &format!("/events/{}/1", jijiao_app::events::url_number(&number))).await;
    assert!(event.body.contains(&format!("{page_path}\"")), "the event's page links the sign-in page");
    assert_eq!(w.get(&w.signed_in("beijing").await, &page_path).await.status, StatusCode::FORBIDDEN);
    assert_eq!(w.get(&w.signed_in("yisheng").await, &page_path).await.status, StatusCode::FORBIDDEN);
    // Another period's page while it is not held: no code, the reason instead.
    let later =
        format!("/events/{}/1/sign-in", jijiao_app::events::url_number(&format!("{}-03-01-905（国）", today().year())));
    let not_held = w.get(&xiehe, &later).await;
    if w.store.project_by_number(&format!("{}-03-01-905（国）", today().year())).await.unwrap().periods[0].start
        != today()
    {
        assert!(
            not_held.body.contains("不在举办期内") && !not_held.body.contains("id=\"sign-in-qr\""),
            "{}",
            not_held.body
        );
    }

    // A visitor scans: the session, and the way to log in or register and back.
    let code = w.get(&xiehe, &api(&number, 1, "sign-in-code")).await.json()["code"].as_str().unwrap().to_string();
    let phone = format!("/sign-in/{code}");
    let visitor = w.anonymous();
    let opened = w.get(&visitor, &phone).await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.body);
    let back = jijiao_web::auth::urlencode(&phone);
    assert!(opened.body.contains(&format!("/register?next={back}")) && opened.body.contains("临床合理用药培训班"));
    assert_eq!(w.post(&visitor, &phone, "action=in").await.headers["location"], format!("/login?next={back}"));
    let form = w.get(&visitor, &format!("/register?next={back}")).await;
    assert!(form.body.contains(&format!("name=\"next\" value=\"{phone}\"")), "{}", form.body);
    let unit = w.store.organisation_by_name("北京协和医院").await.unwrap().id.0;
    let id = jijiao_domain::id_number::compose("110101", NaiveDate::from_ymd_opt(1990, 5, 6).unwrap(), 321);
    let registered = w
        .post(&visitor, "/register", &format!(
            "id_number={}&name=赵新&employer_id={unit}&title=住院医师&phone=13700000000&password=abcd1234&password2=abcd1234&next={back}",
            id.as_str()
        ))
        .await;
    assert_eq!(registered.status, StatusCode::SEE_OTHER, "{}", registered.body);
    assert_eq!(registered.headers["location"], phone, "back to the sign-in page");
    let session = registered
        .set_cookies()
        .iter()
        .find_map(|c| c.strip_prefix("jijiao_session=").map(|v| v.split(';').next().unwrap().to_string()))
        .unwrap();
    let csrf = w.store.session(&session, 3_600_000).await.unwrap().unwrap().csrf_token;
    let newcomer = Client { cookie: Some(format!("jijiao_session={session}")), csrf: Some(csrf), bearer: None };
    let ready = w.get(&newcomer, &phone).await;
    assert!(ready.body.contains("id=\"sign-in-button\"") && ready.body.contains(">签到<"), "{}", ready.body);
    let done = w.post(&newcomer, &phone, "action=in").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("签到成功（09:30）") && done.body.contains(">签退<"), "{}", done.body);
    let listed = w.get(&xiehe, &page_path).await;
    assert!(
        listed.body.contains("赵新") && listed.body.contains("注册待确认"),
        "a registrant awaiting confirmation is marked"
    );

    // Expired on the phone: the message names it; an office's account cannot sign in.
    clock.set(at("09:31:31"));
    let stale = w.get(&newcomer, &phone).await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(stale.body.contains("签到码已过期，请重新扫码"), "{}", stale.body);
    clock.set(at("09:30:10"));
    let office = w.post(&w.signed_in("beijing").await, &phone, "action=in").await;
    assert_eq!(office.status, StatusCode::FORBIDDEN);
    assert!(office.body.contains("只有卫生专业技术人员本人可以扫码签到"));
}

/// In Chromium: the unit's QR page at 390 px and at 1366 px (the code loaded, nothing wider than the
/// screen, the script's count endpoint answering the page's session), and a professional signing
/// in on a phone through the page the code opens.
#[tokio::test]
async fn in_a_browser_the_unit_shows_the_code_and_a_phone_signs_in() {
    use fantoccini::Locator;
    let Some(browser) = crate::browser::browser().await else { return };
    let db = jijiao_storage::testing::sqlite().await;
    let store = db.open().await;
    jijiao::demo::load(&store).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(jijiao_web::serve(listener, jijiao_web::AppState::new(store)));
    let number = jijiao::demo_sign_ins::number(today().year());
    let page = format!("http://{address}/events/{}/1/sign-in", jijiao_app::events::url_number(&number));
    let c = &browser.client;
    let login = async |username: &str| {
        c.goto(&format!("http://{address}/login")).await.unwrap();
        c.find(Locator::Id("username")).await.unwrap().send_keys(username).await.unwrap();
        c.find(Locator::Id("password")).await.unwrap().send_keys(jijiao::demo::DEMO_PASSWORD).await.unwrap();
        c.find(Locator::Css("main button[type=submit]")).await.unwrap().click().await.unwrap();
        c.wait().for_element(Locator::Css(".who .user-name")).await.unwrap();
    };
    let overflow = async || -> i64 {
        c.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![])
            .await
            .unwrap()
            .as_i64()
            .unwrap()
    };

    login("xiehe").await;
    let mut url = String::new();
    for (width, height) in [(390, 844), (1366, 900)] {
        c.set_window_size(width, height).await.unwrap();
        c.goto(&page).await.unwrap();
        c.wait().for_element(Locator::Id("sign-in-qr")).await.unwrap();
        let loaded: Value = c
            .execute("const i = document.getElementById('sign-in-qr'); return i.complete && i.naturalWidth > 0 && i.getBoundingClientRect().width <= window.innerWidth;", vec![])
            .await
            .unwrap();
        assert_eq!(loaded, json!(true), "the QR code is shown within a {width}-px screen");
        assert!(overflow().await <= 0, "the page fits {width} px");
        // What the script fetches every 30 s: the counts of the page's session.
        let counted: Value = c
            .execute_async(
                "const done = arguments[0]; const i = document.getElementById('sign-in-qr');
                 fetch(i.dataset.counts).then(r => r.json()).then(l => done(l.sessions.find(s => s.key === i.dataset.session).signed_in));",
                vec![],
            )
            .await
            .unwrap();
        assert!(counted.as_i64().unwrap() >= 0, "{counted}");
        let code: Value = c
            .execute_async(
                "const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => r.json()).then(j => done(j.url));",
                vec![json!(api(&number, 1, "sign-in-code"))],
            )
            .await
            .unwrap();
        url = code.as_str().unwrap().to_string();
    }
    c.find(Locator::Css(".who button")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::LinkText("登录")).await.unwrap();

    // The phone: the page the code opens (over this plain-HTTP test server), 签到.
    c.set_window_size(390, 844).await.unwrap();
    login("yisheng").await;
    let path = &url[url.find("/sign-in/").unwrap()..];
    c.goto(&format!("http://{address}{path}")).await.unwrap();
    let button = c.wait().for_element(Locator::Id("sign-in-button")).await.unwrap();
    assert_eq!(button.text().await.unwrap(), "签到");
    assert!(overflow().await <= 0, "the phone page fits 390 px");
    button.click().await.unwrap();
    let done = c.wait().for_element(Locator::Id("sign-in-done")).await.unwrap().text().await.unwrap();
    assert!(done.starts_with("签到成功"), "{done}");
    assert_eq!(c.find(Locator::Id("sign-in-button")).await.unwrap().text().await.unwrap(), "签退");
    browser.close().await;
}
