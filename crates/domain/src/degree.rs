//! The leader's highest education (最高学历) as the 申报书 asks for it: one of a fixed list, so that
//! the printed form and the reviewers read the same words.
//!
//! Reading (issue 18 point 14): the printed form of seed 003 says 最高学历 and Beijing's online form
//! 最后学历 with the value 硕士研究生; the list is the usual one of Chinese personnel forms, in the
//! words the form prints. A document may write the value with surrounding spaces; anything else
//! (博士, 研究生, a degree such as 医学博士) is a finding of the formal review, not guessed at.

/// Every value 最高学历 may take, highest first.
pub const DEGREES: [&str; 5] = ["博士研究生", "硕士研究生", "本科", "大专", "中专及以下"];

/// The listed value `text` names (surrounding whitespace ignored), if any.
pub fn find(text: &str) -> Option<&'static str> {
    let text = text.trim();
    DEGREES.iter().copied().find(|d| *d == text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_listed_words_are_degrees() {
        assert_eq!(find(" 硕士研究生 "), Some("硕士研究生"));
        assert_eq!(find("中专及以下"), Some("中专及以下"));
        for other in ["", "博士", "研究生", "医学博士", "本科 学历"] {
            assert_eq!(find(other), None, "{other}");
        }
    }
}
