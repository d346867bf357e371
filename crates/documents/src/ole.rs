//! Pre-flight checks on .xls (OLE compound) files, run before calamine sees them.
//!
//! calamine parses a whole .xls eagerly and trusts sizes written in the file. Found by
//! experiment (see `tests/bad_input.rs`): a FAT whose directory chain loops makes it read
//! forever until the allocator aborts the process, and a sheet with a DIMENSIONS record or
//! two cells far apart makes it allocate the whole bounding box at once (a 5 KB file asked for
//! 512 GB). An abort is not a panic: `catch_unwind` cannot stop it, and it would take the web
//! server down with the upload. So this module walks the same structures calamine will walk,
//! with bounds, and refuses what would loop or allocate past [`MAX_CELLS`].
//!
//! calamine also copies a shared string into every cell that references it: a 1 MB file with
//! one 64 K-character string and 50,000 references to it asks for 10 GB. So the shared string
//! table is walked as calamine walks it, and the text the cells will hold is added up before
//! calamine runs, within the same allowance as what an xlsx may keep (`package.rs`).

use crate::package::{KEPT_FLOOR, KEPT_PER_UPLOAD_BYTE};
use crate::read::{MAX_CELLS, ReadError};

const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
/// Sector ids at or above this are markers, not sectors (MS-CFB 2.1).
const MAXREGSECT: u32 = 0xFFFF_FFFA;
const DIFSECT: u32 = 0xFFFF_FFFC;
/// Streams shorter than this live in the mini stream (MS-CFB 2.2; calamine uses the same).
const MINI_CUTOFF: usize = 4096;
const MINI_SECTOR: usize = 64;
/// CONTINUE records in a row. Records hold at most 8,224 bytes, so 16,384 of them are 135 MB:
/// more than any upload (50 MB) can hold.
const MAX_CONTINUES: usize = 16_384;

/// Checks the container and the workbook stream. `Ok` means calamine can parse the file
/// within bounded time and memory (or will fail cleanly by itself).
pub(crate) fn check(bytes: &[u8]) -> Result<(), ReadError> {
    let cfb = Container::parse(bytes)?;
    let Some(workbook) = cfb.workbook_stream()? else {
        // No workbook: calamine reports it; the caller then checks for encrypted OOXML.
        return Ok(());
    };
    let text_limit = KEPT_FLOOR.max((bytes.len() as u64).saturating_mul(KEPT_PER_UPLOAD_BYTE));
    check_biff(&workbook, text_limit)
}

fn corrupt(detail: &str) -> ReadError {
    ReadError::Corrupt { detail: format!("xls container: {detail}") }
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

struct Entry {
    name: String,
    start: u32,
    len: u64,
}

struct Container<'a> {
    bytes: &'a [u8],
    sector: usize,
    fat: Vec<u32>,
    entries: Vec<Entry>,
    mini_fat: Vec<u32>,
    mini_stream: Vec<u8>,
}

