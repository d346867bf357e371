//! The execution report of a held period (执行情况, rules.md §7.4): the unit's Attachments 2 and 3 as
//! formats.md "Report" gives them, the checks a draft and a submission must pass, and how a period's
//! records (published plan, filings, roster, report) become the period of the Execution report the
//! score engine reads (§5), so the score stored at approval is the one `jijiao check score` gives.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Problem;
use super::cycle::Cycle;
use super::filing::{Filing, Form};
use super::roster::Counts;
use crate::Hours;
use crate::score::{Courseware, Days, FormChange, Period, PlannedPeriod, Survey};

/// `report.due`: a report is due within this many days after the period's last day (§7.4), and its
/// audit within as many days of submission (§7.5).
pub const DUE_DAYS: i64 = 14;
/// Longest free text (实际培训效果分析, 存在的问题与建议, a textbook's summary).
pub const MAX_TEXT: usize = 5000;
/// Longest short text (a topic, a teacher's or a textbook's name).
pub const MAX_NAME: usize = 200;

/// The report as formats.md gives it: what the filing and the roster already hold is not repeated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    pub form: Form,
    /// With an online part: how the courseware is managed (课件管理).
    #[serde(default)]
    pub courseware: Option<Courseware>,
    /// Remote projects: the hours the course offered in the upload cycle (实际学时数, `score.1.2.4`
    /// compares them with the published hours). A face-to-face period's hours come from its filing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<Hours>,
    /// The topics as held, with their teachers.
    #[serde(default)]
    pub teaching: Vec<Teaching>,
    /// 实际培训效果分析
    #[serde(default)]
    pub effect_analysis: String,
    /// The learners' answers to questions 1–7, counted per option.
    #[serde(default)]
    pub survey: Option<Survey>,
    /// 存在的问题与建议
    #[serde(default)]
    pub problems: String,
    /// Attachment 3: the textbooks used (none is a valid answer).
    #[serde(default)]
    pub textbooks: Vec<Textbook>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Teaching {
    pub topic: String,
    pub teacher: String,
}

/// One textbook of Attachment 3 (教材使用情况简介表).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Textbook {
    pub name: String,
    /// 编写时间, `YYYY-MM`.
    pub written: String,
    /// 编写人员或编写单位
    pub authors: String,
    pub kind: TextbookKind,
    /// 字数
    pub characters: u32,
    /// 讲授学时
    pub hours: Hours,
    /// 目录或内容概述
    pub summary: String,
}

crate::labelled_enum!(
    /// 教材形式
    TextbookKind {
        Text = "text" / "文字",
        Audiovisual = "audiovisual" / "音像",
    }
);

crate::labelled_enum!(
    /// Where a report is in its audit (§7.4, §7.5): draft → submitted → (returned → submitted)* → approved.
    ReportStatus {
        Draft = "draft" / "草稿",
        Submitted = "submitted" / "待审核",
        Returned = "returned" / "已退回",
        Approved = "approved" / "审核通过",
    }
);

/// The labels of the survey's options, in the order of the form (Attachment 2).
pub const SURVEY: [(&str, &str, &[&str]); 7] = [
    ("q1", "1. 讲授内容是否为本学科的最新发展、最新成果或亟待解决的问题", &["是", "基本是", "否"]),
    ("q2", "2. 以前对讲授内容的了解情况", &["全知道", "部分知道", "不知道"]),
    ("q3", "3. 参加本项目学习的收获", &["很大", "较大", "一般"]),
    ("q4", "4. 对授课教师讲授内容的满意度", &["很满意", "满意", "一般"]),
    ("q5", "5. 对教学计划安排的满意度", &["很满意", "满意", "一般"]),
    ("q6", "6. 对教材的满意度", &["很满意", "满意", "一般"]),
    (
        "q7",
        "7. 收获最大的是（选二项）",
        &["开阔思路", "提高临床诊治能力", "提高理论水平", "提高科研工作能力", "提高操作能力"],
    ),
];

impl Report {
    /// The survey's counts by question key, in the order of [`SURVEY`] (q7 only when answered).
    pub fn survey_rows(&self) -> Vec<(&'static str, Vec<u32>)> {
        let Some(s) = &self.survey else { return Vec::new() };
        let mut rows: Vec<(&'static str, Vec<u32>)> = vec![
            ("q1", s.q1.to_vec()),
            ("q2", s.q2.to_vec()),
            ("q3", s.q3.to_vec()),
            ("q4", s.q4.to_vec()),
            ("q5", s.q5.to_vec()),
            ("q6", s.q6.to_vec()),
        ];
        if let Some(q7) = s.q7 {
            rows.push(("q7", q7.to_vec()));
        }
        rows
    }
}

