//! Decompression bombs: xlsx files of a few MB whose sheet inflates to gigabytes must be
//! refused while they are being inflated, with a message the user can read, and without the
//! reader holding what they inflate to (`examples/bomb.rs` measures the memory).

mod support;

use jijiao_documents::{ReadError, read_table, sheet_names};
use support::bomb;

const SHEET_HEAD: &[u8] =
    br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
const SHEET_TAIL: &[u8] = b"</sheetData></worksheet>";

fn assert_refused(bytes: &[u8]) {
    let err = read_table(bytes, "名单.xlsx").unwrap_err();
    assert!(matches!(err, ReadError::Unpacked { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.starts_with("文件展开后的内容超出允许范围（"), "{message}");
    assert!(message.contains("另存为"), "{message}");
    assert!(matches!(sheet_names(bytes, "名单.xlsx"), Err(ReadError::Unpacked { .. })));
}

#[test]
fn gigabytes_of_zeros_in_a_sheet_are_refused() {
    let bytes = bomb::xlsx(SHEET_HEAD, &[0; 1024], SHEET_TAIL, 3 << 30);
    assert!(bytes.len() < 4 << 20, "{} bytes", bytes.len());
    assert_refused(&bytes);
}

#[test]
fn well_formed_rows_inflating_hundreds_of_times_are_refused() {
    // Every event short and every element closed: only the count of inflated bytes stops it.
    // Deflate spends a few bits per 258 bytes on a pattern this long, so this inflates about
    // 300 times (1 GiB from 3.3 MB, as the example measures); a quarter of that here keeps
    // the debug build's scan short, and the ratio is what is refused.
    let row = br#"<row><c t="n"><v>1</v></c><c t="n"><v>2</v></c></row>"#;
    let bytes = bomb::xlsx(SHEET_HEAD, row, SHEET_TAIL, 256 << 20);
    assert!(bytes.len() < 1 << 20, "{} bytes", bytes.len());
    let err = read_table(&bytes, "名单.xlsx").unwrap_err();
    assert!(matches!(&err, ReadError::Unpacked { what, .. } if what.contains("远大于文件本身")), "{err:?}");
    assert_refused(&bytes);
}

#[test]
fn one_shared_string_gathered_forever_is_refused() {
    let bytes = bomb::xlsx(SHEET_HEAD, b"<row><c t=\"inlineStr\"><is><t>", b"", 2 << 30);
    assert_refused(&bytes);
}

#[test]
fn a_small_honest_bomb_shape_still_reads() {
    // The same construction at an honest size reads normally: the refusals above are about
    // size, not about how the package was made.
    let row = br#"<row><c t="n"><v>1</v></c><c t="n"><v>2</v></c></row>"#;
    let bytes = bomb::xlsx(
        &[SHEET_HEAD, br#"<row><c t="inlineStr"><is><t>a</t></is></c><c t="inlineStr"><is><t>b</t></is></c></row>"#]
            .concat(),
        row,
        SHEET_TAIL,
        3 << 20,
    );
    let table = read_table(&bytes, "名单.xlsx").unwrap();
    assert_eq!(table.headers, vec!["a", "b"]);
    assert!(table.rows.len() > 30_000, "{} rows", table.rows.len());
}
