//! People: health professionals and the staff who use jijiao, with personal data encrypted at rest.

use chrono::NaiveDate;
use jijiao_domain::personal::{mask_id_number, mask_phone};
use jijiao_domain::{IdNumber, Sex};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::{AnyArguments, AnyRow};

use crate::audit::{Actor, Change, append};
use crate::constraints::{self, Constraint};
use crate::decode;
use crate::sql::{Bind, Filter, add, flag, value_rows};
use crate::{OrgId, Page, PageRequest, Result, Store, StoreError, Vault, now_millis};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PersonId(pub i64);

#[derive(Clone, Debug)]
pub struct NewPerson {
    pub name: String,
    pub id_number: IdNumber,
    pub title: Option<String>,
    pub employer_id: Option<OrgId>,
    pub in_post: bool,
    pub phone: Option<String>,
}

/// A person with personal data decrypted. Deliberately not `Serialize`: views go through
/// [`Person::masked`], and only a role that needs the whole number reads the fields.
#[derive(Clone, Debug)]
pub struct Person {
    pub id: PersonId,
    pub name: String,
    pub id_number: IdNumber,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub title: Option<String>,
    pub employer_id: Option<OrgId>,
    pub in_post: bool,
    pub phone: Option<String>,
    pub created_at: i64,
}

/// What a list or a page shows of a person: ID number and phone masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MaskedPerson {
    pub id: PersonId,
    pub name: String,
    pub id_number: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub title: Option<String>,
    pub employer_id: Option<OrgId>,
    pub employer: Option<String>,
    pub in_post: bool,
    pub phone: Option<String>,
}

impl Person {
    pub fn masked(&self, employer: Option<String>) -> MaskedPerson {
        MaskedPerson {
            id: self.id,
            name: self.name.clone(),
            id_number: mask_id_number(self.id_number.as_str()),
            sex: self.sex,
            birth_date: self.birth_date,
            title: self.title.clone(),
            employer_id: self.employer_id,
            employer,
            in_post: self.in_post,
            phone: self.phone.as_deref().map(mask_phone),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct PersonFilter {
    pub employer_id: Option<OrgId>,
    /// Everyone employed by a unit of this province.
    pub province_code: Option<String>,
    /// Words of the name.
    pub q: Option<String>,
}

/// The columns a person's row is inserted with, in the order [`PersonRow::bind`] binds them.
pub(crate) const PERSON_INSERT_COLUMNS: &str = "name, id_number_enc, id_number_hash, sex, birth_date, title, employer_id, in_post, phone_enc, phone_hash, created_at, updated_at";

/// A person's row as stored, personal data encrypted and hashed for lookup: the one encoding shared
/// by [`Store::create_person`] and the bulk load ([`Store::bulk_create_people`]), so both write
/// exactly the same data.
pub(crate) struct PersonRow {
    pub name: String,
    pub id_number_enc: String,
    pub id_number_hash: String,
    pub sex: &'static str,
    pub birth_date: String,
    pub title: Option<String>,
    pub employer_id: Option<i64>,
    pub in_post: i64,
    pub phone_enc: Option<String>,
    pub phone_hash: Option<String>,
}

impl PersonRow {
    /// Checks the name and encodes the row (a fresh nonce per encrypted value).
    pub fn encode(vault: &Vault, new: &NewPerson) -> Result<Self> {
        if new.name.trim().is_empty() {
            return Err(StoreError::Invalid("姓名不能为空".into()));
        }
        let id = &new.id_number;
        let phone = new.phone.as_deref().map(str::trim).filter(|p| !p.is_empty());
        Ok(Self {
            name: new.name.trim().to_string(),
            id_number_enc: vault.encrypt(id.as_str()),
            id_number_hash: vault.lookup_hash(id.as_str()),
            sex: match id.sex() {
                Sex::Male => "male",
                Sex::Female => "female",
            },
            birth_date: id.birth_date().format("%Y-%m-%d").to_string(),
            title: new.title.clone(),
            employer_id: new.employer_id.map(|e| e.0),
            in_post: flag(new.in_post),
            phone_enc: phone.map(|p| vault.encrypt(p)),
            phone_hash: phone.map(|p| vault.lookup_hash(p)),
        })
    }

    /// Adds the row's 12 values (created and updated at `now`) in [`PERSON_INSERT_COLUMNS`] order.
    pub fn bind<'q>(&'q self, args: &mut AnyArguments<'q>, now: i64) {
        add(args, self.name.as_str());
        add(args, self.id_number_enc.as_str());
        add(args, self.id_number_hash.as_str());
        add(args, self.sex);
        add(args, self.birth_date.as_str());
        add(args, self.title.as_deref());
        add(args, self.employer_id);
        add(args, self.in_post);
        add(args, self.phone_enc.as_deref());
        add(args, self.phone_hash.as_deref());
        add(args, now);
        add(args, now);
    }
}

const COLUMNS: &str =
    "p.id, p.name, p.id_number_enc, p.sex, p.birth_date, p.title, p.employer_id, p.in_post, p.phone_enc, p.created_at";

impl Store {
    pub async fn create_person(&self, actor: &Actor, new: &NewPerson) -> Result<PersonId> {
        let row = PersonRow::encode(&self.vault, new)?;
        let id = &new.id_number;
        let phone = new.phone.as_deref().map(str::trim).filter(|p| !p.is_empty());
        let (row, now) = (&row, now_millis());
        self.write(|mut tx| async move {
            let mut args = AnyArguments::default();
            row.bind(&mut args, now);
            let inserted = sqlx::query_scalar_with::<_, i64, _>(
                &format!(
                    "INSERT INTO people ({PERSON_INSERT_COLUMNS}) VALUES {} RETURNING id",
                    value_rows(self.backend, 1, 12)
                ),
                args,
            )
            .fetch_one(&mut *tx)
            .await;
            match inserted {
                Ok(person_id) => {
                    let employer = match new.employer_id {
                        Some(e) => sqlx::query_scalar::<_, Option<String>>(
                            "SELECT province_code FROM organisations WHERE id = $1",
                        )
                        .bind(e.0)
                        .fetch_optional(&mut *tx)
                        .await?
                        .flatten(),
                        None => None,
                    };
                    // The log shows personal data masked, as every view does.
                    let after = serde_json::json!({
                        "name": new.name.trim(),
                        "id_number": mask_id_number(id.as_str()),
                        "title": new.title,
                        "employer_id": new.employer_id,
                        "in_post": new.in_post,
                        "phone": phone.map(mask_phone),
                    });
                    let change = Change {
                        action: "person.create",
                        object_type: "person",
                        object_id: person_id.to_string(),
                        province_code: employer,
                        org_id: new.employer_id.map(|e| e.0),
                        before: None,
                        after: Some(after),
                    };
                    append(self, &mut tx, actor, &change).await?;
                    tx.commit().await?;
                    Ok(PersonId(person_id))
                }
                Err(e) => Err(constraints::naming(e, Constraint::PersonIdNumber, || {
                    format!("身份证号 {} 已登记", mask_id_number(id.as_str()))
                })),
            }
        })
        .await
    }

    pub async fn person(&self, id: PersonId) -> Result<Person> {
        self.person_on(&self.pool, id).await
    }

    pub(crate) async fn person_on<'c, E: sqlx::Executor<'c, Database = sqlx::Any>>(
        &self,
        on: E,
        id: PersonId,
    ) -> Result<Person> {
        let row =
            sqlx::query(&format!("SELECT {COLUMNS} FROM people p WHERE p.id = $1")).bind(id.0).fetch_one(on).await?;
        self.person_from_row(&row)
    }

    /// The people with these ids (in no promised order), personal data decrypted.
    pub async fn people_in(&self, ids: &[PersonId]) -> Result<Vec<Person>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(5000) {
            let list = chunk.iter().map(|p| p.0.to_string()).collect::<Vec<_>>().join(", ");
            for row in sqlx::query(&format!("SELECT {COLUMNS} FROM people p WHERE p.id IN ({list})"))
                .fetch_all(&self.pool)
                .await?
            {
                out.push(self.person_from_row(&row)?);
            }
        }
        Ok(out)
    }

    /// Finds a person by ID number through its keyed hash; the number itself is never compared in SQL.
    pub async fn person_by_id_number(&self, id_number: &IdNumber) -> Result<Person> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM people p WHERE p.id_number_hash = $1"))
            .bind(self.vault.lookup_hash(id_number.as_str()))
            .fetch_one(&self.pool)
            .await?;
        self.person_from_row(&row)
    }

