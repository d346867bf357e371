//! The credit engine (rules.md §2): each activity's credits in integer tenths with its rule and Chinese
//! arithmetic, caps taken in the order activities ended, the year's totals and compliance. (Over 700
//! lines on purpose: the formulas, the caps and the totals share one pass over the year, kept in one
//! file so the order in which caps apply reads top to bottom.)
//!
//! Every formula is rounded down to the tenth before any cap (rules.md §2.2, Reading). A cap covering
//! several activities is taken from them in end order, ties in file order, and each activity reports
//! what the cap removed from it. Legacy records are shown as recorded, never recomputed.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::NaiveDate;

use super::activities::{
    Activities, Activity, ActivityKind, LegacyClass, PeriodActivity, PracticeActivity, ProjectActivity, Role,
};
use super::report::{ActivityCredit, ByKind, CreditReport, KindTotal, Short, rule, short};
use super::settings::{Caps, Regime, RuleSettings, formula};
use super::validate::rejections;
use crate::org::Delivery;
use crate::{Credits, Hours, Year};

/// The three kinds that share the three-month rule and the 25-credit ceiling (rules.md §2.3).
const PERIOD_GROUP: &str = "进修学习、在职学历（学位）教育和政府指令性医疗卫生任务";

/// Evaluates one person's year. Records [`super::validate`] would reject are listed with 0 credits and
/// their reason, and not counted.
pub fn evaluate(doc: &Activities, settings: &RuleSettings) -> CreditReport {
    let rejected = rejections(doc, settings);
    let (caps, grassroots_province) = settings.caps_for(&doc.person);
    let regime = settings.regime(doc.year);

    // Caps are taken in the order activities ended; the sort is stable, so ties keep file order.
    let mut order: Vec<usize> = (0..doc.activities.len()).filter(|&i| rejected[i].is_none()).collect();
    order.sort_by_key(|&i| doc.activities[i].end());

    let mut engine = Engine {
        caps,
        settings,
        grassroots_province,
        periods: PeriodYear::decide(doc, &order, settings),
        project_used: HashMap::new(),
        practice_used: Credits::ZERO,
        period_used: Credits::ZERO,
        self_study_used: Credits::ZERO,
        other_used: Credits::ZERO,
    };
    let mut results: Vec<Option<ActivityCredit>> = rejected
        .into_iter()
        .zip(&doc.activities)
        .map(|(r, a)| {
            r.map(|r| ActivityCredit {
                id: a.id().to_string(),
                credits: Credits::ZERO,
                rule: r.rule,
                explanation: r.message,
                removed_by_caps: Credits::ZERO,
                kind: a.kind(),
                counted: false,
            })
        })
        .collect();
    for &i in &order {
        results[i] = Some(engine.credit(&doc.activities[i]));
    }
    let activities = results.into_iter().map(|r| r.expect("every record is credited or rejected")).collect();
    summarise(doc.year, activities, regime, settings, grassroots_province)
}

/// What the caps have granted so far, while activities are taken in end order.
struct Engine<'a> {
    caps: &'a Caps,
    settings: &'a RuleSettings,
    grassroots_province: Option<&'static str>,
    periods: PeriodYear<'a>,
    project_used: HashMap<&'a str, Credits>,
    practice_used: Credits,
    period_used: Credits,
    self_study_used: Credits,
    other_used: Credits,
}

/// A formula's result before caps, and the Chinese arithmetic that produced it.
struct Formula {
    rule: &'static str,
    credits: Credits,
    text: String,
}

