//! Filings, inspections, files and the events list on every backend.

use chrono::NaiveDate;
use jijiao_domain::events::filing::{Change, Contact, Filing, Form, Session, Venue};
use jijiao_domain::events::inspection::{Checklist, Inspection, Outcome};
use jijiao_domain::org::{Delivery, Level};
use jijiao_domain::publication::ProjectKind;
use jijiao_domain::{Credits, Hours};
use jijiao_storage::events::{EventFilter, EventScope, InspectionKind, NewFile, NewFiling, NewInspection};
use jijiao_storage::projects::{NewBatch, NewProject, ProjectPeriod};
use jijiao_storage::{Actor, StoreError, testing};

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn project(number: &str, unit: &str, province: &str, periods: Vec<(NaiveDate, NaiveDate)>) -> NewProject {
    NewProject {
        number: Some(number.into()),
        application_id: None,
        name: format!("{unit}学习班"),
        unit_name: unit.into(),
        unit_id: None,
        province_code: Some(province.into()),
        leader_name: "张三".into(),
        leader_phone: None,
        subject_tertiary: "03-01".into(),
        kind: ProjectKind::Recommended,
        delivery: Delivery::FaceToFace,
        credits: Credits::from_tenths(20),
        hours: Some(Hours::whole(6)),
        periods: periods.into_iter().map(|(start, end)| ProjectPeriod { start, end, place: "北京".into() }).collect(),
        audience: String::new(),
        planned_enrollment: 100,
        enrollment_note: String::new(),
        remarks: String::new(),
    }
}

fn filing(start: NaiveDate, province: &str) -> Filing {
    Filing {
        start,
        end: start,
        venue: Venue {
            province: province.into(), city: "市区".into(), address: "会议中心".into(), scenic_area: false
        },
        form: Form::Offline,
        planned_enrollment: 80,
        fee: 0,
        contact: Contact { name: "李四".into(), phone: "13800138000".into() },
        schedule: vec![Session {
            date: start,
            from: "09:00".into(),
            to: "16:00".into(),
            topic: "讲座".into(),
            teacher: "张三".into(),
            teacher_unit: "医院".into(),
            teacher_title: "主任医师".into(),
            hours: Hours::whole(6),
        }],
    }
}

