//! Credit records from spreadsheets: unit administrators' registrations for many employees and the
//! province's legacy I类/II类 records (rules.md §2.1). Both are all or nothing: every bad row is
//! reported at once (row number as the spreadsheet shows it, the column, why) and nothing is stored
//! until the whole file is right. The templates to fill in are generated here too.

use std::collections::HashMap;

use jijiao_documents::CellOut;
use jijiao_domain::authz::credits::{CreditAction, may_ever, permits};
use jijiao_domain::credits::learning_record::{RecordFacts, RecordSource};
use jijiao_domain::credits::{ActivityKind, LegacyClass, RuleSettings};
use jijiao_domain::{Credits, Hours, IdNumber};
use jijiao_storage::credit_records::NewCreditRecord;
use jijiao_storage::{PersonId, StoreError};

use super::{REGISTRABLE, parse_flag, parse_kind, parse_role, subject};
use crate::sheets::{Column, RowReader, locate, read, template};
use crate::{Acting, App, AppError};

const REGISTRATION_COLUMNS: &[Column] = &[
    Column {
        header: "身份证号", aliases: &["身份证号码", "证件号码"], required: true, field: "id_number"
    },
    Column { header: "姓名", aliases: &[], required: true, field: "name" },
    Column { header: "类别", aliases: &["学分类别", "活动类别"], required: true, field: "kind" },
    Column { header: "活动名称", aliases: &["名称", "项目名称"], required: true, field: "title" },
    Column { header: "开始日期", aliases: &["起始日期"], required: false, field: "start" },
    Column { header: "结束日期", aliases: &["截止日期"], required: true, field: "end" },
    Column { header: "学时", aliases: &["学时数"], required: false, field: "hours" },
    Column { header: "身份", aliases: &["角色"], required: false, field: "role" },
    Column { header: "考核结果", aliases: &["考核"], required: false, field: "passed" },
    Column {
        header: "单位文号或说明", aliases: &["文号", "说明", "备注"], required: false, field: "source_ref"
    },
];

const LEGACY_COLUMNS: &[Column] = &[
    Column {
        header: "身份证号", aliases: &["身份证号码", "证件号码"], required: true, field: "id_number"
    },
    Column { header: "姓名", aliases: &[], required: true, field: "name" },
    Column { header: "学分类别", aliases: &["类别"], required: true, field: "class" },
    Column { header: "学分", aliases: &["学分数"], required: true, field: "credits" },
    Column { header: "活动名称", aliases: &["项目名称", "名称"], required: true, field: "title" },
    Column { header: "结束日期", aliases: &["日期", "获得日期"], required: true, field: "end" },
    Column { header: "项目编号", aliases: &["编号"], required: false, field: "project_number" },
];

/// The template's explanations, one line each (the second sheet).
const REGISTRATION_HELP: &[&str] = &[
    "每行登记一名本单位人员的一项活动；第1行为表头，请勿修改。",
    "类别：进修学习、在职学历（学位）教育、政府指令性医疗卫生任务、有组织的继续医学教育实践活动（也可填 further_training、degree_education、government_assignment、practice）。",
    "日期格式 2025-03-01；进修、学历教育、指令性任务须填开始日期和考核结果（合格/不合格），学时可不填（满3个月按25学分计）。",
    "实践活动须填学时和身份（参加者/主讲人）。",
    "身份证号请设置为文本格式，避免 Excel 丢失末位数字。",
    "文件中任何一行有误，整份文件都不会导入；请按提示逐行修改后重新上传。",
];

const LEGACY_HELP: &[&str] = &[
    "每行一条2025年前获得的 I类或 II类学分记录；第1行为表头，请勿修改。",
    "学分类别填 I类 或 II类；学分最多一位小数；结束日期须早于 2025-01-01。",
    "导入的记录直接计入个人学习档案（已发放），如有错误请由省级管理员冲销更正。",
    "文件中任何一行有误，整份文件都不会导入。",
];

/// A row's person, once found: the person and whether the importer may act for them.
struct Found {
    person: PersonId,
    name: String,
    allowed: bool,
}

