//! The check behind each rule of rules.md §3: one function per rule, listed in the table's order.
//! (Longer than 700 lines on purpose: one file in the table's order lets a reader hold the rule table
//! and its checks side by side; splitting by section would scatter rules that share readings.)
//!
//! A check only says *where* and *what*; the rule id and default severity come from the table
//! ([`super::rules::RULES`]), so a finding can never carry an id the table does not have.
//!
//! Readings beyond rules.md (each applies where the rule names no level or delivery):
//! - A title that is not a concrete title is reported once, by `title.concrete`; the rank rules
//!   (`leader.title`, `teachers.*_title`, `peer_review.reviewer`) judge concrete titles only.
//! - Teacher shares count distinct teachers (name + employer, whitespace ignored) and are skipped when
//!   there are no teachers (`hours.sum` reports that). A teacher listed twice keeps the first title.
//! - "Last N years" are the N calendar years before the application year.
//! - `unit.history_*` look at every level of the unit's past projects, except `unit.history_outside_share`
//!   (national projects, national applications). Size and share are not judged for a project that was not
//!   held: `unit.history_unexecuted` already reports it.
//! - `periods.count`: a remote project needs no place; a period ending before it starts is reported too.
//! - Text lengths count characters (never bytes), not counting whitespace.
//! - The contact blanks (`contact.*`, `leader.degree`, issue 18 point 14) are judged when the
//!   document carries them: an absent key is a document written before them; a present, empty
//!   value is a blank the form left. Phones follow the registration's reading (`is_valid_phone`:
//!   11 digits from 1, or `0` + area code, `-`, 7 or 8 digits); a message never repeats a phone.

use chrono::Datelike;

use super::Finding;
use super::application::{Application, Method, ProjectInspection};
use super::names::{NameKeys, is_themeless, same_person, same_unit, unit_key};
use super::rules::{RULE_COUNT, Rule, Severity};
use super::thresholds::*;
use crate::org::{Delivery, Level, UnitType};
use crate::subject::{Catalogue, INFECTIOUS_DISEASES, NURSING, secondary_name};
use crate::title::{Rank, TitleClass, classify, rank_of};
use crate::{IdNumber, Year};

/// What every check reads: the application, the catalogue, and the teachers counted once.
pub(super) struct Ctx<'a> {
    app: &'a Application,
    catalogue: &'a Catalogue,
    /// The applicant's name as compared with other unit names.
    applicant_key: String,
    teachers: Vec<DistinctTeacher>,
}

/// A teacher counted once for the shares.
struct DistinctTeacher {
    employer_key: String,
    employer: String,
    rank: Option<Rank>,
    own_unit: bool,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(app: &'a Application, catalogue: &'a Catalogue) -> Self {
        let applicant = unit_key(&app.applicant.name);
        let mut seen: Vec<(String, String)> = Vec::with_capacity(app.teachers.len());
        let mut teachers = Vec::with_capacity(app.teachers.len());
        for t in &app.teachers {
            let key = (unit_key(&t.name), unit_key(&t.employer));
            if seen.contains(&key) {
                continue;
            }
            teachers.push(DistinctTeacher {
                own_unit: !key.1.is_empty() && key.1 == applicant,
                employer_key: key.1.clone(),
                employer: t.employer.trim().to_string(),
                rank: rank_of(&t.title),
            });
            seen.push(key);
        }
        Self { app, catalogue, applicant_key: applicant, teachers }
    }

    fn is_national(&self) -> bool {
        self.app.level == Level::National
    }

    fn is_provincial(&self) -> bool {
        self.app.level == Level::Provincial
    }

    fn is_nursing(&self) -> bool {
        self.app.subject.secondary.trim() == NURSING
    }

    /// Teachers (counted once) of this rank.
    fn teachers_of_rank(&self, rank: Rank) -> u64 {
        self.teachers.iter().filter(|t| t.rank == Some(rank)).count() as u64
    }

    fn teacher_count(&self) -> u64 {
        self.teachers.len() as u64
    }
}

/// Collects the findings of the rule being checked.
pub(super) struct Out<'r> {
    pub(super) rule: &'static Rule,
    pub(super) findings: &'r mut Vec<Finding>,
}

impl Out<'_> {
    /// A finding with the rule's severity.
    fn push(&mut self, field: impl Into<String>, message: String) {
        self.push_as(self.rule.severity, field, message);
    }

    fn push_as(&mut self, severity: Severity, field: impl Into<String>, message: String) {
        self.findings.push(Finding { rule: self.rule.id, severity, field: field.into(), message });
    }
}

pub(super) type Check = fn(&Ctx<'_>, &mut Out<'_>);

