//! The learning record's operations with their authorisation: the pages and the API both call these,
//! so every scope check of the area exists once (404 for a person or record out of scope, 403 for an
//! action beyond one's powers).

use chrono::{Datelike, NaiveDate};
use jijiao_documents::{CellOut, Sheet, write_xlsx};
use jijiao_domain::authz::Place;
use jijiao_domain::authz::credits::{CreditAction, may_ever, permits};
use jijiao_domain::credits::learning_record::{RecordFacts, RecordSource, RecordStatus, YearSummary, summarise};
use jijiao_domain::credits::{ActivityKind, NATIONAL_CAPS, Person as EnginePerson, Regime, Role, RuleSettings};
use jijiao_domain::org::OrgKind;
use jijiao_domain::personal::mask_id_number;
use jijiao_domain::{Credits, Hours};
use jijiao_storage::credit_records::{
    CreditFilter, CreditRecord, CreditRecordId, Decision, NewCreditRecord, PlanFilter, PlanId, PlanStatus,
    SelfStudyPlan, plan_ref,
};
use jijiao_storage::{Organisation, Page, PageRequest, Person, PersonId};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::{ApiError, AppState};

/// The kinds a unit administrator registers for its employees (rules.md §2.5).
pub const REGISTRABLE: [ActivityKind; 4] = [
    ActivityKind::FurtherTraining,
    ActivityKind::DegreeEducation,
    ActivityKind::GovernmentAssignment,
    ActivityKind::Practice,
];

/// The current calendar year (Beijing time).
pub fn this_year() -> i32 {
    (chrono::Utc::now() + chrono::Duration::hours(8)).year()
}

/// A person whose learning record is being read or written, with where they sit.
pub struct Subject {
    pub person: Person,
    pub org: Option<Organisation>,
    pub place: Place,
}

impl Subject {
    pub(crate) fn engine_person(&self) -> EnginePerson {
        let province = self
            .org
            .as_ref()
            .and_then(|o| o.province_code.as_deref())
            .and_then(jijiao_domain::province::by_code)
            .map_or_else(|| "北京市".to_string(), |p| p.name.to_string());
        EnginePerson {
            id_number: self.person.id_number.clone(),
            province,
            grassroots: self.org.as_ref().is_some_and(|o| o.grassroots),
        }
    }
}

pub(crate) async fn subject(state: &AppState, id: PersonId) -> Result<Subject, ApiError> {
    let person = state.store.person(id).await?;
    let (org, mut place) = match person.employer_id {
        Some(e) => {
            let org = state.store.organisation(e).await?;
            let place = org.place();
            (Some(org), place)
        }
        None => (None, Place::default()),
    };
    place.person = Some(id.0);
    Ok(Subject { person, org, place })
}

/// A person whose record the principal may read (else 404), and who may also `action` (else 403).
pub async fn person_for(
    state: &AppState,
    p: &Principal,
    id: PersonId,
    action: CreditAction,
) -> Result<Subject, ApiError> {
    let s = subject(state, id).await.map_err(|e| match e {
        ApiError::InvalidInput { .. } => ApiError::NotFound,
        other => other,
    })?;
    if !permits(&p.grants, CreditAction::ReadRecord, &s.place) {
        return Err(ApiError::NotFound);
    }
    if !permits(&p.grants, action, &s.place) {
        return Err(ApiError::Forbidden);
    }
    Ok(s)
}

/// The principal's own person (404 for an account that is not a person's).
pub async fn own(state: &AppState, p: &Principal) -> Result<Subject, ApiError> {
    let id = p.account.person_id.ok_or(ApiError::NotFound)?;
    subject(state, id).await
}

/// The place of a stored record: its employer's place and its person.
async fn record_place(state: &AppState, r: &CreditRecord) -> Result<Place, ApiError> {
    let mut place = match r.org_id {
        Some(o) => state.store.organisation(o).await?.place(),
        None => Place { province: r.province_code.clone(), ..Place::default() },
    };
    place.person = Some(r.person_id.0);
    Ok(place)
}

/// A record the principal may see (else 404).
pub async fn visible_record(state: &AppState, p: &Principal, id: i64) -> Result<(CreditRecord, Place), ApiError> {
    let r = state.store.credit_record(CreditRecordId(id)).await?;
    let place = record_place(state, &r).await?;
    if !permits(&p.grants, CreditAction::ReadRecord, &place) {
        return Err(ApiError::NotFound);
    }
    Ok((r, place))
}

