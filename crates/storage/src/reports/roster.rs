//! The roster of a period (rules.md §7.3): replaced as a whole by each import, each person matched
//! by ID number through the lookup hash or created as a person of record (no account, no employer):
//! when they register with that ID number, their credits are already theirs.

use std::collections::HashMap;

use jijiao_domain::events::roster::RosterEntry;
use jijiao_domain::{Hours, IdNumber};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyArguments;

use super::PeriodKey;
use crate::audit::{Actor, append};
use crate::people::{PERSON_INSERT_COLUMNS, PersonRow};
use crate::sql::{add, flag, value_rows};
use crate::{NewPerson, PersonId, Result, Store, StoreError, decode};
use jijiao_domain::events::report::ReportStatus;

/// Values per statement, under both backends' limits.
const MAX_VALUES: usize = 30_000;
const ENTRY_COLUMNS: usize = 13;
const ENTRY_INSERT: &str = "project_id, period, sheet_row, person_id, name, unit, province_code, title, phone_enc, hours_tenths, taught_tenths, passed, created_at";

/// What storing a roster did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RosterOutcome {
    /// Entries matched to people already in the system.
    pub matched: usize,
    /// People of record created for the others.
    pub created: usize,
}

/// A roster entry as stored (ID number and phone decrypted: views mask them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRosterEntry {
    pub row: u32,
    pub person_id: PersonId,
    pub name: String,
    pub id_number: IdNumber,
    pub unit: String,
    pub province: String,
    pub title: String,
    pub phone: String,
    pub hours: Hours,
    pub taught_hours: Option<Hours>,
    pub passed: bool,
}

impl StoredRosterEntry {
    pub fn is_speaker(&self) -> bool {
        self.taught_hours.is_some_and(|h| h > Hours::ZERO)
    }
}

impl Store {
    /// Replaces the roster of a period, all or nothing, unless its report is already approved.
    pub async fn replace_roster(
        &self,
        actor: &Actor,
        key: &PeriodKey,
        entries: &[RosterEntry],
        at: i64,
    ) -> Result<RosterOutcome> {
        // Encryption and hashing before the write lock is taken.
        let hashes: Vec<String> = entries.iter().map(|e| self.vault.lookup_hash(e.id_number.as_str())).collect();
        let phones: Vec<String> = entries
            .iter()
            .map(|e| if e.phone.trim().is_empty() { String::new() } else { self.vault.encrypt(e.phone.trim()) })
            .collect();
        let (hashes, phones) = (&hashes, &phones);
        self.write(|mut tx| async move {
            if let Some((ReportStatus::Approved, _)) = self.status_in(&mut tx, key).await? {
                return Err(StoreError::Conflict("本期执行情况已审核通过，学员名单不能再修改".into()));
            }
            let mut people: HashMap<String, PersonId> = HashMap::with_capacity(entries.len());
            for chunk in hashes.chunks(MAX_VALUES) {
                let list = crate::sql::placeholders(self.backend, 1, chunk.len()).join(", ");
                let sql = format!("SELECT id, id_number_hash FROM people WHERE id_number_hash IN ({list})");
                let mut query = sqlx::query(&sql);
                for h in chunk {
                    query = query.bind(h.as_str());
                }
                for r in query.fetch_all(&mut *tx).await? {
                    people.insert(r.try_get("id_number_hash")?, PersonId(r.try_get("id")?));
                }
            }
            let matched = hashes.iter().filter(|h| people.contains_key(*h)).count();
            let new_people: Vec<PersonRow> = entries
                .iter()
                .zip(hashes)
                .filter(|(_, h)| !people.contains_key(*h))
                .map(|(e, _)| {
                    let title = Some(e.title.trim().to_string()).filter(|t| !t.is_empty());
                    let phone = Some(e.phone.trim().to_string()).filter(|p| !p.is_empty());
                    let new = NewPerson {
                        name: e.name.clone(),
                        id_number: e.id_number.clone(),
                        title,
                        employer_id: None,
                        in_post: true,
                        phone,
                    };
                    PersonRow::encode(&self.vault, &new)
                })
                .collect::<Result<_>>()?;
            for chunk in new_people.chunks(MAX_VALUES / 12) {
                let sql = format!(
                    "INSERT INTO people ({PERSON_INSERT_COLUMNS}) VALUES {} RETURNING id, id_number_hash",
                    value_rows(self.backend, chunk.len(), 12)
                );
                let mut args = AnyArguments::default();
                for row in chunk {
                    row.bind(&mut args, at);
                }
                for r in sqlx::query_with(&sql, args).fetch_all(&mut *tx).await? {
                    people.insert(r.try_get("id_number_hash")?, PersonId(r.try_get("id")?));
                }
            }
            sqlx::query("DELETE FROM roster_entries WHERE project_id = $1 AND period = $2")
                .bind(key.project_id)
                .bind(i64::from(key.period))
                .execute(&mut *tx)
                .await?;
            let rows: Vec<(&RosterEntry, PersonId, &String)> =
                entries.iter().zip(hashes).zip(phones).map(|((e, h), p)| (e, people[h], p)).collect();
            for chunk in rows.chunks(MAX_VALUES / ENTRY_COLUMNS) {
                let sql = format!(
                    "INSERT INTO roster_entries ({ENTRY_INSERT}) VALUES {}",
                    value_rows(self.backend, chunk.len(), ENTRY_COLUMNS)
                );
                let mut args = AnyArguments::default();
                for (e, person, phone) in chunk {
                    add(&mut args, key.project_id);
                    add(&mut args, i64::from(key.period));
                    add(&mut args, i64::from(e.row));
                    add(&mut args, person.0);
                    add(&mut args, e.name.trim().to_string());
                    add(&mut args, e.unit.trim().to_string());
                    add(&mut args, e.province);
                    add(&mut args, e.title.trim().to_string());
                    add(&mut args, phone.as_str());
                    add(&mut args, e.hours.tenths());
                    add(&mut args, e.taught_hours.map(Hours::tenths));
                    add(&mut args, flag(e.passed));
                    add(&mut args, at);
                }
                sqlx::query_with(&sql, args).execute(&mut *tx).await?;
            }
            let speakers = entries.iter().filter(|e| e.is_speaker()).count();
            let change = key.change(
                "roster.replace",
                None,
                serde_json::json!({
                    "entries": entries.len(), "speakers": speakers, "learners": entries.len() - speakers,
                    "matched": matched, "people_of_record": new_people.len(),
                }),
            );
            append(self, &mut tx, actor, &change).await?;
            tx.commit().await?;
            Ok(RosterOutcome { matched, created: new_people.len() })
        })
        .await
    }

