//! What the credit engine answers: each activity's credits with rule and explanation, the totals by kind
//! and the year's compliance, serialised exactly as formats.md's credits output, plus a Chinese text.

use std::fmt::Write as _;

use serde::Serialize;
use serde::ser::SerializeMap;

use super::activities::ActivityKind;
use super::settings::{LegacyRules, Regime};
use crate::{Credits, Year};

/// The stable rule identifiers of rules.md §2 (they appear in API output, the UI and tests).
pub mod rule {
    pub const PROJECT_PARTICIPANT: &str = "project.participant";
    pub const PROJECT_SPEAKER: &str = "project.speaker";
    pub const FURTHER_TRAINING_FULL_YEAR: &str = "further_training.full_year";
    pub const FURTHER_TRAINING_HOURS: &str = "further_training.hours";
    pub const FURTHER_TRAINING_NOT_PASSED: &str = "further_training.not_passed";
    pub const DEGREE_EDUCATION_FULL_YEAR: &str = "degree_education.full_year";
    pub const DEGREE_EDUCATION_HOURS: &str = "degree_education.hours";
    pub const DEGREE_EDUCATION_NOT_PASSED: &str = "degree_education.not_passed";
    pub const GOVERNMENT_ASSIGNMENT_FULL_YEAR: &str = "government_assignment.full_year";
    pub const GOVERNMENT_ASSIGNMENT_HOURS: &str = "government_assignment.hours";
    pub const GOVERNMENT_ASSIGNMENT_NOT_PASSED: &str = "government_assignment.not_passed";
    pub const PRACTICE_PARTICIPANT: &str = "practice.participant";
    pub const PRACTICE_PARTICIPANT_SINGLE: &str = "practice.participant_single";
    pub const PRACTICE_SPEAKER: &str = "practice.speaker";
    pub const PRACTICE_SPEAKER_SINGLE: &str = "practice.speaker_single";
    pub const PRACTICE_UNDER_ONE_HOUR: &str = "practice.under_one_hour";
    pub const SELF_STUDY: &str = "self_study.granted";
    pub const SELF_STUDY_NOT_APPROVED: &str = "self_study.not_approved";
    pub const OTHER: &str = "other.recorded";
    pub const LEGACY_I: &str = "legacy.class_i";
    pub const LEGACY_II: &str = "legacy.class_ii";
    // Records the engine does not count (see `validate`): each says why.
    pub const EMPTY_ID: &str = "activity.empty_id";
    pub const DUPLICATE_ID: &str = "activity.duplicate_id";
    pub const OUTSIDE_YEAR: &str = "activity.outside_year";
    pub const LEGACY_AFTER_SWITCH: &str = "activity.legacy_after_switch";
    pub const BEFORE_SWITCH: &str = "activity.before_switch";
    pub const START_AFTER_END: &str = "activity.start_after_end";
    pub const EMPTY_PROJECT_NUMBER: &str = "activity.empty_project_number";

    /// The rule's name for people (issue 18: the learning record showed `[project.participant]`).
    pub fn label(id: &str) -> Option<&'static str> {
        Some(match id {
            PROJECT_PARTICIPANT => "继续医学教育项目学员：学时÷3",
            PROJECT_SPEAKER => "继续医学教育项目授课：学时×2",
            FURTHER_TRAINING_FULL_YEAR => "进修学习满3个月：计25学分",
            FURTHER_TRAINING_HOURS => "进修学习不足3个月：按学时折算",
            FURTHER_TRAINING_NOT_PASSED => "进修学习考核未合格：不计学分",
            DEGREE_EDUCATION_FULL_YEAR => "在职学历（学位）教育满3个月：计25学分",
            DEGREE_EDUCATION_HOURS => "在职学历（学位）教育不足3个月：按学时折算",
            DEGREE_EDUCATION_NOT_PASSED => "在职学历（学位）教育考核未合格：不计学分",
            GOVERNMENT_ASSIGNMENT_FULL_YEAR => "政府指令性医疗卫生任务满3个月：计25学分",
            GOVERNMENT_ASSIGNMENT_HOURS => "政府指令性医疗卫生任务不足3个月：按学时折算",
            GOVERNMENT_ASSIGNMENT_NOT_PASSED => "政府指令性医疗卫生任务考核未合格：不计学分",
            PRACTICE_PARTICIPANT => "实践活动参加者：按学时计",
            PRACTICE_PARTICIPANT_SINGLE => "实践活动参加者：时间不足的按单次计",
            PRACTICE_SPEAKER => "实践活动主讲人：按学时计",
            PRACTICE_SPEAKER_SINGLE => "实践活动主讲人：时间不足的按单次计",
            PRACTICE_UNDER_ONE_HOUR => "实践活动不足1小时：不计学分",
            SELF_STUDY => "有计划的自学：单位审核发放",
            SELF_STUDY_NOT_APPROVED => "自学计划未经批准：不计学分",
            OTHER => "其他方式：省级登记",
            LEGACY_I => "原I类学分",
            LEGACY_II => "原II类学分",
            EMPTY_ID | DUPLICATE_ID => "记录重复或不完整：不计学分",
            OUTSIDE_YEAR => "不属于本年度：不计学分",
            LEGACY_AFTER_SWITCH => "新办法施行后的原I类/II类学分：不计入",
            BEFORE_SWITCH => "新办法施行前的活动：按原学分记录",
            START_AFTER_END => "开始日期晚于结束日期：不计学分",
            EMPTY_PROJECT_NUMBER => "缺少项目编号：不计学分",
            _ => return None,
        })
    }
}

