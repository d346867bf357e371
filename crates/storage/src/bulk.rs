//! Bulk loading of people and credit records: multi-row INSERTs in one transaction per call.
//!
//! Why it exists: the one-row paths ([`Store::create_person`], [`Store::record_credits`]) write one
//! audit entry per row and one statement per row, which is right for a form or a spreadsheet but takes
//! hours for the learning record's benchmark data set (issue #4: a million people, ten million
//! records). Rows here are encoded by the same code as the one-row paths ([`PersonRow`],
//! [`bind_credit`]: the same encryption, lookup hashes, codes and placement), so the data is exactly
//! what the application would have written; each call writes one audit entry naming the batch, so the
//! log still says who loaded what and when.

use std::collections::HashMap;

use sqlx::Row;
use sqlx::any::AnyArguments;

use crate::audit::{Actor, Change, append};
use crate::constraints::{self, Constraint};
use crate::credit_records::{CREDIT_INSERT_COLUMNS, NewCreditRecord, Placement, bind_credit};
use crate::people::{PERSON_INSERT_COLUMNS, PersonRow};
use crate::{NewPerson, PersonId, Result, Store, StoreError, now_millis};
use jijiao_domain::credits::RuleSettings;
use jijiao_domain::credits::learning_record::RecordStatus;

/// Values per statement, under both backends' limits (SQLite 32,766; PostgreSQL 65,535).
const MAX_VALUES: usize = 30_000;
const PERSON_COLUMNS: usize = 12;
const CREDIT_COLUMNS: usize = 26;

impl Store {
    /// Creates many people in one transaction (all or none), with one audit entry for the batch.
    /// Returns their ids in the order given. An ID number already registered, or twice in the
    /// batch, refuses the whole batch (409).
    pub async fn bulk_create_people(&self, actor: &Actor, people: &[NewPerson]) -> Result<Vec<PersonId>> {
        if people.is_empty() {
            return Ok(Vec::new());
        }
        // Encode everything before the transaction: AES-GCM and HMAC are CPU work, and a bad name
        // should refuse the batch before it holds the write lock.
        let rows = people.iter().map(|p| PersonRow::encode(&self.vault, p)).collect::<Result<Vec<_>>>()?;
        // The lookup hash is unique, so it maps each returned id to its input without relying on
        // the order of RETURNING rows, which neither backend promises.
        let position: HashMap<String, usize> =
            rows.iter().enumerate().map(|(i, r)| (r.id_number_hash.clone(), i)).collect();
        if position.len() != rows.len() {
            return Err(StoreError::Conflict("批量中有重复的身份证号".into()));
        }
        let now = now_millis();
        let (position, rows) = (&position, &rows);
        self.write(|mut tx| async move {
            let mut ids = vec![PersonId(0); rows.len()];
            for chunk in rows.chunks(MAX_VALUES / PERSON_COLUMNS) {
                let sql = format!(
                    "INSERT INTO people ({PERSON_INSERT_COLUMNS}) VALUES {} RETURNING id, id_number_hash",
                    crate::sql::value_rows(self.backend, chunk.len(), PERSON_COLUMNS)
                );
                let mut args = AnyArguments::default();
                for row in chunk {
                    row.bind(&mut args, now);
                }
                let inserted = sqlx::query_with(&sql, args).fetch_all(&mut *tx).await.map_err(|e| {
                    constraints::naming(e, Constraint::PersonIdNumber, || "批量中有身份证号已登记".into())
                })?;
                for r in &inserted {
                    let hash: String = r.try_get("id_number_hash")?;
                    ids[position[&hash]] = PersonId(r.try_get("id")?);
                }
            }
            let change = Change {
                action: "person.bulk_create",
                object_type: "person",
                object_id: format!("{}..{}", ids[0].0, ids[ids.len() - 1].0),
                before: None,
                after: Some(serde_json::json!({
                    "count": ids.len(),
                    "min_id": ids.iter().min(),
                    "max_id": ids.iter().max(),
                })),
                // National scope: a batch may span employers and provinces.
                ..Default::default()
            };
            append(self, &mut tx, actor, &change).await?;
            tx.commit().await?;
            Ok(ids)
        })
        .await
    }

