//! The public catalogue (项目目录): anyone's search of the published projects, at 200,000 of them.
//!
//! A search counts its matches exactly (a filter alone from counts per batch, [`counts`]; anything
//! else through a word index) and reads one page of them ([`Store::projects`]),
//! or lists them all for a download ([`Store::project_list`]). How each query reaches its rows is
//! planned in `plan`; the word index, the one part that differs by backend, answers the same set of
//! questions on both (`word_index`, over `sqlite` and `postgres`); the grams it indexes are cut
//! in [`grams`]. The queries here are written once, for both backends.

use chrono::NaiveDate;
use jijiao_domain::org::{Delivery, Level};
use jijiao_domain::publication::ProjectKind;
use sqlx::Row;

use crate::projects::{BatchId, Project, project_columns, project_from_row};
use crate::sql::{Bind, Filter};
use crate::{Backend, Page, PageRequest, Result, Store};
use plan::{Access, catalogue_sql, order_by};

pub(crate) mod counts;
pub mod grams;
mod plan;
mod postgres;
mod sqlite;
pub(crate) mod word_index;

/// How the catalogue orders its results.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProjectSort {
    /// By number (year, subject, serial).
    #[default]
    Number,
    /// Soonest first day first.
    Date,
    /// Newest year first.
    Newest,
}

/// The catalogue's filters; every field narrows. Only numbered (published) projects unless
/// `batch_id` is given (a batch's own page shows its unnumbered drafts too).
#[derive(Clone, Debug, Default)]
pub struct ProjectFilter {
    /// Words of the name, unit, leader or number; every word must match.
    pub q: Option<String>,
    pub year: Option<jijiao_domain::Year>,
    pub batch: Option<u16>,
    pub batch_id: Option<BatchId>,
    /// `SS` or `SS-TT`.
    pub subject: Option<String>,
    pub province_code: Option<String>,
    pub level: Option<Level>,
    pub kind: Option<ProjectKind>,
    pub delivery: Option<Delivery>,
    /// Projects held (at least partly) on or after this day…
    pub from: Option<NaiveDate>,
    /// …and on or before this one.
    pub to: Option<NaiveDate>,
    pub unit_name: Option<String>,
    pub sort: ProjectSort,
}

/// The most matches whose ids the count brings, so that their page is read by id and sorted; more
/// are read along the index of the page's order, where they are dense enough to fill a page soon.
pub const PAGE_BY_IDS_UP_TO: i64 = 1_000;

/// How a page's rows are chosen once the matches are counted.
enum PageBy {
    /// Among these ids (text of comma-separated numbers), sorted.
    Ids(String),
    /// Through the catalogue's query read this way.
    Query(Access),
}

