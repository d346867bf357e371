//! The storage tests, in one binary: each file below was a test binary of its own, and linking
//! sqlx and the store seven times was much of CI's build.

mod applications;
mod audit_chain;
mod bulk;
mod certificates;
mod concurrency;
mod connections;
mod contract;
mod credit_records;
mod events;
mod projects;
mod sign_in;
mod sign_ins;
mod suspensions;

/// A year the tests know to be in range.
fn y(year: u16) -> jijiao_domain::Year {
    jijiao_domain::Year::try_from(year).expect("a year in range")
}
