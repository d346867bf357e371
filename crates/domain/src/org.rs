//! Organisations: the offices that administer CME and the units that hold projects.

use serde::{Deserialize, Serialize};

/// Defines a closed set of codes with their Chinese labels, parsed from and written as snake_case.
#[macro_export]
#[doc(hidden)]
macro_rules! labelled_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal / $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code used in the API, the database and files.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The Chinese label users see.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }

            /// Accepts the code or the Chinese label (spreadsheets carry labels).
            pub fn from_code_or_label(text: &str) -> Option<Self> {
                let text = text.trim();
                Self::from_code(text).or_else(|| Self::ALL.iter().copied().find(|v| v.label() == text))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

labelled_enum!(
    /// Where an organisation sits in the hierarchy.
    OrgKind {
        National = "national" / "全国继续医学教育委员会办公室",
        Provincial = "provincial" / "省级继续医学教育委员会",
        District = "district" / "区（县）级继续医学教育管理部门",
        Unit = "unit" / "单位",
    }
);

labelled_enum!(
    /// The kind of a unit (申报单位类型).
    UnitType {
        Hospital = "hospital" / "医疗卫生机构",
        Teaching = "teaching" / "教学机构",
        Research = "research" / "科研机构",
        Society = "society" / "学（协）会",
        RemoteProvider = "remote_provider" / "远程教育机构",
        Other = "other" / "其他",
    }
);

impl UnitType {
    /// Medical, teaching and research institutions must field half the teachers themselves (rules.md §3).
    pub fn is_institution(self) -> bool {
        matches!(self, UnitType::Hospital | UnitType::Teaching | UnitType::Research)
    }
}

labelled_enum!(
    /// The result of a unit's last annual inspection or licence check (年检/校验).
    InspectionResult {
        Passed = "passed" / "合格",
        Suspended = "suspended" / "暂缓校验",
        Revoked = "revoked" / "撤销执业许可",
        Failed = "failed" / "年检不合格",
        Deregistered = "deregistered" / "注销法人",
    }
);

impl InspectionResult {
    /// Only a passed inspection lets a unit apply for or hold projects (000, 003).
    pub fn allows_projects(self) -> bool {
        self == InspectionResult::Passed
    }
}

labelled_enum!(
    /// The level that approves and publishes a project.
    Level {
        National = "national" / "国家级",
        Provincial = "provincial" / "省级",
        District = "district" / "区级",
    }
);

labelled_enum!(
    /// 面授 is offline or offline+online; 远程 is online only (003).
    Delivery {
        FaceToFace = "face_to_face" / "面授",
        Remote = "remote" / "远程",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_labels_round_trip() {
        for t in UnitType::ALL {
            assert_eq!(UnitType::from_code(t.code()), Some(*t));
            assert_eq!(UnitType::from_code_or_label(t.label()), Some(*t));
        }
        assert_eq!(serde_json::to_string(&UnitType::RemoteProvider).unwrap(), "\"remote_provider\"");
        assert_eq!(Level::from_code_or_label("国家级"), Some(Level::National));
        assert!(!InspectionResult::Suspended.allows_projects());
        assert!(UnitType::Research.is_institution());
        assert!(!UnitType::Society.is_institution());
    }
}
