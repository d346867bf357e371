//! Editing reference data (the national administrator's): committee contacts of a province, and
//! the third-level subject catalogue replaced by importing a file (xlsx, xls, CSV or TSV).

use jijiao_documents::{Cell, read_table};
use jijiao_domain::authz::{Action, Place};
use jijiao_domain::subject::Catalogue;
use jijiao_storage::ProvinceRecord;
use serde::Deserialize;

use crate::{Acting, App, AppError, blocking};

/// Reads a catalogue file: a header row with 代码 (or 学科代码, code) and 名称 (or 学科名称, name)
/// columns, then one third-level subject per row. Every bad row is reported, with its row number
/// as the spreadsheet shows it.
pub fn parse_catalogue_file(bytes: &[u8], file_name: &str) -> Result<Catalogue, Vec<String>> {
    let table = read_table(bytes, file_name).map_err(|e| vec![e.to_string()])?;
    let code = table.column(&["代码", "学科代码", "三级学科代码", "code"]);
    let name = table.column(&["名称", "学科名称", "三级学科", "三级学科名称", "name"]);
    let (Some(code), Some(name)) = (code, name) else {
        return Err(vec!["第1行应为表头，包含“代码”和“名称”两列".to_string()]);
    };
    // One text line per spreadsheet row, so the catalogue's line numbers are the row numbers.
    let mut lines = vec![String::from("# header")];
    let mut problems = Vec::new();
    for row in &table.rows {
        while lines.len() + 1 < row.number {
            lines.push(String::new());
        }
        let mut text = |cell: &Cell, what: &str| match cell.as_text() {
            Ok(t) => t.trim().to_string(),
            Err(e) => {
                problems.push(format!("第{}行{what}：{e}", row.number));
                String::new()
            }
        };
        let c = text(row.get(code), "代码");
        let n = text(row.get(name), "名称");
        lines.push(if c.is_empty() && n.is_empty() { String::new() } else { format!("{c}\t{n}") });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Catalogue::parse(&lines.join("\n")).map_err(|errors| errors.iter().map(ToString::to_string).collect())
}

/// Replaces the catalogue (national administrator), all or nothing.
pub async fn import_catalogue(app: &App, p: &Acting, bytes: &[u8], file_name: &str) -> Result<usize, AppError> {
    p.require(Action::EditReference, &Place::everywhere())?;
    let (bytes, file_name) = (bytes.to_vec(), file_name.to_string());
    let parsed = blocking::run(move || parse_catalogue_file(&bytes, &file_name)).await?;
    let catalogue = parsed.map_err(|problems| {
        AppError::InvalidDocument(
            problems
                .into_iter()
                .map(|message| jijiao_domain::document::DocumentError { path: String::new(), message })
                .collect(),
        )
    })?;
    app.store.replace_catalogue(&p.actor(), &catalogue).await?;
    Ok(catalogue.tertiary().len())
}

/// A committee's contacts as an administrator edits them.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CommitteeEdit {
    pub committee_name: String,
    pub postcode: String,
    pub address: String,
    pub phone: String,
    pub fax: String,
}

pub async fn edit_committee(app: &App, p: &Acting, code: &str, edit: CommitteeEdit) -> Result<(), AppError> {
    p.require(Action::EditReference, &Place::everywhere())?;
    let current = app.store.province(code).await?;
    if edit.committee_name.trim().is_empty() {
        return Err(AppError::invalid("committee_name", "请填写委员会名称"));
    }
    if edit.postcode.trim().len() != 6 || !edit.postcode.trim().bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::invalid("postcode", "邮政编码应为6位数字"));
    }
    for (field, value) in [("phone", &edit.phone), ("fax", &edit.fax)] {
        if !value.trim().is_empty() && !jijiao_domain::personal::is_valid_phone(value) {
            return Err(AppError::invalid(field, "电话号码应形如 010-83970662"));
        }
    }
    let record = ProvinceRecord {
        committee_name: edit.committee_name.trim().to_string(),
        postcode: edit.postcode.trim().to_string(),
        address: edit.address.trim().to_string(),
        phone: edit.phone.trim().to_string(),
        fax: edit.fax.trim().to_string(),
        ..current
    };
    Ok(app.store.update_province_contacts(&p.actor(), &record).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_files_report_rows_as_excel_numbers_them() {
        let mut csv = String::from("代码,名称\n");
        for (code, name) in jijiao_domain::subject::SECONDARY {
            csv.push_str(&format!("{code}-01,{name}总论\n"));
        }
        let catalogue = parse_catalogue_file(csv.as_bytes(), "subjects.csv").unwrap();
        assert_eq!(catalogue.tertiary().len(), 24);
        let bad = csv.replace("03-01,临床内科学总论", "3-1,内科").replace("14-01,护理学总论", "14-01,中医护理");
        let problems = parse_catalogue_file(bad.as_bytes(), "subjects.csv").unwrap_err();
        assert!(problems.iter().any(|p| p.starts_with("第4行") && p.contains("3-1")), "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("第15行") && p.contains("中医")), "{problems:?}");
        assert!(parse_catalogue_file("a,b\n1,2\n".as_bytes(), "x.csv").unwrap_err()[0].contains("表头"));
    }
}
