//! Reading an uploaded spreadsheet (xlsx, xls or CSV/TSV text) into a [`Table`], with errors a
//! user can act on.
//!
//! The format is decided by the bytes, not the name: offices rename files freely, and many
//! systems export "xls" files that are really text or HTML. The name is only a hint (which
//! separator a `.txt` file probably uses, what to call a CSV's only sheet).

use std::fmt;
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{
    Data, DataRef, ExcelDateTime, Range, Reader, Sheet, SheetType, SheetVisible, Xls, XlsError, Xlsx, XlsxError,
};

use crate::cell::{Cell, date_or_datetime, parse_iso_datetime};
use crate::table::{Row, Table, header_text};
use crate::{ole, package, text};

/// The most cells one upload may turn into, counting the empty cells between used ones
/// (a sheet is rectangular in memory). Twenty times a national project list (14,482 × 11);
/// about 130 MB of cells. Beyond it the upload is refused rather than risking the server.
pub(crate) const MAX_CELLS: usize = 4_000_000;
/// The most text one upload may turn into. xlsx cells share strings, so a small file can
/// reference one long string a million times; each reference becomes its own `String`.
const MAX_TEXT_BYTES: usize = 256 << 20;

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Why an upload could not be read. `Display` is the Chinese message for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Zero bytes, or text with nothing but whitespace.
    Empty,
    /// Not a spreadsheet at all. `looks_like` names what it seems to be, when that is known
    /// ("PDF 文件"), because "it is not a spreadsheet" alone leaves the user guessing.
    NotSpreadsheet { looks_like: Option<&'static str> },
    /// A spreadsheet that cannot be parsed: truncated upload, damaged file. `detail` is the
    /// parser's message for the log; it is not shown to the user.
    Corrupt { detail: String },
    /// Protected with a password to open: the content is encrypted and cannot be read.
    Encrypted,
    /// `read_sheet` asked for a sheet the workbook does not have.
    NoSuchSheet { requested: String, available: Vec<String> },
    /// The chosen sheet has no cells at all.
    EmptySheet { sheet: String },
    /// More than [`MAX_CELLS`] cells (including blank cells between used ones) or too much
    /// text: usually a stray value far down or to the right, sometimes a hostile file.
    TooLarge,
    /// A file that expands to more than its reader may hold: an xlsx decompression bomb or a
    /// part built to make the parser buffer it whole (see `package.rs`), an xls whose cells
    /// copy a long shared string many times (`ole.rs`). `what` says in Chinese which limit it
    /// passed; `detail` is for the log.
    Unpacked { what: &'static str, detail: String },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Empty => f.write_str("文件是空的，没有任何内容"),
            ReadError::NotSpreadsheet { looks_like } => {
                f.write_str("该文件不是电子表格")?;
                if let Some(kind) = looks_like {
                    write!(f, "（看起来是{kind}）")?;
                }
                f.write_str(
                    "。请上传 Excel 文件（.xlsx 或 .xls）或 CSV 文件；\
                     如果它能用 Excel 或 WPS 打开，请“另存为” .xlsx 后再上传",
                )
            }
            ReadError::Corrupt { .. } => {
                f.write_str("文件已损坏或不完整，无法读取。请用 Excel 或 WPS 打开检查，重新保存后再上传")
            }
            ReadError::Encrypted => f.write_str("文件设置了打开密码，无法读取。请在 Excel 或 WPS 中取消密码后再上传"),
            ReadError::NoSuchSheet { requested, available } => {
                write!(f, "文件中没有名为“{requested}”的工作表")?;
                if !available.is_empty() {
                    write!(f, "，现有工作表：{}", available.join("、"))?;
                }
                Ok(())
            }
            ReadError::EmptySheet { sheet } => write!(f, "工作表“{sheet}”是空的，没有任何内容"),
            ReadError::TooLarge => f.write_str(
                "表格太大，无法读取（超过 400 万个单元格，或有内容写在很远的行列上）。\
                 请删除多余的行、列和工作表，或拆分成几个文件后再上传",
            ),
            ReadError::Unpacked { what, .. } => write!(
                f,
                "文件展开后的内容超出允许范围（{what}），为保护服务器已拒绝读取。\
                 正常的表格不会这样；请用 Excel 或 WPS 打开后“另存为” .xlsx 再上传，\
                 数据确实很多时请拆分成几个文件",
            ),
        }
    }
}

