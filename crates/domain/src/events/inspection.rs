//! Inspection on the day (督查, rules.md §7.2): the checklist, the result and the window in which
//! an inspector of the venue province records it. The unit's own on-the-day record uses the same
//! checklist; only the inspector's 不合格 counts against the unit (`unit.history_inspection`).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Problem;
use crate::labelled_enum;

/// Up to this many days after the end an inspection is still recorded, marked late (§7.2 Reading).
pub const LATE_DAYS: u64 = 3;
/// The longest note of an item, and the longest reason.
pub const MAX_NOTE: usize = 500;
pub const MAX_REASON: usize = 1000;

/// The checklist's items: key (formats.md) and what the inspector checks, in the form's order.
pub const ITEMS: [(&str, &str); 9] = [
    ("time_place", "按报备的时间和地点举办"),
    ("leader_present", "项目负责人在场"),
    ("teachers_as_scheduled", "授课教师与日程一致"),
    ("sign_in", "考勤（签到）措施落实"),
    ("within_plan", "招生人数未超过计划"),
    ("no_promotion", "无商业宣传"),
    ("no_scenic_or_sightseeing", "不在风景名胜区举办，无旅游活动"),
    ("fees_as_filed", "收费与报备一致"),
    ("notice_number", "办班通知标明项目编号"),
];

/// Each item answered yes (true) or no.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checklist {
    pub time_place: bool,
    pub leader_present: bool,
    pub teachers_as_scheduled: bool,
    pub sign_in: bool,
    pub within_plan: bool,
    pub no_promotion: bool,
    pub no_scenic_or_sightseeing: bool,
    pub fees_as_filed: bool,
    pub notice_number: bool,
}

impl Checklist {
    /// The answers in the order of [`ITEMS`].
    pub fn answers(&self) -> [bool; 9] {
        [
            self.time_place,
            self.leader_present,
            self.teachers_as_scheduled,
            self.sign_in,
            self.within_plan,
            self.no_promotion,
            self.no_scenic_or_sightseeing,
            self.fees_as_filed,
            self.notice_number,
        ]
    }

    /// From the keys answered yes (a form's ticked boxes).
    pub fn from_yes(yes: &[&str]) -> Self {
        let has = |k: &str| yes.contains(&k);
        Self {
            time_place: has("time_place"),
            leader_present: has("leader_present"),
            teachers_as_scheduled: has("teachers_as_scheduled"),
            sign_in: has("sign_in"),
            within_plan: has("within_plan"),
            no_promotion: has("no_promotion"),
            no_scenic_or_sightseeing: has("no_scenic_or_sightseeing"),
            fees_as_filed: has("fees_as_filed"),
            notice_number: has("notice_number"),
        }
    }
}

labelled_enum!(
    /// The result of an inspection.
    Outcome {
        Pass = "pass" / "合格",
        Fail = "fail" / "不合格",
    }
);

/// An inspection (or a unit's own record) as formats.md gives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inspection {
    pub checklist: Checklist,
    /// A note per item, by the item's key.
    #[serde(default)]
    pub notes: BTreeMap<String, String>,
    pub result: Outcome,
    /// Required for 不合格.
    #[serde(default)]
    pub reason: String,
}

/// Every problem of an inspection document.
pub fn check(inspection: &Inspection) -> Vec<Problem> {
    let mut out = Vec::new();
    for (key, note) in &inspection.notes {
        if !ITEMS.iter().any(|(k, _)| k == key) {
            out.push(Problem::new("inspection.notes", format!("notes.{key}"), format!("检查项“{key}”不存在")));
        } else if note.chars().count() > MAX_NOTE {
            out.push(Problem::new(
                "inspection.notes",
                format!("notes.{key}"),
                format!("检查项说明不能超过{MAX_NOTE}字"),
            ));
        }
    }
    let reason = inspection.reason.trim();
    if inspection.result == Outcome::Fail && reason.is_empty() {
        out.push(Problem::new("inspection.reason", "reason", "结论为“不合格”时须填写不合格的原因"));
    }
    if reason.chars().count() > MAX_REASON {
        out.push(Problem::new("inspection.reason", "reason", format!("原因不能超过{MAX_REASON}字")));
    }
    out
}

/// Whether an inspection recorded `today` of a period from `start` to `end` is on time, late (up to
/// [`LATE_DAYS`] after the end), or outside the window (the message says why, in Chinese).
pub fn timing(start: NaiveDate, end: NaiveDate, today: NaiveDate) -> Result<bool, String> {
    if today < start {
        return Err(format!("该期 {start} 开始举办，督查须在举办期间（{start} 至 {end}）记录"));
    }
    let last = end + chrono::Days::new(LATE_DAYS);
    if today > last {
        return Err(format!("该期已于 {end} 结束，督查记录最迟于 {last} 补录"));
    }
    Ok(today > end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 5, d).unwrap()
    }

    #[test]
    fn the_window_runs_from_the_start_to_three_days_after_the_end() {
        assert!(timing(day(10), day(12), day(9)).is_err());
        assert_eq!(timing(day(10), day(12), day(10)), Ok(false));
        assert_eq!(timing(day(10), day(12), day(12)), Ok(false));
        assert_eq!(timing(day(10), day(12), day(13)), Ok(true));
        assert_eq!(timing(day(10), day(12), day(15)), Ok(true));
        let closed = timing(day(10), day(12), day(16)).unwrap_err();
        assert!(closed.contains("2026-05-15"), "{closed}");
    }

    #[test]
    fn a_failure_needs_a_reason_and_notes_name_real_items() {
        let good = Inspection {
            checklist: Checklist::default(),
            notes: BTreeMap::new(),
            result: Outcome::Pass,
            reason: String::new(),
        };
        assert_eq!(check(&good), vec![]);
        let failed = Inspection { result: Outcome::Fail, ..good.clone() };
        assert_eq!(check(&failed)[0].field, "reason");
        let with_reason = Inspection { reason: "负责人不在场，招生超计划".into(), ..failed };
        assert_eq!(check(&with_reason), vec![]);
        let odd = Inspection { notes: BTreeMap::from([("weather".to_string(), "晴".to_string())]), ..good };
        assert_eq!(check(&odd)[0].field, "notes.weather");
    }

    #[test]
    fn the_document_reads_as_formats_md_gives_it() {
        let text = r#"{ "checklist": { "time_place": true, "leader_present": true, "teachers_as_scheduled": true,
            "sign_in": true, "within_plan": true, "no_promotion": true, "no_scenic_or_sightseeing": true, "fees_as_filed":
            true, "notice_number": false }, "notes": { "notice_number": "通知未写编号" }, "result": "fail", "reason": "通知未写项目编号" }"#;
        let inspection: Inspection = crate::document::parse(text).unwrap();
        assert_eq!(inspection.checklist.answers().iter().filter(|a| **a).count(), 8);
        assert_eq!(inspection.result, Outcome::Fail);
        let yes: Vec<&str> = ITEMS.iter().map(|(k, _)| *k).filter(|k| *k != "notice_number").collect();
        assert_eq!(Checklist::from_yes(&yes), inspection.checklist);
        assert!(crate::document::parse::<Inspection>(&text.replace("\"fail\"", "\"maybe\"")).is_err());
    }
}
