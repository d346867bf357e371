//! .xls uploads (OLE compound files, BIFF8), through the pre-flight in `ole.rs` and calamine.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(init: common::catch_parser_panics(), |data: &[u8]| {
    common::read_all(data, "名单.xls");
});
