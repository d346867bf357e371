//! Printable PDF forms: the 申报书 (application form) and the project leader's 承诺书 (commitment),
//! laid out like the paper forms of seed 003, for signature and stamp.
//!
//! The inputs are plain structs of printed text, so this crate stays independent of the domain;
//! the caller formats numbers and dates the way they should be printed. Every character of the
//! input must have a glyph in the embedded font (Noto Sans CJK SC, all Han characters it has,
//! including Ext A–H names such as 王喆, 李堃, 䶮): otherwise rendering fails with
//! [`PdfError::MissingGlyphs`] naming the characters, instead of printing a name with a gap.

mod application;
mod certificate;
mod commitment;
mod font;
mod layout;

use chrono::NaiveDate;
use jijiao_domain::Year;

pub use certificate::{CertificateInput, QrReadError, certificate, read_certificate_qr};

/// The title of the national form (附件2 of seed 003).
pub const NATIONAL_TITLE: &str = "继续医学教育推荐项目申报书";
/// The national form's issuer, printed at the foot of the cover.
pub const NATIONAL_ISSUER: &str = "国家卫生健康委科技教育司制";

/// The applicant's statement under the fields of the provincial cover (Beijing's form in seed 003),
/// for [`FormInput::cover_note`].
pub const PROVINCIAL_COVER_NOTE: &str = "（项目申办单位承诺：本单位最近一个周期年检或校验合格。本项目已征得授课教师的\
    知情同意并留存相关证据备查，对所填写信息的真实性、完整性和准确性负责）";

/// Why a PDF could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    /// Characters the embedded font has no glyph for, with the field each was found in (first
    /// occurrence). They would otherwise disappear from the printout.
    #[error("{}", missing_message(.0))]
    MissingGlyphs(Vec<(String, char)>),
    /// krilla refused to write the document.
    #[error("PDF无法生成：{0}")]
    Pdf(String),
    /// A layout constant is invalid (a programming error).
    #[error("PDF版面错误：{0}")]
    Layout(&'static str),
}

fn missing_message(missing: &[(String, char)]) -> String {
    let list: Vec<String> = missing
        .iter()
        .map(|(field, ch)| {
            let code = format!("U+{:04X}", u32::from(*ch));
            if field.is_empty() {
                format!("“{ch}”（{code}）")
            } else {
                format!("{field}中的“{ch}”（{code}）")
            }
        })
        .collect();
    format!("PDF字体中没有以下字符，无法打印：{}。请改用规范汉字或删除该字符。", list.join("、"))
}

/// Everything printed on the 申报书. Empty strings print as empty fields (to fill in by hand).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FormInput {
    /// The form's title, e.g. [`NATIONAL_TITLE`] or "2025年北京市级继续医学教育推荐项目申报书".
    pub title: String,
    /// The year under the title: "（2025年）". `None` for titles that already name the year.
    pub year: Option<Year>,
    /// Printed at the foot of the cover, e.g. [`NATIONAL_ISSUER`]; empty for none.
    pub issuer: String,
    /// 申请代码 (second-level subject – third-level subject – sequence); empty before submission.
    pub application_code: String,
    /// 项目名称
    pub project_name: String,
    /// 所在学科 (二、三级学科), e.g. "临床内科学-心血管病学".
    pub subject: String,
    /// 项目类别 of a provincial project (基础训练类 …). `Some` prints the provincial cover of seed
    /// 003: 所在学科（二、三级学科）, 申办单位（盖章） and 项目类别, without the leader (who is on
    /// the leader's page). `None` prints the national cover: 所在学科, 项目负责人, 申报单位.
    pub category: Option<String>,
    /// 项目负责人, on the national cover.
    pub leader_name: String,
    /// 申报单位, the standard name as on the seal.
    pub applicant: String,
    /// 申报日期
    pub application_date: Option<NaiveDate>,
    /// A statement printed under the cover fields (the provincial form's unit commitment); empty for none.
    pub cover_note: String,

    /// 教学对象
    pub audience: String,
    /// 拟招生人数
    pub planned_enrollment: String,
    /// 教学总时长（小时）
    pub total_hours: String,
    /// 讲授理论时长（小时）
    pub theory_hours: String,
    /// 实践（技术示范）时长（小时）
    pub practice_hours: String,
    /// 拟招收外省学员占比（%）, without the sign.
    pub outside_province_share: String,
    /// 拟招收基层单位学员占比（%）, without the sign.
    pub grassroots_share: String,
    /// 单位联系电话
    pub unit_phone: String,
    /// 单位联系人
    pub unit_contact: String,
    /// 项目负责人通讯地址
    pub leader_address: String,
    /// 项目负责人联系电话
    pub leader_phone: String,
    /// 同行评议意见: the peer reviewer as printed under the text, e.g. "李明  主任医师  北京大学第一医院".
    pub peer_reviewer: String,
    /// 推荐理由 (the peer review's text, at least 200 characters).
    pub recommendation: String,
    /// 申报单位意见; usually empty, written by hand.
    pub unit_opinion: String,
    /// The labels of the opinion rows of the authorities above the unit, top to bottom, e.g.
    /// `["省级卫生健康行政部门意见"]`; each gets an empty row with a stamp and date line.
    pub authority_opinions: Vec<String>,
    /// 其他需要说明的情况
    pub other_notes: String,

    /// The leader's page.
    pub leader: LeaderInput,
    /// 项目负责人近三年继续医学教育项目申报、执行情况, one row per year, oldest first. Empty
    /// prints three rows with the years left blank, to fill in by hand.
    pub history: Vec<HistoryYear>,
    /// 项目申报单位及项目负责人所在科室基本情况
    pub unit_situation: String,

    /// 课程及教师信息; the table is left out when empty.
    pub teachers: Vec<TeacherRow>,
    /// 举办期次 (when and where each holding takes place); the table is left out when empty.
    pub periods: Vec<PeriodRow>,
}

