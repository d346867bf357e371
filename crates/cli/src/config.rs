//! Configuration: an optional TOML file, then `JIJIAO_*` environment variables (env wins), then
//! command-line flags. Defaults are derived from one data folder.

use jijiao_domain::credits::RuleSettings;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "./data";

/// Every setting, with its variable, default and meaning: printed by `jijiao config` and kept
/// in step with the README's table by a test.
pub const VARIABLES: &[(&str, &str, &str)] = &[
    ("JIJIAO_CONFIG", "（无）", "可选的 TOML 配置文件路径；其中的键为下列变量名去掉 JIJIAO_ 前缀后的小写形式"),
    ("JIJIAO_DATA_DIR", DEFAULT_DATA_DIR, "数据目录：SQLite 数据库文件与自动生成的密钥文件所在位置"),
    (
        "JIJIAO_DATABASE_URL",
        "（空：使用数据目录中的 SQLite）",
        "postgres://用户:密码@主机:端口/库名 使用 PostgreSQL；sqlite://路径 指定 SQLite 文件",
    ),
    (
        "JIJIAO_DATABASE_READ_URL",
        "（空：全部读写主库）",
        "PostgreSQL 流复制只读副本 postgres://…：未登录访客的项目目录、项目页面、证书验证与首页统计从副本读取；副本不可用时自动改读主库",
    ),
    (
        "JIJIAO_DATABASE_CONNECTIONS",
        "16",
        "每台服务器与 PostgreSQL 主库（及只读副本）的连接数（1–500）：宜为数据库服务器 CPU 核数的 2–3 倍除以服务器台数；SQLite 不用此项",
    ),
    ("JIJIAO_LISTEN", DEFAULT_LISTEN, "服务监听地址；serve --listen 可覆盖"),
    (
        "JIJIAO_ENCRYPTION_KEY",
        "（空：首次启动时在数据目录生成 jijiao.key）",
        "个人信息加密主密钥（32字节的 base64）；多台服务器必须相同",
    ),
    ("JIJIAO_ENCRYPTION_KEY_FILE", "（无）", "从文件读取上述密钥；不可与 JIJIAO_ENCRYPTION_KEY 同时设置"),
    ("JIJIAO_SESSION_IDLE_MINUTES", "30", "登录会话无操作多少分钟后失效"),
    ("JIJIAO_COOKIE_SECURE", "true", "Cookie 是否带 Secure 标记；仅在内网纯 HTTP 部署时设为 false"),
    ("JIJIAO_LOG", "info", "日志级别，如 debug、info,sqlx=warn"),
    (
        "JIJIAO_AUDIT_ANCHOR_FILE",
        "（无）",
        "服务运行时定期把带签名的审计日志链头追加到此文件；请放在数据库服务器以外（见 jijiao audit verify --anchor）",
    ),
    ("JIJIAO_AUDIT_ANCHOR_MINUTES", "60", "追加审计锚点的间隔分钟数（日志无变化时不追加）"),
    (
        "JIJIAO_PUBLIC_RATE_LIMIT",
        "600",
        "未登录调用 API 的限流：每个地址每分钟的请求数；0 表示关闭（由反向代理限流时）",
    ),
    (
        "JIJIAO_TRUSTED_PROXIES",
        "（无）",
        "可信的反向代理地址或网段（逗号分隔，如 127.0.0.1,10.0.0.0/8）：仅当请求来自其中之一时，才按 X-Forwarded-For 识别客户端地址",
    ),
    (
        "JIJIAO_SMS_URL",
        "（空：短信写入服务器日志）",
        "短信网关地址（http:// 或 https://）：以 POST 发送 JSON {\"phone\", \"text\"}，答复 2xx 即视为已发送；用于忘记密码的短信验证码",
    ),
    (
        "JIJIAO_RULES_FILE",
        "（无：全国统一的学分规则）",
        "学分规则配置文件（JSON，与 jijiao check credits --settings 相同），如各省基层卫生专业技术人员的学分上限；启动时读取",
    ),
];

