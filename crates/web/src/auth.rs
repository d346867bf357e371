//! Who is asking: the session cookie or the bearer token of a request, resolved once by a
//! middleware into a [`Principal`] that handlers take as an extractor.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use jijiao_app::Acting;
use jijiao_storage::Reads;
use std::net::SocketAddr;

use crate::{ApiError, AppState};

pub const SESSION_COOKIE: &str = "jijiao_session";
/// Anonymous visitors' CSRF token (double-submit) for the forms they can use: login, register.
pub const CSRF_COOKIE: &str = "jijiao_csrf";

/// How the request proved who it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    Session { token: String, csrf: String },
    Token { id: i64 },
}

/// The account behind a request, with its roles and their scopes (the [`Acting`] the operations
/// take; a `Principal` derefs to it), and how the request proved it.
#[derive(Clone, Debug)]
pub struct Principal {
    pub acting: Acting,
    pub via: Via,
}

impl std::ops::Deref for Principal {
    type Target = Acting;

    fn deref(&self) -> &Acting {
        &self.acting
    }
}

impl Principal {
    pub fn csrf(&self) -> Option<&str> {
        match &self.via {
            Via::Session { csrf, .. } => Some(csrf),
            Via::Token { .. } => None,
        }
    }
}

/// The client's address: as a trusted proxy named it ([`crate::client_address`]), or else the
/// peer's as the server saw it (no proxy header is trusted by default).
pub fn client_ip(parts_extensions: &axum::http::Extensions) -> Option<String> {
    if let Some(resolved) = parts_extensions.get::<crate::client_address::ClientAddress>() {
        return Some(resolved.0.to_string());
    }
    parts_extensions.get::<axum::extract::ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string())
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// Resolves the principal (if any) and stores it in the request's extensions. A bearer token that
/// is wrong, revoked or expired is refused outright (401), never treated as anonymous.
pub async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let ip = client_ip(request.extensions());
    let headers = request.headers();
    let resolved = if let Some(secret) = bearer(headers) {
        match state.store.account_for_token(secret).await {
            Ok(Some(holder)) => load(holder.account, holder.grants, Via::Token { id: holder.token_id }, ip),
            Ok(None) => return ApiError::Unauthorized.into_response(),
            Err(e) => return ApiError::from(e).into_response(),
        }
    } else if let Some(token) = cookie(headers, SESSION_COOKIE) {
        match state.store.session(token, state.settings.session_idle_ms).await {
            Ok(Some(session)) => {
                let via = Via::Session { token: token.to_string(), csrf: session.csrf_token };
                load(session.account, session.grants, via, ip)
            }
            Ok(None) => Ok(None),
            Err(e) => Err(ApiError::from(e)),
        }
    } else {
        Ok(None)
    };
    match resolved {
        Ok(principal) => {
            request.extensions_mut().insert(MaybePrincipal(principal));
            next.run(request).await
        }
        Err(e) => e.into_response(),
    }
}

/// The principal of a signed-in account, its grants read with its session or token.
fn load(
    account: jijiao_storage::Account,
    grants: Vec<jijiao_domain::authz::Grant>,
    via: Via,
    ip: Option<String>,
) -> Result<Option<Principal>, ApiError> {
    if account.disabled {
        return if matches!(via, Via::Token { .. }) { Err(ApiError::Unauthorized) } else { Ok(None) };
    }
    Ok(Some(Principal { acting: Acting { account, grants, ip }, via }))
}

/// The principal if there is one (public pages show a login link otherwise).
#[derive(Clone, Debug, Default)]
pub struct MaybePrincipal(pub Option<Principal>);

impl<S: Send + Sync> FromRequestParts<S> for MaybePrincipal {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<MaybePrincipal>().cloned().unwrap_or_default())
    }
}

impl MaybePrincipal {
    /// Where this request's public reads go (the catalogue, project pages, certificate
    /// verification, the home page's figures): the read replica for a visitor, when one is
    /// configured; the primary for anyone signed in, even on public pages, so that nobody reads
    /// their own write from a replica that has not replayed it yet (`jijiao_storage::replica`).
    pub fn reads(&self) -> Reads {
        if self.0.is_some() { Reads::Primary } else { Reads::Replica }
    }
}

/// An API caller that must be signed in and confirmed: 401 otherwise, as JSON.
impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let MaybePrincipal(principal) = MaybePrincipal::from_request_parts(parts, state).await.unwrap_or_default();
        let principal = principal.ok_or(ApiError::Unauthorized)?;
        if !principal.account.confirmed {
            return Err(ApiError::Forbidden);
        }
        Ok(principal)
    }
}

/// A page visitor that must be signed in: redirected to the login page otherwise. Unconfirmed
/// professionals may only see their own page, and change their password (issue 18: a password
/// is their own whether the employer has confirmed them or not), until their employer confirms them.
pub struct PageUser(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for PageUser {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let MaybePrincipal(principal) = MaybePrincipal::from_request_parts(parts, state).await.unwrap_or_default();
        let Some(principal) = principal else {
            let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            let target = format!("/login?next={}", urlencode(next));
            return Err(Redirect::to(&target).into_response());
        };
        if !principal.account.confirmed && !matches!(parts.uri.path(), "/me" | "/me/password") {
            return Err(crate::pages::error_page(
                axum::http::StatusCode::FORBIDDEN,
                "等待单位确认",
                "您的注册信息正在等待所在单位管理员确认，确认前只能查看本人主页。",
            ));
        }
        Ok(PageUser(principal))
    }
}

pub fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("", text)]).map(|s| s[1..].to_string()).unwrap_or_default()
}

/// `Set-Cookie` for a session: HttpOnly, SameSite=Lax (links from other sites still arrive signed
/// in, but their forms do not), Secure unless configured off for plain-HTTP deployments.
pub fn session_cookie(token: &str, secure: bool, max_age_seconds: i64) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}")
}

pub fn clear_session_cookie(secure: bool) -> String {
    session_cookie("", secure, 0)
}

pub fn csrf_cookie(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}")
}

/// The caller's address, when the server was started with connection info (tests may not be).
pub struct ClientIp(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(&parts.extensions)))
    }
}
