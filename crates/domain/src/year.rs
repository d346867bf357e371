//! A calendar year (年度): one type where applications, projects and credits meet, instead of
//! `i32` in one place and `u16` in another joined by unchecked casts.
//!
//! Every year the program handles lies within 1900..=2200 (birth years of people still practising,
//! years of activities, batches and reports); a value outside is a mistake or a corrupt row, so
//! conversions from wider integers are checked, and conversions to them are lossless.

use std::fmt;
use std::str::FromStr;

use chrono::Datelike;

/// A year in 1900..=2200; serialised as a JSON number (`2024`), as the interchange formats say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Year(u16);

/// Why an integer is not a [`Year`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("年度“{0}”应在1900年至2200年之间")]
pub struct YearOutOfRange(pub i64);

/// Why a text (a form field, a query parameter, a cell) is not a [`Year`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum YearParseError {
    #[error("年度应为四位数字")]
    NotANumber,
    #[error(transparent)]
    OutOfRange(#[from] YearOutOfRange),
}

impl Year {
    pub const FIRST: Year = Year(1900);
    pub const LAST: Year = Year(2200);

    /// The year of a date. Dates outside the range are clamped to its ends; no date this program
    /// stores lies outside (they are validated on entry), so this never changes a real year.
    pub fn of(date: chrono::NaiveDate) -> Year {
        Year::try_from(date.year()).unwrap_or(if date.year() < 1900 { Year::FIRST } else { Year::LAST })
    }

    pub const fn get(self) -> u16 {
        self.0
    }

    /// 1 January of the year.
    pub fn first_day(self) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(i32::from(self.0), 1, 1).expect("every year in range has 1 January")
    }

    /// 31 December of the year.
    pub fn last_day(self) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(i32::from(self.0), 12, 31).expect("every year in range has 31 December")
    }

    /// The year `years` later (earlier when negative), if it is still in range.
    pub fn checked_add(self, years: i32) -> Option<Year> {
        Year::try_from(i64::from(self.0) + i64::from(years)).ok()
    }

    fn checked(value: i64) -> Result<Year, YearOutOfRange> {
        u16::try_from(value)
            .ok()
            .map(Year)
            .filter(|year| (Year::FIRST..=Year::LAST).contains(year))
            .ok_or(YearOutOfRange(value))
    }
}

impl TryFrom<i32> for Year {
    type Error = YearOutOfRange;
    fn try_from(value: i32) -> Result<Year, YearOutOfRange> {
        Year::checked(i64::from(value))
    }
}

impl TryFrom<u16> for Year {
    type Error = YearOutOfRange;
    fn try_from(value: u16) -> Result<Year, YearOutOfRange> {
        Year::checked(i64::from(value))
    }
}

impl TryFrom<i64> for Year {
    type Error = YearOutOfRange;
    fn try_from(value: i64) -> Result<Year, YearOutOfRange> {
        Year::checked(value)
    }
}

impl From<Year> for i32 {
    fn from(year: Year) -> i32 {
        i32::from(year.0)
    }
}

impl From<Year> for u16 {
    fn from(year: Year) -> u16 {
        year.0
    }
}

impl From<Year> for i64 {
    fn from(year: Year) -> i64 {
        i64::from(year.0)
    }
}

impl fmt::Display for Year {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Reads a year as people type it (`2025`, spaces around allowed); anything else is
/// [`YearParseError::NotANumber`], a number outside the range [`YearParseError::OutOfRange`].
impl FromStr for Year {
    type Err = YearParseError;
    fn from_str(text: &str) -> Result<Year, YearParseError> {
        let text = text.trim();
        // Digits only: `i64::from_str` would take a sign (`+2025`).
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(YearParseError::NotANumber);
        }
        let value: i64 = text.parse().map_err(|_| YearParseError::OutOfRange(YearOutOfRange(i64::MAX)))?;
        Ok(Year::try_from(value)?)
    }
}

/// Read from a JSON number, checked against the range.
impl<'de> serde::Deserialize<'de> for Year {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Year, D::Error> {
        let value = i64::deserialize(deserializer)?;
        Year::try_from(value).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn conversions_are_checked_one_way_and_lossless_the_other() {
        let year = Year::try_from(2024_i32).unwrap();
        assert_eq!((i32::from(year), u16::from(year), i64::from(year)), (2024, 2024, 2024));
        assert_eq!(Year::try_from(2024_u16), Ok(year));
        assert_eq!(Year::try_from(1900_i32).map(Year::get), Ok(1900));
        assert_eq!(Year::try_from(2200_i64).map(Year::get), Ok(2200));
        assert_eq!(Year::try_from(1899_i32), Err(YearOutOfRange(1899)));
        assert_eq!(Year::try_from(2201_u16), Err(YearOutOfRange(2201)));
        assert_eq!(Year::try_from(70_000_i64), Err(YearOutOfRange(70_000)));
        assert_eq!(Year::try_from(-2024_i32), Err(YearOutOfRange(-2024)));
        assert!(YearOutOfRange(3000).to_string().contains("3000"));
    }

    #[test]
    fn days_and_neighbours() {
        let year = Year::try_from(2024_i32).unwrap();
        assert_eq!(year.first_day(), NaiveDate::from_ymd_opt(2024, 1, 1).unwrap());
        assert_eq!(year.last_day(), NaiveDate::from_ymd_opt(2024, 12, 31).unwrap());
        assert_eq!(Year::LAST.last_day(), NaiveDate::from_ymd_opt(2200, 12, 31).unwrap());
        assert_eq!(year.checked_add(1).map(Year::get), Some(2025));
        assert_eq!(year.checked_add(-3).map(Year::get), Some(2021));
        assert_eq!(Year::LAST.checked_add(1), None);
        assert_eq!(Year::FIRST.checked_add(-1), None);
    }

    #[test]
    fn parsed_from_text_with_a_chinese_reason() {
        assert_eq!(" 2025 ".parse::<Year>().map(Year::get), Ok(2025));
        for bad in ["", "abc", "+2025", "-2025", "2025.0", "二〇二五"] {
            assert_eq!(bad.parse::<Year>(), Err(YearParseError::NotANumber), "{bad:?}");
        }
        assert_eq!("3000".parse::<Year>(), Err(YearParseError::OutOfRange(YearOutOfRange(3000))));
        assert!(matches!("99999999999999999999".parse::<Year>(), Err(YearParseError::OutOfRange(_))));
        assert_eq!(YearParseError::NotANumber.to_string(), "年度应为四位数字");
        assert_eq!("1899".parse::<Year>().unwrap_err().to_string(), "年度“1899”应在1900年至2200年之间");
    }

    #[test]
    fn the_year_of_a_date() {
        assert_eq!(Year::of(NaiveDate::from_ymd_opt(2024, 12, 31).unwrap()).get(), 2024);
        assert_eq!(Year::of(NaiveDate::from_ymd_opt(1850, 1, 1).unwrap()), Year::FIRST);
        assert_eq!(Year::of(NaiveDate::from_ymd_opt(2500, 1, 1).unwrap()), Year::LAST);
    }

    #[test]
    fn serialised_as_a_plain_number() {
        let year = Year::try_from(2025_i32).unwrap();
        assert_eq!(serde_json::to_string(&year).unwrap(), "2025");
        assert_eq!(year.to_string(), "2025");
        assert_eq!(serde_json::from_str::<Year>("2025").unwrap(), year);
        assert!(serde_json::from_str::<Year>("3000").is_err());
        assert!(serde_json::from_str::<Year>("\"2025\"").is_err());
    }
}