impl<'a> Engine<'a> {
    /// The province to name beside a cap when its grassroots rules changed the national value.
    fn set_by<T: PartialEq>(&self, limit: T, national: T) -> Option<&'static str> {
        self.grassroots_province.filter(|_| limit != national)
    }

    fn credit(&mut self, a: &'a Activity) -> ActivityCredit {
        let (f, removed) = match a {
            Activity::Project(p) => self.project(p),
            Activity::FurtherTraining(p) | Activity::DegreeEducation(p) | Activity::GovernmentAssignment(p) => {
                self.period(a.kind(), p)
            }
            Activity::Practice(p) => self.practice(p),
            Activity::SelfStudy(s) => {
                if s.approved {
                    let mut f = Formula {
                        rule: rule::SELF_STUDY,
                        credits: s.credits,
                        text: format!("用人单位审核授予 {} 学分", s.credits),
                    };
                    let limit = self.caps.self_study_per_year;
                    let set_by = self.set_by(limit, self.settings.caps.self_study_per_year);
                    let removed = cap(&mut f, limit, &mut self.self_study_used, "有计划的自学每年上限", set_by);
                    (f, removed)
                } else {
                    let f = Formula {
                        rule: rule::SELF_STUDY_NOT_APPROVED,
                        credits: Credits::ZERO,
                        text: "自学计划未经用人单位审核批准，不计学分".to_string(),
                    };
                    (f, Credits::ZERO)
                }
            }
            Activity::Other(o) => {
                let mut f =
                    Formula {
                        rule: rule::OTHER, credits: o.credits, text: format!("省级记录 {} 学分", o.credits)
                    };
                let removed = match self.caps.other_per_year {
                    Some(limit) => {
                        let national = self.settings.caps.other_per_year;
                        let set_by = self.set_by(Some(limit), national);
                        let what = "其他方式每年上限";
                        cap(&mut f, limit, &mut self.other_used, what, set_by)
                    }
                    None => Credits::ZERO,
                };
                (f, removed)
            }
            Activity::Legacy(l) => {
                let rule = match l.class {
                    LegacyClass::I => rule::LEGACY_I,
                    LegacyClass::II => rule::LEGACY_II,
                };
                let f = Formula {
                    rule,
                    credits: l.credits,
                    text: format!("{} {}，按原记录计入，不重新计算", l.class.label(), l.credits),
                };
                (f, Credits::ZERO)
            }
        };
        ActivityCredit {
            id: a.id().to_string(),
            credits: f.credits,
            rule: f.rule,
            explanation: f.text,
            removed_by_caps: removed,
            kind: a.kind(),
            counted: true,
        }
    }

    fn project(&mut self, p: &'a ProjectActivity) -> (Formula, Credits) {
        let h = p.hours.tenths();
        let mut f = match p.role {
            Role::Participant => {
                let per = formula::PROJECT_PARTICIPANT_HOURS_PER_CREDIT;
                divided(rule::PROJECT_PARTICIPANT, p.role.label(), p.hours, per)
            }
            Role::Speaker => {
                let times = formula::PROJECT_SPEAKER_CREDITS_PER_HOUR;
                let credits = Credits::from_tenths(h * times);
                Formula {
                    rule: rule::PROJECT_SPEAKER,
                    credits,
                    text: format!("{} {} 学时 × {times} = {credits} 学分", p.role.label(), hours_text(p.hours)),
                }
            }
        };
        let national = &self.settings.caps;
        let (limit, set_by, what) = match p.delivery {
            Delivery::FaceToFace => (self.caps.project, self.set_by(self.caps.project, national.project), "项目上限"),
            Delivery::Remote => (
                self.caps.remote_project,
                self.set_by(self.caps.remote_project, national.remote_project),
                "远程项目上限",
            ),
        };
        let used = self.project_used.entry(p.project_number.as_str()).or_default();
        let used_before = *used;
        let removed = cap(&mut f, limit, used, what, set_by);
        if removed > Credits::ZERO && used_before > Credits::ZERO {
            let _ = write!(f.text, "（同一项目 {} 此前已计 {}）", p.project_number, used_before);
        }
        (f, removed)
    }

    fn practice(&mut self, p: &PracticeActivity) -> (Formula, Credits) {
        let (per, single, single_rule, full_rule) = match p.role {
            Role::Participant => (
                formula::PRACTICE_PARTICIPANT_HOURS_PER_CREDIT,
                formula::PRACTICE_PARTICIPANT_SINGLE,
                rule::PRACTICE_PARTICIPANT_SINGLE,
                rule::PRACTICE_PARTICIPANT,
            ),
            Role::Speaker => (
                formula::PRACTICE_SPEAKER_HOURS_PER_CREDIT,
                formula::PRACTICE_SPEAKER_SINGLE,
                rule::PRACTICE_SPEAKER_SINGLE,
                rule::PRACTICE_SPEAKER,
            ),
        };
        let hours = hours_text(p.hours);
        let min = hours_text(formula::PRACTICE_MIN_HOURS);
        let mut f = if p.hours < formula::PRACTICE_MIN_HOURS {
            Formula {
                rule: rule::PRACTICE_UNDER_ONE_HOUR,
                credits: Credits::ZERO,
                text: format!("{} {hours} 学时，不足{min}学时，不计学分", p.role.label()),
            }
        } else if p.hours.tenths() < per * 10 {
            Formula {
                rule: single_rule,
                credits: single,
                text: format!("{} {hours} 学时，不足{per}学时，按单次计 {single} 学分", p.role.label()),
            }
        } else {
            divided(full_rule, p.role.label(), p.hours, per)
        };
        let limit = self.caps.practice_per_year;
        let set_by = self.set_by(limit, self.settings.caps.practice_per_year);
        let removed = cap(&mut f, limit, &mut self.practice_used, "实践活动每年上限", set_by);
        (f, removed)
    }

    fn period(&mut self, kind: ActivityKind, p: &PeriodActivity) -> (Formula, Credits) {
        let (full_rule, hours_rule, failed_rule) = match kind {
            ActivityKind::FurtherTraining => {
                (rule::FURTHER_TRAINING_FULL_YEAR, rule::FURTHER_TRAINING_HOURS, rule::FURTHER_TRAINING_NOT_PASSED)
            }
            ActivityKind::DegreeEducation => {
                (rule::DEGREE_EDUCATION_FULL_YEAR, rule::DEGREE_EDUCATION_HOURS, rule::DEGREE_EDUCATION_NOT_PASSED)
            }
            _ => (
                rule::GOVERNMENT_ASSIGNMENT_FULL_YEAR,
                rule::GOVERNMENT_ASSIGNMENT_HOURS,
                rule::GOVERNMENT_ASSIGNMENT_NOT_PASSED,
            ),
        };
        if !p.passed {
            let f = Formula {
                rule: failed_rule, credits: Credits::ZERO, text: "考核未合格，不计学分".to_string()
            };
            return (f, Credits::ZERO);
        }
        let needed = self.settings.full_year_days;
        let full = self.settings.full_year_credits;
        let days = self.periods.days;
        match self.periods.completed_by {
            Some(id) if id == p.id => {
                let f = Formula {
                    rule: full_rule,
                    credits: full,
                    text: format!("本年{PERIOD_GROUP}（考核合格）累计 {days} 天，满 {needed} 天，视为完成 {full} 学分"),
                };
                (f, Credits::ZERO)
            }
            Some(id) => {
                let f = Formula {
                    rule: full_rule,
                    credits: Credits::ZERO,
                    text: format!("本年{PERIOD_GROUP}累计满 {needed} 天，合计 {full} 学分已计入活动“{id}”"),
                };
                (f, Credits::ZERO)
            }
            None => {
                let short_of = format!("本年累计 {days} 天，不足 {needed} 天，按学时计");
                let mut f = match p.hours {
                    Some(hours) => {
                        let per = formula::PERIOD_HOURS_PER_CREDIT;
                        let mut f = divided(hours_rule, kind.label(), hours, per);
                        let _ = write!(f.text, "（{short_of}）");
                        f
                    }
                    None => Formula {
                        rule: hours_rule,
                        credits: Credits::ZERO,
                        text: format!("未填写学时，不计学分（{short_of}）"),
                    },
                };
                let removed = cap(&mut f, full, &mut self.period_used, "进修学习等三类每年合计上限", None);
                (f, removed)
            }
        }
    }
}

