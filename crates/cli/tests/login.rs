//! Signing in: wrong passwords, the captcha after failures, lockout, CSRF, session renewal and
//! expiry; and API tokens: revoked or expired ones are refused, and a token does no more than its
//! account.

use crate::common;

use axum::http::StatusCode;
use common::{Client, world};
use jijiao::demo::DEMO_PASSWORD;

fn session_from(reply: &common::Reply) -> Option<String> {
    reply
        .set_cookies()
        .iter()
        .find_map(|c| c.strip_prefix("jijiao_session=").map(|v| v.split(';').next().unwrap_or("").to_string()))
        .filter(|v| !v.is_empty())
}

fn login_body(username: &str, password: &str) -> String {
    format!("username={username}&password={password}&next=/me")
}

#[tokio::test]
async fn wrong_passwords_captcha_and_lockout() {
    let w = world(jijiao_storage::testing::sqlite().await).await;
    let browser = w.anonymous();

    let ok = w.post(&browser, "/login", &login_body("beijing", DEMO_PASSWORD)).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert!(session_from(&ok).is_some());

    // A wrong password and an unknown user give the same answer.
    let wrong = w.post(&browser, "/login", &login_body("hebei", "nope")).await;
    let unknown = w.post(&browser, "/login", &login_body("nobody", "nope")).await;
    assert_eq!((wrong.status, unknown.status), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert!(wrong.body.contains("用户名或密码错误") && unknown.body.contains("用户名或密码错误"));

    // After three failures for an account the captcha is required, even with the right password.
    let third = w.post(&browser, "/login", &login_body("hebei", "nope")).await;
    let _ = third;
    let fourth = w.post(&browser, "/login", &login_body("hebei", "still-wrong")).await;
    assert!(fourth.body.contains("验证码"), "captcha shown after failures");
    assert!(fourth.body.contains("data:image/png;base64,"));
    let right_without_captcha = w.post(&browser, "/login", &login_body("hebei", DEMO_PASSWORD)).await;
    assert_eq!(right_without_captcha.status, StatusCode::UNAUTHORIZED);
    assert!(right_without_captcha.body.contains("请输入验证码"));
    assert!(session_from(&right_without_captcha).is_none());

    // Ten failures lock the account, with a growing back-off; the right password does not help.
    let dongcheng = w.store.account_by_username("dongcheng").await.unwrap().id.0;
    for _ in 0..10 {
        w.store.record_login_failure(&format!("account-id:{dongcheng}"), jijiao_web::login_lock_for).await.unwrap();
    }
    let locked = w.post(&browser, "/login", &login_body("dongcheng", DEMO_PASSWORD)).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.body.contains("分钟后再试"));
    assert!(locked.headers.get("retry-after").is_some());
}

#[tokio::test]
async fn csrf_is_required_on_forms_and_cookie_api_calls() {
    let w = world(jijiao_storage::testing::sqlite().await).await;
    let no_token = Client { cookie: Some("jijiao_csrf=abc".into()), csrf: None, bearer: None };
    let r = w.post(&no_token, "/login", &login_body("beijing", DEMO_PASSWORD)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "missing token");
    let wrong_token = Client { cookie: Some("jijiao_csrf=abc".into()), csrf: Some("abd".into()), bearer: None };
    let r = w.post(&wrong_token, "/login", &login_body("beijing", DEMO_PASSWORD)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "wrong token");
    let no_cookie = Client { cookie: None, csrf: None, bearer: None };
    assert_eq!(w.post(&no_cookie, "/login", &login_body("beijing", DEMO_PASSWORD)).await.status, StatusCode::FORBIDDEN);

    // A signed-in API call with the session cookie needs the session's token in the header.
    let mut signed_in = w.signed_in("beijing").await;
    let body = r#"{"name":"测试","days":30}"#;
    assert_eq!(
        w.send(&signed_in, axum::http::Method::POST, "/api/v1/tokens", Some(body.into())).await.status,
        StatusCode::CREATED
    );
    signed_in.csrf = Some("forged".into());
    let forged = w.send(&signed_in, axum::http::Method::POST, "/api/v1/tokens", Some(body.into())).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(forged.json()["code"], "csrf");
}

