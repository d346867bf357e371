//! What `write_xlsx` and `write_csv_utf8` produce reads back through `read_table` unchanged,
//! and the same list in every text encoding offices use reads the same.

use chrono::NaiveDate;
use encoding_rs::{GB18030, GBK};
use jijiao_documents::{
    Cell, CellOut, ReadError, Sheet, read_sheet, read_table, sheet_names, write_csv_utf8, write_xlsx,
};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn text(cell: &Cell) -> String {
    cell.as_text().unwrap().into_owned()
}

fn roster() -> Sheet {
    Sheet {
        name: "2024年第一批学员".into(),
        headers: ["姓名", "身份证号", "手机", "学分", "人数", "日期", "备注"].map(String::from).to_vec(),
        rows: vec![
            vec![
                CellOut::Text("张三".into()),
                CellOut::Text("11010119900101123X".into()),
                CellOut::Text("13800138000".into()),
                CellOut::Tenths(35),
                CellOut::Integer(200),
                CellOut::Date(date(2024, 9, 2)),
                CellOut::Text("=1+1".into()),
            ],
            vec![
                CellOut::Text("王喆".into()),
                CellOut::Text("110101199001011234".into()),
                CellOut::Text("01066862211".into()),
                CellOut::Tenths(10),
                CellOut::Integer(-3),
                CellOut::Date(date(1899, 12, 31)),
                CellOut::Empty,
            ],
            vec![],
            vec![CellOut::Text("欧阳𠮷".into()), CellOut::Empty, CellOut::Empty, CellOut::Tenths(2)],
        ],
        column_widths: None,
    }
}

#[test]
fn xlsx_round_trip() {
    let bytes = write_xlsx(&[roster()]).unwrap();
    assert!(bytes.starts_with(b"PK\x03\x04"));
    let table = read_table(&bytes, "roster.xlsx").unwrap();
    assert_eq!(table.headers, vec!["姓名", "身份证号", "手机", "学分", "人数", "日期", "备注"]);
    let numbers: Vec<usize> = table.rows.iter().map(|r| r.number).collect();
    assert_eq!(numbers, vec![2, 3, 4, 5]);

    let r = &table.rows[0];
    assert_eq!(r.get(0), &Cell::Text("张三".into()));
    // Written as text: every digit and the X survive.
    assert_eq!(r.get(1), &Cell::Text("11010119900101123X".into()));
    assert_eq!(r.get(2), &Cell::Text("13800138000".into()));
    assert_eq!(r.get(3), &Cell::Number(3.5));
    assert_eq!(r.get(4), &Cell::Number(200.0));
    assert_eq!(text(r.get(4)), "200");
    assert_eq!(r.get(5), &Cell::Date(date(2024, 9, 2)));
    // xlsx cells are typed: formula-looking text is stored as text, not as a formula.
    assert_eq!(r.get(6), &Cell::Text("=1+1".into()));

    let r = &table.rows[1];
    assert_eq!(text(r.get(1)), "110101199001011234");
    assert_eq!(text(r.get(2)), "01066862211", "leading zero kept");
    assert_eq!(text(r.get(3)), "1");
    assert_eq!(r.get(4), &Cell::Number(-3.0));
    // Before Excel's calendar: written as text, still readable as a date.
    assert_eq!(r.get(5).as_date(), Some(date(1899, 12, 31)));

    assert!(table.rows[2].is_empty());
    assert_eq!(table.rows[3].get(0), &Cell::Text("欧阳𠮷".into()));
    assert_eq!(table.rows[3].get(3), &Cell::Number(0.2));
}

#[test]
fn xlsx_several_sheets_and_given_widths() {
    let mut second = roster();
    second.name = "汇总".into();
    second.column_widths = Some(vec![30.0, 20.0]);
    second.rows.truncate(1);
    let empty = Sheet {
        name: "空表".into(),
        headers: vec!["姓名".into(), "身份证号".into()],
        rows: vec![],
        column_widths: None,
    };
    let bytes = write_xlsx(&[roster(), second, empty]).unwrap();
    assert_eq!(sheet_names(&bytes, "x.xlsx").unwrap(), vec!["2024年第一批学员", "汇总", "空表"]);
    let summary = read_sheet(&bytes, "x.xlsx", "汇总").unwrap();
    assert_eq!(summary.rows.len(), 1);
    assert_eq!(text(summary.rows[0].get(0)), "张三");
    let template = read_sheet(&bytes, "x.xlsx", "空表").unwrap();
    assert_eq!(template.headers, vec!["姓名", "身份证号"]);
    assert!(template.rows.is_empty());
}

