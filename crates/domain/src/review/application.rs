//! The Application document of formats.md: the 申报书 as JSON, field by field, nothing more.
//!
//! Values the formal review judges stay as written: the leader's ID number is a `String` (an invalid
//! one is the `id_number.valid` finding, not a parse error) and titles are free text (`title.concrete`).
//! Only what cannot be reviewed at all is a parse error: a wrong type, an unknown code, a bad date, an
//! unknown province, a share outside 0–100. Nullable fields must still be present (`null`), so a
//! forgotten key is reported as missing rather than silently read as `null`.
//!
//! The exception: the blanks the printed 申报书 asks for that the document gained later (issue 18
//! point 14: the unit's contact and phone, the leader's postal address, phone and highest
//! education) are optional keys, absent in documents written before them (provincial systems,
//! earlier exports) and left out again when absent, so such documents read and write as they did.
//! When present the formal review judges them (`contact.complete`, `contact.phone`, `leader.degree`);
//! the online form always sends them, which makes them required there.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use crate::document::date;
use crate::org::{Delivery, InspectionResult, Level, UnitType};
use crate::{Credits, Hours, Year};

crate::tenths::tenths_type!(
    /// A percentage with at most one decimal, in tenths: `Percent::from_tenths(125)` is 12.5%.
    Percent,
    "占比"
);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Application {
    pub year: Year,
    pub level: Level,
    /// The province whose office reviews it (full name; `北京` is read as `北京市`).
    #[serde(deserialize_with = "province_name")]
    pub province: String,
    pub kind: ProjectKind,
    pub delivery: Delivery,
    pub project_type: ProjectType,
    /// Provincial projects only; `null` otherwise.
    #[serde(deserialize_with = "nullable")]
    pub category: Option<Category>,
    /// 实操训练类
    pub practical_training: bool,
    /// 临床技能项目
    pub clinical_skills: bool,
    /// 京津冀互认
    pub mutual_recognition: bool,
    /// 传染病防治知识类
    pub infectious_disease_training: bool,
    pub subject: SubjectChoice,
    pub name: String,
    pub summary: String,
    pub audience: String,
    pub planned_enrollment: u32,
    pub total_hours: Hours,
    pub theory_hours: Hours,
    pub practice_hours: Hours,
    pub credits: Credits,
    #[serde(deserialize_with = "percent")]
    pub outside_province_share: Percent,
    #[serde(deserialize_with = "percent")]
    pub grassroots_share: Percent,
    pub applicant: Applicant,
    pub leader: Leader,
    /// 项目申报单位及项目负责人所在科室基本情况
    pub unit_situation: String,
    /// 推荐理由
    pub recommendation: String,
    pub peer_reviewer: PeerReviewer,
    pub teachers: Vec<Teacher>,
    pub periods: Vec<Period>,
    pub commitment_signed: bool,
    pub context: Context,
}

/// 推荐 (applied for bottom-up) or 推广 (set top-down).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectKind {
    Recommended,
    Promoted,
}

/// 普通项目 or 社区必修课.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectType {
    General,
    CommunityRequired,
}

/// 项目类别 of a provincial project: 基础训练类, 学习提高类, 前沿进展类.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    BasicTraining,
    Improvement,
    Frontier,
}

/// The second-level code (`03`) and the third-level code (`03-07`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectChoice {
    pub secondary: String,
    pub tertiary: String,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applicant {
    /// The standard name, as on the unit's seal.
    pub name: String,
    pub unit_type: UnitType,
    #[serde(deserialize_with = "province_name")]
    pub province: String,
    pub cme_qualified: bool,
    pub remote_qualified: bool,
    /// The last annual inspection or licence check.
    pub inspection: InspectionResult,
    /// 单位联系人 (optional key, see the module's documentation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<String>,
    /// 单位联系电话: personal data, stored encrypted and shown masked like the leader's phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_phone: Option<String>,
}

