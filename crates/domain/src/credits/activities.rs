//! The Activities document (formats.md "Activities"): one professional's activities for one year.
//!
//! `type` tags each activity. Serde's derived internally tagged enums buffer the object before they
//! pick the variant, and errors found after buffering lose their field path (`activities[2]` instead of
//! `activities[2].end`). So an activity is first read as [`RawActivity`], a plain struct holding every
//! field any kind may have (path-tracked, unknown fields rejected), and then checked against its kind:
//! a missing field is reported as `activities[2].hours: 缺少必填字段`, a field of another kind by name.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use crate::document::optional_date;
use crate::org::{Delivery, Level};
use crate::{Credits, Hours, IdNumber, Year};

/// One professional's activities in one calendar year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Activities {
    pub year: Year,
    pub person: Person,
    pub activities: Vec<Activity>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub id_number: IdNumber,
    /// Normalised to the full name (`北京` and `京` are read as `北京市`).
    #[serde(deserialize_with = "province_name")]
    pub province: String,
    /// Works at county level or below (rules.md §2.4): the province's grassroots rules may apply.
    pub grassroots: bool,
}

fn province_name<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let text = String::deserialize(deserializer)?;
    crate::province::find(&text)
        .map(|p| p.name.to_string())
        .ok_or_else(|| serde::de::Error::custom(format!("未知省份“{text}”")))
}

/// The value of `type`: what kind of activity a record is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    Project,
    FurtherTraining,
    DegreeEducation,
    GovernmentAssignment,
    Practice,
    SelfStudy,
    Other,
    Legacy,
}

impl ActivityKind {
    /// Every kind, in the order reports list them.
    pub const ALL: [ActivityKind; 8] = [
        ActivityKind::Project,
        ActivityKind::FurtherTraining,
        ActivityKind::DegreeEducation,
        ActivityKind::GovernmentAssignment,
        ActivityKind::Practice,
        ActivityKind::SelfStudy,
        ActivityKind::Other,
        ActivityKind::Legacy,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ActivityKind::Project => "project",
            ActivityKind::FurtherTraining => "further_training",
            ActivityKind::DegreeEducation => "degree_education",
            ActivityKind::GovernmentAssignment => "government_assignment",
            ActivityKind::Practice => "practice",
            ActivityKind::SelfStudy => "self_study",
            ActivityKind::Other => "other",
            ActivityKind::Legacy => "legacy",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ActivityKind::Project => "继续医学教育项目",
            ActivityKind::FurtherTraining => "进修学习",
            ActivityKind::DegreeEducation => "在职学历（学位）教育",
            ActivityKind::GovernmentAssignment => "政府指令性医疗卫生任务",
            ActivityKind::Practice => "有组织的继续医学教育实践活动",
            ActivityKind::SelfStudy => "有计划的自学",
            ActivityKind::Other => "符合规定的其他方式",
            ActivityKind::Legacy => "2025年前的学分记录",
        }
    }

    /// The fields a record of this kind has besides `id` and `type`, and whether each is required.
    fn fields(self) -> &'static [(Field, bool)] {
        use Field::*;
        match self {
            ActivityKind::Project => {
                &[(ProjectNumber, true), (Level, true), (Delivery, true), (Role, true), (Hours, true), (End, true)]
            }
            ActivityKind::FurtherTraining | ActivityKind::DegreeEducation | ActivityKind::GovernmentAssignment => {
                &[(Start, true), (End, true), (Passed, true), (Hours, false)]
            }
            ActivityKind::Practice => &[(Role, true), (Hours, true), (End, true)],
            ActivityKind::SelfStudy => &[(Credits, true), (Approved, true), (End, true)],
            ActivityKind::Other => &[(Credits, true), (End, true)],
            ActivityKind::Legacy => &[(Class, true), (Credits, true), (End, true)],
        }
    }
}

