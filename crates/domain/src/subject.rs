//! Subjects (学科): the 24 second-level subjects of seed 003 and a third-level catalogue `SS-TT`.
//!
//! The second-level list is fixed by the documents. The third-level list ships as a default data
//! file (`data/subjects.tsv`); the national office can replace it by import, so the rules take a
//! [`Catalogue`] value rather than reading a global.

use serde::Serialize;

/// The 24 second-level subjects (二级学科) with their codes, as listed in seed 003. None is a
/// traditional Chinese medicine subject: those projects have their own system.
pub const SECONDARY: [(&str, &str); 24] = [
    ("01", "基础形态"),
    ("02", "基础机能"),
    ("03", "临床内科学"),
    ("04", "临床外科学"),
    ("05", "妇产科学"),
    ("06", "儿科学"),
    ("07", "眼、耳鼻喉科学"),
    ("08", "口腔医学"),
    ("09", "影像医学"),
    ("10", "急诊学"),
    ("11", "医学检验"),
    ("12", "公共卫生与预防医学"),
    ("13", "药学"),
    ("14", "护理学"),
    ("15", "医学教育与卫生管理学"),
    ("16", "康复医学"),
    ("17", "全科医学"),
    ("18", "麻醉学"),
    ("19", "重症医学"),
    ("20", "皮肤病学与性病学"),
    ("21", "核医学"),
    ("22", "医院感染（管理）学"),
    ("23", "心理学"),
    ("24", "卫生法规与医学伦理学"),
];

/// 14 护理学: its projects follow the nursing teacher rules (rules.md §6).
pub const NURSING: &str = "14";
/// 03-07 临床内科学-感染病学: already counted as infectious-disease training (rules.md §3).
pub const INFECTIOUS_DISEASES: &str = "03-07";

/// The default third-level catalogue shipped with the product.
pub const DEFAULT_CATALOGUE_TSV: &str = include_str!("../data/subjects.tsv");

pub fn secondary_name(code: &str) -> Option<&'static str> {
    SECONDARY.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

/// Words that mark a traditional Chinese medicine subject, which this catalogue must not contain.
const TCM_MARKERS: [&str; 3] = ["中医", "中药", "针灸"];

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tertiary {
    /// `SS-TT`, e.g. `03-07`.
    pub code: String,
    pub name: String,
}

impl Tertiary {
    pub fn secondary_code(&self) -> &str {
        &self.code[..2]
    }
}

/// Why a catalogue file cannot be used; `line` counts from 1 as an editor shows it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("第{line}行：学科代码“{code}”应为“二级学科代码-两位序号”，如 03-07")]
    BadCode { line: usize, code: String },
    #[error("第{line}行：二级学科代码“{code}”不在24个二级学科之内")]
    UnknownSecondary { line: usize, code: String },
    #[error("第{line}行：学科名称不能为空")]
    EmptyName { line: usize },
    #[error("第{line}行：学科代码“{code}”重复")]
    Duplicate { line: usize, code: String },
    #[error("第{line}行：“{name}”是中医类学科，不属于本系统")]
    TraditionalMedicine { line: usize, name: String },
    #[error("二级学科“{0}”没有三级学科")]
    EmptySecondary(String),
}

/// A validated third-level catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Catalogue {
    tertiary: Vec<Tertiary>,
}

