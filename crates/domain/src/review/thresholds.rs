//! Every threshold of the formal review in one place (rules.md §3), so a later rule version changes one file.
//!
//! Shares are exact fractions compared by cross-multiplication; nothing here is floating point.

use crate::Credits;
use crate::title::Rank;

/// An exact share `numerator / denominator` (50% is `Fraction::new(1, 2)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fraction {
    pub numerator: u64,
    pub denominator: u64,
}

impl Fraction {
    pub const fn new(numerator: u64, denominator: u64) -> Self {
        Self { numerator, denominator }
    }

    /// `part / whole > self`, exactly. A zero `whole` is never above anything.
    pub fn exceeded_by(self, part: u64, whole: u64) -> bool {
        whole > 0 && u128::from(part) * u128::from(self.denominator) > u128::from(self.numerator) * u128::from(whole)
    }

    /// `part / whole < self`, exactly. A zero `whole` is never below anything.
    pub fn not_reached_by(self, part: u64, whole: u64) -> bool {
        whole > 0 && u128::from(part) * u128::from(self.denominator) < u128::from(self.numerator) * u128::from(whole)
    }

    /// `floor(value × self)`.
    pub fn of_rounded_down(self, value: u64) -> u64 {
        let product = u128::from(value) * u128::from(self.numerator) / u128::from(self.denominator);
        u64::try_from(product).unwrap_or(u64::MAX)
    }
}

/// `leader.title`: the leader is 副高级 or above.
pub const LEADER_MIN_RANK: Rank = Rank::AssociateSenior;
/// `leader.project_limit`: applications one leader leads in one year and level, this one included.
pub const LEADER_PROJECT_LIMIT: u64 = 2;
/// `leader.history`: the years before the application year that count (近3年).
pub const LEADER_HISTORY_YEARS: u16 = 3;

/// `teachers.own_unit_share`: teachers of an institution's own unit, at least 50%.
pub const OWN_UNIT_SHARE_MIN: Fraction = Fraction::new(1, 2);
/// `teachers.society_share`: teachers from any single unit of a society's provincial project, at most 50%.
pub const SOCIETY_SINGLE_UNIT_SHARE_MAX: Fraction = Fraction::new(1, 2);
/// `teachers.demo_title`: national experiment and demonstration teachers are 中级 or above.
pub const DEMO_TEACHER_MIN_RANK: Rank = Rank::Intermediate;
/// `teachers.theory_title`: provincial theory teachers are 副高级 or above …
pub const THEORY_TEACHER_MIN_RANK: Rank = Rank::AssociateSenior;
/// … and 中级 or above in nursing projects.
pub const NURSING_THEORY_TEACHER_MIN_RANK: Rank = Rank::Intermediate;
/// `teachers.clinical_intermediate_share`: 中级 teachers of a provincial clinical-skills project, at most 30%.
pub const CLINICAL_INTERMEDIATE_SHARE_MAX: Fraction = Fraction::new(3, 10);
/// `teachers.nursing_intermediate_share`: 中级 teachers of a provincial nursing project, at most 40%.
pub const NURSING_INTERMEDIATE_SHARE_MAX: Fraction = Fraction::new(2, 5);

/// `enrollment.max`: face-to-face planned enrollment, at most 1000.
pub const ENROLLMENT_MAX: u32 = 1000;
/// `enrollment.min`: planned enrollment, at least 50 (practical training excepted).
pub const ENROLLMENT_MIN: u32 = 50;
/// `enrollment.mutual_recognition`: 京津冀 mutual recognition needs at least 100.
pub const MUTUAL_RECOGNITION_ENROLLMENT_MIN: u32 = 100;
/// `learners.outside_grassroots_share`: out-of-province + grassroots share, at least 10% (in tenths of a percent).
pub const OUTSIDE_GRASSROOTS_SHARE_MIN_TENTHS: i64 = 100;

/// `credits.cap`: credits of a project …
pub const CREDITS_CAP: Credits = Credits::whole(10);
/// … and of a remote project.
pub const REMOTE_CREDITS_CAP: Credits = Credits::whole(3);
/// `credits.hours_match`: 3 小时 1 学分.
pub const HOURS_PER_CREDIT: i64 = 3;

/// `periods.count`: periods in a year.
pub const PERIODS_MIN: usize = 1;
pub const PERIODS_MAX: usize = 6;

/// `text.recommendation`: characters of 推荐理由.
pub const RECOMMENDATION_MIN_CHARS: usize = 200;
/// `text.achievements`: characters of the leader's 主要成绩.
pub const ACHIEVEMENTS_MIN_CHARS: usize = 300;
/// `text.unit_situation`: characters of the unit's 基本情况.
pub const UNIT_SITUATION_MIN_CHARS: usize = 300;

/// `peer_review.reviewer`: the peer reviewer is 副高级 or above.
pub const PEER_REVIEWER_MIN_RANK: Rank = Rank::AssociateSenior;

/// `unit.quota`: national applications, at most 50% of last year's approvals (rounded down) …
pub const QUOTA_SHARE: Fraction = Fraction::new(1, 2);
/// … and never fewer than the 2 a unit with none, or applying for the first time, gets.
pub const QUOTA_MIN: u64 = 2;
/// `unit.history_*`: the years before the application year that count (近2年).
pub const UNIT_HISTORY_YEARS: u16 = 2;
/// `unit.history_size`: learners of a past project, at most 1000 …
pub const HISTORY_LEARNERS_MAX: u32 = 1000;
/// … and at least 50 (practical training excepted).
pub const HISTORY_LEARNERS_MIN: u32 = 50;
/// `unit.history_outside_share`: out-of-province + grassroots share of a past national project (tenths of a percent).
pub const HISTORY_OUTSIDE_SHARE_MIN_TENTHS: i64 = 100;

/// `duplicate.project`: two names are nearly the same when their keys differ in at most this share of
/// the longer key's characters (Levenshtein distance, rounded down).
pub const NEAR_NAME_MAX_EDITS: Fraction = Fraction::new(1, 10);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_compare_exactly() {
        let half = Fraction::new(1, 2);
        assert!(!half.exceeded_by(2, 4));
        assert!(half.exceeded_by(3, 5));
        assert!(!half.not_reached_by(50, 100));
        assert!(half.not_reached_by(49, 100));
        assert!(!half.not_reached_by(1, 0) && !half.exceeded_by(1, 0));
        assert_eq!(half.of_rounded_down(5), 2);
        assert_eq!(half.of_rounded_down(u64::MAX), u64::MAX / 2);
        assert!(Fraction::new(3, 10).exceeded_by(u64::MAX, u64::MAX - 1));
    }
}
