//! Dates from outside: the JSON documents' strict `YYYY-MM-DD`, and spreadsheet cells read as
//! dates (text in the forms lists use, or Excel serial numbers).
#![no_main]

use jijiao_documents::Cell;
use jijiao_domain::document::parse_date;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(bytes) = data.get(..8) {
        let serial = f64::from_le_bytes(bytes.try_into().unwrap());
        let cell = Cell::Number(serial);
        let _ = (cell.as_date(), cell.as_text(), cell.as_number());
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Some(date) = parse_date(text) {
        assert_eq!(date.format("%Y-%m-%d").to_string(), text, "strict dates print as they were written");
    }
    let cell = Cell::Text(text.to_owned());
    let _ = (cell.as_date(), cell.as_text(), cell.as_number(), cell.is_empty());
});