/// `hours ÷ per`, rounded down to the tenth, with its arithmetic (`who` is 参加者, 主讲人 or the kind).
fn divided(rule: &'static str, who: &str, hours: Hours, per: i64) -> Formula {
    let credits = Credits::from_tenths(hours.tenths() / per);
    let mut text = format!("{who} {} 学时 ÷ {per} = {credits} 学分", hours_text(hours));
    if hours.tenths() % per != 0 {
        text.push_str("（向下取到0.1学分）");
    }
    Formula { rule, credits, text }
}

/// Grants what is left under `limit` after `used`, notes the deduction in the text (and the province
/// whose grassroots rules set the limit), and returns it.
fn cap(f: &mut Formula, limit: Credits, used: &mut Credits, what: &str, set_by: Option<&str>) -> Credits {
    let granted = f.credits.min(limit.saturating_sub(*used));
    let removed = f.credits - granted;
    *used = used.saturating_add(granted);
    if removed > Credits::ZERO {
        let _ = write!(f.text, "；{what}{}学分", short(limit));
        if let Some(province) = set_by {
            let _ = write!(f.text, "（{province}基层规定）");
        }
        let _ = write!(f.text, "，扣减{removed}");
    }
    f.credits = granted;
    removed
}

/// `18` for whole hours, `2.5` otherwise.
fn hours_text(hours: Hours) -> Short {
    Short(hours.tenths())
}

/// The year's further training, degree education and government assignments taken together.
struct PeriodYear<'a> {
    /// Days of the year covered by the passed activities (union, both ends inclusive).
    days: i64,
    /// The activity whose days, taken in end order, reached the full year: it carries the 25 credits.
    completed_by: Option<&'a str>,
}

impl<'a> PeriodYear<'a> {
    fn decide(doc: &'a Activities, order: &[usize], settings: &RuleSettings) -> Self {
        let (first, last) = (doc.year.first_day(), doc.year.last_day());
        // Passed activities in end order, clipped to the year. Counted records end inside the year and
        // start no later than they end, so every clipped range is non-empty.
        let passed: Vec<(&str, NaiveDate, NaiveDate)> = order
            .iter()
            .filter_map(|&i| doc.activities[i].period())
            .filter(|p| p.passed)
            .map(|p| (p.id.as_str(), p.start.max(first), p.end.min(last)))
            .collect();
        let days = union_days(&passed);
        let needed = settings.full_year_days;
        let completed_by = if passed.is_empty() || days < needed {
            None
        } else {
            // The union only grows with more activities, so the shortest prefix reaching the full
            // year can be found by bisection; its last activity completed the year.
            let (mut short, mut long) = (0, passed.len());
            while long - short > 1 {
                let middle = (short + long) / 2;
                if union_days(&passed[..middle]) >= needed {
                    long = middle;
                } else {
                    short = middle;
                }
            }
            Some(passed[long - 1].0)
        };
        Self { days, completed_by }
    }
}

