//! `jijiao import projects FILE --year YYYY --batch N [--dry-run]`: a published list in, all or nothing.
//!
//! The same import as the national office's upload page (`jijiao_app::projects::import_list_as`):
//! every bad row is reported with its spreadsheet row number, column and reason, and nothing is
//! saved unless the whole file is right. Progress goes to standard error as a simple bar (no extra
//! dependency), only when standard error is a terminal.

use clap::Args;
use jijiao_app::projects::{ListImport, ListImported, check_list, store_list, unlinked_units};
use jijiao_app::{App, AppError};
use jijiao_storage::Actor;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ImportProjectsArgs {
    /// 名单文件（xlsx、xls、CSV UTF-8 或 GBK）
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// 年度
    #[arg(long)]
    pub year: jijiao_domain::Year,
    /// 批次
    #[arg(long)]
    pub batch: u16,
    /// 只检查并报告，不保存
    #[arg(long)]
    pub dry_run: bool,
    /// 公布文号，如 全继委办发〔2024〕3号
    #[arg(long, default_value = "")]
    pub notice: String,
}

/// A one-line progress bar on standard error.
struct Progress {
    enabled: bool,
    last: usize,
}

impl Progress {
    fn new() -> Self {
        Self { enabled: std::io::stderr().is_terminal(), last: usize::MAX }
    }

    fn show(&mut self, done: usize, total: usize) {
        if !self.enabled || total == 0 {
            return;
        }
        let percent = done * 100 / total;
        if percent == self.last {
            return;
        }
        self.last = percent;
        let filled = percent / 5;
        let mut err = std::io::stderr().lock();
        let _ =
            write!(err, "\r检查 [{}{}] {percent:>3}%  {done}/{total} 行", "#".repeat(filled), "-".repeat(20 - filled));
        if done == total {
            let _ = writeln!(err);
        }
        let _ = err.flush();
    }
}

pub async fn run(app: &App, args: ImportProjectsArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.file).map_err(|e| anyhow::anyhow!("无法读取文件 {}：{e}", args.file.display()))?;
    let name = args.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut progress = Progress::new();
    let on_terminal = progress.enabled;
    let checked = check_list(app, bytes, &name, args.year, move |done, total| progress.show(done, total)).await;
    let projects = match checked {
        Ok(p) => p,
        Err(AppError::InvalidDocument(problems)) => {
            eprintln!("文件 {} 有 {} 处错误，未导入：", args.file.display(), problems.len());
            for p in problems {
                eprintln!("  {p}");
            }
            return Ok(ExitCode::from(2));
        }
        Err(e) => return Err(crate::app_error(e)),
    };
    let unlinked = ListImported { projects: projects.len(), unlinked_units: unlinked_units(&projects) };
    if let Some(notice) = unlinked.unlinked_notice() {
        eprintln!("注意：{notice}");
    }
    if args.dry_run {
        println!("检查通过：{} 个项目（{}年第{}批），未保存（--dry-run）。", projects.len(), args.year, args.batch);
        return Ok(ExitCode::SUCCESS);
    }
    if on_terminal {
        eprintln!("正在保存 {} 个项目…", projects.len());
    }
    let import = ListImport { year: args.year, batch: args.batch, notice: args.notice.clone(), dry_run: false };
    let stored = store_list(app, &Actor::system("命令行导入"), &import, &projects).await.map_err(crate::app_error)?;
    println!("已导入 {stored} 个项目：{}年第{}批。", args.year, args.batch);
    Ok(ExitCode::SUCCESS)
}
