//! QR sign-ins on every backend (rules.md §7.6): once per person and session, signed out once with
//! the hours capped by the schedule, each write in the audit log, and the hours per person that a
//! roster is started from.

use chrono::NaiveDate;
use jijiao_domain::events::sign_in::Slot;
use jijiao_domain::id_number::compose;
use jijiao_domain::org::{Delivery, Level};
use jijiao_domain::publication::ProjectKind;
use jijiao_domain::{Credits, Hours};
use jijiao_storage::events::NewSignIn;
use jijiao_storage::projects::{NewBatch, NewProject, ProjectPeriod};
use jijiao_storage::{Actor, AuditFilter, NewPerson, PageRequest, StoreError, testing};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, d).unwrap()
}

#[tokio::test]
async fn a_person_signs_in_once_and_out_once_per_session() {
    for db in testing::databases().await {
        let backend = db.name;
        let store = db.open().await;
        let actor = Actor::system("测试");
        let unit = store.create_organisation(&actor, &testing::hospital("签到测试医院", "11")).await.unwrap();
        let number = "2026-03-01-930（国）";
        let batch = NewBatch {
            level: Level::National,
            province_code: None,
            year: jijiao_domain::Year::try_from(2026u16).unwrap(),
            batch: 1,
            notice: String::new(),
            notice_date: None,
        };
        let project = NewProject {
            number: Some(number.into()),
            application_id: None,
            name: "签到测试学习班".into(),
            unit_name: "签到测试医院".into(),
            unit_id: Some(unit.0),
            province_code: Some("11".into()),
            leader_name: "张三".into(),
            leader_phone: None,
            subject_tertiary: "03-01".into(),
            kind: ProjectKind::Recommended,
            delivery: Delivery::FaceToFace,
            credits: Credits::from_tenths(20),
            hours: Some(Hours::whole(6)),
            periods: vec![ProjectPeriod { start: day(10), end: day(10), place: "北京".into() }],
            audience: String::new(),
            planned_enrollment: 100,
            enrollment_note: String::new(),
            remarks: String::new(),
        };
        store.import_projects(&actor, &batch, &[project]).await.unwrap();
        let project_id = store.project_by_number(number).await.unwrap().id;
        let person = |n: u16, phone: Option<&str>| NewPerson {
            name: format!("学员{n}"),
            id_number: compose("110101", NaiveDate::from_ymd_opt(1985, 3, 1).unwrap(), n),
            title: Some("主治医师".into()),
            employer_id: Some(unit),
            in_post: true,
            phone: phone.map(Into::into),
        };
        let a = store.create_person(&actor, &person(11, Some("13912345678"))).await.unwrap();
        let b = store.create_person(&actor, &person(12, None)).await.unwrap();
        let morning = Slot::new(day(10), 9 * 60).unwrap();
        let afternoon = Slot::new(day(10), 14 * 60).unwrap();
        let nine = day(10).and_hms_opt(1, 0, 0).unwrap().and_utc().timestamp_millis();
        let hour = 3_600_000;
        let new = |person, slot, at| NewSignIn {
            project_id,
            project_number: number,
            unit_id: Some(unit.0),
            unit_province: Some("11"),
            period: 1,
            slot,
            person_id: person,
            at,
        };

        let (first, fresh) = store.sign_in(&actor, &new(a, morning, nine)).await.unwrap();
        assert!(fresh, "{backend}");
        let (again, fresh) = store.sign_in(&actor, &new(a, morning, nine + 600_000)).await.unwrap();
        assert!(!fresh && again == first, "{backend}: a second scan changes nothing");
        assert_eq!(again.signed_in_at, nine);

        let refused = store.sign_out(&actor, &new(b, morning, nine + hour), Hours::whole(3)).await.unwrap_err();
        assert!(matches!(&refused, StoreError::Conflict(m) if m.contains("尚未签到")), "{backend}: {refused:?}");
        // 2 h 59 min later: 2.9 hours (counted down to a tenth).
        let out = store.sign_out(&actor, &new(a, morning, nine + 3 * hour - 60_000), Hours::whole(3)).await.unwrap();
        assert_eq!(out.hours, Some(Hours::from_tenths(29)), "{backend}");
        let twice = store.sign_out(&actor, &new(a, morning, nine + 4 * hour), Hours::whole(3)).await.unwrap_err();
        assert!(matches!(&twice, StoreError::Conflict(m) if m.contains("不能重复签退")), "{backend}: {twice:?}");

        // The afternoon: a stays far beyond the schedule (capped), b never signs out (counts nothing).
        store.sign_in(&actor, &new(a, afternoon, nine + 5 * hour)).await.unwrap();
        store.sign_in(&actor, &new(b, afternoon, nine + 5 * hour + 1)).await.unwrap();
        store.sign_out(&actor, &new(a, afternoon, nine + 12 * hour), Hours::whole(3)).await.unwrap();

        let lines = store.sign_ins(project_id, 1).await.unwrap();
        assert_eq!(lines.len(), 3, "{backend}");
        assert_eq!(lines[0].id_number.matches('*').count(), 8, "{backend}: masked {}", lines[0].id_number);
        assert_eq!(lines[0].unit.as_deref(), Some("签到测试医院"));
        assert!(!lines[0].awaiting_confirmation, "{backend}: no account, nothing to confirm");
        assert_eq!(
            store.sign_in_counts(project_id, 1).await.unwrap(),
            vec![(morning, 1, 1), (afternoon, 2, 1)],
            "{backend}"
        );
        assert_eq!(store.sign_in_of(project_id, 1, afternoon, b).await.unwrap().unwrap().signed_out_at, None);

        let hours = store.sign_in_hours(project_id, 1).await.unwrap();
        assert_eq!(hours.len(), 2, "{backend}");
        assert_eq!(
            (hours[0].person_id, hours[0].hours, hours[0].sessions, hours[0].open),
            (a, Hours::from_tenths(59), 2, 0)
        );
        assert_eq!(hours[0].id_number, person(11, None).id_number, "{backend}: the whole number");
        assert_eq!(hours[0].phone.as_deref(), Some("13912345678"));
        assert_eq!((hours[0].province_code.as_deref(), hours[0].province.as_deref()), (Some("11"), Some("北京市")));
        assert_eq!(hours[0].title.as_deref(), Some("主治医师"));
        assert_eq!((hours[1].person_id, hours[1].hours, hours[1].sessions, hours[1].open), (b, Hours::ZERO, 1, 1));

        let filter = AuditFilter { object_type: Some("sign_in".into()), ..Default::default() };
        let log = store.audit_log(&filter, PageRequest::new(Some(1), Some(100))).await.unwrap();
        let actions: Vec<&str> = log.items.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions.iter().filter(|a| **a == "events.sign_in").count(), 3, "{backend}: {actions:?}");
        assert_eq!(actions.iter().filter(|a| **a == "events.sign_out").count(), 2, "{backend}: {actions:?}");
        assert!(store.verify_audit_chain().await.unwrap().first_broken.is_none(), "{backend}");
    }
}
