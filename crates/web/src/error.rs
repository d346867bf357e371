//! One JSON error shape for the whole API: a stable `code`, a Chinese `message`, and where the
//! problem is (`field`) when the input was at fault. Internal details are logged, never sent. The
//! operations' [`AppError`] maps onto it kind for kind.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jijiao_app::AppError;
use jijiao_domain::Year;
use jijiao_domain::document::DocumentError;
use jijiao_domain::year::YearParseError;
use jijiao_storage::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every API error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable, machine-readable: `not_found`, `invalid_input`, `conflict`, …
    pub code: &'static str,
    /// For people, in Chinese.
    pub message: String,
    /// The field path at fault (`periods[1].start`), for invalid input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every problem of an invalid document, when there are several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One problem of an invalid document: the field path, or for a spreadsheet the row and column too.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    /// The spreadsheet row (as Excel numbers it), for an import.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
    /// The spreadsheet column's header, for an import.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub message: String,
}

impl FieldError {
    /// Imports name a cell as `第4行“姓名”` (the path the spreadsheet readers give): the row and the
    /// column are read back out of it, as formats.md's `{ "row", "column", "message" }`.
    fn of(path: &str, message: &str) -> Self {
        let cell = path.strip_prefix('第').and_then(|rest| {
            let (row, rest) = rest.split_once('行')?;
            let column = rest.strip_prefix('“').and_then(|c| c.strip_suffix('”')).filter(|c| !c.is_empty());
            Some((row.parse::<u32>().ok()?, column.map(str::to_string)))
        });
        FieldError {
            field: path.to_string(),
            row: cell.as_ref().map(|(row, _)| *row),
            column: cell.and_then(|(_, column)| column),
            message: message.to_string(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("未找到")]
    NotFound,
    #[error("{message}")]
    InvalidInput { field: Option<String>, message: String },
    /// A document with one or more problems (all are reported).
    #[error("{}", .0.first().map(|e| e.to_string()).unwrap_or_default())]
    InvalidDocument(Vec<DocumentError>),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(String),
    /// A body over its limit (413).
    #[error("{0}")]
    TooLarge(String),
    /// A body of a content type the route does not read (415).
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("请先登录")]
    Unauthorized,
    #[error("没有权限执行此操作")]
    Forbidden,
    #[error("{0}")]
    Unavailable(String),
    #[error("服务器内部错误，请稍后再试")]
    Internal(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::InvalidInput { .. } | ApiError::InvalidDocument(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::NotFound => "not_found",
            ApiError::InvalidInput { .. } | ApiError::InvalidDocument(_) => "invalid_input",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Conflict(_) => "conflict",
            ApiError::TooLarge(_) => "too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden => "forbidden",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn body(&self) -> ErrorBody {
        let (field, errors) = match self {
            ApiError::InvalidInput { field, .. } => (field.clone(), Vec::new()),
            ApiError::InvalidDocument(all) => (
                all.first().map(|e| e.path.clone()).filter(|p| !p.is_empty()),
                all.iter().map(|e| FieldError::of(&e.path, &e.message)).collect(),
            ),
            _ => (None, Vec::new()),
        };
        ErrorBody { code: self.code(), message: self.to_string(), field, errors }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::InvalidInput { field: Some(field.into()), message: message.into() }
    }
}

/// A year typed into a form: `not_a_number` is the form's own wording for text that is no number;
/// a number outside 1900..=2200 says so. Both name `field`.
pub fn form_year(field: &str, text: &str, not_a_number: impl FnOnce() -> String) -> Result<Year, ApiError> {
    text.parse::<Year>().map_err(|e| match e {
        YearParseError::NotANumber => ApiError::invalid(field, not_a_number()),
        e @ YearParseError::OutOfRange(_) => ApiError::invalid(field, e.to_string()),
    })
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        (self.status(), Json(self.body())).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Conflict(m) => ApiError::Conflict(m),
            StoreError::Invalid(m) => ApiError::InvalidInput { field: None, message: m },
            StoreError::Unsupported(m) => ApiError::BadRequest(m),
            StoreError::Busy => ApiError::Unavailable(StoreError::Busy.to_string()),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// Kind for kind: the status codes and messages the API answered before the operations moved out.
impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => ApiError::NotFound,
            AppError::Forbidden => ApiError::Forbidden,
            AppError::InvalidInput { field, message } => ApiError::InvalidInput { field, message },
            AppError::InvalidDocument(all) => ApiError::InvalidDocument(all),
            AppError::Unsupported(m) => ApiError::BadRequest(m),
            AppError::Conflict(m) => ApiError::Conflict(m),
            AppError::Unavailable(m) => ApiError::Unavailable(m),
            AppError::Internal(detail) => ApiError::Internal(detail),
        }
    }
}

impl From<DocumentError> for ApiError {
    fn from(e: DocumentError) -> Self {
        ApiError::InvalidInput { field: (!e.path.is_empty()).then_some(e.path), message: e.message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_codes_are_stable() {
        let cases = [
            (ApiError::NotFound, 404, "not_found"),
            (ApiError::invalid("year", "x"), 422, "invalid_input"),
            (ApiError::BadRequest("x".into()), 400, "bad_request"),
            (ApiError::Conflict("x".into()), 409, "conflict"),
            (ApiError::TooLarge("x".into()), 413, "too_large"),
            (ApiError::UnsupportedMediaType("x".into()), 415, "unsupported_media_type"),
            (ApiError::Unauthorized, 401, "unauthorized"),
            (ApiError::Forbidden, 403, "forbidden"),
            (ApiError::Unavailable("x".into()), 503, "unavailable"),
            (ApiError::Internal("secret detail".into()), 500, "internal"),
        ];
        for (error, status, code) in cases {
            assert_eq!((error.status().as_u16(), error.code()), (status, code));
        }
        assert!(!ApiError::Internal("secret detail".into()).body().message.contains("secret"));
        assert_eq!(ApiError::from(StoreError::NotFound).status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn operation_errors_keep_their_status_code_and_message() {
        let cases = [
            (AppError::NotFound, 404, "未找到"),
            (AppError::Forbidden, 403, "没有权限执行此操作"),
            (AppError::invalid("year", "年度无效"), 422, "年度无效"),
            (
                AppError::InvalidDocument(vec![DocumentError {
                    path: "第2行“姓名”".into(),
                    message: "不能为空".into(),
                }]),
                422,
                "第2行“姓名”: 不能为空",
            ),
            (AppError::Unsupported("不支持".into()), 400, "不支持"),
            (AppError::Conflict("已存在".into()), 409, "已存在"),
            (AppError::Unavailable("数据库繁忙".into()), 503, "数据库繁忙"),
            (AppError::Internal("secret detail".into()), 500, "服务器内部错误，请稍后再试"),
        ];
        for (error, status, message) in cases {
            let api = ApiError::from(error);
            assert_eq!((api.status().as_u16(), api.body().message.as_str()), (status, message));
        }
        let located = ApiError::from(AppError::invalid("year", "年度无效")).body();
        assert_eq!(located.field.as_deref(), Some("year"));
    }

    #[test]
    fn an_import_error_names_its_row_and_column() {
        let cell = FieldError::of("第14行“身份证号”", "校验码错误");
        assert_eq!((cell.row, cell.column.as_deref()), (Some(14), Some("身份证号")));
        let header = FieldError::of("第1行", "表头缺少“姓名”列");
        assert_eq!((header.row, header.column), (Some(1), None));
        let field = FieldError::of("survey.q1", "超过");
        assert_eq!((field.row, field.column), (None, None));
    }
}
