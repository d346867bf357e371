//! The input guard: what every request must satisfy before any handler runs, and the Chinese
//! answer for what the extractors refuse.
//!
//! PostgreSQL refuses a NUL in text (SQLite stores it), so control characters are refused here for
//! every route at once: in path segments, query parameters, form fields, the text parts of
//! multipart forms and the strings of JSON bodies, each refusal naming its field (422). Bodies are
//! bounded here too: imports take files up to [`UPLOAD_LIMIT`], everything else [`BODY_LIMIT`].
//! Finally, the plain-text English refusals of axum's extractors (a path parameter that is not a
//! number, a query that does not parse, a wrong content type, a body too large) are answered as
//! the API's JSON error or the Chinese error page, centrally instead of in each handler.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::ApiError;

/// The largest import file (issue 14: a real 14,482-row CSV is 2.2 MB; the spreadsheet readers
/// bound what a file inflates to).
pub const UPLOAD_LIMIT: usize = 50 * 1024 * 1024;
/// Every other body: forms and JSON documents are far smaller.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The routes that take an import file: the API's raw bodies and the pages' multipart forms. A
/// test checks that every route of the table with "import" in its path is listed.
pub const UPLOAD_ROUTES: &[&str] = &[
    "/api/v1/credit-records/import",
    "/api/v1/credit-records/legacy-import",
    "/api/v1/projects/import",
    "/api/v1/subjects/import",
    "/credits/register/import",
    "/credits/legacy/import",
    "/publication/import",
    "/admin/reference/subjects",
];

/// Routes with path parameters that take files (a filing's notice, inspection photos: up to 10 of
/// 10 MB each, within [`UPLOAD_LIMIT`] a request); `{…}` stands for one segment. Their JSON and text
/// fields are still checked here; only the raw-file imports of [`UPLOAD_ROUTES`] skip that.
pub const UPLOAD_PATTERNS: &[&str] = &[
    "/api/v1/projects/{number}/periods/{n}/filing",
    "/api/v1/projects/{number}/periods/{n}/inspections",
    "/api/v1/projects/{number}/periods/{n}/own-inspection",
    "/events/{number}/{n}/filing",
    "/events/{number}/{n}/inspect",
    "/events/{number}/{n}/own",
];

fn matches_pattern(pattern: &str, path: &str) -> bool {
    let (mut a, mut b) = (pattern.split('/'), path.split('/'));
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(p), Some(s)) if (p.starts_with('{') && !s.is_empty()) || p == s => {}
            _ => return false,
        }
    }
}

