//! Reference data: provinces and their committees, the subject catalogue, titles and ID numbers,
//! as pages (public, and the national administrator's) and as API.

pub(crate) mod api;
pub(crate) mod pages;
