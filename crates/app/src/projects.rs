//! Published lists in and out: reading and importing a list in the columns of real lists (shared by
//! the CLI and the national office's upload page), the catalogue's query parameters, and the exports
//! (xlsx and CSV in the same columns). Who may publish what is decided here too, once for pages and
//! API.

use chrono::NaiveDate;
use jijiao_documents::{Cell, CellOut, Sheet, read_table, write_csv_utf8, write_xlsx};
use jijiao_domain::authz::{Grant, Role};
use jijiao_domain::document::DocumentError;
use jijiao_domain::org::{Delivery, Level};
use jijiao_domain::personal::mask_phone;
use jijiao_domain::publication::{self, ProjectKind, ProjectNumber, Term};
use jijiao_domain::review::thresholds::{CREDITS_CAP, REMOTE_CREDITS_CAP};
use jijiao_domain::year::YearParseError;
use jijiao_domain::{Credits, Year};
use jijiao_storage::projects::{Batch, NewBatch, NewProject, Project, ProjectFilter, ProjectPeriod, ProjectSort};
use jijiao_storage::{Actor, PageRequest};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

use crate::{Acting, App, AppError, blocking};

/// The columns of real published lists (real-formats.md §2), in their order.
pub const LIST_COLUMNS: [&str; 11] = [
    "项目编号",
    "项目名称",
    "申办单位",
    "项目负责人",
    "负责人电话",
    "举办期限",
    "举办地点",
    "学分",
    "教学对象",
    "拟招生人数",
    "备注",
];

/// One problem of a list: the row as the spreadsheet numbers it, the column, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowProblem {
    pub row: usize,
    pub column: String,
    pub message: String,
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.column.is_empty() {
            write!(f, "第{}行：{}", self.row, self.message)
        } else {
            write!(f, "第{}行“{}”：{}", self.row, self.column, self.message)
        }
    }
}

fn problem(row: usize, column: &str, message: impl Into<String>) -> RowProblem {
    RowProblem { row, column: column.to_string(), message: message.into() }
}

