//! What the spreadsheet targets share: the panic policy, a ZIP writer for the structured xlsx
//! target, and the checks every successful read must pass.
#![allow(dead_code)] // each target uses part of it

use std::collections::HashSet;
use std::sync::Mutex;

use jijiao_documents::{Table, read_sheet, read_table, sheet_names};

/// `read_table` runs calamine under `catch_unwind` and reports a panic inside it as a corrupt
/// file (see `guarded` in `read.rs`); libFuzzer's own hook would abort on those. A panic
/// anywhere else is a crash. Each distinct calamine panic site is printed once, so a run
/// reports what the guard caught.
pub fn catch_parser_panics() {
    static SEEN: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let site = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        if site.contains("/calamine-") {
            let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
            if seen.get_or_insert_with(HashSet::new).insert(site.clone()) {
                eprintln!("caught calamine panic (guarded, reported as a corrupt file) at {site}: {info}");
            }
            return;
        }
        default(info);
        std::process::abort();
    }));
}

/// Reads the upload every way the server does, and checks what comes back.
pub fn read_all(bytes: &[u8], file_name: &str) {
    if let Ok(table) = read_table(bytes, file_name) {
        check_table(&table);
    } else if let Err(e) = read_table(bytes, file_name) {
        assert!(!e.to_string().is_empty());
    }
    if let Ok(names) = sheet_names(bytes, file_name) {
        for name in names.iter().take(4) {
            if let Ok(table) = read_sheet(bytes, file_name, name) {
                check_table(&table);
            }
        }
    }
}

/// What `Table` promises: rows numbered as the sheet shows them (ascending, below the
/// header), headers as wide as the widest row, no blank rows at the end, no trailing blank
/// cells.
fn check_table(table: &Table) {
    let mut previous = 0;
    for row in &table.rows {
        assert!(row.number > previous, "row numbers ascend");
        previous = row.number;
        assert!(row.cells.len() <= table.headers.len(), "headers as wide as every row");
        assert!(row.cells.last().is_none_or(|c| *c != jijiao_documents::Cell::Empty), "no trailing empty cells");
    }
    assert!(table.rows.last().is_none_or(|r| !r.is_empty()), "no blank rows at the end");
}

/// A ZIP of stored entries, so that mutations of the parts reach the XML parsers instead of
/// breaking a deflate stream or a CRC.
pub fn stored_zip<'a>(entries: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    let mut count = 0u16;
    for (name, data) in entries {
        count += 1;
        let offset = out.len() as u32;
        let crc = crc32(data);
        let fields = |out: &mut Vec<u8>| {
            out.extend([0u8; 6]); // method (stored), time, date
            out.extend(crc.to_le_bytes());
            out.extend((data.len() as u32).to_le_bytes());
            out.extend((data.len() as u32).to_le_bytes());
            out.extend((name.len() as u16).to_le_bytes());
        };
        out.extend(b"PK\x03\x04\x14\x00\x00\x00");
        fields(&mut out);
        out.extend(0u16.to_le_bytes());
        out.extend(name.as_bytes());
        out.extend(data);
        central.extend(b"PK\x01\x02\x14\x00\x14\x00\x00\x00");
        fields(&mut central);
        central.extend([0u8; 12]);
        central.extend(offset.to_le_bytes());
        central.extend(name.as_bytes());
    }
    let central_offset = out.len() as u32;
    let central_len = central.len() as u32;
    out.extend(central);
    out.extend(b"PK\x05\x06\x00\x00\x00\x00");
    out.extend(count.to_le_bytes());
    out.extend(count.to_le_bytes());
    out.extend(central_len.to_le_bytes());
    out.extend(central_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut table = [0u32; 256];
        for (i, entry) in table.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 == 1 { (c >> 1) ^ 0xEDB8_8320 } else { c >> 1 };
            }
            *entry = c;
        }
        table
    });
    !data.iter().fold(!0u32, |crc, &b| table[((crc ^ u32::from(b)) & 0xFF) as usize] ^ (crc >> 8))
}

/// Splits the structured input into parts at each [`PART_SEPARATOR`].
pub const PART_SEPARATOR: &[u8] = b"\n==part==\n";

pub fn split_parts(data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while let Some(at) = rest.windows(PART_SEPARATOR.len()).position(|w| w == PART_SEPARATOR) {
        parts.push(&rest[..at]);
        rest = &rest[at + PART_SEPARATOR.len()..];
    }
    parts.push(rest);
    parts
}
