//! Writing the spreadsheets jijiao hands out (project lists, rosters, credit reports, import
//! templates) as xlsx, and as UTF-8 CSV for systems that want text.
//!
//! The caller says what each cell is ([`CellOut`]); this module owns how Excel should show it,
//! so that ID numbers stay text, credits show one decimal and Chinese columns are wide enough.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

/// Excel's limits (rows include the header row).
const MAX_ROWS: usize = 1_048_576;
const MAX_COLUMNS: usize = 16_384;
const MAX_TEXT_CHARS: usize = 32_767;
const MAX_SHEET_NAME_CHARS: usize = 31;
/// Integers beyond this are rounded by Excel's f64 cells (2^53 − 1).
const MAX_EXACT_INTEGER: i64 = 9_007_199_254_740_991;

/// Automatic column widths, in Excel's units (the width of one "0"). Narrower columns hide
/// short headers; wider ones make 项目名称 columns run off the screen.
const MIN_AUTO_WIDTH: f64 = 6.0;
const MAX_AUTO_WIDTH: f64 = 60.0;

/// One worksheet to write.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sheet {
    /// Tab name; Chinese is fine. At most 31 characters, none of `[]:*?/\`
    /// (see [`safe_sheet_name`]).
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<CellOut>>,
    /// Column widths in Excel units (about one digit each; a Chinese character is about
    /// two). `None`, or columns past the end of the list, are sized from their content.
    pub column_widths: Option<Vec<f64>>,
}

/// A cell to write, by meaning rather than by Excel type.
#[derive(Debug, Clone, PartialEq)]
pub enum CellOut {
    /// Written as text (format `@`). Use this for ID numbers, phones, project numbers and
    /// anything else made of digits that is not a quantity: an 18-digit ID does not fit an
    /// Excel number, some end in X, and phones may start with 0.
    Text(String),
    /// A count. Must be within ±(2^53 − 1), which Excel holds exactly.
    Integer(i64),
    /// A quantity in tenths (credits, hours: `35` is 3.5), shown with one decimal. Divided by
    /// ten only here, so sums elsewhere stay exact integers.
    Tenths(i64),
    /// A date, shown as `yyyy-mm-dd`.
    Date(NaiveDate),
    Empty,
}

impl CellOut {
    /// The cell as a person reads it (a printed list, a CSV field before escaping): tenths with
    /// one decimal, dates as `yyyy-mm-dd`.
    pub fn display_text(&self) -> String {
        match self {
            CellOut::Text(s) => s.clone(),
            CellOut::Integer(n) => n.to_string(),
            CellOut::Tenths(t) => tenths_text(*t),
            CellOut::Date(d) => iso_date(*d),
            CellOut::Empty => String::new(),
        }
    }
}

/// Why a workbook could not be written. `Display` is Chinese: the message can reach the user
/// who asked for the export.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    #[error("没有要导出的工作表")]
    NoSheets,
    #[error("工作表名称“{name}”不可用：{reason}")]
    BadSheetName { name: String, reason: &'static str },
    #[error("工作表名称“{0}”重复（Excel 不区分大小写）")]
    DuplicateSheetName(String),
    #[error("工作表“{sheet}”有 {rows} 行，超过 Excel 每个工作表 1,048,576 行的上限，请分成多个文件导出")]
    TooManyRows { sheet: String, rows: usize },
    #[error("工作表“{sheet}”有 {columns} 列，超过 Excel 16,384 列的上限")]
    TooManyColumns { sheet: String, columns: usize },
    #[error("工作表“{sheet}”第 {row} 行第 {column} 列的文字超过 Excel 单元格 32,767 个字符的上限")]
    TextTooLong { sheet: String, row: usize, column: usize },
    #[error("工作表“{sheet}”第 {row} 行第 {column} 列的数字太大，Excel 无法精确保存")]
    NumberTooLarge { sheet: String, row: usize, column: usize },
    /// The xlsx library failed; the text is its (English) message, for the log.
    #[error("生成 Excel 文件失败：{0}")]
    Xlsx(String),
}

impl From<XlsxError> for WriteError {
    fn from(e: XlsxError) -> Self {
        WriteError::Xlsx(e.to_string())
    }
}

