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

/// Point 4 for the credit forms: a registration or a self-study plan refused keeps everything typed.
#[tokio::test]
async fn refused_credit_forms_keep_what_was_typed() {
    for db in jijiao_storage::testing::databases().await {
        let w = world(db).await;
        let backend = w.db.name;
        let unit = w.signed_in("xiehe").await;
        let person = w.store.account_by_username("yisheng").await.unwrap().person_id.unwrap().0;
        // Hours that are no number: refused, and the form comes back as it was sent.
        let form = format!(
            "person_id={person}&kind=further_training&title=心内科进修三个月&start=2025-03-01&end=2025-05-31&hours=很多&role=&passed=true&source_ref=协和教发〔2025〕7号"
        );
        let page = w.post(&unit, "/credits/register", &form).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}: {}", page.body);
        for kept in [
            "value=\"心内科进修三个月\"",
            "value=\"2025-03-01\"",
            "value=\"2025-05-31\"",
            "value=\"很多\"",
            "value=\"协和教发〔2025〕7号\"",
            "<option value=\"true\" selected>合格</option>",
            &format!("<option value=\"{person}\" selected>"),
        ] {
            assert!(page.body.contains(kept), "{backend}: {kept} is kept: {}", page.body);
        }

        let me = w.signed_in("yisheng").await;
        let plan =
            w.post(&me, "/me/self-study/plans", "year=2025&content=阅读《内科学》第10版心血管部分&planned=很多").await;
        assert_eq!(plan.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}: {}", plan.body);
        assert!(plan.body.contains(">阅读《内科学》第10版心血管部分</textarea>"), "{backend}: {}", plan.body);
        assert!(plan.body.contains("value=\"很多\""), "{backend}");
        let apply =
            w.post(&me, "/me/self-study/applications", "plan_id=&title=心电图判读自学&end=2025-13-45&credits=2").await;
        assert_eq!(apply.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}: {}", apply.body);
        assert!(apply.body.contains("value=\"心电图判读自学\"") && apply.body.contains("value=\"2\""), "{backend}");
    }
}

/// Point 6: the small wrong things.
#[tokio::test]
async fn the_small_wrong_things_are_right() {
    for db in jijiao_storage::testing::databases().await {
        let w = world(db).await;
        let backend = w.db.name;
        let person = w.store.account_by_username("yisheng").await.unwrap().person_id.unwrap().0;

        // A person's record leads unit and district administrators back to a list of their own.
        for username in ["xiehe", "dongcheng"] {
            let admin = w.signed_in(username).await;
            let page = w.get(&admin, &format!("/credits/people/{person}")).await;
            assert_eq!(page.status, StatusCode::OK, "{backend}: {username}");
            assert!(page.body.contains("<a href=\"/credits/compliance\">← 学分达标</a>"), "{backend}: {username}");
            assert!(!page.body.contains("href=\"/credits/review\""), "{backend}: {username} has no 学分审核");
        }
        let office = w.signed_in("beijing").await;
        let page = w.get(&office, &format!("/credits/people/{person}")).await;
        assert!(page.body.contains("<a href=\"/credits/review\">← 学分审核</a>"), "{backend}");

        // A registration dated after today is refused, on the form and in a file.
        let unit = w.signed_in("xiehe").await;
        let next_month = (chrono::Utc::now() + chrono::Duration::days(40)).date_naive();
        let today = chrono::Utc::now().date_naive();
        let form = format!(
            "person_id={person}&kind=further_training&title=未来的进修&start={today}&end={next_month}&passed=true"
        );
        let future = w.post(&unit, "/credits/register", &form).await;
        assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}: {}", future.body);
        assert!(future.body.contains("晚于今天"), "{backend}: {}", future.body);

        // A published list is held to the credit caps; an unknown 申办单位 is named, not passed silently.
        let national = w.signed_in("guojia").await;
        let list =
            |rows: &str| format!("项目编号,项目名称,申办单位,项目负责人,举办期限,学分,拟招生人数,举办地点\n{rows}");
        let import = "/api/v1/projects/import?year=2030&batch=1&dry_run=true&file_name=list.csv";
        let send = |body: String| {
            let request = axum::http::Request::post(import)
                .header(header::COOKIE, national.cookie.clone().unwrap())
                .header("x-csrf-token", national.csrf.clone().unwrap())
                .header(header::CONTENT_TYPE, "text/csv")
                .body(axum::body::Body::from(body))
                .unwrap();
            let app = w.app.clone();
            async move {
                use http_body_util::BodyExt;
                use tower::ServiceExt;
                let response = app.oneshot(request).await.unwrap();
                let status = response.status();
                let bytes = response.into_body().collect().await.unwrap().to_bytes();
                (status, serde_json::from_slice::<serde_json::Value>(&bytes).unwrap())
            }
        };
        let (status, body) = send(list(
            "2030-03-01-001（国）,心衰学习班,北京协和医院,王喆,2030-09-02-2030-09-05,25,100,北京\n\
             2030-03-01-002（国）,远程心电学习班,北京协和医院,王喆,2030-09-02-2030-09-05,5,100,远程\n",
        ))
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}: {body}");
        let errors = body["errors"].to_string();
        assert!(errors.contains("第2行") && errors.contains("10.0"), "{backend}: {errors}");
        assert!(errors.contains("第3行") && errors.contains("远程项目最多 3.0"), "{backend}: {errors}");
        let (status, body) = send(list(
            "2030-03-01-001（国）,心衰学习班,北京协和医院,王喆,2030-09-02-2030-09-05,10,100,北京\n\
             2030-03-01-002（国）,肾病学习班,不存在的医院,张三,2030-09-02-2030-09-05,5,100,北京\n",
        ))
        .await;
        assert_eq!(status, StatusCode::OK, "{backend}: {body}");
        assert_eq!(body["unlinked_units"], serde_json::json!(["不存在的医院"]), "{backend}: {body}");

        // A 北京 unit sees the windows that concern it: the nation's, 北京's, its district's.
        let windows = w.get(&unit, "/application-windows").await;
        assert!(windows.body.contains("北京市继续医学教育委员会"), "{backend}: {}", windows.body);
        assert!(windows.body.contains("全国继续医学教育委员会办公室"), "{backend}");
        assert!(!windows.body.contains("河北省继续医学教育委员会"), "{backend}: no 河北 window");
        assert!(!windows.body.contains("上海市继续医学教育委员会"), "{backend}: no 上海 window");
        let hebei = w.signed_in("hebei").await;
        assert!(w.get(&hebei, "/application-windows").await.body.contains("河北省继续医学教育委员会"), "{backend}");
    }
}

