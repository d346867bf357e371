//! The bulk load on every backend: people and records come back exactly as the one-row paths would
//! have stored them, a batch is stored whole or not at all, batches larger than one statement work,
//! and each batch is one entry of an intact audit chain.

use crate::y;
use chrono::NaiveDate;
use jijiao_domain::credits::learning_record::{RecordFacts, RecordSource, RecordStatus};
use jijiao_domain::credits::{ActivityKind, Role};
use jijiao_domain::{Credits, Hours, IdNumber};
use jijiao_storage::credit_records::NewCreditRecord;
use jijiao_storage::testing::{each_backend, hospital};
use jijiao_storage::{Actor, AuditFilter, NewPerson, OrgId, PageRequest, PersonId, Store, StoreError};

/// A year for the tests (in range by construction).
fn actor(name: &str) -> Actor {
    Actor { account_id: None, name: name.into(), ip: None }
}

async fn unit(store: &Store, name: &str, province: &str) -> OrgId {
    store.create_organisation(&actor("测试"), &hospital(name, province)).await.unwrap()
}

fn id_number(n: u64) -> IdNumber {
    jijiao_domain::id_number::compose(
        "110101",
        NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Days::new(n % 10_000),
        (n / 10_000) as u16,
    )
}

fn new_person(n: u64, employer: Option<OrgId>, phone: Option<&str>) -> NewPerson {
    NewPerson {
        name: format!(" 学员{n} "),
        id_number: id_number(n),
        title: Some("主治医师".into()),
        employer_id: employer,
        in_post: n.is_multiple_of(2),
        phone: phone.map(str::to_string),
    }
}

fn practice(hours: i64, end: &str) -> RecordFacts {
    RecordFacts {
        kind: ActivityKind::Practice,
        title: " 病例讨论 ".into(),
        project_number: None,
        level: None,
        delivery: None,
        role: Some(Role::Participant),
        start: None,
        end: NaiveDate::parse_from_str(end, "%Y-%m-%d").unwrap(),
        passed: None,
        hours: Some(Hours::whole(hours)),
        credits: None,
        legacy_class: None,
    }
}

fn self_study(end: &str) -> RecordFacts {
    RecordFacts {
        kind: ActivityKind::SelfStudy,
        role: None,
        hours: None,
        credits: Some(Credits::from_tenths(25)),
        ..practice(0, end)
    }
}

fn new_record(person: PersonId, facts: RecordFacts, granted: bool) -> NewCreditRecord {
    NewCreditRecord {
        person_id: person,
        source: RecordSource::Employer,
        source_ref: Some(" 批量 ".into()),
        facts,
        granted,
    }
}

