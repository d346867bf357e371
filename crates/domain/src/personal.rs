//! Masking of personal data (ID numbers, phones) for every view that does not need them whole.

/// `11010519491231002X` → `110105********002X`: area code and last four stay, the birth date goes.
pub fn mask_id_number(id: &str) -> String {
    mask_middle(id, 6, 4)
}

/// `13812341234` → `138****1234`.
pub fn mask_phone(phone: &str) -> String {
    mask_middle(phone, 3, 4)
}

fn mask_middle(text: &str, keep_start: usize, keep_end: usize) -> String {
    let chars: Vec<char> = text.trim().chars().collect();
    if chars.len() <= keep_start + keep_end {
        return "*".repeat(chars.len());
    }
    let hidden = chars.len() - keep_start - keep_end;
    let mut out: String = chars[..keep_start].iter().collect();
    out.push_str(&"*".repeat(hidden));
    out.extend(&chars[chars.len() - keep_end..]);
    out
}

/// A mainland mobile (11 digits starting with 1) or a landline with area code (`010-83970662`).
pub fn is_valid_phone(phone: &str) -> bool {
    let phone = phone.trim();
    let mobile = phone.len() == 11 && phone.starts_with('1') && phone.bytes().all(|b| b.is_ascii_digit());
    let landline = phone.split_once('-').is_some_and(|(area, number)| {
        (3..=4).contains(&area.len())
            && area.starts_with('0')
            && (7..=8).contains(&number.len())
            && area.bytes().chain(number.bytes()).all(|b| b.is_ascii_digit())
    });
    mobile || landline
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_as_the_issue_shows() {
        assert_eq!(mask_id_number("11010519491231002X"), "110105********002X");
        assert_eq!(mask_phone("13812341234"), "138****1234");
        assert_eq!(mask_phone("123"), "***");
    }

    #[test]
    fn phones() {
        assert!(is_valid_phone("13812341234"));
        assert!(is_valid_phone("010-83970662"));
        assert!(is_valid_phone("0311-66165225"));
        assert!(!is_valid_phone("1381234123"));
        assert!(!is_valid_phone("23812341234"));
        assert!(!is_valid_phone("010-123"));
    }
}
