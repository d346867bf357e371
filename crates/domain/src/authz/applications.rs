//! Who may draft, submit, review, recommend and approve applications, and set windows and quotas (the applications' part of [`super`]).
//!
//! An application sits at a [`Place`]: its province, the district above its unit, its unit, and
//! its leader (person). The unit's administrator drafts and submits for the unit; a leader drafts
//! and submits their own. Reviewers (district, province, national) see what has been submitted
//! in their scope, never the units' drafts, and act only when the chain has reached their office.

use super::{Grant, Place, Role};
use crate::org::Level;
use crate::review::workflow::{Office, Status, Step, next_office};

/// The roles whose holders review applications in their scope.
fn office_of(role: Role) -> Option<Office> {
    match role {
        Role::NationalAdmin => Some(Office::National),
        Role::ProvinceAdmin => Some(Office::Province),
        Role::DistrictAdmin => Some(Office::District),
        _ => None,
    }
}

/// Drafting for the unit: its administrator, or the leader for themselves.
fn is_applicant(g: &Grant, place: &Place) -> bool {
    matches!(g.role, Role::UnitAdmin | Role::Leader) && g.covers(place)
}

/// Whether the grants let someone create a new application at `place` (a unit, and for a leader themselves).
pub fn may_draft(grants: &[Grant], place: &Place) -> bool {
    grants.iter().any(|g| is_applicant(g, place))
}

/// Whether the application at `place` in `status` is visible: applicants always; reviewers in
/// scope once it was submitted (drafts stay with the unit).
pub fn may_read(grants: &[Grant], place: &Place, status: Status) -> bool {
    grants
        .iter()
        .any(|g| is_applicant(g, place) || (office_of(g.role).is_some() && g.covers(place) && status != Status::Draft))
}

/// Whether the document may be changed now (and submitted): the applicants, while editable.
pub fn may_edit(grants: &[Grant], place: &Place, status: Status) -> bool {
    status.editable() && may_draft(grants, place)
}

/// Whether the grants allow `step` on the application now: the office the chain has reached, in scope.
pub fn may_step(grants: &[Grant], place: &Place, level: Level, status: Status, step: Step) -> bool {
    let has_district = place.district.is_some();
    let Some(office) = next_office(level, status, has_district) else {
        return false;
    };
    if !crate::review::workflow::steps(level, status, has_district).contains(&step) {
        return false;
    }
    match office {
        Office::Unit => may_edit(grants, place, status),
        _ => grants.iter().any(|g| office_of(g.role) == Some(office) && g.covers(place)),
    }
}

/// Whether someone is a reviewer at all (sees the reviewers' list).
pub fn is_reviewer(grants: &[Grant]) -> bool {
    grants.iter().any(|g| office_of(g.role).is_some())
}

/// Whether someone applies at all (sees the unit's list and the new-application form).
pub fn is_applicant_role(grants: &[Grant]) -> bool {
    grants.iter().any(|g| matches!(g.role, Role::UnitAdmin | Role::Leader))
}

/// Which level's window an office sets: the national office the national one, a province its
/// provincial one, a district its district one.
pub fn window_level(role: Role) -> Option<Level> {
    match role {
        Role::NationalAdmin => Some(Level::National),
        Role::ProvinceAdmin => Some(Level::Provincial),
        Role::DistrictAdmin => Some(Level::District),
        _ => None,
    }
}