impl std::error::Error for ReadError {}

/// Reads the first visible sheet of an xlsx, xls or CSV/TSV file.
///
/// The header is the first non-empty row; [`Row::number`] is the row number the
/// spreadsheet shows. See [`Table`] for what is kept and dropped.
pub fn read_table(bytes: &[u8], file_name: &str) -> Result<Table, ReadError> {
    read(bytes, file_name, None)
}

/// Reads the sheet called `sheet` (exact name, or the same name with surrounding spaces).
/// A CSV file has one sheet, named after the file as Excel names it (`名单.csv` → `名单`).
pub fn read_sheet(bytes: &[u8], file_name: &str, sheet: &str) -> Result<Table, ReadError> {
    read(bytes, file_name, Some(sheet))
}

/// The names of the worksheets, in workbook order (hidden ones included), so a page can offer
/// the choice. A CSV file has one, named after the file.
pub fn sheet_names(bytes: &[u8], file_name: &str) -> Result<Vec<String>, ReadError> {
    match detect(bytes)? {
        Format::Xlsx => guarded(|| Ok(worksheets(&open_xlsx(bytes)?))),
        Format::Xls => guarded(|| Ok(worksheets(&open_ole(bytes)?))),
        Format::Text => {
            text::decode(bytes)?;
            Ok(vec![csv_sheet_name(file_name)])
        }
    }
}

enum Format {
    Xlsx,
    Xls,
    Text,
}

fn read(bytes: &[u8], file_name: &str, sheet: Option<&str>) -> Result<Table, ReadError> {
    match detect(bytes)? {
        Format::Xlsx => guarded(|| read_xlsx(bytes, sheet)),
        Format::Xls => guarded(|| read_xls(bytes, sheet)),
        Format::Text => {
            let own_name = csv_sheet_name(file_name);
            if let Some(wanted) = sheet
                && wanted.trim() != own_name
            {
                return Err(ReadError::NoSuchSheet { requested: wanted.to_owned(), available: vec![own_name] });
            }
            let decoded = text::decode(bytes)?;
            let rows = text::parse(&decoded, file_name)?;
            assemble(rows, &own_name)
        }
    }
}

fn detect(bytes: &[u8]) -> Result<Format, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    if bytes.starts_with(ZIP_MAGIC) {
        return Ok(Format::Xlsx);
    }
    if bytes.starts_with(OLE_MAGIC) {
        return Ok(Format::Xls);
    }
    // Files people attach by mistake. Text with these openings is impossible, so naming
    // them costs nothing and tells the user what went wrong.
    const KNOWN: &[(&[u8], &str)] = &[
        (b"%PDF", " PDF 文件"),
        (b"\x89PNG", "图片"),
        (b"\xFF\xD8\xFF", "图片"),
        (b"GIF8", "图片"),
        (b"Rar!", "压缩包"),
        (b"7z\xBC\xAF", "压缩包"),
        (b"\x1F\x8B", "压缩包"),
        (b"PK\x05\x06", "空的压缩包"),
        (b"{\\rtf", " RTF 文档"),
    ];
    for (magic, kind) in KNOWN {
        if bytes.starts_with(magic) {
            return Err(ReadError::NotSpreadsheet { looks_like: Some(kind.trim_start()) });
        }
    }
    Ok(Format::Text)
}