impl<'a> Container<'a> {
    fn parse(bytes: &'a [u8]) -> Result<Self, ReadError> {
        if bytes.len() < 512 {
            return Err(corrupt("shorter than a header"));
        }
        let sector = match u16_at(bytes, 30) {
            Some(9) => 512,
            Some(12) => 4096,
            _ => return Err(corrupt("bad sector size")),
        };
        let mini_fat_len = u32_at(bytes, 64).unwrap_or(0) as usize;
        let dir_start = u32_at(bytes, 48).unwrap_or(ENDOFCHAIN);
        let mini_fat_start = u32_at(bytes, 60).unwrap_or(ENDOFCHAIN);
        let sectors_in_file = bytes.len() / sector + 1;
        let mut container = Container {
            bytes,
            sector,
            fat: Vec::new(),
            entries: Vec::new(),
            mini_fat: Vec::new(),
            mini_stream: Vec::new(),
        };

        // DIFAT: 109 entries in the header, then a chain of DIFAT sectors whose last entry
        // points to the next one. Bounded by the number of sectors, as calamine does.
        let mut difat: Vec<u32> = (0..109).filter_map(|i| u32_at(bytes, 76 + 4 * i)).collect();
        let mut next = u32_at(bytes, 68).unwrap_or(ENDOFCHAIN);
        let mut steps = 0;
        while next < MAXREGSECT {
            steps += 1;
            if steps > sectors_in_file {
                return Err(corrupt("DIFAT chain loops"));
            }
            let s = container.sector_bytes(next);
            difat.extend((0..s.len() / 4).filter_map(|i| u32_at(s, 4 * i)));
            next = difat.pop().unwrap_or(ENDOFCHAIN);
        }
        for id in difat.into_iter().filter(|&id| id < DIFSECT) {
            let s = container.sector_bytes(id);
            container.fat.extend((0..s.len() / 4).filter_map(|i| u32_at(s, 4 * i)));
        }

        // Directory: calamine reads this chain to its end with no length limit, so a loop
        // here is the infinite read.
        let dir = container.chain(dir_start, usize::MAX, false)?;
        let large = sector == 4096;
        container.entries = dir
            .chunks_exact(128)
            .map(|e| {
                let units: Vec<u16> = (0..32).filter_map(|i| u16_at(e, 2 * i)).collect();
                let name: String = char::decode_utf16(units.into_iter().take_while(|&u| u != 0))
                    .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                    .collect();
                let len = if large { u64_at(e, 120).unwrap_or(0) } else { u64::from(u32_at(e, 120).unwrap_or(0)) };
                Entry { name, start: u32_at(e, 116).unwrap_or(ENDOFCHAIN), len }
            })
            .collect();
        let Some(root) = container.entries.first() else {
            return Err(corrupt("empty directory"));
        };
        if mini_fat_len > 0 {
            let (root_start, root_len) = (root.start, container.checked_len(root.len)?);
            if mini_fat_len > sectors_in_file {
                return Err(corrupt("mini FAT longer than the file"));
            }
            container.mini_stream = container.chain(root_start, root_len, false)?;
            let mini_fat = container.chain(mini_fat_start, mini_fat_len * sector, false)?;
            container.mini_fat = (0..mini_fat.len() / 4).filter_map(|i| u32_at(&mini_fat, 4 * i)).collect();
        }
        Ok(container)
    }

    /// Sector `id` as calamine reads it: clipped at the end of the file.
    fn sector_bytes(&self, id: u32) -> &'a [u8] {
        let start = (id as usize).saturating_add(1).saturating_mul(self.sector).min(self.bytes.len());
        let end = start.saturating_add(self.sector).min(self.bytes.len());
        &self.bytes[start..end]
    }

    /// A stream length no real stream can exceed: its bytes all come from the file.
    fn checked_len(&self, len: u64) -> Result<usize, ReadError> {
        usize::try_from(len)
            .ok()
            .filter(|&l| l <= self.bytes.len())
            .ok_or_else(|| corrupt("stream longer than the file"))
    }

    /// Follows a sector chain (in the FAT, or the mini FAT when `mini`) until its end or until
    /// `len` bytes are read, refusing loops and ids outside the table.
    fn chain(&self, mut id: u32, len: usize, mini: bool) -> Result<Vec<u8>, ReadError> {
        let table = if mini { &self.mini_fat } else { &self.fat };
        let mut out = Vec::new();
        let mut steps = 0usize;
        while id != ENDOFCHAIN {
            steps += 1;
            // A chain visiting more sectors than the table has must visit one twice.
            if steps > table.len() + 1 {
                return Err(corrupt("sector chain loops"));
            }
            let data = if mini {
                let start = (id as usize).saturating_mul(MINI_SECTOR).min(self.mini_stream.len());
                let end = start.saturating_add(MINI_SECTOR).min(self.mini_stream.len());
                &self.mini_stream[start..end]
            } else {
                self.sector_bytes(id)
            };
            let take = data.len().min(len - out.len());
            out.extend_from_slice(&data[..take]);
            if out.len() >= len {
                break;
            }
            id = *table.get(id as usize).ok_or_else(|| corrupt("sector id outside the FAT"))?;
        }
        Ok(out)
    }

    /// The workbook stream, found the way calamine finds it ("Workbook", else "Book").
    fn workbook_stream(&self) -> Result<Option<Vec<u8>>, ReadError> {
        let find = |name: &str| self.entries.iter().find(|e| e.name.eq_ignore_ascii_case(name));
        let Some(entry) = find("Workbook").or_else(|| find("Book")) else {
            return Ok(None);
        };
        let len = self.checked_len(entry.len)?;
        let mini = len < MINI_CUTOFF;
        self.chain(entry.start, len, mini).map(Some)
    }
}

/// BIFF records as calamine iterates them: type, length, data; CONTINUE records are skipped
/// here (they carry no cells).
fn records(stream: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut rest = stream;
    std::iter::from_fn(move || {
        let typ = u16_at(rest, 0)?;
        let len = u16_at(rest, 2)? as usize;
        let data = rest.get(4..4 + len)?;
        rest = &rest[4 + len..];
        Some((typ, data))
    })
}

