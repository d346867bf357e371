//! The printable 申报书 and 承诺书 of a stored application: maps the Application document onto the
//! PDF module's inputs (national or provincial/district cover) and renders them off the async
//! workers, because laying out and embedding the CJK font takes tens of milliseconds of CPU. The
//! download's HTTP headers are the web crate's.

use jijiao_documents::pdf::{
    self, CommitmentInput, FormInput, HistoryYear, LeaderInput, NATIONAL_ISSUER, NATIONAL_TITLE, PROVINCIAL_COVER_NOTE,
    PdfError, PeriodRow, TeacherRow,
};
use jijiao_domain::authz::applications as rules;
use jijiao_domain::org::Level;
use jijiao_domain::review::{Category, LeaderProject, Method};
use jijiao_domain::{IdNumber, Year};
use jijiao_storage::applications::{ApplicationSummary, StoredApplication};
use jijiao_storage::{Change, OrgId};

use super::{place_of, visible};
use crate::{Acting, App, AppError, blocking};

/// Which printout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Printout {
    Form,
    Commitment,
}

impl Printout {
    fn label(self) -> &'static str {
        match self {
            Printout::Form => "申报书",
            Printout::Commitment => "承诺书",
        }
    }
}

/// A rendered PDF with the file name it is offered under.
pub struct PdfFile {
    pub bytes: Vec<u8>,
    /// e.g. `申报书-2025-03-03-001.pdf`, or with the record id before a code is assigned.
    pub file_name: String,
    /// An ASCII name for clients that ignore `filename*`.
    pub ascii_name: String,
}

/// The printout of an application the principal may see (404 otherwise, as for the detail page).
pub async fn printout(app: &App, p: &Acting, id: i64, which: Printout) -> Result<PdfFile, AppError> {
    let stored = visible(app, p, id).await?;
    let s = &stored.summary;
    let key = s.code.clone().unwrap_or_else(|| s.id.0.to_string());
    let file_name = format!("{}-{key}.pdf", which.label());
    let ascii = match which {
        Printout::Form => "application-form",
        Printout::Commitment => "commitment",
    };
    let ascii_name = format!("{ascii}-{}.pdf", s.id.0);
    let bytes = match which {
        Printout::Form => {
            // The full ID number and phones go only to the applicant side (the unit's administrator
            // or the leader, who wrote them and must sign the paper form); reviewers get them masked,
            // as in every other view.
            let full_id = rules::may_draft(&p.grants, &place_of(s));
            let input = form_input(app, &stored, full_id).await?;
            if full_id {
                record_printed_id_number(app, p, s).await?;
            }
            render(move || pdf::application_form(&input)).await?
        }
        Printout::Commitment => {
            let input = CommitmentInput { project_name: stored.document.name.clone() };
            render(move || pdf::commitment(&input)).await?
        }
    };
    Ok(PdfFile { bytes, file_name, ascii_name })
}

/// The printed form shows the leader's whole ID number and phone (and the unit contact's phone):
/// logged as any other reveal (who printed whose number, when), against the leader's person record
/// when there is one.
async fn record_printed_id_number(app: &App, p: &Acting, s: &ApplicationSummary) -> Result<(), AppError> {
    let (object_type, object_id) = match s.leader_person_id {
        Some(person) => ("person", person.to_string()),
        None => ("application", s.id.0.to_string()),
    };
    let change = Change {
        action: "person.reveal",
        object_type,
        object_id,
        province_code: Some(s.province_code.clone()),
        org_id: Some(s.unit_id),
        after: Some(serde_json::json!({
            "printed": "申报书",
            "application": s.id.0,
            "shown": ["leader.id_number", "leader.phone", "applicant.contact_phone"],
        })),
        ..Change::default()
    };
    app.store.record(&p.actor(), &change).await?;
    Ok(())
}

async fn render(job: impl FnOnce() -> Result<Vec<u8>, PdfError> + Send + 'static) -> Result<Vec<u8>, AppError> {
    blocking::run(job).await?.map_err(|e| match e {
        // The message names each field and character the font cannot print.
        PdfError::MissingGlyphs(_) => AppError::InvalidInput { field: None, message: e.to_string() },
        other => AppError::Internal(other.to_string()),
    })
}

