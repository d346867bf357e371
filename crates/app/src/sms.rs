//! Text messages to a professional's phone (issue 18 point 16: the password self-service's codes),
//! through the gateway the deployment configures.
//!
//! The gateway is one URL (`JIJIAO_SMS_URL`) taking an HTTP POST of the JSON `{"phone", "text"}`
//! and answering any 2xx once it has accepted the message: commercial SMS platforms each sign
//! their requests their own way, so a deployment puts a small adapter of its own behind this URL
//! rather than the product learning every platform. `http://` and `https://` (the public roots of
//! `webpki-roots`) are both accepted. Without a URL the message is written to the server log at
//! info, the phone masked, so that a test deployment (and its administrator) can still read a code.
//!
//! Sending is plain blocking IO on a blocking thread with a 10-second limit, as the project's
//! other small clients do: one message per reset request needs no connection pool.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use jijiao_domain::personal::mask_phone;

/// Where messages go.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum SmsGateway {
    /// No gateway: the server log (the text at info, the phone masked).
    #[default]
    Log,
    /// An HTTP POST of `{"phone", "text"}` to this URL.
    Http(GatewayUrl),
}

/// A gateway's URL, read once at start so that a bad one stops the start with its problem named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GatewayUrl {
    tls: bool,
    host: String,
    port: u16,
    /// The path with its query, from `/`.
    path: String,
}

/// How long one message may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(10);

impl GatewayUrl {
    /// `http://host[:port][/path]` or `https://…`; anything else is refused naming the URL.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        let bad = |why: &str| format!("短信网关地址“{url}”无效：{why}");
        let (tls, rest) = if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = url.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(bad("应以 http:// 或 https:// 开头"));
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.contains('@') {
            return Err(bad("不支持在地址中写用户名和密码"));
        }
        let default_port = if tls { 443 } else { 80 };
        let port_of = |text: &str| text.parse::<u16>().map_err(|_| bad("端口应为1到65535之间的数字"));
        // An IPv6 address is bracketed: `[::1]:8081`.
        let (host, port) = match authority.strip_prefix('[') {
            Some(bracketed) => match bracketed.split_once(']') {
                Some((host, "")) => (host, default_port),
                Some((host, rest)) => (host, port_of(rest.strip_prefix(':').unwrap_or(rest))?),
                None => return Err(bad("IPv6 地址缺少“]”")),
            },
            None => match authority.rsplit_once(':') {
                Some((host, port)) => (host, port_of(port)?),
                None => (authority, default_port),
            },
        };
        if host.is_empty() || port == 0 || path.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("缺少主机名，或端口、路径不正确"));
        }
        Ok(Self { tls, host: host.to_string(), port, path: path.to_string() })
    }

    /// The URL as given, without its path's query (for logs: a query may hold a key).
    pub fn shown(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        let path = self.path.split('?').next().unwrap_or("/");
        format!("{scheme}://{}:{}{path}", self.host, self.port)
    }
}

impl SmsGateway {
    /// The gateway a configured URL names; none configured is the log.
    pub fn from_config(url: Option<&str>) -> Result<Self, String> {
        match url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => Ok(SmsGateway::Http(GatewayUrl::parse(url)?)),
            None => Ok(SmsGateway::Log),
        }
    }

    /// Whether messages leave the server (a gateway is configured).
    pub fn sends(&self) -> bool {
        matches!(self, SmsGateway::Http(_))
    }

    /// Sends `text` to `phone`; the error says why in Chinese (for the log: nobody waits for it).
    pub async fn send(&self, phone: &str, text: &str) -> Result<(), String> {
        match self {
            SmsGateway::Log => {
                tracing::info!(phone = %mask_phone(phone), text, "未配置短信网关（JIJIAO_SMS_URL）：短信写入日志");
                Ok(())
            }
            SmsGateway::Http(url) => {
                let body = serde_json::json!({ "phone": phone.trim(), "text": text }).to_string();
                let url = url.clone();
                tokio::task::spawn_blocking(move || post(&url, &body))
                    .await
                    .map_err(|e| format!("短信发送线程失败：{e}"))?
            }
        }
    }
}

/// One POST; Ok on a 2xx status.
fn post(url: &GatewayUrl, body: &str) -> Result<(), String> {
    let unreachable = |e: &dyn std::fmt::Display| format!("无法连接短信网关 {}：{e}", url.shown());
    let address = (url.host.as_str(), url.port)
        .to_socket_addrs()
        .map_err(|e| unreachable(&e))?
        .next()
        .ok_or_else(|| unreachable(&"主机名无法解析"))?;
    let tcp = TcpStream::connect_timeout(&address, TIMEOUT).map_err(|e| unreachable(&e))?;
    tcp.set_read_timeout(Some(TIMEOUT))
        .and_then(|()| tcp.set_write_timeout(Some(TIMEOUT)))
        .map_err(|e| e.to_string())?;
    let host = if url.host.contains(':') { format!("[{}]", url.host) } else { url.host.clone() };
    let request = format!(
        "POST {} HTTP/1.1\r\nHost: {host}:{}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nAccept: application/json\r\nConnection: close\r\n\r\n{body}",
        url.path,
        url.port,
        body.len()
    );
    let status = if url.tls {
        let mut stream = tls_stream(url, tcp)?;
        exchange(&mut stream, &request)
    } else {
        let mut stream = tcp;
        exchange(&mut stream, &request)
    }
    .map_err(|e| format!("短信网关 {} 未能完成请求：{e}", url.shown()))?;
    if (200..300).contains(&status) { Ok(()) } else { Err(format!("短信网关 {} 答复 {status}", url.shown())) }
}

