//! Records that read correctly but cannot be counted for the document's year, with a Chinese reason.
//!
//! Decision: such records are rejected, never silently counted or dropped.
//! - An activity ending outside `year`: credits count toward the year the activity ended (rules.md
//!   §2.1), so it belongs in that year's document.
//! - A legacy record ending on or after the switch date: the 2024 rules recompute such activities, a
//!   class I/II record cannot stand in for them.
//! - A 2024-rule activity ending before the switch date: earlier activities keep the credits and class
//!   they were recorded with (rules.md §2.1, Reading), so they must come as legacy records.
//! - An empty or repeated `id`, an empty `project_number`, a `start` after the `end`.
//!
//! [`validate`] reports them all as [`DocumentError`]s naming the field path and the activity id, so the
//! CLI (exit 2) and the API (422) treat them like any other invalid file. [`super::evaluate`] is total:
//! given such a document anyway, it lists each rejected record with 0 credits, its `activity.*` rule
//! and the same message, and counts only the rest.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::activities::{Activities, Activity};
use super::report::rule;
use super::settings::RuleSettings;
use crate::Year;
use crate::document::DocumentError;

/// Why one record is not counted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Rejection {
    pub rule: &'static str,
    pub field: &'static str,
    pub message: String,
}

/// Every problem of the document, each naming the record's path and id.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct InvalidActivities(pub Vec<DocumentError>);

/// Checks that every record can be counted for `doc.year` under `settings` (see the module comment).
pub fn validate(doc: &Activities, settings: &RuleSettings) -> Result<(), InvalidActivities> {
    let problems: Vec<DocumentError> = rejections(doc, settings)
        .into_iter()
        .enumerate()
        .filter_map(|(i, r)| {
            r.map(|r| DocumentError { path: format!("activities[{i}].{}", r.field), message: r.message })
        })
        .collect();
    if problems.is_empty() { Ok(()) } else { Err(InvalidActivities(problems)) }
}

/// For each record in file order, why it cannot be counted, if it cannot.
pub(crate) fn rejections(doc: &Activities, settings: &RuleSettings) -> Vec<Option<Rejection>> {
    let mut first_index: HashMap<&str, usize> = HashMap::with_capacity(doc.activities.len());
    doc.activities
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let id = a.id();
            if id.trim().is_empty() {
                return Some(reject(rule::EMPTY_ID, "id", "活动编号（id）不能为空".into()));
            }
            if let Some(first) = first_index.get(id) {
                return Some(reject(rule::DUPLICATE_ID, "id", format!("活动编号“{id}”与 activities[{first}] 重复")));
            }
            first_index.insert(id, i);
            check_record(a, doc.year, settings.switch_date)
        })
        .collect()
}

fn check_record(a: &Activity, year: Year, switch: NaiveDate) -> Option<Rejection> {
    let id = a.id();
    let end = a.end();
    if Year::of(end) != year {
        return Some(reject(
            rule::OUTSIDE_YEAR,
            "end",
            format!("活动“{id}”结束于 {end}，不在 {year} 年内：学分计入活动结束的年度，应填入该年度的文件"),
        ));
    }
    match a {
        Activity::Legacy(_) if end >= switch => {
            return Some(reject(
                rule::LEGACY_AFTER_SWITCH,
                "type",
                format!(
                    "活动“{id}”结束于 {end}：{switch} 及以后结束的活动按 2024 版办法计算学分，不能按原 I类/II类学分记录填写"
                ),
            ));
        }
        Activity::Legacy(_) => {}
        _ if end < switch => {
            return Some(reject(
                rule::BEFORE_SWITCH,
                "type",
                format!(
                    "活动“{id}”结束于 {end}：{switch} 前结束的活动保留当时记录的 I类/II类学分，应填写为 legacy 记录"
                ),
            ));
        }
        _ => {}
    }
    if let Some(p) = a.period()
        && p.start > p.end
    {
        return Some(reject(
            rule::START_AFTER_END,
            "start",
            format!("活动“{id}”的开始日期 {} 晚于结束日期 {}", p.start, p.end),
        ));
    }
    if let Activity::Project(p) = a
        && p.project_number.trim().is_empty()
    {
        return Some(reject(rule::EMPTY_PROJECT_NUMBER, "project_number", format!("活动“{id}”缺少项目编号")));
    }
    None
}