/// Reads a report body: JSON with the fields above, nothing else; problems name the field.
pub fn parse(text: &str) -> Result<Report, Vec<Problem>> {
    crate::document::parse::<Report>(text).map_err(|e| vec![Problem::new("report.format", e.path, e.message)])
}

/// The checks of a draft (`report.survey_counts` and the lengths of texts): a draft may be
/// incomplete, never wrong.
pub fn check_draft(report: &Report, learners: u32) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (key, counts) in report.survey_rows() {
        let sum: u64 = counts.iter().map(|&c| u64::from(c)).sum();
        let (limit, why) = if key == "q7" {
            (2 * u64::from(learners), format!("学员人数的两倍 {}（每人选二项）", 2 * u64::from(learners)))
        } else {
            (u64::from(learners), format!("学员人数 {learners}"))
        };
        if sum > limit {
            let label = SURVEY.iter().find(|(k, ..)| *k == key).map_or(key, |(_, l, _)| l);
            problems.push(Problem::new(
                "report.survey_counts",
                format!("survey.{key}"),
                format!("“{label}”各选项人数合计 {sum}，超过{why}"),
            ));
        }
    }
    let texts = [
        ("effect_analysis", "实际培训效果分析", &report.effect_analysis),
        ("problems", "存在的问题与建议", &report.problems),
    ];
    for (field, label, text) in texts {
        if text.chars().count() > MAX_TEXT {
            problems.push(Problem::new("report.length", field, format!("“{label}”不能超过 {MAX_TEXT} 字")));
        }
    }
    for (i, t) in report.teaching.iter().enumerate() {
        for (field, label, text) in [("topic", "讲授题目", &t.topic), ("teacher", "授课教师", &t.teacher)] {
            if text.chars().count() > MAX_NAME {
                problems.push(Problem::new(
                    "report.length",
                    format!("teaching[{i}].{field}"),
                    format!("第{}个讲授题目的“{label}”不能超过 {MAX_NAME} 字", i + 1),
                ));
            }
        }
    }
    for (i, b) in report.textbooks.iter().enumerate() {
        if b.summary.chars().count() > MAX_TEXT || b.name.chars().count() > MAX_NAME {
            problems.push(Problem::new(
                "report.length",
                format!("textbooks[{i}]"),
                format!("第{}本教材的名称或概述过长", i + 1),
            ));
        }
    }
    problems
}

/// The checks of a submission: everything of a draft, and Attachment 2 and 3 filled in full (§7.4).
pub fn check_complete(report: &Report, learners: u32) -> Vec<Problem> {
    let mut problems = check_draft(report, learners);
    let mut missing = |field: String, label: String| {
        problems.push(Problem::new("report.complete", field, format!("请填写“{label}”")));
    };
    if report.teaching.is_empty() {
        missing("teaching".into(), "讲授题目及授课教师".into());
    }
    for (i, t) in report.teaching.iter().enumerate() {
        if t.topic.trim().is_empty() {
            missing(format!("teaching[{i}].topic"), format!("第{}个讲授题目", i + 1));
        }
        if t.teacher.trim().is_empty() {
            missing(format!("teaching[{i}].teacher"), format!("第{}个讲授题目的授课教师", i + 1));
        }
    }
    if report.effect_analysis.trim().is_empty() {
        missing("effect_analysis".into(), "实际培训效果分析".into());
    }
    if report.problems.trim().is_empty() {
        missing("problems".into(), "存在的问题与建议".into());
    }
    match &report.survey {
        None => missing("survey".into(), "学员问卷调查结果".into()),
        Some(s) if s.q7.is_none() => missing("survey.q7".into(), "问题7 收获最大的是".into()),
        Some(_) => {}
    }
    if report.form != Form::Offline && report.courseware.is_none() {
        missing("courseware".into(), "课件管理（有线上部分时）".into());
    }
    for (i, b) in report.textbooks.iter().enumerate() {
        let n = i + 1;
        if b.name.trim().is_empty() {
            missing(format!("textbooks[{i}].name"), format!("第{n}本教材的名称"));
        }
        if !is_year_month(&b.written) {
            missing(format!("textbooks[{i}].written"), format!("第{n}本教材的编写时间（形如 2026-03）"));
        }
        if b.authors.trim().is_empty() {
            missing(format!("textbooks[{i}].authors"), format!("第{n}本教材的编写人员或编写单位"));
        }
        if b.summary.trim().is_empty() {
            missing(format!("textbooks[{i}].summary"), format!("第{n}本教材的目录或内容概述"));
        }
    }
    problems
}

