//! A small page layout for forms: a display list per page, a flow that breaks pages, bordered
//! table rows, text blocks that continue on the next page, and the rendering through krilla.
//!
//! Coordinates are PDF points with the origin at the top left and y growing downwards, as krilla
//! has them. Layout first, drawing after: page numbers need the page count, and krilla's page and
//! surface borrow the document, which does not mix well with breaking pages halfway through a row.

use krilla::Document;
use krilla::color::luma;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};

use super::PdfError;
use super::font::{FONT, Line, wrap};

pub(crate) const A4_WIDTH: f32 = 595.28;
pub(crate) const A4_HEIGHT: f32 = 841.89;
pub(crate) const MM: f32 = 72.0 / 25.4;

/// Body text: 五号 (10.5 pt).
pub(crate) const BODY: f32 = 10.5;
/// Line height as a multiple of the font size.
const LEADING: f32 = 1.5;
/// Space between a cell's border and its text.
const PAD: f32 = 4.0;
/// The share of the table width the label column of a text block takes.
const LABEL_SHARE: f32 = 0.18;
/// Height of the signature line at the bottom of a block.
const SIGN_HEIGHT: f32 = 30.0;

/// One thing to draw.
#[derive(Clone, Debug)]
pub(crate) enum Op {
    /// Text with its baseline at `y`.
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
    },
    /// A stroked rectangle (cell borders, check boxes).
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        width: f32,
    },
}

/// A laid-out document: the pages' display lists.
#[derive(Debug, Default)]
pub(crate) struct Pages {
    pub pages: Vec<Vec<Op>>,
}

/// Where a piece of text sits in its box.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Align {
    Left,
    Center,
}

pub(crate) fn line_height(size: f32) -> f32 {
    size * LEADING
}

/// The baseline of a line whose box starts at `top`: the em box centred in the line height.
/// Noto Sans CJK's ideographic em box has its baseline at 0.88 em from its top.
pub(crate) fn baseline(top: f32, size: f32) -> f32 {
    top + (line_height(size) - size) / 2.0 + 0.88 * size
}

/// Text in a box, after wrapping: lines and the size they are set in.
pub(crate) fn text_op(x: f32, y: f32, size: f32, text: &str) -> Op {
    Op::Text { x, y, size, text: text.to_string() }
}

/// A single line of text placed in `[left, right]` with the given alignment, baseline at `y`.
pub(crate) fn aligned(left: f32, right: f32, y: f32, size: f32, text: &str, align: Align) -> Op {
    let width = FONT.width(text, size);
    let x = match align {
        Align::Left => left,
        // A line wider than its box (hanging punctuation) overflows to the right only, into the
        // padding, rather than across the left border.
        Align::Center => left + ((right - left - width) / 2.0).max(0.0),
    };
    text_op(x, y, size, text)
}

/// A table cell: a label (centred, as on the paper form) or a value (left aligned).
#[derive(Clone, Debug)]
pub(crate) struct Cell {
    pub text: String,
    pub align: Align,
}

impl Cell {
    pub(crate) fn label(text: &str) -> Self {
        Cell { text: text.to_string(), align: Align::Center }
    }
    pub(crate) fn value(text: &str) -> Self {
        Cell { text: text.to_string(), align: Align::Left }
    }
}

/// A column of a table row: its share of the table width and its cells stacked top to bottom
/// (two cells where the paper form has the neighbouring cell span two rows).
#[derive(Clone, Debug)]
pub(crate) struct Column {
    pub share: f32,
    pub cells: Vec<Cell>,
}

pub(crate) fn col(share: f32, cell: Cell) -> Column {
    Column { share, cells: vec![cell] }
}

