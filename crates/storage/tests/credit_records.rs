//! Credit records on every backend: recording, granting and rejecting once, corrections by reversal,
//! all-or-nothing batches, scoped lists, and the audit log of each change.

use crate::y;
use chrono::NaiveDate;
use jijiao_domain::credits::learning_record::{RecordFacts, RecordSource, RecordStatus, summarise};
use jijiao_domain::credits::{ActivityKind, LegacyClass, Person, Role, RuleSettings};
use jijiao_domain::{Credits, Hours, IdNumber};
use jijiao_storage::credit_records::{CreditFilter, CreditRecordId, Decision, NewCreditRecord};
use jijiao_storage::testing::{each_backend, hospital};
use jijiao_storage::{Actor, AuditFilter, NewPerson, PageRequest, PersonId, Store, StoreError};

/// A year for the tests (in range by construction).
fn actor(name: &str) -> Actor {
    Actor { account_id: None, name: name.into(), ip: None }
}

async fn person(store: &Store, unit: &str, province: &str, n: u64) -> PersonId {
    let org = match store.organisation_by_name(unit).await {
        Ok(o) => o.id,
        Err(_) => store.create_organisation(&actor("测试"), &hospital(unit, province)).await.unwrap(),
    };
    let id = jijiao_domain::id_number::compose(
        "110101",
        NaiveDate::from_ymd_opt(1980, 1, 1).unwrap() + chrono::Days::new(n),
        300,
    );
    store
        .create_person(
            &actor("测试"),
            &NewPerson {
                name: format!("学员{n}"),
                id_number: id,
                title: None,
                employer_id: Some(org),
                in_post: true,
                phone: None,
            },
        )
        .await
        .unwrap()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn practice(hours: i64, end: &str) -> RecordFacts {
    RecordFacts {
        kind: ActivityKind::Practice,
        title: "多学科病例讨论".into(),
        project_number: None,
        level: None,
        delivery: None,
        role: Some(Role::Participant),
        start: None,
        end: date(end),
        passed: None,
        hours: Some(Hours::whole(hours)),
        credits: None,
        legacy_class: None,
    }
}

fn new(person: PersonId, facts: RecordFacts) -> NewCreditRecord {
    NewCreditRecord { person_id: person, source: RecordSource::Employer, source_ref: None, facts, granted: false }
}

#[tokio::test]
async fn records_are_granted_or_rejected_once_and_logged() {
    each_backend(|store, backend| async move {
        let p = person(&store, "协和", "11", 1).await;
        let unit = actor("单位管理员");
        let a = store.record_credit(&unit, &new(p, practice(12, "2025-03-01"))).await.unwrap();
        let b = store.record_credit(&unit, &new(p, practice(6, "2025-04-01"))).await.unwrap();
        let r = store.credit_record(a).await.unwrap();
        assert_eq!(
            (r.status, i32::from(r.year), r.person_name.as_str()),
            (RecordStatus::Provisional, 2025, "学员1"),
            "{backend}"
        );
        assert_eq!(r.facts, practice(12, "2025-03-01"));
        assert_eq!(r.province_code.as_deref(), Some("11"));
        assert_eq!(r.recorded_by_name, "单位管理员");

        let province = actor("省级管理员");
        store.decide_credits(&province, &[a], &Decision::Grant).await.unwrap();
        let e = store.decide_credits(&province, &[b], &Decision::Reject { reason: "  ".into() }).await.unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{backend}: a rejection needs a reason");
        store.decide_credits(&province, &[b], &Decision::Reject { reason: "无考核记录".into() }).await.unwrap();
        let granted = store.credit_record(a).await.unwrap();
        assert_eq!(granted.status, RecordStatus::Granted);
        assert_eq!(granted.decided_by_name.as_deref(), Some("省级管理员"));
        assert!(granted.decided_at.is_some());
        let rejected = store.credit_record(b).await.unwrap();
        assert_eq!((rejected.status, rejected.reject_reason.as_deref()), (RecordStatus::Rejected, Some("无考核记录")));

        // Decided once: a second decision changes nothing, in a batch neither.
        let c = store.record_credit(&unit, &new(p, practice(3, "2025-05-01"))).await.unwrap();
        let e = store.decide_credits(&province, &[c, a], &Decision::Grant).await.unwrap_err();
        assert!(matches!(e, StoreError::Conflict(ref m) if m.contains("已发放")), "{backend}: {e}");
        assert_eq!(store.credit_record(c).await.unwrap().status, RecordStatus::Provisional, "{backend}: rolled back");

        let log = store
            .audit_log(
                &AuditFilter { object_type: Some("credit_record".into()), ..Default::default() },
                PageRequest::new(None, Some(50)),
            )
            .await
            .unwrap();
        let actions: Vec<_> = log.items.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions.iter().filter(|a| **a == "credit.record").count(), 3, "{backend}: {actions:?}");
        assert!(actions.contains(&"credit.grant") && actions.contains(&"credit.reject"), "{actions:?}");
        assert!(store.verify_audit_chain().await.unwrap().first_broken.is_none());
    })
    .await;
}