/// Whether `path` takes files up to [`UPLOAD_LIMIT`].
pub fn is_upload(path: &str) -> bool {
    UPLOAD_ROUTES.contains(&path) || UPLOAD_PATTERNS.iter().any(|p| matches_pattern(p, path))
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// C0 controls other than tab, line feed and carriage return (multi-line text keeps those), and
/// DEL. The rule is on bytes: every such character is one byte in UTF-8.
fn is_refused_byte(b: u8) -> bool {
    (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f
}

fn has_refused_control(text: &str) -> bool {
    text.bytes().any(is_refused_byte)
}

/// `%XX` decoded, everything else as it is (for finding control characters only).
fn percent_decoded(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((high * 16 + low) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// A same-site path to go to after login: one leading `/`, no `//` (another host), no backslash
/// (browsers read it as `/`), no control character (it would not fit in a `Location` header).
pub fn is_same_site_path(next: &str) -> bool {
    next.starts_with('/')
        && !next.contains("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
        && !percent_decoded(next).iter().any(|b| b.is_ascii_control() || *b == b'\\')
}

/// The refusal of a control character in `field`: the API's JSON error or the error page (422).
fn refuse_control(api: bool, field: &str) -> Response {
    let field: String = field.chars().map(|c| if c.is_control() { '?' } else { c }).collect();
    if api {
        ApiError::invalid(field.clone(), format!("“{field}”含有不允许的控制字符")).into_response()
    } else {
        crate::pages::error_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "输入有误",
            &format!("“{field}”含有不允许的控制字符（如空字符），请删除后重新提交。"),
        )
    }
}

fn too_large(api: bool, limit: usize) -> Response {
    let message = if limit >= UPLOAD_LIMIT {
        format!("上传的文件过大，不能超过 {} MB", limit / (1024 * 1024))
    } else {
        format!("请求内容过大，不能超过 {} MB", limit / (1024 * 1024))
    };
    if api {
        ApiError::TooLarge(message).into_response()
    } else {
        crate::pages::error_page(StatusCode::PAYLOAD_TOO_LARGE, "内容过大", &message)
    }
}

/// The path segments, query parameters and body of every request (see the module's comment);
/// empty query parameters are dropped, so `?year=` means no filter, as if it were absent.
pub async fn inspect(mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let api = is_api(&path);
    if path.split('/').any(|segment| percent_decoded(segment).into_iter().any(is_refused_byte)) {
        return refuse_control(api, "path");
    }
    if let Some(query) = request.uri().query() {
        if let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(query)
            && let Some((key, _)) = pairs.iter().find(|(k, v)| has_refused_control(k) || has_refused_control(v))
        {
            return refuse_control(api, key);
        }
        let kept = without_empty_parameters(query);
        if kept.len() != query.len() {
            let path_and_query = if kept.is_empty() { path.clone() } else { format!("{path}?{kept}") };
            let mut parts = request.uri().clone().into_parts();
            if let Ok(pq) = path_and_query.parse() {
                parts.path_and_query = Some(pq);
                if let Ok(uri) = Uri::from_parts(parts) {
                    *request.uri_mut() = uri;
                }
            }
        }
    }

    let content_type =
        request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let multipart = content_type.starts_with("multipart/form-data");
    let upload = is_upload(&path);
    let limit = if upload { UPLOAD_LIMIT } else { BODY_LIMIT };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return too_large(api, limit);
    }
    // An import's raw file is not text and is read by the handler (within the same limit, set by
    // the router's `DefaultBodyLimit`); everything else is small and read here once.
    if upload && !multipart && UPLOAD_ROUTES.contains(&path.as_str()) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(e) if is_length_limit(&e) => return too_large(api, limit),
        Err(_) => {
            let message = "请求内容读取失败，请重试";
            return if api {
                ApiError::BadRequest(message.into()).into_response()
            } else {
                crate::pages::error_page(StatusCode::BAD_REQUEST, "请求无效", message)
            };
        }
    };
    let field = if bytes.is_empty() {
        None
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .ok()
            .and_then(|pairs| pairs.into_iter().find(|(k, v)| has_refused_control(k) || has_refused_control(v)))
            .map(|(k, _)| k)
    } else if multipart {
        multipart_text_with_control(&parts, bytes.clone()).await
    } else {
        // The API reads its JSON documents whatever the content type says, so any body that
        // parses as JSON is checked as JSON; one that does not is the handler's to refuse.
        serde_json::from_slice::<serde_json::Value>(&bytes).ok().and_then(|value| json_control_path(&value, ""))
    };
    if let Some(field) = field {
        return refuse_control(api, &field);
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// The query string without parameters whose value is empty (`year=` or a bare `year`).
fn without_empty_parameters(query: &str) -> String {
    query
        .split('&')
        .filter(|pair| match pair.split_once('=') {
            Some((key, value)) => !key.is_empty() && !value.is_empty(),
            None => false,
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = e.source();
    }
    false
}

/// The name of the first text part (a part without a file name) holding a control character.
/// A form that does not parse is the handler's to refuse.
async fn multipart_text_with_control(parts: &axum::http::request::Parts, bytes: Bytes) -> Option<String> {
    let request = Request::from_parts(parts.clone(), Body::from(bytes));
    let mut multipart = Multipart::from_request(request, &()).await.ok()?;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.file_name().is_some() {
            continue;
        }
        let name = field.name().unwrap_or_default().to_string();
        if let Ok(text) = field.text().await
            && has_refused_control(&text)
        {
            return Some(name);
        }
    }
    None
}

/// The path (`periods[1].start`) of the first string, or object key, holding a control character.
fn json_control_path(value: &serde_json::Value, path: &str) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(text) => {
            has_refused_control(text).then(|| if path.is_empty() { "body".into() } else { path.into() })
        }
        Value::Array(items) => {
            items.iter().enumerate().find_map(|(i, item)| json_control_path(item, &format!("{path}[{i}]")))
        }
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            let inner = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            if has_refused_control(key) { Some(inner) } else { json_control_path(item, &inner) }
        }),
        _ => None,
    }
}

