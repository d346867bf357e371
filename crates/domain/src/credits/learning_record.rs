//! The learning record (个人学习档案) as pure code: what a stored credit record must hold for its kind,
//! how a person's records of a year become the engine's [`Activities`], and the year's summary
//! (credits against the requirement, by kind with caps, what is still missing).
//!
//! Storage keeps the facts of each record (kind, role, hours, dates, …); the credits shown are always
//! computed here by [`super::evaluate`] from those facts, so every credit keeps its explanation.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::activities::{
    Activities, Activity, ActivityKind, LegacyClass, LegacyRecord, OtherActivity, PeriodActivity, Person,
    PracticeActivity, ProjectActivity, Role, SelfStudyActivity,
};
use super::engine::evaluate;
use super::report::CreditReport;
use super::settings::{Regime, RuleSettings};
use crate::org::{Delivery, Level};
use crate::{Credits, Hours, Year};

/// Where a record came from (rules.md §2.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordSource {
    /// A project's organiser, for one period (project number and period).
    Project,
    /// The employer registered it (further training, degree education, assignments, practice).
    Employer,
    /// The professional applied against an approved self-study plan.
    SelfStudy,
    /// Imported from a file (legacy I类/II类 records).
    Import,
}

impl RecordSource {
    pub const ALL: [RecordSource; 4] =
        [RecordSource::Project, RecordSource::Employer, RecordSource::SelfStudy, RecordSource::Import];

    pub fn code(self) -> &'static str {
        match self {
            RecordSource::Project => "project",
            RecordSource::Employer => "employer",
            RecordSource::SelfStudy => "self_study",
            RecordSource::Import => "import",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RecordSource::Project => "项目举办单位登记",
            RecordSource::Employer => "用人单位登记",
            RecordSource::SelfStudy => "自学申请",
            RecordSource::Import => "批量导入",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// Where a record stands: provisional until granted (or rejected with a reason).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    Provisional,
    Granted,
    Rejected,
}

impl RecordStatus {
    pub const ALL: [RecordStatus; 3] = [RecordStatus::Provisional, RecordStatus::Granted, RecordStatus::Rejected];

    pub fn code(self) -> &'static str {
        match self {
            RecordStatus::Provisional => "provisional",
            RecordStatus::Granted => "granted",
            RecordStatus::Rejected => "rejected",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RecordStatus::Provisional => "待审核",
            RecordStatus::Granted => "已发放",
            RecordStatus::Rejected => "未通过",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// The facts of one credit record, as stored: every field a kind may need (others are `None`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordFacts {
    pub kind: ActivityKind,
    /// What the activity was (a project's name, the hospital of further training, …).
    pub title: String,
    /// A project's number (and period), for `project` records.
    pub project_number: Option<String>,
    pub level: Option<Level>,
    pub delivery: Option<Delivery>,
    pub role: Option<Role>,
    pub start: Option<NaiveDate>,
    pub end: NaiveDate,
    pub passed: Option<bool>,
    pub hours: Option<Hours>,
    /// Credits given rather than computed: self-study, other, legacy.
    pub credits: Option<Credits>,
    pub legacy_class: Option<LegacyClass>,
}

/// A problem of a record's facts: the field (as forms and spreadsheets name it) and why, in Chinese.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FactProblem {
    pub field: &'static str,
    pub message: String,
}

fn problem(field: &'static str, message: impl Into<String>) -> FactProblem {
    FactProblem { field, message: message.into() }
}

/// The most hours one record may state (a whole year, day and night).
const MAX_HOURS: i64 = 8_784;
/// The most credits one record may state.
const MAX_CREDITS: i64 = 100;

impl RecordFacts {
    /// The year the credits count toward (rules.md §2.1): the year the activity ended (checked
    /// facts end in 1990..=2100, well inside [`Year`]'s range).
    pub fn year(&self) -> Year {
        Year::of(self.end)
    }

