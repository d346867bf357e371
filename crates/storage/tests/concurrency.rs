//! Write transactions under concurrent load: single and bulk credit decisions over the same records
//! at once end with every record decided exactly once, no error but the refusal of a record someone
//! else decided first, and an audit chain that verifies. On PostgreSQL this load used to deadlock
//! (issue 14, point 4): a bulk decision held the audit head while it went on to lock its next
//! record, which a single decision held while it waited for the audit head.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use jijiao_domain::Hours;
use jijiao_domain::credits::learning_record::{RecordFacts, RecordSource, RecordStatus};
use jijiao_domain::credits::{ActivityKind, Role};
use jijiao_storage::credit_records::{CreditFilter, CreditRecordId, Decision, NewCreditRecord};
use jijiao_storage::testing::{databases, hospital};
use jijiao_storage::{Actor, AuditFilter, NewPerson, OrgId, PageRequest, PersonId, Store, StoreError};
use tokio::sync::Barrier;

const RECORDS: usize = 100;
/// Rounds of the load on one database: one round deadlocked about every other run before the fix.
const ROUNDS: u64 = 4;

fn actor(name: &str) -> Actor {
    Actor { account_id: None, name: name.into(), ip: None }
}

fn practice(person: PersonId, day: u64) -> NewCreditRecord {
    let end = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Days::new(day);
    NewCreditRecord {
        person_id: person,
        source: RecordSource::Employer,
        source_ref: None,
        facts: RecordFacts {
            kind: ActivityKind::Practice,
            title: "多学科病例讨论".into(),
            project_number: None,
            level: None,
            delivery: None,
            role: Some(Role::Participant),
            start: None,
            end,
            passed: None,
            hours: Some(Hours::whole(3)),
            credits: None,
            legacy_class: None,
        },
        granted: false,
    }
}

/// 100 provisional records of ten people new in `round`, in id order.
async fn provisional_records(store: &Store, unit: OrgId, round: u64) -> Vec<CreditRecordId> {
    let mut records = Vec::new();
    for n in round * 10..round * 10 + 10 {
        let id_number = jijiao_domain::id_number::compose(
            "110101",
            NaiveDate::from_ymd_opt(1980, 1, 1).unwrap() + chrono::Days::new(n),
            300,
        );
        let person = store
            .create_person(
                &actor("测试"),
                &NewPerson {
                    name: format!("学员{n}"),
                    id_number,
                    title: None,
                    employer_id: Some(unit),
                    in_post: true,
                    phone: None,
                },
            )
            .await
            .unwrap();
        records.extend((0..10).map(|day| practice(person, n * 10 + day)));
    }
    store.bulk_record_credits(&actor("单位"), &records).await.unwrap();
    let pending = CreditFilter { status: Some(RecordStatus::Provisional), ..Default::default() };
    let ids = store.credit_record_ids(&pending, 1000).await.unwrap();
    assert_eq!(ids.len(), RECORDS);
    ids
}

/// Every decision entry of the audit log: record id → how many times it was decided.
async fn decisions_logged(store: &Store) -> BTreeMap<i64, usize> {
    let filter = AuditFilter { object_type: Some("credit_record".into()), ..Default::default() };
    let mut decided = BTreeMap::new();
    for page in 1.. {
        let log =
            store.audit_log(&filter, PageRequest::new(Some(page), Some(PageRequest::MAX_PER_PAGE))).await.unwrap();
        for entry in &log.items {
            if entry.action == "credit.grant" || entry.action == "credit.reject" {
                *decided.entry(entry.object_id.parse::<i64>().unwrap()).or_insert(0) += 1;
            }
        }
        if i64::from(page) >= log.pages() {
            break;
        }
    }
    decided
}

/// One round: a bulk decision over overlapping ranges of `ids`, in both directions (an API client
/// may list its records in any order), granting or rejecting, and one single grant per record, all
/// at once. Every record is decided by exactly one call; the others are refused as decided (409).
async fn decide_at_once(store: &Store, backend: &str, ids: &[CreditRecordId]) {
    let ranges: [(usize, usize, bool); 6] =
        [(0, 60, false), (40, 100, true), (20, 80, false), (10, 90, true), (0, 100, false), (30, 70, true)];
    let mut calls: Vec<(Vec<CreditRecordId>, Decision)> = ranges
        .iter()
        .enumerate()
        .map(|(n, &(from, to, reversed))| {
            let mut batch = ids[from..to].to_vec();
            if reversed {
                batch.reverse();
            }
            let decision =
                if n % 2 == 0 { Decision::Grant } else { Decision::Reject { reason: "无考核记录".into() } };
            (batch, decision)
        })
        .collect();
    calls.extend(ids.iter().map(|id| (vec![*id], Decision::Grant)));

    let start = Arc::new(Barrier::new(calls.len()));
    let tasks: Vec<_> = calls
        .into_iter()
        .enumerate()
        .map(|(n, (batch, decision))| {
            let (store, start) = (store.clone(), start.clone());
            // Spawned: each call on a thread of its own, and the store's futures must be `Send`.
            tokio::spawn(async move {
                start.wait().await;
                let reviewer = actor(&format!("审核员{n}"));
                (batch.len(), store.decide_credits(&reviewer, &batch, &decision).await)
            })
        })
        .collect();
    let mut decided = 0;
    for task in tasks {
        match task.await.unwrap() {
            (n, Ok(count)) => {
                assert_eq!(count, n);
                decided += count;
            }
            (_, Err(StoreError::Conflict(_))) => {}
            (_, Err(other)) => panic!("{backend}: a decision failed: {other:?}"),
        }
    }
    assert_eq!(decided, ids.len(), "{backend}: every record decided by exactly one call");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn single_and_bulk_decisions_at_once_decide_every_record_once() {
    for db in databases().await {
        let store = db.open().await;
        let unit = store.create_organisation(&actor("测试"), &hospital("协和", "11")).await.unwrap();
        let mut every = Vec::new();
        for round in 0..ROUNDS {
            let ids = provisional_records(&store, unit, round).await;
            decide_at_once(&store, db.name, &ids).await;
            every.extend(ids);
        }
        let pending = CreditFilter { status: Some(RecordStatus::Provisional), ..Default::default() };
        assert!(store.credit_record_ids(&pending, 1000).await.unwrap().is_empty(), "{}", db.name);
        let logged = decisions_logged(&store).await;
        let expected: BTreeMap<i64, usize> = every.iter().map(|id| (id.0, 1)).collect();
        assert_eq!(logged, expected, "{}: one decision entry per record", db.name);
        let report = store.verify_audit_chain().await.unwrap();
        assert_eq!((report.first_broken, report.checked > 0), (None, true), "{}", db.name);
        store.close().await;
    }
}
