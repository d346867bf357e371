//! jijiao's end-to-end tests, in one binary: each file below was a test binary of its own, and
//! linking the whole application nine times was most of CI's build.

mod common;

mod app_context;
mod application_contacts;
mod applications;
mod audit;
mod authorisation;
mod browser;
mod browser_ux;
mod certificates;
mod credits;
mod deploy;
mod events;
mod guard;
mod limits;
mod login;
mod password_reset;
mod projects;
mod rate_limits;
mod recovery;
mod reference_data;
mod remote;
mod replica;
mod reports;
mod sign_in;
mod two_servers;
mod usability;
