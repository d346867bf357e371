//! The HTTP surface in-process (`Router::oneshot`), on every available backend.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use jijiao_storage::testing::databases;
use jijiao_web::{AppState, router};
use tower::ServiceExt;

struct Reply {
    status: StatusCode,
    content_type: String,
    body: String,
}

impl Reply {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

async fn get(app: &Router, uri: &str) -> Reply {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn post_json(app: &Router, uri: &str, body: &str) -> Reply {
    let request =
        Request::post(uri).header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_string())).unwrap();
    send(app, request).await
}

async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type =
        response.headers().get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply { status, content_type, body: String::from_utf8_lossy(&bytes).into_owned() }
}

async fn apps() -> Vec<(&'static str, Router, jijiao_storage::testing::TestDatabase)> {
    let mut out = Vec::new();
    for db in databases().await {
        let store = db.open().await;
        out.push((db.name, router(AppState::new(store)), db));
    }
    out
}

#[tokio::test]
async fn health_checks_the_database() {
    for (backend, app, _db) in apps().await {
        let r = get(&app, "/healthz").await;
        assert_eq!(r.status, StatusCode::OK, "{backend}");
        assert_eq!(r.json()["database"], backend);
    }
}

#[tokio::test]
async fn public_pages_render_in_chinese() {
    for (backend, app, _db) in apps().await {
        let home = get(&app, "/").await;
        assert_eq!(home.status, StatusCode::OK, "{backend}");
        assert!(home.content_type.starts_with("text/html"));
        assert!(home.body.contains("<html lang=\"zh-CN\">"));
        assert!(home.body.contains("查询继续医学教育项目"));
        assert!(home.body.contains("<dd>32</dd>"), "{backend}: 32 provincial committees counted");

        let committees = get(&app, "/committees").await;
        assert_eq!(committees.body.matches("继续医学教育委员会</td>").count(), 32, "{backend}");
        assert!(committees.body.contains("新疆生产建设兵团继续医学教育委员会"));
        assert!(committees.body.contains("aria-current=\"page\""));

        let subjects = get(&app, "/subjects").await;
        assert!(subjects.body.contains("卫生法规与医学伦理学") && subjects.body.contains("03-07"), "{backend}");
        assert!(!subjects.body.contains("</span> 中医"), "no traditional Chinese medicine subject");
    }
}

#[tokio::test]
async fn unknown_paths_answer_in_the_right_shape() {
    for (backend, app, _db) in apps().await {
        let page = get(&app, "/no-such-page").await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{backend}");
        assert!(page.body.contains("页面不存在"));
        let api = get(&app, "/api/v1/no-such-thing").await;
        assert_eq!(api.status, StatusCode::NOT_FOUND);
        assert_eq!(api.json(), serde_json::json!({ "code": "not_found", "message": "未找到" }));
    }
}

#[tokio::test]
async fn reference_api() {
    for (backend, app, _db) in apps().await {
        let provinces = get(&app, "/api/v1/provinces").await.json();
        assert_eq!(provinces.as_array().unwrap().len(), 32, "{backend}");
        assert_eq!(provinces[0]["committee"]["postcode"], "100053");

        let subjects = get(&app, "/api/v1/subjects").await.json();
        assert_eq!(subjects.as_array().unwrap().len(), 24);
        assert_eq!(subjects[2]["tertiary"][6]["code"], "03-07");

        let titles = get(&app, "/api/v1/titles").await.json();
        assert!(titles.as_array().unwrap().iter().any(|t| t["name"] == "副主任护师" && t["rank"] == "副高级"));

        let valid = get(&app, "/api/v1/id-numbers/440524198001010013").await.json();
        assert_eq!((valid["valid"].as_bool(), valid["sex"].as_str()), (Some(true), Some("男")));
        let invalid = get(&app, "/api/v1/id-numbers/440524198001010014").await.json();
        assert_eq!(invalid["valid"], false);
        assert!(invalid["message"].as_str().unwrap().contains("校验位"));
        // Issue 20's vectors from other validators: each refusal names its reason.
        for (number, reason) in [
            ("990426199112010074", "不是省份代码"),
            ("110101203001010014", "晚于今天"),
            ("110105180001010010", "早于1900年1月1日"),
            ("110105491231002", "第一代身份证号"),
        ] {
            let answer = get(&app, &format!("/api/v1/id-numbers/{number}")).await.json();
            assert_eq!(answer["valid"], false, "{number}");
            assert!(answer["message"].as_str().unwrap().contains(reason), "{number}: {answer}");
        }
        let lower = get(&app, "/api/v1/id-numbers/11010519491231002x").await.json();
        assert_eq!(lower["valid"], true, "{lower}");
    }
}

