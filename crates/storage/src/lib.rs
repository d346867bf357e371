//! jijiao's one storage interface: [`Store`], over SQLite (the embedded default) and PostgreSQL.
//!
//! Both backends run the same portable SQL through sqlx's `Any` driver; only the migrations (one
//! folder per backend, `migrations`) and a few dialect-specific pieces differ, each kept in one
//! module per concern (`dialect`, and the catalogue's word index in [`catalogue`]). No handler
//! writes SQL: the web and CLI crates call the methods here.

mod accounts;
pub mod applications;
pub mod audit;
pub mod audit_anchor;
mod bulk;
pub mod catalogue;
pub mod certificates;
mod constraints;
pub mod credit_records;
mod decode;
mod dialect;
mod error;
pub mod events;
mod migrations;
mod organisations;
mod page;
mod people;
pub mod projects;
mod rate_limits;
mod reader;
mod reference;
pub mod replica;
pub mod reports;
mod sql;
mod store;
pub mod suspensions;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod vault;

pub use accounts::{
    Account, AccountFilter, AccountId, AccountSummary, ApiToken, CodeIssue, CodeUse, MAX_LIVE_CAPTCHAS, NewAccount,
    NewRole, RESET_CODE_TRIES, ResetCodeLimits, RoleRecord, SessionRecord, TokenHolder,
};
pub use audit::{Actor, AuditEntry, AuditFilter, ChainReport, Change};
pub use dialect::Backend;
pub use error::StoreError;
pub use organisations::{NewOrganisation, OrgFilter, OrgId, Organisation};
pub use page::{Page, PageRequest};
pub use people::{MaskedPerson, NewPerson, Person, PersonFilter, PersonId};
pub use rate_limits::{RATE_WINDOW_MS, RateCount, RateWindow};
pub use reader::Reader;
pub use reference::{ProvinceRecord, PublicFigures};
pub use replica::{PublicReads, Reads};
pub use store::{
    DEFAULT_POSTGRES_CONNECTIONS, DatabaseTarget, POSTGRES_CONNECTION_SETTINGS, SQLITE_CONNECTION_SETTINGS,
    SQLITE_FILE, Store, redact_password,
};
pub use vault::Vault;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Milliseconds since the Unix epoch, UTC: how every instant is stored.
pub fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