/// calamine is trusted to parse well-formed files, but uploads are arbitrary bytes and a
/// panic inside a parser must not take a request (or a batch import) down with it. A panic is
/// reported as a corrupt file; the default panic hook still logs it.
fn guarded<T>(f: impl FnOnce() -> Result<T, ReadError>) -> Result<T, ReadError> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(ReadError::Corrupt { detail: "spreadsheet parser panicked".into() }))
}

type Bytes<'a> = Cursor<&'a [u8]>;

fn open_xlsx(bytes: &[u8]) -> Result<Xlsx<Bytes<'_>>, ReadError> {
    package::check(bytes)?;
    Xlsx::new(Cursor::new(bytes)).map_err(|e| match e {
        // A ZIP that is not a workbook at all: say what it is instead of "corrupt".
        XlsxError::FileNotFound(_) | XlsxError::RelationshipNotFound if !contains(bytes, b"xl/workbook") => {
            ReadError::NotSpreadsheet { looks_like: Some(zip_kind(bytes)) }
        }
        other => xlsx_error(other),
    })
}

/// An OLE compound file is an .xls workbook, an encrypted .xlsx (Office puts encrypted OOXML
/// in an OLE container with an `EncryptedPackage` stream), or another Office document.
fn open_ole(bytes: &[u8]) -> Result<Xls<Bytes<'_>>, ReadError> {
    ole::check(bytes)?;
    match Xls::new(Cursor::new(bytes)) {
        Ok(xls) => Ok(xls),
        // The container is there but holds no readable workbook stream (calamine does not
        // export its container error kinds, so this covers "no such stream" and a damaged
        // container alike). calamine's xlsx reader recognises encrypted OOXML.
        Err(XlsError::Cfb(e)) => Err(match Xlsx::new(Cursor::new(bytes)) {
            Err(XlsxError::Password) => ReadError::Encrypted,
            _ => match ole_kind(bytes) {
                Some(kind) => ReadError::NotSpreadsheet { looks_like: Some(kind) },
                None => ReadError::Corrupt { detail: format!("xls container: {e}") },
            },
        }),
        Err(e) => Err(xls_error(e)),
    }
}

fn xlsx_error(e: XlsxError) -> ReadError {
    match e {
        XlsxError::Password => ReadError::Encrypted,
        other => ReadError::Corrupt { detail: format!("xlsx: {other}") },
    }
}

fn xls_error(e: XlsError) -> ReadError {
    match e {
        XlsError::Password => ReadError::Encrypted,
        other => ReadError::Corrupt { detail: format!("xls: {other}") },
    }
}

/// Worksheets only: chart sheets and macro sheets have no cells to import.
fn worksheets<RS, R: Reader<RS>>(book: &R) -> Vec<String>
where
    RS: std::io::Read + std::io::Seek,
{
    book.sheets_metadata().iter().filter(|s| s.typ == SheetType::WorkSheet).map(|s| s.name.clone()).collect()
}

/// The sheet to read: the one asked for, or the first one the user can see (templates
/// sometimes keep a hidden sheet of drop-down values, and "the first sheet" means the first
/// tab on screen).
fn choose_sheet(sheets: &[Sheet], wanted: Option<&str>) -> Result<String, ReadError> {
    let worksheets: Vec<&Sheet> = sheets.iter().filter(|s| s.typ == SheetType::WorkSheet).collect();
    match wanted {
        Some(wanted) => worksheets
            .iter()
            .find(|s| s.name == wanted)
            .or_else(|| worksheets.iter().find(|s| s.name.trim() == wanted.trim()))
            .map(|s| s.name.clone())
            .ok_or_else(|| ReadError::NoSuchSheet {
                requested: wanted.to_owned(),
                available: worksheets.iter().map(|s| s.name.clone()).collect(),
            }),
        None => worksheets
            .iter()
            .find(|s| s.visible == SheetVisible::Visible)
            .or(worksheets.first())
            .map(|s| s.name.clone())
            .ok_or_else(|| ReadError::Corrupt { detail: "workbook has no worksheet".into() }),
    }
}

