//! Electronic credit certificates end to end (issue 17), on every backend: issued for granted
//! project records → verified online (API and page) → verified offline by the CLI from the PDF's QR
//! code → a changed byte in the facts fails → revoked → the page and the CLI say revoked. Also the
//! PDF's text (rare-character names, credits), the learner's list and zip, and the public credit query.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use jijiao_domain::Hours;
use jijiao_domain::credits::learning_record::{RecordFacts, RecordSource};
use jijiao_domain::credits::{ActivityKind, Role};
use jijiao_domain::org::{Delivery, Level};
use jijiao_storage::credit_records::{CreditRecordId, Decision, NewCreditRecord};
use jijiao_storage::{Actor, PageRequest, PersonFilter, PersonId};
use tower::ServiceExt;

use crate::common::{Client, World, jijiao, world};

/// A GET through the router, answering the raw bytes (PDFs and zips are not text).
async fn bytes(w: &World, client: &Client, path: &str) -> (StatusCode, Vec<u8>) {
    let mut request = Request::builder().method(Method::GET).uri(path).header(header::HOST, "jijiao.test");
    if let Some(cookie) = &client.cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let response = w.app.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    (status, response.into_body().collect().await.unwrap().to_bytes().to_vec())
}

/// Runs the `jijiao` binary off the async workers (a server of the test may be answering it).
async fn cli(data: &std::path::Path, args: Vec<String>) -> (i32, String, String) {
    let data = data.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        jijiao(&data, &args)
    })
    .await
    .unwrap()
}

async fn person_named(w: &World, name: &str) -> PersonId {
    let page = w
        .store
        .people(&PersonFilter { q: Some(name.into()), ..Default::default() }, PageRequest::new(Some(1), Some(5)))
        .await
        .unwrap();
    page.items.iter().find(|p| p.name == name).unwrap_or_else(|| panic!("{name} is in the demo")).id
}

/// A granted project record for `person` (a speaker's when `speaker`).
async fn granted_project(w: &World, person: PersonId, speaker: bool) -> CreditRecordId {
    let actor = Actor::system("测试");
    let facts = RecordFacts {
        kind: ActivityKind::Project,
        title: "罕见病诊疗进展".into(),
        project_number: Some("2026-03-07-088（国）".into()),
        level: Some(Level::National),
        delivery: Some(Delivery::FaceToFace),
        role: Some(if speaker { Role::Speaker } else { Role::Participant }),
        start: Some(chrono::NaiveDate::from_ymd_opt(2026, 4, 10).unwrap()),
        end: chrono::NaiveDate::from_ymd_opt(2026, 4, 12).unwrap(),
        passed: Some(true),
        hours: Some(Hours::whole(if speaker { 2 } else { 12 })),
        credits: None,
        legacy_class: None,
    };
    let id = w
        .store
        .record_credit(
            &actor,
            &NewCreditRecord {
                person_id: person,
                source: RecordSource::Project,
                source_ref: None,
                facts,
                granted: false,
            },
        )
        .await
        .unwrap();
    w.store.decide_credits(&actor, &[id], &Decision::Grant).await.unwrap();
    id
}

