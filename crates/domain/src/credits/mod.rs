//! Credits (学分): the amount type and the credit engine of rules.md §2 (2024 measures, legacy years).
//!
//! Reading a file: `crate::document::parse::<Activities>` (field paths in errors), then [`validate`]
//! (records that cannot count for the year), then [`evaluate`] and [`render_text`].

mod activities;
mod amount;
mod engine;
pub mod learning_record;
#[cfg(test)]
mod proptests;
mod report;
mod settings;
mod validate;

pub use activities::{
    Activities, Activity, ActivityKind, LegacyClass, LegacyRecord, OtherActivity, PeriodActivity, Person,
    PracticeActivity, ProjectActivity, Role, SelfStudyActivity,
};
pub use amount::{ANNUAL_REQUIREMENT, Credits};
pub use engine::evaluate;
pub use report::{ActivityCredit, ByKind, CreditReport, KindTotal, render_text, rule};
pub use settings::{
    Caps, FULL_YEAR_CREDITS, FULL_YEAR_DAYS, GrassrootsRules, LEGACY_RULES, LegacyRules, NATIONAL_CAPS, Regime,
    RuleSettings, SWITCH_DATE, formula,
};
pub use validate::{InvalidActivities, validate};
