//! The catalogue's word index, the one part of the catalogue that differs by backend. SQLite keeps
//! an FTS5 table of grams and filter values, written by the store ([`super::sqlite`]); PostgreSQL a
//! GIN index over grams the database generates itself ([`super::postgres`]). Both answer the same
//! set of questions, listed here: each function hands its question to the store's backend, so the
//! catalogue's queries and the writes of projects are written once, for both.
//!
//! The index only ever narrows: every condition of a search is still checked on the rows it
//! returns (see [`super::grams`]), so both backends find exactly what a plain scan would.

use super::plan::words_of;
use super::{ProjectFilter, postgres, sqlite};
use crate::projects::Batch;
use crate::sql::Filter;
use crate::{Backend, Result};

/// What the word index holds of one published project, besides its batch's year, number and level.
pub(crate) struct Entry {
    /// The search text (name, unit, leader and number).
    pub text: String,
    pub subject_tertiary: String,
    pub province_code: Option<String>,
    pub kind: String,
    pub delivery: String,
}

/// The filter values a search finds through the index beside its words ([`facets`]), which its
/// query then does not check again.
#[derive(Debug, Default)]
pub(super) struct Facets {
    pub year: Option<i64>,
    pub secondary: Option<String>,
}

/// Index entries on their way to the index ([`prepare`], then [`write`]).
pub(crate) struct Prepared(Option<sqlite::Documents>);

// ---- searching ----

/// The index's query for each word of a search, found out before the search's SQL is written (a
/// longer word's rarest trigrams, from their counts); empty where the index needs none.
pub(super) async fn word_queries(
    backend: Backend,
    conn: &mut sqlx::AnyConnection,
    filter: &ProjectFilter,
) -> Result<Vec<String>> {
    match backend {
        Backend::Sqlite => sqlite::word_queries(conn, &words_of(filter)).await,
        Backend::Postgres => postgres::word_queries(conn, filter).await,
    }
}

/// The count's source (`… AS id FROM …`) and conditions when the index alone holds every
/// condition of `filter`, so that counting reads no row; `None` otherwise.
pub(super) fn count_in_index(
    backend: Backend,
    filter: &ProjectFilter,
    word_queries: &[String],
) -> Option<(String, Filter)> {
    match backend {
        Backend::Sqlite => sqlite::count_in_index(filter, word_queries),
        Backend::Postgres => postgres::count_in_index(filter, word_queries),
    }
}

/// Narrows a query of published projects through the index: adds its conditions to `f` (with the
/// filter values it holds, `facets`, as [`facets`] found them) and returns the `FROM` that reads
/// `projects p` through it.
pub(super) fn narrow(
    backend: Backend,
    filter: &ProjectFilter,
    word_queries: &[String],
    facets: &Facets,
    f: &mut Filter,
) -> String {
    match backend {
        Backend::Sqlite => sqlite::narrow(filter, word_queries, f),
        Backend::Postgres => postgres::narrow(word_queries, facets, f),
    }
}

/// Whether narrowing `filter` by the index decides `word` exactly (what [`narrow`] adds is then the
/// whole condition, and `LIKE` is not checked again). SQLite keeps `LIKE` in every query its planner
/// was measured with.
pub(super) fn index_decides(backend: Backend, filter: &ProjectFilter, word: &str) -> bool {
    match backend {
        Backend::Sqlite => false,
        Backend::Postgres => !postgres::words_checked_in_subject(filter) && postgres::index_decides(word),
    }
}

/// The filter values [`narrow`] finds through the index beside the words, which the query then does
/// not check again (PostgreSQL's terms; SQLite keeps every condition).
pub(super) fn facets(backend: Backend, filter: &ProjectFilter, word_queries: &[String]) -> Facets {
    match backend {
        Backend::Sqlite => Facets::default(),
        Backend::Postgres => postgres::facets(filter, word_queries),
    }
}

/// The `FROM` that reads `projects p` along the index of the page's order, every row checked.
pub(super) fn in_order(backend: Backend, filter: &ProjectFilter) -> String {
    match backend {
        Backend::Sqlite => sqlite::in_order(filter),
        Backend::Postgres => postgres::in_order(filter),
    }
}

/// Whether a search counted through the rows counts all its matches in one statement (the ids
/// aggregated only when few), rather than first up to [`super::PAGE_BY_IDS_UP_TO`] + 1 with their
/// ids and then, past that, all of them in a second statement.
pub(super) fn counts_in_one_pass(backend: Backend) -> bool {
    match backend {
        Backend::Sqlite => sqlite::COUNTS_IN_ONE_PASS,
        Backend::Postgres => postgres::COUNTS_IN_ONE_PASS,
    }
}

/// An aggregate of the found rows' `id`s as one text of comma-separated numbers.
pub(super) fn ids_found(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => sqlite::IDS_FOUND,
        Backend::Postgres => postgres::IDS_FOUND,
    }
}

/// A condition that `p.id` is among the numbers of one text bound to it (as [`ids_found`] gives).
pub(super) fn among_ids(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => sqlite::AMONG_IDS,
        Backend::Postgres => postgres::AMONG_IDS,
    }
}

// ---- writing ----

/// Starts preparing the index entries of projects of `batch` (`None` for a project that stays out
/// of it: unnumbered), while their rows are written. `entries` is called only by a backend whose
/// index the store writes: SQLite builds its documents on another thread; PostgreSQL's index
/// follows the rows by itself.
pub(crate) fn prepare(backend: Backend, batch: &Batch, entries: impl FnOnce() -> Vec<Option<Entry>>) -> Prepared {
    match backend {
        Backend::Sqlite => Prepared(Some(sqlite::prepare(batch, entries()))),
        Backend::Postgres => Prepared(None),
    }
}

/// Writes prepared entries into the index, now that their rows have ids (`ids` in the order the
/// entries were given), in the transaction that wrote the rows.
pub(crate) async fn write(tx: &mut sqlx::Transaction<'_, sqlx::Any>, prepared: Prepared, ids: &[i64]) -> Result<()> {
    match prepared.0 {
        Some(documents) => sqlite::write(tx, documents, ids).await,
        None => Ok(()),
    }
}

/// What the index needs after a whole list was imported and committed.
pub(crate) async fn after_import(backend: Backend, pool: &sqlx::AnyPool) -> Result<()> {
    match backend {
        Backend::Sqlite => Ok(()),
        Backend::Postgres => postgres::after_import(pool).await,
    }
}
