//! A recording proxy for PostgreSQL's wire protocol, so that a benchmark's floor replays exactly
//! the statements the store sent (their SQL and the values bound to them, with their types),
//! without reading the store's code again or parsing the server's log.
//!
//! The proxy listens on a loopback port and passes every byte through unchanged in both directions;
//! from the client's side it reads the extended protocol's `Parse` (a statement's SQL and parameter
//! types) and `Bind` (the values of one execution) and writes down one [`Statement`] per `Bind`.
//! The client must connect without TLS (`sslmode=disable`), as the bytes are read in passing.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One statement as the client executed it.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    pub sql: String,
    pub params: Vec<Param>,
}

/// A bound value, decoded by the type the client declared for it in `Parse`.
#[derive(Clone, Debug, PartialEq)]
pub enum Param {
    Null,
    Bool(bool),
    Int2(i16),
    Int4(i32),
    Int8(i64),
    Text(String),
}

impl std::fmt::Display for Param {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Param::Null => f.write_str("NULL"),
            Param::Bool(b) => write!(f, "{b}"),
            Param::Int2(i) => write!(f, "{i}"),
            Param::Int4(i) => write!(f, "{i}"),
            Param::Int8(i) => write!(f, "{i}"),
            Param::Text(t) => write!(f, "'{}'", t.replace('\'', "''")),
        }
    }
}

impl Statement {
    /// The statement with its values written in, for `psql` and `EXPLAIN` (not for execution
    /// by the program: values are bound there).
    pub fn inlined(&self) -> String {
        let mut sql = self.sql.clone();
        // From the highest number down, so that `$1` does not replace the start of `$12`.
        for (i, p) in self.params.iter().enumerate().rev() {
            let typed = match p {
                Param::Int8(_) => format!("CAST({p} AS BIGINT)"),
                Param::Text(_) => format!("CAST({p} AS TEXT)"),
                _ => p.to_string(),
            };
            sql = sql.replace(&format!("${}", i + 1), &typed);
        }
        sql
    }
}

/// A running proxy: connect to [`Capture::url`] and read what passed with [`Capture::statements`].
pub struct Capture {
    addr: SocketAddr,
    upstream_url: String,
    log: Arc<Mutex<Vec<Statement>>>,
}

impl Capture {
    /// Starts a proxy in front of the server of `url` (`postgres://user@host:port/db`).
    pub async fn start(url: &str) -> std::io::Result<Self> {
        let upstream = host_port(url);
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let log = Arc::new(Mutex::new(Vec::new()));
        let accepted = log.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (log, upstream) = (accepted.clone(), upstream.clone());
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(&upstream).await {
                        let _ = relay(client, server, log).await;
                    }
                });
            }
        });
        Ok(Self { addr, upstream_url: url.to_string(), log })
    }

    /// The URL of the same database through the proxy, without TLS.
    pub fn url(&self) -> String {
        let rest = self.upstream_url.split_once("://").map_or(self.upstream_url.as_str(), |(_, r)| r);
        let (credentials, after_at) = match rest.rsplit_once('@') {
            Some((c, a)) => (format!("{c}@"), a),
            None => (String::new(), rest),
        };
        let path = after_at.find('/').map_or("", |i| &after_at[i..]);
        let separator = if path.contains('?') { '&' } else { '?' };
        format!("postgres://{credentials}{}{path}{separator}sslmode=disable", self.addr)
    }

    /// How many statements have passed so far (to cut the log between operations).
    pub fn len(&self) -> usize {
        self.log.lock().expect("capture log").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The statements from the `from`-th on.
    pub fn statements(&self, from: usize) -> Vec<Statement> {
        self.log.lock().expect("capture log")[from..].to_vec()
    }
}

/// `host:port` of a PostgreSQL URL (port 5432 when none is given).
fn host_port(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let after_at = rest.rsplit_once('@').map_or(rest, |(_, a)| a);
    let host = after_at.split(['/', '?']).next().unwrap_or("127.0.0.1");
    if host.contains(':') { host.to_string() } else { format!("{host}:5432") }
}

