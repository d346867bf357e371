//! Electronic credit certificates (rules.md §8) with their authorisation: issuing them for granted
//! project credit records, verification by anyone, the PDF and its downloads, revocation and
//! reissue by the issuing office, key rotation; and the public credit query of the home page.
//!
//! Issued for project records only (学分证书 to a participant, 授课证明 to a speaker), by the
//! province of the project's applicant unit (§7.5): the approval of an execution report (issue 16)
//! calls [`issue_certificates_for`] with the records it granted. Reversing a record revokes its
//! certificate in the storage layer, in the reversal's own transaction.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use jijiao_documents::pdf::{CertificateInput, PdfError};
use jijiao_domain::Year;
use jijiao_domain::authz::{Action, Place, Role};
use jijiao_domain::certificate::{
    self, CertificateKind, CertificateNumber, Facts, VerifyError, mask_id_number, office_name, qr_text,
};
use jijiao_domain::credits::ActivityKind;
use jijiao_domain::credits::Role as CreditRole;
use jijiao_domain::credits::learning_record::{RecordStatus, summarise};
use jijiao_domain::org::{Delivery, Level};
use jijiao_storage::certificates::{Certificate, CertificateId, CertificateStatus, NewCertificate};
use jijiao_storage::credit_records::{CreditRecord, CreditRecordId};
use jijiao_storage::projects::Project;
use jijiao_storage::{Actor, Person, PersonId, Reads, StoreError};
use serde::Serialize;

use crate::credits::{subject, year_view};
use crate::{Acting, App, AppError, blocking};

/// Issues a certificate for every granted project credit record given that has none yet (a record
/// that already has a valid certificate is skipped, so approving again issues nothing twice).
/// Anything else (not a project record, not granted, reversed) is refused. All or nothing.
///
/// Everything is read in batches, whatever the number of records: the records, which have
/// certificates, their people, and each person's learning record of the year (the credits a
/// record finally earns there, after caps, are what the certificate states). An approval certifies
/// a whole roster at once.
pub async fn issue_certificates_for(
    app: &App,
    actor: &Actor,
    records: &[CreditRecordId],
) -> Result<Vec<Certificate>, AppError> {
    let today = app.today();
    let certified = app.store.certified_records(records).await?;
    let mut todo: Vec<CreditRecord> =
        app.store.credit_records_in(records).await?.into_iter().filter(|r| !certified.contains(&r.id)).collect();
    // In the order given, so numbers follow the roster.
    let order: std::collections::HashMap<CreditRecordId, usize> =
        records.iter().enumerate().map(|(i, r)| (*r, i)).collect();
    todo.sort_by_key(|r| order.get(&r.id).copied().unwrap_or(usize::MAX));
    for r in &todo {
        check_eligible(r)?;
    }
    let credits = final_credits(app, &todo).await?;
    let ids: Vec<PersonId> = todo.iter().map(|r| r.person_id).collect::<BTreeSet<_>>().into_iter().collect();
    let people: BTreeMap<PersonId, Person> = app.store.people_in(&ids).await?.into_iter().map(|p| (p.id, p)).collect();
    let mut projects: BTreeMap<String, Option<Project>> = BTreeMap::new();
    let mut drafts = Vec::with_capacity(todo.len());
    for r in &todo {
        let number = r.facts.project_number.clone().unwrap_or_default().trim().to_string();
        if let std::collections::btree_map::Entry::Vacant(e) = projects.entry(number.clone()) {
            e.insert(match app.store.project_by_number(&number).await {
                Ok(p) => Some(p),
                Err(StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            });
        }
        let person = people.get(&r.person_id).ok_or(AppError::NotFound)?;
        let credit = credits.get(&r.id.0).cloned().unwrap_or_else(|| "0.0".into());
        drafts.push(draft(r, person, projects[&number].as_ref(), credit, today)?);
    }
    let offices: BTreeSet<String> = drafts.iter().map(|d| d.facts.office.clone()).collect();
    for office in &offices {
        app.store.ensure_certificate_key(actor, office, today).await?;
    }
    Ok(app.store.issue_certificates(actor, &drafts, today).await?)
}

/// What each record finally earns in its person's learning record of its year, after every cap.
async fn final_credits(app: &App, records: &[CreditRecord]) -> Result<BTreeMap<i64, String>, AppError> {
    let mut by_year: BTreeMap<Year, BTreeSet<PersonId>> = BTreeMap::new();
    for r in records {
        by_year.entry(r.year).or_default().insert(r.person_id);
    }
    let mut out = BTreeMap::new();
    let mut organisations = BTreeMap::new();
    for (year, people) in by_year {
        let people: Vec<PersonId> = people.into_iter().collect();
        let mut records_of: BTreeMap<PersonId, Vec<CreditRecord>> = BTreeMap::new();
        for r in app.store.credit_records_of_people(&people, year).await? {
            records_of.entry(r.person_id).or_default().push(r);
        }
        for person in app.store.people_in(&people).await? {
            let org = match person.employer_id {
                Some(id) => {
                    if let std::collections::btree_map::Entry::Vacant(e) = organisations.entry(id) {
                        e.insert(app.store.organisation(id).await?);
                    }
                    organisations.get(&id).cloned()
                }
                None => None,
            };
            let record_province = if org.is_none() { app.store.roster_province_of(person.id).await? } else { None };
            let place = org.as_ref().map(|o| o.place()).unwrap_or_default();
            let subject = crate::credits::Subject { person, org, place, record_province };
            let engine = subject.engine_person()?;
            let year_records: Vec<_> = records_of
                .get(&subject.person.id)
                .map(|rs| rs.iter().map(CreditRecord::year_record).collect())
                .unwrap_or_default();
            let summary = summarise(year, &engine, &year_records, &app.rules);
            for r in records_of.get(&subject.person.id).into_iter().flatten() {
                if let Some(c) = summary.credit_of(&r.id.0.to_string()) {
                    out.insert(r.id.0, c.credits.to_string());
                }
            }
        }
    }
    Ok(out)
}

fn check_eligible(r: &CreditRecord) -> Result<(), AppError> {
    let refuse = |why: &str| Err(AppError::Conflict(format!("第 {} 号学分记录{why}，不能发放证书", r.id.0)));
    if r.facts.kind != ActivityKind::Project {
        return refuse("不是继续医学教育项目的学分");
    }
    if r.status != RecordStatus::Granted {
        return refuse("尚未发放");
    }
    if r.cancelled() {
        return refuse("已冲销");
    }
    if r.facts.project_number.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return refuse("没有项目编号");
    }
    Ok(())
}

