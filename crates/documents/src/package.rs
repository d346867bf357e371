//! Pre-flight checks on xlsx packages (a ZIP of XML parts), run before calamine opens them, so
//! that a decompression bomb is refused while it is being inflated instead of after the server
//! has allocated what it inflates to.
//!
//! calamine inflates parts on demand and feeds them to quick-xml, and both trust the file: a
//! 2 MB upload whose sheet inflates to 2 GiB made the server hold ~2 GB (quick-xml buffers an
//! event whole, so one 2 GiB text node is one 2 GiB buffer). This module inflates every entry
//! once through a counting scanner that keeps nothing, and refuses the package when what
//! calamine would build from it passes the limits below. Counting happens while inflating:
//! the sizes a ZIP declares are not trusted. Memory here is one 64 KiB buffer and a few
//! small counters, whatever the package claims.
//!
//! The scanner follows quick-xml's tokenisation (text up to `<`; a tag up to `>` outside
//! quotes; comments, CDATA and processing instructions to their terminators) and calamine's
//! reading loops, which keep more than one event only inside `<t>`, `<v>` and `<definedName>`,
//! each until the first end tag with the same name. Every entry is scanned, whatever its name:
//! the workbook's relationships may point a sheet at any entry.

use std::io::{Cursor, Read};

use zip::ZipArchive;

use crate::read::ReadError;

/// Entries in the package. Excel writes about ten parts plus two or three per sheet (sheet,
/// its relationships, drawings, comments, printer settings); 2,000 is several hundred sheets.
/// The ZIP reader keeps a few hundred bytes per entry, so a 50 MB central directory of
/// minimal entries would otherwise cost it hundreds of MB before a single part is read.
const MAX_ENTRIES: usize = 2_000;
/// Inflated bytes of one entry. The largest honest part is the sheet of a table at
/// [`crate::read::MAX_CELLS`] (4 million cells at 30–60 bytes of XML each: 120–240 MB) or the
/// shared strings of a 50 MB upload (about 150 MB).
const MAX_ENTRY_BYTES: u64 = 512 << 20;
/// Inflated bytes of all entries together: two maximal parts.
const MAX_TOTAL_BYTES: u64 = 1 << 30;
/// How many times its own size a package may inflate to. Spreadsheet XML deflates 5–20 times
/// (a sheet of one number repeated in every cell about 40 times); a bomb made of one repeated
/// pattern deflates about 1,000 times. A package smaller than [`RATIO_FLOOR`] / 100 may always
/// inflate to [`RATIO_FLOOR`], so that no small honest file depends on this ratio.
const MAX_RATIO: u64 = 100;
const RATIO_FLOOR: u64 = 16 << 20;
/// The longest single XML event (one tag, one text run between tags, one comment): quick-xml
/// holds each event whole. An Excel cell holds at most 32,767 characters (under 200 KB as
/// escaped UTF-8), so 1 MiB is five times the longest honest event.
const MAX_EVENT_BYTES: u64 = 1 << 20;
/// The longest `<t>`, `<v>` or `<definedName>` element, from its start tag to its end tag:
/// calamine gathers all of it before moving on. A rich-text cell splits its 32,767 characters
/// into runs, each with its formatting; 4 MiB is room for a run every few characters.
const MAX_ELEMENT_BYTES: u64 = 4 << 20;
/// What calamine keeps from the package before the first cell is read (shared strings,
/// styles, sheet and name lists, relationships: an estimate in bytes, see [`Scanner::kept`])
/// may be this many times the upload, or [`KEPT_FLOOR`] for small uploads. An honest file
/// keeps 3–10 times its size: its strings deflate 2–3 times, and each string costs a header.
pub(crate) const KEPT_PER_UPLOAD_BYTE: u64 = 20;
pub(crate) const KEPT_FLOOR: u64 = 64 << 20;
/// The cost counted for each element calamine turns into an entry of a list (a style, a sheet,
/// a defined name, a relationship, a theme colour), on top of its tag's bytes: calamine's
/// structs for these take up to a few hundred bytes each.
const KEPT_PER_ELEMENT: u64 = 256;
/// The cost of each shared string on top of its text: a `String` header and allocator slack.
const KEPT_PER_STRING: u64 = 32;
/// The shared-string count a file may announce: calamine reserves that many strings before
/// reading one. No honest file has more distinct strings than cells.
const MAX_ANNOUNCED_STRINGS: u64 = crate::read::MAX_CELLS as u64;

