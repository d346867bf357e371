//! Reading and writing the spreadsheets of imports (credit registrations, legacy records, rosters):
//! the columns a template writes and the aliases accepted, the reader that names every bad cell by
//! row and column, the bounded read off the async workers, and the template with its help sheet. One
//! implementation, so every import reports its problems the same way ("第4行“姓名”：…").

use std::collections::HashMap;

use jijiao_documents::{Cell, CellOut, Row, Sheet, Table, read_table, write_xlsx};
use jijiao_domain::document::DocumentError;

use crate::{AppError, blocking};

/// The most rows one file may carry (a large hospital's year fits many times over).
pub const MAX_ROWS: usize = 5000;

/// One column of an import: the header the template writes and the other headers accepted.
pub(crate) struct Column {
    pub(crate) header: &'static str,
    pub(crate) aliases: &'static [&'static str],
    pub(crate) required: bool,
    /// The field name problems are reported under (for credits, what `RecordFacts::check` names).
    pub(crate) field: &'static str,
}

/// The column indexes found in a table, by field; the missing required columns as problems.
pub(crate) fn locate(table: &Table, columns: &[Column]) -> Result<HashMap<&'static str, usize>, Vec<DocumentError>> {
    let mut found = HashMap::new();
    let mut missing = Vec::new();
    for c in columns {
        let names: Vec<&str> = std::iter::once(c.header).chain(c.aliases.iter().copied()).collect();
        match table.column(&names) {
            Some(i) => {
                found.insert(c.field, i);
            }
            None if c.required => missing.push(DocumentError {
                path: "第1行".into(),
                message: format!("表头缺少“{}”列（请使用下载的模板）", c.header),
            }),
            None => {}
        }
    }
    if missing.is_empty() { Ok(found) } else { Err(missing) }
}

/// Reads one row: the cells by field, and the problems of the row (with the row and column named).
pub(crate) struct RowReader<'a> {
    pub(crate) row: &'a Row,
    pub(crate) columns: &'a [Column],
    pub(crate) found: &'a HashMap<&'static str, usize>,
    pub(crate) problems: Vec<DocumentError>,
}

impl<'a> RowReader<'a> {
    pub(crate) fn header(&self, field: &str) -> &'static str {
        self.columns.iter().find(|c| c.field == field).map_or("", |c| c.header)
    }

    pub(crate) fn problem(&mut self, field: &str, message: impl Into<String>) {
        let path = format!("第{}行“{}”", self.row.number, self.header(field));
        self.problems.push(DocumentError { path, message: message.into() });
    }

    pub(crate) fn cell(&self, field: &str) -> &'a Cell {
        static EMPTY: Cell = Cell::Empty;
        match self.found.get(field) {
            Some(&i) => self.row.get(i),
            None => &EMPTY,
        }
    }

    /// The cell as trimmed text ("" when empty).
    pub(crate) fn text(&mut self, field: &str) -> String {
        match self.cell(field).as_text() {
            Ok(t) => t.trim().to_string(),
            Err(e) => {
                self.problem(field, e.to_string());
                String::new()
            }
        }
    }

    pub(crate) fn required_text(&mut self, field: &str) -> Option<String> {
        let t = self.text(field);
        if t.is_empty() {
            self.problem(field, "不能为空");
            None
        } else {
            Some(t)
        }
    }

    pub(crate) fn date(&mut self, field: &str, required: bool) -> Option<chrono::NaiveDate> {
        let cell = self.cell(field);
        if cell.is_empty() {
            if required {
                self.problem(field, "不能为空");
            }
            return None;
        }
        match cell.as_date() {
            Some(d) => Some(d),
            None => {
                let shown = self.text(field);
                self.problem(field, format!("“{shown}”不是日期，应形如 2025-03-01"));
                None
            }
        }
    }

    pub(crate) fn tenths(&mut self, field: &str, what: &str) -> Option<i64> {
        let text = self.text(field);
        if text.is_empty() {
            return None;
        }
        match jijiao_domain::tenths::parse_tenths(&text) {
            Ok(t) => Some(t),
            Err(_) => {
                self.problem(field, format!("{what}“{text}”应为数字，最多一位小数"));
                None
            }
        }
    }
}

/// Reads the file off the async workers (a large workbook takes a while to unpack and parse).
pub(crate) async fn read(bytes: &[u8], file_name: &str) -> Result<Table, AppError> {
    let (bytes, file_name) = (bytes.to_vec(), file_name.to_string());
    let table = blocking::run(move || read_table(&bytes, &file_name))
        .await?
        .map_err(|e| AppError::invalid("file", e.to_string()))?;
    let rows = table.rows.iter().filter(|r| !r.is_empty()).count();
    if rows == 0 {
        return Err(AppError::invalid("file", "文件中没有数据行"));
    }
    if rows > MAX_ROWS {
        return Err(AppError::invalid("file", format!("一次最多导入 {MAX_ROWS} 行，请分成多个文件")));
    }
    Ok(table)
}

/// A template: the columns' headers, one example row to overwrite, and a sheet of explanations.
pub(crate) async fn template(
    name: &str,
    columns: &[Column],
    example: Vec<CellOut>,
    help: &[&str],
) -> Result<Vec<u8>, AppError> {
    filled_template(name, columns, vec![example], help).await
}

/// A template already holding rows (what the system knows, for the user to complete).
pub(crate) async fn filled_template(
    name: &str,
    columns: &[Column],
    rows: Vec<Vec<CellOut>>,
    help: &[&str],
) -> Result<Vec<u8>, AppError> {
    let sheets = [
        Sheet {
            name: name.into(),
            headers: columns.iter().map(|c| c.header.to_string()).collect(),
            rows,
            column_widths: None,
        },
        Sheet {
            name: "填写说明".into(),
            headers: vec!["说明".into()],
            rows: help.iter().map(|h| vec![CellOut::Text((*h).to_string())]).collect(),
            column_widths: Some(vec![100.0]),
        },
    ];
    blocking::run(move || write_xlsx(&sheets)).await?.map_err(|e| AppError::Internal(e.to_string()))
}