    /// Stores many credit records in one transaction (all or none), each provisional or granted as
    /// it says and filed under its person's employer, with one audit entry for the batch. Returns how
    /// many were stored.
    pub async fn bulk_record_credits(&self, actor: &Actor, records: &[NewCreditRecord]) -> Result<usize> {
        if records.is_empty() {
            return Ok(0);
        }
        let settings = RuleSettings::default();
        for r in records {
            if let Some(p) = r.facts.check(&settings).first() {
                return Err(StoreError::Invalid(format!("{}：{}", p.field, p.message)));
            }
        }
        let now = now_millis();
        self.write(|mut tx| async move {
            // The audit entry first: appending takes the write lock at once. On SQLite a transaction that
            // reads first (the placements below) and writes later fails with "database is locked" if
            // another writer committed in between, instead of waiting for it.
            let granted = records.iter().filter(|r| r.granted).count();
            let change = Change {
                action: "credit.bulk_record",
                object_type: "credit_record",
                object_id: format!("{} records", records.len()),
                before: None,
                after: Some(serde_json::json!({
                    "count": records.len(),
                    "granted": granted,
                    "provisional": records.len() - granted,
                })),
                // National scope: a batch may span employers and provinces.
                ..Default::default()
            };
            append(self, &mut tx, actor, &change).await?;
            self.insert_credit_records(&mut tx, actor, records, now).await?;
            tx.commit().await?;
            Ok(records.len())
        })
        .await
    }

    /// Inserts credit records inside a write transaction, many rows a statement, each filed under its
    /// person's employer and province, and returns their ids (in no promised order). The caller appends
    /// the audit entry (one for the batch) and commits: the bulk load and a report's approval, whose
    /// grant commits with the approval itself.
    pub(crate) async fn insert_credit_records(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        actor: &Actor,
        records: &[NewCreditRecord],
        now: i64,
    ) -> Result<Vec<crate::credit_records::CreditRecordId>> {
        let mut ids = Vec::with_capacity(records.len());
        for chunk in records.chunks(MAX_VALUES / CREDIT_COLUMNS) {
            // Each person's employer and province, once per chunk (as `record_credit` reads them per row).
            let mut people: Vec<i64> = chunk.iter().map(|r| r.person_id.0).collect();
            people.sort_unstable();
            people.dedup();
            let list = people.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
            let found = sqlx::query(&format!(
                "SELECT p.id, p.employer_id, o.province_code FROM people p LEFT JOIN organisations o ON o.id = p.employer_id WHERE p.id IN ({list})"
            ))
            .fetch_all(&mut **tx)
            .await?;
            let mut placement: HashMap<i64, (Option<i64>, Option<String>)> = HashMap::with_capacity(found.len());
            for r in &found {
                placement.insert(r.try_get("id")?, (r.try_get("employer_id")?, r.try_get("province_code")?));
            }
            let mut args = AnyArguments::default();
            for r in chunk {
                let (org_id, province) =
                    placement.get(&r.person_id.0).ok_or_else(|| StoreError::Invalid("人员不存在".into()))?;
                let status = if r.granted { RecordStatus::Granted } else { RecordStatus::Provisional };
                let at = Placement { org_id: *org_id, province: province.clone(), status, reverses: None };
                bind_credit(&mut args, r, &at, actor, now);
            }
            let sql = format!(
                "INSERT INTO credit_records ({CREDIT_INSERT_COLUMNS}) VALUES {} RETURNING id",
                crate::sql::value_rows(self.backend, chunk.len(), CREDIT_COLUMNS)
            );
            for r in sqlx::query_with(&sql, args).fetch_all(&mut **tx).await? {
                ids.push(crate::credit_records::CreditRecordId(r.try_get("id")?));
            }
        }
        Ok(ids)
    }
}
