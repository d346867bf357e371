//! The word index on PostgreSQL: a GIN index (`projects_grams`) over the grams of `search_text`,
//! `catalogue_grams(search_text)`, which the database computes itself, so the store writes nothing
//! for it and a search only adds each word's grams as a condition. (Migration 0007 stored the grams
//! in the rows, 0015 moved them into the index alone.) The same function set as
//! [`super::sqlite`], behind [`super::word_index`].

use super::ProjectFilter;
use super::grams::postgres_grams;
use super::plan::words_of;
use crate::Result;
use crate::sql::{Bind, Filter};

pub(super) const IDS_FOUND: &str = "string_agg(CAST(id AS TEXT), ',')";
pub(super) const AMONG_IDS: &str = "p.id = ANY(CAST(string_to_array(?, ',') AS BIGINT[]))";

/// A count past 1,000 reads every matching row here (the GIN index rechecks them), so stopping
/// at 1,001 to bring their ids, then counting them all again, read the first thousand twice and
/// cost a statement more: at 200,000 projects 10-12 ms of 37-40 for 王建国 + a subject. One pass
/// with the ids aggregated beside the count costs 19 ms (BENCHMARKS.md, issue 19, ninth session).
pub(super) const COUNTS_IN_ONE_PASS: bool = true;

/// Nothing to find out first: a word's grams are its own ([`postgres_grams`]).
pub(super) fn word_queries(_words: &[&str]) -> Vec<String> {
    Vec::new()
}

/// The GIN index returns candidates for `LIKE` to check, never the answer: it always reads rows.
pub(super) fn count_in_index(_filter: &ProjectFilter, _word_queries: &[String]) -> Option<(String, Filter)> {
    None
}

/// Each word's grams must all be in the row's (`@>`, which the GIN index answers: the condition is
/// written as the index's expression); the planner picks the index for the filter values itself.
pub(super) fn narrow(filter: &ProjectFilter, _word_queries: &[String], f: &mut Filter) -> String {
    for grams in words_of(filter).into_iter().filter_map(postgres_grams) {
        f.and("catalogue_grams(p.search_text) @> string_to_array(?, chr(31))", [Bind::Text(grams)]);
    }
    "projects p".to_string()
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
/// rare one and sorted every project for one catalogue page (120 ms instead of 12). (SQLite's pages
/// follow the index named for them, see [`super::word_index::in_order`].)
pub(super) async fn after_import(pool: &sqlx::AnyPool) -> Result<()> {
    sqlx::query("ANALYZE projects").execute(pool).await?;
    Ok(())
}