/// Bounding box of cell positions, as `Range::from_sparse` computes it.
#[derive(Default)]
struct Bounds(Option<(u32, u32, u32, u32)>);

impl Bounds {
    fn add(&mut self, row: u32, col: u32) {
        self.0 = Some(match self.0 {
            None => (row, row, col, col),
            Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(col), c1.max(col)),
        });
    }

    fn area(&self) -> u64 {
        self.0.map_or(0, |(r0, r1, c0, c1)| u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1))
    }
}

/// Adds up what calamine will allocate for each sheet: the DIMENSIONS reservation, the cell
/// range and the formula range. Counting too much is safe (a strange file is refused); counting
/// too little is not, so unreadable records are counted where possible and never skipped.
fn check_biff(stream: &[u8], text_limit: u64) -> Result<(), ReadError> {
    // calamine gathers the CONTINUE records after any record into a list and takes them from
    // its front one at a time: a run of millions of empty ones costs it gigabytes and hours.
    let mut run = 0usize;
    for (typ, _) in records(stream) {
        run = if typ == 0x003C { run + 1 } else { 0 };
        if run > MAX_CONTINUES {
            return Err(corrupt("too many CONTINUE records in a row"));
        }
    }
    let mut sheet_offsets = Vec::new();
    let mut strings: Vec<u64> = Vec::new();
    let mut globals = records(stream).peekable();
    while let Some((typ, data)) = globals.next() {
        match typ {
            // SST: calamine keeps the last one.
            0x00FC => {
                let mut continues = Vec::new();
                while let Some(&(0x003C, next)) = globals.peek() {
                    continues.push(next);
                    globals.next();
                }
                strings = shared_string_sizes(data, &continues);
            }
            // FILEPASS: the rest is encrypted (RC4) or obfuscated (XOR). calamine only
            // recognises the former; both are unreadable.
            0x002F => return Err(ReadError::Encrypted),
            // BOUNDSHEET: where each sheet's records start.
            0x0085 => sheet_offsets.extend(u32_at(data, 0)),
            0x000A => break,
            _ => {}
        }
    }
    let mut total: u64 = 0;
    let mut text: u64 = 0;
    for offset in sheet_offsets {
        let Some(sheet) = stream.get(offset as usize..) else {
            return Err(corrupt("sheet offset past the end of the workbook"));
        };
        let (cells, sheet_text) = sheet_cost(sheet, &strings);
        total = total.saturating_add(cells);
        text = text.saturating_add(sheet_text);
        if total > MAX_CELLS as u64 {
            return Err(ReadError::TooLarge);
        }
        if text > text_limit {
            return Err(ReadError::Unpacked {
                what: "单元格重复引用的文字过多",
                detail: format!("xls: shared strings copied into cells come to {text} bytes, limit {text_limit}"),
            });
        }
    }
    Ok(())
}

/// The most bytes each shared string can take as a Rust `String`, walking the SST record and
/// its CONTINUE records exactly as calamine's `parse_sst` does (where calamine would fail or
/// panic, the walk stops: calamine then reads no cells). Every byte of a string's characters
/// becomes at most 3 bytes of UTF-8, whichever encoding decodes it.
fn shared_string_sizes(first: &[u8], continues: &[&[u8]]) -> Vec<u64> {
    let mut sizes = Vec::new();
    let Some(mut data) = first.get(8..) else { return sizes };
    let mut continues = continues.iter().copied();
    loop {
        if data.is_empty() {
            match continues.next() {
                Some(next) => data = next,
                None => return sizes,
            }
        }
        if data.is_empty() {
            sizes.push(0);
            continue;
        }
        let (Some(mut chars), Some(&flags)) = (u16_at(data, 0).map(usize::from), data.get(2)) else {
            return sizes;
        };
        data = &data[3..];
        let mut runs = 0usize;
        let mut extension = 0usize;
        if flags & 0x8 != 0 {
            let Some(n) = u16_at(data, 0) else { return sizes };
            runs = usize::from(n);
            data = &data[2..];
        }
        if flags & 0x4 != 0 {
            let Some(n) = u32_at(data, 0) else { return sizes };
            // calamine reads it as i32 and casts: a negative size is an enormous skip.
            extension = n as i32 as usize;
            data = &data[4..];
        }
        let mut high_byte = flags & 0x1 != 0;
        let mut bytes = 0u64;
        while chars > 0 {
            let width = if high_byte { 2 } else { 1 };
            let taken = chars.min(data.len() / width);
            bytes += (taken * width) as u64;
            data = &data[taken * width..];
            chars -= taken;
            if chars > 0 {
                match continues.next() {
                    Some([flag, rest @ ..]) => {
                        high_byte = flag & 0x1 != 0;
                        data = rest;
                    }
                    _ => return sizes,
                }
            }
        }
        sizes.push(bytes * 3);
        let mut skip = (runs * 4).saturating_add(extension);
        while skip > 0 {
            if data.is_empty() {
                match continues.next() {
                    Some(next) => data = next,
                    None => return sizes,
                }
            }
            let step = skip.min(data.len());
            data = &data[step..];
            skip -= step;
        }
    }
}

