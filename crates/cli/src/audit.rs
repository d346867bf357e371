//! `jijiao audit`: checking the log's chain, and anchoring its head outside the database (see
//! `jijiao_storage::audit_anchor` for why a chain alone cannot show a cut tail).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use jijiao_storage::Store;
use jijiao_storage::audit_anchor::AnchorFinding;

/// `jijiao audit verify [--anchor FILE]`: exit 0 when the chain holds (and every anchor with it), 1 otherwise.
pub async fn verify(store: &Store, anchor_file: Option<&Path>) -> anyhow::Result<ExitCode> {
    let anchors = match anchor_file {
        Some(path) => Some(
            std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("无法读取锚点文件 {}：{e}", path.display()))?,
        ),
        None => None,
    };
    let report = store.verify_audit_chain().await?;
    if let Some((id, reason)) = report.first_broken {
        println!("审计日志被篡改：第一处断裂在第 {id} 条记录。{reason}");
        return Ok(ExitCode::FAILURE);
    }
    println!("审计日志完整：共校验 {} 条记录，哈希链无断裂。", report.checked);
    let (Some(text), Some(path)) = (anchors, anchor_file) else { return Ok(ExitCode::SUCCESS) };
    match store.check_audit_anchors(&text).await? {
        AnchorFinding::Holds { anchors } => {
            println!("与锚点文件 {} 的 {anchors} 个锚点一致。", path.display());
            Ok(ExitCode::SUCCESS)
        }
        AnchorFinding::Broken { line, reason } => {
            println!("审计日志与锚点不符（{} 第 {line} 行）：{reason}", path.display());
            Ok(ExitCode::FAILURE)
        }
    }
}

/// `jijiao audit anchor [--output FILE]`: the signed head, appended to FILE or printed.
pub async fn anchor(store: &Store, output: Option<&Path>) -> anyhow::Result<ExitCode> {
    let anchor = store.audit_anchor().await?;
    match output {
        Some(path) => {
            append_line(path, &anchor.to_line())?;
            eprintln!(
                "已将锚点（{} 条记录）追加到 {}：请将该文件另行保存在数据库以外的地方。",
                anchor.count,
                path.display()
            );
        }
        None => println!("{}", anchor.to_line()),
    }
    Ok(ExitCode::SUCCESS)
}

fn append_line(path: &Path, line: &str) -> anyhow::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| anyhow::anyhow!("无法写入锚点文件 {}：{e}", path.display()))?;
    writeln!(file, "{line}").map_err(|e| anyhow::anyhow!("无法写入锚点文件 {}：{e}", path.display()))?;
    file.sync_data()?;
    Ok(())
}

/// While the server runs: appends an anchor to `path` every `every`, when the log has grown since
/// the last one (an idle server writes nothing). Failures are logged, never fatal to serving.
pub fn spawn_schedule(store: Store, path: PathBuf, every: Duration) {
    tokio::spawn(async move {
        let mut last_count = None;
        let mut ticks = tokio::time::interval(every);
        loop {
            ticks.tick().await;
            match store.audit_anchor().await {
                Ok(anchor) if last_count != Some(anchor.count) => match append_line(&path, &anchor.to_line()) {
                    Ok(()) => last_count = Some(anchor.count),
                    Err(e) => tracing::error!(error = %e, "审计锚点写入失败"),
                },
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "无法读取审计日志链头"),
            }
        }
    });
}
