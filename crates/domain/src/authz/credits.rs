//! Who may record, review and grant credits, for whom (the learning record's part of [`super`]).
//!
//! rules.md §2.5: the employer records further training, degree education, government assignments and
//! practice, and reviews and grants self-study; the province reviews what employers and organisers
//! recorded and grants it; a granted record is corrected only by the province, through a reversal.

use super::{Grant, Place, Role};

/// What an account asks to do with credit records at a place (the person's place: province, district,
/// employer, person).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreditAction {
    /// Read a person's learning record (the person, or an administrator of the scope).
    ReadRecord,
    /// Register further training, degree education, government assignments or practice for an employee.
    Register,
    /// Grant or reject a record the employer or an organiser recorded.
    Review,
    /// Review and grant a self-study application.
    ReviewSelfStudy,
    /// Apply for self-study credits (the professional, for themself).
    ApplySelfStudy,
    /// Reverse a granted record (a correction).
    Reverse,
    /// Import legacy I类/II类 records.
    ImportLegacy,
    /// Read the compliance of the people of a scope.
    ReadCompliance,
}

fn permits_one(g: &Grant, action: CreditAction, place: &Place) -> bool {
    use CreditAction::*;
    let covers = g.covers(place);
    match action {
        ReadRecord => g.role != Role::Inspector && covers,
        Register | ReviewSelfStudy => g.role == Role::UnitAdmin && covers,
        Review | Reverse | ImportLegacy => matches!(g.role, Role::NationalAdmin | Role::ProvinceAdmin) && covers,
        ApplySelfStudy => matches!(g.role, Role::Professional | Role::Leader) && covers,
        ReadCompliance => g.role.is_admin() && covers,
    }
}

/// The decision for this area.
pub fn permits(grants: &[Grant], action: CreditAction, place: &Place) -> bool {
    grants.iter().any(|g| permits_one(g, action, place))
}

/// Whether any of the grants may ever do `action` somewhere (for menus and 403 before 404).
pub fn may_ever(grants: &[Grant], action: CreditAction) -> bool {
    use CreditAction::*;
    grants.iter().any(|g| match action {
        ReadRecord => g.role != Role::Inspector,
        Register | ReviewSelfStudy => g.role == Role::UnitAdmin,
        Review | Reverse | ImportLegacy => matches!(g.role, Role::NationalAdmin | Role::ProvinceAdmin),
        ApplySelfStudy => matches!(g.role, Role::Professional | Role::Leader),
        ReadCompliance => g.role.is_admin(),
    })
}

#[cfg(test)]
mod tests {
    use super::CreditAction::*;
    use super::*;

    fn grant(
        role: Role,
        province: Option<&str>,
        district: Option<i64>,
        unit: Option<i64>,
        person: Option<i64>,
    ) -> Grant {
        Grant { role, province: province.map(Into::into), district, unit, person }
    }

    /// A professional (1000) of unit 100 in district 10 of 北京 (11).
    fn someone() -> Place {
        Place { province: Some("11".into()), district: Some(10), unit: Some(100), person: Some(1000) }
    }

    fn elsewhere() -> Place {
        Place { province: Some("13".into()), district: Some(20), unit: Some(200), person: Some(2000) }
    }

    #[test]
    fn the_employer_registers_and_grants_self_study_only_for_its_own_people() {
        let unit = [grant(Role::UnitAdmin, Some("11"), Some(10), Some(100), None)];
        assert!(permits(&unit, Register, &someone()));
        assert!(permits(&unit, ReviewSelfStudy, &someone()));
        assert!(permits(&unit, ReadRecord, &someone()));
        assert!(!permits(&unit, Register, &elsewhere()));
        assert!(!permits(&unit, Review, &someone()), "the province grants what the employer recorded");
        assert!(!permits(&unit, Reverse, &someone()));
    }

    #[test]
    fn the_province_reviews_and_reverses_within_its_province() {
        let beijing = [grant(Role::ProvinceAdmin, Some("11"), None, None, None)];
        let national = [grant(Role::NationalAdmin, None, None, None, None)];
        for action in [Review, Reverse, ImportLegacy, ReadCompliance, ReadRecord] {
            assert!(permits(&beijing, action, &someone()), "{action:?}");
            assert!(!permits(&beijing, action, &elsewhere()), "{action:?}");
            assert!(permits(&national, action, &elsewhere()), "{action:?}");
        }
        assert!(!permits(&beijing, Register, &someone()));
        let district = [grant(Role::DistrictAdmin, Some("11"), Some(10), None, None)];
        assert!(permits(&district, ReadCompliance, &someone()));
        assert!(!permits(&district, Review, &someone()));
    }

    #[test]
    fn professionals_see_and_apply_for_themselves_only() {
        let me = [grant(Role::Professional, Some("11"), Some(10), Some(100), Some(1000))];
        assert!(permits(&me, ReadRecord, &someone()));
        assert!(permits(&me, ApplySelfStudy, &someone()));
        let other = Place { person: Some(1001), ..someone() };
        assert!(!permits(&me, ReadRecord, &other));
        assert!(!permits(&me, ApplySelfStudy, &other));
        for action in [Register, Review, ReviewSelfStudy, Reverse, ImportLegacy, ReadCompliance] {
            assert!(!permits(&me, action, &someone()), "{action:?}");
            assert!(!may_ever(&me, action), "{action:?}");
        }
        let inspector = [grant(Role::Inspector, Some("11"), None, None, None)];
        assert!(!permits(&inspector, ReadRecord, &someone()));
        assert!(!may_ever(&inspector, ReadCompliance));
    }
}
