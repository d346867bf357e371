//! The score items of rules.md §5 (seed 000, Attachment 4, 2024 edition), one function per item.
//!
//! Each function takes the figures its item needs and returns the points with a Chinese explanation
//! naming the figures and the band they fell in. Shares are compared as exact fractions by
//! cross-multiplying integers; nothing here rounds before comparing, and nothing is floating point.
//!
//! Edge cases (not settled by rules.md §5; decided here, and shown to users in the explanation):
//! - **Absent data earns nothing.** Attachment 4 gives 0 for "未填写" (1.1.1, 1.1.2); the product extends
//!   that to every item: a held period whose report lacks what an item needs (dates, place, form, days or
//!   hours, upload cycle, courseware, venue province) scores 0 on that item, so omitting data never pays.
//! - **A share with nothing to divide by scores 0**: zero learners (2.1.1), an empty or absent survey
//!   (2.2.1), no planned teachers (1.2.6), zero planned days or hours (1.2.4). There is no base to
//!   measure against, and a plan that passed formal review (rules.md §3) always has teachers and hours.
//!   An empty survey scores 0, not the lowest band's 3: the 3 points reward a survey that was taken.
//! - **Provinces**: learners in a province with 0 learners do not count; 0 provinces scores as 1 (0 points).
//!   Province names are matched by full or short name (北京 = 北京市); unknown names count as written.
//! - **Filing and reporting** are measured from the period's actual `start` and `end` (formats.md); filing
//!   on or after the start counts as not filed (rules.md §5: "filed on or after the start: 0"), and a
//!   report dated before the end counts as ≤ 14 days (it can only be early, never late).
//! - **Teachers and the leader** are matched by name (trimmed); a name listed twice counts once.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write};

use chrono::NaiveDate;
use serde::{Serialize, Serializer};

use super::report::{Courseware, FormChange, Survey};
use crate::org::Delivery;
use crate::province;

/// A score item of Attachment 4, with its stable id (`score.1.1.1`). Ordered as the ids are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Item {
    FilingLeadTime,
    ReportDelay,
    UploadCycle,
    DatesHeld,
    PlaceHeld,
    FormHeld,
    DurationChange,
    LeaderTaught,
    TeachersChanged,
    Courseware,
    OutOfProvinceShare,
    ProvinceCount,
    Satisfaction,
}

impl Item {
    pub const ALL: [Item; 13] = [
        Item::FilingLeadTime,
        Item::ReportDelay,
        Item::UploadCycle,
        Item::DatesHeld,
        Item::PlaceHeld,
        Item::FormHeld,
        Item::DurationChange,
        Item::LeaderTaught,
        Item::TeachersChanged,
        Item::Courseware,
        Item::OutOfProvinceShare,
        Item::ProvinceCount,
        Item::Satisfaction,
    ];

