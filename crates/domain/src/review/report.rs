//! The formal review as a readable Chinese report, for the CLI's default output and for printing.

use std::fmt::Write;

use super::{Review, Severity, rule};

/// `形式审查通过` when nothing was found; otherwise the counts and every finding with its rule, field
/// and message, errors first.
pub fn render_text(review: &Review) -> String {
    let mut text = String::new();
    if review.findings.is_empty() {
        text.push_str("形式审查通过\n");
        return text;
    }
    if review.ok {
        let _ = writeln!(text, "形式审查通过，有{}项警告（不影响上报，审核人员可见）", review.warnings);
    } else {
        let _ = writeln!(
            text,
            "形式审查未通过：错误{}项，警告{}项。请改正全部错误后再上报。",
            review.errors, review.warnings
        );
    }
    for (severity, count) in [(Severity::Error, review.errors), (Severity::Warning, review.warnings)] {
        if count == 0 {
            continue;
        }
        let _ = writeln!(text, "\n{}（{}项）", severity.label(), count);
        let findings = review.findings.iter().filter(|f| f.severity == severity);
        for (n, finding) in findings.enumerate() {
            let name = rule(finding.rule).map_or("", |r| r.name);
            let _ = writeln!(text, "{}. [{}] {}", n + 1, finding.rule, name);
            let _ = writeln!(text, "   字段：{}", finding.field);
            let _ = writeln!(text, "   {}", finding.message);
        }
    }
    text
}