/// The checks, in the order of [`super::rules::RULES`] (a test holds the two together).
pub(super) const CHECKS: [(&str, Check); RULE_COUNT] = [
    ("leader.in_post", leader_in_post),
    ("leader.employee", leader_employee),
    ("leader.title", leader_title),
    ("leader.project_limit", leader_project_limit),
    ("leader.history", leader_history),
    ("title.concrete", title_concrete),
    ("teachers.own_unit_share", teachers_own_unit_share),
    ("teachers.society_share", teachers_society_share),
    ("teachers.demo_title", teachers_demo_title),
    ("teachers.theory_title", teachers_theory_title),
    ("teachers.clinical_intermediate_share", teachers_clinical_intermediate_share),
    ("teachers.nursing_intermediate_share", teachers_nursing_intermediate_share),
    ("enrollment.max", enrollment_max),
    ("enrollment.min", enrollment_min),
    ("enrollment.mutual_recognition", enrollment_mutual_recognition),
    ("learners.outside_grassroots_share", learners_outside_grassroots_share),
    ("credits.cap", credits_cap),
    ("credits.hours_match", credits_hours_match),
    ("hours.sum", hours_sum),
    ("periods.count", periods_count),
    ("text.recommendation", text_recommendation),
    ("text.achievements", text_achievements),
    ("text.unit_situation", text_unit_situation),
    ("peer_review.reviewer", peer_review_reviewer),
    ("subject.valid", subject_valid),
    ("subject.infectious_double", subject_infectious_double),
    ("unit.eligible", unit_eligible),
    ("unit.quota", unit_quota),
    ("unit.history_inspection", unit_history_inspection),
    ("unit.history_unexecuted", unit_history_unexecuted),
    ("unit.history_size", unit_history_size),
    ("unit.history_outside_share", unit_history_outside_share),
    ("name.themeless", name_themeless),
    ("duplicate.project", duplicate_project),
    ("window.open", window_open),
    ("commitment.signed", commitment_signed),
    ("id_number.valid", id_number_valid),
    ("remote.qualified", remote_qualified),
    ("contact.complete", contact_complete),
    ("contact.phone", contact_phone),
    ("leader.degree", leader_degree),
];

// ----- formatting -----------------------------------------------------------------------------

/// Tenths as a decimal without a useless `.0`: `360` → `36`, `365` → `36.5`.
fn decimal(tenths: i128) -> String {
    let sign = if tenths < 0 { "-" } else { "" };
    let abs = tenths.unsigned_abs();
    if abs.is_multiple_of(10) { format!("{sign}{}", abs / 10) } else { format!("{sign}{}.{}", abs / 10, abs % 10) }
}

/// `part / whole` as a percentage, rounded down to one decimal: `1/3` → `33.3%`.
fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0%".to_string();
    }
    let tenths = u128::from(part) * 1000 / u128::from(whole);
    format!("{}%", decimal(tenths as i128))
}