    /// The stable rule id used in output and tests.
    pub fn id(self) -> &'static str {
        match self {
            Item::FilingLeadTime => "score.1.1.1",
            Item::ReportDelay => "score.1.1.2",
            Item::UploadCycle => "score.1.1.3",
            Item::DatesHeld => "score.1.2.1",
            Item::PlaceHeld => "score.1.2.2",
            Item::FormHeld => "score.1.2.3",
            Item::DurationChange => "score.1.2.4",
            Item::LeaderTaught => "score.1.2.5",
            Item::TeachersChanged => "score.1.2.6",
            Item::Courseware => "score.1.2.7",
            Item::OutOfProvinceShare => "score.2.1.1",
            Item::ProvinceCount => "score.2.1.2",
            Item::Satisfaction => "score.2.2.1",
        }
    }

    pub fn from_id(id: &str) -> Option<Item> {
        Item::ALL.into_iter().find(|i| i.id() == id)
    }

    /// The Chinese name of the item (Attachment 4's wording).
    pub fn name(self, delivery: Delivery) -> &'static str {
        match self {
            Item::FilingLeadTime => "举办前填写报备信息的时间",
            Item::ReportDelay => "举办结束后填写执行情况的时间",
            Item::UploadCycle => "执行情况上传周期",
            Item::DatesHeld => "实际举办时间",
            Item::PlaceHeld => "实际举办地点",
            Item::FormHeld => "举办方式",
            Item::DurationChange => match delivery {
                Delivery::FaceToFace => "实际举办天数",
                Delivery::Remote => "实际举办学时数",
            },
            Item::LeaderTaught => "项目负责人参与授课",
            Item::TeachersChanged => "实际授课教师",
            Item::Courseware => "视频学习（课件管理）",
            Item::OutOfProvinceShare => match delivery {
                Delivery::FaceToFace => "举办地省外学员占比",
                Delivery::Remote => "申办单位所在地省外学员占比",
            },
            Item::ProvinceCount => "学员来自省份的数量",
            Item::Satisfaction => "学员评估意见满意度",
        }
    }

    /// The most points the item gives.
    pub fn max_points(self) -> u32 {
        match self {
            Item::FilingLeadTime | Item::ReportDelay => 10,
            Item::UploadCycle => 15,
            Item::DatesHeld
            | Item::PlaceHeld
            | Item::FormHeld
            | Item::DurationChange
            | Item::LeaderTaught
            | Item::TeachersChanged => 5,
            Item::Courseware | Item::OutOfProvinceShare | Item::ProvinceCount => 20,
            Item::Satisfaction => 10,
        }
    }

    pub fn applies_to(self, delivery: Delivery) -> bool {
        match self {
            Item::FilingLeadTime | Item::ReportDelay | Item::DatesHeld | Item::PlaceHeld | Item::FormHeld => {
                delivery == Delivery::FaceToFace
            }
            Item::UploadCycle | Item::Courseware => delivery == Delivery::Remote,
            Item::DurationChange
            | Item::LeaderTaught
            | Item::TeachersChanged
            | Item::OutOfProvinceShare
            | Item::ProvinceCount
            | Item::Satisfaction => true,
        }
    }

    /// The items of a delivery, in id order (their maxima add up to 100).
    pub fn for_delivery(delivery: Delivery) -> impl Iterator<Item = Item> {
        Item::ALL.into_iter().filter(move |i| i.applies_to(delivery))
    }
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Written as its id, so a map of items is a JSON object keyed `score.1.1.1`.
impl Serialize for Item {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

/// One item's points and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scored {
    pub points: u32,
    pub explanation: String,
}

fn scored(points: u32, mut explanation: String) -> Scored {
    let _ = write!(explanation, "：{points}分");
    Scored { points, explanation }
}

/// An exact non-negative fraction `num / den` with `den > 0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ratio {
    num: u64,
    den: u64,
}

impl Ratio {
    /// `None` when there is nothing to divide by.
    pub(crate) fn new(num: u64, den: u64) -> Option<Ratio> {
        (den > 0).then_some(Ratio { num, den })
    }

    /// Compares the fraction with `percent`% by cross-multiplication.
    pub(crate) fn cmp_percent(self, percent: u64) -> Ordering {
        (u128::from(self.num) * 100).cmp(&(u128::from(percent) * u128::from(self.den)))
    }

    /// `30%`, `12.5%`, or `约33.3%` when the share is not exact to one decimal (half up).
    pub(crate) fn percent_text(self) -> String {
        let num = u128::from(self.num) * 1000;
        let den = u128::from(self.den);
        let (tenths, approx) = if num % den == 0 { (num / den, "") } else { ((2 * num + den) / (2 * den), "约") };
        if tenths % 10 == 0 {
            format!("{approx}{}%", tenths / 10)
        } else {
            format!("{approx}{}.{}%", tenths / 10, tenths % 10)
        }
    }
}

/// A tenths quantity as `3` or `2.5`.
fn tenths_text(tenths: i64) -> String {
    if tenths % 10 == 0 { format!("{}", tenths / 10) } else { format!("{}.{}", tenths / 10, tenths % 10) }
}

/// Bands of 1.2.4 and 1.2.6: change < 30%: 5; 30%–50% (both ends included): 3; > 50%: 0.
fn change_band(change: Ratio) -> (u32, &'static str) {
    if change.cmp_percent(30) == Ordering::Less {
        (5, "<30%")
    } else if change.cmp_percent(50) != Ordering::Greater {
        (3, "30%～50%")
    } else {
        (0, ">50%")
    }
}

