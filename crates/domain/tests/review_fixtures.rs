//! The Application fixtures read from disk and reviewed end to end, as `jijiao check application` does.

use std::path::PathBuf;

use jijiao_domain::document::parse;
use jijiao_domain::review::{Application, RULES, Severity, render_text, review};
use jijiao_domain::subject::Catalogue;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/review")
}

fn text(name: &str) -> String {
    let path = dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn fixture(name: &str) -> Application {
    parse::<Application>(&text(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_valid_fixture_passes_without_any_finding() {
    let catalogue = Catalogue::default_catalogue();
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("valid_") && n.ends_with(".json"))
        .collect();
    names.sort();
    assert_eq!(names, ["valid_national.json", "valid_provincial.json"]);
    for name in &names {
        let app = fixture(name);
        let result = review(&app, &catalogue);
        assert!(result.findings.is_empty(), "{name}:\n{}", render_text(&result));
        assert_eq!(render_text(&result), "形式审查通过\n");
        assert_eq!(
            serde_json::to_value(&result).unwrap(),
            serde_json::json!({ "ok": true, "errors": 0, "warnings": 0, "findings": [] })
        );
    }
    assert_eq!(fixture("valid_national.json").leader.name, "王建国");
    assert!(fixture("valid_provincial.json").category.is_some());
}

#[test]
fn the_invalid_fixture_reports_each_mistake_where_it_is() {
    let app = fixture("invalid_national.json");
    let result = review(&app, &Catalogue::default_catalogue());
    let found: Vec<(&str, Severity, &str)> =
        result.findings.iter().map(|f| (f.rule, f.severity, f.field.as_str())).collect();
    assert_eq!(
        found,
        [
            ("leader.title", Severity::Error, "leader.title"),
            ("title.concrete", Severity::Error, "teachers[1].title"),
            ("enrollment.min", Severity::Warning, "planned_enrollment"),
            ("text.recommendation", Severity::Error, "recommendation"),
            ("window.open", Severity::Error, "context.submitted_on"),
            ("id_number.valid", Severity::Error, "leader.id_number"),
        ]
    );
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(json["ok"], false);
    assert_eq!(json["errors"], 5);
    assert_eq!(json["warnings"], 1);
    assert_eq!(json["findings"][3]["message"], "推荐理由不少于200字，当前156字");
    let report = render_text(&result);
    assert!(report.starts_with("形式审查未通过：错误5项，警告1项"), "{report}");
    assert!(report.contains("[id_number.valid]"));
    // The ID number is personal data: a finding says what is wrong, never the number itself.
    assert!(!report.contains("110105196803151234"));
}

#[test]
fn a_broken_document_names_the_field() {
    let mut value: serde_json::Value = serde_json::from_str(&text("valid_provincial.json")).unwrap();
    value["teachers"][3]["hours"] = "三".into();
    let error = parse::<Application>(&value.to_string()).unwrap_err();
    assert_eq!(error.path, "teachers[3].hours");
    value["teachers"][3]["hours"] = 6.into();
    value["context"]["window"]["closes"] = "2024-11-31".into();
    let error = parse::<Application>(&value.to_string()).unwrap_err();
    assert_eq!(error.to_string(), "context.window.closes: 日期格式应为 YYYY-MM-DD");
}

#[test]
fn the_rule_table_is_complete() {
    // rules.md §3's 38, then the 3 beside it (issue 18 point 14).
    assert_eq!(RULES.len(), 41);
    assert_eq!(RULES[0].id, "leader.in_post");
    assert_eq!(RULES[37].id, "remote.qualified");
    assert_eq!(RULES[40].id, "leader.degree");
}
