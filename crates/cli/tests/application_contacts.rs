//! Issue 18 point 14, the 申报书's blanks, on SQLite and PostgreSQL: the unit's contact and phone,
//! the leader's postal address, phone and highest education travel in the Application document
//! (optional keys: documents without them still read and pass), are judged by the formal review
//! when present, asked for by the online form, kept encrypted (the phones) and masked in every
//! view, and printed on the 申报书.

use crate::applications::{detail, document, donghuashi, get_bytes, pdf_text, rules_of, send_json};
use crate::common::world;

use axum::http::{Method, header};
use jijiao_storage::applications::ApplicationId;
use serde_json::Value;

const CONTACT_RULES: [&str; 3] = ["contact.complete", "contact.phone", "leader.degree"];

fn contact_findings(review: &Value) -> Vec<String> {
    rules_of(review).into_iter().filter(|r| CONTACT_RULES.contains(&r.as_str())).collect()
}

/// The fields of the findings of `review` (`leader.phone`), in order.
fn fields(review: &Value) -> Vec<String> {
    review["findings"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn the_blanks_travel_in_the_document_encrypted_masked_and_printed() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = world(db).await;
        let unit = donghuashi(&w).await;

        // The fixture carries them (formats.md's Application plus the optional keys).
        let doc = document("社区心衰管理培训班");
        assert_eq!(doc["leader"]["phone"], "13901234567");
        let created = send_json(&w, &unit, Method::POST, "/api/v1/applications", &doc).await;
        assert_eq!(created.status, 201, "{backend}: {}", created.body);
        let id = created.json()["id"].as_i64().unwrap();
        assert!(contact_findings(&created.json()["review"]).is_empty(), "{backend}: {}", created.body);

        // At rest: the phones (and the ID number) are not in clear anywhere in the row.
        let raw = w.store.raw_application_row_for_tests(id).await.unwrap();
        for secret in ["13901234567", "010-64412431", "110105196803151233"] {
            assert!(!raw.contains(secret), "{backend}: {secret} in clear: {raw}");
        }
        assert!(raw.contains("北京市朝阳区安贞路2号") && raw.contains("博士研究生"), "{backend}: not personal data");

        // The JSON export shows the phones masked, the rest as written.
        let shown = detail(&w, &unit, id).await;
        let d = &shown["document"];
        assert_eq!(d["leader"]["phone"], "139****4567", "{backend}");
        assert_eq!(d["applicant"]["contact_phone"], "010*****2431", "{backend}");
        assert_eq!(
            (d["applicant"]["contact_name"].as_str(), d["leader"]["degree"].as_str()),
            (Some("李静"), Some("博士研究生"))
        );
        assert_eq!(d["leader"]["address"], "北京市朝阳区安贞路2号", "{backend}");
        let page = w.get(&unit, &format!("/applications/{id}")).await;
        assert!(
            page.body.contains("李静，电话 010*****2431") && page.body.contains("最高学历 博士研究生"),
            "{backend}"
        );
        assert!(!page.body.contains("13901234567") && !page.body.contains("010-64412431"), "{backend}");

        // Imported back as exported: the masks keep the stored phones.
        let mut back = d.clone();
        back["leader"]["address"] = "北京市朝阳区安贞路2号（心内科）".into();
        let saved = send_json(&w, &unit, Method::PUT, &format!("/api/v1/applications/{id}"), &back).await;
        assert_eq!(saved.status, 200, "{backend}: {}", saved.body);
        let stored = w.store.application(ApplicationId(id)).await.unwrap().document;
        assert_eq!(stored.leader.phone.as_deref(), Some("13901234567"), "{backend}");
        assert_eq!(stored.applicant.contact_phone.as_deref(), Some("010-64412431"), "{backend}");
        assert_eq!(stored.leader.address.as_deref(), Some("北京市朝阳区安贞路2号（心内科）"), "{backend}");
        // Another masked text would write asterisks: refused naming the field, nothing written.
        let mut forged = back.clone();
        forged["leader"]["phone"] = "138****0000".into();
        let refused = send_json(&w, &unit, Method::PUT, &format!("/api/v1/applications/{id}"), &forged).await;
        assert_eq!(refused.status, 422, "{backend}: {}", refused.body);
        assert_eq!(refused.json()["field"], "leader.phone", "{backend}: {}", refused.body);

        // Present and wrong: findings with their fields, never repeating the phone.
        let mut wrong = back.clone();
        wrong["leader"]["phone"] = "12345".into();
        wrong["applicant"]["contact_name"] = "".into();
        wrong["leader"]["degree"] = "博士".into();
        let saved = send_json(&w, &unit, Method::PUT, &format!("/api/v1/applications/{id}"), &wrong).await;
        assert_eq!(saved.status, 200, "{backend}: {}", saved.body);
        let review = &saved.json()["review"];
        assert_eq!(contact_findings(review), ["contact.complete", "contact.phone", "leader.degree"], "{backend}");
        let found = fields(review);
        for field in ["applicant.contact_name", "leader.phone", "leader.degree"] {
            assert!(found.contains(&field.to_string()), "{backend}: {field} in {found:?}");
        }
        assert!(!saved.body.contains("12345\""), "{backend}: {}", saved.body);
        // The mask of the old phone no longer matches what is stored: the whole number is typed again.
        let stale = send_json(&w, &unit, Method::PUT, &format!("/api/v1/applications/{id}"), &back).await;
        assert_eq!(stale.status, 422, "{backend}: {}", stale.body);
        let mut restored = back.clone();
        restored["leader"]["phone"] = "13901234567".into();
        let saved = send_json(&w, &unit, Method::PUT, &format!("/api/v1/applications/{id}"), &restored).await;
        assert_eq!(saved.status, 200, "{backend}: {}", saved.body);
        assert!(contact_findings(&saved.json()["review"]).is_empty(), "{backend}");

        // The applicant's printout fills the blanks, whole (recorded as a reveal).
        let (status, _, pdf) = get_bytes(&w, &unit, &format!("/applications/{id}/form.pdf")).await;
        assert_eq!(status, 200, "{backend}");
        if let Some(text) = pdf_text(&pdf) {
            for printed in ["李静", "010-64412431", "北京市朝阳区安贞路2号（心内科）", "13901234567", "博士研究生"]
            {
                assert!(text.contains(printed), "{backend}: {printed} not printed: {text}");
            }
        }
        let log = w
            .store
            .audit_log(
                &jijiao_storage::AuditFilter { actor: Some("东花市继教管理员".into()), ..Default::default() },
                jijiao_storage::PageRequest::default(),
            )
            .await
            .unwrap();
        let reveal = log
            .items
            .iter()
            .find(|e| e.action == "person.reveal" && e.after.as_ref().is_some_and(|a| a["application"] == id))
            .expect("the printout is a reveal");
        assert!(reveal.after.as_ref().unwrap()["shown"].to_string().contains("leader.phone"), "{backend}");

        // A document of before (a provincial system's): no such keys, no such findings, none added.
        let mut old = document("社区慢病随访管理学习班");
        old["applicant"].as_object_mut().unwrap().retain(|k, _| !k.starts_with("contact_"));
        for key in ["phone", "address", "degree"] {
            old["leader"].as_object_mut().unwrap().remove(key);
        }
        let created = send_json(&w, &unit, Method::POST, "/api/v1/applications", &old).await;
        assert_eq!(created.status, 201, "{backend}: {}", created.body);
        assert!(contact_findings(&created.json()["review"]).is_empty(), "{backend}");
        let old_id = created.json()["id"].as_i64().unwrap();
        let shown = detail(&w, &unit, old_id).await;
        assert!(shown["document"]["leader"].get("phone").is_none(), "{backend}: {}", shown["document"]);
        assert!(shown["document"]["applicant"].get("contact_phone").is_none(), "{backend}");
        // An unknown key is still refused.
        let mut unknown = old.clone();
        unknown["leader"]["mobile"] = "13901234567".into();
        let refused = send_json(&w, &unit, Method::POST, "/api/v1/applications", &unknown).await;
        assert_eq!(refused.status, 422, "{backend}: {}", refused.body);
        assert!(refused.body.contains("leader.mobile"), "{backend}: {}", refused.body);
        // The offline check reads both.
        let checked = w.post(&w.anonymous(), "/api/v1/applications/check", &old.to_string()).await;
        assert_eq!(checked.status, 200, "{backend}: {}", checked.body);

        // A reviewer's printout of the demo's submitted application masks the phones.
        let dongcheng = w.signed_in("dongcheng").await;
        let list = w.get(&dongcheng, "/api/v1/applications?status=submitted").await.json();
        let submitted = list["items"][0]["id"].as_i64().unwrap();
        let stored = w.store.application(ApplicationId(submitted)).await.unwrap().document;
        let leader_phone = stored.leader.phone.clone().expect("the demo's applications have the phones");
        let unit_phone = stored.applicant.contact_phone.clone().unwrap();
        let (status, _, pdf) = get_bytes(&w, &dongcheng, &format!("/applications/{submitted}/form.pdf")).await;
        assert_eq!(status, 200, "{backend}");
        if let Some(text) = pdf_text(&pdf) {
            assert!(!text.contains(&leader_phone) && !text.contains(&unit_phone), "{backend}: {text}");
            assert!(text.contains(&jijiao_domain::personal::mask_phone(&leader_phone)), "{backend}: {text}");
            assert!(text.contains(stored.applicant.contact_name.as_deref().unwrap()), "{backend}: {text}");
            assert!(text.contains(stored.leader.address.as_deref().unwrap()), "{backend}: {text}");
        }
    }
}

