//! The certificate number `YYYY-PP-NNNNNNNN` (rules.md §8): the year of issue, the issuing province's
//! 2-digit code and an 8-digit sequence per year and province, never reused.

use crate::Year;

/// A certificate number, checked.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CertificateNumber {
    year: Year,
    province: String,
    sequence: u32,
}

/// Why a text is not a certificate number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("证书编号应为“年份-省份代码-8位序号”，如 2026-11-00000001")]
    Shape,
    #[error("证书编号中的省份代码“{0}”不存在")]
    Province(String),
    #[error("证书编号中的年份不在1900年至2200年之间")]
    Year,
    #[error("证书序号应在1至99999999之间")]
    Sequence,
}

/// The largest sequence 8 digits hold.
pub const MAX_SEQUENCE: u32 = 99_999_999;

impl CertificateNumber {
    pub fn new(year: Year, province: &str, sequence: u32) -> Result<Self, NumberError> {
        if crate::province::by_code(province).is_none() {
            return Err(NumberError::Province(province.to_string()));
        }
        if sequence == 0 || sequence > MAX_SEQUENCE {
            return Err(NumberError::Sequence);
        }
        Ok(Self { year, province: province.to_string(), sequence })
    }

    pub fn parse(text: &str) -> Result<Self, NumberError> {
        let parts: Vec<&str> = text.trim().split('-').collect();
        let [year, province, sequence] = parts.as_slice() else { return Err(NumberError::Shape) };
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(year, 4) || !digits(province, 2) || !digits(sequence, 8) {
            return Err(NumberError::Shape);
        }
        let year = year.parse::<i32>().ok().and_then(|y| Year::try_from(y).ok()).ok_or(NumberError::Year)?;
        let sequence: u32 = sequence.parse().map_err(|_| NumberError::Shape)?;
        Self::new(year, province, sequence)
    }

    pub fn year(&self) -> Year {
        self.year
    }

    pub fn province(&self) -> &str {
        &self.province
    }

    pub fn sequence(&self) -> u32 {
        self.sequence
    }
}

impl std::fmt::Display for CertificateNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}-{:08}", self.year, self.province, self.sequence)
    }
}
