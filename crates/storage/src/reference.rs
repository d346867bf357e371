//! Reference data in the database: provinces and subjects, loaded once from the domain crate's
//! defaults and editable by the national administrator afterwards.

use jijiao_domain::province::PROVINCES;
use jijiao_domain::subject::{Catalogue, SECONDARY, Tertiary};
use serde::Serialize;
use sqlx::Row;

use crate::audit::{Actor, Change, append};
use crate::{Result, Store, now_millis};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProvinceRecord {
    pub code: String,
    pub name: String,
    pub short_name: String,
    pub abbreviation: String,
    pub committee_name: String,
    pub postcode: String,
    pub address: String,
    pub phone: String,
    pub fax: String,
}

impl Store {
    /// Fills empty reference tables from the shipped defaults; never overwrites edits.
    pub async fn load_reference_data(&self) -> Result<()> {
        self.write(|mut tx| async move {
            let provinces: i64 =
                sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM provinces").fetch_one(&mut *tx).await?;
            if provinces == 0 {
                for p in &PROVINCES {
                    sqlx::query(
                        "INSERT INTO provinces (code, name, short_name, abbreviation, committee_name, postcode, address, phone, fax, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    )
                    .bind(p.code)
                    .bind(p.name)
                    .bind(p.short_name)
                    .bind(p.abbreviation)
                    .bind(p.committee.name)
                    .bind(p.committee.postcode)
                    .bind(p.committee.address)
                    .bind(p.committee.phone)
                    .bind(p.committee.fax)
                    .bind(now_millis())
                    .execute(&mut *tx)
                    .await?;
                }
            }
            let subjects: i64 =
                sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM subjects_secondary").fetch_one(&mut *tx).await?;
            if subjects == 0 {
                for (code, name) in SECONDARY {
                    sqlx::query("INSERT INTO subjects_secondary (code, name) VALUES ($1, $2)")
                        .bind(code)
                        .bind(name)
                        .execute(&mut *tx)
                        .await?;
                }
                insert_tertiary(&mut tx, Catalogue::default_catalogue().tertiary()).await?;
            }
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    pub async fn provinces(&self) -> Result<Vec<ProvinceRecord>> {
        let rows = sqlx::query(
            "SELECT code, name, short_name, abbreviation, committee_name, postcode, address, phone, fax
             FROM provinces ORDER BY code",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(province_from_row).collect()
    }

    pub async fn province(&self, code: &str) -> Result<ProvinceRecord> {
        let row = sqlx::query(
            "SELECT code, name, short_name, abbreviation, committee_name, postcode, address, phone, fax
             FROM provinces WHERE code = $1",
        )
        .bind(code)
        .fetch_one(&self.pool)
        .await?;
        province_from_row(&row)
    }

    /// Edits a committee's contacts (the national administrator's correction of published data).
    pub async fn update_province_contacts(&self, actor: &Actor, record: &ProvinceRecord) -> Result<()> {
        let before = self.province(&record.code).await?;
        let before = &before;
        self.write(|mut tx| async move {
            sqlx::query(
                "UPDATE provinces SET committee_name = $2, postcode = $3, address = $4, phone = $5, fax = $6, updated_at = $7
                 WHERE code = $1",
            )
            .bind(&record.code)
            .bind(&record.committee_name)
            .bind(&record.postcode)
            .bind(&record.address)
            .bind(&record.phone)
            .bind(&record.fax)
            .bind(now_millis())
            .execute(&mut *tx)
            .await?;
            let change = Change {
                action: "province.update",
                object_type: "province",
                object_id: record.code.clone(),
                province_code: Some(record.code.clone()),
                org_id: None,
                before: serde_json::to_value(before).ok(),
                after: serde_json::to_value(record).ok(),
            };
            append(self, &mut tx, actor, &change).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// The figures the home page shows anyone: provinces, units, professionals and third-level
    /// subjects on record.
    pub async fn public_figures(&self) -> Result<PublicFigures> {
        let units = crate::OrgFilter { kind: Some(jijiao_domain::org::OrgKind::Unit), ..Default::default() };
        Ok(PublicFigures {
            provinces: self.provinces().await?.len(),
            units: self.organisations(&units, crate::PageRequest::new(Some(1), Some(1))).await?.total,
            people: self.count_people().await?,
            tertiary: self.catalogue().await?.tertiary().len(),
        })
    }

    /// The third-level catalogue as the rules use it.
    pub async fn catalogue(&self) -> Result<Catalogue> {
        let rows = sqlx::query("SELECT code, name FROM subjects_tertiary ORDER BY code").fetch_all(&self.pool).await?;
        let entries = rows
            .iter()
            .map(|r| Ok(Tertiary { code: r.try_get("code")?, name: r.try_get("name")? }))
            .collect::<Result<Vec<_>>>()?;
        Ok(Catalogue::from_entries(entries))
    }

    /// Replaces the third-level catalogue in one transaction (the import of an official list).
    pub async fn replace_catalogue(&self, actor: &Actor, catalogue: &Catalogue) -> Result<()> {
        let before = self.catalogue().await?;
        let before = &before;
        self.write(|mut tx| async move {
            sqlx::query("DELETE FROM subjects_tertiary").execute(&mut *tx).await?;
            insert_tertiary(&mut tx, catalogue.tertiary()).await?;
            let change = Change {
                action: "subjects.replace",
                object_type: "subjects",
                object_id: "tertiary".into(),
                before: Some(serde_json::json!({ "count": before.tertiary().len() })),
                after: serde_json::to_value(catalogue).ok(),
                ..Change::default()
            };
            append(self, &mut tx, actor, &change).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }
}

async fn insert_tertiary(tx: &mut sqlx::Transaction<'_, sqlx::Any>, entries: &[Tertiary]) -> Result<()> {
    for t in entries {
        sqlx::query("INSERT INTO subjects_tertiary (code, secondary_code, name) VALUES ($1, $2, $3)")
            .bind(&t.code)
            .bind(t.secondary_code())
            .bind(&t.name)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

fn province_from_row(r: &sqlx::any::AnyRow) -> Result<ProvinceRecord> {
    Ok(ProvinceRecord {
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        short_name: r.try_get("short_name")?,
        abbreviation: r.try_get("abbreviation")?,
        committee_name: r.try_get("committee_name")?,
        postcode: r.try_get("postcode")?,
        address: r.try_get("address")?,
        phone: r.try_get("phone")?,
        fax: r.try_get("fax")?,
    })
}

/// What the home page counts ([`Store::public_figures`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicFigures {
    pub provinces: usize,
    pub units: i64,
    pub people: i64,
    pub tertiary: usize,
}
