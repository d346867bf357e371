//! Tests of the formal review: the valid fixtures pass, each rule fires alone on a minimal change of
//! them, the boundaries of every threshold, and properties over arbitrary input.
//! (Long on purpose: one test per rule of the table, in its order.)

use std::collections::BTreeSet;
use std::sync::OnceLock;

use chrono::NaiveDate;
use proptest::prelude::*;
use serde_json::Value;

use super::*;
use crate::org::{Delivery, InspectionResult, Level, UnitType};
use crate::{Credits, Hours, Year};

fn y(year: u16) -> Year {
    Year::try_from(year).unwrap()
}

const NATIONAL: &str = include_str!("../../tests/fixtures/review/valid_national.json");
const PROVINCIAL: &str = include_str!("../../tests/fixtures/review/valid_provincial.json");

fn national() -> Application {
    parse_application(NATIONAL).expect("the national fixture parses")
}

fn provincial() -> Application {
    parse_application(PROVINCIAL).expect("the provincial fixture parses")
}

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(Catalogue::default_catalogue)
}

fn run(app: &Application) -> Review {
    review(app, catalogue())
}

fn ids(app: &Application) -> BTreeSet<&'static str> {
    run(app).rule_ids()
}

fn only(rule: &'static str) -> BTreeSet<&'static str> {
    BTreeSet::from([rule])
}

fn none() -> BTreeSet<&'static str> {
    BTreeSet::new()
}

fn day(text: &str) -> NaiveDate {
    crate::document::parse_date(text).expect("a date")
}

fn hours(units: i64) -> Hours {
    Hours::whole(units)
}

/// Follows a finding's field path (`teachers[2].title`) through the document as JSON.
fn resolve<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    let mut current = value;
    for segment in path.split('.') {
        let (key, indices) = match segment.find('[') {
            Some(i) => (&segment[..i], &segment[i..]),
            None => (segment, ""),
        };
        current = current.get(key)?;
        for index in indices.split('[').skip(1) {
            let n: usize = index.strip_suffix(']')?.parse().ok()?;
            current = current.get(n)?;
        }
    }
    Some(current)
}

#[test]
fn the_valid_fixtures_pass_without_any_finding() {
    for app in [national(), provincial()] {
        let review = run(&app);
        assert_eq!(review.findings, vec![], "{}", render_text(&review));
        assert!(review.ok);
        assert_eq!((review.errors, review.warnings), (0, 0));
    }
}

/// Which fixture a case starts from.
#[derive(Clone, Copy, Debug)]
enum Base {
    National,
    Provincial,
}

/// A minimal change of a valid application that must trigger exactly one rule.
struct Case {
    rule: &'static str,
    base: Base,
    what: &'static str,
    severity: Severity,
    change: fn(&mut Application),
}

const fn case(rule: &'static str, base: Base, what: &'static str, change: fn(&mut Application)) -> Case {
    Case { rule, base, what, severity: Severity::Error, change }
}

const fn warns(rule: &'static str, base: Base, what: &'static str, change: fn(&mut Application)) -> Case {
    Case { rule, base, what, severity: Severity::Warning, change }
}

use Base::{National as N, Provincial as P};