/// The facts of a record's certificate, but for what the store gives at issue (number, key, date).
/// The issuing office is the province of the project's applicant unit; a project not in the
/// catalogue (an imported record) is certified by the province that recorded it.
fn draft(
    r: &CreditRecord,
    person: &Person,
    project: Option<&Project>,
    credits: String,
    today: NaiveDate,
) -> Result<NewCertificate, AppError> {
    let number = r.facts.project_number.clone().unwrap_or_default();
    let office = project
        .and_then(|p| p.province_code.clone())
        .or_else(|| r.province_code.clone())
        .ok_or_else(|| AppError::Conflict(format!("第 {} 号学分记录无法确定发证的省份", r.id.0)))?;
    let place = project
        .and_then(|p| p.periods.iter().find(|period| period.end == r.facts.end).or(p.periods.first()))
        .map(|period| period.place.clone())
        .unwrap_or_default();
    let kind = match r.facts.role {
        Some(CreditRole::Speaker) => CertificateKind::Teaching,
        _ => CertificateKind::Credit,
    };
    let facts = Facts {
        number: String::new(),
        kind,
        name: person.name.clone(),
        id_number: mask_id_number(person.id_number.as_str()),
        project_number: number.trim().to_string(),
        project_name: project.map_or_else(|| r.facts.title.clone(), |p| p.name.clone()),
        level: r.facts.level.or(project.map(|p| p.level)).unwrap_or(Level::National),
        delivery: r.facts.delivery.or(project.map(|p| p.delivery)).unwrap_or(Delivery::FaceToFace),
        start: r.facts.start,
        end: r.facts.end,
        place,
        hours: r.facts.hours.map(|h| h.to_string()).unwrap_or_else(|| "0.0".into()),
        credits,
        office_name: office_name(&office),
        office,
        issued_on: today,
        kid: String::new(),
        replaces: None,
    };
    Ok(NewCertificate {
        credit_record_id: r.id,
        person_id: r.person_id,
        unit_id: project.and_then(|p| p.unit_id),
        record_year: r.year,
        facts,
    })
}

/// What `GET /api/v1/certificates/{number}` answers (formats.md): the facts as signed, the
/// signature, `valid` | `revoked` | `invalid` (the signature does not verify against the published
/// keys), and the revocation's date and reason.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicCertificate {
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub facts: serde_json::Value,
    pub signature: String,
    pub status: String,
    pub revoked: Option<Revocation>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Revocation {
    pub on: String,
    pub reason: String,
}

