//! The example execution reports shipped with the score engine parse and score as documented.

use std::path::PathBuf;

use jijiao_domain::document::parse;
use jijiao_domain::org::Delivery;
use jijiao_domain::score::{ExecutionReport, Item, evaluate, render_text};

fn fixture(name: &str) -> ExecutionReport {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "fixtures", "score", name].iter().collect();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn face_to_face_full_marks() {
    let report = fixture("face_to_face_full.json");
    assert_eq!(report.delivery, Delivery::FaceToFace);
    let output = evaluate(&report);
    let totals: Vec<u32> = output.periods.iter().map(|p| p.total).collect();
    assert_eq!(totals, [100, 100], "{}", render_text(&output));
    assert_eq!(output.score.to_string(), "100.0");
    let json = serde_json::to_value(&output).unwrap();
    assert_eq!(json["score"], "100.0");
    assert_eq!(json["periods"][1]["items"]["score.1.1.1"], 10);
    assert_eq!(json["periods"][1]["explanations"]["score.1.1.1"], "报备于2025-10-04，距开班14天（≥14天）：10分");
}

#[test]
fn remote_scores_per_period_and_means_them() {
    let report = fixture("remote.json");
    assert_eq!(report.delivery, Delivery::Remote);
    let output = evaluate(&report);
    let text = render_text(&output);
    let first = &output.periods[0];
    assert_eq!(first.points(Item::UploadCycle), Some(10), "{text}");
    assert_eq!(first.points(Item::OutOfProvinceShare), Some(10), "{text}");
    assert_eq!(first.points(Item::ProvinceCount), Some(10), "{text}");
    assert_eq!(first.total, 75, "{text}");
    let second = &output.periods[1];
    assert_eq!(second.points(Item::UploadCycle), Some(5), "{text}");
    assert_eq!(second.points(Item::DurationChange), Some(3), "{text}");
    assert_eq!(second.points(Item::LeaderTaught), Some(0), "{text}");
    assert_eq!(second.points(Item::TeachersChanged), Some(3), "{text}");
    assert_eq!(second.points(Item::Courseware), Some(0), "{text}");
    assert_eq!(second.points(Item::Satisfaction), Some(7), "{text}");
    assert_eq!(second.total, 58, "{text}");
    // (75 + 58) / 2 = 66.5
    assert_eq!(output.score.to_string(), "66.5");
    assert!(text.contains("项目得分（2期得分的平均值，保留一位小数，四舍五入）：66.5分"));
}
