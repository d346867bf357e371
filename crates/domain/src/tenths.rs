//! Exact decimal quantities with one decimal place (credits, hours), kept as integer tenths.
//!
//! Credits and hours appear in documents as `3`, `3.5` or `"0.2"`; floating point would make sums
//! drift, so every such quantity is parsed once into a count of tenths and stays an integer.

use std::fmt;

/// Why a text is not a number with at most one decimal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TenthsError {
    #[error("不是数字")]
    NotANumber,
    #[error("最多一位小数")]
    TooPrecise,
    #[error("不能为负数")]
    Negative,
    #[error("数值过大")]
    TooLarge,
}

/// Parses `"12"`, `"12.5"`, `"12.50"` or `"0.2"` into tenths. Trailing zeros beyond the first
/// decimal are accepted (Excel writes `10.0`); any other finer digit is rejected, never rounded.
pub fn parse_tenths(text: &str) -> Result<i64, TenthsError> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, f),
        None => (digits, ""),
    };
    if whole.is_empty() && fraction.is_empty() {
        return Err(TenthsError::NotANumber);
    }
    if !whole.chars().all(|c| c.is_ascii_digit()) || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return Err(TenthsError::NotANumber);
    }
    if fraction.len() > 1 && fraction[1..].chars().any(|c| c != '0') {
        return Err(TenthsError::TooPrecise);
    }
    if whole.len() > 15 {
        return Err(TenthsError::TooLarge);
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| TenthsError::TooLarge)? };
    let tenth = fraction.chars().next().map_or(0, |c| i64::from(c as u8 - b'0'));
    let value = whole * 10 + tenth;
    if negative && value != 0 {
        return Err(TenthsError::Negative);
    }
    Ok(value)
}

/// Parses a JSON or spreadsheet number. `f64`'s shortest round-trip text is exact for every value
/// written with one decimal, so formatting it and parsing the text keeps the arithmetic exact.
pub fn tenths_from_f64(value: f64) -> Result<i64, TenthsError> {
    if !value.is_finite() {
        return Err(TenthsError::NotANumber);
    }
    parse_tenths(&format!("{value}"))
}

/// Writes tenths as `"5.3"`, always with one decimal.
pub fn format_tenths(tenths: i64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let sign = if tenths < 0 { "-" } else { "" };
    let abs = tenths.unsigned_abs();
    write!(f, "{sign}{}.{}", abs / 10, abs % 10)
}

macro_rules! tenths_type {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(i64);

        impl $name {
            pub const ZERO: Self = Self(0);

            pub const fn from_tenths(tenths: i64) -> Self {
                Self(tenths)
            }

            pub const fn whole(units: i64) -> Self {
                Self(units * 10)
            }

            pub const fn tenths(self) -> i64 {
                self.0
            }

            pub fn parse(text: &str) -> Result<Self, $crate::tenths::TenthsError> {
                $crate::tenths::parse_tenths(text).map(Self)
            }

            pub fn from_f64(value: f64) -> Result<Self, $crate::tenths::TenthsError> {
                $crate::tenths::tenths_from_f64(value).map(Self)
            }

            pub fn saturating_sub(self, other: Self) -> Self {
                Self(self.0.saturating_sub(other.0).max(0))
            }
        }

        impl std::ops::Add for $name {
            type Output = Self;
            fn add(self, other: Self) -> Self {
                Self(self.0 + other.0)
            }
        }

        impl std::ops::AddAssign for $name {
            fn add_assign(&mut self, other: Self) {
                self.0 += other.0;
            }
        }

        impl std::ops::Sub for $name {
            type Output = Self;
            fn sub(self, other: Self) -> Self {
                Self(self.0 - other.0)
            }
        }

        impl std::iter::Sum for $name {
            fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
                Self(iter.map(|c| c.0).sum())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                $crate::tenths::format_tenths(self.0, f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::tenths::TenthsError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse(text)
            }
        }

        /// Serialised as a decimal string with one decimal (`"5.3"`), as the interchange formats say.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        /// Read from a JSON number (`3`, `3.5`) or a decimal string (`"3.5"`).
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl serde::de::Visitor<'_> for Visitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(f, concat!($what, "（最多一位小数的非负数）"))
                    }
                    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<$name, E> {
                        i64::try_from(v)
                            .ok()
                            .and_then(|v| v.checked_mul(10))
                            .map($name)
                            .ok_or_else(|| E::custom(concat!($what, "数值过大")))
                    }
                    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<$name, E> {
                        if v < 0 {
                            return Err(E::custom(concat!($what, "不能为负数")));
                        }
                        self.visit_u64(v as u64)
                    }
                    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<$name, E> {
                        $name::from_f64(v).map_err(|e| E::custom(format!(concat!($what, "{}"), e)))
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        $name::parse(v).map_err(|e| E::custom(format!(concat!($what, "{}"), e)))
                    }
                }
                deserializer.deserialize_any(Visitor)
            }
        }
    };
}
pub(crate) use tenths_type;

tenths_type!(
    /// Hours (学时) in tenths of an hour: documents allow one decimal.
    Hours,
    "学时"
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_one_decimal() {
        assert_eq!(parse_tenths("0.2"), Ok(2));
        assert_eq!(parse_tenths("10"), Ok(100));
        assert_eq!(parse_tenths("10.0"), Ok(100));
        assert_eq!(parse_tenths("10.50"), Ok(105));
        assert_eq!(parse_tenths(".5"), Ok(5));
        assert_eq!(parse_tenths("3.25"), Err(TenthsError::TooPrecise));
        assert_eq!(parse_tenths("-1"), Err(TenthsError::Negative));
        assert_eq!(parse_tenths("abc"), Err(TenthsError::NotANumber));
        assert_eq!(parse_tenths(""), Err(TenthsError::NotANumber));
        assert_eq!(parse_tenths("1.2.3"), Err(TenthsError::NotANumber));
    }

    #[test]
    fn floats_from_json_are_exact() {
        assert_eq!(tenths_from_f64(0.1), Ok(1));
        assert_eq!(tenths_from_f64(2.3), Ok(23));
        assert_eq!(tenths_from_f64(0.30000000000000004), Err(TenthsError::TooPrecise));
        assert_eq!(Hours::from_tenths(53).to_string(), "5.3");
        assert_eq!(Hours::from_tenths(0).to_string(), "0.0");
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(t in 0i64..10_000_000) {
            let h = Hours::from_tenths(t);
            prop_assert_eq!(Hours::parse(&h.to_string()), Ok(h));
            prop_assert_eq!(Hours::from_f64(h.to_string().parse::<f64>().unwrap()), Ok(h));
        }
    }
}
