//! Property tests of the credit engine: caps hold, more activities never lower the total, the file's
//! order does not matter, and rounding never grants more than exact rational arithmetic would.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;

use super::activities::*;
use super::engine::tests::{date, other, person, practice, project, self_study, training};
use super::report::{CreditReport, rule};
use super::settings::{Caps, GrassrootsRules, RuleSettings};
use super::{Credits, evaluate};
use crate::org::Delivery;

/// An activity of 2025 without its id and end day, which the tests assign.
#[derive(Clone, Debug)]
enum Spec {
    Project(u8, Delivery, Role, i64),
    Period(ActivityKind, i64, bool, Option<i64>),
    Practice(Role, i64),
    SelfStudy(i64, bool),
    Other(i64),
}

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![Just(Role::Participant), Just(Role::Speaker)]
}

fn spec() -> impl Strategy<Value = Spec> {
    let delivery = prop_oneof![Just(Delivery::FaceToFace), Just(Delivery::Remote)];
    let period_kind = prop_oneof![
        Just(ActivityKind::FurtherTraining),
        Just(ActivityKind::DegreeEducation),
        Just(ActivityKind::GovernmentAssignment),
    ];
    prop_oneof![
        3 => (0u8..3, delivery, role(), 0i64..400).prop_map(|(n, d, r, h)| Spec::Project(n, d, r, h)),
        2 => (period_kind, 0i64..120, any::<bool>(), proptest::option::of(0i64..3000))
            .prop_map(|(k, len, passed, h)| Spec::Period(k, len, passed, h)),
        3 => (role(), 0i64..400).prop_map(|(r, h)| Spec::Practice(r, h)),
        1 => (0i64..150, any::<bool>()).prop_map(|(c, a)| Spec::SelfStudy(c, a)),
        1 => (0i64..100).prop_map(Spec::Other),
    ]
}

/// Day 0 is 2025-01-01.
fn day(n: u32) -> NaiveDate {
    date(2025, 1, 1) + chrono::Days::new(u64::from(n))
}

fn build(spec: &Spec, id: &str, end_day: u32) -> Activity {
    let end = day(end_day);
    match spec {
        Spec::Project(n, delivery, r, h) => project(id, &format!("P{n}"), *delivery, *r, *h, end),
        Spec::Period(kind, len, passed, hours) => {
            let start = end - chrono::Days::new(*len as u64);
            let p = training(id, start, end, *passed, *hours);
            match kind {
                ActivityKind::FurtherTraining => Activity::FurtherTraining(p),
                ActivityKind::DegreeEducation => Activity::DegreeEducation(p),
                _ => Activity::GovernmentAssignment(p),
            }
        }
        Spec::Practice(r, h) => practice(id, *r, *h, end),
        Spec::SelfStudy(c, approved) => self_study(id, *c, *approved, end),
        Spec::Other(c) => other(id, *c, end),
    }
}

fn doc_of(specs: &[(Spec, u32)], grassroots: bool) -> Activities {
    Activities {
        year: crate::Year::try_from(2025_u16).unwrap(),
        person: person(grassroots),
        activities: specs.iter().enumerate().map(|(i, (s, end))| build(s, &format!("a{i}"), *end)).collect(),
    }
}

fn specs(max: usize) -> impl Strategy<Value = Vec<(Spec, u32)>> {
    prop::collection::vec((spec(), 0u32..365), 0..max)
}

/// National rules, or a province raising its grassroots remote cap and capping `other`.
fn settings(variant: bool) -> RuleSettings {
    if !variant {
        return RuleSettings::default();
    }
    let mut s = RuleSettings {
        grassroots: vec![GrassrootsRules {
            province: "北京市".to_string(),
            caps: Caps {
                remote_project: Credits::whole(5),
                other_per_year: Some(Credits::whole(4)),
                ..Caps::default()
            },
        }],
        ..RuleSettings::default()
    };
    s.caps.other_per_year = Some(Credits::whole(6));
    s
}

fn by_id(report: &CreditReport) -> HashMap<&str, (Credits, Credits)> {
    report.activities.iter().map(|a| (a.id.as_str(), (a.credits, a.removed_by_caps))).collect()
}

