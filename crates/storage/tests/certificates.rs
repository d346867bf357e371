//! Certificates on every backend: keys made on first use and kept encrypted, numbers never given
//! twice (concurrent issues too), revocation, reissue naming the old number, a reversed credit
//! record revoking its certificate, rotation keeping the old key published; all in the audit log.

use chrono::NaiveDate;
use jijiao_domain::certificate::{CertificateKind, Facts, verify};
use jijiao_domain::credits::learning_record::{RecordFacts, RecordSource};
use jijiao_domain::credits::{ActivityKind, Role};
use jijiao_domain::org::{Delivery, Level};
use jijiao_domain::{Hours, Year};
use jijiao_storage::certificates::{CertificateStatus, NewCertificate};
use jijiao_storage::credit_records::{CreditRecordId, Decision, NewCreditRecord};
use jijiao_storage::testing::{each_backend, hospital};
use jijiao_storage::{Actor, AuditFilter, NewPerson, PageRequest, PersonId, Store};

fn actor() -> Actor {
    Actor { account_id: None, name: "北京市卫健委".into(), ip: None }
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn person(store: &Store, n: u64) -> PersonId {
    let org = match store.organisation_by_name("证书医院").await {
        Ok(o) => o.id,
        Err(_) => store.create_organisation(&actor(), &hospital("证书医院", "11")).await.unwrap(),
    };
    let id = jijiao_domain::id_number::compose("110101", day("1980-01-01") + chrono::Days::new(n), 300);
    store
        .create_person(
            &actor(),
            &NewPerson {
                name: format!("王喆{n}"),
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

async fn granted_project_record(store: &Store, p: PersonId) -> CreditRecordId {
    let facts = RecordFacts {
        kind: ActivityKind::Project,
        title: "心力衰竭规范化诊疗".into(),
        project_number: Some("2026-03-07-012（国）".into()),
        level: Some(Level::National),
        delivery: Some(Delivery::FaceToFace),
        role: Some(Role::Participant),
        start: Some(day("2026-05-10")),
        end: day("2026-05-12"),
        passed: Some(true),
        hours: Some(Hours::whole(18)),
        credits: None,
        legacy_class: None,
    };
    let id = store
        .record_credit(
            &actor(),
            &NewCreditRecord { person_id: p, source: RecordSource::Project, source_ref: None, facts, granted: false },
        )
        .await
        .unwrap();
    store.decide_credits(&actor(), &[id], &Decision::Grant).await.unwrap();
    id
}

fn draft(record: CreditRecordId, p: PersonId) -> NewCertificate {
    NewCertificate {
        credit_record_id: record,
        person_id: p,
        unit_id: None,
        record_year: Year::try_from(2026).unwrap(),
        facts: Facts {
            number: String::new(),
            kind: CertificateKind::Credit,
            name: "王喆".into(),
            id_number: "110101********3001".into(),
            project_number: "2026-03-07-012（国）".into(),
            project_name: "心力衰竭规范化诊疗".into(),
            level: Level::National,
            delivery: Delivery::FaceToFace,
            start: Some(day("2026-05-10")),
            end: day("2026-05-12"),
            place: "北京市东城区".into(),
            hours: "18.0".into(),
            credits: "6.0".into(),
            office: "11".into(),
            office_name: "北京市继续医学教育委员会".into(),
            issued_on: day("2000-01-01"),
            kid: String::new(),
            replaces: None,
        },
    }
}

#[tokio::test]
async fn issue_verify_revoke_reissue_and_rotate() {
    each_backend(|store, backend| async move {
        let today = day("2026-06-01");
        let p = person(&store, 1).await;
        let record = granted_project_record(&store, p).await;
        assert!(store.published_keys().await.unwrap().is_empty());
        let kid = store.ensure_certificate_key(&actor(), "11", today).await.unwrap();
        assert_eq!(kid, "11-1");
        assert_eq!(store.ensure_certificate_key(&actor(), "11", today).await.unwrap(), "11-1", "{backend}: made once");

        let issued = store.issue_certificates(&actor(), &[draft(record, p)], today).await.unwrap();
        let c = &issued[0];
        assert_eq!(c.number, "2026-11-00000001", "{backend}");
        assert_eq!((c.status, c.kid.as_str(), c.issued_on), (CertificateStatus::Valid, "11-1", today));
        let keys = store.published_keys().await.unwrap();
        let facts = verify(&c.facts, &c.signature, &keys).unwrap();
        assert_eq!((facts.number.as_str(), facts.issued_on), ("2026-11-00000001", today));

        // One valid certificate per record.
        let again = store.issue_certificates(&actor(), &[draft(record, p)], today).await.unwrap_err();
        assert!(again.to_string().contains("已有有效的证书"), "{backend}: {again}");

        // Reissue: the old one revoked with the new number, the new one names the old.
        let new = store.reissue_certificate(&actor(), c.id, "姓名有误", day("2026-06-02")).await.unwrap();
        // The refused issue rolled back with the number it drew: no certificate ever had 00000002.
        assert_eq!(new.number, "2026-11-00000002", "{backend}");
        let old = store.certificate(c.id).await.unwrap();
        assert_eq!(old.status, CertificateStatus::Revoked);
        assert!(old.revoked_reason.as_deref().unwrap().contains("2026-11-00000002"));
        assert_eq!(old.replaced_by.as_deref(), Some("2026-11-00000002"));
        let new_facts = verify(&new.facts, &new.signature, &keys).unwrap();
        assert_eq!(new_facts.replaces.as_deref(), Some("2026-11-00000001"));

        // Rotation: the old key retired, still published, still verifying.
        let (retired, current) = store.rotate_certificate_key(&actor(), "11", day("2026-07-01")).await.unwrap();
        assert_eq!((retired.as_deref(), current.as_str()), (Some("11-1"), "11-2"));
        let keys = store.published_keys().await.unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].until, Some(day("2026-07-01")));
        assert!(verify(&new.facts, &new.signature, &keys).is_ok(), "{backend}");

        // Reversing the record revokes its certificate with the reason, as of the day the
        // application's clock gives (not the machine's).
        store.reverse_credit(&actor(), record, "未参加考核", None, reversed_on()).await.unwrap();
        let after = store.certificate(new.id).await.unwrap();
        assert_eq!(after.status, CertificateStatus::Revoked, "{backend}");
        assert_eq!(after.revoked_on, Some(reversed_on()), "{backend}");
        assert!(after.revoked_reason.unwrap().contains("未参加考核"));

        // The secret is nowhere in clear.
        let raw: Vec<String> = sqlx_rows(&store).await;
        assert!(raw.iter().all(|s| s.len() > 60), "{backend}: encrypted secrets");

        let log = store
            .audit_log(
                &AuditFilter { object_type: Some("certificate".into()), ..Default::default() },
                PageRequest::new(None, Some(50)),
            )
            .await
            .unwrap();
        let actions: Vec<_> = log.items.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions.iter().filter(|a| **a == "certificate.revoke").count(), 2, "{backend}: {actions:?}");
        assert!(actions.contains(&"certificate.issue") && actions.contains(&"certificate.reissue"));
        assert!(store.verify_audit_chain().await.unwrap().first_broken.is_none());
    })
    .await;
}

/// The stored, encrypted secrets (through the published keys' count: the test reads no secret).
async fn sqlx_rows(store: &Store) -> Vec<String> {
    store.certificate_key_secrets_for_tests().await.unwrap()
}

#[tokio::test]
async fn concurrent_issues_never_share_a_number() {
    each_backend(|store, backend| async move {
        let today = day("2026-06-01");
        store.ensure_certificate_key(&actor(), "11", today).await.unwrap();
        let mut drafts = Vec::new();
        for n in 0..12 {
            let p = person(&store, 100 + n).await;
            drafts.push(draft(granted_project_record(&store, p).await, p));
        }
        let tasks: Vec<_> = drafts
            .chunks(3)
            .map(|chunk| {
                let (store, chunk) = (store.clone(), chunk.to_vec());
                tokio::spawn(async move { store.issue_certificates(&actor(), &chunk, today).await.unwrap() })
            })
            .collect();
        let mut numbers = Vec::new();
        for t in tasks {
            numbers.extend(t.await.unwrap().into_iter().map(|c| c.number));
        }
        numbers.sort();
        let expected: Vec<String> = (1..=12).map(|n| format!("2026-11-{n:08}")).collect();
        assert_eq!(numbers, expected, "{backend}");
    })
    .await;
}

/// The day the tests reverse records on (the store takes "today" from the application's clock).
fn reversed_on() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 6, 1).expect("a date")
}