/// Participant (参加者) or speaker (主讲人).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Participant,
    Speaker,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Participant => "参加者",
            Role::Speaker => "主讲人",
        }
    }
}

/// The class of a credit recorded under the 2006 rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LegacyClass {
    I,
    II,
}

impl LegacyClass {
    pub fn code(self) -> &'static str {
        match self {
            LegacyClass::I => "I",
            LegacyClass::II => "II",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            LegacyClass::I => "I类学分",
            LegacyClass::II => "II类学分",
        }
    }
}

/// One record of the document, tagged by `type` in JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Activity {
    Project(ProjectActivity),
    FurtherTraining(PeriodActivity),
    DegreeEducation(PeriodActivity),
    GovernmentAssignment(PeriodActivity),
    Practice(PracticeActivity),
    SelfStudy(SelfStudyActivity),
    Other(OtherActivity),
    Legacy(LegacyRecord),
}

/// A CME project attended or taught (rules.md §2.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProjectActivity {
    pub id: String,
    pub project_number: String,
    pub level: Level,
    pub delivery: Delivery,
    pub role: Role,
    pub hours: Hours,
    pub end: NaiveDate,
}

/// Further training, degree education or a government assignment: a date range (rules.md §2.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PeriodActivity {
    pub id: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub passed: bool,
    /// Needed only when the year's days stay under three months.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours: Option<Hours>,
}

/// An organised practice activity: demonstration, case discussion, conference, workshop …
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PracticeActivity {
    pub id: String,
    pub role: Role,
    pub hours: Hours,
    pub end: NaiveDate,
}

/// Planned self-study: the credits the employer granted after reviewing the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SelfStudyActivity {
    pub id: String,
    pub credits: Credits,
    pub approved: bool,
    pub end: NaiveDate,
}

/// Any other way the province recognises, with the credits it recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OtherActivity {
    pub id: String,
    pub credits: Credits,
    pub end: NaiveDate,
}

/// Credits recorded before the 2024 rules, with their class; shown as recorded, never recomputed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LegacyRecord {
    pub id: String,
    pub class: LegacyClass,
    pub credits: Credits,
    pub end: NaiveDate,
}

impl Activity {
    pub fn kind(&self) -> ActivityKind {
        match self {
            Activity::Project(_) => ActivityKind::Project,
            Activity::FurtherTraining(_) => ActivityKind::FurtherTraining,
            Activity::DegreeEducation(_) => ActivityKind::DegreeEducation,
            Activity::GovernmentAssignment(_) => ActivityKind::GovernmentAssignment,
            Activity::Practice(_) => ActivityKind::Practice,
            Activity::SelfStudy(_) => ActivityKind::SelfStudy,
            Activity::Other(_) => ActivityKind::Other,
            Activity::Legacy(_) => ActivityKind::Legacy,
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Activity::Project(a) => &a.id,
            Activity::FurtherTraining(a) | Activity::DegreeEducation(a) | Activity::GovernmentAssignment(a) => &a.id,
            Activity::Practice(a) => &a.id,
            Activity::SelfStudy(a) => &a.id,
            Activity::Other(a) => &a.id,
            Activity::Legacy(a) => &a.id,
        }
    }

    /// The day the activity ended: its credits count toward that day's year (rules.md §2.1).
    pub fn end(&self) -> NaiveDate {
        match self {
            Activity::Project(a) => a.end,
            Activity::FurtherTraining(a) | Activity::DegreeEducation(a) | Activity::GovernmentAssignment(a) => a.end,
            Activity::Practice(a) => a.end,
            Activity::SelfStudy(a) => a.end,
            Activity::Other(a) => a.end,
            Activity::Legacy(a) => a.end,
        }
    }

    /// The date range of further training, degree education and government assignments.
    pub fn period(&self) -> Option<&PeriodActivity> {
        match self {
            Activity::FurtherTraining(a) | Activity::DegreeEducation(a) | Activity::GovernmentAssignment(a) => Some(a),
            _ => None,
        }
    }
}