/// The score of every item of a period that was not held (rules.md §5).
pub(crate) fn not_held() -> Scored {
    scored(0, "本期未举办".to_string())
}

/// `score.1.1.1`: days from filing to the period's start. ≥ 14: 10; 1–13: 5; not filed, or filed on or
/// after the start: 0.
pub(crate) fn filing_lead_time(filed_on: Option<NaiveDate>, start: Option<NaiveDate>) -> Scored {
    let Some(filed_on) = filed_on else {
        return scored(0, "未填写报备信息".to_string());
    };
    let Some(start) = start else {
        return scored(0, format!("报备于{filed_on}，但未填写实际开始日期，无法计算"));
    };
    let days = (start - filed_on).num_days();
    if days >= 14 {
        scored(10, format!("报备于{filed_on}，距开班{days}天（≥14天）"))
    } else if days >= 1 {
        scored(5, format!("报备于{filed_on}，距开班{days}天（1～13天）"))
    } else {
        scored(0, format!("报备于{filed_on}，开班日期为{start}，开班当天或之后报备视同未报备"))
    }
}

/// `score.1.1.2`: days from the period's end to the execution report. ≤ 14: 10; > 14: 5; not reported: 0.
pub(crate) fn report_delay(reported_on: Option<NaiveDate>, end: Option<NaiveDate>) -> Scored {
    let Some(reported_on) = reported_on else {
        return scored(0, "未填写执行情况".to_string());
    };
    let Some(end) = end else {
        return scored(0, format!("执行情况填报于{reported_on}，但未填写实际结束日期，无法计算"));
    };
    let days = (reported_on - end).num_days();
    let when = if days >= 0 { format!("结束后{days}天") } else { format!("结束前{}天", -days) };
    if days <= 14 {
        scored(10, format!("执行情况填报于{reported_on}，{when}（≤14天）"))
    } else {
        scored(5, format!("执行情况填报于{reported_on}，{when}（>14天）"))
    }
}

/// `score.1.1.3`: months per upload. ≤ 1: 15; ≤ 2: 10; ≤ 3: 5; ≤ 6: 3; longer: 0.
pub(crate) fn upload_cycle(months: Option<u32>) -> Scored {
    let Some(months) = months else {
        return scored(0, "未填写执行情况上传周期".to_string());
    };
    let (points, band) = match months {
        // Parsing rejects 0 (report.rs); a report built in code with 0 has no valid cycle.
        0 => return scored(0, "上传周期无效（0个月）".to_string()),
        1 => (15, "≤1个月"),
        2 => (10, "≤2个月"),
        3 => (5, "≤3个月"),
        4..=6 => (3, "≤6个月"),
        _ => (0, ">6个月"),
    };
    scored(points, format!("每{months}个月上传1期（{band}）"))
}

/// `score.1.2.1`: the dates held against the plan. As planned: 5; changed: 3.
pub(crate) fn dates_held(
    planned: Option<(NaiveDate, NaiveDate)>,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
) -> Scored {
    let (Some(start), Some(end)) = (start, end) else {
        return scored(0, "未填写实际举办起止日期".to_string());
    };
    let Some((planned_start, planned_end)) = planned else {
        return scored(0, format!("实际举办{start}至{end}，但缺少计划日期，无法比较"));
    };
    if (start, end) == (planned_start, planned_end) {
        scored(5, format!("实际举办{start}至{end}，与计划一致"))
    } else {
        scored(3, format!("实际举办{start}至{end}，计划{planned_start}至{planned_end}，有变动"))
    }
}

/// `score.1.2.2`: the place held against the plan. As planned: 5; changed: 3; in a scenic area: 0.
pub(crate) fn place_held(planned: Option<&str>, place: Option<&str>, scenic_area: bool) -> Scored {
    if scenic_area {
        return scored(0, "在风景名胜区举办".to_string());
    }
    let Some(place) = place.map(str::trim).filter(|p| !p.is_empty()) else {
        return scored(0, "未填写实际举办地点".to_string());
    };
    let Some(planned) = planned.map(str::trim) else {
        return scored(0, format!("实际举办地点“{place}”，但缺少计划地点，无法比较"));
    };
    if place == planned {
        scored(5, format!("举办地点“{place}”与计划一致"))
    } else {
        scored(3, format!("举办地点“{place}”，计划“{planned}”，有变动"))
    }
}