#[tokio::test]
async fn the_session_changes_at_login_and_expires() {
    let w = world(jijiao_storage::testing::sqlite().await).await;
    let before = w.signed_in("yisheng").await;
    let old_token = before.cookie.clone().unwrap().trim_start_matches("jijiao_session=").to_string();
    let browser = Client {
        cookie: Some(format!("jijiao_session={old_token}; jijiao_csrf=t")),
        csrf: Some(before.csrf.clone().unwrap()),
        bearer: None,
    };
    let reply = w.post(&browser, "/login", &login_body("beijing", DEMO_PASSWORD)).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let new_token = session_from(&reply).expect("a session cookie");
    assert_ne!(new_token, old_token, "a new session id at login");
    assert!(reply.set_cookies()[0].contains("HttpOnly") && reply.set_cookies()[0].contains("SameSite=Lax"));
    // The old session ended.
    assert_eq!(w.get(&before, "/me").await.status, StatusCode::SEE_OTHER);

    let fresh = Client { cookie: Some(format!("jijiao_session={new_token}")), csrf: None, bearer: None };
    assert_eq!(w.get(&fresh, "/me").await.status, StatusCode::OK);
    // Idle longer than the configured 30 minutes: refused.
    w.store.age_session_for_tests(&new_token, 31 * 60 * 1000).await.unwrap();
    assert_eq!(w.get(&fresh, "/me").await.status, StatusCode::SEE_OTHER);
    assert_eq!(w.get(&fresh, "/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logout_ends_the_session() {
    let w = world(jijiao_storage::testing::sqlite().await).await;
    let c = w.signed_in("beijing").await;
    assert_eq!(w.get(&c, "/me").await.status, StatusCode::OK);
    assert_eq!(w.post(&c, "/logout", "").await.status, StatusCode::SEE_OTHER);
    assert_eq!(w.get(&c, "/me").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn tokens_are_refused_when_revoked_or_expired_and_never_exceed_their_account() {
    for db in jijiao_storage::testing::databases().await {
        let w = world(db).await;
        let unit_admin = w.signed_in("xiehe").await;
        let created = w
            .send(
                &unit_admin,
                axum::http::Method::POST,
                "/api/v1/tokens",
                Some(r#"{"name":"单位系统","days":30}"#.into()),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED);
        let secret = created.json()["token"].as_str().unwrap().to_string();
        let id = created.json()["id"].as_i64().unwrap();
        let machine = Client { bearer: Some(secret.clone()), ..Default::default() };

        let me = w.get(&machine, "/api/v1/me").await;
        assert_eq!((me.status, me.json()["username"].as_str()), (StatusCode::OK, Some("xiehe")));
        // No more than the account: another province's unit is out of reach, a province admin cannot be made.
        let hebei_unit = w.store.organisation_by_name("河北医科大学第二医院").await.unwrap().id.0;
        assert_eq!(w.get(&machine, &format!("/api/v1/organisations/{hebei_unit}")).await.status, StatusCode::NOT_FOUND);
        let beijing_office = w.store.organisation_by_name("北京市继续医学教育委员会").await.unwrap().id.0;
        let escalate = format!(
            r#"{{"username":"evil","display_name":"x","role":"province_admin","org_id":{beijing_office},"password":"abcd1234"}}"#
        );
        assert_eq!(
            w.send(&machine, axum::http::Method::POST, "/api/v1/accounts", Some(escalate)).await.status,
            StatusCode::FORBIDDEN
        );
        // A bearer call needs no CSRF token (no ambient credential).
        let own = w
            .send(&machine, axum::http::Method::POST, "/api/v1/tokens", Some(r#"{"name":"另一个","days":1}"#.into()))
            .await;
        assert_eq!(own.status, StatusCode::CREATED);

        // Revoked: refused at once.
        let revoke = w.send(&unit_admin, axum::http::Method::DELETE, &format!("/api/v1/tokens/{id}"), None).await;
        assert_eq!(revoke.status, StatusCode::OK);
        assert_eq!(w.get(&machine, "/api/v1/me").await.status, StatusCode::UNAUTHORIZED);

        // Expired: refused.
        let other = own.json()["token"].as_str().unwrap().to_string();
        let other_id = own.json()["id"].as_i64().unwrap();
        let machine2 = Client { bearer: Some(other), ..Default::default() };
        assert_eq!(w.get(&machine2, "/api/v1/me").await.status, StatusCode::OK);
        w.store.expire_api_token_for_tests(other_id).await.unwrap();
        assert_eq!(w.get(&machine2, "/api/v1/me").await.status, StatusCode::UNAUTHORIZED);

        // A made-up token is refused, not treated as anonymous.
        let forged = Client { bearer: Some("jj_forged".into()), ..Default::default() };
        assert_eq!(w.get(&forged, "/api/v1/provinces").await.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn registration_then_confirmation_by_the_unit() {
    let w = world(jijiao_storage::testing::sqlite().await).await;
    let browser = w.anonymous();
    let unit = w.store.organisation_by_name("北京协和医院").await.unwrap().id.0;
    let bad = w
        .post(&browser, "/register", "id_number=123&name=李&employer_id=&title=中级&phone=1&password=short&password2=x")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in
        ["身份证号应为18位", "请填写2到30个字的姓名", "请选择所在单位", "请选择专业技术职称", "手机号", "密码至少8位"]
    {
        assert!(bad.body.contains(message), "{message} missing");
    }
    let form = format!(
        "id_number=11010519491231002X&name=李堃&employer_id={unit}&title=主治医师&phone=13800000000&password=abcd1234&password2=abcd1234"
    );
    let ok = w.post(&browser, "/register", &form).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let token = session_from(&ok).unwrap();
    let me = Client { cookie: Some(format!("jijiao_session={token}")), csrf: None, bearer: None };
    let page = w.get(&me, "/me").await;
    assert!(page.body.contains("等待所在单位管理员确认") && page.body.contains("110105********002X"));
    assert_eq!(w.get(&me, "/me/credits").await.status, StatusCode::FORBIDDEN, "only the own page until confirmed");
    // … and the own password (issue 18): it is the professional's, confirmed or not.
    assert_eq!(w.get(&me, "/me/password").await.status, StatusCode::OK, "the password form until confirmed");

    let account = w.store.account_by_username("11010519491231002X").await.unwrap();
    let unit_admin = w.signed_in("xiehe").await;
    let hebei_admin = w.signed_in("hebei").await;
    assert_eq!(
        w.post(&hebei_admin, &format!("/admin/accounts/{}/confirm", account.id.0), "").await.status,
        StatusCode::NOT_FOUND
    );
    let pending = w.get(&unit_admin, "/admin/confirmations").await;
    assert!(pending.body.contains("李堃"));
    assert_eq!(
        w.post(&unit_admin, &format!("/admin/accounts/{}/confirm", account.id.0), "").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(w.get(&me, "/me/password").await.status, StatusCode::OK);
    // The professional logs in with the ID number.
    let login = w.post(&w.anonymous(), "/login", &login_body("11010519491231002X", "abcd1234")).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn whole_id_numbers_only_for_those_who_need_them_and_logged() {
    let w = world(jijiao_storage::testing::sqlite().await).await;
    let person = w.store.account_by_username("yisheng").await.unwrap().person_id.unwrap().0;
    let unit_admin = w.signed_in("xiehe").await;
    let masked = w.get(&unit_admin, &format!("/api/v1/people/{person}")).await.json();
    assert!(masked["id_number"].as_str().unwrap().contains("********"));
    let whole = w.get(&unit_admin, &format!("/api/v1/people/{person}?reveal=true")).await.json();
    assert!(!whole["id_number"].as_str().unwrap().contains('*'));
    let audit = w.get(&unit_admin, "/api/v1/audit?object_type=person").await.json();
    assert!(audit["items"].as_array().unwrap().iter().any(|e| e["action"] == "person.reveal"));
    let leader = w.signed_in("fuzeren").await;
    assert_eq!(w.get(&leader, &format!("/api/v1/people/{person}?reveal=true")).await.status, StatusCode::NOT_FOUND);
}

/// Issue 14 point 6: a token acts as the account that made it and nobody else; a manager may
/// revoke a managed account's token but not mint one for it.
#[tokio::test]
async fn nobody_makes_a_token_for_another_account() {
    for db in jijiao_storage::testing::databases().await {
        let w = world(db).await;
        let province = w.signed_in("beijing").await;
        let unit_admin_id = w.store.account_by_username("xiehe").await.unwrap().id.0;
        let for_other = format!(r#"{{"name":"代办","days":30,"account_id":{unit_admin_id}}}"#);
        let refused = w.send(&province, axum::http::Method::POST, "/api/v1/tokens", Some(for_other)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);

        // The unit administrator's own token: the province may revoke it.
        let unit_admin = w.signed_in("xiehe").await;
        let own = w
            .send(
                &unit_admin,
                axum::http::Method::POST,
                "/api/v1/tokens",
                Some(r#"{"name":"单位系统","days":30}"#.into()),
            )
            .await;
        assert_eq!(own.status, StatusCode::CREATED);
        let id = own.json()["id"].as_i64().unwrap();
        let revoked = w.send(&province, axum::http::Method::DELETE, &format!("/api/v1/tokens/{id}"), None).await;
        assert!(revoked.status.is_success(), "{} {}", revoked.status, revoked.body);
    }
}

/// Issue 14 point 15: one failure counter per account, whether its owner types the username or the
/// ID number; a lock by either holds for both.
#[tokio::test]
async fn the_username_and_the_id_number_share_one_counter() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = world(db).await;
        let account = w.store.account_by_username("yisheng").await.unwrap();
        let id_number = w.store.person(account.person_id.unwrap()).await.unwrap().id_number.as_str().to_string();
        let key = format!("account-id:{}", account.id.0);
        let browser = w.anonymous();
        for login in ["yisheng", id_number.as_str()] {
            let failed = w.post(&browser, "/login", &login_body(login, "wrong-password")).await;
            assert_eq!(failed.status, StatusCode::UNAUTHORIZED, "{backend}");
        }
        assert_eq!(w.store.login_failures(&key).await.unwrap().0, 2, "{backend}: both attempts on one counter");
        for _ in 0..10 {
            w.store.record_login_failure(&key, jijiao_web::login_lock_for).await.unwrap();
        }
        for login in ["yisheng", id_number.as_str()] {
            let locked = w.post(&browser, "/login", &login_body(login, DEMO_PASSWORD)).await;
            assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{backend}: {login}");
        }
    }
}

/// Issue 14 point 13: a stranger learns nothing from registering someone else's ID number: a wrong
/// name and an existing registration get the same answer.
#[tokio::test]
async fn registration_does_not_tell_who_is_registered() {
    let w = world(jijiao_storage::testing::sqlite().await).await;
    let unit = w.store.organisation_by_name("北京协和医院").await.unwrap().id.0;
    let account = w.store.account_by_username("yisheng").await.unwrap();
    let person = w.store.person(account.person_id.unwrap()).await.unwrap();
    let form = |name: &str| {
        format!(
            "id_number={}&name={name}&employer_id={unit}&title=主治医师&phone=13800000000&password=abcd1234&password2=abcd1234",
            person.id_number.as_str()
        )
    };
    let registered = w.post(&w.anonymous(), "/register", &form(&person.name)).await;
    let wrong_name = w.post(&w.anonymous(), "/register", &form("张冠李")).await;
    assert_eq!(
        (registered.status, wrong_name.status),
        (StatusCode::UNPROCESSABLE_ENTITY, StatusCode::UNPROCESSABLE_ENTITY)
    );
    for reply in [&registered, &wrong_name] {
        assert!(reply.body.contains("无法用该身份证号和姓名注册"), "{}", reply.body);
        assert!(!reply.body.contains("该身份证号已注册") && !reply.body.contains("姓名不一致"), "{}", reply.body);
    }
}

/// Issue 14 point 15: the rate limit on the login form answers a person with a page, not JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_rate_limit_answers_with_a_page() {
    let db = jijiao_storage::testing::sqlite().await;
    let store = db.open().await;
    let limits = jijiao_web::security::Limits { login_per_minute: 1, ..Default::default() };
    let settings = jijiao_web::WebSettings { limits, secure_cookies: false, ..Default::default() };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(jijiao_web::serve(listener, jijiao_web::AppState::with_settings(store, settings)));
    let answers = tokio::task::spawn_blocking(move || {
        let post = || {
            use std::io::{Read, Write};
            let mut stream = std::net::TcpStream::connect(address).unwrap();
            let request = format!(
                "POST /login HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            stream.write_all(request.as_bytes()).unwrap();
            let mut response = String::new();
            stream.read_to_string(&mut response).unwrap();
            response
        };
        (post(), post())
    })
    .await
    .unwrap();
    assert!(!answers.0.starts_with("HTTP/1.1 429"), "{}", answers.0);
    let limited = answers.1;
    assert!(limited.starts_with("HTTP/1.1 429"), "{limited}");
    assert!(limited.to_lowercase().contains("content-type: text/html"), "{limited}");
    assert!(limited.contains("请求过于频繁") && limited.to_lowercase().contains("retry-after"), "{limited}");
}
