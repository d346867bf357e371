//! xlsx uploads. An input starting with `PK` is read as it is (ZIP structure, deflate, the
//! pre-flight in `package.rs`); any other input is the parts of a one-sheet workbook separated
//! by `common::PART_SEPARATOR`, packed as stored entries, so that mutations reach the XML.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

const PARTS: [&str; 7] = [
    "[Content_Types].xml",
    "_rels/.rels",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
    "xl/sharedStrings.xml",
    "xl/worksheets/sheet1.xml",
];

fuzz_target!(init: common::catch_parser_panics(), |data: &[u8]| {
    if data.starts_with(b"PK") {
        common::read_all(data, "名单.xlsx");
    } else {
        let zip = common::stored_zip(PARTS.iter().copied().zip(common::split_parts(data)));
        common::read_all(&zip, "名单.xlsx");
    }
});
