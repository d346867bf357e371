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
//! Not covered: an .xls whose cells reference one huge shared string many times makes calamine
//! clone it per cell. Bounding that needs a full SST parser; imports should run with an upload
//! size limit (and ideally in a memory-limited worker) regardless.

use crate::read::{MAX_CELLS, ReadError};

const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
/// Sector ids at or above this are markers, not sectors (MS-CFB 2.1).
const MAXREGSECT: u32 = 0xFFFF_FFFA;
const DIFSECT: u32 = 0xFFFF_FFFC;
/// Streams shorter than this live in the mini stream (MS-CFB 2.2; calamine uses the same).
const MINI_CUTOFF: usize = 4096;
const MINI_SECTOR: usize = 64;

/// Checks the container and the workbook stream. `Ok` means calamine can parse the file
/// within bounded time and memory (or will fail cleanly by itself).
pub(crate) fn check(bytes: &[u8]) -> Result<(), ReadError> {
    let cfb = Container::parse(bytes)?;
    let Some(workbook) = cfb.workbook_stream()? else {
        // No workbook: calamine reports it; the caller then checks for encrypted OOXML.
        return Ok(());
    };
    check_biff(&workbook)
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
fn check_biff(stream: &[u8]) -> Result<(), ReadError> {
    let mut sheet_offsets = Vec::new();
    for (typ, data) in records(stream) {
        match typ {
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
    for offset in sheet_offsets {
        let Some(sheet) = stream.get(offset as usize..) else {
            return Err(corrupt("sheet offset past the end of the workbook"));
        };
        total = total.saturating_add(sheet_cost(sheet));
        if total > MAX_CELLS as u64 {
            return Err(ReadError::TooLarge);
        }
    }
    Ok(())
}

fn sheet_cost(sheet: &[u8]) -> u64 {
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
    reserved.saturating_add(cells.area()).saturating_add(formulas.area())
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
