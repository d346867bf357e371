//! The execution report (执行情况总结汇总表, formats.md "Execution report"): the document the score is computed from.
//!
//! Every struct denies unknown fields. In a period only `held` is required: a period that was not held
//! needs nothing else, and a remote period needs no dates, place or filing (formats.md). A field that is
//! absent is read as `null`; the score engine gives 0 points to an item whose data is absent (seed 000,
//! Attachment 4: "未填写，得0分"), so leaving a field out never raises a score.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use crate::Hours;
use crate::org::Delivery;
use crate::tenths::tenths_type;

tenths_type!(
    /// Days (天数) in tenths of a day: a face-to-face period may last half days, as `2.5`.
    Days,
    "天数"
);

/// One project's execution report: the plan from its application and what each period did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecutionReport {
    pub project_number: String,
    pub delivery: Delivery,
    /// The applicant unit's province: remote projects count out-of-province learners against it.
    pub applicant_province: String,
    pub plan: Plan,
    pub periods: Vec<Period>,
}

/// What the application planned, for every period alike.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Planned days of a period (face-to-face; `score.1.2.4`).
    #[serde(default)]
    pub days: Option<Days>,
    /// Planned hours (remote; `score.1.2.4`).
    #[serde(default)]
    pub hours: Option<Hours>,
    /// The planned teachers' names (`score.1.2.6`).
    pub teachers: Vec<String>,
    /// The leader's name (`score.1.2.5`).
    pub leader: String,
}

/// One period (期) as planned and as held.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub held: bool,
    #[serde(default)]
    pub planned: Option<PlannedPeriod>,
    /// The filing date (报备); `null`: not filed.
    #[serde(default, deserialize_with = "crate::document::optional_date")]
    pub filed_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::document::optional_date")]
    pub start: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::document::optional_date")]
    pub end: Option<NaiveDate>,
    #[serde(default)]
    pub place: Option<String>,
    /// The venue's province (face-to-face projects count out-of-province learners against it).
    #[serde(default)]
    pub province: Option<String>,
    /// Held in a scenic area (风景名胜区); absent means no.
    #[serde(default)]
    pub scenic_area: bool,
    /// The offline/online form against the plan.
    #[serde(default)]
    pub form_change: Option<FormChange>,
    #[serde(default)]
    pub days: Option<Days>,
    #[serde(default)]
    pub hours: Option<Hours>,
    #[serde(default)]
    pub teachers: Vec<String>,
    /// The date the execution report was filed; `null`: not reported.
    #[serde(default, deserialize_with = "crate::document::optional_date")]
    pub reported_on: Option<NaiveDate>,
    /// Learners per province (full or short province names; unknown names count as written).
    #[serde(default)]
    pub learners_by_province: BTreeMap<String, u32>,
    #[serde(default)]
    pub survey: Option<Survey>,
    /// Remote only: months between uploads of the execution report.
    #[serde(default, deserialize_with = "positive_months")]
    pub upload_cycle_months: Option<u32>,
    /// Remote only: how the courseware is managed.
    #[serde(default)]
    pub courseware: Option<Courseware>,
}

/// The dates and place the period was filed with in the application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlannedPeriod {
    #[serde(deserialize_with = "crate::document::date")]
    pub start: NaiveDate,
    #[serde(deserialize_with = "crate::document::date")]
    pub end: NaiveDate,
    pub place: String,
}

/// How far the offline/online form (举办方式) departed from the plan (`score.1.2.3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormChange {
    /// 未调整
    None,
    /// 部分调整
    Partial,
    /// 全部调整
    Full,
}

/// The learners' survey of Attachment 2: answers counted per option, in the order of the form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Survey {
    /// Question 1, 最新发展、最新成果或亟待解决的问题: 是 / 基本是 / 否
    pub q1: [u32; 3],
    /// Question 2, 以前了解情况: 全知道 / 部分知道 / 不知道 (reported, not scored)
    pub q2: [u32; 3],
    /// Question 3, 收获: 很大 / 较大 / 一般
    pub q3: [u32; 3],
    /// Question 4, 授课教师讲授内容满意度: 很满意 / 满意 / 一般
    pub q4: [u32; 3],
    /// Question 5, 教学计划安排: 很满意 / 满意 / 一般
    pub q5: [u32; 3],
    /// Question 6, 教材满意度: 很满意 / 满意 / 一般
    pub q6: [u32; 3],
    /// Question 7, 收获最大的是（选二项）: 开阔思路 / 提高临床诊治能力 / 提高理论水平 / 提高科研工作能力 /
    /// 提高操作能力 (reported, not scored)
    #[serde(default)]
    pub q7: Option<[u32; 5]>,
    /// 项目形式: 很满意 / 满意 / 一般 (scored where the report has it)
    #[serde(default)]
    pub form: Option<[u32; 3]>,
}

/// Courseware management of a remote project (`score.1.2.7`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Courseware {
    /// 课件进度条不能拖拽
    pub no_seek: bool,
    /// 不能同时打开多个课件
    pub single_courseware: bool,
    /// 有学习状态检测
    pub learning_state_check: bool,
}

/// Upload cycles are whole months, at least 1 (rules.md §4: 1, 2, 3, 6 or 12 months).
fn positive_months<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    match Option::<u32>::deserialize(deserializer)? {
        Some(0) => Err(serde::de::Error::custom("上传周期应为不小于1的整数（月）")),
        other => Ok(other),
    }
}
