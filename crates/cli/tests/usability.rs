//! What users meet (issue 18) over HTTP, on every backend: empty query parameters are no filter
//! (point 1), bad path and query values name the parameter in Chinese and keep the signed-in
//! user's header (5, 7), and the small wrong things of point 6.

use crate::common::{World, world};
use axum::http::{StatusCode, header};

fn content_type(reply: &crate::common::Reply) -> &str {
    reply.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

/// The first `href` of the page starting with `prefix`, as a browser reads it (entities decoded).
fn href(body: &str, prefix: &str) -> Option<String> {
    let start = body.find(&format!("href=\"{prefix}"))? + "href=\"".len();
    let end = start + body[start..].find('"')?;
    Some(body[start..end].replace("&#38;", "&").replace("&amp;", "&"))
}

/// An error page for a signed-in user: their name and menu, no login link.
fn assert_dressed(reply: &crate::common::Reply, status: StatusCode, name: &str, context: &str) {
    assert_eq!(reply.status, status, "{context}: {}", reply.body);
    assert!(content_type(reply).starts_with("text/html"), "{context}");
    assert!(reply.body.contains(name), "{context}: names the user: {}", reply.body);
    assert!(!reply.body.contains("href=\"/login\""), "{context}: no login link for a signed-in user");
}

#[tokio::test]
async fn empty_query_parameters_mean_no_filter_on_pages_and_the_api() {
    for db in jijiao_storage::testing::databases().await {
        let w = world(db).await;
        let backend = w.db.name;
        let office = w.signed_in("beijing").await;
        // The list's default view links its export with every filter empty: it downloads.
        let list = w.get(&office, "/applications").await;
        assert_eq!(list.status, StatusCode::OK, "{backend}");
        let export = href(&list.body, "/api/v1/applications/export.xlsx").expect("the export link");
        assert!(export.contains("year=&"), "{backend}: the default view's filters are empty: {export}");
        let file = w.get(&office, &export).await;
        assert_eq!(file.status, StatusCode::OK, "{backend}: {export}: {}", file.body);
        assert!(content_type(&file).contains("spreadsheetml"), "{backend}: {}", content_type(&file));
        for uri in [
            "/applications?year=&level=&province=&subject=&status=&findings=&q=",
            "/projects?q=&year=&batch=&subject=&province=&level=&kind=&delivery=&from=&to=&sort=&page=",
            "/events?province=&from=&to=&level=&subject=&unit=&inspected=&month=",
            "/credits/compliance?year=&page=",
            "/credits/review?status=&kind=&year=&q=&page=",
            "/admin/accounts?q=&page=",
            "/admin/audit?actor=&object_type=&page=",
            "/api/v1/applications?year=&level=&page=",
            "/api/v1/projects?year=&province=&level=&page=&per_page=",
            "/api/v1/events?from=&to=&inspected=",
        ] {
            let reply = w.get(&office, uri).await;
            assert_eq!(reply.status, StatusCode::OK, "{backend}: {uri}: {}", reply.body);
        }
    }
}

#[tokio::test]
async fn bad_path_and_query_values_name_the_parameter_in_chinese() {
    for db in jijiao_storage::testing::databases().await {
        let w = world(db).await;
        let backend = w.db.name;
        let unit = w.signed_in("xiehe").await;
        let unit_name = w.store.account_by_username("xiehe").await.unwrap().display_name;

        // A path parameter that is no number: the page names it and keeps the user's menu, with
        // the way back to the list the link came from.
        let page = w.get(&unit, "/applications/abc").await;
        assert_dressed(&page, StatusCode::BAD_REQUEST, &unit_name, backend);
        assert!(page.body.contains("“abc”") && page.body.contains("参数 id"), "{backend}: {}", page.body);
        assert!(page.body.contains("<a href=\"/applications\">返回项目申报</a>"), "{backend}: {}", page.body);
        let api = w.get(&unit, "/api/v1/applications/abc").await;
        assert_eq!((api.status, api.json()["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")));
        assert!(api.json()["message"].as_str().unwrap().contains("参数 id"), "{backend}: {}", api.body);

        // Query values that do not parse: named with the value given, the user's header kept.
        let person = w.signed_in("yisheng").await;
        let person_name = w.store.account_by_username("yisheng").await.unwrap().display_name;
        let year = w.get(&person, "/me/credits?year=abc").await;
        assert_dressed(&year, StatusCode::BAD_REQUEST, &person_name, backend);
        assert!(year.body.contains("“year”（年度）的值“abc”"), "{backend}: {}", year.body);
        let page = w.get(&unit, "/admin/accounts?page=-1").await;
        assert_dressed(&page, StatusCode::BAD_REQUEST, &unit_name, backend);
        assert!(page.body.contains("“page”（页码）的值“-1”"), "{backend}: {}", page.body);
        let catalogue = w.get(&unit, "/projects?year=abcd").await;
        assert_eq!(catalogue.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(catalogue.body.contains("“年度”应为正整数，当前为“abcd”"), "{backend}: {}", catalogue.body);

        // A range that ends before it starts says so, on the page and in the API.
        let range = w.get(&unit, "/projects?from=2025-09-05&to=2025-09-01").await;
        assert_eq!(range.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(range.body.contains("早于"), "{backend}: {}", range.body);
        let range = w.get(&unit, "/api/v1/projects?from=2025-09-05&to=2025-09-01").await;
        assert_eq!((range.status, range.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("to")));

        // A page beyond the last says so and offers the last one.
        let beyond = w.get(&unit, "/admin/accounts?page=99").await;
        assert_eq!(beyond.status, StatusCode::OK, "{backend}");
        assert!(beyond.body.contains("第 99 页超出范围：共 1 页"), "{backend}: {}", beyond.body);
        assert!(beyond.body.contains("page=1\">转到最后一页"), "{backend}");
        let office = w.signed_in("beijing").await;
        let beyond = w.get(&office, "/credits/compliance?page=99").await;
        assert!(beyond.body.contains("第 99 页超出范围"), "{backend}: {}", beyond.body);
    }
}

/// A refused form (its CSRF token missing) and a page the role may not open keep the user's
/// header and menu too.
#[tokio::test]
async fn every_refusal_keeps_the_signed_in_users_header() {
    for db in jijiao_storage::testing::databases().await {
        let w: World = world(db).await;
        let backend = w.db.name;
        let mut unit = w.signed_in("xiehe").await;
        let name = w.store.account_by_username("xiehe").await.unwrap().display_name;
        let forbidden = w.get(&unit, "/credits/review").await;
        assert_dressed(&forbidden, StatusCode::FORBIDDEN, &name, backend);
        unit.csrf = None;
        let no_token = w.post(&unit, "/me/password", "current=x&password=abcd1234&password2=abcd1234").await;
        assert_dressed(&no_token, StatusCode::FORBIDDEN, &name, backend);
        assert!(no_token.body.contains("页面已过期"), "{backend}: {}", no_token.body);
    }
}