/// Reads a published list of `year` (xlsx, xls, CSV in UTF-8 or GBK). Every bad row is reported;
/// `progress(done, total)` is called as rows are checked. Units named as on record are linked.
pub fn parse_list(
    bytes: &[u8],
    file_name: &str,
    year: Year,
    units: &HashMap<String, (i64, Option<String>)>,
    mut progress: impl FnMut(usize, usize),
) -> Result<Vec<NewProject>, Vec<RowProblem>> {
    let table = read_table(bytes, file_name).map_err(|e| vec![problem(1, "", e.to_string())])?;
    let table = table.with_header_row_containing(&["项目编号"]);
    let col = |names: &[&str]| table.column(names);
    let required = [
        ("项目编号", col(&["项目编号", "编号"])),
        ("项目名称", col(&["项目名称", "名称"])),
        ("申办单位", col(&["申办单位", "单位", "主办单位", "申报单位"])),
        ("项目负责人", col(&["项目负责人", "负责人"])),
        ("举办期限", col(&["举办期限", "举办期限起止日期", "举办时间"])),
        ("学分", col(&["学分", "授予学分", "授予学员学分", "拟授学员学分"])),
        ("拟招生人数", col(&["拟招生人数", "招生人数"])),
    ];
    let missing: Vec<&str> = required.iter().filter(|(_, c)| c.is_none()).map(|(n, _)| *n).collect();
    if !missing.is_empty() {
        return Err(vec![problem(
            1,
            "",
            format!("表头缺少列：{}（应含 {}）", missing.join("、"), LIST_COLUMNS.join("、")),
        )]);
    }
    let [number_c, name_c, unit_c, leader_c, term_c, credits_c, enrol_c] = required.map(|(_, c)| c.unwrap_or(0));
    let phone_c = col(&["负责人电话", "电话", "联系电话"]);
    let place_c = col(&["举办地点", "地点"]);
    let audience_c = col(&["教学对象"]);
    let remarks_c = col(&["备注"]);
    let total = table.rows.len();
    let mut problems = Vec::new();
    let mut projects = Vec::with_capacity(total);
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, row) in table.rows.iter().enumerate() {
        if i.is_multiple_of(500) {
            progress(i, total);
        }
        if row.is_empty() {
            continue;
        }
        let n = row.number;
        let mut text = |c: Option<usize>, what: &str| -> String {
            match c.map(|c| row.get(c)).unwrap_or(&Cell::Empty).as_text() {
                Ok(t) => t.trim().to_string(),
                Err(e) => {
                    problems.push(problem(n, what, e.to_string()));
                    String::new()
                }
            }
        };
        let number_text = text(Some(number_c), "项目编号");
        let name = text(Some(name_c), "项目名称");
        let unit = text(Some(unit_c), "申办单位");
        let leader = text(Some(leader_c), "项目负责人");
        let term_text = text(Some(term_c), "举办期限");
        let credits_text = text(Some(credits_c), "学分");
        let enrol_text = text(Some(enrol_c), "拟招生人数");
        let phone = text(phone_c, "负责人电话");
        let place = text(place_c, "举办地点");
        let audience = text(audience_c, "教学对象");
        let remarks = text(remarks_c, "备注");
        let before = problems.len();
        let number = match ProjectNumber::parse_national(&number_text) {
            Ok(num) if num.year != year => {
                problems.push(problem(n, "项目编号", format!("编号年度 {} 与导入年度 {year} 不符", num.year)));
                None
            }
            Ok(num) => Some(num),
            Err(e) => {
                problems.push(problem(n, "项目编号", e));
                None
            }
        };
        if let Some(num) = &number
            && let Some(first) = seen.insert(num.text(), n)
        {
            problems.push(problem(n, "项目编号", format!("{} 与第{first}行重复", num.text())));
        }
        for (value, column) in [(&name, "项目名称"), (&unit, "申办单位"), (&leader, "项目负责人")] {
            if value.is_empty() {
                problems.push(problem(n, column, "不能为空"));
            }
        }
        let terms = publication::parse_terms(&term_text).map_err(|e| problems.push(problem(n, "举办期限", e))).ok();
        let credits = publication::parse_credits(&credits_text)
            .map(Credits::from_tenths)
            .map_err(|e| problems.push(problem(n, "学分", e)))
            .ok();
        let enrolment =
            publication::parse_enrollment(&enrol_text).map_err(|e| problems.push(problem(n, "拟招生人数", e))).ok();
        if !phone.is_empty() && !jijiao_domain::personal::is_valid_phone(&phone) {
            problems.push(problem(n, "负责人电话", format!("“{phone}”不是有效的电话号码")));
        }
        if problems.len() > before {
            continue;
        }
        let (Some(number), Some(terms), Some(credits), Some((planned, note))) = (number, terms, credits, enrolment)
        else {
            continue;
        };
        let periods = periods_of(&terms, &place);
        let (unit_id, province) = units.get(&unit).cloned().map_or((None, None), |(id, p)| (Some(id), p));
        let remote = place.contains("远程") || place.contains("网络") || place.contains("线上");
        // The list is held to the rules it publishes under (issue 18: 25 credits were accepted).
        let cap = if remote { REMOTE_CREDITS_CAP } else { CREDITS_CAP };
        if credits > cap {
            let which = if remote { "远程项目" } else { "每个项目" };
            problems.push(problem(n, "学分", format!("{which}最多 {cap} 学分，名单为 {credits} 学分")));
            continue;
        }
        projects.push(NewProject {
            number: Some(number.text()),
            application_id: None,
            name,
            unit_name: unit,
            unit_id,
            province_code: province,
            leader_name: leader,
            leader_phone: (!phone.is_empty()).then_some(phone),
            subject_tertiary: number.subject(),
            kind: publication::kind_from_remarks(&remarks),
            delivery: if remote { Delivery::Remote } else { Delivery::FaceToFace },
            credits,
            hours: None,
            periods,
            audience,
            planned_enrollment: planned,
            enrollment_note: note.unwrap_or_default(),
            remarks,
        });
    }
    progress(total, total);
    if projects.is_empty() && problems.is_empty() {
        problems.push(problem(2, "", "名单中没有项目"));
    }
    if problems.is_empty() { Ok(projects) } else { Err(problems) }
}

