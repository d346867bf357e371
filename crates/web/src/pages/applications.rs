//! Pages of applications: the form in steps with the live formal review, the review chain, windows, quotas.

use crate::auth::Principal;
use crate::routes::Routes;

pub fn routes() -> Routes {
    Routes::new()
}

/// This area's entries in the menu of a signed-in, confirmed user.
pub fn menu(_p: &Principal, _items: &mut Vec<(&'static str, &'static str)>) {}
