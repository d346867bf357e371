//! Who may do what with an event (a period of a published project), rules.md §7.1–§7.2: the unit's
//! chain (its administrator, the project's leader, its district, its province, the national office)
//! and the venue province's offices and inspectors (`filing.venue_supervision`). Inspectors also
//! see their own province's units' events wherever they are held.

use crate::authz::{Grant, Place, Role};

/// Where an event sits: the unit's place (province, district, unit, the leader as person) and the
/// province of the venue as filed (none before the first filing).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventPlace {
    pub unit: Place,
    pub venue_province: Option<String>,
}

fn venue_office(g: &Grant, e: &EventPlace) -> bool {
    matches!(g.role, Role::ProvinceAdmin | Role::Inspector) && g.province.is_some() && g.province == e.venue_province
}

fn chain(g: &Grant, e: &EventPlace) -> bool {
    match g.role {
        Role::Professional => false,
        _ => g.covers(&e.unit),
    }
}

/// Sees the event, its filings, inspections and photos.
pub fn may_read(grants: &[Grant], e: &EventPlace) -> bool {
    grants.iter().any(|g| chain(g, e) || venue_office(g, e))
}

/// Files the period (and changes it): the unit's administrator, or the project's leader.
pub fn may_file(grants: &[Grant], e: &EventPlace) -> bool {
    grants.iter().any(|g| match g.role {
        Role::UnitAdmin => g.covers(&e.unit),
        Role::Leader => e.unit.person.is_some() && g.covers(&e.unit),
        _ => false,
    })
}

/// Records the unit's own on-the-day record: whoever files.
pub fn may_record_own(grants: &[Grant], e: &EventPlace) -> bool {
    may_file(grants, e)
}

/// Records an inspection: an inspector of the venue province.
pub fn may_inspect(grants: &[Grant], e: &EventPlace) -> bool {
    grants.iter().any(|g| g.role == Role::Inspector && venue_office(g, e))
}

/// Suspends the unit's projects from an inspection's page: the venue province's office, the unit's
/// province's office, or the national office.
pub fn may_suspend(grants: &[Grant], e: &EventPlace) -> bool {
    grants.iter().any(|g| match g.role {
        Role::NationalAdmin => true,
        Role::ProvinceAdmin => venue_office(g, e) || g.covers(&e.unit),
        _ => false,
    })
}

/// Audits the period's execution report (returns or approves it, §7.5): the office of the province of
/// the project's applicant unit, for national and provincial projects alike. The venue province
/// supervises but does not audit; the national office watches overdue audits but does not decide.
pub fn may_audit(grants: &[Grant], e: &EventPlace) -> bool {
    grants.iter().any(|g| g.role == Role::ProvinceAdmin && g.covers(&e.unit))
}

/// Whether the account audits reports at all (the menu entry).
pub fn is_auditor(grants: &[Grant]) -> bool {
    grants.iter().any(|g| g.role == Role::ProvinceAdmin)
}

/// Whether the account has any part in events at all (the menu entry, 403 before 404).
pub fn takes_part(grants: &[Grant]) -> bool {
    grants.iter().any(|g| g.role != Role::Professional)
}

/// Whether the account inspects at all.
pub fn is_inspector(grants: &[Grant]) -> bool {
    grants.iter().any(|g| g.role == Role::Inspector)
}

/// Whether the account files for a unit at all.
pub fn is_filer(grants: &[Grant]) -> bool {
    grants.iter().any(|g| matches!(g.role, Role::UnitAdmin | Role::Leader))
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

    /// A unit (100) of 北京 (11), district 10, leader 1000, holding its period in 河北 (13).
    fn held_in_hebei() -> EventPlace {
        EventPlace {
            unit: Place { province: Some("11".into()), district: Some(10), unit: Some(100), person: Some(1000) },
            venue_province: Some("13".into()),
        }
    }

    #[test]
    fn the_unit_chain_and_the_venue_province_see_the_event() {
        let e = held_in_hebei();
        let beijing = grant(Role::ProvinceAdmin, Some("11"), None, None, None);
        let hebei = grant(Role::ProvinceAdmin, Some("13"), None, None, None);
        let shanghai = grant(Role::ProvinceAdmin, Some("31"), None, None, None);
        let beijing_inspector = grant(Role::Inspector, Some("11"), None, None, None);
        let hebei_inspector = grant(Role::Inspector, Some("13"), None, None, None);
        let unit = grant(Role::UnitAdmin, Some("11"), Some(10), Some(100), None);
        let leader = grant(Role::Leader, Some("11"), None, Some(100), Some(1000));
        let other_leader = grant(Role::Leader, Some("11"), None, Some(100), Some(1001));
        let professional = grant(Role::Professional, Some("11"), Some(10), Some(100), Some(1000));
        for who in [&beijing, &hebei, &beijing_inspector, &hebei_inspector, &unit, &leader] {
            assert!(may_read(who, &e), "{who:?}");
        }
        for who in [&shanghai, &other_leader, &professional] {
            assert!(!may_read(who, &e), "{who:?}");
        }
        assert!(may_inspect(&hebei_inspector, &e));
        assert!(!may_inspect(&beijing_inspector, &e), "the venue province inspects");
        assert!(!may_inspect(&hebei, &e), "an office is no inspector");
        assert!(may_file(&unit, &e) && may_file(&leader, &e) && !may_file(&other_leader, &e));
        assert!(!may_file(&beijing, &e) && !may_file(&hebei_inspector, &e));
        assert!(may_suspend(&hebei, &e) && may_suspend(&beijing, &e) && !may_suspend(&shanghai, &e));
        assert!(!may_suspend(&hebei_inspector, &e) && !may_suspend(&unit, &e));
        assert!(!takes_part(&professional) && takes_part(&hebei_inspector));
        assert!(may_audit(&beijing, &e), "the applicant unit's province audits");
        let national = grant(Role::NationalAdmin, None, None, None, None);
        for who in [&hebei, &shanghai, &national, &beijing_inspector, &unit, &leader] {
            assert!(!may_audit(who, &e), "{who:?}");
        }
    }

    #[test]
    fn before_filing_only_the_chain_sees_it() {
        let e = EventPlace { venue_province: None, ..held_in_hebei() };
        assert!(!may_read(&grant(Role::ProvinceAdmin, Some("13"), None, None, None), &e));
        assert!(!may_inspect(&grant(Role::Inspector, Some("13"), None, None, None), &e));
        assert!(may_read(&grant(Role::DistrictAdmin, Some("11"), Some(10), None, None), &e));
    }
}