/// Places per period: one line (or `；`-separated part) each when the counts agree, else the whole
/// cell for every period.
fn periods_of(terms: &[Term], place: &str) -> Vec<ProjectPeriod> {
    let parts: Vec<&str> = place.split(['\n', '；', ';']).map(str::trim).filter(|p| !p.is_empty()).collect::<Vec<_>>();
    terms
        .iter()
        .enumerate()
        .map(|(i, t)| ProjectPeriod {
            start: t.start,
            end: t.end,
            place: if parts.len() == terms.len() { parts[i].to_string() } else { place.trim().to_string() },
        })
        .collect()
}

/// Checks a list against the records: numbers already published (each named with its row).
pub async fn conflicts(app: &App, projects: &[NewProject]) -> Result<Vec<String>, AppError> {
    let numbers: Vec<String> = projects.iter().filter_map(|p| p.number.clone()).collect();
    let existing: HashSet<String> = app.store.existing_numbers(&numbers).await?.into_iter().collect();
    Ok(numbers
        .into_iter()
        .filter(|n| existing.contains(n))
        .map(|n| format!("项目编号 {n} 已公布，不能重复导入"))
        .collect())
}

/// A published national list to import, and the batch it forms.
#[derive(Clone, Debug)]
pub struct ListImport {
    pub year: Year,
    pub batch: u16,
    /// 公布文号, e.g. 全继委办发〔2024〕3号
    pub notice: String,
    /// Check only; store nothing.
    pub dry_run: bool,
}

/// The 申办单位 of a checked list that are not units on record, each once in the list's order: their
/// projects are stored unlinked (no unit files their periods or sees them as its own), which an
/// import says rather than passing silently (issue 18).
pub fn unlinked_units(projects: &[NewProject]) -> Vec<String> {
    let mut seen = HashSet::new();
    projects
        .iter()
        .filter(|p| p.unit_id.is_none() && seen.insert(p.unit_name.clone()))
        .map(|p| p.unit_name.clone())
        .collect()
}

/// What an import did: the projects checked (and stored, unless a dry run), and the units of
/// [`unlinked_units`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListImported {
    pub projects: usize,
    pub unlinked_units: Vec<String>,
}

impl ListImported {
    /// The notice about [`Self::unlinked_units`] for people, when there are any.
    pub fn unlinked_notice(&self) -> Option<String> {
        let units = &self.unlinked_units;
        let shown: Vec<&str> = units.iter().take(10).map(String::as_str).collect();
        let more = if units.len() > shown.len() { format!("等 {} 个", units.len()) } else { String::new() };
        (!units.is_empty()).then(|| {
            format!(
                "申办单位“{}”{more}未在系统中登记：其项目未关联单位，单位无法为其报备举办。请核对单位名称，或登记单位后重新关联。",
                shown.join("”“")
            )
        })
    }
}

/// Published national lists are the national office's to import.
pub fn require_importer(p: &Acting) -> Result<(), AppError> {
    if p.has(Role::NationalAdmin) { Ok(()) } else { Err(AppError::Forbidden) }
}

/// Imports a published national list for the national office (upload page and API): checked by
/// [`check_list`], then, unless it is a dry run, stored by [`store_list`].
pub async fn import_list(
    app: &App,
    p: &Acting,
    bytes: &[u8],
    file_name: &str,
    import: &ListImport,
) -> Result<ListImported, AppError> {
    require_importer(p)?;
    let projects = check_list(app, bytes.to_vec(), file_name, import.year, |_, _| {}).await?;
    let unlinked_units = unlinked_units(&projects);
    let projects = if import.dry_run { projects.len() } else { store_list(app, &p.actor(), import, &projects).await? };
    Ok(ListImported { projects, unlinked_units })
}

