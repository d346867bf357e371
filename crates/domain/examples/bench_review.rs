//! Benchmark of the formal review: one application reviewed many times (target: mean under 1 ms), then
//! 20,000 generated applications re-reviewed on two threads (target: under 5 s).
//! Run: `cargo run --release -p jijiao-domain --example bench_review`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use jijiao_domain::document::parse;
use jijiao_domain::review::{
    Application, Method, OtherApplication, Percent, RULES, Review, Teacher, UnitProject, review,
};
use jijiao_domain::subject::Catalogue;
use jijiao_domain::{Credits, Hours};

const NATIONAL: &str = include_str!("../tests/fixtures/review/valid_national.json");
const PROVINCIAL: &str = include_str!("../tests/fixtures/review/valid_provincial.json");
const SINGLE_RUNS: u32 = 20_000;
const APPLICATIONS: usize = 20_000;
const THREADS: usize = 2;

const TITLES: [&str; 10] =
    ["主任医师", "副主任医师", "主治医师", "教授", "副教授", "主管护师", "研究员", "住院医师", "中级", "主任"];
const UNITS: [&str; 6] = [
    "北京大学第一医院",
    "北京大学人民医院",
    "中国医学科学院阜外医院",
    "首都医科大学附属北京友谊医院",
    "四川大学华西医院",
    "复旦大学附属中山医院",
];
const TOPICS: [&str; 6] = [
    "心力衰竭规范化诊疗学习班",
    "急性心肌梗死介入治疗培训班",
    "胃肠外科加速康复围手术期管理培训班",
    "重症感染的早期识别与救治",
    "基层高血压规范化管理",
    "儿童哮喘诊治新进展",
];

/// A small deterministic generator (xorshift64*), so every run reviews the same applications.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len() as u64) as usize]
    }
}

/// A variation of a fixture: more teachers, longer or shorter texts, a long list of other
/// applications to compare names with, and a mistake now and then.
fn generate(rng: &mut Rng, national: &Application, provincial: &Application) -> Application {
    let mut app = if rng.chance(50) { national.clone() } else { provincial.clone() };
    let count = 3 + rng.below(28) as usize;
    app.teachers = (0..count)
        .map(|i| Teacher {
            name: format!("教师{}", rng.below(40)),
            title: {
                // One title in twenty is a rank word or a post (title.concrete).
                let known = if rng.chance(95) { 8 } else { TITLES.len() };
                rng.pick(&TITLES[..known]).to_string()
            },
            employer: if i % 2 == 0 { app.applicant.name.clone() } else { rng.pick(&UNITS).to_string() },
            topic: rng.pick(&TOPICS).to_string(),
            method: if rng.chance(75) { Method::Lecture } else { Method::Demonstration },
            hours: Hours::whole(3),
        })
        .collect();
    let total = 3 * count as i64;
    app.total_hours = Hours::whole(total);
    app.theory_hours = Hours::whole(total - rng.below(4) as i64);
    app.practice_hours = Hours::whole(total) - app.theory_hours;
    app.credits = Credits::from_tenths((rng.below(120) as i64).min(total * 10 / 3));
    app.planned_enrollment = 20 + rng.below(1200) as u32;
    app.outside_province_share = Percent::from_tenths(rng.below(400) as i64);
    let keep = rng.below(app.recommendation.chars().count() as u64 + 60) as usize;
    app.recommendation = app.recommendation.chars().cycle().take(keep).collect();
    app.name = format!("{}（第{}期）", rng.pick(&TOPICS), 1 + rng.below(9));
    let leader = app.leader.name.clone();
    app.context.other_applications = (0..rng.below(200))
        .map(|_| OtherApplication {
            unit: rng.pick(&UNITS).to_string(),
            name: format!("{}{}", 2020 + rng.below(6), rng.pick(&TOPICS)),
            // Now and then the same leader, so near names are compared in full.
            leader: if rng.chance(5) { leader.clone() } else { format!("负责人{}", rng.below(50)) },
        })
        .collect();
    app.context.unit_history = (0..rng.below(12))
        .map(|i| UnitProject {
            year: jijiao_domain::Year::try_from(2022 + rng.below(3) as u16).expect("a year"),
            number: format!("2024-03-01-{i:03}（国）"),
            level: app.level,
            held: rng.chance(97),
            reported_late: rng.chance(3),
            inspection: None,
            learners: 30 + rng.below(1100) as u32,
            outside_grassroots_share: Percent::from_tenths(rng.below(500) as i64),
            practical_training: rng.chance(10),
        })
        .collect();
    app.context.unit_applications = rng.below(8) as u32;
    app.commitment_signed = rng.chance(98);
    app
}