const CASES: &[Case] = &[
    case("leader.in_post", N, "leader not in post", |a| a.leader.in_post = false),
    case("leader.employee", N, "leader works elsewhere", |a| a.leader.employer = "北京大学第一医院".into()),
    case("leader.title", N, "leader is 中级", |a| a.leader.title = "主治医师".into()),
    case("leader.title", P, "leader is 初级", |a| a.leader.title = "住院医师".into()),
    case("leader.project_limit", N, "third application", |a| a.context.leader_applications_same_level = 2),
    warns("leader.history", N, "no history", |a| a.leader.history.clear()),
    warns("leader.history", N, "history not executed", |a| {
        for h in &mut a.leader.history {
            h.executed = false;
        }
    }),
    warns("leader.history", N, "history too old", |a| {
        for h in &mut a.leader.history {
            h.year = y(2021);
        }
    }),
    warns("leader.history", N, "history of district projects only", |a| {
        for h in &mut a.leader.history {
            h.level = Level::District;
        }
    }),
    case("title.concrete", N, "teacher's rank word", |a| a.teachers[1].title = "副高".into()),
    case("title.concrete", N, "leader's post", |a| a.leader.title = "主任".into()),
    case("title.concrete", N, "peer reviewer's degree", |a| a.peer_reviewer.title = "博士".into()),
    case("title.concrete", P, "unknown title", |a| a.teachers[3].title = "工程师".into()),
    case("title.concrete", P, "empty title", |a| a.teachers[4].title = String::new()),
    case("teachers.own_unit_share", N, "one own teacher of five", |a| {
        a.teachers[1].employer = "北京大学人民医院".into();
        a.teachers[2].employer = "北京大学人民医院".into();
    }),
    case("teachers.society_share", P, "a society's teachers from one unit", |a| {
        a.applicant.unit_type = UnitType::Society
    }),
    case("teachers.demo_title", N, "a 初级 demonstrator", |a| a.teachers[2].title = "住院医师".into()),
    case("teachers.theory_title", P, "a 中级 lecturer", |a| a.teachers[1].title = "主治医师".into()),
    case("teachers.theory_title", P, "a 初级 nursing lecturer", |a| {
        set_nursing(a);
        a.teachers[1].title = "护师".into();
    }),
    case("teachers.clinical_intermediate_share", P, "clinical skills with 40% 中级", |a| a.clinical_skills = true),
    case("teachers.nursing_intermediate_share", P, "nursing with 60% 中级", |a| {
        set_nursing(a);
        a.teachers[1].title = "主管护师".into();
    }),
    case("enrollment.max", N, "1001 learners", |a| a.planned_enrollment = 1001),
    warns("enrollment.min", N, "49 learners", |a| a.planned_enrollment = 49),
    case("enrollment.mutual_recognition", P, "99 learners", |a| a.planned_enrollment = 99),
    warns("learners.outside_grassroots_share", N, "9.9%", |a| {
        a.outside_province_share = Percent::from_tenths(49);
        a.grassroots_share = Percent::from_tenths(50);
    }),
    case("credits.cap", N, "11 credits", |a| a.credits = Credits::whole(11)),
    case("credits.cap", N, "a remote project with 10 credits", |a| {
        a.delivery = Delivery::Remote;
        a.applicant.remote_qualified = true;
    }),
    case("credits.hours_match", P, "8.1 credits for 24 hours", |a| a.credits = Credits::from_tenths(81)),
    warns("credits.hours_match", P, "7.9 credits for 24 hours", |a| a.credits = Credits::from_tenths(79)),
    warns("credits.hours_match", N, "9.9 credits for 36 hours", |a| a.credits = Credits::from_tenths(99)),
    case("hours.sum", N, "theory + practice ≠ total", |a| a.theory_hours = hours(29)),
    case("hours.sum", N, "teachers' hours ≠ total", |a| a.teachers[0].hours = Hours::from_tenths(55)),
    case("periods.count", N, "no period", |a| a.periods.clear()),
    case("periods.count", N, "seven periods", |a| {
        let p = a.periods[0].clone();
        a.periods = vec![p; 7];
    }),
    case("periods.count", N, "a period into the next year", |a| a.periods[1].end = day("2026-01-02")),
    case("periods.count", N, "a period in the previous year", |a| a.periods[0].start = day("2024-12-30")),
    case("periods.count", N, "a period ending before it starts", |a| a.periods[0].end = day("2025-05-09")),
    case("periods.count", P, "a period without a place", |a| a.periods[0].place = "  ".into()),
    case("text.recommendation", N, "199 characters", |a| a.recommendation = "字".repeat(199)),
    case("text.achievements", N, "299 characters", |a| a.leader.achievements = "绩".repeat(299)),
    case("text.unit_situation", P, "299 characters", |a| a.unit_situation = "况".repeat(299)),
    case("peer_review.reviewer", N, "reviewer from the applicant unit", |a| {
        a.peer_reviewer.employer = a.applicant.name.clone()
    }),
    case("peer_review.reviewer", N, "reviewer of another subject", |a| a.peer_reviewer.subject = "04-01".into()),
    case("peer_review.reviewer", P, "reviewer is 中级", |a| a.peer_reviewer.title = "主治医师".into()),
    case("peer_review.reviewer", P, "no reviewer named", |a| a.peer_reviewer.name = String::new()),
    case("subject.valid", N, "a tertiary of another secondary", |a| a.subject.tertiary = "04-01".into()),
    case("subject.valid", N, "an unknown tertiary", |a| a.subject.tertiary = "03-99".into()),
    case("subject.infectious_double", N, "感染病学 and the flag", |a| {
        a.subject.tertiary = "03-07".into();
        a.infectious_disease_training = true;
    }),
    case("unit.eligible", N, "no CME qualification", |a| a.applicant.cme_qualified = false),
    case("unit.eligible", P, "licence check suspended", |a| a.applicant.inspection = InspectionResult::Suspended),
    case("unit.quota", N, "sixth application on ten approvals", |a| a.context.unit_applications = 5),
    case("unit.quota", N, "third application of a first-time unit", |a| {
        a.context.unit_previous_year_approved = None;
        a.context.unit_applications = 2;
    }),
    case("unit.history_inspection", N, "a failed inspection", |a| {
        a.context.unit_history[0].inspection = Some(ProjectInspection::Failed)
    }),
    case("unit.history_unexecuted", N, "a project not held", |a| a.context.unit_history[1].held = false),
    case("unit.history_unexecuted", P, "a project reported late", |a| a.context.unit_history[0].reported_late = true),
    warns("unit.history_size", N, "1001 learners", |a| a.context.unit_history[0].learners = 1001),
    warns("unit.history_size", P, "49 learners", |a| a.context.unit_history[0].learners = 49),
    warns("unit.history_outside_share", N, "9.9%", |a| {
        a.context.unit_history[0].outside_grassroots_share = Percent::from_tenths(99)
    }),
    warns("name.themeless", N, "the unit's annual meeting", |a| {
        a.name = "2025年首都医科大学附属北京安贞医院年会".into()
    }),
    warns("name.themeless", P, "a regional summit", |a| a.name = "第五届北京地区高峰论坛".into()),
    case("duplicate.project", N, "same name, another unit", |a| {
        a.context.other_applications.push(OtherApplication {
            unit: "北京大学人民医院".into(),
            name: "心力衰竭规范化诊疗新进展 学习班".into(),
            leader: "陈刚".into(),
        })
    }),
    case("duplicate.project", N, "nearly the same name, same leader", |a| {
        a.context.other_applications.push(OtherApplication {
            unit: "北京市朝阳区第一人民医院".into(),
            name: "2025年心力衰竭规范化诊疗新进展学习班（第二期）".into(),
            leader: "王 建国".into(),
        })
    }),
    case("window.open", N, "a day late", |a| a.context.submitted_on = day("2024-11-27")),
    case("window.open", P, "a day early", |a| a.context.submitted_on = day("2024-11-17")),
    case("commitment.signed", N, "not signed", |a| a.commitment_signed = false),
    case("id_number.valid", N, "wrong check digit", |a| a.leader.id_number = "110105196803151234".into()),
    case("id_number.valid", P, "impossible birth date", |a| a.leader.id_number = "110108197502304560".into()),
    case("id_number.valid", N, "no province 10", |a| a.leader.id_number = "100426199112010079".into()),
    // Born after the submission day, though before the day the tests run: the review reads the
    // submission day, not the clock.
    case("id_number.valid", N, "born after submission", |a| {
        a.leader.id_number = crate::id_number::compose("110105", day("2024-11-21"), 11).to_string()
    }),
    case("remote.qualified", N, "remote without qualification", |a| {
        a.delivery = Delivery::Remote;
        a.credits = Credits::whole(3);
    }),
    case("contact.complete", N, "the unit's contact left blank", |a| a.applicant.contact_name = Some(" ".into())),
    case("contact.complete", N, "the leader's address left blank", |a| a.leader.address = Some(String::new())),
    case("contact.phone", N, "the unit's phone without its area code", |a| {
        a.applicant.contact_phone = Some("64412431".into())
    }),
    case("contact.phone", N, "the leader's mobile one digit short", |a| a.leader.phone = Some("1390123456".into())),
    case("contact.phone", N, "the leader's phone left blank", |a| a.leader.phone = Some(String::new())),
    case("leader.degree", N, "a degree instead of an education", |a| a.leader.degree = Some("医学博士".into())),
    case("leader.degree", N, "no education chosen", |a| a.leader.degree = Some(String::new())),
];

