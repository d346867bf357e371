//! `jijiao certificate`: verifying a certificate offline or against a server, and rotating an
//! issuing office's signing key (rules.md §8).
//!
//! `verify` needs no database: the QR code of a certificate PDF holds the facts and the signature,
//! and the published keys come from a file (`--keys`) or the server's well-known URL. Any province's
//! system verifies any certificate with the published keys alone. Exit 0 valid, 1 invalid or
//! revoked, 2 unreadable (the file, the server or the keys).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};
use jijiao_domain::certificate::{Facts, PublishedKey, read_qr_text, verify};
use jijiao_storage::Store;
use serde_json::Value;

#[derive(Debug, Subcommand)]
pub enum CertificateCommand {
    /// Verify a certificate: a PDF (its QR code) or a number (fetched from --url).
    Verify(VerifyArgs),
    /// Retire an office's current signing key and make a new one.
    RotateKey {
        /// The office: a province's 2-digit code, e.g. 11.
        #[arg(long, value_name = "CODE")]
        office: String,
    },
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A certificate PDF, or a certificate number such as 2026-11-00000001.
    #[arg(value_name = "FILE.pdf|NUMBER")]
    pub target: String,
    /// The published keys as a JSON file (the well-known document); otherwise fetched from the server.
    #[arg(long, value_name = "FILE")]
    pub keys: Option<PathBuf>,
    /// The server (http://host:port): where a number is looked up, keys are fetched and revocation is checked.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
}

const UNREADABLE: u8 = 2;

/// What was read: the facts and signature, and where they came from.
struct Claim {
    facts: Value,
    signature: String,
    /// The server's own answer, when the certificate was fetched by number: its status and revocation.
    server: Option<Value>,
    /// The server named by the QR code (scheme://host), for keys and status when no --url is given.
    origin: Option<String>,
}

pub fn verify_command(args: &VerifyArgs) -> ExitCode {
    match run_verify(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("无法验证：{message}");
            ExitCode::from(UNREADABLE)
        }
    }
}

