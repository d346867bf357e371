//! The request guard of issue 14 over HTTP, on every backend: CSRF exempts only a valid bearer
//! token (point 2), control characters are refused with the field named (3), limits and the
//! extractors' refusals answer in Chinese (8), short idle limits see activity (10), `next` after
//! login is a same-site path (11), and signed-in callers are limited per account (12).

use crate::common::{self, Client, Reply, World, world};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use jijiao::demo::DEMO_PASSWORD;
use tower::ServiceExt;

/// A request with exactly the given headers (the harness's `send` adds its own).
async fn raw(w: &World, method: Method, uri: &str, headers: &[(&str, &str)], body: impl Into<Body>) -> Reply {
    let mut request = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = w.app.clone().oneshot(request.body(body.into()).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

fn content_type(reply: &Reply) -> &str {
    reply.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

/// A Chinese JSON error of the API with this status and code.
fn assert_api_error(reply: &Reply, status: StatusCode, code: &str, context: &str) {
    assert_eq!(reply.status, status, "{context}: {}", reply.body);
    assert_eq!(content_type(reply), "application/json", "{context}");
    assert_eq!(reply.json()["code"], code, "{context}: {}", reply.body);
    let message = reply.json()["message"].as_str().unwrap_or_default().to_string();
    assert!(message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{context}: not Chinese: {message}");
}

/// The Chinese error page with this status.
fn assert_error_page(reply: &Reply, status: StatusCode, context: &str) {
    assert_eq!(reply.status, status, "{context}: {}", reply.body);
    assert!(content_type(reply).starts_with("text/html"), "{context}: {}", content_type(reply));
    assert!(reply.body.contains("<html lang=\"zh-CN\">"), "{context}");
}

fn cookie_of(client: &Client) -> String {
    client.cookie.clone().unwrap()
}

#[tokio::test]
async fn only_a_valid_bearer_token_spares_the_csrf_check() {
    for db in jijiao_storage::testing::databases().await {
        let w = world(db).await;
        let backend = w.db.name;
        let signed_in = w.signed_in("beijing").await;
        let cookie = cookie_of(&signed_in);
        for authorization in ["Basic YmVpamluZzpwYXNzd29yZA==", "Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnag"] {
            let forged = raw(
                &w,
                Method::POST,
                "/api/v1/tokens",
                &[("cookie", &cookie), ("authorization", authorization), ("content-type", "application/json")],
                r#"{"name":"跨站","days":1}"#,
            )
            .await;
            assert_eq!(forged.status, StatusCode::FORBIDDEN, "{backend} {authorization}: {}", forged.body);
            assert_eq!(forged.json()["code"], "csrf");

            let login = raw(
                &w,
                Method::POST,
                "/login",
                &[
                    ("cookie", "jijiao_csrf=abc"),
                    ("authorization", authorization),
                    ("content-type", "application/x-www-form-urlencoded"),
                ],
                format!("username=beijing&password={DEMO_PASSWORD}&next=/me"),
            )
            .await;
            assert_eq!(login.status, StatusCode::FORBIDDEN, "{backend} {authorization}: login without its token");
        }
        // A made-up bearer token authenticates nothing and is refused.
        let made_up = raw(
            &w,
            Method::POST,
            "/api/v1/tokens",
            &[("cookie", &cookie), ("authorization", "Bearer jj_made_up"), ("content-type", "application/json")],
            r#"{"name":"跨站","days":1}"#,
        )
        .await;
        assert_eq!(made_up.status, StatusCode::UNAUTHORIZED, "{backend}");
        // A valid one needs no CSRF token, even beside a cookie.
        let created =
            w.send(&signed_in, Method::POST, "/api/v1/tokens", Some(r#"{"name":"系统","days":1}"#.into())).await;
        assert_eq!(created.status, StatusCode::CREATED, "{backend}");
        let secret = created.json()["token"].as_str().unwrap().to_string();
        let bearer = format!("Bearer {secret}");
        let by_token = raw(
            &w,
            Method::POST,
            "/api/v1/tokens",
            &[("cookie", &cookie), ("authorization", &bearer), ("content-type", "application/json")],
            r#"{"name":"另一个","days":1}"#,
        )
        .await;
        assert_eq!(by_token.status, StatusCode::CREATED, "{backend}: {}", by_token.body);
    }
}

#[tokio::test]
async fn control_characters_are_refused_with_their_field_named() {
    for db in jijiao_storage::testing::databases().await {
        let w = world(db).await;
        let backend = w.db.name;
        // A JSON string, with its path as the field (PostgreSQL answered 500 for the NUL).
        let beijing = w.signed_in("beijing").await;
        let token =
            w.send(&beijing, Method::POST, "/api/v1/tokens", Some(r#"{"name":"a\u0000b","days":1}"#.into())).await;
        assert_api_error(&token, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", backend);
        assert_eq!(token.json()["field"], "name", "{backend}");
        assert!(token.json()["message"].as_str().unwrap().contains("name"));
        let nested = w
            .send(
                &beijing,
                Method::POST,
                "/api/v1/credits/evaluate",
                Some(r#"{"records":[{"title":"ok"},{"title":"\u001b[31m"}]}"#.into()),
            )
            .await;
        assert_eq!(nested.json()["field"], "records[1].title", "{backend}: {}", nested.body);
        // Tabs and line breaks are text: this token is made.
        let multi_line = w
            .send(&beijing, Method::POST, "/api/v1/tokens", Some(r#"{"name":"第一行\r\n\t第二行","days":1}"#.into()))
            .await;
        assert_eq!(multi_line.status, StatusCode::CREATED, "{backend}: {}", multi_line.body);

        // Anonymous routes: a path segment, a query parameter.
        let anonymous = Client::default();
        let path = w.get(&anonymous, "/api/v1/id-numbers/11010519491231002%00").await;
        assert_api_error(&path, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", backend);
        assert_eq!(path.json()["field"], "path");
        let query = w.get(&anonymous, "/api/v1/subjects?search=%7F").await;
        assert_api_error(&query, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", backend);
        assert_eq!(query.json()["field"], "search");

        // A page's form field: the Chinese error page naming it.
        let login = w.post(&w.anonymous(), "/login", &format!("username=bei%00jing&password={DEMO_PASSWORD}")).await;
        assert_error_page(&login, StatusCode::UNPROCESSABLE_ENTITY, backend);
        assert!(login.body.contains("username") && login.body.contains("控制字符"), "{backend}");
        let page_query = w.get(&beijing, "/credits/review?name=%01").await;
        assert_error_page(&page_query, StatusCode::UNPROCESSABLE_ENTITY, backend);

        // A text part of a multipart upload (the file part is the reader's business).
        let guojia = w.signed_in("guojia").await;
        let boundary = common::BOUNDARY;
        let upload = format!(
            "{}Content-Disposition: form-data; name=\"notice\"\r\n\r\n国卫\u{0}通知\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"list.csv\"\r\n\r\na,b\r\n--{boundary}--\r\n",
            common::MULTIPART_START
        );
        let published = w.post(&guojia, "/publication/import", &upload).await;
        assert_error_page(&published, StatusCode::UNPROCESSABLE_ENTITY, backend);
        assert!(published.body.contains("notice"), "{backend}");
    }
}

#[tokio::test]
async fn limits_and_refusals_answer_in_chinese() {
    for db in jijiao_storage::testing::databases().await {
        let w = world(db).await;
        let backend = w.db.name;
        let unit = w.signed_in("xiehe").await;
        let cookie = cookie_of(&unit);
        let csrf = unit.csrf.clone().unwrap();

        // An import of 2.2 MB is read (and judged on its rows), not refused for its size.
        let big_csv = "姓名,身份证号\n".to_string() + &"张三,110105194912310025\n".repeat(90_000);
        assert!(big_csv.len() > 2_200_000);
        let import = raw(
            &w,
            Method::POST,
            "/api/v1/credit-records/import",
            &[("cookie", &cookie), ("x-csrf-token", &csrf), ("content-type", "text/csv")],
            big_csv,
        )
        .await;
        assert_ne!(
            import.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{backend}: {}",
            &import.body[..200.min(import.body.len())]
        );
        assert_eq!(content_type(&import), "application/json", "{backend}");

        // Beyond 50 MB: refused from the declared length, in Chinese.
        let declared = (51 * 1024 * 1024).to_string();
        let huge = raw(
            &w,
            Method::POST,
            "/api/v1/credit-records/import",
            &[("cookie", &cookie), ("x-csrf-token", &csrf), ("content-length", &declared)],
            "",
        )
        .await;
        assert_api_error(&huge, StatusCode::PAYLOAD_TOO_LARGE, "too_large", backend);
        assert!(huge.json()["message"].as_str().unwrap().contains("50 MB"));
        let page_upload = raw(
            &w,
            Method::POST,
            &format!("/credits/register/import?csrf={csrf}"),
            &[("cookie", &cookie), ("content-type", "multipart/form-data; boundary=x"), ("content-length", &declared)],
            "",
        )
        .await;
        assert_error_page(&page_upload, StatusCode::PAYLOAD_TOO_LARGE, backend);
        assert!(page_upload.body.contains("50 MB"));
        // Other bodies keep a small limit, also when their length is not declared.
        let large_json = format!(r#"{{"name":"{}","days":1}}"#, "x".repeat(3 * 1024 * 1024));
        let too_large = w.send(&unit, Method::POST, "/api/v1/tokens", Some(large_json)).await;
        assert_api_error(&too_large, StatusCode::PAYLOAD_TOO_LARGE, "too_large", backend);

        // A path parameter that is not a number, a query that does not parse.
        let path = w.get(&unit, "/api/v1/accounts/abc").await;
        assert_api_error(&path, StatusCode::BAD_REQUEST, "bad_request", backend);
        assert!(!path.body.contains("Invalid URL"));
        assert_error_page(&w.get(&unit, "/credits/people/abc").await, StatusCode::BAD_REQUEST, backend);
        let person = w.signed_in("yisheng").await;
        let query = w.get(&person, "/api/v1/me/credits?year=abc").await;
        assert_api_error(&query, StatusCode::BAD_REQUEST, "bad_request", backend);
        assert!(query.json()["message"].as_str().unwrap().contains("year"), "{backend}: {}", query.body);
        // A number that is no year (1900–2200) is invalid input of that field, as an operation says it.
        let out_of_range = w.get(&person, "/api/v1/me/credits?year=3000").await;
        assert_api_error(&out_of_range, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", backend);
        assert_eq!(out_of_range.json()["field"], "year", "{backend}: {}", out_of_range.body);
        // An empty parameter is no filter (issue 18): `year=` is this year, as if it were absent.
        let empty = w.get(&person, "/api/v1/me/credits?year=").await;
        assert_eq!(empty.status, StatusCode::OK, "{backend}: {}", empty.body);
        assert_eq!(empty.json(), w.get(&person, "/api/v1/me/credits").await.json());

        // A wrong content type for an upload form.
        let wrong_type = raw(
            &w,
            Method::POST,
            &format!("/credits/register/import?csrf={csrf}"),
            &[("cookie", &cookie), ("content-type", "text/plain")],
            "姓名",
        )
        .await;
        assert!(wrong_type.status.is_client_error(), "{backend}: {}", wrong_type.status);
        assert!(content_type(&wrong_type).starts_with("text/html"), "{backend}: {}", wrong_type.body);
        assert!(wrong_type.body.contains("表单"), "{backend}");
    }
}

#[tokio::test]
async fn a_short_idle_limit_sees_the_activity() {
    for db in jijiao_storage::testing::databases().await {
        let store = db.open().await;
        jijiao::demo::load(&store).await.unwrap();
        let settings = jijiao_web::WebSettings { session_idle_ms: 60_000, secure_cookies: false, ..Default::default() };
        let app = jijiao_web::router(jijiao_web::AppState::with_settings(store.clone(), settings));
        let w = World { store, app, db };
        let client = w.signed_in("yisheng").await;
        let token = cookie_of(&client).trim_start_matches("jijiao_session=").to_string();
        // Active 10 s ago: alive, and the activity is recorded.
        w.store.age_session_for_tests(&token, 10_000).await.unwrap();
        assert_eq!(w.get(&client, "/api/v1/me").await.status, StatusCode::OK, "{}", w.db.name);
        // 55 s later the last request is 55 s old, within the minute.
        w.store.age_session_for_tests(&token, 55_000).await.unwrap();
        assert_eq!(
            w.get(&client, "/api/v1/me").await.status,
            StatusCode::OK,
            "{}: expired despite activity",
            w.db.name
        );
        // And a minute of silence ends it.
        w.store.age_session_for_tests(&token, 61_000).await.unwrap();
        assert_eq!(w.get(&client, "/api/v1/me").await.status, StatusCode::UNAUTHORIZED, "{}", w.db.name);
    }
}

#[tokio::test]
async fn login_follows_only_a_same_site_next() {
    for db in jijiao_storage::testing::databases().await {
        let w = world(db).await;
        for (next, expected) in [
            ("%2Fcredits%2Freview", "/credits/review"),
            ("%2Fme%0D%0ASet-Cookie%3A%20x%3D1", "/me"),
            ("%2F%2Fevil.example%2F", "/me"),
            ("%2F%5Cevil.example", "/me"),
            ("https%3A%2F%2Fevil.example", "/me"),
        ] {
            let reply =
                w.post(&w.anonymous(), "/login", &format!("username=xiehe&password={DEMO_PASSWORD}&next={next}")).await;
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}: {next}: {}", w.db.name, reply.body);
            assert_eq!(reply.headers.get(header::LOCATION).unwrap(), expected, "{next}");
            assert!(reply.set_cookies().iter().any(|c| c.starts_with("jijiao_session=")), "{next}");
        }
    }
}

/// Against the real server (the limits count addresses): staff behind one address are limited per
/// account, not by the address's anonymous limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_in_callers_are_limited_per_account() {
    for db in jijiao_storage::testing::databases().await {
        let store = db.open().await;
        jijiao::demo::load(&store).await.unwrap();
        let limits =
            jijiao_web::security::Limits { public_per_minute: 3, signed_in_per_minute: 5, ..Default::default() };
        let settings = jijiao_web::WebSettings { limits, secure_cookies: false, ..Default::default() };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(jijiao_web::serve(listener, jijiao_web::AppState::with_settings(store.clone(), settings)));
        let mut sessions = Vec::new();
        for name in ["xiehe", "yisheng"] {
            let id = store.account_by_username(name).await.unwrap().id;
            sessions.push(store.create_session(id, None, 3_600_000).await.unwrap().0);
        }
        let statuses = tokio::task::spawn_blocking(move || {
            let get = |extra: &str| status_of(address, &format!("GET /api/v1/me HTTP/1.1{extra}"));
            let anonymous: Vec<u16> = (0..3).map(|_| get("")).collect();
            let over = get("");
            let basic = get("\r\nAuthorization: Basic eGllaGU6cGFzc3dvcmQ=");
            let first = format!("\r\nCookie: jijiao_session={}", sessions[0]);
            let staff: Vec<u16> = (0..5).map(|_| get(&first)).collect();
            let staff_over = get(&first);
            let colleague = get(&format!("\r\nCookie: jijiao_session={}", sessions[1]));
            (anonymous, over, basic, staff, staff_over, colleague)
        })
        .await
        .unwrap();
        let (anonymous, over, basic, staff, staff_over, colleague) = statuses;
        let backend = db.name;
        assert_eq!(anonymous, vec![401, 401, 401], "{backend}");
        assert_eq!((over, basic), (429, 429), "{backend}: an Authorization header that is no token is anonymous");
        assert_eq!(staff, vec![200; 5], "{backend}: the address's anonymous limit does not apply");
        assert_eq!(staff_over, 429, "{backend}: the account's own limit");
        assert_eq!(colleague, 200, "{backend}: a colleague at the same address has their own");
    }
}

/// One HTTP/1.1 request on its own connection; the status code of the answer.
fn status_of(address: std::net::SocketAddr, head: &str) -> u16 {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream.write_all(format!("{head}\r\nHost: {address}\r\nConnection: close\r\n\r\n").as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}
