//! The roster of a held period as an import (rules.md §7.3): the template, the all-or-nothing import
//! of the filled file (xlsx, xls, CSV in UTF-8 or GBK) with every bad cell named by row and column,
//! and the roster as views show it (ID numbers and phones masked).

use jijiao_documents::CellOut;
use jijiao_domain::Hours;
use jijiao_domain::IdNumber;
use jijiao_domain::certificate::mask_id_number;
use jijiao_domain::document::DocumentError;
use jijiao_domain::events::access;
use jijiao_domain::events::roster::{self, RosterEntry, RowProblem};
use jijiao_domain::personal::mask_phone;
use serde::Serialize;

use super::{current_filing, key_of};
use crate::events::{Event, event};
use crate::sheets::{Column, RowReader, locate, read, template};
use crate::{Acting, App, AppError};
use jijiao_storage::Actor;

const COLUMNS: &[Column] = &[
    Column { header: "姓名", aliases: &["学员姓名"], required: true, field: "name" },
    Column {
        header: "身份证号", aliases: &["身份证号码", "证件号码"], required: true, field: "id_number"
    },
    Column { header: "工作单位", aliases: &["单位"], required: true, field: "unit" },
    Column { header: "所在省份", aliases: &["省份"], required: true, field: "province" },
    Column { header: "职称", aliases: &["专业技术职称"], required: true, field: "title" },
    Column { header: "手机", aliases: &["手机号", "联系电话"], required: false, field: "phone" },
    Column { header: "考勤学时", aliases: &["学时"], required: true, field: "hours" },
    Column { header: "考核结果", aliases: &["考核"], required: true, field: "passed" },
    Column { header: "授课学时", aliases: &[], required: true, field: "taught_hours" },
];

const HELP: &[&str] = &[
    "每行一名学员或授课教师；第1行为表头，请勿修改。",
    "身份证号请设置为文本格式，避免 Excel 丢失末位数字；同一人每期只能出现一次。",
    "所在省份填省份全称或简称（如 北京市、河北）；考核结果填 合格 或 不合格。",
    "考勤学时、授课学时最多一位小数，不能超过本期报备日程的总学时；学员的授课学时留空，授课教师填授课学时。",
    "考核合格的学员按 考勤学时÷3、授课教师按 授课学时×2 计学分，每人每个项目最多10学分（远程项目3学分），在省级审核执行情况后发放。",
    "文件中任何一行有误，整份文件都不会导入；请按提示逐行修改后重新上传。",
];

/// The roster template: the §7.3 columns, an example row and the help sheet.
pub async fn roster_template() -> Result<Vec<u8>, AppError> {
    let t = |s: &str| CellOut::Text(s.to_string());
    let example = vec![
        t("张三"),
        t("110101198001010011"),
        t("北京协和医院"),
        t("北京市"),
        t("主治医师"),
        t("13800000000"),
        CellOut::Tenths(180),
        t("合格"),
        CellOut::Empty,
    ];
    template("学员名单", COLUMNS, example, HELP).await
}

/// The roster started from the QR sign-ins (§7.6): the template filled with everyone who signed in,
/// their hours from the sessions they signed out of, 考核结果 left for the unit to fill before it
/// imports the file. The unit's administrator or the project's leader.
pub async fn roster_from_sign_ins(app: &App, p: &Acting, number: &str, period: u32) -> Result<Vec<u8>, AppError> {
    let people = crate::events::sign_in::roster_hours(app, p, number, period).await?;
    let t = |s: &str| CellOut::Text(s.to_string());
    let rows = people
        .iter()
        .map(|s| {
            vec![
                t(&s.name),
                t(s.id_number.as_str()),
                t(s.unit.as_deref().unwrap_or_default()),
                t(s.province.as_deref().unwrap_or_default()),
                t(s.title.as_deref().unwrap_or_default()),
                t(s.phone.as_deref().unwrap_or_default()),
                CellOut::Tenths(s.hours.tenths()),
                CellOut::Empty,
                CellOut::Empty,
            ]
        })
        .collect();
    let help: Vec<&str> = std::iter::once("本名单由扫码签到生成：考勤学时为签退时计算的学时；请填写每人的考核结果（合格/不合格），补充未扫码的学员和授课教师的授课学时后导入。")
        .chain(HELP.iter().copied())
        .collect();
    crate::sheets::filled_template("学员名单", COLUMNS, rows, &help).await
}

