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

/// The attack the head row alone cannot see: delete the newest entries and set the head back.
async fn cut_the_tail(store: &Store, keep: i64) {
    store.tamper_audit_for_tests(&format!("DELETE FROM audit_log WHERE id > {keep}")).await.unwrap();
    store
        .tamper_audit_for_tests(&format!(
            "UPDATE audit_head SET last_id = {keep}, last_hash = (SELECT hash FROM audit_log WHERE id = {keep}) WHERE id = 1"
        ))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_cut_tail_passes_the_chain_but_not_an_anchor() {
    use jijiao_storage::audit_anchor::AnchorFinding;
    for db in databases().await {
        let store = db.open().await;
        let empty = store.audit_anchor().await.unwrap();
        with_three_entries(&store).await;
        let anchor = store.audit_anchor().await.unwrap();
        assert_eq!(anchor.count, 3, "{}", db.name);
        let file = format!("{}\n\n{}\n", empty.to_line(), anchor.to_line());
        assert_eq!(store.check_audit_anchors(&file).await.unwrap(), AnchorFinding::Holds { anchors: 2 });

        cut_the_tail(&store, 2).await;
        // The chain alone is fooled: this is why anchors exist.
        assert_eq!(store.verify_audit_chain().await.unwrap().first_broken, None, "{}", db.name);
        match store.check_audit_anchors(&file).await.unwrap() {
            AnchorFinding::Broken { line, reason } => {
                assert_eq!(line, 3, "{}", db.name);
                assert!(reason.contains("第 3 条已不存在") && reason.contains("末尾记录被删除"), "{reason}");
            }
            other => panic!("{}: a cut tail was not noticed: {other:?}", db.name),
        }
    }
}

#[tokio::test]
async fn a_forged_or_mismatched_anchor_is_refused() {
    use jijiao_storage::audit_anchor::{Anchor, AnchorFinding};
    for db in databases().await {
        let store = db.open().await;
        with_three_entries(&store).await;
        let anchor = store.audit_anchor().await.unwrap();
        // Changing any signed field breaks the signature.
        let forged = Anchor { count: 2, ..anchor.clone() };
        let finding = store.check_audit_anchors(&forged.to_line()).await.unwrap();
        assert!(
            matches!(&finding, AnchorFinding::Broken { line: 1, reason } if reason.contains("签名无效")),
            "{finding:?}"
        );
        // A signature made up without the key.
        let unsigned = Anchor { signature: "0".repeat(64), ..anchor.clone() };
        let finding = store.check_audit_anchors(&unsigned.to_line()).await.unwrap();
        assert!(matches!(&finding, AnchorFinding::Broken { reason, .. } if reason.contains("签名无效")), "{finding:?}");
        // Entries replaced up to the anchored count: the anchored hash differs.
        store.tamper_audit_for_tests("UPDATE audit_log SET hash = 'x' WHERE id = 3").await.unwrap();
        let finding = store.check_audit_anchors(&anchor.to_line()).await.unwrap();
        assert!(matches!(&finding, AnchorFinding::Broken { reason, .. } if reason.contains("哈希与")), "{finding:?}");
        assert!(matches!(store.check_audit_anchors("{not json").await.unwrap(), AnchorFinding::Broken { line: 1, .. }));
    }
}

#[tokio::test]
async fn an_emptied_log_says_so() {
    for db in databases().await {
        let store = db.open().await;
        with_three_entries(&store).await;
        store.tamper_audit_for_tests("DELETE FROM audit_log").await.unwrap();
        let (id, reason) = store.verify_audit_chain().await.unwrap().first_broken.unwrap();
        assert_eq!(id, 1);
        assert!(reason.contains("审计日志为空") && reason.contains("3 条"), "{reason}");
    }
}
