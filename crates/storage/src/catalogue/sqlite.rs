//! The word index on SQLite: an FTS5 table (`project_search`, migration 0007) holding per published
//! project its grams and filter values as tokens ([`grams::sqlite_document`]), written by the
//! store, with the count of projects holding each trigram beside it (`project_search_terms`), and
//! the catalogue's order indexes named for SQLite's planner. The same function set as
//! [`super::postgres`], behind [`super::word_index`].

use sqlx::Row;
use std::collections::HashMap;

use super::grams::{self, Facets, facet};
use super::plan::{province_of, subject_of, words_of};
use super::word_index::Entry;
use super::{ProjectFilter, ProjectSort};
use crate::projects::Batch;
use crate::sql::{Bind, Filter, placeholders, value_rows};
use crate::{Backend, Result, StoreError};

pub(super) const IDS_FOUND: &str = "group_concat(id)";
/// Two statements, as measured so far: past 1,000 the second count of a word of 1-3 characters
/// reads the FTS index alone (not re-measured with one pass).
pub(super) const COUNTS_IN_ONE_PASS: bool = false;
pub(super) const AMONG_IDS: &str = "p.id IN (SELECT value FROM json_each('[' || ? || ']'))";

/// Rows per multi-row INSERT of the staging table: well under SQLite's parameter limit.
const STAGED_ROWS: usize = 1_000;

/// Each word's FTS5 query: its one token, or its rarest trigrams. How many published projects hold
/// each trigram of the longer words is read in one statement for all of them; a term no published
/// project holds counts 0, and its word then finds nothing.
pub(super) async fn word_queries(conn: &mut sqlx::AnyConnection, words: &[&str]) -> Result<Vec<String>> {
    let words: Vec<Vec<String>> = words.iter().map(|w| grams::sqlite_terms(w)).collect();
    let looked_up: Vec<&String> = words.iter().filter(|terms| terms.len() > 1).flatten().collect();
    let mut docs: HashMap<String, i64> = HashMap::new();
    if !looked_up.is_empty() {
        let sql = format!(
            "SELECT term, docs FROM project_search_terms WHERE term IN ({})",
            placeholders(Backend::Sqlite, 1, looked_up.len()).join(", ")
        );
        let mut q = sqlx::query(&sql);
        for t in looked_up {
            q = q.bind(t);
        }
        for r in q.fetch_all(&mut *conn).await? {
            docs.insert(r.try_get("term")?, r.try_get("docs")?);
        }
    }
    let mut queries = Vec::with_capacity(words.len());
    for mut terms in words {
        if terms.len() > 1 {
            let counted = terms.into_iter().map(|t| {
                let n = docs.get(&t).copied().unwrap_or(0);
                (t, n)
            });
            terms = grams::rarest(counted.collect());
        }
        queries.push(grams::sqlite_all(&terms));
    }
    Ok(queries)
}

/// The [`facet`] tokens of a filter's equality conditions.
fn facets(filter: &ProjectFilter) -> Vec<String> {
    let mut out = Vec::new();
    out.extend(filter.year.map(|y| facet('y', &y.to_string())));
    out.extend(filter.batch.map(|b| facet('n', &b.to_string())));
    if let Some(s) = subject_of(filter) {
        out.extend(s.get(..2).map(|c| facet('c', c)));
        if s.len() != 2 {
            out.push(facet('s', s));
        }
    }
    out.extend(province_of(filter).map(|p| facet('p', p)));
    out.extend(filter.level.map(|l| facet('l', l.code())));
    out.extend(filter.kind.map(|k| facet('k', k.code())));
    out.extend(filter.delivery.map(|d| facet('d', d.code())));
    out
}

/// The FTS5 query of the words' queries and the filter's facets, all required.
fn full_text_query(filter: &ProjectFilter, word_queries: &[String]) -> Option<String> {
    let mut terms = word_queries.to_vec();
    terms.extend(facets(filter).into_iter().map(|t| format!("\"{t}\"")));
    (!terms.is_empty()).then(|| terms.join(" AND "))
}

/// The index alone counts when it holds every condition of the filter exactly: published projects
/// only, words of one to three characters (their one token, a character, bigram or trigram, is in a
/// text exactly when `LIKE` finds the word, as both fold ASCII case only), and equality filters in
/// their canonical form (token and value then correspond one to one). Longer words look up several
/// trigrams, which every text containing the word has but which a text may have apart, so they,
/// like dates, are still checked on the rows.
pub(super) fn count_in_index(filter: &ProjectFilter, word_queries: &[String]) -> Option<(String, Filter)> {
    if filter.batch_id.is_some() || filter.unit_name.is_some() {
        return None;
    }
    if filter.from.is_some() || filter.to.is_some() {
        return None;
    }
    if words_of(filter).iter().any(|w| w.chars().count() > 3) {
        return None;
    }
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if let Some(s) = subject_of(filter) {
        let canonical = match s.split_once('-') {
            None => s.len() == 2 && digits(s),
            Some((secondary, tertiary)) => {
                secondary.len() == 2 && tertiary.len() == 2 && digits(secondary) && digits(tertiary)
            }
        };
        if !canonical {
            return None;
        }
    }
    if filter.province_code.as_deref().is_some_and(|p| !p.bytes().all(|b| b.is_ascii_alphanumeric())) {
        return None;
    }
    let query = full_text_query(filter, word_queries)?;
    let mut f = Filter::default();
    f.and("project_search MATCH ?", [Bind::Text(query)]);
    Some(("rowid AS id FROM project_search".to_string(), f))
}

