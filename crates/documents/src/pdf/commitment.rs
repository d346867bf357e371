//! The project leader's 承诺书, word for word as in seed 003, with the project name filled in.

use super::CommitmentInput;
use super::font::{FONT, wrap};
use super::layout::{A4_HEIGHT, A4_WIDTH, Align, Flow, MM, Op, Pages, SignPart, aligned, baseline, line_height};

pub(super) const TITLE: &str = "继续医学教育项目负责人承诺书";

/// The five commitments, in full.
pub(super) const COMMITMENTS: [&str; 5] = [
    "1.规范开展继续医学教育活动，严格考试和考核，不随意变更授课教师、不压缩教学时长，不借用本项目名称举办\
     其他内容的学习班，加强学分管理，杜绝弄虚作假、乱授学分和乱发证书。",
    "2.坚持继续医学教育活动公益性质，严格项目经费管理，按照财务规定合规收费规范使用，不以营利为目的。坚决\
     抵制商业贿赂，个人不接受企业及相关利益方提供的赞助、旅游和娱乐等服务，不收企业及相关利益方各种名义的\
     财物。课件不含医药企业或产品的标识、商品名、广告或产品组信息。",
    "3.落实意识形态主体责任，对所负责的项目严把意识形态审核关，传播正能量，绝不给错误思想观点提供传播渠道。",
    "4.严格落实中央八项规定及其实施细则精神，不以继续医学教育名义组织与培训无关的活动，不在国家明令禁止举办\
     会议培训的风景区举办项目，不组织与项目无关的参观考察和旅游观光等活动。",
    "5.严格遵守医疗卫生行业会议活动管理的相关要求，不进行产品推介活动，不从事其他有关法律规明令禁止的行为。",
];

/// 四号 (14 pt), the size of official letters.
const SIZE: f32 = 14.0;
const LEADING: f32 = 1.8;

pub(super) fn layout(input: &CommitmentInput) -> Pages {
    let left = 28.0 * MM;
    let right = A4_WIDTH - 26.0 * MM;
    let mut flow = Flow::new(30.0 * MM, A4_HEIGHT - 25.0 * MM, left, right);

    let title_size = 22.0;
    flow.push(aligned(left, right, baseline(flow.y, title_size), title_size, TITLE, Align::Center));
    flow.y += line_height(title_size) + 8.0 * MM;

    // "本人负责____继续医学教育项目。" with the name underlined, wrapped like the rest.
    let name = input.project_name.trim();
    let name = if name.is_empty() { "　".repeat(12) } else { name.to_string() };
    let opening = format!("本人负责{name}继续医学教育项目。");
    underlined_paragraph(&mut flow, &opening, 4, name.chars().count());
    flow.paragraph("对此，我郑重承诺：", SIZE, 2.0 * SIZE, LEADING);
    for item in COMMITMENTS {
        flow.paragraph(item, SIZE, 2.0 * SIZE, LEADING);
    }
    flow.paragraph("若违反上述承诺，本人愿意承担相关责任。", SIZE, 2.0 * SIZE, LEADING);

    // Signature and date, right-aligned, with room to sign.
    // The signature needs 12 mm of space, its line, 12 mm and the date line.
    flow.y += 12.0 * MM;
    if flow.y + 12.0 * MM + 2.0 * line_height(SIZE) > flow.bottom {
        flow.new_page();
    }
    let y = baseline(flow.y, SIZE);
    flow.sign_line(&[SignPart::Text("项目负责人签名："), SignPart::Blank(45.0 * MM)], right, y, SIZE);
    flow.y += 12.0 * MM;
    let y = baseline(flow.y, SIZE);
    flow.sign_line(
        &[
            SignPart::Text("年"),
            SignPart::Gap(12.0 * MM),
            SignPart::Text("月"),
            SignPart::Gap(12.0 * MM),
            SignPart::Text("日"),
        ],
        right - 4.0 * MM,
        y,
        SIZE,
    );
    flow.finish()
}

/// A paragraph with characters `from .. from + count` (in chars) underlined, indented two
/// characters, wrapped over the full width.
fn underlined_paragraph(flow: &mut Flow, text: &str, from: usize, count: usize) {
    let lh = SIZE * LEADING;
    let mut position = 0;
    for line in wrap(text, SIZE, flow.width(), 2.0 * SIZE) {
        let top = flow.y + (lh - line_height(SIZE)) / 2.0;
        let y = baseline(top, SIZE);
        let x = flow.left + line.indent;
        flow.push(Op::Text { x, y, size: SIZE, text: line.text.clone() });
        let chars: Vec<char> = line.text.chars().collect();
        let start = from.saturating_sub(position).min(chars.len());
        let end = (from + count).saturating_sub(position).min(chars.len());
        if start < end {
            let before: String = chars[..start].iter().collect();
            let under: String = chars[start..end].iter().collect();
            let x1 = x + FONT.width(&before, SIZE);
            let x2 = x1 + FONT.width(&under, SIZE);
            flow.push(Op::Line { x1, y1: y + 3.0, x2, y2: y + 3.0, width: 0.7 });
        }
        position += chars.len();
        flow.y += lh;
    }
}
