//! Issue 18 point 16, the password self-service, on SQLite and PostgreSQL: a professional asks for
//! a code with the ID number and name, an SMS gateway (a fake one on a local port, as
//! `JIJIAO_SMS_URL` names a real one) carries it, and the code sets a new password, ending every
//! session. A stranger's number gets the same answer; a code dies after 5 wrong tries or 10
//! minutes; 3 codes an hour per account.

use crate::common;

use axum::http::StatusCode;
use common::{Client, World, world};
use jijiao::demo::DEMO_PASSWORD;
use jijiao_app::sms::SmsGateway;
use jijiao_storage::{AccountId, Actor, AuditFilter, CodeIssue, PageRequest, ResetCodeLimits};
use tokio::sync::mpsc;

/// A fake SMS gateway: every message posted to it, in order of arrival.
async fn gateway() -> (String, mpsc::UnboundedReceiver<serde_json::Value>) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/sms",
        axum::routing::post(move |axum::Json(body): axum::Json<serde_json::Value>| {
            let sender = sender.clone();
            async move {
                let _ = sender.send(body);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, receiver)
}

/// The demo world served with the gateway configured.
async fn with_gateway(w: World, url: &str) -> World {
    let app = jijiao_app::App::new(w.store.clone()).with_sms(SmsGateway::from_config(Some(url)).unwrap());
    let settings = jijiao_web::WebSettings { secure_cookies: false, ..Default::default() };
    World { app: jijiao_web::router(jijiao_web::AppState::with_app(app, settings)), ..w }
}

/// The next message the gateway received (the send runs after the answer, so it is awaited; a
/// minute is only the bound on a test that went wrong, not a timing the test relies on).
async fn next_message(messages: &mut mpsc::UnboundedReceiver<serde_json::Value>) -> serde_json::Value {
    tokio::time::timeout(std::time::Duration::from_secs(60), messages.recv())
        .await
        .expect("a message reaches the gateway")
        .expect("the gateway runs")
}

/// The six digits of a message.
fn code_of(message: &serde_json::Value) -> String {
    let text = message["text"].as_str().unwrap();
    let digits: String = text.chars().skip_while(|c| !c.is_ascii_digit()).take_while(char::is_ascii_digit).collect();
    assert_eq!(digits.len(), 6, "{text}");
    digits
}

/// A professional of the demo: account, ID number, name, phone.
async fn professional(w: &World, username: &str) -> (AccountId, String, String, String) {
    let account = w.store.account_by_username(username).await.unwrap();
    let person = w.store.person(account.person_id.unwrap()).await.unwrap();
    (account.id, person.id_number.to_string(), person.name, person.phone.unwrap())
}

fn ask(id_number: &str, name: &str) -> String {
    format!("id_number={id_number}&name={}", urlencode(name))
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

fn confirm(id_number: &str, code: &str, password: &str) -> String {
    format!("id_number={id_number}&code={code}&password={password}&password2={password}")
}

async fn login(w: &World, username: &str, password: &str) -> StatusCode {
    let browser = w.anonymous();
    w.post(&browser, "/login", &format!("username={username}&password={password}&next=/me")).await.status
}

#[tokio::test]
async fn a_professional_resets_the_password_with_a_code_sent_by_sms() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let (url, mut messages) = gateway().await;
        let w = with_gateway(world(db).await, &url).await;
        let browser = w.anonymous();
        let (account, id_number, name, phone) = professional(&w, "yisheng").await;
        let old_session = w.signed_in("yisheng").await;
        assert_eq!(w.get(&old_session, "/me").await.status, StatusCode::OK);

        // The login page leads here; the form asks for the ID number and name.
        assert!(w.get(&browser, "/login").await.body.contains("href=\"/password-reset\""), "{backend}");
        let form = w.get(&browser, "/password-reset").await;
        assert_eq!(form.status, StatusCode::OK, "{backend}");
        assert!(form.body.contains("name=\"id_number\"") && form.body.contains("name=\"name\""), "{backend}");

        // Asking: the code goes to the phone of record.
        let asked = w.post(&browser, "/password-reset", &ask(&id_number, &name)).await;
        assert_eq!(asked.status, StatusCode::OK, "{backend}: {}", asked.body);
        assert!(asked.body.contains("验证码已发送到该手机") && asked.body.contains("name=\"code\""), "{backend}");
        assert!(!asked.body.contains("尚未接入短信平台"), "{backend}: a gateway is configured");
        let message = next_message(&mut messages).await;
        assert_eq!(message["phone"], phone.as_str(), "{backend}");
        let code = code_of(&message);
        assert!(message["text"].as_str().unwrap().contains("10分钟内有效"), "{backend}");
        // Stored as a keyed hash only.
        let rows = w.store.password_reset_codes_for_tests(account).await.unwrap();
        assert_eq!(rows.len(), 1, "{backend}");
        assert!(!rows[0].split('|').next().unwrap().contains(&code), "{backend}: {rows:?}");

        // Bad input names its field; a weak password is refused before the code is looked at.
        let weak = w.post(&browser, "/password-reset/confirm", &confirm(&id_number, &code, "short1")).await;
        assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(weak.body.contains("id=\"password-error\"") && weak.body.contains("密码至少8位"), "{backend}");
        let letters = w.post(&browser, "/password-reset/confirm", &confirm(&id_number, "12a456", "Newpass2026")).await;
        assert!(letters.body.contains("id=\"code-error\"") && letters.body.contains("6位数字"), "{backend}");

        // The right code: the password changes, every session ends, back to the login page.
        let done = w.post(&browser, "/password-reset/confirm", &confirm(&id_number, &code, "Newpass2026")).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{backend}: {}", done.body);
        assert_eq!(done.headers["location"], "/login?reset=1", "{backend}");
        assert!(w.get(&browser, "/login?reset=1").await.body.contains("密码已重置"), "{backend}");
        assert_eq!(w.get(&old_session, "/me").await.status, StatusCode::SEE_OTHER, "{backend}: old sessions ended");
        assert_eq!(login(&w, "yisheng", DEMO_PASSWORD).await, StatusCode::UNAUTHORIZED, "{backend}");
        assert_eq!(login(&w, "yisheng", "Newpass2026").await, StatusCode::SEE_OTHER, "{backend}");
        assert!(!w.store.account(account).await.unwrap().must_change_password, "{backend}");
        // A code serves once.
        let again = w.post(&browser, "/password-reset/confirm", &confirm(&id_number, &code, "Other2026x")).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(again.body.contains("验证码不正确或已失效"), "{backend}");

        // Both steps are in the audit log, against the account; the code is not.
        let log = w
            .store
            .audit_log(
                &AuditFilter { object_type: Some("account".into()), ..Default::default() },
                PageRequest::default(),
            )
            .await
            .unwrap();
        let mine: Vec<_> = log.items.iter().filter(|e| e.object_id == account.0.to_string()).collect();
        let actions: Vec<&str> = mine.iter().map(|e| e.action.as_str()).collect();
        assert!(actions.contains(&"account.password_reset_code"), "{backend}: {actions:?}");
        let reset = mine.iter().find(|e| e.action == "account.password_reset_by_code").expect("the reset is logged");
        assert_eq!(reset.actor_account_id, Some(account.0), "{backend}");
        assert!(mine.iter().all(|e| !e.after.as_ref().is_some_and(|a| a.to_string().contains(&code))), "{backend}");
    }
}