/// Replaces the plain-text refusals of axum's extractors and routers (English, `text/plain`) by
/// the API's JSON error in Chinese or the Chinese error page. Handlers never answer plain text.
pub async fn chinese_rejections(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let query = request.uri().query().unwrap_or_default().to_string();
    let api = is_api(&path);
    let upload = is_upload(&path);
    let response = next.run(request).await;
    let status = response.status();
    let plain_text = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if !(status.is_client_error() && plain_text) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let detail = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let detail = String::from_utf8_lossy(&detail);
    tracing::debug!(%status, %detail, "refused by an extractor");
    let mut answer = if status == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(api, if upload { UPLOAD_LIMIT } else { BODY_LIMIT })
    } else {
        let (error, heading) = rejection_in_chinese(status, &detail, &path, &query);
        // A value a domain type refused with its own reason (a year out of range) is invalid
        // input, as the same value is when an operation checks it; other refusals keep axum's status.
        let status = if matches!(error, ApiError::InvalidInput { .. }) { error.status() } else { status };
        if api {
            let mut r = error.into_response();
            *r.status_mut() = status;
            r
        } else {
            crate::pages::error_page(status, heading, &error.to_string())
        }
    };
    // Keep what the refusal says besides its body (`Allow`, `Retry-After`).
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(value) = parts.headers.get(&name) {
            answer.headers_mut().insert(name, value.clone());
        }
    }
    answer
}

/// The Chinese error for one of axum's refusals, recognised by its status and English text; a
/// parameter that did not parse is named, with the value given (issue 18), from the query string
/// or the route the path matched.
fn rejection_in_chinese(status: StatusCode, detail: &str, path: &str, query: &str) -> (ApiError, &'static str) {
    if status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
        return (ApiError::UnsupportedMediaType("请求的内容类型（Content-Type）不正确".into()), "请求无效");
    }
    // axum names the parameter (`…query string: year: …`); a reason in Chinese is a domain type's own
    // (`年度“3000”应在1900年至2200年之间`) and is passed on as invalid input of that field.
    if let Some((field, reason)) =
        detail.split_once("query string: ").and_then(|(_, rest)| rest.split_once(": ")).filter(|(f, _)| *f != ".")
    {
        if reason.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
            return (ApiError::invalid(field, reason.trim()), "请求无效");
        }
        let value = serde_urlencoded::from_str::<Vec<(String, String)>>(query)
            .ok()
            .and_then(|pairs| pairs.into_iter().rev().find(|(k, _)| k == field).map(|(_, v)| v));
        return (ApiError::BadRequest(query_refusal(field, value.as_deref(), reason)), "请求无效");
    }
    if detail.starts_with("Invalid URL") || detail.contains("path param") {
        let message = match path_value(detail).and_then(|value| Some((path_parameter(path, &value)?, value))) {
            Some((name, value)) => {
                format!("网址中的“{}”不是有效的{}（参数 {name}），请检查链接", shown(&value), parameter_label(&name))
            }
            None => "网址中的参数无效，请检查链接".to_string(),
        };
        return (ApiError::BadRequest(message), "请求无效");
    }
    let message = if detail.contains("query string") {
        "查询参数的格式不正确"
    } else if detail.contains("JSON") || detail.contains("json") {
        "请求内容不是有效的 JSON 文档"
    } else if detail.contains("form") || detail.contains("multipart") || detail.contains("boundary") {
        "提交的表单不完整或格式不正确"
    } else {
        "请求无效"
    };
    let error = if status == StatusCode::UNPROCESSABLE_ENTITY {
        ApiError::InvalidInput { field: None, message: message.into() }
    } else {
        ApiError::BadRequest(message.into())
    };
    (error, "请求无效")
}

