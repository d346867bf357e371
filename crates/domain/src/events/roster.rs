//! The roster of a held period (学员通讯录, rules.md §7.3): who attended, for how many hours, who
//! taught, and who passed the assessment. The rules here judge a roster as a whole once each row has
//! been read (a person once per period, hours within the schedule, enrolment against the plan); the
//! application layer reads the spreadsheet's cells and names each problem by row and column.

use serde::Serialize;

use crate::province::{self, Province};
use crate::{Hours, IdNumber};

/// The template's columns in their order (§7.3); the import also accepts the aliases the
/// application layer lists beside them.
pub const COLUMNS: [&str; 9] =
    ["姓名", "身份证号", "工作单位", "所在省份", "职称", "手机", "考勤学时", "考核结果", "授课学时"];

/// One person of a period's roster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RosterEntry {
    /// The spreadsheet's row number (as Excel shows it), for messages.
    pub row: u32,
    pub name: String,
    pub id_number: IdNumber,
    pub unit: String,
    /// The province's two-digit code.
    pub province: &'static str,
    pub title: String,
    pub phone: String,
    /// 考勤学时: hours attended as a learner.
    pub hours: Hours,
    /// 考核结果: 合格.
    pub passed: bool,
    /// 授课学时: hours taught; `None` for a learner.
    pub taught_hours: Option<Hours>,
}

impl RosterEntry {
    /// A speaker taught at least a tenth of an hour; everyone else on the roster is a learner.
    pub fn is_speaker(&self) -> bool {
        self.taught_hours.is_some_and(|h| h > Hours::ZERO)
    }
}

/// A problem with one cell of the roster: the rule, the row, the column's header, a Chinese message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    pub rule: &'static str,
    pub row: u32,
    pub column: &'static str,
    pub message: String,
}

impl RowProblem {
    pub fn new(rule: &'static str, row: u32, column: &'static str, message: impl Into<String>) -> Self {
        Self { rule, row, column, message: message.into() }
    }
}

/// What a roster counts, for the report, the audit and the score.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub learners: u32,
    pub speakers: u32,
    /// Learners per province code (the score counts those from outside the venue's province).
    pub learners_by_province: std::collections::BTreeMap<String, u32>,
}

/// Counts the learners (by province) and speakers of a roster.
pub fn counts(entries: &[RosterEntry]) -> Counts {
    count_people(entries.iter().map(|e| (e.province, e.is_speaker())))
}

/// Counts people given as (province code, is a speaker): a stored roster counts without its cells.
pub fn count_people<'a>(people: impl IntoIterator<Item = (&'a str, bool)>) -> Counts {
    let mut counts = Counts::default();
    for (province, speaker) in people {
        if speaker {
            counts.speakers += 1;
        } else {
            counts.learners += 1;
            let name = province::by_code(province).map_or(province, |p: &Province| p.name);
            *counts.learners_by_province.entry(name.to_string()).or_default() += 1;
        }
    }
    counts
}

/// Reads the 所在省份 cell: a full or short name (北京市, 北京) or the two-digit code.
pub fn province_of(text: &str) -> Option<&'static str> {
    let text = text.trim();
    province::by_code(text).or_else(|| province::find(text)).map(|p| p.code)
}

/// Reads the 考核结果 cell.
pub fn passed_of(text: &str) -> Option<bool> {
    match text.trim() {
        "合格" | "通过" | "是" => Some(true),
        "不合格" | "未通过" | "否" => Some(false),
        _ => None,
    }
}

