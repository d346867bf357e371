//! Passwords: argon2id hashing and verification on a blocking thread, the rules a new password
//! must meet, and the temporary passwords administrators hand over.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::AppError;

/// Hashes on a blocking thread: argon2 is deliberately slow and must not stall the async workers.
pub async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| AppError::Internal(e.to_string()))?;
        let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Internal(e.to_string()))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

/// Verifies on a blocking thread. With no stored hash (unknown user) it still does the full work
/// against a fixed hash, so a wrong username and a wrong password take the same time.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_string());
        match PasswordHash::new(&stored) {
            Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
            Err(_) => false,
        }
    })
    .await
    .unwrap_or(false)
}

/// argon2id of a random password nobody knows, with the default parameters.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$QKbO1hLe7QWwyGW1wvzbTHUUjlAwgxCDhtt7iYGw4zE";

/// Why a new password is refused; `None` when it is acceptable.
pub fn weakness(password: &str) -> Option<&'static str> {
    let chars = password.chars().count();
    if chars < 8 {
        Some("密码至少8位")
    } else if chars > 128 {
        Some("密码不能超过128位")
    } else if !password.chars().any(|c| c.is_ascii_digit()) || !password.chars().any(|c| c.is_alphabetic()) {
        Some("密码须同时包含字母和数字")
    } else {
        None
    }
}

/// A temporary password an administrator hands over after a reset (the user must change it).
pub fn temporary_password() -> String {
    let token = jijiao_storage::Vault::random_token();
    let letters: String = token.chars().filter(|c| c.is_ascii_alphanumeric()).take(10).collect();
    format!("Jj{letters}7")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_unknown_users_fail() {
        let h = hash("secret123".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("secret123".into(), Some(h.clone())).await);
        assert!(!verify("secret124".into(), Some(h)).await);
        assert!(!verify("secret123".into(), None).await);
    }

    #[test]
    fn password_rules() {
        assert_eq!(weakness("short1"), Some("密码至少8位"));
        assert_eq!(weakness("onlyletters"), Some("密码须同时包含字母和数字"));
        assert_eq!(weakness("letters123"), None);
        assert_eq!(weakness(&temporary_password()), None);
    }
}