/// Local names of the elements calamine keeps one list entry for while opening a workbook.
const KEPT_ELEMENTS: &[&[u8]] =
    &[b"Relationship", b"numFmt", b"font", b"fill", b"border", b"xf", b"sheet", b"definedName", b"srgbClr", b"sysClr"];
/// Local names of the elements calamine gathers whole (see the module comment).
const GATHERED_ELEMENTS: &[&[u8]] = &[b"t", b"v", b"definedName"];
/// Distinct qualified names of gathered elements open at once. Honest files use `t` and `v`,
/// perhaps with one prefix; more is a file built to dodge the element bound.
const MAX_OPEN_GATHERED: usize = 8;
/// Tag bytes remembered for the tag's name; longer names are not the ones looked for.
const NAME_BYTES: usize = 64;

const CHUNK: usize = 64 << 10;

/// Checks the package; `Ok` means calamine can open it and read any sheet within the limits
/// above (or fails by itself on a damaged file, which calamine reports as it always has).
pub(crate) fn check(bytes: &[u8]) -> Result<(), ReadError> {
    // Each central directory entry the ZIP reader accepts starts with this signature, so
    // counting signatures bounds the entries before the reader allocates for them (a chance
    // occurrence inside compressed data only makes the count higher).
    let signatures = count(bytes, b"PK\x01\x02");
    if signatures > MAX_ENTRIES {
        return Err(refuse("压缩包内的部件超过 2000 个", format!("{signatures} central directory signatures")));
    }
    let Ok(mut zip) = ZipArchive::new(Cursor::new(bytes)) else {
        // calamine opens the package the same way and reports the damage itself.
        return Ok(());
    };
    let upload = bytes.len() as u64;
    let total_limit = MAX_TOTAL_BYTES.min(RATIO_FLOOR.max(upload.saturating_mul(MAX_RATIO)));
    let kept_limit = KEPT_FLOOR.max(upload.saturating_mul(KEPT_PER_UPLOAD_BYTE));
    let mut total = 0u64;
    let mut kept = 0u64;
    let mut buffer = vec![0u8; CHUNK];
    for index in 0..zip.len() {
        // An entry the ZIP reader cannot open (unknown compression, encrypted) is one calamine
        // cannot read either.
        let Ok(mut entry) = zip.by_index(index) else { continue };
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        let mut scanner = Scanner::default();
        let mut inflated = 0u64;
        // A damaged stream ends the entry here for calamine too: what came before it is all
        // calamine can see, and it has been scanned.
        while let Ok(read @ 1..) = entry.read(&mut buffer) {
            inflated += read as u64;
            total += read as u64;
            if inflated > MAX_ENTRY_BYTES {
                return Err(refuse("单个部件解压后超过 512 MB", format!("{name}: over {MAX_ENTRY_BYTES} bytes")));
            }
            if total > total_limit {
                return Err(refuse(
                    "解压后的内容远大于文件本身",
                    format!("{name}: {total} bytes inflated from a {upload}-byte package, limit {total_limit}"),
                ));
            }
            scanner.feed(&buffer[..read]).map_err(|e| e.refusal(&name))?;
            if kept + scanner.kept > kept_limit {
                return Err(refuse(
                    "内容过多",
                    format!("{name}: calamine would keep about {} bytes, limit {kept_limit}", kept + scanner.kept),
                ));
            }
        }
        kept += scanner.kept;
    }
    Ok(())
}

