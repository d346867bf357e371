//! The national administrator replaces the subject catalogue from a spreadsheet (all or nothing,
//! bad rows named) and corrects a committee's contacts; nobody else can.

use crate::common;

use axum::http::{Method, StatusCode};
use common::world;
use jijiao_documents::{CellOut, Sheet, write_xlsx};

fn catalogue_xlsx(replace: Option<(&str, &str, &str)>) -> Vec<u8> {
    let rows = jijiao_domain::subject::SECONDARY
        .iter()
        .map(|(code, name)| {
            let (c, n) = match replace {
                Some((from, to_code, to_name)) if from == *code => (to_code.to_string(), to_name.to_string()),
                _ => (format!("{code}-01"), format!("{name}总论")),
            };
            vec![CellOut::Text(c), CellOut::Text(n)]
        })
        .collect();
    write_xlsx(&[Sheet {
        name: "三级学科".into(),
        headers: vec!["代码".into(), "名称".into()],
        rows,
        column_widths: None,
    }])
    .unwrap()
}

#[tokio::test]
async fn the_catalogue_is_replaced_from_xlsx_only_when_every_row_is_right() {
    for db in jijiao_storage::testing::databases().await {
        let w = world(db).await;
        let national = w.signed_in("guojia").await;
        let before = w.store.catalogue().await.unwrap().tertiary().len();

        // Row 4 (the header is row 1) has a bad code.
        let bad = catalogue_xlsx(Some(("03", "3-1", "内科")));
        let reply = post_bytes(&w, &national, "/api/v1/subjects/import?file_name=bad.xlsx", bad).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
        let errors = reply.json()["errors"].as_array().unwrap().clone();
        assert!(errors.iter().any(|e| e["message"].as_str().unwrap().starts_with("第4行")), "{errors:?}");
        assert_eq!(w.store.catalogue().await.unwrap().tertiary().len(), before, "nothing saved");

        let reply = post_bytes(&w, &national, "/api/v1/subjects/import?file_name=ok.xlsx", catalogue_xlsx(None)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(reply.json()["tertiary"], 24);
        assert_eq!(w.store.catalogue().await.unwrap().tertiary().len(), 24);

        let province = w.signed_in("beijing").await;
        let refused =
            post_bytes(&w, &province, "/api/v1/subjects/import?file_name=ok.xlsx", catalogue_xlsx(None)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
}

async fn post_bytes(w: &common::World, client: &common::Client, path: &str, bytes: Vec<u8>) -> common::Reply {
    // The harness sends text; a workbook is bytes.
    use axum::body::Body;
    use axum::http::{Request, header};
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut request =
        Request::builder().method(Method::POST).uri(path).header(header::CONTENT_TYPE, "application/octet-stream");
    if let Some(cookie) = &client.cookie {
        request = request.header(header::COOKIE, cookie);
    }
    if let Some(csrf) = &client.csrf {
        request = request.header("x-csrf-token", csrf);
    }
    let response = w.app.clone().oneshot(request.body(Body::from(bytes)).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = String::from_utf8_lossy(&response.into_body().collect().await.unwrap().to_bytes()).into_owned();
    common::Reply { status, headers, body }
}

#[tokio::test]
async fn committee_contacts_are_corrected_by_the_national_office_and_audited() {
    let w = world(jijiao_storage::testing::sqlite().await).await;
    let national = w.signed_in("guojia").await;
    let body = r#"{"committee_name":"北京市继续医学教育委员会","postcode":"100053","address":"北京市西城区枣林前街70号","phone":"010-63132231","fax":"010-83560301"}"#;
    let r = w.send(&national, Method::PUT, "/api/v1/provinces/11", Some(body.into())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(w.store.province("11").await.unwrap().phone, "010-63132231");
    let bad = body.replace("100053", "1000");
    let r = w.send(&national, Method::PUT, "/api/v1/provinces/11", Some(bad)).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("postcode")));
    let audit = w.get(&national, "/api/v1/audit?object_type=province").await.json();
    assert_eq!(audit["items"][0]["before"]["phone"], "010-83970662");
    assert_eq!(audit["items"][0]["after"]["phone"], "010-63132231");
    let province = w.signed_in("beijing").await;
    assert_eq!(
        w.send(&province, Method::PUT, "/api/v1/provinces/11", Some(body.into())).await.status,
        StatusCode::FORBIDDEN
    );
}