#[tokio::test]
async fn a_granted_record_is_corrected_by_a_reversal_never_edited() {
    each_backend(|store, backend| async move {
        // Another unit first, so that no id of the person's unit is also the person's.
        store.create_organisation(&actor("测试"), &hospital("北京医院", "11")).await.unwrap();
        let p = person(&store, "协和", "11", 2).await;
        let province = actor("省级管理员");
        let a = store.record_credit(&actor("单位"), &new(p, practice(30, "2025-03-01"))).await.unwrap();
        let e = store.reverse_credit(&province, a, "学时有误", None, reversed_on()).await.unwrap_err();
        assert!(matches!(e, StoreError::Conflict(_)), "{backend}: only granted records are reversed");
        store.decide_credits(&province, &[a], &Decision::Grant).await.unwrap();
        let before = store.credit_record(a).await.unwrap();

        let replacement = new(p, practice(18, "2025-03-01"));
        let (reversal, fixed) =
            store.reverse_credit(&province, a, "学时有误", Some(&replacement), reversed_on()).await.unwrap();
        let fixed = fixed.unwrap();
        let after = store.credit_record(a).await.unwrap();
        assert_eq!(after.status, before.status, "{backend}: the granted record keeps its status");
        assert_eq!(after.facts, before.facts);
        assert_eq!(after.reversed_by, Some(reversal));
        let rev = store.credit_record(reversal).await.unwrap();
        assert_eq!(rev.reverses_id, Some(a));
        assert_eq!(rev.status, RecordStatus::Granted);
        assert!(rev.source_ref.unwrap().contains("学时有误"));
        assert_eq!(store.credit_record(fixed).await.unwrap().status, RecordStatus::Provisional);
        let e = store.reverse_credit(&province, a, "再次", None, reversed_on()).await.unwrap_err();
        assert!(matches!(e, StoreError::Conflict(_)), "{backend}: reversed once");
        let e = store.reverse_credit(&province, reversal, "冲销冲销", None, reversed_on()).await.unwrap_err();
        assert!(matches!(e, StoreError::Conflict(_)), "{backend}: a reversal is not reversed");

        // The engine counts neither the reversed record nor its reversal; the replacement once granted.
        store.decide_credits(&province, &[fixed], &Decision::Grant).await.unwrap();
        let (of_year, years) = store.reader().await.unwrap().credit_year_of(p, y(2025)).await.unwrap();
        let ids =
            |records: &[jijiao_storage::credit_records::CreditRecord]| records.iter().map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(ids(&of_year), ids(&store.credit_records_of(p, Some(y(2025))).await.unwrap()), "{backend}");
        assert_eq!(years, vec![y(2025)], "{backend}");
        // A person's records name their organisation (looked up by id) as a record read alone does (joined).
        for r in &of_year {
            assert_eq!(r.org_name, store.credit_record(r.id).await.unwrap().org_name, "{backend}");
        }
        assert!(of_year.iter().any(|r| r.org_name.as_deref() == Some("协和")), "{backend}: the unit is named");
        let records: Vec<_> = of_year.iter().map(|r| r.year_record()).collect();
        assert_eq!(records.len(), 3);
        let who = Person {
            id_number: IdNumber::parse("11010519491231002X").unwrap(),
            province: "北京市".into(),
            grassroots: false,
        };
        let s = summarise(y(2025), &who, &records, &RuleSettings::default());
        assert_eq!(s.report.total, Credits::whole(3), "{backend}: 18 h ÷ 6");
        let log = store
            .audit_log(
                &AuditFilter { object_type: Some("credit_record".into()), ..Default::default() },
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert!(log.items.iter().any(|e| e.action == "credit.reverse"), "{backend}");
    })
    .await;
}

#[tokio::test]
async fn a_batch_is_stored_whole_or_not_at_all() {
    each_backend(|store, backend| async move {
        let p = person(&store, "协和", "11", 3).await;
        let unit = actor("单位");
        let mut bad = practice(3, "2025-03-01");
        bad.role = None;
        let e = store.record_credits(&unit, &[new(p, practice(3, "2025-02-01")), new(p, bad)]).await.unwrap_err();
        assert!(matches!(e, StoreError::Invalid(ref m) if m.contains("role")), "{backend}: {e}");
        let e = store
            .record_credits(
                &unit,
                &[new(p, practice(3, "2025-02-01")), new(PersonId(999_999), practice(3, "2025-02-01"))],
            )
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{backend}: {e}");
        assert!(store.credit_records_of(p, None).await.unwrap().is_empty(), "{backend}: nothing saved");

        let legacy = |class, credits, end: &str| NewCreditRecord {
            source: RecordSource::Import,
            granted: true,
            ..new(
                p,
                RecordFacts {
                    kind: ActivityKind::Legacy,
                    legacy_class: Some(class),
                    credits: Some(Credits::whole(credits)),
                    role: None,
                    hours: None,
                    title: "历史学分".into(),
                    ..practice(0, end)
                },
            )
        };
        let ids = store
            .record_credits(
                &unit,
                &[legacy(LegacyClass::I, 10, "2023-05-01"), legacy(LegacyClass::II, 15, "2024-05-01")],
            )
            .await
            .unwrap();
        assert_eq!(ids.len(), 2);
        assert_eq!(store.credit_record(ids[0]).await.unwrap().status, RecordStatus::Granted, "{backend}");
        assert_eq!(store.credit_years_of(p).await.unwrap(), vec![y(2024), y(2023)]);
    })
    .await;
}

#[tokio::test]
async fn review_lists_filter_by_scope_status_kind_and_year() {
    each_backend(|store, backend| async move {
        let beijing = person(&store, "协和", "11", 4).await;
        let hebei = person(&store, "河北二院", "13", 5).await;
        let unit = actor("单位");
        let mut ids = Vec::new();
        for (p, hours) in [(beijing, 3), (beijing, 6), (hebei, 3)] {
            ids.push(store.record_credit(&unit, &new(p, practice(hours, "2025-03-01"))).await.unwrap());
        }
        let training = RecordFacts {
            kind: ActivityKind::FurtherTraining,
            start: Some(date("2025-09-01")),
            passed: Some(true),
            role: None,
            hours: Some(Hours::whole(60)),
            ..practice(0, "2025-10-31")
        };
        store.record_credit(&unit, &new(beijing, training)).await.unwrap();
        let page = PageRequest::default();
        let bj = CreditFilter { province_code: Some("11".into()), ..Default::default() };
        assert_eq!(store.credit_records(&bj, page).await.unwrap().total, 3, "{backend}");
        let bj_practice = CreditFilter { kind: Some(ActivityKind::Practice), ..bj.clone() };
        assert_eq!(store.credit_records(&bj_practice, page).await.unwrap().total, 2);
        let hebei_org = store.organisation_by_name("河北二院").await.unwrap().id.0;
        let by_org = CreditFilter { org_ids: Some(vec![hebei_org]), ..Default::default() };
        assert_eq!(store.credit_records(&by_org, page).await.unwrap().items[0].person_id, hebei);
        let none = CreditFilter { org_ids: Some(vec![]), ..Default::default() };
        assert_eq!(store.credit_records(&none, page).await.unwrap().total, 0);
        let named = CreditFilter { q: Some("学员4".into()), ..Default::default() };
        assert_eq!(store.credit_records(&named, page).await.unwrap().total, 3);
        let other_year = CreditFilter { year: Some(y(2026)), ..Default::default() };
        assert_eq!(store.credit_records(&other_year, page).await.unwrap().total, 0);
        let employer = CreditFilter { sources: Some(vec![RecordSource::Employer]), ..bj_practice.clone() };
        let pending = CreditFilter { status: Some(RecordStatus::Provisional), ..employer };
        let all = store.credit_record_ids(&pending, 100).await.unwrap();
        assert_eq!(all, vec![ids[0], ids[1]]);
        store.decide_credits(&actor("省"), &all, &Decision::Grant).await.unwrap();
        assert_eq!(store.credit_records(&pending, page).await.unwrap().total, 0);
        let small = store.credit_records(&bj, PageRequest::new(Some(2), Some(2))).await.unwrap();
        assert_eq!((small.items.len(), small.total), (1, 3));

        let compliance = store.compliance_year(Some("11"), None, y(2025), page).await.unwrap();
        assert_eq!(compliance.total, 1, "{backend}");
        let me = &compliance.items[0];
        assert_eq!((me.person_id, me.records.len()), (beijing, 2), "granted records only");
        assert!(matches!(store.credit_record(CreditRecordId(987_654)).await, Err(StoreError::NotFound)));
    })
    .await;
}

#[tokio::test]
async fn self_study_plans_are_decided_once_and_one_is_open_per_year() {
    use jijiao_storage::credit_records::{PlanFilter, PlanStatus, plan_ref};
    each_backend(|store, backend| async move {
        let me = person(&store, "协和", "11", 11).await;
        let other = person(&store, "河北二院", "13", 12).await;
        let plan =
            store.submit_self_study_plan(&actor("本人"), me, y(2025), "阅读专业期刊", Credits::whole(6)).await.unwrap();
        let again = store.submit_self_study_plan(&actor("本人"), me, y(2025), "再来一份", Credits::whole(6)).await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{backend}: one open plan per year");
        assert!(matches!(
            store.submit_self_study_plan(&actor("本人"), me, y(2026), "  ", Credits::whole(6)).await,
            Err(StoreError::Invalid(_))
        ));
        let blank = Decision::Reject { reason: " ".into() };
        assert!(matches!(
            store.decide_self_study_plan(&actor("单位"), plan, &blank).await,
            Err(StoreError::Invalid(_))
        ));
        store.decide_self_study_plan(&actor("单位"), plan, &Decision::Grant).await.unwrap();
        let twice = store.decide_self_study_plan(&actor("单位"), plan, &Decision::Grant).await;
        assert!(matches!(twice, Err(StoreError::Conflict(_))), "{backend}: decided once");
        let stored = store.self_study_plan(plan).await.unwrap();
        assert_eq!((stored.status, stored.planned, stored.year), (PlanStatus::Approved, Credits::whole(6), y(2025)));
        assert_eq!(stored.decided_by_name.as_deref(), Some("单位"));

        // Applications against the plan count toward what it allows, rejected ones not.
        let application = |credits: i64| NewCreditRecord {
            person_id: me,
            source: RecordSource::SelfStudy,
            source_ref: Some(plan_ref(plan)),
            facts: RecordFacts {
                kind: ActivityKind::SelfStudy,
                credits: Some(Credits::whole(credits)),
                role: None,
                hours: None,
                ..practice(0, "2025-06-01")
            },
            granted: false,
        };
        let first = store.record_credit(&actor("本人"), &application(2)).await.unwrap();
        let second = store.record_credit(&actor("本人"), &application(3)).await.unwrap();
        assert_eq!(store.self_study_applied(plan).await.unwrap(), Credits::whole(5));
        store
            .decide_credits(&actor("单位"), &[second], &Decision::Reject { reason: "无读书报告".into() })
            .await
            .unwrap();
        store.decide_credits(&actor("单位"), &[first], &Decision::Grant).await.unwrap();
        assert_eq!(store.self_study_applied(plan).await.unwrap(), Credits::whole(2), "{backend}");

        let mine = store.self_study_plans(&PlanFilter { person_id: Some(me), ..PlanFilter::default() }).await.unwrap();
        assert_eq!(mine.len(), 1);
        let hebei_org = store.organisation_by_name("河北二院").await.unwrap().id.0;
        let hebei = PlanFilter { org_ids: Some(vec![hebei_org]), ..PlanFilter::default() };
        assert!(store.self_study_plans(&hebei).await.unwrap().is_empty());
        let rejected =
            store.submit_self_study_plan(&actor("他人"), other, y(2025), "学习", Credits::whole(2)).await.unwrap();
        store
            .decide_self_study_plan(&actor("单位"), rejected, &Decision::Reject { reason: "计划过于简单".into() })
            .await
            .unwrap();
        store
            .submit_self_study_plan(&actor("他人"), other, y(2025), "重新提交的计划", Credits::whole(2))
            .await
            .unwrap();
        let entries = store
            .audit_log(
                &AuditFilter { object_type: Some("self_study_plan".into()), ..Default::default() },
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(entries.total, 5, "{backend}: every submission and decision audited");
    })
    .await;
}

#[tokio::test]
async fn compliance_lists_everyone_of_a_scope_with_granted_records_only() {
    each_backend(|store, backend| async move {
        let a = person(&store, "协和", "11", 21).await;
        let b = person(&store, "协和", "11", 22).await;
        let c = person(&store, "河北二院", "13", 23).await;
        let new = |p, facts, granted| NewCreditRecord {
            person_id: p,
            source: RecordSource::Employer,
            source_ref: None,
            facts,
            granted,
        };
        store.record_credit(&actor("省"), &new(a, practice(30, "2025-03-01"), true)).await.unwrap();
        store.record_credit(&actor("单位"), &new(a, practice(6, "2025-04-01"), false)).await.unwrap();
        store.record_credit(&actor("省"), &new(c, practice(6, "2025-04-01"), true)).await.unwrap();
        store.record_credit(&actor("省"), &new(b, practice(6, "2026-04-01"), true)).await.unwrap();
        let beijing = store.compliance_all(Some("11"), None, y(2025)).await.unwrap();
        let names: Vec<_> = beijing.iter().map(|p| (p.person_id, p.records.len())).collect();
        assert_eq!(names, vec![(a, 1), (b, 0)], "{backend}: both people, this year's granted records only");
        assert_eq!(beijing[0].province_code.as_deref(), Some("11"));
        let settings = RuleSettings::default();
        let person =
            Person { id_number: beijing[0].id_number.clone(), province: "北京市".into(), grassroots: false };
        let summary = summarise(y(2025), &person, &beijing[0].records, &settings);
        assert_eq!(summary.report.total, Credits::whole(5), "practice over 30 hours, ÷6");
        let hebei_org = store.organisation_by_name("河北二院").await.unwrap().id.0;
        let hebei = store.compliance_all(None, Some(&[hebei_org]), y(2025)).await.unwrap();
        assert_eq!(hebei.len(), 1);
        assert_eq!((hebei[0].person_id, hebei[0].records.len()), (c, 1));
        assert!(store.compliance_all(None, Some(&[]), y(2025)).await.unwrap().is_empty());

        // The ranges of a bulk recomputation: people in id order with this year's granted records.
        let max = store.max_person_id().await.unwrap();
        assert_eq!(max, c.0);
        let ranged = store.person_years_in_range(y(2025), a.0, max + 1).await.unwrap();
        let got: Vec<_> = ranged.iter().map(|p| (p.person_id, p.records.len())).collect();
        assert_eq!(got, vec![(a, 1), (b, 0), (c, 1)], "{backend}");
        assert_eq!(ranged[0].records, beijing[0].records, "the same records as the compliance list");
        assert!(store.person_years_in_range(y(2025), max + 1, max + 100).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_recomputation_range_sees_corrections_as_the_record_page_does() {
    each_backend(|store, backend| async move {
        let a = person(&store, "协和", "11", 31).await;
        let b = person(&store, "协和", "11", 32).await;
        let province = actor("省级管理员");
        let granted = |p, facts| NewCreditRecord {
            person_id: p,
            source: RecordSource::Employer,
            source_ref: None,
            facts,
            granted: true,
        };
        let wrong = store.record_credit(&province, &granted(a, practice(30, "2025-03-01"))).await.unwrap();
        store.record_credit(&province, &granted(a, practice(12, "2025-05-01"))).await.unwrap();
        store.record_credit(&province, &granted(b, practice(6, "2025-04-01"))).await.unwrap();
        let replacement = NewCreditRecord { granted: false, ..granted(a, practice(18, "2025-03-01")) };
        let (_, fixed) =
            store.reverse_credit(&province, wrong, "学时有误", Some(&replacement), reversed_on()).await.unwrap();
        store.decide_credits(&province, &[fixed.unwrap()], &Decision::Grant).await.unwrap();

        let ranged = store.person_years_in_range(y(2025), a.0, b.0 + 1).await.unwrap();
        let listed = store.compliance_all(Some("11"), None, y(2025)).await.unwrap();
        for (r, l) in ranged.iter().zip(listed.iter().filter(|l| l.person_id == a || l.person_id == b)) {
            assert_eq!(r.person_id, l.person_id);
            assert_eq!(r.records, l.records, "{backend}: the same records and cancellations as the list");
        }
        let cancelled: Vec<bool> = ranged[0].records.iter().map(|r| r.cancelled).collect();
        assert_eq!(
            cancelled.iter().filter(|c| **c).count(),
            2,
            "{backend}: the record and its reversal: {cancelled:?}"
        );

        let who = Person { id_number: ranged[0].id_number.clone(), province: "北京市".into(), grassroots: false };
        let s = summarise(y(2025), &who, &ranged[0].records, &RuleSettings::default());
        assert_eq!(s.report.total, Credits::whole(5), "{backend}: (12 + 18) h ÷ 6, the 30 h cancelled");
    })
    .await;
}

/// The day the tests reverse records on (the store takes "today" from the application's clock).
fn reversed_on() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 6, 1).expect("a date")
}