fn read_xls(bytes: &[u8], wanted: Option<&str>) -> Result<Table, ReadError> {
    let mut book = open_ole(bytes)?;
    let name = choose_sheet(book.sheets_metadata(), wanted)?;
    // `ole::check` has bounded the range's size before calamine built it.
    let range = book.worksheet_range(&name).map_err(xls_error)?;
    assemble(range_rows(&range), &name)
}

/// The rows of a calamine range, numbered as the sheet shows them and padded on the left so
/// that cell index 0 is column A even when the used range starts further right.
fn range_rows(range: &Range<Data>) -> impl Iterator<Item = (usize, Vec<Cell>)> + '_ {
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    range.rows().enumerate().map(move |(i, row)| {
        let mut cells = Vec::with_capacity(first_col as usize + row.len());
        cells.resize(first_col as usize, Cell::Empty);
        cells.extend(row.iter().map(cell_from));
        (first_row as usize + i + 1, cells)
    })
}

/// Reads an xlsx sheet cell by cell instead of through `worksheet_range`, which allocates
/// the whole bounding box of the used cells at once: a 5 KB file with values in A1 and
/// XFD1048576 asks for 512 GB and aborts the process. Here memory follows the cells that
/// exist, each row only as wide as its own last cell, within [`MAX_CELLS`] and
/// [`MAX_TEXT_BYTES`]. Cells go straight into their rows (`rows[i]` is row `i + 1`, blank
/// rows included), so a file listing cells out of order costs nothing more, and there is no
/// second copy of the cells at any moment.
fn read_xlsx(bytes: &[u8], wanted: Option<&str>) -> Result<Table, ReadError> {
    let mut book = open_xlsx(bytes)?;
    let name = choose_sheet(book.sheets_metadata(), wanted)?;
    let mut reader = book.worksheet_cells_reader(&name).map_err(xlsx_error)?;
    let mut rows: Vec<(usize, Vec<Cell>)> = Vec::new();
    let mut text_bytes = 0usize;
    // Every slot counts: blank rows kept for numbering and blank cells left of a used one
    // take memory too, and a damaged file can claim row 4 billion.
    let mut budget = MAX_CELLS;
    while let Some(cell) = reader.next_cell().map_err(xlsx_error)? {
        let value = cell_from_ref(cell.get_value());
        if value == Cell::Empty {
            continue;
        }
        if let Cell::Text(s) = &value {
            text_bytes += s.len();
            if text_bytes > MAX_TEXT_BYTES {
                return Err(ReadError::TooLarge);
            }
        }
        let (row, col) = cell.get_position();
        let (row, col) = (row as usize, col as usize);
        if row >= rows.len() {
            budget = budget.checked_sub(row + 1 - rows.len()).ok_or(ReadError::TooLarge)?;
            let next = rows.len() + 1;
            rows.extend((next..=row + 1).map(|n| (n, Vec::new())));
        }
        let row_cells = &mut rows[row].1;
        if col >= row_cells.len() {
            budget = budget.checked_sub(col + 1 - row_cells.len()).ok_or(ReadError::TooLarge)?;
            row_cells.resize(col + 1, Cell::Empty);
        }
        // A repeated cell keeps its last value, as Excel would.
        row_cells[col] = value;
    }
    drop(reader);
    assemble(rows, &name)
}