/// One part of a signature line, laid out left to right and right-aligned in its block.
#[derive(Clone, Debug)]
pub(crate) enum SignPart {
    Text(&'static str),
    /// Empty space (between 年, 月 and 日).
    Gap(f32),
    /// A line to write on.
    Blank(f32),
}

/// The date to be written by hand: "年 月 日" with room before each.
pub(crate) fn date_parts() -> Vec<SignPart> {
    vec![
        SignPart::Gap(36.0),
        SignPart::Text("年"),
        SignPart::Gap(22.0),
        SignPart::Text("月"),
        SignPart::Gap(22.0),
        SignPart::Text("日"),
    ]
}

/// A block of text with an optional label column on its left; it continues on the next page when
/// it does not fit, with "（续）" after the label.
#[derive(Clone, Debug, Default)]
pub(crate) struct Block {
    pub label: Option<String>,
    /// Printed before the body, not indented (the form's own instruction, e.g. "推荐理由（不少于200字）").
    pub heading: Option<String>,
    pub body: String,
    /// Extra lines printed after the body, not indented (e.g. the peer reviewer's name).
    pub after: Vec<String>,
    pub sign: Option<Vec<SignPart>>,
    pub min_height: f32,
}

/// The lines of a cell: labels are balanced (no lone "话" on a second line), values fill the width.
fn cell_lines(cell: &Cell, size: f32, width: f32) -> Vec<Line> {
    match cell.align {
        Align::Center => balanced(&cell.text, size, width),
        Align::Left => wrap(&cell.text, size, width, 0.0),
    }
}

/// Wraps into as few lines as `width` allows, but with the lines as even as possible. A label
/// with a unit or note in brackets that does not fit on one line breaks before the bracket when
/// both parts fit, as the paper form sets "教学总时长" over "（小时）".
fn balanced(text: &str, size: f32, width: f32) -> Vec<Line> {
    let lines = wrap(text, size, width, 0.0);
    if lines.len() < 2 {
        return lines;
    }
    if lines.len() == 2
        && let Some(at) = text.rfind('（').filter(|&at| at > 0)
        && FONT.width(&text[..at], size) <= width
        && FONT.width(&text[at..], size) <= width
    {
        return vec![
            Line { text: text[..at].to_string(), indent: 0.0 },
            Line { text: text[at..].to_string(), indent: 0.0 },
        ];
    }
    let mut narrower = FONT.width(text, size) / lines.len() as f32;
    while narrower < width {
        let candidate = wrap(text, size, narrower, 0.0);
        if candidate.len() == lines.len() {
            return candidate;
        }
        narrower += size / 2.0;
    }
    lines
}

/// The flow of content down the pages, between the margins.
pub(crate) struct Flow {
    pages: Pages,
    current: Vec<Op>,
    pub y: f32,
    pub top: f32,
    pub bottom: f32,
    pub left: f32,
    pub right: f32,
}

impl Flow {
    pub(crate) fn new(top: f32, bottom: f32, left: f32, right: f32) -> Self {
        Flow { pages: Pages::default(), current: Vec::new(), y: top, top, bottom, left, right }
    }

    pub(crate) fn width(&self) -> f32 {
        self.right - self.left
    }

    pub(crate) fn push(&mut self, op: Op) {
        self.current.push(op);
    }

    pub(crate) fn new_page(&mut self) {
        self.pages.pages.push(std::mem::take(&mut self.current));
        self.y = self.top;
    }

    fn at_page_top(&self) -> bool {
        self.y <= self.top + 0.01
    }

    pub(crate) fn finish(mut self) -> Pages {
        if !self.current.is_empty() || self.pages.pages.is_empty() {
            self.new_page();
        }
        self.pages
    }

    /// Wrapped text across the full width, moving to a new page between lines as needed.
    pub(crate) fn paragraph(&mut self, text: &str, size: f32, first_indent: f32, leading: f32) {
        let width = self.width();
        for line in wrap(text, size, width, first_indent) {
            if self.y + size * leading > self.bottom {
                self.new_page();
            }
            let top = self.y + (size * leading - line_height(size)) / 2.0;
            self.push(text_op(self.left + line.indent, baseline(top, size), size, &line.text));
            self.y += size * leading;
        }
    }

    /// The height [`Flow::row`] will give these columns.
    pub(crate) fn row_height(&self, columns: &[Column], min_height: f32) -> f32 {
        let lh = line_height(BODY);
        let total: f32 = columns.iter().map(|c| c.share).sum();
        columns
            .iter()
            .map(|column| {
                let w = self.width() * column.share / total;
                let tallest = column
                    .cells
                    .iter()
                    .map(|c| cell_lines(c, BODY, w - 2.0 * PAD).len() as f32 * lh + 2.0 * PAD)
                    .fold(0.0, f32::max);
                tallest * column.cells.len() as f32
            })
            .fold(min_height, f32::max)
    }

