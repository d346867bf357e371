//! The numbers the credit rules read (rules.md §2), in one place, so configuration can change them.
//!
//! `RuleSettings::default()` is the national rules. An administrator's configuration may replace any
//! value (every struct reads with defaults, so a file names only what it changes) and may give a
//! province its own caps for grassroots professionals (rules.md §2.4).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::activities::Person;
use crate::credits::amount::ANNUAL_REQUIREMENT;
use crate::{Credits, Year};

/// Activities ending on or after this day follow the 2024 rules (rules.md §2.1, Reading).
pub const SWITCH_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2025, 1, 1) {
    Some(date) => date,
    None => panic!("a real date"),
};

/// The national caps (rules.md §2.2).
pub const NATIONAL_CAPS: Caps = Caps {
    project: Credits::whole(10),
    remote_project: Credits::whole(3),
    practice_per_year: Credits::whole(15),
    self_study_per_year: Credits::whole(10),
    other_per_year: None,
};

/// Three months of further training, degree education and government assignments (rules.md §2.3).
pub const FULL_YEAR_DAYS: i64 = 90;
/// What the full three months earn; also the most these kinds earn together in a year.
pub const FULL_YEAR_CREDITS: Credits = Credits::whole(25);

/// The units of the formulas (rules.md §2.2, §2.3): the measures themselves, not configuration.
pub mod formula {
    use crate::{Credits, Hours};

    /// Project participant: hours ÷ 3.
    pub const PROJECT_PARTICIPANT_HOURS_PER_CREDIT: i64 = 3;
    /// Project speaker: hours × 2.
    pub const PROJECT_SPEAKER_CREDITS_PER_HOUR: i64 = 2;
    /// Practice participant: hours ÷ 6; shorter (at least the minimum): the single amount.
    pub const PRACTICE_PARTICIPANT_HOURS_PER_CREDIT: i64 = 6;
    pub const PRACTICE_PARTICIPANT_SINGLE: Credits = Credits::from_tenths(2);
    /// Practice speaker: hours ÷ 3; shorter (at least the minimum): the single amount.
    pub const PRACTICE_SPEAKER_HOURS_PER_CREDIT: i64 = 3;
    pub const PRACTICE_SPEAKER_SINGLE: Credits = Credits::from_tenths(5);
    /// A practice activity shorter than this earns nothing.
    pub const PRACTICE_MIN_HOURS: Hours = Hours::whole(1);
    /// Further training, degree education, government assignments under three months: hours ÷ 6.
    pub const PERIOD_HOURS_PER_CREDIT: i64 = 6;
}

/// The 2006 rules for years before the switch (rules.md §2.1, Reading).
pub const LEGACY_RULES: LegacyRules = LegacyRules {
    class_i_min: Credits::whole(5),
    class_i_counted_max: Credits::whole(10),
    class_ii_min: Credits::whole(15),
    class_ii_counted_max: Credits::whole(20),
    required: Credits::whole(25),
};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RuleSettings {
    /// The first day of the 2024 rules: activities ending earlier are legacy records.
    pub switch_date: NaiveDate,
    /// Credits a professional needs in a year under the 2024 rules.
    pub annual_requirement: Credits,
    pub caps: Caps,
    /// Days of further training, degree education and government assignments that make a full year.
    pub full_year_days: i64,
    /// What a full year of those kinds earns, and the most they earn together.
    pub full_year_credits: Credits,
    pub legacy: LegacyRules,
    /// Provinces' own caps for grassroots professionals.
    pub grassroots: Vec<GrassrootsRules>,
}

impl Default for RuleSettings {
    fn default() -> Self {
        Self {
            switch_date: SWITCH_DATE,
            annual_requirement: ANNUAL_REQUIREMENT,
            caps: NATIONAL_CAPS,
            full_year_days: FULL_YEAR_DAYS,
            full_year_credits: FULL_YEAR_CREDITS,
            legacy: LEGACY_RULES,
            grassroots: Vec::new(),
        }
    }
}

/// The caps of the 2024 rules. `other_per_year: None` means the province set no cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Caps {
    /// Per project and person, participant and speaker credits together.
    pub project: Credits,
    /// The same for a remote project.
    pub remote_project: Credits,
    pub practice_per_year: Credits,
    pub self_study_per_year: Credits,
    pub other_per_year: Option<Credits>,
}

impl Default for Caps {
    fn default() -> Self {
        NATIONAL_CAPS
    }
}

