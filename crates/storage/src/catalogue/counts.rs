//! Exact counts of the catalogue's filter-only searches (a year, a batch, a subject, a province, a
//! level, a kind, a delivery; issue 19): read from a small table of counts per batch instead of
//! counting projects. Over 200,000 projects "every project of 2024" is 20,000 index entries to
//! count on every page; here it is one row per batch.
//!
//! `catalogue_counts` (migration 0016) holds, per batch (with its year and level), the numbered
//! projects in all (`facet` ''), and per value of one facet: the secondary subject (`c`), the
//! secondary and tertiary subject together (`s`, `03:03-05`, as the filter checks both), the
//! province (`p`), the kind (`k`), the delivery (`d`) and the month of the first day (`m`,
//! migration 0024). A batch's rows are written again, from its projects, in every transaction that
//! numbers or imports projects of it ([`refresh`]), so they are exact whenever a search can see the
//! projects. A search by dates alone sums the months its range covers whole and reads the rest from
//! the date index ([`dates_only`]). A filter with words, a unit, two facets at once, or dates with
//! anything else is counted from the word index and the rows instead, with one exception on
//! PostgreSQL: one word that the word index decides by itself (one gram, see
//! `postgres::index_decides`), alone or with a year, batch or level, is summed from
//! `catalogue_gram_counts` (migration 0018), written per batch in the same transactions, and within
//! one tertiary subject mostly from `catalogue_subject_gram_counts` (0027, [`word_in_subject`]).
//! (SQLite counts such a word from its FTS5 index without reading a row.)

use chrono::{Datelike, NaiveDate};

use super::ProjectFilter;
use super::plan::{province_of, subject_of, unit_of, words_of};
use crate::sql::{Bind, Filter, date_text};
use crate::{Backend, Result, Store};