fn refuse(what: &'static str, detail: String) -> ReadError {
    ReadError::Unpacked { what, detail }
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack.windows(needle.len()).filter(|w| *w == needle).count()
}

/// Why the scanner refused a part.
#[derive(Debug, PartialEq, Eq)]
enum Refusal {
    LongEvent,
    LongElement,
    TooManyOpen,
    Declaration,
    AnnouncedStrings(u64),
}

impl Refusal {
    fn refusal(self, part: &str) -> ReadError {
        match self {
            Refusal::LongEvent | Refusal::LongElement | Refusal::TooManyOpen => {
                refuse("单个单元格或标记的内容过长", format!("{part}: {self:?}"))
            }
            // OOXML forbids a DTD; one is the way to entity-expansion bombs.
            Refusal::Declaration => ReadError::Corrupt { detail: format!("{part}: XML with a DTD") },
            Refusal::AnnouncedStrings(n) => refuse("共享字符串数量过多", format!("{part}: uniqueCount {n}")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Text,
    /// After `<`: the next byte tells which construct this is.
    Open,
    /// After `<!`: `matched` bytes of `--` (`comment`) or `[CDATA[` seen so far.
    Bang {
        matched: u8,
        comment: bool,
    },
    /// Inside `<!--`, `matched` bytes of `-->` seen.
    Comment {
        matched: u8,
    },
    /// Inside `<![CDATA[`, `matched` bytes of `]]>` seen.
    CData {
        matched: u8,
    },
    /// Inside `<?`, the previous byte was `?`.
    Instruction {
        question: bool,
    },
    /// Inside a start tag (`end` false) or an end tag; `quote` is the open quote character.
    Tag {
        end: bool,
        quote: u8,
        naming: bool,
        last: u8,
    },
}

/// Follows one XML part in chunks. All counts are in bytes of the part.
struct Scanner {
    state: State,
    position: u64,
    /// Where the current event began.
    event_start: u64,
    /// The current tag's name (up to [`NAME_BYTES`]) and, for `<sst>`, the whole tag.
    name: Vec<u8>,
    sst_tag: Option<Vec<u8>>,
    /// Gathered elements open now: qualified name and where the start tag began.
    open: Vec<(Vec<u8>, u64)>,
    /// calamine's kept bytes, estimated: text inside gathered elements, each kept element's
    /// tag plus [`KEPT_PER_ELEMENT`], [`KEPT_PER_STRING`] per shared string.
    kept: u64,
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner {
            state: State::Text,
            position: 0,
            event_start: 0,
            name: Vec::new(),
            sst_tag: None,
            open: Vec::new(),
            kept: 0,
        }
    }
}

impl Scanner {
    fn feed(&mut self, chunk: &[u8]) -> Result<(), Refusal> {
        let mut i = 0;
        while i < chunk.len() {
            // Text runs and attribute values are most of a part, and nothing in them matters
            // but their length: skip to the next byte that can change the state.
            let rest = &chunk[i..];
            let skip = match self.state {
                State::Text => {
                    let run = memchr::memchr(b'<', rest).unwrap_or(rest.len());
                    if !self.open.is_empty() {
                        self.kept += run as u64;
                    }
                    run
                }
                State::Tag { end, quote, naming: false, .. } if self.sst_tag.is_none() => {
                    let run = match quote {
                        0 => memchr::memchr3(b'>', b'"', b'\'', rest),
                        q => memchr::memchr(q, rest),
                    }
                    .unwrap_or(rest.len());
                    if run > 0 {
                        self.state = State::Tag { end, quote, naming: false, last: rest[run - 1] };
                    }
                    run
                }
                _ => 0,
            };
            i += skip;
            self.position += skip as u64;
            if i == chunk.len() {
                break;
            }
            let byte = chunk[i];
            i += 1;
            self.position += 1;
            if self.state == State::Text {
                self.end_event()?;
                self.event_start = self.position - 1;
                self.state = State::Open;
            } else {
                self.step(byte)?;
            }
        }
        self.check_lengths()
    }

    fn step(&mut self, byte: u8) -> Result<(), Refusal> {
        self.state = match self.state {
            State::Text => unreachable!("text is consumed in runs by `feed`"),
            State::Open => {
                self.name.clear();
                match byte {
                    b'!' => State::Bang { matched: 0, comment: false },
                    b'?' => State::Instruction { question: false },
                    b'/' => State::Tag { end: true, quote: 0, naming: true, last: byte },
                    b'>' => return self.close_tag(false, byte),
                    _ => {
                        self.name.push(byte);
                        State::Tag { end: false, quote: 0, naming: !is_xml_space(byte), last: byte }
                    }
                }
            }
            // quick-xml decides by the first byte (`-` comment, `[` CDATA, `D` DOCTYPE). The
            // rest must spell `<!--` or `<![CDATA[`; anything else is refused, DTDs included.
            State::Bang { matched, comment } => {
                const CDATA: &[u8] = b"[CDATA[";
                match (matched, comment, byte) {
                    (0, _, b'-') => State::Bang { matched: 1, comment: true },
                    (1, true, b'-') => State::Comment { matched: 0 },
                    (m, false, b) if CDATA.get(usize::from(m)) == Some(&b) => {
                        if usize::from(m) + 1 == CDATA.len() {
                            State::CData { matched: 0 }
                        } else {
                            State::Bang { matched: m + 1, comment: false }
                        }
                    }
                    _ => return Err(Refusal::Declaration),
                }
            }
            State::Comment { matched } => match (matched, byte) {
                (2.., b'>') => self.finish_event()?,
                (_, b'-') => State::Comment { matched: (matched + 1).min(2) },
                _ => State::Comment { matched: 0 },
            },
            State::CData { matched } => {
                if !self.open.is_empty() {
                    self.kept += 1;
                }
                match (matched, byte) {
                    (2.., b'>') => self.finish_event()?,
                    (_, b']') => State::CData { matched: (matched + 1).min(2) },
                    _ => State::CData { matched: 0 },
                }
            }
            State::Instruction { question } => match byte {
                b'>' if question => self.finish_event()?,
                _ => State::Instruction { question: byte == b'?' },
            },
            State::Tag { end, quote, naming, last } => {
                if quote == 0 && byte == b'>' {
                    return self.close_tag(end, last);
                }
                if let Some(tag) = &mut self.sst_tag {
                    tag.push(byte);
                }
                // quick-xml names a start tag up to its first space and an end tag by all
                // of it (trailing spaces trimmed, see `close_tag`), quotes or not.
                let still_naming = naming && (end || !is_xml_space(byte));
                if still_naming {
                    if self.name.len() < NAME_BYTES {
                        self.name.push(byte);
                    } else if self.name.len() == NAME_BYTES {
                        // A name this long is none of the names looked for.
                        self.name.push(b'\0');
                    }
                } else if naming && local_name(&self.name) == b"sst" {
                    // The name has just ended: keep the rest of the tag for its attributes.
                    self.sst_tag = Some(vec![byte]);
                }
                let quote = match (quote, byte) {
                    (0, b'"' | b'\'') => byte,
                    (q, b) if q == b => 0,
                    (q, _) => q,
                };
                State::Tag { end, quote, naming: still_naming, last: byte }
            }
        };
        Ok(())
    }

    /// A tag has ended at `>`; `last` is the byte before it (`/` for an empty element).
    fn close_tag(&mut self, end: bool, last: u8) -> Result<(), Refusal> {
        self.state = State::Text;
        self.end_event()?;
        let length = self.position - self.event_start;
        self.event_start = self.position;
        if end {
            while self.name.last().is_some_and(|&b| is_xml_space(b)) {
                self.name.pop();
            }
            if let Some(at) = self.open.iter().position(|(name, _)| *name == self.name) {
                let (_, start) = self.open.swap_remove(at);
                if self.position - start > MAX_ELEMENT_BYTES {
                    return Err(Refusal::LongElement);
                }
            }
            return Ok(());
        }
        // `<t/>` is a start and an end at once for calamine (it expands empty elements).
        let empty = last == b'/' && length > 2;
        if empty && self.name.last() == Some(&b'/') {
            self.name.pop();
        }
        let local = local_name(&self.name);
        if KEPT_ELEMENTS.contains(&local) {
            self.kept += KEPT_PER_ELEMENT + length;
        }
        if local == b"si" {
            self.kept += KEPT_PER_STRING;
        }
        if let Some(tag) = self.sst_tag.take() {
            let announced = announced_strings(&tag);
            if announced > MAX_ANNOUNCED_STRINGS {
                return Err(Refusal::AnnouncedStrings(announced));
            }
        }
        if !empty && GATHERED_ELEMENTS.contains(&local) && !self.open.iter().any(|(n, _)| *n == self.name) {
            if self.open.len() == MAX_OPEN_GATHERED {
                return Err(Refusal::TooManyOpen);
            }
            self.open.push((self.name.clone(), self.position - length));
        }
        Ok(())
    }

    /// A comment, CDATA section or processing instruction has ended here.
    fn finish_event(&mut self) -> Result<State, Refusal> {
        self.end_event()?;
        self.event_start = self.position;
        Ok(State::Text)
    }

    /// The event ending here must be within bounds.
    fn end_event(&self) -> Result<(), Refusal> {
        if self.position - self.event_start > MAX_EVENT_BYTES { Err(Refusal::LongEvent) } else { Ok(()) }
    }

    /// Checked after each chunk too, so that an event or element that never ends is refused
    /// as soon as it is too long rather than at its end.
    fn check_lengths(&self) -> Result<(), Refusal> {
        self.end_event()?;
        match self.open.iter().map(|(_, start)| *start).min() {
            Some(start) if self.position - start > MAX_ELEMENT_BYTES => Err(Refusal::LongElement),
            _ => Ok(()),
        }
    }
}

/// quick-xml's whitespace (not `u8::is_ascii_whitespace`, which adds form feed).
fn is_xml_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

/// `x:sheet` → `sheet`.
fn local_name(name: &[u8]) -> &[u8] {
    name.iter().rposition(|&b| b == b':').map_or(name, |colon| &name[colon + 1..])
}

/// The largest number written after `uniqueCount="` (or `'`) in the tag, saturating; calamine
/// reserves room for that many strings. Every occurrence counts, in or out of place: reading
/// more than calamine does only errs on the side of refusing.
fn announced_strings(tag: &[u8]) -> u64 {
    const KEY: &[u8] = b"uniqueCount";
    let mut largest = 0u64;
    let mut rest = tag;
    while let Some(at) = rest.windows(KEY.len()).position(|w| w == KEY) {
        rest = &rest[at + KEY.len()..];
        let value = rest
            .iter()
            .skip_while(|b| b.is_ascii_whitespace() || matches!(b, b'=' | b'"' | b'\'' | b'+'))
            .take_while(|b| b.is_ascii_digit())
            .fold(0u64, |n, &d| n.saturating_mul(10).saturating_add(u64::from(d - b'0')));
        largest = largest.max(value);
    }
    largest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(parts: &[&[u8]]) -> Result<Scanner, Refusal> {
        let mut scanner = Scanner::default();
        for part in parts {
            scanner.feed(part)?;
        }
        Ok(scanner)
    }

    #[test]
    fn honest_xml_passes_and_keeps_gathered_text() {
        let xml = r#"<?xml version="1.0"?><sst uniqueCount="2"><si><t>张三</t></si><si><t xml:space="preserve"> a&amp;b </t></si></sst>"#;
        let scanner = scan(&[xml.as_bytes()]).unwrap();
        assert_eq!(scanner.state, State::Text);
        assert!(scanner.open.is_empty());
        assert_eq!(scanner.kept, 2 * KEPT_PER_STRING + "张三".len() as u64 + " a&amp;b ".len() as u64);
    }

    #[test]
    fn chunk_boundaries_do_not_matter() {
        let xml: &[u8] = br#"<a x='>'><!-- -> --><![CDATA[ ]> ]]><t>abc</t><x:t/><sheet name="s"/></a>"#;
        let whole = scan(&[xml]).unwrap();
        for cut in 1..xml.len() {
            let split = scan(&[&xml[..cut], &xml[cut..]]).unwrap();
            assert_eq!((split.state, split.kept, split.open.len()), (whole.state, whole.kept, 0), "cut at {cut}");
        }
        assert_eq!(whole.kept, 3 + KEPT_PER_ELEMENT + br#"<sheet name="s"/>"#.len() as u64);
    }

    #[test]
    fn a_text_node_that_never_ends_is_refused_within_a_chunk_of_the_bound() {
        let mut scanner = Scanner::default();
        scanner.feed(b"<worksheet><sheetData>").unwrap();
        let zeros = vec![0u8; CHUNK];
        let mut fed = 0u64;
        let err = loop {
            match scanner.feed(&zeros) {
                Ok(()) => fed += CHUNK as u64,
                Err(e) => break e,
            }
        };
        assert_eq!(err, Refusal::LongEvent);
        assert!(fed <= MAX_EVENT_BYTES);
    }

    #[test]
    fn a_long_element_made_of_short_events_is_refused() {
        // Short events, but calamine gathers them all into one buffer until `</t>`.
        let mut scanner = Scanner::default();
        scanner.feed(b"<si><t>").unwrap();
        let err = (0..).map(|_| scanner.feed(&b"<b>x</b>".repeat(1000))).find_map(Result::err).unwrap();
        assert_eq!(err, Refusal::LongElement);
        // A different prefix is a different element for calamine; a closing `</x:t>` does
        // not end `<t>`.
        let mut scanner = Scanner::default();
        scanner.feed(b"<t>").unwrap();
        let err = (0..).map(|_| scanner.feed(&b"<x:t>x</x:t>".repeat(1000))).find_map(Result::err).unwrap();
        assert_eq!(err, Refusal::LongElement);
    }

    #[test]
    fn tags_comments_and_instructions_are_events() {
        let long = vec![b'a'; MAX_EVENT_BYTES as usize];
        for (open, close) in [("<c r=\"", "\">"), ("<!--", "-->"), ("<?pi ", "?>"), ("<![CDATA[", "]]>")] {
            let xml = [open.as_bytes(), &long, close.as_bytes()].concat();
            assert_eq!(scan(&[&xml]).err(), Some(Refusal::LongEvent), "{open}");
        }
    }

    #[test]
    fn a_dtd_is_refused() {
        assert_eq!(scan(&[b"<!DOCTYPE x [<!ENTITY a \"b\">]><x/>"]).err(), Some(Refusal::Declaration));
    }

    #[test]
    fn announced_strings_are_bounded() {
        assert_eq!(announced_strings(br#"sst count="9" uniqueCount="12""#), 12);
        assert_eq!(announced_strings(br#"sst uniqueCount = '99999999999999999999999'"#), u64::MAX);
        let err = scan(&[br#"<sst xmlns="x" uniqueCount="10000000000"><si><t>a</t></si></sst>"#]).err();
        assert_eq!(err, Some(Refusal::AnnouncedStrings(10_000_000_000)));
        assert!(scan(&[br#"<sst uniqueCount="4000000"></sst>"#]).is_ok());
    }

    #[test]
    fn too_many_distinct_open_elements_are_refused() {
        let xml: String = (0..=MAX_OPEN_GATHERED).map(|i| format!("<p{i}:t>")).collect();
        assert_eq!(scan(&[xml.as_bytes()]).err(), Some(Refusal::TooManyOpen));
    }
}
