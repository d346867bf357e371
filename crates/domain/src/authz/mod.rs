//! Who may do what, for which province, district, unit or person: the one place that answers.
//!
//! Roles carry a scope (rules of issue 3): the national administrator sees everything; a province
//! administrator its province and everything under it; a district administrator its district and
//! its units; an inspector its province's events; a unit administrator its unit; leaders and
//! professionals themselves. Handlers describe the record they touch as a [`Place`] and ask.

pub mod applications;
pub mod credits;

use crate::labelled_enum;
use serde::{Deserialize, Serialize};

labelled_enum!(
    /// A role an account holds (an account may hold several).
    Role {
        NationalAdmin = "national_admin" / "国家级管理员",
        ProvinceAdmin = "province_admin" / "省级管理员",
        DistrictAdmin = "district_admin" / "区级管理员",
        Inspector = "inspector" / "督查员",
        UnitAdmin = "unit_admin" / "单位管理员",
        Leader = "leader" / "项目负责人",
        Professional = "professional" / "卫生专业技术人员",
    }
);

impl Role {
    /// How high the role sits: a role can only be managed by an administrator above it.
    pub fn level(self) -> u8 {
        match self {
            Role::NationalAdmin => 4,
            Role::ProvinceAdmin => 3,
            Role::DistrictAdmin | Role::Inspector => 2,
            Role::UnitAdmin => 1,
            Role::Leader | Role::Professional => 0,
        }
    }

    /// The level up to which the role administers accounts, if it administers any.
    pub fn admin_level(self) -> Option<u8> {
        match self {
            Role::NationalAdmin => Some(4),
            Role::ProvinceAdmin => Some(3),
            Role::DistrictAdmin => Some(2),
            Role::UnitAdmin => Some(1),
            Role::Inspector | Role::Leader | Role::Professional => None,
        }
    }

    pub fn is_admin(self) -> bool {
        self.admin_level().is_some()
    }
}

/// One role of an account, with its scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub role: Role,
    /// The province of the role (every role but the national administrator's has one, when the
    /// person or office belongs to a province).
    pub province: Option<String>,
    /// The district office of a district administrator, or the district above a unit.
    pub district: Option<i64>,
    /// The unit of a unit administrator (or a professional's employer).
    pub unit: Option<i64>,
    /// The person of a leader or professional.
    pub person: Option<i64>,
}

/// Where a record sits: its province, the district office above it, its unit, its person.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Place {
    pub province: Option<String>,
    pub district: Option<i64>,
    pub unit: Option<i64>,
    pub person: Option<i64>,
}

impl Place {
    pub fn everywhere() -> Self {
        Self::default()
    }

    pub fn province(code: &str) -> Self {
        Self { province: Some(code.to_string()), ..Self::default() }
    }
}

impl Grant {
    /// Whether the record at `place` is within this role's scope.
    pub fn covers(&self, place: &Place) -> bool {
        let same = |a: &Option<i64>, b: &Option<i64>| a.is_some() && a == b;
        match self.role {
            Role::NationalAdmin => true,
            Role::ProvinceAdmin | Role::Inspector => self.province.is_some() && self.province == place.province,
            Role::DistrictAdmin => same(&self.district, &place.district),
            Role::UnitAdmin => same(&self.unit, &place.unit),
            Role::Leader | Role::Professional => same(&self.person, &place.person),
        }
    }
}

/// What an account asks to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Read a person's record or an organisation's details.
    Read,
    /// Create an account with a role, or give a role, at a place.
    AssignRole(Role),
    /// Disable, enable, reset the password of, or revoke roles from an account whose highest
    /// role is the given one, at a place.
    ManageAccount(Role),
    /// Confirm a self-registered professional of a unit.
    ConfirmProfessional,
    /// Read the audit log of a scope.
    ReadAudit,
    /// Edit reference data (provinces, subjects).
    EditReference,
    /// Create or revoke API tokens for the accounts one manages.
    ManageTokens,
}

/// The single authorisation decision.
pub fn permits(grants: &[Grant], action: Action, place: &Place) -> bool {
    grants.iter().any(|g| permits_one(g, action, place))
}

fn outranks(g: &Grant, target: Role) -> bool {
    match g.role.admin_level() {
        // Only a national administrator can make another one: someone must be able to.
        Some(level) => target.level() < level || (g.role == Role::NationalAdmin && target == Role::NationalAdmin),
        None => false,
    }
}

