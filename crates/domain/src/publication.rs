//! Publication of projects: project numbers (national `YYYY-SS-TT-NNN（国）`, provincial by a
//! per-province pattern) and the cells of real published lists (举办期限, 学分, 拟招生人数).
//!
//! Published lists are typed by hand in many offices, so the parsers accept every form seen in real
//! lists (real-formats.md §2–3) and reject anything else with a Chinese reason naming what is wrong;
//! a number, once given, is written in one canonical form so it can be looked up exactly.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::tenths::parse_tenths;
use crate::{Year, labelled_enum};

labelled_enum!(
    /// The kind of a published project (seed 000: 推荐项目, 推广项目, 基地项目).
    ProjectKind {
        Recommended = "recommended" / "推荐项目",
        Promoted = "promoted" / "推广项目",
        Base = "base" / "基地项目",
    }
);

/// The suffix of national numbers.
pub const NATIONAL_MARK: &str = "国";

/// The default provincial pattern; `{简称}` is the province's one-character abbreviation.
pub const DEFAULT_PROVINCIAL_PATTERN: &str = "YYYY-SS-TT-NNN（{简称}）";

/// A project number split into its parts. `mark` is what stands in the brackets: `国` for
/// national projects, the province's abbreviation for provincial ones.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProjectNumber {
    pub year: Year,
    /// Second-level subject, two digits (`04`).
    pub secondary: String,
    /// Third-level subject's own two digits (`08` of `04-08`).
    pub tertiary: String,
    pub serial: u32,
    pub mark: String,
}

impl ProjectNumber {
    /// The third-level subject code `SS-TT`.
    pub fn subject(&self) -> String {
        format!("{}-{}", self.secondary, self.tertiary)
    }

    /// The canonical text: `2024-04-08-186（国）`, serial at least three digits, full-width brackets.
    pub fn text(&self) -> String {
        format!("{}-{}-{}-{:03}（{}）", self.year, self.secondary, self.tertiary, self.serial, self.mark)
    }

    /// Reads a number as lists print it: the cell may wrap onto several lines, the brackets may be
    /// half-width or missing (`2017-09-02-144`, then `default_mark` is used), spaces are ignored.
    pub fn parse(text: &str, default_mark: Option<&str>) -> Result<Self, String> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.is_empty() {
            return Err("项目编号为空".into());
        }
        let normalised = compact.replace('(', "（").replace(')', "）");
        let (body, mark) = match normalised.split_once('（') {
            Some((body, rest)) => {
                let mark = rest.strip_suffix('）').ok_or_else(|| format!("项目编号“{}”的括号不完整", text.trim()))?;
                if mark.is_empty() || mark.chars().count() > 4 || mark.contains(['（', '）']) {
                    return Err(format!("项目编号“{}”括号中应为“国”或省份简称", text.trim()));
                }
                (body.to_string(), mark.to_string())
            }
            None => match default_mark {
                Some(m) => (normalised.clone(), m.to_string()),
                None => return Err(format!("项目编号“{}”缺少（国）或省份简称", text.trim())),
            },
        };
        let parts: Vec<&str> = body.split(['-', '－', '—']).collect();
        let shape = || format!("项目编号“{}”应形如 2024-04-08-186（国）", text.trim());
        let [year, secondary, tertiary, serial] = parts.as_slice() else {
            return Err(shape());
        };
        let digits = |s: &str, len: std::ops::RangeInclusive<usize>| {
            len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
        };
        if !digits(year, 4..=4) || !digits(secondary, 2..=2) || !digits(tertiary, 2..=2) || !digits(serial, 1..=6) {
            return Err(shape());
        }
        let year: u16 = year.parse().map_err(|_| shape())?;
        if !(1990..=2100).contains(&year) {
            return Err(format!("项目编号“{}”的年度 {year} 不合理", text.trim()));
        }
        let year = Year::try_from(year).map_err(|_| shape())?;
        if crate::subject::secondary_name(secondary).is_none() {
            return Err(format!("项目编号“{}”的二级学科代码 {secondary} 不存在（应为 01–24）", text.trim()));
        }
        let serial: u32 = serial.parse().map_err(|_| shape())?;
        if serial == 0 {
            return Err(format!("项目编号“{}”的序号不能为 0", text.trim()));
        }
        Ok(Self { year, secondary: secondary.to_string(), tertiary: tertiary.to_string(), serial, mark })
    }

    /// Reads a number from a published list of one level (formats.md, "Published lists"): a bare
    /// number takes the list's mark, and a number with another mark is an error, so a （省） or （京）
    /// number never enters a national list as a national project. `list_mark` is `国` for a national
    /// list, the province's abbreviation for a provincial one.
    pub fn parse_in_list(text: &str, list_mark: &str) -> Result<Self, String> {
        let number = Self::parse(text, Some(list_mark))?;
        if number.mark != list_mark {
            let list = if list_mark == NATIONAL_MARK {
                "国家级项目名单".to_string()
            } else {
                format!("（{list_mark}）省级项目名单")
            };
            return Err(format!(
                "项目编号“{}”的后缀为（{}），{list}只收（{list_mark}）编号",
                number.text(),
                number.mark
            ));
        }
        Ok(number)
    }

    /// Reads a number of a national list (`jijiao import projects`): `（国）`, `(国)`, ` (国)` or no
    /// bracket at all; any other suffix is an error.
    pub fn parse_national(text: &str) -> Result<Self, String> {
        Self::parse_in_list(text, NATIONAL_MARK)
    }
}

