//! Writes a sample 申报书 and 承诺书 to look at (names with 喆, 堃 and 䶮 included), and times
//! how long one 申报书 takes (the numbers of BENCHMARKS-pdf.md).
//!
//! Run: `cargo run --release -p jijiao-documents --example pdf_forms -- OUT_DIR`, then for
//! instance `pdftoppm -png -r 60 OUT_DIR/申报书.pdf OUT_DIR/page`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use jijiao_documents::pdf::{
    CommitmentInput, FormInput, HistoryYear, LeaderInput, NATIONAL_ISSUER, NATIONAL_TITLE, PeriodRow, TeacherRow,
    application_form, commitment,
};

/// A year for the tests (in range by construction).
fn y(year: u16) -> jijiao_domain::Year {
    jijiao_domain::Year::try_from(year).expect("a year in range")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).ok_or("usage: pdf_forms OUT_DIR")?);
    std::fs::create_dir_all(&dir)?;
    let form = FormInput {
        title: NATIONAL_TITLE.into(),
        year: Some(y(2025)),
        issuer: NATIONAL_ISSUER.into(),
        application_code: "03-03-01-001".into(),
        project_name: "心力衰竭规范化诊疗新进展学习班".into(),
        subject: "临床内科学-心血管病学".into(),
        leader_name: "王喆".into(),
        applicant: "首都医科大学附属北京安贞医院".into(),
        application_date: NaiveDate::from_ymd_opt(2024, 11, 20),
        audience: "各级医院心血管内科及全科医师".into(),
        planned_enrollment: "200".into(),
        total_hours: "36".into(),
        theory_hours: "30".into(),
        practice_hours: "6".into(),
        outside_province_share: "20".into(),
        grassroots_share: "10".into(),
        unit_phone: "010-64456789".into(),
        unit_contact: "刘䶮".into(),
        leader_address: "北京市朝阳区安贞路2号".into(),
        leader_phone: "13800138000".into(),
        peer_reviewer: "李堃  主任医师  北京大学第一医院".into(),
        recommendation: "本项目围绕心力衰竭规范化诊疗这一临床紧缺领域，系统讲授最新国内外心衰指南。".repeat(6),
        authority_opinions: vec!["省级卫生健康行政部门意见".into()],
        leader: LeaderInput {
            name: "王喆".into(),
            gender: "男".into(),
            birth_month: "1968年3月".into(),
            id_number: "110105196803151233".into(),
            title: "主任医师".into(),
            post: "科主任".into(),
            education: "博士研究生".into(),
            employer: "首都医科大学附属北京安贞医院".into(),
            in_post: "是".into(),
            specialty: "临床内科学-心血管病学".into(),
            achievements: "长期从事心力衰竭与心血管危重症的临床诊疗、教学和科研工作。".repeat(10),
        },
        history: vec![
            HistoryYear { year: Some(y(2022)), ..HistoryYear::default() },
            HistoryYear {
                year: Some(y(2023)),
                national: vec!["2023-03-01-045（国）".into()],
                executed: Some(true),
                ..HistoryYear::default()
            },
            HistoryYear {
                year: Some(y(2024)),
                provincial: vec!["2024-03-01-112（京）".into()],
                executed: Some(true),
                ..HistoryYear::default()
            },
        ],
        unit_situation: "医院设有继续医学教育委员会和科教处，由主管副院长负责。".repeat(12),
        teachers: vec![TeacherRow {
            name: "李堃".into(),
            title: "副主任医师".into(),
            method: "讲授".into(),
            employer: "首都医科大学附属北京安贞医院".into(),
            topic: "指南导向的药物治疗优化".into(),
            hours: "6".into(),
        }],
        periods: vec![PeriodRow {
            dates: "2025年5月10日至5月12日".into(), place: "北京市朝阳区安贞路2号".into()
        }],
        ..FormInput::default()
    };
    // The first form also parses the embedded font (once per process); time it on its own.
    let start = Instant::now();
    let pdf = application_form(&form)?;
    let first = start.elapsed();
    std::fs::write(dir.join("申报书.pdf"), &pdf)?;
    let promise = CommitmentInput { project_name: form.project_name.clone() };
    std::fs::write(dir.join("承诺书.pdf"), commitment(&promise)?)?;
    println!("wrote {}", dir.display());

    const RUNS: usize = 20;
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let pdf = application_form(&form).expect("renders");
            std::hint::black_box(pdf);
            start.elapsed()
        })
        .collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "申报书 ({} pages, {} bytes): first {:.1} ms (with font parsing); then over {RUNS} runs min {:.1} ms, \
         median {:.1} ms, max {:.1} ms",
        pdf_pages(&pdf),
        pdf.len(),
        ms(first),
        ms(times[0]),
        ms(times[RUNS / 2]),
        ms(times[RUNS - 1]),
    );
    Ok(())
}

/// Pages of a PDF as krilla writes them: `/Type/Page` objects, not `/Pages`.
fn pdf_pages(pdf: &[u8]) -> usize {
    let needle = b"/Type/Page";
    pdf.windows(needle.len() + 1).filter(|w| &w[..needle.len()] == needle && w[needle.len()] != b's').count()
}