impl Store {
    /// The catalogue: a page of projects matching the filter, and their exact number.
    ///
    /// A filter-only search, or one by dates alone, is counted from the counts per batch
    /// ([`counts`]; for dates, with the days around whole months read from the date index). Any
    /// other is counted through the word index, and the count brings the ids it found: up to
    /// [`PAGE_BY_IDS_UP_TO`] matches are then read by id and sorted, without searching a second
    /// time; beyond that, the count goes on to the end without ids, and the page is read along
    /// the index of its order, where matches that many are dense.
    pub async fn projects(&self, filter: &ProjectFilter, page: PageRequest) -> Result<Page<Project>> {
        // One connection for the whole search (its plan, count and page), not one per statement:
        // under load each statement otherwise queued for a connection again, so a search's time
        // grew with its number of statements (2 to 4) rather than with its work. At 32 users a
        // search of a long word waited three times where a filter waited twice (BENCHMARKS.md,
        // issue 6, fourth session).
        let mut conn = self.pool.acquire().await?;
        let plan = plan::search_plan(self.backend, &mut conn, filter).await?;
        let counted =
            counts::filter_only(self.backend, filter).or_else(|| counts::dates_only(filter, plan.earliest_start));
        let (total, by) = if let Some((sql, f)) = counted {
            let total: i64 = f.query_scalar(&sql).fetch_one(&mut *conn).await?;
            let by = if total > PAGE_BY_IDS_UP_TO {
                PageBy::Query(in_order_access(filter))
            } else {
                PageBy::Query(Access::Narrow)
            };
            (total, by)
        } else {
            let (matches, f) = match word_index::count_in_index(self.backend, filter, &plan.word_queries) {
                // The index alone answers: no row is read to count.
                Some(in_index) => in_index,
                None => {
                    let (from, f) = catalogue_sql(filter, &plan, Access::Narrow);
                    (format!("p.id FROM {from}"), f)
                }
            };
            // Where the index cannot count alone (PostgreSQL), the count goes to the end at once and
            // brings the ids only if there are few: one pass over the matches instead of one up to
            // 1,001 and a second over all of them (BENCHMARKS.md, issue 19, ninth session).
            let one_pass = word_index::counts_in_one_pass(self.backend);
            let ids = word_index::ids_found(self.backend);
            let (ids, limit) = if one_pass {
                (format!("CASE WHEN COUNT(*) <= {PAGE_BY_IDS_UP_TO} THEN {ids} END"), String::new())
            } else {
                (ids.to_string(), format!(" LIMIT {}", PAGE_BY_IDS_UP_TO + 1))
            };
            let found = f
                .query(&format!(
                    "SELECT CAST(COUNT(*) AS BIGINT) AS n, {ids} AS ids FROM (SELECT {matches}{}{limit}) found",
                    f.where_sql(),
                ))
                .fetch_one(&mut *conn)
                .await?;
            let counted: i64 = found.try_get("n")?;
            if counted <= PAGE_BY_IDS_UP_TO {
                (counted, PageBy::Ids(found.try_get::<Option<String>, _>("ids")?.unwrap_or_default()))
            } else if one_pass {
                (counted, PageBy::Query(in_order_access(filter)))
            } else {
                let sql = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT {matches}{}) found", f.where_sql());
                let total: i64 = f.query_scalar(&sql).fetch_one(&mut *conn).await?;
                (total, PageBy::Query(in_order_access(filter)))
            }
        };
        let mut items = Vec::new();
        if page.offset() < total {
            let (from, f) = match by {
                PageBy::Query(access) => catalogue_sql(filter, &plan, access),
                PageBy::Ids(ids) => ("projects p".to_string(), among(self.backend, ids)),
            };
            // The page's ids are chosen first and its rows read after, in two statements: sorting
            // the matches then carries their order's columns only, not every column of every
            // match; and the rows' statement is the same text for every page, which PostgreSQL
            // plans once per connection, where the page's own conditions are planned afresh.
            let (n, order) = (f.next_placeholder(), order_by(filter.sort));
            let sql = format!("SELECT p.id FROM {from}{} ORDER BY {order} LIMIT ${n} OFFSET ${}", f.where_sql(), n + 1);
            let ids: Vec<i64> =
                f.query_scalar(&sql).bind(page.limit()).bind(page.offset()).fetch_all(&mut *conn).await?;
            if !ids.is_empty() {
                let f = among(self.backend, ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
                let sql = format!(
                    "SELECT {} FROM projects p{} ORDER BY {order}",
                    project_columns(self.backend),
                    f.where_sql()
                );
                let rows = f.query(&sql).fetch_all(&mut *conn).await?;
                items = rows.iter().map(project_from_row).collect::<Result<Vec<_>>>()?;
            }
        }
        Ok(Page { items, total, page: page.page, per_page: page.per_page })
    }

    /// Every project matching the filter, in order, at most `limit` (downloads and batch exports).
    pub async fn project_list(&self, filter: &ProjectFilter, limit: i64) -> Result<Vec<Project>> {
        let mut conn = self.pool.acquire().await?;
        let plan = plan::search_plan(self.backend, &mut conn, filter).await?;
        let (from, f) = catalogue_sql(filter, &plan, Access::Narrow);
        let n = f.next_placeholder();
        let sql = format!(
            "SELECT {} FROM {from}{} ORDER BY {} LIMIT ${n}",
            project_columns(self.backend),
            f.where_sql(),
            order_by(filter.sort)
        );
        let rows = f.query(&sql).bind(limit).fetch_all(&mut *conn).await?;
        rows.iter().map(project_from_row).collect()
    }
}

/// The condition that a project is among `ids` (comma-separated numbers).
fn among(backend: Backend, ids: String) -> Filter {
    let mut f = Filter::default();
    f.and(word_index::among_ids(backend), [Bind::Text(ids)]);
    f
}

/// How a page of many matches is read: along the index of its order. Walking in order is only
/// quick when matches are spread along the order; a date range gathers them in one stretch of
/// years, which its own index reaches directly.
fn in_order_access(filter: &ProjectFilter) -> Access {
    let dated = filter.from.is_some() || filter.to.is_some();
    if !dated || filter.sort == ProjectSort::Date { Access::InOrder } else { Access::Narrow }
}
