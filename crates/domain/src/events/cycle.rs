//! Upload cycles of a remote project (上传周期, rules.md §4, §7.1, §7.4): a remote project files no
//! periods; its unit reports the execution once per upload cycle of 1, 2, 3, 6 or 12 months, and
//! `periods/{n}` of a remote project means upload cycle n.
//!
//! **Reading (the cycle and its dates):** the application carries no cycle, so the unit chooses it
//! once for the project (rules.md §5 `score.1.1.3` scores the choice: the shorter, the better).
//! Cycle 1 begins on the project's published start (the first day of its first published period;
//! the project year's 1 January when a list gave no dates) and cycle n runs from the published
//! start plus (n − 1) × the cycle's months to the day before cycle n + 1 begins. Months are added
//! as calendar months from the published start (never chained), and a day beyond the target
//! month's end falls on its last day: monthly cycles from 31 January begin on 31 January, 28 (or 29)
//! February, 31 March, … A remote project is open to learners for a year from its published start
//! (its published dates often name a day or a few; the course stays online), or until its last
//! published day when that is later: its cycles are those that begin by then, so a year holds
//! 12, 6, 4, 2 or 1 of them. Each cycle's report falls due 14 days after its last day, as a
//! face-to-face period's does after its end.

use chrono::{Months, NaiveDate};
use serde::Serialize;

use super::Problem;
use crate::Year;

/// The cycles a unit may choose, in months (rules.md §4).
pub const MONTHS: [u32; 5] = [1, 2, 3, 6, 12];
/// How long a remote project is open to learners from its published start, in months.
pub const OPEN_MONTHS: u32 = 12;
/// No project runs more cycles than this (a list's dates stay within a year or two).
const MAX_CYCLES: u32 = 60;

/// One upload cycle: its number (from 1) and its first and last days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Cycle {
    pub n: u32,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// `upload_cycle.months`: one of [`MONTHS`], or a problem naming the field.
pub fn check_months(months: u32) -> Result<u32, Problem> {
    if MONTHS.contains(&months) {
        Ok(months)
    } else {
        Err(Problem::new(
            "upload_cycle.months",
            "months",
            format!("上传周期应为 1、2、3、6 或 12 个月，不能为 {months} 个月"),
        ))
    }
}

/// The day cycle 1 begins: the published start, or the project year's 1 January without one.
pub fn anchor(published_start: Option<NaiveDate>, year: Year) -> NaiveDate {
    published_start.unwrap_or_else(|| year.first_day())
}

/// `anchor` plus `months` calendar months (a day past the month's end falls on its last day).
fn plus_months(anchor: NaiveDate, months: u32) -> NaiveDate {
    anchor.checked_add_months(Months::new(months)).unwrap_or(NaiveDate::MAX)
}

/// Cycle `n` (from 1) of a project whose cycle 1 begins on `anchor`, `months` long.
pub fn cycle(anchor: NaiveDate, months: u32, n: u32) -> Cycle {
    let n = n.max(1);
    let start = plus_months(anchor, (n - 1) * months);
    let next = plus_months(anchor, n * months);
    Cycle { n, start, end: next.pred_opt().unwrap_or(next) }
}

/// The last day a remote project is open to learners: a year from `anchor`, or `last_day` when later.
pub fn open_until(anchor: NaiveDate, last_day: NaiveDate) -> NaiveDate {
    let year_end = plus_months(anchor, OPEN_MONTHS).pred_opt().unwrap_or(anchor);
    year_end.max(last_day)
}

