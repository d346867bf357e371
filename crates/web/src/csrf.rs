//! CSRF protection for every state-changing request made with a cookie.
//!
//! Signed-in forms carry the session's token; anonymous forms (login, register) a token kept in a
//! SameSite=Strict cookie (double submit). A request authenticated by a valid bearer token carries
//! no ambient credential and is exempt, as is an API call with no cookie at all.

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::{CSRF_COOKIE, MaybePrincipal, Principal, SESSION_COOKIE, Via, cookie, csrf_cookie};
use crate::{ApiError, AppState};

pub const HEADER: &str = "x-csrf-token";
pub const FIELD: &str = "csrf";
/// Form bodies are buffered to read the token (the input guard has bounded them already); uploads
/// are multipart and send it in the header or the query string instead.
const MAX_FORM_BYTES: usize = crate::guard::BODY_LIMIT;

/// The token a page must put in its forms.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

impl<S: Send + Sync> FromRequestParts<S> for CsrfToken {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<CsrfToken>().cloned().unwrap_or(CsrfToken(String::new())))
    }
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Paths whose answers are never pages with forms.
fn is_machine_path(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/static/")
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

pub async fn protect(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let principal = request.extensions().get::<MaybePrincipal>().and_then(|p| p.0.clone());
    let headers = request.headers();
    let anonymous_cookie = cookie(headers, CSRF_COOKIE).map(str::to_string);
    // Only a request a valid bearer token authenticated carries no ambient credential: any other
    // `Authorization` header (Basic, Negotiate) authenticates nothing here and exempts nothing.
    let by_token = matches!(&principal, Some(Principal { via: Via::Token { .. }, .. }));
    let has_cookie = cookie(headers, SESSION_COOKIE).is_some() || anonymous_cookie.is_some();
    let expected = match &principal {
        Some(p) => p.csrf().map(str::to_string),
        None => anonymous_cookie.clone(),
    };
    // Pages rendered for an anonymous visitor without a token get a new one, set as a cookie. API
    // calls and static files render no form, so they are spared the token and the extra header.
    let renders_forms = !is_machine_path(request.uri().path());
    let new_token =
        (renders_forms && principal.is_none() && anonymous_cookie.is_none()).then(jijiao_storage::Vault::random_token);
    let token_for_pages = expected.clone().or_else(|| new_token.clone()).unwrap_or_default();

    let mut request = request;
    if !is_safe(request.method()) && !by_token {
        let is_api = request.uri().path().starts_with("/api/");
        if !is_api || has_cookie {
            let (provided, rebuilt) = provided_token(request).await;
            request = match rebuilt {
                Ok(r) => r,
                Err(response) => return response,
            };
            let valid = matches!((&expected, &provided), (Some(e), Some(p)) if constant_time_eq(e, p));
            if !valid {
                return rejection(is_api);
            }
        }
    }
    request.extensions_mut().insert(CsrfToken(token_for_pages));
    let mut response = next.run(request).await;
    if let Some(token) = new_token
        && let Ok(value) = HeaderValue::from_str(&csrf_cookie(&token, state.settings.secure_cookies))
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

fn rejection(is_api: bool) -> Response {
    let message = "页面已过期或请求来源无法确认，请刷新页面后重试";
    if is_api {
        let mut r = ApiError::Forbidden.into_response();
        *r.body_mut() = Body::from(serde_json::json!({ "code": "csrf", "message": message }).to_string());
        r
    } else {
        crate::pages::error_page(axum::http::StatusCode::FORBIDDEN, "请求无效", message)
    }
}

/// The token from the header, the query string, or a urlencoded or multipart form body (which is
/// buffered and put back for the handler). Upload forms send it in their body (issue 18: in the
/// query string it stayed in the address bar after the upload, and in the history).
async fn provided_token(request: Request) -> (Option<String>, Result<Request, Response>) {
    if let Some(v) = request.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        return (Some(v.to_string()), Ok(request));
    }
    if let Some(t) = request.uri().query().and_then(|q| form_field(q.as_bytes())) {
        return (Some(t), Ok(request));
    }
    let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if content_type.starts_with("multipart/form-data") {
        return multipart_token(request).await;
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return (None, Ok(request));
    }
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
        Ok(bytes) => {
            let token = form_field(&bytes);
            (token, Ok(Request::from_parts(parts, Body::from(bytes))))
        }
        Err(_) => (None, Err(ApiError::TooLarge("表单过大".into()).into_response())),
    }
}

/// The `csrf` part of a multipart form. The input guard has read and bounded the body already,
/// so it is read here from memory and put back whole.
async fn multipart_token(request: Request) -> (Option<String>, Result<Request, Response>) {
    use axum::extract::FromRequest;
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, crate::guard::UPLOAD_LIMIT).await {
        Ok(bytes) => bytes,
        Err(_) => return (None, Err(ApiError::TooLarge("上传的文件过大".into()).into_response())),
    };
    let mut token = None;
    let copy = Request::from_parts(parts.clone(), Body::from(bytes.clone()));
    if let Ok(mut multipart) = axum::extract::Multipart::from_request(copy, &()).await {
        while let Ok(Some(field)) = multipart.next_field().await {
            if field.name() == Some(FIELD) && field.file_name().is_none() {
                token = field.text().await.ok();
                break;
            }
        }
    }
    (token, Ok(Request::from_parts(parts, Body::from(bytes))))
}

fn form_field(bytes: &[u8]) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparison_and_fields() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
        assert_eq!(form_field(b"a=1&csrf=xyz"), Some("xyz".into()));
        assert_eq!(form_field(b"a=1"), None);
    }
}
