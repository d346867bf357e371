//! Uploads are arbitrary bytes. Whatever arrives, reading returns a `ReadError` the user can
//! act on, never a panic.

use jijiao_documents::{CellOut, ReadError, Sheet, read_sheet, read_table, sheet_names, write_xlsx};
use proptest::prelude::*;

const XLS: &[u8] = include_bytes!("fixtures/projects.xls");
const FAR_XLS: &[u8] = include_bytes!("fixtures/far.xls");

fn small_xlsx() -> Vec<u8> {
    write_xlsx(&[Sheet {
        name: "名单".into(),
        headers: vec!["姓名".into(), "学分".into()],
        rows: (0..50).map(|i| vec![CellOut::Text(format!("学员{i}")), CellOut::Tenths(i)]).collect(),
        column_widths: None,
    }])
    .unwrap()
}

#[test]
fn empty_file() {
    assert_eq!(read_table(b"", "a.xlsx"), Err(ReadError::Empty));
    assert_eq!(read_table(b" \r\n\r\n", "a.csv"), Err(ReadError::Empty));
    assert_eq!(read_table(b"\xEF\xBB\xBF", "a.csv"), Err(ReadError::Empty));
    assert_eq!(sheet_names(b"", "a.xlsx"), Err(ReadError::Empty));
    assert_eq!(ReadError::Empty.to_string(), "文件是空的，没有任何内容");
    // A CSV of separators only has no content either.
    assert_eq!(read_table(b",,,\r\n,,\r\n", "a.csv"), Err(ReadError::EmptySheet { sheet: "a".into() }));
}

#[test]
fn truncated_xlsx_is_corrupt() {
    let xlsx = small_xlsx();
    for cut in [10, 100, xlsx.len() / 2, xlsx.len() - 30, xlsx.len() - 1] {
        let err = read_table(&xlsx[..cut], "a.xlsx").unwrap_err();
        assert!(matches!(err, ReadError::Corrupt { .. }), "cut at {cut}: {err:?}");
        assert!(err.to_string().contains("损坏"));
    }
}

#[test]
fn truncated_xls_is_corrupt() {
    // (Cutting only the unused end of the last sector leaves a readable file, rightly.)
    for cut in [600, 2000, XLS.len() / 2] {
        let err = read_table(&XLS[..cut], "a.xls").unwrap_err();
        assert!(matches!(err, ReadError::Corrupt { .. }), "cut at {cut}: {err:?}");
    }
}

#[test]
fn other_files_are_named() {
    let pdf = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<<>>\nendobj\n";
    let err = read_table(pdf, "名单.xlsx").unwrap_err();
    assert_eq!(err, ReadError::NotSpreadsheet { looks_like: Some("PDF 文件") });
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    assert!(matches!(read_table(png, "a.xls"), Err(ReadError::NotSpreadsheet { looks_like: Some("图片") })));
    // A ZIP that is a Word document, not a workbook.
    let docx = fake_zip("word/document.xml");
    assert_eq!(read_table(&docx, "a.xlsx"), Err(ReadError::NotSpreadsheet { looks_like: Some("Word 文档") }));
    // Random binary without a known signature.
    let noise: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    assert!(matches!(read_table(&noise, "a.csv"), Err(ReadError::NotSpreadsheet { looks_like: None })));
}

