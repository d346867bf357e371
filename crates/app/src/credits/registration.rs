//! Registration by the employer (rules.md §2.5): a unit administrator records an employee's further
//! training, degree education, government assignment or practice, provisional until the province
//! grants it.

use jijiao_domain::Hours;
use jijiao_domain::authz::credits::{CreditAction, may_ever};
use jijiao_domain::credits::RuleSettings;
use jijiao_domain::credits::learning_record::{RecordFacts, RecordSource};
use jijiao_domain::org::OrgKind;
use jijiao_storage::credit_records::{CreditRecordId, NewCreditRecord};
use jijiao_storage::{Organisation, PageRequest, PersonId};
use serde::Deserialize;

use super::{REGISTRABLE, blank, parse_date, parse_flag, parse_kind, parse_role, person_for, text_or_number};
use crate::{Acting, App, AppError};

/// One registration: a further training, degree education, government assignment or practice activity
/// of an employee. Every field is text so that the form and the JSON read alike.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterInput {
    pub person_id: i64,
    /// `further_training` | `degree_education` | `government_assignment` | `practice`
    pub kind: String,
    pub title: String,
    /// `YYYY-MM-DD`; required except for practice.
    #[serde(default)]
    pub start: Option<String>,
    pub end: String,
    /// Assessed as passed: `true`/`false` (further training, degree education, assignments).
    #[serde(default, deserialize_with = "text_or_number")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub passed: Option<String>,
    /// Hours, up to one decimal.
    #[serde(default, deserialize_with = "text_or_number")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub hours: Option<String>,
    /// `participant` | `speaker` (practice).
    #[serde(default)]
    pub role: Option<String>,
    /// The unit's own reference (a letter number, the training hospital …).
    #[serde(default)]
    pub source_ref: Option<String>,
    /// Forms send their token in the body.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub csrf: Option<String>,
}

impl RegisterInput {
    /// The facts, or the first problem (under `rules`) naming its field.
    pub fn facts(&self, rules: &RuleSettings) -> Result<RecordFacts, AppError> {
        let kind = parse_kind(&self.kind).filter(|k| REGISTRABLE.contains(k)).ok_or_else(|| {
            AppError::invalid("kind", "类别应为进修学习、在职学历（学位）教育、政府指令性医疗卫生任务或实践活动")
        })?;
        let facts = RecordFacts {
            kind,
            title: self.title.trim().to_string(),
            project_number: None,
            level: None,
            delivery: None,
            role: match blank(&self.role) {
                Some(r) => Some(parse_role(r).ok_or_else(|| AppError::invalid("role", "身份应为参加者或主讲人"))?),
                None => None,
            },
            start: blank(&self.start).map(|s| parse_date("start", s)).transpose()?,
            end: parse_date("end", &self.end)?,
            passed: match blank(&self.passed) {
                Some(t) => Some(parse_flag(t).ok_or_else(|| AppError::invalid("passed", "考核结果应为合格或不合格"))?),
                None => None,
            },
            hours: match blank(&self.hours) {
                Some(h) => Some(
                    Hours::parse(h)
                        .map_err(|_| AppError::invalid("hours", format!("学时“{h}”应为数字，最多一位小数")))?,
                ),
                None => None,
            },
            credits: None,
            legacy_class: None,
        };
        if let Some(p) = facts.check(rules).into_iter().next() {
            return Err(AppError::invalid(p.field, p.message));
        }
        Ok(facts)
    }
}

/// Registers one activity for an employee: provisional until the province grants it.
pub async fn register(app: &App, p: &Acting, input: &RegisterInput) -> Result<CreditRecordId, AppError> {
    if !may_ever(&p.grants, CreditAction::Register) {
        return Err(AppError::Forbidden);
    }
    let facts = input.facts(&app.rules)?;
    if let Some(message) = ends_in_future(&facts, app.today()) {
        return Err(AppError::invalid("end", message));
    }
    person_for(app, p, PersonId(input.person_id), CreditAction::Register).await?;
    let new = NewCreditRecord {
        person_id: PersonId(input.person_id),
        source: RecordSource::Employer,
        source_ref: blank(&input.source_ref).map(str::to_string),
        facts,
        granted: false,
    };
    Ok(app.store.record_credit(&p.actor(), &new).await?)
}

/// An activity is registered once it has ended (issue 18: one dated next month was accepted and
/// then granted in bulk): the refusal, for an end after `today`.
pub(crate) fn ends_in_future(facts: &RecordFacts, today: chrono::NaiveDate) -> Option<String> {
    (facts.end > today).then(|| format!("结束日期 {} 晚于今天（{today}）：活动结束后才能登记学分", facts.end))
}

/// The employees a unit administrator may register for (masked), for the form's list.
pub async fn registrable_people(app: &App, p: &Acting) -> Result<Vec<(i64, String)>, AppError> {
    let mut out = Vec::new();
    for g in p.grants.iter().filter(|g| g.role == jijiao_domain::authz::Role::UnitAdmin) {
        if let Some(unit) = g.unit {
            let filter =
                jijiao_storage::PersonFilter { employer_id: Some(jijiao_storage::OrgId(unit)), ..Default::default() };
            let page = app.store.people(&filter, PageRequest::new(Some(1), Some(200))).await?;
            out.extend(page.items.into_iter().map(|m| (m.id.0, format!("{}（{}）", m.name, m.id_number))));
        }
    }
    Ok(out)
}

/// Whether an organisation is a unit (registrations name employees of units).
pub fn is_unit(o: &Organisation) -> bool {
    o.kind == OrgKind::Unit
}
