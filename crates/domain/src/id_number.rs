//! National ID numbers (居民身份证号码, GB 11643-1999): a type that can only hold a valid number.
//!
//! The number is personal data. This type proves validity and derives birth date and sex; masking
//! lives in [`crate::personal`], and storage encrypts it at rest.

use chrono::NaiveDate;
use std::fmt;

/// ISO 7064 MOD 11-2 weights for the first 17 characters.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each remainder of the weighted sum modulo 11.
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Why a text is not a valid ID number; the message is shown to users as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("身份证号应为18位，当前{0}位")]
    Length(usize),
    #[error("身份证号前17位应为数字，最后一位为数字或X")]
    Characters,
    #[error("身份证号中的出生日期{0}不是有效日期")]
    BirthDate(String),
    #[error("身份证号校验位错误（应为{expected}）")]
    CheckDigit { expected: char },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn label(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
}

/// A valid 18-character ID number, upper-case `X` as check character.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

impl IdNumber {
    /// Parses and validates; a lower-case `x` and surrounding spaces are accepted and normalised.
    pub fn parse(text: &str) -> Result<Self, IdNumberError> {
        let text = text.trim().to_ascii_uppercase();
        let count = text.chars().count();
        if count != 18 {
            return Err(IdNumberError::Length(count));
        }
        let bytes = text.as_bytes();
        if !bytes[..17].iter().all(u8::is_ascii_digit) || !(bytes[17].is_ascii_digit() || bytes[17] == b'X') {
            return Err(IdNumberError::Characters);
        }
        let birth = &text[6..14];
        if birth_date_of(birth).is_none() {
            return Err(IdNumberError::BirthDate(birth.to_string()));
        }
        let expected = check_char(&text[..17]);
        if bytes[17] as char != expected {
            return Err(IdNumberError::CheckDigit { expected });
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The six-digit administrative area code of the place of first registration.
    pub fn area_code(&self) -> &str {
        &self.0[..6]
    }

    pub fn birth_date(&self) -> NaiveDate {
        birth_date_of(&self.0[6..14]).expect("validated at parse")
    }

    /// Odd sequence numbers are men, even ones women.
    pub fn sex(&self) -> Sex {
        let digit = self.0.as_bytes()[16] - b'0';
        if digit % 2 == 1 { Sex::Male } else { Sex::Female }
    }
}

/// The check character for the first 17 digits.
pub fn check_char(first17: &str) -> char {
    let sum: u32 = first17.bytes().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    CHECK_CHARS[(sum % 11) as usize]
}

/// Birth dates before 1800 are taken as typing errors, not people.
fn birth_date_of(yyyymmdd: &str) -> Option<NaiveDate> {
    let year: i32 = yyyymmdd[..4].parse().ok()?;
    let month: u32 = yyyymmdd[4..6].parse().ok()?;
    let day: u32 = yyyymmdd[6..8].parse().ok()?;
    if year < 1800 {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month, day)
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Debug never prints the whole number: logs must not leak personal data.
impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", crate::personal::mask_id_number(&self.0))
    }
}

impl AsRef<str> for IdNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for IdNumber {
    type Err = IdNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for IdNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for IdNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Builds a valid number from an area code, a birth date and a sequence (for demo data and tests).
pub fn compose(area: &str, birth: NaiveDate, sequence: u16) -> IdNumber {
    let first17 = format!("{area:0>6}{}{:03}", birth.format("%Y%m%d"), sequence % 1000);
    let check = check_char(&first17);
    IdNumber(format!("{first17}{check}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_valid_numbers() {
        let a = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(a.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
        assert_eq!(a.sex(), Sex::Female);
        assert_eq!(a.area_code(), "110105");
        let b = IdNumber::parse("440524188001010014").unwrap();
        assert_eq!(b.birth_date(), NaiveDate::from_ymd_opt(1880, 1, 1).unwrap());
        assert_eq!(b.sex(), Sex::Male);
        assert_eq!(IdNumber::parse(" 11010519491231002x ").unwrap().as_str(), "11010519491231002X");
    }

    #[test]
    fn every_single_changed_digit_of_the_examples_is_rejected() {
        for valid in ["11010519491231002X", "440524188001010014"] {
            for position in 0..18 {
                for replacement in "0123456789X".chars() {
                    let mut chars: Vec<char> = valid.chars().collect();
                    if chars[position] == replacement {
                        continue;
                    }
                    chars[position] = replacement;
                    let changed: String = chars.into_iter().collect();
                    assert!(IdNumber::parse(&changed).is_err(), "{changed} accepted");
                }
            }
        }
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(IdNumber::parse("123"), Err(IdNumberError::Length(3)));
        assert_eq!(IdNumber::parse("11010519491231002Y"), Err(IdNumberError::Characters));
        assert!(matches!(IdNumber::parse("110105194902300021"), Err(IdNumberError::BirthDate(_))));
        assert_eq!(IdNumber::parse("110105194912310021"), Err(IdNumberError::CheckDigit { expected: 'X' }));
        assert!(!format!("{:?}", IdNumber::parse("11010519491231002X").unwrap()).contains("19491231"));
    }

    fn valid_numbers() -> impl Strategy<Value = IdNumber> {
        (100_000u32..=999_999, 0i64..60_000, 0u16..1000).prop_map(|(area, days, seq)| {
            let birth = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Days::new(days as u64);
            compose(&area.to_string(), birth, seq)
        })
    }

    proptest! {
        #[test]
        fn generated_numbers_parse_and_round_trip(id in valid_numbers()) {
            let parsed = IdNumber::parse(id.as_str()).unwrap();
            prop_assert_eq!(&parsed, &id);
            let shown = parsed.to_string();
            prop_assert_eq!(IdNumber::parse(&shown).unwrap(), parsed.clone());
            let json = serde_json::to_string(&parsed).unwrap();
            prop_assert_eq!(serde_json::from_str::<IdNumber>(&json).unwrap(), parsed);
        }

        #[test]
        fn one_changed_character_is_rejected(id in valid_numbers(), position in 0usize..18, replacement in "[0-9X]") {
            let mut chars: Vec<char> = id.as_str().chars().collect();
            let replacement = replacement.chars().next().unwrap();
            prop_assume!(chars[position] != replacement);
            chars[position] = replacement;
            let changed: String = chars.into_iter().collect();
            prop_assert!(IdNumber::parse(&changed).is_err());
        }
    }
}