/// Characters of a text, not counting whitespace.
pub(super) fn text_length(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

/// Whether `year` is one of the `span` calendar years before `application_year`.
fn in_last_years(year: Year, application_year: Year, span: u16) -> bool {
    year < application_year && u32::from(year.get()) + u32::from(span) >= u32::from(application_year.get())
}

fn rank_text(title: &str, rank: Rank) -> String {
    format!("“{}”（{}）", title.trim(), rank.label())
}

// ----- leader ---------------------------------------------------------------------------------

fn leader_in_post(c: &Ctx<'_>, out: &mut Out<'_>) {
    if !c.app.leader.in_post {
        out.push("leader.in_post", "项目负责人不在职(岗)的项目无法上报，请由申报单位在职(岗)人员担任项目负责人".into());
    }
}

fn leader_employee(c: &Ctx<'_>, out: &mut Out<'_>) {
    let leader = &c.app.leader;
    if !same_unit(&leader.employer, &c.app.applicant.name) {
        out.push(
            "leader.employer",
            format!(
                "项目负责人须为申报单位在职人员：负责人工作单位“{}”与申报单位“{}”不一致，请按公章核对单位标准名称或更换项目负责人",
                leader.employer.trim(),
                c.app.applicant.name.trim()
            ),
        );
    }
}

fn leader_title(c: &Ctx<'_>, out: &mut Out<'_>) {
    let title = &c.app.leader.title;
    if let Some(rank) = rank_of(title)
        && rank < LEADER_MIN_RANK
    {
        out.push(
            "leader.title",
            format!(
                "项目负责人须具有{}及以上专业技术职务，当前为{}，请更换项目负责人",
                LEADER_MIN_RANK.label(),
                rank_text(title, rank)
            ),
        );
    }
}

fn leader_project_limit(c: &Ctx<'_>, out: &mut Out<'_>) {
    let total = u64::from(c.app.context.leader_applications_same_level) + 1;
    if total > LEADER_PROJECT_LIMIT {
        out.push(
            "context.leader_applications_same_level",
            format!(
                "同一项目负责人同年度{}项目申报不超过{}项，含本项共{}项，请减少申报或更换项目负责人",
                c.app.level.label(),
                LEADER_PROJECT_LIMIT,
                total
            ),
        );
    }
}

fn leader_history(c: &Ctx<'_>, out: &mut Out<'_>) {
    if !c.is_national() {
        return;
    }
    let year = c.app.year;
    let qualifies = c.app.leader.history.iter().any(|h| {
        in_last_years(h.year, year, LEADER_HISTORY_YEARS)
            && matches!(h.level, Level::National | Level::Provincial)
            && h.executed
    });
    if !qualifies {
        out.push(
            "leader.history",
            format!(
                "国家级项目负责人近{}年（{}—{}年）应担任过国家级或省级继续医学教育项目负责人且项目执行情况良好，申报书中没有这样的记录，请如实补填或慎重申报",
                LEADER_HISTORY_YEARS,
                u32::from(year.get()).saturating_sub(u32::from(LEADER_HISTORY_YEARS)),
                u32::from(year.get()).saturating_sub(1)
            ),
        );
    }
}

// ----- titles and teachers --------------------------------------------------------------------

fn title_concrete(c: &Ctx<'_>, out: &mut Out<'_>) {
    let mut check = |field: String, who: &str, title: &str| {
        let text = title.trim();
        let problem = match classify(text) {
            TitleClass::Concrete(_) => return,
            TitleClass::RankWord => format!("“{text}”是职称级别，不是具体职称"),
            TitleClass::Post => format!("“{text}”是职务，不是专业技术职称"),
            TitleClass::Degree => format!("“{text}”是学位，不是专业技术职称"),
            TitleClass::Unknown if text.is_empty() => "未填写职称".to_string(),
            TitleClass::Unknown => format!("“{text}”不是可识别的专业技术职称"),
        };
        out.push(field, format!("{who}{problem}，请填写具体专业技术职称，如“主任医师”“副教授”“主管护师”"));
    };
    check("leader.title".into(), "项目负责人", &c.app.leader.title);
    check("peer_reviewer.title".into(), "同行评议专家", &c.app.peer_reviewer.title);
    for (i, t) in c.app.teachers.iter().enumerate() {
        check(format!("teachers[{i}].title"), &format!("授课教师{}", t.name.trim()), &t.title);
    }
}

fn teachers_own_unit_share(c: &Ctx<'_>, out: &mut Out<'_>) {
    if !c.app.applicant.unit_type.is_institution() || c.teachers.is_empty() {
        return;
    }
    let total = c.teacher_count();
    let own = c.teachers.iter().filter(|t| t.own_unit).count() as u64;
    if OWN_UNIT_SHARE_MIN.not_reached_by(own, total) {
        out.push(
            "teachers",
            format!(
                "申报单位属于医疗卫生、教学、科研机构的，申报单位的授课教师占比应不低于50%，当前{total}名授课教师中本单位{own}名（{}），请增加本单位授课教师",
                percent(own, total)
            ),
        );
    }
}

fn teachers_society_share(c: &Ctx<'_>, out: &mut Out<'_>) {
    if c.app.applicant.unit_type != UnitType::Society || !c.is_provincial() || c.teachers.is_empty() {
        return;
    }
    let total = c.teacher_count();
    let mut reported: Vec<&str> = Vec::new();
    for t in &c.teachers {
        if reported.contains(&t.employer_key.as_str()) {
            continue;
        }
        reported.push(&t.employer_key);
        let from_unit = c.teachers.iter().filter(|o| o.employer_key == t.employer_key).count() as u64;
        if SOCIETY_SINGLE_UNIT_SHARE_MAX.exceeded_by(from_unit, total) {
            out.push(
                "teachers",
                format!(
                    "学（协）会申报省级项目，同一单位授课教师占比不高于50%，当前{total}名授课教师中来自“{}”的有{from_unit}名（{}），请调整授课教师",
                    t.employer,
                    percent(from_unit, total)
                ),
            );
        }
    }
}

fn teachers_demo_title(c: &Ctx<'_>, out: &mut Out<'_>) {
    if !c.is_national() {
        return;
    }
    for (i, t) in c.app.teachers.iter().enumerate() {
        if t.method == Method::Lecture {
            continue;
        }
        if let Some(rank) = rank_of(&t.title)
            && rank < DEMO_TEACHER_MIN_RANK
        {
            out.push(
                format!("teachers[{i}].title"),
                format!(
                    "国家级项目实验（技术示范）教师应具有{}及以上专业技术职务，{}当前为{}",
                    DEMO_TEACHER_MIN_RANK.label(),
                    t.name.trim(),
                    rank_text(&t.title, rank)
                ),
            );
        }
    }
}

fn teachers_theory_title(c: &Ctx<'_>, out: &mut Out<'_>) {
    if !c.is_provincial() {
        return;
    }
    let (minimum, which) = if c.is_nursing() {
        (NURSING_THEORY_TEACHER_MIN_RANK, "护理学项目理论授课教师")
    } else {
        (THEORY_TEACHER_MIN_RANK, "省级项目理论授课教师")
    };
    for (i, t) in c.app.teachers.iter().enumerate() {
        if t.method != Method::Lecture {
            continue;
        }
        if let Some(rank) = rank_of(&t.title)
            && rank < minimum
        {
            out.push(
                format!("teachers[{i}].title"),
                format!(
                    "{which}应具有{}及以上专业技术职务，{}当前为{}",
                    minimum.label(),
                    t.name.trim(),
                    rank_text(&t.title, rank)
                ),
            );
        }
    }
}

fn intermediate_share(c: &Ctx<'_>, out: &mut Out<'_>, maximum: Fraction, which: &str, limit: &str) {
    let total = c.teacher_count();
    let intermediate = c.teachers_of_rank(Rank::Intermediate);
    if maximum.exceeded_by(intermediate, total) {
        out.push(
            "teachers",
            format!(
                "{which}授课教师中中级专业技术职务比例应不高于{limit}，当前{total}名授课教师中中级{intermediate}名（{}），请调整授课教师",
                percent(intermediate, total)
            ),
        );
    }
}

fn teachers_clinical_intermediate_share(c: &Ctx<'_>, out: &mut Out<'_>) {
    if c.is_provincial() && c.app.clinical_skills {
        intermediate_share(c, out, CLINICAL_INTERMEDIATE_SHARE_MAX, "临床技能项目", "30%");
    }
}

fn teachers_nursing_intermediate_share(c: &Ctx<'_>, out: &mut Out<'_>) {
    if c.is_provincial() && c.is_nursing() {
        intermediate_share(c, out, NURSING_INTERMEDIATE_SHARE_MAX, "护理学项目", "40%");
    }
}

// ----- enrollment and learners ----------------------------------------------------------------

fn enrollment_max(c: &Ctx<'_>, out: &mut Out<'_>) {
    let n = c.app.planned_enrollment;
    if c.app.delivery == Delivery::FaceToFace && n > ENROLLMENT_MAX {
        out.push("planned_enrollment", format!("面授项目拟招生人数原则上控制在{ENROLLMENT_MAX}人以内，当前{n}人"));
    }
}

fn enrollment_min(c: &Ctx<'_>, out: &mut Out<'_>) {
    let n = c.app.planned_enrollment;
    if !c.app.practical_training && n < ENROLLMENT_MIN {
        out.push(
            "planned_enrollment",
            format!("拟招生人数少于{ENROLLMENT_MIN}人（当前{n}人），不建议申报；实操训练类项目请勾选“实操训练类”"),
        );
    }
}

fn enrollment_mutual_recognition(c: &Ctx<'_>, out: &mut Out<'_>) {
    let n = c.app.planned_enrollment;
    if c.app.mutual_recognition && !c.app.practical_training && n < MUTUAL_RECOGNITION_ENROLLMENT_MIN {
        out.push(
            "planned_enrollment",
            format!(
                "京津冀互认项目拟招生人数应为{MUTUAL_RECOGNITION_ENROLLMENT_MIN}人以上，当前{n}人；人数较少的请取消“京津冀互认”（实操训练类项目除外）"
            ),
        );
    }
}

fn learners_outside_grassroots_share(c: &Ctx<'_>, out: &mut Out<'_>) {
    let outside = c.app.outside_province_share.tenths();
    let grassroots = c.app.grassroots_share.tenths();
    let sum = i128::from(outside) + i128::from(grassroots);
    if sum < i128::from(OUTSIDE_GRASSROOTS_SHARE_MIN_TENTHS) {
        out.push(
            "outside_province_share",
            format!(
                "拟招收外省学员和基层学员占比原则上合计不低于{}%，当前外省{}% + 基层{}% = {}%",
                decimal(i128::from(OUTSIDE_GRASSROOTS_SHARE_MIN_TENTHS)),
                decimal(i128::from(outside)),
                decimal(i128::from(grassroots)),
                decimal(sum)
            ),
        );
    }
}

// ----- credits, hours, periods ----------------------------------------------------------------

fn credits_cap_for(c: &Ctx<'_>) -> crate::Credits {
    match c.app.delivery {
        Delivery::FaceToFace => CREDITS_CAP,
        Delivery::Remote => REMOTE_CREDITS_CAP,
    }
}

fn credits_cap(c: &Ctx<'_>, out: &mut Out<'_>) {
    let cap = credits_cap_for(c);
    if c.app.credits > cap {
        let which = match c.app.delivery {
            Delivery::FaceToFace => "每个项目",
            Delivery::Remote => "远程项目",
        };
        out.push(
            "credits",
            format!(
                "{which}不超过{}学分，当前{}学分",
                decimal(i128::from(cap.tenths())),
                decimal(i128::from(c.app.credits.tenths()))
            ),
        );
    }
}

fn credits_hours_match(c: &Ctx<'_>, out: &mut Out<'_>) {
    let credits = i128::from(c.app.credits.tenths());
    let hours = i128::from(c.app.total_hours.tenths());
    let per = i128::from(HOURS_PER_CREDIT);
    if credits * per > hours {
        out.push(
            "credits",
            format!(
                "学时学分应匹配（{per}小时1学分）：教学总时长{}小时最多授予{}学分，当前{}学分",
                decimal(hours),
                decimal(hours / per),
                decimal(credits)
            ),
        );
        return;
    }
    // ⌊hours ÷ 3⌋ whole credits, in tenths, and never above the cap.
    let whole = hours / (per * 10) * 10;
    let expected = whole.min(i128::from(credits_cap_for(c).tenths()));
    if credits < expected {
        out.push_as(
            Severity::Warning,
            "credits",
            format!(
                "学时学分应匹配（{per}小时1学分）：教学总时长{}小时可授予{}学分，当前仅{}学分，请核对",
                decimal(hours),
                decimal(expected),
                decimal(credits)
            ),
        );
    }
}

fn hours_sum(c: &Ctx<'_>, out: &mut Out<'_>) {
    let app = c.app;
    let total = i128::from(app.total_hours.tenths());
    let theory = i128::from(app.theory_hours.tenths());
    let practice = i128::from(app.practice_hours.tenths());
    if theory + practice != total {
        out.push(
            "theory_hours",
            format!(
                "讲授理论时长{}小时 + 实践（技术示范）时长{}小时 = {}小时，与教学总时长{}小时不一致",
                decimal(theory),
                decimal(practice),
                decimal(theory + practice),
                decimal(total)
            ),
        );
    }
    let taught: i128 = app.teachers.iter().map(|t| i128::from(t.hours.tenths())).sum();
    if taught != total {
        let message = if app.teachers.is_empty() {
            format!("请填写授课教师及其学时，学时合计应等于教学总时长{}小时", decimal(total))
        } else {
            format!("授课教师学时合计{}小时，与教学总时长{}小时不一致", decimal(taught), decimal(total))
        };
        out.push("teachers", message);
    }
}

fn periods_count(c: &Ctx<'_>, out: &mut Out<'_>) {
    let app = c.app;
    let count = app.periods.len();
    if count < PERIODS_MIN {
        out.push("periods", format!("请填写举办期（次）：每期的举办时间与地点，至少{PERIODS_MIN}期"));
    } else if count > PERIODS_MAX {
        out.push("periods", format!("每年举办的期（次）数不得超过{PERIODS_MAX}期，当前{count}期"));
    }
    let year = app.year;
    for (i, p) in app.periods.iter().enumerate() {
        let n = i + 1;
        if p.start > p.end {
            out.push(format!("periods[{i}].end"), format!("第{n}期结束日期{}早于开始日期{}", p.end, p.start));
        } else if p.start.year() != i32::from(year) || p.end.year() != i32::from(year) {
            let field = if p.start.year() != i32::from(year) { "start" } else { "end" };
            out.push(
                format!("periods[{i}].{field}"),
                format!("第{n}期举办时间{}至{}应在{}年内", p.start, p.end, app.year),
            );
        }
        if app.delivery == Delivery::FaceToFace && p.place.trim().is_empty() {
            out.push(format!("periods[{i}].place"), format!("第{n}期未填写举办地点"));
        }
    }
}

// ----- texts ----------------------------------------------------------------------------------

fn text_rule(out: &mut Out<'_>, field: &str, what: &str, text: &str, minimum: usize) {
    let length = text_length(text);
    if length < minimum {
        out.push(field, format!("{what}不少于{minimum}字，当前{length}字"));
    }
}

fn text_recommendation(c: &Ctx<'_>, out: &mut Out<'_>) {
    text_rule(out, "recommendation", "推荐理由", &c.app.recommendation, RECOMMENDATION_MIN_CHARS);
}

fn text_achievements(c: &Ctx<'_>, out: &mut Out<'_>) {
    text_rule(out, "leader.achievements", "项目负责人主要成绩", &c.app.leader.achievements, ACHIEVEMENTS_MIN_CHARS);
}

fn text_unit_situation(c: &Ctx<'_>, out: &mut Out<'_>) {
    text_rule(
        out,
        "unit_situation",
        "申报单位及项目负责人所在科室基本情况",
        &c.app.unit_situation,
        UNIT_SITUATION_MIN_CHARS,
    );
}

// ----- peer review and subject ----------------------------------------------------------------

fn peer_review_reviewer(c: &Ctx<'_>, out: &mut Out<'_>) {
    let reviewer = &c.app.peer_reviewer;
    if reviewer.name.trim().is_empty() {
        out.push("peer_reviewer.name", "请填写同行评议专家：1名外单位同学科副高级及以上职称专家".into());
    }
    if reviewer.employer.trim().is_empty() {
        out.push("peer_reviewer.employer", "请填写同行评议专家的工作单位（应为外单位）".into());
    } else if same_unit(&reviewer.employer, &c.app.applicant.name) {
        out.push(
            "peer_reviewer.employer",
            format!("同行评议专家应为外单位专家，“{}”是申报单位", reviewer.employer.trim()),
        );
    }
    let project = c.app.subject.secondary.trim();
    let reviewer_secondary = reviewer.subject.split('-').next().unwrap_or("").trim();
    if reviewer_secondary != project {
        out.push(
            "peer_reviewer.subject",
            format!(
                "同行评议专家应与项目同二级学科（{} {}），当前为“{}”",
                project,
                secondary_name(project).unwrap_or(""),
                reviewer.subject.trim()
            ),
        );
    }
    if let Some(rank) = rank_of(&reviewer.title)
        && rank < PEER_REVIEWER_MIN_RANK
    {
        out.push(
            "peer_reviewer.title",
            format!(
                "同行评议专家应具有{}及以上职称，当前为{}",
                PEER_REVIEWER_MIN_RANK.label(),
                rank_text(&reviewer.title, rank)
            ),
        );
    }
}

fn subject_valid(c: &Ctx<'_>, out: &mut Out<'_>) {
    let secondary = c.app.subject.secondary.trim();
    let tertiary = c.app.subject.tertiary.trim();
    let Some(name) = secondary_name(secondary) else {
        out.push(
            "subject.secondary",
            format!("二级学科代码“{secondary}”不在24个二级学科之内（中医类项目不在本系统申报）"),
        );
        return;
    };
    if c.catalogue.is_valid_pair(secondary, tertiary) {
        return;
    }
    let message = match c.catalogue.find(tertiary) {
        Some(t) => format!("三级学科“{} {}”不属于二级学科“{secondary} {name}”，请按项目内容重新选择", t.code, t.name),
        None => format!("三级学科代码“{tertiary}”不在学科目录中，请从二级学科“{secondary} {name}”的三级学科中选择"),
    };
    out.push("subject.tertiary", message);
}

fn subject_infectious_double(c: &Ctx<'_>, out: &mut Out<'_>) {
    if c.app.subject.tertiary.trim() == INFECTIOUS_DISEASES && c.app.infectious_disease_training {
        out.push(
            "infectious_disease_training",
            "已选择“临床内科学-感染病学”的项目，不再勾选“传染病防治知识类”，避免学时重复统计".into(),
        );
    }
}

// ----- the unit -------------------------------------------------------------------------------

fn unit_eligible(c: &Ctx<'_>, out: &mut Out<'_>) {
    let applicant = &c.app.applicant;
    if !applicant.cme_qualified {
        out.push("applicant.cme_qualified", "申报单位须为获批申办继续医学教育项目资质的机构".into());
    }
    if !applicant.inspection.allows_projects() {
        out.push(
            "applicant.inspection",
            format!("申报单位最近一个周期年检或校验结论为“{}”，不得申报", applicant.inspection.label()),
        );
    }
}

fn unit_quota(c: &Ctx<'_>, out: &mut Out<'_>) {
    if !c.is_national() {
        return;
    }
    let total = u64::from(c.app.context.unit_applications) + 1;
    let (quota, basis) = match c.app.context.unit_previous_year_approved {
        Some(approved) if approved > 0 => {
            let half = QUOTA_SHARE.of_rounded_down(u64::from(approved));
            let quota = half.max(QUOTA_MIN);
            let basis = if half < QUOTA_MIN {
                format!("上一年度获批{approved}项，按50%计不足{QUOTA_MIN}项，按{QUOTA_MIN}项计")
            } else {
                format!("上一年度获批{approved}项，按50%计最多{quota}项")
            };
            (quota, basis)
        }
        _ => (QUOTA_MIN, format!("上一年度无国家级项目或首次申报的单位，不超过{QUOTA_MIN}项")),
    };
    if total > quota {
        out.push("context.unit_applications", format!("国家级项目限额推荐：{basis}，含本项已申报{total}项，不得超报"));
    }
}

/// The unit's past projects of the last 2 years, with their index in `context.unit_history`.
fn recent_unit_projects<'a>(c: &'a Ctx<'_>) -> impl Iterator<Item = (usize, &'a super::application::UnitProject)> + 'a {
    let year = c.app.year;
    c.app.context.unit_history.iter().enumerate().filter(move |(_, h)| in_last_years(h.year, year, UNIT_HISTORY_YEARS))
}