fn run_verify(args: &VerifyArgs) -> Result<ExitCode, String> {
    let url = args.url.as_deref().map(|u| u.trim_end_matches('/').to_string());
    let claim = read_claim(&args.target, url.as_deref())?;
    let server = url.clone().or(claim.origin.clone());
    let keys: Vec<PublishedKey> = match (&args.keys, &server) {
        (Some(file), _) => {
            let text =
                std::fs::read_to_string(file).map_err(|e| format!("无法读取密钥文件 {}：{e}", file.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("密钥文件 {} 格式不正确：{e}", file.display()))?
        }
        (None, Some(server)) => {
            let text = http_get(&format!("{server}/.well-known/jijiao/certificate-keys.json"))?;
            serde_json::from_str(&text).map_err(|e| format!("服务器公布的密钥格式不正确：{e}"))?
        }
        (None, None) => return Err("请用 --keys 指定公钥文件，或用 --url 指定服务器".into()),
    };
    let facts = match verify(&claim.facts, &claim.signature, &keys) {
        Ok(f) => f,
        Err(e) => {
            if let Ok(f) = Facts::from_value(&claim.facts) {
                print_facts(&f);
            }
            println!("结果：无效。{e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    print_facts(&facts);
    println!("签名：有效（{} 的签名密钥 {}，Ed25519）", facts.office_name, facts.kid);
    // Revocation is the server's to say: asked when a server is known (the QR's, or --url) and no
    // offline key file was given alone.
    let status = match (&claim.server, &server) {
        (Some(answer), _) => Some(answer.clone()),
        (None, Some(server)) if args.keys.is_none() || args.url.is_some() => {
            let text = http_get(&format!("{server}/api/v1/certificates/{}", facts.number))?;
            Some(serde_json::from_str::<Value>(&text).map_err(|e| format!("服务器的回答无法读取：{e}"))?)
        }
        _ => None,
    };
    match status {
        Some(answer) if answer["status"] == "revoked" => {
            let on = answer["revoked"]["on"].as_str().unwrap_or_default();
            let reason = answer["revoked"]["reason"].as_str().unwrap_or_default();
            println!("结果：已撤销（{on}）：{reason}");
            Ok(ExitCode::FAILURE)
        }
        Some(answer) if answer["status"] != "valid" => {
            println!("结果：无效（服务器答复状态为 {}）", answer["status"]);
            Ok(ExitCode::FAILURE)
        }
        Some(_) => {
            println!("结果：有效");
            Ok(ExitCode::SUCCESS)
        }
        None => {
            println!("结果：有效（离线验证签名；撤销状态请在发证系统查询）");
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn read_claim(target: &str, url: Option<&str>) -> Result<Claim, String> {
    let path = Path::new(target);
    if path.is_file() || target.to_ascii_lowercase().ends_with(".pdf") {
        let bytes = std::fs::read(path).map_err(|e| format!("无法读取文件 {target}：{e}"))?;
        let text = jijiao_documents::pdf::read_certificate_qr(&bytes).map_err(|e| format!("{target}：{e}"))?;
        let content = read_qr_text(&text).map_err(|e| e.to_string())?;
        let origin = content.url.split("/certificates/verify").next().map(str::to_string);
        return Ok(Claim { facts: content.facts, signature: content.signature, server: None, origin });
    }
    let Some(url) = url else {
        return Err("按编号验证需要用 --url 指定服务器".into());
    };
    let text = http_get(&format!("{url}/api/v1/certificates/{}", target.trim()))?;
    let answer: Value = serde_json::from_str(&text).map_err(|e| format!("服务器的回答无法读取：{e}"))?;
    let signature = answer["signature"].as_str().ok_or("服务器的回答中没有签名")?.to_string();
    Ok(Claim { facts: answer["facts"].clone(), signature, server: Some(answer), origin: None })
}

fn print_facts(f: &Facts) {
    let dates = match f.start {
        Some(s) if s != f.end => format!("{s} 至 {}", f.end),
        _ => f.end.to_string(),
    };
    println!("{}  {}", f.kind.title(), f.number);
    println!("  姓名：{}（{}）", f.name, f.id_number);
    println!("  项目：{}（{}，{}，{}）", f.project_name, f.project_number, f.level.label(), f.delivery.label());
    println!("  时间：{dates}{}", if f.place.is_empty() { String::new() } else { format!("，{}", f.place) });
    println!("  学时：{}  学分：{}", f.hours, f.credits);
    println!("  发证：{}，{}", f.office_name, f.issued_on);
    if let Some(old) = &f.replaces {
        println!("  补发：替代原证书 {old}");
    }
}

/// A plain HTTP/1.1 GET (`http://` only; the body of a 200 answer). The verifier needs no TLS
/// stack: against an HTTPS server, save its well-known keys and pass them with `--keys`.
fn http_get(url: &str) -> Result<String, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("只支持 http:// 地址（{url}）；HTTPS 服务器请先下载公钥文件并用 --keys 指定"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let address = if authority.contains(':') { authority.to_string() } else { format!("{authority}:80") };
    let mut stream = TcpStream::connect(&address).map_err(|e| format!("无法连接 {authority}：{e}"))?;
    let timeout = Some(Duration::from_secs(20));
    stream.set_read_timeout(timeout).and_then(|()| stream.set_write_timeout(timeout)).map_err(|e| e.to_string())?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {authority}\r\nAccept: application/json\r\nConnection: close\r\n\r\n")
        .map_err(|e| format!("无法发送请求：{e}"))?;
    let mut raw = Vec::new();
    stream.take(16 * 1024 * 1024).read_to_end(&mut raw).map_err(|e| format!("无法读取回答：{e}"))?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or("服务器的回答不完整")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut body = raw[split + 4..].to_vec();
    let status: u16 = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or("服务器的回答无法读取")?;
    if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        body = dechunk(&body)?;
    }
    let body = String::from_utf8(body).map_err(|_| "服务器的回答不是 UTF-8")?;
    match status {
        200 => Ok(body),
        404 => Err(format!("服务器上没有找到（{path}）")),
        other => Err(format!("服务器答复 {other}：{}", body.chars().take(200).collect::<String>())),
    }
}

fn dechunk(mut body: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n").ok_or("分块编码不完整")?;
        let size_text = String::from_utf8_lossy(&body[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| "分块编码无法读取")?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(body.get(..size).ok_or("分块编码不完整")?);
        body = body.get(size + 2..).unwrap_or_default();
    }
}

/// `jijiao certificate rotate-key --office CODE`, as the system (recorded in the audit log).
pub async fn rotate_key(store: &Store, office: &str, today: chrono::NaiveDate) -> anyhow::Result<ExitCode> {
    let actor = jijiao_storage::Actor::system("命令行更换证书签名密钥");
    match store.rotate_certificate_key(&actor, office.trim(), today).await {
        Ok((retired, current)) => {
            match retired {
                Some(old) => println!("已停用密钥 {old}（仍公布，可验证其签发的证书），启用新密钥 {current}。"),
                None => println!("发证机构 {office} 原无密钥，已生成密钥 {current}。"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{e}");
            Ok(ExitCode::from(2))
        }
    }
}
