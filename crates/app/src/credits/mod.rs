//! The learning record's operations with their authorisation: the pages and the API both call these,
//! so every scope check of the area exists once (404 for a person or record out of scope, 403 for an
//! action beyond one's powers). This module finds the person or record an operation concerns and
//! reads the values forms and files give; each part of the area is a submodule (the year's record,
//! registration by the employer, review by the province, self-study, spreadsheet imports and
//! compliance reports), its items re-exported here.

pub mod imports;
mod record;
mod registration;
pub mod reports;
mod review;
mod self_study;

use chrono::NaiveDate;
use jijiao_domain::Credits;
use jijiao_domain::Year;
use jijiao_domain::authz::Place;
use jijiao_domain::authz::credits::{CreditAction, permits};
use jijiao_domain::credits::{ActivityKind, Person as EnginePerson, Role};
use jijiao_storage::credit_records::{CreditRecord, CreditRecordId};
use jijiao_storage::{Organisation, Person, PersonId, Reader};
use serde::{Deserialize, Deserializer};

use crate::{Acting, App, AppError};

pub use record::{KindLine, RecordLine, YearView, year_view, year_xlsx};
pub use registration::{RegisterInput, is_unit, register, registrable_people};
pub use review::{
    BULK_LIMIT, BulkDecided, ReviewLine, ReviewQuery, decide_matching, decide_one, decide_selected, decision,
    reverse_one, review_filter, review_line, review_list,
};
pub use self_study::{
    ApplicationLine, ApplyInput, PlanInput, PlanLine, SelfStudyView, apply_self_study, decide_plan, my_self_study,
    self_study_queue, submit_plan,
};

/// The kinds a unit administrator registers for its employees (rules.md §2.5).
pub const REGISTRABLE: [ActivityKind; 4] = [
    ActivityKind::FurtherTraining,
    ActivityKind::DegreeEducation,
    ActivityKind::GovernmentAssignment,
    ActivityKind::Practice,
];

/// A person whose learning record is being read or written, with where they sit.
pub struct Subject {
    pub person: Person,
    pub org: Option<Organisation>,
    pub place: Place,
    /// A person of record (no employer, met on a project's roster): the province the latest roster
    /// gave, which their credits are computed under until they register with an employer.
    pub record_province: Option<String>,
}

impl Subject {
    /// The person as the credit engine reads them; an error when no province is on record.
    pub(crate) fn engine_person(&self) -> Result<EnginePerson, AppError> {
        crate::rules::engine_person(
            &self.person.name,
            &self.person.id_number,
            self.org.as_ref().and_then(|o| o.province_code.as_deref()).or(self.record_province.as_deref()),
            self.org.as_ref().is_some_and(|o| o.grassroots),
        )
    }
}

pub(crate) async fn subject(app: &App, id: PersonId) -> Result<Subject, AppError> {
    subject_on(&mut app.store.reader().await?, id).await
}

async fn subject_on(reader: &mut Reader<'_>, id: PersonId) -> Result<Subject, AppError> {
    let (person, employer) = reader.person_with_employer(id).await?;
    let (org, mut place, record_province) = match employer {
        Some(org) => {
            let place = org.place();
            (Some(org), place, None)
        }
        None => {
            let province = reader.roster_province_of(id).await?;
            (None, Place { province: province.clone(), ..Place::default() }, province)
        }
    };
    place.person = Some(id.0);
    Ok(Subject { person, org, place, record_province })
}

/// A person whose record the principal may read (else 404), and who may also `action` (else 403).
pub async fn person_for(app: &App, p: &Acting, id: PersonId, action: CreditAction) -> Result<Subject, AppError> {
    person_for_on(&mut app.store.reader().await?, p, id, action).await
}

async fn person_for_on(
    reader: &mut Reader<'_>,
    p: &Acting,
    id: PersonId,
    action: CreditAction,
) -> Result<Subject, AppError> {
    let s = subject_on(reader, id).await.map_err(|e| match e {
        AppError::InvalidInput { .. } => AppError::NotFound,
        other => other,
    })?;
    if !permits(&p.grants, CreditAction::ReadRecord, &s.place) {
        return Err(AppError::NotFound);
    }
    if !permits(&p.grants, action, &s.place) {
        return Err(AppError::Forbidden);
    }
    Ok(s)
}

