//! QR codes as SVG for pages (the unit's sign-in code, rules.md §7.6): drawn server-side, so the page
//! needs no script to show one and a screen shows it sharp at any size. Each dark run of a row is one
//! rectangle of a single path, a few kilobytes for a sign-in URL.

use std::fmt::Write;

/// Modules of white margin around the code (the quiet zone the standard asks for).
const QUIET: usize = 4;

/// The SVG of a QR code holding `text` (error correction M), `viewBox` in modules, scaled by the
/// page. Fails only for a text too long for any QR code.
pub fn svg(text: &str, label: &str) -> Result<String, String> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| format!("二维码无法生成：{e}"))?;
    let width = code.width();
    let side = width + 2 * QUIET;
    let colors = code.to_colors();
    let mut path = String::new();
    for y in 0..width {
        let mut x = 0;
        while x < width {
            if colors[y * width + x] == qrcode::Color::Dark {
                let start = x;
                while x < width && colors[y * width + x] == qrcode::Color::Dark {
                    x += 1;
                }
                let _ = write!(path, "M{} {}h{}v1h-{}z", start + QUIET, y + QUIET, x - start, x - start);
            } else {
                x += 1;
            }
        }
    }
    let label = label.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"{label}\"><rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads the SVG back as a scanner would: its rectangles drawn into pixels, then decoded.
    fn decode(svg: &str) -> String {
        let side: usize = svg.split("viewBox=\"0 0 ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
        let d = svg.split(" d=\"").nth(1).unwrap().split('"').next().unwrap();
        let mut dark = vec![false; side * side];
        for rect in d.split('M').filter(|r| !r.is_empty()) {
            let (xy, rest) = rect.split_once('h').unwrap();
            let (x, y) = xy.split_once(' ').unwrap();
            let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
            let w: usize = rest.split('v').next().unwrap().parse().unwrap();
            for i in x..x + w {
                dark[y * side + i] = true;
            }
        }
        const SCALE: usize = 4;
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(side * SCALE, side * SCALE, |x, y| {
            if dark[(y / SCALE) * side + x / SCALE] { 0 } else { 255 }
        });
        let grids = image.detect_grids();
        grids[0].decode().unwrap().1
    }

    #[test]
    fn the_svg_holds_the_text_and_escapes_its_label() {
        let url = "https://jijiao.example.cn/sign-in/1234.1.202606100900.59392011.AbCdEfGhIjKlMnOpQrStUv";
        let svg = svg(url, "签到二维码 <第1期>").unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("aria-label=\"签到二维码 &lt;第1期&gt;\""), "{svg}");
        assert_eq!(decode(&svg), url);
        assert!(svg.len() < 20_000, "{}", svg.len());
    }

    #[test]
    fn a_text_too_long_for_a_code_is_an_error() {
        assert!(svg(&"x".repeat(5000), "").unwrap_err().contains("二维码无法生成"));
    }
}