#[tokio::test]
async fn openapi_and_offline_docs() {
    let (_, app, _db) = apps().await.remove(0);
    let spec = get(&app, "/api/v1/openapi.json").await.json();
    assert_eq!(spec["openapi"], "3.1.0");
    for path in ["/api/v1/provinces", "/api/v1/subjects", "/api/v1/titles", "/api/v1/id-numbers/{number}"] {
        assert!(spec["paths"].get(path).is_some(), "{path} is not documented");
    }
    let docs = get(&app, "/api/docs/").await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(!docs.body.contains("https://"), "the docs page loads nothing from the internet");
}

#[tokio::test]
async fn static_assets_are_embedded() {
    let (_, app, _db) = apps().await.remove(0);
    let css = get(&app, "/static/app.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.content_type.starts_with("text/css") && css.body.contains("@media print"));
    assert_eq!(get(&app, "/static/missing.css").await.status, StatusCode::NOT_FOUND);
}

const APPLICATION: &str = include_str!("../../domain/tests/fixtures/review/invalid_national.json");
const REPORT: &str = include_str!("../../domain/tests/fixtures/score/face_to_face_full.json");
const ACTIVITIES: &str = include_str!("../../domain/tests/fixtures/credits/year_2025.json");

#[tokio::test]
async fn checks_answer_as_the_offline_commands_do() {
    use jijiao_domain::check::{Kind, run};
    use jijiao_domain::credits::RuleSettings;
    use jijiao_domain::subject::Catalogue;
    for (backend, app, _db) in apps().await {
        for (uri, kind, text) in [
            ("/api/v1/applications/check", Kind::Application, APPLICATION),
            ("/api/v1/scores/evaluate", Kind::Score, REPORT),
            ("/api/v1/credits/evaluate", Kind::Credits, ACTIVITIES),
        ] {
            let r = post_json(&app, uri, text).await;
            assert_eq!(r.status, StatusCode::OK, "{backend} {uri}: {}", r.body);
            let offline = run(kind, text, &Catalogue::default_catalogue(), &RuleSettings::default()).unwrap();
            assert_eq!(r.json(), offline.json, "{backend} {uri}");
        }
        let bad = post_json(&app, "/api/v1/scores/evaluate", r#"{"project_number":"x","delivery":"face_to_face","applicant_province":"北京市","plan":{"days":3,"hours":30,"teachers":[],"leader":"张三"},"periods":[{"held":true,"start":"2025/05/10"}]}"#).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.json()["field"], "periods[0].start");
        assert_eq!(bad.json()["code"], "invalid_input");
        let unknown =
            post_json(&app, "/api/v1/credits/evaluate", &ACTIVITIES.replacen('{', r#"{"colour":"red","#, 1)).await;
        assert_eq!(
            (unknown.status, unknown.json()["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("colour"))
        );
        let outside =
            post_json(&app, "/api/v1/credits/evaluate", &ACTIVITIES.replacen("\"year\": 2025", "\"year\": 2026", 1))
                .await;
        assert_eq!(outside.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(outside.json()["errors"].as_array().unwrap().len() > 1, "every bad activity is reported");
    }
}

#[test]
fn every_api_route_is_documented_in_openapi() {
    let spec = serde_json::to_value(jijiao_web::api::openapi()).unwrap();
    for route in jijiao_web::route_table() {
        if !route.path.starts_with("/api/v1/") || route.path == jijiao_web::api::OPENAPI_PATH {
            continue;
        }
        let method = route.method.as_str().to_lowercase();
        assert!(
            spec["paths"][&route.path][&method].is_object(),
            "{} {} is not in the OpenAPI document",
            route.method,
            route.path
        );
    }
}

/// Every `href` and form `action` of a page that names a path of this site.
fn site_links(body: &str) -> Vec<String> {
    ["href=\"", "action=\""]
        .iter()
        .flat_map(|attr| body.split(attr).skip(1))
        .filter_map(|rest| rest.split('"').next())
        .filter(|target| target.starts_with('/'))
        .map(|target| target.split(['?', '#']).next().unwrap_or_default().to_string())
        .collect()
}

/// Whether `path` is served by a route of the table (`{id}` segments match any value).
fn routed(path: &str, table: &[jijiao_web::routes::RouteInfo]) -> bool {
    let segments: Vec<&str> = path.split('/').collect();
    table.iter().any(|route| {
        let pattern: Vec<&str> = route.path.split('/').collect();
        let static_file = route.path.ends_with("/{*path}") && path.starts_with(route.path.trim_end_matches("{*path}"));
        static_file
            || (pattern.len() == segments.len()
                && pattern.iter().zip(&segments).all(|(p, s)| p == s || (p.starts_with('{') && p.ends_with('}'))))
    })
}

#[tokio::test]
async fn the_home_page_offers_only_what_the_route_table_serves() {
    let table = jijiao_web::route_table();
    for (backend, app, _db) in apps().await {
        let home = get(&app, "/").await;
        let links = site_links(&home.body);
        assert!(links.contains(&"/projects".to_string()), "{backend}: the catalogue search is offered");
        for link in links {
            // The Swagger UI's entry is recorded with its slash (`/api/docs/`); `/api/docs` leads there.
            let in_table = routed(&link, &table) || routed(&format!("{link}/"), &table);
            assert!(in_table, "{backend}: the home page offers {link}, which no route serves");
            assert_ne!(get(&app, &link).await.status, StatusCode::NOT_FOUND, "{backend}: {link}");
        }
    }
}

async fn signed_in(db: &jijiao_storage::Store, name: &str) -> String {
    let actor = jijiao_storage::Actor::system("test");
    let account = jijiao_storage::NewAccount {
        username: "error-pages".into(),
        display_name: name.into(),
        password_hash: "not a hash: never signs in by password".into(),
        person_id: None,
        confirmed: true,
        must_change_password: false,
    };
    let id = db.create_account(&actor, &account, &[]).await.unwrap();
    let (token, _csrf) = db.create_session(id, None, 3_600_000).await.unwrap();
    format!("{}={token}", jijiao_web::auth::SESSION_COOKIE)
}

#[tokio::test]
async fn error_pages_keep_the_signed_in_users_header_menu_and_way_back() {
    for db in databases().await {
        let store = db.open().await;
        let cookie = signed_in(&store, "错误页测试员").await;
        let app = router(AppState::new(store));
        let as_user = |uri: &str| Request::get(uri).header(header::COOKIE, &cookie).body(Body::empty()).unwrap();
        // A 403 from a page handler, a 404 of the fallback under a menu entry, and one outside any.
        for (uri, status, back) in [
            ("/admin/accounts", StatusCode::FORBIDDEN, None),
            ("/me/no-such-page", StatusCode::NOT_FOUND, Some("<a href=\"/me\">返回我的主页</a>")),
            ("/no-such-page", StatusCode::NOT_FOUND, None),
        ] {
            let page = send(&app, as_user(uri)).await;
            assert_eq!(page.status, status, "{}: {uri}", db.name);
            assert!(page.body.contains("错误页测试员"), "{}: {uri} names the user: {}", db.name, page.body);
            assert!(page.body.contains("href=\"/me\""), "{}: {uri} keeps the user's menu", db.name);
            assert!(!page.body.contains("href=\"/login\""), "{}: {uri} offers no login to a signed-in user", db.name);
            assert!(page.body.contains("返回首页"), "{}: {uri}", db.name);
            if let Some(back) = back {
                assert!(page.body.contains(back), "{}: {uri} offers the way back: {}", db.name, page.body);
            }
        }
        // Signed out, the same page is the visitor's.
        let page = get(&app, "/me/no-such-page").await;
        assert!(page.status == StatusCode::NOT_FOUND && page.body.contains("href=\"/login\""), "{}", db.name);
    }
}