/// The exact value of an activity's formula before caps, in sixtieths of a credit (every divisor of
/// the rules divides 60 tenths), or `None` for the full-year rule.
fn exact_formula(a: &Activity) -> Option<i64> {
    Some(match a {
        Activity::Project(p) => match p.role {
            Role::Participant => 2 * p.hours.tenths(),
            Role::Speaker => 12 * p.hours.tenths(),
        },
        Activity::Practice(p) => {
            let h = p.hours.tenths();
            match p.role {
                _ if h < 10 => 0,
                Role::Participant if h < 60 => 12,
                Role::Participant => h,
                Role::Speaker if h < 30 => 30,
                Role::Speaker => 2 * h,
            }
        }
        Activity::FurtherTraining(p) | Activity::DegreeEducation(p) | Activity::GovernmentAssignment(p) => {
            if p.passed {
                p.hours.map_or(0, |h| h.tenths())
            } else {
                0
            }
        }
        Activity::SelfStudy(s) => {
            if s.approved {
                6 * s.credits.tenths()
            } else {
                0
            }
        }
        Activity::Other(o) => 6 * o.credits.tenths(),
        Activity::Legacy(l) => 6 * l.credits.tenths(),
    })
}

/// Days of 2025 covered by passed period activities, counted day by day.
fn covered_days(doc: &Activities) -> i64 {
    let mut covered = [false; 366];
    for p in doc.activities.iter().filter_map(Activity::period) {
        if p.passed {
            let mut d = p.start.max(date(2025, 1, 1));
            while d <= p.end {
                covered[d.ordinal0() as usize] = true;
                d = d.succ_opt().unwrap();
            }
        }
    }
    covered.iter().filter(|c| **c).count() as i64
}

/// The year's total with exact rational arithmetic (sixtieths of a credit) and the same caps.
fn exact_total(doc: &Activities, settings: &RuleSettings) -> i64 {
    let caps = settings.caps_for(&doc.person).0;
    let sixty = |c: Credits| 6 * c.tenths();
    let mut order: Vec<usize> = (0..doc.activities.len()).collect();
    order.sort_by_key(|&i| (doc.activities[i].end(), i));
    let full_year = covered_days(doc) >= 90;
    let take = |raw: i64, limit: i64, used: &mut i64| {
        let granted = raw.min((limit - *used).max(0));
        *used += granted;
        granted
    };
    let mut projects: HashMap<&str, i64> = HashMap::new();
    let (mut practice, mut period, mut self_study, mut other) = (0, 0, 0, 0);
    let mut total = 0;
    for &i in &order {
        let a = &doc.activities[i];
        let raw = exact_formula(a).unwrap();
        total += match a {
            Activity::Project(p) => {
                let limit = match p.delivery {
                    Delivery::FaceToFace => sixty(caps.project),
                    Delivery::Remote => sixty(caps.remote_project),
                };
                take(raw, limit, projects.entry(&p.project_number).or_default())
            }
            Activity::Practice(_) => take(raw, sixty(caps.practice_per_year), &mut practice),
            Activity::FurtherTraining(_) | Activity::DegreeEducation(_) | Activity::GovernmentAssignment(_) => {
                if full_year {
                    0
                } else {
                    take(raw, sixty(settings.full_year_credits), &mut period)
                }
            }
            Activity::SelfStudy(_) => take(raw, sixty(caps.self_study_per_year), &mut self_study),
            Activity::Other(_) => match caps.other_per_year {
                Some(limit) => take(raw, sixty(limit), &mut other),
                None => raw,
            },
            Activity::Legacy(_) => raw,
        };
    }
    if full_year {
        total += sixty(settings.full_year_credits);
    }
    total
}