    /// Every problem of the facts for their kind under `settings` (empty when the record can be stored).
    pub fn check(&self, settings: &RuleSettings) -> Vec<FactProblem> {
        let mut out = Vec::new();
        let kind = self.kind;
        if self.title.trim().is_empty() {
            out.push(problem("title", "活动名称不能为空"));
        } else if self.title.chars().count() > 200 {
            out.push(problem("title", "活动名称不能超过200字"));
        }
        if !(1990..=2100).contains(&self.end.year()) {
            out.push(problem("end", "结束日期应在1990年至2100年之间"));
        }
        let legacy = kind == ActivityKind::Legacy;
        if legacy && self.end >= settings.switch_date {
            out.push(problem(
                "end",
                format!("I类/II类学分记录只适用于 {} 之前结束的活动", settings.switch_date.format("%Y-%m-%d")),
            ));
        }
        if !legacy && self.end < settings.switch_date {
            out.push(problem(
                "end",
                format!(
                    "{} 之前结束的活动按原I类/II类学分记录，请以“2025年前的学分记录”导入",
                    settings.switch_date.format("%Y-%m-%d")
                ),
            ));
        }
        let needs = |out: &mut Vec<FactProblem>, present: bool, field: &'static str, name: &str| {
            if !present {
                out.push(problem(field, format!("{}必须填写{name}", kind.label())));
            }
        };
        match kind {
            ActivityKind::Project => {
                needs(
                    &mut out,
                    self.project_number.as_deref().is_some_and(|n| !n.trim().is_empty()),
                    "project_number",
                    "项目编号",
                );
                needs(&mut out, self.level.is_some(), "level", "项目级别");
                needs(&mut out, self.delivery.is_some(), "delivery", "举办形式");
                needs(&mut out, self.role.is_some(), "role", "身份（参加者或主讲人）");
                needs(&mut out, self.hours.is_some(), "hours", "学时");
            }
            ActivityKind::FurtherTraining | ActivityKind::DegreeEducation | ActivityKind::GovernmentAssignment => {
                needs(&mut out, self.start.is_some(), "start", "开始日期");
                needs(&mut out, self.passed.is_some(), "passed", "考核结果");
                if let Some(start) = self.start
                    && start > self.end
                {
                    out.push(problem("start", "开始日期不能晚于结束日期"));
                }
            }
            ActivityKind::Practice => {
                needs(&mut out, self.role.is_some(), "role", "身份（参加者或主讲人）");
                needs(&mut out, self.hours.is_some(), "hours", "学时");
            }
            ActivityKind::SelfStudy | ActivityKind::Other => {
                needs(&mut out, self.credits.is_some(), "credits", "学分");
            }
            ActivityKind::Legacy => {
                needs(&mut out, self.legacy_class.is_some(), "class", "学分类别（I类或II类）");
                needs(&mut out, self.credits.is_some(), "credits", "学分");
            }
        }
        if let Some(h) = self.hours {
            if h.tenths() < 0 {
                out.push(problem("hours", "学时不能为负数"));
            } else if h.tenths() > MAX_HOURS * 10 {
                out.push(problem("hours", format!("学时不能超过 {MAX_HOURS}")));
            }
        }
        if let Some(c) = self.credits {
            if c.tenths() < 0 {
                out.push(problem("credits", "学分不能为负数"));
            } else if c.tenths() > MAX_CREDITS * 10 {
                out.push(problem("credits", format!("学分不能超过 {MAX_CREDITS}")));
            }
        }
        out
    }