/// Reads a list of `year` off the async workers (`progress(done, total)` is called as rows are
/// checked) and checks its numbers against those already published. Every problem is reported at
/// once, each naming its row and column ([`AppError::InvalidDocument`]). The command line checks
/// and stores through this and [`store_list`], as the system.
pub async fn check_list(
    app: &App,
    bytes: Vec<u8>,
    file_name: &str,
    year: Year,
    progress: impl FnMut(usize, usize) + Send + 'static,
) -> Result<Vec<NewProject>, AppError> {
    let as_errors = |problems: Vec<String>| {
        AppError::InvalidDocument(
            problems.into_iter().map(|message| DocumentError { path: String::new(), message }).collect(),
        )
    };
    let units = app.store.unit_directory().await?;
    let name = file_name.to_string();
    let parsed = blocking::run(move || parse_list(&bytes, &name, year, &units, progress)).await?;
    let projects = parsed.map_err(|problems| as_errors(problems.iter().map(ToString::to_string).collect()))?;
    let conflicts = conflicts(app, &projects).await?;
    if !conflicts.is_empty() {
        return Err(as_errors(conflicts));
    }
    Ok(projects)
}

/// Stores checked projects as one published national batch, all or nothing; returns how many.
pub async fn store_list(
    app: &App,
    actor: &Actor,
    import: &ListImport,
    projects: &[NewProject],
) -> Result<usize, AppError> {
    let batch = NewBatch {
        level: Level::National,
        province_code: None,
        year: import.year,
        batch: import.batch,
        notice: import.notice.clone(),
        notice_date: None,
    };
    Ok(app.store.import_projects(actor, &batch, projects).await?.projects)
}

/// The catalogue's query (API parameters and the search form). Everything is text so that an
/// empty form field means "any"; wrong values are refused naming the field.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct CatalogueQuery {
    /// 项目名称、单位、负责人或编号中的词（空格分隔，均须出现；两个字的词如“肿瘤”亦可）
    pub q: Option<String>,
    /// 年度，如 2024
    pub year: Option<String>,
    /// 批次，如 1
    pub batch: Option<String>,
    /// 二级学科代码（03）或三级学科代码（03-07）
    pub subject: Option<String>,
    /// 省份代码（11）或名称（北京市）：申办单位所在省份
    pub province: Option<String>,
    /// national 或 provincial
    pub level: Option<String>,
    /// recommended、promoted 或 base
    pub kind: Option<String>,
    /// face_to_face 或 remote
    pub delivery: Option<String>,
    /// 举办日期起（YYYY-MM-DD）
    pub from: Option<String>,
    /// 举办日期止（YYYY-MM-DD）
    pub to: Option<String>,
    /// number（默认）、date 或 newest
    pub sort: Option<String>,
    pub page: Option<String>,
    /// 每页条数，1–200，默认 20
    pub per_page: Option<String>,
}

/// The `province` filter of the catalogue and the events list: a 2-digit code or a name.
pub(crate) fn province_filter(given: Option<&str>) -> Result<Option<String>, AppError> {
    given
        .map(|p| {
            jijiao_domain::province::by_code(p)
                .or_else(|| jijiao_domain::province::find(p))
                .map(|p| p.code.to_string())
                .ok_or_else(|| AppError::invalid("province", format!("未知省份“{p}”")))
        })
        .transpose()
}

/// The `level` filter: national or provincial (district projects are never published).
pub(crate) fn level_filter(given: Option<&str>) -> Result<Option<Level>, AppError> {
    given
        .map(|l| {
            Level::from_code_or_label(l)
                .filter(|l| *l != Level::District)
                .ok_or_else(|| AppError::invalid("level", "级别应为 national 或 provincial"))
        })
        .transpose()
}

/// The `subject` filter: a secondary (03) or tertiary (03-07) subject code.
pub(crate) fn subject_filter(given: Option<&str>) -> Result<(), AppError> {
    match given {
        Some(s) if !(s.len() == 2 || s.len() == 5) => {
            Err(AppError::invalid("subject", "学科应为二级学科代码（03）或三级学科代码（03-07）"))
        }
        _ => Ok(()),
    }
}