/// The 申报书 of a stored application. The contact blanks (the unit's contact and phone, the
/// leader's address, phone and highest education) print from the document, and empty when it has
/// none (a document from before them), to be filled in by hand like the opinion rows.
pub async fn form_input(app: &App, stored: &StoredApplication, full_id: bool) -> Result<FormInput, AppError> {
    let s = &stored.summary;
    let d = &stored.document;
    let catalogue = app.store.catalogue().await?;
    let subject = catalogue.full_name(&d.subject.tertiary).unwrap_or_else(|| d.subject.tertiary.clone());
    let specialty = catalogue.full_name(&d.leader.specialty).unwrap_or_else(|| d.leader.specialty.clone());
    let district = match s.district_id {
        Some(district) => Some(app.store.organisation(OrgId(district)).await?.name),
        None => None,
    };
    let category = d.category.map(|c| category_label(c).to_string());
    let (title, year, issuer, cover_note, category) = match d.level {
        Level::National => (NATIONAL_TITLE.to_string(), Some(d.year), NATIONAL_ISSUER.to_string(), String::new(), None),
        // Provincial and district forms follow Beijing's cover of seed 003: the year in the title,
        // the category on the cover and the unit's commitment under it.
        Level::Provincial => (
            format!("{}年{}级继续医学教育推荐项目申报书", d.year, d.province),
            None,
            String::new(),
            PROVINCIAL_COVER_NOTE.to_string(),
            Some(category.unwrap_or_default()),
        ),
        Level::District => (
            format!(
                "{}年{}级继续医学教育项目申报书",
                d.year,
                // The office is "北京市东城区卫生健康委员会"; the form names the district's level.
                district.as_deref().unwrap_or_default().trim_end_matches("卫生健康委员会")
            ),
            None,
            String::new(),
            PROVINCIAL_COVER_NOTE.to_string(),
            Some(category.unwrap_or_default()),
        ),
    };
    // The offices whose opinion rows sit above the unit's, bottom-up as the chain runs.
    let mut authority_opinions = Vec::new();
    if let Some(name) = &district
        && d.level != Level::District
    {
        authority_opinions.push(format!("{name}意见"));
    }
    match d.level {
        Level::National => authority_opinions.push("省级卫生健康行政部门意见".into()),
        Level::Provincial => authority_opinions.push(format!("{}继续医学教育委员会意见", d.province)),
        Level::District => authority_opinions
            .push(format!("{}意见", district.clone().unwrap_or_else(|| "区级卫生健康行政部门".into()))),
    }
    let parsed = IdNumber::parse(&d.leader.id_number).ok();
    let (gender, birth_month) = match &parsed {
        Some(id) => {
            let born = id.birth_date();
            (
                id.sex().label().to_string(),
                format!("{}年{}月", chrono::Datelike::year(&born), chrono::Datelike::month(&born)),
            )
        }
        None => (String::new(), String::new()),
    };
    let mut shown = d.clone();
    if !full_id {
        super::mask_personal(&mut shown);
    }
    let text = |value: &Option<String>| value.as_deref().map(str::trim).unwrap_or_default().to_string();
    Ok(FormInput {
        title,
        year,
        issuer,
        application_code: s.code.clone().unwrap_or_default(),
        project_name: d.name.clone(),
        subject,
        category,
        leader_name: d.leader.name.clone(),
        applicant: d.applicant.name.clone(),
        application_date: s.submitted_on,
        cover_note,
        audience: d.audience.clone(),
        planned_enrollment: d.planned_enrollment.to_string(),
        total_hours: d.total_hours.to_string(),
        theory_hours: d.theory_hours.to_string(),
        practice_hours: d.practice_hours.to_string(),
        outside_province_share: d.outside_province_share.to_string(),
        grassroots_share: d.grassroots_share.to_string(),
        unit_phone: text(&shown.applicant.contact_phone),
        unit_contact: text(&d.applicant.contact_name),
        leader_address: text(&d.leader.address),
        leader_phone: text(&shown.leader.phone),
        peer_reviewer: [&d.peer_reviewer.name, &d.peer_reviewer.title, &d.peer_reviewer.employer]
            .iter()
            .filter(|t| !t.is_empty())
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join("  "),
        recommendation: d.recommendation.clone(),
        unit_opinion: String::new(),
        authority_opinions,
        other_notes: String::new(),
        leader: LeaderInput {
            name: d.leader.name.clone(),
            gender,
            birth_month,
            id_number: shown.leader.id_number.clone(),
            title: d.leader.title.clone(),
            post: d.leader.post.clone(),
            education: text(&d.leader.degree),
            employer: d.leader.employer.clone(),
            in_post: if d.leader.in_post { "是" } else { "否" }.into(),
            specialty,
            achievements: d.leader.achievements.clone(),
        },
        history: history(d.year, &d.leader.history),
        unit_situation: d.unit_situation.clone(),
        teachers: d
            .teachers
            .iter()
            .map(|t| TeacherRow {
                name: t.name.clone(),
                title: t.title.clone(),
                method: method_label(t.method).into(),
                employer: t.employer.clone(),
                topic: t.topic.clone(),
                hours: t.hours.to_string(),
            })
            .collect(),
        periods: d
            .periods
            .iter()
            .map(|p| PeriodRow { dates: period_dates(p.start, p.end), place: p.place.clone() })
            .collect(),
    })
}