fn pdftotext(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out =
        std::process::Command::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext (poppler-utils) runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_verify_online_and_offline_tamper_revoke() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = world(db).await;
        let anonymous = w.anonymous();
        let yisheng = w.signed_in("yisheng").await;

        // The demo: yisheng holds four certificates (two from the approval of an execution report,
        // demo_reports' period and demo_remote's first upload cycle), one remote project's revoked
        // with its reason.
        let mine = w.get(&yisheng, "/api/v1/me/certificates").await.json();
        let mine = mine.as_array().unwrap().clone();
        assert_eq!(mine.len(), 4, "{backend}: {mine:?}");
        let revoked = mine.iter().find(|c| c["status"] == "revoked").expect("one revoked");
        let valid = mine.iter().find(|c| c["status"] == "valid" && c["credits"] == "6.0").expect("a valid one");
        assert_eq!(valid["kind"], "credit");
        assert_eq!(valid["credits"], "6.0");
        let number = valid["number"].as_str().unwrap().to_string();
        let answer = w.get(&anonymous, &format!("/api/v1/certificates/{}", revoked["number"].as_str().unwrap())).await;
        assert_eq!(answer.json()["revoked"]["reason"], jijiao::demo_certificates::REVOKED_REASON, "{backend}");

        // Online: the API and the public page, no login.
        let online = w.get(&anonymous, &format!("/api/v1/certificates/{number}")).await;
        assert_eq!(online.status, StatusCode::OK, "{backend}: {}", online.body);
        let online = online.json();
        assert_eq!((online["status"].as_str(), online["revoked"].is_null()), (Some("valid"), true));
        assert_eq!(online["facts"]["number"], number.as_str());
        let page = w.get(&anonymous, &format!("/certificates/verify?number={number}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("该证书有效") && page.body.contains("签名有效"), "{backend}");
        let keys = w.get(&anonymous, "/.well-known/jijiao/certificate-keys.json").await;
        let keys_json = keys.json();
        assert_eq!(keys_json[0]["kid"], "11-1", "{backend}: {}", keys.body);
        assert_eq!(w.get(&anonymous, "/api/v1/certificates/2026-11-99999999").await.status, StatusCode::NOT_FOUND);
        assert_eq!(w.get(&anonymous, "/api/v1/certificates/abc").await.status, StatusCode::UNPROCESSABLE_ENTITY);

        // Offline: the PDF's QR code and the published keys, no server.
        let (status, pdf) = bytes(&w, &yisheng, &format!("/certificates/{number}.pdf")).await;
        assert_eq!(status, StatusCode::OK, "{backend}");
        assert!(pdf.starts_with(b"%PDF"));
        let dir = tempfile::tempdir().unwrap();
        let pdf_path = dir.path().join(format!("{number}.pdf"));
        std::fs::write(&pdf_path, &pdf).unwrap();
        let keys_path = dir.path().join("keys.json");
        std::fs::write(&keys_path, &keys.body).unwrap();
        let offline = |file: &std::path::Path| {
            vec![
                "certificate".to_string(),
                "verify".into(),
                file.display().to_string(),
                "--keys".into(),
                keys_path.display().to_string(),
            ]
        };
        let (code, out, err) = cli(dir.path(), offline(&pdf_path)).await;
        assert_eq!(code, 0, "{backend}: {out}{err}");
        assert!(out.contains(&number) && out.contains("学分：6.0") && out.contains("结果：有效"), "{out}");

        // A changed byte in the facts: the same signature over other facts fails.
        let text = jijiao_documents::pdf::read_certificate_qr(&pdf).unwrap();
        let content = jijiao_domain::certificate::read_qr_text(&text).unwrap();
        let mut forged = content.facts.clone();
        forged["credits"] = serde_json::json!("9.0");
        let forged: jijiao_domain::certificate::Facts = serde_json::from_value(forged).unwrap();
        let url = content.url.split("/certificates/verify").next().unwrap().to_string();
        let input = jijiao_documents::pdf::CertificateInput {
            title: "继续医学教育学分证书".into(),
            number: number.clone(),
            qr: jijiao_domain::certificate::qr_text(&url, &forged, &content.signature),
            ..Default::default()
        };
        let forged_path = dir.path().join("forged.pdf");
        std::fs::write(&forged_path, jijiao_documents::pdf::certificate(&input).unwrap()).unwrap();
        let (code, out, _) = cli(dir.path(), offline(&forged_path)).await;
        assert_eq!(code, 1, "{backend}: {out}");
        assert!(out.contains("签名与证书内容不符"), "{out}");
        // Not a certificate at all: unreadable.
        let junk = dir.path().join("junk.pdf");
        std::fs::write(&junk, b"%PDF-1.7 not a certificate").unwrap();
        assert_eq!(cli(dir.path(), offline(&junk)).await.0, 2, "{backend}");

        // Revoked by the issuing office (北京): the API, the page and the CLI (asking the server) say so.
        let beijing = w.signed_in("beijing").await;
        let hebei = w.signed_in("hebei").await;
        let body = r#"{"reason":"证书信息与执行情况不符"}"#;
        assert_eq!(
            w.post(&hebei, &format!("/api/v1/certificates/{number}/revoke"), body).await.status,
            StatusCode::NOT_FOUND
        );
        let done = w.post(&beijing, &format!("/api/v1/certificates/{number}/revoke"), body).await;
        assert_eq!(done.status, StatusCode::OK, "{backend}: {}", done.body);
        assert_eq!(done.json()["status"], "revoked");
        assert_eq!(done.json()["revoked"]["reason"], "证书信息与执行情况不符");
        let page = w.get(&anonymous, &format!("/certificates/verify?number={number}")).await;
        assert!(page.body.contains("该证书已撤销") && page.body.contains("证书信息与执行情况不符"), "{backend}");

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let settings = jijiao_web::WebSettings { secure_cookies: false, ..Default::default() };
        let server =
            tokio::spawn(jijiao_web::serve(listener, jijiao_web::AppState::with_settings(w.store.clone(), settings)));
        let url = format!("http://{address}");
        let (code, out, err) =
            cli(dir.path(), vec!["certificate".into(), "verify".into(), number.clone(), "--url".into(), url.clone()])
                .await;
        assert_eq!(code, 1, "{backend}: {out}{err}");
        assert!(out.contains("结果：已撤销") && out.contains("证书信息与执行情况不符"), "{out}");
        // From the PDF, with keys and status from the server.
        let (code, out, err) = cli(
            dir.path(),
            vec!["certificate".into(), "verify".into(), pdf_path.display().to_string(), "--url".into(), url],
        )
        .await;
        assert_eq!(code, 1, "{backend}: {out}{err}");
        assert!(out.contains("结果：已撤销"), "{out}");
        server.abort();

        // Reissue (by the nation): a new number naming the old one; the old is revoked already.
        let guojia = w.signed_in("guojia").await;
        let again = w.post(&guojia, &format!("/api/v1/certificates/{number}/reissue"), body).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{backend}: revoked certificates are not reissued");

        let log = w.get(&guojia, "/api/v1/audit?object_type=certificate").await.json();
        let actions: Vec<&str> = log["items"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
        // Issued in batches (the demo's learner's, a report's approval): one entry naming each certificate.
        assert!(actions.contains(&"certificate.issue_batch") && actions.contains(&"certificate.revoke"), "{actions:?}");
        let batch = log["items"].as_array().unwrap().iter().find(|e| e["action"] == "certificate.issue_batch").unwrap();
        assert!(batch.to_string().contains("credit_record_id"), "every certificate of the batch is named: {batch}");
    }
}

#[tokio::test]
async fn the_pdf_prints_rare_names_and_credits_and_a_year_downloads_as_a_zip() {
    let db = jijiao_storage::testing::sqlite().await;
    let w = world(db).await;
    let app = jijiao_app::App::new(w.store.clone());
    let actor = Actor::system("测试");
    let mut records = Vec::new();
    for (i, name) in ["王喆", "李堃", "刘䶮"].into_iter().enumerate() {
        let person = person_named(&w, name).await;
        records.push(granted_project(&w, person, i == 2).await);
    }
    let issued = jijiao_app::certificates::issue_certificates_for(&app, &actor, &records).await.unwrap();
    assert_eq!(issued.len(), 3);
    // Issuing again issues nothing twice.
    assert!(jijiao_app::certificates::issue_certificates_for(&app, &actor, &records).await.unwrap().is_empty());
    for (c, (name, credits)) in issued.iter().zip([("王喆", "4.0"), ("李堃", "4.0"), ("刘䶮", "4.0")]) {
        let started = std::time::Instant::now();
        let pdf = jijiao_app::certificates::pdf(c, "http://jijiao.test").await.unwrap();
        let elapsed = started.elapsed();
        let text = pdftotext(&pdf);
        assert!(text.contains(name), "{name} missing from:\n{text}");
        assert!(text.contains(&format!("学分 {credits} 分")), "{text}");
        let title = if name == "刘䶮" { "授课证明" } else { "继续医学教育学分证书" };
        assert!(text.contains(title), "{text}");
        eprintln!("{} PDF in {elapsed:?} (debug build)", c.number);
    }

    // yisheng's year as a zip of her PDFs.
    let yisheng = w.signed_in("yisheng").await;
    let year = jijiao_app::Clock::this_year(&jijiao_app::SystemClock);
    let (status, zip) = bytes(&w, &yisheng, &format!("/me/certificates/zip?year={year}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(zip.starts_with(b"PK"));
    assert_eq!(bytes(&w, &yisheng, "/me/certificates/zip?year=1999").await.0, StatusCode::NOT_FOUND);
    let page = w.get(&yisheng, "/me/certificates").await;
    assert!(page.body.contains("已撤销") && page.body.contains("下载本年度全部证书"), "{}", page.body);
    // Someone else's PDF: not found.
    let other = issued[0].number.clone();
    assert_eq!(bytes(&w, &yisheng, &format!("/certificates/{other}.pdf")).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_public_credit_query_needs_the_right_pair_and_the_captcha() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = world(db).await;
        let anonymous = w.anonymous();
        let person = w.store.account_by_username("yisheng").await.unwrap().person_id.unwrap();
        let person = w.store.person(person).await.unwrap();
        let form = w.get(&anonymous, "/credit-query").await;
        assert!(form.body.contains("data:image/png;base64,"), "{backend}: a captcha is shown");
        let ask = |name: &str, id: &str, n: usize, answer: &str| {
            format!("name={name}&id_number={id}&captcha_id=t{n}&captcha={answer}")
        };
        for n in 0..3 {
            w.store
                .store_captcha(&format!("t{n}"), &jijiao_web::captcha::captcha_hash("ab3de"), 600_000)
                .await
                .unwrap();
        }
        let wrong_captcha =
            w.post(&anonymous, "/credit-query", &ask(&person.name, person.id_number.as_str(), 0, "zzzzz")).await;
        assert_eq!(wrong_captcha.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(!wrong_captcha.body.contains("心力衰竭规范化诊疗"));

        let found =
            w.post(&anonymous, "/credit-query", &ask(&person.name, person.id_number.as_str(), 1, "AB3DE")).await;
        assert_eq!(found.status, StatusCode::OK, "{backend}");
        assert!(found.body.contains("心力衰竭规范化诊疗") && found.body.contains("学分"), "{backend}");
        assert!(!found.body.contains(person.id_number.as_str()), "the ID number is not shown back");
        assert!(!found.body.contains("未附签到表"), "a rejected record is nothing of the public's");

        let wrong_pair = w.post(&anonymous, "/credit-query", &ask("王五", person.id_number.as_str(), 2, "ab3de")).await;
        assert_eq!(wrong_pair.status, StatusCode::OK);
        assert!(wrong_pair.body.contains("未查询到与该姓名和身份证号相符的学分记录"), "{backend}");
        assert!(!wrong_pair.body.contains("心力衰竭规范化诊疗"));
        // A used captcha does not answer twice.
        let reused =
            w.post(&anonymous, "/credit-query", &ask(&person.name, person.id_number.as_str(), 1, "ab3de")).await;
        assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

/// Reads a binary greyscale PGM (`P5`), as `pdftoppm -gray` writes it.
fn read_pgm(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
    }
    assert_eq!(fields[0], "P5");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    (w, h, bytes[at + 1..at + 1 + w * h].to_vec())
}

/// In Chromium: the QR code of a certificate PDF, rendered as a printer would (pdftoppm) and read
/// from the picture like a phone camera (rqrr), opens the verification page, phone-sized.
#[tokio::test]
async fn the_qr_code_in_the_pdf_opens_the_verification_page() {
    let Some(browser) = crate::browser::browser().await else { return };
    let db = jijiao_storage::testing::sqlite().await;
    let w = world(db).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let settings = jijiao_web::WebSettings { secure_cookies: false, ..Default::default() };
    tokio::spawn(jijiao_web::serve(listener, jijiao_web::AppState::with_settings(w.store.clone(), settings)));

    let person = w.store.account_by_username("yisheng").await.unwrap().person_id.unwrap();
    let c = w
        .store
        .certificates_of_person(person, None)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.revoked_on.is_none())
        .unwrap();
    let pdf = jijiao_app::certificates::pdf(&c, &format!("http://{address}")).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.pdf"), &pdf).unwrap();
    let status = std::process::Command::new("pdftoppm")
        .args(["-gray", "-r", "300", "c.pdf", "page"])
        .current_dir(dir.path())
        .status()
        .expect("pdftoppm (poppler-utils) runs");
    assert!(status.success());
    let picture = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "pgm"))
        .expect("a rendered page");
    let (width, height, pixels) = read_pgm(&std::fs::read(picture).unwrap());
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| pixels[y * width + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the page");
    let (_, text) = grids[0].decode().unwrap();
    assert!(text.starts_with(&format!("http://{address}/certificates/verify?number={}#", c.number)), "{text}");

    let client = &browser.client;
    client.set_window_size(390, 844).await.unwrap();
    client.goto(&text).await.unwrap();
    let main = client.find(fantoccini::Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(main.contains("该证书有效") && main.contains(&c.number) && main.contains("心力衰竭规范化诊疗"), "{main}");
    // Phone-first: nothing wider than the screen.
    let overflow =
        client.execute("return document.documentElement.scrollWidth > window.innerWidth;", vec![]).await.unwrap();
    assert_eq!(overflow, serde_json::json!(false), "the verification page fits 390 px");
    browser.close().await;
}