/// A search field that should be a whole number and is not: named by its label and its name
/// (issue 18: “abcd”不是有效的数字 left the searcher guessing which field).
fn not_a_number(field: &str, text: &str) -> AppError {
    let label = match field {
        "year" => "年度",
        "batch" => "批次",
        "page" => "页码",
        "per_page" => "每页条数",
        _ => field,
    };
    AppError::invalid(field, format!("“{label}”应为正整数，当前为“{text}”"))
}

pub(crate) fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl CatalogueQuery {
    pub fn filter(&self) -> Result<ProjectFilter, AppError> {
        let number = |field: &str, v: &Option<String>| -> Result<Option<u16>, AppError> {
            given(v).map(|t| t.parse::<u16>().map_err(|_| not_a_number(field, t))).transpose()
        };
        // A year that is no number reads as the batch does; one outside 1900..=2200 says so.
        let year = given(&self.year)
            .map(|t| {
                t.parse::<Year>().map_err(|e| match e {
                    YearParseError::NotANumber => not_a_number("year", t),
                    e @ YearParseError::OutOfRange(_) => AppError::invalid("year", e.to_string()),
                })
            })
            .transpose()?;
        let date = |field: &str, v: &Option<String>| -> Result<Option<NaiveDate>, AppError> {
            given(v)
                .map(|t| {
                    NaiveDate::parse_from_str(t, "%Y-%m-%d")
                        .map_err(|_| AppError::invalid(field, format!("日期“{t}”应形如 2024-09-02")))
                })
                .transpose()
        };
        let subject = given(&self.subject).map(str::to_string);
        subject_filter(subject.as_deref())?;
        let province = province_filter(given(&self.province))?;
        let level = level_filter(given(&self.level))?;
        let kind = given(&self.kind)
            .map(|k| {
                ProjectKind::from_code_or_label(k)
                    .ok_or_else(|| AppError::invalid("kind", "类型应为 recommended、promoted 或 base"))
            })
            .transpose()?;
        let delivery = given(&self.delivery)
            .map(|d| {
                Delivery::from_code_or_label(d)
                    .ok_or_else(|| AppError::invalid("delivery", "举办方式应为 face_to_face 或 remote"))
            })
            .transpose()?;
        let sort = match given(&self.sort) {
            None | Some("number") => ProjectSort::Number,
            Some("date") => ProjectSort::Date,
            Some("newest") => ProjectSort::Newest,
            Some(_) => return Err(AppError::invalid("sort", "排序应为 number、date 或 newest")),
        };
        let (from, to) = (date("from", &self.from)?, date("to", &self.to)?);
        if let (Some(from), Some(to)) = (from, to)
            && to < from
        {
            return Err(AppError::invalid("to", format!("举办日期止 {to} 早于举办日期起 {from}，请检查日期范围")));
        }
        Ok(ProjectFilter {
            q: given(&self.q).map(|q| q.chars().take(100).collect()),
            year,
            batch: number("batch", &self.batch)?,
            batch_id: None,
            subject,
            province_code: province,
            level,
            kind,
            delivery,
            from,
            to,
            unit_name: None,
            sort,
        })
    }

    pub fn page(&self) -> Result<PageRequest, AppError> {
        let n = |field: &str, v: &Option<String>| -> Result<Option<u32>, AppError> {
            given(v).map(|t| t.parse::<u32>().map_err(|_| not_a_number(field, t))).transpose()
        };
        Ok(PageRequest::new(n("page", &self.page)?, n("per_page", &self.per_page)?))
    }

    /// The parameters of this search that are given, by name (for page links and downloads),
    /// without `page`.
    pub fn given_parameters(&self) -> Vec<(&'static str, &str)> {
        [
            ("q", &self.q),
            ("year", &self.year),
            ("batch", &self.batch),
            ("subject", &self.subject),
            ("province", &self.province),
            ("level", &self.level),
            ("kind", &self.kind),
            ("delivery", &self.delivery),
            ("from", &self.from),
            ("to", &self.to),
            ("sort", &self.sort),
        ]
        .into_iter()
        .filter_map(|(k, v)| given(v).map(|v| (k, v)))
        .collect()
    }
}