/// A valid ZIP with one stored entry, built by hand so the test needs no zip writer.
fn fake_zip(name: &str) -> Vec<u8> {
    let data = b"<w:document/>";
    let crc = crc32(data);
    let mut local = Vec::new();
    local.extend(b"PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00");
    local.extend(crc.to_le_bytes());
    local.extend((data.len() as u32).to_le_bytes());
    local.extend((data.len() as u32).to_le_bytes());
    local.extend((name.len() as u16).to_le_bytes());
    local.extend(0u16.to_le_bytes());
    local.extend(name.as_bytes());
    local.extend(data);
    let central_offset = local.len() as u32;
    let mut central = Vec::new();
    central.extend(b"PK\x01\x02\x14\x00\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00");
    central.extend(crc.to_le_bytes());
    central.extend((data.len() as u32).to_le_bytes());
    central.extend((data.len() as u32).to_le_bytes());
    central.extend((name.len() as u16).to_le_bytes());
    central.extend([0u8; 12]); // extra, comment, disk, internal attr, external attr
    central.extend(0u32.to_le_bytes()); // local header offset
    central.extend(name.as_bytes());
    let mut out = local;
    let central_len = central.len() as u32;
    out.extend(central);
    out.extend(b"PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00");
    out.extend(central_len.to_le_bytes());
    out.extend(central_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[test]
fn missing_sheet_in_csv_and_xlsx() {
    let xlsx = small_xlsx();
    assert_eq!(
        read_sheet(&xlsx, "a.xlsx", "汇总"),
        Err(ReadError::NoSuchSheet { requested: "汇总".into(), available: vec!["名单".into()] })
    );
    // Surrounding spaces in the requested name are forgiven.
    assert!(read_sheet(&xlsx, "a.xlsx", " 名单 ").is_ok());
}

// The next tests are files that made calamine abort the whole process (allocation failure,
// which no `catch_unwind` stops) before the reader learnt to refuse or avoid them.

#[test]
fn xlsx_with_cells_far_apart_reads_without_the_bounding_box() {
    // calamine's `worksheet_range` asks for 2^20 × 2^14 cells here (512 GB).
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "姓名").unwrap();
    sheet.write_string(1_048_575, 16_383, "误输入").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let table = read_table(&bytes, "a.xlsx").unwrap();
    assert_eq!(table.headers, vec!["姓名"; 1].into_iter().chain(vec![""; 16_383]).collect::<Vec<_>>());
    let last = table.rows.last().unwrap();
    assert_eq!(last.number, 1_048_576);
    assert_eq!(last.get(16_383).as_text().unwrap(), "误输入");
    assert!(table.rows[..table.rows.len() - 1].iter().all(|r| r.is_empty()));
}

#[test]
fn xlsx_claiming_row_four_billion_is_refused() {
    let xlsx = small_xlsx();
    let damaged =
        rewrite_part(&xlsx, "xl/worksheets/sheet1.xml", |xml| xml.replace(r#"<c r="A3""#, r#"<c r="A4000000000""#));
    let err = read_table(&damaged, "a.xlsx").unwrap_err();
    assert_eq!(err, ReadError::TooLarge);
}

/// Copies an xlsx with one part's XML changed.
fn rewrite_part(xlsx: &[u8], name: &str, change: impl Fn(&str) -> String) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let mut text = Vec::new();
        file.read_to_end(&mut text).unwrap();
        let file_name = file.name().unwrap().into_owned();
        if file_name == name {
            let changed = change(std::str::from_utf8(&text).unwrap());
            assert_ne!(changed.as_bytes(), &text[..], "the change must apply");
            text = changed.into_bytes();
        }
        out.start_file(file_name, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(&text).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn xlsx_beyond_the_cell_budget_is_too_large() {
    // 300 rows reaching the last column: 4.9 million cells in memory, from a small file.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for row in 0..300 {
        sheet.write_number(row, 16_383, 1.0).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    assert!(bytes.len() < 20_000);
    let err = read_table(&bytes, "a.xlsx").unwrap_err();
    assert_eq!(err, ReadError::TooLarge);
    assert!(err.to_string().contains("表格太大"));
}

#[test]
fn xls_with_cells_far_apart_is_too_large() {
    // calamine would build the 65,536 × 256 range; refused before it does.
    assert_eq!(read_table(FAR_XLS, "far.xls"), Err(ReadError::TooLarge));
}

/// Offset of FAT entry `id` and of the directory's first sector, from the OLE header.
fn fat_entry_offset(xls: &[u8], id: u32) -> usize {
    let first_fat_sector = u32::from_le_bytes(xls[76..80].try_into().unwrap()) as usize;
    512 + first_fat_sector * 512 + id as usize * 4
}

#[test]
fn xls_with_a_looping_directory_chain_is_corrupt() {
    // calamine follows the directory chain with no length limit: a FAT entry pointing to
    // itself makes it read until memory runs out.
    let mut xls = XLS.to_vec();
    let dir_start = u32::from_le_bytes(xls[48..52].try_into().unwrap());
    let at = fat_entry_offset(&xls, dir_start);
    assert_eq!(&xls[at..at + 4], &0xFFFF_FFFEu32.to_le_bytes(), "fixture layout");
    xls[at..at + 4].copy_from_slice(&dir_start.to_le_bytes());
    assert!(matches!(read_table(&xls, "a.xls"), Err(ReadError::Corrupt { .. })));
    assert!(matches!(sheet_names(&xls, "a.xls"), Err(ReadError::Corrupt { .. })));
}

#[test]
fn xls_with_huge_declared_dimensions_is_too_large() {
    // DIMENSIONS (0x0200, 14 bytes) of the first worksheet claims 2^31 rows; calamine
    // reserves room for all of them before reading a cell.
    let mut xls = XLS.to_vec();
    let header = [0x00, 0x02, 0x0E, 0x00];
    let at = xls.windows(4).position(|w| w == header).expect("a DIMENSIONS record") + 4;
    xls[at + 4..at + 8].copy_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
    assert_eq!(read_table(&xls, "a.xls"), Err(ReadError::TooLarge));
}

fn check_never_panics(bytes: &[u8]) {
    for name in ["a.xlsx", "a.xls", "a.csv", ""] {
        // Any result is fine; reaching this line without a panic is the property.
        let _ = read_table(bytes, name);
        let _ = sheet_names(bytes, name);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check_never_panics(&bytes);
    }

    #[test]
    fn random_bytes_behind_a_spreadsheet_signature_never_panic(
        ole in any::<bool>(),
        tail in proptest::collection::vec(any::<u8>(), 0..4096),
    ) {
        let mut bytes = if ole {
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec()
        } else {
            b"PK\x03\x04".to_vec()
        };
        bytes.extend(tail);
        let result = read_table(&bytes, "a.xlsx");
        prop_assert!(result.is_err());
    }

    /// Damaged real files reach deep into the parsers, where random bytes never get.
    #[test]
    fn damaged_workbooks_never_panic(
        xls in any::<bool>(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut bytes = if xls { XLS.to_vec() } else { small_xlsx() };
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        check_never_panics(&bytes);
    }

    #[test]
    fn any_text_reads_or_errs(text in "\\PC{0,300}") {
        check_never_panics(text.as_bytes());
        if let Ok(table) = read_table(text.as_bytes(), "a.csv") {
            // Row numbers strictly increase and start after the header.
            let numbers: Vec<usize> = table.rows.iter().map(|r| r.number).collect();
            prop_assert!(numbers.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(numbers.first().is_none_or(|&n| n >= 2));
            prop_assert!(table.rows.last().is_none_or(|r| !r.is_empty()));
        }
    }
}