/// Writes the sheets into one xlsx workbook and returns its bytes.
///
/// Every sheet gets a bold header row that stays in place when scrolling, column widths that
/// account for Chinese characters being twice as wide, and text format on the columns that
/// hold only text so that an ID typed later into an exported template stays text.
pub fn write_xlsx(sheets: &[Sheet]) -> Result<Vec<u8>, WriteError> {
    if sheets.is_empty() {
        return Err(WriteError::NoSheets);
    }
    check_sheet_names(sheets)?;
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    for sheet in sheets {
        check_limits(sheet)?;
        // In-memory mode at the default compression. Measured on 20,000 × 11 (see
        // examples/bench_sheets.rs): 242 ms and 992 KB; constant-memory mode 178 ms and
        // 1.19 MB but it needs an extra feature and temp files on the server; compression
        // level 1 127 ms and 1.7 MB. Well under a second already, so the smaller download wins.
        let worksheet = workbook.add_worksheet();
        write_sheet(worksheet, sheet, &formats)?;
    }
    Ok(workbook.save_to_buffer()?)
}

struct Formats {
    header: Format,
    text: Format,
    tenths: Format,
    date: Format,
}

impl Formats {
    fn new() -> Self {
        Formats {
            header: Format::new().set_bold().set_num_format("@"),
            text: Format::new().set_num_format("@"),
            tenths: Format::new().set_num_format("0.0"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
        }
    }
}

fn write_sheet(ws: &mut Worksheet, sheet: &Sheet, formats: &Formats) -> Result<(), WriteError> {
    ws.set_name(sheet.name.as_str())?;
    let layout = Layout::measure(sheet);
    for (col, width) in layout.widths.iter().enumerate() {
        let col = col as u16;
        ws.set_column_width(col, *width)?;
        if layout.text_only[col as usize] {
            ws.set_column_format(col, &formats.text)?;
        }
    }
    for (col, header) in sheet.headers.iter().enumerate() {
        ws.write_string_with_format(0, col as u16, header, &formats.header)?;
    }
    ws.set_freeze_panes(1, 0)?;
    for (i, row) in sheet.rows.iter().enumerate() {
        let r = (i + 1) as u32;
        for (col, cell) in row.iter().enumerate() {
            let c = col as u16;
            match cell {
                CellOut::Empty => {}
                CellOut::Text(s) => {
                    ws.write_string_with_format(r, c, s, &formats.text)?;
                }
                CellOut::Integer(n) => {
                    ws.write_number(r, c, *n as f64)?;
                }
                CellOut::Tenths(t) => {
                    ws.write_number_with_format(r, c, *t as f64 / 10.0, &formats.tenths)?;
                }
                CellOut::Date(d) => match excel_date(*d) {
                    Some(date) => {
                        ws.write_datetime_with_format(r, c, date, &formats.date)?;
                    }
                    // Excel has no dates before 1900; keep the value visible rather than
                    // failing the whole export over one odd date.
                    None => {
                        ws.write_string_with_format(r, c, iso_date(*d), &formats.text)?;
                    }
                },
            }
        }
    }
    Ok(())
}

fn excel_date(d: NaiveDate) -> Option<ExcelDateTime> {
    let year = u16::try_from(d.year()).ok().filter(|y| (1900..=9999).contains(y))?;
    ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8).ok()
}

fn iso_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Column widths and which columns hold only text, from one pass over the data.
struct Layout {
    widths: Vec<f64>,
    text_only: Vec<bool>,
}

