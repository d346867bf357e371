//! The rules of China's continuing medical education (继续医学教育), as pure types and functions.
//!
//! Nothing in this crate does IO, async or database work: every rule is a deterministic function of
//! its inputs, so it can be tested exhaustively and reused by the CLI, the server and the importers.

pub mod authz;
pub mod certificate;
pub mod check;
pub mod credits;
pub mod degree;
pub mod document;
pub mod events;
pub mod id_number;
pub mod org;
pub mod personal;
pub mod province;
pub mod publication;
pub mod review;
pub mod score;
pub mod subject;
pub mod tenths;
pub mod time;
pub mod title;
pub mod year;

pub use credits::Credits;
pub use id_number::{IdNumber, Sex};
pub use tenths::Hours;
pub use year::Year;