/// The further checks of a remote project's report on submission (rules.md §7.4 per upload cycle):
/// held online only, with its courseware management (`score.1.2.7`) and the hours the course offered
/// (`score.1.2.4`); called beside [`check_complete`]. A remote cycle needs no dates, place or filing.
pub fn check_remote(report: &Report) -> Vec<Problem> {
    let mut problems = Vec::new();
    if report.form != Form::Online {
        problems.push(Problem::new(
            "report.remote",
            "form",
            format!("远程项目的举办形式为“{}”，不能为“{}”", Form::Online.label(), report.form.label()),
        ));
    }
    // The courseware is asked by [`check_complete`] of every report held online.
    match report.hours {
        None => problems.push(Problem::new("report.complete", "hours", "请填写“本周期课程实际学时数”（远程项目）")),
        Some(h) if h <= Hours::ZERO => {
            problems.push(Problem::new("report.remote", "hours", "“本周期课程实际学时数”应大于0"))
        }
        Some(_) => {}
    }
    problems
}

fn is_year_month(text: &str) -> bool {
    NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d").is_ok() && text.trim().len() == 7
}

/// The day a report falls due: [`DUE_DAYS`] after the period's last day.
pub fn due(end: NaiveDate) -> NaiveDate {
    end + chrono::Duration::days(DUE_DAYS)
}

/// What the records of one held period give the score (§5): the plan as published, the first and
/// the current filing, the roster's counts and the report with its first submission date.
#[derive(Clone, Debug)]
pub struct PeriodRecords<'a> {
    pub planned: Option<PlannedPeriod>,
    /// The first filing's date (`score.1.1.1` reads it).
    pub first_filed_on: Option<NaiveDate>,
    pub filing: Option<&'a Filing>,
    pub counts: &'a Counts,
    pub report: Option<&'a Report>,
    /// The first submission's date: resubmitting after a return does not make a report later.
    pub reported_on: Option<NaiveDate>,
}

/// The place a period was held, judged against the place it was published with. The published place
/// is often a city (`北京`), the filing an address (`北京市 东城区帅府园1号`), and the two write spaces
/// differently: the period was held as planned when, without spaces, the filed venue contains the
/// published place (without a closing 省/市) or the published place contains the filed venue.
pub fn place_as_planned(planned: &str, filing: &Filing) -> bool {
    let bare = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let planned = bare(planned);
    let city = planned.trim_end_matches(['市', '省']);
    let filed = bare(&filing.place());
    !city.is_empty() && (filed.contains(city) || planned.contains(&filed))
}

/// The offline/online form against the plan: a face-to-face project is planned offline, so a blended
/// period changed part of it and an online one all of it (`score.1.2.3`).
pub fn form_change(form: Form) -> FormChange {
    match form {
        Form::Offline => FormChange::None,
        Form::Blended => FormChange::Partial,
        Form::Online => FormChange::Full,
    }
}

/// The period of the Execution report a held period's records make. A period not filed, or whose
/// report was never submitted, reads as such (the score engine gives those items 0).
pub fn score_period(records: &PeriodRecords<'_>) -> Period {
    let filing = records.filing;
    let place = match (filing, &records.planned) {
        (Some(f), Some(p)) if place_as_planned(&p.place, f) => Some(p.place.clone()),
        (Some(f), _) => Some(f.place()),
        (None, p) => p.as_ref().map(|p| p.place.clone()),
    };
    let teachers = match (records.report, filing) {
        (Some(r), _) if !r.teaching.is_empty() => distinct(r.teaching.iter().map(|t| t.teacher.trim())),
        (_, Some(f)) => distinct(f.schedule.iter().map(|s| s.teacher.trim())),
        _ => Vec::new(),
    };
    let form = records.report.map(|r| r.form).or(filing.map(|f| f.form));
    Period {
        held: true,
        planned: records.planned.clone(),
        filed_on: records.first_filed_on,
        start: filing.map(|f| f.start).or(records.planned.as_ref().map(|p| p.start)),
        end: filing.map(|f| f.end).or(records.planned.as_ref().map(|p| p.end)),
        place,
        province: filing
            .and_then(|f| f.venue_province_code())
            .and_then(crate::province::by_code)
            .map(|p| p.name.to_string()),
        scenic_area: filing.is_some_and(|f| f.venue.scenic_area),
        form_change: form.map(form_change),
        days: filing.map(|f| Days::whole((f.end - f.start).num_days() + 1)),
        hours: filing.map(Filing::hours),
        teachers,
        reported_on: records.reported_on,
        learners_by_province: records.counts.learners_by_province.clone(),
        survey: records.report.and_then(|r| r.survey.clone()),
        upload_cycle_months: None,
        courseware: records.report.and_then(|r| r.courseware),
    }
}

