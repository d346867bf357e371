//! Professional titles (专业技术职称) with rank and series, and the words that are not titles.
//!
//! Seed 003 rejects forms that write a rank (中级, 高级), a post (主任, 院长) or a degree (博士) where a
//! title belongs; [`classify`] tells them apart so the formal review can say which mistake was made.

use serde::Serialize;

/// Title rank, ordered from the lowest: `Rank::Senior > Rank::AssociateSenior` holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rank {
    /// 初级
    Junior,
    /// 中级
    Intermediate,
    /// 副高级
    AssociateSenior,
    /// 正高级
    Senior,
}

impl Rank {
    pub fn label(self) -> &'static str {
        match self {
            Rank::Junior => "初级",
            Rank::Intermediate => "中级",
            Rank::AssociateSenior => "副高级",
            Rank::Senior => "正高级",
        }
    }
}

/// Title series (系列).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Series {
    /// 医
    Medicine,
    /// 药
    Pharmacy,
    /// 护
    Nursing,
    /// 技
    Technology,
    /// 教学
    Teaching,
    /// 科研
    Research,
}

impl Series {
    pub fn label(self) -> &'static str {
        match self {
            Series::Medicine => "医",
            Series::Pharmacy => "药",
            Series::Nursing => "护",
            Series::Technology => "技",
            Series::Teaching => "教学",
            Series::Research => "科研",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Title {
    pub name: &'static str,
    pub rank: Rank,
    pub series: Series,
}

const fn t(name: &'static str, rank: Rank, series: Series) -> Title {
    Title { name, rank, series }
}

use Rank::*;
use Series::*;

/// Every concrete title the product knows (rules.md §6).
pub const TITLES: [Title; 35] = [
    t("主任医师", Senior, Medicine),
    t("主任药师", Senior, Pharmacy),
    t("主任护师", Senior, Nursing),
    t("主任技师", Senior, Technology),
    // Laboratory medicine (临床医学检验技术) names its technologist titles 检验师 rather than 技师.
    t("主任检验师", Senior, Technology),
    t("教授", Senior, Teaching),
    t("研究员", Senior, Research),
    t("副主任医师", AssociateSenior, Medicine),
    t("副主任药师", AssociateSenior, Pharmacy),
    t("副主任护师", AssociateSenior, Nursing),
    t("副主任技师", AssociateSenior, Technology),
    t("副主任检验师", AssociateSenior, Technology),
    t("副教授", AssociateSenior, Teaching),
    t("副研究员", AssociateSenior, Research),
    t("主治医师", Intermediate, Medicine),
    t("主管药师", Intermediate, Pharmacy),
    t("主管护师", Intermediate, Nursing),
    t("主管技师", Intermediate, Technology),
    t("主管检验师", Intermediate, Technology),
    t("讲师", Intermediate, Teaching),
    t("助理研究员", Intermediate, Research),
    t("住院医师", Junior, Medicine),
    t("医师", Junior, Medicine),
    t("药师", Junior, Pharmacy),
    t("护师", Junior, Nursing),
    t("技师", Junior, Technology),
    t("检验师", Junior, Technology),
    t("助教", Junior, Teaching),
    t("研究实习员", Junior, Research),
    t("医士", Junior, Medicine),
    t("药士", Junior, Pharmacy),
    t("护士", Junior, Nursing),
    t("技士", Junior, Technology),
    t("检验士", Junior, Technology),
    t("实习研究员", Junior, Research),
];

/// Rank words: a rank is not a title (seed 003: 不可填“中级/高级”).
pub const RANK_WORDS: [&str; 10] =
    ["初级", "中级", "高级", "副高", "副高级", "正高", "正高级", "中级职称", "高级职称", "副高职称"];
/// Posts (职务) are not titles.
pub const POST_WORDS: [&str; 12] =
    ["主任", "副主任", "科主任", "院长", "副院长", "护士长", "所长", "处长", "书记", "科长", "部长", "主席"];
/// Degrees (学位) are not titles.
pub const DEGREE_WORDS: [&str; 7] = ["博士", "硕士", "学士", "博士后", "博士研究生", "硕士研究生", "本科"];

/// What a text written in a title field turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TitleClass {
    Concrete(Title),
    RankWord,
    Post,
    Degree,
    Unknown,
}

pub fn find(name: &str) -> Option<Title> {
    let name = name.trim();
    TITLES.iter().copied().find(|t| t.name == name)
}

pub fn classify(text: &str) -> TitleClass {
    let text = text.trim();
    if let Some(title) = find(text) {
        TitleClass::Concrete(title)
    } else if RANK_WORDS.contains(&text) {
        TitleClass::RankWord
    } else if POST_WORDS.contains(&text) {
        TitleClass::Post
    } else if DEGREE_WORDS.contains(&text) {
        TitleClass::Degree
    } else {
        TitleClass::Unknown
    }
}

/// The rank of a concrete title; `None` for anything that is not one.
pub fn rank_of(text: &str) -> Option<Rank> {
    find(text).map(|t| t.rank)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_non_titles_are_told_apart() {
        assert_eq!(rank_of("主任医师"), Some(Senior));
        assert_eq!(rank_of("副教授"), Some(AssociateSenior));
        assert_eq!(rank_of("主管护师"), Some(Intermediate));
        assert_eq!(rank_of("护士"), Some(Junior));
        assert_eq!(classify("中级"), TitleClass::RankWord);
        assert_eq!(classify("高级"), TitleClass::RankWord);
        assert_eq!(classify("副高"), TitleClass::RankWord);
        assert_eq!(classify("主任"), TitleClass::Post);
        assert_eq!(classify("院长"), TitleClass::Post);
        assert_eq!(classify("博士"), TitleClass::Degree);
        assert_eq!(classify("工程师"), TitleClass::Unknown);
        assert_eq!(classify("主管检验师"), TitleClass::Concrete(t("主管检验师", Intermediate, Technology)));
        assert_eq!(classify("副主任检验师"), TitleClass::Concrete(t("副主任检验师", AssociateSenior, Technology)));
        assert!(Senior > AssociateSenior && AssociateSenior > Intermediate && Intermediate > Junior);
    }

    #[test]
    fn no_word_list_overlaps_a_title() {
        for word in RANK_WORDS.iter().chain(&POST_WORDS).chain(&DEGREE_WORDS) {
            assert!(find(word).is_none(), "{word}");
        }
        let mut names: Vec<_> = TITLES.iter().map(|t| t.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), TITLES.len());
    }
}