    /// The engine's activity for these facts, under the given id; `None` if a required fact is missing
    /// (such records never pass [`RecordFacts::check`]). `approved` is whether the record is granted.
    pub fn activity(&self, id: String, approved: bool) -> Option<Activity> {
        let end = self.end;
        Some(match self.kind {
            ActivityKind::Project => Activity::Project(ProjectActivity {
                id,
                project_number: self.project_number.clone()?,
                level: self.level?,
                delivery: self.delivery?,
                role: self.role?,
                hours: self.hours?,
                end,
            }),
            kind @ (ActivityKind::FurtherTraining
            | ActivityKind::DegreeEducation
            | ActivityKind::GovernmentAssignment) => {
                let period = PeriodActivity { id, start: self.start?, end, passed: self.passed?, hours: self.hours };
                match kind {
                    ActivityKind::FurtherTraining => Activity::FurtherTraining(period),
                    ActivityKind::DegreeEducation => Activity::DegreeEducation(period),
                    _ => Activity::GovernmentAssignment(period),
                }
            }
            ActivityKind::Practice => {
                Activity::Practice(PracticeActivity { id, role: self.role?, hours: self.hours?, end })
            }
            ActivityKind::SelfStudy => {
                Activity::SelfStudy(SelfStudyActivity { id, credits: self.credits?, approved, end })
            }
            ActivityKind::Other => Activity::Other(OtherActivity { id, credits: self.credits?, end }),
            ActivityKind::Legacy => {
                Activity::Legacy(LegacyRecord { id, class: self.legacy_class?, credits: self.credits?, end })
            }
        })
    }
}

/// One record of a person's year as the learning record sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YearRecord {
    /// The record's id, as text (the engine's activity id).
    pub id: String,
    pub facts: RecordFacts,
    pub status: RecordStatus,
    /// Reversed by a later correction, or itself a reversal: counts for nothing.
    pub cancelled: bool,
}

/// One person's year: the official report (granted records only) and, for each provisional record,
/// what it would earn if granted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YearSummary {
    pub year: Year,
    pub report: CreditReport,
    /// The report with provisional records counted too: their prospective explanations.
    pub prospective: CreditReport,
    pub regime: Regime,
}

impl YearSummary {
    /// The explanation and credits of a record: the official one for a granted record, the prospective
    /// one for a provisional record, none for rejected or cancelled records.
    pub fn credit_of(&self, id: &str) -> Option<&super::ActivityCredit> {
        self.report
            .activities
            .iter()
            .find(|a| a.id == id)
            .or_else(|| self.prospective.activities.iter().find(|a| a.id == id))
    }

    /// Credits toward the requirement, as a percentage for a progress bar (0–100).
    pub fn percent(&self) -> i64 {
        let required = self.report.required.tenths().max(1);
        (self.report.total.tenths() * 100 / required).clamp(0, 100)
    }
}