fn set_nursing(a: &mut Application) {
    a.subject = SubjectChoice { secondary: "14".into(), tertiary: "14-01".into() };
    a.peer_reviewer.subject = "14-01".into();
}

fn base(base: Base) -> Application {
    match base {
        Base::National => national(),
        Base::Provincial => provincial(),
    }
}

#[test]
fn each_minimal_change_triggers_exactly_its_rule() {
    for case in CASES {
        let mut app = base(case.base);
        (case.change)(&mut app);
        let review = run(&app);
        assert_eq!(review.rule_ids(), only(case.rule), "{} ({:?}): {}", case.what, case.base, render_text(&review));
        let json = serde_json::to_value(&app).unwrap();
        for finding in &review.findings {
            assert_eq!(finding.severity, case.severity, "{}", case.what);
            assert!(
                resolve(&json, &finding.field).is_some(),
                "{}: field {} is not in the document",
                case.what,
                finding.field
            );
            assert!(
                finding.message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{}: {}",
                case.what,
                finding.message
            );
        }
        assert_eq!(review.ok, case.severity == Severity::Warning, "{}", case.what);
    }
}

#[test]
fn every_rule_has_a_case() {
    let covered: BTreeSet<&str> = CASES.iter().map(|c| c.rule).collect();
    let all: BTreeSet<&str> = RULES.iter().map(|r| r.id).collect();
    assert_eq!(covered, all);
    for case in CASES {
        let rule = rule(case.rule).unwrap();
        assert!(case.severity == rule.severity || rule.can_warn(), "{}", case.rule);
    }
}

#[test]
fn findings_name_the_figures() {
    let message = |app: &Application| run(app).findings[0].message.clone();
    let mut a = national();
    a.recommendation = "字".repeat(156);
    assert_eq!(message(&a), "推荐理由不少于200字，当前156字");
    let mut a = national();
    a.leader.title = "主治医师".into();
    assert_eq!(message(&a), "项目负责人须具有副高级及以上专业技术职务，当前为“主治医师”（中级），请更换项目负责人");
    let mut a = national();
    a.teachers[1].employer = "北京大学人民医院".into();
    a.teachers[2].employer = "北京大学人民医院".into();
    assert!(message(&a).contains("当前5名授课教师中本单位1名（20%）"));
    let mut a = provincial();
    a.credits = Credits::from_tenths(81);
    assert_eq!(message(&a), "学时学分应匹配（3小时1学分）：教学总时长24小时最多授予8学分，当前8.1学分");
    let mut a = national();
    a.context.unit_applications = 5;
    assert_eq!(message(&a), "国家级项目限额推荐：上一年度获批10项，按50%计最多5项，含本项已申报6项，不得超报");
    let mut a = national();
    a.teachers[1].title = "中级".into();
    assert_eq!(
        message(&a),
        "授课教师张丽“中级”是职称级别，不是具体职称，请填写具体专业技术职称，如“主任医师”“副教授”“主管护师”"
    );
    let mut a = national();
    a.leader.id_number = "123".into();
    assert_eq!(message(&a), "项目负责人身份证号应为18位，当前3位，请核对身份证号");
}

#[test]
fn findings_come_in_rule_order_then_document_order() {
    let mut a = national();
    several_mistakes(&mut a);
    let review = run(&a);
    let positions: Vec<usize> = review.findings.iter().map(|f| rule_position(f.rule).unwrap()).collect();
    let mut sorted = positions.clone();
    sorted.sort();
    assert_eq!(positions, sorted);
    let fields: Vec<&str> =
        review.findings.iter().filter(|f| f.rule == "title.concrete").map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["leader.title", "peer_reviewer.title", "teachers[0].title", "teachers[4].title"]);
    assert!(review.findings.len() >= 8);
    assert_eq!(review.errors + review.warnings, review.findings.len());
}

/// Several unrelated mistakes at once.
fn several_mistakes(a: &mut Application) {
    a.commitment_signed = false;
    a.leader.title = "博士".into();
    a.peer_reviewer.title = "院长".into();
    a.teachers[0].title = "高级".into();
    a.teachers[4].title = "专家".into();
    a.planned_enrollment = 20;
    a.leader.in_post = false;
    a.delivery = Delivery::Remote;
}