/// Days covered by the union of inclusive date ranges.
fn union_days(ranges: &[(&str, NaiveDate, NaiveDate)]) -> i64 {
    let mut sorted: Vec<(NaiveDate, NaiveDate)> = ranges.iter().map(|r| (r.1, r.2)).collect();
    sorted.sort_unstable();
    let mut days = 0;
    let mut current: Option<(NaiveDate, NaiveDate)> = None;
    for (start, end) in sorted {
        current = match current {
            Some((s, e)) if start <= e.succ_opt().unwrap_or(e) => Some((s, e.max(end))),
            Some((s, e)) => {
                days += (e - s).num_days() + 1;
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    if let Some((s, e)) = current {
        days += (e - s).num_days() + 1;
    }
    days
}

fn summarise(
    year: Year,
    activities: Vec<ActivityCredit>,
    regime: Regime,
    settings: &RuleSettings,
    grassroots_province: Option<&'static str>,
) -> CreditReport {
    let sum = |keep: &dyn Fn(&ActivityCredit) -> bool| {
        activities.iter().filter(|a| a.counted && keep(a)).fold(Credits::ZERO, |t, a| t.saturating_add(a.credits))
    };
    let present = |kind: ActivityKind| activities.iter().any(|a| a.counted && a.kind == kind);
    let mut by_kind = Vec::new();
    for kind in ActivityKind::ALL {
        if kind != ActivityKind::Legacy && present(kind) {
            by_kind.push(KindTotal { code: kind.code(), label: kind.label(), credits: sum(&|a| a.kind == kind) });
        }
    }
    let class_i = sum(&|a| a.rule == rule::LEGACY_I);
    let class_ii = sum(&|a| a.rule == rule::LEGACY_II);
    if regime == Regime::Legacy2006 || present(ActivityKind::Legacy) {
        for (class, credits) in [(LegacyClass::I, class_i), (LegacyClass::II, class_ii)] {
            by_kind.push(KindTotal { code: class.code(), label: class.label(), credits });
        }
    }
    let total = sum(&|_| true);
    let (required, compliant, legacy_rules) = match regime {
        Regime::Rules2024 => (settings.annual_requirement, total >= settings.annual_requirement, None),
        Regime::Legacy2006 => {
            let l = settings.legacy;
            let counted = class_i.min(l.class_i_counted_max) + class_ii.min(l.class_ii_counted_max);
            let compliant = class_i >= l.class_i_min && class_ii >= l.class_ii_min && counted >= l.required;
            (l.required, compliant, Some(l))
        }
    };
    CreditReport {
        year,
        activities,
        by_kind: ByKind(by_kind),
        total,
        required,
        compliant,
        regime,
        legacy_rules,
        grassroots_province,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::IdNumber;
    use crate::credits::activities::*;
    use crate::credits::settings::GrassrootsRules;
    use crate::org::Level;

    pub(crate) fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    fn d(month: u32, day: u32) -> NaiveDate {
        date(2025, month, day)
    }

    pub(crate) fn person(grassroots: bool) -> Person {
        Person {
            id_number: IdNumber::parse("11010519491231002X").unwrap(), province: "北京市".to_string(), grassroots
        }
    }

    fn year(year: u16, activities: Vec<Activity>) -> Activities {
        Activities { year: Year::try_from(year).unwrap(), person: person(false), activities }
    }

    pub(crate) fn project(
        id: &str,
        number: &str,
        delivery: Delivery,
        role: Role,
        hours: i64,
        end: NaiveDate,
    ) -> Activity {
        Activity::Project(ProjectActivity {
            id: id.to_string(),
            project_number: number.to_string(),
            level: Level::National,
            delivery,
            role,
            hours: Hours::from_tenths(hours),
            end,
        })
    }

    fn face(id: &str, number: &str, role: Role, hours: i64, end: NaiveDate) -> Activity {
        project(id, number, Delivery::FaceToFace, role, hours, end)
    }

    pub(crate) fn practice(id: &str, role: Role, hours: i64, end: NaiveDate) -> Activity {
        Activity::Practice(PracticeActivity { id: id.to_string(), role, hours: Hours::from_tenths(hours), end })
    }

    pub(crate) fn training(
        id: &str,
        start: NaiveDate,
        end: NaiveDate,
        passed: bool,
        hours: Option<i64>,
    ) -> PeriodActivity {
        PeriodActivity { id: id.to_string(), start, end, passed, hours: hours.map(Hours::from_tenths) }
    }

    pub(crate) fn self_study(id: &str, credits: i64, approved: bool, end: NaiveDate) -> Activity {
        Activity::SelfStudy(SelfStudyActivity {
            id: id.to_string(),
            credits: Credits::from_tenths(credits),
            approved,
            end,
        })
    }

    pub(crate) fn other(id: &str, credits: i64, end: NaiveDate) -> Activity {
        Activity::Other(OtherActivity { id: id.to_string(), credits: Credits::from_tenths(credits), end })
    }

    fn legacy(id: &str, class: LegacyClass, credits: i64) -> Activity {
        Activity::Legacy(LegacyRecord {
            id: id.to_string(),
            class,
            credits: Credits::from_tenths(credits),
            end: date(2024, 6, 1),
        })
    }

    fn run(activities: Vec<Activity>) -> CreditReport {
        evaluate(&year(2025, activities), &RuleSettings::default())
    }

    fn entry<'r>(report: &'r CreditReport, id: &str) -> &'r ActivityCredit {
        report.activities.iter().find(|a| a.id == id).unwrap()
    }

    /// (credits, removed) in tenths.
    fn tenths(report: &CreditReport, id: &str) -> (i64, i64) {
        let e = entry(report, id);
        (e.credits.tenths(), e.removed_by_caps.tenths())
    }

    #[test]
    fn project_formulas_round_down_to_the_tenth() {
        let r = run(vec![
            face("a1", "P1", Role::Participant, 180, d(3, 3)),
            face("a2", "P2", Role::Participant, 100, d(3, 3)),
            face("a3", "P3", Role::Speaker, 25, d(3, 3)),
            face("a4", "P4", Role::Participant, 29, d(3, 3)),
        ]);
        assert_eq!(entry(&r, "a1").explanation, "参加者 18 学时 ÷ 3 = 6.0 学分");
        assert_eq!(entry(&r, "a1").rule, rule::PROJECT_PARTICIPANT);
        assert_eq!(tenths(&r, "a2"), (33, 0));
        assert_eq!(entry(&r, "a2").explanation, "参加者 10 学时 ÷ 3 = 3.3 学分（向下取到0.1学分）");
        assert_eq!(tenths(&r, "a3"), (50, 0));
        assert_eq!(entry(&r, "a3").explanation, "主讲人 2.5 学时 × 2 = 5.0 学分");
        assert_eq!(entry(&r, "a3").rule, rule::PROJECT_SPEAKER);
        assert_eq!(tenths(&r, "a4"), (9, 0), "2.9 h ÷ 3 = 0.966… → 0.9");
        assert_eq!(r.total, Credits::from_tenths(60 + 33 + 50 + 9));
    }

    #[test]
    fn a_project_earns_at_most_10_and_a_remote_project_3() {
        let r = run(vec![
            face("a1", "P1", Role::Participant, 360, d(3, 3)),
            project("a2", "R1", Delivery::Remote, Role::Participant, 180, d(3, 3)),
            project("a3", "R2", Delivery::Remote, Role::Participant, 90, d(3, 3)),
        ]);
        assert_eq!(tenths(&r, "a1"), (100, 20));
        assert_eq!(entry(&r, "a1").explanation, "参加者 36 学时 ÷ 3 = 12.0 学分；项目上限10学分，扣减2.0");
        assert_eq!(tenths(&r, "a2"), (30, 30));
        assert_eq!(entry(&r, "a2").explanation, "参加者 18 学时 ÷ 3 = 6.0 学分；远程项目上限3学分，扣减3.0");
        assert_eq!(tenths(&r, "a3"), (30, 0), "exactly the cap: nothing removed");
    }

    #[test]
    fn participant_and_speaker_of_one_project_share_one_cap() {
        let r = run(vec![
            face("a1", "P1", Role::Participant, 180, d(3, 3)),
            face("a2", "P1", Role::Speaker, 30, d(3, 4)),
            face("a3", "P2", Role::Speaker, 30, d(3, 4)),
        ]);
        assert_eq!(tenths(&r, "a1"), (60, 0));
        assert_eq!(tenths(&r, "a2"), (40, 20));
        assert_eq!(
            entry(&r, "a2").explanation,
            "主讲人 3 学时 × 2 = 6.0 学分；项目上限10学分，扣减2.0（同一项目 P1 此前已计 6.0）"
        );
        assert_eq!(tenths(&r, "a3"), (60, 0), "another project has its own cap");
    }

    #[test]
    fn caps_are_taken_in_the_order_activities_ended_then_file_order() {
        // The later-ended activity comes first in the file; the cap cuts it, not the earlier one.
        let r =
            run(vec![practice("late", Role::Speaker, 300, d(12, 1)), practice("early", Role::Speaker, 240, d(1, 10))]);
        assert_eq!(tenths(&r, "early"), (80, 0));
        assert_eq!(tenths(&r, "late"), (70, 30));
        assert_eq!(entry(&r, "late").explanation, "主讲人 30 学时 ÷ 3 = 10.0 学分；实践活动每年上限15学分，扣减3.0");
        // Same end date: the file decides.
        let r = run(vec![
            face("x", "P1", Role::Participant, 240, d(5, 5)),
            face("y", "P1", Role::Participant, 240, d(5, 5)),
        ]);
        assert_eq!((tenths(&r, "x"), tenths(&r, "y")), ((80, 0), (20, 60)));
        let r = run(vec![
            face("y", "P1", Role::Participant, 240, d(5, 5)),
            face("x", "P1", Role::Participant, 240, d(5, 5)),
        ]);
        assert_eq!((tenths(&r, "y"), tenths(&r, "x")), ((80, 0), (20, 60)));
        // Output stays in file order.
        let ids: Vec<&str> = r.activities.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["y", "x"]);
    }

    #[test]
    fn practice_boundaries() {
        let cases = [
            (Role::Participant, 9, 0, rule::PRACTICE_UNDER_ONE_HOUR),
            (Role::Participant, 10, 2, rule::PRACTICE_PARTICIPANT_SINGLE),
            (Role::Participant, 59, 2, rule::PRACTICE_PARTICIPANT_SINGLE),
            (Role::Participant, 60, 10, rule::PRACTICE_PARTICIPANT),
            (Role::Participant, 65, 10, rule::PRACTICE_PARTICIPANT),
            (Role::Participant, 66, 11, rule::PRACTICE_PARTICIPANT),
            (Role::Speaker, 9, 0, rule::PRACTICE_UNDER_ONE_HOUR),
            (Role::Speaker, 10, 5, rule::PRACTICE_SPEAKER_SINGLE),
            (Role::Speaker, 29, 5, rule::PRACTICE_SPEAKER_SINGLE),
            (Role::Speaker, 30, 10, rule::PRACTICE_SPEAKER),
            (Role::Speaker, 100, 33, rule::PRACTICE_SPEAKER),
        ];
        for (role, hours, expected, expected_rule) in cases {
            let r = run(vec![practice("p", role, hours, d(6, 1))]);
            assert_eq!(tenths(&r, "p"), (expected, 0), "{role:?} {hours}");
            assert_eq!(entry(&r, "p").rule, expected_rule, "{role:?} {hours}");
        }
        let r = run(vec![
            practice("a", Role::Participant, 9, d(6, 1)),
            practice("b", Role::Participant, 20, d(6, 1)),
            practice("c", Role::Speaker, 29, d(6, 1)),
        ]);
        assert_eq!(entry(&r, "a").explanation, "参加者 0.9 学时，不足1学时，不计学分");
        assert_eq!(entry(&r, "b").explanation, "参加者 2 学时，不足6学时，按单次计 0.2 学分");
        assert_eq!(entry(&r, "c").explanation, "主讲人 2.9 学时，不足3学时，按单次计 0.5 学分");
    }

    #[test]
    fn practice_earns_at_most_15_a_year() {
        let r = run((1..=20).map(|m| practice(&format!("p{m}"), Role::Speaker, 30, d(1, m))).collect());
        assert_eq!(r.by_kind.get("practice"), Some(Credits::whole(15)));
        assert_eq!(tenths(&r, "p15"), (10, 0));
        assert_eq!(tenths(&r, "p16"), (0, 10));
    }

    #[test]
    fn ninety_days_make_a_full_year_eighty_nine_do_not() {
        // 2025-03-01..2025-05-28 is 89 days; ..05-29 is 90.
        let r = run(vec![Activity::FurtherTraining(training("t", d(3, 1), d(5, 28), true, Some(300)))]);
        assert_eq!(tenths(&r, "t"), (50, 0));
        assert_eq!(entry(&r, "t").rule, rule::FURTHER_TRAINING_HOURS);
        assert_eq!(
            entry(&r, "t").explanation,
            "进修学习 30 学时 ÷ 6 = 5.0 学分（本年累计 89 天，不足 90 天，按学时计）"
        );
        let r = run(vec![Activity::FurtherTraining(training("t", d(3, 1), d(5, 29), true, Some(300)))]);
        assert_eq!(tenths(&r, "t"), (250, 0));
        assert_eq!(entry(&r, "t").rule, rule::FURTHER_TRAINING_FULL_YEAR);
        assert_eq!(
            entry(&r, "t").explanation,
            "本年进修学习、在职学历（学位）教育和政府指令性医疗卫生任务（考核合格）累计 90 天，满 90 天，视为完成 25.0 学分"
        );
    }

    #[test]
    fn overlapping_ranges_count_once_and_only_inside_the_year() {
        // Jan 1–Feb 15 (46 days, the part in 2024 ignored) and Feb 1–Mar 31 overlap: Jan 1–Mar 31 is 90.
        let a = Activity::DegreeEducation(training("a", date(2024, 9, 1), d(2, 15), true, None));
        let b = Activity::GovernmentAssignment(training("b", d(2, 1), d(3, 31), true, None));
        let r = run(vec![a.clone(), b.clone()]);
        assert_eq!(tenths(&r, "a"), (0, 0));
        assert_eq!(tenths(&r, "b"), (250, 0), "b completes the 90 days");
        assert_eq!(entry(&r, "a").rule, rule::DEGREE_EDUCATION_FULL_YEAR);
        assert_eq!(
            entry(&r, "a").explanation,
            "本年进修学习、在职学历（学位）教育和政府指令性医疗卫生任务累计满 90 天，合计 25.0 学分已计入活动“b”"
        );
        assert_eq!(r.by_kind.get("government_assignment"), Some(Credits::whole(25)));
        assert_eq!(r.by_kind.get("degree_education"), Some(Credits::ZERO));
        // b ending a day earlier leaves Jan 1–Mar 30: 89 days, so each earns by its hours.
        let b = Activity::GovernmentAssignment(training("b", d(2, 10), d(3, 30), true, Some(60)));
        let r = run(vec![a, b]);
        assert_eq!(tenths(&r, "b"), (10, 0));
        assert_eq!(entry(&r, "b").rule, rule::GOVERNMENT_ASSIGNMENT_HOURS);
        assert_eq!(entry(&r, "a").explanation, "未填写学时，不计学分（本年累计 89 天，不足 90 天，按学时计）");
    }

    #[test]
    fn only_passed_activities_count_and_earn() {
        let r = run(vec![
            Activity::FurtherTraining(training("f", d(1, 1), d(6, 30), false, Some(600))),
            Activity::FurtherTraining(training("p", d(7, 1), d(7, 31), true, Some(600))),
        ]);
        assert_eq!(tenths(&r, "f"), (0, 0));
        assert_eq!(entry(&r, "f").rule, rule::FURTHER_TRAINING_NOT_PASSED);
        assert_eq!(entry(&r, "f").explanation, "考核未合格，不计学分");
        assert_eq!(tenths(&r, "p"), (100, 0), "31 days: hours ÷ 6");
    }

    #[test]
    fn the_three_kinds_never_earn_more_than_25_together() {
        let r = run(vec![
            Activity::FurtherTraining(training("a", d(1, 1), d(1, 31), true, Some(900))),
            Activity::DegreeEducation(training("b", d(3, 1), d(3, 31), true, Some(900))),
        ]);
        assert_eq!(tenths(&r, "a"), (150, 0));
        assert_eq!(tenths(&r, "b"), (100, 50));
        assert!(entry(&r, "b").explanation.ends_with("；进修学习等三类每年合计上限25学分，扣减5.0"));
    }

    #[test]
    fn self_study_needs_approval_and_earns_at_most_10() {
        let r = run(vec![
            self_study("s1", 80, true, d(3, 1)),
            self_study("s2", 50, false, d(4, 1)),
            self_study("s3", 50, true, d(5, 1)),
        ]);
        assert_eq!(tenths(&r, "s1"), (80, 0));
        assert_eq!(tenths(&r, "s2"), (0, 0));
        assert_eq!(entry(&r, "s2").rule, rule::SELF_STUDY_NOT_APPROVED);
        assert_eq!(tenths(&r, "s3"), (20, 30));
        assert_eq!(entry(&r, "s3").explanation, "用人单位审核授予 5.0 学分；有计划的自学每年上限10学分，扣减3.0");
    }

    #[test]
    fn other_is_uncapped_unless_configured() {
        let doc = year(2025, vec![other("o1", 300, d(3, 1)), other("o2", 50, d(4, 1))]);
        let r = evaluate(&doc, &RuleSettings::default());
        assert_eq!(r.total, Credits::whole(35));
        let mut settings = RuleSettings::default();
        settings.caps.other_per_year = Some(Credits::whole(5));
        let r = evaluate(&doc, &settings);
        assert_eq!(tenths(&r, "o1"), (50, 250));
        assert_eq!(tenths(&r, "o2"), (0, 50));
        assert_eq!(entry(&r, "o2").explanation, "省级记录 5.0 学分；其他方式每年上限5学分，扣减5.0");
    }

    #[test]
    fn a_province_may_raise_the_remote_cap_for_its_grassroots() {
        let settings = RuleSettings {
            grassroots: vec![GrassrootsRules {
                province: "北京市".to_string(),
                caps: Caps { remote_project: Credits::whole(5), ..Caps::default() },
            }],
            ..RuleSettings::default()
        };
        let mut doc = year(2025, vec![project("r", "R1", Delivery::Remote, Role::Participant, 180, d(3, 3))]);
        assert_eq!(tenths(&evaluate(&doc, &settings), "r"), (30, 30));
        doc.person.grassroots = true;
        let r = evaluate(&doc, &settings);
        assert_eq!(tenths(&r, "r"), (50, 10));
        assert_eq!(r.grassroots_province, Some("北京市"));
        assert_eq!(
            entry(&r, "r").explanation,
            "参加者 18 学时 ÷ 3 = 6.0 学分；远程项目上限5学分（北京市基层规定），扣减1.0"
        );
        // A cap the province left at its national value is not attributed to the province.
        doc.activities = vec![face("f", "F1", Role::Participant, 360, d(3, 3))];
        assert_eq!(
            entry(&evaluate(&doc, &settings), "f").explanation,
            "参加者 36 学时 ÷ 3 = 12.0 学分；项目上限10学分，扣减2.0"
        );
    }

    #[test]
    fn compliance_needs_25() {
        let r = run(vec![other("o", 249, d(3, 1))]);
        assert!(!r.compliant);
        assert_eq!(r.missing(), ["还差 0.1 学分"]);
        let r = run(vec![other("o", 250, d(3, 1))]);
        assert!(r.compliant);
        assert!(r.missing().is_empty());
        assert_eq!(r.required, Credits::whole(25));
    }

    #[test]
    fn a_legacy_year_is_shown_as_recorded_and_judged_by_classes() {
        let judge = |i: i64, ii: i64| {
            let doc = year(2024, vec![legacy("l1", LegacyClass::I, i), legacy("l2", LegacyClass::II, ii)]);
            evaluate(&doc, &RuleSettings::default())
        };
        assert!(judge(50, 200).compliant);
        assert!(judge(100, 150).compliant);
        assert!(!judge(49, 250).compliant, "I类 under 5");
        assert!(!judge(120, 149).compliant, "II类 under 15");
        assert!(!judge(80, 160).compliant, "8 + 16 = 24");
        assert!(judge(200, 150).compliant, "I类 counts at most 10: 10 + 15");
        let r = judge(200, 150);
        assert_eq!(r.total, Credits::whole(35), "shown as recorded");
        assert_eq!(r.by_kind.get("I"), Some(Credits::whole(20)));
        assert_eq!(r.by_kind.get("II"), Some(Credits::whole(15)));
        assert!(r.missing().is_empty());
        assert_eq!(entry(&r, "l1").rule, rule::LEGACY_I);
        assert_eq!(entry(&r, "l1").explanation, "I类学分 20.0，按原记录计入，不重新计算");
        let r = judge(30, 160);
        assert_eq!(r.missing(), ["I类学分还差 2.0", "I类最多计 10、II类最多计 20，合计计入 19.0，还差 6.0"]);
        // Both classes are listed even when one is empty.
        let r = evaluate(&year(2024, vec![]), &RuleSettings::default());
        assert_eq!(r.by_kind.get("I"), Some(Credits::ZERO));
        assert_eq!(r.by_kind.get("II"), Some(Credits::ZERO));
        assert!(!r.compliant);
    }

    #[test]
    fn rejected_records_are_listed_but_never_counted() {
        let r = run(vec![
            other("in", 250, d(3, 1)),
            other("out", 250, date(2026, 1, 1)),
            legacy("old", LegacyClass::I, 100),
        ]);
        assert_eq!(r.total, Credits::whole(25));
        let out = entry(&r, "out");
        assert!(!out.counted);
        assert_eq!((out.credits, out.rule), (Credits::ZERO, rule::OUTSIDE_YEAR));
        assert!(out.explanation.contains("不在 2025 年内"));
        assert_eq!(entry(&r, "old").rule, rule::OUTSIDE_YEAR);
        assert_eq!(r.by_kind.get("I"), None, "nothing legacy counted in a 2024-rules year");
        let r =
            evaluate(&year(2024, vec![practice("p", Role::Speaker, 30, date(2024, 5, 1))]), &RuleSettings::default());
        assert_eq!(entry(&r, "p").rule, rule::BEFORE_SWITCH);
        assert_eq!(r.total, Credits::ZERO);
    }

    #[test]
    fn a_mid_year_switch_counts_legacy_records_as_recorded_beside_2024_activities() {
        let settings = RuleSettings { switch_date: date(2024, 11, 1), ..RuleSettings::default() };
        let r = evaluate(
            &year(2024, vec![legacy("l", LegacyClass::II, 200), practice("p", Role::Speaker, 300, date(2024, 11, 5))]),
            &settings,
        );
        assert_eq!(r.regime, Regime::Rules2024);
        assert_eq!(r.total, Credits::whole(30));
        assert_eq!(r.by_kind.get("practice"), Some(Credits::whole(10)));
        assert_eq!(r.by_kind.get("II"), Some(Credits::whole(20)));
        assert!(r.compliant);
    }

    #[test]
    fn output_is_the_formats_md_shape() {
        let r = run(vec![
            face("a1", "P1", Role::Participant, 180, d(3, 3)),
            Activity::FurtherTraining(training("a2", d(3, 1), d(5, 31), true, None)),
        ]);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "year": 2025,
                "activities": [
                    { "id": "a1", "credits": "6.0", "rule": "project.participant",
                      "explanation": "参加者 18 学时 ÷ 3 = 6.0 学分", "removed_by_caps": "0.0" },
                    { "id": "a2", "credits": "25.0", "rule": "further_training.full_year",
                      "explanation": "本年进修学习、在职学历（学位）教育和政府指令性医疗卫生任务（考核合格）累计 92 天，满 90 天，视为完成 25.0 学分",
                      "removed_by_caps": "0.0" }
                ],
                "by_kind": { "project": "6.0", "further_training": "25.0" },
                "total": "31.0", "required": "25.0", "compliant": true
            })
        );
        // by_kind keeps report order, not alphabetical order.
        let text = serde_json::to_string(&r).unwrap();
        assert!(text.contains(r#""by_kind":{"project":"6.0","further_training":"25.0"}"#));
    }

    #[test]
    fn the_text_report_explains_everything() {
        let r = run(vec![face("a1", "P1", Role::Participant, 360, d(3, 3)), other("a2", 20, date(2026, 1, 1))]);
        let text = crate::credits::render_text(&r);
        assert!(text.starts_with("2025 年度学分（按《继续医学教育学分管理办法（试行）》"));
        assert!(text.contains("  a1  继续医学教育项目  10.0 学分  [project.participant]"));
        assert!(text.contains("参加者 36 学时 ÷ 3 = 12.0 学分；项目上限10学分，扣减2.0"));
        assert!(text.contains("上限扣减 2.0 学分"));
        assert!(text.contains("a2  符合规定的其他方式  0.0 学分（不计入）  [activity.outside_year]"));
        assert!(text.contains("继续医学教育项目：10.0 学分"));
        assert!(text.contains("合计 10.0 学分，要求不少于 25.0 学分。"));
        assert!(text.contains("结论：未达到本年度学分要求；还差 15.0 学分。"));
        assert!(text.contains("有 1 项记录不符合要求"));
        let legacy = evaluate(&year(2024, vec![legacy("l", LegacyClass::II, 250)]), &RuleSettings::default());
        let text = crate::credits::render_text(&legacy);
        assert!(text.contains("按原 I类、II类学分记录"));
        assert!(text.contains("I类学分：0.0 学分"));
        assert!(text.contains("还差 5.0"));
    }
}
