//! Static assets compiled into the binary, so a server needs no files beside it and no internet.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::routes::Routes;

/// (name, content type, bytes).
const ASSETS: &[(&str, &str, &[u8])] = &[
    ("app.css", "text/css; charset=utf-8", include_bytes!("../static/app.css")),
    ("app.js", "text/javascript; charset=utf-8", include_bytes!("../static/app.js")),
    ("favicon.svg", "image/svg+xml", include_bytes!("../static/favicon.svg")),
    ("sign-in.js", "text/javascript; charset=utf-8", include_bytes!("../static/sign-in.js")),
];

pub fn routes() -> Routes {
    Routes::new().get("/static/{name}", asset).get("/favicon.ico", favicon)
}

/// Browsers ask for `/favicon.ico` whatever the page links (issue 18: a 404 on every first visit):
/// the same icon as the pages link, an SVG.
async fn favicon() -> Response {
    asset(Path("favicon.svg".to_string())).await
}

async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        // Assets change only with a new binary; an hour of caching keeps upgrades visible.
        Some((_, content_type, bytes)) => {
            ([(header::CONTENT_TYPE, *content_type), (header::CACHE_CONTROL, "public, max-age=3600")], *bytes)
                .into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
