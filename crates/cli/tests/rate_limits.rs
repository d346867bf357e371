//! Issue 19, rate limits on a deployment of several servers: counted in the database so that two
//! servers on one database limit a caller together, configurable, and per client behind a
//! trusted proxy.

use jijiao_storage::Store;
use jijiao_web::AppState;
use jijiao_web::client_address::TrustedProxies;
use jijiao_web::security::Limits;
use std::net::SocketAddr;

/// A server on its own port over `store`, without the once-a-second flush of [`jijiao_web::serve`]
/// (the test flushes when it means to, so that what each server knows is decided by the test).
pub(crate) async fn server(store: Store, limits: Limits, trusted_proxies: TrustedProxies) -> (SocketAddr, AppState) {
    let settings = jijiao_web::WebSettings { limits, trusted_proxies, secure_cookies: false, ..Default::default() };
    let state = AppState::with_settings(store, settings);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let router = jijiao_web::router(state.clone());
    tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    (address, state)
}

/// Sends one HTTP/1.1 request with the extra header lines given; the status code.
pub(crate) async fn status(address: SocketAddr, method: &str, path: &str, extra: &str) -> u16 {
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\n{extra}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
    })
    .await
    .unwrap()
}

pub(crate) async fn statuses(address: SocketAddr, method: &str, path: &str, extra: &str, n: usize) -> Vec<u16> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(status(address, method, path, extra).await);
    }
    out
}

/// Two servers on one database: the login form's limit is counted in the database before each
/// answer, so the second server refuses at once what the first already allowed; the API's is told
/// between servers when they flush, after which the second refuses a caller it served once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_database_share_a_callers_limit() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let (first_store, second_store) = (db.open().await, db.open().await);
        let limits = Limits { login_per_minute: 2, public_per_minute: 4, ..Default::default() };
        let (a, state_a) = server(first_store, limits, TrustedProxies::default()).await;
        let (b, state_b) = server(second_store, limits, TrustedProxies::default()).await;

        // Login: two posts through A (each answered: a form without a CSRF token is refused, but
        // counted), the third through B is over the address's limit.
        let through_a = statuses(a, "POST", "/login", "", 2).await;
        assert!(through_a.iter().all(|s| *s != 429), "{backend}: {through_a:?}");
        assert_eq!(status(b, "POST", "/login", "").await, 429, "{backend}: B counts A's logins");
        assert_eq!(status(a, "POST", "/login", "").await, 429, "{backend}: and A still does");

        // The anonymous API: A serves the address its 4, then refuses; B, never told, serves one.
        let path = "/api/v1/projects?q=%E8%82%BF%E7%98%A4";
        assert_eq!(statuses(a, "GET", path, "", 5).await, vec![200, 200, 200, 200, 429], "{backend}");
        assert_eq!(status(b, "GET", path, "").await, 200, "{backend}: B has not heard of A's requests yet");
        state_a.rate_limiter.flush(&state_a.store).await.unwrap();
        state_b.rate_limiter.flush(&state_b.store).await.unwrap();
        assert_eq!(status(b, "GET", path, "").await, 429, "{backend}: B has heard of A's 4 requests");
    }
}

/// `JIJIAO_PUBLIC_RATE_LIMIT=0` turns the anonymous API's limit off (the proxy limits instead);
/// the login form keeps its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_public_limit_of_zero_is_no_limit() {
    let db = jijiao_storage::testing::sqlite().await;
    let limits = Limits { login_per_minute: 1, public_per_minute: 0, ..Default::default() };
    let (address, _) = server(db.open().await, limits, TrustedProxies::default()).await;
    let answers = statuses(address, "GET", "/api/v1/projects", "", 30).await;
    assert_eq!(answers, vec![200; 30]);
    assert_eq!(statuses(address, "POST", "/login", "", 2).await[1], 429);
}

/// Behind a trusted proxy each client has its own limit, named by `X-Forwarded-For`; without the
/// proxy listed, the header is anyone's claim and every client shares the peer's limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_each_client_has_its_own_limit() {
    let db = jijiao_storage::testing::sqlite().await;
    let store = db.open().await;
    let limits = Limits { public_per_minute: 2, ..Default::default() };
    let trusted = TrustedProxies::parse("127.0.0.1").unwrap();
    let (behind_proxy, _) = server(store.clone(), limits, trusted).await;
    let (untrusting, _) = server(store.clone(), limits, TrustedProxies::parse("10.0.0.1").unwrap()).await;
    let path = "/api/v1/projects";
    let client = |n: u8| format!("X-Forwarded-For: 198.51.100.{n}\r\n");
    assert_eq!(statuses(behind_proxy, "GET", path, &client(1), 3).await, vec![200, 200, 429]);
    assert_eq!(statuses(behind_proxy, "GET", path, &client(2), 2).await, vec![200, 200], "another client");
    // A client's forged entry lies left of the proxy's: it does not buy a new limit.
    let forged = "X-Forwarded-For: 203.0.113.9, 198.51.100.1\r\n";
    assert_eq!(status(behind_proxy, "GET", path, forged).await, 429);

    let mut answers = Vec::new();
    for n in 3..6 {
        answers.push(status(untrusting, "GET", path, &client(n)).await);
    }
    assert_eq!(answers, vec![200, 200, 429], "an untrusted peer's header is ignored");
}