/// Evaluates a person's records of one year. Rejected and cancelled records are left out; provisional
/// records count only in the prospective report.
pub fn summarise(year: Year, person: &Person, records: &[YearRecord], settings: &RuleSettings) -> YearSummary {
    let build = |with_provisional: bool| {
        let activities = records
            .iter()
            .filter(|r| !r.cancelled && i32::from(year) == r.facts.end.year())
            .filter(|r| match r.status {
                RecordStatus::Granted => true,
                RecordStatus::Provisional => with_provisional,
                RecordStatus::Rejected => false,
            })
            .filter_map(|r| r.facts.activity(r.id.clone(), r.status == RecordStatus::Granted || with_provisional))
            .collect();
        evaluate(&Activities { year, person: person.clone(), activities }, settings)
    };
    let report = build(false);
    let prospective = build(true);
    YearSummary { year, regime: report.regime, report, prospective }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IdNumber;

    fn person() -> Person {
        Person {
            id_number: IdNumber::parse("11010519491231002X").unwrap(),
            province: "北京市".into(),
            grassroots: false,
        }
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn practice(hours: i64, end: &str) -> RecordFacts {
        RecordFacts {
            kind: ActivityKind::Practice,
            title: "病例讨论".into(),
            project_number: None,
            level: None,
            delivery: None,
            role: Some(Role::Speaker),
            start: None,
            end: date(end),
            passed: None,
            hours: Some(Hours::whole(hours)),
            credits: None,
            legacy_class: None,
        }
    }

    fn record(id: &str, facts: RecordFacts, status: RecordStatus) -> YearRecord {
        YearRecord { id: id.into(), facts, status, cancelled: false }
    }

    #[test]
    fn only_granted_records_count_and_provisional_ones_are_prospective() {
        let records = vec![
            record("1", practice(6, "2025-03-01"), RecordStatus::Granted),
            record("2", practice(3, "2025-04-01"), RecordStatus::Provisional),
            record("3", practice(30, "2025-05-01"), RecordStatus::Rejected),
            YearRecord { cancelled: true, ..record("4", practice(30, "2025-05-02"), RecordStatus::Granted) },
            record("5", practice(3, "2026-01-02"), RecordStatus::Granted),
        ];
        let s = summarise(Year::try_from(2025_u16).unwrap(), &person(), &records, &RuleSettings::default());
        assert_eq!(s.report.total, Credits::whole(2));
        assert_eq!(s.prospective.total, Credits::whole(3));
        assert_eq!(s.credit_of("2").unwrap().credits, Credits::whole(1));
        assert!(s.credit_of("3").is_none());
        assert!(s.credit_of("4").is_none());
        assert!(s.credit_of("5").is_none(), "another year's record");
        assert_eq!(s.percent(), 8);
        assert_eq!(s.report.missing(), vec!["还差 23.0 学分".to_string()]);
    }

    #[test]
    fn legacy_years_use_the_2006_rules() {
        let legacy = |class, credits, end: &str| RecordFacts {
            kind: ActivityKind::Legacy,
            legacy_class: Some(class),
            credits: Some(Credits::whole(credits)),
            role: None,
            hours: None,
            ..practice(0, end)
        };
        let records = vec![
            record("1", legacy(LegacyClass::I, 12, "2023-04-01"), RecordStatus::Granted),
            record("2", legacy(LegacyClass::II, 14, "2023-05-01"), RecordStatus::Granted),
        ];
        let s = summarise(Year::try_from(2023_u16).unwrap(), &person(), &records, &RuleSettings::default());
        assert_eq!(s.regime, Regime::Legacy2006);
        assert!(!s.report.compliant);
        assert!(s.report.missing().iter().any(|m| m.contains("II类学分还差 1.0")));
    }

    #[test]
    fn checks_name_the_missing_field_for_the_kind() {
        let settings = RuleSettings::default();
        assert!(practice(3, "2025-03-01").check(&settings).is_empty());
        let mut bad = practice(3, "2024-03-01");
        bad.role = None;
        bad.hours = Some(Hours::from_tenths(-5));
        let problems = bad.check(&settings);
        let fields: Vec<_> = problems.iter().map(|p| p.field).collect();
        assert_eq!(fields, vec!["end", "role", "hours"]);
        assert!(problems[0].message.contains("I类/II类"));

        let training = RecordFacts {
            kind: ActivityKind::FurtherTraining,
            start: Some(date("2025-06-01")),
            role: None,
            hours: None,
            ..practice(0, "2025-05-01")
        };
        let fields: Vec<_> = training.check(&settings).iter().map(|p| p.field).collect();
        assert_eq!(fields, vec!["passed", "start"]);
    }

    #[test]
    fn self_study_is_approved_only_when_granted() {
        let facts = RecordFacts {
            kind: ActivityKind::SelfStudy,
            credits: Some(Credits::whole(12)),
            role: None,
            hours: None,
            ..practice(0, "2025-12-01")
        };
        let records = vec![record("9", facts, RecordStatus::Granted)];
        let s = summarise(Year::try_from(2025_u16).unwrap(), &person(), &records, &RuleSettings::default());
        assert_eq!(s.report.total, Credits::whole(10), "self-study's cap of 10");
        assert_eq!(s.credit_of("9").unwrap().removed_by_caps, Credits::whole(2));
    }
}