/// Builds the table from numbered rows: the first non-empty row is the header, trailing empty
/// rows go (Excel often reports formatted but empty rows as used), middle ones stay.
pub(crate) fn assemble(rows: impl IntoIterator<Item = (usize, Vec<Cell>)>, sheet: &str) -> Result<Table, ReadError> {
    let mut rows = rows.into_iter().skip_while(|(_, cells)| cells.iter().all(Cell::is_empty));
    let Some((_, header_cells)) = rows.next() else {
        return Err(ReadError::EmptySheet { sheet: sheet.to_owned() });
    };
    let mut rows: Vec<Row> = rows
        .map(|(number, mut cells)| {
            // Same shape whatever the format: xls ranges are rectangular, xlsx and CSV rows
            // ragged. `Row::get` reads past the end as empty.
            while cells.last() == Some(&Cell::Empty) {
                cells.pop();
            }
            Row { number, cells }
        })
        .collect();
    while rows.last().is_some_and(Row::is_empty) {
        rows.pop();
    }
    let width = rows.iter().map(|r| r.cells.len()).max().unwrap_or(0).max(header_cells.len());
    let mut headers: Vec<String> = header_cells.iter().map(header_text).collect();
    headers.resize(width, String::new());
    Ok(Table { headers, rows })
}

fn cell_from(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => text_cell(s),
        Data::Float(x) => Cell::Number(*x),
        // Only xls RK records and ODS produce integers; both are far below 2^53.
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => datetime_cell(dt),
        Data::DateTimeIso(s) => parse_iso_datetime(s).unwrap_or_else(|| Cell::Text(s.clone())),
        Data::DurationIso(s) => Cell::Text(s.clone()),
        // The user sees "#N/A" in the cell; an importer reporting it is more helpful than an
        // empty value.
        Data::Error(e) => Cell::Text(e.to_string()),
    }
}

fn cell_from_ref(data: &DataRef<'_>) -> Cell {
    match data {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) => text_cell(s),
        DataRef::SharedString(s) => text_cell(s),
        DataRef::Float(x) => Cell::Number(*x),
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) => datetime_cell(dt),
        DataRef::DateTimeIso(s) => parse_iso_datetime(s).unwrap_or_else(|| Cell::Text(s.clone())),
        DataRef::DurationIso(s) => Cell::Text(s.clone()),
        DataRef::Error(e) => Cell::Text(e.to_string()),
    }
}

fn text_cell(s: &str) -> Cell {
    if s.is_empty() { Cell::Empty } else { Cell::Text(s.to_owned()) }
}

fn datetime_cell(dt: &ExcelDateTime) -> Cell {
    let serial = dt.as_f64();
    if dt.is_duration() {
        Cell::Number(serial)
    } else if (0.0..1.0).contains(&serial) && serial != 0.0 {
        // A time of day with no date (format h:mm): the "date" would be Excel's epoch,
        // which means nothing to anyone. Keep what the user sees.
        match dt.as_datetime() {
            Some(t) => Cell::Text(time_text(t.time())),
            None => Cell::Number(serial),
        }
    } else {
        dt.as_datetime().map_or(Cell::Number(serial), date_or_datetime)
    }
}

fn time_text(t: chrono::NaiveTime) -> String {
    use chrono::Timelike;
    if t.second() == 0 { t.format("%H:%M").to_string() } else { t.format("%H:%M:%S").to_string() }
}

/// Excel calls a CSV file's only sheet after the file: `名单.csv` → `名单`.
fn csv_sheet_name(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let stem = match base.rfind('.') {
        Some(dot) if dot > 0 => &base[..dot],
        _ => base,
    };
    stem.trim().to_owned()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// What a ZIP that is not an xlsx probably is. Entry names are stored uncompressed, so a
/// byte search is enough for a message.
fn zip_kind(bytes: &[u8]) -> &'static str {
    if contains(bytes, b"word/document") {
        "Word 文档"
    } else if contains(bytes, b"ppt/presentation") {
        "PowerPoint 演示文稿"
    } else if contains(bytes, b"opendocument.spreadsheet") {
        " ODS 表格（请另存为 .xlsx）"
    } else if contains(bytes, b"xl/workbook.bin") {
        " xlsb 二进制工作簿（请另存为 .xlsx）"
    } else {
        "压缩包"
    }
    .trim_start()
}

