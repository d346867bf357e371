//! The electronic credit certificate (学分证书 / 授课证明, rules.md §8) as a one-page A4 landscape
//! PDF that looks like a certificate: a double border, the title, a sentence stating what was
//! earned, the facts laid out, the issuing office and date, and a QR code.
//!
//! The QR code is embedded as a greyscale image (one pixel per module, quiet zone included), not as
//! drawn squares, so that [`read_certificate_qr`] can take it back out of the file and decode it:
//! `jijiao certificate verify FILE.pdf` verifies a certificate offline from the PDF alone.

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Size, Transform};
use krilla::image::{BitsPerComponent, CustomImage, Image, ImageColorspace};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};

use super::PdfError;
use super::font::{FONT, wrap};
use super::layout::MM;

/// A4 landscape, in points.
const WIDTH: f32 = 841.89;
const HEIGHT: f32 = 595.28;
/// Modules of white around the code, as the QR standard asks.
const QUIET: usize = 4;
/// The QR code's printed side.
const QR_SIDE: f32 = 58.0 * MM;

/// What the certificate prints: text as it should appear (the caller formats dates and numbers).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertificateInput {
    /// 继续医学教育学分证书 or 授课证明.
    pub title: String,
    pub number: String,
    /// The sentence stating what was earned.
    pub statement: String,
    /// Label and value pairs, printed as a list beside the QR code.
    pub facts: Vec<(String, String)>,
    /// The issuing office, printed above the date as the signatory.
    pub office: String,
    /// 2026年6月1日
    pub issued_on: String,
    /// The text of the QR code (the verification URL with facts and signature).
    pub qr: String,
    /// Printed under the code: the key that signed.
    pub qr_caption: String,
    /// A revoked certificate says so across its face.
    pub revoked: Option<String>,
}

/// The certificate as a PDF.
pub fn certificate(input: &CertificateInput) -> Result<Vec<u8>, PdfError> {
    let mut fields: Vec<(&str, &str)> = vec![
        ("证书标题", input.title.as_str()),
        ("证书编号", input.number.as_str()),
        ("证书内容", input.statement.as_str()),
        ("发证机构", input.office.as_str()),
        ("发证日期", input.issued_on.as_str()),
        ("二维码说明", input.qr_caption.as_str()),
    ];
    for (label, value) in &input.facts {
        fields.push((label.as_str(), label.as_str()));
        fields.push((label.as_str(), value.as_str()));
    }
    if let Some(r) = &input.revoked {
        fields.push(("撤销说明", r.as_str()));
    }
    super::check_coverage(&fields)?;
    let qr = QrImage::new(&input.qr)?;
    render(input, qr)
}

/// A QR code as a greyscale image: one byte per module (0 dark, 255 light), quiet zone included.
#[derive(Clone, Hash)]
struct QrImage {
    side: usize,
    pixels: Vec<u8>,
}

impl QrImage {
    fn new(text: &str) -> Result<Self, PdfError> {
        let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
            .map_err(|e| PdfError::Pdf(format!("二维码无法生成：{e}")))?;
        let modules = code.width();
        let side = modules + 2 * QUIET;
        let mut pixels = vec![255u8; side * side];
        for (i, color) in code.to_colors().into_iter().enumerate() {
            if color == qrcode::Color::Dark {
                let (x, y) = (i % modules + QUIET, i / modules + QUIET);
                pixels[y * side + x] = 0;
            }
        }
        Ok(Self { side, pixels })
    }
}

impl CustomImage for QrImage {
    fn color_channel(&self) -> &[u8] {
        &self.pixels
    }
    fn alpha_channel(&self) -> Option<&[u8]> {
        None
    }
    fn bits_per_component(&self) -> BitsPerComponent {
        BitsPerComponent::Eight
    }
    fn size(&self) -> (u32, u32) {
        (self.side as u32, self.side as u32)
    }
    fn icc_profile(&self) -> Option<&[u8]> {
        None
    }
    fn color_space(&self) -> ImageColorspace {
        ImageColorspace::Luma
    }
}

struct Painter<'s, 'a> {
    surface: &'s mut krilla::surface::Surface<'a>,
    font: krilla::text::Font,
}

