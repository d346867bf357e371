//! Project applications (申报): the step-by-step form, the review chain, the lists, the printouts
//! and the application windows, as pages and as API.

pub(crate) mod api;
pub(crate) mod pages;