/// Why a provincial pattern cannot be used.
pub fn check_pattern(pattern: &str) -> Result<(), String> {
    if !pattern.contains("YYYY") {
        return Err("编号规则必须含年度 YYYY".into());
    }
    if !pattern.contains("NNN") {
        return Err("编号规则必须含序号 NNN".into());
    }
    if pattern.contains("TT") && !pattern.contains("SS") {
        return Err("编号规则含三级学科 TT 时也须含二级学科 SS".into());
    }
    if pattern.chars().count() > 60 {
        return Err("编号规则过长".into());
    }
    Ok(())
}

/// What a pattern's serial counts within: the third-level subject if the pattern shows it, else
/// the second-level one, else the whole year. Two projects never share a number because they
/// never share a (year, scope, key, serial).
pub fn sequence_key(pattern: &str, secondary: &str, tertiary_code: &str) -> String {
    if pattern.contains("TT") {
        tertiary_code.to_string()
    } else if pattern.contains("SS") {
        secondary.to_string()
    } else {
        String::new()
    }
}

/// Fills a pattern: `YYYY` the year, `SS` the second-level subject, `TT` the third-level's own
/// digits, `NNN` (or more N) the serial padded to that width, `{简称}` the abbreviation.
pub fn format_pattern(pattern: &str, year: Year, tertiary_code: &str, serial: u32, abbreviation: &str) -> String {
    let (secondary, tertiary) = tertiary_code.split_once('-').unwrap_or((tertiary_code, "00"));
    let mut out = String::new();
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let rest: String = chars[i..].iter().collect();
        if rest.starts_with("YYYY") {
            out.push_str(&format!("{:04}", year.get()));
            i += 4;
        } else if rest.starts_with("{简称}") {
            out.push_str(abbreviation);
            i += 4;
        } else if rest.starts_with("SS") {
            out.push_str(secondary);
            i += 2;
        } else if rest.starts_with("TT") {
            out.push_str(tertiary);
            i += 2;
        } else if chars[i] == 'N' {
            let width = chars[i..].iter().take_while(|c| **c == 'N').count();
            out.push_str(&format!("{serial:0width$}"));
            i += width;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// The national number of a project.
pub fn national_number(year: Year, tertiary_code: &str, serial: u32) -> String {
    format_pattern("YYYY-SS-TT-NNN（国）", year, tertiary_code, serial, NATIONAL_MARK)
}

/// A 举办期限 cell: the dates and, when the cell gives it, the number of days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Term {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Term {
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }
}

