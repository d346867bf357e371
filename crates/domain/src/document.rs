//! Reading the JSON interchange documents (formats.md) with errors that name the field path.
//!
//! Every document type denies unknown fields; this module turns serde's English messages into the
//! Chinese ones users read (`periods[1].start: 日期格式应为 YYYY-MM-DD`), so the CLI (exit 2) and the
//! API (422) report bad input the same way.

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

/// A document that could not be read: where, and why (in Chinese).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[error("{}", self.render())]
pub struct DocumentError {
    /// The field path, e.g. `periods[1].start`; empty for the whole document.
    pub path: String,
    pub message: String,
}

impl DocumentError {
    fn render(&self) -> String {
        if self.path.is_empty() || self.path == "." {
            self.message.clone()
        } else {
            format!("{}: {}", self.path, self.message)
        }
    }
}

/// Parses a document, rejecting unknown fields and naming the path of the first problem.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, DocumentError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let value = result.map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            DocumentError {
                path: String::new(),
                message: format!("不是有效的 JSON（第{}行第{}列）", inner.line(), inner.column()),
            }
        } else {
            translate(path, &inner.to_string())
        }
    })?;
    de.end().map_err(|e| DocumentError {
        path: String::new(),
        message: format!("JSON 之后还有多余内容（第{}行第{}列）", e.line(), e.column()),
    })?;
    Ok(value)
}

/// serde_json appends " at line L column C" to data errors; the path already says where.
fn strip_position(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    }
}

fn between_backticks(text: &str) -> Option<&str> {
    let start = text.find('`')? + 1;
    let end = start + text[start..].find('`')?;
    Some(&text[start..end])
}

fn translate(path: String, message: &str) -> DocumentError {
    let message = strip_position(message);
    let path = if path == "." { String::new() } else { path };
    // serde_path_to_error already ends the path with an unknown field, but not with a missing one.
    let chinese = if message.starts_with("unknown field ") {
        "未知字段，文件中不应有此项".to_string()
    } else if let Some(rest) = message.strip_prefix("missing field ") {
        let field = between_backticks(rest).unwrap_or(rest);
        let path = join(&path, field);
        return DocumentError { path, message: "缺少必填字段".to_string() };
    } else if let Some(rest) = message.strip_prefix("unknown variant ") {
        let value = between_backticks(rest).unwrap_or(rest);
        let expected: Vec<&str> =
            rest.split_once("expected ").map(|(_, e)| e.split('`').skip(1).step_by(2).collect()).unwrap_or_default();
        format!("未知取值“{value}”，应为 {} 之一", expected.join("、"))
    } else if let Some(rest) = message.strip_prefix("invalid type: ") {
        let expected = rest.split_once(", expected ").map_or(rest, |(_, e)| e);
        format!("类型错误，应为{}", expected_in_chinese(expected))
    } else if let Some(rest) = message.strip_prefix("invalid value: ") {
        let expected = rest.split_once(", expected ").map_or(rest, |(_, e)| e);
        format!("取值错误，应为{}", expected_in_chinese(expected))
    } else if message.starts_with("invalid length") {
        "数组长度不对".to_string()
    } else if message.starts_with("duplicate field") {
        "字段重复".to_string()
    } else {
        message.to_string()
    };
    DocumentError { path, message: chinese }
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() { field.to_string() } else { format!("{path}.{field}") }
}

fn expected_in_chinese(expected: &str) -> String {
    let e = expected.trim();
    if e.starts_with("u8")
        || e.starts_with("u16")
        || e.starts_with("u32")
        || e.starts_with("u64")
        || e.starts_with("i32")
        || e.starts_with("i64")
        || e.starts_with("usize")
    {
        "非负整数".to_string()
    } else if e.starts_with("f64") || e.starts_with("f32") {
        "数字".to_string()
    } else if e == "a string" || e.starts_with("a string") {
        "字符串".to_string()
    } else if e == "a boolean" {
        "true 或 false".to_string()
    } else if e.starts_with("a sequence") {
        "数组".to_string()
    } else if e.starts_with("struct") || e.starts_with("a map") {
        "对象".to_string()
    } else {
        e.to_string()
    }
}

/// `YYYY-MM-DD` dates with the message formats.md gives.
pub fn date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_date(&text).ok_or_else(|| serde::de::Error::custom("日期格式应为 YYYY-MM-DD"))
}

/// An optional `YYYY-MM-DD` date (`null` for none).
pub fn optional_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<NaiveDate>, D::Error> {
    let text = Option::<String>::deserialize(deserializer)?;
    match text {
        None => Ok(None),
        Some(t) => parse_date(&t).map(Some).ok_or_else(|| serde::de::Error::custom("日期格式应为 YYYY-MM-DD")),
    }
}

/// Strict `YYYY-MM-DD` (ten characters, a real date).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    // The shape first: chrono's `%Y` and `%m` accept a sign and skip spaces ("2024-\n9-02" and
    // "-012-01-01" were found by fuzzing), and the format is strict.
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inputs the date fuzz target found (fuzz/artifacts/date): not the strict `YYYY-MM-DD`.
    #[test]
    fn only_the_strict_date_shape_is_a_date() {
        for text in ["0001- 1-01", "2024-\n9-02", "-012-01-01", "2024/09/02", "２０２４-09-02", "2024-9-002"] {
            assert_eq!(parse_date(text), None, "{text:?}");
        }
        assert_eq!(parse_date("2024-02-29"), NaiveDate::from_ymd_opt(2024, 2, 29));
        assert_eq!(parse_date("2023-02-29"), None);
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        year: crate::Year,
        periods: Vec<Period>,
        kind: Kind,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Period {
        #[serde(deserialize_with = "date")]
        start: NaiveDate,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Recommended,
        Promoted,
    }

    fn err(text: &str) -> String {
        parse::<Doc>(text).unwrap_err().to_string()
    }

    #[test]
    fn errors_name_the_path_in_chinese() {
        let ok = r#"{"year":2025,"periods":[{"start":"2025-05-10"}],"kind":"recommended"}"#;
        assert!(parse::<Doc>(ok).is_ok());
        assert_eq!(
            err(r#"{"year":2025,"periods":[{"start":"2025-05-10"},{"start":"2025/05/10"}],"kind":"promoted"}"#),
            "periods[1].start: 日期格式应为 YYYY-MM-DD"
        );
        assert_eq!(
            err(r#"{"year":2025,"periods":[],"kind":"x"}"#),
            "kind: 未知取值“x”，应为 recommended、promoted 之一"
        );
        assert_eq!(
            err(r#"{"year":2025,"periods":[],"kind":"promoted","extra":1}"#),
            "extra: 未知字段，文件中不应有此项"
        );
        assert_eq!(err(r#"{"year":2025,"kind":"promoted"}"#), "periods: 缺少必填字段");
        assert_eq!(err(r#"{"year":"2025","periods":[],"kind":"promoted"}"#), "year: 类型错误，应为非负整数");
        assert_eq!(err(r#"{"year":3000,"periods":[],"kind":"promoted"}"#), "year: 年度“3000”应在1900年至2200年之间");
        assert_eq!(
            err(r#"{"year":2025,"periods":[{"start":"2025-05-10","x":1}],"kind":"promoted"}"#),
            "periods[0].x: 未知字段，文件中不应有此项"
        );
        assert!(err("{not json").starts_with("不是有效的 JSON"));
    }
}
