//! The printable 申报书 and 承诺书: real PDFs with the font embedded, the Chinese text (rare name
//! characters included) recoverable by pdftotext, nothing dropped, and a clear error for a
//! character the font cannot print.

use std::io::Write;
use std::process::{Command, Stdio};

use chrono::NaiveDate;
use jijiao_documents::pdf::{
    CommitmentInput, FormInput, HistoryYear, LeaderInput, NATIONAL_ISSUER, NATIONAL_TITLE, PdfError, PeriodRow,
    TeacherRow, application_form, commitment,
};

/// A year for the tests (in range by construction).
fn y(year: u16) -> jijiao_domain::Year {
    jijiao_domain::Year::try_from(year).expect("a year in range")
}

const RECOMMENDATION: &str = "本项目围绕心力衰竭规范化诊疗这一临床紧缺领域，系统讲授最新国内外心衰指南、指南导向的药物治疗\
优化策略、器械治疗适应证、急性心衰的早期识别与救治以及心衰患者的全程管理和随访。培训采用专题讲座、病例讨论和技术示范相结合的\
形式，由本院和外院具有丰富临床经验的专家授课，内容先进实用、针对性强，尤其适合基层医院和中西部地区心内科医师提高心衰诊疗水平。\
项目负责人学术水平高，申报单位组织保障有力，前期同类项目执行情况良好，学员反馈积极，同意推荐申报国家级继续医学教育项目。";

fn form() -> FormInput {
    FormInput {
        title: NATIONAL_TITLE.into(),
        year: Some(y(2025)),
        issuer: NATIONAL_ISSUER.into(),
        application_code: "03-03-01-001".into(),
        project_name: "心力衰竭规范化诊疗新进展学习班".into(),
        subject: "临床内科学-心血管病学".into(),
        category: None,
        leader_name: "王喆".into(),
        applicant: "首都医科大学附属北京安贞医院".into(),
        application_date: NaiveDate::from_ymd_opt(2024, 11, 20),
        cover_note: String::new(),
        audience: "各级医院心血管内科及全科医师".into(),
        planned_enrollment: "200".into(),
        total_hours: "36".into(),
        theory_hours: "30".into(),
        practice_hours: "6".into(),
        outside_province_share: "20".into(),
        grassroots_share: "12.5".into(),
        unit_phone: "010-64456789".into(),
        unit_contact: "刘䶮".into(),
        leader_address: "北京市朝阳区安贞路2号".into(),
        leader_phone: "13800138000".into(),
        peer_reviewer: "李堃  主任医师  北京大学第一医院".into(),
        recommendation: RECOMMENDATION.into(),
        unit_opinion: String::new(),
        authority_opinions: vec!["省级卫生健康行政部门意见".into()],
        other_notes: String::new(),
        leader: LeaderInput {
            name: "王喆".into(),
            gender: "男".into(),
            birth_month: "1968年3月".into(),
            id_number: "110105196803151233".into(),
            title: "主任医师".into(),
            post: "科主任".into(),
            education: "博士研究生".into(),
            employer: "首都医科大学附属北京安贞医院".into(),
            in_post: "是".into(),
            specialty: "临床内科学-心血管病学".into(),
            achievements: "王喆主任医师长期从事心力衰竭与心血管危重症的临床诊疗、教学和科研工作。".repeat(8),
        },
        history: vec![
            HistoryYear { year: Some(y(2022)), ..HistoryYear::default() },
            HistoryYear {
                year: Some(y(2023)),
                national: vec!["2023-03-01-045（国）".into()],
                provincial: vec![],
                executed: Some(true),
            },
            HistoryYear {
                year: Some(y(2024)),
                national: vec![],
                provincial: vec!["2024-03-01-112（京）".into()],
                executed: Some(false),
            },
        ],
        unit_situation: "首都医科大学附属北京安贞医院是以心肺血管疾病诊疗为重点的三级甲等综合医院。".repeat(8),
        teachers: vec![
            TeacherRow {
                name: "李堃".into(),
                title: "副主任医师".into(),
                method: "讲授".into(),
                employer: "首都医科大学附属北京安贞医院".into(),
                topic: "指南导向的药物治疗优化".into(),
                hours: "6".into(),
            },
            TeacherRow {
                name: "赵䶮".into(),
                title: "主治医师".into(),
                method: "技术示范".into(),
                employer: "中国医学科学院阜外医院".into(),
                topic: "心脏超声评估技术示范".into(),
                hours: "6".into(),
            },
        ],
        periods: vec![PeriodRow {
            dates: "2025年5月10日至5月12日".into(), place: "北京市朝阳区安贞路2号".into()
        }],
    }
}

