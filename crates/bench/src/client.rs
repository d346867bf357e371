//! One HTTP/1.1 keep-alive connection, driven by hyper's low-level client API (no pool), so a load
//! generator task owns exactly one socket and the figures measure the server, not a client pool.

use crate::Target;
use anyhow::Context;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
}

impl Connection {
    /// Opens the socket and the HTTP/1.1 handshake; the connection's I/O runs on its own task,
    /// which ends when this handle is dropped.
    pub async fn open(target: &Target) -> anyhow::Result<Connection> {
        let stream =
            TcpStream::connect(target.addr).await.with_context(|| format!("cannot connect to {}", target.addr))?;
        stream.set_nodelay(true)?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.context("HTTP/1.1 handshake failed")?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Connection { sender })
    }

    /// One `GET`, reading the whole body; returns the status and the body's length.
    pub async fn get(&mut self, target: &Target) -> anyhow::Result<(StatusCode, usize)> {
        let (status, body) = self.send(target, "GET", &target.path, &[], Bytes::new()).await?;
        Ok((status, body.len()))
    }

    /// Any request on the target's host: `path` with its query, extra headers, a body; returns the
    /// status and the whole body.
    pub async fn send(
        &mut self,
        target: &Target,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> anyhow::Result<(StatusCode, Bytes)> {
        self.sender.ready().await.context("connection closed")?;
        let mut request =
            Request::builder().method(method).uri(path).header(hyper::header::HOST, target.authority.as_str());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = self.sender.send_request(request.body(Full::new(body))?).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }
}
