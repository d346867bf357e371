//! What falls due (待办): the kinds of task, their due dates and whether they are overdue, from the
//! deadlines of rules.md §4. The application layer asks one provider per kind for its tasks and
//! merges them; later issues (reports, audits) add providers, not branches here.

use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;

use super::filing::due_on;

/// A unit sees the periods starting within this many days that it has not filed.
pub const FILING_HORIZON_DAYS: u64 = 21;

/// One thing to do: its kind (a stable code), the day it is due, whether that day has passed, a
/// Chinese title and the page where it is done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Task {
    pub kind: &'static str,
    pub due: NaiveDate,
    pub overdue: bool,
    pub title: String,
    pub url: String,
}

impl Task {
    pub fn new(kind: &'static str, due: NaiveDate, today: NaiveDate, title: String, url: String) -> Self {
        Self { kind, due, overdue: due < today, title, url }
    }
}

/// A period to file: one that starts within [`FILING_HORIZON_DAYS`] and has not ended, unfiled.
/// Due 14 days before the start (`filing.lead_time`); overdue after that, though still accepted.
pub fn filing_due(start: NaiveDate, end: NaiveDate, filed: bool, today: NaiveDate) -> Option<(NaiveDate, bool)> {
    if filed || end < today || start > today + Days::new(FILING_HORIZON_DAYS) {
        return None;
    }
    let due = due_on(start);
    Some((due, due < today))
}

/// Monday to Sunday of the week of `today`.
pub fn week_of(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
    (monday, monday + Days::new(6))
}

/// Whether a period from `start` to `end` is held on some day from `from` to `to`.
pub fn overlaps(start: NaiveDate, end: NaiveDate, from: NaiveDate, to: NaiveDate) -> bool {
    start <= to && end >= from
}

/// Tasks in the order to do them: overdue first, then by due day, then by title.
pub fn sort(tasks: &mut [Task]) {
    tasks.sort_by(|a, b| (!a.overdue, a.due, &a.title).cmp(&(!b.overdue, b.due, &b.title)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    #[test]
    fn filings_fall_due_fourteen_days_ahead_within_three_weeks() {
        let today = day(12, 5);
        assert_eq!(filing_due(day(12, 20), day(12, 21), false, today), Some((day(12, 6), false)));
        assert_eq!(filing_due(day(12, 10), day(12, 11), false, today), Some((day(11, 26), true)));
        assert_eq!(filing_due(day(12, 26), day(12, 27), false, today), Some((day(12, 12), false)));
        assert_eq!(filing_due(day(12, 27), day(12, 28), false, today), None, "more than 21 days ahead");
        assert_eq!(filing_due(day(12, 10), day(12, 11), true, today), None, "filed");
        assert_eq!(filing_due(day(12, 1), day(12, 4), false, today), None, "ended");
        assert_eq!(filing_due(day(12, 4), day(12, 6), false, today), Some((day(11, 20), true)), "under way");
    }

    #[test]
    fn weeks_run_monday_to_sunday() {
        // 2026-12-05 is a Saturday.
        assert_eq!(week_of(day(12, 5)), (day(11, 30), day(12, 6)));
        assert_eq!(week_of(day(11, 30)), (day(11, 30), day(12, 6)));
        assert!(overlaps(day(12, 4), day(12, 8), day(12, 6), day(12, 6)));
        assert!(!overlaps(day(12, 7), day(12, 8), day(11, 30), day(12, 6)));
    }

    #[test]
    fn overdue_tasks_come_first() {
        let today = day(12, 5);
        let mut tasks = vec![
            Task::new("a", day(12, 9), today, "b".into(), String::new()),
            Task::new("a", day(12, 1), today, "z".into(), String::new()),
            Task::new("a", day(12, 6), today, "a".into(), String::new()),
        ];
        sort(&mut tasks);
        let order: Vec<&str> = tasks.iter().map(|t| t.title.as_str()).collect();
        assert_eq!(order, vec!["z", "a", "b"]);
        assert!(tasks[0].overdue && !tasks[1].overdue);
    }
}