/// Largest download of a search.
pub const MAX_DOWNLOAD: i64 = 20_000;

fn terms_of(p: &Project) -> String {
    publication::format_terms(&p.periods.iter().map(|x| Term { start: x.start, end: x.end }).collect::<Vec<_>>())
}

fn places_of(p: &Project) -> String {
    let places: Vec<&str> = p.periods.iter().map(|x| x.place.as_str()).collect();
    if places.windows(2).all(|w| w[0] == w[1]) {
        places.first().copied().unwrap_or("").to_string()
    } else {
        places.join("\n")
    }
}

fn remarks_of(p: &Project) -> String {
    let mut r = p.remarks.clone();
    if let Some(s) = &p.suspension {
        if !r.is_empty() {
            r.push('；');
        }
        r.push_str(&format!("已暂停：{}", s.reason));
    }
    r
}

/// Rows in the columns of real lists. Phones appear masked when given (the publisher's export),
/// never in public downloads.
pub fn list_rows(projects: &[Project], phones: Option<&HashMap<i64, String>>) -> Vec<Vec<CellOut>> {
    projects
        .iter()
        .map(|p| {
            let enrolment = if p.enrollment_note.is_empty() {
                p.planned_enrollment.to_string()
            } else {
                format!("{}/{}", p.planned_enrollment, p.enrollment_note)
            };
            let phone = phones.and_then(|m| m.get(&p.id)).map(|t| mask_phone(t)).unwrap_or_default();
            vec![
                CellOut::Text(p.number.clone().unwrap_or_default()),
                CellOut::Text(p.name.clone()),
                CellOut::Text(p.unit_name.clone()),
                CellOut::Text(p.leader_name.clone()),
                CellOut::Text(phone),
                CellOut::Text(terms_of(p)),
                CellOut::Text(places_of(p)),
                CellOut::Tenths(p.credits.tenths()),
                CellOut::Text(p.audience.clone()),
                CellOut::Text(enrolment),
                CellOut::Text(remarks_of(p)),
            ]
        })
        .collect()
}

/// The rows as a workbook, written off the async workers (a 20,000-row list takes a while).
pub async fn list_xlsx(sheet_name: &str, rows: Vec<Vec<CellOut>>) -> Result<Vec<u8>, AppError> {
    let sheet = Sheet {
        name: jijiao_documents::safe_sheet_name(sheet_name),
        headers: LIST_COLUMNS.iter().map(|h| h.to_string()).collect(),
        rows,
        column_widths: Some(vec![22.0, 40.0, 30.0, 10.0, 14.0, 24.0, 20.0, 6.0, 20.0, 10.0, 16.0]),
    };
    blocking::run(move || write_xlsx(&[sheet])).await?.map_err(|e| AppError::Internal(e.to_string()))
}

/// The rows as UTF-8 CSV, written off the async workers.
pub async fn list_csv(rows: Vec<Vec<CellOut>>) -> Result<Vec<u8>, AppError> {
    blocking::run(move || write_csv_utf8(&LIST_COLUMNS, &rows)).await
}

/// Whether the principal publishes batches of this level and province: the national office for
/// national batches, a province's administrator (or the national office) for that province's.
pub fn may_publish(p: &Acting, level: Level, province: Option<&str>) -> bool {
    p.grants.iter().any(|g: &Grant| match (g.role, level) {
        (Role::NationalAdmin, _) => true,
        (Role::ProvinceAdmin, Level::Provincial) => g.province.is_some() && g.province.as_deref() == province,
        _ => false,
    })
}

/// Whether the principal sees a batch (its drafts, its export): whoever may publish it.
pub fn may_see_batch(p: &Acting, b: &Batch) -> bool {
    may_publish(p, b.level, b.province_code.as_deref())
}

/// Whether the principal publishes anything at all (the menu entry and the publication page).
pub fn is_publisher(p: &Acting) -> bool {
    p.has(Role::NationalAdmin) || p.has(Role::ProvinceAdmin)
}