#[tokio::test]
async fn the_online_form_asks_for_the_blanks() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = world(db).await;
        let unit = w.signed_in("xiehe").await;
        let created = w.post(&unit, "/applications", "level=national&name=联系信息测试项目").await;
        let location = created.headers[header::LOCATION].to_str().unwrap().to_string();
        let id: i64 = location.trim_start_matches("/applications/").split('/').next().unwrap().parse().unwrap();

        // A new draft has the blanks, empty: the review asks for each of them.
        let review = detail(&w, &unit, id).await["review"].clone();
        let found = fields(&review);
        for field in
            ["applicant.contact_name", "applicant.contact_phone", "leader.address", "leader.phone", "leader.degree"]
        {
            assert!(found.contains(&field.to_string()), "{backend}: {field} not asked for: {found:?}");
        }
        let basic = w.get(&unit, &format!("/applications/{id}/edit?step=basic")).await;
        assert!(
            basic.body.contains("name=\"applicant.contact_phone\"") && basic.body.contains("单位联系电话"),
            "{backend}"
        );
        let leader = w.get(&unit, &format!("/applications/{id}/edit?step=leader")).await;
        assert!(leader.body.contains("<option value=\"硕士研究生\">硕士研究生</option>"), "{backend}");
        assert!(
            leader.body.contains("项目负责人通讯地址") && leader.body.contains("请选择项目负责人最高学历"),
            "{backend}"
        );

        // Filled in the form's steps, they pass.
        let save = |step: &str, fields: &str| {
            let body = format!("step={step}&{fields}");
            let (w, unit) = (&w, &unit);
            async move { w.post(unit, &format!("/applications/{id}/edit"), &body).await }
        };
        let saved = save("basic", "applicant.contact_name=刘敏&applicant.contact_phone=010-69156114").await;
        assert_eq!(saved.status, 303, "{backend}: {}", saved.body);
        let saved =
            save("leader", "leader.degree=硕士研究生&leader.address=北京市东城区帅府园1号&leader.phone=13911112222")
                .await;
        assert_eq!(saved.status, 303, "{backend}: {}", saved.body);
        let review = detail(&w, &unit, id).await["review"].clone();
        assert!(contact_findings(&review).is_empty(), "{backend}: {review}");

        // The page shows the phone masked; saved back as shown, the number stays.
        let leader = w.get(&unit, &format!("/applications/{id}/edit?step=leader")).await;
        assert!(leader.body.contains("value=\"139****2222\"") && !leader.body.contains("13911112222"), "{backend}");
        assert!(!leader.body.contains("010-69156114"), "{backend}: the page's document masks the unit's phone too");
        let saved = save("leader", "leader.phone=139****2222&leader.address=北京市东城区帅府园1号").await;
        assert_eq!(saved.status, 303, "{backend}: {}", saved.body);
        let stored = w.store.application(ApplicationId(id)).await.unwrap().document;
        assert_eq!(stored.leader.phone.as_deref(), Some("13911112222"), "{backend}");

        // The live review judges the unsaved form as saving would, the field named by its label.
        let mut typed = detail(&w, &unit, id).await["document"].clone();
        let check = |doc: Value| {
            let (w, unit) = (&w, &unit);
            async move { send_json(w, unit, Method::POST, &format!("/api/v1/applications/{id}/check"), &doc).await }
        };
        let reply = check(typed.clone()).await;
        assert_eq!(reply.status, 200, "{backend}: {}", reply.body);
        assert!(!reply.body.contains("contact.phone"), "{backend}: the mask reads as the stored phone: {}", reply.body);
        typed["leader"]["phone"] = "1391111".into();
        let reply = check(typed).await.json();
        let finding = reply["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "contact.phone").cloned();
        let finding = finding.unwrap_or_else(|| panic!("{backend}: {reply}"));
        assert_eq!((finding["label"].as_str(), finding["step"].as_str()), (Some("项目负责人联系电话"), Some("leader")));
    }
}