/// A value as a message shows it: at most 40 characters.
fn shown(value: &str) -> String {
    let mut out: String = value.chars().take(40).collect();
    if value.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// What a parameter is, for people: the names the routes and lists use.
fn parameter_label(name: &str) -> &'static str {
    match name {
        "id" | "number" => "编号",
        "n" => "期次",
        "code" => "代码",
        "year" => "年度",
        "page" => "页码",
        "per_page" => "每页条数",
        "batch" => "批次",
        "from" => "开始日期",
        "to" => "结束日期",
        "month" => "月份",
        _ => "取值",
    }
}

/// The refusal of query parameter `field` (holding `value`), with what axum found wrong.
fn query_refusal(field: &str, value: Option<&str>, reason: &str) -> String {
    let expected = if reason.contains("digit") || reason.contains("integer") || reason.contains("number") {
        "应为正整数"
    } else if reason.contains("bool") {
        "应为 true 或 false"
    } else {
        "格式不正确"
    };
    let label = parameter_label(field);
    let named = if label == "取值" {
        format!("查询参数“{field}”")
    } else {
        format!("查询参数“{field}”（{label}）")
    };
    match value {
        Some(v) => format!("{named}的值“{}”{expected}", shown(v)),
        None => format!("{named}{expected}"),
    }
}

/// The value axum could not parse, from its message (`Cannot parse `abc` to a `i64``, or
/// `Cannot parse `id` with value `abc` …`).
fn path_value(detail: &str) -> Option<String> {
    let rest = match detail.split_once("with value `") {
        Some((_, rest)) => rest,
        None => detail.split_once("Cannot parse `")?.1,
    };
    rest.split_once('`').map(|(value, _)| value.to_string())
}

/// The route patterns with parameters (`/applications/{id}`), read once from the route table.
fn route_patterns() -> &'static [String] {
    static PATTERNS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    PATTERNS.get_or_init(|| {
        let mut patterns: Vec<String> =
            crate::route_table().into_iter().map(|r| r.path).filter(|p| p.contains('{')).collect();
        patterns.sort();
        patterns.dedup();
        patterns
    })
}

