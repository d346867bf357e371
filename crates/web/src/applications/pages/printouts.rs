//! The printouts of an application (the 申报书 and the commitment) as PDF downloads.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jijiao_app::applications::print::{self, Printout};

use crate::AppState;
use crate::auth::{PageUser, Principal};
use crate::pages::PageError;

pub(super) async fn form_pdf(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    pdf_download(&state, &p, id, Printout::Form).await
}

pub(super) async fn commitment_pdf(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    pdf_download(&state, &p, id, Printout::Commitment).await
}

/// The printout as an attachment; a character the font lacks is the 422 page naming it.
pub(super) async fn pdf_download(
    state: &AppState,
    p: &Principal,
    id: i64,
    which: Printout,
) -> Result<Response, PageError> {
    let file = print::printout(state, p, id, which).await?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, crate::downloads::content_disposition(&file)),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        file.bytes,
    )
        .into_response())
}