fn reject(rule: &'static str, field: &'static str, message: String) -> Rejection {
    Rejection { rule, field, message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::parse;

    fn doc(year: u16, activities: &str) -> Activities {
        parse(&format!(
            r#"{{ "year": {year}, "person": {{ "id_number": "11010519491231002X", "province": "北京市", "grassroots": false }},
                 "activities": [{activities}] }}"#
        ))
        .unwrap()
    }

    fn problems(doc: &Activities) -> Vec<String> {
        match validate(doc, &RuleSettings::default()) {
            Ok(()) => Vec::new(),
            Err(e) => e.0.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn a_clean_document_passes() {
        let d = doc(
            2025,
            r#"{ "id": "a1", "type": "other", "credits": 2, "end": "2025-01-01" },
               { "id": "a2", "type": "further_training", "start": "2024-10-01", "end": "2025-12-31", "passed": true }"#,
        );
        assert_eq!(problems(&d), Vec::<String>::new());
        let d = doc(2024, r#"{ "id": "l1", "type": "legacy", "class": "I", "credits": 8, "end": "2024-12-31" }"#);
        assert_eq!(problems(&d), Vec::<String>::new());
    }

    #[test]
    fn activities_ending_outside_the_year_are_rejected_by_id() {
        let d = doc(
            2025,
            r#"{ "id": "a1", "type": "other", "credits": 2, "end": "2025-06-01" },
               { "id": "a2", "type": "other", "credits": 2, "end": "2026-01-01" }"#,
        );
        assert_eq!(
            problems(&d),
            vec![
                "activities[1].end: 活动“a2”结束于 2026-01-01，不在 2025 年内：学分计入活动结束的年度，应填入该年度的文件"
            ]
        );
    }

    #[test]
    fn legacy_records_and_2024_activities_stay_on_their_side_of_the_switch() {
        let d = doc(2024, r#"{ "id": "a1", "type": "practice", "role": "speaker", "hours": 3, "end": "2024-06-01" }"#);
        assert_eq!(
            problems(&d),
            vec![
                "activities[0].type: 活动“a1”结束于 2024-06-01：2025-01-01 前结束的活动保留当时记录的 I类/II类学分，应填写为 legacy 记录"
            ]
        );
        // In 2025 a legacy record is after the switch (a legacy record dated 2024 is outside the year).
        let d = doc(2025, r#"{ "id": "l1", "type": "legacy", "class": "II", "credits": 5, "end": "2025-02-01" }"#);
        assert_eq!(
            problems(&d),
            vec![
                "activities[0].type: 活动“l1”结束于 2025-02-01：2025-01-01 及以后结束的活动按 2024 版办法计算学分，不能按原 I类/II类学分记录填写"
            ]
        );
        // A configured mid-year switch lets both kinds share the year, each on its side.
        let settings =
            RuleSettings { switch_date: NaiveDate::from_ymd_opt(2024, 11, 1).unwrap(), ..RuleSettings::default() };
        let d = doc(
            2024,
            r#"{ "id": "l1", "type": "legacy", "class": "II", "credits": 5, "end": "2024-10-31" },
               { "id": "a1", "type": "other", "credits": 2, "end": "2024-11-01" }"#,
        );
        assert_eq!(validate(&d, &settings), Ok(()));
    }

    #[test]
    fn ids_dates_and_project_numbers_are_checked() {
        let d = doc(
            2025,
            r#"{ "id": "a1", "type": "other", "credits": 2, "end": "2025-06-01" },
               { "id": "a1", "type": "other", "credits": 2, "end": "2025-06-01" },
               { "id": " ", "type": "other", "credits": 2, "end": "2025-06-01" },
               { "id": "a3", "type": "degree_education", "start": "2025-06-02", "end": "2025-06-01", "passed": true },
               { "id": "a4", "type": "project", "project_number": "", "level": "national",
                 "delivery": "remote", "role": "participant", "hours": 3, "end": "2025-06-01" }"#,
        );
        assert_eq!(
            problems(&d),
            vec![
                "activities[1].id: 活动编号“a1”与 activities[0] 重复",
                "activities[2].id: 活动编号（id）不能为空",
                "activities[3].start: 活动“a3”的开始日期 2025-06-02 晚于结束日期 2025-06-01",
                "activities[4].project_number: 活动“a4”缺少项目编号",
            ]
        );
    }
}