/// The steps that gained the blanks, and the detail that shows them, fit a phone (390 px) and a
/// desktop (1366 px) in Chromium.
#[tokio::test]
async fn the_form_with_the_blanks_fits_a_phone_and_a_desktop() {
    use fantoccini::Locator;
    let Some(browser) = crate::browser::browser().await else { return };
    let (address, _db) = crate::browser::server().await;
    let c = &browser.client;
    crate::browser_ux::login(c, address, "xiehe").await;
    c.goto(&format!("http://{address}/api/v1/applications?status=draft")).await.unwrap();
    let list: Value = serde_json::from_str(&c.find(Locator::Css("body")).await.unwrap().text().await.unwrap()).unwrap();
    let id = list["items"][0]["id"].as_i64().expect("the demo has a draft of 协和");
    for (width, height) in [(390, 844), (1366, 900)] {
        c.set_window_size(width, height).await.unwrap();
        for path in [
            format!("/applications/{id}/edit?step=basic"),
            format!("/applications/{id}/edit?step=leader"),
            format!("/applications/{id}"),
        ] {
            c.goto(&format!("http://{address}{path}")).await.unwrap();
            let overflow =
                c.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
            assert!(overflow.as_i64().unwrap() <= 0, "{path} at {width} px is wider than the window: {overflow}");
            if path.ends_with("basic") {
                let phone = c.find(Locator::Id("f-applicant.contact_phone")).await.unwrap();
                assert!(phone.is_displayed().await.unwrap(), "{width} px");
                assert!(phone.prop("value").await.unwrap().unwrap_or_default().contains('*'), "masked");
            }
            if path.ends_with("leader") {
                assert!(c.find(Locator::Id("f-leader.degree")).await.unwrap().is_displayed().await.unwrap());
            }
        }
    }
    browser.close().await;
}