    /// A bordered table row. Rows are short; one that does not fit starts a new page.
    pub(crate) fn row(&mut self, columns: &[Column], min_height: f32) {
        let size = BODY;
        let lh = line_height(size);
        let total: f32 = columns.iter().map(|c| c.share).sum();
        let mut laid = Vec::new();
        let mut height = min_height;
        let mut x = self.left;
        for column in columns {
            let w = self.width() * column.share / total;
            let cells: Vec<Vec<Line>> = column.cells.iter().map(|c| cell_lines(c, size, w - 2.0 * PAD)).collect();
            let tallest = cells.iter().map(|l| l.len() as f32 * lh + 2.0 * PAD).fold(0.0, f32::max);
            height = height.max(tallest * column.cells.len() as f32);
            laid.push((x, w, cells));
            x += w;
        }
        if self.y + height > self.bottom && !self.at_page_top() {
            self.new_page();
        }
        for ((x, w, cells), column) in laid.into_iter().zip(columns) {
            let cell_h = height / cells.len() as f32;
            for (i, (lines, cell)) in cells.iter().zip(&column.cells).enumerate() {
                let top = self.y + cell_h * i as f32;
                self.push(Op::Rect { x, y: top, w, h: cell_h, width: 0.6 });
                let text_top = top + (cell_h - lines.len() as f32 * lh) / 2.0;
                for (n, line) in lines.iter().enumerate() {
                    let y = baseline(text_top + n as f32 * lh, size);
                    self.push(aligned(x + PAD, x + w - PAD, y, size, &line.text, cell.align));
                }
            }
        }
        self.y += height;
    }

    /// A text block; see [`Block`].
    pub(crate) fn block(&mut self, block: &Block) {
        let size = BODY;
        let lh = line_height(size);
        let label_w = if block.label.is_some() { self.width() * LABEL_SHARE } else { 0.0 };
        let content_left = self.left + label_w;
        let content_w = self.right - content_left - 2.0 * PAD;
        let mut lines: Vec<Line> = Vec::new();
        if let Some(heading) = &block.heading {
            lines.extend(wrap(heading, size, content_w, 0.0));
        }
        if !block.body.trim().is_empty() {
            lines.extend(wrap(block.body.trim_end(), size, content_w, 2.0 * size));
        }
        for extra in &block.after {
            lines.extend(wrap(extra, size, content_w, 0.0));
        }
        let sign_h = if block.sign.is_some() { SIGN_HEIGHT } else { 0.0 };
        let mut next = 0;
        let mut first = true;
        loop {
            let rest = lines.len() - next;
            let needed = rest as f32 * lh + 2.0 * PAD + sign_h;
            let needed = if first { needed.max(block.min_height) } else { needed };
            let available = self.bottom - self.y;
            if needed <= available {
                self.block_part(block, &lines[next..], first, needed, true, label_w);
                self.y += needed;
                return;
            }
            let fit = ((available - 2.0 * PAD) / lh).floor().max(0.0) as usize;
            // Keep at least three lines together, and at least one line for the last part.
            let take = fit.min(rest.saturating_sub(1));
            if take < 3.min(rest) || take == 0 {
                if self.at_page_top() {
                    // Cannot happen with a sane page size; refuse to loop.
                    self.block_part(block, &lines[next..], first, needed, true, label_w);
                    self.y += needed;
                    return;
                }
                self.new_page();
                continue;
            }
            self.block_part(block, &lines[next..next + take], first, available, false, label_w);
            next += take;
            first = false;
            self.new_page();
        }
    }