/// A certificate as verification shows it: stored, its facts, and the signature's check.
pub struct Verified {
    pub certificate: Certificate,
    pub facts: Facts,
    pub check: Result<(), VerifyError>,
}

impl Verified {
    pub fn status(&self) -> &'static str {
        match (&self.check, self.certificate.status) {
            (Err(_), _) => "invalid",
            (Ok(()), CertificateStatus::Revoked) => "revoked",
            (Ok(()), CertificateStatus::Valid) => "valid",
        }
    }

    pub fn public(self) -> PublicCertificate {
        let status = self.status().into();
        let c = self.certificate;
        PublicCertificate {
            facts: c.facts,
            signature: c.signature,
            status,
            revoked: match (c.revoked_on, c.revoked_reason) {
                (Some(on), Some(reason)) => Some(Revocation { on: on.to_string(), reason }),
                _ => None,
            },
        }
    }
}

/// Reads a certificate number; a malformed one names the field.
pub fn parse_number(text: &str) -> Result<CertificateNumber, AppError> {
    CertificateNumber::parse(text).map_err(|e| AppError::invalid("number", e.to_string()))
}

/// Anyone may verify a certificate by its number: its facts, its status and the signature checked
/// against the published keys (no login). `reads`: where a visitor's verification reads, the
/// replica when there is one (`jijiao_storage::replica`); the primary for anyone signed in.
pub async fn verify_number(app: &App, reads: Reads, number: &str) -> Result<Verified, AppError> {
    let number = parse_number(number)?;
    // Only the key the facts name can verify them: read with the certificate (so from the same
    // database, replica or primary, however new the key), not every key in a second query.
    let (c, key) = app.store.public_reads(reads).certificate_with_key(&number.to_string()).await?;
    let keys: Vec<_> = key.into_iter().collect();
    let decode = |key: &certificate::PublishedKey| app.decoded_keys.get(key);
    let (check, facts) = match certificate::verify_decoding(&c.facts, &c.signature, &keys, decode) {
        Ok(facts) => (Ok(()), facts),
        Err(e) => (Err(e), c.parsed_facts()?),
    };
    Ok(Verified { certificate: c, facts, check })
}

/// The curve points of the published keys this server has met, by their base64 text: decoding a
/// key (a point decompression, about 5 µs) was a tenth of every verification, and an office has
/// one key or a few. Keyed by the key's text itself, so an entry can never be stale: a rotated
/// key is another text, and a server that restarts only decodes again. Bounded all the same.
#[derive(Debug, Default)]
pub struct DecodedKeys(std::sync::RwLock<std::collections::HashMap<String, certificate::VerifyingKey>>);

impl DecodedKeys {
    /// Keys kept at most; past it a key is decoded on every use (far more than 32 provinces' keys).
    const MAX: usize = 1024;

    pub fn get(&self, key: &certificate::PublishedKey) -> Result<certificate::VerifyingKey, VerifyError> {
        if let Some(point) = self.0.read().unwrap_or_else(|e| e.into_inner()).get(&key.public_key) {
            return Ok(*point);
        }
        let point = certificate::decode_public_key(key)?;
        let mut points = self.0.write().unwrap_or_else(|e| e.into_inner());
        if points.len() < Self::MAX {
            points.insert(key.public_key.clone(), point);
        }
        Ok(point)
    }

    /// How many keys are kept (for the tests: nothing else needs to know).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.read().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// Every published key, current and retired (the well-known document), read where `reads` says.
pub async fn published_keys(app: &App, reads: Reads) -> Result<Vec<certificate::PublishedKey>, AppError> {
    Ok(app.store.public_reads(reads).published_keys().await?)
}

/// Where a certificate sits for authorisation: the issuing province, the project's unit (and the
/// district above it), the person.
async fn place_of(app: &App, c: &Certificate) -> Result<Place, AppError> {
    let mut place = match c.unit_id {
        Some(u) => app.store.organisation(jijiao_storage::OrgId(u)).await?.place(),
        None => Place::default(),
    };
    place.province = Some(c.office.clone());
    place.person = Some(c.person_id.0);
    Ok(place)
}

/// A certificate its owner, the project unit's administrators or the issuing office may read in
/// full (the PDF); anyone else gets 404.
pub async fn readable(app: &App, p: &Acting, number: &str) -> Result<Certificate, AppError> {
    let number = CertificateNumber::parse(number).map_err(|_| AppError::NotFound)?;
    let c = app.store.certificate_by_number(&number.to_string()).await?;
    if !p.may(Action::Read, &place_of(app, &c).await?) {
        return Err(AppError::NotFound);
    }
    Ok(c)
}

/// Whether the principal speaks for the issuing office of `office` (its province administrator, or
/// the national administrator): who revokes, reissues and rotates keys.
fn issuing_office(p: &Acting, office: &str) -> bool {
    p.grants.iter().any(|g| {
        g.role == Role::NationalAdmin || (g.role == Role::ProvinceAdmin && g.province.as_deref() == Some(office))
    })
}

fn reason(text: &str) -> Result<&str, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::invalid("reason", "请填写原因"));
    }
    if text.chars().count() > 500 {
        return Err(AppError::invalid("reason", "原因不能超过500字"));
    }
    Ok(text)
}

