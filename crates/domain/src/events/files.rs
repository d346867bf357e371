//! The files of an event: the notice (办班通知, a PDF or an image) and inspection photos (JPEG or
//! PNG). Files are checked by their content, never by their name: the first bytes say what a file is,
//! so a "PDF" that is not one is refused naming the field. Photos lose their metadata before they are
//! stored (EXIF holds where and when a phone took them, sometimes who): done here by hand, segment by
//! segment, rather than by decoding and re-encoding with an image crate, which would add a large
//! dependency, cost a re-compression of every photo and change its pixels. The filter keeps every
//! byte of the picture and drops only what carries metadata.

/// Largest photo (rules.md §7.2) and notice.
pub const PHOTO_MAX_BYTES: usize = 10 * 1024 * 1024;
pub const NOTICE_MAX_BYTES: usize = 10 * 1024 * 1024;
/// Most photos of one inspection (rules.md §7.2).
pub const PHOTOS_MAX: usize = 10;

/// What a file is, by its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
}

impl FileKind {
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
        }
    }

    pub fn from_content_type(text: &str) -> Option<Self> {
        [FileKind::Pdf, FileKind::Jpeg, FileKind::Png].into_iter().find(|k| k.content_type() == text)
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Jpeg => "jpg",
            FileKind::Png => "png",
        }
    }
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

/// What the first bytes say the file is.
pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
    if bytes.starts_with(b"%PDF-") {
        Some(FileKind::Pdf)
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some(FileKind::Jpeg)
    } else if bytes.starts_with(&PNG_SIGNATURE) {
        Some(FileKind::Png)
    } else {
        None
    }
}

fn megabytes(bytes: usize) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0))
}

/// A notice as it is stored: a PDF as uploaded, an image without its metadata. `label` names the
/// field in the message (办班通知).
pub fn notice(bytes: &[u8], label: &str) -> Result<(FileKind, Vec<u8>), String> {
    if bytes.is_empty() {
        return Err(format!("{label}：文件为空"));
    }
    if bytes.len() > NOTICE_MAX_BYTES {
        return Err(format!(
            "{label}：文件 {} MB，不能超过 {} MB",
            megabytes(bytes.len()),
            NOTICE_MAX_BYTES / (1024 * 1024)
        ));
    }
    match sniff(bytes) {
        Some(FileKind::Pdf) => {
            // A PDF ends with %%EOF (possibly followed by line ends); a truncated upload does not.
            let tail = &bytes[bytes.len().saturating_sub(1024)..];
            if !tail.windows(5).any(|w| w == b"%%EOF") {
                return Err(format!("{label}：PDF 文件不完整（缺少文件结尾），请重新导出后上传"));
            }
            Ok((FileKind::Pdf, bytes.to_vec()))
        }
        Some(kind) => Ok((kind, strip_metadata(kind, bytes).map_err(|e| format!("{label}：{e}"))?)),
        None => Err(format!("{label}：不是 PDF 或 JPEG、PNG 图片（按文件内容判断，与扩展名无关）")),
    }
}

/// A photo as it is stored: JPEG or PNG, at most [`PHOTO_MAX_BYTES`], without its metadata. `label`
/// names the photo in the message (照片2).
pub fn photo(bytes: &[u8], label: &str) -> Result<(FileKind, Vec<u8>), String> {
    if bytes.is_empty() {
        return Err(format!("{label}：文件为空"));
    }
    if bytes.len() > PHOTO_MAX_BYTES {
        return Err(format!(
            "{label}：{} MB，超过每张 {} MB 的上限",
            megabytes(bytes.len()),
            PHOTO_MAX_BYTES / (1024 * 1024)
        ));
    }
    match sniff(bytes) {
        Some(kind @ (FileKind::Jpeg | FileKind::Png)) => {
            Ok((kind, strip_metadata(kind, bytes).map_err(|e| format!("{label}：{e}"))?))
        }
        _ => Err(format!("{label}：不是 JPEG 或 PNG 图片（按文件内容判断）")),
    }
}

/// The image without its metadata segments (JPEG) or chunks (PNG); a PDF unchanged.
pub fn strip_metadata(kind: FileKind, bytes: &[u8]) -> Result<Vec<u8>, String> {
    match kind {
        FileKind::Jpeg => strip_jpeg(bytes),
        FileKind::Png => strip_png(bytes),
        FileKind::Pdf => Ok(bytes.to_vec()),
    }
}