// ----- boundaries ------------------------------------------------------------------------------

/// Replaces the teachers by `employers.len()` lecturers of 3 hours each (副主任医师 unless told), and
/// makes the hours and credits add up again.
fn with_teachers(mut app: Application, teachers: &[(&str, &str, Method)]) -> Application {
    app.teachers = teachers
        .iter()
        .enumerate()
        .map(|(i, (title, employer, method))| Teacher {
            name: format!("教师{i}"),
            title: (*title).into(),
            employer: (*employer).into(),
            topic: "专题".into(),
            method: *method,
            hours: hours(3),
        })
        .collect();
    let n = teachers.len() as i64;
    let practice = teachers.iter().filter(|t| t.2 != Method::Lecture).count() as i64;
    app.total_hours = hours(3 * n);
    app.theory_hours = hours(3 * (n - practice));
    app.practice_hours = hours(3 * practice);
    app.credits = Credits::whole(n.min(10));
    app
}

fn lecturers(own: usize, others: usize, app: &Application) -> Vec<(&'static str, String, Method)> {
    let mut list = vec![("副主任医师", app.applicant.name.clone(), Method::Lecture); own];
    list.extend((0..others).map(|i| ("副主任医师", format!("外单位{i}"), Method::Lecture)));
    list
}

fn refs<'a>(list: &'a [(&'static str, String, Method)]) -> Vec<(&'static str, &'a str, Method)> {
    list.iter().map(|(t, e, m)| (*t, e.as_str(), *m)).collect()
}

#[test]
fn own_unit_share_boundary_is_fifty_percent() {
    let n = national();
    let at = lecturers(50, 50, &n);
    assert_eq!(ids(&with_teachers(n.clone(), &refs(&at))), none());
    let below = lecturers(49, 51, &n);
    assert_eq!(ids(&with_teachers(n.clone(), &refs(&below))), only("teachers.own_unit_share"));
    // A society is not an institution: no own-unit share.
    let mut society = with_teachers(n.clone(), &refs(&below));
    society.applicant.unit_type = UnitType::Society;
    assert_eq!(ids(&society), none());
}

#[test]
fn shares_count_distinct_teachers_not_rows_or_hours() {
    let mut a = national();
    // The outside lecturer teaches four sessions: still one teacher of five, not four of eight.
    let repeat = a.teachers[3].clone();
    a.teachers.extend([repeat.clone(), repeat.clone(), repeat]);
    a.teachers[3].hours = hours(3);
    for t in &mut a.teachers[5..] {
        t.hours = hours(3);
    }
    assert_eq!(ids(&a), none());
    // Same name at another employer is another teacher.
    let mut b = national();
    for i in 0..3 {
        let mut t = b.teachers[3].clone();
        t.employer = format!("外单位{i}");
        t.hours = hours(0);
        b.teachers.push(t);
    }
    assert_eq!(ids(&b), only("teachers.own_unit_share"));
}

#[test]
fn society_share_boundary_is_fifty_percent() {
    let mut p = provincial();
    p.applicant.unit_type = UnitType::Society;
    let at = [
        ("主任医师", "甲医院", Method::Lecture),
        ("主任医师", "甲医院", Method::Lecture),
        ("主任医师", "乙医院", Method::Lecture),
        ("主任医师", "丙医院", Method::Lecture),
    ];
    assert_eq!(ids(&with_teachers(p.clone(), &at)), none());
    let over = [
        ("主任医师", "甲医院", Method::Lecture),
        ("主任医师", "甲医院", Method::Lecture),
        ("主任医师", "甲 医院", Method::Lecture),
        ("主任医师", "乙医院", Method::Lecture),
        ("主任医师", "丙医院", Method::Lecture),
    ];
    let review = run(&with_teachers(p.clone(), &over));
    assert_eq!(review.rule_ids(), only("teachers.society_share"));
    assert!(review.findings[0].message.contains("来自“甲医院”的有3名（60%）"));
    // National applications of societies are not limited this way.
    let mut national_society = with_teachers(p, &over);
    national_society.level = Level::National;
    assert!(!ids(&national_society).contains("teachers.society_share"));
}

#[test]
fn intermediate_share_boundaries() {
    let mut p = provincial();
    p.clinical_skills = true;
    let teachers = |intermediate: usize| {
        let mut list = vec![("主治医师", "甲医院", Method::Demonstration); intermediate];
        list.extend(vec![
            ("副主任医师", "北京市朝阳区第一人民医院", Method::Lecture);
            10 - intermediate
        ]);
        list
    };
    assert_eq!(ids(&with_teachers(p.clone(), &teachers(3))), none());
    assert_eq!(ids(&with_teachers(p.clone(), &teachers(4))), only("teachers.clinical_intermediate_share"));
    let mut nursing = provincial();
    set_nursing(&mut nursing);
    assert_eq!(ids(&with_teachers(nursing.clone(), &teachers(4))), none());
    assert_eq!(ids(&with_teachers(nursing, &teachers(5))), only("teachers.nursing_intermediate_share"));
    // Shares of 中级 are provincial rules only: 3 of 5 nationally is fine.
    let mut n = national();
    n.clinical_skills = true;
    set_nursing(&mut n);
    n.teachers[1].title = "主管护师".into();
    n.teachers[4].title = "主管护师".into();
    assert_eq!(ids(&n), none());
}

#[test]
fn title_rules_stay_at_their_level() {
    // A 中级 lecturer is fine nationally; a 初级 demonstrator is fine provincially.
    let mut n = national();
    n.teachers[1].title = "主治医师".into();
    assert_eq!(ids(&n), none());
    let mut p = provincial();
    p.teachers[4].title = "住院医师".into();
    assert_eq!(ids(&p), none());
    // Nursing lecturers may be 中级 (40% share still holds: 2 of 5).
    let mut nursing = provincial();
    set_nursing(&mut nursing);
    nursing.teachers[1].title = "主管护师".into();
    nursing.teachers[2].title = "副主任护师".into();
    assert_eq!(ids(&nursing), none());
}

#[test]
fn enrollment_boundaries() {
    let with = |mut a: Application, n: u32| {
        a.planned_enrollment = n;
        ids(&a)
    };
    assert_eq!(with(national(), 1000), none());
    assert_eq!(with(national(), 1001), only("enrollment.max"));
    assert_eq!(with(national(), 50), none());
    assert_eq!(with(national(), 49), only("enrollment.min"));
    let mut practical = national();
    practical.practical_training = true;
    assert_eq!(with(practical, 12), none());
    assert_eq!(with(provincial(), 100), none());
    assert_eq!(with(provincial(), 99), only("enrollment.mutual_recognition"));
    let mut practical = provincial();
    practical.practical_training = true;
    assert_eq!(with(practical, 30), none());
    // enrollment.max is a face-to-face rule.
    let mut remote = national();
    remote.delivery = Delivery::Remote;
    remote.applicant.remote_qualified = true;
    remote.credits = Credits::whole(3);
    assert_eq!(with(remote, 5000), none());
}

#[test]
fn outside_and_grassroots_share_boundary() {
    let with = |outside: i64, grassroots: i64| {
        let mut a = national();
        a.outside_province_share = Percent::from_tenths(outside);
        a.grassroots_share = Percent::from_tenths(grassroots);
        ids(&a)
    };
    assert_eq!(with(50, 50), none());
    assert_eq!(with(0, 100), none());
    assert_eq!(with(50, 49), only("learners.outside_grassroots_share"));
    assert_eq!(with(0, 0), only("learners.outside_grassroots_share"));
}

#[test]
fn credit_boundaries() {
    let with = |mut a: Application, tenths: i64| {
        a.credits = Credits::from_tenths(tenths);
        run(&a)
    };
    // 24 hours: 8 credits exactly, 8.1 too many, 7.9 fewer than the hours allow.
    assert!(with(provincial(), 80).findings.is_empty());
    assert_eq!(with(provincial(), 81).rule_ids(), only("credits.hours_match"));
    let under = with(provincial(), 79);
    assert_eq!(under.rule_ids(), only("credits.hours_match"));
    assert!(under.ok && under.warnings == 1);
    // 36 hours allow 12, but the cap is 10: 10 is right, 11 over the cap only.
    assert!(with(national(), 100).findings.is_empty());
    assert_eq!(with(national(), 110).rule_ids(), only("credits.cap"));
    // Over both the cap and the hours.
    assert_eq!(with(national(), 130).rule_ids(), BTreeSet::from(["credits.cap", "credits.hours_match"]));
    // 20 hours: ⌊20 ÷ 3⌋ = 6 whole credits; 6.6 is still within 20 ÷ 3.
    let mut twenty = provincial();
    twenty.total_hours = hours(20);
    twenty.theory_hours = hours(14);
    twenty.teachers[0].hours = hours(2);
    assert!(with(twenty.clone(), 60).findings.is_empty());
    assert!(with(twenty.clone(), 66).findings.is_empty());
    assert_eq!(with(twenty.clone(), 67).rule_ids(), only("credits.hours_match"));
    assert_eq!(with(twenty, 59).rule_ids(), only("credits.hours_match"));
    // Remote: 3 is the cap, 3.1 over it.
    let mut remote = national();
    remote.delivery = Delivery::Remote;
    remote.applicant.remote_qualified = true;
    assert!(with(remote.clone(), 30).findings.is_empty());
    assert_eq!(with(remote, 31).rule_ids(), only("credits.cap"));
}

#[test]
fn period_boundaries() {
    let with = |n: usize| {
        let mut a = national();
        let p = a.periods[0].clone();
        a.periods = vec![p; n];
        ids(&a)
    };
    assert_eq!(with(1), none());
    assert_eq!(with(6), none());
    assert_eq!(with(7), only("periods.count"));
    assert_eq!(with(0), only("periods.count"));
    let mut edges = national();
    edges.periods[0].start = day("2025-01-01");
    edges.periods[1].end = day("2025-12-31");
    assert_eq!(ids(&edges), none());
    // A remote project needs no place.
    let mut remote = national();
    remote.delivery = Delivery::Remote;
    remote.applicant.remote_qualified = true;
    remote.credits = Credits::whole(3);
    remote.periods[0].place = String::new();
    assert_eq!(ids(&remote), none());
}

#[test]
fn text_boundaries_count_characters_not_bytes() {
    let with = |text: String| {
        let mut a = national();
        a.recommendation = text;
        ids(&a)
    };
    assert_eq!(with("字".repeat(200)), none());
    assert_eq!(with("字".repeat(199)), only("text.recommendation"));
    // 67 Chinese characters are 201 bytes: still too short.
    assert_eq!(with("字".repeat(67)), only("text.recommendation"));
    // Whitespace is not counted.
    assert_eq!(with(format!("{} \n\t ", "字".repeat(199))), only("text.recommendation"));
    assert_eq!(with("a".repeat(200)), none());
    let mut a = national();
    a.leader.achievements = "绩".repeat(300);
    a.unit_situation = "况".repeat(300);
    assert_eq!(ids(&a), none());
}

#[test]
fn quota_boundaries() {
    let with = |approved: Option<u32>, others: u32| {
        let mut a = national();
        a.context.unit_previous_year_approved = approved;
        a.context.unit_applications = others;
        ids(&a).contains("unit.quota")
    };
    // 10 approved: 5 allowed.
    assert!(!with(Some(10), 4) && with(Some(10), 5));
    // 7 approved: ⌊3.5⌋ = 3.
    assert!(!with(Some(7), 2) && with(Some(7), 3));
    // 3 approved: ⌊1.5⌋ = 1, but never less than 2.
    assert!(!with(Some(3), 1) && with(Some(3), 2));
    // None, zero, or first time: 2.
    assert!(!with(None, 1) && with(None, 2));
    assert!(!with(Some(0), 1) && with(Some(0), 2));
    // The quota is national only.
    let mut p = provincial();
    p.context.unit_applications = 100;
    assert_eq!(ids(&p), none());
}

#[test]
fn leader_limit_counts_this_application() {
    let with = |others: u32| {
        let mut a = national();
        a.context.leader_applications_same_level = others;
        ids(&a)
    };
    assert_eq!(with(0), none());
    assert_eq!(with(1), none());
    assert_eq!(with(2), only("leader.project_limit"));
}

#[test]
fn window_is_inclusive() {
    let with = |d: &str| {
        let mut a = national();
        a.context.submitted_on = day(d);
        ids(&a)
    };
    assert_eq!(with("2024-11-18"), none());
    assert_eq!(with("2024-11-26"), none());
    assert_eq!(with("2024-11-17"), only("window.open"));
    assert_eq!(with("2024-11-27"), only("window.open"));
}

#[test]
fn history_windows() {
    // Leader: the 3 years before (2022–2024) count.
    let mut a = national();
    a.leader.history.truncate(1);
    a.leader.history[0].year = y(2022);
    assert_eq!(ids(&a), none());
    a.leader.history[0].year = y(2025);
    assert_eq!(ids(&a), only("leader.history"));
    // History is a national rule.
    let mut p = provincial();
    p.leader.history.clear();
    assert_eq!(ids(&p), none());
    // Unit: the 2 years before (2023–2024) count; 2022 does not.
    let mut u = national();
    u.context.unit_history[0].year = y(2022);
    u.context.unit_history[0].inspection = Some(ProjectInspection::Failed);
    u.context.unit_history[0].learners = 5;
    assert_eq!(ids(&u), none());
    // A project not held is reported once, as not held, whatever its learners.
    let mut held = national();
    held.context.unit_history[0].held = false;
    held.context.unit_history[0].learners = 0;
    held.context.unit_history[0].outside_grassroots_share = Percent::ZERO;
    assert_eq!(ids(&held), only("unit.history_unexecuted"));
    // Practical training is exempt from the size warning.
    let mut practical = national();
    practical.context.unit_history[0].learners = 12;
    practical.context.unit_history[0].practical_training = true;
    assert_eq!(ids(&practical), none());
    // The outside share looks at national projects only.
    let mut provincial_project = national();
    provincial_project.context.unit_history[1].outside_grassroots_share = Percent::ZERO;
    assert_eq!(ids(&provincial_project), none());
    // … and only for national applications.
    let mut provincial_application = provincial();
    provincial_application.context.unit_history[0].level = Level::National;
    provincial_application.context.unit_history[0].outside_grassroots_share = Percent::ZERO;
    assert_eq!(ids(&provincial_application), none());
    let mut boundary = national();
    boundary.context.unit_history[0].outside_grassroots_share = Percent::from_tenths(100);
    boundary.context.unit_history[0].learners = 1000;
    assert_eq!(ids(&boundary), none());
}

#[test]
fn duplicates_need_another_unit_and_the_same_leader_for_near_names() {
    let with = |unit: &str, name: &str, leader: &str| {
        let mut a = national();
        a.context.other_applications =
            vec![OtherApplication { unit: unit.into(), name: name.into(), leader: leader.into() }];
        ids(&a)
    };
    let same = "心力衰竭规范化诊疗新进展学习班";
    assert_eq!(with("北京大学人民医院", same, "陈刚"), only("duplicate.project"));
    // The applicant's own other record is not a duplicate.
    assert_eq!(with("首都医科大学附属北京安贞医院", same, "王建国"), none());
    // Nearly the same name: only with the same leader.
    let near = "第二届心力衰竭规范化诊疗新进展学习班";
    assert_eq!(with("北京大学人民医院", near, "陈刚"), none());
    assert_eq!(with("北京大学人民医院", near, "王建国"), only("duplicate.project"));
    // One character changed in fifteen is near; a different project is not.
    assert_eq!(with("北京大学人民医院", "心力衰竭规范化治疗新进展学习班", "王建国"), only("duplicate.project"));
    assert_eq!(with("北京大学人民医院", "急性心肌梗死介入治疗培训班", "王建国"), none());
}

#[test]
fn valid_application_documents_parse_and_bad_ones_name_the_field() {
    let err = |edit: &dyn Fn(&mut Value)| {
        let mut value: Value = serde_json::from_str(NATIONAL).unwrap();
        edit(&mut value);
        parse_application(&value.to_string()).unwrap_err().to_string()
    };
    assert_eq!(err(&|v| v["periods"][1]["start"] = "2025/09/20".into()), "periods[1].start: 日期格式应为 YYYY-MM-DD");
    assert_eq!(err(&|v| v["leader"]["nickname"] = "老王".into()), "leader.nickname: 未知字段，文件中不应有此项");
    assert_eq!(
        err(&|v| {
            v.as_object_mut().unwrap().remove("category");
        }),
        "category: 缺少必填字段"
    );
    assert_eq!(
        err(&|v| {
            v["context"].as_object_mut().unwrap().remove("unit_previous_year_approved");
        }),
        "context.unit_previous_year_approved: 缺少必填字段"
    );
    assert_eq!(
        err(&|v| v["teachers"][2]["method"] = "video".into()),
        "teachers[2].method: 未知取值“video”，应为 lecture、demonstration、practice 之一"
    );
    assert_eq!(err(&|v| v["outside_province_share"] = 100.5.into()), "outside_province_share: 占比应在0到100之间");
    assert_eq!(err(&|v| v["periods"][0]["province"] = "火星".into()), "periods[0].province: 未知省份“火星”");
    assert_eq!(
        err(&|v| v["context"]["unit_history"][0]["inspection"] = "excellent".into()),
        "context.unit_history[0].inspection: 未知取值“excellent”，应为 passed、failed 之一"
    );
    assert!(err(&|v| v["teachers"][0]["hours"] = 3.25.into()).starts_with("teachers[0].hours: "));
    assert_eq!(err(&|v| v["planned_enrollment"] = (-1).into()), "planned_enrollment: 取值错误，应为非负整数");
    // Values the review judges are not parse errors.
    let mut value: Value = serde_json::from_str(NATIONAL).unwrap();
    value["leader"]["id_number"] = "not a number".into();
    value["leader"]["title"] = "专家".into();
    value["province"] = "京".into();
    let app = parse_application(&value.to_string()).unwrap();
    assert_eq!(app.province, "北京市");
    assert_eq!(run(&app).rule_ids(), BTreeSet::from(["id_number.valid", "title.concrete"]));
}

#[test]
fn debug_output_masks_the_id_number() {
    let text = format!("{:?}", national());
    assert!(!text.contains("110105196803151233"), "{text}");
    assert!(!text.contains("13901234567") && text.contains("139****4567"), "{text}");
    assert!(!text.contains("010-64412431"), "{text}");
}

/// Issue 18 point 14: the contact blanks are optional keys. A document without them (the
/// provincial fixture, as provincial systems send) reads, passes and writes back without them;
/// with them they are judged, and a phone is never repeated in a finding.
#[test]
fn the_contact_blanks_are_optional_and_judged_when_present() {
    let old = provincial();
    assert_eq!((old.applicant.contact_name.as_ref(), old.leader.phone.as_ref()), (None, None));
    let written = serde_json::to_value(&old).unwrap();
    assert!(written["applicant"].get("contact_phone").is_none() && written["leader"].get("degree").is_none());
    assert_eq!(parse_application(&written.to_string()).unwrap(), old);
    let new = national();
    assert_eq!(new.leader.degree.as_deref(), Some("博士研究生"));
    assert_eq!(new.applicant.contact_phone.as_deref(), Some("010-64412431"));
    assert_eq!(parse_application(&serde_json::to_string(&new).unwrap()).unwrap(), new);
    // A null reads as absent; an unknown key beside them is still refused.
    let mut value: Value = serde_json::from_str(NATIONAL).unwrap();
    value["leader"]["phone"] = Value::Null;
    assert_eq!(parse_application(&value.to_string()).unwrap().leader.phone, None);
    value["leader"]["mobile"] = "13901234567".into();
    assert_eq!(
        parse_application(&value.to_string()).unwrap_err().to_string(),
        "leader.mobile: 未知字段，文件中不应有此项"
    );
    value["leader"].as_object_mut().unwrap().remove("mobile");
    value["applicant"]["contact_phone"] = 64412431.into();
    assert_eq!(
        parse_application(&value.to_string()).unwrap_err().to_string(),
        "applicant.contact_phone: 类型错误，应为字符串"
    );
    // Each listed education passes; the findings name the field and never the number.
    let mut a = national();
    for degree in crate::degree::DEGREES {
        a.leader.degree = Some(format!(" {degree} "));
        assert_eq!(ids(&a), none(), "{degree}");
    }
    a.leader.phone = Some("23901234567".into());
    a.applicant.contact_phone = Some("0311-6600299".into());
    let review = run(&a);
    let fields: Vec<&str> = review.findings.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["leader.phone"], "{}", render_text(&review));
    assert!(!render_text(&review).contains("23901234567"));
}

