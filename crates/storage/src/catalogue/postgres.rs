//! The word index on PostgreSQL: a GIN index (`projects_terms`) over the grams of `search_text`
//! and two filter values, `catalogue_terms(search_text, year, subject_secondary)`, which the
//! database computes itself, so the store writes nothing for it and a search only adds each word's
//! grams (and its year and secondary subject, [`Facets`]) as conditions. (Migration 0007 stored
//! the grams in the rows, 0017 moved them into the index alone, 0026 added the filter values.)
//! The same function set as [`super::sqlite`], behind [`super::word_index`].

use sqlx::Row;
use std::collections::HashMap;

use super::ProjectFilter;
use super::grams::{POSTGRES_SEPARATOR, postgres_grams, rarest};
use super::plan::{subject_of, words_of};
use super::word_index::Facets;
use crate::Result;
use crate::sql::{Bind, Filter};

/// The ids as an array, made text only when the count keeps them (`CASE WHEN COUNT(*) <= …`): the
/// aggregate is computed over every match regardless, and casting each id to text cost 2 of the 7 ms
/// of a 36,652-match date count.
pub(super) const IDS_FOUND: &str = "array_to_string(array_agg(id), ',')";
pub(super) const AMONG_IDS: &str = "p.id = ANY(CAST(string_to_array(?, ',') AS BIGINT[]))";

/// A count past 1,000 reads every matching row here (the GIN index rechecks them), so stopping
/// at 1,001 to bring their ids, then counting them all again, read the first thousand twice and
/// cost a statement more: at 200,000 projects 10-12 ms of 37-40 for 王建国 + a subject. One pass
/// with the ids aggregated beside the count costs 19 ms (BENCHMARKS.md, issue 19, ninth session).
pub(super) const COUNTS_IN_ONE_PASS: bool = true;

/// Each word's grams as the GIN index looks them up, joined by [`POSTGRES_SEPARATOR`] (empty for a
/// word the index cannot use): a word of one gram as it is, a longer one by its rarest trigrams only
/// ([`rarest`], as on SQLite), from how many published projects hold each (`catalogue_gram_counts`,
/// one statement for all the words). A trigram as common as 人民医 (every "第…人民医院") made the index
/// read a list as long as the catalogue and narrowed nothing: at 200,000 projects 第123人民医院 took
/// 3.0-3.2 ms through its six trigrams, 0.2-0.3 through its two rarest (BENCHMARKS.md, issue 19,
/// eleventh session). `LIKE` still checks every candidate of a longer word.
/// Within one tertiary subject the index is not used, so nothing is looked up.
pub(super) async fn word_queries(conn: &mut sqlx::AnyConnection, filter: &ProjectFilter) -> Result<Vec<String>> {
    if words_checked_in_subject(filter) {
        return Ok(Vec::new());
    }
    let separator = POSTGRES_SEPARATOR.to_string();
    let words: Vec<Vec<String>> = words_of(filter)
        .into_iter()
        .map(|w| postgres_grams(w).map(|g| g.split(POSTGRES_SEPARATOR).map(str::to_string).collect()))
        .map(Option::unwrap_or_default)
        .collect();
    let looked_up: Vec<&str> = words.iter().filter(|grams| grams.len() > 1).flatten().map(String::as_str).collect();
    let mut held: HashMap<String, i64> = HashMap::new();
    if !looked_up.is_empty() {
        let sql = "SELECT gram, CAST(SUM(projects) AS BIGINT) AS n FROM catalogue_gram_counts
                   WHERE gram = ANY(string_to_array($1, chr(31))) GROUP BY gram";
        for r in sqlx::query(sql).bind(looked_up.join(&separator)).fetch_all(&mut *conn).await? {
            held.insert(r.try_get("gram")?, r.try_get("n")?);
        }
    }
    Ok(words
        .into_iter()
        .map(|grams| match grams.len() {
            0 | 1 => grams,
            _ => rarest(
                grams
                    .into_iter()
                    .map(|g| {
                        let n = held.get(&g).copied().unwrap_or(0);
                        (g, n)
                    })
                    .collect(),
            ),
        })
        .map(|grams| grams.join(&separator))
        .collect())
}

/// The GIN index returns candidates for `LIKE` to check, never the answer: it always reads rows.
pub(super) fn count_in_index(_filter: &ProjectFilter, _word_queries: &[String]) -> Option<(String, Filter)> {
    None
}