/// Every cycle of the project: those that begin from `anchor` up to [`open_until`].
pub fn cycles(anchor: NaiveDate, months: u32, last_day: NaiveDate) -> Vec<Cycle> {
    let until = open_until(anchor, last_day);
    (1..=MAX_CYCLES).map(|n| cycle(anchor, months, n)).take_while(|c| c.start <= until).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn spans(anchor: NaiveDate, months: u32) -> Vec<(NaiveDate, NaiveDate)> {
        cycles(anchor, months, anchor).into_iter().map(|c| (c.start, c.end)).collect()
    }

    #[test]
    fn monthly_cycles_from_the_first_end_on_each_months_last_day() {
        let all = spans(day(2026, 3, 1), 1);
        assert_eq!(all.len(), 12);
        assert_eq!(all[0], (day(2026, 3, 1), day(2026, 3, 31)));
        assert_eq!(all[1], (day(2026, 4, 1), day(2026, 4, 30)));
        assert_eq!(all[11], (day(2027, 2, 1), day(2027, 2, 28)));
    }

    #[test]
    fn a_start_on_a_months_last_day_keeps_to_month_ends_and_the_cycles_touch() {
        let all = spans(day(2026, 1, 31), 1);
        assert_eq!(all[0], (day(2026, 1, 31), day(2026, 2, 27)));
        assert_eq!(all[1], (day(2026, 2, 28), day(2026, 3, 30)));
        assert_eq!(all[2], (day(2026, 3, 31), day(2026, 4, 29)));
        for pair in all.windows(2) {
            assert_eq!(pair[0].1.succ_opt().unwrap(), pair[1].0, "no gap, no overlap: {pair:?}");
        }
        assert_eq!(all.last().unwrap().1, day(2027, 1, 30), "a year from 31 January");
    }

    #[test]
    fn february_of_a_leap_year() {
        assert_eq!(cycle(day(2028, 1, 29), 1, 1), Cycle { n: 1, start: day(2028, 1, 29), end: day(2028, 2, 28) });
        assert_eq!(cycle(day(2028, 1, 30), 1, 2).start, day(2028, 2, 29));
        assert_eq!(cycle(day(2028, 2, 29), 12, 1), Cycle { n: 1, start: day(2028, 2, 29), end: day(2029, 2, 27) });
        assert_eq!(cycle(day(2028, 2, 29), 1, 2).start, day(2028, 3, 29), "months from the start, not chained");
        assert_eq!(cycle(day(2027, 12, 31), 2, 2), Cycle { n: 2, start: day(2028, 2, 29), end: day(2028, 4, 29) });
    }

    #[test]
    fn twelve_months_is_one_cycle_and_each_choice_fills_the_year() {
        assert_eq!(spans(day(2026, 1, 1), 12), vec![(day(2026, 1, 1), day(2026, 12, 31))]);
        for (months, count) in [(1, 12), (2, 6), (3, 4), (6, 2), (12, 1)] {
            let all = spans(day(2026, 5, 17), months);
            assert_eq!(all.len(), count, "{months} months");
            assert_eq!(all.last().unwrap().1, day(2027, 5, 16), "{months} months end with the year");
        }
        assert_eq!(spans(day(2026, 7, 1), 6)[1], (day(2027, 1, 1), day(2027, 6, 30)));
    }

    #[test]
    fn a_later_published_last_day_adds_the_cycles_that_begin_by_then() {
        let all = cycles(day(2026, 1, 1), 3, day(2027, 2, 10));
        assert_eq!(all.len(), 5);
        assert_eq!((all[4].start, all[4].end), (day(2027, 1, 1), day(2027, 3, 31)));
    }

    #[test]
    fn only_the_five_cycles_of_the_rules_are_accepted() {
        for months in MONTHS {
            assert_eq!(check_months(months), Ok(months));
        }
        for months in [0, 4, 5, 7, 24] {
            let problem = check_months(months).unwrap_err();
            assert_eq!((problem.rule, problem.field.as_str()), ("upload_cycle.months", "months"));
            assert!(problem.message.contains(&format!("不能为 {months} 个月")), "{problem:?}");
        }
    }

    #[test]
    fn without_published_dates_cycle_one_begins_on_the_years_first_day() {
        let year = Year::try_from(2026_u16).unwrap();
        assert_eq!(anchor(None, year), day(2026, 1, 1));
        assert_eq!(anchor(Some(day(2026, 4, 8)), year), day(2026, 4, 8));
    }
}