    fn block_part(&mut self, block: &Block, lines: &[Line], first: bool, height: f32, last: bool, label_w: f32) {
        let size = BODY;
        let lh = line_height(size);
        let top = self.y;
        if let Some(label) = &block.label {
            let label = if first { label.clone() } else { format!("{label}（续）") };
            self.push(Op::Rect { x: self.left, y: top, w: label_w, h: height, width: 0.6 });
            let label_lines = balanced(&label, size, label_w - 2.0 * PAD);
            let text_top = top + (height - label_lines.len() as f32 * lh) / 2.0;
            for (n, line) in label_lines.iter().enumerate() {
                let y = baseline(text_top + n as f32 * lh, size);
                self.push(aligned(self.left + PAD, self.left + label_w - PAD, y, size, &line.text, Align::Center));
            }
        }
        let content_left = self.left + label_w;
        self.push(Op::Rect { x: content_left, y: top, w: self.right - content_left, h: height, width: 0.6 });
        for (n, line) in lines.iter().enumerate() {
            let y = baseline(top + PAD + n as f32 * lh, size);
            self.push(text_op(content_left + PAD + line.indent, y, size, &line.text));
        }
        if last && let Some(parts) = &block.sign {
            let y = top + height - PAD - 8.0;
            self.sign_line(parts, self.right - PAD - 8.0, y, size);
        }
    }

    /// Draws a signature line right-aligned at `right`, baseline `y`.
    pub(crate) fn sign_line(&mut self, parts: &[SignPart], right: f32, y: f32, size: f32) {
        let part_width = |p: &SignPart| match p {
            SignPart::Text(t) => FONT.width(t, size),
            SignPart::Gap(w) | SignPart::Blank(w) => *w,
        };
        let total: f32 = parts.iter().map(part_width).sum();
        let mut x = right - total;
        for part in parts {
            match part {
                SignPart::Text(t) => self.push(text_op(x, y, size, t)),
                SignPart::Gap(_) => {}
                SignPart::Blank(w) => {
                    self.push(Op::Line { x1: x + 2.0, y1: y + 2.0, x2: x + w - 2.0, y2: y + 2.0, width: 0.6 })
                }
            }
            x += part_width(part);
        }
    }
}

/// Puts "第 n 页 共 N 页" at the foot of every page from `first` on (0-based; the cover has none).
pub(crate) fn number_pages(pages: &mut Pages, first: usize) {
    let count = pages.pages.len().saturating_sub(first);
    for (n, ops) in pages.pages.iter_mut().skip(first).enumerate() {
        let text = format!("第 {} 页  共 {} 页", n + 1, count);
        ops.push(aligned(0.0, A4_WIDTH, A4_HEIGHT - 12.0 * MM, 9.0, &text, Align::Center));
    }
}

/// Draws the pages through krilla. Every text is mapped to glyphs first; a character without one
/// is an error, never a gap.
pub(crate) fn render(pages: &Pages, title: &str) -> Result<Vec<u8>, PdfError> {
    let font = FONT.pdf_font();
    let mut document = Document::new();
    let mut metadata = Metadata::new().language("zh-CN".to_string()).creator("jijiao".to_string());
    if !title.is_empty() {
        metadata = metadata.title(title.to_string());
    }
    document.set_metadata(metadata);
    let settings = PageSettings::from_wh(A4_WIDTH, A4_HEIGHT).ok_or(PdfError::Layout("A4"))?;
    for ops in &pages.pages {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text { x, y, size, text } => {
                    if text.is_empty() {
                        continue;
                    }
                    let glyphs = FONT.glyphs(text).map_err(|ch| PdfError::MissingGlyphs(vec![(String::new(), ch)]))?;
                    surface.set_stroke(None);
                    surface.set_fill(Some(Fill::default()));
                    surface.draw_glyphs(Point::from_xy(*x, *y), &glyphs, font.clone(), text, *size, false);
                }
                Op::Line { x1, y1, x2, y2, width } => {
                    let mut path = PathBuilder::new();
                    path.move_to(*x1, *y1);
                    path.line_to(*x2, *y2);
                    if let Some(path) = path.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(stroke(*width)));
                        surface.draw_path(&path);
                    }
                }
                Op::Rect { x, y, w, h, width } => {
                    let mut path = PathBuilder::new();
                    path.move_to(*x, *y);
                    path.line_to(x + w, *y);
                    path.line_to(x + w, y + h);
                    path.line_to(*x, y + h);
                    path.close();
                    if let Some(path) = path.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(stroke(*width)));
                        surface.draw_path(&path);
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| PdfError::Pdf(format!("{e:?}")))
}

fn stroke(width: f32) -> Stroke {
    Stroke { paint: luma::Color::black().into(), width, ..Stroke::default() }
}