/// Every field any kind may carry, each with the one type it has in every kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    ProjectNumber,
    Level,
    Delivery,
    Role,
    Hours,
    Start,
    End,
    Passed,
    Credits,
    Approved,
    Class,
}

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::ProjectNumber => "project_number",
            Field::Level => "level",
            Field::Delivery => "delivery",
            Field::Role => "role",
            Field::Hours => "hours",
            Field::Start => "start",
            Field::End => "end",
            Field::Passed => "passed",
            Field::Credits => "credits",
            Field::Approved => "approved",
            Field::Class => "class",
        }
    }
}

/// What the JSON object says, before its kind decides which fields it must and may have.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawActivity {
    id: String,
    #[serde(rename = "type")]
    kind: ActivityKind,
    project_number: Option<String>,
    level: Option<Level>,
    delivery: Option<Delivery>,
    role: Option<Role>,
    hours: Option<Hours>,
    #[serde(default, deserialize_with = "optional_date")]
    start: Option<NaiveDate>,
    #[serde(default, deserialize_with = "optional_date")]
    end: Option<NaiveDate>,
    passed: Option<bool>,
    credits: Option<Credits>,
    approved: Option<bool>,
    class: Option<LegacyClass>,
}

impl RawActivity {
    fn has(&self, field: Field) -> bool {
        match field {
            Field::ProjectNumber => self.project_number.is_some(),
            Field::Level => self.level.is_some(),
            Field::Delivery => self.delivery.is_some(),
            Field::Role => self.role.is_some(),
            Field::Hours => self.hours.is_some(),
            Field::Start => self.start.is_some(),
            Field::End => self.end.is_some(),
            Field::Passed => self.passed.is_some(),
            Field::Credits => self.credits.is_some(),
            Field::Approved => self.approved.is_some(),
            Field::Class => self.class.is_some(),
        }
    }

    /// Checks the fields against the kind and builds the typed activity.
    fn into_activity<E: serde::de::Error>(self) -> Result<Activity, E> {
        const ALL: [Field; 11] = [
            Field::ProjectNumber,
            Field::Level,
            Field::Delivery,
            Field::Role,
            Field::Hours,
            Field::Start,
            Field::End,
            Field::Passed,
            Field::Credits,
            Field::Approved,
            Field::Class,
        ];
        let fields = self.kind.fields();
        for field in ALL {
            let allowed = fields.iter().any(|(f, _)| *f == field);
            if self.has(field) && !allowed {
                return Err(E::custom(format!(
                    "{}（{}）不应有字段 {}",
                    self.kind.label(),
                    self.kind.code(),
                    field.name()
                )));
            }
        }
        for (field, required) in fields {
            if *required && !self.has(*field) {
                return Err(E::missing_field(field.name()));
            }
        }
        // Every `expect` below is guarded by the required-field check above.
        const CHECKED: &str = "required field checked";
        let id = self.id;
        let end = self.end.expect(CHECKED);
        Ok(match self.kind {
            ActivityKind::Project => Activity::Project(ProjectActivity {
                id,
                project_number: self.project_number.expect(CHECKED),
                level: self.level.expect(CHECKED),
                delivery: self.delivery.expect(CHECKED),
                role: self.role.expect(CHECKED),
                hours: self.hours.expect(CHECKED),
                end,
            }),
            ActivityKind::FurtherTraining | ActivityKind::DegreeEducation | ActivityKind::GovernmentAssignment => {
                let period = PeriodActivity {
                    id,
                    start: self.start.expect(CHECKED),
                    end,
                    passed: self.passed.expect(CHECKED),
                    hours: self.hours,
                };
                match self.kind {
                    ActivityKind::FurtherTraining => Activity::FurtherTraining(period),
                    ActivityKind::DegreeEducation => Activity::DegreeEducation(period),
                    _ => Activity::GovernmentAssignment(period),
                }
            }
            ActivityKind::Practice => Activity::Practice(PracticeActivity {
                id,
                role: self.role.expect(CHECKED),
                hours: self.hours.expect(CHECKED),
                end,
            }),
            ActivityKind::SelfStudy => Activity::SelfStudy(SelfStudyActivity {
                id,
                credits: self.credits.expect(CHECKED),
                approved: self.approved.expect(CHECKED),
                end,
            }),
            ActivityKind::Other => Activity::Other(OtherActivity { id, credits: self.credits.expect(CHECKED), end }),
            ActivityKind::Legacy => Activity::Legacy(LegacyRecord {
                id,
                class: self.class.expect(CHECKED),
                credits: self.credits.expect(CHECKED),
                end,
            }),
        })
    }
}

