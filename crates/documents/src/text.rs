//! CSV and tab-separated text as Chinese offices produce it: UTF-8 with or without a BOM from
//! web systems and newer Excel, GBK/GB18030 from Excel's plain "CSV (逗号分隔)" on a Chinese
//! Windows, UTF-16 from "Unicode 文本", tab-separated from "文本文件(制表符分隔)".

use std::borrow::Cow;

use encoding_rs::{GB18030, UTF_16BE, UTF_16LE};

use crate::cell::Cell;
use crate::read::{MAX_CELLS, ReadError};

/// Decodes text bytes, refusing what is clearly binary.
///
/// Order: a BOM decides; otherwise valid UTF-8 is UTF-8 (GBK text of any length is almost
/// never valid UTF-8, while UTF-8 is never mistaken for GBK this way round); otherwise
/// GB18030, the superset of GBK and GB2312 that Chinese Windows uses.
pub(crate) fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, ReadError> {
    let text: Cow<'_, str> = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        String::from_utf8_lossy(rest)
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        UTF_16LE.decode_without_bom_handling(rest).0
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        UTF_16BE.decode_without_bom_handling(rest).0
    } else if let Ok(s) = std::str::from_utf8(bytes) {
        Cow::Borrowed(s)
    } else {
        GB18030.decode_without_bom_handling(bytes).0
    };
    if text.trim().is_empty() {
        return Err(ReadError::Empty);
    }
    if !looks_like_text(&text) {
        return Err(ReadError::NotSpreadsheet { looks_like: None });
    }
    if text.trim_start().starts_with('<') {
        // Many systems export "xls" files that are HTML tables or Excel 2003 XML.
        return Err(ReadError::NotSpreadsheet {
            looks_like: Some("网页（HTML）或 XML 格式的文件，常见于其他系统导出的 .xls"),
        });
    }
    Ok(text)
}

/// Binary data decodes into text full of control characters and replacement characters;
/// real CSV has none but tab and line breaks. A few stray bad bytes (a GBK file with one
/// damaged character) are tolerated: 1 in 100 characters.
fn looks_like_text(text: &str) -> bool {
    let mut total = 0usize;
    let mut bad = 0usize;
    for c in text.chars() {
        total += 1;
        if c == '\0' {
            return false;
        }
        let control = c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c');
        if control || c == char::REPLACEMENT_CHARACTER {
            bad += 1;
        }
    }
    bad * 100 <= total
}

/// Splits decoded text into numbered rows of cells. Every cell is text: CSV has no types, and
/// keeping "0123" and "110101199001011234" as written is the point of accepting CSV.
///
/// A small parser of our own rather than the csv crate's reader: row numbers must be the ones
/// Excel shows, and the csv crate skips blank lines and reports line positions that do not
/// count them. The rules are Excel's: a field that starts with `"` is quoted (`""` is a quote,
/// separators and line breaks inside are data, text after the closing quote is appended); a
/// quote elsewhere is an ordinary character; CRLF, LF and lone CR all end a row; a blank line
/// is an empty row; an unclosed quote runs to the end of the file.
///
/// Every field costs a `Cell` (32 bytes) however short, so a file of commas grows 32-fold in
/// memory; more than [`MAX_CELLS`] fields is refused.
pub(crate) fn parse(text: &str, file_name: &str) -> Result<Vec<(usize, Vec<Cell>)>, ReadError> {
    let delimiter = delimiter(text, file_name);
    let mut rows: Vec<(usize, Vec<Cell>)> = Vec::new();
    let mut row: Vec<Cell> = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut at_field_start = true;
    // Whether anything has been read since the last row ended: "a\n" is one row, not two.
    let mut pending = false;
    let mut chars = text.chars().peekable();
    let mut budget = MAX_CELLS;
    let mut end_field = |row: &mut Vec<Cell>, field: &mut String| -> Result<(), ReadError> {
        budget = budget.checked_sub(1).ok_or(ReadError::TooLarge)?;
        row.push(if field.is_empty() { Cell::Empty } else { Cell::Text(std::mem::take(field)) });
        Ok(())
    };
    while let Some(c) = chars.next() {
        pending = true;
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                in_quotes = true;
                at_field_start = false;
            }
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                end_field(&mut row, &mut field)?;
                rows.push((rows.len() + 1, std::mem::take(&mut row)));
                at_field_start = true;
                pending = false;
            }
            c if c == delimiter => {
                end_field(&mut row, &mut field)?;
                at_field_start = true;
            }
            c => {
                field.push(c);
                at_field_start = false;
            }
        }
    }
    if pending {
        end_field(&mut row, &mut field)?;
        rows.push((rows.len() + 1, row));
    }
    Ok(rows)
}