fn project_label(h: &super::application::UnitProject) -> String {
    let number = h.number.trim();
    if number.is_empty() {
        format!("{}年{}项目", h.year, h.level.label())
    } else {
        format!("{}年{}项目{}", h.year, h.level.label(), number)
    }
}

fn unit_history_inspection(c: &Ctx<'_>, out: &mut Out<'_>) {
    for (i, h) in recent_unit_projects(c) {
        if h.inspection == Some(ProjectInspection::Failed) {
            out.push(
                format!("context.unit_history[{i}].inspection"),
                format!("近{UNIT_HISTORY_YEARS}年举办的{}督查结果为“不合格”，不得再次申报", project_label(h)),
            );
        }
    }
}

fn unit_history_unexecuted(c: &Ctx<'_>, out: &mut Out<'_>) {
    for (i, h) in recent_unit_projects(c) {
        if !h.held {
            out.push(
                format!("context.unit_history[{i}].held"),
                format!("近{UNIT_HISTORY_YEARS}年立项的{}未举办，不得再次申报", project_label(h)),
            );
        } else if h.reported_late {
            out.push(
                format!("context.unit_history[{i}].reported_late"),
                format!("近{UNIT_HISTORY_YEARS}年举办的{}未按时完成执行情况汇报，不得再次申报", project_label(h)),
            );
        }
    }
}