#[tokio::test]
async fn bulk_people_are_stored_as_one_by_one_people_are() {
    each_backend(|store, backend| async move {
        let org = unit(&store, "协和", "11").await;
        let loader = actor("批量导入");
        let batch = [new_person(1, Some(org), Some(" 13900000001 ")), new_person(2, None, None)];
        let ids = store.bulk_create_people(&loader, &batch).await.unwrap();
        let single = store.create_person(&loader, &new_person(3, Some(org), Some("13900000003"))).await.unwrap();
        assert_eq!(ids.len(), 2, "{backend}");
        for (new, id) in batch.iter().zip(&ids) {
            let p = store.person(*id).await.unwrap();
            assert_eq!(p.name, new.name.trim(), "{backend}: ids in input order, name trimmed");
            assert_eq!(p.id_number, new.id_number);
            assert_eq!(p.birth_date, new.id_number.birth_date());
            assert_eq!(
                (p.employer_id, p.in_post, p.title.as_deref()),
                (new.employer_id, new.in_post, Some("主治医师"))
            );
            assert_eq!(p.phone, new.phone.as_deref().map(|t| t.trim().to_string()));
            // Found through the same keyed hash as a person created one by one.
            assert_eq!(store.person_by_id_number(&new.id_number).await.unwrap().id, *id, "{backend}");
        }
        // Nothing in clear, and the same shape of row as `create_person` writes.
        let bulk_raw = store.raw_person_row_for_tests(ids[0]).await.unwrap();
        let single_raw = store.raw_person_row_for_tests(single).await.unwrap();
        assert!(!bulk_raw.contains(id_number(1).as_str()) && !bulk_raw.contains("13900000001"), "{backend}");
        let shape = |raw: &str| raw.split('|').map(str::len).collect::<Vec<_>>();
        assert_eq!(shape(&bulk_raw), shape(&single_raw), "{backend}: {bulk_raw} / {single_raw}");

        // A number twice in the batch, or already registered: the whole batch is refused.
        let before = store.count_people().await.unwrap();
        let e = store.bulk_create_people(&loader, &[new_person(4, None, None), new_person(4, None, None)]).await;
        assert!(matches!(e, Err(StoreError::Conflict(_))), "{backend}: {e:?}");
        let e = store.bulk_create_people(&loader, &[new_person(5, None, None), new_person(1, None, None)]).await;
        assert!(matches!(e, Err(StoreError::Conflict(_))), "{backend}: {e:?}");
        let e = store
            .bulk_create_people(
                &loader,
                &[new_person(6, None, None), NewPerson { name: " ".into(), ..new_person(7, None, None) }],
            )
            .await;
        assert!(matches!(e, Err(StoreError::Invalid(_))), "{backend}: {e:?}");
        assert_eq!(store.count_people().await.unwrap(), before, "{backend}: nothing of a refused batch");
        assert!(store.bulk_create_people(&loader, &[]).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn bulk_records_are_stored_as_one_by_one_records_are() {
    each_backend(|store, backend| async move {
        let org = unit(&store, "协和", "11").await;
        let loader = actor("批量导入");
        let ids = store
            .bulk_create_people(&loader, &[new_person(10, Some(org), None), new_person(11, None, None)])
            .await
            .unwrap();
        let (p, q) = (ids[0], ids[1]);
        let batch = [
            new_record(p, practice(12, "2025-03-01"), true),
            new_record(p, self_study("2025-04-01"), false),
            new_record(q, practice(6, "2025-05-01"), true),
        ];
        assert_eq!(store.bulk_record_credits(&loader, &batch).await.unwrap(), 3, "{backend}");
        let one = store.record_credit(&loader, &new_record(p, practice(12, "2025-03-01"), true)).await.unwrap();

        let records = store.credit_records_of(p, Some(y(2025))).await.unwrap();
        assert_eq!(records.len(), 3, "{backend}");
        let single = records.iter().find(|r| r.id == one).unwrap();
        let bulk = records.iter().find(|r| r.id != one && r.facts == single.facts).unwrap();
        // Every stored field but the id and the instants is what `record_credit` stores.
        assert_eq!(
            (bulk.org_id, &bulk.province_code, bulk.year, bulk.source, &bulk.source_ref, bulk.status),
            (single.org_id, &single.province_code, single.year, single.source, &single.source_ref, single.status),
            "{backend}"
        );
        assert_eq!(bulk.facts.title, "病例讨论", "{backend}: title trimmed");
        assert_eq!(
            (bulk.org_id, bulk.province_code.as_deref()),
            (Some(org), Some("11")),
            "{backend}: filed at the employer"
        );
        assert_eq!(
            (&bulk.recorded_by_name, &bulk.decided_by_name, bulk.decided_at.is_some()),
            (&single.recorded_by_name, &single.decided_by_name, true)
        );
        let provisional = records.iter().find(|r| r.facts.kind == ActivityKind::SelfStudy).unwrap();
        assert_eq!((provisional.status, provisional.decided_by_name.as_deref()), (RecordStatus::Provisional, None));
        assert_eq!(provisional.facts.credits, Some(Credits::from_tenths(25)), "{backend}: tenths kept");
        let other = store.credit_records_of(q, Some(y(2025))).await.unwrap();
        assert_eq!((other.len(), other[0].org_id, other[0].province_code.as_deref()), (1, None, None), "{backend}");

        // A bad record or an unknown person refuses the whole batch.
        let mut bad = practice(3, "2025-03-01");
        bad.role = None;
        let e = store
            .bulk_record_credits(&loader, &[new_record(q, practice(1, "2025-06-01"), true), new_record(q, bad, true)])
            .await;
        assert!(matches!(e, Err(StoreError::Invalid(_))), "{backend}: {e:?}");
        let e = store
            .bulk_record_credits(
                &loader,
                &[
                    new_record(q, practice(1, "2025-06-01"), true),
                    new_record(PersonId(999_999), practice(1, "2025-06-01"), true),
                ],
            )
            .await;
        assert!(matches!(e, Err(StoreError::Invalid(_))), "{backend}: {e:?}");
        assert_eq!(store.credit_records_of(q, None).await.unwrap().len(), 1, "{backend}: nothing of a refused batch");
        assert_eq!(store.bulk_record_credits(&loader, &[]).await.unwrap(), 0);
    })
    .await;
}

#[tokio::test]
async fn batches_larger_than_a_statement_are_whole_and_audited_once() {
    each_backend(|store, backend| async move {
        let org = unit(&store, "协和", "11").await;
        let loader = actor("批量导入");
        // More rows than one statement takes (2,500 people, 1,153 records per statement).
        let people: Vec<NewPerson> = (0..3_000).map(|n| new_person(100 + n, Some(org), None)).collect();
        let ids = store.bulk_create_people(&loader, &people).await.unwrap();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 3_000, "{backend}: one id each");
        for i in [0, 2_499, 2_500, 2_999] {
            assert_eq!(
                store.person(ids[i]).await.unwrap().id_number,
                people[i].id_number,
                "{backend}: id {i} in order"
            );
        }
        let records: Vec<NewCreditRecord> =
            ids.iter().map(|&id| new_record(id, practice(2, "2025-02-01"), true)).collect();
        assert_eq!(store.bulk_record_credits(&loader, &records).await.unwrap(), 3_000);
        for i in [0, 1_152, 1_153, 2_999] {
            assert_eq!(store.credit_records_of(ids[i], Some(y(2025))).await.unwrap().len(), 1, "{backend}: record {i}");
        }

        let log = store.audit_log(&AuditFilter::default(), PageRequest::new(None, Some(50))).await.unwrap();
        let bulk: Vec<_> = log
            .items
            .iter()
            .filter(|e| e.action.starts_with("person.bulk") || e.action.starts_with("credit.bulk"))
            .collect();
        assert_eq!(bulk.len(), 2, "{backend}: one entry per batch");
        let people_entry = bulk.iter().find(|e| e.action == "person.bulk_create").unwrap();
        assert_eq!(people_entry.after.as_ref().unwrap()["count"], 3_000);
        assert_eq!(people_entry.actor, "批量导入");
        let records_entry = bulk.iter().find(|e| e.action == "credit.bulk_record").unwrap();
        assert_eq!(records_entry.after.as_ref().unwrap()["granted"], 3_000);
        assert!(store.verify_audit_chain().await.unwrap().first_broken.is_none(), "{backend}");
    })
    .await;
}
