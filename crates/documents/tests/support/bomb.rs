//! Builds xlsx decompression bombs in memory, for the tests and the `bomb` example: a workbook
//! whose sheet part inflates to gigabytes, built without ever holding more than a megabyte of
//! it. The sheet's deflate stream is one compressed chunk repeated: a full flush after each
//! chunk makes every copy independent of what came before it, so the copies can be laid end
//! to end without compressing gigabytes.

use std::io::{Cursor, Read};

use flate2::{Compress, Compression, Crc, FlushCompress};

/// An xlsx like the ones rust_xlsxwriter writes, except that its sheet part is `head`, then
/// `unit` repeated to about `inflated` bytes in all, then `tail`. Sizes must stay under 4 GiB
/// (no ZIP64). The CRC is the true one, so nothing but size gives the bomb away.
pub fn xlsx(head: &[u8], unit: &[u8], tail: &[u8], inflated: u64) -> Vec<u8> {
    let chunk = unit.repeat((1 << 20) / unit.len());
    let copies = (inflated - head.len() as u64 - tail.len() as u64) / chunk.len() as u64;

    let mut deflate = Compress::new(Compression::best(), false);
    let mut stream = Vec::new();
    let mut block = |input: &[u8], flush: FlushCompress| {
        let mut out = Vec::with_capacity(input.len() + 1024);
        deflate.compress_vec(input, &mut out, flush).unwrap();
        out
    };
    stream.extend(block(head, FlushCompress::Full));
    let chunk_block = block(&chunk, FlushCompress::Full);
    for _ in 0..copies {
        stream.extend_from_slice(&chunk_block);
    }
    stream.extend(block(tail, FlushCompress::Full));
    stream.extend(block(&[], FlushCompress::Finish));

    let mut crc = Crc::new();
    crc.update(head);
    let mut chunk_crc = Crc::new();
    chunk_crc.update(&chunk);
    for _ in 0..copies {
        crc.combine(&chunk_crc);
    }
    crc.update(tail);
    let sheet_size = head.len() as u64 + copies * chunk.len() as u64 + tail.len() as u64;

    let mut entries = honest_parts();
    entries.push(Entry {
        name: "xl/worksheets/sheet1.xml".into(),
        deflated: true,
        crc: crc.sum(),
        data: stream,
        size: u32::try_from(sheet_size).expect("under 4 GiB"),
    });
    zip(&entries)
}

struct Entry {
    name: String,
    deflated: bool,
    crc: u32,
    data: Vec<u8>,
    size: u32,
}

/// Every part of a one-sheet workbook but the sheet, stored uncompressed.
fn honest_parts() -> Vec<Entry> {
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().write_string(0, 0, "姓名").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut entries = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().unwrap().into_owned();
        if name == "xl/worksheets/sheet1.xml" {
            continue;
        }
        let mut data = Vec::new();
        file.read_to_end(&mut data).unwrap();
        let mut crc = Crc::new();
        crc.update(&data);
        entries.push(Entry { name, deflated: false, crc: crc.sum(), size: data.len() as u32, data });
    }
    entries
}

/// A ZIP archive, written by hand because no writer takes a stream already deflated.
fn zip(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for entry in entries {
        let offset = out.len() as u32;
        let method: u16 = if entry.deflated { 8 } else { 0 };
        let fields = |out: &mut Vec<u8>| {
            out.extend(method.to_le_bytes());
            out.extend([0u8; 4]); // time, date
            out.extend(entry.crc.to_le_bytes());
            out.extend((entry.data.len() as u32).to_le_bytes());
            out.extend(entry.size.to_le_bytes());
            out.extend((entry.name.len() as u16).to_le_bytes());
        };
        out.extend(b"PK\x03\x04\x14\x00\x00\x00");
        fields(&mut out);
        out.extend(0u16.to_le_bytes()); // extra
        out.extend(entry.name.as_bytes());
        out.extend(&entry.data);
        central.extend(b"PK\x01\x02\x14\x00\x14\x00\x00\x00");
        fields(&mut central);
        central.extend([0u8; 12]); // extra, comment, disk, internal and external attributes
        central.extend(offset.to_le_bytes());
        central.extend(entry.name.as_bytes());
    }
    let central_offset = out.len() as u32;
    let central_len = central.len() as u32;
    out.extend(central);
    out.extend(b"PK\x05\x06\x00\x00\x00\x00");
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend(central_len.to_le_bytes());
    out.extend(central_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}