/// The three years before the project year, oldest first, with the leader's projects of each.
fn history(year: Year, projects: &[LeaderProject]) -> Vec<HistoryYear> {
    // Near 1900 fewer than three years exist before; those rows print blank.
    let mut years: Vec<HistoryYear> =
        (1..=3).rev().map(|back| HistoryYear { year: year.checked_add(-back), ..Default::default() }).collect();
    for p in projects {
        let Some(row) = years.iter_mut().find(|row| row.year == Some(p.year)) else { continue };
        match p.level {
            Level::National => row.national.push(p.number.clone()),
            Level::Provincial | Level::District => row.provincial.push(p.number.clone()),
        }
        // A year counts as carried out only when every project of it was.
        row.executed = Some(row.executed.unwrap_or(true) && p.executed);
    }
    years
}

fn period_dates(start: chrono::NaiveDate, end: chrono::NaiveDate) -> String {
    let day = |d: chrono::NaiveDate| d.format("%Y年%-m月%-d日").to_string();
    if start == end { day(start) } else { format!("{}至{}", day(start), day(end)) }
}

fn category_label(c: Category) -> &'static str {
    match c {
        Category::BasicTraining => "基础训练类",
        Category::Improvement => "学习提高类",
        Category::Frontier => "前沿进展类",
    }
}

fn method_label(m: Method) -> &'static str {
    match m {
        Method::Lecture => "讲授",
        Method::Demonstration => "技术示范",
        Method::Practice => "实践操作",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A year for the tests (in range by construction).
    fn y(year: u16) -> jijiao_domain::Year {
        jijiao_domain::Year::try_from(year).expect("a year in range")
    }

    #[test]
    fn the_history_covers_the_three_years_before() {
        let projects = vec![
            LeaderProject {
                year: y(2023),
                level: Level::National,
                number: "2023-03-01-045（国）".into(),
                executed: true,
            },
            LeaderProject { year: y(2024), level: Level::Provincial, number: "2024-03-01-112".into(), executed: false },
            LeaderProject { year: y(2019), level: Level::National, number: "old".into(), executed: true },
        ];
        let rows = history(y(2025), &projects);
        assert_eq!(rows.iter().map(|r| r.year).collect::<Vec<_>>(), vec![Some(y(2022)), Some(y(2023)), Some(y(2024))]);
        assert_eq!(rows[0].executed, None);
        assert_eq!(rows[1].national, vec!["2023-03-01-045（国）".to_string()]);
        assert_eq!(rows[1].executed, Some(true));
        assert_eq!(rows[2].provincial, vec!["2024-03-01-112".to_string()]);
        assert_eq!(rows[2].executed, Some(false));
    }

    #[test]
    fn periods_print_as_chinese_dates() {
        let d = |m, day| chrono::NaiveDate::from_ymd_opt(2025, m, day).unwrap();
        assert_eq!(period_dates(d(5, 10), d(5, 12)), "2025年5月10日至2025年5月12日");
        assert_eq!(period_dates(d(5, 10), d(5, 10)), "2025年5月10日");
    }
}
