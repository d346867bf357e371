//! The life of an application after the form (rules.md §3, issue 5): statuses, the steps between
//! them, application codes and quotas. Pure: the server stores what these functions decide.
//!
//! draft → submitted → (district_reviewed, where the unit sits under a district) → the province
//! recommends a national application (province_recommended) or approves a provincial one → the
//! national office approves or rejects. A district approves district applications. Every reviewer
//! can return an application with comments (returned); the unit edits it and submits it again.

use serde::{Deserialize, Serialize};

use super::thresholds::{QUOTA_MIN, QUOTA_SHARE};
use crate::labelled_enum;
use crate::org::Level;

labelled_enum!(
    /// Where an application stands.
    Status {
        Draft = "draft" / "草稿",
        Submitted = "submitted" / "已提交",
        DistrictReviewed = "district_reviewed" / "区级已审核",
        ProvinceRecommended = "province_recommended" / "省级已推荐",
        Returned = "returned" / "已退回修改",
        Approved = "approved" / "已批准",
        Rejected = "rejected" / "未批准",
    }
);

labelled_enum!(
    /// A step of the review chain.
    Step {
        Submit = "submit" / "提交",
        Forward = "forward" / "区级审核通过",
        Recommend = "recommend" / "推荐",
        Approve = "approve" / "批准",
        Reject = "reject" / "不予批准",
        Return = "return" / "退回修改",
    }
);

/// Which office acts on an application in its current status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Office {
    /// The applicant unit (its administrator, or the leader for their own application).
    Unit,
    District,
    Province,
    National,
}

impl Status {
    /// The unit may still change the document.
    pub fn editable(self) -> bool {
        matches!(self, Status::Draft | Status::Returned)
    }

    /// The chain has ended.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Approved | Status::Rejected)
    }
}

/// Who acts next on an application of `level` in `status`; `has_district` when its unit sits
/// under a district office. `None` once decided.
pub fn next_office(level: Level, status: Status, has_district: bool) -> Option<Office> {
    match status {
        Status::Draft | Status::Returned => Some(Office::Unit),
        Status::Submitted if has_district || level == Level::District => Some(Office::District),
        Status::Submitted | Status::DistrictReviewed => Some(Office::Province),
        Status::ProvinceRecommended => Some(Office::National),
        Status::Approved | Status::Rejected => None,
    }
}

/// The steps the office acting next may take.
pub fn steps(level: Level, status: Status, has_district: bool) -> &'static [Step] {
    match (next_office(level, status, has_district), level) {
        (Some(Office::Unit), _) => &[Step::Submit],
        (Some(Office::District), Level::District) => &[Step::Approve, Step::Reject, Step::Return],
        (Some(Office::District), _) => &[Step::Forward, Step::Return],
        (Some(Office::Province), Level::National) => &[Step::Recommend, Step::Return],
        (Some(Office::Province), _) => &[Step::Approve, Step::Reject, Step::Return],
        (Some(Office::National), _) => &[Step::Approve, Step::Reject, Step::Return],
        (None, _) => &[],
    }
}

/// The status after `step`, if the step is allowed now.
pub fn after(level: Level, status: Status, has_district: bool, step: Step) -> Option<Status> {
    if !steps(level, status, has_district).contains(&step) {
        return None;
    }
    Some(match step {
        Step::Submit => Status::Submitted,
        Step::Forward => Status::DistrictReviewed,
        Step::Recommend => Status::ProvinceRecommended,
        Step::Approve => Status::Approved,
        Step::Reject => Status::Rejected,
        Step::Return => Status::Returned,
    })
}

/// Whether a step needs a written reason (returning and rejecting must say why).
pub fn needs_comment(step: Step) -> bool {
    matches!(step, Step::Return | Step::Reject)
}

/// The application code given at submission: `二级学科-三级学科-序号` (003), e.g. `03-07-012`.
/// The third-level code already starts with the second-level one (`03-07`).
pub fn application_code(secondary: &str, tertiary: &str, sequence: u32) -> String {
    let tertiary_own = tertiary.strip_prefix(secondary).and_then(|t| t.strip_prefix('-')).unwrap_or(tertiary);
    format!("{secondary}-{tertiary_own}-{sequence:03}")
}

