//! Holding a project (rules.md §7.1–§7.7, §4): the pure rules of filing a period, inspecting it on
//! the day, the QR sign-in of learners, its roster and execution report, the files they carry
//! (notices, photos), who may do which, the unit's history the formal review reads, and what falls
//! due. No IO: the application layer feeds these the records.

pub mod access;
pub mod cycle;
pub mod files;
pub mod filing;
pub mod history;
pub mod inspection;
pub mod report;
pub mod roster;
pub mod sign_in;
pub mod survey;
pub mod tasks;

/// One problem with an input: the rule it breaks, the field at fault (`schedule[2].hours`), and a
/// Chinese message naming the field, so a form can show it beside the field and the API can list it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub rule: &'static str,
    pub field: String,
    pub message: String,
}

impl Problem {
    pub fn new(rule: &'static str, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { rule, field: field.into(), message: message.into() }
    }
}