/// Whether the grants let someone set the window of `level` for the office at `place` (the
/// national office: everywhere; a province: its own; a district: its own).
pub fn may_set_window(grants: &[Grant], level: Level, place: &Place) -> bool {
    grants.iter().any(|g| window_level(g.role) == Some(level) && g.covers(place))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(
        role: Role,
        province: Option<&str>,
        district: Option<i64>,
        unit: Option<i64>,
        person: Option<i64>,
    ) -> Vec<Grant> {
        vec![Grant { role, province: province.map(Into::into), district, unit, person }]
    }

    /// 北京 (11), district 10, unit 100, leader 1000.
    fn place() -> Place {
        Place { province: Some("11".into()), district: Some(10), unit: Some(100), person: Some(1000) }
    }

    #[test]
    fn applicants_draft_and_reviewers_see_submitted_only() {
        let unit = grant(Role::UnitAdmin, Some("11"), Some(10), Some(100), None);
        let other_unit = grant(Role::UnitAdmin, Some("11"), Some(10), Some(101), None);
        let leader = grant(Role::Leader, Some("11"), None, Some(100), Some(1000));
        let other_leader = grant(Role::Leader, Some("11"), None, Some(100), Some(1001));
        let province = grant(Role::ProvinceAdmin, Some("11"), None, None, None);
        let hebei = grant(Role::ProvinceAdmin, Some("13"), None, None, None);
        let inspector = grant(Role::Inspector, Some("11"), None, None, None);
        assert!(may_draft(&unit, &place()) && may_draft(&leader, &place()));
        assert!(!may_draft(&other_unit, &place()) && !may_draft(&other_leader, &place()));
        assert!(!may_draft(&province, &place()), "reviewers do not apply");
        assert!(may_read(&unit, &place(), Status::Draft));
        assert!(!may_read(&province, &place(), Status::Draft));
        assert!(may_read(&province, &place(), Status::Submitted));
        assert!(!may_read(&hebei, &place(), Status::Submitted));
        assert!(!may_read(&inspector, &place(), Status::Submitted));
        assert!(may_edit(&leader, &place(), Status::Returned));
        assert!(!may_edit(&leader, &place(), Status::Submitted));
    }

    #[test]
    fn each_office_acts_in_turn() {
        let unit = grant(Role::UnitAdmin, Some("11"), Some(10), Some(100), None);
        let district = grant(Role::DistrictAdmin, Some("11"), Some(10), None, None);
        let other_district = grant(Role::DistrictAdmin, Some("11"), Some(11), None, None);
        let province = grant(Role::ProvinceAdmin, Some("11"), None, None, None);
        let national = grant(Role::NationalAdmin, None, None, None, None);
        let n = Level::National;
        assert!(may_step(&unit, &place(), n, Status::Draft, Step::Submit));
        assert!(!may_step(&province, &place(), n, Status::Draft, Step::Submit));
        assert!(may_step(&district, &place(), n, Status::Submitted, Step::Forward));
        assert!(!may_step(&other_district, &place(), n, Status::Submitted, Step::Forward));
        assert!(!may_step(&province, &place(), n, Status::Submitted, Step::Recommend), "the district first");
        assert!(may_step(&province, &place(), n, Status::DistrictReviewed, Step::Recommend));
        assert!(may_step(&province, &place(), n, Status::DistrictReviewed, Step::Return));
        assert!(!may_step(&national, &place(), n, Status::DistrictReviewed, Step::Approve));
        assert!(may_step(&national, &place(), n, Status::ProvinceRecommended, Step::Approve));
        assert!(!may_step(&province, &place(), n, Status::ProvinceRecommended, Step::Approve));
        let no_district = Place { district: None, ..place() };
        assert!(may_step(&province, &no_district, Level::Provincial, Status::Submitted, Step::Approve));
    }

    #[test]
    fn windows_belong_to_their_level() {
        let national = grant(Role::NationalAdmin, None, None, None, None);
        let province = grant(Role::ProvinceAdmin, Some("11"), None, None, None);
        let p = Place::province("11");
        assert!(may_set_window(&national, Level::National, &Place::everywhere()));
        assert!(!may_set_window(&province, Level::National, &Place::everywhere()));
        assert!(may_set_window(&province, Level::Provincial, &p));
        assert!(!may_set_window(&province, Level::Provincial, &Place::province("13")));
        assert!(is_reviewer(&province) && !is_applicant_role(&province));
    }
}