impl Painter<'_, '_> {
    fn text(&mut self, x: f32, y: f32, size: f32, text: &str, color: rgb::Color) -> Result<(), PdfError> {
        if text.is_empty() {
            return Ok(());
        }
        let glyphs = FONT.glyphs(text).map_err(|ch| PdfError::MissingGlyphs(vec![(String::new(), ch)]))?;
        self.surface.set_stroke(None);
        self.surface.set_fill(Some(Fill { paint: color.into(), ..Fill::default() }));
        self.surface.draw_glyphs(Point::from_xy(x, y), &glyphs, self.font.clone(), text, size, false);
        Ok(())
    }

    fn centred(&mut self, y: f32, size: f32, text: &str, color: rgb::Color) -> Result<(), PdfError> {
        let x = (WIDTH - FONT.width(text, size)) / 2.0;
        self.text(x, y, size, text, color)
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, width: f32, color: rgb::Color) {
        let mut path = PathBuilder::new();
        path.move_to(x, y);
        path.line_to(x + w, y);
        path.line_to(x + w, y + h);
        path.line_to(x, y + h);
        path.close();
        if let Some(path) = path.finish() {
            self.surface.set_fill(None);
            self.surface.set_stroke(Some(Stroke { paint: color.into(), width, ..Stroke::default() }));
            self.surface.draw_path(&path);
        }
    }
}

/// The certificate's red, as on a seal.
fn red() -> rgb::Color {
    rgb::Color::new(178, 34, 34)
}

fn ink() -> rgb::Color {
    rgb::Color::new(33, 33, 33)
}

fn render(input: &CertificateInput, qr: QrImage) -> Result<Vec<u8>, PdfError> {
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .language("zh-CN".to_string())
            .creator("jijiao".to_string())
            .title(format!("{} {}", input.title, input.number)),
    );
    let settings = PageSettings::from_wh(WIDTH, HEIGHT).ok_or(PdfError::Layout("A4 横向"))?;
    let mut page = document.start_page_with(settings);
    let mut surface = page.surface();
    draw(&mut Painter { surface: &mut surface, font: FONT.pdf_font() }, input, qr)?;
    surface.finish();
    page.finish();
    document.finish().map_err(|e| PdfError::Pdf(format!("{e:?}")))
}

fn draw(p: &mut Painter, input: &CertificateInput, qr: QrImage) -> Result<(), PdfError> {
    // The border: a heavy outer frame and a fine inner one.
    p.rect(10.0 * MM, 10.0 * MM, WIDTH - 20.0 * MM, HEIGHT - 20.0 * MM, 3.0, red());
    p.rect(13.5 * MM, 13.5 * MM, WIDTH - 27.0 * MM, HEIGHT - 27.0 * MM, 0.8, red());

    p.centred(38.0 * MM, 30.0, &input.title, red())?;
    let number = format!("编号：{}", input.number);
    let right = WIDTH - 22.0 * MM;
    p.text(right - FONT.width(&number, 10.5), 47.0 * MM, 10.5, &number, ink())?;

    // The statement, wrapped over the width inside the border.
    let left = 24.0 * MM;
    let size = 15.0;
    let mut y = 62.0 * MM;
    for line in wrap(&input.statement, size, right - left, 2.0 * size) {
        p.text(left + line.indent, y, size, &line.text, ink())?;
        y += size * 1.75;
    }

    // The facts on the left, the QR code on the right.
    let qr_x = right - QR_SIDE;
    let facts_top = y + 4.0 * MM;
    let label_size = 11.0;
    let label_width = 22.0 * MM;
    let value_width = qr_x - 8.0 * MM - left - label_width;
    let mut y = facts_top;
    for (label, value) in &input.facts {
        p.text(left, y, label_size, &format!("{label}："), rgb::Color::new(90, 90, 90))?;
        for line in wrap(value, label_size, value_width, 0.0) {
            p.text(left + label_width, y, label_size, &line.text, ink())?;
            y += label_size * 1.6;
        }
    }

    let qr_top = facts_top - 6.0 * MM;
    let side = qr.side as u32;
    let image = Image::from_custom(qr, false).map_err(|e| PdfError::Pdf(format!("二维码图像：{e}")))?;
    p.surface.push_transform(&Transform::from_translate(qr_x, qr_top));
    p.surface.draw_image(image, Size::from_wh(QR_SIDE, QR_SIDE).ok_or(PdfError::Layout("二维码尺寸"))?);
    p.surface.pop();
    debug_assert!(side > 0);
    let caption_y = qr_top + QR_SIDE + 4.5 * MM;
    let hint = "扫码验证真伪";
    p.text(qr_x + (QR_SIDE - FONT.width(hint, 10.0)) / 2.0, caption_y, 10.0, hint, ink())?;
    let caption_w = FONT.width(&input.qr_caption, 8.0);
    p.text(qr_x + (QR_SIDE - caption_w) / 2.0, caption_y + 4.5 * MM, 8.0, &input.qr_caption, ink())?;

    // The issuing office and the date, bottom right, with a seal-like ring.
    let bottom = HEIGHT - 24.0 * MM;
    let office_w = FONT.width(&input.office, 14.0);
    let date_w = FONT.width(&input.issued_on, 12.0);
    let block_right = qr_x - 10.0 * MM;
    p.text(block_right - office_w, bottom - 8.0 * MM, 14.0, &input.office, ink())?;
    p.text(block_right - date_w, bottom, 12.0, &input.issued_on, ink())?;

    if let Some(revoked) = &input.revoked {
        let size = 13.0;
        for (i, line) in wrap(revoked, size, WIDTH - 60.0 * MM, 0.0).iter().enumerate() {
            p.text(left, HEIGHT - 40.0 * MM + i as f32 * size * 1.5, size, &line.text, red())?;
        }
    }
    Ok(())
}

