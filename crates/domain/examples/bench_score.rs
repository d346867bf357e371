//! Benchmark of the evaluation score engine: 20,000 generated execution reports of 1–6 periods,
//! scored in-process on two threads. Run: `cargo run --release -p jijiao-domain --example bench_score`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use jijiao_domain::Hours;
use jijiao_domain::document::parse;
use jijiao_domain::org::Delivery;
use jijiao_domain::score::{
    Courseware, Days, ExecutionReport, FormChange, Period, Plan, PlannedPeriod, Survey, evaluate,
};

const REPORTS: usize = 20_000;
const THREADS: usize = 2;
const PROVINCES: [&str; 10] =
    ["北京市", "天津市", "河北省", "山西省", "上海市", "江苏省", "浙江省", "广东省", "四川省", "河南省"];
const TEACHERS: [&str; 8] = ["张三", "李四", "王五", "赵六", "钱七", "孙八", "周九", "吴十"];

/// A small deterministic generator (xorshift64*), so every run scores the same reports.
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

    fn answers(&mut self) -> [u32; 3] {
        [self.below(100) as u32, self.below(60) as u32, self.below(20) as u32]
    }
}

fn teachers(rng: &mut Rng, at_least: usize, extra: u64) -> Vec<String> {
    let count = at_least + rng.below(extra) as usize;
    let first = rng.below(TEACHERS.len() as u64) as usize;
    (0..count).map(|i| TEACHERS[(first + i) % TEACHERS.len()].to_string()).collect()
}

fn report(rng: &mut Rng, number: usize) -> ExecutionReport {
    let delivery = if rng.chance(70) { Delivery::FaceToFace } else { Delivery::Remote };
    let planned_teachers = teachers(rng, 2, 5);
    let leader = planned_teachers[0].clone();
    let plan_days = 10 + 5 * rng.below(6) as i64;
    let plan_hours = 60 + 5 * rng.below(40) as i64;
    let base = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
    let periods = (0..1 + rng.below(6))
        .map(|_| {
            let planned_start = base + chrono::Duration::days(rng.below(270) as i64);
            let length = plan_days / 10 - 1;
            let shift = if rng.chance(15) { 7 } else { 0 };
            let start = planned_start + chrono::Duration::days(shift);
            let end = start + chrono::Duration::days(length);
            let remote = delivery == Delivery::Remote;
            let learners: BTreeMap<String, u32> = (0..1 + rng.below(8))
                .map(|_| {
                    let province = PROVINCES[rng.below(PROVINCES.len() as u64) as usize];
                    (province.to_string(), 1 + rng.below(120) as u32)
                })
                .collect();
            Period {
                held: rng.chance(95),
                planned: (!remote).then(|| PlannedPeriod {
                    start: planned_start,
                    end: planned_start + chrono::Duration::days(length),
                    place: "会议中心".into(),
                }),
                filed_on: (!remote && rng.chance(90)).then(|| start - chrono::Duration::days(rng.below(40) as i64)),
                start: (!remote).then_some(start),
                end: (!remote).then_some(end),
                place: (!remote).then(|| if rng.chance(10) { "某酒店" } else { "会议中心" }.into()),
                province: (!remote).then(|| PROVINCES[rng.below(PROVINCES.len() as u64) as usize].into()),
                scenic_area: !remote && rng.chance(3),
                form_change: (!remote).then(|| match rng.below(10) {
                    0 => FormChange::Full,
                    1 | 2 => FormChange::Partial,
                    _ => FormChange::None,
                }),
                days: Some(Days::from_tenths(plan_days - 5 + 5 * rng.below(3) as i64)),
                hours: Some(Hours::from_tenths(plan_hours - 30 + rng.below(60) as i64)),
                teachers: teachers(rng, 1, 6),
                reported_on: (!remote && rng.chance(90)).then(|| end + chrono::Duration::days(rng.below(30) as i64)),
                learners_by_province: learners,
                survey: Some(Survey {
                    q1: rng.answers(),
                    q2: rng.answers(),
                    q3: rng.answers(),
                    q4: rng.answers(),
                    q5: rng.answers(),
                    q6: rng.answers(),
                    q7: None,
                    form: rng.chance(50).then(|| rng.answers()),
                }),
                upload_cycle_months: remote.then(|| [1, 2, 3, 6, 12][rng.below(5) as usize]),
                courseware: remote.then(|| Courseware {
                    no_seek: rng.chance(90),
                    single_courseware: rng.chance(90),
                    learning_state_check: rng.chance(90),
                }),
            }
        })
        .collect();
    ExecutionReport {
        project_number: format!("2025-{:02}-{:02}-{number:05}（国）", 1 + number % 24, 1 + number % 9),
        delivery,
        applicant_province: PROVINCES[rng.below(PROVINCES.len() as u64) as usize].into(),
        plan: Plan {
            days: Some(Days::from_tenths(plan_days)),
            hours: Some(Hours::from_tenths(plan_hours)),
            teachers: planned_teachers,
            leader,
        },
        periods,
    }
}

/// Runs `work` over the items split across `THREADS` scoped threads; returns the summed results.
fn on_two_cores<T: Sync>(items: &[T], work: impl Fn(&T) -> u64 + Sync) -> (u64, Duration) {
    let started = Instant::now();
    let chunk = items.len().div_ceil(THREADS);
    let sum = std::thread::scope(|scope| {
        let handles: Vec<_> =
            items.chunks(chunk).map(|part| scope.spawn(|| part.iter().map(&work).sum::<u64>())).collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    (sum, started.elapsed())
}

fn main() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let reports: Vec<ExecutionReport> = (0..REPORTS).map(|i| report(&mut rng, i)).collect();
    let periods: usize = reports.iter().map(|r| r.periods.len()).sum();
    let texts: Vec<String> = reports.iter().map(|r| serde_json::to_string(r).unwrap()).collect();

    // Scoring only: every item, explanations included, of every period.
    let (checksum, elapsed) = on_two_cores(&reports, |r| {
        let output = evaluate(std::hint::black_box(r));
        output.score.tenths() as u64
    });
    println!(
        "evaluate: {REPORTS} reports ({periods} periods) on {THREADS} threads in {:.1} ms: {:.0} reports/s (checksum {checksum})",
        elapsed.as_secs_f64() * 1000.0,
        REPORTS as f64 / elapsed.as_secs_f64()
    );

    // What `jijiao check score --json` does per file: parse, score, write JSON.
    let (bytes, elapsed) = on_two_cores(&texts, |text| {
        let report: ExecutionReport = parse(text).expect("generated reports are valid");
        serde_json::to_string(&evaluate(&report)).unwrap().len() as u64
    });
    println!(
        "parse + evaluate + JSON: {REPORTS} reports in {:.1} ms: {:.0} reports/s ({bytes} bytes of output)",
        elapsed.as_secs_f64() * 1000.0,
        REPORTS as f64 / elapsed.as_secs_f64()
    );
}
