//! What time it is, as the operations see it: injected through [`crate::App`], so that "today" and
//! "this year" (in Beijing time, as rules.md counts days) can be fixed in tests.

use chrono::NaiveDate;
use jijiao_domain::Year;

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, in Unix milliseconds (UTC).
    fn now_millis(&self) -> i64;

    /// Today in China (UTC+8, no daylight saving).
    fn today(&self) -> NaiveDate {
        jijiao_domain::time::shanghai_date(self.now_millis())
    }

    /// The calendar year of [`Clock::today`] (a clock outside 1900..=2200 reads as the range's end).
    fn this_year(&self) -> Year {
        Year::of(self.today())
    }
}

/// The computer's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> i64 {
        jijiao_storage::now_millis()
    }
}

/// A clock that always says the same time (tests, and re-running a past day).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedClock {
    pub millis: i64,
}

impl FixedClock {
    /// Noon of `day` in Beijing time.
    pub fn on(day: NaiveDate) -> Self {
        let noon_utc = day.and_hms_opt(4, 0, 0).expect("a valid time").and_utc();
        Self { millis: noon_utc.timestamp_millis() }
    }
}

impl Clock for FixedClock {
    fn now_millis(&self) -> i64 {
        self.millis
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_gives_its_day_and_year() {
        let day = NaiveDate::from_ymd_opt(2031, 3, 15).unwrap();
        let clock = FixedClock::on(day);
        assert_eq!((clock.today(), clock.this_year().get()), (day, 2031));
    }

    #[test]
    fn the_year_turns_at_midnight_in_beijing_not_in_greenwich() {
        // 2030-12-31 16:30 UTC is 2031-01-01 00:30 in Beijing.
        let utc = NaiveDate::from_ymd_opt(2030, 12, 31).unwrap().and_hms_opt(16, 30, 0).unwrap().and_utc();
        let clock = FixedClock { millis: utc.timestamp_millis() };
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2031, 1, 1).unwrap());
        assert_eq!(clock.this_year().get(), 2031);
        let earlier = FixedClock { millis: clock.millis - 60 * 60 * 1000 };
        assert_eq!(earlier.this_year().get(), 2030);
    }
}