#[tokio::test]
async fn a_stranger_learns_nothing_and_codes_are_limited() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let (url, mut messages) = gateway().await;
        let w = with_gateway(world(db).await, &url).await;
        let browser = w.anonymous();
        let (account, id_number, name, phone) = professional(&w, "fuzeren").await;

        // A number nobody registered, a wrong name, a person of record without an account: the
        // page a match gets, with the number typed as the only difference, and no message.
        let unknown =
            jijiao_domain::id_number::compose("110101", chrono::NaiveDate::from_ymd_opt(1971, 3, 9).unwrap(), 123)
                .to_string();
        let unit = w.store.organisation_by_name("北京协和医院").await.unwrap().id;
        let without_account =
            jijiao_domain::id_number::compose("110101", chrono::NaiveDate::from_ymd_opt(1975, 6, 1).unwrap(), 321);
        let person = jijiao_storage::NewPerson {
            name: "无账号者".into(),
            id_number: without_account.clone(),
            title: Some("主治医师".into()),
            employer_id: Some(unit),
            in_post: true,
            phone: Some("13800000001".into()),
        };
        w.store.create_person(&Actor::system("测试"), &person).await.unwrap();
        let without_account = without_account.to_string();
        let matched = w.post(&browser, "/password-reset", &ask(&id_number, &name)).await;
        let first = code_of(&next_message(&mut messages).await);
        let same = |reply: &common::Reply, typed: &str| reply.body.replace(typed, "NUMBER");
        let strangers =
            [(unknown.as_str(), "张三"), (id_number.as_str(), "王某"), (without_account.as_str(), "无账号者")];
        for (number, typed_name) in strangers {
            let stranger = w.post(&browser, "/password-reset", &ask(number, typed_name)).await;
            assert_eq!(stranger.status, matched.status, "{backend}");
            assert_eq!(same(&stranger, number), same(&matched, &id_number), "{backend}: {number} {typed_name}");
        }
        // A malformed number is refused as such, whoever asks (it says nothing of the records).
        let malformed = w.post(&browser, "/password-reset", &ask("110105194912310021", &name)).await;
        assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(malformed.body.contains("id=\"id_number-error\""), "{backend}");
        // The strangers' requests sent nothing: the next message is the next code of the match.
        w.post(&browser, "/password-reset", &ask(&id_number, &name)).await;
        let message = next_message(&mut messages).await;
        assert_eq!(message["phone"], phone.as_str(), "{backend}");
        let second = code_of(&message);
        // The new code ended the first (trying it is a wrong try of the second).
        let mut tried = 0;
        if first != second {
            let old = w.post(&browser, "/password-reset/confirm", &confirm(&id_number, &first, "Newpass2026")).await;
            assert_eq!(old.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}: a newer code ends the older");
            tried = 1;
        }

        // Five wrong tries end the code: the right one no longer works.
        let wrong = if second == "000000" { "111111" } else { "000000" };
        for n in tried..5 {
            let reply = w.post(&browser, "/password-reset/confirm", &confirm(&id_number, wrong, "Newpass2026")).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}: try {n}");
            assert!(reply.body.contains("验证码不正确或已失效"), "{backend}");
        }
        let locked = w.post(&browser, "/password-reset/confirm", &confirm(&id_number, &second, "Newpass2026")).await;
        assert_eq!(locked.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}: locked after 5 tries");
        assert!(w.store.password_reset_codes_for_tests(account).await.unwrap().last().unwrap().contains("|5|"));

        // The third code of the hour, expired: refused too.
        w.post(&browser, "/password-reset", &ask(&id_number, &name)).await;
        let third = code_of(&next_message(&mut messages).await);
        w.store.expire_password_reset_codes_for_tests(account).await.unwrap();
        let expired = w.post(&browser, "/password-reset/confirm", &confirm(&id_number, &third, "Newpass2026")).await;
        assert_eq!(expired.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}: expired");
        assert_eq!(login(&w, "fuzeren", DEMO_PASSWORD).await, StatusCode::SEE_OTHER, "{backend}: unchanged");

        // A fourth in the hour: the same answer, and no code is made.
        let fourth = w.post(&browser, "/password-reset", &ask(&id_number, &name)).await;
        assert_eq!(same(&fourth, &id_number), same(&matched, &id_number), "{backend}");
        assert_eq!(w.store.password_reset_codes_for_tests(account).await.unwrap().len(), 3, "{backend}");

        // The limits in the store: per account, and per address across accounts.
        let actor = Actor::system("测试");
        let limits = ResetCodeLimits { per_account: 3, per_address: 2, valid_ms: 600_000 };
        let (other, ..) = professional(&w, "yisheng").await;
        let daiqueren = w.store.account_by_username("daiqueren").await.unwrap().id;
        let issue = |account, address: &'static str| {
            let (store, actor) = (w.store.clone(), actor.clone());
            async move { store.issue_password_reset_code(&actor, account, "123456", address, limits).await.unwrap() }
        };
        assert_eq!(issue(account, "10.0.0.9").await, CodeIssue::AccountLimit, "{backend}");
        assert_eq!(issue(other, "10.0.0.9").await, CodeIssue::Issued, "{backend}");
        assert_eq!(issue(daiqueren, "10.0.0.9").await, CodeIssue::Issued, "{backend}");
        assert_eq!(issue(daiqueren, "10.0.0.9").await, CodeIssue::AddressLimit, "{backend}");
        assert_eq!(issue(daiqueren, "10.0.0.10").await, CodeIssue::Issued, "{backend}: another address");
    }
}