/// Reads the roster's rows: the rows that are right, and every bad cell as a problem naming its row
/// and column (the rules across rows then judge the rows that are right, so one import reports all).
fn parse_rows(table: &jijiao_documents::Table) -> Result<(Vec<RosterEntry>, Vec<DocumentError>), Vec<DocumentError>> {
    let found = locate(table, COLUMNS)?;
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for row in table.rows.iter().filter(|r| !r.is_empty()) {
        let mut r = RowReader { row, columns: COLUMNS, found: &found, problems: Vec::new() };
        let name = r.required_text("name");
        let id_number = r.required_text("id_number").and_then(|text| match IdNumber::parse(&text) {
            Ok(id) => Some(id),
            Err(e) => {
                r.problem("id_number", format!("身份证号“{text}”无效：{e}"));
                None
            }
        });
        let unit = r.required_text("unit");
        let province = r.required_text("province").and_then(|text| {
            let code = roster::province_of(&text);
            if code.is_none() {
                r.problem("province", format!("“{text}”不是省份名称（应为32个省级行政区之一，如 北京市）"));
            }
            code
        });
        let title = r.required_text("title");
        let phone = r.text("phone");
        let hours = hours_cell(&mut r, "hours", "考勤学时");
        let passed = r.required_text("passed").and_then(|text| {
            let passed = roster::passed_of(&text);
            if passed.is_none() {
                r.problem("passed", format!("“{text}”应为 合格 或 不合格"));
            }
            passed
        });
        let taught = hours_cell(&mut r, "taught_hours", "授课学时");
        problems.append(&mut r.problems);
        if let (Some(name), Some(id_number), Some(unit), Some(province), Some(title), Some(passed)) =
            (name, id_number, unit, province, title, passed)
        {
            entries.push(RosterEntry {
                row: u32::try_from(row.number).unwrap_or(u32::MAX),
                name,
                id_number,
                unit,
                province,
                title,
                phone,
                hours: hours.unwrap_or(Hours::ZERO),
                passed,
                taught_hours: taught,
            });
        }
    }
    Ok((entries, problems))
}

/// An hours cell: empty is none; otherwise a number ≥ 0 with at most one decimal (`roster.hours`:
/// the reader refuses a sign).
fn hours_cell(r: &mut RowReader<'_>, field: &str, what: &str) -> Option<Hours> {
    r.tenths(field, what).map(Hours::from_tenths)
}

/// The row a problem's path names (`第4行“姓名”` → 4).
fn row_of(path: &str) -> u32 {
    path.strip_prefix('第').and_then(|r| r.split_once('行')).and_then(|(n, _)| n.parse().ok()).unwrap_or(0)
}

fn row_problem(p: RowProblem) -> DocumentError {
    DocumentError { path: format!("第{}行“{}”", p.row, p.column), message: p.message }
}

/// What an import did, or in a dry run would do.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RosterImport {
    pub learners: u32,
    pub speakers: u32,
    /// Matched to people already in the system by ID number.
    pub matched: usize,
    /// People of record created for the others (none in a dry run).
    pub people_of_record: usize,
    pub warnings: Vec<String>,
    pub dry_run: bool,
}

/// Imports the roster of period `period` (the project's unit administrator or its leader), replacing
/// the one before, once the period is filed and has begun (a remote project's upload cycle: once
/// it has begun). All or nothing: every bad row is reported
/// and nothing is stored unless the whole file is right; a dry run stores nothing either way.
pub async fn import_roster(
    app: &App,
    p: &Acting,
    number: &str,
    period: u32,
    bytes: &[u8],
    file_name: &str,
    dry_run: bool,
) -> Result<RosterImport, AppError> {
    let event = event(app, p, number, period).await?;
    if !access::may_file(&p.grants, &event.place()) {
        return Err(AppError::Forbidden);
    }
    import(app, &event, &p.actor(), bytes, file_name, dry_run).await
}

/// The same import for the server's operator (`jijiao import roster`), in no one's scope.
pub async fn import_roster_as_operator(
    app: &App,
    actor: &Actor,
    number: &str,
    period: u32,
    bytes: &[u8],
    file_name: &str,
    dry_run: bool,
) -> Result<RosterImport, AppError> {
    let event = crate::events::operator_event(app, number, period).await?;
    import(app, &event, actor, bytes, file_name, dry_run).await
}

/// What a roster is checked against: the hours a person may have attended or taught, and the
/// planned enrolment (`roster.over_plan`).
struct Limits {
    hours: Hours,
    planned_enrollment: u32,
}

