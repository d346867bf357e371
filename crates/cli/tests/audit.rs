//! `jijiao audit anchor` and `audit verify --anchor` as an operator runs them: an anchor taken, the
//! log's tail cut in the database with the head rewritten to match, and only the anchor notices.

use jijiao_storage::testing::hospital;
use jijiao_storage::{Actor, DatabaseTarget, Store, Vault};
use std::path::Path;

use crate::common::{FIXED_KEY as KEY, jijiao};

/// The exit code and everything printed, stdout then stderr.
fn run(data: &Path, args: &[&str]) -> (i32, String) {
    let (code, out, err) = jijiao(data, args);
    (code, format!("{out}{err}"))
}

async fn open(data: &Path) -> Store {
    let target = DatabaseTarget::SqliteFile(data.join(jijiao_storage::SQLITE_FILE));
    Store::open(&target, Vault::from_base64(KEY).unwrap()).await.unwrap()
}

#[tokio::test]
async fn an_anchor_kept_outside_the_database_reveals_a_cut_tail() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let anchors = dir.path().join("anchors.jsonl");
    assert_eq!(run(&data, &["migrate"]).0, 0);
    {
        let store = open(&data).await;
        let actor = Actor::system("审计测试");
        for name in ["甲医院", "乙医院", "丙医院"] {
            store.create_organisation(&actor, &hospital(name, "11")).await.unwrap();
        }
    }
    let (code, out) = run(&data, &["audit", "anchor", "--output", anchors.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let printed = run(&data, &["audit", "anchor"]);
    assert!(printed.1.contains("\"signature\""), "{}", printed.1);
    let (code, out) = run(&data, &["audit", "verify", "--anchor", anchors.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 个锚点一致"), "{out}");

    {
        let store = open(&data).await;
        let kept = store.audit_anchor().await.unwrap().count - 1;
        store.tamper_audit_for_tests(&format!("DELETE FROM audit_log WHERE id > {kept}")).await.unwrap();
        store
            .tamper_audit_for_tests(&format!(
                "UPDATE audit_head SET last_id = {kept}, last_hash = (SELECT hash FROM audit_log WHERE id = {kept}) WHERE id = 1"
            ))
            .await
            .unwrap();
    }
    // The chain alone holds; the anchor does not.
    let (code, out) = run(&data, &["audit", "verify"]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = run(&data, &["audit", "verify", "--anchor", anchors.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("审计日志与锚点不符") && out.contains("末尾记录被删除"), "{out}");
    let (code, out) = run(&data, &["audit", "verify", "--anchor", dir.path().join("none").to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(out.contains("无法读取锚点文件"), "{out}");
}
