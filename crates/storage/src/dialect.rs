//! Where SQLite and PostgreSQL differ, one function per difference, so that the queries using them
//! read the same on both backends.
//!
//! Here: transactions and locks, JSON aggregation and backups. Elsewhere, each in one module of its
//! own: placeholders ([`crate::sql`]), the migration folders ([`crate::migrations`]), connection
//! settings ([`crate::Store::connect`]) and the catalogue's word index ([`crate::catalogue`]).

/// Which database the store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The statement that opens a write transaction. SQLite takes the write lock at once
    /// (`BEGIN IMMEDIATE`, see [`crate::Store::begin_write`] for why); PostgreSQL locks rows as it
    /// writes them.
    pub(crate) fn begin_write(self) -> &'static str {
        match self {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        }
    }

    /// What ends a `SELECT … ORDER BY id` that locks the rows of `table` (its name or alias in the
    /// query) it reads, in that order, until the transaction ends: on PostgreSQL `FOR NO KEY UPDATE`,
    /// the lock an UPDATE of non-key columns takes (so an insert referring to a locked row, such as a
    /// reversal of a record, is not held up); nothing on SQLite, where a write transaction holds the
    /// database's one write lock from its start ([`Self::begin_write`]).
    pub(crate) fn lock_rows(self, table: &str) -> String {
        match self {
            Backend::Sqlite => String::new(),
            Backend::Postgres => format!(" FOR NO KEY UPDATE OF {table}"),
        }
    }

    /// A statement that makes the write transactions deciding by a count over `$1` (a key) wait for
    /// each other, or `None` where the transaction already does: on SQLite it holds the database's
    /// one write lock ([`Self::begin_write`]); on PostgreSQL it takes a transaction-scoped advisory
    /// lock, as two transactions could count the same rows under READ COMMITTED.
    pub(crate) fn serialise(self) -> Option<&'static str> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => {
                Some("SELECT CAST(1 AS BIGINT) FROM (SELECT pg_advisory_xact_lock(hashtext($1))) AS locked")
            }
        }
    }

    /// What follows `LIKE ?` for the backslash to escape `%` and `_` (as [`crate::sql::Filter::contains`]
    /// writes them): SQLite has no escape character unless told; PostgreSQL's is the backslash
    /// already, and saying so made a prepared statement's generic plan call `like_escape()` on the
    /// pattern for every row it checked (王建国 in a tertiary subject: 16,670 rows, 8 % of the count).
    pub(crate) fn like_escape(self) -> &'static str {
        match self {
            Backend::Sqlite => " ESCAPE '\\'",
            Backend::Postgres => "",
        }
    }

    /// The statements that take and release the lock a server holds while it migrates the database
    /// and loads its reference data at start, on one connection, or `None` where the database
    /// does it already (SQLite: one process serves a file, and each migration and the reference
    /// data are written under its one write lock). On PostgreSQL a session-level advisory lock on a
    /// key of its own (sqlx takes another around the migrations alone, which leaves the reference
    /// data to two servers at once).
    pub(crate) fn start_lock(self) -> Option<(&'static str, &'static str)> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some((
                "SELECT CAST(1 AS BIGINT) FROM (SELECT pg_advisory_lock(hashtext('jijiao.start'))) AS locked",
                "SELECT CAST(1 AS BIGINT) FROM (SELECT pg_advisory_unlock(hashtext('jijiao.start'))) AS unlocked",
            )),
        }
    }

    /// An aggregate giving the rows of a group as one JSON text: an array holding, per row, the array
    /// of `fields` (comma-separated SQL expressions), ordered by `order` if given. NULL for no rows.
    pub(crate) fn json_rows(self, fields: &str, order: Option<&str>) -> String {
        let order = order.map(|o| format!(" ORDER BY {o}")).unwrap_or_default();
        match self {
            Backend::Sqlite => format!("json_group_array(json_array({fields}){order})"),
            Backend::Postgres => format!("CAST(json_agg(json_build_array({fields}){order}) AS TEXT)"),
        }
    }

    /// The statement that copies the live database to the file `$1`, consistently and while it
    /// serves; `None` on PostgreSQL, whose own tool (`pg_dump`) does it.
    pub(crate) fn backup(self) -> Option<&'static str> {
        match self {
            Backend::Sqlite => Some("VACUUM INTO $1"),
            Backend::Postgres => None,
        }
    }
}
