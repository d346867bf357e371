//! Applications in storage: the document, the review chain with its steps and codes, lists and
//! filters, the review context and the windows — the same scenarios on SQLite and PostgreSQL.

use crate::y;
use chrono::NaiveDate;
use jijiao_domain::IdNumber;
use jijiao_domain::org::{InspectionResult, Level, OrgKind, UnitType};
use jijiao_domain::review::Application;
use jijiao_domain::review::workflow::{Status, Step};
use jijiao_storage::applications::{ApplicationFilter, ApplicationId, NewApplication, WindowRecord};
use jijiao_storage::testing::each_backend;
use jijiao_storage::{Actor, AuditFilter, NewOrganisation, NewPerson, OrgId, PageRequest, Store, StoreError};

/// A year for the tests (in range by construction).
const VALID: &str = include_str!("../../domain/tests/fixtures/review/valid_national.json");

fn system() -> Actor {
    Actor::system("测试")
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn document() -> Application {
    jijiao_domain::review::parse_application(VALID).unwrap()
}

struct World {
    district: OrgId,
    unit: OrgId,
    other_unit: OrgId,
    national: OrgId,
}

async fn world(store: &Store) -> World {
    let org = |kind, name: &str, parent: Option<OrgId>, province: Option<&str>| NewOrganisation {
        kind,
        name: name.into(),
        parent_id: parent,
        province_code: province.map(Into::into),
        unit_type: (kind == OrgKind::Unit).then_some(UnitType::Hospital),
        grassroots: false,
        cme_qualified: kind == OrgKind::Unit,
        remote_qualified: false,
        inspection: InspectionResult::Passed,
    };
    let s = system();
    let national = store.create_organisation(&s, &org(OrgKind::National, "国家办", None, None)).await.unwrap();
    let province = store.create_organisation(&s, &org(OrgKind::Provincial, "北京办", None, Some("11"))).await.unwrap();
    let district =
        store.create_organisation(&s, &org(OrgKind::District, "东城区", Some(province), Some("11"))).await.unwrap();
    let unit = store
        .create_organisation(&s, &org(OrgKind::Unit, "首都医科大学附属北京安贞医院", Some(district), Some("11")))
        .await
        .unwrap();
    let other_unit =
        store.create_organisation(&s, &org(OrgKind::Unit, "北京医院", Some(province), Some("11"))).await.unwrap();
    World { district, unit, other_unit, national }
}

fn new_app(doc: Application, unit: OrgId, district: Option<OrgId>) -> NewApplication {
    NewApplication {
        document: doc,
        unit_id: unit,
        district_id: district,
        leader_person_id: None,
        copied_from: None,
        findings: (0, 0),
    }
}

#[tokio::test]
async fn the_document_is_kept_whole_with_the_id_number_encrypted() {
    each_backend(|store, backend| async move {
        let w = world(&store).await;
        let doc = document();
        let id = store.create_application(&system(), &new_app(doc.clone(), w.unit, Some(w.district))).await.unwrap();
        let stored = store.application(id).await.unwrap();
        assert_eq!(stored.document, doc, "{backend}");
        let s = &stored.summary;
        assert_eq!((s.year, s.level, s.status), (y(2025), Level::National, Status::Draft));
        assert_eq!(s.province_code, "11");
        assert_eq!(s.unit_name, "首都医科大学附属北京安贞医院");
        assert_eq!((s.subject_secondary.as_str(), s.subject_tertiary.as_str()), ("03", "03-01"));
        assert_eq!(s.code, None);
        // The log shows the ID number masked, never whole.
        let log = store.audit_log(&AuditFilter::default(), PageRequest::default()).await.unwrap();
        let entry = log.items.iter().find(|e| e.action == "application.create").expect("logged");
        let text = entry.after.as_ref().unwrap().to_string();
        assert!(!text.contains(&doc.leader.id_number) && text.contains("110105"), "{text}");

        let mut changed = doc.clone();
        changed.name = "心力衰竭诊疗进展研讨班".into();
        store.update_application(&system(), id, &changed, None, (2, 1)).await.unwrap();
        let stored = store.application(id).await.unwrap();
        assert_eq!(stored.document.name, "心力衰竭诊疗进展研讨班");
        assert_eq!((stored.summary.errors, stored.summary.warnings), (2, 1));
        assert!(matches!(store.application(ApplicationId(999_999)).await, Err(StoreError::NotFound)));
    })
    .await;
}

#[tokio::test]
async fn the_chain_records_every_step_and_codes_follow_the_level_and_year() {
    each_backend(|store, backend| async move {
        let w = world(&store).await;
        let s = system();
        let on = day("2024-11-20");
        let a = store.create_application(&s, &new_app(document(), w.unit, Some(w.district))).await.unwrap();
        let mut second = document();
        second.name = "高血压基层规范化管理培训班".into();
        second.subject.tertiary = "03-02".into();
        let b = store.create_application(&s, &new_app(second, w.other_unit, None)).await.unwrap();

        // A draft can only be submitted.
        let refused = store.step_application(&s, a, Step::Approve, "", on).await;
        assert!(matches!(refused, Err(StoreError::Invalid(ref m)) if m.contains("草稿")), "{refused:?}");
        assert_eq!(store.step_application(&s, a, Step::Submit, "", on).await.unwrap(), Status::Submitted);
        assert_eq!(store.step_application(&s, b, Step::Submit, "", on).await.unwrap(), Status::Submitted);
        let a_code = store.application(a).await.unwrap().summary.code;
        assert_eq!(a_code.as_deref(), Some("03-01-001"), "{backend}");
        assert_eq!(store.application(b).await.unwrap().summary.code.as_deref(), Some("03-02-002"));
        assert_eq!(store.application(a).await.unwrap().summary.submitted_on, Some(on));
        // A submitted application cannot be edited.
        assert!(matches!(
            store.update_application(&s, a, &document(), None, (0, 0)).await,
            Err(StoreError::Invalid(_))
        ));

        // Under a district: the district first; returning needs a reason.
        assert!(store.step_application(&s, a, Step::Recommend, "", on).await.is_err());
        assert!(matches!(store.step_application(&s, a, Step::Return, "  ", on).await, Err(StoreError::Invalid(ref m)) if m.contains("意见")));
        assert_eq!(store.step_application(&s, a, Step::Return, "推荐理由不足", on).await.unwrap(), Status::Returned);
        store.update_application(&s, a, &document(), None, (0, 0)).await.unwrap();
        assert_eq!(store.step_application(&s, a, Step::Submit, "", day("2024-11-22")).await.unwrap(), Status::Submitted);
        assert_eq!(store.application(a).await.unwrap().summary.code, a_code, "resubmission keeps the code");
        assert_eq!(store.step_application(&s, a, Step::Forward, "同意", on).await.unwrap(), Status::DistrictReviewed);
        assert_eq!(store.step_application(&s, a, Step::Recommend, "", on).await.unwrap(), Status::ProvinceRecommended);
        assert_eq!(store.step_application(&s, a, Step::Approve, "", on).await.unwrap(), Status::Approved);
        assert!(store.step_application(&s, a, Step::Reject, "晚了", on).await.is_err(), "decided");

        // Without a district: the province recommends at once.
        assert_eq!(store.step_application(&s, b, Step::Recommend, "", on).await.unwrap(), Status::ProvinceRecommended);

        let steps = store.application_steps(a).await.unwrap();
        let seen: Vec<_> = steps.iter().map(|s| (s.step, s.to)).collect();
        assert_eq!(
            seen,
            [
                (Step::Submit, Status::Submitted),
                (Step::Return, Status::Returned),
                (Step::Submit, Status::Submitted),
                (Step::Forward, Status::DistrictReviewed),
                (Step::Recommend, Status::ProvinceRecommended),
                (Step::Approve, Status::Approved),
            ]
        );
        assert_eq!(steps[1].comment, "推荐理由不足");
        assert_eq!(steps[1].actor, "测试");
        let log = store.audit_log(&AuditFilter::default(), PageRequest::new(None, Some(200))).await.unwrap();
        assert_eq!(log.items.iter().filter(|e| e.action == "application.step").count(), 8);

        // A provincial application is numbered on its own, per province.
        let mut provincial = document();
        provincial.level = Level::Provincial;
        provincial.category = Some(jijiao_domain::review::Category::Improvement);
        let c = store.create_application(&s, &new_app(provincial, w.unit, Some(w.district))).await.unwrap();
        store.step_application(&s, c, Step::Submit, "", on).await.unwrap();
        assert_eq!(store.application(c).await.unwrap().summary.code.as_deref(), Some("03-01-001"));
    })
    .await;
}

#[tokio::test]
async fn lists_filter_and_page() {
    each_backend(|store, backend| async move {
        let w = world(&store).await;
        let s = system();
        let on = day("2024-11-20");
        for i in 0..5u32 {
            let mut doc = document();
            doc.name = format!("第{i}期心血管学习班");
            let mut new = new_app(doc, if i < 3 { w.unit } else { w.other_unit }, None);
            new.findings = (i % 2, 0);
            let id = store.create_application(&s, &new).await.unwrap();
            if i >= 2 {
                store.step_application(&s, id, Step::Submit, "", on).await.unwrap();
            }
        }
        let list = |f: ApplicationFilter| {
            let store = store.clone();
            async move { store.applications(&f, PageRequest::new(Some(1), Some(2))).await.unwrap() }
        };
        let all = list(ApplicationFilter::default()).await;
        assert_eq!((all.total, all.items.len(), all.pages()), (5, 2, 3), "{backend}");
        assert_eq!(list(ApplicationFilter { submitted_only: true, ..Default::default() }).await.total, 3);
        assert_eq!(list(ApplicationFilter { status: Some(Status::Draft), ..Default::default() }).await.total, 2);
        assert_eq!(list(ApplicationFilter { unit_id: Some(w.unit.0), ..Default::default() }).await.total, 3);
        assert_eq!(list(ApplicationFilter { has_findings: Some(true), ..Default::default() }).await.total, 2);
        assert_eq!(list(ApplicationFilter { has_findings: Some(false), ..Default::default() }).await.total, 3);
        assert_eq!(list(ApplicationFilter { q: Some("第3期".into()), ..Default::default() }).await.total, 1);
        assert_eq!(list(ApplicationFilter { q: Some("北京医院".into()), ..Default::default() }).await.total, 2);
        assert_eq!(list(ApplicationFilter { subject: Some("04".into()), ..Default::default() }).await.total, 0);
        assert_eq!(list(ApplicationFilter { level: Some(Level::Provincial), ..Default::default() }).await.total, 0);
        assert_eq!(list(ApplicationFilter { province_code: Some("13".into()), ..Default::default() }).await.total, 0);
        assert_eq!(list(ApplicationFilter { district_id: Some(w.district.0), ..Default::default() }).await.total, 0);
        let docs = store.application_documents(&ApplicationFilter::default(), 10).await.unwrap();
        assert_eq!(docs.len(), 5);
        assert!(docs.iter().all(|d| d.document.leader.id_number == document().leader.id_number));
    })
    .await;
}

#[tokio::test]
async fn the_context_comes_from_the_records() {
    each_backend(|store, backend| async move {
        let w = world(&store).await;
        let s = system();
        let leader = store
            .create_person(
                &s,
                &NewPerson {
                    name: "王建国".into(),
                    id_number: IdNumber::parse("11010519491231002X").unwrap(),
                    title: None,
                    employer_id: Some(w.unit),
                    in_post: true,
                    phone: None,
                },
            )
            .await
            .unwrap();
        let on = day("2024-11-20");
        // Last year: three approved national projects of the unit, one rejected.
        for (i, approve) in [true, true, true, false].into_iter().enumerate() {
            let mut doc = document();
            doc.year = y(2024);
            doc.name = format!("往年项目{i}");
            let id = store.create_application(&s, &new_app(doc, w.unit, None)).await.unwrap();
            store.step_application(&s, id, Step::Submit, "", on).await.unwrap();
            store.step_application(&s, id, Step::Recommend, "", on).await.unwrap();
            let step = if approve { Step::Approve } else { Step::Reject };
            store.step_application(&s, id, step, "不符合", on).await.unwrap();
        }
        // This year: the leader's two applications (one a draft), and another unit's.
        let mut mine = new_app(document(), w.unit, None);
        mine.leader_person_id = Some(leader);
        let first = store.create_application(&s, &mine).await.unwrap();
        store.step_application(&s, first, Step::Submit, "", on).await.unwrap();
        let draft = store.create_application(&s, &mine).await.unwrap();
        let mut theirs = document();
        theirs.name = "别家的项目".into();
        theirs.leader.name = "李堃".into();
        let other = store.create_application(&s, &new_app(theirs, w.other_unit, None)).await.unwrap();
        store.step_application(&s, other, Step::Submit, "", on).await.unwrap();

        let ctx = store
            .application_context(y(2025), Level::National, w.unit, (Some(leader), "王建国"), Some(draft))
            .await
            .unwrap();
        assert_eq!(ctx.leader_applications, 1, "{backend}: the submitted one; drafts do not count");
        assert_eq!(ctx.unit_applications, 1);
        assert_eq!(ctx.unit_previous_year_approved, Some(3));
        assert_eq!(ctx.others, vec![("北京医院".to_string(), "别家的项目".to_string(), "李堃".to_string())]);
        let ctx = store
            .application_context(y(2025), Level::National, w.unit, (Some(leader), "王建国"), Some(first))
            .await
            .unwrap();
        assert_eq!((ctx.leader_applications, ctx.unit_applications), (0, 0), "itself excluded");
        let ctx = store
            .application_context(y(2025), Level::National, w.other_unit, (None, "李堃"), Some(other))
            .await
            .unwrap();
        assert_eq!(ctx.unit_previous_year_approved, None);
        assert_eq!(ctx.leader_applications, 0);
        assert_eq!(ctx.others.len(), 1, "the unit's own applications are not duplicates");
    })
    .await;
}

#[tokio::test]
async fn windows_are_set_moved_and_found_by_level() {
    each_backend(|store, backend| async move {
        let w = world(&store).await;
        let s = system();
        let national = WindowRecord {
            year: y(2025),
            level: Level::National,
            org_id: w.national.0,
            province_code: None,
            opens: day("2024-11-18"),
            closes: day("2024-11-26"),
        };
        store.set_window(&s, &national).await.unwrap();
        assert_eq!(
            store.window_for(y(2025), Level::National, "11", None).await.unwrap(),
            Some(national.clone()),
            "{backend}"
        );
        let moved = WindowRecord { closes: day("2024-11-30"), ..national.clone() };
        store.set_window(&s, &moved).await.unwrap();
        assert_eq!(store.windows(Some(y(2025))).await.unwrap(), vec![moved]);
        let backwards = WindowRecord { closes: day("2024-11-01"), ..national.clone() };
        assert!(
            matches!(store.set_window(&s, &backwards).await, Err(StoreError::Invalid(ref m)) if m.contains("截止"))
        );
        assert_eq!(store.window_for(y(2025), Level::Provincial, "11", None).await.unwrap(), None);
        let district = WindowRecord {
            level: Level::District,
            org_id: w.district.0,
            province_code: Some("11".into()),
            ..national.clone()
        };
        store.set_window(&s, &district).await.unwrap();
        assert_eq!(store.window_for(y(2025), Level::District, "11", Some(w.district.0)).await.unwrap(), Some(district));
        assert_eq!(store.window_for(y(2025), Level::District, "11", Some(w.unit.0)).await.unwrap(), None);
        assert_eq!(store.windows(Some(y(2026))).await.unwrap(), vec![]);
    })
    .await;
}

#[tokio::test]
async fn only_never_submitted_drafts_are_deleted() {
    each_backend(|store, backend| async move {
        let w = world(&store).await;
        let s = system();
        let a = store.create_application(&s, &new_app(document(), w.unit, None)).await.unwrap();
        let b = store.create_application(&s, &new_app(document(), w.unit, None)).await.unwrap();
        store.step_application(&s, b, Step::Submit, "", day("2024-11-20")).await.unwrap();
        store.step_application(&s, b, Step::Return, "请修改", day("2024-11-20")).await.unwrap();
        assert!(matches!(store.delete_application(&s, b).await, Err(StoreError::Invalid(_))), "{backend}");
        store.delete_application(&s, a).await.unwrap();
        assert!(matches!(store.application(a).await, Err(StoreError::NotFound)));
        assert_eq!(store.applications(&ApplicationFilter::default(), PageRequest::default()).await.unwrap().total, 1);
    })
    .await;
}

/// A district approves at most half the district projects it held the year before (002); with
/// none held the year before there is no limit.
#[tokio::test]
async fn a_district_approves_no_more_than_half_of_last_years_district_projects() {
    each_backend(|store, backend| async move {
        let w = world(&store).await;
        let s = system();
        let on = day("2024-11-20");
        let district_app = |year: u16, n: usize| {
            let mut doc = document();
            doc.year = y(year);
            doc.level = Level::District;
            doc.name = format!("社区慢病管理培训班第{n}期");
            new_app(doc, w.unit, Some(w.district))
        };
        let approve = async |year: u16, n: usize| {
            let id = store.create_application(&s, &district_app(year, n)).await.unwrap();
            store.step_application(&s, id, Step::Submit, "", on).await.unwrap();
            store.step_application(&s, id, Step::Approve, "", on).await
        };
        for n in 1..=3 {
            assert_eq!(approve(2024, n).await.unwrap(), Status::Approved, "{backend}: nothing held in 2023, no limit");
        }
        let q2024 = store.district_quota(w.district, y(2024)).await.unwrap();
        assert_eq!((q2024.held_previous_year, q2024.quota, q2024.approved), (0, None, 3));
        assert!(!q2024.exhausted());

        // Three held in 2024: one may be approved for 2025 (half, rounded down).
        assert_eq!(approve(2025, 1).await.unwrap(), Status::Approved);
        let refused = approve(2025, 2).await;
        assert!(
            matches!(refused, Err(StoreError::Invalid(ref m)) if m.contains("限额1项") && m.contains("上一年度举办3项")),
            "{backend}: {refused:?}"
        );
        let q2025 = store.district_quota(w.district, y(2025)).await.unwrap();
        assert_eq!((q2025.held_previous_year, q2025.quota, q2025.approved), (3, Some(1), 1));
        assert!(q2025.exhausted());
        // The refused application still waits for the district: returning or rejecting it is allowed.
        let waiting = store
            .applications(
                &ApplicationFilter { year: Some(y(2025)), status: Some(Status::Submitted), ..Default::default() },
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(waiting.total, 1);
        let id = waiting.items[0].id;
        assert_eq!(store.step_application(&s, id, Step::Reject, "超出限额", on).await.unwrap(), Status::Rejected);
        // Another district's quota is its own.
        let other = store.district_quota(w.national, y(2025)).await.unwrap();
        assert_eq!((other.held_previous_year, other.quota, other.approved), (0, None, 0));
    })
    .await;
}

/// Writers that read first (a submission reads the application and the last code, then writes)
/// wait for one another instead of failing: on SQLite a deferred transaction whose snapshot went
/// stale would fail at once with "database is locked"; writes begin immediate.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_submissions_all_succeed_with_distinct_codes() {
    each_backend(|store, backend| async move {
        let w = world(&store).await;
        let s = system();
        let mut ids = Vec::new();
        for n in 0..32 {
            let mut doc = document();
            doc.name = format!("并发提交测试学习班{n}");
            ids.push(store.create_application(&s, &new_app(doc, w.other_unit, None)).await.unwrap());
        }
        let tasks: Vec<_> = ids
            .iter()
            .map(|&id| {
                let (store, s) = (store.clone(), s.clone());
                tokio::spawn(async move { store.step_application(&s, id, Step::Submit, "", day("2024-11-20")).await })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap(), Status::Submitted, "{backend}");
        }
        let mut codes = std::collections::BTreeSet::new();
        for id in ids {
            codes.insert(store.application(id).await.unwrap().summary.code.unwrap());
        }
        assert_eq!(codes.len(), 32, "{backend}: every submission its own code");
    })
    .await;
}
