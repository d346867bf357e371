//! CPU-bound work (spreadsheets read and written, PDFs laid out, argon2) moved off the async
//! workers, so one large export does not stall every other request on its worker.

use crate::AppError;

/// Runs `job` on the blocking pool, inside the caller's tracing span, and waits for it.
pub async fn run<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(job)).await.map_err(|e| AppError::Internal(e.to_string()))
}
