//! The unit's history (rules.md §7.7) as the formal review reads it (`context.unit_history`), built
//! from the stored facts of the unit's published periods: whether each ended period was filed, and
//! the inspectors' results. The server passes exactly these entries, so `jijiao check application`
//! given the same history in the file finds the same.
//!
//! Facts the records do not hold yet (reported late, learners per period, the out-of-province and
//! grassroots share: the execution reports bring them) are absent. The interchange format has no
//! "unknown" for them, so an entry carries the values no rule flags (no late report, the smallest
//! number of learners that passes `unit.history_size`, the share that passes
//! `unit.history_outside_share`), and only the known facts can fire a rule.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::inspection::Outcome;
use crate::Year;
use crate::org::Level;
use crate::review::thresholds::{HISTORY_LEARNERS_MIN, HISTORY_OUTSIDE_SHARE_MIN_TENTHS, UNIT_HISTORY_YEARS};
use crate::review::{Percent, ProjectInspection, UnitProject};

/// One published period of the unit, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodFacts {
    pub number: String,
    pub year: Year,
    pub level: Level,
    pub end: NaiveDate,
    /// Whether the period was filed (the only record, before reports, that it was held).
    pub filed: bool,
    /// Whether the project was on record here before the period ended. A list imported after its
    /// periods were held (last year's published list) says nothing of whether they were: only a
    /// period the system could have received a filing for counts as not held when it has none.
    pub recorded_before_end: bool,
    /// The results of the inspectors' inspections (not the unit's own records).
    pub inspections: Vec<Outcome>,
}

/// The projects of the last [`UNIT_HISTORY_YEARS`] years before `application_year`, one entry per
/// project in the order of year and number, each with what is known by `today`: a project is not
/// held when a period of it has ended unfiled (one on record before it ended); its inspection is 不合格 if any inspector found so,
/// else 合格 if one passed it. Projects with nothing to say yet (no period ended, no inspection) are
/// left out.
pub fn unit_history(periods: &[PeriodFacts], application_year: Year, today: NaiveDate) -> Vec<UnitProject> {
    let first = application_year.get().saturating_sub(UNIT_HISTORY_YEARS);
    // Per project: level, held, inspection, whether anything is known yet.
    type Known = (Level, bool, Option<ProjectInspection>, bool);
    let mut projects: BTreeMap<(Year, &str), Known> = BTreeMap::new();
    for p in periods.iter().filter(|p| p.year.get() >= first && p.year < application_year) {
        let entry = projects.entry((p.year, p.number.as_str())).or_insert((p.level, true, None, false));
        let ended = p.end < today;
        if ended && !p.filed && p.recorded_before_end {
            entry.1 = false;
        }
        for outcome in &p.inspections {
            entry.2 = match (entry.2, outcome) {
                (_, Outcome::Fail) | (Some(ProjectInspection::Failed), _) => Some(ProjectInspection::Failed),
                _ => Some(ProjectInspection::Passed),
            };
        }
        entry.3 |= (ended && (p.filed || p.recorded_before_end)) || !p.inspections.is_empty();
    }
    projects
        .into_iter()
        .filter(|(_, (_, _, _, known))| *known)
        .map(|((year, number), (level, held, inspection, _))| UnitProject {
            year,
            number: number.to_string(),
            level,
            held,
            reported_late: false,
            inspection,
            learners: HISTORY_LEARNERS_MIN,
            outside_grassroots_share: Percent::from_tenths(HISTORY_OUTSIDE_SHARE_MIN_TENTHS),
            practical_training: false,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn year(y: i32) -> Year {
        Year::try_from(y).unwrap()
    }

    fn period(number: &str, y: i32, end: (u32, u32), filed: bool, inspections: Vec<Outcome>) -> PeriodFacts {
        PeriodFacts {
            number: number.into(),
            year: year(y),
            level: Level::National,
            end: NaiveDate::from_ymd_opt(y, end.0, end.1).unwrap(),
            filed,
            recorded_before_end: true,
            inspections,
        }
    }

    #[test]
    fn only_known_facts_of_the_last_two_years_enter() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let periods = [
            period("A", 2026, (5, 1), true, vec![Outcome::Pass, Outcome::Fail]),
            period("A", 2026, (12, 20), false, vec![]),
            period("B", 2025, (3, 1), false, vec![]),
            period("C", 2026, (12, 30), false, vec![]),
            period("D", 2023, (3, 1), false, vec![Outcome::Fail]),
            period("E", 2026, (6, 1), true, vec![Outcome::Pass]),
        ];
        let history = unit_history(&periods, year(2027), today);
        let summary: Vec<(&str, bool, Option<ProjectInspection>)> =
            history.iter().map(|h| (h.number.as_str(), h.held, h.inspection)).collect();
        assert_eq!(
            summary,
            vec![
                ("B", false, None),
                ("A", true, Some(ProjectInspection::Failed)),
                ("E", true, Some(ProjectInspection::Passed)),
            ]
        );
        assert!(history.iter().all(|h| !h.reported_late && h.learners == HISTORY_LEARNERS_MIN));
        // A list imported after its periods ended tells nothing of them.
        let imported = PeriodFacts { recorded_before_end: false, ..period("B", 2025, (3, 1), false, vec![]) };
        assert_eq!(unit_history(&[imported], year(2027), today), vec![]);
    }

    #[test]
    fn the_review_fires_on_the_known_facts_only() {
        use crate::review::thresholds;
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let history = unit_history(
            &[period("A", 2026, (5, 1), true, vec![Outcome::Fail]), period("E", 2026, (6, 1), true, vec![])],
            year(2027),
            today,
        );
        // The neutral values sit exactly on the passing side of the thresholds.
        assert!(
            history[1].learners >= thresholds::HISTORY_LEARNERS_MIN
                && history[1].learners <= thresholds::HISTORY_LEARNERS_MAX
        );
        assert!(history[1].outside_grassroots_share.tenths() >= thresholds::HISTORY_OUTSIDE_SHARE_MIN_TENTHS);
        assert_eq!(history[0].inspection, Some(ProjectInspection::Failed));
    }
}
