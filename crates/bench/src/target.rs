//! The one place that decides what a benchmark may hit: plain `http://` on a loopback address.
//! A load generator pointed elsewhere would be a denial-of-service tool, so anything else is refused.

use anyhow::{Context, bail};
use hyper::Uri;
use std::net::{IpAddr, SocketAddr};

/// A checked benchmark target: the socket to connect to and what to put in the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub addr: SocketAddr,
    /// `Host` header value, as given in the URL.
    pub authority: String,
    /// Path and query, `/` when the URL has none.
    pub path: String,
}

impl Target {
    /// Parses `http://HOST:PORT/path`; HOST must be a loopback IP or `localhost`, and every
    /// address `localhost` resolves to must be loopback too.
    pub async fn parse(url: &str) -> anyhow::Result<Target> {
        let uri: Uri = url.parse().with_context(|| format!("not a URL: {url:?}"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some(other) => bail!("only http:// is supported, not {other}://"),
            None => bail!("the URL needs a scheme: http://127.0.0.1:PORT/path"),
        }
        let authority = uri.authority().context("the URL needs a host")?;
        let host = authority.host();
        let port = authority.port_u16().unwrap_or(80);
        let host_bare = host.trim_start_matches('[').trim_end_matches(']');
        let addrs: Vec<SocketAddr> = if let Ok(ip) = host_bare.parse::<IpAddr>() {
            vec![SocketAddr::new(ip, port)]
        } else if host.eq_ignore_ascii_case("localhost") {
            tokio::net::lookup_host((host, port)).await.with_context(|| format!("cannot resolve {host}"))?.collect()
        } else {
            bail!("refused: {host} is not a loopback address (use 127.0.0.1, ::1 or localhost)");
        };
        let Some(&first) = addrs.first() else {
            bail!("{host} resolves to nothing");
        };
        if let Some(bad) = addrs.iter().find(|a| !a.ip().is_loopback()) {
            bail!("refused: {host} resolves to {bad}, which is not a loopback address");
        }
        let path = uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "/".to_string());
        Ok(Target { addr: first, authority: authority.as_str().to_string(), path })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn loopback_only() {
        let t = Target::parse("http://127.0.0.1:8080/healthz").await.unwrap();
        assert_eq!(t.addr, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(t.path, "/healthz");
        assert_eq!(t.authority, "127.0.0.1:8080");
        let t = Target::parse("http://127.3.4.5").await.unwrap();
        assert_eq!((t.addr.port(), t.path.as_str()), (80, "/"));
        assert!(Target::parse("http://[::1]:9/x?y=1").await.is_ok());
        assert!(Target::parse("http://localhost:9/").await.is_ok());
        for refused in [
            "http://10.0.0.1:80/",
            "http://0.0.0.0:80/",
            "http://example.com/",
            "http://192.168.1.1/",
            "https://127.0.0.1/",
            "127.0.0.1:80",
            "http://[2001:db8::1]/",
        ] {
            assert!(Target::parse(refused).await.is_err(), "{refused} accepted");
        }
    }
}