/// The leader's block of the 申报书.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LeaderInput {
    /// 项目负责人姓名
    pub name: String,
    /// 性别
    pub gender: String,
    /// 出生年月, e.g. "1968年3月".
    pub birth_month: String,
    /// 项目负责人身份证号码
    pub id_number: String,
    /// 职称
    pub title: String,
    /// 职务
    pub post: String,
    /// 最高学历
    pub education: String,
    /// 工作单位
    pub employer: String,
    /// 是否在职（岗）: "是" or "否".
    pub in_post: String,
    /// 从事专业（二、三级学科）
    pub specialty: String,
    /// 主要成绩 (at least 300 characters).
    pub achievements: String,
}

/// One year of the leader's history: the project numbers applied for at each level and whether
/// they were carried out. A year without projects prints empty boxes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoryYear {
    /// The year, e.g. 2023; `None` leaves it blank.
    pub year: Option<Year>,
    /// 国家级项目编号 (the box 国家级 is ticked when there is one).
    pub national: Vec<String>,
    /// 省级项目编号 (the box 省级 is ticked when there is one).
    pub provincial: Vec<String>,
    /// 是否执行; `None` when there was no project.
    pub executed: Option<bool>,
}

/// One teacher of 课程及教师信息.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TeacherRow {
    /// 姓名
    pub name: String,
    /// 专业技术职称
    pub title: String,
    /// 教学方法, e.g. "讲授" or "技术示范".
    pub method: String,
    /// 所在单位
    pub employer: String,
    /// 讲授题目或实验内容
    pub topic: String,
    /// 学时
    pub hours: String,
}

/// One holding (期) of the project.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeriodRow {
    /// 举办时间, e.g. "2025年5月10日至5月12日".
    pub dates: String,
    /// 举办地点
    pub place: String,
}

/// What the 承诺书 prints besides its fixed text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommitmentInput {
    /// The project the leader is responsible for, filled into "本人负责____继续医学教育项目".
    pub project_name: String,
}

/// The 申报书 as an A4 PDF: a cover page, then the project table, the leader's page, the
/// courses and holdings when given, with signature, stamp and date lines.
pub fn application_form(input: &FormInput) -> Result<Vec<u8>, PdfError> {
    check_coverage(&application::fields(input))?;
    let pages = application::layout(input);
    layout::render(&pages, &input.title)
}

/// The project leader's 承诺书 as a one-page A4 PDF, with the project name filled in and lines
/// for the leader's signature and the date.
pub fn commitment(input: &CommitmentInput) -> Result<Vec<u8>, PdfError> {
    check_coverage(&[("项目名称", input.project_name.as_str())])?;
    let pages = commitment::layout(input);
    layout::render(&pages, commitment::TITLE)
}

/// Fails with every character (and the field it is in) the font cannot print.
fn check_coverage(fields: &[(&str, &str)]) -> Result<(), PdfError> {
    let mut missing: Vec<(String, char)> = Vec::new();
    for (field, text) in fields {
        for ch in font::FONT.missing(text) {
            if !missing.iter().any(|(_, c)| *c == ch) {
                missing.push((field.to_string(), ch));
            }
        }
    }
    if missing.is_empty() { Ok(()) } else { Err(PdfError::MissingGlyphs(missing)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_names_field_character_and_code_point() {
        let err = check_coverage(&[("项目负责人", "王\u{E000}")]).unwrap_err();
        assert_eq!(err, PdfError::MissingGlyphs(vec![("项目负责人".into(), '\u{E000}')]));
        assert_eq!(
            err.to_string(),
            "PDF字体中没有以下字符，无法打印：项目负责人中的“\u{E000}”（U+E000）。请改用规范汉字或删除该字符。"
        );
        assert!(check_coverage(&[("项目负责人", "王喆 李堃 䶮")]).is_ok());
    }
}
