//! The baseline for jijiao's `/healthz` benchmark: a bare axum server (`GET /healthz` → `ok`),
//! built with the same release profile and the same default multi-threaded tokio runtime as
//! `jijiao serve`, so the ratio between the two is the cost of jijiao's own work per request.

use axum::Router;
use axum::routing::get;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let address = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8081".to_string());
    let listener = match tokio::net::TcpListener::bind(&address).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("hello: cannot listen on {address}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let app = Router::new().route("/healthz", get(|| async { "ok" }));
    match listener.local_addr() {
        Ok(a) => println!("hello listening on http://{a}/healthz"),
        Err(e) => eprintln!("hello: {e}"),
    }
    match axum::serve(listener, app).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hello: {e}");
            ExitCode::FAILURE
        }
    }
}