/// Debug never prints the contact's phone whole.
impl std::fmt::Debug for Applicant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Applicant")
            .field("name", &self.name)
            .field("unit_type", &self.unit_type)
            .field("province", &self.province)
            .field("cme_qualified", &self.cme_qualified)
            .field("remote_qualified", &self.remote_qualified)
            .field("inspection", &self.inspection)
            .field("contact_name", &self.contact_name)
            .field("contact_phone", &self.contact_phone.as_deref().map(crate::personal::mask_phone))
            .finish()
    }
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Leader {
    pub name: String,
    /// As written; checked by `id_number.valid`.
    pub id_number: String,
    pub title: String,
    /// 职务
    pub post: String,
    pub employer: String,
    /// 是否在职(岗)
    pub in_post: bool,
    /// 从事专业
    pub specialty: String,
    /// 主要成绩
    pub achievements: String,
    /// 近三年继续医学教育项目申报、执行情况
    pub history: Vec<LeaderProject>,
    /// 最高学历, one of [`crate::degree::DEGREES`] (optional key, see the module's documentation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub degree: Option<String>,
    /// 项目负责人通讯地址 (optional key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// 项目负责人联系电话 (optional key): personal data, stored encrypted and shown masked like
    /// the ID number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// Debug never prints the ID number or the phone: logs must not leak personal data.
impl std::fmt::Debug for Leader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Leader")
            .field("name", &self.name)
            .field("id_number", &crate::personal::mask_id_number(&self.id_number))
            .field("title", &self.title)
            .field("post", &self.post)
            .field("employer", &self.employer)
            .field("in_post", &self.in_post)
            .field("specialty", &self.specialty)
            .field("achievements", &self.achievements)
            .field("history", &self.history)
            .field("degree", &self.degree)
            .field("address", &self.address)
            .field("phone", &self.phone.as_deref().map(crate::personal::mask_phone))
            .finish()
    }
}

/// A project the leader led before.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeaderProject {
    pub year: Year,
    pub level: Level,
    pub number: String,
    pub executed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerReviewer {
    pub name: String,
    pub title: String,
    pub employer: String,
    /// A third-level code (`03-07`) or a second-level one (`03`).
    pub subject: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Teacher {
    pub name: String,
    pub title: String,
    pub employer: String,
    pub topic: String,
    pub method: Method,
    pub hours: Hours,
}

/// How a teacher teaches: theory teachers lecture (rules.md §3, Readings); the others teach
/// experiments, demonstrations or practice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Lecture,
    Demonstration,
    Practice,
}

/// One holding (期) of the project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    #[serde(deserialize_with = "date")]
    pub start: NaiveDate,
    #[serde(deserialize_with = "date")]
    pub end: NaiveDate,
    pub place: String,
    #[serde(deserialize_with = "province_name")]
    pub province: String,
}

/// What the server knows from its records; supplied by hand offline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Context {
    #[serde(deserialize_with = "date")]
    pub submitted_on: NaiveDate,
    pub window: Window,
    /// Other applications by this leader, this year and level (this one not included).
    pub leader_applications_same_level: u32,
    /// Other applications by this unit, this year and level (this one not included).
    pub unit_applications: u32,
    /// `null`: no project approved last year, or the unit applies for the first time.
    #[serde(deserialize_with = "nullable")]
    pub unit_previous_year_approved: Option<u32>,
    pub unit_history: Vec<UnitProject>,
    pub other_applications: Vec<OtherApplication>,
}

/// The application window the level's administrator set, both ends inclusive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    #[serde(deserialize_with = "date")]
    pub opens: NaiveDate,
    #[serde(deserialize_with = "date")]
    pub closes: NaiveDate,
}

/// A project of the applicant unit in an earlier year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitProject {
    pub year: Year,
    pub number: String,
    pub level: Level,
    pub held: bool,
    pub reported_late: bool,
    /// The on-site inspection (督查); `null` when the project was not inspected.
    #[serde(deserialize_with = "nullable")]
    pub inspection: Option<ProjectInspection>,
    /// Ignored when the project was not held.
    pub learners: u32,
    /// Out-of-province plus grassroots learners; ignored when the project was not held.
    #[serde(deserialize_with = "percent")]
    pub outside_grassroots_share: Percent,
    pub practical_training: bool,
}

/// The result of an on-site inspection (督查) of a project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectInspection {
    Passed,
    Failed,
}

/// An application by any unit that the server found for the same year and level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtherApplication {
    pub unit: String,
    pub name: String,
    pub leader: String,
}

/// A required key whose value may be `null` (serde would otherwise read a missing key as `None`).
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Option<T>, D::Error> {
    Option::<T>::deserialize(deserializer)
}

fn percent<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Percent, D::Error> {
    let value = Percent::deserialize(deserializer)?;
    if value.tenths() > 1000 {
        return Err(serde::de::Error::custom("占比应在0到100之间"));
    }
    Ok(value)
}

fn province_name<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let text = String::deserialize(deserializer)?;
    crate::province::find(&text)
        .map(|p| p.name.to_string())
        .ok_or_else(|| serde::de::Error::custom(format!("未知省份“{text}”")))
}