/// What the records of one upload cycle of a remote project give the score (§5): the cycle and
/// its length in months, the roster's counts and the submitted report with its first date.
#[derive(Clone, Debug)]
pub struct CycleRecords<'a> {
    pub cycle: Cycle,
    pub months: u32,
    pub counts: &'a Counts,
    pub report: Option<&'a Report>,
    pub reported_on: Option<NaiveDate>,
}

/// The period of the Execution report an upload cycle's records make (formats.md: "A remote period
/// needs no dates, place or filing"; its dates are given for the reader, the score reads none).
/// A cycle with neither a roster nor a submitted report was not held: nothing was delivered to
/// anyone on record, and it scores 0 on every item, as a face-to-face period never filed does.
pub fn score_cycle(records: &CycleRecords<'_>) -> Period {
    let report = records.report;
    let held = records.counts.learners + records.counts.speakers > 0 || report.is_some();
    Period {
        held,
        planned: None,
        filed_on: None,
        start: Some(records.cycle.start),
        end: Some(records.cycle.end),
        place: None,
        province: None,
        scenic_area: false,
        form_change: None,
        days: None,
        hours: report.and_then(|r| r.hours),
        teachers: report.map(|r| distinct(r.teaching.iter().map(|t| t.teacher.trim()))).unwrap_or_default(),
        reported_on: records.reported_on,
        learners_by_province: records.counts.learners_by_province.clone(),
        survey: report.and_then(|r| r.survey.clone()),
        upload_cycle_months: Some(records.months),
        courseware: report.and_then(|r| r.courseware),
    }
}

