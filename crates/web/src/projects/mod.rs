//! Published projects: the public catalogue, batches and their publication, suspensions and the
//! number patterns, as pages and as API.

pub(crate) mod api;
pub(crate) mod pages;
