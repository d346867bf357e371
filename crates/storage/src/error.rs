//! Storage errors, small and matchable: callers map them to HTTP statuses and CLI exits.

/// What went wrong in storage. Messages are Chinese where users may see them.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("记录不存在")]
    NotFound,
    /// A unique constraint refused the write (a duplicate ID number, name, …), or the record changed
    /// under the caller. The message is Chinese and says what is duplicated
    /// (`crate::constraints`), never the database's own text.
    #[error("记录已存在：{0}")]
    Conflict(String),
    /// The data breaks a rule: one checked here, or one the database enforces (a foreign key, a
    /// check), whose message is then a generic Chinese one.
    #[error("数据不符合要求：{0}")]
    Invalid(String),
    /// A stored value this program cannot read (a year beyond any year, an unknown code, a date that
    /// is no date): a corrupt row, or one written by a newer version. Never read as a zero or a
    /// default; `column` is `table.column`.
    #[error("数据库中 {column} 的值“{value}”无法识别")]
    Corrupt { column: &'static str, value: String },
    #[error("不支持的数据库地址“{0}”：应以 sqlite:// 或 postgres:// 开头")]
    UnsupportedScheme(String),
    #[error("{0}")]
    Unsupported(String),
    /// The pool had no free connection in time, or a write transaction kept colliding with others
    /// (PostgreSQL ended it as a deadlock or a serialisation failure every time it was tried,
    /// `Store::write`): the database is overloaded, try again.
    #[error("数据库繁忙，请稍后再试")]
    Busy,
    #[error("个人信息解密失败：密钥与数据不匹配")]
    Decrypt,
    #[error("数据库错误：{0}")]
    Database(sqlx::Error),
    #[error("数据库迁移失败：{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("文件错误：{0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    /// A PostgreSQL transaction ended by the server because it collided with another: a deadlock
    /// (SQLSTATE 40P01) or a serialisation failure (40001). Running it again can succeed
    /// ([`crate::Store::write`] does).
    pub(crate) fn is_lock_conflict(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(db)) => {
                matches!(db.code().as_deref(), Some("40P01" | "40001"))
            }
            _ => false,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::PoolTimedOut => StoreError::Busy,
            sqlx::Error::Database(db) => {
                crate::constraints::refusal(db.as_ref()).unwrap_or(StoreError::Database(error))
            }
            _ => StoreError::Database(error),
        }
    }
}