/// Without `JIJIAO_SMS_URL` the code goes to the log, and the page tells where else to turn; a
/// signed-in user is sent to the own password page.
#[tokio::test]
async fn without_a_gateway_the_page_points_to_the_unit_administrator() {
    let w = world(jijiao_storage::testing::sqlite().await).await;
    let browser = w.anonymous();
    let (_, id_number, name, _) = professional(&w, "yisheng").await;
    let asked = w.post(&browser, "/password-reset", &ask(&id_number, &name)).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.body.contains("尚未接入短信平台") && asked.body.contains("联系所在单位继教管理员"), "{}", asked.body);
    let signed_in: Client = w.signed_in("yisheng").await;
    let reply = w.get(&signed_in, "/password-reset").await;
    assert_eq!((reply.status, reply.headers["location"].to_str().unwrap()), (StatusCode::SEE_OTHER, "/me/password"));
}

/// The forms are limited per address like login (20 a minute by default), across servers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_forms_are_rate_limited_per_address() {
    let db = jijiao_storage::testing::sqlite().await;
    let limits = jijiao_web::security::Limits { login_per_minute: 2, ..Default::default() };
    let trusted = jijiao_web::client_address::TrustedProxies::default();
    let (address, _) = crate::rate_limits::server(db.open().await, limits, trusted).await;
    let answers = crate::rate_limits::statuses(address, "POST", "/password-reset", "", 3).await;
    assert_eq!(answers[2], 429, "{answers:?}");
    assert_eq!(crate::rate_limits::status(address, "POST", "/password-reset/confirm", "").await, 429);
}