fn unit_history_size(c: &Ctx<'_>, out: &mut Out<'_>) {
    for (i, h) in recent_unit_projects(c) {
        if !h.held || h.practical_training {
            continue;
        }
        if h.learners > HISTORY_LEARNERS_MAX || h.learners < HISTORY_LEARNERS_MIN {
            out.push(
                format!("context.unit_history[{i}].learners"),
                format!(
                    "近{UNIT_HISTORY_YEARS}年举办的{}学员{}人，大于{HISTORY_LEARNERS_MAX}人或小于{HISTORY_LEARNERS_MIN}人，不建议再次申报",
                    project_label(h),
                    h.learners
                ),
            );
        }
    }
}

fn unit_history_outside_share(c: &Ctx<'_>, out: &mut Out<'_>) {
    if !c.is_national() {
        return;
    }
    for (i, h) in recent_unit_projects(c) {
        let share = h.outside_grassroots_share.tenths();
        if h.level == Level::National && h.held && share < HISTORY_OUTSIDE_SHARE_MIN_TENTHS {
            out.push(
                format!("context.unit_history[{i}].outside_grassroots_share"),
                format!(
                    "近{UNIT_HISTORY_YEARS}年举办的{}外省学员和基层学员占比{}%，低于{}%，不建议再次申报",
                    project_label(h),
                    decimal(i128::from(share)),
                    decimal(i128::from(HISTORY_OUTSIDE_SHARE_MIN_TENTHS))
                ),
            );
        }
    }
}

