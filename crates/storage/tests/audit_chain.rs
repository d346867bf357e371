//! The audit chain: every change is logged, and any modified, deleted or inserted row is detected.

use jijiao_domain::org::InspectionResult;
use jijiao_storage::testing::{databases, hospital};
use jijiao_storage::{Actor, AuditFilter, NewOrganisation, PageRequest, Store};

fn unit(name: &str) -> NewOrganisation {
    hospital(name, "11")
}

async fn with_three_entries(store: &Store) {
    let actor = Actor { account_id: None, name: "审计测试".into(), ip: Some("127.0.0.1".into()) };
    let a = store.create_organisation(&actor, &unit("甲医院")).await.unwrap();
    store.create_organisation(&actor, &unit("乙医院")).await.unwrap();
    store.set_inspection(&actor, a, InspectionResult::Failed).await.unwrap();
}

#[tokio::test]
async fn every_change_is_logged_with_before_and_after() {
    for db in databases().await {
        let store = db.open().await;
        with_three_entries(&store).await;
        let log = store
            .audit_log(&AuditFilter { province_code: Some("11".into()), ..Default::default() }, PageRequest::default())
            .await
            .unwrap();
        assert_eq!(log.total, 3, "{}", db.name);
        let newest = &log.items[0];
        assert_eq!(
            (newest.action.as_str(), newest.actor.as_str(), newest.ip.as_deref()),
            ("organisation.inspection", "审计测试", Some("127.0.0.1"))
        );
        assert_eq!(newest.before.as_ref().unwrap()["inspection"], "passed");
        assert_eq!(newest.after.as_ref().unwrap()["inspection"], "failed");
        let elsewhere = store
            .audit_log(&AuditFilter { province_code: Some("13".into()), ..Default::default() }, PageRequest::default())
            .await
            .unwrap();
        assert_eq!(elsewhere.total, 0);
        let report = store.verify_audit_chain().await.unwrap();
        assert_eq!((report.checked, report.first_broken), (3, None), "{}", db.name);
    }
}

#[tokio::test]
async fn a_modified_row_is_detected() {
    for db in databases().await {
        let store = db.open().await;
        with_three_entries(&store).await;
        store.tamper_audit_for_tests("UPDATE audit_log SET actor = '别人' WHERE id = 2").await.unwrap();
        let broken = store.verify_audit_chain().await.unwrap().first_broken.unwrap();
        assert_eq!(broken.0, 2, "{}: {}", db.name, broken.1);
        assert!(broken.1.contains("修改"));
    }
}

#[tokio::test]
async fn a_deleted_row_is_detected() {
    for db in databases().await {
        let store = db.open().await;
        with_three_entries(&store).await;
        store.tamper_audit_for_tests("DELETE FROM audit_log WHERE id = 2").await.unwrap();
        assert_eq!(store.verify_audit_chain().await.unwrap().first_broken.unwrap().0, 2, "{}", db.name);
        // Deleting the newest entry is caught by the head row.
        let db2 = jijiao_storage::testing::sqlite().await;
        let store2 = db2.open().await;
        with_three_entries(&store2).await;
        store2.tamper_audit_for_tests("DELETE FROM audit_log WHERE id = 3").await.unwrap();
        assert_eq!(store2.verify_audit_chain().await.unwrap().first_broken.unwrap().0, 3);
    }
}

#[tokio::test]
async fn an_inserted_row_is_detected() {
    for db in databases().await {
        let store = db.open().await;
        with_three_entries(&store).await;
        // A forged entry copied from entry 3 with the next id: its MAC cannot be right without the key.
        store
            .tamper_audit_for_tests(
                "INSERT INTO audit_log (id, at, actor_account_id, actor, ip, action, object_type, object_id, province_code, org_id, before_json, after_json, prev_hash, hash)
                 SELECT 4, at, actor_account_id, '伪造', ip, action, object_type, object_id, province_code, org_id, before_json, after_json, hash, hash FROM audit_log WHERE id = 3",
            )
            .await
            .unwrap();
        assert_eq!(store.verify_audit_chain().await.unwrap().first_broken.unwrap().0, 4, "{}", db.name);
    }
}