#[tokio::test]
async fn filings_are_versions_and_events_follow_the_venue() {
    for db in testing::databases().await {
        let store = db.open().await;
        let actor = Actor::system("测试");
        let batch = NewBatch {
            level: Level::National,
            province_code: None,
            year: jijiao_domain::Year::try_from(2026u16).unwrap(),
            batch: 1,
            notice: String::new(),
            notice_date: None,
        };
        // Periods listed out of date order: period 1 is the earlier one.
        let a =
            project("2026-03-01-001（国）", "北京甲医院", "11", vec![(day(6, 1), day(6, 1)), (day(5, 10), day(5, 10))]);
        let b = project("2026-03-01-002（国）", "河北乙医院", "13", vec![(day(5, 20), day(5, 20))]);
        store.import_projects(&actor, &batch, &[a, b]).await.unwrap();
        let pa = store.project_by_number("2026-03-01-001（国）").await.unwrap();
        let pb = store.project_by_number("2026-03-01-002（国）").await.unwrap();

        let first = filing(day(5, 10), "北京市");
        let new = |f: &'static Filing, on: NaiveDate, notice: Option<NewFile>| NewFiling {
            project_id: pa.id,
            project_number: "2026-03-01-001（国）",
            unit_id: None,
            unit_province: Some("11"),
            period: 1,
            filing: f,
            at: 1,
            on,
            notice,
        };
        let first: &'static Filing = Box::leak(Box::new(first));
        let notice = NewFile { kind: "notice", content_type: "application/pdf", content: b"%PDF-1.4 %%EOF".to_vec() };
        let outcome = store.file_period(&actor, &new(first, day(4, 30), Some(notice))).await.unwrap();
        assert_eq!((outcome.version, outcome.late), (1, true), "{}", db.name);
        let same = store.file_period(&actor, &new(first, day(5, 1), None)).await;
        assert!(matches!(same, Err(StoreError::Conflict(_))), "{}: {same:?}", db.name);
        let mut moved = first.clone();
        moved.venue.province = "河北省".into();
        let moved: &'static Filing = Box::leak(Box::new(moved));
        let outcome = store.file_period(&actor, &new(moved, day(5, 1), None)).await.unwrap();
        assert_eq!((outcome.version, outcome.late, outcome.changes.clone()), (2, true, vec![Change::Venue]));
        let versions = store.filings(pa.id, 1).await.unwrap();
        assert_eq!(versions.len(), 2);
        assert_eq!(versions[1].filing.contact.phone, "13800138000", "decrypted for the caller");
        assert_eq!(
            versions[1].notice.as_ref().map(|n| n.id),
            versions[0].notice.as_ref().map(|n| n.id),
            "the notice stays"
        );
        let file = store.event_file(versions[0].notice.as_ref().unwrap().id).await.unwrap();
        assert_eq!((file.project_id, file.period, file.content.as_slice()), (pa.id, 1, b"%PDF-1.4 %%EOF".as_slice()));

        // 河北 now supervises 甲's period 1 (held in 河北) and 乙's own; 北京 its unit's two periods.
        let hebei = EventScope { provinces: vec!["13".into()], ..Default::default() };
        let seen: Vec<(String, u32)> = store
            .events(&hebei, &EventFilter::default())
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.unit_name, e.period))
            .collect();
        assert_eq!(seen, vec![("北京甲医院".to_string(), 1), ("河北乙医院".to_string(), 1)], "{}", db.name);
        let beijing = EventScope { provinces: vec!["11".into()], ..Default::default() };
        let rows = store.events(&beijing, &EventFilter::default()).await.unwrap();
        assert_eq!(rows.len(), 2);
        let filed = rows[0].filed.as_ref().unwrap();
        assert_eq!(
            (filed.version, filed.moved, filed.filed_on, filed.venue_province.as_str()),
            (2, true, day(4, 30), "13")
        );
        assert_eq!((rows[1].period, rows[1].filed.is_none()), (2, true));
        let venue_only = EventFilter { venue_province: Some("13".into()), ..Default::default() };
        assert_eq!(store.events(&EventScope { all: true, ..Default::default() }, &venue_only).await.unwrap().len(), 1);
        let window = EventFilter { from: Some(day(5, 15)), to: Some(day(5, 31)), ..Default::default() };
        let rows = store.events(&EventScope { all: true, ..Default::default() }, &window).await.unwrap();
        assert_eq!(rows.iter().map(|r| r.project_id).collect::<Vec<_>>(), vec![pb.id]);

        // An inspection with a photo; the list counts it.
        let inspection = Inspection {
            checklist: Checklist { time_place: true, ..Default::default() },
            notes: Default::default(),
            result: Outcome::Fail,
            reason: "负责人不在场".into(),
        };
        let photo = NewFile { kind: "photo", content_type: "image/png", content: vec![1, 2, 3] };
        let id = store
            .record_inspection(
                &actor,
                &NewInspection {
                    project_id: pa.id,
                    project_number: "2026-03-01-001（国）",
                    unit_id: None,
                    unit_province: Some("11"),
                    period: 1,
                    kind: InspectionKind::Inspector,
                    inspection: &inspection,
                    late: false,
                    venue_province: "13",
                    on: day(5, 10),
                    at: 2,
                    photos: vec![photo],
                },
            )
            .await
            .unwrap();
        let stored = store.inspection(id).await.unwrap();
        assert_eq!((stored.result, stored.photos.len(), stored.checklist.time_place), (Outcome::Fail, 1, true));
        assert_eq!(store.event_file(stored.photos[0].id).await.unwrap().content, vec![1, 2, 3]);
        let inspected = EventFilter { inspected: Some(true), ..Default::default() };
        let rows = store.events(&EventScope { all: true, ..Default::default() }, &inspected).await.unwrap();
        assert_eq!((rows.len(), rows[0].inspections, rows[0].failed_inspections), (1, 1, 1));
        let logged = |kind: &'static str| {
            let filter = jijiao_storage::AuditFilter { object_type: Some(kind.into()), ..Default::default() };
            let store = store.clone();
            async move { store.audit_log(&filter, jijiao_storage::PageRequest::new(Some(1), Some(50))).await.unwrap().items }
        };
        let filings = logged("period_filing").await;
        assert_eq!(filings.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), vec!["events.refile", "events.file"]);
        assert!(!serde_json::to_string(&filings).unwrap().contains("13800138000"), "no phone in the log");
        assert_eq!(logged("inspection").await.len(), 1, "{}", db.name);
        store.close().await;
    }
}