/// Revokes a certificate (its issuing office): 404 out of sight, 403 for others who see it.
pub async fn revoke(app: &App, p: &Acting, number: &str, why: &str) -> Result<Certificate, AppError> {
    let c = readable(app, p, number).await?;
    if !issuing_office(p, &c.office) {
        return Err(AppError::Forbidden);
    }
    let why = reason(why)?;
    Ok(app.store.revoke_certificate(&p.actor(), c.id, why, app.today()).await?)
}

/// Reissues a certificate (its issuing office): the old one revoked, a new number naming it.
pub async fn reissue(app: &App, p: &Acting, number: &str, why: &str) -> Result<Certificate, AppError> {
    let c = readable(app, p, number).await?;
    if !issuing_office(p, &c.office) {
        return Err(AppError::Forbidden);
    }
    let why = reason(why)?;
    app.store.ensure_certificate_key(&p.actor(), &c.office, app.today()).await?;
    Ok(app.store.reissue_certificate(&p.actor(), c.id, why, app.today()).await?)
}

/// Retires an office's current key and makes a new one: the office's administrator, or the nation.
pub async fn rotate_key(app: &App, p: &Acting, office: &str) -> Result<(Option<String>, String), AppError> {
    if jijiao_domain::province::by_code(office).is_none() {
        return Err(AppError::invalid("office", "发证机构应为省份代码"));
    }
    if !issuing_office(p, office) {
        return Err(AppError::Forbidden);
    }
    Ok(app.store.rotate_certificate_key(&p.actor(), office, app.today()).await?)
}

/// The offices whose keys the principal may rotate.
pub fn rotatable_offices(p: &Acting) -> Vec<&'static str> {
    jijiao_domain::province::PROVINCES.iter().map(|pr| pr.code).filter(|code| issuing_office(p, code)).collect()
}

/// One of a professional's certificates, as `GET /api/v1/me/certificates` lists it (formats.md).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateLine {
    pub number: String,
    pub kind: String,
    pub project_number: String,
    pub credits: String,
    pub status: String,
    /// Shown on pages; not part of the API's list.
    #[serde(skip)]
    pub kind_label: String,
    #[serde(skip)]
    pub project_name: String,
    #[serde(skip)]
    pub status_label: String,
    #[serde(skip)]
    pub year: Year,
    #[serde(skip)]
    pub revoked_reason: Option<String>,
}

fn line(c: &Certificate) -> CertificateLine {
    let text = |k: &str| c.facts.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_string();
    CertificateLine {
        number: c.number.clone(),
        kind: c.kind.code().into(),
        project_number: c.project_number.clone(),
        credits: text("credits"),
        status: c.status.code().into(),
        kind_label: c.kind.label().into(),
        project_name: text("project_name"),
        status_label: c.status.label().into(),
        year: c.record_year,
        revoked_reason: c.revoked_reason.clone(),
    }
}

/// The signed-in professional's certificates, newest first (404 for an account that is no person's).
pub async fn my_certificates(app: &App, p: &Acting) -> Result<Vec<CertificateLine>, AppError> {
    let person = p.account.person_id.ok_or(AppError::NotFound)?;
    Ok(app.store.certificates_of_person(person, None).await?.iter().map(line).collect())
}

