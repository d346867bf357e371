//! The rule table as data (rules.md §3): stable ids, severities and Chinese names the UI shows.
//!
//! The order is rules.md's and is the order findings are reported in. After rules.md's table come
//! the rules added beside it (issue 18 point 14: the 申报书's contact blanks and the leader's
//! highest education), which judge only documents that carry those optional fields.

use serde::Serialize;

/// `error` blocks submission; `warning` is shown to the applicant and every reviewer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn code(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "警告",
        }
    }
}

/// One rule of the formal review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Stable id used in API output, the UI and tests.
    pub id: &'static str,
    /// The severity of its findings. `credits.hours_match` is the one rule whose findings can also be
    /// warnings (credits below what the hours allow); [`Rule::can_warn`] says so.
    pub severity: Severity,
    /// The Chinese name the UI shows next to each finding.
    pub name: &'static str,
}

impl Rule {
    /// Whether any finding of this rule can be a warning.
    pub fn can_warn(&self) -> bool {
        self.severity == Severity::Warning || self.id == "credits.hours_match"
    }
}

const fn error(id: &'static str, name: &'static str) -> Rule {
    Rule { id, severity: Severity::Error, name }
}

const fn warning(id: &'static str, name: &'static str) -> Rule {
    Rule { id, severity: Severity::Warning, name }
}

/// Number of rules.
pub const RULE_COUNT: usize = 41;

/// Every rule of rules.md §3, in its order.
pub const RULES: [Rule; RULE_COUNT] = [
    error("leader.in_post", "项目负责人在职(岗)"),
    error("leader.employee", "项目负责人为申报单位人员"),
    error("leader.title", "项目负责人职称副高级及以上"),
    error("leader.project_limit", "项目负责人同级别申报不超过2项"),
    warning("leader.history", "项目负责人近3年项目经历"),
    error("title.concrete", "职称填写具体专业技术职称"),
    error("teachers.own_unit_share", "本单位授课教师占比不低于50%"),
    error("teachers.society_share", "学(协)会同一单位授课教师占比不高于50%"),
    error("teachers.demo_title", "实验(技术示范)教师职称中级及以上"),
    error("teachers.theory_title", "理论授课教师职称"),
    error("teachers.clinical_intermediate_share", "临床技能项目中级职称教师占比不高于30%"),
    error("teachers.nursing_intermediate_share", "护理项目中级职称教师占比不高于40%"),
    error("enrollment.max", "面授项目招生不超过1000人"),
    warning("enrollment.min", "拟招生人数不少于50人"),
    error("enrollment.mutual_recognition", "京津冀互认项目招生100人以上"),
    warning("learners.outside_grassroots_share", "外省和基层学员占比不低于10%"),
    error("credits.cap", "学分上限"),
    error("credits.hours_match", "学时学分匹配(3小时1学分)"),
    error("hours.sum", "学时合计一致"),
    error("periods.count", "举办期数与日期地点"),
    error("text.recommendation", "推荐理由不少于200字"),
    error("text.achievements", "负责人主要成绩不少于300字"),
    error("text.unit_situation", "单位基本情况不少于300字"),
    error("peer_review.reviewer", "同行评议专家"),
    error("subject.valid", "学科选择"),
    error("subject.infectious_double", "感染病学不重复勾选传染病防治类"),
    error("unit.eligible", "申报单位资质与年检校验"),
    error("unit.quota", "国家级项目限额推荐"),
    error("unit.history_inspection", "近2年项目督查不合格"),
    error("unit.history_unexecuted", "近2年项目未举办或未按时汇报"),
    warning("unit.history_size", "近2年项目学员人数"),
    warning("unit.history_outside_share", "近2年国家级项目外省和基层学员占比"),
    warning("name.themeless", "无主题的年会、峰会、论坛"),
    error("duplicate.project", "同一项目不得重复申报"),
    error("window.open", "申报时间"),
    error("commitment.signed", "负责人签署承诺书"),
    error("id_number.valid", "身份证号有效"),
    error("remote.qualified", "远程项目申报资质"),
    // Beside rules.md §3 (issue 18 point 14).
    error("contact.complete", "单位联系人与负责人通讯地址"),
    error("contact.phone", "联系电话为手机号或带区号的固定电话"),
    error("leader.degree", "项目负责人最高学历"),
];

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// The position of a rule in [`RULES`] (the order findings are reported in).
pub fn rule_position(id: &str) -> Option<usize> {
    RULES.iter().position(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ids as rules.md §3 lists them, copied from its table.
    const SPEC_IDS: [&str; 38] = [
        "leader.in_post",
        "leader.employee",
        "leader.title",
        "leader.project_limit",
        "leader.history",
        "title.concrete",
        "teachers.own_unit_share",
        "teachers.society_share",
        "teachers.demo_title",
        "teachers.theory_title",
        "teachers.clinical_intermediate_share",
        "teachers.nursing_intermediate_share",
        "enrollment.max",
        "enrollment.min",
        "enrollment.mutual_recognition",
        "learners.outside_grassroots_share",
        "credits.cap",
        "credits.hours_match",
        "hours.sum",
        "periods.count",
        "text.recommendation",
        "text.achievements",
        "text.unit_situation",
        "peer_review.reviewer",
        "subject.valid",
        "subject.infectious_double",
        "unit.eligible",
        "unit.quota",
        "unit.history_inspection",
        "unit.history_unexecuted",
        "unit.history_size",
        "unit.history_outside_share",
        "name.themeless",
        "duplicate.project",
        "window.open",
        "commitment.signed",
        "id_number.valid",
        "remote.qualified",
    ];

    /// The rules added beside rules.md's table, after it.
    const ADDED_IDS: [&str; 3] = ["contact.complete", "contact.phone", "leader.degree"];

    #[test]
    fn the_table_is_rules_md_in_its_order() {
        let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        assert_eq!(ids[..SPEC_IDS.len()], SPEC_IDS);
        assert_eq!(ids[SPEC_IDS.len()..], ADDED_IDS);
        let warnings: Vec<&str> = RULES.iter().filter(|r| r.severity == Severity::Warning).map(|r| r.id).collect();
        assert_eq!(
            warnings,
            [
                "leader.history",
                "enrollment.min",
                "learners.outside_grassroots_share",
                "unit.history_size",
                "unit.history_outside_share",
                "name.themeless",
            ]
        );
        assert!(rule("credits.hours_match").unwrap().can_warn());
        assert!(!rule("credits.cap").unwrap().can_warn());
        assert_eq!(rule_position("remote.qualified"), Some(SPEC_IDS.len() - 1));
        assert_eq!(rule_position("leader.degree"), Some(RULE_COUNT - 1));
        assert!(rule("no.such").is_none());
        assert!(RULES.iter().all(|r| !r.name.is_empty()));
    }
}
