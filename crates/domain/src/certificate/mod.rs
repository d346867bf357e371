//! Electronic credit certificates (rules.md §8): the facts a certificate states, their canonical
//! JSON, the certificate number, and Ed25519 signatures checked against the published keys.
//!
//! Pure: no IO and no randomness. Keys are generated and stored by the storage crate; here a key is
//! 32 secret bytes to sign with, or a [`PublishedKey`] to verify with. Verification reads the facts
//! as a JSON value and signs its canonical form, not a struct's: any system that holds the
//! published keys can verify a certificate, whatever fields a later version adds.

mod number;
mod qr;
#[cfg(test)]
mod tests;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::NaiveDate;
pub use ed25519_dalek::VerifyingKey;
use ed25519_dalek::{Signer, SigningKey, Verifier};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::labelled_enum;
use crate::org::{Delivery, Level};

pub use number::{CertificateNumber, MAX_SEQUENCE, NumberError};
pub use qr::{QrContent, QrError, qr_text, read_qr_text};

labelled_enum!(
    /// What a certificate attests: attendance (学分证书, to a participant) or teaching (授课证明, to a speaker).
    CertificateKind {
        Credit = "credit" / "学分证书",
        Teaching = "teaching" / "授课证明",
    }
);

impl CertificateKind {
    /// The title printed at the head of the certificate.
    pub fn title(self) -> &'static str {
        match self {
            CertificateKind::Credit => "继续医学教育学分证书",
            CertificateKind::Teaching => "授课证明",
        }
    }
}

/// Everything a certificate states (rules.md §8), as signed. Hours and credits are decimal strings
/// with one decimal (`"6.0"`), computed in tenths, as everywhere in the interchange formats; dates
/// are `YYYY-MM-DD`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facts {
    pub number: String,
    pub kind: CertificateKind,
    pub name: String,
    /// Masked: the first 6 and the last 4 characters ([`mask_id_number`]).
    pub id_number: String,
    pub project_number: String,
    pub project_name: String,
    pub level: Level,
    pub delivery: Delivery,
    pub start: Option<NaiveDate>,
    pub end: NaiveDate,
    /// Where the period was held; empty for a remote project.
    pub place: String,
    pub hours: String,
    pub credits: String,
    /// The issuing office: the 2-digit code of the province of the applicant unit (§7.5).
    pub office: String,
    /// The issuing office's name as printed (北京市继续医学教育委员会).
    pub office_name: String,
    pub issued_on: NaiveDate,
    /// The key that signed the facts.
    pub kid: String,
    /// The number of the certificate this one replaces (a reissue), if any.
    pub replaces: Option<String>,
}

/// The ID number as a certificate shows it: the first 6 and the last 4 characters.
pub fn mask_id_number(id_number: &str) -> String {
    crate::personal::mask_id_number(id_number)
}

/// The canonical JSON of a value: UTF-8, object keys sorted (by their UTF-8 bytes), no whitespace
/// outside strings, strings escaped as serde_json escapes them (only `"`, `\` and control characters).
pub fn canonical_json(value: &Value) -> String {
    let mut out = Vec::with_capacity(768);
    write_canonical(value, &mut out);
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Writes keys and scalars with serde_json itself (so strings are escaped exactly as it escapes
/// them), straight into one buffer: a certificate is verified on every scan of its QR code.
fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, key).expect("writing to memory");
                out.push(b':');
                write_canonical(value, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        scalar => serde_json::to_writer(&mut *out, scalar).expect("writing to memory"),
    }
}

impl Facts {
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("facts serialise")
    }

    /// The bytes that are signed.
    pub fn canonical(&self) -> String {
        canonical_json(&self.to_value())
    }

    /// Reads facts from the JSON of a certificate (as the API and the QR code carry them).
    pub fn from_value(value: &Value) -> Result<Facts, VerifyError> {
        Facts::deserialize(value).map_err(|e| VerifyError::Malformed(format!("证书内容无法读取：{e}")))
    }
}

/// A signing key: 32 secret bytes (Ed25519).
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The public key, base64 of its 32 bytes, as published.
    pub fn public_key_base64(&self) -> String {
        STANDARD.encode(SigningKey::from_bytes(&self.0).verifying_key().to_bytes())
    }

    /// The signature of the facts' canonical JSON, base64 of 64 bytes.
    pub fn sign(&self, facts: &Facts) -> String {
        self.sign_bytes(facts.canonical().as_bytes())
    }

    pub fn sign_bytes(&self, message: &[u8]) -> String {
        STANDARD.encode(SigningKey::from_bytes(&self.0).sign(message).to_bytes())
    }
}

