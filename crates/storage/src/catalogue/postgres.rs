//! The word index on PostgreSQL: a GIN index (`projects_grams`) over the grams of `search_text`,
//! `catalogue_grams(search_text)`, which the database computes itself, so the store writes nothing
//! for it and a search only adds each word's grams as a condition. (Migration 0007 stored the grams
//! in the rows, 0015 moved them into the index alone.) The same function set as
//! [`super::sqlite`], behind [`super::word_index`].

use super::ProjectFilter;
use super::grams::postgres_grams;
use super::plan::{subject_of, words_of};
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
/// Within one tertiary subject the word index is not used at all (see [`words_checked_in_subject`]).
pub(super) fn narrow(filter: &ProjectFilter, _word_queries: &[String], f: &mut Filter) -> String {
    if !words_checked_in_subject(filter) {
        for grams in words_of(filter).into_iter().filter_map(postgres_grams) {
            f.and("catalogue_grams(p.search_text) @> string_to_array(?, chr(31))", [Bind::Text(grams)]);
        }
    }
    "projects p".to_string()
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