/// A legacy year complies when I ≥ `class_i_min`, II ≥ `class_ii_min` and
/// min(I, `class_i_counted_max`) + min(II, `class_ii_counted_max`) ≥ `required`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LegacyRules {
    pub class_i_min: Credits,
    pub class_i_counted_max: Credits,
    pub class_ii_min: Credits,
    pub class_ii_counted_max: Credits,
    pub required: Credits,
}

impl Default for LegacyRules {
    fn default() -> Self {
        LEGACY_RULES
    }
}

/// One province's caps for its grassroots professionals (e.g. a higher remote-project cap).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrassrootsRules {
    /// Any name [`crate::province::find`] knows: `北京市`, `北京`, `京` or `11`.
    pub province: String,
    /// Caps not given keep their national value.
    #[serde(default)]
    pub caps: Caps,
}

/// Which rules decide a year's compliance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Regime {
    /// The whole year lies before the switch: legacy records, I类 and II类 (rules.md §2.1).
    Legacy2006,
    /// The 2024 credit measures (国卫办科教发〔2024〕20号).
    Rules2024,
}

impl RuleSettings {
    /// A year is a legacy year when it ends before the switch date. A year the switch date falls in
    /// (possible only when the switch is configured off 1 January) follows the 2024 rules, with the
    /// legacy records of its first part counted as recorded.
    pub fn regime(&self, year: Year) -> Regime {
        if year.last_day() < self.switch_date { Regime::Legacy2006 } else { Regime::Rules2024 }
    }

    /// The caps for this person, and the province whose grassroots rules gave them, if any.
    pub fn caps_for(&self, person: &Person) -> (&Caps, Option<&'static str>) {
        if person.grassroots
            && !self.grassroots.is_empty()
            && let Some(home) = crate::province::find(&person.province)
            && let Some(rules) =
                self.grassroots.iter().find(|r| crate::province::find(&r.province).is_some_and(|p| p.code == home.code))
        {
            return (&rules.caps, Some(home.name));
        }
        (&self.caps, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IdNumber;

    fn person(province: &str, grassroots: bool) -> Person {
        Person { id_number: IdNumber::parse("11010519491231002X").unwrap(), province: province.to_string(), grassroots }
    }

    #[test]
    fn defaults_are_the_national_rules() {
        let s = RuleSettings::default();
        assert_eq!(s.switch_date.to_string(), "2025-01-01");
        assert_eq!(s.annual_requirement, Credits::whole(25));
        assert_eq!(s.caps.project, Credits::whole(10));
        assert_eq!(s.caps.remote_project, Credits::whole(3));
        assert_eq!(s.caps.practice_per_year, Credits::whole(15));
        assert_eq!(s.caps.self_study_per_year, Credits::whole(10));
        assert_eq!(s.caps.other_per_year, None);
        assert_eq!((s.full_year_days, s.full_year_credits), (90, Credits::whole(25)));
        assert_eq!(s.regime(Year::try_from(2024_u16).unwrap()), Regime::Legacy2006);
        assert_eq!(s.regime(Year::try_from(2025_u16).unwrap()), Regime::Rules2024);
    }

    #[test]
    fn a_mid_year_switch_makes_that_year_a_2024_year() {
        let s = RuleSettings { switch_date: NaiveDate::from_ymd_opt(2024, 11, 1).unwrap(), ..RuleSettings::default() };
        assert_eq!(s.regime(Year::try_from(2023_u16).unwrap()), Regime::Legacy2006);
        assert_eq!(s.regime(Year::try_from(2024_u16).unwrap()), Regime::Rules2024);
    }

    #[test]
    fn grassroots_caps_apply_only_to_grassroots_of_that_province() {
        let s: RuleSettings =
            serde_json::from_str(r#"{ "grassroots": [ { "province": "京", "caps": { "remote_project": 5 } } ] }"#)
                .unwrap();
        let (caps, from) = s.caps_for(&person("北京市", true));
        assert_eq!(caps.remote_project, Credits::whole(5));
        assert_eq!(caps.project, Credits::whole(10), "others keep the national value");
        assert_eq!(from, Some("北京市"));
        assert_eq!(s.caps_for(&person("北京市", false)).0, &NATIONAL_CAPS);
        assert_eq!(s.caps_for(&person("河北省", true)).0, &NATIONAL_CAPS);
        assert_eq!(s.caps_for(&person("河北省", true)).1, None);
    }

    #[test]
    fn configuration_rejects_unknown_fields() {
        let e = serde_json::from_str::<RuleSettings>(r#"{ "caps": { "projects": 5 } }"#);
        assert!(e.is_err());
    }
}