/// The facts as the PDF prints them.
fn pdf_input(c: &Certificate, f: &Facts, base_url: &str) -> CertificateInput {
    let date = |d: NaiveDate| format!("{}年{}月{}日", d.year(), d.month(), d.day());
    let dates = match f.start {
        Some(s) if s != f.end => format!("{}至{}", date(s), date(f.end)),
        _ => date(f.end),
    };
    let project = format!("{}继续医学教育项目“{}”（{}）", f.level.label(), f.project_name, f.delivery.label());
    let statement = match f.kind {
        CertificateKind::Credit => format!(
            "{}（身份证号 {}）于{dates}参加{project}，完成 {} 学时，经考核合格，授予继续医学教育学分 {} 分。特发此证。",
            f.name, f.id_number, f.hours, f.credits
        ),
        CertificateKind::Teaching => format!(
            "{}（身份证号 {}）于{dates}在{project}中授课 {} 学时，计继续医学教育学分 {} 分。特此证明。",
            f.name, f.id_number, f.hours, f.credits
        ),
    };
    let mut facts = vec![
        ("姓名".to_string(), f.name.clone()),
        ("身份证号".to_string(), f.id_number.clone()),
        ("项目名称".to_string(), f.project_name.clone()),
        ("项目编号".to_string(), f.project_number.clone()),
        ("项目级别".to_string(), format!("{}（{}）", f.level.label(), f.delivery.label())),
        ("举办时间".to_string(), dates.clone()),
    ];
    if !f.place.is_empty() {
        facts.push(("举办地点".to_string(), f.place.clone()));
    }
    facts.push(("学时".to_string(), f.hours.clone()));
    facts.push(("学分".to_string(), f.credits.clone()));
    if let Some(old) = &f.replaces {
        facts.push(("补发".to_string(), format!("替代原证书 {old}")));
    }
    CertificateInput {
        title: f.kind.title().into(),
        number: f.number.clone(),
        statement,
        facts,
        office: f.office_name.clone(),
        issued_on: date(f.issued_on),
        qr: qr_text(base_url, f, &c.signature),
        qr_caption: format!("签名密钥 {} · Ed25519", f.kid),
        revoked: match (c.revoked_on, &c.revoked_reason) {
            (Some(on), Some(r)) => Some(format!("本证书已于{}撤销：{r}", date(on))),
            _ => None,
        },
    }
}

/// The certificate's PDF; the QR code points at `base_url`'s verification page.
pub async fn pdf(c: &Certificate, base_url: &str) -> Result<Vec<u8>, AppError> {
    let input = pdf_input(c, &c.parsed_facts()?, base_url);
    blocking::run(move || jijiao_documents::pdf::certificate(&input)).await?.map_err(|e| match e {
        PdfError::MissingGlyphs(_) => AppError::InvalidInput { field: None, message: e.to_string() },
        other => AppError::Internal(other.to_string()),
    })
}

/// Many certificates' PDFs in one zip, named by number.
async fn zip_of(certificates: &[Certificate], base_url: &str) -> Result<Vec<u8>, AppError> {
    let mut inputs = Vec::with_capacity(certificates.len());
    for c in certificates {
        inputs.push((c.number.clone(), pdf_input(c, &c.parsed_facts()?, base_url)));
    }
    blocking::run(move || {
        let mut files = Vec::with_capacity(inputs.len());
        for (number, input) in &inputs {
            files
                .push((format!("{number}.pdf"), jijiao_documents::pdf::certificate(input).map_err(|e| e.to_string())?));
        }
        jijiao_documents::archive::zip_files(&files)
    })
    .await?
    .map_err(AppError::Internal)
}

/// The signed-in professional's certificates of a year as a zip (404 when there are none).
pub async fn my_year_zip(app: &App, p: &Acting, year: Year, base_url: &str) -> Result<Vec<u8>, AppError> {
    let person = p.account.person_id.ok_or(AppError::NotFound)?;
    let certificates = app.store.certificates_of_person(person, Some(year)).await?;
    if certificates.is_empty() {
        return Err(AppError::NotFound);
    }
    zip_of(&certificates, base_url).await
}

