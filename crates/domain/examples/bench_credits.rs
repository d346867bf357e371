//! Throughput of the credit engine: 1,000,000 generated person-years of 10 activities each, evaluated
//! in-process on two threads. Run with `cargo run --release -p jijiao-domain --example bench_credits`.
//!
//! The generator is deterministic (SplitMix64 seeded by the person-year's index), so every run
//! evaluates the same documents and prints the same checksum. Documents are generated in chunks
//! outside the timed part; the figure is evaluation alone.

use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use jijiao_domain::credits::{
    Activities, Activity, OtherActivity, PeriodActivity, Person, PracticeActivity, ProjectActivity, Role, RuleSettings,
    SelfStudyActivity, evaluate,
};
use jijiao_domain::id_number::compose;
use jijiao_domain::org::{Delivery, Level};
use jijiao_domain::{Credits, Hours};

const PERSON_YEARS: u64 = 1_000_000;
const ACTIVITIES: usize = 10;
const THREADS: u64 = 2;
const CHUNK: u64 = 10_000;

/// SplitMix64: small, fast and good enough to vary the documents.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn role(&mut self) -> Role {
        if self.below(4) == 0 { Role::Speaker } else { Role::Participant }
    }
}

fn generate(index: u64) -> Activities {
    let mut rng = Rng(index);
    let first = NaiveDate::from_ymd_opt(2025, 1, 1).expect("a real date");
    let birth = NaiveDate::from_ymd_opt(1960, 1, 1).expect("a real date") + Days::new(rng.below(14_000));
    let person = Person {
        id_number: compose("110105", birth, (index % 1000) as u16),
        province: "北京市".to_string(),
        grassroots: rng.below(5) == 0,
    };
    let activities = (0..ACTIVITIES)
        .map(|i| {
            let id = format!("a{i}");
            let end = first + Days::new(rng.below(365));
            match rng.below(10) {
                0..=3 => Activity::Project(ProjectActivity {
                    id,
                    project_number: format!("2025-03-07-{:03}（国）", rng.below(6)),
                    level: Level::National,
                    delivery: if rng.below(3) == 0 { Delivery::Remote } else { Delivery::FaceToFace },
                    role: rng.role(),
                    hours: Hours::from_tenths(rng.below(300) as i64),
                    end,
                }),
                4 => {
                    let start = end - Days::new(rng.below(100));
                    let period = PeriodActivity {
                        id,
                        start,
                        end,
                        passed: rng.below(6) != 0,
                        hours: Some(Hours::from_tenths(rng.below(3000) as i64)),
                    };
                    match rng.below(3) {
                        0 => Activity::FurtherTraining(period),
                        1 => Activity::DegreeEducation(period),
                        _ => Activity::GovernmentAssignment(period),
                    }
                }
                5..=7 => Activity::Practice(PracticeActivity {
                    id,
                    role: rng.role(),
                    hours: Hours::from_tenths(rng.below(120) as i64),
                    end,
                }),
                8 => Activity::SelfStudy(SelfStudyActivity {
                    id,
                    credits: Credits::from_tenths(rng.below(80) as i64),
                    approved: rng.below(5) != 0,
                    end,
                }),
                _ => Activity::Other(OtherActivity { id, credits: Credits::from_tenths(rng.below(30) as i64), end }),
            }
        })
        .collect();
    Activities { year: jijiao_domain::Year::try_from(2025_u16).expect("a year"), person, activities }
}

/// What one thread did: time spent evaluating, the sum of totals (tenths), compliant person-years.
struct Outcome {
    evaluating: Duration,
    total_tenths: i64,
    compliant: u64,
}

fn run(thread: u64, settings: &RuleSettings) -> Outcome {
    let mut outcome = Outcome { evaluating: Duration::ZERO, total_tenths: 0, compliant: 0 };
    let mut base = thread * CHUNK;
    while base < PERSON_YEARS {
        let docs: Vec<Activities> = (base..(base + CHUNK).min(PERSON_YEARS)).map(generate).collect();
        let started = Instant::now();
        for doc in &docs {
            let report = evaluate(doc, settings);
            outcome.total_tenths += report.total.tenths();
            outcome.compliant += u64::from(report.compliant);
        }
        outcome.evaluating += started.elapsed();
        base += THREADS * CHUNK;
    }
    outcome
}

/// Integer arithmetic keeps floating point out of a file about credits.
fn per_second(count: u64, time: Duration) -> u128 {
    u128::from(count) * 1_000_000_000 / time.as_nanos().max(1)
}

fn main() {
    let settings = RuleSettings::default();
    let wall = Instant::now();
    let outcomes: Vec<Outcome> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let settings = &settings;
                scope.spawn(move || run(t, settings))
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a bench thread panicked")).collect()
    });
    let wall = wall.elapsed();
    // The threads evaluate side by side, so the slower one bounds the evaluation time.
    let evaluating = outcomes.iter().map(|o| o.evaluating).max().unwrap_or_default();
    let total: i64 = outcomes.iter().map(|o| o.total_tenths).sum();
    let compliant: u64 = outcomes.iter().map(|o| o.compliant).sum();
    println!("{PERSON_YEARS} person-years × {ACTIVITIES} activities on {THREADS} threads");
    println!(
        "evaluation: {} ms, {} person-years/s ({} ns per person-year per thread)",
        evaluating.as_millis(),
        per_second(PERSON_YEARS, evaluating),
        evaluating.as_nanos() * u128::from(THREADS) / u128::from(PERSON_YEARS)
    );
    println!("with generation: {} ms wall, {} person-years/s", wall.as_millis(), per_second(PERSON_YEARS, wall));
    println!("checksum: {} tenths of credits in total, {compliant} compliant person-years", total);
}
