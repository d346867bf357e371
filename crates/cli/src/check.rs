//! `jijiao check application|score|credits FILE`: the offline checks of formats.md, with no
//! database and no configuration, so a unit can check a file before it uploads it.

use clap::{Args, Subcommand};
use jijiao_domain::check::{Kind, run};
use jijiao_domain::credits::RuleSettings;
use jijiao_domain::subject::Catalogue;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum CheckCommand {
    /// 申报书形式审查（rules.md §3）：有错误时退出码为 1
    Application(CheckArgs),
    /// 执行情况评分（rules.md §5）
    Score(CheckArgs),
    /// 个人年度学分（rules.md §2）
    Credits(CreditArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// JSON 文件（formats.md）；“-”表示标准输入
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// 输出 formats.md 规定的 JSON，而不是中文报告
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CreditArgs {
    #[command(flatten)]
    pub common: CheckArgs,
    /// 学分规则配置（JSON，只写需要改变的项，如某省基层人员的远程项目上限）
    #[arg(long, value_name = "FILE")]
    pub settings: Option<PathBuf>,
}

fn read(path: &PathBuf) -> Result<String, String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(|e| format!("无法读取标准输入：{e}"))?;
        return Ok(text);
    }
    let bytes = std::fs::read(path).map_err(|e| format!("无法读取文件 {}：{e}", path.display()))?;
    String::from_utf8(bytes).map_err(|_| format!("文件 {} 不是 UTF-8 编码的 JSON", path.display()))
}

/// Exit 0: checked (no blocking finding); 1: an application with errors; 2: not a valid document.
pub fn execute(command: CheckCommand) -> ExitCode {
    let (kind, args, settings_file) = match command {
        CheckCommand::Application(a) => (Kind::Application, a, None),
        CheckCommand::Score(a) => (Kind::Score, a, None),
        CheckCommand::Credits(c) => (Kind::Credits, c.common, c.settings),
    };
    let settings = match settings_file {
        Some(path) => match read(&path).and_then(|t| {
            jijiao_app::rules::parse_settings(&t).map_err(|e| format!("学分规则配置 {}：{e}", path.display()))
        }) {
            Ok(s) => s,
            Err(message) => {
                eprintln!("{message}");
                return ExitCode::from(2);
            }
        },
        None => RuleSettings::default(),
    };
    let text = match read(&args.file) {
        Ok(t) => t,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match run(kind, &text, &Catalogue::default_catalogue(), &settings) {
        Ok(outcome) => {
            if args.json {
                println!("{}", serde_json::to_string_pretty(&outcome.json).expect("JSON value prints"));
            } else {
                print!("{}", outcome.text);
                if !outcome.text.ends_with('\n') {
                    println!();
                }
            }
            if outcome.blocking { ExitCode::from(1) } else { ExitCode::SUCCESS }
        }
        Err(errors) => {
            eprintln!("文件 {} 不是有效的文档：", args.file.display());
            for e in &errors {
                eprintln!("  {e}");
            }
            ExitCode::from(2)
        }
    }
}
