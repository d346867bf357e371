//! The one font every PDF uses, and everything we do with glyphs ourselves: the coverage check,
//! measuring and line breaking.
//!
//! krilla draws the glyphs we give it and does no layout, and a character without a glyph would
//! simply vanish ("王喆" printed as "王"). So text is mapped to glyphs here, once, with an error for
//! any character the font lacks, and the same advances are used to measure, wrap and draw.

use std::sync::LazyLock;

use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::instance::{LocationRef, Size};
use skrifa::raw::TableProvider;
use skrifa::{FontRef, MetadataProvider};

/// Noto Sans CJK SC Regular, reduced to Han characters and what forms need around them
/// (see `assets/fonts/make_subset.sh`; SIL OFL 1.1, `assets/fonts/OFL.txt`).
static FONT_DATA: &[u8] = include_bytes!("../../assets/fonts/NotoSansCJKsc-Regular.han.otf");

pub(crate) struct CjkFont {
    font_ref: FontRef<'static>,
    units_per_em: f32,
    pdf: Font,
}

/// The embedded font, parsed once. The data is part of the binary and checked by the tests, so a
/// failure here is a broken build, not a runtime condition.
pub(crate) static FONT: LazyLock<CjkFont> = LazyLock::new(|| {
    let font_ref = FontRef::new(FONT_DATA).expect("the embedded font is a valid OpenType font");
    let units_per_em = f32::from(font_ref.head().expect("the embedded font has a head table").units_per_em());
    let pdf = Font::new(FONT_DATA.into(), 0).expect("krilla reads the embedded font");
    CjkFont { font_ref, units_per_em, pdf }
});

/// Characters that never need a glyph: line breaks are layout, not text.
fn is_layout_char(ch: char) -> bool {
    matches!(ch, '\n' | '\r')
}

/// Tabs print as a space; everything else prints as itself.
fn printed(ch: char) -> char {
    if ch == '\t' { ' ' } else { ch }
}

impl CjkFont {
    pub(crate) fn pdf_font(&self) -> Font {
        self.pdf.clone()
    }

    /// Whether the font has a real glyph (not `.notdef`) for `ch`.
    pub(crate) fn covers(&self, ch: char) -> bool {
        is_layout_char(ch) || self.font_ref.charmap().map(printed(ch)).is_some_and(|g| g.to_u32() != 0)
    }

    /// The characters of `text` the font has no glyph for, each once, in order of appearance.
    pub(crate) fn missing(&self, text: &str) -> Vec<char> {
        let mut missing = Vec::new();
        for ch in text.chars() {
            if !self.covers(ch) && !missing.contains(&ch) {
                missing.push(ch);
            }
        }
        missing
    }

    /// One glyph per character, advances in em. Errors with the first character without a glyph.
    pub(crate) fn glyphs(&self, text: &str) -> Result<Vec<KrillaGlyph>, char> {
        let charmap = self.font_ref.charmap();
        let metrics = self.font_ref.glyph_metrics(Size::unscaled(), LocationRef::default());
        let mut glyphs = Vec::with_capacity(text.len() / 3 + 1);
        for (start, ch) in text.char_indices() {
            if is_layout_char(ch) {
                continue;
            }
            let id = charmap.map(printed(ch)).filter(|g| g.to_u32() != 0).ok_or(ch)?;
            let advance = metrics.advance_width(id).unwrap_or(0.0) / self.units_per_em;
            glyphs.push(KrillaGlyph::new(
                GlyphId::new(id.to_u32()),
                advance,
                0.0,
                0.0,
                0.0,
                start..start + ch.len_utf8(),
                None,
            ));
        }
        Ok(glyphs)
    }

    /// The width of `text` at `size` points. Characters without a glyph count as one em, so
    /// layout stays sensible; drawing them is refused elsewhere.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        let charmap = self.font_ref.charmap();
        let metrics = self.font_ref.glyph_metrics(Size::unscaled(), LocationRef::default());
        let units: f32 = text
            .chars()
            .filter(|ch| !is_layout_char(*ch))
            .map(|ch| charmap.map(printed(ch)).and_then(|id| metrics.advance_width(id)).unwrap_or(self.units_per_em))
            .sum();
        units / self.units_per_em * size
    }
}

/// One line of wrapped text and how far it is indented.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Line {
    pub text: String,
    pub indent: f32,
}

/// Punctuation that must not start a line: it stays at the end of the previous one and may hang
/// slightly into the cell padding.
fn closes(ch: char) -> bool {
    "，。、；：？！）》」』】〕〉”’…—％%,.;:?!)]}·～".contains(ch)
}

/// Punctuation that must not end a line: it moves to the next one with what it opens.
fn opens(ch: char) -> bool {
    "（《「『【〔〈“‘([{".contains(ch)
}

/// Latin letters, digits and the like are kept together as a word; CJK breaks anywhere.
fn word_char(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.' | '/' | '+' | '#' | '@' | '\'' | '%')
}

