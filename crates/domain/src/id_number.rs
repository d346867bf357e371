//! National ID numbers (居民身份证号码, GB 11643-1999): a type that can only hold a valid number.
//!
//! The number is personal data. This type proves validity (rules.md §6) and derives birth date and
//! sex; masking lives in [`crate::personal`], and storage encrypts it at rest.
//!
//! Validity depends on the date (a birth date may not lie in the future), and this crate does no IO:
//! [`IdNumber::parse_as_of`] takes "today" from its caller. [`IdNumber::parse`] (and so `FromStr` and
//! `Deserialize`) reads today's Beijing date from the clock; it is the one place this crate reads the
//! clock, kept for callers that have no injected clock.

use chrono::{NaiveDate, Utc};
use std::fmt;

/// ISO 7064 MOD 11-2 weights for the first 17 characters.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each remainder of the weighted sum modulo 11.
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The province codes of GB/T 2260 that open a resident's number, then 81, 82 and 83 (residence
/// permits for residents of Hong Kong, Macao and Taiwan). The 兵团 (66 in [`crate::province`]) has no
/// code of its own here: its people hold 65 (新疆) numbers.
pub const PROVINCE_PREFIXES: [&str; 35] = [
    "11", "12", "13", "14", "15", // 北京 天津 河北 山西 内蒙古
    "21", "22", "23", // 辽宁 吉林 黑龙江
    "31", "32", "33", "34", "35", "36", "37", // 上海 江苏 浙江 安徽 福建 江西 山东
    "41", "42", "43", "44", "45", "46", // 河南 湖北 湖南 广东 广西 海南
    "50", "51", "52", "53", "54", // 重庆 四川 贵州 云南 西藏
    "61", "62", "63", "64", "65", // 陕西 甘肃 青海 宁夏 新疆
    "71", // 台湾
    "81", "82", "83", // 港澳台居民居住证
];

/// The first birth date accepted (rules.md §6): an earlier one is taken as a typing error.
pub const EARLIEST_BIRTH: NaiveDate = NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid date");