/// JPEG segments before the image data: APP0 (JFIF) and APP14 (Adobe: how to read the colours) are
/// kept; APP1–APP13 and APP15 (EXIF, XMP, ICC profiles, Photoshop IPTC, maker notes) and comments
/// are dropped. From the first scan (SOS) on, the bytes are the picture and are copied as they are.
pub fn strip_jpeg(bytes: &[u8]) -> Result<Vec<u8>, String> {
    const BROKEN: &str = "JPEG 图片已损坏或不完整";
    if !bytes.starts_with(&[0xff, 0xd8]) {
        return Err(BROKEN.into());
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..2]);
    let mut i = 2;
    loop {
        if i >= bytes.len() || bytes[i] != 0xff {
            return Err(BROKEN.into());
        }
        // Fill bytes (0xFF runs) before a marker.
        while i < bytes.len() && bytes[i] == 0xff {
            i += 1;
        }
        let Some(&marker) = bytes.get(i) else { return Err(BROKEN.into()) };
        i += 1;
        match marker {
            0xd9 => {
                out.extend_from_slice(&[0xff, 0xd9]);
                return Ok(out);
            }
            // Markers without a length.
            0x01 | 0xd0..=0xd7 => out.extend_from_slice(&[0xff, marker]),
            _ => {
                let length = match bytes.get(i..i + 2) {
                    Some(&[high, low]) => usize::from(u16::from_be_bytes([high, low])),
                    _ => return Err(BROKEN.into()),
                };
                if length < 2 || i + length > bytes.len() {
                    return Err(BROKEN.into());
                }
                let segment = &bytes[i..i + length];
                let metadata = matches!(marker, 0xe1..=0xed | 0xef | 0xfe);
                if !metadata {
                    out.extend_from_slice(&[0xff, marker]);
                    out.extend_from_slice(segment);
                }
                i += length;
                if marker == 0xda {
                    out.extend_from_slice(&bytes[i..]);
                    return Ok(out);
                }
            }
        }
    }
}