/// Finds the people of a file's rows (once per ID number), with the scope check for `action`.
async fn resolve(
    app: &App,
    p: &Acting,
    action: CreditAction,
    cache: &mut HashMap<String, Option<Found>>,
    id: &IdNumber,
) -> Result<(), AppError> {
    if cache.contains_key(id.as_str()) {
        return Ok(());
    }
    let found = match app.store.person_by_id_number(id).await {
        Ok(person) => {
            let s = subject(app, person.id).await?;
            Some(Found { person: person.id, name: person.name.clone(), allowed: permits(&p.grants, action, &s.place) })
        }
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    cache.insert(id.as_str().to_string(), found);
    Ok(())
}

/// The ID number and name of a row checked against the people of the system and the importer's scope.
async fn row_person(
    app: &App,
    p: &Acting,
    action: CreditAction,
    cache: &mut HashMap<String, Option<Found>>,
    r: &mut RowReader<'_>,
) -> Result<Option<PersonId>, AppError> {
    let id_text = r.required_text("id_number");
    let name = r.required_text("name");
    let Some(id_text) = id_text else { return Ok(None) };
    let id = match IdNumber::parse(&id_text) {
        Ok(id) => id,
        Err(e) => {
            r.problem("id_number", format!("身份证号无效：{e}"));
            return Ok(None);
        }
    };
    resolve(app, p, action, cache, &id).await?;
    match cache.get(id.as_str()).and_then(Option::as_ref) {
        // Someone out of scope reads as unknown: the file must not reveal who is registered elsewhere.
        None | Some(Found { allowed: false, .. }) => {
            r.problem("id_number", "系统中没有您管理范围内的此人员（请核对身份证号，或先登记人员）");
            Ok(None)
        }
        Some(found) => {
            if let Some(name) = name
                && name != found.name
            {
                r.problem("name", format!("姓名“{name}”与该身份证号登记的姓名不一致"));
                return Ok(None);
            }
            Ok(Some(found.person))
        }
    }
}

/// Adds the problems [`RecordFacts::check`] finds, naming the row and the column.
fn check_facts(r: &mut RowReader<'_>, facts: &RecordFacts, rules: &RuleSettings) {
    for p in facts.check(rules) {
        r.problem(p.field, p.message);
    }
}

/// A second row with the same person, kind, name and dates is almost always a copy-paste slip.
fn duplicate_key(person: PersonId, facts: &RecordFacts) -> String {
    format!("{}|{}|{}|{:?}|{}", person.0, facts.kind.code(), facts.title, facts.start, facts.end)
}

/// Parses a unit administrator's registration file into records (provisional, for the province to grant).
pub async fn parse_registrations(
    app: &App,
    p: &Acting,
    bytes: &[u8],
    file_name: &str,
) -> Result<Vec<NewCreditRecord>, AppError> {
    if !may_ever(&p.grants, CreditAction::Register) {
        return Err(AppError::Forbidden);
    }
    let table = read(bytes, file_name).await?;
    let found = locate(&table, REGISTRATION_COLUMNS).map_err(AppError::InvalidDocument)?;
    let mut cache = HashMap::new();
    let mut problems = Vec::new();
    let mut records = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in table.rows.iter().filter(|r| !r.is_empty()) {
        let mut r = RowReader { row, columns: REGISTRATION_COLUMNS, found: &found, problems: Vec::new() };
        let person = row_person(app, p, CreditAction::Register, &mut cache, &mut r).await?;
        let kind_text = r.required_text("kind");
        let kind = kind_text.as_deref().and_then(|k| match parse_kind(k).filter(|k| REGISTRABLE.contains(k)) {
            Some(k) => Some(k),
            None => {
                r.problem("kind", format!("“{k}”不是单位可登记的类别（进修学习、在职学历（学位）教育、政府指令性医疗卫生任务、有组织的继续医学教育实践活动）"));
                None
            }
        });
        let title = r.required_text("title");
        let start = r.date("start", false);
        let end = r.date("end", true);
        let hours = r.tenths("hours", "学时").map(Hours::from_tenths);
        let role_text = r.text("role");
        let role = if role_text.is_empty() {
            None
        } else {
            let role = parse_role(&role_text);
            if role.is_none() {
                r.problem("role", format!("“{role_text}”应为参加者或主讲人"));
            }
            role
        };
        let passed_text = r.text("passed");
        let passed = if passed_text.is_empty() {
            None
        } else {
            let passed = parse_flag(&passed_text);
            if passed.is_none() {
                r.problem("passed", format!("“{passed_text}”应为合格或不合格"));
            }
            passed
        };
        let source_ref = Some(r.text("source_ref")).filter(|s| !s.is_empty());
        if let (Some(person), Some(kind), Some(title), Some(end)) = (person, kind, title, end)
            && r.problems.is_empty()
        {
            let facts = RecordFacts {
                kind,
                title,
                project_number: None,
                level: None,
                delivery: None,
                role,
                start,
                end,
                passed,
                hours,
                credits: None,
                legacy_class: None,
            };
            check_facts(&mut r, &facts, &app.rules);
            if let Some(message) = super::registration::ends_in_future(&facts, app.today()) {
                r.problem("end", message);
            }
            let key = duplicate_key(person, &facts);
            if let Some(first) = seen.get(&key) {
                r.problem("title", format!("与第{first}行重复"));
            } else {
                seen.insert(key, row.number);
            }
            if r.problems.is_empty() {
                records.push(NewCreditRecord {
                    person_id: person,
                    source: RecordSource::Employer,
                    source_ref,
                    facts,
                    granted: false,
                });
            }
        }
        problems.extend(r.problems);
    }
    if !problems.is_empty() {
        return Err(AppError::InvalidDocument(problems));
    }
    Ok(records)
}

/// Registers every row of a file, or none: the number of records stored.
pub async fn import_registrations(app: &App, p: &Acting, bytes: &[u8], file_name: &str) -> Result<usize, AppError> {
    let records = parse_registrations(app, p, bytes, file_name).await?;
    Ok(app.store.record_credits(&p.actor(), &records).await?.len())
}

fn parse_class(text: &str) -> Option<LegacyClass> {
    match text.trim().trim_end_matches("学分").trim_end_matches('类').trim() {
        "I" | "Ⅰ" | "1" | "一" | "i" => Some(LegacyClass::I),
        "II" | "Ⅱ" | "2" | "二" | "ii" => Some(LegacyClass::II),
        _ => None,
    }
}

/// Parses a legacy I类/II类 file (province or national administrator) into granted records.
pub async fn parse_legacy(
    app: &App,
    p: &Acting,
    bytes: &[u8],
    file_name: &str,
) -> Result<Vec<NewCreditRecord>, AppError> {
    if !may_ever(&p.grants, CreditAction::ImportLegacy) {
        return Err(AppError::Forbidden);
    }
    let table = read(bytes, file_name).await?;
    let found = locate(&table, LEGACY_COLUMNS).map_err(AppError::InvalidDocument)?;
    let mut cache = HashMap::new();
    let mut problems = Vec::new();
    let mut records = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in table.rows.iter().filter(|r| !r.is_empty()) {
        let mut r = RowReader { row, columns: LEGACY_COLUMNS, found: &found, problems: Vec::new() };
        let person = row_person(app, p, CreditAction::ImportLegacy, &mut cache, &mut r).await?;
        let class = r.required_text("class").and_then(|c| {
            let class = parse_class(&c);
            if class.is_none() {
                r.problem("class", format!("“{c}”应为 I类 或 II类"));
            }
            class
        });
        let credits = match r.tenths("credits", "学分") {
            Some(t) => Some(Credits::from_tenths(t)),
            None => {
                if r.cell("credits").is_empty() {
                    r.problem("credits", "不能为空");
                }
                None
            }
        };
        let title = r.required_text("title");
        let end = r.date("end", true);
        let number = Some(r.text("project_number")).filter(|s| !s.is_empty());
        if let (Some(person), Some(class), Some(credits), Some(title), Some(end)) = (person, class, credits, title, end)
            && r.problems.is_empty()
        {
            let facts = RecordFacts {
                kind: ActivityKind::Legacy,
                title,
                project_number: None,
                level: None,
                delivery: None,
                role: None,
                start: None,
                end,
                passed: None,
                hours: None,
                credits: Some(credits),
                legacy_class: Some(class),
            };
            check_facts(&mut r, &facts, &app.rules);
            let key = format!("{}|{}|{}", duplicate_key(person, &facts), class.code(), credits.tenths());
            if let Some(first) = seen.get(&key) {
                r.problem("title", format!("与第{first}行重复"));
            } else {
                seen.insert(key, row.number);
            }
            if r.problems.is_empty() {
                records.push(NewCreditRecord {
                    person_id: person,
                    source: RecordSource::Import,
                    source_ref: Some(match number {
                        Some(n) => format!("原学分记录导入（项目编号 {n}）"),
                        None => "原学分记录导入".to_string(),
                    }),
                    facts,
                    granted: true,
                });
            }
        }
        problems.extend(r.problems);
    }
    if !problems.is_empty() {
        return Err(AppError::InvalidDocument(problems));
    }
    Ok(records)
}

/// Imports every row of a legacy file, or none: the number of records stored.
pub async fn import_legacy(app: &App, p: &Acting, bytes: &[u8], file_name: &str) -> Result<usize, AppError> {
    let records = parse_legacy(app, p, bytes, file_name).await?;
    Ok(app.store.record_credits(&p.actor(), &records).await?.len())
}

/// The registration template: the header row and one example row to overwrite.
pub async fn registration_template() -> Result<Vec<u8>, AppError> {
    let t = |s: &str| CellOut::Text(s.to_string());
    let date = |s: &str| CellOut::Date(chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a valid date"));
    template(
        "学分登记",
        REGISTRATION_COLUMNS,
        vec![
            t("11010519491231002X"),
            t("（示例，请删除本行）"),
            t("进修学习"),
            t("北京协和医院心内科进修"),
            date("2025-03-01"),
            date("2025-08-31"),
            CellOut::Empty,
            CellOut::Empty,
            t("合格"),
            t("协和医教〔2025〕12号"),
        ],
        REGISTRATION_HELP,
    )
    .await
}

/// The legacy template.
pub async fn legacy_template() -> Result<Vec<u8>, AppError> {
    let t = |s: &str| CellOut::Text(s.to_string());
    template(
        "原学分记录",
        LEGACY_COLUMNS,
        vec![
            t("11010519491231002X"),
            t("（示例，请删除本行）"),
            t("I类"),
            CellOut::Tenths(60),
            t("心血管疾病诊疗新进展"),
            CellOut::Date(chrono::NaiveDate::from_ymd_opt(2023, 10, 20).expect("a valid date")),
            t("2023-03-01-001（国）"),
        ],
        LEGACY_HELP,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use jijiao_documents::read_table;

    #[test]
    fn legacy_classes_are_read_as_people_write_them() {
        for (text, class) in
            [("I类", LegacyClass::I), ("Ⅰ类学分", LegacyClass::I), ("II", LegacyClass::II), ("二类", LegacyClass::II)]
        {
            assert_eq!(parse_class(text), Some(class), "{text}");
        }
        assert_eq!(parse_class("III类"), None);
    }

    #[tokio::test]
    async fn templates_read_back_with_every_column() {
        for (bytes, columns) in [
            (registration_template().await.unwrap(), REGISTRATION_COLUMNS),
            (legacy_template().await.unwrap(), LEGACY_COLUMNS),
        ] {
            let table = read_table(&bytes, "template.xlsx").unwrap();
            let found = locate(&table, columns).unwrap();
            assert_eq!(found.len(), columns.len());
            assert_eq!(table.rows.len(), 1, "one example row");
        }
    }

    #[test]
    fn a_file_without_the_required_columns_names_each_missing_column() {
        let table = read_table("姓名,学时\n张三,3\n".as_bytes(), "x.csv").unwrap();
        let problems = locate(&table, REGISTRATION_COLUMNS).unwrap_err();
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 4, "{text:?}");
        assert!(text[0].contains("身份证号"), "{text:?}");
    }
}
