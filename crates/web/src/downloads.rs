//! How files are offered for download: the `Content-Disposition` header with a Chinese file name
//! and an ASCII fallback (RFC 6266/5987).

use jijiao_app::applications::print::PdfFile;

/// `Content-Disposition` for a download: an ASCII fallback and the UTF-8 name (RFC 6266/5987).
pub fn content_disposition(file: &PdfFile) -> String {
    attachment(&file.file_name, &file.ascii_name)
}

/// `Content-Disposition` for a file named `name` (any characters), with `ascii` as the fallback name.
pub fn attachment(name: &str, ascii: &str) -> String {
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    let ascii: String = ascii.chars().filter(|c| c.is_ascii_graphic() && *c != '"' && *c != '\\').collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_name_is_percent_encoded() {
        let file =
            PdfFile {
                bytes: vec![], file_name: "申报书-12.pdf".into(), ascii_name: "application-form-12.pdf".into()
            };
        assert_eq!(
            content_disposition(&file),
            "attachment; filename=\"application-form-12.pdf\"; filename*=UTF-8''%E7%94%B3%E6%8A%A5%E4%B9%A6-12.pdf"
        );
    }
}
