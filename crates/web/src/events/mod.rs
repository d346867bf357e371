//! Holding a project over HTTP (issue 15): the workflow API of formats.md (filing, events,
//! inspections, tasks) and the pages (the filing form beside the published facts, the events list
//! and month calendar, the inspection on a phone, the unit's own record, the files in scope); and
//! the QR sign-in of learners (issue 16, [`sign_in`]).

pub mod api;
pub mod pages;
pub mod sign_in;

use axum::extract::Multipart;

use crate::ApiError;

/// A multipart form read whole: its text fields and its files (a file input left empty is skipped).
#[derive(Default)]
pub(crate) struct Form {
    pub texts: Vec<(String, String)>,
    pub files: Vec<(String, Vec<u8>)>,
}

impl Form {
    pub fn text(&self, name: &str) -> Option<&str> {
        self.texts.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.texts.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str()).collect()
    }

    pub fn files(&self, name: &str) -> Vec<Vec<u8>> {
        self.files.iter().filter(|(n, _)| n == name).map(|(_, b)| b.clone()).collect()
    }
}

pub(crate) async fn read_form(mut multipart: Multipart) -> Result<Form, ApiError> {
    let broken = || ApiError::BadRequest("表单上传不完整，请重试".into());
    let mut form = Form::default();
    while let Some(field) = multipart.next_field().await.map_err(|_| broken())? {
        let name = field.name().unwrap_or_default().to_string();
        if field.file_name().is_some() {
            let bytes = field.bytes().await.map_err(|_| broken())?;
            if !bytes.is_empty() {
                form.files.push((name, bytes.to_vec()));
            }
        } else {
            form.texts.push((name, field.text().await.map_err(|_| broken())?));
        }
    }
    Ok(form)
}