/// The principal's own person (404 for an account that is not a person's).
pub async fn own(app: &App, p: &Acting) -> Result<Subject, AppError> {
    let id = p.account.person_id.ok_or(AppError::NotFound)?;
    subject(app, id).await
}

/// A person's learning record for a year, for a principal who may read it (see [`person_for`]),
/// or the principal's own (`None`): the record page and its API. The person, their employer, the
/// year's records and the years are read on one connection ([`Reader`]).
pub async fn person_year(
    app: &App,
    p: &Acting,
    id: Option<PersonId>,
    year: Option<Year>,
) -> Result<(Subject, YearView), AppError> {
    let mut reader = app.store.reader().await?;
    let s = match id {
        Some(id) => person_for_on(&mut reader, p, id, CreditAction::ReadRecord).await?,
        None => subject_on(&mut reader, p.account.person_id.ok_or(AppError::NotFound)?).await?,
    };
    let v = record::year_view_on(app, &mut reader, &s, year).await?;
    Ok((s, v))
}

/// The place of a stored record: its employer's place and its person.
async fn record_place(app: &App, r: &CreditRecord) -> Result<Place, AppError> {
    let mut place = match r.org_id {
        Some(o) => app.store.organisation(o).await?.place(),
        None => Place { province: r.province_code.clone(), ..Place::default() },
    };
    place.person = Some(r.person_id.0);
    Ok(place)
}

/// A record the principal may see (else 404).
pub async fn visible_record(app: &App, p: &Acting, id: i64) -> Result<(CreditRecord, Place), AppError> {
    let r = app.store.credit_record(CreditRecordId(id)).await?;
    let place = record_place(app, &r).await?;
    if !permits(&p.grants, CreditAction::ReadRecord, &place) {
        return Err(AppError::NotFound);
    }
    Ok((r, place))
}
/// A number given as JSON number or text (forms send text).
pub(crate) fn text_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Number(serde_json::Number),
        Bool(bool),
    }
    Ok(match Option::<Raw>::deserialize(d)? {
        Some(Raw::Text(t)) => Some(t),
        Some(Raw::Number(n)) => Some(n.to_string()),
        Some(Raw::Bool(b)) => Some(b.to_string()),
        None => None,
    })
}

pub(crate) fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

pub fn parse_date(field: &str, text: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::invalid(field, format!("{field}：日期“{}”应为 YYYY-MM-DD", text.trim())))
}

pub fn parse_flag(text: &str) -> Option<bool> {
    match text.trim() {
        "true" | "1" | "是" | "合格" | "通过" | "yes" => Some(true),
        "false" | "0" | "否" | "不合格" | "未通过" | "no" => Some(false),
        _ => None,
    }
}

pub fn parse_role(text: &str) -> Option<Role> {
    match text.trim() {
        "participant" | "参加者" | "学员" => Some(Role::Participant),
        "speaker" | "主讲人" | "授课" => Some(Role::Speaker),
        _ => None,
    }
}

pub fn parse_kind(text: &str) -> Option<ActivityKind> {
    let t = text.trim();
    // The short names people write in spreadsheets, besides the codes and the full names.
    let short = match t {
        "项目" | "继续医学教育项目" => Some(ActivityKind::Project),
        "进修" => Some(ActivityKind::FurtherTraining),
        "学历教育" | "学位教育" | "在职学历教育" => Some(ActivityKind::DegreeEducation),
        "指令性任务" | "政府指令性任务" => Some(ActivityKind::GovernmentAssignment),
        "实践活动" | "实践" => Some(ActivityKind::Practice),
        "自学" => Some(ActivityKind::SelfStudy),
        _ => None,
    };
    short.or_else(|| ActivityKind::ALL.into_iter().find(|k| k.code() == t || k.label() == t))
}

pub(crate) fn role_label(r: Role) -> String {
    r.label().to_string()
}

pub(crate) fn parse_credits(field: &str, text: Option<&str>) -> Result<Credits, AppError> {
    let text = text.map(str::trim).filter(|t| !t.is_empty()).ok_or_else(|| AppError::invalid(field, "请填写学分"))?;
    let credits =
        Credits::parse(text).map_err(|_| AppError::invalid(field, format!("学分“{text}”应为数字，最多一位小数")))?;
    if credits.tenths() <= 0 {
        return Err(AppError::invalid(field, "学分应大于0"));
    }
    Ok(credits)
}