fn permits_one(g: &Grant, action: Action, place: &Place) -> bool {
    match action {
        Action::Read => match g.role {
            // Inspectors record inspections; they do not browse people or units.
            Role::Inspector => false,
            _ => g.covers(place),
        },
        Action::AssignRole(role) | Action::ManageAccount(role) => g.covers(place) && outranks(g, role),
        Action::ConfirmProfessional => g.role.is_admin() && g.covers(place),
        Action::ReadAudit => g.role.is_admin() && g.covers(place),
        Action::EditReference => g.role == Role::NationalAdmin,
        Action::ManageTokens => g.role.is_admin() && g.covers(place),
    }
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
    ) -> Grant {
        Grant { role, province: province.map(Into::into), district, unit, person }
    }

    /// 北京 (11): district 10 with unit 100 and person 1000. 河北 (13): district 20, unit 200, person 2000.
    fn beijing_unit() -> Place {
        Place { province: Some("11".into()), district: Some(10), unit: Some(100), person: None }
    }

    fn hebei_unit() -> Place {
        Place { province: Some("13".into()), district: Some(20), unit: Some(200), person: None }
    }

    #[test]
    fn scopes_nest() {
        let national = grant(Role::NationalAdmin, None, None, None, None);
        let beijing = grant(Role::ProvinceAdmin, Some("11"), None, None, None);
        let dongcheng = grant(Role::DistrictAdmin, Some("11"), Some(10), None, None);
        let unit = grant(Role::UnitAdmin, Some("11"), Some(10), Some(100), None);
        for g in [&national, &beijing, &dongcheng, &unit] {
            assert!(g.covers(&beijing_unit()), "{:?}", g.role);
        }
        for g in [&beijing, &dongcheng, &unit] {
            assert!(!g.covers(&hebei_unit()), "{:?}", g.role);
        }
        assert!(national.covers(&hebei_unit()));
        let me = grant(Role::Professional, Some("11"), None, Some(100), Some(1000));
        assert!(me.covers(&Place { person: Some(1000), ..beijing_unit() }));
        assert!(!me.covers(&Place { person: Some(1001), ..beijing_unit() }));
        assert!(!me.covers(&beijing_unit()), "a professional does not see the unit's other records");
    }

    #[test]
    fn an_empty_scope_covers_nothing() {
        let broken = grant(Role::ProvinceAdmin, None, None, None, None);
        assert!(!broken.covers(&Place::default()));
        let district = grant(Role::DistrictAdmin, Some("11"), None, None, None);
        assert!(!district.covers(&Place { district: None, ..beijing_unit() }));
    }

    #[test]
    fn administrators_manage_only_below_themselves() {
        let national = [grant(Role::NationalAdmin, None, None, None, None)];
        let beijing = [grant(Role::ProvinceAdmin, Some("11"), None, None, None)];
        let unit = [grant(Role::UnitAdmin, Some("11"), Some(10), Some(100), None)];
        let province_place = Place::province("11");
        assert!(permits(&national, Action::AssignRole(Role::ProvinceAdmin), &province_place));
        assert!(permits(&national, Action::AssignRole(Role::NationalAdmin), &Place::everywhere()));
        assert!(!permits(&beijing, Action::AssignRole(Role::ProvinceAdmin), &province_place));
        assert!(permits(&beijing, Action::AssignRole(Role::DistrictAdmin), &beijing_unit()));
        assert!(permits(&beijing, Action::AssignRole(Role::Inspector), &province_place));
        assert!(!permits(&beijing, Action::AssignRole(Role::UnitAdmin), &hebei_unit()));
        assert!(permits(&unit, Action::ManageAccount(Role::Professional), &beijing_unit()));
        assert!(!permits(&unit, Action::ManageAccount(Role::UnitAdmin), &beijing_unit()));
        assert!(permits(&unit, Action::ConfirmProfessional, &beijing_unit()));
        assert!(!permits(&unit, Action::ConfirmProfessional, &hebei_unit()));
        assert!(!permits(&beijing, Action::EditReference, &Place::everywhere()));
        assert!(permits(&national, Action::EditReference, &Place::everywhere()));
    }

    #[test]
    fn inspectors_and_professionals_administer_nothing() {
        let inspector = [grant(Role::Inspector, Some("11"), None, None, None)];
        let me = [grant(Role::Professional, Some("11"), None, Some(100), Some(1000))];
        for action in [
            Action::AssignRole(Role::Professional),
            Action::ReadAudit,
            Action::ManageTokens,
            Action::ConfirmProfessional,
        ] {
            assert!(!permits(&inspector, action, &beijing_unit()));
            assert!(!permits(&me, action, &Place { person: Some(1000), ..beijing_unit() }));
        }
        assert!(!permits(&inspector, Action::Read, &beijing_unit()));
        assert!(permits(&me, Action::Read, &Place { person: Some(1000), ..beijing_unit() }));
    }

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::from_code(r.code()), Some(*r));
        }
    }
}
