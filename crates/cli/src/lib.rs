//! The `jijiao` command: one binary that serves, migrates, loads the demo, backs up and checks
//! documents offline. `main.rs` only calls [`run`], so tests drive the same code.

pub mod audit;
pub mod certificate;
pub mod check;
pub mod config;
pub mod demo;
pub mod demo_applications;
pub mod demo_certificates;
pub mod demo_credits;
pub mod demo_events;
pub mod demo_projects;
pub mod demo_remote;
pub mod demo_reports;
pub mod demo_sign_ins;
pub mod import_projects;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

use config::Config;
use jijiao_storage::vault::KeySource;
use jijiao_storage::{Store, Vault};

#[derive(Debug, Parser)]
#[command(name = "jijiao", version, about = "继教：继续医学教育管理系统（申报、公布、举办、执行情况、学分与证书）")]
pub struct Cli {
    /// TOML configuration file (overrides JIJIAO_CONFIG)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 启动服务（首次启动自动建库）
    Serve {
        /// 监听地址，覆盖 JIJIAO_LISTEN
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// 启动前载入演示数据
        #[arg(long)]
        demo: bool,
    },
    /// 执行数据库迁移并载入参考数据
    Migrate,
    /// 载入演示数据（已载入时不重复）
    Demo,
    /// 在线备份 SQLite 数据库到 PATH（PostgreSQL 请用 pg_dump）
    Backup {
        #[arg(value_name = "PATH")]
        path: PathBuf,
    },
    /// 显示生效的配置项及其说明
    Config,
    /// 离线检查 JSON 文件（formats.md）：申报书形式审查、执行情况评分、个人年度学分
    Check {
        #[command(subcommand)]
        command: check::CheckCommand,
    },
    /// 导入数据（全部成功才保存）
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// 按现行规则和学科目录重新审查全部已保存的申报书，更新每份的错误与提示数
    Rereview,
    /// 审计日志
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Electronic credit certificates: verify one (offline from its PDF, or by number), rotate a key.
    Certificate {
        #[command(subcommand)]
        command: certificate::CertificateCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// 导入公布的项目名单（xlsx、xls、CSV；列同真实名单：项目编号、项目名称、申办单位……）
    Projects(import_projects::ImportProjectsArgs),
    /// 导入一期的学员名单（xlsx、xls、CSV UTF-8 或 GBK；列同模板：姓名、身份证号、工作单位……），替换原名单
    Roster {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// 项目编号，如 2026-03-01-001（国）
        #[arg(long)]
        project: String,
        /// 期次（按公布日期从1起）
        #[arg(long)]
        period: u32,
        /// 只检查并报告，不保存
        #[arg(long)]
        dry_run: bool,
    },
    /// 用文件替换三级学科目录（xlsx、xls、CSV 或 TSV，表头含“代码”“名称”）
    Subjects {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// 校验审计日志的哈希链，指出第一条被修改、删除或插入的记录（退出码 1）
    Verify {
        /// 同时与锚点文件（audit anchor 的输出）比对：日志少于锚定条数或哈希不符即失败
        #[arg(long, value_name = "FILE")]
        anchor: Option<PathBuf>,
    },
    /// 输出带签名的审计日志链头（条数、哈希、时间），追加到 FILE 或打印；请保存在数据库以外
    Anchor {
        /// 追加到此文件（JSON Lines），不给则打印到标准输出
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// Parses arguments, runs the command, maps failures to exit codes (1 error, 2 bad input).
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    // The checks work offline: no configuration, no database.
    let command = match cli.command {
        Command::Check { command } => return check::execute(command),
        // Verification needs no database either: the PDF and the published keys are enough.
        Command::Certificate { command: certificate::CertificateCommand::Verify(args) } => {
            return certificate::verify_command(&args);
        }
        other => other,
    };
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(message) => {
            eprintln!("配置错误：{message}");
            return ExitCode::from(2);
        }
    };
    init_logging(&config.log);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("无法启动运行时：{e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(execute(command, config)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(filter: &str) {
    let filter =
        tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).try_init();
}

async fn execute(command: Command, config: Config) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve { listen, demo } => {
            let listen = match listen {
                Some(text) => config::parse_listen(&text).map_err(anyhow::Error::msg)?,
                None => config.listen,
            };
            let store = open_store(&config).await?;
            if demo {
                load_demo(&store).await?;
            }
            let store = match &config.database_read_url {
                Some(url) => store.with_read_replica(url)?,
                None => store,
            };
            let listener =
                tokio::net::TcpListener::bind(listen).await.map_err(|e| anyhow::anyhow!("无法监听 {listen}：{e}"))?;
            let address = listener.local_addr()?;
            tracing::info!("jijiao 已启动：http://{address}/");
            println!("jijiao 已启动：http://{address}/  （按 Ctrl-C 停止）");
            if let Some(path) = &config.audit_anchor_file {
                let every = std::time::Duration::from_secs(u64::from(config.audit_anchor_minutes) * 60);
                audit::spawn_schedule(store.clone(), path.clone(), every);
            }
            let state = jijiao_web::AppState::with_app(config.app(store), config.web_settings());
            jijiao_web::serve(listener, state).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            open_store(&config).await?;
            println!("数据库已是最新版本，参考数据已载入。");
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo => {
            let store = open_store(&config).await?;
            load_demo(&store).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { path } => {
            let store = open_store(&config).await?;
            match store.backup(&path).await {
                Ok(()) => {
                    println!("已备份到 {}", path.display());
                    println!(
                        "恢复：停止服务，将该文件复制为 {}",
                        config.data_dir.join(jijiao_storage::SQLITE_FILE).display()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("{e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Check { command } => Ok(check::execute(command)),
        Command::Import { command: ImportCommand::Projects(args) } => {
            let store = open_store(&config).await?;
            import_projects::run(&config.app(store), args).await
        }
        Command::Import { command: ImportCommand::Roster { file, project, period, dry_run } } => {
            let bytes = std::fs::read(&file).map_err(|e| anyhow::anyhow!("无法读取文件 {}：{e}", file.display()))?;
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let store = open_store(&config).await?;
            let app = config.app(store);
            let actor = jijiao_storage::Actor::system("命令行导入");
            match jijiao_app::reports::import_roster_as_operator(&app, &actor, &project, period, &bytes, &name, dry_run)
                .await
            {
                Ok(done) => {
                    let what = if dry_run { "检查通过，未保存（--dry-run）" } else { "已导入" };
                    println!(
                        "{what}：{project} 第{period}期，学员 {} 人，授课教师 {} 人，其中 {} 人已在系统中。",
                        done.learners, done.speakers, done.matched
                    );
                    for w in done.warnings {
                        println!("注意：{w}");
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(jijiao_app::AppError::InvalidDocument(problems)) => {
                    eprintln!("文件 {} 有 {} 处错误，未导入：", file.display(), problems.len());
                    for p in problems {
                        eprintln!("  {p}");
                    }
                    Ok(ExitCode::from(2))
                }
                Err(e) => Err(app_error(e)),
            }
        }
        Command::Import { command: ImportCommand::Subjects { file } } => {
            let bytes = std::fs::read(&file).map_err(|e| anyhow::anyhow!("无法读取文件 {}：{e}", file.display()))?;
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            match jijiao_app::reference::parse_catalogue_file(&bytes, &name) {
                Ok(catalogue) => {
                    let store = open_store(&config).await?;
                    store.replace_catalogue(&jijiao_storage::Actor::system("命令行导入"), &catalogue).await?;
                    println!("已导入 {} 个三级学科，原目录已替换。", catalogue.tertiary().len());
                    Ok(ExitCode::SUCCESS)
                }
                Err(problems) => {
                    eprintln!("文件 {} 有 {} 处错误，未导入：", file.display(), problems.len());
                    for p in problems {
                        eprintln!("  {p}");
                    }
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::Rereview => {
            let store = open_store(&config).await?;
            let started = std::time::Instant::now();
            let app = config.app(store);
            let r = jijiao_app::applications::rereview_all(&app).await.map_err(app_error)?;
            println!(
                "已重新审查 {} 份申报书（用时 {:.1} 秒）：{} 份的审查结果有变化；{} 份有阻止提交的错误，{} 份有提示。",
                r.reviewed,
                started.elapsed().as_secs_f64(),
                r.changed,
                r.with_errors,
                r.with_warnings
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { command: AuditCommand::Verify { anchor } } => {
            let store = open_store(&config).await?;
            audit::verify(&store, anchor.as_deref()).await
        }
        Command::Audit { command: AuditCommand::Anchor { output } } => {
            let store = open_store(&config).await?;
            audit::anchor(&store, output.as_deref()).await
        }
        Command::Certificate { command: certificate::CertificateCommand::Verify(args) } => {
            Ok(certificate::verify_command(&args))
        }
        Command::Certificate { command: certificate::CertificateCommand::RotateKey { office } } => {
            let store = open_store(&config).await?;
            let today = config.app(store.clone()).today();
            certificate::rotate_key(&store, &office, today).await
        }
        Command::Config => {
            println!("# jijiao 配置（环境变量优先于配置文件）");
            for (name, default, meaning) in config::VARIABLES {
                println!("# {name}：{meaning}（默认 {default}）");
            }
            println!("{config:#?}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// An operation's failure as the command reports it: unlike a web page, the operator at the
/// terminal sees the detail of an internal error.
pub fn app_error(e: jijiao_app::AppError) -> anyhow::Error {
    match e {
        jijiao_app::AppError::Internal(detail) => anyhow::anyhow!("内部错误：{detail}"),
        other => anyhow::anyhow!("{other}"),
    }
}

/// Opens (creating if needed) the configured database, migrated and with reference data.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let target = config.database_target().map_err(anyhow::Error::msg)?;
    let (vault, source) = Vault::load_or_create(&config.data_dir, config.encryption_key.as_deref())?;
    if source == KeySource::Generated {
        tracing::warn!(
            "未配置 JIJIAO_ENCRYPTION_KEY，已在 {} 生成个人信息加密密钥：请妥善备份，丢失后无法解密身份证号和电话",
            config.data_dir.join(jijiao_storage::vault::KEY_FILE).display()
        );
    }
    Ok(Store::open_with(&target, vault, config.database_connections).await?)
}

/// Loads the demo world once: servers started together with `--demo` take turns, and the later
/// ones find it loaded.
async fn load_demo(store: &Store) -> anyhow::Result<()> {
    let summary = store.exclusively(|| demo::load(store)).await?;
    if summary.already_loaded {
        println!("演示数据已存在，未重复载入。");
    } else {
        println!("已载入演示数据：{} 个机构，{} 名卫生专业技术人员。", summary.organisations, summary.people);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