/// What calamine allocates for a sheet: cells (DIMENSIONS reservation, cell range, formula
/// range) and the bytes of shared strings copied into LABELSST cells.
fn sheet_cost(sheet: &[u8], strings: &[u64]) -> (u64, u64) {
    let mut text: u64 = 0;
    let mut cells = Bounds::default();
    let mut formulas = Bounds::default();
    let mut reserved: u64 = 0;
    let mut formula_at = None;
    let mut seen_bof = false;
    let mut depth = 0usize;
    for (typ, data) in records(sheet) {
        // Embedded charts are nested BOF..EOF substreams; calamine skips them.
        if depth > 0 {
            match typ {
                0x0809 => depth += 1,
                0x000A => depth -= 1,
                _ => {}
            }
            continue;
        }
        let row = u16_at(data, 0).map(u32::from);
        let col = u16_at(data, 2).map(u32::from);
        match typ {
            0x0809 if seen_bof => depth += 1,
            0x0809 => seen_bof = true,
            0x000A => break,
            0x0200 => reserved = reserved.max(dimensions_reservation(data)),
            // NUMBER, LABEL, RSTRING, BOOLERR, RK, LABELSST
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD => {
                if typ == 0x00FD {
                    let size = u32_at(data, 6).and_then(|i| strings.get(i as usize)).copied().unwrap_or(0);
                    text = text.saturating_add(size);
                }
                if let (Some(r), Some(c)) = (row, col) {
                    cells.add(r, c);
                }
            }
            // MULRK: one row, a run of columns; the last column is the record's last field.
            0x00BD => {
                if let (Some(r), Some(c), Some(last)) =
                    (row, col, data.len().checked_sub(2).and_then(|at| u16_at(data, at)))
                {
                    cells.add(r, c);
                    cells.add(r, u32::from(last));
                }
            }
            0x0006 => {
                if let (Some(r), Some(c)) = (row, col) {
                    cells.add(r, c);
                    formulas.add(r, c);
                    formula_at = Some((r, c));
                }
            }
            // STRING: the text result of the formula before it.
            0x0207 => {
                let (r, c) = formula_at.unwrap_or((0, 0));
                cells.add(r, c);
            }
            _ => {}
        }
    }
    (reserved.saturating_add(cells.area()).saturating_add(formulas.area()), text)
}