/// Why the QR code could not be read from a file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrReadError {
    #[error("文件中没有证书二维码")]
    NoCode,
    #[error("证书二维码无法读取：{0}")]
    Unreadable(String),
}

/// The text of the QR code in a certificate PDF written by [`certificate`]: the first greyscale
/// image of the file, inflated and decoded.
pub fn read_certificate_qr(pdf: &[u8]) -> Result<String, QrReadError> {
    let mut from = 0;
    // krilla writes `/Subtype/Image`; other writers put a space between the names.
    let next = |from: usize| {
        [b"/Subtype/Image".as_slice(), b"/Subtype /Image".as_slice()]
            .iter()
            .filter_map(|n| find(&pdf[from..], n))
            .min()
            .map(|i| i + from)
    };
    while let Some(at) = next(from) {
        from = at + 1;
        let Some(dict_start) = rfind(&pdf[..at], b"<<") else { continue };
        let Some(stream) = find(&pdf[at..], b"stream").map(|i| i + at) else { continue };
        let dict = &pdf[dict_start..stream];
        let (Some(w), Some(h), Some(len)) =
            (number(dict, b"/Width"), number(dict, b"/Height"), number(dict, b"/Length"))
        else {
            continue;
        };
        // A QR code is at most 177 modules and its quiet zone, one pixel each in our PDFs: a
        // larger image is not one, and decoding it (scaled up) could take gigabytes.
        if !(MIN_QR_PIXELS..=MAX_QR_PIXELS).contains(&w) || !(MIN_QR_PIXELS..=MAX_QR_PIXELS).contains(&h) {
            continue;
        }
        let mut data_start = stream + b"stream".len();
        if pdf.get(data_start) == Some(&b'\r') {
            data_start += 1;
        }
        if pdf.get(data_start) == Some(&b'\n') {
            data_start += 1;
        }
        let Some(data) = data_start.checked_add(len).and_then(|end| pdf.get(data_start..end)) else { continue };
        let pixels = if find(dict, b"/FlateDecode").is_some() {
            let mut out = Vec::new();
            use std::io::Read;
            flate2::read::ZlibDecoder::new(data)
                .take((w * h + 1) as u64)
                .read_to_end(&mut out)
                .map_err(|e| QrReadError::Unreadable(e.to_string()))?;
            out
        } else {
            data.to_vec()
        };
        if pixels.len() != w * h {
            continue;
        }
        return decode(&pixels, w, h);
    }
    Err(QrReadError::NoCode)
}

