//! Formal review of applications (形式审查, rules.md §3): every rule with its id, severity, field and message.
//!
//! [`review`] runs every rule of [`RULES`] in its order over an [`Application`] and returns the
//! findings as formats.md gives them; [`render_text`] writes them as a Chinese report. The rules, their
//! thresholds ([`thresholds`]) and the name comparisons ([`names`]) are data and small functions, so the
//! CLI, the server and the UI read the same table.

mod application;
mod checks;
pub mod names;
mod report;
mod rules;
pub mod thresholds;
pub mod workflow;

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use serde::Serialize;

use crate::subject::Catalogue;

pub use application::{
    Applicant, Application, Category, Context, Leader, LeaderProject, Method, OtherApplication, PeerReviewer, Percent,
    Period, ProjectInspection, ProjectKind, ProjectType, SubjectChoice, Teacher, UnitProject, Window,
};
pub use report::render_text;
pub use rules::{RULE_COUNT, RULES, Rule, Severity, rule, rule_position};

/// One problem found: which rule, how serious, which field (`teachers[2].title`), and what to change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    /// The path of the field in the application document.
    pub field: String,
    /// Chinese, telling the applicant what to change, with the figures.
    pub message: String,
}

/// The result of a formal review: `ok` when no finding is an error (warnings do not block).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Review {
    pub ok: bool,
    pub errors: usize,
    pub warnings: usize,
    /// In the order of [`RULES`], then in the order of the document.
    pub findings: Vec<Finding>,
}

impl Review {
    pub fn from_findings(findings: Vec<Finding>) -> Self {
        let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
        Self { ok: errors == 0, errors, warnings: findings.len() - errors, findings }
    }

    /// The ids of the rules that found something.
    pub fn rule_ids(&self) -> BTreeSet<&'static str> {
        self.findings.iter().map(|f| f.rule).collect()
    }
}

/// Reviews an application against every rule of rules.md §3.
pub fn review(app: &Application, catalogue: &Catalogue) -> Review {
    let ctx = checks::Ctx::new(app, catalogue);
    let mut findings = Vec::new();
    for (rule, (id, check)) in RULES.iter().zip(checks::CHECKS.iter()) {
        debug_assert_eq!(rule.id, *id);
        check(&ctx, &mut checks::Out { rule, findings: &mut findings });
    }
    Review::from_findings(findings)
}

/// Parses an Application document (unknown fields rejected; errors name the field path).
pub fn parse_application(text: &str) -> Result<Application, crate::document::DocumentError> {
    crate::document::parse::<Application>(text)
}
