//! One cell of an uploaded spreadsheet, whatever file it came from, and the few ways the rest of
//! jijiao needs to look at it (as text, as a number, as a date).
//!
//! Excel, WPS and CSV disagree on types: an ID number may arrive as text, as a number or as a
//! number Excel has already rounded. `Cell` keeps what the file said; the helpers decide how
//! to interpret it in one place, so every importer behaves the same.

use std::borrow::Cow;
use std::fmt;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// The largest integer an `f64` holds exactly (2^53 − 1, JavaScript's `MAX_SAFE_INTEGER`).
/// A bigger "integer" in a cell has lost digits: 18-digit ID numbers typed into a cell
/// formatted as a number end up here.
const MAX_EXACT_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A cell value as the file stored it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing in the cell (also an empty string).
    Empty,
    /// Text exactly as stored, surrounding spaces included; [`Cell::as_text`] trims.
    Text(String),
    /// Any number. Excel has only one number type, so integers come back as `f64` too.
    Number(f64),
    Bool(bool),
    /// A date cell whose time of day is midnight.
    Date(NaiveDate),
    /// A date cell with a time of day.
    DateTime(NaiveDateTime),
}

/// Why a cell cannot be read the way the caller asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CellError {
    /// A number too large to be exact: Excel has already replaced the last digits.
    #[error("数字位数太多，Excel 已丢失精度，请将该列设置为文本格式后重新填写")]
    PrecisionLost,
    /// Infinity or NaN; no spreadsheet writes these, but a corrupt file could.
    #[error("单元格中的数字无效")]
    InvalidNumber,
}

impl Cell {
    /// True for an empty cell and for text that is only whitespace (full-width spaces
    /// included): users clear cells with the space bar.
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as the user meant it to be read, trimmed.
    ///
    /// * Text is trimmed (Unicode whitespace, so full-width spaces too).
    /// * A whole number prints without `.0`, so an ID number or phone typed into a number
    ///   cell comes back as its digits. Beyond 2^53 digits have been lost and the result is
    ///   [`CellError::PrecisionLost`]: silently returning `110101199001011000` for an ID
    ///   would be worse than asking the user to fix the column.
    /// * Other numbers print in the shortest form that reads back to the same value (`3.5`).
    /// * Dates print as `2024-09-02`, date-times as `2024-09-02 08:30:00`.
    /// * Booleans print as Excel shows them: `TRUE` / `FALSE`.
    /// * An empty cell is `""`.
    pub fn as_text(&self) -> Result<Cow<'_, str>, CellError> {
        Ok(match self {
            Cell::Empty => Cow::Borrowed(""),
            Cell::Text(s) => Cow::Borrowed(s.trim()),
            Cell::Number(x) => Cow::Owned(number_text(*x)?),
            Cell::Bool(true) => Cow::Borrowed("TRUE"),
            Cell::Bool(false) => Cow::Borrowed("FALSE"),
            Cell::Date(d) => Cow::Owned(d.format("%Y-%m-%d").to_string()),
            Cell::DateTime(dt) => Cow::Owned(dt.format("%Y-%m-%d %H:%M:%S").to_string()),
        })
    }

    /// The cell as a number: a number cell, or text that is a plain decimal number
    /// (`" 3.5 "`). Anything else, including an empty cell, is `None`.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Cell::Number(x) if x.is_finite() => Some(*x),
            Cell::Text(s) => {
                let s = s.trim();
                // `f64::from_str` also accepts "inf", "NaN" and "1e5"; a credit or a count
                // written that way is a typo, not a number.
                let plain =
                    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+');
                if plain { s.parse().ok() } else { None }
            }
            _ => None,
        }
    }

    /// The cell as a calendar date: a date cell, the date of a date-time cell, or text
    /// in the forms Chinese lists use (`2024-09-02`, `2024/9/2`, `2024.09.02`,
    /// `2024年9月2日`, `20240902`), optionally followed by a time which is ignored.
    /// A bare number is not taken as an Excel serial date: it is ambiguous.
    pub fn as_date(&self) -> Option<NaiveDate> {
        match self {
            Cell::Date(d) => Some(*d),
            Cell::DateTime(dt) => Some(dt.date()),
            Cell::Text(s) => parse_date_text(s),
            _ => None,
        }
    }
}