/// The whole self-service in Chromium on a phone (390 px): from the login page's link to signing in
/// with the new password, no page wider than the screen.
#[tokio::test]
async fn on_a_phone_the_reset_goes_from_the_login_page_to_the_new_password() {
    use fantoccini::Locator;
    let Some(browser) = crate::browser::browser().await else { return };
    let db = jijiao_storage::testing::sqlite().await;
    let store = db.open().await;
    jijiao::demo::load(&store).await.unwrap();
    let (url, mut messages) = gateway().await;
    let app = jijiao_app::App::new(store.clone()).with_sms(SmsGateway::from_config(Some(&url)).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(jijiao_web::serve(listener, jijiao_web::AppState::with_app(app, Default::default())));
    let account = store.account_by_username("yisheng").await.unwrap();
    let person = store.person(account.person_id.unwrap()).await.unwrap();

    let c = &browser.client;
    c.set_window_size(390, 844).await.unwrap();
    let fits = || async {
        let overflow =
            c.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
        assert!(overflow.as_i64().unwrap() <= 0, "{} is wider than the phone", c.current_url().await.unwrap());
    };
    c.goto(&format!("http://{address}/login")).await.unwrap();
    let link = c.find(Locator::LinkText("忘记密码？")).await.unwrap();
    crate::browser::click_to_new_page(c, link).await;
    fits().await;
    c.find(Locator::Id("id_number")).await.unwrap().send_keys(person.id_number.as_str()).await.unwrap();
    c.find(Locator::Id("name")).await.unwrap().send_keys(&person.name).await.unwrap();
    let ask = c.find(Locator::Css("main button[type=submit]")).await.unwrap();
    crate::browser::click_to_new_page(c, ask).await;
    fits().await;
    let sent = c.find(Locator::Css(".flash")).await.unwrap().text().await.unwrap();
    assert!(sent.contains("验证码已发送到该手机"), "{sent}");
    let code = code_of(&next_message(&mut messages).await);
    c.find(Locator::Id("code")).await.unwrap().send_keys(&code).await.unwrap();
    c.find(Locator::Id("password")).await.unwrap().send_keys("Phone2026reset").await.unwrap();
    c.find(Locator::Id("password2")).await.unwrap().send_keys("Phone2026reset").await.unwrap();
    let set = c.find(Locator::Css("main button[type=submit]")).await.unwrap();
    crate::browser::click_to_new_page(c, set).await;
    fits().await;
    assert!(c.current_url().await.unwrap().as_str().ends_with("/login?reset=1"));
    let notice = c.find(Locator::Css(".flash")).await.unwrap().text().await.unwrap();
    assert!(notice.contains("密码已重置"), "{notice}");
    c.find(Locator::Id("username")).await.unwrap().send_keys("yisheng").await.unwrap();
    c.find(Locator::Id("password")).await.unwrap().send_keys("Phone2026reset").await.unwrap();
    c.find(Locator::Css("main button[type=submit]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css(".who .user-name")).await.unwrap();
    browser.close().await;
}