// ----- name, duplicates, window, signature, ID, remote ----------------------------------------

fn name_themeless(c: &Ctx<'_>, out: &mut Out<'_>) {
    if is_themeless(&c.app.name, &c.app.applicant.name) {
        out.push(
            "name",
            format!(
                "“{}”是无主题授课内容的年会、峰会或论坛，原则上不作为项目申报，请在项目名称中写明培训主题",
                c.app.name.trim()
            ),
        );
    }
}

fn duplicate_project(c: &Ctx<'_>, out: &mut Out<'_>) {
    let app = c.app;
    if app.context.other_applications.is_empty() {
        return;
    }
    let keys = NameKeys::of(&app.name);
    for other in &app.context.other_applications {
        if !c.applicant_key.is_empty() && unit_key(&other.unit) == c.applicant_key {
            continue;
        }
        let other_keys = NameKeys::of(&other.name);
        let same = keys.same_as(&other_keys);
        if same || (same_person(&other.leader, &app.leader.name) && keys.nearly(&other_keys)) {
            let how = if same { "同名项目" } else { "同一负责人的相近项目" };
            out.push(
                "name",
                format!(
                    "同一项目只能通过一个单位申报：“{}”已申报{how}“{}”（负责人{}），不得重复申报；多单位联合申报的项目由牵头单位负责申报",
                    other.unit.trim(),
                    other.name.trim(),
                    other.leader.trim()
                ),
            );
        }
    }
}