// ---- the learning record of a year ----

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct KindLine {
    pub code: String,
    pub label: String,
    pub credits: String,
    /// The cap that applies, in Chinese.
    pub cap: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RecordLine {
    pub id: i64,
    pub kind: String,
    pub kind_label: String,
    pub title: String,
    pub source: String,
    pub source_label: String,
    pub source_ref: Option<String>,
    pub role: Option<String>,
    pub start: Option<String>,
    pub end: String,
    pub hours: Option<String>,
    pub legacy_class: Option<String>,
    pub status: String,
    pub status_label: String,
    /// What the record earns (granted) or would earn (provisional), after caps; `0.0` otherwise.
    pub credits: String,
    pub rule: Option<String>,
    pub explanation: String,
    pub removed_by_caps: String,
    pub reject_reason: Option<String>,
    /// Reversed by a correction, or a reversal itself: counts for nothing.
    pub cancelled: bool,
    pub recorded_by: String,
    pub decided_by: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct YearView {
    pub person_id: i64,
    pub name: String,
    /// Masked.
    pub id_number: String,
    pub employer: Option<String>,
    pub year: i32,
    /// `2024` (the 2024 measures) or `2006` (legacy I类/II类 years).
    pub rules: String,
    pub rules_label: String,
    pub total: String,
    pub required: String,
    pub percent: i64,
    pub compliant: bool,
    pub missing: Vec<String>,
    pub by_kind: Vec<KindLine>,
    pub records: Vec<RecordLine>,
    /// Years with records, newest first (the current year always).
    pub years: Vec<i32>,
}

fn cap_text(code: &str) -> String {
    let c = NATIONAL_CAPS;
    match code {
        "project" => format!("每个项目最多 {}，远程项目最多 {}", c.project, c.remote_project),
        "further_training" | "degree_education" | "government_assignment" => {
            "进修、学历教育、指令性任务三类合计最多 25.0；累计满3个月即计 25.0".into()
        }
        "practice" => format!("每年最多 {}", c.practice_per_year),
        "self_study" => format!("每年最多 {}", c.self_study_per_year),
        "other" => "由省级确定".into(),
        "I" => "不少于 5.0，最多计入 10.0".into(),
        "II" => "不少于 15.0，最多计入 20.0".into(),
        _ => String::new(),
    }
}

fn role_label(r: Role) -> String {
    r.label().to_string()
}

fn record_line(r: &CreditRecord, summary: &YearSummary) -> RecordLine {
    let f = &r.facts;
    let credit =
        if r.cancelled() || r.status == RecordStatus::Rejected { None } else { summary.credit_of(&r.id.0.to_string()) };
    let explanation = match (r.status, r.cancelled(), credit) {
        (_, true, _) if r.reverses_id.is_some() => {
            format!("冲销第 {} 号记录，不计学分", r.reverses_id.map_or(0, |i| i.0))
        }
        (_, true, _) => format!("已被第 {} 号记录冲销，不计学分", r.reversed_by.map_or(0, |i| i.0)),
        (RecordStatus::Rejected, _, _) => {
            format!("审核未通过：{}", r.reject_reason.as_deref().unwrap_or("未说明原因"))
        }
        (RecordStatus::Provisional, _, Some(c)) => format!("（待审核，发放后）{}", c.explanation),
        (_, _, Some(c)) => c.explanation.clone(),
        (_, _, None) => "不计学分".into(),
    };
    RecordLine {
        id: r.id.0,
        kind: f.kind.code().into(),
        kind_label: f.kind.label().into(),
        title: f.title.clone(),
        source: r.source.code().into(),
        source_label: r.source.label().into(),
        source_ref: r.source_ref.clone(),
        role: f.role.map(role_label),
        start: f.start.map(|d| d.to_string()),
        end: f.end.to_string(),
        hours: f.hours.map(|h| h.to_string()),
        legacy_class: f.legacy_class.map(|c| c.label().to_string()),
        status: r.status.code().into(),
        status_label: if r.cancelled() { "已冲销".into() } else { r.status.label().into() },
        credits: credit.map_or(Credits::ZERO, |c| c.credits).to_string(),
        rule: credit.map(|c| c.rule.to_string()),
        explanation,
        removed_by_caps: credit.map_or(Credits::ZERO, |c| c.removed_by_caps).to_string(),
        reject_reason: r.reject_reason.clone(),
        cancelled: r.cancelled(),
        recorded_by: r.recorded_by_name.clone(),
        decided_by: r.decided_by_name.clone(),
    }
}

/// A person's learning record for a year (the current year by default).
pub async fn year_view(state: &AppState, s: &Subject, year: Option<i32>) -> Result<YearView, ApiError> {
    let now = this_year();
    let year = year.unwrap_or(now);
    if !(1990..=2100).contains(&year) {
        return Err(ApiError::invalid("year", "年度应在1990年至2100年之间"));
    }
    let records = state.store.credit_records_of(s.person.id, Some(year)).await?;
    let year_records: Vec<_> = records.iter().map(CreditRecord::year_record).collect();
    let settings = RuleSettings::default();
    let summary = summarise(year as u16, &s.engine_person(), &year_records, &settings);
    let report = &summary.report;
    let mut years = state.store.credit_years_of(s.person.id).await?;
    if !years.contains(&now) {
        years.push(now);
    }
    if !years.contains(&year) {
        years.push(year);
    }
    years.sort_unstable_by(|a, b| b.cmp(a));
    let legacy = summary.regime == Regime::Legacy2006;
    let mut by_kind: Vec<KindLine> = report
        .by_kind
        .0
        .iter()
        .map(|k| KindLine {
            code: k.code.into(),
            label: k.label.into(),
            credits: k.credits.to_string(),
            cap: cap_text(k.code),
        })
        .collect();
    if legacy {
        for (code, label) in [("I", "I类学分"), ("II", "II类学分")] {
            if !by_kind.iter().any(|k| k.code == code) {
                by_kind.push(KindLine {
                    code: code.into(),
                    label: label.into(),
                    credits: Credits::ZERO.to_string(),
                    cap: cap_text(code),
                });
            }
        }
    }
    Ok(YearView {
        person_id: s.person.id.0,
        name: s.person.name.clone(),
        id_number: mask_id_number(s.person.id_number.as_str()),
        employer: s.org.as_ref().map(|o| o.name.clone()),
        year,
        rules: if legacy { "2006" } else { "2024" }.into(),
        rules_label: if legacy {
            "按原 I类、II类学分记录（全继委发〔2006〕11号）".into()
        } else {
            "按《继续医学教育学分管理办法（试行）》（国卫办科教发〔2024〕20号）".into()
        },
        total: report.total.to_string(),
        required: report.required.to_string(),
        percent: summary.percent(),
        compliant: report.compliant,
        missing: report.missing(),
        by_kind,
        records: records.iter().map(|r| record_line(r, &summary)).collect(),
        years,
    })
}

/// The year as an xlsx workbook: the summary and every record with its explanation.
pub fn year_xlsx(v: &YearView) -> Result<Vec<u8>, ApiError> {
    let text = |s: &str| CellOut::Text(s.to_string());
    let opt = |s: &Option<String>| s.as_deref().map_or(CellOut::Empty, text);
    let tenths = |s: &str| Credits::parse(s).map_or(CellOut::Empty, |c| CellOut::Tenths(c.tenths()));
    let mut summary = vec![
        vec![text("姓名"), text(&v.name)],
        vec![text("身份证号"), text(&v.id_number)],
        vec![text("单位"), opt(&v.employer)],
        vec![text("年度"), CellOut::Integer(i64::from(v.year))],
        vec![text("适用规则"), text(&v.rules_label)],
        vec![text("合计学分"), tenths(&v.total)],
        vec![text("要求学分"), tenths(&v.required)],
        vec![text("是否达标"), text(if v.compliant { "已达标" } else { "未达标" })],
        vec![text("尚缺"), text(&v.missing.join("；"))],
    ];
    for k in &v.by_kind {
        summary.push(vec![text(&k.label), tenths(&k.credits), text(&k.cap)]);
    }
    let headers = [
        "编号",
        "类别",
        "活动名称",
        "来源",
        "身份",
        "开始日期",
        "结束日期",
        "学时",
        "状态",
        "学分",
        "上限扣减",
        "说明",
    ];
    let rows = v
        .records
        .iter()
        .map(|r| {
            vec![
                CellOut::Integer(r.id),
                text(&r.kind_label),
                text(&r.title),
                text(&r.source_label),
                opt(&r.role),
                opt(&r.start),
                text(&r.end),
                r.hours.as_deref().map_or(CellOut::Empty, |h| {
                    Hours::parse(h).map_or(CellOut::Empty, |h| CellOut::Tenths(h.tenths()))
                }),
                text(&r.status_label),
                tenths(&r.credits),
                tenths(&r.removed_by_caps),
                text(&r.explanation),
            ]
        })
        .collect();
    let sheets = [
        Sheet {
            name: format!("{}年度汇总", v.year),
            headers: vec!["项目".into(), "内容".into(), "说明".into()],
            rows: summary,
            column_widths: None,
        },
        Sheet {
            name: "学分明细".into(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows,
            column_widths: None,
        },
    ];
    write_xlsx(&sheets).map_err(|e| ApiError::Internal(e.to_string()))
}

// ---- registration by the employer ----

/// A number given as JSON number or text (forms send text).
fn text_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
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

/// One registration: a further training, degree education, government assignment or practice activity
/// of an employee. Every field is text so that the form and the JSON read alike.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
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
    #[schema(value_type = Option<String>)]
    pub passed: Option<String>,
    /// Hours, up to one decimal.
    #[serde(default, deserialize_with = "text_or_number")]
    #[schema(value_type = Option<String>)]
    pub hours: Option<String>,
    /// `participant` | `speaker` (practice).
    #[serde(default)]
    pub role: Option<String>,
    /// The unit's own reference (a letter number, the training hospital …).
    #[serde(default)]
    pub source_ref: Option<String>,
    /// Forms send their token in the body.
    #[serde(default)]
    #[schema(ignore)]
    pub csrf: Option<String>,
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

pub fn parse_date(field: &str, text: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(field, format!("{field}：日期“{}”应为 YYYY-MM-DD", text.trim())))
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

impl RegisterInput {
    /// The facts, or the first problem naming its field.
    pub fn facts(&self) -> Result<RecordFacts, ApiError> {
        let kind = parse_kind(&self.kind).filter(|k| REGISTRABLE.contains(k)).ok_or_else(|| {
            ApiError::invalid("kind", "类别应为进修学习、在职学历（学位）教育、政府指令性医疗卫生任务或实践活动")
        })?;
        let facts = RecordFacts {
            kind,
            title: self.title.trim().to_string(),
            project_number: None,
            level: None,
            delivery: None,
            role: match blank(&self.role) {
                Some(r) => Some(parse_role(r).ok_or_else(|| ApiError::invalid("role", "身份应为参加者或主讲人"))?),
                None => None,
            },
            start: blank(&self.start).map(|s| parse_date("start", s)).transpose()?,
            end: parse_date("end", &self.end)?,
            passed: match blank(&self.passed) {
                Some(t) => Some(parse_flag(t).ok_or_else(|| ApiError::invalid("passed", "考核结果应为合格或不合格"))?),
                None => None,
            },
            hours: match blank(&self.hours) {
                Some(h) => Some(
                    Hours::parse(h)
                        .map_err(|_| ApiError::invalid("hours", format!("学时“{h}”应为数字，最多一位小数")))?,
                ),
                None => None,
            },
            credits: None,
            legacy_class: None,
        };
        if let Some(p) = facts.check(&RuleSettings::default()).into_iter().next() {
            return Err(ApiError::invalid(p.field, p.message));
        }
        Ok(facts)
    }
}

/// Registers one activity for an employee: provisional until the province grants it.
pub async fn register(state: &AppState, p: &Principal, input: &RegisterInput) -> Result<CreditRecordId, ApiError> {
    if !may_ever(&p.grants, CreditAction::Register) {
        return Err(ApiError::Forbidden);
    }
    let facts = input.facts()?;
    person_for(state, p, PersonId(input.person_id), CreditAction::Register).await?;
    let new = NewCreditRecord {
        person_id: PersonId(input.person_id),
        source: RecordSource::Employer,
        source_ref: blank(&input.source_ref).map(str::to_string),
        facts,
        granted: false,
    };
    Ok(state.store.record_credit(&p.actor(), &new).await?)
}

/// The employees a unit administrator may register for (masked), for the form's list.
pub async fn registrable_people(state: &AppState, p: &Principal) -> Result<Vec<(i64, String)>, ApiError> {
    let mut out = Vec::new();
    for g in p.grants.iter().filter(|g| g.role == jijiao_domain::authz::Role::UnitAdmin) {
        if let Some(unit) = g.unit {
            let filter =
                jijiao_storage::PersonFilter { employer_id: Some(jijiao_storage::OrgId(unit)), ..Default::default() };
            let page = state.store.people(&filter, PageRequest::new(Some(1), Some(200))).await?;
            out.extend(page.items.into_iter().map(|m| (m.id.0, format!("{}（{}）", m.name, m.id_number))));
        }
    }
    Ok(out)
}

// ---- review by the province ----

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
pub struct ReviewQuery {
    /// `provisional` (default) | `granted` | `rejected` | `all`
    pub status: Option<String>,
    pub kind: Option<String>,
    pub year: Option<i32>,
    /// Words of the person's name.
    pub q: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// The records a reviewer may decide on: the scope of the principal's province (or all, nationally),
/// recorded by employers or organisers (self-study is the employer's to grant).
pub fn review_filter(p: &Principal, q: &ReviewQuery) -> Result<CreditFilter, ApiError> {
    if !may_ever(&p.grants, CreditAction::Review) {
        return Err(ApiError::Forbidden);
    }
    let national = p.has(jijiao_domain::authz::Role::NationalAdmin);
    let province = if national {
        None
    } else {
        Some(
            p.grants
                .iter()
                .find(|g| g.role == jijiao_domain::authz::Role::ProvinceAdmin)
                .and_then(|g| g.province.clone())
                .ok_or(ApiError::Forbidden)?,
        )
    };
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(RecordStatus::Provisional),
        Some("all") => None,
        Some(s) => Some(RecordStatus::from_code(s).ok_or_else(|| ApiError::invalid("status", "状态无法识别"))?),
    };
    let kind = match q.kind.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(k) => Some(parse_kind(k).ok_or_else(|| ApiError::invalid("kind", "类别无法识别"))?),
    };
    Ok(CreditFilter {
        province_code: province,
        status,
        kind,
        year: q.year,
        q: q.q.clone(),
        sources: Some(vec![RecordSource::Employer, RecordSource::Project]),
        ..CreditFilter::default()
    })
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReviewLine {
    pub id: i64,
    pub person_id: i64,
    pub person: String,
    pub employer: Option<String>,
    pub year: i32,
    pub kind_label: String,
    pub title: String,
    pub role: Option<String>,
    pub start: Option<String>,
    pub end: String,
    pub hours: Option<String>,
    pub passed: Option<bool>,
    pub status: String,
    pub status_label: String,
    pub reject_reason: Option<String>,
    pub recorded_by: String,
}

pub fn review_line(r: &CreditRecord) -> ReviewLine {
    ReviewLine {
        id: r.id.0,
        person_id: r.person_id.0,
        person: r.person_name.clone(),
        employer: r.org_name.clone(),
        year: r.year,
        kind_label: r.facts.kind.label().into(),
        title: r.facts.title.clone(),
        role: r.facts.role.map(role_label),
        start: r.facts.start.map(|d| d.to_string()),
        end: r.facts.end.to_string(),
        hours: r.facts.hours.map(|h| h.to_string()),
        passed: r.facts.passed,
        status: r.status.code().into(),
        status_label: if r.cancelled() { "已冲销".into() } else { r.status.label().into() },
        reject_reason: r.reject_reason.clone(),
        recorded_by: r.recorded_by_name.clone(),
    }
}

pub async fn review_list(state: &AppState, p: &Principal, q: &ReviewQuery) -> Result<Page<CreditRecord>, ApiError> {
    let filter = review_filter(p, q)?;
    Ok(state.store.credit_records(&filter, PageRequest::new(q.page, q.per_page)).await?)
}

/// Grants or rejects one record: 404 out of scope, 403 for a record this role does not decide.
/// Returns the record's source (pages go back to the list it came from).
pub async fn decide_one(
    state: &AppState,
    p: &Principal,
    id: i64,
    decision: &Decision,
) -> Result<RecordSource, ApiError> {
    let (r, place) = visible_record(state, p, id).await?;
    let action = if r.source == RecordSource::SelfStudy { CreditAction::ReviewSelfStudy } else { CreditAction::Review };
    if !permits(&p.grants, action, &place) {
        return Err(ApiError::Forbidden);
    }
    state.store.decide_credits(&p.actor(), &[r.id], decision).await?;
    Ok(r.source)
}

/// Corrects a granted record by reversing it (province or national administrator): the record stays as
/// it was, a new record cancels it, both in the audit log. Returns the reversal's id.
pub async fn reverse_one(state: &AppState, p: &Principal, id: i64, reason: &str) -> Result<CreditRecordId, ApiError> {
    let (r, place) = visible_record(state, p, id).await?;
    if !permits(&p.grants, CreditAction::Reverse, &place) {
        return Err(ApiError::Forbidden);
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ApiError::invalid("reason", "冲销时必须填写原因"));
    }
    if reason.chars().count() > 500 {
        return Err(ApiError::invalid("reason", "原因不能超过500字"));
    }
    let (reversal, _) = state.store.reverse_credit(&p.actor(), r.id, reason, None).await?;
    Ok(reversal)
}

/// The most records one bulk decision touches.
pub const BULK_LIMIT: i64 = 1000;

/// Grants or rejects every provisional record matching the filter within the reviewer's scope.
pub async fn decide_matching(
    state: &AppState,
    p: &Principal,
    q: &ReviewQuery,
    decision: &Decision,
) -> Result<usize, ApiError> {
    let filter = CreditFilter { status: Some(RecordStatus::Provisional), ..review_filter(p, q)? };
    let ids = state.store.credit_record_ids(&filter, BULK_LIMIT).await?;
    if ids.is_empty() {
        return Ok(0);
    }
    Ok(state.store.decide_credits(&p.actor(), &ids, decision).await?)
}

/// A reason from a form or JSON, turned into a decision.
pub fn decision(grant: bool, reason: Option<&str>) -> Result<Decision, ApiError> {
    if grant {
        return Ok(Decision::Grant);
    }
    match reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) if r.chars().count() <= 500 => Ok(Decision::Reject { reason: r.to_string() }),
        Some(_) => Err(ApiError::invalid("reason", "原因不能超过500字")),
        None => Err(ApiError::invalid("reason", "不通过时必须填写原因")),
    }
}

