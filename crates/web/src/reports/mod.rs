//! From the event to the learner's record over HTTP (issue 16): the workflow API of formats.md from
//! the roster on, and the pages (the roster import, the report form with its survey grid, the audit
//! list and the audit of one report, each period's state on the project's events page); a remote
//! project's upload cycle (`remote_api`, `remote_pages`) and the learners' phone survey.

pub mod api;
pub mod pages;
pub mod remote_api;
pub mod remote_pages;