fn mean(total: Duration, runs: u32) -> String {
    format!("{:.1} µs", total.as_secs_f64() * 1e6 / f64::from(runs))
}

fn main() {
    let catalogue = Catalogue::default_catalogue();
    let national: Application = parse(NATIONAL).expect("national fixture");
    let provincial: Application = parse(PROVINCIAL).expect("provincial fixture");

    // 1. One application, many times.
    let start = Instant::now();
    for _ in 0..SINGLE_RUNS {
        black_box(review(black_box(&national), &catalogue));
    }
    let single = start.elapsed();
    let start = Instant::now();
    for _ in 0..SINGLE_RUNS {
        let app: Application = parse(black_box(NATIONAL)).unwrap();
        black_box(review(&app, &catalogue));
    }
    let parsed = start.elapsed();
    let per_review = single / SINGLE_RUNS;
    println!("formal review of one application ({SINGLE_RUNS} runs)");
    println!(
        "  review only:        mean {}  (target < 1 ms: {})",
        mean(single, SINGLE_RUNS),
        if per_review < Duration::from_millis(1) { "met" } else { "MISSED" }
    );
    println!("  parse JSON + review: mean {}", mean(parsed, SINGLE_RUNS));

    // 2. 20,000 generated applications on two threads.
    let start = Instant::now();
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let applications: Vec<Application> =
        (0..APPLICATIONS).map(|_| generate(&mut rng, &national, &provincial)).collect();
    let generated = start.elapsed();
    let others: usize = applications.iter().map(|a| a.context.other_applications.len()).sum();
    let teachers: usize = applications.iter().map(|a| a.teachers.len()).sum();

    let start = Instant::now();
    let chunk = APPLICATIONS.div_ceil(THREADS);
    let reviews: Vec<Review> = std::thread::scope(|scope| {
        let handles: Vec<_> = applications
            .chunks(chunk)
            .map(|part| {
                let catalogue = &catalogue;
                scope.spawn(move || part.iter().map(|a| review(a, catalogue)).collect::<Vec<_>>())
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("a review thread panicked")).collect()
    });
    let elapsed = start.elapsed();

    let passed = reviews.iter().filter(|r| r.ok).count();
    let findings: usize = reviews.iter().map(|r| r.findings.len()).sum();
    let mut by_rule: BTreeMap<usize, (&str, usize)> = BTreeMap::new();
    for finding in reviews.iter().flat_map(|r| &r.findings) {
        let position = RULES.iter().position(|r| r.id == finding.rule).unwrap();
        by_rule.entry(position).or_insert((finding.rule, 0)).1 += 1;
    }
    println!();
    println!(
        "{APPLICATIONS} generated applications ({teachers} teachers, {others} other applications compared), {THREADS} threads"
    );
    println!("  generated in        {:.3} s", generated.as_secs_f64());
    println!(
        "  reviewed in         {:.3} s  ({} per application; target < 5 s: {})",
        elapsed.as_secs_f64(),
        mean(elapsed, APPLICATIONS as u32),
        if elapsed < Duration::from_secs(5) { "met" } else { "MISSED" }
    );
    println!("  passed              {passed} ({findings} findings in all)");
    for (rule, count) in by_rule.values() {
        println!("    {rule:<38} {count}");
    }
}