proptest! {
    #[test]
    fn no_cap_is_ever_exceeded(specs in specs(25), grassroots: bool, variant: bool) {
        let doc = doc_of(&specs, grassroots);
        let settings = settings(variant);
        let report = evaluate(&doc, &settings);
        let caps = settings.caps_for(&doc.person).0;
        let mut groups: HashMap<&str, (Credits, Credits)> = HashMap::new();
        let (mut practice, mut period, mut self_study, mut other) =
            (Credits::ZERO, Credits::ZERO, Credits::ZERO, Credits::ZERO);
        for (a, c) in doc.activities.iter().zip(&report.activities) {
            prop_assert!(c.counted);
            prop_assert!(c.credits >= Credits::ZERO && c.removed_by_caps >= Credits::ZERO);
            match a {
                Activity::Project(p) => {
                    let limit = match p.delivery {
                        Delivery::FaceToFace => caps.project,
                        Delivery::Remote => caps.remote_project,
                    };
                    let g = groups.entry(&p.project_number).or_default();
                    g.0 += c.credits;
                    g.1 = g.1.max(limit);
                    prop_assert!(c.credits <= limit);
                }
                Activity::Practice(_) => practice += c.credits,
                Activity::SelfStudy(_) => self_study += c.credits,
                Activity::Other(_) => other += c.credits,
                _ => period += c.credits,
            }
        }
        for (number, (sum, limit)) in groups {
            prop_assert!(sum <= limit, "project {number}: {sum} > {limit}");
        }
        prop_assert!(practice <= caps.practice_per_year);
        prop_assert!(self_study <= caps.self_study_per_year);
        prop_assert!(period <= settings.full_year_credits);
        if let Some(limit) = caps.other_per_year {
            prop_assert!(other <= limit);
        }
        let sum: Credits = report.activities.iter().map(|a| a.credits).sum();
        prop_assert_eq!(sum, report.total);
        prop_assert_eq!(report.by_kind.0.iter().map(|k| k.credits).sum::<Credits>(), report.total);
    }

    #[test]
    fn adding_an_activity_never_lowers_the_total(
        specs in specs(20),
        extra in spec(),
        end in 0u32..365,
        position in any::<prop::sample::Index>(),
        variant: bool,
    ) {
        let settings = settings(variant);
        let before = evaluate(&doc_of(&specs, true), &settings);
        let mut doc = doc_of(&specs, true);
        let at = position.index(doc.activities.len() + 1);
        doc.activities.insert(at, build(&extra, "extra", end));
        let after = evaluate(&doc, &settings);
        prop_assert!(after.total >= before.total, "{} < {}", after.total, before.total);
    }

    #[test]
    fn the_file_order_does_not_matter_when_end_dates_differ(
        (specs, shuffled) in prop::collection::vec(spec(), 0..20)
            .prop_flat_map(|specs| {
                let n = specs.len();
                (Just(specs), prop::sample::subsequence((0u32..365).collect::<Vec<_>>(), n))
            })
            .prop_map(|(specs, days)| specs.into_iter().zip(days).collect::<Vec<_>>())
            .prop_flat_map(|specs| {
                let order: Vec<usize> = (0..specs.len()).collect();
                (Just(specs), Just(order).prop_shuffle())
            }),
    ) {
        let settings = RuleSettings::default();
        let doc = doc_of(&specs, false);
        let mut reordered = doc.clone();
        reordered.activities = shuffled.iter().map(|&i| doc.activities[i].clone()).collect();
        let a = evaluate(&doc, &settings);
        let b = evaluate(&reordered, &settings);
        prop_assert_eq!(a.total, b.total);
        prop_assert_eq!(by_id(&a), by_id(&b));
    }

    #[test]
    fn rounding_never_grants_more_than_exact_arithmetic(specs in specs(25), grassroots: bool, variant: bool) {
        let doc = doc_of(&specs, grassroots);
        let settings = settings(variant);
        let report = evaluate(&doc, &settings);
        for (a, c) in doc.activities.iter().zip(&report.activities) {
            if c.rule.ends_with(".full_year") {
                continue;
            }
            let exact = exact_formula(a).unwrap();
            let rounded = 6 * (c.credits + c.removed_by_caps).tenths();
            // Rounded down to the tenth: never above the exact value, less than a tenth below it.
            prop_assert!(rounded <= exact && exact < rounded + 6, "{}: {rounded} vs {exact}", c.id);
        }
        prop_assert!(6 * report.total.tenths() <= exact_total(&doc, &settings));
    }

    #[test]
    fn the_full_year_follows_the_days_counted_one_by_one(specs in specs(12)) {
        let doc = doc_of(&specs, false);
        let report = evaluate(&doc, &RuleSettings::default());
        let full = report.activities.iter().any(|a| a.rule.ends_with(".full_year"));
        prop_assert_eq!(full, covered_days(&doc) >= 90);
        let granted = report.activities.iter().filter(|a| a.rule.ends_with(".full_year") && a.credits > Credits::ZERO).count();
        prop_assert_eq!(granted, usize::from(full));
        // No hours-based rule is used in a full year, and no full-year rule otherwise.
        let hours_rules = [rule::FURTHER_TRAINING_HOURS, rule::DEGREE_EDUCATION_HOURS, rule::GOVERNMENT_ASSIGNMENT_HOURS];
        prop_assert!(!(full && report.activities.iter().any(|a| hours_rules.contains(&a.rule))));
    }
}