fn distinct<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names.filter(|n| !n.is_empty()) {
        if !out.iter().any(|o| o == n) {
            out.push(n.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn survey(q1: [u32; 3], q7: Option<[u32; 5]>) -> Survey {
        Survey { q1, q2: [1, 0, 0], q3: [1, 0, 0], q4: [1, 0, 0], q5: [1, 0, 0], q6: [1, 0, 0], q7, form: None }
    }

    fn complete() -> Report {
        Report {
            form: Form::Offline,
            courseware: None,
            hours: None,
            teaching: vec![Teaching { topic: "心衰诊治进展".into(), teacher: "张三".into() }],
            effect_analysis: "学员反映良好".into(),
            survey: Some(survey([1, 0, 0], Some([1, 1, 0, 0, 0]))),
            problems: "无".into(),
            textbooks: vec![Textbook {
                name: "心衰讲义".into(),
                written: "2026-03".into(),
                authors: "北京协和医院".into(),
                kind: TextbookKind::Text,
                characters: 120_000,
                hours: Hours::whole(12),
                summary: "目录".into(),
            }],
        }
    }

    #[test]
    fn a_complete_report_passes_and_an_empty_draft_is_allowed() {
        assert!(check_complete(&complete(), 1).is_empty());
        let empty: Report = parse(r#"{"form":"offline"}"#).unwrap();
        assert!(check_draft(&empty, 0).is_empty());
        let fields: Vec<String> = check_complete(&empty, 0).into_iter().map(|p| p.field).collect();
        assert_eq!(fields, ["teaching", "effect_analysis", "problems", "survey"]);
    }

    #[test]
    fn survey_counts_above_the_learners_are_refused_q7_against_twice() {
        let mut r = complete();
        r.survey = Some(survey([3, 0, 0], Some([2, 2, 0, 0, 0])));
        let problems = check_draft(&r, 2);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "survey.q1");
        assert!(problems[0].message.contains("合计 3，超过学员人数 2"));
        r.survey = Some(survey([2, 0, 0], Some([3, 2, 0, 0, 0])));
        assert_eq!(check_draft(&r, 2)[0].field, "survey.q7");
    }

    #[test]
    fn an_online_part_needs_courseware_and_textbooks_need_their_month() {
        let mut r = complete();
        r.form = Form::Blended;
        r.textbooks[0].written = "2026年3月".into();
        let fields: Vec<String> = check_complete(&r, 1).into_iter().map(|p| p.field).collect();
        assert_eq!(fields, ["courseware", "textbooks[0].written"]);
    }

    #[test]
    fn unknown_fields_are_refused_by_name() {
        let problems = parse(r#"{"form":"offline","score":100}"#).unwrap_err();
        assert_eq!(problems[0].field, "score", "{problems:?}");
    }

    #[test]
    fn a_filed_address_in_the_published_city_is_held_as_planned() {
        let filing: Filing = serde_json::from_value(serde_json::json!({
            "start": "2026-05-10", "end": "2026-05-12",
            "venue": { "province": "北京市", "city": "北京市", "address": "东城区帅府园1号" },
            "form": "offline", "planned_enrollment": 100, "fee": 0,
            "contact": { "name": "李", "phone": "13800000000" },
            "schedule": [ { "date": "2026-05-10", "from": "09:00", "to": "12:00", "topic": "t",
                "teacher": "张三", "teacher_unit": "u", "teacher_title": "主任医师", "hours": 3 } ]
        }))
        .unwrap();
        assert!(place_as_planned("北京", &filing));
        assert!(place_as_planned("北京市", &filing));
        assert!(!place_as_planned("上海", &filing));
        assert!(place_as_planned("北京市东城区帅府园1号", &filing), "spaces differ, the place does not");
        assert!(!place_as_planned("北京市海淀区花园北路49号", &filing));
        let counts = Counts::default();
        let planned = PlannedPeriod {
            start: NaiveDate::from_ymd_opt(2026, 5, 10).unwrap(),
            end: NaiveDate::from_ymd_opt(2026, 5, 12).unwrap(),
            place: "北京".into(),
        };
        let period = score_period(&PeriodRecords {
            planned: Some(planned),
            first_filed_on: NaiveDate::from_ymd_opt(2026, 4, 20),
            filing: Some(&filing),
            counts: &counts,
            report: Some(&complete()),
            reported_on: NaiveDate::from_ymd_opt(2026, 5, 20),
        });
        assert_eq!(period.place.as_deref(), Some("北京"));
        assert_eq!(period.days, Some(Days::whole(3)));
        assert_eq!(period.hours, Some(Hours::whole(3)));
        assert_eq!(period.teachers, ["张三"]);
        assert_eq!(period.form_change, Some(FormChange::None));
        assert_eq!(period.province.as_deref(), Some("北京市"));
    }

    #[test]
    fn a_remote_report_is_online_with_its_courseware_and_hours() {
        let mut r = complete();
        let fields = |r: &Report| -> Vec<String> {
            check_complete(r, 1).into_iter().chain(check_remote(r)).map(|p| p.field).collect()
        };
        assert_eq!(fields(&r), ["form", "hours"]);
        r.form = Form::Online;
        assert_eq!(fields(&r), ["courseware", "hours"]);
        r.courseware = Some(Courseware { no_seek: true, single_courseware: true, learning_state_check: false });
        r.hours = Some(Hours::ZERO);
        assert_eq!(fields(&r), ["hours"]);
        r.hours = Some(Hours::whole(9));
        assert!(fields(&r).is_empty());
        let text = serde_json::to_string(&r).unwrap();
        assert_eq!(parse(&text).unwrap(), r, "the hours read back");
        assert!(!serde_json::to_string(&complete()).unwrap().contains("hours\":null"), "absent, not null");
    }

    #[test]
    fn a_cycle_scores_as_a_remote_period_with_its_months_and_no_dates_to_judge() {
        let cycle = crate::events::cycle::cycle(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(), 2, 2);
        let mut r = complete();
        r.form = Form::Online;
        r.hours = Some(Hours::whole(9));
        r.courseware = Some(Courseware { no_seek: true, single_courseware: true, learning_state_check: true });
        r.teaching.push(Teaching { topic: "再讲".into(), teacher: " 张三 ".into() });
        let counts = crate::events::roster::count_people([("11", false), ("13", false), ("11", true)]);
        let period = score_cycle(&CycleRecords {
            cycle,
            months: 2,
            counts: &counts,
            report: Some(&r),
            reported_on: NaiveDate::from_ymd_opt(2026, 7, 3),
        });
        assert!(period.held);
        assert_eq!((period.start, period.end), (Some(cycle.start), Some(cycle.end)));
        assert_eq!(period.start, NaiveDate::from_ymd_opt(2026, 5, 1));
        assert_eq!(period.upload_cycle_months, Some(2));
        assert_eq!(period.hours, Some(Hours::whole(9)));
        assert_eq!(period.teachers, ["张三"]);
        assert_eq!(period.learners_by_province.get("河北省"), Some(&1));
        assert_eq!((period.filed_on, period.place.as_deref(), period.days), (None, None, None));
        let empty = crate::events::roster::Counts::default();
        let nothing = score_cycle(&CycleRecords { cycle, months: 2, counts: &empty, report: None, reported_on: None });
        assert!(!nothing.held, "no roster and no report: not held");
    }
}
