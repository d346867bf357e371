//! Credits: a person's year, registration and review of credits, self-study, legacy imports and
//! compliance, as pages and as API.

pub(crate) mod api;
pub(crate) mod pages;