/// Why a text is not a valid ID number; the message is shown to users as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("身份证号为15位：第一代身份证号自2013年起已停止使用，请填写18位身份证号")]
    FirstGeneration,
    #[error("身份证号应为18位，当前{0}位")]
    Length(usize),
    #[error("身份证号前17位应为数字，最后一位为数字或X")]
    Characters,
    #[error(
        "身份证号开头“{0}”不是省份代码（居民身份证以省、自治区、直辖市代码开头，港澳台居民居住证以81、82、83开头，外国人永久居留身份证以9加发证省份代码开头）"
    )]
    ProvinceCode(String),
    #[error("身份证号中的出生日期{0}不是有效日期")]
    BirthDate(String),
    #[error("身份证号中的出生日期{0}早于1900年1月1日")]
    BornBefore1900(NaiveDate),
    #[error("身份证号中的出生日期{0}晚于今天")]
    BornInFuture(NaiveDate),
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
    /// Parses and validates as of today's date in Beijing, read from the clock: the one place this
    /// crate reads it. Callers with an injected clock (operations, tests) use [`Self::parse_as_of`].
    pub fn parse(text: &str) -> Result<Self, IdNumberError> {
        let beijing_today = Utc::now().with_timezone(&crate::time::shanghai()).date_naive();
        Self::parse_as_of(text, beijing_today)
    }

    /// Parses and validates a number as it stands on `today`, the day it is entered or checked
    /// (rules.md §6): 18 characters, a province prefix, a real birth date between 1900-01-01 and
    /// `today`, the right check character. Surrounding spaces are ignored and a lower-case `x` is
    /// read as `X`. The first failing rule, in that order, is the one reported.
    pub fn parse_as_of(text: &str, today: NaiveDate) -> Result<Self, IdNumberError> {
        let text = text.trim().to_ascii_uppercase();
        let count = text.chars().count();
        if count == 15 && text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdNumberError::FirstGeneration);
        }
        if count != 18 {
            return Err(IdNumberError::Length(count));
        }
        let bytes = text.as_bytes();
        if !bytes[..17].iter().all(u8::is_ascii_digit) || !(bytes[17].is_ascii_digit() || bytes[17] == b'X') {
            return Err(IdNumberError::Characters);
        }
        if !is_valid_prefix(&text[..3]) {
            let shown = if text.starts_with('9') { &text[..3] } else { &text[..2] };
            return Err(IdNumberError::ProvinceCode(shown.to_string()));
        }
        let birth_text = &text[6..14];
        let birth = birth_date_of(birth_text).ok_or_else(|| IdNumberError::BirthDate(birth_text.to_string()))?;
        if birth < EARLIEST_BIRTH {
            return Err(IdNumberError::BornBefore1900(birth));
        }
        if birth > today {
            return Err(IdNumberError::BornInFuture(birth));
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

/// Whether the leading digits (at least three) can open a number: a province of GB/T 2260, a
/// residence permit for residents of Hong Kong, Macao or Taiwan (81–83), or a foreigner's permanent
/// residence card (2023 edition: `9`, then the issuing mainland province's two digits, then the
/// nationality). So `990426…` is refused: no province 90. The rest of the area code is not checked:
/// county codes change over time and old numbers keep theirs.
pub fn is_valid_prefix(leading: &str) -> bool {
    let (Some(first_two), Some(after_nine)) = (leading.get(..2), leading.get(1..3)) else { return false };
    if leading.starts_with('9') {
        // Cards are issued by the mainland provinces: not 71 (台湾) nor the permits' 81–83.
        PROVINCE_PREFIXES[..31].contains(&after_nine)
    } else {
        PROVINCE_PREFIXES.contains(&first_two)
    }
}

/// The calendar date of `YYYYMMDD`, if it is one; its range is checked by the caller.
fn birth_date_of(yyyymmdd: &str) -> Option<NaiveDate> {
    let year: i32 = yyyymmdd[..4].parse().ok()?;
    let month: u32 = yyyymmdd[4..6].parse().ok()?;
    let day: u32 = yyyymmdd[6..8].parse().ok()?;
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

/// Builds a number from an area code, a birth date and a sequence, with its check character (for
/// demo data and tests). The area code and birth date are not checked: the caller chooses real ones.
pub fn compose(area: &str, birth: NaiveDate, sequence: u16) -> IdNumber {
    let first17 = format!("{area:0>6}{}{:03}", birth.format("%Y%m%d"), sequence % 1000);
    let check = check_char(&first17);
    IdNumber(format!("{first17}{check}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Days};
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// A fixed "today" for the tests that do not vary it.
    fn today() -> NaiveDate {
        date(2025, 6, 30)
    }

    fn parse(text: &str) -> Result<IdNumber, IdNumberError> {
        IdNumber::parse_as_of(text, today())
    }

    #[test]
    fn known_valid_numbers() {
        let a = parse("11010519491231002X").unwrap();
        assert_eq!(a.birth_date(), date(1949, 12, 31));
        assert_eq!(a.sex(), Sex::Female);
        assert_eq!(a.area_code(), "110105");
        let b = parse("440524198001010013").unwrap();
        assert_eq!(b.birth_date(), date(1980, 1, 1));
        assert_eq!(b.sex(), Sex::Male);
        assert_eq!(parse(" 11010519491231002x ").unwrap().as_str(), "11010519491231002X");
        // Residence permits of Hong Kong, Macao and Taiwan residents, a Taiwan resident's number,
        // a foreigner's permanent residence card (2023 edition).
        for other in ["810000199001010019", "710000199001010015", "911010199001010016"] {
            assert!(parse(other).is_ok(), "{other}");
        }
        // Issue 20's vector: a foreigner's card is 9 and the issuing province; there is no province 90.
        assert_eq!(parse("990426199112010074"), Err(IdNumberError::ProvinceCode("990".into())));
    }

    #[test]
    fn the_clock_reading_wrapper_accepts_what_today_accepts() {
        assert_eq!(IdNumber::parse("11010519491231002X"), parse("11010519491231002X"));
        let far_future = compose("110101", date(2999, 1, 1), 1);
        assert!(matches!(IdNumber::parse(far_future.as_str()), Err(IdNumberError::BornInFuture(_))));
    }

    #[test]
    fn every_single_changed_digit_of_the_examples_is_rejected() {
        for valid in ["11010519491231002X", "440524198001010013"] {
            for position in 0..18 {
                for replacement in "0123456789X".chars() {
                    let mut chars: Vec<char> = valid.chars().collect();
                    if chars[position] == replacement {
                        continue;
                    }
                    chars[position] = replacement;
                    let changed: String = chars.into_iter().collect();
                    assert!(parse(&changed).is_err(), "{changed} accepted");
                }
            }
        }
    }

    /// Vectors from other validators' suites that an earlier version accepted (issue 20).
    #[test]
    fn each_refusal_names_its_reason() {
        assert_eq!(parse("123"), Err(IdNumberError::Length(3)));
        assert_eq!(parse("1101051949123100211"), Err(IdNumberError::Length(19)));
        assert_eq!(parse("11010519491231002Y"), Err(IdNumberError::Characters));
        assert_eq!(parse("100426199112010079"), Err(IdNumberError::ProvinceCode("10".into())));
        assert_eq!(parse("660101198001010018"), Err(IdNumberError::ProvinceCode("66".into())));
        assert!(matches!(parse("110105194902300021"), Err(IdNumberError::BirthDate(_))));
        assert_eq!(parse("110101203001010014"), Err(IdNumberError::BornInFuture(date(2030, 1, 1))));
        assert_eq!(parse("110105180001010010"), Err(IdNumberError::BornBefore1900(date(1800, 1, 1))));
        assert_eq!(parse("110105189912310015"), Err(IdNumberError::BornBefore1900(date(1899, 12, 31))));
        assert_eq!(parse("110105194912310021"), Err(IdNumberError::CheckDigit { expected: 'X' }));
        assert_eq!(parse("110105491231002"), Err(IdNumberError::FirstGeneration));
        assert!(!format!("{:?}", parse("11010519491231002X").unwrap()).contains("19491231"));

        let message = |text: &str| parse(text).unwrap_err().to_string();
        assert!(message("110105491231002").contains("第一代身份证号自2013年起已停止使用"));
        assert!(message("100426199112010079").contains("开头“10”不是省份代码"));
        assert!(message("110101203001010014").contains("2030-01-01晚于今天"));
        assert!(message("110105180001010010").contains("早于1900年1月1日"));
        assert!(message("110105194912310021").contains("校验位错误"));
        assert!(message("123").contains("应为18位"));
    }

    /// Every three-digit prefix, exhaustively: accepted exactly when rules.md §6 names it (a
    /// foreigner's card: 9 and a mainland province).
    #[test]
    fn every_three_digit_prefix() {
        let mainland = [11..=15, 21..=23, 31..=37, 41..=46, 50..=54, 61..=65];
        let listed = [11..=15, 21..=23, 31..=37, 41..=46, 50..=54, 61..=65, 71..=71, 81..=83];
        for prefix in 0..1000u32 {
            let expected = if prefix >= 900 {
                mainland.iter().any(|r| r.contains(&(prefix % 100)))
            } else {
                listed.iter().any(|r| r.contains(&(prefix / 10)))
            };
            let id = compose(&format!("{prefix:03}101"), date(1980, 5, 17), 123);
            assert_eq!(parse(id.as_str()).is_ok(), expected, "prefix {prefix:03}");
            assert_eq!(is_valid_prefix(&format!("{prefix:03}")), expected, "prefix {prefix:03}");
        }
        let refused = parse("990426199112010074").unwrap_err().to_string();
        assert!(refused.contains("开头“990”不是省份代码"), "{refused}");
    }

    /// The province list of the reference data and the prefixes agree, but for the 兵团.
    #[test]
    fn provinces_of_the_reference_data_are_prefixes() {
        for province in crate::province::PROVINCES.iter().filter(|p| p.code != "66") {
            assert!(is_valid_prefix(&format!("{}0", province.code)), "{}", province.name);
        }
        assert_eq!(PROVINCE_PREFIXES.len(), 31 + 1 + 3, "31 mainland provinces, 台湾 and the three permits");
    }

    #[test]
    fn date_edges() {
        let on =
            |birth: NaiveDate, today: NaiveDate| IdNumber::parse_as_of(compose("110105", birth, 7).as_str(), today);
        assert!(on(date(1900, 1, 1), today()).is_ok());
        assert!(matches!(on(date(1899, 12, 31), today()), Err(IdNumberError::BornBefore1900(_))));
        assert!(on(today(), today()).is_ok());
        assert!(matches!(on(today() + Days::new(1), today()), Err(IdNumberError::BornInFuture(_))));
        assert!(parse("110105200002290013").is_ok(), "2000 is a leap year");
        assert!(parse("110105202402290011").is_ok());
        assert!(matches!(parse("110105190002290017"), Err(IdNumberError::BirthDate(_))), "1900 is not");
        assert!(matches!(parse("110105202302290014"), Err(IdNumberError::BirthDate(_))));
    }

    /// Numbers valid on `today`: any prefix of the rules, any birth date from 1900-01-01 to `today`.
    fn valid_on(today: NaiveDate) -> impl Strategy<Value = IdNumber> {
        let span = (today - EARLIEST_BIRTH).num_days() as u64;
        (prop::sample::select(valid_prefixes()), 0u32..1000, 0..=span, 0u16..1000).prop_map(
            |(prefix, county, days, seq)| {
                compose(&format!("{prefix}{county:03}"), EARLIEST_BIRTH + Days::new(days), seq)
            },
        )
    }

    fn valid_prefixes() -> Vec<String> {
        let foreigners = PROVINCE_PREFIXES[..31].iter().map(|p| format!("9{p}"));
        PROVINCE_PREFIXES.iter().map(|p| format!("{p}0")).chain(foreigners).collect()
    }

    /// A "today" anywhere from 1990 to 2100.
    fn any_today() -> impl Strategy<Value = NaiveDate> {
        (0u64..40_000).prop_map(|days| date(1990, 1, 1) + Days::new(days))
    }

    /// The same number with its sequence moved on until the check character is `X`.
    fn with_check_x(id: &IdNumber) -> IdNumber {
        let area = id.area_code();
        let start: u16 = id.as_str()[14..17].parse().unwrap();
        (0..1000)
            .map(|k| compose(area, id.birth_date(), (start + k) % 1000))
            .find(|c| c.as_str().ends_with('X'))
            .expect("about one sequence in eleven has the check character X")
    }

    proptest! {
        #[test]
        fn generated_numbers_parse_and_round_trip(id in valid_on(today())) {
            let parsed = parse(id.as_str()).unwrap();
            prop_assert_eq!(&parsed, &id);
            let shown = parsed.to_string();
            prop_assert_eq!(parse(&shown).unwrap(), parsed.clone());
            let json = serde_json::to_string(&parsed).unwrap();
            prop_assert_eq!(serde_json::from_str::<IdNumber>(&json).unwrap(), parsed);
        }

        #[test]
        fn one_changed_character_is_rejected(id in valid_on(today()), position in 0usize..18, replacement in "[0-9X]") {
            let mut chars: Vec<char> = id.as_str().chars().collect();
            let replacement = replacement.chars().next().unwrap();
            prop_assume!(chars[position] != replacement);
            chars[position] = replacement;
            let changed: String = chars.into_iter().collect();
            prop_assert!(parse(&changed).is_err());
        }

        /// Every prefix of the rules with any county, birth and sequence is accepted; every other
        /// three-digit prefix is refused for its province code, whatever follows.
        #[test]
        fn prefixes_decide(prefix in 0u32..1000, county in 0u32..1000, days in 0u64..40_000, seq in 0u16..1000) {
            let prefix = format!("{prefix:03}");
            let birth = EARLIEST_BIRTH + Days::new(days);
            let id = compose(&format!("{prefix}{county:03}"), birth, seq);
            let result = IdNumber::parse_as_of(id.as_str(), date(2100, 1, 1));
            let listed = valid_prefixes().contains(&prefix) || (!prefix.starts_with('9') && valid_prefixes().contains(&format!("{}0", &prefix[..2])));
            if listed {
                prop_assert!(result.is_ok());
            } else {
                let shown = if prefix.starts_with('9') { prefix.clone() } else { prefix[..2].to_string() };
                prop_assert_eq!(result, Err(IdNumberError::ProvinceCode(shown)));
            }
        }

        /// Born today is valid, born tomorrow is not, on any day.
        #[test]
        fn today_and_tomorrow(today in any_today(), seq in 0u16..1000) {
            let born_today = compose("320102", today, seq);
            prop_assert!(IdNumber::parse_as_of(born_today.as_str(), today).is_ok());
            let tomorrow = today + Days::new(1);
            let born_tomorrow = compose("320102", tomorrow, seq);
            prop_assert_eq!(IdNumber::parse_as_of(born_tomorrow.as_str(), today), Err(IdNumberError::BornInFuture(tomorrow)));
        }

        /// 1900-01-01 is the first valid birth date and 1899-12-31 the last refused one, on any day.
        #[test]
        fn first_valid_birth_date(today in any_today(), seq in 0u16..1000) {
            prop_assert!(IdNumber::parse_as_of(compose("440524", EARLIEST_BIRTH, seq).as_str(), today).is_ok());
            let day_before = EARLIEST_BIRTH - Days::new(1);
            prop_assert_eq!(
                IdNumber::parse_as_of(compose("440524", day_before, seq).as_str(), today),
                Err(IdNumberError::BornBefore1900(day_before))
            );
        }

        /// 29 February is a birth date exactly in leap years (1900 and 2100 are not, 2000 is).
        #[test]
        fn leap_days(year in 1900i32..=2100, seq in 0u16..1000) {
            let first17 = format!("510104{year:04}0229{:03}", seq % 1000);
            let text = format!("{first17}{}", check_char(&first17));
            let result = IdNumber::parse_as_of(&text, date(2101, 1, 1));
            if NaiveDate::from_ymd_opt(year, 2, 29).is_some() {
                prop_assert!(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0));
                let id = result.unwrap();
                prop_assert_eq!((id.birth_date().month(), id.birth_date().day()), (2, 29));
            } else {
                prop_assert!(year % 4 != 0 || (year % 100 == 0 && year % 400 != 0));
                prop_assert_eq!(result, Err(IdNumberError::BirthDate(format!("{year:04}0229"))));
            }
        }

        /// A lower-case `x` is read as `X`: both spellings give the same number, and any text gives
        /// the same answer in either case.
        #[test]
        fn lowercase_x_is_x(id in valid_on(today())) {
            let with_x = with_check_x(&id);
            let lower = with_x.as_str().to_lowercase();
            prop_assert!(lower.ends_with('x'));
            prop_assert_eq!(parse(&lower), Ok(with_x.clone()));
            prop_assert!(parse(&lower).unwrap().to_string().ends_with('X'), "stored with a capital X");
        }

        #[test]
        fn case_never_matters(text in "[0-9xX ]{0,20}") {
            prop_assert_eq!(parse(&text.to_lowercase()), parse(&text.to_uppercase()));
        }
    }
}