/// Point 10: what a decision did is said; a published batch offers no 公布并编号.
#[tokio::test]
async fn success_messages_name_what_happened() {
    fn ids(body: &str, before: &str, after: &str) -> Vec<String> {
        body.split(before).skip(1).filter_map(|rest| rest.split_once(after).map(|(id, _)| id.to_string())).collect()
    }
    for db in jijiao_storage::testing::databases().await {
        let w = world(db).await;
        let backend = w.db.name;
        let follow = |reply: &crate::common::Reply| {
            reply.headers.get(header::LOCATION).and_then(|l| l.to_str().ok()).unwrap_or_default().to_string()
        };

        // Granting one registration says so, on the list it goes back to.
        let office = w.signed_in("beijing").await;
        let review = w.get(&office, "/credits/review?status=provisional").await;
        let record =
            ids(&review.body, "action=\"/credits/records/", "/grant\"").into_iter().next().expect("a record to grant");
        let granted = w.post(&office, &format!("/credits/records/{record}/grant"), "").await;
        assert_eq!(granted.status, StatusCode::SEE_OTHER, "{backend}: {}", granted.body);
        let list = w.get(&office, &follow(&granted)).await;
        assert!(list.body.contains("已发放 1 条学分记录"), "{backend}: {}", list.body);

        // Confirming a registered professional names them.
        let unit = w.signed_in("xiehe").await;
        let pending = w.get(&unit, "/admin/confirmations").await;
        let account =
            ids(&pending.body, "action=\"/admin/accounts/", "/confirm\"").into_iter().next().expect("one waits");
        let confirmed = w.post(&unit, &format!("/admin/accounts/{account}/confirm"), "").await;
        let page = w.get(&unit, &follow(&confirmed)).await;
        assert!(page.body.contains("已确认“"), "{backend}: {}", page.body);

        // The demo's batches are published: none offers to publish again.
        let national = w.signed_in("guojia").await;
        let publication = w.get(&national, "/publication").await;
        let batches = ids(&publication.body, "href=\"/publication/batches/", "\"");
        assert!(!batches.is_empty(), "{backend}");
        for batch in batches.iter().filter(|b| b.chars().all(|c| c.is_ascii_digit())) {
            let page = w.get(&national, &format!("/publication/batches/{batch}")).await;
            if page.body.contains("· 已公布") {
                assert!(!page.body.contains("/publish\""), "{backend}: batch {batch} is published");
            }
        }
        let added = w.get(&national, &format!("/publication/batches/{}?added=2", batches[0])).await;
        assert!(added.body.contains("已将 2 份申报书加入本批次"), "{backend}");
    }
}

