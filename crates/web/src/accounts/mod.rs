//! Accounts: signing in and out, registration, one's own page and password (and its self-service
//! reset by SMS code), and the administrators' pages and API for accounts, roles, API tokens and
//! the audit log.

pub(crate) mod admin;
pub(crate) mod api;
pub(crate) mod pages;
pub(crate) mod reset;