#[test]
fn xlsx_carries_the_formats_excel_needs() {
    // calamine does not report formats or panes, so look at the package parts themselves.
    let bytes = write_xlsx(&[roster()]).unwrap();
    let styles = part(&bytes, "xl/styles.xml");
    assert!(styles.contains(r#"formatCode="0.0""#), "credits with one decimal");
    assert!(styles.contains(r#"formatCode="yyyy-mm-dd""#), "ISO dates");
    assert!(styles.contains("<b/>"), "bold header font");
    let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains(r#"state="frozen""#), "frozen header row");
    assert!(sheet.contains(r#"ySplit="1""#));
    // ID numbers are strings (t="s"), never numbers.
    assert!(!sheet.contains("<v>11010119900101123"));
    let workbook = part(&bytes, "xl/workbook.xml");
    assert!(workbook.contains(r#"name="2024年第一批学员""#));
    // Column widths: B holds 18-character IDs → 20; A is 姓名 (bold, 4 units) vs 欧阳𠮷
    // (6 units) → 8; given widths win.
    assert!(sheet.contains(r#"<col min="1" max="1" width="8"#), "{sheet}");
    assert!(sheet.contains(r#"<col min="2" max="2" width="20"#), "{sheet}");
    // Text columns carry the text format, so an ID typed later into an exported template
    // stays text; number columns (学分, 人数) do not.
    assert!(styles.contains(r#"formatCode="@""#));
    assert!(sheet.contains(r#"<col min="2" max="2" width="20.7109375" style="1""#), "{sheet}");
    assert!(sheet.contains(r#"<col min="4" max="5" width="7.140625" customWidth="1"/>"#), "{sheet}");
    let mut given = roster();
    given.column_widths = Some(vec![33.0]);
    let sheet = part(&write_xlsx(&[given]).unwrap(), "xl/worksheets/sheet1.xml");
    assert!(sheet.contains(r#"<col min="1" max="1" width="33"#), "{sheet}");
}

fn part(xlsx: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut text).unwrap();
    text
}

#[test]
fn csv_round_trip_and_encodings_read_the_same() {
    let sheet = roster();
    let csv = write_csv_utf8(&sheet.headers, &sheet.rows);
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "BOM for Excel");
    let from_bom = read_table(&csv, "roster.csv").unwrap();

    let plain = String::from_utf8(csv[3..].to_vec()).unwrap();
    let from_utf8 = read_table(plain.as_bytes(), "roster.csv").unwrap();
    // Chinese Windows' own encoding: GB18030 covers every character, 𠮷 included.
    let (gb18030, _, unmappable) = GB18030.encode(&plain);
    assert!(!unmappable);
    assert_ne!(&gb18030[..], plain.as_bytes());
    let from_gb18030 = read_table(&gb18030, "roster.csv").unwrap();
    assert_eq!(from_bom, from_utf8);
    assert_eq!(from_gb18030, from_utf8);
    // Plain GBK (what most files really are) lacks 𠮷; compare a list without it.
    let common = plain.replace('𠮷', "修");
    let (gbk, _, unmappable) = GBK.encode(&common);
    assert!(!unmappable);
    assert_eq!(read_table(&gbk, "roster.csv").unwrap(), read_table(common.as_bytes(), "roster.csv").unwrap());

    let r = &from_utf8.rows[0];
    assert_eq!(text(r.get(0)), "张三");
    // The tab Excel needs to keep the ID as text is trimmed away.
    assert_eq!(text(r.get(1)), "11010119900101123X");
    assert_eq!(text(r.get(3)), "3.5");
    assert_eq!(r.get(5).as_date(), Some(date(2024, 9, 2)));
    assert_eq!(text(r.get(6)), "'=1+1", "formula defused");
    assert_eq!(text(from_utf8.rows[1].get(1)), "110101199001011234");
    assert_eq!(text(from_utf8.rows[1].get(4)), "-3");
    assert!(from_utf8.rows[2].is_empty());
    assert_eq!(from_utf8.rows[3].number, 5);
    assert_eq!(text(from_utf8.rows[3].get(0)), "欧阳𠮷");
    assert_eq!(text(from_utf8.rows[3].get(3)), "0.2");
}

#[test]
fn tab_separated_text_reads_like_csv() {
    let tsv = "项目编号\t项目名称\t学分\r\n2024-04-08-186\t妇科肿瘤年会\t8\r\n";
    let table = read_table(tsv.as_bytes(), "导出.xls").unwrap();
    assert_eq!(table.headers, vec!["项目编号", "项目名称", "学分"]);
    assert_eq!(text(table.rows[0].get(1)), "妇科肿瘤年会");
    // Excel's "Unicode 文本": UTF-16LE with a BOM, tab-separated.
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(tsv.encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(read_table(&utf16, "导出.txt").unwrap(), table);
}

#[test]
fn html_saved_as_xls_is_explained() {
    let html = "<html><body><table><tr><td>姓名</td></tr></table></body></html>";
    let err = read_table(html.as_bytes(), "导出.xls").unwrap_err();
    assert!(matches!(err, ReadError::NotSpreadsheet { looks_like: Some(_) }));
    assert!(err.to_string().contains("另存为"));
}