/// The number of cells calamine reserves for a DIMENSIONS record, computed as it does
/// (including its unchecked `u32` arithmetic, which wraps in release builds).
fn dimensions_reservation(data: &[u8]) -> u64 {
    let fields = match data.len() {
        10 => (
            u16_at(data, 0).map(u32::from),
            u16_at(data, 2).map(u32::from),
            u16_at(data, 4).map(u32::from),
            u16_at(data, 6).map(u32::from),
        ),
        14 | 16 => (u32_at(data, 0), u32_at(data, 4), u16_at(data, 8).map(u32::from), u16_at(data, 10).map(u32::from)),
        _ => return 0,
    };
    let (Some(rf), Some(rl), Some(mut cf), Some(cl)) = fields else {
        return 0;
    };
    if cf > 0xFF || cl < cf {
        cf = 0;
    }
    if rl >= 1 && cl >= 1 {
        let rows = (rl - 1).wrapping_sub(rf).wrapping_add(1);
        let cols = (cl - 1).wrapping_sub(cf).wrapping_add(1);
        u64::from(rows) * u64::from(cols)
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dimensions_as_calamine_reads_them() {
        // BIFF8: rows 0..100 (exclusive end), columns 0..10.
        let mut d = Vec::new();
        d.extend(0u32.to_le_bytes());
        d.extend(100u32.to_le_bytes());
        d.extend(0u16.to_le_bytes());
        d.extend(10u16.to_le_bytes());
        d.extend(0u16.to_le_bytes());
        assert_eq!(dimensions_reservation(&d), 1000);
        // A last row before the first wraps around in calamine: refuse by size.
        d[0..4].copy_from_slice(&50u32.to_le_bytes());
        d[4..8].copy_from_slice(&10u32.to_le_bytes());
        assert!(dimensions_reservation(&d) > MAX_CELLS as u64);
        assert_eq!(dimensions_reservation(&[0; 3]), 0);
    }

    fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        [&typ.to_le_bytes()[..], &(data.len() as u16).to_le_bytes(), data].concat()
    }

    /// A BIFF8 workbook stream: globals with an SST of one `chars`-character string (split
    /// over CONTINUE records, as Excel splits at 8,224 bytes), one sheet of `copies` cells
    /// referencing it.
    fn sst_copies(chars: usize, copies: u16) -> Vec<u8> {
        let bof = record(0x0809, &[0, 6, 5, 0, 0, 0, 0, 0]);
        let mut sst = vec![1, 0, 0, 0, 1, 0, 0, 0];
        sst.extend((chars as u16).to_le_bytes());
        sst.push(0); // compressed: one byte per character
        let text = vec![b'a'; chars];
        let (head, rest) = text.split_at(8_000.min(chars));
        sst.extend(head);
        let mut globals = [bof.clone(), record(0x00FC, &sst)].concat();
        for piece in rest.chunks(8_000) {
            // A string continued in a CONTINUE record repeats its flags byte there.
            globals.extend(record(0x003C, &[&[0u8][..], piece].concat()));
        }
        let boundsheet_at = globals.len();
        globals.extend(record(0x0085, &[0; 8]));
        globals.extend(record(0x000A, &[]));
        let sheet_offset = globals.len() as u32;
        globals[boundsheet_at + 4..boundsheet_at + 8].copy_from_slice(&sheet_offset.to_le_bytes());
        let mut stream = globals;
        stream.extend(&bof);
        for row in 0..copies {
            let mut cell = Vec::new();
            cell.extend(row.to_le_bytes());
            cell.extend([0, 0, 0, 0]); // column, format
            cell.extend(0u32.to_le_bytes());
            stream.extend(record(0x00FD, &cell));
        }
        stream.extend(record(0x000A, &[]));
        stream
    }

    #[test]
    fn shared_string_sizes_follow_continue_records() {
        let stream = sst_copies(20_000, 1);
        let sst_at = 4 + 8;
        let globals: Vec<(u16, &[u8])> = records(&stream[sst_at..]).take(3).collect();
        assert_eq!(globals[0].0, 0x00FC);
        let sizes = shared_string_sizes(globals[0].1, &[globals[1].1, globals[2].1]);
        assert_eq!(sizes, vec![60_000]);
        // A string cut short by the end of its records is where calamine fails: no size.
        assert_eq!(shared_string_sizes(globals[0].1, &[globals[1].1]), Vec::<u64>::new());
    }

    #[test]
    fn one_long_string_copied_into_many_cells_is_refused() {
        // 32,000 characters copied into 3,000 cells: 96 MB of text from a 50 KB stream.
        let stream = sst_copies(32_000, 3_000);
        assert!(stream.len() < 80_000);
        let err = check_biff(&stream, KEPT_FLOOR).unwrap_err();
        assert!(matches!(err, ReadError::Unpacked { what: "单元格重复引用的文字过多", .. }), "{err:?}");
        // The same string in a few hundred cells is an honest, if odd, file.
        assert_eq!(check_biff(&sst_copies(32_000, 300), KEPT_FLOOR), Ok(()));
    }

    #[test]
    fn endless_continue_records_are_refused() {
        let mut stream = sst_copies(10, 1);
        let at = stream.len() - 4;
        let empties: Vec<u8> = (0..=MAX_CONTINUES).flat_map(|_| record(0x003C, &[])).collect();
        stream.splice(at..at, empties);
        assert!(matches!(check_biff(&stream, KEPT_FLOOR), Err(ReadError::Corrupt { .. })));
    }

    #[test]
    fn bounds_area() {
        let mut b = Bounds::default();
        assert_eq!(b.area(), 0);
        b.add(3, 2);
        assert_eq!(b.area(), 1);
        b.add(0, 255);
        b.add(65_535, 0);
        assert_eq!(b.area(), 65_536 * 256);
    }
}