/// Comma unless the first non-empty line (the header, which is rarely quoted) has more tabs
/// than commas. Semicolons are not considered: Chinese-locale Excel never writes them.
/// The name breaks a tie: `.tsv`/`.txt` files are tab-separated when they are tables at all.
fn delimiter(text: &str, file_name: &str) -> char {
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or_default();
    let tabs = first_line.matches('\t').count();
    let commas = first_line.matches(',').count();
    let lower = file_name.to_ascii_lowercase();
    let tab_named = lower.ends_with(".tsv") || lower.ends_with(".txt") || lower.ends_with(".tab");
    if tabs > commas || (tabs == commas && tabs > 0 && tab_named) { '\t' } else { ',' }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(text: &str) -> Vec<(usize, Vec<String>)> {
        parse(text, "a.csv")
            .unwrap()
            .into_iter()
            .map(|(n, cells)| (n, cells.iter().map(|c| c.to_string()).collect()))
            .collect()
    }

    #[test]
    fn blank_lines_are_rows_as_in_excel() {
        let rows = numbered("姓名,学分\r\n张三,3.5\r\n\r\n\r\n李四,2\r\n");
        let numbers: Vec<usize> = rows.iter().map(|r| r.0).collect();
        assert_eq!(numbers, vec![1, 2, 3, 4, 5]);
        assert_eq!(rows[2].1, vec![""]);
        assert_eq!(rows[4].1, vec!["李四", "2"]);
        // A quoted field with line breaks is one row.
        let rows = numbered("a,b\n\"多行\n备注\n内容\",x\n\ny,z\n");
        let numbers: Vec<usize> = rows.iter().map(|r| r.0).collect();
        assert_eq!(numbers, vec![1, 2, 3, 4]);
        assert_eq!(rows[1].1[0], "多行\n备注\n内容");
        assert_eq!(rows[3].1, vec!["y", "z"]);
    }

    #[test]
    fn excel_quoting_rules() {
        let rows = numbered("\"a,b\",\"say \"\"hi\"\"\",x\"y\"\r\"ab\"c,,\"\"");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].1, vec!["a,b", "say \"hi\"", "x\"y\""]);
        // Lone CR ends a row; text after a closing quote is appended; empty fields stay.
        assert_eq!(rows[1], (2, vec!["abc".into(), "".into(), "".into()]));
        // An unclosed quote runs to the end.
        let rows = numbered("a\n\"open,\nstill");
        assert_eq!(rows[1].1, vec!["open,\nstill"]);
        // No final line break needed; one final line break adds no row.
        assert_eq!(numbered("a,b").len(), 1);
        assert_eq!(numbered("a,b\r\n").len(), 1);
        assert_eq!(numbered("a,\n").last().unwrap().1, vec!["a", ""]);
        // Tab-separated.
        let rows = parse("姓名\t学分\n张三\t3.5", "a.txt").unwrap();
        assert_eq!(rows[1].1, vec![Cell::Text("张三".into()), Cell::Text("3.5".into())]);
    }

    #[test]
    fn a_file_of_separators_is_too_large() {
        let commas = ",".repeat(MAX_CELLS);
        assert_eq!(parse(&commas, "a.csv").unwrap_err(), ReadError::TooLarge);
        let almost = ",".repeat(MAX_CELLS - 1);
        assert_eq!(parse(&almost, "a.csv").unwrap()[0].1.len(), MAX_CELLS);
    }

    #[test]
    fn leading_blank_lines_count() {
        let rows = numbered("\n\n姓名\n张三");
        assert_eq!(rows[2], (3, vec!["姓名".to_string()]));
        assert_eq!(rows[3].0, 4);
    }

    #[test]
    fn tab_or_comma() {
        assert_eq!(delimiter("a\tb\tc\n1,2\t3", "x.csv"), '\t');
        assert_eq!(delimiter("a,b\tc", "x.csv"), ',');
        assert_eq!(delimiter("\n  \na\tb,c", "x.csv"), ',');
        assert_eq!(delimiter("a\tb,c", "x.txt"), '\t');
        assert_eq!(delimiter("单列", "x.txt"), ',');
    }

    #[test]
    fn decode_encodings() {
        let gbk = GB18030.encode("项目编号,学分").0;
        assert!(std::str::from_utf8(&gbk).is_err());
        assert_eq!(decode(&gbk).unwrap(), "项目编号,学分");
        let mut utf16: Vec<u8> = vec![0xFF, 0xFE];
        utf16.extend("姓名\t学分".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&utf16).unwrap(), "姓名\t学分");
        let mut utf16be: Vec<u8> = vec![0xFE, 0xFF];
        utf16be.extend("姓名".encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode(&utf16be).unwrap(), "姓名");
        assert_eq!(decode(b"\xEF\xBB\xBFa,b").unwrap(), "a,b");
    }

    #[test]
    fn decode_refuses_binary_and_markup() {
        assert_eq!(decode(b"  \r\n\t"), Err(ReadError::Empty));
        assert_eq!(decode(b"\xEF\xBB\xBF"), Err(ReadError::Empty));
        assert!(matches!(decode(b"a,b\0c"), Err(ReadError::NotSpreadsheet { looks_like: None })));
        let binary: Vec<u8> = (0..=255u8).cycle().take(2000).collect();
        assert!(matches!(decode(&binary[1..]), Err(ReadError::NotSpreadsheet { .. })));
        assert!(matches!(
            decode(b"\r\n<html><table><tr><td>1</td></tr></table></html>"),
            Err(ReadError::NotSpreadsheet { looks_like: Some(_) })
        ));
        // One damaged character in a long GBK file is tolerated.
        let mut gbk = GB18030.encode(&"张三,3.5\r\n".repeat(20)).0.into_owned();
        gbk.push(0xFF);
        assert!(decode(&gbk).is_ok());
    }
}