/// A face-to-face period's limits come from its current filing (its schedule's hours), once it has
/// begun. A remote project's upload cycle has no filing: a learner completes at most the course's
/// published hours in a cycle (**reading:** without published hours, the hours its credits stand
/// for, 3 hours a credit), against the published enrolment, once the cycle has begun.
async fn limits(app: &App, event: &Event) -> Result<Limits, AppError> {
    if crate::events::remote::is_remote(&event.project) {
        let start = event.row.published_start;
        if app.today() < start {
            return Err(AppError::Conflict(format!("本上传周期 {start} 开始，开始后才能导入学员名单")));
        }
        let project = &event.project;
        let hours = project.hours.unwrap_or_else(|| Hours::from_tenths(project.credits.tenths() * 3));
        return Ok(Limits { hours, planned_enrollment: project.planned_enrollment });
    }
    let filing = current_filing(app, event)
        .await?
        .ok_or_else(|| AppError::Conflict("本期尚未报备：学员名单按报备的日程核对学时，请先报备".into()))?;
    if app.today() < filing.start {
        return Err(AppError::Conflict(format!("本期 {} 开始举办，开始后才能导入学员名单", filing.start)));
    }
    Ok(Limits { hours: filing.hours(), planned_enrollment: filing.planned_enrollment })
}

async fn import(
    app: &App,
    event: &Event,
    actor: &Actor,
    bytes: &[u8],
    file_name: &str,
    dry_run: bool,
) -> Result<RosterImport, AppError> {
    let Limits { hours: scheduled, planned_enrollment } = limits(app, event).await?;
    let table = read(bytes, file_name).await?;
    let (entries, mut problems) = parse_rows(&table).map_err(AppError::InvalidDocument)?;
    problems.extend(roster::check(&entries, scheduled).into_iter().map(row_problem));
    // A name that differs from the one registered under the ID number is almost always a typo in the
    // number: the credits would go to someone else.
    let ids: Vec<IdNumber> = entries.iter().map(|e| e.id_number.clone()).collect();
    let names = app.store.names_by_id_number(&ids).await?;
    for e in &entries {
        if let Some(registered) = names.get(e.id_number.as_str())
            && registered.trim() != e.name.trim()
        {
            problems.push(row_problem(RowProblem::new(
                "roster.name",
                e.row,
                "姓名",
                format!("“{}”与该身份证号已登记的姓名不一致，请核对身份证号", e.name),
            )));
        }
    }
    if !problems.is_empty() {
        // In the file's order: by row, then as found within the row.
        problems.sort_by_key(|p| row_of(&p.path));
        return Err(AppError::InvalidDocument(problems));
    }
    let counts = roster::counts(&entries);
    let warnings = roster::over_plan(&counts, planned_enrollment).into_iter().collect();
    let matched = names.len();
    let people_of_record = if dry_run {
        0
    } else {
        app.store.replace_roster(actor, &key_of(event), &entries, app.clock.now_millis()).await?.created
    };
    Ok(RosterImport {
        learners: counts.learners,
        speakers: counts.speakers,
        matched,
        people_of_record,
        warnings,
        dry_run,
    })
}

/// One person of a roster as views show it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RosterLine {
    pub name: String,
    /// Masked: the first 6 and last 4 characters.
    pub id_number: String,
    pub unit: String,
    pub province: String,
    pub title: String,
    pub phone: String,
    pub hours: String,
    pub taught_hours: Option<String>,
    pub passed: bool,
}

/// The roster of a period (`{ "entries": [...] }`), for whoever sees the event.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RosterView {
    pub entries: Vec<RosterLine>,
    pub learners: u32,
    pub speakers: u32,
}

pub async fn roster_view(app: &App, p: &Acting, number: &str, period: u32) -> Result<RosterView, AppError> {
    let event = event(app, p, number, period).await?;
    let entries = app.store.roster(event.project.id, period).await?;
    let speakers = entries.iter().filter(|e| e.is_speaker()).count() as u32;
    Ok(RosterView {
        learners: entries.len() as u32 - speakers,
        speakers,
        entries: entries
            .into_iter()
            .map(|e| RosterLine {
                name: e.name,
                id_number: mask_id_number(e.id_number.as_str()),
                unit: e.unit,
                province: jijiao_domain::province::by_code(&e.province)
                    .map_or(e.province.clone(), |p| p.name.to_string()),
                title: e.title,
                phone: if e.phone.is_empty() { String::new() } else { mask_phone(&e.phone) },
                hours: e.hours.to_string(),
                taught_hours: e.taught_hours.map(|h| h.to_string()),
                passed: e.passed,
            })
            .collect(),
    })
}