/// Point 15: a favicon, the API docs' own policy and link for administrators only, and upload
/// forms that carry their CSRF token in the body, never in the address.
#[tokio::test]
async fn favicon_docs_and_upload_tokens() {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    for db in jijiao_storage::testing::databases().await {
        let w = world(db).await;
        let backend = w.db.name;
        let anonymous = w.anonymous();
        let icon = w.get(&anonymous, "/favicon.ico").await;
        assert_eq!((icon.status, content_type(&icon)), (StatusCode::OK, "image/svg+xml"), "{backend}");
        let docs = w.get(&anonymous, "/api/docs/").await;
        let policy = |r: &crate::common::Reply| {
            r.headers.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap().to_string()
        };
        assert!(policy(&docs).contains("'sha256-"), "{backend}: {}", policy(&docs));
        assert!(!policy(&w.get(&anonymous, "/").await).contains("sha256"), "{backend}: pages keep the strict policy");
        let person = w.signed_in("yisheng").await;
        assert!(!w.get(&person, "/me").await.body.contains("href=\"/api/docs\""), "{backend}: no API docs link");
        let admin = w.signed_in("xiehe").await;
        assert!(
            w.get(&admin, "/me").await.body.contains("href=\"/api/docs\""),
            "{backend}: administrators use the API"
        );

        // Every upload form posts to its plain address, the token in a hidden field.
        for page in ["/credits/register", "/credits/legacy", "/publication", "/admin/reference"] {
            let who = if page == "/credits/register" { &admin } else { &w.signed_in("guojia").await.clone() };
            let body = w.get(who, page).await.body;
            assert!(!body.contains("?csrf="), "{backend}: {page} puts no token in an address");
        }
        let form = w.get(&admin, "/credits/register").await.body;
        assert!(form.contains("action=\"/credits/register/import\" enctype=\"multipart/form-data\">\n    <input type=\"hidden\" name=\"csrf\""), "{backend}: {form}");
        // The token read from the multipart body: the upload is judged on its rows, not refused.
        let csrf = admin.csrf.clone().unwrap();
        let body = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\nContent-Type: text/csv\r\n\r\n姓名,身份证号\n张三,110105194912310025\n\r\n--{b}--\r\n",
            b = crate::common::BOUNDARY
        );
        let send = |body: String| {
            let request = axum::http::Request::post("/credits/register/import")
                .header(header::COOKIE, admin.cookie.clone().unwrap())
                .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={}", crate::common::BOUNDARY))
                .body(axum::body::Body::from(body))
                .unwrap();
            let app = w.app.clone();
            async move {
                let response = app.oneshot(request).await.unwrap();
                let status = response.status();
                let bytes = response.into_body().collect().await.unwrap().to_bytes();
                (status, String::from_utf8_lossy(&bytes).into_owned())
            }
        };
        let (status, page) = send(body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}: judged on its rows: {page}");
        assert!(!page.contains("页面已过期"), "{backend}");
        let (status, _) = send(body.replace(&csrf, "wrong-token")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{backend}: a wrong token in the body is refused");
    }
}

/// Point 13: the learning record explains for people, prints with room to sign and stamp, and
/// the header names the person.
#[tokio::test]
async fn the_learning_record_speaks_to_people() {
    for db in jijiao_storage::testing::databases().await {
        let w = world(db).await;
        let backend = w.db.name;
        let me = w.signed_in("yisheng").await;
        let account = w.store.account_by_username("yisheng").await.unwrap();
        let name = w.store.person(account.person_id.unwrap()).await.unwrap().name;
        let page = w.get(&me, "/me/credits").await;
        assert!(
            page.body.contains(&format!("<span class=\"user-name\">{name}</span>")),
            "{backend}: the person's name"
        );
        assert!(page.body.contains("依据：继续医学教育项目学员：学时÷3"), "{backend}: {}", page.body);
        assert!(!page.body.contains("[project."), "{backend}: no rule ids");
        let print = w.get(&me, "/me/credits/print").await;
        assert!(print.body.contains("单位审核（盖章）") && print.body.contains("本人签字"), "{backend}");
        assert!(print.body.contains("class=\"muted screen-only\""), "{backend}: the hint stays on the screen");
    }
}

