//! Exact counts of the catalogue's filter-only searches (a year, a batch, a subject, a province, a
//! level, a kind, a delivery; issue 19): read from a small table of counts per batch instead of
//! counting projects. Over 200,000 projects "every project of 2024" is 20,000 index entries to
//! count on every page; here it is one row per batch.
//!
//! `catalogue_counts` (migration 0016) holds, per batch (with its year and level), the numbered
//! projects in all (`facet` ''), and per value of one facet: the secondary subject (`c`), the
//! secondary and tertiary subject together (`s`, `03:03-05`, as the filter checks both), the
//! province (`p`), the kind (`k`) and the delivery (`d`). A batch's rows are written again, from
//! its projects, in every transaction that numbers or imports projects of it ([`refresh`]), so
//! they are exact whenever a search can see the projects. A filter with words, dates, a unit or
//! two facets at once is counted from the word index and the rows instead, with one exception on
//! PostgreSQL: one word that the word index decides by itself (one gram, see
//! `postgres::index_decides`), alone or with a year, batch or level, is summed from
//! `catalogue_gram_counts` (migration 0018), written per batch in the same transactions. (SQLite
//! counts such a word from its FTS5 index without reading a row.)

use super::ProjectFilter;
use super::plan::{subject_of, words_of};
use crate::sql::{Bind, Filter};
use crate::{Backend, Result, Store};

/// The count of a filter-only search (or on PostgreSQL of one word the index decides) as one
/// statement (`n`), or `None` when the filter is neither.
pub(super) fn filter_only(backend: Backend, filter: &ProjectFilter) -> Option<(String, Filter)> {
    let unit = filter.unit_name.as_deref().is_some_and(|u| !u.trim().is_empty());
    if filter.from.is_some() || filter.to.is_some() || filter.batch_id.is_some() || unit {
        return None;
    }
    let word = match words_of(filter).as_slice() {
        [] => None,
        [word] if backend == Backend::Postgres && super::postgres::index_decides(word) => Some(word.to_string()),
        _ => return None,
    };
    let mut facets: Vec<(&str, String)> = Vec::new();
    if let Some(s) = subject_of(filter) {
        match s.get(..2) {
            Some(_) if s.len() == 2 => facets.push(("c", s.to_string())),
            Some(secondary) => facets.push(("s", format!("{secondary}:{s}"))),
            // Not cut at a character boundary: the rows decide.
            None => return None,
        }
    }
    if let Some(p) = filter.province_code.as_deref().filter(|p| !p.is_empty()) {
        facets.push(("p", p.to_string()));
    }
    facets.extend(filter.kind.map(|k| ("k", k.code().to_string())));
    facets.extend(filter.delivery.map(|d| ("d", d.code().to_string())));
    let mut f = Filter::default();
    let table = match word {
        // The grams are counted per batch only, not per facet.
        Some(_) if !facets.is_empty() => return None,
        Some(word) => {
            f.and("c.gram = ?", [Bind::Text(word)]);
            "catalogue_gram_counts"
        }
        None if facets.len() > 1 => return None,
        None => {
            let (facet, value) = facets.pop().unwrap_or(("", String::new()));
            f.and("c.facet = ?", [Bind::Text(facet.into())]).and("c.value = ?", [Bind::Text(value)]);
            "catalogue_counts"
        }
    };
    if let Some(y) = filter.year {
        f.and("c.year = ?", [Bind::Int(i64::from(y))]);
    }
    if let Some(l) = filter.level {
        f.and("c.level = ?", [Bind::Text(l.code().into())]);
    }
    if let Some(b) = filter.batch {
        f.and("c.batch_id IN (SELECT id FROM publication_batches WHERE batch = ?)", [Bind::Int(i64::from(b))]);
    }
    let sql = format!("SELECT CAST(COALESCE(SUM(c.projects), 0) AS BIGINT) AS n FROM {table} c{}", f.where_sql());
    Some((sql, f))
}

/// What one group of the counts is: its facet and the value expression over `projects`.
const FACETS: [(&str, &str); 6] = [
    ("", "''"),
    ("c", "subject_secondary"),
    ("s", "subject_secondary || ':' || subject_tertiary"),
    ("p", "province_code"),
    ("k", "kind"),
    ("d", "delivery"),
];

/// Writes the counts of a batch again from its numbered projects, in the transaction that changed
/// them. Two transactions refreshing the same batch take turns (the second deletes what the first
/// wrote, rather than both inserting the same keys).
pub(crate) async fn refresh(store: &Store, tx: &mut sqlx::Transaction<'_, sqlx::Any>, batch_id: i64) -> Result<()> {
    store.serialise(tx, &format!("catalogue_counts:{batch_id}")).await?;
    sqlx::query("DELETE FROM catalogue_counts WHERE batch_id = $1").bind(batch_id).execute(&mut **tx).await?;
    sqlx::query(&insert_counts("WHERE batch_id = $1 AND number IS NOT NULL")).bind(batch_id).execute(&mut **tx).await?;
    if store.backend == Backend::Postgres {
        sqlx::query("DELETE FROM catalogue_gram_counts WHERE batch_id = $1").bind(batch_id).execute(&mut **tx).await?;
        // Each project's grams once (catalogue_grams keeps repeats), counted per batch.
        sqlx::query(
            "INSERT INTO catalogue_gram_counts (gram, year, level, batch_id, projects)
             SELECT g, year, level, batch_id, COUNT(*)
             FROM projects p CROSS JOIN LATERAL (SELECT DISTINCT unnest(catalogue_grams(p.search_text)) AS g) grams
             WHERE batch_id = $1 AND number IS NOT NULL
             GROUP BY g, year, level, batch_id",
        )
        .bind(batch_id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The statement that counts the projects `selection` picks into `catalogue_counts`.
pub(crate) fn insert_counts(selection: &str) -> String {
    let groups: Vec<String> = FACETS
        .iter()
        .map(|(facet, value)| {
            let not_null = if *facet == "p" { " AND province_code IS NOT NULL" } else { "" };
            // PostgreSQL refuses a constant in GROUP BY: the whole batch is grouped without one.
            let by_value = if facet.is_empty() { String::new() } else { format!(", {value}") };
            format!(
                "SELECT batch_id, year, level, '{facet}', {value}, COUNT(*) FROM projects {selection}{not_null} GROUP BY batch_id, year, level{by_value}"
            )
        })
        .collect();
    format!(
        "INSERT INTO catalogue_counts (batch_id, year, level, facet, value, projects) {}",
        groups.join(" UNION ALL ")
    )
}
