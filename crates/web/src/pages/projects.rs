//! Pages of published projects: the public catalogue and each project's page, and the national
//! office's upload of published lists.

use crate::auth::Principal;
use crate::routes::Routes;

pub fn routes() -> Routes {
    Routes::new()
}

/// This area's entries in the menu of a signed-in, confirmed user.
pub fn menu(_p: &Principal, _items: &mut Vec<(&'static str, &'static str)>) {}