fn tls_stream(
    url: &GatewayUrl,
    tcp: TcpStream,
) -> Result<rustls::StreamOwned<rustls::ClientConnection, TcpStream>, String> {
    let roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(url.host.clone()).map_err(|e| e.to_string())?;
    let connection = rustls::ClientConnection::new(Arc::new(config), name).map_err(|e| e.to_string())?;
    Ok(rustls::StreamOwned::new(connection, tcp))
}

/// Writes the request and reads the status line (the body is not needed: a gateway that accepted
/// the message says so by its status; reading no further spares waiting for the close).
fn exchange(stream: &mut (impl Read + Write), request: &str) -> Result<u16, String> {
    stream.write_all(request.as_bytes()).and_then(|()| stream.flush()).map_err(|e| e.to_string())?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n") {
        if head.len() > 1024 {
            return Err("答复的状态行过长".into());
        }
        match stream.read(&mut byte).map_err(|e| e.to_string())? {
            0 => return Err("连接在答复前关闭".into()),
            _ => head.push(byte[0]),
        }
    }
    let line = String::from_utf8_lossy(&head);
    let mut words = line.split_whitespace();
    match (words.next(), words.next().and_then(|s| s.parse::<u16>().ok())) {
        (Some(version), Some(status)) if version.starts_with("HTTP/") => Ok(status),
        _ => Err(format!("答复无法读取：{}", line.trim())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_read_once_and_bad_ones_named() {
        let u = GatewayUrl::parse("http://127.0.0.1:9000/sms?key=secret").unwrap();
        assert_eq!((u.tls, u.host.as_str(), u.port, u.path.as_str()), (false, "127.0.0.1", 9000, "/sms?key=secret"));
        assert_eq!(u.shown(), "http://127.0.0.1:9000/sms", "the query stays out of logs");
        let u = GatewayUrl::parse("https://sms.example.cn").unwrap();
        assert_eq!((u.tls, u.port, u.path.as_str()), (true, 443, "/"));
        let u = GatewayUrl::parse("http://[::1]:8081/send").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 8081));
        assert_eq!(GatewayUrl::parse("https://[::1]").unwrap().port, 443);
        for bad in [
            "ftp://x",
            "sms.example.cn",
            "http://",
            "http://h:0/",
            "http://h:99999/",
            "http://u:p@h/",
            "http://h/a b",
            "http://[::1/",
        ] {
            let e = GatewayUrl::parse(bad).unwrap_err();
            assert!(e.contains(bad.trim()), "{bad}: {e}");
        }
        assert_eq!(SmsGateway::from_config(None).unwrap(), SmsGateway::Log);
        assert_eq!(SmsGateway::from_config(Some(" ")).unwrap(), SmsGateway::Log);
        assert!(SmsGateway::from_config(Some("http://127.0.0.1:1/")).unwrap().sends());
    }

    /// A gateway on a local port: the JSON arrives, a 2xx is delivery, anything else an error.
    #[tokio::test]
    async fn a_post_of_phone_and_text() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let mut seen = Vec::new();
            for status in ["200 OK", "503 Service Unavailable"] {
                let (mut socket, _) = listener.accept().unwrap();
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                // Read the head, then the body by its length.
                loop {
                    let n = socket.read(&mut buf).unwrap();
                    request.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&request).to_string();
                    if let Some(split) = text.find("\r\n\r\n") {
                        let length: usize = text
                            .lines()
                            .find_map(|l| l.strip_prefix("Content-Length: "))
                            .and_then(|l| l.trim().parse().ok())
                            .unwrap();
                        if request.len() >= split + 4 + length {
                            break;
                        }
                    }
                }
                seen.push(String::from_utf8(request).unwrap());
                socket.write_all(format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n").as_bytes()).unwrap();
            }
            seen
        });
        let gateway = SmsGateway::from_config(Some(&format!("http://127.0.0.1:{port}/send"))).unwrap();
        gateway.send("13812341234", "验证码 123456").await.unwrap();
        let refused = gateway.send("13812341234", "验证码 654321").await.unwrap_err();
        assert!(refused.contains("503"), "{refused}");
        let seen = server.join().unwrap();
        assert!(seen[0].starts_with("POST /send HTTP/1.1\r\n"), "{}", seen[0]);
        let body: serde_json::Value = serde_json::from_str(seen[0].split("\r\n\r\n").nth(1).unwrap()).unwrap();
        assert_eq!(body, serde_json::json!({ "phone": "13812341234", "text": "验证码 123456" }));
        // Nobody listening: an error naming the gateway, not a hang.
        drop(seen);
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let gone = SmsGateway::from_config(Some(&format!("http://127.0.0.1:{closed}/"))).unwrap();
        assert!(gone.send("13812341234", "x").await.unwrap_err().contains("无法连接短信网关"));
    }
}
