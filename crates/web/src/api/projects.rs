//! The open catalogue over the API: published projects searched, one by number, downloaded.

use utoipa::OpenApi;

use crate::routes::Routes;

/// This area's part of the OpenAPI document (merged in [`super::openapi`]).
#[derive(OpenApi)]
#[openapi()]
pub struct Doc;

pub fn routes() -> Routes {
    Routes::new()
}