#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    /// The PostgreSQL streaming replica the public's reads come from (`jijiao_storage::replica`).
    pub database_read_url: Option<String>,
    /// The connections of each PostgreSQL pool (`jijiao_storage::Store::open_with`).
    pub database_connections: u32,
    pub listen: SocketAddr,
    pub encryption_key: Option<String>,
    pub session_idle_minutes: u32,
    pub cookie_secure: bool,
    pub log: String,
    pub audit_anchor_file: Option<PathBuf>,
    pub audit_anchor_minutes: u32,
    /// Where the credit rule settings were read from; `None`: the national rules.
    pub rules_file: Option<PathBuf>,
    /// The credit rule settings the server applies (rules.md §2, §2.4).
    pub rules: RuleSettings,
    /// Anonymous API requests a minute per address; 0: no limit.
    pub public_rate_limit: u32,
    /// The reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: jijiao_web::client_address::TrustedProxies,
    /// Where text messages go (`JIJIAO_SMS_URL`, or the log when unset).
    pub sms: jijiao_app::sms::SmsGateway,
}

impl std::fmt::Debug for Config {
    /// Redacts the key and any database password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("data_dir", &self.data_dir)
            .field("database", &self.database_target().map(|t| format!("{t:?}")).unwrap_or_default())
            .field("database_read", &self.database_read_url.as_deref().map(jijiao_storage::redact_password))
            .field("database_connections", &self.database_connections)
            .field("listen", &self.listen)
            .field("encryption_key", &self.encryption_key.as_ref().map(|_| "***"))
            .field("session_idle_minutes", &self.session_idle_minutes)
            .field("cookie_secure", &self.cookie_secure)
            .field("log", &self.log)
            .field("audit_anchor_file", &self.audit_anchor_file)
            .field("audit_anchor_minutes", &self.audit_anchor_minutes)
            .field("rules_file", &self.rules_file)
            .field("public_rate_limit", &self.public_rate_limit)
            .field("trusted_proxies", &self.trusted_proxies)
            // A gateway's query may carry its key: the URL without it.
            .field(
                "sms",
                &match &self.sms {
                    jijiao_app::sms::SmsGateway::Log => "（日志）".to_string(),
                    jijiao_app::sms::SmsGateway::Http(url) => url.shown(),
                },
            )
            .finish()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    database_read_url: Option<String>,
    database_connections: Option<u32>,
    listen: Option<String>,
    encryption_key: Option<String>,
    encryption_key_file: Option<PathBuf>,
    session_idle_minutes: Option<u32>,
    cookie_secure: Option<bool>,
    log: Option<String>,
    audit_anchor_file: Option<PathBuf>,
    audit_anchor_minutes: Option<u32>,
    rules_file: Option<PathBuf>,
    public_rate_limit: Option<u32>,
    trusted_proxies: Option<String>,
    sms_url: Option<String>,
}

