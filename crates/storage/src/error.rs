//! Storage errors, small and matchable: callers map them to HTTP statuses and CLI exits.

/// What went wrong in storage. Messages are Chinese where users may see them.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("记录不存在")]
    NotFound,
    /// A unique constraint refused the write (a duplicate ID number, name, …).
    #[error("记录已存在：{0}")]
    Conflict(String),
    /// The data breaks a rule the database enforces (a foreign key, a check).
    #[error("数据不符合要求：{0}")]
    Invalid(String),
    #[error("不支持的数据库地址“{0}”：应以 sqlite:// 或 postgres:// 开头")]
    UnsupportedScheme(String),
    #[error("{0}")]
    Unsupported(String),
    /// The pool had no free connection in time: the database is overloaded, try again.
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

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::PoolTimedOut => StoreError::Busy,
            sqlx::Error::Database(db) => {
                if db.is_unique_violation() {
                    StoreError::Conflict(db.message().to_string())
                } else if db.is_foreign_key_violation() || db.is_check_violation() {
                    StoreError::Invalid(db.message().to_string())
                } else {
                    StoreError::Database(error)
                }
            }
            _ => StoreError::Database(error),
        }
    }
}
