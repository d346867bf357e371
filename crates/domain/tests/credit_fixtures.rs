//! The example Activities files of formats.md, read and evaluated end to end with asserted totals.

use std::path::PathBuf;

use jijiao_domain::Credits;
use jijiao_domain::credits::{Activities, RuleSettings, evaluate, render_text, validate};
use jijiao_domain::document::parse;

fn fixture(name: &str) -> Activities {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/credits").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse::<Activities>(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn credits(text: &str) -> Credits {
    Credits::parse(text).unwrap()
}

#[test]
fn year_2025_follows_the_2024_rules() {
    let doc = fixture("year_2025.json");
    let settings = RuleSettings::default();
    assert_eq!(validate(&doc, &settings), Ok(()));
    let report = evaluate(&doc, &settings);
    let earned: Vec<(&str, String, &str)> =
        report.activities.iter().map(|a| (a.id.as_str(), a.credits.to_string(), a.rule)).collect();
    assert_eq!(
        earned,
        [
            ("a1", "6.0".to_string(), "project.participant"),
            ("a2", "25.0".to_string(), "further_training.full_year"),
            ("a3", "0.5".to_string(), "practice.speaker_single"),
            ("a4", "8.0".to_string(), "self_study.granted"),
            ("a5", "2.0".to_string(), "other.recorded"),
        ]
    );
    assert_eq!(report.total, credits("41.5"));
    assert!(report.compliant);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["activities"][0]["explanation"], "参加者 18 学时 ÷ 3 = 6.0 学分");
    assert_eq!(
        json["by_kind"],
        serde_json::json!({ "project": "6.0", "further_training": "25.0", "practice": "0.5",
                            "self_study": "8.0", "other": "2.0" })
    );
    assert_eq!(json["total"], "41.5");
    assert_eq!(json["required"], "25.0");
    let text = render_text(&report);
    assert!(text.contains("合计 41.5 学分"), "{text}");
    assert!(text.contains("结论：已达到本年度学分要求。"), "{text}");
}

#[test]
fn legacy_2023_is_shown_as_recorded_and_judged_by_classes() {
    let doc = fixture("legacy_2023.json");
    let settings = RuleSettings::default();
    assert_eq!(validate(&doc, &settings), Ok(()));
    let report = evaluate(&doc, &settings);
    assert_eq!(report.by_kind.get("I"), Some(credits("12")));
    assert_eq!(report.by_kind.get("II"), Some(credits("16.5")));
    assert_eq!(report.total, credits("28.5"));
    // I类 ≥ 5, II类 ≥ 15, min(12, 10) + min(16.5, 20) = 26.5 ≥ 25.
    assert!(report.compliant);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["by_kind"], serde_json::json!({ "I": "12.0", "II": "16.5" }));
    assert_eq!(json["activities"][3]["rule"], "legacy.class_ii");
    assert!(render_text(&report).contains("II类学分：16.5 学分"));
}

#[test]
fn records_that_cannot_count_are_rejected_by_id() {
    let doc = fixture("outside_year_2025.json");
    let settings = RuleSettings::default();
    let problems = validate(&doc, &settings).unwrap_err().to_string();
    assert_eq!(
        problems,
        "activities[1].end: 活动“a2”结束于 2024-12-31，不在 2025 年内：学分计入活动结束的年度，应填入该年度的文件\n\
         activities[2].type: 活动“l1”结束于 2025-01-10：2025-01-01 及以后结束的活动按 2024 版办法计算学分，不能按原 I类/II类学分记录填写"
    );
    // Evaluated anyway, they are listed with their reason and not counted.
    let report = evaluate(&doc, &settings);
    assert_eq!(report.total, credits("1.0"));
    assert_eq!(report.activities[1].rule, "activity.outside_year");
    assert_eq!(report.activities[2].rule, "activity.legacy_after_switch");
}
