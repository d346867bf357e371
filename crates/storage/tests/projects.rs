//! Published projects in storage: batches, numbering at publication (never twice, never reused),
//! imported lists, the catalogue's search and suspensions — the same scenarios on both backends.

use crate::y;
use chrono::NaiveDate;
use jijiao_domain::org::{Delivery, InspectionResult, Level, OrgKind, UnitType};
use jijiao_domain::publication::ProjectKind;
use jijiao_domain::review::workflow::Step;
use jijiao_storage::applications::NewApplication;
use jijiao_storage::projects::{NewBatch, NewProject, ProjectFilter, ProjectPeriod, ProjectSort};
use jijiao_storage::testing::each_backend;
use jijiao_storage::{Actor, AuditFilter, NewOrganisation, OrgId, PageRequest, Store, StoreError};

/// A year for the tests (in range by construction).
const VALID: &str = include_str!("../../domain/tests/fixtures/review/valid_national.json");

fn system() -> Actor {
    Actor::system("测试")
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn listed(number: &str, name: &str, unit: &str, subject: &str) -> NewProject {
    NewProject {
        number: Some(number.into()),
        application_id: None,
        name: name.into(),
        unit_name: unit.into(),
        unit_id: None,
        province_code: Some("11".into()),
        leader_name: "张三".into(),
        leader_phone: Some("13800138000".into()),
        subject_tertiary: subject.into(),
        kind: ProjectKind::Recommended,
        delivery: Delivery::FaceToFace,
        credits: jijiao_domain::Credits::from_tenths(100),
        hours: None,
        periods: vec![ProjectPeriod { start: day("2024-09-02"), end: day("2024-09-05"), place: "北京".into() }],
        audience: "肿瘤科医师".into(),
        planned_enrollment: 200,
        enrollment_note: String::new(),
        remarks: String::new(),
    }
}

fn national_batch(year: u16, batch: u16) -> NewBatch {
    NewBatch {
        level: Level::National,
        province_code: None,
        year: y(year),
        batch,
        notice: format!("全继委办发〔{year}〕{batch}号"),
        notice_date: Some(day("2024-01-10")),
    }
}

async fn approved_applications(
    store: &Store,
    names: &[(&str, &str)],
) -> Vec<jijiao_storage::applications::ApplicationId> {
    let s = system();
    let org = |kind, name: &str, province: Option<&str>| NewOrganisation {
        kind,
        name: name.into(),
        parent_id: None,
        province_code: province.map(Into::into),
        unit_type: (kind == OrgKind::Unit).then_some(UnitType::Hospital),
        grassroots: false,
        cme_qualified: kind == OrgKind::Unit,
        remote_qualified: false,
        inspection: InspectionResult::Passed,
    };
    let unit: OrgId = store.create_organisation(&s, &org(OrgKind::Unit, "北京医院", Some("11"))).await.unwrap();
    let on = day("2024-11-20");
    let mut ids = Vec::new();
    for (name, tertiary) in names {
        let mut doc = jijiao_domain::review::parse_application(VALID).unwrap();
        doc.name = name.to_string();
        doc.subject.secondary = tertiary[..2].to_string();
        doc.subject.tertiary = tertiary.to_string();
        let new = NewApplication {
            document: doc,
            unit_id: unit,
            district_id: None,
            leader_person_id: None,
            copied_from: None,
            findings: (0, 0),
        };
        let id = store.create_application(&s, &new).await.unwrap();
        for step in [Step::Submit, Step::Recommend, Step::Approve] {
            store.step_application(&s, id, step, "同意", on).await.unwrap();
        }
        ids.push(id);
    }
    ids
}

#[tokio::test]
async fn publishing_numbers_once_and_never_reuses_a_number() {
    each_backend(|store, backend| async move {
        let s = system();
        // An imported list already used 2025-03-01-001…002.
        let imported = vec![
            listed("2025-03-01-001（国）", "心血管病诊疗进展学习班", "北京协和医院", "03-01"),
            listed("2025-03-01-002（国）", "心律失常新技术研讨班", "北京协和医院", "03-01"),
        ];
        store.import_projects(&s, &national_batch(2025, 1), &imported).await.unwrap();
        let ids = approved_applications(
            &store,
            &[
                ("肿瘤放射治疗新进展学习班", "03-01"),
                ("甲状腺肿瘤外科规范化培训班", "04-08"),
                ("高血压管理培训", "03-01"),
            ],
        )
        .await;
        let batch = store.create_batch(&s, &national_batch(2025, 2)).await.unwrap();
        let listed_before = store.publishable_applications(&store.batch(batch).await.unwrap()).await.unwrap();
        assert_eq!(listed_before.len(), 3, "{backend}");
        assert_eq!(store.add_applications(&s, batch, &ids).await.unwrap(), 3);
        // Not yet published: the catalogue does not show them.
        let public = store.projects(&ProjectFilter::default(), PageRequest::default()).await.unwrap();
        assert_eq!(public.total, 2);
        // An application is published once.
        assert!(matches!(store.add_applications(&s, batch, &ids[..1]).await, Err(StoreError::Conflict(_))));

        assert_eq!(store.publish_batch(&s, batch).await.unwrap(), 3);
        let mut numbers: Vec<String> = store
            .project_list(&ProjectFilter { batch_id: Some(batch), ..Default::default() }, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.number.unwrap())
            .collect();
        numbers.sort();
        assert_eq!(numbers, ["2025-03-01-003（国）", "2025-03-01-004（国）", "2025-04-08-001（国）"], "{backend}");
        // Publishing again numbers nothing and changes nothing.
        assert_eq!(store.publish_batch(&s, batch).await.unwrap(), 0);
        let again = store.project_by_number("2025-03-01-003(国)").await.unwrap();
        assert_eq!(again.name, "肿瘤放射治疗新进展学习班");
        assert_eq!(again.credits.tenths(), 100);
        assert!(!again.periods.is_empty());
        let b = store.batch(batch).await.unwrap();
        assert!(b.published_at.is_some());
        assert_eq!((b.projects, b.numbered), (3, 3));
        // Importing a list that repeats a number is refused as a whole.
        let clash = vec![
            listed("2025-09-01-001（国）", "超声学习班", "河北医院", "09-01"),
            listed("2025-03-01-003（国）", "重复", "河北医院", "03-01"),
        ];
        assert!(matches!(
            store.import_projects(&s, &national_batch(2025, 3), &clash).await,
            Err(StoreError::Conflict(_))
        ));
        assert!(store.project_by_number("2025-09-01-001（国）").await.is_err(), "nothing of the failed import saved");
        assert_eq!(
            store.existing_numbers(&["2025-03-01-003（国）".into(), "2025-09-09-009（国）".into()]).await.unwrap(),
            ["2025-03-01-003（国）"]
        );
        let log = store.audit_log(&AuditFilter::default(), PageRequest::new(None, Some(200))).await.unwrap();
        assert!(log.items.iter().any(|e| e.action == "batch.publish"));
        assert!(log.items.iter().any(|e| e.action == "projects.import"));
        // Batches are unique per level, year and number.
        assert!(matches!(store.create_batch(&s, &national_batch(2025, 2)).await, Err(StoreError::Conflict(_))));
    })
    .await;
}

#[tokio::test]
async fn provincial_batches_use_the_province_pattern() {
    each_backend(|store, backend| async move {
        let s = system();
        let mut doc_ids = approved_applications(&store, &[]).await;
        doc_ids.clear();
        // A provincial batch from an import, then one numbered by the default pattern.
        let batch = NewBatch {
            level: Level::Provincial,
            province_code: Some("11".into()),
            year: y(2025),
            batch: 1,
            notice: "京继委办发〔2025〕1号".into(),
            notice_date: None,
        };
        let id = store.create_batch(&s, &batch).await.unwrap();
        let b = store.batch(id).await.unwrap();
        assert_eq!(b.province_code.as_deref(), Some("11"));
        assert_eq!(store.publish_batch(&s, id).await.unwrap(), 0, "{backend}: an empty batch numbers nothing");
        let missing = NewBatch { province_code: None, ..batch.clone() };
        assert!(matches!(store.create_batch(&s, &missing).await, Err(StoreError::Invalid(_))));
        assert_eq!(store.batches(Some(Level::Provincial), Some("11")).await.unwrap().len(), 1);
        assert!(store.batches(Some(Level::Provincial), Some("13")).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn the_catalogue_searches_filters_and_suspends() {
    each_backend(|store, backend| async move {
        let s = system();
        let mut rows = Vec::new();
        for i in 1..=30u32 {
            let (name, unit, subject) = match i % 3 {
                0 => (format!("肿瘤早期筛查学习班{i}"), "北京肿瘤医院", "03-05"),
                1 => (format!("儿童哮喘规范诊治{i}"), "首都儿科研究所", "06-01"),
                _ => (format!("医院感染防控100%达标{i}"), "北京医院", "22-01"),
            };
            let mut p = listed(&format!("2024-{}-{:03}（国）", subject, i), &name, unit, subject);
            p.periods = vec![ProjectPeriod {
                start: day("2024-03-01") + chrono::Days::new(u64::from(i) * 7),
                end: day("2024-03-03") + chrono::Days::new(u64::from(i) * 7),
                place: "北京".into(),
            }];
            if i % 5 == 0 {
                p.delivery = Delivery::Remote;
            }
            rows.push(p);
        }
        store.import_projects(&s, &national_batch(2024, 1), &rows).await.unwrap();
        let search = |q: &str| ProjectFilter { q: Some(q.into()), ..Default::default() };
        let page = store.projects(&search("肿瘤"), PageRequest::new(None, Some(5))).await.unwrap();
        assert_eq!((page.total, page.items.len()), (10, 5), "{backend}: a 2-character word");
        assert!(page.items.iter().all(|p| p.name.contains("肿瘤") || p.unit_name.contains("肿瘤")));
        assert_eq!(store.projects(&search("肿瘤 学习班3"), PageRequest::default()).await.unwrap().total, 2);
        assert_eq!(store.projects(&search("100%"), PageRequest::default()).await.unwrap().total, 10, "% is literal");
        assert_eq!(store.projects(&search("0%达"), PageRequest::default()).await.unwrap().total, 10);
        assert_eq!(store.projects(&search("0_达"), PageRequest::default()).await.unwrap().total, 0, "_ is literal");
        assert_eq!(store.projects(&search("张三"), PageRequest::default()).await.unwrap().total, 30, "leader");
        assert_eq!(store.projects(&search("2024-06-01-004"), PageRequest::default()).await.unwrap().total, 1);
        let subject =
            ProjectFilter { subject: Some("06".into()), delivery: Some(Delivery::Remote), ..Default::default() };
        assert_eq!(store.projects(&subject, PageRequest::default()).await.unwrap().total, 2, "10 and 25");
        let dates = ProjectFilter { from: Some(day("2024-04-01")), to: Some(day("2024-04-30")), ..Default::default() };
        let in_april = store.projects(&dates, PageRequest::default()).await.unwrap();
        assert!(in_april.total >= 4 && in_april.total <= 5, "{}", in_april.total);
        let sorted = store
            .projects(
                &ProjectFilter { sort: ProjectSort::Date, ..Default::default() },
                PageRequest::new(Some(2), Some(10)),
            )
            .await
            .unwrap();
        assert!(sorted.items.windows(2).all(|w| w[0].first_day <= w[1].first_day));
        assert_eq!(sorted.items[0].first_day, day("2024-03-01") + chrono::Days::new(77));
        for f in [
            ProjectFilter { year: Some(y(2023)), ..Default::default() },
            ProjectFilter { batch: Some(2), ..Default::default() },
            ProjectFilter { province_code: Some("13".into()), ..Default::default() },
            ProjectFilter { level: Some(Level::Provincial), ..Default::default() },
            ProjectFilter { kind: Some(ProjectKind::Base), ..Default::default() },
        ] {
            assert_eq!(store.projects(&f, PageRequest::default()).await.unwrap().total, 0, "{f:?}");
        }
        assert_eq!(
            store
                .projects(
                    &ProjectFilter { year: Some(y(2024)), batch: Some(1), ..Default::default() },
                    PageRequest::default()
                )
                .await
                .unwrap()
                .total,
            30
        );
        // The phone is stored encrypted and only the export reads it.
        let one = store.project_by_number("2024-03-05-003（国）").await.unwrap();
        let phones = store.project_leader_phones(one.batch_id).await.unwrap();
        assert_eq!(phones.get(&one.id).map(String::as_str), Some("13800138000"));

        // Suspending a unit's projects, with the reason shown on each.
        assert!(matches!(store.suspend_unit_projects(&s, "北京肿瘤医院", " ").await, Err(StoreError::Invalid(_))));
        assert_eq!(store.suspend_unit_projects(&s, "北京肿瘤医院", "年度校验不合格").await.unwrap(), 10);
        let suspended = store.project_by_number("2024-03-05-003（国）").await.unwrap();
        assert_eq!(suspended.suspension.as_ref().map(|s| s.reason.as_str()), Some("年度校验不合格"));
        assert!(store.project_by_number("2024-06-01-004（国）").await.unwrap().suspension.is_none());
        // The catalogue's pages show it too, and no suspension on the others.
        let listed = store.projects(&ProjectFilter::default(), PageRequest::new(None, Some(100))).await.unwrap();
        let reasons: Vec<(bool, Option<&str>)> = listed
            .items
            .iter()
            .map(|p| (p.unit_name == "北京肿瘤医院", p.suspension.as_ref().map(|s| s.reason.as_str())))
            .collect();
        assert_eq!(reasons.len(), 30);
        assert!(reasons.iter().all(|(of_unit, reason)| *reason == of_unit.then_some("年度校验不合格")), "{reasons:?}");
        assert!(matches!(store.suspend_unit_projects(&s, "北京肿瘤医院", "再次").await, Err(StoreError::Invalid(_))));
        assert!(matches!(store.project_by_number("2099-01-01-001（国）").await, Err(StoreError::NotFound)));
    })
    .await;
}

/// The word index only narrows: every search gives exactly the projects whose search text (name,
/// unit, leader, number) contains every word, as the plain LIKE scan did — case-insensitively for
/// ASCII on SQLite, as written on PostgreSQL.
#[tokio::test]
async fn the_word_index_finds_what_the_plain_scan_found() {
    each_backend(|store, backend| async move {
        let s = system();
        let texts = [
            ("肿瘤放射治疗新进展学习班", "北京肿瘤医院", "王建国"),
            ("甲状腺肿瘤外科规范化培训班", "第123人民医院", "李秀英"),
            ("MRI 新技术培训", "第1123人民医院", "张伟"),
            ("mri与CT诊断", "第12人民医院", "刘洋"),
            ("医院感染防控100%达标", "北京医院", "王建"),
            ("儿童哮喘_规范诊治", "首都儿科研究所", "建国"),
            ("瘤", "单字医院", "癌"),
        ];
        // The same texts in two years and two subjects: what the year and subject filters leave of
        // a word's matches (PostgreSQL finds them through the index's terms, migration 0026).
        for (year, subject) in [(2024, "03-05"), (2023, "04-01")] {
            let mut rows = Vec::new();
            for (i, (name, unit, leader)) in texts.iter().enumerate() {
                let mut p = listed(&format!("{year}-{subject}-{:03}（国）", i + 1), name, unit, subject);
                p.leader_name = leader.to_string();
                rows.push(p);
            }
            store.import_projects(&s, &national_batch(year, 1), &rows).await.unwrap();
        }
        let all = store.project_list(&ProjectFilter::default(), 100).await.unwrap();
        assert_eq!(all.len(), 2 * texts.len());
        let contains = |text: &str, word: &str| match backend {
            "sqlite" => text.to_ascii_lowercase().contains(&word.to_ascii_lowercase()),
            _ => text.contains(word),
        };
        for q in [
            "肿瘤",
            "瘤",
            "癌",
            "国",
            "）",
            "第123人民医院",
            "123",
            "12",
            "2024-03-05-00",
            "-007（",
            "mri",
            "MRI",
            "Mr",
            "ct",
            "100%",
            "%",
            "_",
            "哮喘_",
            "王建",
            "建国",
            "王建国",
            "学习班",
            "肿瘤 学习班",
            "医院 第12",
            "肿瘤 MRI",
            "第123人民医院 甲状腺",
            "放射治疗 北京 学习班",
            "规范化培训 第1123人民医院",
            "无此词",
            "瘤瘤",
        ] {
            let mut expected: Vec<String> = all
                .iter()
                .filter(|p| {
                    let text = format!("{} {} {} {}", p.name, p.unit_name, p.leader_name, p.number.as_deref().unwrap());
                    q.split_whitespace().all(|w| contains(&text, w))
                })
                .map(|p| p.number.clone().unwrap())
                .collect();
            expected.sort();
            let filter = ProjectFilter { q: Some(q.into()), ..Default::default() };
            let page = store.projects(&filter, PageRequest::new(None, Some(100))).await.unwrap();
            let mut found: Vec<String> = page.items.iter().map(|p| p.number.clone().unwrap()).collect();
            found.sort();
            assert_eq!(found, expected, "{backend}: q={q}");
            assert_eq!(page.total, expected.len() as i64, "{backend}: q={q}");
            let listed: Vec<String> =
                store.project_list(&filter, 100).await.unwrap().into_iter().map(|p| p.number.unwrap()).collect();
            assert_eq!(listed.len(), expected.len(), "{backend}: download of q={q}");
            // Within a tertiary subject PostgreSQL checks the words on the subject's entries
            // instead of the word index (migration 0023); a secondary one and a year go through
            // the index's terms (0026), alone, together and with a subject that has none.
            let subjects = [None, Some("03-05"), Some("03"), Some("04"), Some("04-01"), Some("03-01")];
            for (subject, year) in subjects.into_iter().flat_map(|s| [(s, None), (s, Some(2023)), (s, Some(2024))]) {
                let mut expected: Vec<String> = expected
                    .iter()
                    .filter(|n| subject.is_none_or(|s| n[5..].starts_with(s)))
                    .filter(|n| year.is_none_or(|y| n.starts_with(&y.to_string())))
                    .cloned()
                    .collect();
                expected.sort();
                let within = ProjectFilter { subject: subject.map(Into::into), year: year.map(y), ..filter.clone() };
                let page = store.projects(&within, PageRequest::new(None, Some(100))).await.unwrap();
                let mut found: Vec<String> = page.items.iter().map(|p| p.number.clone().unwrap()).collect();
                found.sort();
                assert_eq!(found, expected, "{backend}: q={q} in {subject:?}, {year:?}");
                assert_eq!(page.total, expected.len() as i64, "{backend}: q={q} in {subject:?}, {year:?}");
                let listed = store.project_list(&within, 100).await.unwrap().len();
                assert_eq!(listed, expected.len(), "{backend}: download of q={q} in {subject:?}, {year:?}");
            }
        }
    })
    .await;
}

/// A search by dates alone is counted from the counts per month and the edges' days
/// (`counts::dates_only`): its total is what the rows themselves give, for ranges starting and
/// ending on a month's first, last or middle day, open at either end, or backwards; for projects
/// spanning month boundaries; with one batch and with two.
#[tokio::test]
async fn totals_by_dates_alone_are_what_the_rows_give() {
    each_backend(|store, backend| async move {
        let s = system();
        let project = |i: u32, first: NaiveDate, days: u64| {
            let mut p = listed(&format!("2024-03-05-{i:03}（国）"), &format!("学习班{i}"), "北京医院", "03-05");
            p.periods =
                vec![ProjectPeriod { start: first, end: first + chrono::Days::new(days), place: "北京".into() }];
            p
        };
        // 60 projects from 2023-12-20 on, every 3 days, lasting 0 to 40 days.
        let rows: Vec<NewProject> = (0..60u32)
            .map(|i| project(i + 1, day("2023-12-20") + chrono::Days::new(u64::from(i) * 3), u64::from(i * 7 % 41)))
            .collect();
        store.import_projects(&s, &national_batch(2024, 1), &rows).await.unwrap();
        let days = [
            None,
            Some("2023-12-01"),
            Some("2023-12-31"),
            Some("2024-01-01"),
            Some("2024-01-15"),
            Some("2024-01-31"),
            Some("2024-02-01"),
            Some("2024-02-29"),
            Some("2024-03-10"),
            Some("2024-04-30"),
            Some("2024-07-01"),
        ];
        let check = |label: &'static str| {
            let store = store.clone();
            async move {
                for from in days {
                    for to in days {
                        let filter = ProjectFilter {
                            from: from.map(day),
                            to: to.map(day),
                            sort: ProjectSort::Date,
                            ..Default::default()
                        };
                        let rows = store.project_list(&filter, 1_000).await.unwrap().len() as i64;
                        let total = store.projects(&filter, PageRequest::default()).await.unwrap().total;
                        assert_eq!(total, rows, "{backend} {label}: from {from:?} to {to:?}");
                    }
                }
            }
        };
        check("one batch").await;
        let later: Vec<NewProject> =
            (0..10u32).map(|i| project(100 + i, day("2024-01-29") + chrono::Days::new(u64::from(i)), 3)).collect();
        store.import_projects(&s, &national_batch(2024, 2), &later).await.unwrap();
        check("two batches").await;
        // Migration 0024 fills the counts per month of projects published before it: the same.
        store.execute_for_tests("DELETE FROM catalogue_counts WHERE facet = 'm'").await.unwrap();
        let fill = match backend {
            "postgres" => include_str!("../migrations/postgres/0024_catalogue_month_counts.sql"),
            _ => include_str!("../migrations/sqlite/0024_catalogue_month_counts.sql"),
        };
        store.execute_for_tests(fill).await.unwrap();
        check("filled by migration 0024").await;
    })
    .await;
}

/// After an import PostgreSQL's table of projects is vacuumed as well as analysed, so that the counts
/// answered from indexes alone (date ranges, a tertiary subject's words) read no row from the first
/// search on, rather than after autovacuum comes round.
#[tokio::test]
async fn an_import_leaves_the_projects_vacuumed_on_postgres() {
    each_backend(|store, backend| async move {
        if backend != "postgres" {
            return;
        }
        let before = store.postgres_vacuums_for_tests("projects").await.unwrap();
        let rows = vec![listed("2024-03-05-001（国）", "肿瘤学习班", "北京医院", "03-05")];
        store.import_projects(&system(), &national_batch(2024, 1), &rows).await.unwrap();
        assert_eq!(store.postgres_vacuums_for_tests("projects").await.unwrap(), before + 1);
    })
    .await;
}

/// Projects numbered at publication enter the word index then; before it, a batch's own page
/// still finds its drafts by words.
#[tokio::test]
async fn published_projects_are_found_by_words_and_number() {
    each_backend(|store, backend| async move {
        let s = system();
        let ids =
            approved_applications(&store, &[("肿瘤放射治疗新进展学习班", "03-05"), ("高血压管理培训", "03-01")]).await;
        let batch = store.create_batch(&s, &national_batch(2025, 1)).await.unwrap();
        store.add_applications(&s, batch, &ids).await.unwrap();
        let words = |q: &str| ProjectFilter { q: Some(q.into()), ..Default::default() };
        assert_eq!(
            store.projects(&words("肿瘤"), PageRequest::default()).await.unwrap().total,
            0,
            "{backend}: a draft"
        );
        let drafts = ProjectFilter { batch_id: Some(batch), ..words("肿瘤") };
        assert_eq!(store.projects(&drafts, PageRequest::default()).await.unwrap().total, 1, "{backend}: batch page");
        store.publish_batch(&s, batch).await.unwrap();
        let found = store.projects(&words("肿瘤"), PageRequest::default()).await.unwrap();
        assert_eq!(found.total, 1, "{backend}");
        let number = found.items[0].number.clone().unwrap();
        assert_eq!(number, "2025-03-05-001（国）");
        assert_eq!(store.projects(&words("2025-03-05-001"), PageRequest::default()).await.unwrap().total, 1);
        assert_eq!(store.projects(&words("北京医院 高血压"), PageRequest::default()).await.unwrap().total, 1);
    })
    .await;
}

/// A project's periods come with it, in their order, on every read: a catalogue page, a list,
/// and the project by number; a page of another order or a later page brings each its own.
#[tokio::test]
async fn periods_come_with_their_project_in_order() {
    each_backend(|store, backend| async move {
        let period = |start: &str, end: &str, place: &str| ProjectPeriod {
            start: day(start),
            end: day(end),
            place: place.into(),
        };
        let mut several = listed("2024-03-05-001（国）", "肿瘤学习班", "北京医院", "03-05");
        // Stored in this order, which is not the order of their dates.
        several.periods = vec![
            period("2024-10-08", "2024-10-10", "上海"),
            period("2024-03-01", "2024-03-02", "北京"),
            period("2024-06-01", "2024-06-03", "广州；线上"),
        ];
        let single = listed("2024-03-05-002（国）", "肿瘤进修班", "北京医院", "03-05");
        store.import_projects(&system(), &national_batch(2024, 1), &[several.clone(), single.clone()]).await.unwrap();
        let places = |periods: &[ProjectPeriod]| periods.iter().map(|p| p.place.clone()).collect::<Vec<_>>();
        let page = store.projects(&ProjectFilter::default(), PageRequest::default()).await.unwrap();
        assert_eq!(page.items.len(), 2, "{backend}");
        assert_eq!(page.items[0].periods, several.periods, "{backend}");
        assert_eq!(page.items[1].periods, single.periods, "{backend}");
        let by_date = ProjectFilter { sort: ProjectSort::Date, ..Default::default() };
        let second = store.projects(&by_date, PageRequest::new(Some(2), Some(1))).await.unwrap();
        assert_eq!(second.items[0].number.as_deref(), Some("2024-03-05-002（国）"), "{backend}");
        assert_eq!(places(&second.items[0].periods), ["北京"], "{backend}");
        let listed =
            store.project_list(&ProjectFilter { q: Some("学习班".into()), ..Default::default() }, 10).await.unwrap();
        assert_eq!(places(&listed[0].periods), ["上海", "北京", "广州；线上"], "{backend}");
        let one = store.project_by_number("2024-03-05-001（国）").await.unwrap();
        assert_eq!(one.periods, several.periods, "{backend}");
    })
    .await;
}

/// Totals are exact however many match (issue 19; they stopped at 1,000 before), whether counted
/// through the word index or, for a filter-only search, from the counts per batch; the pages past
/// the thousandth match are there, in order, and every filter reads the same rows whichever way
/// the page is read.
#[tokio::test]
async fn totals_are_exact_beyond_a_thousand_and_pages_continue() {
    each_backend(|store, backend| async move {
        let s = system();
        let many = jijiao_storage::projects::PAGE_BY_IDS_UP_TO as usize + 30;
        let rows: Vec<NewProject> = (1..=many)
            .map(|i| {
                let (name, subject) =
                    if i % 2 == 0 { ("肿瘤学习班", "03-05") } else { ("儿童哮喘学习班", "06-01") };
                let mut p = listed(&format!("2024-{subject}-{i:04}（国）"), &format!("{name}{i}"), "北京医院", subject);
                p.periods[0].start = day("2024-01-01") + chrono::Days::new((i % 300) as u64);
                p.periods[0].end = p.periods[0].start + chrono::Days::new(2);
                if i % 7 == 0 {
                    p.province_code = Some("13".into());
                    p.kind = ProjectKind::Base;
                }
                if i % 11 == 0 {
                    p.delivery = Delivery::Remote;
                    p.province_code = None;
                }
                p
            })
            .collect();
        store.import_projects(&s, &national_batch(2024, 1), &rows).await.unwrap();
        let everything = store.projects(&ProjectFilter::default(), PageRequest::new(None, Some(20))).await.unwrap();
        assert_eq!(everything.total, many as i64, "{backend}");
        // Past the thousandth: the last projects, in number order.
        let last_page = many.div_ceil(20) as u32;
        let tail =
            store.projects(&ProjectFilter::default(), PageRequest::new(Some(last_page), Some(20))).await.unwrap();
        assert_eq!(tail.items.len(), many - (last_page as usize - 1) * 20, "{backend}");
        let listed = store.project_list(&ProjectFilter::default(), i64::MAX / 2).await.unwrap();
        let numbers = |items: &[jijiao_storage::projects::Project]| {
            items.iter().map(|p| p.number.clone().unwrap()).collect::<Vec<_>>()
        };
        assert_eq!(numbers(&tail.items), numbers(&listed[listed.len() - tail.items.len()..]), "{backend}");
        // A second batch, published from applications, counts in the totals as soon as it is
        // published (not before).
        let ids = approved_applications(&store, &[("肿瘤护理学习班", "03-05"), ("哮喘护理学习班", "06-01")]).await;
        let second = store.create_batch(&s, &national_batch(2025, 2)).await.unwrap();
        store.add_applications(&s, second, &ids).await.unwrap();
        let before = store.projects(&ProjectFilter::default(), PageRequest::default()).await.unwrap().total;
        assert_eq!(before, many as i64, "{backend}: drafts are not in the catalogue");
        store.publish_batch(&s, second).await.unwrap();
        let after = store.projects(&ProjectFilter::default(), PageRequest::default()).await.unwrap().total;
        assert_eq!(after, many as i64 + 2, "{backend}");
        let y2024 = Some(y(2024));
        // Every filter and order: the total is the download's length, each page read (in order
        // when many match) equals the download's rows.
        for filter in [
            ProjectFilter::default(),
            ProjectFilter { year: y2024, ..Default::default() },
            ProjectFilter { year: y2024, batch: Some(1), ..Default::default() },
            ProjectFilter { year: Some(y(2025)), batch: Some(2), level: Some(Level::National), ..Default::default() },
            ProjectFilter { year: y2024, batch: Some(2), ..Default::default() },
            ProjectFilter { year: Some(y(2023)), ..Default::default() },
            ProjectFilter { batch: Some(2), subject: Some("03-05".into()), ..Default::default() },
            ProjectFilter { subject: Some("06".into()), ..Default::default() },
            ProjectFilter { subject: Some("03-05".into()), year: y2024, ..Default::default() },
            ProjectFilter { subject: Some("03-0".into()), ..Default::default() },
            ProjectFilter { subject: Some("3".into()), ..Default::default() },
            ProjectFilter { province_code: Some("13".into()), ..Default::default() },
            ProjectFilter { province_code: Some("11".into()), level: Some(Level::National), ..Default::default() },
            ProjectFilter { province_code: Some("11".into()), kind: Some(ProjectKind::Base), ..Default::default() },
            ProjectFilter { kind: Some(ProjectKind::Base), ..Default::default() },
            ProjectFilter { level: Some(Level::Provincial), ..Default::default() },
            ProjectFilter { q: Some("肿瘤".into()), ..Default::default() },
            ProjectFilter { q: Some("学习班".into()), sort: ProjectSort::Newest, ..Default::default() },
            ProjectFilter { subject: Some("03-05".into()), q: Some("肿瘤学习班1".into()), ..Default::default() },
            ProjectFilter { subject: Some("03-05".into()), q: Some("肿瘤".into()), ..Default::default() },
            ProjectFilter {
                subject: Some("03-05".into()),
                q: Some("学习班".into()),
                year: y2024,
                ..Default::default()
            },
            ProjectFilter {
                subject: Some("03-05".into()),
                q: Some("护理".into()),
                batch: Some(2),
                ..Default::default()
            },
            ProjectFilter { q: Some("瘤".into()), sort: ProjectSort::Date, ..Default::default() },
            ProjectFilter { from: Some(day("2024-03-01")), to: Some(day("2024-03-31")), ..Default::default() },
            ProjectFilter { from: Some(day("2024-02-01")), sort: ProjectSort::Date, ..Default::default() },
            ProjectFilter { delivery: Some(Delivery::FaceToFace), level: Some(Level::National), ..Default::default() },
            ProjectFilter { delivery: Some(Delivery::Remote), sort: ProjectSort::Newest, ..Default::default() },
            ProjectFilter { unit_name: Some("北京医院".into()), ..Default::default() },
        ] {
            let all = store.project_list(&filter, i64::MAX / 2).await.unwrap();
            let first = store.projects(&filter, PageRequest::new(Some(1), Some(50))).await.unwrap();
            assert_eq!(first.total, all.len() as i64, "{backend}: {filter:?}");
            assert_eq!(numbers(&first.items), numbers(&all[..all.len().min(50)]), "{backend}: {filter:?}");
            let third = store.projects(&filter, PageRequest::new(Some(3), Some(50))).await.unwrap();
            let expected = all.iter().skip(100).take(50).cloned().collect::<Vec<_>>();
            assert_eq!(numbers(&third.items), numbers(&expected), "{backend}: page 3 of {filter:?}");
        }
        // The counts the migration fills for a database published before it are the same.
        // (A migration's fill: its one statement that inserts into the table.)
        let fill_of = |migration: &'static str, table: &str| {
            let start = migration.find(&format!("INSERT INTO {table}")).unwrap();
            migration[start..].split(';').next().unwrap().trim()
        };
        let fill = match backend {
            "sqlite" => fill_of(include_str!("../migrations/sqlite/0016_catalogue_counts.sql"), "catalogue_counts"),
            _ => fill_of(include_str!("../migrations/postgres/0016_catalogue_counts.sql"), "catalogue_counts"),
        };
        // PostgreSQL counts one-word searches per gram (0018), and within a subject (0027), the same way.
        let gram_fill =
            fill_of(include_str!("../migrations/postgres/0018_catalogue_gram_counts.sql"), "catalogue_gram_counts");
        let subject_gram_fill = fill_of(
            include_str!("../migrations/postgres/0027_catalogue_subject_gram_counts.sql"),
            "catalogue_subject_gram_counts",
        );
        let totals = |store: Store| async move {
            let mut out = Vec::new();
            for filter in [
                ProjectFilter::default(),
                ProjectFilter { year: Some(y(2025)), ..Default::default() },
                ProjectFilter { subject: Some("03-05".into()), ..Default::default() },
                ProjectFilter { province_code: Some("13".into()), batch: Some(1), ..Default::default() },
                ProjectFilter { delivery: Some(Delivery::Remote), ..Default::default() },
                ProjectFilter { q: Some("肿瘤".into()), ..Default::default() },
                ProjectFilter { q: Some("哮喘".into()), year: Some(y(2024)), batch: Some(1), ..Default::default() },
                ProjectFilter { q: Some("护理".into()), level: Some(Level::National), ..Default::default() },
                // Summed for batch 1 (515 of its projects in 03-05 hold 学习班), checked for batch 2
                // (one does).
                ProjectFilter { q: Some("学习班".into()), subject: Some("03-05".into()), ..Default::default() },
            ] {
                out.push(store.projects(&filter, PageRequest::default()).await.unwrap().total);
            }
            out
        };
        let written = totals(store.clone()).await;
        assert_eq!(
            written[5..],
            [many as i64 / 2 + 1, many as i64 / 2, 2, many as i64 / 2 + 1],
            "{backend}: {written:?}"
        );
        store.tamper_audit_for_tests("DELETE FROM catalogue_counts").await.unwrap();
        if backend == "postgres" {
            store.tamper_audit_for_tests("DELETE FROM catalogue_gram_counts").await.unwrap();
            store.tamper_audit_for_tests("DELETE FROM catalogue_subject_gram_counts").await.unwrap();
            let read = totals(store.clone()).await;
            assert_eq!(read, [0; 9], "{backend}: the counts are what is read");
            store.tamper_audit_for_tests(gram_fill).await.unwrap();
            store.tamper_audit_for_tests(subject_gram_fill).await.unwrap();
        } else {
            let read = totals(store.clone()).await;
            assert_eq!(read[..5], [0; 5], "{backend}: the counts are what is read");
        }
        store.tamper_audit_for_tests(fill).await.unwrap();
        assert_eq!(totals(store.clone()).await, written, "{backend}");
    })
    .await;
}