/// The side of the smallest QR code (version 1, 21 modules) and of an image far above the largest
/// (version 40, 177 modules and a quiet zone of 4 on each side), in pixels.
const MIN_QR_PIXELS: usize = 21;
const MAX_QR_PIXELS: usize = 1_000;

/// Decodes a greyscale QR image, scaled up so the detector finds its finder patterns.
fn decode(pixels: &[u8], w: usize, h: usize) -> Result<String, QrReadError> {
    const SCALE: usize = 4;
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(w * SCALE, h * SCALE, |x, y| pixels[(y / SCALE) * w + x / SCALE]);
    let grids = image.detect_grids();
    let grid = grids.first().ok_or(QrReadError::NoCode)?;
    let (_, text) = grid.decode().map_err(|e| QrReadError::Unreadable(e.to_string()))?;
    Ok(text)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::rfind(haystack, needle)
}

/// The integer after a key in a PDF dictionary (`/Width 41`).
fn number(dict: &[u8], key: &[u8]) -> Option<usize> {
    let mut at = find(dict, key)? + key.len();
    while dict.get(at).is_some_and(|b| b.is_ascii_whitespace()) {
        at += 1;
    }
    let digits: Vec<u8> = dict[at..].iter().take_while(|b| b.is_ascii_digit()).copied().collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> CertificateInput {
        CertificateInput {
            title: "继续医学教育学分证书".into(),
            number: "2026-11-00000001".into(),
            statement: "王喆（身份证号 110105********002X）于2026年5月10日至5月12日参加国家级继续医学教育项目“心力衰竭规范化诊疗”（面授），完成 18.0 学时，经考核合格，授予学分 6.0 分。".into(),
            facts: vec![
                ("姓名".into(), "王喆".into()),
                ("项目编号".into(), "2026-03-07-012（国）".into()),
                ("学分".into(), "6.0".into()),
            ],
            office: "北京市继续医学教育委员会".into(),
            issued_on: "2026年6月1日".into(),
            qr: "https://jijiao.example/certificates/verify?number=2026-11-00000001#c1.eyJ4IjoiMSJ9.AAAA".into(),
            qr_caption: "签名密钥 11-1".into(),
            revoked: None,
        }
    }

    #[test]
    fn the_qr_code_comes_back_out_of_the_pdf() {
        let input = sample();
        let pdf = certificate(&input).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        assert_eq!(read_certificate_qr(&pdf).unwrap(), input.qr);
    }

    #[test]
    fn a_long_qr_text_fits_and_reads_back() {
        let long = format!(
            "https://jijiao.example/certificates/verify?number=2026-11-00000001#c1.{}.{}",
            "x".repeat(1100),
            "y".repeat(86)
        );
        let input = CertificateInput { qr: long.clone(), ..sample() };
        assert_eq!(read_certificate_qr(&certificate(&input).unwrap()).unwrap(), long);
    }

    /// Hostile numbers in an image's dictionary: a length past the end of memory, sides whose
    /// product overflows, and a side too large to be a QR code (its decoding would take gigabytes).
    #[test]
    fn impossible_image_sizes_are_no_code_not_a_crash() {
        for dict in [
            "/Width 41 /Height 41 /Length 18446744073709551615",
            "/Width 4294967296 /Height 4294967296 /Length 0",
            "/Width 20000 /Height 20000 /Length 3",
        ] {
            let pdf = format!("%PDF-1.7 1 0 obj <</Subtype/Image {dict}>> stream\nabc\nendstream");
            assert_eq!(read_certificate_qr(pdf.as_bytes()), Err(QrReadError::NoCode), "{dict}");
        }
    }

    #[test]
    fn a_file_without_a_code_says_so_and_a_missing_glyph_is_named() {
        assert_eq!(read_certificate_qr(b"%PDF-1.7 nothing here"), Err(QrReadError::NoCode));
        let input = CertificateInput { facts: vec![("姓名".into(), "王\u{E000}".into())], ..sample() };
        assert!(matches!(certificate(&input), Err(PdfError::MissingGlyphs(_))));
    }
}