/// Whether an organisation is a unit (registrations name employees of units).
pub fn is_unit(o: &Organisation) -> bool {
    o.kind == OrgKind::Unit
}

// ---- self-study: plans approved by the employer, applications against them ----

/// A self-study plan for a year, as the professional submits it. Text fields so forms and JSON read alike.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    #[serde(default, deserialize_with = "text_or_number")]
    #[schema(value_type = String)]
    pub year: Option<String>,
    /// What will be studied, how, and how the results will be shown.
    pub content: String,
    /// Credits planned, up to one decimal.
    #[serde(default, deserialize_with = "text_or_number")]
    #[schema(value_type = String)]
    pub planned: Option<String>,
    #[serde(default)]
    #[schema(ignore)]
    pub csrf: Option<String>,
}

/// An application for self-study credits against an approved plan.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyInput {
    /// The approved plan; default: the approved plan of the year the study ended.
    #[serde(default, deserialize_with = "text_or_number")]
    #[schema(value_type = Option<String>)]
    pub plan_id: Option<String>,
    /// What was studied.
    pub title: String,
    /// `YYYY-MM-DD`, in the plan's year.
    pub end: String,
    /// Credits asked for, up to one decimal.
    #[serde(default, deserialize_with = "text_or_number")]
    #[schema(value_type = String)]
    pub credits: Option<String>,
    #[serde(default)]
    #[schema(ignore)]
    pub csrf: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PlanLine {
    pub id: i64,
    pub person_id: i64,
    pub person: String,
    pub employer: Option<String>,
    pub year: i32,
    pub content: String,
    pub planned: String,
    /// Credits applied for against the plan (provisional or granted).
    pub applied: String,
    pub status: String,
    pub status_label: String,
    pub reject_reason: Option<String>,
    pub decided_by: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ApplicationLine {
    pub id: i64,
    pub person_id: i64,
    pub person: String,
    pub employer: Option<String>,
    pub plan: Option<String>,
    pub title: String,
    pub end: String,
    pub credits: String,
    pub status: String,
    pub status_label: String,
    pub reject_reason: Option<String>,
}

/// A professional's plans and applications, or a unit's queue of them.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SelfStudyView {
    pub plans: Vec<PlanLine>,
    pub applications: Vec<ApplicationLine>,
}

