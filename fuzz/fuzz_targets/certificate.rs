//! Certificates as `jijiao certificate verify` reads them from outside: any file as a PDF whose QR
//! code is looked for and decoded, and any text as the QR's content, then checked against a key.
//! Neither may panic or blow up memory, and a content that reads is never valid under a key that
//! did not sign it.
#![no_main]

use jijiao_domain::certificate::{PublishedKey, read_qr_text, verify};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = jijiao_documents::pdf::read_certificate_qr(data) {
        check_text(&text);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        check_text(text);
    }
});

fn check_text(text: &str) {
    let Ok(content) = read_qr_text(text) else { return };
    let key = PublishedKey {
        kid: "11-1".into(),
        office: "11".into(),
        // The public key of 32 zero bytes' secret: nothing the fuzzer writes is signed by it.
        public_key: "O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik=".into(),
        from: chrono::NaiveDate::MIN,
        until: None,
    };
    assert!(verify(&content.facts, &content.signature, &[key]).is_err(), "valid without a signature");
}