/// `score.1.2.3`: the offline/online form. Unchanged: 5; partly changed: 3; wholly changed: 0.
pub(crate) fn form_held(change: Option<FormChange>) -> Scored {
    match change {
        Some(FormChange::None) => scored(5, "举办方式未调整".to_string()),
        Some(FormChange::Partial) => scored(3, "举办方式部分调整".to_string()),
        Some(FormChange::Full) => scored(0, "举办方式全部调整".to_string()),
        None => scored(0, "未填写举办方式调整情况".to_string()),
    }
}

/// `score.1.2.4`: abs(actual − planned) ÷ planned, of days (face-to-face) or hours (remote), in tenths.
pub(crate) fn duration_change(delivery: Delivery, planned_tenths: Option<i64>, actual_tenths: Option<i64>) -> Scored {
    let (what, unit) = match delivery {
        Delivery::FaceToFace => ("天数", "天"),
        Delivery::Remote => ("学时数", "学时"),
    };
    let Some(actual) = actual_tenths else {
        return scored(0, format!("未填写实际举办{what}"));
    };
    let planned = planned_tenths.unwrap_or(0);
    let Some(change) = Ratio::new(actual.abs_diff(planned), planned.unsigned_abs()) else {
        return scored(0, format!("计划{what}为零或未填写，无法计算变动（实际{}{unit}）", tenths_text(actual)));
    };
    let (points, band) = change_band(change);
    scored(
        points,
        format!(
            "实际{}{unit}，计划{}{unit}，变动{}（{band}）",
            tenths_text(actual),
            tenths_text(planned),
            change.percent_text()
        ),
    )
}

fn names(list: &[String]) -> BTreeSet<&str> {
    list.iter().map(|n| n.trim()).filter(|n| !n.is_empty()).collect()
}

/// `score.1.2.5`: the leader is among the period's teachers. Yes: 5; no: 0.
pub(crate) fn leader_taught(leader: &str, teachers: &[String]) -> Scored {
    let leader = leader.trim();
    if !leader.is_empty() && names(teachers).contains(leader) {
        scored(5, format!("项目负责人{leader}参与授课"))
    } else if leader.is_empty() {
        scored(0, "未填写项目负责人".to_string())
    } else {
        scored(0, format!("项目负责人{leader}未参与授课"))
    }
}

/// `score.1.2.6`: planned teachers who did not teach ÷ planned teachers.
pub(crate) fn teachers_changed(planned: &[String], actual: &[String]) -> Scored {
    let planned = names(planned);
    let actual = names(actual);
    let missing: Vec<&str> = planned.iter().copied().filter(|n| !actual.contains(n)).collect();
    let Some(change) = Ratio::new(missing.len() as u64, planned.len() as u64) else {
        return scored(0, "计划授课教师名单为空，无法比较".to_string());
    };
    let (points, band) = change_band(change);
    let who = if missing.is_empty() { String::new() } else { format!("（{}）", missing.join("、")) };
    scored(
        points,
        format!(
            "计划授课教师{}人，其中{}人未授课{who}，变动{}（{band}）",
            planned.len(),
            missing.len(),
            change.percent_text()
        ),
    )
}

/// `score.1.2.7`: no seeking, one courseware at a time and learning-state detection: 20; otherwise 0.
pub(crate) fn courseware(courseware: Option<Courseware>) -> Scored {
    let Some(c) = courseware else {
        return scored(0, "未填写课件管理情况".to_string());
    };
    let lacking: Vec<&str> = [
        (c.no_seek, "进度条可拖拽"),
        (c.single_courseware, "能同时打开多个课件"),
        (c.learning_state_check, "没有学习状态检测"),
    ]
    .into_iter()
    .filter(|(ok, _)| !ok)
    .map(|(_, what)| what)
    .collect();
    if lacking.is_empty() {
        scored(20, "课件进度条不能拖拽、不能同时打开多个课件且有学习状态检测".to_string())
    } else {
        scored(0, format!("课件{}", lacking.join("、")))
    }
}