async fn plan_line(state: &AppState, plan: &SelfStudyPlan) -> Result<PlanLine, ApiError> {
    let applied = state.store.self_study_applied(plan.id).await?;
    Ok(PlanLine {
        id: plan.id.0,
        person_id: plan.person_id.0,
        person: plan.person_name.clone(),
        employer: plan.org_name.clone(),
        year: plan.year,
        content: plan.content.clone(),
        planned: plan.planned.to_string(),
        applied: applied.to_string(),
        status: plan.status.code().into(),
        status_label: plan.status.label().into(),
        reject_reason: plan.reject_reason.clone(),
        decided_by: plan.decided_by_name.clone(),
    })
}

fn application_line(r: &CreditRecord) -> ApplicationLine {
    ApplicationLine {
        id: r.id.0,
        person_id: r.person_id.0,
        person: r.person_name.clone(),
        employer: r.org_name.clone(),
        plan: r.source_ref.clone(),
        title: r.facts.title.clone(),
        end: r.facts.end.to_string(),
        credits: r.facts.credits.unwrap_or(Credits::ZERO).to_string(),
        status: r.status.code().into(),
        status_label: if r.cancelled() { "已冲销".into() } else { r.status.label().into() },
        reject_reason: r.reject_reason.clone(),
    }
}