/// A province's pattern for its project numbers, with a number it would give.
#[derive(Clone, Debug, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NumberPattern {
    /// 省份代码，如 11
    pub province: String,
    pub province_name: String,
    /// 如 YYYY-SS-TT-NNN（京）：YYYY 年度，SS 二级学科，TT 三级学科，NNN 序号
    pub pattern: String,
    /// Whether the province chose it (otherwise the default).
    pub custom: bool,
    /// The first number of 03-07 in the coming year under this pattern.
    pub example: String,
}

/// The number patterns of the provinces whose batches the principal publishes.
pub async fn number_patterns(app: &App, p: &Acting) -> Result<Vec<NumberPattern>, AppError> {
    let mut out = Vec::new();
    for province in jijiao_domain::province::PROVINCES.iter() {
        if may_publish(p, Level::Provincial, Some(province.code)) {
            out.push(number_pattern(app, province).await?);
        }
    }
    Ok(out)
}

async fn number_pattern(app: &App, province: &jijiao_domain::province::Province) -> Result<NumberPattern, AppError> {
    let chosen = app.store.setting(&jijiao_storage::projects::pattern_key(province.code)).await?;
    let custom = chosen.is_some();
    let pattern = chosen.unwrap_or_else(|| publication::DEFAULT_PROVINCIAL_PATTERN.to_string());
    let year = crate::applications::coming_year(app);
    let example = publication::format_pattern(&pattern, year, "03-07", 1, province.abbreviation);
    Ok(NumberPattern {
        province: province.code.to_string(),
        province_name: province.name.to_string(),
        pattern,
        custom,
        example,
    })
}

