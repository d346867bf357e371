//! The readable Chinese score report that `jijiao check score` prints by default (formats.md).

use std::fmt::Write;

use super::engine::ScoreOutput;

/// Per period: each item with its Chinese name, points / max and explanation, then the period's total;
/// last the project's score (the mean of the periods).
pub fn render_text(output: &ScoreOutput) -> String {
    let delivery = output.delivery;
    let mut text = String::new();
    let number = if output.project_number.trim().is_empty() {
        "（未填写项目编号）"
    } else {
        output.project_number.trim()
    };
    let _ = writeln!(text, "项目 {number}（{}项目）执行情况评分（2024年版考核指标）", delivery.label());
    if output.periods.is_empty() {
        let _ = writeln!(text, "\n执行情况中没有期次。");
    }
    for (index, period) in output.periods.iter().enumerate() {
        let held = if period.held { "" } else { "（未举办）" };
        let _ = writeln!(text, "\n第{}期{held}", index + 1);
        for (item, points) in &period.items {
            let explanation = period.explanations.get(item).map(String::as_str).unwrap_or("");
            // The explanation ends with the points, which the line already shows.
            let suffix = format!("：{points}分");
            let reason = explanation.strip_suffix(&suffix).unwrap_or(explanation);
            let _ = writeln!(
                text,
                "  {} {}：{}/{}分。{reason}。",
                &item.id()["score.".len()..],
                item.name(delivery),
                points,
                item.max_points(),
            );
        }
        let _ = writeln!(text, "  本期得分：{}/100分", period.total);
    }
    let _ = writeln!(
        text,
        "\n项目得分（{}期得分的平均值，保留一位小数，四舍五入）：{}分",
        output.periods.len(),
        output.score
    );
    text
}