/// One activity's result. Only the five fields of formats.md are serialised.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ActivityCredit {
    pub id: String,
    /// What the activity finally earns, after every cap.
    pub credits: Credits,
    pub rule: &'static str,
    /// The arithmetic and every cap's deduction, in Chinese.
    pub explanation: String,
    pub removed_by_caps: Credits,
    #[serde(skip)]
    pub kind: ActivityKind,
    /// False for a record the engine rejected (its `rule` is an `activity.*` id).
    #[serde(skip)]
    pub counted: bool,
}

/// Credits by kind, serialised as a JSON object in report order (`project`, … or `I`, `II`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ByKind(pub Vec<KindTotal>);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KindTotal {
    /// `project`, `further_training`, … or `I`, `II`.
    pub code: &'static str,
    pub label: &'static str,
    pub credits: Credits,
}

impl ByKind {
    pub fn get(&self, code: &str) -> Option<Credits> {
        self.0.iter().find(|k| k.code == code).map(|k| k.credits)
    }
}

impl Serialize for ByKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for k in &self.0 {
            map.serialize_entry(k.code, &k.credits)?;
        }
        map.end()
    }
}

/// One person's credits for one year (formats.md "Credits output").
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreditReport {
    pub year: Year,
    /// In file order.
    pub activities: Vec<ActivityCredit>,
    pub by_kind: ByKind,
    pub total: Credits,
    pub required: Credits,
    pub compliant: bool,
    #[serde(skip)]
    pub regime: Regime,
    /// For a legacy year: the class rules the year was judged by.
    #[serde(skip)]
    pub legacy_rules: Option<LegacyRules>,
    /// The province whose grassroots caps applied, if any.
    #[serde(skip)]
    pub grassroots_province: Option<&'static str>,
}

impl CreditReport {
    /// What is still missing for compliance, as Chinese sentences (empty when compliant).
    pub fn missing(&self) -> Vec<String> {
        let mut out = Vec::new();
        match (self.regime, &self.legacy_rules) {
            (Regime::Legacy2006, Some(rules)) => {
                let i = self.by_kind.get("I").unwrap_or_default();
                let ii = self.by_kind.get("II").unwrap_or_default();
                if i < rules.class_i_min {
                    out.push(format!("I类学分还差 {}", rules.class_i_min - i));
                }
                if ii < rules.class_ii_min {
                    out.push(format!("II类学分还差 {}", rules.class_ii_min - ii));
                }
                let counted = i.min(rules.class_i_counted_max) + ii.min(rules.class_ii_counted_max);
                if counted < rules.required {
                    out.push(format!(
                        "I类最多计 {}、II类最多计 {}，合计计入 {}，还差 {}",
                        short(rules.class_i_counted_max),
                        short(rules.class_ii_counted_max),
                        counted,
                        rules.required - counted
                    ));
                }
            }
            _ => {
                if self.total < self.required {
                    out.push(format!("还差 {} 学分", self.required - self.total));
                }
            }
        }
        out
    }
}

/// A quantity in tenths as it reads in a sentence: `10` when whole, `2.5` otherwise (credit limits,
/// hours). Amounts of credits keep their one decimal (`6.0`) through `Credits`' own `Display`.
#[derive(Clone, Copy)]
pub(crate) struct Short(pub i64);

