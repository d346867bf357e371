//! Who has reached the year's credits (学分达标): every person of a scope with the granted records of
//! a year, for the compliance lists and their export, and the same by ranges of people for a bulk
//! recomputation of everyone's year.

use jijiao_domain::Year;
use jijiao_domain::credits::learning_record::{RecordStatus, YearRecord};
use sqlx::Row;

use super::{COLUMNS, FROM, StoredFacts, facts_from_parts, id_list, record_from_row};
use crate::sql::{Bind, Filter};
use crate::{OrgId, Page, PageRequest, PersonId, Result, Store, StoreError, decode};

/// One person's credits of a year in a compliance list: the person and the granted records' facts.
#[derive(Clone, Debug)]
pub struct PersonYear {
    pub person_id: PersonId,
    pub name: String,
    pub id_number: jijiao_domain::IdNumber,
    pub province_code: Option<String>,
    pub org_id: Option<OrgId>,
    pub org_name: Option<String>,
    pub grassroots: bool,
    pub records: Vec<YearRecord>,
}

impl Store {
    /// The granted records of a year of the people of a scope, one entry per person (people without
    /// records included), ordered by name; one page of [`Store::compliance_all`].
    pub async fn compliance_year(
        &self,
        province_code: Option<&str>,
        org_ids: Option<&[i64]>,
        year: Year,
        page: PageRequest,
    ) -> Result<Page<PersonYear>> {
        let all = self.compliance_all(province_code, org_ids, year).await?;
        let total = all.len() as i64;
        let items = all.into_iter().skip(page.offset() as usize).take(page.limit() as usize).collect();
        Ok(Page { items, total, page: page.page, per_page: page.per_page })
    }

    /// Every person of a scope with the granted records of a year, ordered by name: two queries, however
    /// many people (compliance reports and their export).
    pub async fn compliance_all(
        &self,
        province_code: Option<&str>,
        org_ids: Option<&[i64]>,
        year: Year,
    ) -> Result<Vec<PersonYear>> {
        let mut scope = String::new();
        let mut f = Filter::default();
        if let Some(p) = province_code {
            f.and("o.province_code = ?", [Bind::Text(p.to_string())]);
        }
        if let Some(ids) = org_ids {
            f.and(&format!("p.employer_id IN ({})", id_list(ids)), []);
        }
        scope.push_str(&f.where_sql());
        let people_sql = format!(
            "SELECT p.id, p.name, p.id_number_enc, p.employer_id, o.name AS org_name, COALESCE(o.province_code, (SELECT re.province_code FROM roster_entries re WHERE re.person_id = p.id ORDER BY re.id DESC LIMIT 1)) AS province_code, o.grassroots FROM people p LEFT JOIN organisations o ON o.id = p.employer_id{scope} ORDER BY p.name, p.id"
        );
        let rows = f.query(&people_sql).fetch_all(&self.pool).await?;
        let mut out = Vec::with_capacity(rows.len());
        let mut index = std::collections::HashMap::with_capacity(rows.len());
        for r in &rows {
            let person_id = PersonId(r.try_get("id")?);
            index.insert(person_id.0, out.len());
            let id_number = self.vault().decrypt(&r.try_get::<String, _>("id_number_enc")?)?;
            out.push(PersonYear {
                person_id,
                name: r.try_get("name")?,
                id_number: jijiao_domain::IdNumber::parse(&id_number).map_err(|_| StoreError::Decrypt)?,
                province_code: r.try_get("province_code")?,
                org_id: r.try_get::<Option<i64>, _>("employer_id")?.map(OrgId),
                org_name: r.try_get("org_name")?,
                grassroots: r.try_get::<Option<i64>, _>("grassroots")?.unwrap_or(0) != 0,
                records: Vec::new(),
            });
        }
        let n = f.next_placeholder();
        let records_sql = format!(
            "SELECT {COLUMNS} {FROM} WHERE r.year = ${n} AND r.status = 'granted' AND r.person_id IN (SELECT p.id FROM people p LEFT JOIN organisations o ON o.id = p.employer_id{scope}) ORDER BY r.end_date, r.id"
        );
        let records = f.query(&records_sql).bind(i64::from(year)).fetch_all(&self.pool).await?;
        for row in &records {
            let record = record_from_row(row)?;
            if let Some(&i) = index.get(&record.person_id.0) {
                out[i].records.push(record.year_record());
            }
        }
        Ok(out)
    }
}

/// The fields of a record a recomputation needs, as one JSON array per record: the facts, and whether
/// the record is a correction (`reverses_id`). The order is [`LeanRecord`]'s.
const LEAN_FIELDS: &str = "r.id, r.kind, r.title, r.project_number, r.level, r.delivery, r.role, r.start_date, \
    r.end_date, r.passed, r.hours_tenths, r.credits_tenths, r.legacy_class, r.reverses_id";

