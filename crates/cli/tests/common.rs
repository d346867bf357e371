//! Shared harness for the HTTP tests: the demo world on a fresh database, sessions for its
//! accounts, and requests through the real router in-process.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use jijiao_storage::testing::TestDatabase;
use jijiao_storage::{AccountId, Store};
use tower::ServiceExt;

pub struct World {
    pub store: Store,
    pub app: Router,
    pub db: TestDatabase,
}

pub async fn world(db: TestDatabase) -> World {
    let store = db.open().await;
    jijiao::demo::load(&store).await.unwrap();
    let settings = jijiao_web::WebSettings { secure_cookies: false, ..Default::default() };
    let app = jijiao_web::router(jijiao_web::AppState::with_settings(store.clone(), settings));
    World { store, app, db }
}

/// Credentials of a browser: the session cookie and its CSRF token, or nothing.
#[derive(Clone, Debug, Default)]
pub struct Client {
    pub cookie: Option<String>,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
}

impl World {
    pub async fn account(&self, username: &str) -> AccountId {
        self.store.account_by_username(username).await.unwrap().id
    }

    /// A signed-in browser for a demo account (sessions are made directly: logging in through the
    /// form is tested on its own).
    pub async fn signed_in(&self, username: &str) -> Client {
        let id = self.account(username).await;
        let (token, csrf) = self.store.create_session(id, None, 3_600_000).await.unwrap();
        Client { cookie: Some(format!("jijiao_session={token}")), csrf: Some(csrf), bearer: None }
    }

    /// An anonymous browser that has loaded a page (it holds the anonymous CSRF cookie).
    pub fn anonymous(&self) -> Client {
        let token = "anonymous-test-token".to_string();
        Client { cookie: Some(format!("jijiao_csrf={token}")), csrf: Some(token), bearer: None }
    }

    pub async fn send(&self, client: &Client, method: Method, path: &str, body: Option<String>) -> Reply {
        let is_api = path.starts_with("/api/");
        let mut request = Request::builder().method(method.clone()).uri(path);
        if let Some(cookie) = &client.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(bearer) = &client.bearer {
            request = request.header(header::AUTHORIZATION, format!("Bearer {bearer}"));
        }
        let unsafe_method = method != Method::GET;
        let body = if is_api {
            if unsafe_method && let Some(csrf) = &client.csrf {
                request = request.header("x-csrf-token", csrf);
            }
            let upload = body.as_deref().is_some_and(|b| b.starts_with(MULTIPART_START));
            let content_type =
                if upload { format!("multipart/form-data; boundary={BOUNDARY}") } else { "application/json".into() };
            request = request.header(header::CONTENT_TYPE, content_type);
            body.unwrap_or_default()
        } else if body.as_deref().is_some_and(|b| b.starts_with(MULTIPART_START)) {
            // An upload: multipart, with the CSRF token in the query string as the page sends it.
            let mut uri = path.to_string();
            if let Some(csrf) = client.csrf.as_ref().filter(|_| unsafe_method) {
                uri = format!("{uri}{}csrf={csrf}", if uri.contains('?') { '&' } else { '?' });
            }
            request =
                request.uri(uri).header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"));
            body.unwrap_or_default()
        } else {
            request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            let mut form = body.unwrap_or_default();
            if unsafe_method && let Some(csrf) = &client.csrf {
                form = if form.is_empty() { format!("csrf={csrf}") } else { format!("{form}&csrf={csrf}") };
            }
            form
        };
        let response = self.app.clone().oneshot(request.body(Body::from(body)).unwrap()).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    /// Raw bytes to or from the API (a spreadsheet up or down), with the session and its CSRF header.
    pub async fn raw(&self, client: &Client, method: Method, path: &str, bytes: Vec<u8>) -> (StatusCode, Vec<u8>) {
        let mut request =
            Request::builder().method(method).uri(path).header(header::CONTENT_TYPE, "application/octet-stream");
        if let Some(cookie) = &client.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(csrf) = &client.csrf {
            request = request.header("x-csrf-token", csrf);
        }
        let response = self.app.clone().oneshot(request.body(Body::from(bytes)).unwrap()).await.unwrap();
        let status = response.status();
        (status, response.into_body().collect().await.unwrap().to_bytes().to_vec())
    }

    pub async fn get(&self, client: &Client, path: &str) -> Reply {
        self.send(client, Method::GET, path, None).await
    }

    pub async fn post(&self, client: &Client, path: &str, body: &str) -> Reply {
        self.send(client, Method::POST, path, Some(body.to_string())).await
    }

    /// A multipart request: text parts and file parts (field, file name, content), with the session's
    /// CSRF header.
    pub async fn multipart(
        &self,
        c: &Client,
        method: Method,
        path: &str,
        texts: &[(&str, String)],
        files: &[(&str, String, Vec<u8>)],
    ) -> Reply {
        let mut body = Vec::new();
        for (name, value) in texts {
            body.extend(
                format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .into_bytes(),
            );
        }
        for (name, file_name, bytes) in files {
            body.extend(
                format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .into_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{BOUNDARY}--\r\n").into_bytes());
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
            .header(header::COOKIE, c.cookie.clone().unwrap());
        if let Some(csrf) = &c.csrf {
            request = request.header("x-csrf-token", csrf);
        }
        let response = self.app.clone().oneshot(request.body(Body::from(body)).unwrap()).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }
}

pub const BOUNDARY: &str = "jjboundary";
pub const MULTIPART_START: &str = "--jjboundary\r\n";

/// A multipart body with one file field named `file`.
pub fn multipart_file(file_name: &str, content: &str) -> String {
    format!(
        "{MULTIPART_START}Content-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n{content}\r\n--{BOUNDARY}--\r\n"
    )
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).collect()
    }
}

/// One key for every `jijiao` run of a test, so later commands read what earlier ones wrote.
pub const FIXED_KEY: &str = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU=";

/// Runs the `jijiao` binary on the SQLite data folder `data`: (exit code, stdout, stderr).
pub fn jijiao(data: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jijiao"))
        .args(args)
        .env("JIJIAO_DATA_DIR", data)
        .env("JIJIAO_ENCRYPTION_KEY", FIXED_KEY)
        .env_remove("JIJIAO_DATABASE_URL")
        .env_remove("JIJIAO_CONFIG")
        .output()
        .expect("jijiao runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}