impl std::fmt::Display for Short {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0 % 10 == 0 { write!(f, "{}", self.0 / 10) } else { crate::tenths::format_tenths(self.0, f) }
    }
}

/// `Short` of credits.
pub(crate) fn short(credits: Credits) -> Short {
    Short(credits.tenths())
}

/// A readable Chinese report: each activity with its rule and arithmetic, totals by kind, compliance
/// and what is still missing.
pub fn render_text(report: &CreditReport) -> String {
    let mut out = String::new();
    let rules = match report.regime {
        Regime::Legacy2006 => "按原 I类、II类学分记录（全继委发〔2006〕11号）",
        Regime::Rules2024 => "按《继续医学教育学分管理办法（试行）》（国卫办科教发〔2024〕20号）",
    };
    let _ = writeln!(out, "{} 年度学分（{}）", report.year, rules);
    if let Some(province) = report.grassroots_province {
        let _ = writeln!(out, "适用{province}基层卫生专业技术人员学分上限。");
    }
    out.push('\n');
    if report.activities.is_empty() {
        out.push_str("本年度没有学分活动。\n");
    } else {
        out.push_str("活动明细：\n");
    }
    for a in &report.activities {
        let status = if a.counted { "" } else { "（不计入）" };
        let _ = writeln!(out, "  {}  {}  {} 学分{}  [{}]", a.id, a.kind.label(), a.credits, status, a.rule);
        let _ = writeln!(out, "      {}", a.explanation);
        if a.removed_by_caps > Credits::ZERO {
            let _ = writeln!(out, "      上限扣减 {} 学分", a.removed_by_caps);
        }
    }
    if !report.by_kind.0.is_empty() {
        out.push_str("\n按类别合计：\n");
        for k in &report.by_kind.0 {
            let _ = writeln!(out, "  {}：{} 学分", k.label, k.credits);
        }
    }
    let _ = writeln!(out, "\n合计 {} 学分，要求不少于 {} 学分。", report.total, report.required);
    if let Some(rules) = &report.legacy_rules {
        let _ = writeln!(
            out,
            "原办法要求：I类不少于 {}（最多计 {}），II类不少于 {}（最多计 {}），两类不可相互替代。",
            short(rules.class_i_min),
            short(rules.class_i_counted_max),
            short(rules.class_ii_min),
            short(rules.class_ii_counted_max)
        );
    }
    if report.compliant {
        out.push_str("结论：已达到本年度学分要求。\n");
    } else {
        let _ = writeln!(out, "结论：未达到本年度学分要求；{}。", report.missing().join("；"));
    }
    let rejected = report.activities.iter().filter(|a| !a.counted).count();
    if rejected > 0 {
        let _ = writeln!(out, "注意：有 {rejected} 项记录不符合要求，未计入学分，请更正后重新核算。");
    }
    out
}

#[cfg(test)]
mod rule_names {
    use super::rule::*;

    #[test]
    fn every_rule_has_a_name_for_people() {
        let all = [
            PROJECT_PARTICIPANT,
            PROJECT_SPEAKER,
            FURTHER_TRAINING_FULL_YEAR,
            FURTHER_TRAINING_HOURS,
            FURTHER_TRAINING_NOT_PASSED,
            DEGREE_EDUCATION_FULL_YEAR,
            DEGREE_EDUCATION_HOURS,
            DEGREE_EDUCATION_NOT_PASSED,
            GOVERNMENT_ASSIGNMENT_FULL_YEAR,
            GOVERNMENT_ASSIGNMENT_HOURS,
            GOVERNMENT_ASSIGNMENT_NOT_PASSED,
            PRACTICE_PARTICIPANT,
            PRACTICE_PARTICIPANT_SINGLE,
            PRACTICE_SPEAKER,
            PRACTICE_SPEAKER_SINGLE,
            PRACTICE_UNDER_ONE_HOUR,
            SELF_STUDY,
            SELF_STUDY_NOT_APPROVED,
            OTHER,
            LEGACY_I,
            LEGACY_II,
            EMPTY_ID,
            DUPLICATE_ID,
            OUTSIDE_YEAR,
            LEGACY_AFTER_SWITCH,
            BEFORE_SWITCH,
            START_AFTER_END,
            EMPTY_PROJECT_NUMBER,
        ];
        for id in all {
            let name = label(id).unwrap_or_else(|| panic!("{id} has no name"));
            assert!(!name.contains('.') && !name.is_ascii(), "{id}: {name}");
        }
        assert_eq!(label("no.such_rule"), None);
    }
}
