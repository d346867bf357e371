//! Encryption at rest for personal data (ID numbers, phones) and keyed hashes to look them up.
//!
//! One 32-byte master key, from configuration or generated on first start into the data folder,
//! derives two keys: AES-256-GCM for the values and HMAC-SHA-256 for lookups, so equal numbers can
//! be found without ever storing them in clear. Every app server must share the key.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::Path;

use crate::StoreError;

type HmacSha256 = Hmac<Sha256>;

/// The key file written into the data folder when no key is configured.
pub const KEY_FILE: &str = "jijiao.key";

#[derive(Clone)]
pub struct Vault {
    cipher: Aes256Gcm,
    mac_key: [u8; 32],
    audit_key: [u8; 32],
    anchor_key: [u8; 32],
    sign_in_key: [u8; 32],
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(..)")
    }
}

/// How the key was obtained, so the caller can warn when it generated one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    Configured,
    File,
    Generated,
}

fn derive(master: &[u8; 32], purpose: &[u8]) -> [u8; 32] {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(master).expect("any key length");
    mac.update(purpose);
    mac.finalize().into_bytes().into()
}

impl Vault {
    pub fn from_master_key(master: &[u8; 32]) -> Self {
        let enc = derive(master, b"jijiao personal data encryption v1");
        let mac_key = derive(master, b"jijiao personal data lookup v1");
        let audit_key = derive(master, b"jijiao audit chain v1");
        let anchor_key = derive(master, b"jijiao audit anchor v1");
        let sign_in_key = derive(master, b"jijiao qr sign-in v1");
        Self {
            cipher: Aes256Gcm::new_from_slice(&enc).expect("32-byte key"),
            mac_key,
            audit_key,
            anchor_key,
            sign_in_key,
        }
    }

    /// Parses a base64 master key as configured in `JIJIAO_ENCRYPTION_KEY`.
    pub fn from_base64(text: &str) -> Result<Self, String> {
        let bytes = BASE64.decode(text.trim()).map_err(|_| "JIJIAO_ENCRYPTION_KEY 不是有效的 base64".to_string())?;
        let key: [u8; 32] =
            bytes.try_into().map_err(|_| "JIJIAO_ENCRYPTION_KEY 应为32字节（base64编码后44个字符）".to_string())?;
        Ok(Self::from_master_key(&key))
    }

    /// The configured key if any, else the key file in `data_dir`, else a new key written there.
    pub fn load_or_create(data_dir: &Path, configured: Option<&str>) -> Result<(Self, KeySource), StoreError> {
        if let Some(text) = configured {
            return Self::from_base64(text).map(|v| (v, KeySource::Configured)).map_err(StoreError::Unsupported);
        }
        let path = data_dir.join(KEY_FILE);
        if path.exists() {
            let text = std::fs::read_to_string(&path)?;
            return Self::from_base64(&text).map(|v| (v, KeySource::File)).map_err(StoreError::Unsupported);
        }
        std::fs::create_dir_all(data_dir)?;
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| StoreError::Unsupported(format!("无法生成密钥：{e}")))?;
        write_private(&path, BASE64.encode(key).as_bytes())?;
        Ok((Self::from_master_key(&key), KeySource::Generated))
    }

    /// A new random master key as base64, for `JIJIAO_ENCRYPTION_KEY`.
    pub fn generate_key_base64() -> String {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).expect("the OS random source works");
        BASE64.encode(key)
    }

    /// base64(nonce ‖ ciphertext). A fresh random nonce per value: equal inputs encrypt differently.
    pub fn encrypt(&self, plain: &str) -> String {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).expect("the OS random source works");
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .expect("AES-GCM encryption cannot fail for in-memory data");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        BASE64.encode(out)
    }

    pub fn decrypt(&self, stored: &str) -> Result<String, StoreError> {
        let bytes = BASE64.decode(stored).map_err(|_| StoreError::Decrypt)?;
        if bytes.len() < 12 {
            return Err(StoreError::Decrypt);
        }
        let (nonce, sealed) = bytes.split_at(12);
        let plain = self.cipher.decrypt(Nonce::from_slice(nonce), sealed).map_err(|_| StoreError::Decrypt)?;
        String::from_utf8(plain).map_err(|_| StoreError::Decrypt)
    }

    /// The keyed hash used to find a value (hex). Deterministic, but useless without the key.
    pub fn lookup_hash(&self, plain: &str) -> String {
        hmac_hex(&self.mac_key, plain.as_bytes())
    }

    /// The audit chain's MAC (hex): only a holder of the key can extend or rebuild the chain.
    pub fn audit_mac(&self, canonical: &str) -> String {
        hmac_hex(&self.audit_key, canonical.as_bytes())
    }

    /// The signature (hex) of an audit anchor: a key of its own, so an anchor can never pass for a
    /// chain entry or the other way round.
    pub fn anchor_mac(&self, canonical: &str) -> String {
        hmac_hex(&self.anchor_key, canonical.as_bytes())
    }

    /// The secret of the QR sign-in codes (rules.md §7.6): derived from the data key, so every app
    /// server sharing the database makes and checks the same codes, and of its own purpose, so a
    /// code's tag is no lookup hash or audit MAC.
    pub fn sign_in_secret(&self) -> jijiao_domain::events::sign_in::Secret {
        jijiao_domain::events::sign_in::Secret::new(self.sign_in_key)
    }

    /// SHA-256 (hex) of a secret token: sessions and API tokens are stored only as this.
    pub fn token_hash(token: &str) -> String {
        use sha2::Digest;
        hex::encode(Sha256::digest(token.as_bytes()))
    }

    /// A fresh random token, URL-safe base64 of 32 bytes.
    pub fn random_token() -> String {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the OS random source works");
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }
}

fn hmac_hex(key: &[u8; 32], data: &[u8]) -> String {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).expect("any key length");
    mac.update(data);
    hex::encode(mac.finalize().into_bytes())
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    crate::store::create_private(path)?.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_lookup() {
        let vault = Vault::from_master_key(&[7; 32]);
        let a = vault.encrypt("11010519491231002X");
        let b = vault.encrypt("11010519491231002X");
        assert_ne!(a, b, "fresh nonce per value");
        assert!(!a.contains("1949"));
        assert_eq!(vault.decrypt(&a).unwrap(), "11010519491231002X");
        assert_eq!(vault.lookup_hash("x"), vault.lookup_hash("x"));
        let other = Vault::from_master_key(&[8; 32]);
        assert!(other.decrypt(&a).is_err());
        assert_ne!(other.lookup_hash("x"), vault.lookup_hash("x"));
    }

    #[test]
    fn key_file_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let (v1, s1) = Vault::load_or_create(dir.path(), None).unwrap();
        let (v2, s2) = Vault::load_or_create(dir.path(), None).unwrap();
        assert_eq!((s1, s2), (KeySource::Generated, KeySource::File));
        assert_eq!(v2.decrypt(&v1.encrypt("a")).unwrap(), "a");
        assert!(Vault::from_base64("short").is_err());
        let key = Vault::generate_key_base64();
        assert_eq!(Vault::load_or_create(dir.path(), Some(&key)).unwrap().1, KeySource::Configured);
    }
}