impl Layout {
    fn measure(sheet: &Sheet) -> Layout {
        let columns = sheet.rows.iter().map(Vec::len).max().unwrap_or(0).max(sheet.headers.len());
        // rust_xlsxwriter's autofit counts a Chinese character as one narrow letter, which
        // leaves Chinese columns half as wide as they need to be; measure here instead.
        // The header is bold, about a tenth wider.
        let mut content: Vec<f64> =
            (0..columns).map(|c| sheet.headers.get(c).map_or(0.0, |h| display_width(h) * 1.1)).collect();
        let mut text_only = vec![true; columns];
        for row in &sheet.rows {
            for (c, cell) in row.iter().enumerate() {
                let width = match cell {
                    CellOut::Empty => 0.0,
                    CellOut::Text(s) => display_width(s),
                    CellOut::Integer(n) => {
                        text_only[c] = false;
                        n.to_string().len() as f64
                    }
                    CellOut::Tenths(t) => {
                        text_only[c] = false;
                        tenths_text(*t).len() as f64
                    }
                    CellOut::Date(_) => {
                        text_only[c] = false;
                        10.0
                    }
                };
                content[c] = content[c].max(width);
            }
        }
        let given = sheet.column_widths.as_deref().unwrap_or(&[]);
        let widths = content
            .iter()
            .enumerate()
            .map(|(c, w)| match given.get(c) {
                Some(&w) => w,
                None => (w + 2.0).clamp(MIN_AUTO_WIDTH, MAX_AUTO_WIDTH),
            })
            .collect();
        Layout { widths, text_only }
    }
}

/// Width of text in Excel units: East Asian wide characters take two, everything else one.
/// The longest line counts for text with line breaks.
fn display_width(s: &str) -> f64 {
    s.lines().map(|line| line.chars().map(|c| if is_wide(c) { 2.0 } else { 1.0 }).sum()).fold(0.0, f64::max)
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F        // Hangul Jamo
        | 0x2E80..=0x303E      // CJK radicals, punctuation (、。「」), ideographic space
        | 0x3041..=0x33FF      // kana, bopomofo, CJK compatibility
        | 0x3400..=0x4DBF      // CJK extension A
        | 0x4E00..=0x9FFF      // CJK unified ideographs
        | 0xA000..=0xA4CF      // Yi
        | 0xAC00..=0xD7A3      // Hangul syllables
        | 0xF900..=0xFAFF      // CJK compatibility ideographs
        | 0xFE30..=0xFE4F      // CJK compatibility forms
        | 0xFF00..=0xFF60      // full-width forms (，（）：)
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD    // CJK extensions B and later (rare names: 𠮷)
    )
}

fn tenths_text(t: i64) -> String {
    let sign = if t < 0 { "-" } else { "" };
    let a = t.unsigned_abs();
    format!("{sign}{}.{}", a / 10, a % 10)
}

fn check_sheet_names(sheets: &[Sheet]) -> Result<(), WriteError> {
    let mut seen: Vec<String> = Vec::with_capacity(sheets.len());
    for sheet in sheets {
        let name = &sheet.name;
        let bad = |reason| WriteError::BadSheetName { name: name.clone(), reason };
        if name.trim().is_empty() {
            return Err(bad("名称不能为空"));
        }
        if name.chars().count() > MAX_SHEET_NAME_CHARS {
            return Err(bad("不能超过 31 个字符"));
        }
        if name.contains(['[', ']', ':', '*', '?', '/', '\\']) {
            return Err(bad("不能包含 [ ] : * ? / \\ 这些字符"));
        }
        if name.starts_with('\'') || name.ends_with('\'') {
            return Err(bad("不能以单引号开头或结尾"));
        }
        if name.eq_ignore_ascii_case("history") {
            return Err(bad("“History”是 Excel 的保留名称"));
        }
        let key = name.to_lowercase();
        if seen.contains(&key) {
            return Err(WriteError::DuplicateSheetName(name.clone()));
        }
        seen.push(key);
    }
    Ok(())
}

