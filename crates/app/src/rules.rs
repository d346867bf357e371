//! The credit rule settings a deployment runs with (rules.md §2, §2.4): the national rules unless a
//! settings file changes them, with each province's own caps for its grassroots professionals. The
//! same JSON file serves `jijiao check credits --settings` and the server (`JIJIAO_RULES_FILE`), so a
//! province's settings checked offline are the ones the server applies.
//!
//! A person's province decides which grassroots caps apply, so it is never guessed: a person whose
//! employer is not known to sit in a province is an error ([`engine_person`]), not 北京市.

use std::path::Path;

use jijiao_domain::IdNumber;
use jijiao_domain::credits::{Person as EnginePerson, RuleSettings};

use crate::AppError;

/// Parses a settings document (formats.md: every value optional, unknown fields refused) and checks
/// that every province given grassroots caps is one the product knows.
pub fn parse_settings(text: &str) -> Result<RuleSettings, String> {
    let settings: RuleSettings = jijiao_domain::document::parse(text).map_err(|e| e.to_string())?;
    for (i, rules) in settings.grassroots.iter().enumerate() {
        if jijiao_domain::province::find(&rules.province).is_none() {
            return Err(format!("grassroots[{i}].province: 未知省份“{}”", rules.province));
        }
    }
    Ok(settings)
}

/// Reads a settings file; the message names the file.
pub fn read_settings(path: &Path) -> Result<RuleSettings, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("无法读取学分规则配置 {}：{e}", path.display()))?;
    parse_settings(&text).map_err(|e| format!("学分规则配置 {}：{e}", path.display()))
}

/// The person as the credit engine reads them: the province comes from the employer's record (a
/// two-digit code); without one the year cannot be computed under the right province's rules.
pub fn engine_person(
    name: &str,
    id_number: &IdNumber,
    province_code: Option<&str>,
    grassroots: bool,
) -> Result<EnginePerson, AppError> {
    let province = province_code.and_then(jijiao_domain::province::by_code).ok_or_else(|| {
        AppError::Conflict(format!(
            "无法确定“{name}”所在的省份（未登记所在单位，或所在单位未登记省份），不能按省级规定计算学分；请先为其登记所在单位"
        ))
    })?;
    Ok(EnginePerson { id_number: id_number.clone(), province: province.name.to_string(), grassroots })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_name_only_what_they_change_and_known_provinces_only() {
        let s =
            parse_settings(r#"{ "grassroots": [ { "province": "河北", "caps": { "remote_project": 5 } } ] }"#).unwrap();
        assert_eq!(s.grassroots[0].caps.remote_project, jijiao_domain::Credits::whole(5));
        assert_eq!(s.caps, RuleSettings::default().caps);
        let unknown = parse_settings(r#"{ "grassroots": [ { "province": "火星" } ] }"#).unwrap_err();
        assert!(unknown.contains("火星") && unknown.contains("grassroots[0]"), "{unknown}");
        assert!(parse_settings(r#"{ "caps": { "projects": 5 } }"#).is_err(), "unknown fields are refused");
    }

    #[test]
    fn a_file_that_cannot_be_read_is_named() {
        let missing = read_settings(Path::new("/nonexistent/rules.json")).unwrap_err();
        assert!(missing.contains("/nonexistent/rules.json"), "{missing}");
    }

    #[test]
    fn a_person_without_a_province_is_an_error_not_beijing() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        let hebei = engine_person("张三", &id, Some("13"), true).unwrap();
        assert_eq!((hebei.province.as_str(), hebei.grassroots), ("河北省", true));
        for code in [None, Some("99")] {
            match engine_person("张三", &id, code, false) {
                Err(AppError::Conflict(message)) => assert!(message.contains("张三") && message.contains("省份")),
                other => panic!("{code:?}: {other:?}"),
            }
        }
    }
}
