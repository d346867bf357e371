//! Suspending a unit's published projects and lifting the suspension, on both backends.

use crate::y;
use chrono::NaiveDate;
use jijiao_domain::org::{Delivery, Level};
use jijiao_domain::publication::ProjectKind;
use jijiao_storage::projects::{NewBatch, NewProject, ProjectPeriod};
use jijiao_storage::testing::databases;
use jijiao_storage::{Actor, AuditFilter, PageRequest, StoreError};

/// A year for the tests (in range by construction).
fn project(n: u32, unit: &str) -> NewProject {
    let day = NaiveDate::from_ymd_opt(2025, 9, 2).unwrap();
    NewProject {
        number: Some(format!("2025-03-01-{n:03}（国）")),
        application_id: None,
        name: format!("心血管病诊疗进展学习班{n}"),
        unit_name: unit.into(),
        unit_id: None,
        province_code: Some("11".into()),
        leader_name: "张三".into(),
        leader_phone: None,
        subject_tertiary: "03-01".into(),
        kind: ProjectKind::Recommended,
        delivery: Delivery::FaceToFace,
        credits: jijiao_domain::Credits::from_tenths(100),
        hours: None,
        periods: vec![ProjectPeriod { start: day, end: day, place: "北京".into() }],
        audience: String::new(),
        planned_enrollment: 100,
        enrollment_note: String::new(),
        remarks: String::new(),
    }
}

#[tokio::test]
async fn a_lifted_suspension_frees_its_projects_and_stays_on_record() {
    for db in databases().await {
        let backend = db.name;
        let store = db.open().await;
        let s = Actor::system("测试");
        let batch = NewBatch {
            level: Level::National,
            province_code: None,
            year: y(2025),
            batch: 1,
            notice: String::new(),
            notice_date: None,
        };

        let rows: Vec<_> = (1..=6).map(|n| project(n, if n <= 4 { "甲医院" } else { "乙医院" })).collect();
        store.import_projects(&s, &batch, &rows).await.unwrap();
        assert!(store.active_suspensions().await.unwrap().is_empty(), "{backend}");

        assert_eq!(store.suspend_unit_projects(&s, "甲医院", "年度校验不合格").await.unwrap(), 4);
        assert_eq!(store.suspend_unit_projects(&s, "乙医院", "暂缓校验").await.unwrap(), 2);
        let active = store.active_suspensions().await.unwrap();
        assert_eq!(active.len(), 2, "{backend}");
        let first = active.iter().find(|a| a.unit_name == "甲医院").unwrap().clone();
        assert_eq!((first.reason.as_str(), first.projects), ("年度校验不合格", 4));

        assert!(matches!(store.lift_suspension(&s, first.id, " ").await, Err(StoreError::Invalid(_))));
        assert!(matches!(store.lift_suspension(&s, 999_999, "复核合格").await, Err(StoreError::NotFound)));
        assert_eq!(store.lift_suspension(&s, first.id, "整改后复核合格").await.unwrap(), 4);
        let freed = store.project_by_number("2025-03-01-001（国）").await.unwrap();
        assert!(freed.suspension.is_none(), "{backend}: shown without the reason again");
        let other = store.project_by_number("2025-03-01-005（国）").await.unwrap();
        assert_eq!(other.suspension.map(|s| s.reason).as_deref(), Some("暂缓校验"), "the other unit's stays");
        assert_eq!(store.active_suspensions().await.unwrap().len(), 1);
        assert!(matches!(store.lift_suspension(&s, first.id, "再次").await, Err(StoreError::Conflict(_))));
        // Suspended again later: a new suspension, the lifted one kept in the log.
        assert_eq!(store.suspend_unit_projects(&s, "甲医院", "再次校验不合格").await.unwrap(), 4);
        let log = store.audit_log(&AuditFilter::default(), PageRequest::default()).await.unwrap();
        let resumed = log.items.iter().find(|e| e.action == "projects.resume").expect("logged");
        assert!(resumed.after.as_ref().unwrap().to_string().contains("整改后复核合格"), "{backend}");
        store.close().await;
    }
}