/// The count of a filter-only search (or on PostgreSQL of one word the index decides) as one
/// statement (`n`), or `None` when the filter is neither.
pub(super) fn filter_only(backend: Backend, filter: &ProjectFilter) -> Option<(String, Filter)> {
    if filter.from.is_some() || filter.to.is_some() || filter.batch_id.is_some() || unit_of(filter).is_some() {
        return None;
    }
    let word = match words_of(filter).as_slice() {
        [] => None,
        [word] if backend == Backend::Postgres && super::postgres::index_decides(word) => Some(word.to_string()),
        _ => return None,
    };
    let mut facets: Vec<(&str, String)> = Vec::new();
    // A tertiary subject as (secondary, tertiary).
    let mut tertiary = None;
    if let Some(s) = subject_of(filter) {
        match s.get(..2) {
            Some(_) if s.len() == 2 => facets.push(("c", s.to_string())),
            Some(secondary) => {
                facets.push(("s", format!("{secondary}:{s}")));
                tertiary = Some((secondary, s));
            }
            // Not cut at a character boundary: the rows decide.
            None => return None,
        }
    }
    if let Some(p) = province_of(filter) {
        facets.push(("p", p.to_string()));
    }
    facets.extend(filter.kind.map(|k| ("k", k.code().to_string())));
    facets.extend(filter.delivery.map(|d| ("d", d.code().to_string())));
    let mut f = Filter::default();
    let table = match word {
        Some(word) if facets.len() == 1 && tertiary.is_some() => {
            let (secondary, tertiary) = tertiary?;
            return Some(word_in_subject(&word, secondary, tertiary, filter));
        }
        // Otherwise the grams are counted per batch only, not per facet.
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
    of_batches(&mut f, "c", filter);
    let sql = format!("SELECT CAST(COALESCE(SUM(c.projects), 0) AS BIGINT) AS n FROM {table} c{}", f.where_sql());
    Some((sql, f))
}

/// The conditions on a batch's year, number and level, for the counts per batch under `alias`.
fn of_batches(f: &mut Filter, alias: &str, filter: &ProjectFilter) {
    if let Some(y) = filter.year {
        f.and(&format!("{alias}.year = ?"), [Bind::Int(i64::from(y))]);
    }
    if let Some(l) = filter.level {
        f.and(&format!("{alias}.level = ?"), [Bind::Text(l.code().into())]);
    }
    if let Some(b) = filter.batch {
        f.and(
            &format!("{alias}.batch_id IN (SELECT id FROM publication_batches WHERE batch = ?)"),
            [Bind::Int(i64::from(b))],
        );
    }
}

/// The count of one word the word index decides (one gram) within one tertiary subject, with a
/// year, batch or level or not, on PostgreSQL. Each of the subject's batches (from its counts per
/// batch, facet `s`) brings its row of `catalogue_subject_gram_counts` (migration 0027) where the
/// batch has one, that is where at least [`SUBJECT_GRAM_COUNT_FROM`] of the subject's projects hold
/// the gram: those are summed, and the other batches' entries of `projects_tertiary_text`, which
/// holds the batch, are checked with `LIKE`. 王建国 in 03-05 at 200,000 projects, 16,670 matches,
/// checked every entry of the subject (5-8 ms); here it is ten rows of counts.
fn word_in_subject(word: &str, secondary: &str, tertiary: &str, filter: &ProjectFilter) -> (String, Filter) {
    let mut f = Filter::default();
    let gram = f.placeholder(Bind::Text(word.into()));
    f.and("c.facet = 's'", []).and("c.value = ?", [Bind::Text(format!("{secondary}:{tertiary}"))]);
    of_batches(&mut f, "c", filter);
    let batches = format!(
        "SELECT c.batch_id, c.year, g.projects FROM catalogue_counts c LEFT JOIN catalogue_subject_gram_counts g \
         ON g.gram = {gram} AND g.subject = c.value AND g.batch_id = c.batch_id{}",
        f.take_where()
    );
    // The year leads the index after the subject, so only the years of the batches left are read.
    f.and("p.number IS NOT NULL", [])
        .and("p.subject_tertiary = ?", [Bind::Text(tertiary.into())])
        .and("p.subject_secondary = ?", [Bind::Text(secondary.into())])
        .and("p.year = ANY(ARRAY(SELECT year FROM batches WHERE projects IS NULL))", [])
        .and("p.batch_id = ANY(ARRAY(SELECT batch_id FROM batches WHERE projects IS NULL))", [])
        .contains(Backend::Postgres, &["p.search_text"], word);
    let checked = format!("SELECT COUNT(*) FROM projects p{}", f.take_where());
    let summed = "SELECT COALESCE(SUM(projects), 0) FROM batches";
    (format!("WITH batches AS ({batches}) SELECT CAST(({summed}) + ({checked}) AS BIGINT) AS n"), f)
}

/// How many of a batch's projects in one subject must hold a gram for
/// `catalogue_subject_gram_counts` to keep their number (migration 0027, which fills it with the
/// same): a project holds about 150 grams, so a batch keeps at most 1.5 rows per project. The
/// totals are exact whatever it is; it only decides which batches are summed and which checked.
const SUBJECT_GRAM_COUNT_FROM: i64 = 100;

/// The count of a search by dates alone (a first and/or a last day, nothing else; its order aside),
/// as one statement, or `None` for any other search. A project is in the range when it ends on or
/// after `from` and starts on or before `to`; so it is either one that starts within the range, or
/// one that starts before `from` and is still running then. The first are the whole months of the
/// range summed from the counts per month of first day (facet `m`), and the days before and after
/// them read from the date index; the second are a few days' entries of that index, from
/// `earliest_start` (the longest span on record before `from`, see `plan::search_plan`). "From
/// 2018-03-01" over 200,000 projects counted 36,652 index entries (4 ms on PostgreSQL, the most
/// costly count of the benchmark's searches after 王建国 in a subject).
pub(super) fn dates_only(filter: &ProjectFilter, earliest_start: Option<NaiveDate>) -> Option<(String, Filter)> {
    let others = !words_of(filter).is_empty()
        || filter.year.is_some()
        || filter.batch.is_some()
        || filter.batch_id.is_some()
        || subject_of(filter).is_some()
        || province_of(filter).is_some()
        || filter.level.is_some()
        || filter.kind.is_some()
        || filter.delivery.is_some()
        || unit_of(filter).is_some();
    if others || (filter.from.is_none() && filter.to.is_none()) {
        return None;
    }
    let (from, to) = (filter.from, filter.to);
    // The whole months of the range: from the month of `from` (the next one unless `from` is its
    // first day) to the month of `to` (the one before unless `to` is its last day).
    let first_month = from.map(|d| if d.day() == 1 { d } else { next_month(d) });
    let last_month_end =
        to.map(|d| if next_month(d).pred_opt() == Some(d) { d } else { month_start(d).pred_opt().unwrap_or(d) });
    let whole_months = match (first_month, last_month_end) {
        (Some(first), Some(end)) => first <= end,
        _ => true,
    };
    let mut f = Filter::default();
    let mut parts = Vec::new();
    // The projects starting within [from, before) or [from, to], from the date index.
    fn starting(f: &mut Filter, from: Option<NaiveDate>, before: Option<NaiveDate>, to: Option<NaiveDate>) -> String {
        f.and("p.number IS NOT NULL", []);
        if let Some(from) = from {
            f.and("p.first_day >= ?", [Bind::Text(date_text(from))]);
        }
        if let Some(before) = before {
            f.and("p.first_day < ?", [Bind::Text(date_text(before))]);
        }
        if let Some(to) = to {
            f.and("p.first_day <= ?", [Bind::Text(date_text(to))]);
        }
        format!("SELECT COUNT(*) AS n FROM projects p{}", f.take_where())
    }
    if whole_months {
        f.and("c.facet = 'm'", []);
        if let Some(first) = first_month {
            f.and("c.value >= ?", [Bind::Text(first.format("%Y-%m").to_string())]);
        }
        if let Some(end) = last_month_end {
            f.and("c.value <= ?", [Bind::Text(end.format("%Y-%m").to_string())]);
        }
        parts.push(format!("SELECT COALESCE(SUM(c.projects), 0) AS n FROM catalogue_counts c{}", f.take_where()));
        if let (Some(from), Some(first)) = (from, first_month)
            && from != first
        {
            parts.push(starting(&mut f, Some(from), Some(first), None));
        }
        if let (Some(end), Some(to)) = (last_month_end, to)
            && end != to
        {
            parts.push(starting(&mut f, end.succ_opt(), None, Some(to)));
        }
    } else {
        parts.push(starting(&mut f, from, None, to));
    }
    if let Some(from) = from {
        // Started before `from`, still running on it (and started by `to`).
        f.and("p.number IS NOT NULL", []).and("p.first_day < ?", [Bind::Text(date_text(from))]);
        f.and("p.last_day >= ?", [Bind::Text(date_text(from))]);
        if let Some(earliest) = earliest_start {
            f.and("p.first_day >= ?", [Bind::Text(date_text(earliest))]);
        }
        if let Some(to) = to {
            f.and("p.first_day <= ?", [Bind::Text(date_text(to))]);
        }
        parts.push(format!("SELECT COUNT(*) AS n FROM projects p{}", f.take_where()));
    }
    let sql = format!("SELECT CAST(SUM(n) AS BIGINT) AS n FROM ({}) parts", parts.join(" UNION ALL "));
    Some((sql, f))
}

fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// The first day of the month after `d`'s.
fn next_month(d: NaiveDate) -> NaiveDate {
    month_start(d).checked_add_months(chrono::Months::new(1)).unwrap_or(d)
}

/// What one group of the counts is: its facet and the value expression over `projects`.
const FACETS: [(&str, &str); 7] = [
    ("", "''"),
    ("c", "subject_secondary"),
    ("s", "subject_secondary || ':' || subject_tertiary"),
    ("p", "province_code"),
    ("k", "kind"),
    ("d", "delivery"),
    // The month of the first day ('2018-03'), for searches by dates alone ([`dates_only`]).
    ("m", "substr(first_day, 1, 7)"),
];

/// Writes the counts of a batch again from its numbered projects, in the transaction that changed
/// them. Two transactions refreshing the same batch take turns (the second deletes what the first
/// wrote, rather than both inserting the same keys).
pub(crate) async fn refresh(store: &Store, tx: &mut sqlx::Transaction<'_, sqlx::Any>, batch_id: i64) -> Result<()> {
    store.serialise(tx, &format!("catalogue_counts:{batch_id}")).await?;
    sqlx::query("DELETE FROM catalogue_counts WHERE batch_id = $1").bind(batch_id).execute(&mut **tx).await?;
    sqlx::query(&insert_counts("WHERE batch_id = $1 AND number IS NOT NULL")).bind(batch_id).execute(&mut **tx).await?;
    if store.backend == Backend::Postgres {
        for table in ["catalogue_gram_counts", "catalogue_subject_gram_counts"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE batch_id = $1")).bind(batch_id).execute(&mut **tx).await?;
        }
        // Each project's grams once (catalogue_grams keeps repeats), counted per batch and subject,
        // then summed per batch: the grams are cut once for both tables.
        sqlx::query(&format!(
            "WITH by_subject AS MATERIALIZED (
                 SELECT g, year, level, subject_secondary || ':' || subject_tertiary AS subject, COUNT(*) AS projects
                 FROM projects p CROSS JOIN LATERAL (SELECT DISTINCT unnest(catalogue_grams(p.search_text)) AS g) grams
                 WHERE batch_id = $1 AND number IS NOT NULL
                 GROUP BY g, year, level, subject_secondary, subject_tertiary),
             per_batch AS (
                 INSERT INTO catalogue_gram_counts (gram, year, level, batch_id, projects)
                 SELECT g, year, level, $1, SUM(projects) FROM by_subject GROUP BY g, year, level)
             INSERT INTO catalogue_subject_gram_counts (gram, subject, batch_id, year, level, projects)
             SELECT g, subject, $1, year, level, projects FROM by_subject WHERE projects >= {SUBJECT_GRAM_COUNT_FROM}"
        ))
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