/// The principal's own person, who must be allowed to apply for self-study (403 otherwise).
async fn applicant(state: &AppState, p: &Principal) -> Result<Subject, ApiError> {
    if !may_ever(&p.grants, CreditAction::ApplySelfStudy) {
        return Err(ApiError::Forbidden);
    }
    let s = own(state, p).await?;
    if !permits(&p.grants, CreditAction::ApplySelfStudy, &s.place) {
        return Err(ApiError::Forbidden);
    }
    Ok(s)
}

fn parse_credits(field: &str, text: Option<&str>) -> Result<Credits, ApiError> {
    let text = text.map(str::trim).filter(|t| !t.is_empty()).ok_or_else(|| ApiError::invalid(field, "请填写学分"))?;
    let credits =
        Credits::parse(text).map_err(|_| ApiError::invalid(field, format!("学分“{text}”应为数字，最多一位小数")))?;
    if credits.tenths() <= 0 {
        return Err(ApiError::invalid(field, "学分应大于0"));
    }
    Ok(credits)
}

/// Submits the professional's plan for a year (2025 on: self-study is a kind of the 2024 rules).
pub async fn submit_plan(state: &AppState, p: &Principal, input: &PlanInput) -> Result<PlanId, ApiError> {
    let s = applicant(state, p).await?;
    let year_text = blank(&input.year).ok_or_else(|| ApiError::invalid("year", "请填写年度"))?;
    let year: i32 =
        year_text.parse().map_err(|_| ApiError::invalid("year", format!("年度“{year_text}”应为四位数字")))?;
    if !(2025..=2100).contains(&year) {
        return Err(ApiError::invalid("year", "自学计划适用于2025年及以后的年度"));
    }
    if input.content.trim().is_empty() {
        return Err(ApiError::invalid("content", "请填写学习计划内容"));
    }
    if input.content.trim().chars().count() > 2000 {
        return Err(ApiError::invalid("content", "学习计划内容不能超过2000字"));
    }
    let planned = parse_credits("planned", input.planned.as_deref())?;
    if planned.tenths() > 1000 {
        return Err(ApiError::invalid("planned", "计划学分不能超过100"));
    }
    Ok(state.store.submit_self_study_plan(&p.actor(), s.person.id, year, &input.content, planned).await?)
}