/// Every certificate of a project (all its periods, or one) as a zip: the project unit's
/// administrators, the district and province above it, the nation. Administrators of another scope
/// get 404, anyone else 403; a project or period without certificates 404.
pub async fn project_zip(
    app: &App,
    p: &Acting,
    project_number: &str,
    period: Option<u32>,
    base_url: &str,
) -> Result<Vec<u8>, AppError> {
    let project = app.store.project_by_number(project_number).await?;
    let mut place = match project.unit_id {
        Some(u) => app.store.organisation(jijiao_storage::OrgId(u)).await?.place(),
        None => Place::default(),
    };
    place.province = project.province_code.clone();
    if !p.is_admin() {
        return Err(AppError::Forbidden);
    }
    if !p.may(Action::Read, &place) {
        return Err(AppError::NotFound);
    }
    let number = project.number.clone().unwrap_or_default();
    let mut certificates = app.store.certificates_of_project(&number).await?;
    if let Some(n) = period {
        // A period's certificates state its dates: those of the period as held (its filing) or published.
        let published = (n as usize).checked_sub(1).and_then(|i| project.periods.get(i)).ok_or(AppError::NotFound)?;
        let end = match app.store.filings(project.id, n).await?.pop() {
            Some(f) => f.filing.end,
            None => published.end,
        };
        let mut kept = Vec::new();
        for c in certificates {
            if c.parsed_facts()?.end == end {
                kept.push(c);
            }
        }
        certificates = kept;
    }
    if certificates.is_empty() {
        return Err(AppError::NotFound);
    }
    zip_of(&certificates, base_url).await
}

/// The id of a certificate by number, for callers holding only the number (CLI).
pub async fn id_of(app: &App, number: &str) -> Result<CertificateId, AppError> {
    Ok(app.store.certificate_by_number(&parse_number(number)?.to_string()).await?.id)
}

/// One year of the public credit query: totals and each granted record's project (or activity)
/// and credits, nothing else.
#[derive(Clone, Debug, Serialize)]
pub struct PublicYear {
    pub year: Year,
    pub total: String,
    pub required: String,
    pub compliant: bool,
    pub records: Vec<PublicRecord>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PublicRecord {
    pub title: String,
    pub project_number: Option<String>,
    pub credits: String,
}

/// The public credit query (seed 001): a name and an ID number that belong together show that
/// person's credits by year; any other pair answers `None` (the caller shows one answer for every
/// failure, so the query reveals nothing about who is on record).
pub async fn public_credit_query(app: &App, name: &str, id_number: &str) -> Result<Option<Vec<PublicYear>>, AppError> {
    let Ok(id) = jijiao_domain::IdNumber::parse(id_number.trim()) else { return Ok(None) };
    let person = match app.store.person_by_id_number(&id).await {
        Ok(p) => p,
        Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if person.name.trim() != name.trim() {
        return Ok(None);
    }
    let s = subject(app, person.id).await?;
    let mut years = Vec::new();
    for year in app.store.credit_years_of(person.id).await? {
        let view = match year_view(app, &s, Some(year)).await {
            Ok(v) => v,
            Err(AppError::InvalidInput { .. }) => continue,
            Err(e) => return Err(e),
        };
        let numbers: BTreeMap<i64, Option<String>> = app
            .store
            .credit_records_of(person.id, Some(year))
            .await?
            .into_iter()
            .map(|r| (r.id.0, r.facts.project_number))
            .collect();
        years.push(PublicYear {
            year,
            total: view.total.clone(),
            required: view.required.clone(),
            compliant: view.compliant,
            records: view
                .records
                .iter()
                .filter(|r| r.status == "granted" && !r.cancelled)
                .map(|r| PublicRecord {
                    title: r.title.clone(),
                    project_number: numbers.get(&r.id).cloned().flatten(),
                    credits: r.credits.clone(),
                })
                .collect(),
        });
    }
    Ok(Some(years))
}

#[cfg(test)]
mod tests {
    use super::*;
    use certificate::{PublishedKey, SecretKey};

    fn published(seed: u8, kid: &str) -> PublishedKey {
        let from = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let public_key = SecretKey::from_bytes([seed; 32]).public_key_base64();
        PublishedKey { kid: kid.into(), office: "11".into(), public_key, from, until: None }
    }

    /// A key is decoded once and kept by its text; each key its own point; a key that is not a
    /// point is refused every time and never kept.
    #[test]
    fn decoded_keys_are_kept_by_their_text() {
        let keys = DecodedKeys::default();
        let (one, two) = (published(1, "11-1"), published(2, "11-2"));
        assert_eq!(keys.get(&one).unwrap(), certificate::decode_public_key(&one).unwrap());
        assert_eq!(keys.get(&one).unwrap(), certificate::decode_public_key(&one).unwrap());
        assert_eq!(keys.len(), 1);
        assert_eq!(keys.get(&two).unwrap(), certificate::decode_public_key(&two).unwrap());
        assert_ne!(keys.get(&one).unwrap(), keys.get(&two).unwrap());
        assert_eq!(keys.len(), 2);
        let broken = PublishedKey { public_key: "not a key".into(), ..one };
        assert!(matches!(keys.get(&broken), Err(VerifyError::Malformed(_))));
        assert_eq!(keys.len(), 2);
    }
}