    /// The roster of a period in the order of its file, ID numbers and phones decrypted.
    pub async fn roster(&self, project_id: i64, period: u32) -> Result<Vec<StoredRosterEntry>> {
        let rows = sqlx::query(
            "SELECT r.sheet_row, r.person_id, r.name, r.unit, r.province_code, r.title, r.phone_enc, r.hours_tenths, r.taught_tenths, r.passed, p.id_number_enc \
             FROM roster_entries r JOIN people p ON p.id = r.person_id WHERE r.project_id = $1 AND r.period = $2 ORDER BY r.sheet_row",
        )
        .bind(project_id)
        .bind(i64::from(period))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let id_text = self.vault.decrypt(&r.try_get::<String, _>("id_number_enc")?)?;
                let phone_enc: String = r.try_get("phone_enc")?;
                Ok(StoredRosterEntry {
                    row: decode::int(r, "sheet_row", "roster_entries.sheet_row")?,
                    person_id: PersonId(r.try_get("person_id")?),
                    name: r.try_get("name")?,
                    id_number: IdNumber::parse(&id_text).map_err(|_| StoreError::Decrypt)?,
                    unit: r.try_get("unit")?,
                    province: r.try_get("province_code")?,
                    title: r.try_get("title")?,
                    phone: if phone_enc.is_empty() { String::new() } else { self.vault.decrypt(&phone_enc)? },
                    hours: decode::tenths(
                        r.try_get("hours_tenths")?,
                        "roster_entries.hours_tenths",
                        Hours::from_tenths,
                    )?,
                    taught_hours: r
                        .try_get::<Option<i64>, _>("taught_tenths")?
                        .map(|t| decode::tenths(t, "roster_entries.taught_tenths", Hours::from_tenths))
                        .transpose()?,
                    passed: r.try_get::<i64, _>("passed")? != 0,
                })
            })
            .collect()
    }

    /// How many people each period of a project has on its roster (learners, speakers), by period.
    pub async fn roster_counts(&self, project_id: i64) -> Result<HashMap<u32, (u32, u32)>> {
        let rows = sqlx::query(
            "SELECT period, CAST(SUM(CASE WHEN taught_tenths > 0 THEN 0 ELSE 1 END) AS BIGINT) AS learners, \
             CAST(SUM(CASE WHEN taught_tenths > 0 THEN 1 ELSE 0 END) AS BIGINT) AS speakers \
             FROM roster_entries WHERE project_id = $1 GROUP BY period",
        )
        .bind(project_id)
        .fetch_all(&self.pool)
        .await?;
        let mut counts = HashMap::new();
        for r in &rows {
            counts.insert(
                decode::int(r, "period", "roster_entries.period")?,
                (decode::int(r, "learners", "roster_entries")?, decode::int(r, "speakers", "roster_entries")?),
            );
        }
        Ok(counts)
    }
}

impl Store {
    /// The province of a person's latest roster entry: where a person of record (no employer) is
    /// placed for their credits and for the offices that see them.
    pub async fn roster_province_of(&self, person: PersonId) -> Result<Option<String>> {
        roster_province_on(&self.pool, person).await
    }

    /// The people already registered under these ID numbers: their names by ID number (a roster row
    /// whose name differs is refused, as a typo in the number would give the credits to another).
    pub async fn names_by_id_number(&self, ids: &[IdNumber]) -> Result<HashMap<String, String>> {
        let by_hash: HashMap<String, &IdNumber> =
            ids.iter().map(|id| (self.vault.lookup_hash(id.as_str()), id)).collect();
        let hashes: Vec<&String> = by_hash.keys().collect();
        let mut names = HashMap::with_capacity(ids.len());
        for chunk in hashes.chunks(MAX_VALUES) {
            let list = crate::sql::placeholders(self.backend, 1, chunk.len()).join(", ");
            let sql = format!("SELECT name, id_number_hash FROM people WHERE id_number_hash IN ({list})");
            let mut query = sqlx::query(&sql);
            for h in chunk {
                query = query.bind(h.as_str());
            }
            for r in query.fetch_all(&self.pool).await? {
                let hash: String = r.try_get("id_number_hash")?;
                if let Some(id) = by_hash.get(&hash) {
                    names.insert(id.as_str().to_string(), r.try_get("name")?);
                }
            }
        }
        Ok(names)
    }
}

pub(crate) async fn roster_province_on<'c, E: sqlx::Executor<'c, Database = sqlx::Any>>(
    on: E,
    person: PersonId,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT province_code FROM roster_entries WHERE person_id = $1 ORDER BY id DESC LIMIT 1")
        .bind(person.0)
        .fetch_optional(on)
        .await?)
}