fn check_limits(sheet: &Sheet) -> Result<(), WriteError> {
    if sheet.rows.len() + 1 > MAX_ROWS {
        return Err(WriteError::TooManyRows { sheet: sheet.name.clone(), rows: sheet.rows.len() + 1 });
    }
    let columns = sheet.rows.iter().map(Vec::len).chain([sheet.headers.len()]).max().unwrap_or(0);
    if columns > MAX_COLUMNS {
        return Err(WriteError::TooManyColumns { sheet: sheet.name.clone(), columns });
    }
    if let Some(c) = sheet.headers.iter().position(|h| h.chars().count() > MAX_TEXT_CHARS) {
        return Err(WriteError::TextTooLong { sheet: sheet.name.clone(), row: 1, column: c + 1 });
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (row, column) = (r + 2, c + 1);
            match cell {
                // `len()` is bytes, ≥ chars: count chars only when it could matter.
                CellOut::Text(s) if s.len() > MAX_TEXT_CHARS && s.chars().count() > MAX_TEXT_CHARS => {
                    return Err(WriteError::TextTooLong { sheet: sheet.name.clone(), row, column });
                }
                CellOut::Integer(n) | CellOut::Tenths(n) if n.abs() > MAX_EXACT_INTEGER => {
                    return Err(WriteError::NumberTooLarge { sheet: sheet.name.clone(), row, column });
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Turns any string into a valid, similar-looking sheet name: the characters Excel forbids
/// become their full-width forms (`2024/09` → `2024／09`), surrounding apostrophes and
/// spaces go, and the name is cut to 31 characters. An empty result becomes `Sheet1`.
/// Uniqueness is the caller's business.
pub fn safe_sheet_name(raw: &str) -> String {
    let mapped: String = raw
        .chars()
        .map(|c| match c {
            '[' => '【',
            ']' => '】',
            ':' => '：',
            '*' => '＊',
            '?' => '？',
            '/' => '／',
            '\\' => '＼',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let trimmed = mapped.trim_matches(|c: char| c == '\'' || c.is_whitespace());
    let cut: String = trimmed.chars().take(MAX_SHEET_NAME_CHARS).collect();
    let cut = cut.trim_end_matches(|c: char| c == '\'' || c.is_whitespace());
    if cut.is_empty() || cut.eq_ignore_ascii_case("history") { "Sheet1".to_owned() } else { cut.to_owned() }
}

/// Writes CSV in UTF-8 with a BOM (without it, Chinese Excel reads the file as GBK and shows
/// mojibake), CRLF line ends as Excel writes them.
///
/// Two Excel behaviours are defused, since the file will be opened in Excel whatever we say:
/// * text starting with `=`, `+`, `-` or `@` is prefixed with `'` so Excel does not run it as
///   a formula (CSV injection); a lone `-` is left alone, it is a common "none";
/// * text of 12 or more digits (ID numbers, possibly ending in X) or digits with a leading
///   zero is prefixed with a tab, which makes Excel keep it as text instead of showing
///   `1.10101E+17` and destroying the last digits on save. [`crate::read_table`] trims it.
pub fn write_csv_utf8<S: AsRef<str>>(headers: &[S], rows: &[Vec<CellOut>]) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer =
            csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).flexible(true).from_writer(&mut out);
        // Writing into a Vec cannot fail; a failure here would be a bug in csv.
        let header_fields: Vec<String> = headers.iter().map(|h| csv_text(h.as_ref())).collect();
        writer.write_record(&header_fields).expect("writing CSV into memory");
        let mut fields: Vec<String> = Vec::new();
        for row in rows {
            fields.clear();
            fields.extend(row.iter().map(|cell| match cell {
                CellOut::Text(s) => csv_text(s),
                other => other.display_text(),
            }));
            writer.write_record(&fields).expect("writing CSV into memory");
        }
        writer.flush().expect("writing CSV into memory");
    }
    out
}

fn csv_text(s: &str) -> String {
    let first = s.chars().next();
    if matches!(first, Some('=' | '+' | '-' | '@')) && s != "-" {
        return format!("'{s}");
    }
    let digits = s.strip_suffix(['X', 'x']).unwrap_or(s);
    let all_digits = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    if all_digits && (s.len() >= 12 || (s.len() > 1 && s.starts_with('0'))) {
        return format!("\t{s}");
    }
    s.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenths_print_with_one_decimal() {
        assert_eq!(tenths_text(35), "3.5");
        assert_eq!(tenths_text(10), "1.0");
        assert_eq!(tenths_text(0), "0.0");
        assert_eq!(tenths_text(-5), "-0.5");
        assert_eq!(tenths_text(-25), "-2.5");
    }

    #[test]
    fn chinese_is_twice_as_wide() {
        assert_eq!(display_width("abc"), 3.0);
        assert_eq!(display_width("项目名称"), 8.0);
        assert_eq!(display_width("学分（分）"), 10.0);
        assert_eq!(display_width("第一行\n长一些的第二行"), 14.0);
    }

    #[test]
    fn layout_widths_and_text_columns() {
        let sheet = Sheet {
            name: "s".into(),
            headers: vec!["身份证号".into(), "学分".into(), "备注".into()],
            rows: vec![vec![
                CellOut::Text("11010119900101123X".into()),
                CellOut::Tenths(35),
                CellOut::Text("项".repeat(100)),
            ]],
            column_widths: Some(vec![25.0]),
        };
        let layout = Layout::measure(&sheet);
        assert_eq!(layout.widths[0], 25.0, "given width wins");
        assert_eq!(layout.widths[1], (4.0f64 * 1.1 + 2.0)); // header wider than "3.5"
        assert_eq!(layout.widths[2], MAX_AUTO_WIDTH);
        assert_eq!(layout.text_only, vec![true, false, true]);
    }

    #[test]
    fn sheet_names_are_checked() {
        let sheet = |name: &str| Sheet { name: name.into(), ..Sheet::default() };
        assert!(check_sheet_names(&[sheet("2024年第一批"), sheet("汇总")]).is_ok());
        for bad in ["", "  ", "a/b", "[x]", "'引号", "history", &"长".repeat(32)] {
            assert!(matches!(check_sheet_names(&[sheet(bad)]), Err(WriteError::BadSheetName { .. })), "{bad:?}");
        }
        assert_eq!(
            check_sheet_names(&[sheet("Sheet"), sheet("sheet")]),
            Err(WriteError::DuplicateSheetName("sheet".into()))
        );
    }

    #[test]
    fn safe_sheet_names() {
        assert_eq!(safe_sheet_name("2024/09 名单"), "2024／09 名单");
        assert_eq!(safe_sheet_name(" 'a:b?' "), "a：b？");
        assert_eq!(safe_sheet_name(""), "Sheet1");
        assert_eq!(safe_sheet_name("History"), "Sheet1");
        assert_eq!(safe_sheet_name(&"长".repeat(40)).chars().count(), 31);
        for raw in ["[]", "'''", "a\u{0}b", "2024/09 名单"] {
            let name = safe_sheet_name(raw);
            let sheet = Sheet { name, ..Sheet::default() };
            assert!(check_sheet_names(&[sheet]).is_ok(), "{raw:?}");
        }
    }

    #[test]
    fn csv_defuses_formulas_and_long_digits() {
        assert_eq!(csv_text("=1+1"), "'=1+1");
        assert_eq!(csv_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_text("+86 138"), "'+86 138");
        assert_eq!(csv_text("-"), "-");
        assert_eq!(csv_text("11010119900101123X"), "\t11010119900101123X");
        assert_eq!(csv_text("110101199001011234"), "\t110101199001011234");
        assert_eq!(csv_text("0123"), "\t0123");
        assert_eq!(csv_text("13800138000"), "13800138000");
        assert_eq!(csv_text("0"), "0");
        assert_eq!(csv_text("X"), "X");
        assert_eq!(csv_text("张三"), "张三");
    }

    #[test]
    fn limits_are_reported_with_positions() {
        let mut sheet = Sheet {
            name: "名单".into(),
            headers: vec!["a".into()],
            rows: vec![vec![CellOut::Empty, CellOut::Integer(1 << 60)]],
            column_widths: None,
        };
        assert_eq!(
            write_xlsx(std::slice::from_ref(&sheet)),
            Err(WriteError::NumberTooLarge { sheet: "名单".into(), row: 2, column: 2 })
        );
        sheet.rows = vec![vec![CellOut::Text("字".repeat(MAX_TEXT_CHARS + 1))]];
        let err = write_xlsx(std::slice::from_ref(&sheet)).unwrap_err();
        assert!(matches!(err, WriteError::TextTooLong { row: 2, column: 1, .. }));
        assert!(err.to_string().contains("第 2 行第 1 列"));
        assert_eq!(write_xlsx(&[]), Err(WriteError::NoSheets));
        sheet.rows = vec![Vec::new(); MAX_ROWS];
        assert_eq!(
            write_xlsx(std::slice::from_ref(&sheet)),
            Err(WriteError::TooManyRows { sheet: "名单".into(), rows: MAX_ROWS + 1 })
        );
    }
}
