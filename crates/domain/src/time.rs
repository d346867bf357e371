//! Times are stored in UTC (Unix milliseconds) and shown in Asia/Shanghai.
//!
//! China has kept UTC+8 without daylight saving since 1991, and every time this product stores is
//! later than that, so a fixed offset is exact and spares a time-zone database.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};

pub const SHANGHAI_OFFSET_SECONDS: i32 = 8 * 3600;

pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(SHANGHAI_OFFSET_SECONDS).expect("valid offset")
}

/// A stored instant (UTC milliseconds) as Beijing time.
pub fn to_shanghai(utc_millis: i64) -> DateTime<FixedOffset> {
    let utc = Utc.timestamp_millis_opt(utc_millis).single().unwrap_or_default();
    utc.with_timezone(&shanghai())
}

/// `2024-11-18 09:30` in Beijing time.
pub fn format_shanghai(utc_millis: i64) -> String {
    to_shanghai(utc_millis).format("%Y-%m-%d %H:%M").to_string()
}

/// The calendar date in Beijing of a stored instant (deadlines are Beijing dates).
pub fn shanghai_date(utc_millis: i64) -> NaiveDate {
    to_shanghai(utc_millis).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_evening_is_next_day_in_beijing() {
        // 2024-11-17T16:30Z is 2024-11-18 00:30 in Beijing.
        let millis = Utc.with_ymd_and_hms(2024, 11, 17, 16, 30, 0).unwrap().timestamp_millis();
        assert_eq!(format_shanghai(millis), "2024-11-18 00:30");
        assert_eq!(shanghai_date(millis), NaiveDate::from_ymd_opt(2024, 11, 18).unwrap());
    }
}