/// The canonical name of a province as written in a report (北京 → 北京市); unknown names as written.
fn province_key(name: &str) -> &str {
    let name = name.trim();
    province::find(name).map_or(name, |p| p.name)
}

/// Learners per province, merging the ways a province may be written and dropping empty provinces.
fn learners(learners_by_province: &BTreeMap<String, u32>) -> BTreeMap<&str, u64> {
    let mut merged: BTreeMap<&str, u64> = BTreeMap::new();
    for (name, &count) in learners_by_province {
        if count > 0 {
            *merged.entry(province_key(name)).or_default() += u64::from(count);
        }
    }
    merged
}

/// `score.2.1.1`: learners from outside the reference province ÷ all learners. ≥ 30%: 20; 10% to
/// under 30%: 10; < 10%: 0.
pub(crate) fn out_of_province_share(
    delivery: Delivery,
    reference: Option<&str>,
    learners_by_province: &BTreeMap<String, u32>,
) -> Scored {
    let place = match delivery {
        Delivery::FaceToFace => "举办地",
        Delivery::Remote => "申办单位所在地",
    };
    let Some(reference) = reference.map(province_key).filter(|r| !r.is_empty()) else {
        return scored(0, format!("未填写{place}省份"));
    };
    let learners = learners(learners_by_province);
    let all: u64 = learners.values().sum();
    let outside: u64 = learners.iter().filter(|(p, _)| **p != reference).map(|(_, n)| n).sum();
    let Some(share) = Ratio::new(outside, all) else {
        return scored(0, "无学员".to_string());
    };
    let (points, band) = if share.cmp_percent(30) != Ordering::Less {
        (20, "≥30%")
    } else if share.cmp_percent(10) != Ordering::Less {
        (10, "10%至30%以下")
    } else {
        (0, "<10%")
    };
    scored(
        points,
        format!("学员{all}人，{place}（{reference}）以外省份{outside}人，占{}（{band}）", share.percent_text()),
    )
}

/// `score.2.1.2`: provinces the learners come from. > 5: 20; 3–5: 10; 2: 5; 1: 0.
pub(crate) fn province_count(learners_by_province: &BTreeMap<String, u32>) -> Scored {
    let count = learners(learners_by_province).len();
    let (points, band) = match count {
        0 => return scored(0, "无学员".to_string()),
        1 => (0, "1个"),
        2 => (5, "2个"),
        3..=5 => (10, "3～5个"),
        _ => (20, ">5个"),
    };
    scored(points, format!("学员来自{count}个省份（{band}）"))
}

/// `score.2.2.1`: favourable answers ÷ all answers over questions 1, 3, 4, 5, 6 and the form question
/// (rules.md §5, Reading: favourable = the first two options; questions 2 and 7 are not scored).
/// ≥ 95%: 10; 80% to under 95%: 7; 70% to under 80%: 5; < 70%: 3.
pub(crate) fn satisfaction(survey: Option<&Survey>) -> Scored {
    let Some(survey) = survey else {
        return scored(0, "未填写学员评估意见".to_string());
    };
    let mut questions = vec![survey.q1, survey.q3, survey.q4, survey.q5, survey.q6];
    questions.extend(survey.form);
    let favourable: u64 = questions.iter().map(|q| u64::from(q[0]) + u64::from(q[1])).sum();
    let all: u64 = questions.iter().flat_map(|q| q.iter()).map(|&n| u64::from(n)).sum();
    let scope =
        if survey.form.is_some() { "第1、3、4、5、6题及项目形式" } else { "第1、3、4、5、6题" };
    let Some(share) = Ratio::new(favourable, all) else {
        return scored(0, format!("学员评估意见（{scope}）无人作答"));
    };
    let (points, band) = if share.cmp_percent(95) != Ordering::Less {
        (10, "≥95%")
    } else if share.cmp_percent(80) != Ordering::Less {
        (7, "80%至95%以下")
    } else if share.cmp_percent(70) != Ordering::Less {
        (5, "70%至80%以下")
    } else {
        (3, "<70%")
    };
    scored(
        points,
        format!("{scope}共{all}人次作答，前两项（好评）{favourable}人次，满意度{}（{band}）", share.percent_text()),
    )
}