impl<'de> Deserialize<'de> for Activity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        RawActivity::deserialize(deserializer)?.into_activity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::parse;

    const PERSON: &str =
        r#""person": { "id_number": "11010519491231002X", "province": "北京市", "grassroots": false }"#;

    fn doc(activities: &str) -> String {
        format!(r#"{{ "year": 2025, {PERSON}, "activities": [{activities}] }}"#)
    }

    fn err(activities: &str) -> String {
        parse::<Activities>(&doc(activities)).unwrap_err().to_string()
    }

    /// Formats.md gives the year as a number; one outside 1900..=2200 (which `u16` once let through,
    /// to be judged by the dates alone) is a field error now, like any other bad value.
    #[test]
    fn a_year_outside_the_range_is_a_field_error() {
        let with_year = |year: &str| format!(r#"{{ "year": {year}, {PERSON}, "activities": [] }}"#);
        assert_eq!(parse::<Activities>(&with_year("2025")).unwrap().year.get(), 2025);
        for (year, message) in [
            ("1899", "year: 年度“1899”应在1900年至2200年之间"),
            ("2201", "year: 年度“2201”应在1900年至2200年之间"),
            ("70000", "year: 年度“70000”应在1900年至2200年之间"),
            ("-1", "year: 年度“-1”应在1900年至2200年之间"),
            ("\"2025\"", "year: 类型错误，应为非负整数"),
        ] {
            assert_eq!(parse::<Activities>(&with_year(year)).unwrap_err().to_string(), message, "{year}");
        }
    }

    #[test]
    fn reads_every_kind() {
        let text = doc(r#"
            { "id": "a1", "type": "project", "project_number": "2025-03-07-012（国）", "level": "national",
              "delivery": "face_to_face", "role": "participant", "hours": 18, "end": "2025-03-03" },
            { "id": "a2", "type": "further_training", "start": "2025-03-01", "end": "2025-05-31", "passed": true },
            { "id": "a3", "type": "degree_education", "start": "2025-03-01", "end": "2025-05-31", "passed": false, "hours": 12.5 },
            { "id": "a4", "type": "government_assignment", "start": "2025-03-01", "end": "2025-05-31", "passed": true },
            { "id": "a5", "type": "practice", "role": "speaker", "hours": 2, "end": "2025-06-01" },
            { "id": "a6", "type": "self_study", "credits": 8, "approved": true, "end": "2025-12-01" },
            { "id": "a7", "type": "other", "credits": "2.5", "end": "2025-07-01" },
            { "id": "l1", "type": "legacy", "class": "II", "credits": 8, "end": "2024-05-01" }"#);
        let doc: Activities = parse(&text).unwrap();
        let kinds: Vec<ActivityKind> = doc.activities.iter().map(Activity::kind).collect();
        assert_eq!(kinds, ActivityKind::ALL.to_vec());
        assert_eq!(doc.activities[0].id(), "a1");
        let Activity::Project(p) = &doc.activities[0] else { panic!("a project") };
        assert_eq!(p.hours, Hours::whole(18));
        assert_eq!(p.delivery, Delivery::FaceToFace);
        assert_eq!(doc.activities[2].period().unwrap().hours, Some(Hours::from_tenths(125)));
        assert_eq!(doc.activities[1].period().unwrap().hours, None);
        let Activity::Legacy(l) = &doc.activities[7] else { panic!("a legacy record") };
        assert_eq!((l.class, l.credits), (LegacyClass::II, Credits::whole(8)));
        // Written back and read again, the document is the same.
        let again: Activities = parse(&serde_json::to_string(&doc).unwrap()).unwrap();
        assert_eq!(again, doc);
    }

    #[test]
    fn province_is_normalised_and_checked() {
        let text = doc("").replace("北京市", "京");
        assert_eq!(parse::<Activities>(&text).unwrap().person.province, "北京市");
        let text = doc("").replace("北京市", "火星");
        assert_eq!(parse::<Activities>(&text).unwrap_err().to_string(), "person.province: 未知省份“火星”");
    }

    #[test]
    fn a_bad_field_is_reported_with_its_path() {
        assert_eq!(
            err(r#"{ "id": "a1", "type": "practice", "role": "speaker", "hours": 2, "end": "2025/06/01" }"#),
            "activities[0].end: 日期格式应为 YYYY-MM-DD"
        );
        assert_eq!(
            err(r#"{ "id": "a1", "type": "other", "credits": 2, "end": "2025-06-01" },
                   { "id": "a2", "type": "practice", "role": "speaker", "hours": 2.25, "end": "2025-06-01" }"#),
            "activities[1].hours: 学时最多一位小数"
        );
        assert_eq!(
            err(r#"{ "id": "a1", "type": "practice", "role": "chair", "hours": 2, "end": "2025-06-01" }"#),
            "activities[0].role: 未知取值“chair”，应为 participant、speaker 之一"
        );
        assert_eq!(
            err(r#"{ "id": "a1", "type": "course", "end": "2025-06-01" }"#),
            "activities[0].type: 未知取值“course”，应为 project、further_training、degree_education、government_assignment、practice、self_study、other、legacy 之一"
        );
        assert_eq!(
            err(r#"{ "id": "a1", "type": "practice", "role": "speaker", "end": "2025-06-01" }"#),
            "activities[0].hours: 缺少必填字段"
        );
        assert_eq!(
            err(r#"{ "id": "a1", "role": "speaker", "hours": 2, "end": "2025-06-01" }"#),
            "activities[0].type: 缺少必填字段"
        );
        assert_eq!(
            err(r#"{ "id": "l1", "type": "legacy", "class": "III", "credits": 2, "end": "2024-06-01" }"#),
            "activities[0].class: 未知取值“III”，应为 I、II 之一"
        );
        let text = doc("").replace("11010519491231002X", "110105194912310021");
        assert_eq!(
            parse::<Activities>(&text).unwrap_err().to_string(),
            "person.id_number: 身份证号校验位错误（应为X）"
        );
    }

    #[test]
    fn unknown_fields_are_rejected() {
        assert_eq!(
            err(r#"{ "id": "a1", "type": "other", "credits": 2, "end": "2025-06-01", "note": "x" }"#),
            "activities[0].note: 未知字段，文件中不应有此项"
        );
        // A field another kind has is named, whether `type` comes before or after it.
        assert_eq!(
            err(r#"{ "id": "a1", "type": "other", "credits": 2, "hours": 3, "end": "2025-06-01" }"#),
            "activities[0]: 符合规定的其他方式（other）不应有字段 hours"
        );
        assert_eq!(
            err(
                r#"{ "id": "a1", "passed": true, "type": "practice", "role": "speaker", "hours": 2, "end": "2025-06-01" }"#
            ),
            "activities[0]: 有组织的继续医学教育实践活动（practice）不应有字段 passed"
        );
        let text = doc("").replace(r#""grassroots": false"#, r#""grassroots": false, "age": 40"#);
        assert_eq!(parse::<Activities>(&text).unwrap_err().to_string(), "person.age: 未知字段，文件中不应有此项");
    }
}