/// Applies for self-study credits against an approved plan of one's own: provisional until the unit grants it.
pub async fn apply_self_study(state: &AppState, p: &Principal, input: &ApplyInput) -> Result<CreditRecordId, ApiError> {
    let s = applicant(state, p).await?;
    let end = parse_date("end", &input.end)?;
    let plan = match blank(&input.plan_id) {
        Some(plan_text) => {
            let plan_id: i64 = plan_text.parse().map_err(|_| ApiError::invalid("plan_id", "自学计划编号无效"))?;
            match state.store.self_study_plan(PlanId(plan_id)).await {
                Ok(plan) if plan.person_id == s.person.id => plan,
                Ok(_) | Err(jijiao_storage::StoreError::NotFound) => {
                    return Err(ApiError::invalid("plan_id", "没有这个自学计划"));
                }
                Err(e) => return Err(e.into()),
            }
        }
        // Without a plan named: the approved plan of the year the study ended (there is at most one).
        None => {
            let filter = PlanFilter {
                person_id: Some(s.person.id),
                year: Some(end.year()),
                status: Some(PlanStatus::Approved),
                ..PlanFilter::default()
            };
            state.store.self_study_plans(&filter).await?.into_iter().next().ok_or_else(|| {
                ApiError::invalid("plan_id", format!("{}年度没有已批准的自学计划，请先提交计划", end.year()))
            })?
        }
    };
    if plan.status != PlanStatus::Approved {
        return Err(ApiError::invalid("plan_id", format!("该自学计划{}，不能申请学分", plan.status.label())));
    }
    if end.year() != plan.year {
        return Err(ApiError::invalid("end", format!("完成日期应在计划年度 {} 年内", plan.year)));
    }
    let credits = parse_credits("credits", input.credits.as_deref())?;
    let applied = state.store.self_study_applied(plan.id).await?;
    if applied + credits > plan.planned {
        return Err(ApiError::invalid(
            "credits",
            format!("超过计划学分：计划 {}，已申请 {}，尚可申请 {}", plan.planned, applied, plan.planned - applied),
        ));
    }
    let facts = RecordFacts {
        kind: ActivityKind::SelfStudy,
        title: input.title.trim().to_string(),
        project_number: None,
        level: None,
        delivery: None,
        role: None,
        start: None,
        end,
        passed: None,
        hours: None,
        credits: Some(credits),
        legacy_class: None,
    };
    if let Some(problem) = facts.check(&RuleSettings::default()).into_iter().next() {
        return Err(ApiError::invalid(problem.field, problem.message));
    }
    let new = NewCreditRecord {
        person_id: s.person.id,
        source: RecordSource::SelfStudy,
        source_ref: Some(plan_ref(plan.id)),
        facts,
        granted: false,
    };
    Ok(state.store.record_credit(&p.actor(), &new).await?)
}