    pub async fn people(&self, filter: &PersonFilter, page: PageRequest) -> Result<Page<MaskedPerson>> {
        let mut f = Filter::default();
        if let Some(e) = filter.employer_id {
            f.and("p.employer_id = ?", [Bind::Int(e.0)]);
        }
        if let Some(p) = &filter.province_code {
            f.and("o.province_code = ?", [Bind::Text(p.clone())]);
        }
        if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            f.contains(self.backend, &["p.name"], q);
        }
        let from = "FROM people p LEFT JOIN organisations o ON o.id = p.employer_id";
        let where_sql = f.where_sql();
        let total: i64 =
            f.query_scalar(&format!("SELECT CAST(COUNT(*) AS BIGINT) {from}{where_sql}")).fetch_one(&self.pool).await?;
        let n = f.next_placeholder();
        let sql = format!(
            "SELECT {COLUMNS}, o.name AS employer_name {from}{where_sql} ORDER BY p.id LIMIT ${n} OFFSET ${}",
            n + 1
        );
        let rows = f.query(&sql).bind(page.limit()).bind(page.offset()).fetch_all(&self.pool).await?;
        let items = rows
            .iter()
            .map(|r| Ok(self.person_from_row(r)?.masked(r.try_get("employer_name")?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Page { items, total, page: page.page, per_page: page.per_page })
    }

    pub async fn count_people(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM people").fetch_one(&self.pool).await?)
    }

    fn person_from_row(&self, r: &AnyRow) -> Result<Person> {
        let id_number = self.vault.decrypt(&r.try_get::<String, _>("id_number_enc")?)?;
        let id_number = IdNumber::parse(&id_number).map_err(|_| StoreError::Decrypt)?;
        let phone = match r.try_get::<Option<String>, _>("phone_enc")? {
            Some(enc) => Some(self.vault.decrypt(&enc)?),
            None => None,
        };
        let birth: String = r.try_get("birth_date")?;
        Ok(Person {
            id: PersonId(r.try_get("id")?),
            name: r.try_get("name")?,
            sex: id_number.sex(),
            birth_date: decode::date(&birth, "people.birth_date")?,
            id_number,
            title: r.try_get("title")?,
            employer_id: r.try_get::<Option<i64>, _>("employer_id")?.map(OrgId),
            in_post: r.try_get::<i64, _>("in_post")? != 0,
            phone,
            created_at: r.try_get("created_at")?,
        })
    }
}
