//! CSV and TSV uploads in UTF-8 (with or without BOM) or GBK: encoding detection, separator
//! detection (the name is a hint: `.txt` suggests tabs), quoting.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(init: common::catch_parser_panics(), |data: &[u8]| {
    common::read_all(data, "名单.csv");
    common::read_all(data, "名单.txt");
});
