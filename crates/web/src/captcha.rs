//! The image captcha the login form shows after failed logins (its answer is kept hashed in the
//! database, so any server of a cluster can check it).

use base64::Engine;

/// A new captcha: (answer, PNG as a data: URI). The `captcha` crate's image is not `Send`, so it is
/// drawn and encoded entirely inside this synchronous function.
pub fn new_captcha() -> (String, String) {
    use captcha::Captcha;
    use captcha::filters::{Noise, Wave};
    let mut c = Captcha::new();
    c.add_chars(5).apply_filter(Noise::new(0.2)).apply_filter(Wave::new(2.0, 12.0)).view(200, 70);
    let answer = c.chars_as_string();
    let png = c.as_png().unwrap_or_default();
    (answer, format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png)))
}

/// Captcha answers compare without case (5 characters drawn in mixed case are hard to read).
pub fn captcha_hash(answer: &str) -> String {
    jijiao_storage::Vault::token_hash(&answer.trim().to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captchas_are_five_characters_as_a_png_and_compare_without_case() {
        let (answer, uri) = new_captcha();
        assert_eq!(answer.chars().count(), 5);
        assert!(uri.starts_with("data:image/png;base64,"));
        assert_eq!(captcha_hash(&answer.to_uppercase()), captcha_hash(&answer));
    }
}
