//! The shape every uploaded sheet is turned into: a header row and numbered rows, so importers
//! never care whether the user sent xlsx, xls or CSV, and can name rows as the user sees them.

use crate::cell::Cell;

/// One sheet: the header row and the rows under it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// The header row, each cell trimmed. As wide as the widest row of the sheet; a column
    /// with no header is `""`.
    pub headers: Vec<String>,
    /// The rows under the header, in order. Blank rows in the middle are kept (check
    /// [`Row::is_empty`]) so that numbering matches the sheet; blank rows at the end are not.
    pub rows: Vec<Row>,
}

/// One row under the header.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The row number the spreadsheet program shows (the first row is 1). Error messages
    /// say "第 {number} 行" so the user can find the row.
    pub number: usize,
    /// The cells from the first column on. May be shorter than the header (CSV rows are
    /// ragged); use [`Row::get`].
    pub cells: Vec<Cell>,
}

static EMPTY: Cell = Cell::Empty;

impl Row {
    /// The cell in `column`, or an empty cell past the end of the row.
    pub fn get(&self, column: usize) -> &Cell {
        self.cells.get(column).unwrap_or(&EMPTY)
    }

    /// True when every cell is empty (or only spaces).
    pub fn is_empty(&self) -> bool {
        self.cells.iter().all(Cell::is_empty)
    }
}

impl Table {
    /// The index of the first column whose header matches any of `names`.
    ///
    /// Matching ignores every kind of whitespace (half-width, full-width, line breaks inside a
    /// wrapped header cell) and treats full-width ASCII as half-width, so `项目 编号`,
    /// `项目\n编号` and `项目编号` are one column, and so are `学分（分）` and `学分(分)`.
    /// Latin letters are compared case-insensitively (`ID` / `id`). Nothing fuzzier: a wrong
    /// column is worse than a clear "找不到列" message.
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        let wanted: Vec<String> = names.iter().map(|n| normalise_header(n)).collect();
        self.headers.iter().position(|h| {
            let h = normalise_header(h);
            !h.is_empty() && wanted.contains(&h)
        })
    }

    /// Makes the header the first row that contains one of `names`, for sheets that open with
    /// a title (`2024年第一批国家级继续医学教育项目`) above the real header. Looks at the current
    /// header and the first 20 rows; returns the table unchanged if none matches.
    pub fn with_header_row_containing(self, names: &[&str]) -> Table {
        if self.column(names).is_some() {
            return self;
        }
        let wanted: Vec<String> = names.iter().map(|n| normalise_header(n)).collect();
        let found = self.rows.iter().take(20).position(|row| {
            row.cells.iter().any(|c| c.as_text().is_ok_and(|t| wanted.contains(&normalise_header(&t))))
        });
        let Some(index) = found else {
            return self;
        };
        let mut rows = self.rows;
        let header_row = rows.remove(index);
        let rows: Vec<Row> = rows.split_off(index);
        let width = self.headers.len().max(header_row.cells.len());
        let mut headers: Vec<String> = header_row.cells.iter().map(header_text).collect();
        headers.resize(width, String::new());
        Table { headers, rows }
    }
}

/// A header cell as text: trimmed; a number or date header prints as the user sees it.
pub(crate) fn header_text(cell: &Cell) -> String {
    // `to_string` rather than `as_text`: a header is never data, so a rounded number is
    // still the best label available.
    cell.to_string().trim().to_owned()
}

/// Header comparison key: no whitespace, full-width ASCII folded to half-width, lower case.
fn normalise_header(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            // U+FF01..U+FF5E are full-width forms of U+0021..U+007E.
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xff01 + 0x21).unwrap_or(c),
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(headers: &[&str]) -> Table {
        Table { headers: headers.iter().map(|s| s.to_string()).collect(), rows: vec![] }
    }

    #[test]
    fn column_finds_any_of_several_names() {
        let t = table(&["序号", "项目编号", "项目 名称", "学分（分）", "ID"]);
        assert_eq!(t.column(&["编号", "项目编号"]), Some(1));
        assert_eq!(t.column(&["项目名称"]), Some(2));
        assert_eq!(t.column(&["学分(分)"]), Some(3));
        assert_eq!(t.column(&["id"]), Some(4));
        assert_eq!(t.column(&["负责人"]), None);
        assert_eq!(t.column(&[]), None);
    }

    #[test]
    fn column_ignores_full_width_spaces_and_line_breaks() {
        let t = table(&["", "项目\n编号", "\u{3000}项目\u{3000}名称\u{3000}"]);
        assert_eq!(t.column(&["项目编号"]), Some(1));
        assert_eq!(t.column(&[" 项目名称 "]), Some(2));
        // An empty header never matches, not even an empty name.
        assert_eq!(t.column(&[""]), None);
    }

    #[test]
    fn row_get_past_end_is_empty() {
        let row = Row { number: 2, cells: vec![Cell::Text("a".into())] };
        assert_eq!(row.get(0), &Cell::Text("a".into()));
        assert_eq!(row.get(5), &Cell::Empty);
        assert!(!row.is_empty());
        let blank = Row { number: 3, cells: vec![Cell::Empty, Cell::Text(" ".into())] };
        assert!(blank.is_empty());
    }

    #[test]
    fn header_row_below_a_title() {
        let text = |s: &str| Cell::Text(s.into());
        let t = Table {
            headers: vec!["2024年国家级继续医学教育项目".into(), "".into()],
            rows: vec![
                Row { number: 2, cells: vec![Cell::Empty, Cell::Empty] },
                Row { number: 3, cells: vec![text(" 项目编号 "), text("项目名称"), text("学分")] },
                Row { number: 4, cells: vec![text("2024-04-08-186"), text("妇科肿瘤年会")] },
            ],
        };
        let t = t.with_header_row_containing(&["项目编号"]);
        assert_eq!(t.headers, vec!["项目编号", "项目名称", "学分"]);
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.rows[0].number, 4);
        // Already right: unchanged.
        let again = t.clone().with_header_row_containing(&["项目名称"]);
        assert_eq!(again, t);
        // Not found: unchanged.
        let same = t.clone().with_header_row_containing(&["身份证号"]);
        assert_eq!(same, t);
    }
}
