//! The one error of the operations: what went wrong in terms a caller can act on (not found, not
//! allowed, which input, what conflicts), with Chinese messages. The web crate maps each kind to a
//! status code; the command line prints the message.

use jijiao_domain::document::DocumentError;
use jijiao_storage::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Out of the acting account's sight, or absent: the two read alike, so nothing is revealed.
    #[error("未找到")]
    NotFound,
    /// Visible, but beyond the acting account's powers.
    #[error("没有权限执行此操作")]
    Forbidden,
    /// One input is wrong; `field` names it when it is known.
    #[error("{message}")]
    InvalidInput { field: Option<String>, message: String },
    /// A document or file with one or more problems (all are reported).
    #[error("{}", .0.first().map(|e| e.to_string()).unwrap_or_default())]
    InvalidDocument(Vec<DocumentError>),
    /// Something the backend cannot do (the store's `Unsupported`).
    #[error("{0}")]
    Unsupported(String),
    /// The records' state does not allow it (a duplicate, a step out of turn, data missing).
    #[error("{0}")]
    Conflict(String),
    /// Try again later (the database is busy).
    #[error("{0}")]
    Unavailable(String),
    /// A fault of the system; the detail is for the log, never for the user.
    #[error("服务器内部错误，请稍后再试")]
    Internal(String),
}

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::InvalidInput { field: Some(field.into()), message: message.into() }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::Invalid(m) => AppError::InvalidInput { field: None, message: m },
            StoreError::Unsupported(m) => AppError::Unsupported(m),
            StoreError::Busy => AppError::Unavailable(StoreError::Busy.to_string()),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<DocumentError> for AppError {
    fn from(e: DocumentError) -> Self {
        AppError::InvalidInput { field: (!e.path.is_empty()).then_some(e.path), message: e.message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_keep_their_kind_and_hide_internal_detail() {
        assert!(matches!(AppError::from(StoreError::NotFound), AppError::NotFound));
        assert!(matches!(AppError::from(StoreError::Conflict("重复".into())), AppError::Conflict(m) if m == "重复"));
        assert!(matches!(
            AppError::from(StoreError::Invalid("无效".into())),
            AppError::InvalidInput { field: None, message } if message == "无效"
        ));
        assert!(matches!(AppError::from(StoreError::Busy), AppError::Unavailable(_)));
        assert!(!AppError::Internal("secret detail".into()).to_string().contains("secret"));
        let located = AppError::from(DocumentError { path: "periods[1].start".into(), message: "日期无效".into() });
        assert!(matches!(located, AppError::InvalidInput { field: Some(f), .. } if f == "periods[1].start"));
    }
}