/// The professional's own plans and applications.
pub async fn my_self_study(state: &AppState, p: &Principal) -> Result<SelfStudyView, ApiError> {
    let s = own(state, p).await?;
    let plans =
        state.store.self_study_plans(&PlanFilter { person_id: Some(s.person.id), ..PlanFilter::default() }).await?;
    let mut lines = Vec::with_capacity(plans.len());
    for plan in &plans {
        lines.push(plan_line(state, plan).await?);
    }
    let records = state.store.credit_records_of(s.person.id, None).await?;
    let applications =
        records.iter().rev().filter(|r| r.source == RecordSource::SelfStudy).map(application_line).collect();
    Ok(SelfStudyView { plans: lines, applications })
}

/// The units whose self-study the principal reviews.
fn reviewed_units(p: &Principal) -> Vec<i64> {
    p.grants.iter().filter(|g| g.role == jijiao_domain::authz::Role::UnitAdmin).filter_map(|g| g.unit).collect()
}

/// A unit administrator's queue: submitted plans and provisional applications of the unit's people.
pub async fn self_study_queue(state: &AppState, p: &Principal) -> Result<SelfStudyView, ApiError> {
    if !may_ever(&p.grants, CreditAction::ReviewSelfStudy) {
        return Err(ApiError::Forbidden);
    }
    let units = reviewed_units(p);
    let plans = state
        .store
        .self_study_plans(&PlanFilter {
            org_ids: Some(units.clone()),
            status: Some(PlanStatus::Submitted),
            ..PlanFilter::default()
        })
        .await?;
    let mut lines = Vec::with_capacity(plans.len());
    for plan in &plans {
        lines.push(plan_line(state, plan).await?);
    }
    let filter = CreditFilter {
        org_ids: Some(units),
        status: Some(RecordStatus::Provisional),
        sources: Some(vec![RecordSource::SelfStudy]),
        ..CreditFilter::default()
    };
    let records = state.store.credit_records(&filter, PageRequest::new(Some(1), Some(200))).await?;
    Ok(SelfStudyView { plans: lines, applications: records.items.iter().map(application_line).collect() })
}

/// Approves or rejects a submitted plan: 404 out of scope, 403 for anyone but the person's unit administrator.
pub async fn decide_plan(state: &AppState, p: &Principal, id: i64, decision: &Decision) -> Result<(), ApiError> {
    let plan = state.store.self_study_plan(PlanId(id)).await?;
    let mut place = match plan.org_id {
        Some(o) => state.store.organisation(o).await?.place(),
        None => Place { province: plan.province_code.clone(), ..Place::default() },
    };
    place.person = Some(plan.person_id.0);
    if !permits(&p.grants, CreditAction::ReadRecord, &place) {
        return Err(ApiError::NotFound);
    }
    if !permits(&p.grants, CreditAction::ReviewSelfStudy, &place) {
        return Err(ApiError::Forbidden);
    }
    Ok(state.store.decide_self_study_plan(&p.actor(), plan.id, decision).await?)
}