/// One element of a person's JSON array of records (see [`LEAN_FIELDS`]).
type LeanRecord = (
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

impl Store {
    /// The people with ids in `from..to` and their granted records of a year, in id order: the unit
    /// of work of a bulk recomputation of everyone's year (two queries per range, memory bounded by
    /// the range).
    ///
    /// The records come one row per person, as a JSON array aggregated by the database, rather than
    /// one row per record: at ten million records the cost of a recomputation is the rows crossing
    /// the driver (a hand-over between threads and a decoded value per column on SQLite), not the
    /// query, and aggregating cuts the rows tenfold (BENCHMARKS.md, issue 4). The aggregate is the
    /// one dialect-specific part.
    pub async fn person_years_in_range(&self, year: Year, from: i64, to: i64) -> Result<Vec<PersonYear>> {
        let rows = sqlx::query(
            "SELECT p.id, p.name, p.id_number_enc, p.employer_id, o.name AS org_name, COALESCE(o.province_code, (SELECT re.province_code FROM roster_entries re WHERE re.person_id = p.id ORDER BY re.id DESC LIMIT 1)) AS province_code, o.grassroots FROM people p LEFT JOIN organisations o ON o.id = p.employer_id WHERE p.id >= $1 AND p.id < $2 ORDER BY p.id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id_number = self.vault().decrypt(&r.try_get::<String, _>("id_number_enc")?)?;
            out.push(PersonYear {
                person_id: PersonId(r.try_get("id")?),
                name: r.try_get("name")?,
                id_number: jijiao_domain::IdNumber::parse(&id_number).map_err(|_| StoreError::Decrypt)?,
                province_code: r.try_get("province_code")?,
                org_id: r.try_get::<Option<i64>, _>("employer_id")?.map(OrgId),
                org_name: r.try_get("org_name")?,
                grassroots: r.try_get::<Option<i64>, _>("grassroots")?.unwrap_or(0) != 0,
                records: Vec::new(),
            });
        }
        drop(rows);
        let aggregate = self.backend.json_rows(LEAN_FIELDS, None);
        let rows = sqlx::query(&format!(
            "SELECT r.person_id, {aggregate} AS records FROM credit_records r WHERE r.person_id >= $1 AND r.person_id < $2 AND r.year = $3 AND r.status = 'granted' GROUP BY r.person_id ORDER BY r.person_id"
        ))
        .bind(from)
        .bind(to)
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?;
        let mut lean: Vec<(i64, Vec<LeanRecord>)> = Vec::with_capacity(rows.len());
        for row in &rows {
            let json: String = row.try_get("records")?;
            let records = decode::json(&json, "credit_records")?;
            lean.push((row.try_get("person_id")?, records));
        }
        drop(rows);
        // Which records a correction cancels, without a subquery per record: a reversal is always
        // granted, of the same person and with the same facts, hence the same year, as the record it
        // reverses (`reverse_credit`), so it is among these records whenever that record is.
        let reversed: std::collections::HashSet<i64> =
            lean.iter().flat_map(|(_, records)| records.iter().filter_map(|r| r.13)).collect();
        // Both lists are in person order: walk them together.
        let mut i = 0;
        for (person, records) in lean {
            while i < out.len() && out[i].person_id.0 < person {
                i += 1;
            }
            if i == out.len() {
                break;
            }
            if out[i].person_id.0 != person {
                continue;
            }
            let mut year_records = Vec::with_capacity(records.len());
            for r in records {
                let (id, reverses) = (r.0, r.13);
                let facts = facts_from_parts(StoredFacts {
                    kind: r.1,
                    title: r.2,
                    project_number: r.3,
                    level: r.4,
                    delivery: r.5,
                    role: r.6,
                    start_date: r.7,
                    end_date: r.8,
                    passed: r.9,
                    hours_tenths: r.10,
                    credits_tenths: r.11,
                    legacy_class: r.12,
                })?;
                year_records.push((
                    id,
                    YearRecord {
                        id: id.to_string(),
                        facts,
                        status: RecordStatus::Granted,
                        cancelled: reverses.is_some() || reversed.contains(&id),
                    },
                ));
            }
            // The order the record page and the compliance list use: as the activities ended.
            year_records.sort_by(|(a_id, a), (b_id, b)| (a.facts.end, a_id).cmp(&(b.facts.end, b_id)));
            out[i].records = year_records.into_iter().map(|(_, r)| r).collect();
        }
        Ok(out)
    }

    /// The largest person id (0 without people), to split a recomputation into ranges.
    pub async fn max_person_id(&self) -> Result<i64> {
        let max: Option<i64> =
            sqlx::query_scalar("SELECT CAST(MAX(id) AS BIGINT) FROM people").fetch_one(&self.pool).await?;
        Ok(max.unwrap_or(0))
    }
}
