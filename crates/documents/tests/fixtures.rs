//! Files made by other programs (see `fixtures/make_xls.py`): an .xls from xlwt, a GBK CSV as
//! Chinese Excel saves it, and password-protected workbooks.

use chrono::NaiveDate;
use jijiao_documents::{Cell, CellError, ReadError, read_sheet, read_table, sheet_names};

const XLS: &[u8] = include_bytes!("fixtures/projects.xls");
const GBK_CSV: &[u8] = include_bytes!("fixtures/projects_gbk.csv");
const PASSWORD_XLS: &[u8] = include_bytes!("fixtures/password.xls");
const PASSWORD_XLSX: &[u8] = include_bytes!("fixtures/password.xlsx");

fn text(cell: &Cell) -> String {
    cell.as_text().unwrap().into_owned()
}

#[test]
fn xls_reads_the_first_visible_sheet() {
    // The first sheet (下拉选项) is hidden; the user sees 项目 first.
    let table = read_table(XLS, "projects.xls").unwrap();
    assert_eq!(
        table.headers,
        vec![
            "项目编号",
            "项目名称",
            "申办单位",
            "项目负责人",
            "负责人电话",
            "身份证号",
            "学分",
            "举办日期",
            "拟招生人数",
            "备注"
        ]
    );
    let numbers: Vec<usize> = table.rows.iter().map(|r| r.number).collect();
    assert_eq!(numbers, vec![2, 3, 4, 5], "the blank row 3 keeps its place");
    assert!(table.rows[1].is_empty());

    let id = table.column(&["身份证号", "证件号码"]).unwrap();
    let credits = table.column(&["学分"]).unwrap();
    let date = table.column(&["举办日期"]).unwrap();
    let phone = table.column(&["负责人电话"]).unwrap();
    let planned = table.column(&["拟招生人数"]).unwrap();

    let first = &table.rows[0];
    assert_eq!(text(first.get(0)), "2024-04-08-186");
    assert_eq!(text(first.get(1)), "妇科肿瘤诊治新进展学习班");
    assert_eq!(text(first.get(3)), "王喆");
    assert_eq!(first.get(id), &Cell::Text("11010119900101123X".into()));
    assert_eq!(first.get(credits), &Cell::Number(3.5));
    assert_eq!(first.get(date), &Cell::Date(NaiveDate::from_ymd_opt(2024, 11, 3).unwrap()));
    // A phone typed as a number comes back as its digits.
    assert_eq!(first.get(phone), &Cell::Number(13_800_138_000.0));
    assert_eq!(text(first.get(phone)), "13800138000");
    assert_eq!(text(first.get(planned)), "200");
    assert_eq!(first.get(9), &Cell::Empty);

    let third = &table.rows[2];
    assert_eq!(text(third.get(id)), "110101199001011234");
    assert_eq!(text(third.get(phone)), "0371-66862211");
    assert_eq!(third.get(date).as_date(), NaiveDate::from_ymd_opt(2017, 10, 28));

    // An 18-digit ID typed into a number cell has lost digits: refuse it.
    let typed_as_number = &table.rows[3];
    assert_eq!(typed_as_number.get(id).as_text(), Err(CellError::PrecisionLost));
    assert_eq!(typed_as_number.get(credits).as_number(), Some(0.5));
}

#[test]
fn xls_named_sheets() {
    assert_eq!(sheet_names(XLS, "projects.xls").unwrap(), vec!["下拉选项", "项目", "第二页"]);
    let second = read_sheet(XLS, "projects.xls", "第二页").unwrap();
    assert_eq!(second.headers, vec!["姓名", "学分"]);
    assert_eq!(second.rows.len(), 1);
    assert_eq!(second.rows[0].number, 2);
    assert_eq!(text(second.rows[0].get(0)), "赵六");
    assert_eq!(text(second.rows[0].get(1)), "2");
    // Hidden sheets can still be asked for by name.
    let hidden = read_sheet(XLS, "projects.xls", "下拉选项").unwrap();
    assert_eq!(hidden.headers, vec!["面授"]);

    let err = read_sheet(XLS, "projects.xls", "第三页").unwrap_err();
    assert_eq!(
        err,
        ReadError::NoSuchSheet {
            requested: "第三页".into(),
            available: vec!["下拉选项".into(), "项目".into(), "第二页".into()],
        }
    );
    assert!(err.to_string().contains("第三页"));
}

#[test]
fn the_name_is_only_a_hint() {
    // An .xls saved under a .csv name (or no extension) is still read as xls.
    let table = read_table(XLS, "名单.csv").unwrap();
    assert_eq!(table.headers[0], "项目编号");
    let table = read_table(XLS, "").unwrap();
    assert_eq!(table.rows.len(), 4);
}

#[test]
fn gbk_csv_as_chinese_excel_saves_it() {
    let table = read_table(GBK_CSV, "项目.csv").unwrap();
    assert_eq!(table.headers.len(), 10);
    assert_eq!(table.headers[1], "项目名称");
    let numbers: Vec<usize> = table.rows.iter().map(|r| r.number).collect();
    assert_eq!(numbers, vec![2, 3, 4]);
    let id = table.column(&["身份证号"]).unwrap();
    assert_eq!(text(table.rows[0].get(id)), "11010119900101123X");
    assert_eq!(text(table.rows[2].get(id)), "110101199001011234");
    assert_eq!(text(table.rows[2].get(1)), "河南省超声医学学术年会,第十届");
    let credits = table.column(&["学分"]).unwrap();
    assert_eq!(table.rows[0].get(credits).as_number(), Some(3.5));
    let date = table.column(&["举办日期"]).unwrap();
    assert_eq!(table.rows[0].get(date).as_date(), NaiveDate::from_ymd_opt(2024, 11, 3));
    assert_eq!(table.rows[0].get(9), &Cell::Empty);
    // A CSV has one sheet, named after the file.
    assert_eq!(sheet_names(GBK_CSV, "项目.csv").unwrap(), vec!["项目"]);
    assert_eq!(read_sheet(GBK_CSV, "项目.csv", "项目").unwrap(), table);
    assert!(matches!(read_sheet(GBK_CSV, "项目.csv", "Sheet1"), Err(ReadError::NoSuchSheet { .. })));
}

#[test]
fn password_protected_files_are_refused_clearly() {
    for (bytes, name) in [(PASSWORD_XLSX, "password.xlsx"), (PASSWORD_XLS, "password.xls")] {
        let err = read_table(bytes, name).unwrap_err();
        assert_eq!(err, ReadError::Encrypted, "{name}");
        assert!(err.to_string().contains("密码"));
        assert_eq!(sheet_names(bytes, name).unwrap_err(), ReadError::Encrypted);
    }
}