/// The national quota of a unit (rules.md §3 `unit.quota`): 50% of last year's approvals rounded
/// down, never less than 2 (also for a unit with none or applying for the first time).
pub fn national_quota(previous_year_approved: Option<u32>) -> u32 {
    let half = previous_year_approved.map_or(0, |n| QUOTA_SHARE.of_rounded_down(u64::from(n)));
    u32::try_from(half.max(QUOTA_MIN)).unwrap_or(u32::MAX)
}

/// A district's quota (002, Beijing): at most 50% of the district projects it held the year
/// before, rounded down. `None` (no limit) when it held none: a district new to district projects,
/// or to jijiao, has nothing to take half of, and a quota of 0 would close the level to it for
/// good. This is our reading; rules.md states only the 50%.
pub fn district_quota(previous_year_held: u32) -> Option<u32> {
    (previous_year_held > 0)
        .then(|| u32::try_from(QUOTA_SHARE.of_rounded_down(u64::from(previous_year_held))).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_chain_through_a_district() {
        let l = Level::National;
        assert_eq!(after(l, Status::Draft, true, Step::Submit), Some(Status::Submitted));
        assert_eq!(next_office(l, Status::Submitted, true), Some(Office::District));
        assert_eq!(after(l, Status::Submitted, true, Step::Recommend), None, "the district goes first");
        assert_eq!(after(l, Status::Submitted, true, Step::Forward), Some(Status::DistrictReviewed));
        assert_eq!(after(l, Status::DistrictReviewed, true, Step::Recommend), Some(Status::ProvinceRecommended));
        assert_eq!(
            after(l, Status::DistrictReviewed, true, Step::Approve),
            None,
            "a province does not approve national"
        );
        assert_eq!(next_office(l, Status::ProvinceRecommended, true), Some(Office::National));
        assert_eq!(after(l, Status::ProvinceRecommended, true, Step::Approve), Some(Status::Approved));
        assert_eq!(next_office(l, Status::Approved, true), None);
        assert!(steps(l, Status::Rejected, true).is_empty());
    }

    #[test]
    fn without_a_district_the_province_reviews_first() {
        assert_eq!(next_office(Level::National, Status::Submitted, false), Some(Office::Province));
        assert_eq!(
            after(Level::National, Status::Submitted, false, Step::Recommend),
            Some(Status::ProvinceRecommended)
        );
        assert_eq!(after(Level::Provincial, Status::Submitted, false, Step::Approve), Some(Status::Approved));
        assert_eq!(after(Level::Provincial, Status::Submitted, false, Step::Recommend), None);
    }

    #[test]
    fn districts_decide_district_applications_and_returns_go_back_to_the_unit() {
        assert_eq!(after(Level::District, Status::Submitted, true, Step::Approve), Some(Status::Approved));
        assert_eq!(after(Level::District, Status::Submitted, true, Step::Forward), None);
        for (status, level) in [
            (Status::Submitted, Level::National),
            (Status::DistrictReviewed, Level::National),
            (Status::ProvinceRecommended, Level::National),
        ] {
            assert_eq!(after(level, status, true, Step::Return), Some(Status::Returned));
        }
        assert_eq!(after(Level::National, Status::Returned, true, Step::Submit), Some(Status::Submitted));
        assert!(Status::Returned.editable() && Status::Draft.editable() && !Status::Submitted.editable());
        assert!(needs_comment(Step::Return) && needs_comment(Step::Reject) && !needs_comment(Step::Approve));
    }

    #[test]
    fn codes_and_quotas() {
        assert_eq!(application_code("03", "03-07", 12), "03-07-012");
        assert_eq!(application_code("03", "0307", 1), "03-0307-001");
        assert_eq!(national_quota(None), 2);
        assert_eq!(national_quota(Some(0)), 2);
        assert_eq!(national_quota(Some(5)), 2);
        assert_eq!(national_quota(Some(9)), 4);
        assert_eq!(national_quota(Some(10)), 5);
        assert_eq!(district_quota(9), Some(4));
        assert_eq!(district_quota(10), Some(5));
        assert_eq!(district_quota(1), Some(0), "one held: half of it rounds down to none");
        assert_eq!(district_quota(0), None, "nothing held: no basis, no limit");
    }

    #[test]
    fn codes_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.code()), Some(*s));
        }
        for s in Step::ALL {
            assert_eq!(Step::from_code(s.code()), Some(*s));
        }
    }
}
