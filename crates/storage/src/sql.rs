//! A small builder for filtered lists: portable `$N` placeholders on both backends.
//!
//! sqlx's `QueryBuilder` would pick placeholders per database type, which the `Any` driver does
//! not know until run time, so filters are assembled here with explicit numbering.

use sqlx::any::AnyArguments;
use sqlx::query::{Query, QueryAs, QueryScalar};
use sqlx::{Any, Arguments};

use crate::Backend;

#[derive(Clone, Debug)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
}

#[derive(Default, Debug)]
pub(crate) struct Filter {
    clauses: Vec<String>,
    binds: Vec<Bind>,
}

impl Filter {
    /// Adds a condition; each `?` in `clause` becomes the next `$N` and takes the next value.
    pub fn and(&mut self, clause: &str, values: impl IntoIterator<Item = Bind>) -> &mut Self {
        let mut sql = String::new();
        let mut values = values.into_iter();
        for part in clause.split_inclusive('?') {
            if let Some(text) = part.strip_suffix('?') {
                sql.push_str(text);
                self.binds.push(values.next().expect("a value for every placeholder"));
                sql.push_str(&format!("${}", self.binds.len()));
            } else {
                sql.push_str(part);
            }
        }
        self.clauses.push(sql);
        self
    }

    /// Binds a value used outside the conditions (in a join's `ON`), returning its placeholder.
    pub fn placeholder(&mut self, value: Bind) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }

    /// Adds a `LIKE` search for a word anywhere in any of `columns`, `%` and `_` in it taken
    /// literally ([`Backend::like_escape`]).
    pub fn contains(&mut self, backend: Backend, columns: &[&str], word: &str) -> &mut Self {
        let pattern = format!("%{}%", escape_like(word));
        let escape = backend.like_escape();
        let clause = columns.iter().map(|c| format!("{c} LIKE ?{escape}")).collect::<Vec<_>>().join(" OR ");
        self.and(&format!("({clause})"), columns.iter().map(|_| Bind::Text(pattern.clone())))
    }

    pub fn where_sql(&self) -> String {
        if self.clauses.is_empty() { String::new() } else { format!(" WHERE {}", self.clauses.join(" AND ")) }
    }

    /// The conditions so far as a `WHERE` clause, leaving the values bound: the next conditions
    /// make the next clause of a statement that binds all of them (its parts numbered in turn).
    pub fn take_where(&mut self) -> String {
        let sql = self.where_sql();
        self.clauses.clear();
        sql
    }

    /// The next placeholder number, for LIMIT/OFFSET after the filter.
    pub fn next_placeholder(&self) -> usize {
        self.binds.len() + 1
    }

    pub fn arguments(&self) -> AnyArguments<'static> {
        let mut args = AnyArguments::default();
        for b in &self.binds {
            match b {
                Bind::Text(t) => args.add(t.clone()).expect("text binds"),
                Bind::Int(i) => args.add(*i).expect("integer binds"),
            }
        }
        args
    }

    pub fn query<'q>(&self, sql: &'q str) -> Query<'q, Any, AnyArguments<'q>> {
        sqlx::query_with(sql, self.arguments())
    }

    pub fn query_scalar<'q, T>(&self, sql: &'q str) -> QueryScalar<'q, Any, T, AnyArguments<'q>>
    where
        (T,): for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        sqlx::query_scalar_with(sql, self.arguments())
    }

    #[allow(dead_code)]
    pub fn query_as<'q, T>(&self, sql: &'q str) -> QueryAs<'q, Any, T, AnyArguments<'q>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        sqlx::query_as_with(sql, self.arguments())
    }
}

/// Adds one value to an argument list. Encoding an owned text, integer or option for the `Any` driver
/// cannot fail, hence the `expect`.
pub(crate) fn add<'q, T>(args: &mut AnyArguments<'q>, value: T)
where
    T: 'q + sqlx::Encode<'q, Any> + sqlx::Type<Any>,
{
    args.add(value).expect("a text, integer or option binds");
}

/// The placeholders of a statement with many values, the `n`th (from 1) first: `?` on SQLite,
/// `$N` on PostgreSQL. SQLite finds the number of a `$N` by walking the list of every name in the
/// statement, so binding the thousands of values of a multi-row INSERT through `$N` takes
/// quadratic time (it was 70% of a 20,000-row import); plain `?` are numbered by position.
/// Only for statements whose placeholders are all made here, as `?` and `$N` do not mix.
pub(crate) fn placeholders(backend: Backend, first: usize, count: usize) -> Vec<String> {
    match backend {
        Backend::Sqlite => vec!["?".to_string(); count],
        Backend::Postgres => (first..first + count).map(|n| format!("${n}")).collect(),
    }
}

/// `(…), (…)` for `rows` rows of `columns` values each (see [`placeholders`]).
/// Written straight into one string: an import builds one per 200 rows of 26 values.
pub(crate) fn value_rows(backend: Backend, rows: usize, columns: usize) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(rows * columns * 6);
    for row in 0..rows {
        out.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns {
            if column > 0 {
                out.push_str(", ");
            }
            match backend {
                Backend::Sqlite => out.push('?'),
                Backend::Postgres => {
                    let _ = write!(out, "${}", row * columns + column + 1);
                }
            }
        }
        out.push(')');
    }
    out
}

fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A date as stored: `YYYY-MM-DD` text on both backends (read back by [`crate::decode::date`]).
pub(crate) fn date_text(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(crate) fn flag(value: bool) -> i64 {
    i64::from(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut f = Filter::default();
        f.and("kind = ?", [Bind::Text("unit".into())]).contains(Backend::Sqlite, &["name", "code"], "50%");
        assert_eq!(f.where_sql(), " WHERE kind = $1 AND (name LIKE $2 ESCAPE '\\' OR code LIKE $3 ESCAPE '\\')");
        assert_eq!(f.next_placeholder(), 4);
        assert_eq!(escape_like("a_b%"), "a\\_b\\%");
        assert_eq!(value_rows(Backend::Postgres, 2, 3), "($1, $2, $3), ($4, $5, $6)");
    }

    #[test]
    fn many_values_are_positional_on_sqlite() {
        assert_eq!(value_rows(Backend::Sqlite, 2, 2), "(?, ?), (?, ?)");
        assert_eq!(value_rows(Backend::Postgres, 2, 2), "($1, $2), ($3, $4)");
        assert_eq!(placeholders(Backend::Postgres, 3, 2), ["$3", "$4"]);
    }
}