/// Each word's grams ([`word_queries`]) must all be in the row's terms (`@>`, which the GIN index
/// answers: the condition is written as the index's expression), and so must the filter's values
/// the index holds (`facets`, as [`facets`] found them); the planner picks the index for the
/// filter's other values itself. Within one tertiary subject there are none (see
/// [`words_checked_in_subject`]).
pub(super) fn narrow(word_queries: &[String], facets: &Facets, f: &mut Filter) -> String {
    for grams in word_queries.iter().filter(|grams| !grams.is_empty()) {
        f.and(TERMS_HOLD, [Bind::Text(grams.clone())]);
    }
    let terms = terms(facets);
    if !terms.is_empty() {
        f.and(TERMS_HOLD, [Bind::Text(terms.join(&POSTGRES_SEPARATOR.to_string()))]);
    }
    "projects p".to_string()
}

/// That the row's terms hold all of one text's, split at [`POSTGRES_SEPARATOR`].
const TERMS_HOLD: &str = "catalogue_terms(p.search_text, p.year, p.subject_secondary) @> string_to_array(?, chr(31))";

/// The filter's values that [`narrow`] finds through the index with the words, and that the search
/// therefore does not check again: only when a word's grams go to the index (a filter alone is
/// counted from the counts and read along an order's index). Beside the index's condition, a
/// separate `year = …` made the planner intersect the year's index as well: 2.3 ms became 5.5.
pub(super) fn facets(filter: &ProjectFilter, word_queries: &[String]) -> Facets {
    if !word_queries.iter().any(|grams| !grams.is_empty()) {
        return Facets::default();
    }
    Facets {
        year: filter.year.map(i64::from),
        secondary: subject_of(filter).filter(|s| s.len() == 2).map(str::to_string),
    }
}

/// The facets' terms as `catalogue_terms` writes them (migration 0026).
fn terms(facets: &Facets) -> Vec<String> {
    let year = facets.year.map(|y| format!("y:{y}"));
    year.into_iter().chain(facets.secondary.as_ref().map(|s| format!("c:{s}"))).collect()
}

/// Whether a search's words are checked with `LIKE` on its tertiary subject's entries of
/// `projects_tertiary_text` (migration 0023, an index-only scan) rather than found through the word
/// index. A tertiary subject bounds the entries to check to a few thousand, where a common word's
/// grams can match a tenth of the catalogue, and reading those matches' rows to count them visited
/// every page of the table (王建国 in 03-05: 16 ms against 3). The grams' condition is left out, not
/// added beside `LIKE`: the planner would have to compute the costly gram function on each entry.
pub(super) fn words_checked_in_subject(filter: &ProjectFilter) -> bool {
    subject_of(filter).is_some_and(|s| s.len() != 2)
}

/// Whether the index's condition for `word` is exactly `LIKE`'s, so that `LIKE` need not be
/// checked as well: a word of one to three characters is one gram, which a text holds exactly
/// when it contains the word, unless the word has ASCII letters (the grams fold their case,
/// PostgreSQL's `LIKE` does not). Checking both made the planner multiply two selectivities of
/// one condition, and read every candidate row to check it again.
pub(super) fn index_decides(word: &str) -> bool {
    let n = word.chars().count();
    (1..=3).contains(&n) && !word.chars().any(|c| c.is_ascii_alphabetic()) && postgres_grams(word).is_some()
}

/// PostgreSQL's planner finds the order's index (migration 0007) by itself.
pub(super) fn in_order(_filter: &ProjectFilter) -> String {
    "projects p".to_string()
}

/// A list is up to tens of thousands of rows at once: PostgreSQL's statistics are brought up to
/// date now rather than when autovacuum comes round, as without them it took a common word for a
/// rare one and sorted every project for one catalogue page (120 ms instead of 12). The new rows'
/// pages are marked all-visible at the same time, so that the counts answered from indexes alone
/// (`projects_dates_published`, `projects_tertiary_text`) read no row from the first search on;
/// VACUUM visits only the pages not yet marked. (SQLite's pages follow the index named for them,
/// see [`super::word_index::in_order`].) The list is already committed: a failure here is logged,
/// not reported as the import's, and autovacuum does the same later.
pub(super) async fn after_import(pool: &sqlx::AnyPool) -> Result<()> {
    if let Err(error) = sqlx::query("VACUUM (ANALYZE) projects").execute(pool).await {
        tracing::warn!(%error, "VACUUM (ANALYZE) projects after an import failed; autovacuum will do it");
    }
    Ok(())
}