#[test]
fn output_has_the_shape_of_formats_md() {
    let mut a = national();
    a.leader.title = "主治医师".into();
    a.commitment_signed = false;
    a.planned_enrollment = 40;
    let value = serde_json::to_value(run(&a)).unwrap();
    assert_eq!(value["ok"], false);
    assert_eq!(value["errors"], 2);
    assert_eq!(value["warnings"], 1);
    let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 4);
    let first = &value["findings"][0];
    assert_eq!(first["rule"], "leader.title");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["field"], "leader.title");
    assert_eq!(first.as_object().unwrap().len(), 4);
    assert_eq!(value["findings"][1]["severity"], "warning");
}

#[test]
fn the_text_report() {
    assert_eq!(render_text(&run(&national())), "形式审查通过\n");
    let mut a = national();
    a.planned_enrollment = 40;
    let warned = render_text(&run(&a));
    assert!(warned.starts_with("形式审查通过，有1项警告"), "{warned}");
    assert!(warned.contains("警告（1项）"));
    assert!(!warned.contains("错误（"));
    a.commitment_signed = false;
    a.recommendation = "字".repeat(156);
    let text = render_text(&run(&a));
    assert!(text.starts_with("形式审查未通过：错误2项，警告1项"), "{text}");
    assert!(text.contains("错误（2项）"));
    assert!(text.contains("1. [text.recommendation] 推荐理由不少于200字"));
    assert!(text.contains("   字段：recommendation\n   推荐理由不少于200字，当前156字"));
    assert!(text.contains("2. [commitment.signed]"));
    assert!(text.contains("1. [enrollment.min]"));
    assert!(text.find("错误（").unwrap() < text.find("警告（").unwrap());
}

