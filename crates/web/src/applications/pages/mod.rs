//! Pages of applications: the unit's list, the 申报书 of seed 003 in five steps with the formal
//! review beside every field (live, through the static script), the detail with the review chain,
//! the reviewers' lists with filters and Excel export, and the windows each level's office sets.
//! Every decision is made in [`jijiao_app::applications`]; these handlers only translate forms.
//!
//! The form fields are named by their path in the Application document (`leader.title`,
//! `teachers[2].hours`), the same paths the findings name, so the server places findings beside
//! their fields and the script rebuilds the document for the live check without a second mapping.

mod edit;
pub(crate) mod form;
mod json_path;
mod list;
mod printouts;
mod review;
mod windows;

use jijiao_domain::authz::applications as rules;

use crate::auth::{MaybePrincipal, Principal};
use crate::csrf::CsrfToken;
use crate::pages::Layout;
use crate::routes::Routes;

pub fn routes() -> Routes {
    Routes::new()
        .get("/applications", list::list_page)
        .get("/applications/new", edit::new_page)
        .post("/applications", edit::create)
        .get("/applications/{id}", review::detail_page)
        .get("/applications/{id}/form.pdf", printouts::form_pdf)
        .get("/applications/{id}/commitment.pdf", printouts::commitment_pdf)
        .get("/applications/{id}/edit", edit::edit_page)
        .post("/applications/{id}/edit", edit::save)
        .post("/applications/{id}/steps", review::take_step)
        .post("/applications/{id}/copy", edit::copy)
        .post("/applications/{id}/delete", edit::delete)
        .get("/application-windows", windows::windows_page)
        .post("/application-windows", windows::set_window)
}

/// This area's entries in the menu of a signed-in, confirmed user.
pub fn menu(p: &Principal, items: &mut Vec<(&'static str, &'static str)>) {
    if rules::is_applicant_role(&p.grants) || rules::is_reviewer(&p.grants) {
        let label = if rules::is_reviewer(&p.grants) { "项目审核" } else { "项目申报" };
        items.push(("/applications", label));
        items.push(("/application-windows", "申报时间"));
    }
}

fn layout(current: &str, p: &Principal, csrf: &CsrfToken) -> Layout {
    Layout::new(current, &MaybePrincipal(Some(p.clone())), csrf)
}

fn may_use(p: &Principal) -> bool {
    rules::is_applicant_role(&p.grants) || rules::is_reviewer(&p.grants)
}