/// Breaks `text` into lines no wider than `width` at `size` points. Each paragraph (`\n`) starts
/// a new line; with `first_indent` each paragraph's first line is indented by that many points.
/// No character is dropped except spaces at the start of a wrapped line.
pub(crate) fn wrap(text: &str, size: f32, width: f32, first_indent: f32) -> Vec<Line> {
    let font = &*FONT;
    let mut lines = Vec::new();
    for paragraph in text.replace("\r\n", "\n").replace('\r', "\n").split('\n') {
        // Tokens: a run of word characters, or a single other character.
        let mut tokens: Vec<String> = Vec::new();
        for ch in paragraph.chars() {
            match tokens.last_mut() {
                Some(last) if word_char(ch) && last.chars().all(word_char) => last.push(ch),
                _ => tokens.push(ch.to_string()),
            }
        }
        let mut line = String::new();
        let mut indent = if paragraph.trim().is_empty() { 0.0 } else { first_indent };
        let mut used = 0.0;
        for token in tokens {
            let token_width = font.width(&token, size);
            let first_char = token.chars().next().unwrap_or(' ');
            if used + token_width <= width - indent || closes(first_char) && token.chars().count() == 1 {
                line.push_str(&token);
                used += token_width;
                continue;
            }
            if token_width > width - indent && line.is_empty() {
                // A word longer than the line: break it by character.
                for ch in token.chars() {
                    let w = font.width(ch.encode_utf8(&mut [0; 4]), size);
                    if used + w > width - indent && !line.is_empty() {
                        lines.push(Line { text: std::mem::take(&mut line), indent });
                        indent = 0.0;
                        used = 0.0;
                    }
                    line.push(ch);
                    used += w;
                }
                continue;
            }
            // Start a new line, taking an opening bracket or quote along.
            let mut carry = String::new();
            if let Some(last) = line.chars().last()
                && opens(last)
                && line.chars().count() > 1
            {
                line.pop();
                carry.push(last);
            }
            lines.push(Line { text: std::mem::take(&mut line), indent });
            indent = 0.0;
            // A wrapped line does not start with a space.
            let token = if token == " " { String::new() } else { token };
            line = carry + &token;
            used = font.width(&line, size);
            if used > width {
                // The carried bracket and a long word: break by character on the next round.
                let pending = std::mem::take(&mut line);
                used = 0.0;
                for ch in pending.chars() {
                    let w = font.width(ch.encode_utf8(&mut [0; 4]), size);
                    if used + w > width && !line.is_empty() {
                        lines.push(Line { text: std::mem::take(&mut line), indent: 0.0 });
                        used = 0.0;
                    }
                    line.push(ch);
                    used += w;
                }
            }
        }
        lines.push(Line { text: line, indent });
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(lines: &[Line]) -> String {
        lines.iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn names_with_rare_characters_are_covered() {
        for name in ["王喆", "李堃", "刘䶮", "𬌗", "张珺", "陈昇"] {
            assert!(FONT.missing(name).is_empty(), "{name}");
            assert_eq!(FONT.glyphs(name).map(|g| g.len()), Ok(name.chars().count()));
        }
    }

    #[test]
    fn characters_without_glyph_are_reported_not_dropped() {
        assert_eq!(FONT.missing("王\u{E000}喆\u{E000}\u{E001}"), vec!['\u{E000}', '\u{E001}']);
        assert_eq!(FONT.glyphs("王\u{E000}").err(), Some('\u{E000}'));
    }

    #[test]
    fn cjk_wraps_anywhere_and_keeps_every_character() {
        let text = "继续医学教育".repeat(20);
        let lines = wrap(&text, 10.0, 100.0, 0.0);
        assert!(lines.len() >= 12, "{lines:?}");
        assert_eq!(joined(&lines), text);
        for line in &lines {
            assert!(FONT.width(&line.text, 10.0) <= 100.0 + 0.01, "{line:?}");
        }
    }

    #[test]
    fn punctuation_does_not_start_a_line_and_words_stay_whole() {
        // Ten characters fit; the eleventh is a comma and stays on the first line.
        let lines = wrap("一二三四五六七八九十，十一", 10.0, 100.0, 0.0);
        assert_eq!(lines[0].text, "一二三四五六七八九十，");
        let lines = wrap("心衰 NT-proBNP 检测", 10.0, 60.0, 0.0);
        assert!(lines.iter().any(|l| l.text.contains("NT-proBNP")), "{lines:?}");
    }

    #[test]
    fn paragraphs_start_new_indented_lines() {
        let lines = wrap("第一段\n第二段", 10.0, 200.0, 20.0);
        assert_eq!(
            lines,
            vec![Line { text: "第一段".into(), indent: 20.0 }, Line { text: "第二段".into(), indent: 20.0 }]
        );
    }
}
