//! Comparing names as people write them: unit names, project names, and the themeless-meeting test.
//!
//! Readings (rules.md §3 leaves them open):
//! - Two **units** are the same when their names are equal after removing whitespace and folding
//!   full-width forms (`（` → `(`); the documents require the standard name as on the seal.
//! - Two project names are **the same** when their [`name_key`]s are equal: whitespace and punctuation
//!   removed, full-width forms folded, ASCII lower-cased.
//! - Two project names are **nearly the same** when their [`series_key`]s (the name key without years
//!   such as `2025年`/`2025年度` and ordinals such as `第十届`/`第3期`) are equal, or differ by at most
//!   10% of the longer key's characters (Levenshtein distance, rounded down).
//! - A name is **themeless** when it holds 年会, 峰会 or 论坛 and nothing else remains once years,
//!   ordinals, the applicant's name, province and region names and generic words (学术, 高峰, 年度,
//!   全国, 国际 …) are removed.

use super::thresholds::NEAR_NAME_MAX_EDITS;
use crate::province::PROVINCES;

/// Folds full-width ASCII forms and the ideographic space to their ASCII equivalents.
fn fold(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// A unit name for comparison: no whitespace, full-width forms folded.
pub fn unit_key(name: &str) -> String {
    name.chars().map(fold).filter(|c| !c.is_whitespace()).collect()
}

pub fn same_unit(a: &str, b: &str) -> bool {
    let (a, b) = (unit_key(a), unit_key(b));
    !a.is_empty() && a == b
}

/// A person's name for comparison: no whitespace (names are written `张 三` as well as `张三`).
pub fn same_person(a: &str, b: &str) -> bool {
    let (a, b) = (unit_key(a), unit_key(b));
    !a.is_empty() && a == b
}

/// A project name without whitespace and punctuation, full-width folded, ASCII lower-cased.
pub fn name_key(name: &str) -> Vec<char> {
    name.chars().map(fold).filter(|c| c.is_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

const CHINESE_NUMERALS: &str = "零〇一二三四五六七八九十百千两";

/// Removes years (`2025`, `2025年`, `2025年度`, only 19xx and 20xx standing alone) and ordinals
/// (`第十届`, `第3期`, `第二次`) from a name key.
fn remove_years_and_ordinals(key: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(key.len());
    let mut i = 0;
    while i < key.len() {
        if let Some(end) = year_at(key, i).or_else(|| ordinal_at(key, i)) {
            i = end;
        } else {
            out.push(key[i]);
            i += 1;
        }
    }
    out
}

/// The end of a year starting at `i`, if one does.
fn year_at(key: &[char], i: usize) -> Option<usize> {
    let digits = key[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    let starts_run = i == 0 || !key[i - 1].is_ascii_digit();
    if !starts_run || digits != 4 || !(key[i] == '1' && key[i + 1] == '9' || key[i] == '2' && key[i + 1] == '0') {
        return None;
    }
    let mut end = i + 4;
    if key.get(end) == Some(&'年') {
        end += 1;
        if key.get(end) == Some(&'度') {
            end += 1;
        }
    }
    Some(end)
}

/// The end of an ordinal `第…届|期|次` starting at `i`, if one does.
fn ordinal_at(key: &[char], i: usize) -> Option<usize> {
    if key[i] != '第' {
        return None;
    }
    let count = key[i + 1..].iter().take_while(|c| c.is_ascii_digit() || CHINESE_NUMERALS.contains(**c)).count();
    let end = i + 1 + count;
    (count > 0 && matches!(key.get(end), Some('届' | '期' | '次'))).then_some(end + 1)
}

/// The name key without years and ordinals: the same series of meetings has the same series key.
pub fn series_key(name: &str) -> Vec<char> {
    remove_years_and_ordinals(&name_key(name))
}

/// The keys of one project name, computed once and compared with many others.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameKeys {
    plain: Vec<char>,
    series: Vec<char>,
}

impl NameKeys {
    pub fn of(name: &str) -> Self {
        let plain = name_key(name);
        let series = remove_years_and_ordinals(&plain);
        Self { plain, series }
    }

    /// The same name: equal name keys (an empty name is never the same as anything).
    pub fn same_as(&self, other: &NameKeys) -> bool {
        !self.plain.is_empty() && self.plain == other.plain
    }

    /// Nearly the same name (see the module documentation).
    pub fn nearly(&self, other: &NameKeys) -> bool {
        let (a, b) = (&self.series, &other.series);
        if a.is_empty() || b.is_empty() {
            return false;
        }
        if a == b {
            return true;
        }
        let longer = a.len().max(b.len()) as u64;
        let allowed = NEAR_NAME_MAX_EDITS.of_rounded_down(longer);
        if allowed == 0 || (a.len().abs_diff(b.len()) as u64) > allowed {
            return false;
        }
        levenshtein(a, b) as u64 <= allowed
    }
}

/// Same name: equal name keys (an empty name is never the same as anything).
pub fn same_name(a: &str, b: &str) -> bool {
    NameKeys::of(a).same_as(&NameKeys::of(b))
}

/// Nearly the same name (see the module documentation).
pub fn nearly_same_name(a: &str, b: &str) -> bool {
    NameKeys::of(a).nearly(&NameKeys::of(b))
}

/// Edit distance over characters, two rows of memory.
pub fn levenshtein(a: &[char], b: &[char]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The words a themeless meeting is named by.
const MEETING_WORDS: [&str; 3] = ["年会", "峰会", "论坛"];

/// Words that add no theme to a meeting's name, longest first so that none is cut by a shorter one.
const GENERIC_WORDS: [&str; 28] = [
    "粤港澳大湾区",
    "中西部地区",
    "京津冀",
    "长三角",
    "大湾区",
    "中西部",
    "学术",
    "高峰",
    "年度",
    "全国",
    "国际",
    "中国",
    "全球",
    "亚太",
    "华北",
    "华东",
    "华南",
    "华中",
    "西南",
    "西北",
    "东北",
    "地区",
    "区域",
    "大会",
    "暨",
    "及",
    "和",
    "与",
];

/// Whether a project name is only a 年会, 峰会 or 论坛 without a theme (see the module documentation).
pub fn is_themeless(name: &str, applicant: &str) -> bool {
    let mut rest: String = remove_years_and_ordinals(&name_key(name)).into_iter().collect();
    if !MEETING_WORDS.iter().any(|w| rest.contains(w)) {
        return false;
    }
    let applicant: String = name_key(applicant).into_iter().collect();
    if !applicant.is_empty() {
        rest = rest.replace(&applicant, "");
    }
    for province in &PROVINCES {
        rest = rest.replace(province.name, "");
    }
    for province in &PROVINCES {
        rest = rest.replace(province.short_name, "");
    }
    for word in GENERIC_WORDS.iter().chain(&MEETING_WORDS) {
        rest = rest.replace(word, "");
    }
    rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_compare_without_spaces_and_widths() {
        assert!(same_unit("北京大学第一医院", " 北京大学 第一医院 "));
        assert!(same_unit("中国医学科学院（阜外医院）", "中国医学科学院(阜外医院)"));
        assert!(!same_unit("北京大学第一医院", "北京大学第三医院"));
        assert!(!same_unit("", ""));
        assert!(same_person("张 三", "张三"));
    }

    #[test]
    fn keys_drop_punctuation_years_and_ordinals() {
        assert_eq!(
            series_key("第十届 中西部地区生殖医学论坛（2025年度）").into_iter().collect::<String>(),
            "中西部地区生殖医学论坛"
        );
        assert_eq!(series_key("2024心衰ＡＢＣ学习班·第3期").into_iter().collect::<String>(), "心衰abc学习班");
        // Not a year: part of a longer number, or not 19xx/20xx.
        assert_eq!(series_key("12025例").into_iter().collect::<String>(), "12025例");
        assert_eq!(series_key("3000例").into_iter().collect::<String>(), "3000例");
        // 第 without a count or a counter stays.
        assert_eq!(series_key("第一医院").into_iter().collect::<String>(), "第一医院");
        assert_eq!(series_key("第届").into_iter().collect::<String>(), "第届");
    }

    #[test]
    fn same_and_nearly_same_names() {
        assert!(same_name("心力衰竭规范化诊疗学习班", "心力衰竭 规范化诊疗学习班。"));
        assert!(!same_name("第十届生殖医学论坛", "第十一届生殖医学论坛"));
        assert!(nearly_same_name("第十届生殖医学论坛", "第十一届生殖医学论坛"));
        assert!(nearly_same_name("2025年心力衰竭规范化诊疗学习班", "心力衰竭规范化诊疗学习班"));
        // One character in ten may differ …
        assert!(nearly_same_name("心力衰竭规范化诊疗学习班", "心力衰竭规范化治疗学习班"));
        // … but not in a short name, and not two in twelve.
        assert!(!nearly_same_name("心衰学习班", "心梗学习班"));
        assert!(!nearly_same_name("心力衰竭规范化诊疗学习班", "心力衰竭标准化治疗学习班"));
        assert!(!nearly_same_name("心力衰竭规范化诊疗学习班", "心力衰竭规范化治理学习班"));
        // Twenty characters allow two.
        assert!(nearly_same_name(
            "心力衰竭规范化诊疗与全程管理新进展学习班",
            "心力衰竭规范化治理与全程管理新进展学习班"
        ));
        assert!(!nearly_same_name("", ""));
        assert!(!same_name("", ""));
    }

    #[test]
    fn levenshtein_distances() {
        let d = |a: &str, b: &str| levenshtein(&a.chars().collect::<Vec<_>>(), &b.chars().collect::<Vec<_>>());
        assert_eq!(d("", ""), 0);
        assert_eq!(d("abc", ""), 3);
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("心力衰竭", "心力衰竭班"), 1);
    }

    #[test]
    fn themeless_meetings() {
        let unit = "首都医科大学附属北京安贞医院";
        assert!(is_themeless("2025年首都医科大学附属北京安贞医院年会", unit));
        assert!(is_themeless("第十届学术年会", unit));
        assert!(is_themeless("北京地区高峰论坛", unit));
        assert!(is_themeless("2025 全国 学术年会暨高峰论坛", unit));
        assert!(!is_themeless("第十届中西部地区生殖医学论坛", unit));
        assert!(!is_themeless("京津冀心血管高峰论坛", unit));
        assert!(!is_themeless("心力衰竭规范化诊疗学习班", unit));
        assert!(!is_themeless("", unit));
        assert!(is_themeless("年会", ""));
    }
}