impl Config {
    /// Reads the file named by `file` or `JIJIAO_CONFIG`, then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, String> {
        Self::from_sources(file, |name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// The same, with the environment passed in (tests).
    pub fn from_sources(file: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let file_path = file.map(Path::to_path_buf).or_else(|| env("JIJIAO_CONFIG").map(PathBuf::from));
        let from_file = match &file_path {
            Some(path) => {
                let text =
                    std::fs::read_to_string(path).map_err(|e| format!("无法读取配置文件 {}：{e}", path.display()))?;
                toml::from_str::<FileConfig>(&text).map_err(|e| format!("配置文件 {} 有误：{e}", path.display()))?
            }
            None => FileConfig::default(),
        };
        let data_dir = env("JIJIAO_DATA_DIR")
            .map(PathBuf::from)
            .or(from_file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let database_url = env("JIJIAO_DATABASE_URL").or(from_file.database_url);
        let database_read_url = env("JIJIAO_DATABASE_READ_URL")
            .or(from_file.database_read_url)
            .map(|url| url.trim().to_string())
            .filter(|url| !url.is_empty());
        let database_connections = match env("JIJIAO_DATABASE_CONNECTIONS") {
            Some(text) => Some(text.trim().parse::<u32>().map_err(|_| connections_error(&text))?),
            None => from_file.database_connections,
        };
        let database_connections = database_connections.unwrap_or(jijiao_storage::DEFAULT_POSTGRES_CONNECTIONS);
        if !(1..=500).contains(&database_connections) {
            return Err(connections_error(&database_connections.to_string()));
        }
        let listen_text = env("JIJIAO_LISTEN").or(from_file.listen).unwrap_or_else(|| DEFAULT_LISTEN.to_string());
        let listen = parse_listen(&listen_text)?;
        let key_file = env("JIJIAO_ENCRYPTION_KEY_FILE").map(PathBuf::from).or(from_file.encryption_key_file);
        let key = env("JIJIAO_ENCRYPTION_KEY").or(from_file.encryption_key);
        let encryption_key = match (key, key_file) {
            (Some(_), Some(_)) => {
                return Err("JIJIAO_ENCRYPTION_KEY 与 JIJIAO_ENCRYPTION_KEY_FILE 只能设置一个".to_string());
            }
            (Some(k), None) => Some(k),
            (None, Some(path)) => Some(
                std::fs::read_to_string(&path)
                    .map_err(|e| format!("无法读取密钥文件 {}：{e}", path.display()))?
                    .trim()
                    .to_string(),
            ),
            (None, None) => None,
        };
        let log = env("JIJIAO_LOG").or(from_file.log).unwrap_or_else(|| "info".to_string());
        let session_idle_minutes = match env("JIJIAO_SESSION_IDLE_MINUTES") {
            Some(text) => text
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|m| (1..=1440).contains(m))
                .ok_or_else(|| format!("JIJIAO_SESSION_IDLE_MINUTES“{text}”应为1到1440之间的整数"))?,
            None => from_file.session_idle_minutes.unwrap_or(30),
        };
        let cookie_secure = match env("JIJIAO_COOKIE_SECURE") {
            Some(text) => match text.trim() {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => return Err(format!("JIJIAO_COOKIE_SECURE“{text}”应为 true 或 false")),
            },
            None => from_file.cookie_secure.unwrap_or(true),
        };
        let audit_anchor_file = env("JIJIAO_AUDIT_ANCHOR_FILE").map(PathBuf::from).or(from_file.audit_anchor_file);
        let audit_anchor_minutes = match env("JIJIAO_AUDIT_ANCHOR_MINUTES") {
            Some(text) => text
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|m| (1..=10_080).contains(m))
                .ok_or_else(|| format!("JIJIAO_AUDIT_ANCHOR_MINUTES“{text}”应为1到10080之间的整数"))?,
            None => from_file.audit_anchor_minutes.unwrap_or(60),
        };
        let rules_file = env("JIJIAO_RULES_FILE").map(PathBuf::from).or(from_file.rules_file);
        // Read now, so a bad file stops the start with its problem named.
        let rules = match &rules_file {
            Some(path) => jijiao_app::rules::read_settings(path)?,
            None => RuleSettings::default(),
        };
        let public_rate_limit = match env("JIJIAO_PUBLIC_RATE_LIMIT") {
            Some(text) => {
                text.trim().parse::<u32>().ok().filter(|n| *n <= 1_000_000).ok_or_else(|| {
                    format!("JIJIAO_PUBLIC_RATE_LIMIT“{text}”应为0到1000000之间的整数（0 表示不限流）")
                })?
            }
            None => from_file.public_rate_limit.unwrap_or(jijiao_web::security::Limits::default().public_per_minute),
        };
        let trusted_proxies = jijiao_web::client_address::TrustedProxies::parse(
            &env("JIJIAO_TRUSTED_PROXIES").or(from_file.trusted_proxies).unwrap_or_default(),
        )?;
        let sms = jijiao_app::sms::SmsGateway::from_config(env("JIJIAO_SMS_URL").or(from_file.sms_url).as_deref())
            .map_err(|e| format!("JIJIAO_SMS_URL：{e}"))?;
        let config = Config {
            data_dir,
            database_url,
            database_read_url,
            database_connections,
            listen,
            encryption_key,
            session_idle_minutes,
            cookie_secure,
            log,
            audit_anchor_file,
            audit_anchor_minutes,
            rules_file,
            rules,
            public_rate_limit,
            trusted_proxies,
            sms,
        };
        // Refuse an unknown database scheme now, before anything starts, and a replica that is not
        // one of a PostgreSQL primary.
        let target = config.database_target()?;
        if let Some(url) = &config.database_read_url {
            if target.backend() != jijiao_storage::Backend::Postgres {
                return Err(
                    "JIJIAO_DATABASE_READ_URL 仅用于 PostgreSQL：请同时将 JIJIAO_DATABASE_URL 设为 postgres://…".into(),
                );
            }
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                let shown = jijiao_storage::redact_password(url);
                return Err(format!("JIJIAO_DATABASE_READ_URL“{shown}”无效：应以 postgres:// 开头"));
            }
        }
        Ok(config)
    }

    /// The application over `store`, with the configured rule settings, SMS gateway and the system
    /// clock.
    pub fn app(&self, store: jijiao_storage::Store) -> jijiao_app::App {
        jijiao_app::App::new(store).with_rules(self.rules.clone()).with_sms(self.sms.clone())
    }

    pub fn web_settings(&self) -> jijiao_web::WebSettings {
        let defaults = jijiao_web::WebSettings::default();
        jijiao_web::WebSettings {
            session_idle_ms: i64::from(self.session_idle_minutes) * 60_000,
            secure_cookies: self.cookie_secure,
            limits: jijiao_web::security::Limits { public_per_minute: self.public_rate_limit, ..defaults.limits },
            trusted_proxies: self.trusted_proxies.clone(),
            ..defaults
        }
    }

    pub fn database_target(&self) -> Result<jijiao_storage::DatabaseTarget, String> {
        jijiao_storage::DatabaseTarget::from_config(self.database_url.as_deref(), &self.data_dir)
            .map_err(|e| e.to_string())
    }
}

