//! The 2024 evaluation score of executed projects (rules.md §5, seed 000 Attachment 4).
//!
//! [`ExecutionReport`] is the document (formats.md "Execution report"), read with
//! [`crate::document::parse`]; [`evaluate`] scores it per item and period, with a Chinese explanation
//! for every item, and [`render_text`] prints the result for people. The item rules and the edge cases
//! the rules leave open are in `items.rs`.

mod engine;
mod items;
mod report;
mod text;

pub use engine::{PeriodScore, Score, ScoreOutput, evaluate, mean};
pub use items::{Item, Scored};
pub use report::{Courseware, Days, ExecutionReport, FormChange, Period, Plan, PlannedPeriod, Survey};
pub use text::render_text;

#[cfg(test)]
mod tests;
