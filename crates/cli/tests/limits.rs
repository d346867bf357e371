//! Against the real server on a port: security headers on every response, and the per-address
//! rate limit on login (429 with Retry-After).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

async fn server() -> (SocketAddr, jijiao_storage::testing::TestDatabase) {
    let db = jijiao_storage::testing::sqlite().await;
    let store = db.open().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(jijiao_web::serve(listener, jijiao_web::AppState::new(store)));
    (address, db)
}

/// One HTTP/1.1 request on its own connection; returns the head of the response.
fn request(address: SocketAddr, head: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    let text =
        format!("{head}\r\nHost: {address}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
    stream.write_all(text.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.split("\r\n\r\n").next().unwrap_or_default().to_lowercase()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_security_headers() {
    let (address, _db) = server().await;
    for path in ["/", "/api/v1/provinces", "/no-such-page", "/static/app.css"] {
        let head =
            tokio::task::spawn_blocking(move || request(address, &format!("GET {path} HTTP/1.1"), "")).await.unwrap();
        assert!(head.contains("content-security-policy: default-src 'self'; script-src 'self';"), "{path}: {head}");
        assert!(!head.contains("unsafe-inline") && head.contains("frame-ancestors 'none'"), "{path}");
        assert!(head.contains("x-content-type-options: nosniff"), "{path}");
        assert!(head.contains("referrer-policy: same-origin"), "{path}");
    }
}

/// The health check answers JSON for monitors: it says not to sniff or cache it, and carries none
/// of the policy headers meant for documents a browser renders.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_health_check_carries_the_headers_of_a_json_answer() {
    let (address, _db) = server().await;
    let head = tokio::task::spawn_blocking(move || request(address, "GET /healthz HTTP/1.1", "")).await.unwrap();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-type: application/json"), "{head}");
    assert!(head.contains("x-content-type-options: nosniff") && head.contains("cache-control: no-store"), "{head}");
    assert!(!head.contains("content-security-policy") && !head.contains("set-cookie"), "{head}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_attempts_are_rate_limited_per_address() {
    let (address, _db) = server().await;
    let limit = jijiao_web::security::Limits::default().login_per_minute as usize;
    let heads = tokio::task::spawn_blocking(move || {
        (0..=limit)
            .map(|_| {
                request(
                    address,
                    "POST /login HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nCookie: jijiao_csrf=t",
                    "csrf=t&username=nobody&password=wrong",
                )
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    assert!(heads[..limit].iter().all(|h| h.starts_with("http/1.1 401")), "{}", heads[0]);
    let last = &heads[limit];
    assert!(last.starts_with("http/1.1 429"), "{last}");
    assert!(last.contains("retry-after:"), "{last}");
}