impl Catalogue {
    /// Parses `code<TAB>name` lines; `#` starts a comment. Every error is reported, not only the first.
    pub fn parse(text: &str) -> Result<Self, Vec<CatalogueError>> {
        let mut errors = Vec::new();
        let mut tertiary: Vec<Tertiary> = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let raw = raw.trim();
            if raw.is_empty() || raw.starts_with('#') {
                continue;
            }
            let (code, name) = raw.split_once(['\t', ',', ' ']).map(|(c, n)| (c.trim(), n.trim())).unwrap_or((raw, ""));
            let row = Self::check_row(line, code, name, &tertiary);
            match row {
                Ok(t) => tertiary.push(t),
                Err(e) => errors.push(e),
            }
        }
        for (code, _) in SECONDARY {
            if !tertiary.iter().any(|t| t.secondary_code() == code) {
                errors.push(CatalogueError::EmptySecondary(code.to_string()));
            }
        }
        if errors.is_empty() { Ok(Self { tertiary }) } else { Err(errors) }
    }

    fn check_row(line: usize, code: &str, name: &str, seen: &[Tertiary]) -> Result<Tertiary, CatalogueError> {
        let well_formed = code.len() == 5
            && code.as_bytes()[2] == b'-'
            && code.bytes().enumerate().all(|(i, b)| i == 2 || b.is_ascii_digit());
        if !well_formed {
            return Err(CatalogueError::BadCode { line, code: code.to_string() });
        }
        if secondary_name(&code[..2]).is_none() {
            return Err(CatalogueError::UnknownSecondary { line, code: code[..2].to_string() });
        }
        if name.is_empty() {
            return Err(CatalogueError::EmptyName { line });
        }
        if TCM_MARKERS.iter().any(|m| name.contains(m)) {
            return Err(CatalogueError::TraditionalMedicine { line, name: name.to_string() });
        }
        if seen.iter().any(|t| t.code == code) {
            return Err(CatalogueError::Duplicate { line, code: code.to_string() });
        }
        Ok(Tertiary { code: code.to_string(), name: name.to_string() })
    }

    /// The catalogue shipped with the product.
    pub fn default_catalogue() -> Self {
        Self::parse(DEFAULT_CATALOGUE_TSV).expect("the shipped catalogue is valid")
    }

    pub fn from_entries(tertiary: Vec<Tertiary>) -> Self {
        Self { tertiary }
    }

    pub fn tertiary(&self) -> &[Tertiary] {
        &self.tertiary
    }

    pub fn find(&self, code: &str) -> Option<&Tertiary> {
        self.tertiary.iter().find(|t| t.code == code)
    }

    pub fn children<'a>(&'a self, secondary: &'a str) -> impl Iterator<Item = &'a Tertiary> + 'a {
        self.tertiary.iter().filter(move |t| t.secondary_code() == secondary)
    }

    /// `临床内科学-感染病学` for `03-07`.
    pub fn full_name(&self, code: &str) -> Option<String> {
        let t = self.find(code)?;
        Some(format!("{}-{}", secondary_name(t.secondary_code())?, t.name))
    }

    /// A (secondary, tertiary) pair is valid when both exist and the tertiary belongs to the secondary.
    pub fn is_valid_pair(&self, secondary: &str, tertiary: &str) -> bool {
        secondary_name(secondary).is_some() && self.find(tertiary).is_some_and(|t| t.secondary_code() == secondary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_catalogue_has_the_required_entries() {
        let c = Catalogue::default_catalogue();
        assert_eq!(c.find("03-01").unwrap().name, "心血管病学");
        assert_eq!(c.find("03-07").unwrap().name, "感染病学");
        assert_eq!(c.find("14-01").unwrap().name, "临床护理学");
        assert_eq!(c.full_name("03-07").unwrap(), "临床内科学-感染病学");
        assert!(c.is_valid_pair("03", "03-07"));
        assert!(!c.is_valid_pair("04", "03-07"));
        assert!(!c.is_valid_pair("25", "25-01"));
        for (code, _) in SECONDARY {
            assert!(c.children(code).count() > 0, "{code}");
        }
        assert_eq!(secondary_name("24"), Some("卫生法规与医学伦理学"));
    }

    #[test]
    fn bad_catalogues_report_every_line() {
        let errors = Catalogue::parse("3-1\t心血管\n25-01\tX\n03-01\t\n03-02\t中医内科\n").unwrap_err();
        assert!(errors.contains(&CatalogueError::BadCode { line: 1, code: "3-1".into() }));
        assert!(errors.contains(&CatalogueError::UnknownSecondary { line: 2, code: "25".into() }));
        assert!(errors.contains(&CatalogueError::EmptyName { line: 3 }));
        assert!(errors.contains(&CatalogueError::TraditionalMedicine { line: 4, name: "中医内科".into() }));
        assert!(errors.contains(&CatalogueError::EmptySecondary("01".into())));
    }
}
