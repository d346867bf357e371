//! Zip archives of files users download together (a year's certificates, a project's), written in
//! memory. PDFs are compressed already, so entries are stored, not deflated again.

use std::io::Write;

/// A zip holding `files` (name, bytes) in the order given; names are UTF-8 (Chinese names read
/// correctly in current archive tools).
pub fn zip_files(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, String> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in files {
        writer.start_file(name.as_str(), options).map_err(|e| e.to_string())?;
        writer.write_all(bytes).map_err(|e| e.to_string())?;
    }
    Ok(writer.finish().map_err(|e| e.to_string())?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_come_back_out_of_the_zip() {
        let bytes = zip_files(&[("证书-1.pdf".into(), b"one".to_vec()), ("b.pdf".into(), b"two".to_vec())]).unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(archive.len(), 2);
        let mut text = String::new();
        std::io::Read::read_to_string(&mut archive.by_name("证书-1.pdf").unwrap(), &mut text).unwrap();
        assert_eq!(text, "one");
    }
}