/// The roster's rules across rows: `roster.duplicate` (a person once per period), `roster.hours`
/// (no more than the schedule's hours; the cells themselves refuse negatives). Problems name the
/// row and column; a clean roster gives none.
pub fn check(entries: &[RosterEntry], scheduled: Hours) -> Vec<RowProblem> {
    let mut problems = Vec::new();
    let mut first_row: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
    for e in entries {
        if let Some(first) = first_row.get(e.id_number.as_str()) {
            problems.push(RowProblem::new(
                "roster.duplicate",
                e.row,
                "身份证号",
                format!("与第{first}行是同一人：每人每期只能出现一次"),
            ));
        } else {
            first_row.insert(e.id_number.as_str(), e.row);
        }
        if e.hours > scheduled {
            problems.push(RowProblem::new(
                "roster.hours",
                e.row,
                "考勤学时",
                format!("{} 学时超过本期日程安排的 {scheduled} 学时", e.hours),
            ));
        }
        if let Some(taught) = e.taught_hours
            && taught > scheduled
        {
            problems.push(RowProblem::new(
                "roster.hours",
                e.row,
                "授课学时",
                format!("{taught} 学时超过本期日程安排的 {scheduled} 学时"),
            ));
        }
    }
    problems
}

/// `roster.over_plan` (a warning, §7.3): more learners than the planned enrolment.
pub fn over_plan(counts: &Counts, planned_enrollment: u32) -> Option<String> {
    (planned_enrollment > 0 && counts.learners > planned_enrollment).then(|| {
        format!("学员 {} 人，超过计划招生人数 {planned_enrollment} 人（不得超过计划招生人数）", counts.learners)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn id(seq: u16) -> IdNumber {
        crate::id_number::compose("110101", NaiveDate::from_ymd_opt(1980, 1, 1).unwrap(), seq)
    }

    fn entry(row: u32, seq: u16, hours: i64, taught: Option<i64>) -> RosterEntry {
        RosterEntry {
            row,
            name: format!("学员{seq}"),
            id_number: id(seq),
            unit: "北京协和医院".into(),
            province: "11",
            title: "主治医师".into(),
            phone: String::new(),
            hours: Hours::whole(hours),
            passed: true,
            taught_hours: taught.map(Hours::whole),
        }
    }

    #[test]
    fn a_clean_roster_has_no_problems_and_counts_learners_and_speakers() {
        let entries = [entry(2, 1, 18, None), entry(3, 2, 0, Some(3)), entry(4, 3, 18, Some(0))];
        assert!(check(&entries, Hours::whole(18)).is_empty());
        let c = counts(&entries);
        assert_eq!((c.learners, c.speakers), (2, 1));
        assert_eq!(c.learners_by_province.get("北京市"), Some(&2));
    }

    #[test]
    fn the_same_person_twice_names_both_rows() {
        let problems = check(&[entry(2, 1, 6, None), entry(5, 1, 6, None)], Hours::whole(18));
        assert_eq!(problems.len(), 1);
        assert_eq!((problems[0].rule, problems[0].row, problems[0].column), ("roster.duplicate", 5, "身份证号"));
        assert!(problems[0].message.contains("第2行"));
    }

    #[test]
    fn hours_above_the_schedule_are_refused_for_learners_and_speakers() {
        let problems = check(&[entry(2, 1, 19, None), entry(3, 2, 0, Some(20))], Hours::whole(18));
        let cells: Vec<_> = problems.iter().map(|p| (p.row, p.column)).collect();
        assert_eq!(cells, [(2, "考勤学时"), (3, "授课学时")]);
        assert!(check(&[entry(2, 1, 18, Some(18))], Hours::whole(18)).is_empty());
    }

    #[test]
    fn over_plan_is_a_warning_only_above_the_plan() {
        let c = counts(&[entry(2, 1, 1, None), entry(3, 2, 1, None)]);
        assert!(over_plan(&c, 2).is_none());
        assert!(over_plan(&c, 1).unwrap().contains("超过计划招生人数 1 人"));
        assert!(over_plan(&c, 0).is_none(), "no plan, no warning");
    }

    #[test]
    fn cells_read_provinces_and_results_as_offices_write_them() {
        assert_eq!(province_of("北京市"), Some("11"));
        assert_eq!(province_of("河北"), Some("13"));
        assert_eq!(province_of("31"), Some("31"));
        assert_eq!(province_of("火星"), None);
        assert_eq!(passed_of(" 合格 "), Some(true));
        assert_eq!(passed_of("不合格"), Some(false));
        assert_eq!(passed_of("良好"), None);
    }
}