fn window_open(c: &Ctx<'_>, out: &mut Out<'_>) {
    let context = &c.app.context;
    let day = context.submitted_on;
    if day < context.window.opens || day > context.window.closes {
        out.push(
            "context.submitted_on",
            format!(
                "申报时间为{}至{}，{}不在申报时间内，逾期不予受理",
                context.window.opens, context.window.closes, day
            ),
        );
    }
}

fn commitment_signed(c: &Ctx<'_>, out: &mut Out<'_>) {
    if !c.app.commitment_signed {
        out.push("commitment_signed", "项目负责人须签署继续医学教育项目负责人承诺书".into());
    }
}

/// Valid as of the submission day, so that a review is a function of the application alone.
fn id_number_valid(c: &Ctx<'_>, out: &mut Out<'_>) {
    if let Err(e) = IdNumber::parse_as_of(&c.app.leader.id_number, c.app.context.submitted_on) {
        out.push("leader.id_number", format!("项目负责人{e}，请核对身份证号"));
    }
}

fn remote_qualified(c: &Ctx<'_>, out: &mut Out<'_>) {
    let applicant = &c.app.applicant;
    if c.app.delivery == Delivery::Remote && !applicant.remote_qualified {
        out.push(
            "applicant.remote_qualified",
            "申报远程项目的单位须具备远程继续医学教育资质，请先向继续医学教育委员会办公室提交资质审核材料".into(),
        );
    }
}