/// The name of the parameter of `path` that holds `value`, from the route `path` matches.
fn path_parameter(path: &str, value: &str) -> Option<String> {
    let segments: Vec<String> =
        path.split('/').map(|s| String::from_utf8_lossy(&percent_decoded(s)).into_owned()).collect();
    route_patterns().iter().filter(|p| matches_pattern(p, path)).find_map(|pattern| {
        pattern
            .split('/')
            .zip(&segments)
            .find(|(part, segment)| part.starts_with('{') && segment.as_str() == value)
            .map(|(part, _)| part.trim_matches(|c| c == '{' || c == '}').to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_but_not_line_breaks_are_refused() {
        assert!(has_refused_control("a\0b") && has_refused_control("\u{7f}") && has_refused_control("\u{1b}[0m"));
        assert!(!has_refused_control("第一行\r\n\t第二行"));
        assert_eq!(percent_decoded("%00a%zz%4"), b"\0a%zz%4");
    }

    /// axum's refusal of a query names the parameter; a domain type's Chinese reason is invalid
    /// input of that field (422), any other is a bad request naming it (400).
    #[test]
    fn query_refusals_name_the_parameter() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Q {
            year: Option<jijiao_domain::Year>,
            page: Option<u32>,
        }
        let refusal = |query: &str| {
            let uri: Uri = format!("/x?{query}").parse().unwrap();
            let rejection = axum::extract::Query::<Q>::try_from_uri(&uri).unwrap_err();
            rejection_in_chinese(rejection.status(), &rejection.body_text(), "/x", query).0
        };
        let out_of_range = refusal("year=3000");
        assert_eq!(out_of_range.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(out_of_range.body().field.as_deref(), Some("year"));
        assert_eq!(out_of_range.to_string(), "年度“3000”应在1900年至2200年之间");
        let not_a_number = refusal("year=abc");
        assert_eq!(not_a_number.status(), StatusCode::BAD_REQUEST);
        assert_eq!(not_a_number.to_string(), "查询参数“year”（年度）的值“abc”应为正整数");
        assert_eq!(refusal("page=-1").to_string(), "查询参数“page”（页码）的值“-1”应为正整数");
    }

    /// A path parameter that does not parse is named from the route it matched (issue 18).
    #[test]
    fn path_refusals_name_the_parameter() {
        let refusal = |path: &str, detail: &str| rejection_in_chinese(StatusCode::BAD_REQUEST, detail, path, "").0;
        let single = refusal("/applications/abc", "Invalid URL: Cannot parse `abc` to a `i64`");
        assert_eq!(single.to_string(), "网址中的“abc”不是有效的编号（参数 id），请检查链接");
        let keyed = refusal("/events/2026-03-01-001/x", "Invalid URL: Cannot parse `n` with value `x` to a `u32`");
        assert!(keyed.to_string().contains("（参数 n）") && keyed.to_string().contains("期次"), "{keyed}");
        let unknown = refusal("/no/such/route", "Invalid URL: Cannot parse `abc` to a `i64`");
        assert_eq!(unknown.to_string(), "网址中的参数无效，请检查链接");
    }

    #[test]
    fn empty_query_parameters_are_dropped() {
        assert_eq!(without_empty_parameters("year=&unit=3&flag&q=%20"), "unit=3&q=%20");
        assert_eq!(without_empty_parameters("year="), "");
    }

    #[test]
    fn json_paths_name_the_field() {
        let value = serde_json::json!({ "periods": [{ "start": "ok" }, { "start": "2025\u{0}" }] });
        assert_eq!(json_control_path(&value, "").as_deref(), Some("periods[1].start"));
        assert_eq!(json_control_path(&serde_json::json!("\u{0}"), "").as_deref(), Some("body"));
        assert_eq!(json_control_path(&serde_json::json!({ "a": "b\n" }), ""), None);
    }

    #[test]
    fn every_import_route_takes_large_files() {
        let table = crate::route_table();
        for route in table.iter().filter(|r| r.path.contains("import")) {
            assert!(UPLOAD_ROUTES.contains(&route.path.as_str()), "{} is missing from UPLOAD_ROUTES", route.path);
        }
        for path in UPLOAD_ROUTES {
            let posted = table.iter().any(|r| r.method == axum::http::Method::POST && r.path == *path);
            assert!(posted, "{path} is no POST route of the table");
        }
    }

    #[test]
    fn upload_patterns_are_routes_and_match_one_segment_each() {
        let table = crate::route_table();
        for pattern in UPLOAD_PATTERNS {
            let written = table.iter().any(|r| r.method != axum::http::Method::GET && r.path == *pattern);
            assert!(written, "{pattern} is no POST or PUT route of the table");
        }
        assert!(is_upload("/api/v1/projects/2026-03-01-001%EF%BC%88%E5%9B%BD%EF%BC%89/periods/1/inspections"));
        assert!(!is_upload("/api/v1/projects/x/periods/1/inspections/2"));
        assert!(!is_upload("/api/v1/projects/x/periods//inspections"));
        assert!(is_upload("/publication/import"));
    }

    #[test]
    fn only_same_site_paths_are_followed() {
        for good in ["/me", "/credits?year=2025", "/%E4%B8%AD"] {
            assert!(is_same_site_path(good), "{good}");
        }
        for bad in ["//evil.example", "https://evil.example", "/\\evil", "/me\r\nSet-Cookie: x", "/me%0d%0a", "me", ""]
        {
            assert!(!is_same_site_path(bad), "{bad}");
        }
    }
}