/// Point 12: the waiting list shows whom the unit confirms, and a registration may be refused
/// with a reason the registrant reads.
#[tokio::test]
async fn the_waiting_list_shows_who_and_refuses_with_a_reason() {
    for db in jijiao_storage::testing::databases().await {
        let w = world(db).await;
        let backend = w.db.name;
        let unit = w.signed_in("xiehe").await;
        let waiting = w.store.account_by_username("daiqueren").await.unwrap();
        let person = w.store.person(waiting.person_id.unwrap()).await.unwrap();
        let list = w.get(&unit, "/admin/confirmations").await;
        let masked = jijiao_domain::personal::mask_id_number(person.id_number.as_str());
        assert!(list.body.contains(&masked) && !list.body.contains(person.id_number.as_str()), "{backend}: masked");
        assert!(list.body.contains("北京协和医院") && list.body.contains("注册日期"), "{backend}: {}", list.body);
        if let Some(title) = &person.title {
            assert!(list.body.contains(title.as_str()), "{backend}: the title");
        }
        let id = waiting.id.0;
        assert!(list.body.contains(&format!("action=\"/admin/accounts/{id}/reject\"")), "{backend}");

        let no_reason = w.post(&unit, &format!("/admin/accounts/{id}/reject"), "reason=").await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}: a reason is required");
        let refused = w.post(&unit, &format!("/admin/accounts/{id}/reject"), "reason=工号与本院人事记录不符").await;
        assert_eq!(refused.status, StatusCode::SEE_OTHER, "{backend}: {}", refused.body);
        let location = refused.headers.get(header::LOCATION).unwrap().to_str().unwrap().to_string();
        let after = w.get(&unit, &location).await;
        assert!(after.body.contains("已拒绝“") && !after.body.contains(&masked), "{backend}: it leaves the list");
        let registrant = w.signed_in("daiqueren").await;
        let me = w.get(&registrant, "/me").await;
        assert!(me.body.contains("原因：工号与本院人事记录不符"), "{backend}: {}", me.body);
    }
}

/// Point 11 over HTTP: the pickers are on the pages, and a review decides the rows selected.
#[tokio::test]
async fn pickers_and_decisions_on_selected_rows() {
    fn ids(body: &str, before: &str, after: &str) -> Vec<String> {
        body.split(before).skip(1).filter_map(|rest| rest.split_once(after).map(|(id, _)| id.to_string())).collect()
    }
    for db in jijiao_storage::testing::databases().await {
        let w = world(db).await;
        let backend = w.db.name;
        let unit = w.signed_in("xiehe").await;
        let created = w.post(&unit, "/applications", "level=national&name=选择器测试项目").await;
        let location = created.headers.get(header::LOCATION).unwrap().to_str().unwrap().to_string();
        let draft = ids(&location, "/applications/", "/edit").into_iter().next().expect("a draft");
        let basic = w.get(&unit, &format!("/applications/{draft}/edit?step=basic")).await;
        assert!(
            basic.body.contains("name=\"subject.tertiary\" data-path=\"subject.tertiary\" data-kind=\"text\" value=\""),
            "{backend}"
        );
        assert!(basic.body.contains("list=\"subjects\""), "{backend}: the subject picker");
        assert!(basic.body.contains("<option value=\"03-07\" label=\"03-07 感染病学\">"), "{backend}: by name or code");
        let leader = w.get(&unit, &format!("/applications/{draft}/edit?step=leader")).await;
        assert!(
            leader.body.contains("list=\"titles\"") && leader.body.contains("<option value=\"主任医师\">"),
            "{backend}"
        );
        let register = w.get(&unit, "/credits/register").await;
        assert!(
            register.body.contains("data-filter-select=\"person_id\""),
            "{backend}: people found by name or number"
        );
        let national = w.signed_in("guojia").await;
        let publication = w.get(&national, "/publication").await;
        assert!(
            publication.body.contains("list=\"units\"") && publication.body.contains("<option value=\"北京协和医院\">"),
            "{backend}"
        );

        // Granting the rows selected: those two, and only those.
        let office = w.signed_in("beijing").await;
        let review = w.get(&office, "/credits/review?status=provisional").await;
        let records = ids(&review.body, "name=\"record\" value=\"", "\"");
        assert!(records.len() >= 3, "{backend}: {records:?}");
        let form = format!("decision=grant&record={}&record={}", records[0], records[1]);
        let decided = w.post(&office, "/credits/review/decide", &form).await;
        let location = decided.headers.get(header::LOCATION).unwrap().to_str().unwrap().to_string();
        assert!(w.get(&office, &location).await.body.contains("已发放 2 条学分记录"), "{backend}");
        let after = w.get(&office, "/credits/review?status=provisional").await;
        let left = ids(&after.body, "name=\"record\" value=\"", "\"");
        assert!(!left.contains(&records[0]) && !left.contains(&records[1]) && left.contains(&records[2]), "{backend}");
    }
}
