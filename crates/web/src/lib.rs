//! jijiao's HTTP face: the JSON API under `/api/v1`, the server-rendered Chinese pages and the
//! embedded static assets. Handlers translate between HTTP and the operations of the application
//! crate (`jijiao_app`); they hold no state of their own, so any number of servers can share one
//! PostgreSQL.

mod accounts;
pub mod api;
mod applications;
mod assets;
pub mod auth;
pub mod captcha;
mod certificates;
mod checks;
pub mod client_address;
mod credits;
pub mod csrf;
pub mod downloads;
pub mod error;
mod events;
pub mod guard;
pub mod health;
mod home;
pub(crate) mod pages;
mod projects;
mod reference;
mod reports;
pub mod routes;
mod schemas;
pub mod security;
pub mod settings;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use jijiao_app::App;
use jijiao_storage::Store;
use std::net::SocketAddr;
use tower_http::trace::TraceLayer;

pub use error::ApiError;

pub use accounts::pages::lock_for as login_lock_for;
pub use settings::WebSettings;

/// What every handler can reach: the application (the store, the clock and the rule settings, see
/// [`App`]; `AppState` derefs to it through [`Shared`], so `state.store` and `&state` as `&App` both
/// work), the web settings, and the rate limiter (its counts in memory until added to the database,
/// see [`security`]). One pointer: axum clones the state for every extractor and middleware of
/// every request, and a clone of the parts themselves cost 4 % of the record page's time.
#[derive(Clone, Debug)]
pub struct AppState(std::sync::Arc<Shared>);

/// The parts of [`AppState`].
#[derive(Debug)]
pub struct Shared {
    pub app: App,
    pub settings: WebSettings,
    pub rate_limiter: std::sync::Arc<security::RateLimiter>,
    /// Soft state like the rate limiter: shares concurrent health checks' round trips.
    health: health::SingleFlight,
}

impl AppState {
    /// The system clock, the national rules and the default web settings.
    pub fn new(store: Store) -> Self {
        Self::with_settings(store, WebSettings::default())
    }

    pub fn with_settings(store: Store, settings: WebSettings) -> Self {
        Self::with_app(App::new(store), settings)
    }

    /// An application configured by the caller (its clock, its rule settings).
    pub fn with_app(app: App, settings: WebSettings) -> Self {
        Self(std::sync::Arc::new(Shared {
            app,
            settings,
            rate_limiter: Default::default(),
            health: Default::default(),
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl std::ops::Deref for Shared {
    type Target = App;

    fn deref(&self) -> &App {
        &self.app
    }
}

/// Every route of the application: health, pages, API, static files.
pub fn app_routes() -> routes::Routes {
    routes::Routes::new().get("/healthz", healthz).merge(user_routes())
}

/// The routes people and programs use, behind the whole middleware stack.
fn user_routes() -> routes::Routes {
    routes::Routes::new()
        .nest("/api/v1", api::routes())
        .merge(api::docs_routes())
        .merge(pages::routes())
        .merge(assets::routes())
        .fallback(pages::not_found)
}

/// The method and path of every route, for the authorisation test.
pub fn route_table() -> Vec<routes::RouteInfo> {
    app_routes().into_parts().1
}

/// The whole application with its middleware.
pub fn router(state: AppState) -> Router {
    let routes = user_routes()
        .into_parts()
        .0
        // Outermost first at run time: headers, trace, the client's address (behind a trusted proxy),
        // authenticate, the error pages dressed for the visitor (so every refusal below keeps a
        // signed-in user's header and menu), the Chinese answer for extractors' refusals, rate limit
        // (per account when signed in, so after authentication), the input guard (control
        // characters, body limits), then CSRF.
        .layer(axum::middleware::from_fn_with_state(state.clone(), csrf::protect))
        .layer(axum::middleware::from_fn(guard::inspect))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::rate_limit))
        .layer(axum::middleware::from_fn(guard::chinese_rejections))
        .layer(axum::middleware::from_fn(pages::dress_error_pages))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::authenticate))
        .layer(axum::middleware::from_fn_with_state(state.clone(), client_address::resolve))
        // The extractors' own limit is the largest (imports); the guard holds other bodies to less.
        .layer(axum::extract::DefaultBodyLimit::max(guard::UPLOAD_LIMIT))
        .layer(TraceLayer::new_for_http());
    // The health check carries no credential and changes nothing: monitors reach it without the
    // session lookup, CSRF and rate limit (a limited monitor would mark the server down), and
    // their polls stay out of the request log, where they would drown the requests. Nor does it
    // pass the page headers (a policy for documents a browser renders, five header layers that
    // cost a fifth of its rate); it sets the two that concern a JSON answer itself.
    security::with_headers(routes).route("/healthz", axum::routing::get(healthz)).with_state(state)
}

/// Checks the database with a round trip (at most 100 ms old, shared by the checks of that time;
/// see [`health`]); 503 when it does not answer.
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let store = &state.store;
    let answered = state
        .health
        .check(|| async {
            store.health().await.map_err(|e| tracing::error!(error = %e, "health check failed")).is_ok()
        })
        .await;
    // Four fixed answers, written out once: monitors poll this hard.
    let (status, body) = match (answered, state.store.backend()) {
        (true, jijiao_storage::Backend::Sqlite) => (StatusCode::OK, r#"{"status":"ok","database":"sqlite"}"#),
        (true, jijiao_storage::Backend::Postgres) => (StatusCode::OK, r#"{"status":"ok","database":"postgres"}"#),
        (false, jijiao_storage::Backend::Sqlite) => {
            (StatusCode::SERVICE_UNAVAILABLE, r#"{"status":"unavailable","database":"sqlite"}"#)
        }
        (false, jijiao_storage::Backend::Postgres) => {
            (StatusCode::SERVICE_UNAVAILABLE, r#"{"status":"unavailable","database":"postgres"}"#)
        }
    };
    use axum::http::header;
    let headers = [
        (header::CONTENT_TYPE, "application/json"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    (status, headers, body)
}

/// Serves until the process is stopped (Ctrl-C or SIGTERM), finishing requests in flight.
/// Meanwhile this server's API request counts go to the database every second, where the other
/// servers of the deployment read them ([`security`]).
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let flusher = security::spawn_flusher(state.rate_limiter.clone(), state.store.clone());
    let served = axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await;
    flusher.abort();
    served
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