// ----- properties ------------------------------------------------------------------------------

fn text_findings(app: &Application) -> BTreeSet<&'static str> {
    ids(app).into_iter().filter(|id| id.starts_with("text.")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn text_rules_count_characters(
        recommendation in "\\PC{0,260}",
        achievements in "[a-z字 \\n🙂é]{0,360}",
        situation in ".{0,360}",
    ) {
        let mut a = national();
        a.recommendation = recommendation.clone();
        a.leader.achievements = achievements.clone();
        a.unit_situation = situation.clone();
        let found = text_findings(&a);
        let count = |t: &str| t.chars().filter(|c| !c.is_whitespace()).count();
        prop_assert_eq!(found.contains("text.recommendation"), count(&recommendation) < 200);
        prop_assert_eq!(found.contains("text.achievements"), count(&achievements) < 300);
        prop_assert_eq!(found.contains("text.unit_situation"), count(&situation) < 300);
    }

    #[test]
    fn adding_characters_never_adds_a_text_finding(base in ".{0,250}", more in ".{0,80}") {
        let mut short = national();
        short.recommendation = base.clone();
        let mut long = national();
        long.recommendation = format!("{base}{more}");
        prop_assert!(text_findings(&long).is_subset(&text_findings(&short)));
        let mut prefixed = national();
        prefixed.recommendation = format!("{more}{base}");
        prop_assert!(text_findings(&prefixed).is_subset(&text_findings(&short)));
    }

    #[test]
    fn arbitrary_figures_never_panic_and_the_counts_agree(
        enrollment in any::<u32>(),
        credits in prop_oneof![0i64..200, 0i64..=i64::MAX],
        total in prop_oneof![0i64..1000, 0i64..=i64::MAX],
        theory in 0i64..=i64::MAX,
        teacher_hours in prop::collection::vec(0i64..=i64::MAX, 0..12),
        shares in (0i64..=1000, 0i64..=1000),
        approved in prop::option::of(any::<u32>()),
        unit_applications in any::<u32>(),
        leader_applications in any::<u32>(),
        year in 1900_u16..=2200,
        remote in any::<bool>(),
    ) {
        let mut a = national();
        a.planned_enrollment = enrollment;
        a.credits = Credits::from_tenths(credits);
        a.total_hours = Hours::from_tenths(total);
        a.theory_hours = Hours::from_tenths(theory);
        a.teachers.truncate(teacher_hours.len().min(a.teachers.len()));
        for (t, h) in a.teachers.iter_mut().zip(&teacher_hours) {
            t.hours = Hours::from_tenths(*h);
        }
        a.outside_province_share = Percent::from_tenths(shares.0);
        a.grassroots_share = Percent::from_tenths(shares.1);
        a.context.unit_previous_year_approved = approved;
        a.context.unit_applications = unit_applications;
        a.context.leader_applications_same_level = leader_applications;
        a.year = y(year);
        if remote {
            a.delivery = Delivery::Remote;
        }
        let review = run(&a);
        prop_assert_eq!(review.errors + review.warnings, review.findings.len());
        prop_assert_eq!(review.ok, review.errors == 0);
        let positions: Vec<usize> = review.findings.iter().map(|f| rule_position(f.rule).unwrap()).collect();
        prop_assert!(positions.windows(2).all(|w| w[0] <= w[1]));
        // The quota, stated independently: n + 1 ≤ 2, or 2 (n + 1) ≤ approved.
        let n = u64::from(unit_applications) + 1;
        let within = n <= 2 || 2 * n <= u64::from(approved.unwrap_or(0));
        prop_assert_eq!(review.rule_ids().contains("unit.quota"), !within);
        // Enrollment over 1000 is an error exactly for face-to-face projects.
        prop_assert_eq!(review.rule_ids().contains("enrollment.max"), !remote && enrollment > 1000);
    }

    #[test]
    fn arbitrary_names_never_panic(
        name in ".{0,40}",
        others in prop::collection::vec((".{0,12}", ".{0,40}", ".{0,6}"), 0..6),
        titles in prop::collection::vec(".{0,8}", 5),
        applicant in ".{0,20}",
    ) {
        let mut a = national();
        a.name = name;
        a.applicant.name = applicant;
        for (t, title) in a.teachers.iter_mut().zip(titles) {
            t.title = title;
        }
        a.context.other_applications = others
            .into_iter()
            .map(|(unit, name, leader)| OtherApplication { unit, name, leader })
            .collect();
        let review = run(&a);
        prop_assert_eq!(review.errors + review.warnings, review.findings.len());
        let _ = render_text(&review);
    }

    #[test]
    fn a_copy_of_the_name_by_another_unit_is_always_a_duplicate(name in "[\\u{4e00}-\\u{4e80}]{1,30}", unit in "[a-z]{1,10}") {
        let mut a = national();
        a.name = name.clone();
        a.context.other_applications = vec![OtherApplication { unit, name: format!(" {name}。"), leader: "某人".into() }];
        prop_assert!(ids(&a).contains("duplicate.project"));
    }
}