/// Passes the server's bytes back as they come, and the client's on after reading them.
async fn relay(mut client: TcpStream, server: TcpStream, log: Arc<Mutex<Vec<Statement>>>) -> std::io::Result<()> {
    let (mut server_read, mut server_write) = server.into_split();
    let (mut client_read, mut client_write) = client.split();
    let back = async {
        let copied = tokio::io::copy(&mut server_read, &mut client_write).await;
        let _ = client_write.shutdown().await;
        copied
    };
    let forth = async {
        // The startup message has no type byte: a length (itself included), then the body.
        let len = client_read.read_u32().await?;
        let mut body = vec![0; (len as usize).saturating_sub(4)];
        client_read.read_exact(&mut body).await?;
        server_write.write_all(&len.to_be_bytes()).await?;
        server_write.write_all(&body).await?;
        // Prepared statements are per connection: their names are looked up here only.
        let mut prepared: HashMap<String, (String, Vec<u32>)> = HashMap::new();
        while let Ok(kind) = client_read.read_u8().await {
            let len = client_read.read_u32().await?;
            let mut body = vec![0; (len as usize).saturating_sub(4)];
            client_read.read_exact(&mut body).await?;
            match kind {
                b'P' => {
                    let mut r = Reader(&body);
                    let (name, sql) = (r.cstr(), r.cstr());
                    let n = r.i16();
                    let oids = (0..n).map(|_| r.i32() as u32).collect();
                    prepared.insert(name, (sql, oids));
                }
                b'B' => {
                    if let Some(statement) = bound(&body, &prepared) {
                        log.lock().expect("capture log").push(statement);
                    }
                }
                _ => {}
            }
            // Written down before it is passed on: once the client has its answer, its
            // statement is in the log.
            server_write.write_all(&[kind]).await?;
            server_write.write_all(&len.to_be_bytes()).await?;
            server_write.write_all(&body).await?;
        }
        let _ = server_write.shutdown().await;
        Ok::<_, std::io::Error>(())
    };
    let (a, b) = tokio::join!(back, forth);
    a?;
    b
}

/// The statement a `Bind` message executes, with its values decoded by their declared types.
fn bound(body: &[u8], prepared: &HashMap<String, (String, Vec<u32>)>) -> Option<Statement> {
    let mut r = Reader(body);
    let _portal = r.cstr();
    let (sql, oids) = prepared.get(&r.cstr())?;
    let formats: Vec<i16> = (0..r.i16()).map(|_| r.i16()).collect();
    let n = r.i16() as usize;
    let mut params = Vec::with_capacity(n);
    for i in 0..n {
        let len = r.i32();
        if len < 0 {
            params.push(Param::Null);
            continue;
        }
        let bytes = r.take(len as usize);
        let binary = match formats.as_slice() {
            [] => false,
            [one] => *one == 1,
            many => many[i] == 1,
        };
        let oid = oids.get(i).copied().unwrap_or(0);
        params.push(decode(oid, binary, bytes));
    }
    Some(Statement { sql: sql.clone(), params })
}

/// One value of a declared type. Only the types the store binds are known; anything else stops
/// the benchmark, as a replay that bound it otherwise would not be the store's statement.
fn decode(oid: u32, binary: bool, bytes: &[u8]) -> Param {
    let text = || String::from_utf8(bytes.to_vec()).expect("a UTF-8 parameter");
    let int = |width: usize| -> i64 {
        if binary {
            let mut buf = [0u8; 8];
            buf[8 - width..].copy_from_slice(bytes);
            // Sign-extend from the value's own width.
            i64::from_be_bytes(buf) << (64 - 8 * width) >> (64 - 8 * width)
        } else {
            text().parse().expect("an integer parameter")
        }
    };
    match oid {
        16 => Param::Bool(if binary { bytes == [1] } else { bytes == b"t" }),
        21 => Param::Int2(int(2) as i16),
        23 => Param::Int4(int(4) as i32),
        20 => Param::Int8(int(8)),
        25 | 1043 => Param::Text(text()),
        other => panic!("a parameter of type oid {other}, which the floor cannot bind"),
    }
}

/// Reads the fields of one message body.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> &[u8] {
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        head
    }
    fn i16(&mut self) -> i16 {
        i16::from_be_bytes(self.take(2).try_into().expect("two bytes"))
    }
    fn i32(&mut self) -> i32 {
        i32::from_be_bytes(self.take(4).try_into().expect("four bytes"))
    }
    fn cstr(&mut self) -> String {
        let end = self.0.iter().position(|&b| b == 0).expect("a terminated string");
        let s = String::from_utf8_lossy(&self.0[..end]).into_owned();
        self.0 = &self.0[end + 1..];
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_through_the_proxy() {
        assert_eq!(host_port("postgres://postgres@127.0.0.1:5433/db"), "127.0.0.1:5433");
        assert_eq!(host_port("postgres://localhost/db"), "localhost:5432");
    }

    #[test]
    fn integers_decode_with_their_sign() {
        assert_eq!(decode(20, true, &(-3i64).to_be_bytes()), Param::Int8(-3));
        assert_eq!(decode(23, true, &(-70000i32).to_be_bytes()), Param::Int4(-70000));
        assert_eq!(decode(21, true, &513i16.to_be_bytes()), Param::Int2(513));
        assert_eq!(decode(20, false, b"42"), Param::Int8(42));
        assert_eq!(decode(25, true, "肿瘤".as_bytes()), Param::Text("肿瘤".into()));
    }

    #[test]
    fn values_written_in_from_the_highest_number() {
        let s = Statement {
            sql: "SELECT $1, $10".into(),
            params: (1..=10).map(|i| if i == 1 { Param::Text("a'b".into()) } else { Param::Int8(i) }).collect(),
        };
        assert_eq!(s.inlined(), "SELECT CAST('a''b' AS TEXT), CAST(10 AS BIGINT)");
    }
}
