//! How a catalogue query reaches its rows: what a search needs to know before its SQL is written
//! ([`search_plan`]), and the `FROM` and conditions of the query for one way of reading
//! ([`catalogue_sql`]). Written once for both backends; where the word index joins in, it asks
//! [`word_index`].

use chrono::NaiveDate;

use super::{ProjectFilter, ProjectSort, word_index};
use crate::sql::{Bind, Filter, date_text};
use crate::{Backend, Result, decode};

/// How a catalogue query reaches its rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Access {
    /// Through the word index for `q` (SQLite joins its FTS table; PostgreSQL adds the GIN
    /// condition) and whatever index the database picks for the rest: counting (which brings the
    /// ids of up to `PAGE_BY_IDS_UP_TO` matches), downloads, and pages of many matches in a date range.
    Narrow,
    /// Along the index of the page's order, checking every row (`LIKE` for words): pages of many
    /// matches. SQLite is told the index (`INDEXED BY`), as its planner cannot know that matches
    /// are dense; PostgreSQL plans this itself.
    InOrder,
}

pub(super) fn order_by(sort: ProjectSort) -> &'static str {
    match sort {
        ProjectSort::Number => "p.year DESC, p.subject_tertiary, p.number, p.id",
        ProjectSort::Date => "p.first_day, p.id",
        ProjectSort::Newest => "p.year DESC, p.batch_id DESC, p.number, p.id",
    }
}

/// The words of a search: at most five, each of which must occur.
pub(super) fn words_of(filter: &ProjectFilter) -> Vec<&str> {
    filter.q.as_deref().map(|q| q.split_whitespace().take(5).collect()).unwrap_or_default()
}

/// The subject filter as given, if any (`SS` or `SS-TT`).
pub(super) fn subject_of(filter: &ProjectFilter) -> Option<&str> {
    filter.subject.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The province filter, if any.
pub(super) fn province_of(filter: &ProjectFilter) -> Option<&str> {
    filter.province_code.as_deref().filter(|p| !p.is_empty())
}

/// The unit filter as given, if any (trimmed).
pub(super) fn unit_of(filter: &ProjectFilter) -> Option<&str> {
    filter.unit_name.as_deref().map(str::trim).filter(|u| !u.is_empty())
}

/// What [`search_plan`] found out for one search.
pub(super) struct SearchPlan {
    pub backend: Backend,
    /// The earliest first day a project held on or after `from` can have.
    pub earliest_start: Option<NaiveDate>,
    /// The word index's query for each word ([`word_index::word_queries`]; empty where the index
    /// needs none).
    pub word_queries: Vec<String>,
}

/// What a search needs from the database before its SQL is written: the bound of a date range
/// and what the word index looks up for each word.
pub(super) async fn search_plan(
    backend: Backend,
    conn: &mut sqlx::AnyConnection,
    filter: &ProjectFilter,
) -> Result<SearchPlan> {
    // For a search from a day: the earliest first day a project held on or after it can have
    // (the day less the longest span on record; `span_days` is indexed: one lookup).
    let earliest_start = match filter.from {
        None => None,
        Some(from) => {
            let longest: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(MAX(span_days), 0) AS BIGINT) FROM projects")
                .fetch_one(&mut *conn)
                .await?;
            from.checked_sub_days(chrono::Days::new(decode::narrow(longest, "projects.span_days")?))
        }
    };
    let word_queries = word_index::word_queries(backend, conn, filter).await?;
    Ok(SearchPlan { backend, earliest_start, word_queries })
}

/// The `FROM` and the conditions of a catalogue query.
/// Every condition of the plain scan is kept, so the word index only ever narrows.
pub(super) fn catalogue_sql(filter: &ProjectFilter, plan: &SearchPlan, access: Access) -> (String, Filter) {
    let mut f = Filter::default();
    // The word index holds published projects only; a batch's own page (drafts included) reads
    // its batch through projects_batch and checks the words there. Read through the index, some
    // words are decided by it alone (see `index_decides`), and on PostgreSQL the year and secondary
    // subject beside them (see `word_index::facets`).
    let narrowed = access == Access::Narrow && filter.batch_id.is_none();
    let in_index =
        if narrowed { word_index::facets(plan.backend, filter, &plan.word_queries) } else { Default::default() };
    let from = match access {
        Access::Narrow if narrowed => word_index::narrow(plan.backend, filter, &plan.word_queries, &in_index, &mut f),
        Access::Narrow => "projects p".to_string(),
        Access::InOrder => word_index::in_order(plan.backend, filter),
    };
    match filter.batch_id {
        Some(b) => {
            f.and("p.batch_id = ?", [Bind::Int(b.0)]);
        }
        None => {
            f.and("p.number IS NOT NULL", []);
        }
    }
    for word in words_of(filter) {
        if narrowed && word_index::index_decides(plan.backend, filter, word) {
            continue;
        }
        // Every word must occur; a 2-character word such as 肿瘤 is a plain substring match.
        f.contains(plan.backend, &["p.search_text"], word);
    }
    if let Some(y) = filter.year.filter(|_| in_index.year.is_none()) {
        f.and("p.year = ?", [Bind::Int(i64::from(y))]);
    }
    if let Some(b) = filter.batch {
        f.and("p.batch_id IN (SELECT id FROM publication_batches WHERE batch = ?)", [Bind::Int(i64::from(b))]);
    }
    if let Some(s) = subject_of(filter) {
        // The secondary code leads projects_subject_order; a tertiary code (SS-TT) implies it.
        if let Some(secondary) = s.get(..2).filter(|_| in_index.secondary.is_none()) {
            f.and("p.subject_secondary = ?", [Bind::Text(secondary.into())]);
        }
        if s.len() != 2 {
            f.and("p.subject_tertiary = ?", [Bind::Text(s.into())]);
        }
    }
    if let Some(p) = province_of(filter) {
        f.and("p.province_code = ?", [Bind::Text(p.into())]);
    }
    if let Some(l) = filter.level {
        f.and("p.level = ?", [Bind::Text(l.code().into())]);
    }
    if let Some(k) = filter.kind {
        f.and("p.kind = ?", [Bind::Text(k.code().into())]);
    }
    if let Some(d) = filter.delivery {
        f.and("p.delivery = ?", [Bind::Text(d.code().into())]);
    }
    if let Some(from) = filter.from {
        f.and("p.last_day >= ?", [Bind::Text(date_text(from))]);
        if let Some(earliest) = plan.earliest_start {
            f.and("p.first_day >= ?", [Bind::Text(date_text(earliest))]);
        }
    }
    if let Some(to) = filter.to {
        f.and("p.first_day <= ?", [Bind::Text(date_text(to))]);
    }
    if let Some(u) = unit_of(filter) {
        f.and("p.unit_name = ?", [Bind::Text(u.into())]);
    }
    (from, f)
}