/// PNG chunks that carry metadata: text (tEXt, zTXt, iTXt), EXIF (eXIf) and the time of the last
/// change (tIME). Every other chunk is kept as it is, with its CRC.
const PNG_METADATA: [&[u8; 4]; 5] = [b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"];

pub fn strip_png(bytes: &[u8]) -> Result<Vec<u8>, String> {
    const BROKEN: &str = "PNG 图片已损坏或不完整";
    if !bytes.starts_with(&PNG_SIGNATURE) {
        return Err(BROKEN.into());
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&PNG_SIGNATURE);
    let mut i = PNG_SIGNATURE.len();
    loop {
        let header = bytes.get(i..i + 8).ok_or(BROKEN)?;
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind: [u8; 4] = [header[4], header[5], header[6], header[7]];
        let end = i.checked_add(12).and_then(|e| e.checked_add(length)).ok_or(BROKEN)?;
        if end > bytes.len() {
            return Err(BROKEN.into());
        }
        if !PNG_METADATA.iter().any(|m| **m == kind) {
            out.extend_from_slice(&bytes[i..end]);
        }
        i = end;
        if &kind == b"IEND" {
            return Ok(out);
        }
    }
}

/// Test images: the smallest well-formed JPEG and PNG, with and without metadata. Public so that
/// the other crates' tests upload real images.
pub mod samples {
    /// A 1×1 grey baseline JPEG with an EXIF segment (APP1) naming a camera and a comment.
    pub fn jpeg_with_exif() -> Vec<u8> {
        let mut out = vec![0xff, 0xd8];
        // APP0 JFIF
        out.extend_from_slice(&[0xff, 0xe0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
        // APP1 Exif with a "GPS" text inside
        let exif = b"Exif\0\0MM\0*GPS 39.9N 116.4E iPhone";
        let len = (exif.len() + 2) as u16;
        out.extend_from_slice(&[0xff, 0xe1]);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(exif);
        // COM
        let comment = b"taken by someone";
        out.extend_from_slice(&[0xff, 0xfe]);
        out.extend_from_slice(&((comment.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(comment);
        out.extend(jpeg_body());
        out
    }

    /// The same picture without metadata: what [`super::strip_jpeg`] leaves of [`jpeg_with_exif`].
    pub fn jpeg_plain() -> Vec<u8> {
        let mut out = vec![0xff, 0xd8];
        out.extend_from_slice(&[0xff, 0xe0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
        out.extend(jpeg_body());
        out
    }

    /// Quantisation table, frame, Huffman tables, scan and end of a 1×1 grey baseline JPEG.
    fn jpeg_body() -> Vec<u8> {
        // DQT: table 0, 64 values of 1.
        let mut b = vec![0xff, 0xdb, 0x00, 0x43, 0x00];
        b.extend_from_slice(&[1; 64]);
        // SOF0: 8 bit, 1×1, one component using table 0.
        b.extend_from_slice(&[0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00]);
        // DHT: DC table 0 and AC table 0, each one code of length 1 (category 0; end of block).
        for class in [0x00, 0x10] {
            b.extend_from_slice(&[0xff, 0xc4, 0x00, 0x14, class, 0x01]);
            b.extend_from_slice(&[0; 15]);
            b.push(0x00);
        }
        // SOS: one component, tables 0/0, spectral 0..63; the data (DC 0, EOB, padding); EOI.
        b.extend_from_slice(&[0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00]);
        b.push(0x3f);
        b.extend_from_slice(&[0xff, 0xd9]);
        b
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for byte in data {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
        out
    }

    fn png(with_text: bool) -> Vec<u8> {
        let mut out = super::PNG_SIGNATURE.to_vec();
        // 1×1, 8-bit greyscale
        out.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
        if with_text {
            out.extend(chunk(b"tEXt", b"Author\0someone"));
            out.extend(chunk(b"tIME", &[0x07, 0xea, 5, 10, 9, 30, 0]));
        }
        // zlib stream of the one scanline [filter 0, pixel 0x80], stored (no compression)
        let raw = [0u8, 0x80];
        let mut z = vec![0x78, 0x01, 0x01, 0x02, 0x00, 0xfd, 0xff];
        z.extend_from_slice(&raw);
        let (mut a, mut b) = (1u32, 0u32);
        for byte in raw {
            a = (a + u32::from(byte)) % 65521;
            b = (b + a) % 65521;
        }
        z.extend_from_slice(&((b << 16) | a).to_be_bytes());
        out.extend(chunk(b"IDAT", &z));
        out.extend(chunk(b"IEND", &[]));
        out
    }

    /// A 1×1 greyscale PNG with a text chunk (an author) and a time chunk.
    pub fn png_with_text() -> Vec<u8> {
        png(true)
    }

    /// The same picture without them.
    pub fn png_plain() -> Vec<u8> {
        png(false)
    }

    /// A small PDF (one empty page).
    pub fn pdf() -> Vec<u8> {
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n".to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::samples::*;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn files_are_told_by_their_content() {
        assert_eq!(sniff(&pdf()), Some(FileKind::Pdf));
        assert_eq!(sniff(&jpeg_plain()), Some(FileKind::Jpeg));
        assert_eq!(sniff(&png_plain()), Some(FileKind::Png));
        assert_eq!(sniff(b"<html>not a pdf</html>"), None);
        let fake = notice(b"This is not a PDF, whatever the name says", "办班通知").unwrap_err();
        assert!(fake.starts_with("办班通知：") && fake.contains("不是 PDF"), "{fake}");
        let truncated = notice(b"%PDF-1.4\n1 0 obj", "办班通知").unwrap_err();
        assert!(truncated.contains("不完整"), "{truncated}");
        assert_eq!(notice(&pdf(), "办班通知").unwrap(), (FileKind::Pdf, pdf()));
        assert!(photo(&pdf(), "照片1").unwrap_err().contains("不是 JPEG 或 PNG"));
    }

    #[test]
    fn metadata_is_dropped_and_the_picture_kept() {
        let (kind, stripped) = photo(&jpeg_with_exif(), "照片1").unwrap();
        assert_eq!((kind, stripped.clone()), (FileKind::Jpeg, jpeg_plain()));
        assert!(!stripped.windows(3).any(|w| w == b"GPS"));
        let (kind, stripped) = photo(&png_with_text(), "照片2").unwrap();
        assert_eq!((kind, stripped.clone()), (FileKind::Png, png_plain()));
        assert!(!stripped.windows(6).any(|w| w == b"Author"));
        assert_eq!(strip_jpeg(&jpeg_plain()).unwrap(), jpeg_plain(), "nothing to drop");
        assert_eq!(strip_png(&png_plain()).unwrap(), png_plain());
    }

    #[test]
    fn oversized_and_broken_photos_are_refused_by_name() {
        let mut big = jpeg_plain();
        big.resize(PHOTO_MAX_BYTES + 1, 0);
        let message = photo(&big, "照片3").unwrap_err();
        assert!(message.starts_with("照片3：") && message.contains("10 MB"), "{message}");
        let cut = &jpeg_with_exif()[..30];
        assert!(photo(cut, "照片1").unwrap_err().contains("损坏"));
        let png = png_with_text();
        assert!(photo(&png[..png.len() - 5], "照片1").unwrap_err().contains("损坏"));
        assert!(photo(&[], "照片1").unwrap_err().contains("为空"));
    }

    proptest! {
        /// Whatever APPn segments a camera adds (other than APP0 and APP14), the stored photo is
        /// the same bytes; stripping twice changes nothing more.
        #[test]
        fn any_added_metadata_segment_is_dropped(segments in proptest::collection::vec((1u8..14, proptest::collection::vec(any::<u8>(), 0..300)), 0..6)) {
            let plain = jpeg_plain();
            let mut with = plain[..2].to_vec();
            for (n, data) in &segments {
                let marker = if *n == 13 { 0xfe } else { 0xe0 + n };
                with.extend_from_slice(&[0xff, marker]);
                with.extend_from_slice(&((data.len() + 2) as u16).to_be_bytes());
                with.extend_from_slice(data);
            }
            with.extend_from_slice(&plain[2..]);
            let stripped = strip_jpeg(&with).unwrap();
            prop_assert_eq!(&stripped, &plain);
            prop_assert_eq!(strip_jpeg(&stripped).unwrap(), stripped);
        }

        /// Random bytes are never taken for a photo without being a JPEG or PNG, and never panic.
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = photo(&bytes, "照片1");
            let _ = notice(&bytes, "办班通知");
            let _ = strip_jpeg(&bytes);
            let _ = strip_png(&bytes);
        }
    }
}