/// What an OLE file without a workbook stream probably is (directory names are UTF-16LE).
fn ole_kind(bytes: &[u8]) -> Option<&'static str> {
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    if contains(bytes, &utf16("WordDocument")) {
        Some("Word 文档")
    } else if contains(bytes, &utf16("PowerPoint Document")) {
        Some("PowerPoint 演示文稿")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_sheet_is_named_after_the_file() {
        assert_eq!(csv_sheet_name("名单.csv"), "名单");
        assert_eq!(csv_sheet_name("C:\\下载\\2024 名单.CSV"), "2024 名单");
        assert_eq!(csv_sheet_name("dir/a.b.txt"), "a.b");
        assert_eq!(csv_sheet_name(".csv"), ".csv");
        assert_eq!(csv_sheet_name(""), "");
    }

    #[test]
    fn assemble_numbers_and_trims() {
        let t = |s: &str| Cell::Text(s.into());
        let rows = vec![
            (1, vec![Cell::Empty]),
            (2, vec![t(" 姓名 "), t("学分")]),
            (3, vec![t("张三"), Cell::Number(3.5)]),
            (4, vec![Cell::Empty, t(" ")]),
            (5, vec![t("李四"), Cell::Number(2.0), t("多出的列")]),
            (6, vec![Cell::Empty, Cell::Empty]),
            (7, vec![]),
        ];
        let table = assemble(rows, "Sheet1").unwrap();
        assert_eq!(table.headers, vec!["姓名", "学分", ""]);
        let numbers: Vec<usize> = table.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, vec![3, 4, 5]);
        assert!(table.rows[1].is_empty());
    }

    #[test]
    fn assemble_empty_sheet() {
        let err = assemble(vec![(1, vec![Cell::Empty])], "名单").unwrap_err();
        assert_eq!(err, ReadError::EmptySheet { sheet: "名单".into() });
        assert_eq!(err.to_string(), "工作表“名单”是空的，没有任何内容");
    }

    #[test]
    fn messages_are_chinese_and_specific() {
        let e = ReadError::NotSpreadsheet { looks_like: Some("PDF 文件") };
        assert!(e.to_string().starts_with("该文件不是电子表格（看起来是PDF 文件）"));
        let e = ReadError::NoSuchSheet {
            requested: "第二批".into(), available: vec!["第一批".into(), "汇总".into()]
        };
        assert_eq!(e.to_string(), "文件中没有名为“第二批”的工作表，现有工作表：第一批、汇总");
        let e = ReadError::Corrupt { detail: "xlsx: Zip error: invalid Zip archive".into() };
        assert!(!e.to_string().contains("Zip"), "no English for the user");
    }

    #[test]
    fn time_only_cells_become_text() {
        let dt = calamine::ExcelDateTime::new(0.5, calamine::ExcelDateTimeType::DateTime, false);
        assert_eq!(cell_from(&Data::DateTime(dt)), Cell::Text("12:00".into()));
        let d = calamine::ExcelDateTime::new(45537.0, calamine::ExcelDateTimeType::DateTime, false);
        assert_eq!(cell_from(&Data::DateTime(d)), Cell::Date(chrono::NaiveDate::from_ymd_opt(2024, 9, 2).unwrap()));
        let dt = calamine::ExcelDateTime::new(45537.75, calamine::ExcelDateTimeType::DateTime, false);
        assert_eq!(
            cell_from(&Data::DateTime(dt)),
            Cell::DateTime(chrono::NaiveDate::from_ymd_opt(2024, 9, 2).unwrap().and_hms_opt(18, 0, 0).unwrap())
        );
        assert_eq!(cell_from(&Data::Error(calamine::CellErrorType::NA)), Cell::Text("#N/A".into()));
        assert_eq!(cell_from(&Data::String(String::new())), Cell::Empty);
    }
}