fn connections_error(text: &str) -> String {
    format!("JIJIAO_DATABASE_CONNECTIONS“{text}”应为1到500之间的整数")
}

pub fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    text.trim().parse().map_err(|_| format!("监听地址“{text}”无效，应形如 {DEFAULT_LISTEN}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn defaults() {
        let c = Config::from_sources(None, env(&[])).unwrap();
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert!(c.database_url.is_none() && c.encryption_key.is_none());
        assert_eq!(c.log, "info");
    }

    #[test]
    fn file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("jijiao.toml");
        std::fs::write(&file, "data_dir = \"/srv/jijiao\"\nlisten = \"0.0.0.0:9000\"\n").unwrap();
        let c = Config::from_sources(Some(&file), env(&[("JIJIAO_LISTEN", "127.0.0.1:7000")])).unwrap();
        assert_eq!(c.data_dir, PathBuf::from("/srv/jijiao"));
        assert_eq!(c.listen.to_string(), "127.0.0.1:7000");
        std::fs::write(&file, "colour = \"red\"\n").unwrap();
        assert!(Config::from_sources(Some(&file), env(&[])).unwrap_err().contains("colour"));
    }

    #[test]
    fn bad_values_are_refused_with_a_clear_message() {
        let err = Config::from_sources(None, env(&[("JIJIAO_DATABASE_URL", "mysql://x/y")])).unwrap_err();
        assert!(err.contains("mysql://x/y") && err.contains("postgres://"), "{err}");
        assert!(Config::from_sources(None, env(&[("JIJIAO_LISTEN", "nowhere")])).unwrap_err().contains("nowhere"));
        let both = env(&[("JIJIAO_ENCRYPTION_KEY", "a"), ("JIJIAO_ENCRYPTION_KEY_FILE", "/k")]);
        assert!(Config::from_sources(None, both).is_err());
        let c = Config::from_sources(
            None,
            env(&[("JIJIAO_DATABASE_URL", "postgres://u:pw@h/db"), ("JIJIAO_ENCRYPTION_KEY", "k")]),
        )
        .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("pw@") && !shown.contains("\"k\""), "{shown}");
    }

    /// The PostgreSQL pool's size: 16 unless set, from the environment over the file, and only a
    /// whole number from 1 to 500.
    #[test]
    fn the_pool_size_is_configured_within_bounds() {
        assert_eq!(Config::from_sources(None, env(&[])).unwrap().database_connections, 16);
        let c = Config::from_sources(None, env(&[("JIJIAO_DATABASE_CONNECTIONS", " 6 ")])).unwrap();
        assert_eq!(c.database_connections, 6);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("jijiao.toml");
        std::fs::write(&file, "database_connections = 8\n").unwrap();
        assert_eq!(Config::from_sources(Some(&file), env(&[])).unwrap().database_connections, 8);
        let over = env(&[("JIJIAO_DATABASE_CONNECTIONS", "4")]);
        assert_eq!(Config::from_sources(Some(&file), over).unwrap().database_connections, 4);
        for bad in ["0", "501", "十", "-3", "2.5"] {
            let err = Config::from_sources(None, env(&[("JIJIAO_DATABASE_CONNECTIONS", bad)])).unwrap_err();
            assert!(
                err.contains("JIJIAO_DATABASE_CONNECTIONS") && err.contains(bad) && err.contains("1到500"),
                "{err}"
            );
        }
        std::fs::write(&file, "database_connections = 0\n").unwrap();
        assert!(Config::from_sources(Some(&file), env(&[])).unwrap_err().contains("1到500"));
    }

    /// The replica's URL is read like the primary's, and only beside a PostgreSQL primary; its
    /// password is never shown.
    #[test]
    fn the_read_replica_is_configuration() {
        let primary = ("JIJIAO_DATABASE_URL", "postgres://u:pw@db1/jijiao");
        let c = Config::from_sources(None, env(&[primary])).unwrap();
        assert_eq!(c.database_read_url, None);
        let c = Config::from_sources(
            None,
            env(&[primary, ("JIJIAO_DATABASE_READ_URL", " postgres://u:secret@db2:5433/jijiao ")]),
        )
        .unwrap();
        assert_eq!(c.database_read_url.as_deref(), Some("postgres://u:secret@db2:5433/jijiao"));
        let shown = format!("{c:?}");
        assert!(!shown.contains("secret") && shown.contains("db2:5433"), "{shown}");
        let err =
            Config::from_sources(None, env(&[("JIJIAO_DATABASE_READ_URL", "postgres://db2/jijiao")])).unwrap_err();
        assert!(err.contains("JIJIAO_DATABASE_READ_URL") && err.contains("PostgreSQL"), "{err}");
        let err = Config::from_sources(None, env(&[primary, ("JIJIAO_DATABASE_READ_URL", "mysql://u:secret@db2/x")]))
            .unwrap_err();
        assert!(err.contains("mysql://u:***@db2/x") && !err.contains("secret"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("jijiao.toml");
        std::fs::write(&file, "database_url = \"postgres://db1/j\"\ndatabase_read_url = \"postgres://db2/j\"\n")
            .unwrap();
        let c = Config::from_sources(Some(&file), env(&[])).unwrap();
        assert_eq!(c.database_read_url.as_deref(), Some("postgres://db2/j"));
    }

    #[test]
    fn rule_settings_come_from_the_named_file() {
        let c = Config::from_sources(None, env(&[])).unwrap();
        assert_eq!((c.rules_file.as_deref(), &c.rules), (None, &RuleSettings::default()));
        let dir = tempfile::tempdir().unwrap();
        let rules = dir.path().join("rules.json");
        std::fs::write(&rules, r#"{ "grassroots": [ { "province": "13", "caps": { "remote_project": 5 } } ] }"#)
            .unwrap();
        let from_env = Config::from_sources(None, env(&[("JIJIAO_RULES_FILE", rules.to_str().unwrap())])).unwrap();
        assert_eq!(from_env.rules.grassroots[0].province, "13");
        assert_eq!(from_env.rules.grassroots[0].caps.remote_project, jijiao_domain::Credits::whole(5));
        let file = dir.path().join("jijiao.toml");
        std::fs::write(&file, format!("rules_file = {:?}\n", rules.to_str().unwrap())).unwrap();
        assert_eq!(Config::from_sources(Some(&file), env(&[])).unwrap().rules, from_env.rules);
        std::fs::write(&rules, r#"{ "grassroots": [ { "province": "火星" } ] }"#).unwrap();
        let err = Config::from_sources(None, env(&[("JIJIAO_RULES_FILE", rules.to_str().unwrap())])).unwrap_err();
        assert!(err.contains("rules.json") && err.contains("火星"), "{err}");
    }

    #[test]
    fn rate_limit_and_proxies_are_configuration() {
        let c = Config::from_sources(None, env(&[])).unwrap();
        assert_eq!(c.web_settings().limits.public_per_minute, 600);
        assert!(c.web_settings().trusted_proxies.is_empty());
        let c = Config::from_sources(
            None,
            env(&[("JIJIAO_PUBLIC_RATE_LIMIT", "0"), ("JIJIAO_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")]),
        )
        .unwrap();
        let web = c.web_settings();
        assert_eq!(web.limits.public_per_minute, 0, "0 turns the limit off");
        assert_eq!(web.limits.login_per_minute, 20, "the other limits keep their defaults");
        assert!(web.trusted_proxies.trusts("10.2.3.4".parse().unwrap()));
        assert!(!web.trusted_proxies.trusts("192.168.0.1".parse().unwrap()));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("jijiao.toml");
        std::fs::write(&file, "public_rate_limit = 120\ntrusted_proxies = \"::1\"\n").unwrap();
        let c = Config::from_sources(Some(&file), env(&[])).unwrap();
        assert_eq!(c.public_rate_limit, 120);
        assert!(c.trusted_proxies.trusts("::1".parse().unwrap()));
        let err = Config::from_sources(None, env(&[("JIJIAO_PUBLIC_RATE_LIMIT", "很多")])).unwrap_err();
        assert!(err.contains("JIJIAO_PUBLIC_RATE_LIMIT") && err.contains("很多"), "{err}");
        let err = Config::from_sources(None, env(&[("JIJIAO_TRUSTED_PROXIES", "10.0.0.1,nginx")])).unwrap_err();
        assert!(err.contains("nginx"), "{err}");
    }

    #[test]
    fn the_sms_gateway_is_configuration() {
        let c = Config::from_sources(None, env(&[])).unwrap();
        assert!(!c.sms.sends(), "without a URL messages go to the log");
        let c =
            Config::from_sources(None, env(&[("JIJIAO_SMS_URL", "https://sms.example.cn/send?key=s3cret")])).unwrap();
        assert!(c.sms.sends());
        let shown = format!("{c:?}");
        assert!(shown.contains("https://sms.example.cn:443/send") && !shown.contains("s3cret"), "{shown}");
        let err = Config::from_sources(None, env(&[("JIJIAO_SMS_URL", "sms.example.cn")])).unwrap_err();
        assert!(err.contains("JIJIAO_SMS_URL") && err.contains("sms.example.cn"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("jijiao.toml");
        std::fs::write(&file, "sms_url = \"http://127.0.0.1:9000/sms\"\n").unwrap();
        assert!(Config::from_sources(Some(&file), env(&[])).unwrap().sms.sends());
    }

    #[test]
    fn readme_documents_every_variable() {
        let readme = include_str!("../../../README.md");
        for (name, _, _) in VARIABLES {
            assert!(readme.contains(name), "README.md does not document {name}");
        }
    }
}