impl fmt::Display for Cell {
    /// Like [`Cell::as_text`], but a number that lost precision prints as it is stored
    /// (for messages and logs, never for data).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.as_text(), self) {
            (Ok(text), _) => f.write_str(&text),
            (Err(_), Cell::Number(x)) => write!(f, "{x}"),
            (Err(_), _) => Ok(()),
        }
    }
}

/// Formats a number the way a user typed it: integers without a decimal point.
fn number_text(x: f64) -> Result<String, CellError> {
    if !x.is_finite() {
        return Err(CellError::InvalidNumber);
    }
    if x.abs() > MAX_EXACT_INTEGER {
        return Err(CellError::PrecisionLost);
    }
    if x.fract() == 0.0 {
        // Exact: |x| ≤ 2^53 − 1 fits an i64. Also turns -0.0 into "0".
        Ok((x as i64).to_string())
    } else {
        // Rust's `Display` for f64 is the shortest round-trip form and never uses an
        // exponent, so 3.5 → "3.5" and 0.1 → "0.1".
        Ok(x.to_string())
    }
}

/// Parses the date forms seen in Chinese lists. Returns `None` rather than guessing.
pub(crate) fn parse_date_text(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    // Drop a time part: "2024-09-02 08:30" or ISO "2024-09-02T08:30:00".
    let date_part = s.split([' ', 'T', '\u{3000}']).next()?;
    let digits_only = date_part.bytes().all(|b| b.is_ascii_digit());
    if digits_only && date_part.len() == 8 {
        let y = date_part[..4].parse().ok()?;
        let m = date_part[4..6].parse().ok()?;
        let d = date_part[6..].parse().ok()?;
        return NaiveDate::from_ymd_opt(y, m, d);
    }
    let mut parts = date_part.split(['-', '/', '.', '年', '月', '日']).filter(|p| !p.is_empty());
    let y: i32 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let d: u32 = parts.next()?.parse().ok()?;
    // Only a four-digit year: "24/9/2" could be read three ways.
    if parts.next().is_some() || !(1000..=9999).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Parses the ISO 8601 text calamine returns for xlsx cells of type `d`.
pub(crate) fn parse_iso_datetime(s: &str) -> Option<Cell> {
    if let Ok(dt) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(date_or_datetime(dt));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(Cell::Date(d));
    }
    None
}