// ----- beside rules.md: the 申报书's contact blanks ------------------------------------------------

/// A present key left blank.
fn blank(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| v.trim().is_empty())
}

fn contact_complete(c: &Ctx<'_>, out: &mut Out<'_>) {
    if blank(&c.app.applicant.contact_name) {
        out.push("applicant.contact_name", "请填写单位联系人（申报书“单位联系人”栏）".into());
    }
    if blank(&c.app.leader.address) {
        out.push("leader.address", "请填写项目负责人通讯地址（申报书“项目负责人通讯地址”栏）".into());
    }
}

fn contact_phone(c: &Ctx<'_>, out: &mut Out<'_>) {
    let phones = [
        ("applicant.contact_phone", "单位联系电话", &c.app.applicant.contact_phone),
        ("leader.phone", "项目负责人联系电话", &c.app.leader.phone),
    ];
    for (field, label, value) in phones {
        let Some(phone) = value.as_deref() else { continue };
        if phone.trim().is_empty() {
            out.push(field, format!("请填写{label}"));
        } else if !crate::personal::is_valid_phone(phone) {
            out.push(field, format!("{label}应为11位手机号或带区号的固定电话（如 010-69156114），请核对"));
        }
    }
}

fn leader_degree(c: &Ctx<'_>, out: &mut Out<'_>) {
    let Some(degree) = c.app.leader.degree.as_deref() else { return };
    let list = crate::degree::DEGREES.join("、");
    if degree.trim().is_empty() {
        out.push("leader.degree", format!("请选择项目负责人最高学历（{list}）"));
    } else if crate::degree::find(degree).is_none() {
        out.push("leader.degree", format!("项目负责人最高学历“{}”应为 {list} 之一", degree.trim()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_follow_the_rule_table() {
        let ids: Vec<&str> = CHECKS.iter().map(|(id, _)| *id).collect();
        let rules: Vec<&str> = super::super::rules::RULES.iter().map(|r| r.id).collect();
        assert_eq!(ids, rules);
    }

    #[test]
    fn figures_are_written_plainly() {
        assert_eq!(decimal(360), "36");
        assert_eq!(decimal(365), "36.5");
        assert_eq!(decimal(-5), "-0.5");
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(percent(1, 2), "50%");
        assert_eq!(percent(1, 0), "0%");
        assert_eq!(text_length("推荐 理由\n"), 4);
        let y = |n: u16| Year::try_from(n).unwrap();
        assert!(in_last_years(y(2023), y(2025), 2) && in_last_years(y(2024), y(2025), 2));
        assert!(!in_last_years(y(2022), y(2025), 2) && !in_last_years(y(2025), y(2025), 2));
        assert!(in_last_years(y(2022), y(2025), 3));
        assert!(!in_last_years(Year::FIRST, Year::LAST, 299) && in_last_years(Year::FIRST, Year::LAST, u16::MAX));
    }
}