/// A public key as `GET /.well-known/jijiao/certificate-keys.json` publishes it. `until` is the day
/// the key was retired (`None` while it is the office's current key): what it signed before stays valid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedKey {
    pub kid: String,
    pub office: String,
    /// base64 of the 32 bytes of the Ed25519 public key.
    pub public_key: String,
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
}

/// Why a certificate does not verify. The messages are what a verifier shows (Chinese).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("{0}")]
    Malformed(String),
    #[error("签名密钥“{0}”未公布，无法验证")]
    UnknownKey(String),
    #[error("签名密钥“{kid}”属于{key_office}，而证书写明的发证机构为{office}")]
    OfficeMismatch { kid: String, key_office: String, office: String },
    #[error("证书的发证日期 {issued_on} 不在签名密钥“{kid}”的使用期内")]
    OutsideKeyPeriod { kid: String, issued_on: NaiveDate },
    #[error("签名与证书内容不符：证书内容被改动，或签名不是发证机构所签")]
    BadSignature,
}

/// Reads a signature given as base64, standard or URL-safe, padded or not.
pub fn decode_signature(text: &str) -> Result<[u8; 64], VerifyError> {
    let text = text.trim();
    let bytes = STANDARD
        .decode(text)
        .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
        .map_err(|_| VerifyError::Malformed("签名不是有效的 base64".into()))?;
    bytes.try_into().map_err(|_| VerifyError::Malformed("签名应为64字节".into()))
}

/// A published key's curve point, from its base64 text.
pub fn decode_public_key(key: &PublishedKey) -> Result<VerifyingKey, VerifyError> {
    let bytes = STANDARD
        .decode(key.public_key.trim())
        .map_err(|_| VerifyError::Malformed(format!("密钥“{}”的公钥不是有效的 base64", key.kid)))?;
    let bytes: [u8; 32] =
        bytes.try_into().map_err(|_| VerifyError::Malformed(format!("密钥“{}”的公钥应为32字节", key.kid)))?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| VerifyError::Malformed(format!("密钥“{}”的公钥无效", key.kid)))
}

/// Verifies a certificate's facts (the JSON value as received) and signature against the published
/// keys: the key named by the facts' `kid` must be published for the facts' issuing office, the date
/// of issue must fall in the key's period (a retired key still verifies what it signed before it
/// was retired), and the signature must match the canonical JSON of the facts. Returns the facts.
pub fn verify(facts: &Value, signature: &str, keys: &[PublishedKey]) -> Result<Facts, VerifyError> {
    verify_decoding(facts, signature, keys, decode_public_key)
}

/// [`verify`], with the published key turned into a curve point by `decode` (a server keeps the
/// points of the few keys it has met: decoding one costs about a tenth of checking a signature).
/// `decode` must give what [`decode_public_key`] gives.
pub fn verify_decoding(
    facts: &Value,
    signature: &str,
    keys: &[PublishedKey],
    decode: impl FnOnce(&PublishedKey) -> Result<VerifyingKey, VerifyError>,
) -> Result<Facts, VerifyError> {
    let signature = decode_signature(signature)?;
    let parsed = Facts::from_value(facts)?;
    let key = keys.iter().find(|k| k.kid == parsed.kid).ok_or_else(|| VerifyError::UnknownKey(parsed.kid.clone()))?;
    if key.office != parsed.office {
        return Err(VerifyError::OfficeMismatch {
            kid: key.kid.clone(),
            key_office: office_label(&key.office),
            office: office_label(&parsed.office),
        });
    }
    if parsed.issued_on < key.from || key.until.is_some_and(|until| parsed.issued_on > until) {
        return Err(VerifyError::OutsideKeyPeriod { kid: key.kid.clone(), issued_on: parsed.issued_on });
    }
    let public = decode(key)?;
    let signature = ed25519_dalek::Signature::from_bytes(&signature);
    public.verify(canonical_json(facts).as_bytes(), &signature).map_err(|_| VerifyError::BadSignature)?;
    Ok(parsed)
}

/// A province's name for messages, or its code when unknown.
fn office_label(code: &str) -> String {
    crate::province::by_code(code).map_or_else(|| code.to_string(), |p| p.name.to_string())
}

/// The key id of an office's `n`th key (from 1): `11-1`, `11-2` …
pub fn key_id(office: &str, n: i64) -> String {
    format!("{office}-{n}")
}

/// The name printed as the issuing office: the province's continuing medical education committee.
pub fn office_name(code: &str) -> String {
    crate::province::by_code(code).map_or_else(|| code.to_string(), |p| p.committee.name.to_string())
}