/// The text pdftotext gets back, or `None` (with a message) when it is not installed.
fn pdftotext(pdf: &[u8]) -> Option<String> {
    pdftotext_with(pdf, &[])
}

fn pdftotext_with(pdf: &[u8], args: &[&str]) -> Option<String> {
    let child = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .args(args)
        .args(["-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // CI installs poppler-utils (.ci/run), so there a missing pdftotext is a broken
            // setup, not a reason to pass without looking at the text.
            assert!(!in_ci(), "pdftotext not found on PATH but CI is set: install poppler-utils");
            eprintln!("pdftotext not found on PATH: skipping the text extraction check");
            return None;
        }
        Err(e) => panic!("pdftotext failed to start: {e}"),
    };
    child.stdin.take().expect("stdin").write_all(pdf).expect("write to pdftotext");
    let output = child.wait_with_output().expect("pdftotext runs");
    assert!(output.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&output.stderr));
    Some(String::from_utf8(output.stdout).expect("UTF-8 text"))
}

/// Whether we run in CI: `CI=true` (set by `.ci/run` and CI services) or `CI=1`, as `scripts/test`
/// decides it.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| matches!(v.as_str(), "true" | "1"))
}

fn without_whitespace(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Pages of the PDF: `/Type/Page` objects (not `/Pages`), as krilla writes them.
fn page_count(pdf: &[u8]) -> usize {
    let needle = b"/Type/Page";
    pdf.windows(needle.len() + 1).filter(|w| &w[..needle.len()] == needle && w[needle.len()] != b's').count()
}

fn assert_is_pdf_with_embedded_font(pdf: &[u8]) {
    if let Some(dir) = std::env::var_os("JIJIAO_PDF_DUMP") {
        let name = format!("{}.pdf", pdf.len());
        std::fs::write(std::path::Path::new(&dir).join(name), pdf).expect("dump");
    }
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    assert!(contains(pdf, b"/FontFile"), "no embedded font program");
    assert!(contains(pdf, b"NotoSansCJKsc"), "the embedded font is not Noto Sans CJK SC");
    assert!(contains(pdf, b"/ToUnicode"), "no ToUnicode map: text would not be searchable");
}

#[test]
fn the_application_form_is_a_pdf_with_the_chinese_text_and_rare_names() {
    let pdf = application_form(&form()).expect("renders");
    assert_is_pdf_with_embedded_font(&pdf);
    // Cover, project table, leader page (with the courses and holdings after it).
    assert!(page_count(&pdf) >= 3, "{} pages", page_count(&pdf));
    // krilla embeds a subset per document: far smaller than the 7.5 MB font.
    assert!(pdf.len() < 400_000, "{} bytes", pdf.len());

    let Some(text) = pdftotext(&pdf) else { return };
    let flat = without_whitespace(&text);
    for expected in [
        "继续医学教育推荐项目申报书",
        "（2025年）",
        "申请代码：03-03-01-001",
        "心力衰竭规范化诊疗新进展学习班",
        "临床内科学-心血管病学",
        "首都医科大学附属北京安贞医院",
        "2024年11月20日",
        "国家卫生健康委科技教育司制",
        "教学对象",
        "拟招生人数",
        // Labels wrap inside their cells as on the paper form; these parts stay on one line.
        "讲授理论时长",
        "实践（技术示范）",
        "占比（%）",
        "12.5",
        "同行评议意见",
        "评议专家签字：",
        "申报单位意见",
        "（单位盖章）",
        "省级卫生健康行政部门意见",
        "（盖章）",
        "其他需要说明的情况",
        "110105196803151233",
        "2023年继续医学教育项目申报情况：国家级",
        "2023-03-01-045（国）",
        "2024-03-01-112（京）",
        "项目负责人签字：",
        "课程及教师信息",
        "技术示范",
        "举办期次",
        "第1期",
        "王喆",
        "李堃",
        "刘䶮",
        "赵䶮",
    ] {
        assert!(flat.contains(expected), "missing {expected:?} in:\n{text}");
    }
    // A label too long for its cell breaks before its unit, as on the paper form.
    for label in ["教学总时长", "是否在职"] {
        assert!(text.lines().any(|line| line.trim() == label), "{label:?} is not a line of its own:\n{text}");
    }
    assert!(flat.contains(&without_whitespace(RECOMMENDATION)), "推荐理由 lost characters:\n{text}");
    assert!(flat.contains(&without_whitespace(&form().leader.achievements)), "主要成绩 lost characters:\n{text}");
}

#[test]
fn the_commitment_has_the_five_commitments_the_project_and_the_signature_line() {
    let project = "刘䶮教授团队心力衰竭规范化诊疗新进展学习班";
    let pdf = commitment(&CommitmentInput { project_name: project.into() }).expect("renders");
    assert_is_pdf_with_embedded_font(&pdf);
    assert_eq!(page_count(&pdf), 1);

    let Some(text) = pdftotext(&pdf) else { return };
    let flat = without_whitespace(&text);
    for expected in [
        "继续医学教育项目负责人承诺书",
        &format!("本人负责{project}继续医学教育项目。"),
        "对此，我郑重承诺：",
        "1.规范开展继续医学教育活动，严格考试和考核，不随意变更授课教师、不压缩教学时长，不借用本项目名称举办其他内容的学习班，加强学分管理，杜绝弄虚作假、乱授学分和乱发证书。",
        "2.坚持继续医学教育活动公益性质，严格项目经费管理，按照财务规定合规收费规范使用，不以营利为目的。坚决抵制商业贿赂，个人不接受企业及相关利益方提供的赞助、旅游和娱乐等服务，不收企业及相关利益方各种名义的财物。课件不含医药企业或产品的标识、商品名、广告或产品组信息。",
        "3.落实意识形态主体责任，对所负责的项目严把意识形态审核关，传播正能量，绝不给错误思想观点提供传播渠道。",
        "4.严格落实中央八项规定及其实施细则精神，不以继续医学教育名义组织与培训无关的活动，不在国家明令禁止举办会议培训的风景区举办项目，不组织与项目无关的参观考察和旅游观光等活动。",
        "5.严格遵守医疗卫生行业会议活动管理的相关要求，不进行产品推介活动，不从事其他有关法律规明令禁止的行为。",
        "若违反上述承诺，本人愿意承担相关责任。",
        "项目负责人签名：",
        "年月日",
    ] {
        assert!(flat.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn a_character_outside_the_font_is_refused_by_name_not_dropped() {
    let mut input = form();
    input.leader.name = "王\u{E000}".into();
    input.teachers[0].topic = "心衰\u{10FFFD}".into();
    let err = application_form(&input).expect_err("a private-use character cannot be printed");
    assert_eq!(
        err,
        PdfError::MissingGlyphs(vec![("项目负责人姓名".into(), '\u{E000}'), ("讲授题目".into(), '\u{10FFFD}')])
    );
    let message = err.to_string();
    assert!(message.contains("项目负责人姓名中的“\u{E000}”（U+E000）"), "{message}");
    assert!(message.contains("U+10FFFD"), "{message}");

    let err = commitment(&CommitmentInput { project_name: "学习班\u{F8FF}".into() }).expect_err("refused");
    assert_eq!(err, PdfError::MissingGlyphs(vec![("项目名称".into(), '\u{F8FF}')]));
}

#[test]
fn a_long_recommendation_wraps_over_several_pages_without_losing_characters() {
    let short = application_form(&form()).expect("renders");
    let mut input = form();
    // About 3,700 characters: far more than one page holds, with Latin words and numbers mixed in.
    let long: String = (1..=30)
        .map(|n| {
            format!(
                "第{n}点：本项目采用NT-proBNP检测与心脏超声评估相结合的方式，学员满意度达到95.5%以上，{RECOMMENDATION}"
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    input.recommendation = long.clone();
    let pdf = application_form(&input).expect("renders");
    if let Some(dir) = std::env::var_os("JIJIAO_PDF_DUMP") {
        std::fs::write(std::path::Path::new(&dir).join("long.pdf"), &pdf).expect("dump");
    }
    assert!(page_count(&pdf) >= page_count(&short) + 3, "{} vs {} pages", page_count(&pdf), page_count(&short));

    let Some(text) = pdftotext(&pdf) else { return };
    assert!(without_whitespace(&text).contains("意见（续）"), "the continued block is not labelled:\n{text}");
    // The text column alone (right of the label column, above the page numbers), read page by
    // page, gives the whole text back in order.
    let column =
        pdftotext_with(&pdf, &["-r", "72", "-x", "150", "-y", "0", "-W", "450", "-H", "790"]).expect("pdftotext");
    assert!(without_whitespace(&column).contains(&without_whitespace(&long)), "推荐理由 lost characters:\n{column}");
}

#[test]
fn an_empty_form_prints_as_a_blank_form_to_fill_in_by_hand() {
    let pdf = application_form(&FormInput::default()).expect("renders");
    assert_is_pdf_with_embedded_font(&pdf);
    // Cover, project table, leader page; no courses or holdings.
    assert_eq!(page_count(&pdf), 3);
    let Some(text) = pdftotext(&pdf) else { return };
    let flat = without_whitespace(&text);
    for expected in ["申请代码：", "项目名称", "同行评议意见", "项目负责人姓名", "项目负责人签字："]
    {
        assert!(flat.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(!flat.contains("课程及教师信息"), "an empty course table is printed:\n{text}");
    // The three years of the leader's history, with the years left blank to write in.
    assert_eq!(flat.matches("年继续医学教育项目申报情况：国家级").count(), 3, "{text}");
    assert_eq!(flat.matches("国家级项目编号：").count(), 3, "{text}");
}

#[test]
fn the_provincial_cover_wraps_its_long_title_and_prints_category_and_unit_statement() {
    let mut input = form();
    input.title = "2025年北京市级继续医学教育推荐项目申报书".into();
    input.year = None;
    input.issuer = String::new();
    input.category = Some("学习提高类".into());
    input.cover_note =
        "（项目申办单位承诺：本单位最近一个周期年检或校验合格。本项目已征得授课教师的知情同意并留存相关证据备查，\
        对所填写信息的真实性、完整性和准确性负责）"
            .into();
    input.authority_opinions = vec!["区卫生健康行政部门意见".into()];
    let pdf = application_form(&input).expect("renders");
    assert_is_pdf_with_embedded_font(&pdf);
    let Some(text) = pdftotext(&pdf) else { return };
    let flat = without_whitespace(&text);
    for expected in [
        "2025年北京市级继续医学教育推荐项目申报书",
        "项目类别",
        "学习提高类",
        // The provincial cover asks for the subject at both levels and the applicant's seal.
        "（二、三级学科）",
        "申办单位（盖章）",
        "本项目已征得授课教师的知情同意并留存相关证据备查",
        "区卫生健康行政部门意见",
    ] {
        assert!(flat.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(!flat.contains("国家卫生健康委科技教育司制"), "{text}");
    // The constant callers use is the statement printed here.
    assert_eq!(jijiao_documents::pdf::PROVINCIAL_COVER_NOTE, input.cover_note);
    assert!(!flat.contains("省级卫生健康行政部门意见"), "{text}");
}

#[test]
fn a_long_project_name_wraps_on_the_cover_and_stays_above_the_issuer() {
    let mut input = form();
    // Eight lines on the cover: without moving up, 申报日期 would be printed below the issuer.
    input.project_name = "心力衰竭规范化诊疗与全程管理新进展暨基层医师能力提升学习班".repeat(6);
    let pdf = application_form(&input).expect("renders");
    assert_is_pdf_with_embedded_font(&pdf);
    let Some(text) = pdftotext_with(&pdf, &["-layout", "-f", "1", "-l", "1"]) else { return };
    let flat = without_whitespace(&text);
    assert!(flat.contains(&input.project_name), "the project name lost characters:\n{text}");
    let date = flat.find("2024年11月20日").expect("the date is on the cover");
    let issuer = flat.find(NATIONAL_ISSUER).expect("the issuer is on the cover");
    assert!(date < issuer, "the fields run into the issuer's line:\n{text}");
}