/// Sets a province's number pattern (its administrator's or the national office's to set). It
/// numbers the batches published from now on; numbers already given never change.
pub async fn set_number_pattern(
    app: &App,
    p: &Acting,
    province_code: &str,
    pattern: &str,
) -> Result<NumberPattern, AppError> {
    let province = jijiao_domain::province::by_code(province_code.trim()).ok_or_else(|| AppError::InvalidInput {
        field: Some("province".into()),
        message: format!("未知省份代码“{province_code}”"),
    })?;
    if !may_publish(p, Level::Provincial, Some(province.code)) {
        return Err(AppError::Forbidden);
    }
    let pattern = pattern.trim();
    publication::check_pattern(pattern)
        .map_err(|message| AppError::InvalidInput { field: Some("pattern".into()), message })?;
    app.store.set_setting(&p.actor(), &jijiao_storage::projects::pattern_key(province.code), pattern).await?;
    number_pattern(app, province).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A year for the tests (in range by construction).
    fn y(year: u16) -> jijiao_domain::Year {
        jijiao_domain::Year::try_from(year).expect("a year in range")
    }

    fn csv(rows: &[&str]) -> Vec<u8> {
        let mut text = LIST_COLUMNS.join(",");
        for r in rows {
            text.push('\n');
            text.push_str(r);
        }
        text.into_bytes()
    }

    #[test]
    fn every_bad_row_is_named_with_its_column() {
        let bytes = csv(&[
            "2024-03-01-001（国）,肿瘤学习班,北京医院,张三,13800138000,\"2024-09-02-2024-09-05\n4天\",北京,10分,医师,200/…,",
            "2024-03-01-002,学习班,北京医院,李四,,2024.09.02至2024.09.05,北京,8,医师,100,基地项目",
            "2023-03-01-003（国）,学习班,北京医院,王五,,2024-09-02-2024-09-05,北京,十,医师,多,",
            "2024-03-01-001（国）,,北京医院,赵六,123,2024-09-05-2024-09-02,北京,10,医师,100,",
        ]);
        let problems = parse_list(&bytes, "list.csv", y(2024), &HashMap::new(), |_, _| {}).unwrap_err();
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(text.iter().any(|t| t.starts_with("第4行“项目编号”") && t.contains("2023")), "{text:?}");
        assert!(text.iter().any(|t| t.starts_with("第4行“学分”")), "{text:?}");
        assert!(text.iter().any(|t| t.starts_with("第4行“拟招生人数”")), "{text:?}");
        assert!(text.iter().any(|t| t.starts_with("第5行“项目编号”") && t.contains("第2行")), "{text:?}");
        assert!(text.iter().any(|t| t.starts_with("第5行“项目名称”")), "{text:?}");
        assert!(text.iter().any(|t| t.starts_with("第5行“举办期限”")), "{text:?}");
        assert!(text.iter().any(|t| t.starts_with("第5行“负责人电话”")), "{text:?}");
        assert!(!text.iter().any(|t| t.starts_with("第2行") || t.starts_with("第3行")), "{text:?}");
        let good = parse_list(&csv(&[
            "2024-03-01-001（国）,肿瘤学习班,北京医院,张三,13800138000,\"2024-09-02-2024-09-05\n4天\",北京,10分,医师,200/…,",
            "2024-03-01-002,学习班,北京医院,李四,,2024.09.02至2024.09.05,北京,8,医师,100,基地项目",
        ]), "list.csv", y(2024), &HashMap::from([("北京医院".to_string(), (7, Some("11".to_string())))]), |_, _| {})
        .unwrap();
        assert_eq!(good[1].number.as_deref(), Some("2024-03-01-002（国）"));
        assert_eq!(good[1].kind, ProjectKind::Base);
        assert_eq!(
            (good[0].credits.tenths(), good[0].planned_enrollment, good[0].enrollment_note.as_str()),
            (100, 200, "…")
        );
        assert_eq!((good[0].unit_id, good[0].province_code.as_deref()), (Some(7), Some("11")));
        let missing =
            parse_list("项目编号,项目名称\n1,2".as_bytes(), "x.csv", y(2024), &HashMap::new(), |_, _| {}).unwrap_err();
        assert!(missing[0].message.contains("申办单位"), "{missing:?}");
    }

    #[test]
    fn queries_are_checked_field_by_field() {
        let q = CatalogueQuery {
            q: Some(" 肿瘤 ".into()),
            year: Some("2024".into()),
            province: Some("北京".into()),
            subject: Some("03".into()),
            ..Default::default()
        };
        let f = q.filter().unwrap();
        assert_eq!(
            (f.q.as_deref(), f.year, f.province_code.as_deref()),
            (Some("肿瘤"), Some(Year::try_from(2024_u16).unwrap()), Some("11"))
        );
        for (bad, field) in [
            (CatalogueQuery { year: Some("二〇二四".into()), ..Default::default() }, "year"),
            (CatalogueQuery { year: Some("1800".into()), ..Default::default() }, "year"),
            (CatalogueQuery { year: Some("70000".into()), ..Default::default() }, "year"),
            (CatalogueQuery { from: Some("2024/01/01".into()), ..Default::default() }, "from"),
            (CatalogueQuery { province: Some("火星".into()), ..Default::default() }, "province"),
            (CatalogueQuery { level: Some("district".into()), ..Default::default() }, "level"),
            (CatalogueQuery { subject: Some("3".into()), ..Default::default() }, "subject"),
            (CatalogueQuery { sort: Some("x".into()), ..Default::default() }, "sort"),
            // issue 18: a range that ends before it starts says so instead of finding nothing.
            (
                CatalogueQuery { from: Some("2024-09-05".into()), to: Some("2024-09-01".into()), ..Default::default() },
                "to",
            ),
        ] {
            match bad.filter() {
                Err(AppError::InvalidInput { field: Some(f), .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
        // A number that is none names the field by its label.
        let not_a_year = CatalogueQuery { year: Some("abcd".into()), ..Default::default() }.filter().unwrap_err();
        assert_eq!(not_a_year.to_string(), "“年度”应为正整数，当前为“abcd”");
        let not_a_page = CatalogueQuery { page: Some("x".into()), ..Default::default() }.page().unwrap_err();
        assert!(not_a_page.to_string().contains("页码"), "{not_a_page}");
        assert_eq!(
            CatalogueQuery { q: Some(" 肿瘤".into()), page: Some("3".into()), ..Default::default() }.given_parameters(),
            vec![("q", "肿瘤")]
        );
    }
}