/// A whole date: `2024-09-02`, `2024.9.2`, `2024/09/02`, `2024年9月2日` (the `日` may be missing
/// before a range's separator: `2021年11月3-6日`).
fn parse_date_part(text: &str) -> Option<NaiveDate> {
    let t = text.trim().trim_end_matches('日');
    let t = t.replace(['年', '月', '.', '/'], "-");
    let mut it = t.split('-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || y.len() != 4 || m.is_empty() || d.is_empty() || m.len() > 2 || d.len() > 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// The end of a range as notices write it, repeating only what changes from `start`: `6日` or `6`
/// (same month), `12月2日` (same year), or a whole date.
fn parse_end_part(text: &str, start: NaiveDate) -> Option<NaiveDate> {
    let t = text.trim();
    if t.contains(['年', '.', '/', '-']) {
        return parse_date_part(t);
    }
    let t = t.strip_suffix('日').unwrap_or(t);
    let (month, day) = match t.split_once('月') {
        Some((m, d)) => (small_number(m)?, small_number(d)?),
        None => (start.month(), small_number(t)?),
    };
    NaiveDate::from_ymd_opt(start.year(), month, day)
}

/// One or two ASCII digits, as month and day are written.
fn small_number(text: &str) -> Option<u32> {
    let t = text.trim();
    if t.is_empty() || t.len() > 2 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// The dashes offices type between two dates.
const RANGE_DASHES: [char; 4] = ['-', '－', '—', '–'];

/// The places a range written with 年月日 may divide into start and end: at `至` or a tilde where
/// there is one; else at each dash (`2021年11月3-6日` has one; a start written with dashes,
/// `2021-11-03-2021年11月6日`, has several, and only one of them leaves a whole date before it);
/// else at a space.
fn notice_range_splits(body: &str) -> Vec<(&str, &str)> {
    if let Some(split) = body.split_once(['至', '~', '～']) {
        return vec![split];
    }
    let dashes: Vec<(&str, &str)> = body
        .char_indices()
        .filter(|(_, c)| RANGE_DASHES.contains(c))
        .map(|(i, c)| (&body[..i], &body[i + c.len_utf8()..]))
        .collect();
    if !dashes.is_empty() {
        return dashes;
    }
    body.split_once(char::is_whitespace).into_iter().collect()
}

/// Reads a range written with 年月日. With one place to divide it, a bad date is named; with
/// several, the one place that gives two dates is taken.
fn parse_notice_range(body: &str, original: &str) -> Result<(NaiveDate, NaiveDate), String> {
    let bad = |what: &str, t: &str| format!("举办期限“{original}”的{what}“{}”不是有效日期", t.trim());
    let shape = || format!("举办期限“{original}”应形如 2021年11月3日至6日");
    match notice_range_splits(body).as_slice() {
        [] => Err(shape()),
        [(start, end)] => {
            let start_date = parse_date_part(start).ok_or_else(|| bad("开始日期", start))?;
            Ok((start_date, parse_end_part(end, start_date).ok_or_else(|| bad("结束日期", end))?))
        }
        several => several
            .iter()
            .find_map(|(start, end)| {
                let start_date = parse_date_part(start)?;
                Some((start_date, parse_end_part(end, start_date)?))
            })
            .ok_or_else(shape),
    }
}

/// Parses 举办期限 as real lists write it: `2024-09-02-2024-09-05`, optionally followed by a line
/// (or a space) `4天`; dates with `.` or `/` (or 年月日); `至`, `~`, `—` or `－` between them; and
/// the ranges of notices, whose end repeats only what changes: `2021年11月3-6日`,
/// `2021年11月3日-6日`, `2021年11月3日至6日`, `2021年11月30日-12月2日`, `2021年12月30日-2022年1月2日`.
/// The days, when given, must agree with the dates.
pub fn parse_term(text: &str) -> Result<Term, String> {
    let original = text.trim();
    if original.is_empty() {
        return Err("举办期限为空".into());
    }
    let mut body = original.replace(['\r', '\n', '\t', '　'], " ");
    let mut days: Option<i64> = None;
    let trimmed = body.trim_end().to_string();
    if let Some(before) = trimmed.strip_suffix('天') {
        let digits: String = before.chars().rev().take_while(|c| c.is_ascii_digit()).collect();
        if digits.is_empty() {
            return Err(format!("举办期限“{original}”的天数无法识别"));
        }
        let digits: String = digits.chars().rev().collect();
        days = digits.parse().ok();
        body =
            before[..before.len() - digits.len()].trim_end().trim_end_matches([',', '，', '共', ';', '；']).to_string();
    }
    let body = body.trim();
    let (start_date, end_date) = if body.contains(['年', '月']) {
        parse_notice_range(body, original)?
    } else {
        let bad = |what: &str, t: &str| format!("举办期限“{original}”的{what}“{t}”不是有效日期");
        let (start, end) = if let Some((a, b)) = body.split_once(['至', '~', '～', '—', '－']) {
            (a.trim().to_string(), b.trim().to_string())
        } else if let Some((a, b)) = body.split_once(' ') {
            let dashes = |t: &str| t.trim().trim_matches(['-', ' ']).to_string();
            (dashes(a), dashes(b))
        } else {
            // `2024-09-02-2024-09-05`: split at the hyphen after the first date. The first date's
            // own form tells where it ends: three numeric groups.
            let unified = body.replace(['.', '/'], "-");
            let groups: Vec<&str> = unified.split('-').collect();
            if groups.len() != 6 {
                return Err(format!("举办期限“{original}”应形如 2024-09-02-2024-09-05 或 2024.09.02至2024.09.05"));
            }
            (groups[..3].join("-"), groups[3..].join("-"))
        };
        let start_date = parse_date_part(&start).ok_or_else(|| bad("开始日期", &start))?;
        (start_date, parse_date_part(&end).ok_or_else(|| bad("结束日期", &end))?)
    };
    if end_date < start_date {
        return Err(format!("举办期限“{original}”的结束日期早于开始日期"));
    }
    let term = Term { start: start_date, end: end_date };
    if term.days() > 366 {
        return Err(format!("举办期限“{original}”超过一年"));
    }
    if let Some(d) = days
        && d != term.days()
    {
        return Err(format!("举办期限“{original}”写明{d}天，但起止日期共{}天", term.days()));
    }
    Ok(term)
}

/// Parses a 举办期限 cell of several periods, one per line (a line `4天` belongs to the line before).
pub fn parse_terms(text: &str) -> Result<Vec<Term>, String> {
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let only_days = line
            .strip_suffix('天')
            .is_some_and(|d| !d.is_empty() && d.trim_start_matches('共').bytes().all(|b| b.is_ascii_digit()));
        match lines.last_mut() {
            Some(last) if only_days => {
                last.push(' ');
                last.push_str(line.trim_start_matches('共'));
            }
            _ => lines.push(line.to_string()),
        }
    }
    if lines.is_empty() {
        return Err("举办期限为空".into());
    }
    lines.iter().map(|l| parse_term(l)).collect()
}

/// Writes terms as lists print them: `2024-09-02-2024-09-05` and `4天` on the next line, one
/// period after another.
pub fn format_terms(terms: &[Term]) -> String {
    terms
        .iter()
        .map(|t| format!("{}-{}\n{}天", t.start.format("%Y-%m-%d"), t.end.format("%Y-%m-%d"), t.days()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Parses 学分 (`10`, `10分`, `8.5分`, `I类10分`) into tenths; between 0.1 and 25.
pub fn parse_credits(text: &str) -> Result<i64, String> {
    let original = text.trim();
    let t = original
        .trim_start_matches(['I', 'Ⅰ', 'Ⅱ', '类', 'Ⅰ'])
        .trim_start_matches("国家级")
        .trim_start_matches(['I', 'Ⅰ', '类'])
        .trim();
    let t = t.strip_suffix("学分").or_else(|| t.strip_suffix('分')).unwrap_or(t).trim();
    if t.is_empty() {
        return Err("学分为空".into());
    }
    let tenths = parse_tenths(t).map_err(|e| format!("学分“{original}”无法识别：{e}"))?;
    if tenths == 0 {
        return Err(format!("学分“{original}”不能为 0"));
    }
    if tenths > 250 {
        return Err(format!("学分“{original}”过大（每个项目最多 25 分）"));
    }
    Ok(tenths)
}

/// Parses 拟招生人数 (`200`, `200/…`, `200人`): the count and what follows the slash, if anything.
pub fn parse_enrollment(text: &str) -> Result<(u32, Option<String>), String> {
    let original = text.trim();
    if original.is_empty() {
        return Err("拟招生人数为空".into());
    }
    let (count, rest) = match original.split_once(['/', '／']) {
        Some((c, r)) => (c.trim(), Some(r.trim().to_string()).filter(|r| !r.is_empty())),
        None => (original, None),
    };
    let count = count.strip_suffix('人').unwrap_or(count).trim();
    let count = count.strip_suffix(".0").unwrap_or(count);
    let n: u32 = count
        .parse()
        .ok()
        .filter(|_| count.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| format!("拟招生人数“{original}”应为整数，如 200 或 200/…"))?;
    if n == 0 || n > 1_000_000 {
        return Err(format!("拟招生人数“{original}”不合理"));
    }
    Ok((n, rest))
}

/// The kind a published list implies in its 备注 column (基地, 推广), recommended otherwise.
pub fn kind_from_remarks(remarks: &str) -> ProjectKind {
    if remarks.contains("基地") {
        ProjectKind::Base
    } else if remarks.contains("推广") {
        ProjectKind::Promoted
    } else {
        ProjectKind::Recommended
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn y(year: u16) -> Year {
        Year::try_from(year).unwrap()
    }
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn numbers_as_printed_in_public_text() {
        let n = ProjectNumber::parse("2021-04-08-186（国）", None).unwrap();
        assert_eq!((n.year, n.subject(), n.serial, n.mark.as_str()), (y(2021), "04-08".to_string(), 186, "国"));
        assert_eq!(n.text(), "2021-04-08-186（国）");
        // Wrapped onto two lines, half-width brackets, bracket on its own line.
        assert_eq!(ProjectNumber::parse("2021-04-08-\n186\n(国)", None).unwrap(), n);
        // No bracket: the batch's mark is used.
        let bare = ProjectNumber::parse("2017-09-02-144", Some("国")).unwrap();
        assert_eq!(bare.text(), "2017-09-02-144（国）");
        assert!(ProjectNumber::parse("2017-09-02-144", None).unwrap_err().contains("缺少"));
        assert_eq!(ProjectNumber::parse("2024-03-01-007（京）", None).unwrap().mark, "京");
        for bad in [
            "",
            "2024-3-01-001（国）",
            "2024-25-01-001（国）",
            "2024-03-01-000（国）",
            "abcd-03-01-001（国）",
            "2024-03-01（国）",
            "2024-03-01-001（国",
        ] {
            assert!(ProjectNumber::parse(bad, Some("国")).is_err(), "{bad}");
        }
    }

    #[test]
    fn patterns() {
        assert_eq!(national_number(y(2024), "03-07", 12), "2024-03-07-012（国）");
        assert_eq!(format_pattern(DEFAULT_PROVINCIAL_PATTERN, y(2025), "14-02", 3, "京"), "2025-14-02-003（京）");
        assert_eq!(format_pattern("冀YYYYNNNN", y(2025), "14-02", 3, "冀"), "冀20250003");
        assert_eq!(national_number(y(2024), "03-07", 1234), "2024-03-07-1234（国）");
        assert!(check_pattern(DEFAULT_PROVINCIAL_PATTERN).is_ok());
        assert!(check_pattern("YYYY-TT-NNN").is_err());
        assert!(check_pattern("SS-TT-NNN").is_err());
        assert!(check_pattern("YYYY-SS").is_err());
        assert_eq!(sequence_key("YYYY-SS-TT-NNN", "03", "03-07"), "03-07");
        assert_eq!(sequence_key("YYYY-SS-NNN", "03", "03-07"), "03");
        assert_eq!(sequence_key("YYYYNNN", "03", "03-07"), "");
    }

    #[test]
    fn terms_in_every_written_form() {
        let want = Term { start: d(2024, 9, 2), end: d(2024, 9, 5) };
        for text in [
            "2024-09-02-2024-09-05",
            "2024-09-02-2024-09-05\n4天",
            "2024-09-02-2024-09-05 4天",
            "2024.09.02-2024.09.05",
            "2024/09/02-2024/09/05\r\n4天",
            "2024.09.02至2024.09.05",
            "2024-9-2至2024-9-5",
            "2024年9月2日至2024年9月5日",
            "2024/09/02 - 2024/09/05",
            "2024.09.02~2024.09.05",
        ] {
            assert_eq!(parse_term(text), Ok(want), "{text}");
        }
        assert_eq!(want.days(), 4);
        assert!(parse_term("2024-09-02-2024-09-05\n3天").unwrap_err().contains("共4天"));
        assert!(parse_term("2024-09-05-2024-09-02").unwrap_err().contains("早于"));
        assert!(parse_term("2024-02-30-2024-03-01").unwrap_err().contains("开始日期"));
        assert!(parse_term("九月").is_err());
        assert!(parse_term("").is_err());
        assert!(parse_term("2024-01-01-2025-06-01").unwrap_err().contains("超过一年"));
    }

    #[test]
    fn ranges_as_notices_write_them() {
        let nov_3_to_6 = Term { start: d(2021, 11, 3), end: d(2021, 11, 6) };
        for (text, want) in [
            ("2021年11月3-6日", nov_3_to_6),
            ("2021年11月3日-6日", nov_3_to_6),
            ("2021年11月3日至6日", nov_3_to_6),
            ("2021年11月30日-12月2日", Term { start: d(2021, 11, 30), end: d(2021, 12, 2) }),
            ("2021年12月30日-2022年1月2日", Term { start: d(2021, 12, 30), end: d(2022, 1, 2) }),
            // With the days, other dashes, spaces and zero-padding.
            ("2021年11月3-6日\n4天", nov_3_to_6),
            ("2021年11月3日－6日 4天", nov_3_to_6),
            ("2021年11月3日—6日\r\n共4天", nov_3_to_6),
            ("2021年11月03日 - 06日", nov_3_to_6),
            ("2021年11月3日～2021年11月6日", nov_3_to_6),
            ("2021年11月3日至2021年11月6日", nov_3_to_6),
            ("2021年11月30日至12月2日\n3天", Term { start: d(2021, 11, 30), end: d(2021, 12, 2) }),
            ("2021年12月30日-2022年1月2日\n4天", Term { start: d(2021, 12, 30), end: d(2022, 1, 2) }),
            ("2021-11-03至2021年11月6日", nov_3_to_6),
            ("2021-11-03-2021年11月6日", nov_3_to_6),
            ("2021年11月3日 2021年11月6日", nov_3_to_6),
        ] {
            assert_eq!(parse_term(text), Ok(want), "{text}");
        }
        let error = |text: &str| parse_term(text).unwrap_err();
        assert!(error("2021年11月3-6日\n3天").contains("写明3天，但起止日期共4天"));
        assert!(error("2021年11月3日至6日 5天").contains("写明5天，但起止日期共4天"));
        assert!(error("2021年11月30日-12月2日\n4天").contains("共3天"));
        assert!(error("2021年12月30日-2022年1月2日\n3天").contains("共4天"));
        // The year of the start is not carried over a new year: the end must say it.
        assert!(error("2021年12月30日-1月2日").contains("早于"));
        assert!(error("2021年11月6-3日").contains("早于"));
        assert!(error("2021年11月3-31日").contains("结束日期“31日”"));
        assert!(error("2021年2月28日-13月1日").contains("结束日期"));
        assert!(error("2021年11月-6日").contains("开始日期“2021年11月”"));
        assert!(error("2021年11月3日").contains("应形如"));
        assert!(error("2021年11月3-6-8日").contains("应形如"));
        assert!(error("2021年11月3日-6日-2021年11月8日").contains("应形如"));
        assert!(error("2021年1月3日-2022年1月4日").contains("超过一年"));
        // Several periods of notices in one cell.
        let terms = parse_terms("2021年11月3-6日\n4天\n2021年12月30日-2022年1月2日\n共4天").unwrap();
        assert_eq!(terms, vec![nov_3_to_6, Term { start: d(2021, 12, 30), end: d(2022, 1, 2) }]);
        assert!(parse_terms("2021年11月3-6日\n4天\n2021年12月30日-2022年1月2日\n5天").unwrap_err().contains("共4天"));
    }

    #[test]
    fn a_national_list_holds_only_national_numbers() {
        let want = ProjectNumber::parse("2014-04-08-004（国）", None).unwrap();
        for text in [
            "2014-04-08-004（国）",
            "2014-04-08-004(国)",
            "2014-04-08-004 (国)",
            "2014-04-08-004 （国）",
            "2014-04-08-004",
            "2014-04-08-\n004\n(国)",
        ] {
            assert_eq!(ProjectNumber::parse_national(text), Ok(want.clone()), "{text}");
        }
        for (text, mark) in [
            ("2014-04-08-004（省）", "省"),
            ("2014-04-08-004 (省)", "省"),
            ("2014-04-08-004（京）", "京"),
            ("2014-04-08-004(京)", "京"),
        ] {
            let error = ProjectNumber::parse_national(text).unwrap_err();
            assert_eq!(
                error,
                format!("项目编号“2014-04-08-004（{mark}）”的后缀为（{mark}），国家级项目名单只收（国）编号")
            );
        }
        // The errors of the number's shape come first, as before.
        assert!(ProjectNumber::parse_national("2024-25-01-001（国）").unwrap_err().contains("二级学科"));
        assert!(ProjectNumber::parse_national("2024-03-01-001（国").unwrap_err().contains("括号不完整"));
        // A provincial list, the other way round.
        assert_eq!(ProjectNumber::parse_in_list("2024-03-01-007", "京").unwrap().mark, "京");
        assert_eq!(ProjectNumber::parse_in_list("2024-03-01-007 (京)", "京").unwrap().text(), "2024-03-01-007（京）");
        assert!(
            ProjectNumber::parse_in_list("2024-03-01-007（国）", "京")
                .unwrap_err()
                .contains("（京）省级项目名单只收（京）编号")
        );
        assert!(ProjectNumber::parse_in_list("2024-03-01-007（冀）", "京").unwrap_err().contains("后缀为（冀）"));
    }

    #[test]
    fn credits_and_enrollment() {
        assert_eq!(parse_credits("10"), Ok(100));
        assert_eq!(parse_credits("10分"), Ok(100));
        assert_eq!(parse_credits(" 8.5 分"), Ok(85));
        assert_eq!(parse_credits("I类10分"), Ok(100));
        assert_eq!(parse_credits("10.0"), Ok(100));
        assert!(parse_credits("0").is_err());
        assert!(parse_credits("十分").is_err());
        assert!(parse_credits("8.25").is_err());
        assert!(parse_credits("30").is_err());
        assert_eq!(parse_enrollment("200"), Ok((200, None)));
        assert_eq!(parse_enrollment("200/…"), Ok((200, Some("…".into()))));
        assert_eq!(parse_enrollment("150/50（线上）"), Ok((150, Some("50（线上）".into()))));
        assert_eq!(parse_enrollment("80人"), Ok((80, None)));
        assert!(parse_enrollment("很多").is_err());
        assert!(parse_enrollment("-5").is_err());
        assert!(parse_enrollment("0").is_err());
        assert_eq!(kind_from_remarks("基地项目"), ProjectKind::Base);
        assert_eq!(kind_from_remarks("推广项目"), ProjectKind::Promoted);
        assert_eq!(kind_from_remarks(""), ProjectKind::Recommended);
    }

    #[test]
    fn several_periods_in_one_cell() {
        let terms = parse_terms("2024-09-02-2024-09-05\n4天\n2024.10.01至2024.10.02\n共2天").unwrap();
        assert_eq!(terms.len(), 2);
        assert_eq!(terms[1], Term { start: d(2024, 10, 1), end: d(2024, 10, 2) });
        assert_eq!(parse_terms(&format_terms(&terms)), Ok(terms));
        assert!(parse_terms(" \n ").is_err());
    }

    proptest! {
        #[test]
        fn numbers_round_trip(year in 1990u16..2100, ss in 1u32..=24, tt in 0u32..100, serial in 1u32..100_000, provincial in any::<bool>()) {
            let mark = if provincial { "京" } else { "国" };
            let year = Year::try_from(year).unwrap();
            let n = ProjectNumber { year, secondary: format!("{ss:02}"), tertiary: format!("{tt:02}"), serial, mark: mark.into() };
            let text = n.text();
            prop_assert_eq!(ProjectNumber::parse(&text, None).unwrap(), n.clone());
            // The default provincial pattern and the national one agree with the canonical text.
            let filled = format_pattern(if provincial { DEFAULT_PROVINCIAL_PATTERN } else { "YYYY-SS-TT-NNN（国）" }, year, &n.subject(), serial, mark);
            prop_assert_eq!(filled, text);
        }

        #[test]
        fn terms_round_trip(y in 2000i32..2090, ordinal in 1u32..300, len in 0i64..30, sep in 0usize..4, with_days in any::<bool>()) {
            let start = NaiveDate::from_yo_opt(y, ordinal).unwrap();
            let end = start + chrono::Duration::days(len);
            let fmt = ["%Y-%m-%d", "%Y.%m.%d", "%Y/%m/%d", "%Y-%m-%d"][sep];
            let between = if sep == 3 { "至" } else { "-" };
            let mut text = format!("{}{between}{}", start.format(fmt), end.format(fmt));
            if with_days { text.push_str(&format!("\n{}天", len + 1)); }
            prop_assert_eq!(parse_term(&text), Ok(Term { start, end }));
        }

        /// The ranges of notices, each written in any form that can say it, with or without the
        /// days and zero-padding; and any other count of days is refused.
        #[test]
        fn notice_ranges_round_trip(y in 2000i32..2090, ordinal in 1u32..=365, len in 0i64..45, form in 0usize..5, pad in any::<bool>(), with_days in any::<bool>(), wrong_days in 1i64..400) {
            let start = NaiveDate::from_yo_opt(y, ordinal).unwrap();
            let end = start + chrono::Duration::days(len);
            let two = |n: u32| if pad { format!("{n:02}") } else { n.to_string() };
            let (sy, sm, sd) = (start.year(), two(start.month()), two(start.day()));
            let (ey, em, ed) = (end.year(), two(end.month()), two(end.day()));
            let same_month = sy == ey && start.month() == end.month();
            let forms: Vec<String> = [
                same_month.then(|| format!("{sy}年{sm}月{sd}-{ed}日")),
                same_month.then(|| format!("{sy}年{sm}月{sd}日-{ed}日")),
                same_month.then(|| format!("{sy}年{sm}月{sd}日至{ed}日")),
                (sy == ey).then(|| format!("{sy}年{sm}月{sd}日-{em}月{ed}日")),
                Some(format!("{sy}年{sm}月{sd}日-{ey}年{em}月{ed}日")),
            ].into_iter().flatten().collect();
            let text = &forms[form % forms.len()];
            let with = if with_days { format!("{text}\n{}天", len + 1) } else { text.clone() };
            prop_assert_eq!(parse_term(&with), Ok(Term { start, end }));
            prop_assume!(wrong_days != len + 1);
            let wrong = format!("{text}\n{wrong_days}天");
            let said = format!("写明{wrong_days}天");
            prop_assert!(parse_term(&wrong).unwrap_err().contains(&said));
        }

        #[test]
        fn credits_round_trip(tenths in 1i64..=250, suffix in any::<bool>()) {
            let text = format!("{}.{}{}", tenths / 10, tenths % 10, if suffix { "分" } else { "" });
            prop_assert_eq!(parse_credits(&text), Ok(tenths));
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,40}") {
            let _ = parse_term(&s);
            let _ = parse_terms(&s);
            let _ = parse_credits(&s);
            let _ = parse_enrollment(&s);
            let _ = ProjectNumber::parse(&s, Some("国"));
            let _ = ProjectNumber::parse_national(&s);
        }

        /// Text made of the characters of dates and ranges reaches the notice forms' parser, which
        /// random Unicode seldom does.
        #[test]
        fn range_parsers_never_panic(s in "[0-9年月日至~～\\-－—– 天共\n./]{0,30}") {
            let _ = parse_term(&s);
            let _ = parse_terms(&s);
        }
    }
}
