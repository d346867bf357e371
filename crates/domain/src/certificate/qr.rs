//! What a certificate's QR code holds (rules.md §8): the verification URL, the facts and the
//! signature, in one URL so that a phone's camera opens the verification page:
//!
//! `https://host/certificates/verify?number=2026-11-00000001#c1.<facts>.<signature>`
//!
//! The fragment (never sent to the server by a browser) carries the canonical JSON of the facts and
//! the signature, each URL-safe base64 without padding, so the code alone verifies offline with the
//! published keys (`jijiao certificate verify FILE.pdf`).

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::Value;

use super::{Facts, decode_signature};

/// The version tag of the fragment's layout.
const TAG: &str = "c1";

/// The text of the QR code of a certificate whose facts were signed with `signature` (base64).
pub fn qr_text(base_url: &str, facts: &Facts, signature: &str) -> String {
    let base = base_url.trim_end_matches('/');
    let sig = decode_signature(signature).map(|s| URL_SAFE_NO_PAD.encode(s)).unwrap_or_default();
    format!(
        "{base}/certificates/verify?number={}#{TAG}.{}.{sig}",
        facts.number,
        URL_SAFE_NO_PAD.encode(facts.canonical().as_bytes())
    )
}

/// A QR code's content, read back.
#[derive(Clone, Debug, PartialEq)]
pub struct QrContent {
    /// The verification URL (without the fragment).
    pub url: String,
    /// The facts as a JSON value (verify this value, not a re-serialised struct).
    pub facts: Value,
    /// The signature, standard base64.
    pub signature: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("二维码内容不是电子学分证书：{0}")]
pub struct QrError(pub &'static str);

/// Reads the text of a certificate's QR code.
pub fn read_qr_text(text: &str) -> Result<QrContent, QrError> {
    let (url, fragment) = text.trim().split_once('#').ok_or(QrError("缺少证书内容"))?;
    if !url.contains("/certificates/verify?number=") {
        return Err(QrError("缺少验证网址"));
    }
    let mut parts = fragment.split('.');
    let (Some(TAG), Some(facts), Some(sig), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(QrError("格式无法识别"));
    };
    let facts = URL_SAFE_NO_PAD.decode(facts).map_err(|_| QrError("证书内容不是有效的 base64"))?;
    let facts: Value = serde_json::from_slice(&facts).map_err(|_| QrError("证书内容不是 JSON"))?;
    let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|_| QrError("签名不是有效的 base64"))?;
    Ok(QrContent { url: url.to_string(), facts, signature: STANDARD.encode(sig) })
}