/// A date-time at midnight is a date: Excel stores both as a serial number and a date typed
/// into a cell has no time.
pub(crate) fn date_or_datetime(dt: NaiveDateTime) -> Cell {
    if dt.time() == NaiveTime::MIN { Cell::Date(dt.date()) } else { Cell::DateTime(dt) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(cell: Cell) -> Result<String, CellError> {
        cell.as_text().map(|t| t.into_owned())
    }

    #[test]
    fn integers_print_without_decimal_point() {
        assert_eq!(text(Cell::Number(13_800_138_000.0)).unwrap(), "13800138000");
        assert_eq!(text(Cell::Number(42.0)).unwrap(), "42");
        assert_eq!(text(Cell::Number(-7.0)).unwrap(), "-7");
        assert_eq!(text(Cell::Number(-0.0)).unwrap(), "0");
        // A 15-digit (first-generation) ID number typed as a number survives.
        assert_eq!(text(Cell::Number(110_101_900_101_123.0)).unwrap(), "110101900101123");
    }

    #[test]
    fn fractions_print_shortest() {
        assert_eq!(text(Cell::Number(3.5)).unwrap(), "3.5");
        assert_eq!(text(Cell::Number(0.1)).unwrap(), "0.1");
        assert_eq!(text(Cell::Number(0.000_000_1)).unwrap(), "0.0000001");
    }

    #[test]
    fn numbers_beyond_2_pow_53_are_an_error() {
        // An 18-digit ID typed into a number cell: Excel keeps 15 significant digits.
        let rounded = 110_101_199_001_011_000.0;
        assert_eq!(Cell::Number(rounded).as_text(), Err(CellError::PrecisionLost));
        assert!(CellError::PrecisionLost.to_string().contains("请将该列设置为文本格式"));
        // The boundary: 2^53 − 1 is exact, 2^53 may be a rounded 2^53 + 1.
        assert_eq!(text(Cell::Number(9_007_199_254_740_991.0)).unwrap(), "9007199254740991");
        assert_eq!(Cell::Number(9_007_199_254_740_992.0).as_text(), Err(CellError::PrecisionLost));
        assert_eq!(Cell::Number(-1e300).as_text(), Err(CellError::PrecisionLost));
        assert_eq!(Cell::Number(f64::NAN).as_text(), Err(CellError::InvalidNumber));
        // Display still shows something for a message.
        assert_eq!(Cell::Number(rounded).to_string(), "110101199001011000");
    }

    #[test]
    fn text_is_trimmed_including_full_width_spaces() {
        assert_eq!(text(Cell::Text("\u{3000} 张三 \t".into())).unwrap(), "张三");
        assert!(Cell::Text(" \u{3000}\u{a0}".into()).is_empty());
        assert!(Cell::Empty.is_empty());
        assert!(!Cell::Number(0.0).is_empty());
        assert!(!Cell::Bool(false).is_empty());
    }

    #[test]
    fn other_kinds_as_text() {
        let d = NaiveDate::from_ymd_opt(2024, 9, 2).unwrap();
        assert_eq!(text(Cell::Date(d)).unwrap(), "2024-09-02");
        let dt = d.and_hms_opt(8, 30, 0).unwrap();
        assert_eq!(text(Cell::DateTime(dt)).unwrap(), "2024-09-02 08:30:00");
        assert_eq!(text(Cell::Bool(true)).unwrap(), "TRUE");
        assert_eq!(text(Cell::Empty).unwrap(), "");
    }

    #[test]
    fn numbers_from_text() {
        assert_eq!(Cell::Text(" 3.5 ".into()).as_number(), Some(3.5));
        assert_eq!(Cell::Text("-2".into()).as_number(), Some(-2.0));
        assert_eq!(Cell::Number(10.0).as_number(), Some(10.0));
        assert_eq!(Cell::Text("inf".into()).as_number(), None);
        assert_eq!(Cell::Text("1e5".into()).as_number(), None);
        assert_eq!(Cell::Text("3.5分".into()).as_number(), None);
        assert_eq!(Cell::Text("".into()).as_number(), None);
        assert_eq!(Cell::Empty.as_number(), None);
    }

    #[test]
    fn dates_from_text_in_chinese_forms() {
        let d = NaiveDate::from_ymd_opt(2024, 9, 2);
        for s in [
            "2024-09-02",
            "2024/9/2",
            "2024.09.02",
            "2024年9月2日",
            "20240902",
            " 2024-09-02 08:30 ",
            "2024-09-02T08:30:00",
        ] {
            assert_eq!(Cell::Text(s.into()).as_date(), d, "{s}");
        }
        for s in ["24/9/2", "2024-13-01", "2024-02-30", "九月二日", "2024-09", ""] {
            assert_eq!(Cell::Text(s.into()).as_date(), None, "{s}");
        }
        assert_eq!(Cell::Number(45537.0).as_date(), None);
    }

    #[test]
    fn iso_datetimes_from_xlsx() {
        let d = NaiveDate::from_ymd_opt(2024, 9, 2).unwrap();
        assert_eq!(parse_iso_datetime("2024-09-02"), Some(Cell::Date(d)));
        assert_eq!(parse_iso_datetime("2024-09-02T00:00:00"), Some(Cell::Date(d)));
        assert_eq!(
            parse_iso_datetime("2024-09-02T08:30:00.5"),
            Some(Cell::DateTime(d.and_hms_milli_opt(8, 30, 0, 500).unwrap()))
        );
        assert_eq!(parse_iso_datetime("PT1H"), None);
    }
}
