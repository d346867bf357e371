//! `jijiao import projects FILE --year YYYY --batch N [--dry-run]`: a published list in, all or nothing.

use clap::Args;
use jijiao_storage::Store;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ImportProjectsArgs {
    /// 名单文件（xlsx、xls、CSV UTF-8 或 GBK）
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// 年度
    #[arg(long)]
    pub year: u16,
    /// 批次
    #[arg(long)]
    pub batch: u16,
    /// 只检查并报告，不保存
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(_store: &Store, args: ImportProjectsArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("项目名单导入尚未实现：{}", args.file.display())
}