/// Joins the FTS table when the search has words or filter values to look up.
pub(super) fn narrow(filter: &ProjectFilter, word_queries: &[String], f: &mut Filter) -> String {
    match full_text_query(filter, word_queries) {
        Some(query) => {
            // CROSS JOIN keeps the index outside: SQLite would otherwise walk another index (the
            // year's, say) and run the full-text query again for every row of it.
            f.and("project_search MATCH ?", [Bind::Text(query)]);
            "project_search CROSS JOIN projects p ON p.id = project_search.rowid".to_string()
        }
        None => "projects p".to_string(),
    }
}

/// SQLite is told the index of the page's order (migrations 0007–0008): its planner cannot know
/// that the matches are dense along it.
pub(super) fn in_order(filter: &ProjectFilter) -> String {
    let index = match filter.sort {
        ProjectSort::Number if subject_of(filter).is_some_and(|s| s.len() != 2) => "projects_tertiary_text",
        ProjectSort::Number if subject_of(filter).is_some() => "projects_subject_text",
        ProjectSort::Number => "projects_catalogue_text",
        ProjectSort::Date => "projects_date_text",
        ProjectSort::Newest => "projects_newest_text",
    };
    format!("projects p INDEXED BY {index}")
}

/// Documents being built: one per entry (`None` for a project out of the index), and how many of
/// them hold each trigram.
pub(super) type Documents = tokio::task::JoinHandle<(Vec<Option<String>>, Vec<(String, i64)>)>;

/// Builds the entries' documents on another thread: 20,000 of them took a sixth of an import's save.
pub(super) fn prepare(batch: &Batch, entries: Vec<Option<Entry>>) -> Documents {
    let (year, batch_number, level) = (batch.year, batch.batch, batch.level.code());
    tokio::task::spawn_blocking(move || {
        let documents: Vec<Option<String>> = entries
            .iter()
            .map(|entry| {
                let entry = entry.as_ref()?;
                let facets = Facets {
                    year,
                    batch: batch_number,
                    subject_tertiary: &entry.subject_tertiary,
                    province_code: entry.province_code.as_deref(),
                    level,
                    kind: &entry.kind,
                    delivery: &entry.delivery,
                };
                Some(grams::sqlite_document(&entry.text, &facets))
            })
            .collect();
        let counts = grams::trigram_counts(documents.iter().flatten().map(String::as_str));
        (documents, counts)
    })
}

/// Adds the documents, under their projects' ids, to the index, and their trigrams to the counts.
///
/// All documents reach the index in one statement: FTS5 writes what it has gathered to disk at
/// the end of every statement (a savepoint), so a list inserted 400 rows at a time left 50 small
/// segments to merge. They are first staged in a temporary table by ordinary multi-row inserts:
/// passed as one JSON array instead (25 MB for 20,000 projects, each element parsed again for its
/// two fields), the same statement took 280–300 ms where staging and moving take 175
/// (BENCHMARKS.md, issue 6, fourth session). The table is made and dropped inside the caller's
/// transaction, so a failed import leaves none on the pooled connection.
pub(super) async fn write(tx: &mut sqlx::Transaction<'_, sqlx::Any>, documents: Documents, ids: &[i64]) -> Result<()> {
    let (documents, trigram_counts) =
        documents.await.map_err(|e| StoreError::Invalid(format!("检索索引生成失败：{e}")))?;
    let documents: Vec<(i64, String)> =
        ids.iter().zip(documents).filter_map(|(id, document)| Some((*id, document?))).collect();
    if documents.is_empty() {
        return Ok(());
    }
    sqlx::query("CREATE TEMP TABLE words_staged (id INTEGER PRIMARY KEY, terms TEXT NOT NULL)")
        .execute(&mut **tx)
        .await?;
    for chunk in documents.chunks(STAGED_ROWS) {
        let sql =
            format!("INSERT INTO temp.words_staged (id, terms) VALUES {}", value_rows(Backend::Sqlite, chunk.len(), 2));
        let mut q = sqlx::query(&sql);
        for (id, terms) in chunk {
            q = q.bind(*id).bind(terms.as_str());
        }
        q.execute(&mut **tx).await?;
    }
    sqlx::query("INSERT INTO project_search (rowid, terms) SELECT id, terms FROM temp.words_staged")
        .execute(&mut **tx)
        .await?;
    sqlx::query("DROP TABLE temp.words_staged").execute(&mut **tx).await?;
    // The trigrams' counts, which pick the rarest trigrams of a search word. `WHERE true` tells
    // SQLite's parser that ON CONFLICT is the upsert, not part of the join.
    sqlx::query(
        "INSERT INTO project_search_terms (term, docs) SELECT value ->> 0, value ->> 1 FROM json_each($1) WHERE true \
         ON CONFLICT (term) DO UPDATE SET docs = project_search_terms.docs + excluded.docs",
    )
    .bind(serde_json::to_string(&trigram_counts).map_err(|e| StoreError::Invalid(e.to_string()))?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
