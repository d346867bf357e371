//! The 申报书: the cover page and the table pages of the paper form (附件2 of seed 003).

use super::font::{FONT, wrap};
use super::layout::{
    A4_HEIGHT, A4_WIDTH, Align, BODY, Block, Cell, Column, Flow, MM, Op, Pages, SignPart, aligned, baseline, col,
    date_parts, line_height, number_pages, text_op,
};
use super::{FormInput, HistoryYear};

/// Every printed input field with its label, for the coverage check.
pub(super) fn fields(input: &FormInput) -> Vec<(&'static str, &str)> {
    let leader = &input.leader;
    let mut fields = vec![
        ("标题", input.title.as_str()),
        ("制表单位", &input.issuer),
        ("申请代码", &input.application_code),
        ("项目名称", &input.project_name),
        ("所在学科", &input.subject),
        ("项目类别", input.category.as_deref().unwrap_or("")),
        ("项目负责人", &input.leader_name),
        ("申报单位", &input.applicant),
        ("封面说明", &input.cover_note),
        ("教学对象", &input.audience),
        ("拟招生人数", &input.planned_enrollment),
        ("教学总时长", &input.total_hours),
        ("讲授理论时长", &input.theory_hours),
        ("实践时长", &input.practice_hours),
        ("拟招收外省学员占比", &input.outside_province_share),
        ("拟招收基层单位学员占比", &input.grassroots_share),
        ("单位联系电话", &input.unit_phone),
        ("单位联系人", &input.unit_contact),
        ("项目负责人通讯地址", &input.leader_address),
        ("项目负责人联系电话", &input.leader_phone),
        ("同行评议专家", &input.peer_reviewer),
        ("推荐理由", &input.recommendation),
        ("申报单位意见", &input.unit_opinion),
        ("其他需要说明的情况", &input.other_notes),
        ("项目负责人姓名", &leader.name),
        ("性别", &leader.gender),
        ("出生年月", &leader.birth_month),
        ("身份证号码", &leader.id_number),
        ("职称", &leader.title),
        ("职务", &leader.post),
        ("最高学历", &leader.education),
        ("工作单位", &leader.employer),
        ("是否在职（岗）", &leader.in_post),
        ("从事专业", &leader.specialty),
        ("主要成绩", &leader.achievements),
        ("基本情况", &input.unit_situation),
    ];
    for label in &input.authority_opinions {
        fields.push(("意见栏", label));
    }
    for year in &input.history {
        for number in year.national.iter().chain(&year.provincial) {
            fields.push(("近三年项目编号", number));
        }
    }
    for teacher in &input.teachers {
        fields.extend([
            ("授课教师姓名", teacher.name.as_str()),
            ("授课教师职称", &teacher.title),
            ("教学方法", &teacher.method),
            ("授课教师单位", &teacher.employer),
            ("讲授题目", &teacher.topic),
            ("学时", &teacher.hours),
        ]);
    }
    for period in &input.periods {
        fields.extend([("举办时间", period.dates.as_str()), ("举办地点", &period.place)]);
    }
    fields
}

const MARGIN_X: f32 = 20.0 * MM;
const MARGIN_TOP: f32 = 20.0 * MM;
const MARGIN_BOTTOM: f32 = 22.0 * MM;
/// The label column's share of the table width, the same in every table of the form.
const LABEL: f32 = 0.18;

pub(super) fn layout(input: &FormInput) -> Pages {
    let mut flow = Flow::new(MARGIN_TOP, A4_HEIGHT - MARGIN_BOTTOM, MARGIN_X, A4_WIDTH - MARGIN_X);
    cover(&mut flow, input);
    flow.new_page();
    project_table(&mut flow, input);
    flow.new_page();
    leader_table(&mut flow, input);
    if !input.teachers.is_empty() || !input.periods.is_empty() {
        flow.new_page();
    }
    if !input.teachers.is_empty() {
        teachers_table(&mut flow, input);
    }
    if !input.periods.is_empty() {
        periods_table(&mut flow, input);
    }
    let mut pages = flow.finish();
    number_pages(&mut pages, 1);
    pages
}

fn cover(flow: &mut Flow, input: &FormInput) {
    let left = flow.left;
    let right = flow.right;
    // 申请代码 in the top left corner, with a line to write on when there is none yet.
    let y = 25.0 * MM;
    flow.push(text_op(left, y, 12.0, "申请代码："));
    let code_x = left + FONT.width("申请代码：", 12.0);
    if input.application_code.is_empty() {
        flow.push(Op::Line { x1: code_x, y1: y + 3.0, x2: code_x + 45.0 * MM, y2: y + 3.0, width: 0.6 });
    } else {
        flow.push(text_op(code_x, y, 12.0, &input.application_code));
    }

    // The title, centred, wrapped when long (provincial titles name the province and year).
    let mut top = 70.0 * MM;
    let title_size = 22.0;
    for line in wrap(&input.title, title_size, right - left, 0.0) {
        flow.push(aligned(left, right, baseline(top, title_size), title_size, &line.text, Align::Center));
        top += line_height(title_size);
    }
    if let Some(year) = input.year {
        top += 4.0 * MM;
        let text = format!("（{year}年）");
        flow.push(aligned(left, right, baseline(top, 16.0), 16.0, &text, Align::Center));
    }

    // The fields: a spaced-out label and the value on a line, as on the paper form. The national
    // form asks for the leader and the 申报单位; the provincial one (the form with a 项目类别)
    // for the 申办单位 with its seal on the cover and the subject at both levels.
    let date = input.application_date.map(|d| d.format("%Y年%-m月%-d日").to_string()).unwrap_or_default();
    let rows: Vec<CoverRow> = match &input.category {
        None => vec![
            CoverRow::new("项目名称", &input.project_name),
            CoverRow::new("所在学科", &input.subject),
            CoverRow::new("项目负责人", &input.leader_name),
            CoverRow::new("申报单位", &input.applicant),
            CoverRow::new("申报日期", &date),
        ],
        Some(category) => vec![
            CoverRow::new("项目名称", &input.project_name),
            CoverRow { sub: Some("（二、三级学科）"), ..CoverRow::new("所在学科", &input.subject) },
            CoverRow::new("申办单位（盖章）", &input.applicant),
            CoverRow::new("申报日期", &date),
            CoverRow::new("项目类别", category),
        ],
    };
    let size = 15.0;
    let label_left = left + 12.0 * MM;
    // Labels of up to five characters are spread over five, as 项 目 名 称 on the paper form;
    // a longer one (申办单位（盖章）) keeps its natural width and moves the value lines right.
    let spread = 5.0 * size;
    let label_width = rows.iter().map(|r| FONT.width(r.label, size)).fold(spread, f32::max);
    let value_left = label_left + label_width + 4.0 * MM;
    let value_right = right - 12.0 * MM;
    let note_lines =
        if input.cover_note.is_empty() { vec![] } else { wrap(&input.cover_note, BODY, value_right - label_left, 0.0) };
    let note_height = if note_lines.is_empty() { 0.0 } else { 4.0 * MM + note_lines.len() as f32 * line_height(BODY) };
    let laid: Vec<_> = rows
        .into_iter()
        .map(|row| {
            let lines = wrap(row.value, size, value_right - value_left - 4.0, 0.0);
            (row, lines)
        })
        .collect();
    // The fields start at the paper form's height, with 11 mm between the lines to write on. Long
    // values (a project name over several lines) move them up towards the title, and if that is
    // not enough the continuation lines of a value close up, rather than run into the issuer.
    let limit = if input.issuer.is_empty() { A4_HEIGHT - MARGIN_BOTTOM } else { A4_HEIGHT - 52.0 * MM };
    let highest = top + 20.0 * MM;
    let advance = |row: &CoverRow, lines: usize, continuation: f32| {
        let sub_lines = if row.sub.is_some() { 1.0 } else { 0.0 };
        11.0 * MM + lines.saturating_sub(1) as f32 * continuation + 5.0 * MM + sub_lines * line_height(BODY)
    };
    let needed = |continuation: f32| {
        laid.iter().map(|(row, lines)| advance(row, lines.len(), continuation)).sum::<f32>() + note_height
    };
    let continuation = if highest + needed(11.0 * MM) <= limit { 11.0 * MM } else { line_height(size) };
    let mut y = (125.0 * MM).min(limit - needed(continuation)).max(highest);
    for (row, lines) in laid {
        spaced(flow, label_left, spread, y, size, row.label);
        if let Some(sub) = row.sub {
            let sub_y = y + line_height(BODY);
            flow.push(aligned(label_left, label_left + spread, sub_y, BODY, sub, Align::Center));
        }
        for (n, line) in lines.iter().enumerate() {
            let line_y = y + n as f32 * continuation;
            flow.push(Op::Line { x1: value_left, y1: line_y + 5.0, x2: value_right, y2: line_y + 5.0, width: 0.8 });
            flow.push(aligned(value_left + 2.0, value_right - 2.0, line_y, size, &line.text, Align::Center));
        }
        y += advance(&row, lines.len(), continuation);
    }
    if !note_lines.is_empty() {
        y += 4.0 * MM;
        for line in note_lines {
            flow.push(text_op(label_left + line.indent, y, BODY, &line.text));
            y += line_height(BODY);
        }
    }
    if !input.issuer.is_empty() {
        let y = A4_HEIGHT - 40.0 * MM;
        flow.push(aligned(left, right, y, 16.0, &input.issuer, Align::Center));
    }
}

/// One field of the cover: its label (with a smaller second line under it, as the provincial
/// form prints "（二、三级学科）") and the value written on the line.
struct CoverRow<'a> {
    label: &'static str,
    sub: Option<&'static str>,
    value: &'a str,
}

impl<'a> CoverRow<'a> {
    fn new(label: &'static str, value: &'a str) -> Self {
        CoverRow { label, sub: None, value }
    }
}

/// A label with its characters spread over `width`, as the paper forms print 项 目 名 称. A label
/// wider than `width` is printed as it is.
fn spaced(flow: &mut Flow, left: f32, width: f32, y: f32, size: f32, label: &str) {
    let chars: Vec<char> = label.chars().collect();
    let used: f32 = chars.iter().map(|c| FONT.width(c.encode_utf8(&mut [0; 4]), size)).sum();
    let gap = if chars.len() > 1 { ((width - used) / (chars.len() - 1) as f32).max(0.0) } else { 0.0 };
    let mut x = left;
    for ch in chars {
        let text = ch.to_string();
        flow.push(text_op(x, y, size, &text));
        x += FONT.width(&text, size) + gap;
    }
}

fn project_table(flow: &mut Flow, input: &FormInput) {
    let min = 30.0;
    flow.row(
        &[
            col(LABEL, Cell::label("教学对象")),
            col(0.32, Cell::value(&input.audience)),
            col(0.20, Cell::label("拟招生人数")),
            col(0.30, Cell::value(&input.planned_enrollment)),
        ],
        min,
    );
    flow.row(
        &[
            col(LABEL, Cell::label("教学总时长（小时）")),
            col(0.32, Cell::value(&input.total_hours)),
            Column {
                share: 0.20,
                cells: vec![Cell::label("讲授理论时长（小时）"), Cell::label("实践（技术示范）时长（小时）")],
            },
            Column { share: 0.30, cells: vec![Cell::value(&input.theory_hours), Cell::value(&input.practice_hours)] },
        ],
        min,
    );
    flow.row(
        &[
            col(LABEL, Cell::label("拟招收外省学员占比（%）")),
            col(0.32, Cell::value(&input.outside_province_share)),
            col(0.20, Cell::label("拟招收基层单位学员占比（%）")),
            col(0.30, Cell::value(&input.grassroots_share)),
        ],
        min,
    );
    flow.row(
        &[
            col(LABEL, Cell::label("申报单位")),
            col(0.22, Cell::value(&input.applicant)),
            col(0.13, Cell::label("单位联系电话")),
            col(0.16, Cell::value(&input.unit_phone)),
            col(0.13, Cell::label("单位联系人")),
            col(0.18, Cell::value(&input.unit_contact)),
        ],
        min,
    );
    flow.row(
        &[
            col(LABEL, Cell::label("项目负责人通讯地址")),
            col(0.32, Cell::value(&input.leader_address)),
            col(0.20, Cell::label("项目负责人联系电话")),
            col(0.30, Cell::value(&input.leader_phone)),
        ],
        min,
    );
    let mut reviewer_sign = vec![SignPart::Text("评议专家签字："), SignPart::Blank(90.0), SignPart::Gap(12.0)];
    reviewer_sign.extend(date_parts());
    flow.block(&Block {
        label: Some("同行评议意见".into()),
        heading: Some("推荐理由（不少于200字）。建议注明推荐理由如：培训内容、形式等。".into()),
        body: input.recommendation.clone(),
        after: if input.peer_reviewer.is_empty() {
            vec![]
        } else {
            vec![format!("评议专家：{}", input.peer_reviewer)]
        },
        sign: Some(reviewer_sign),
        min_height: 200.0,
    });
    let mut unit_sign = vec![
        SignPart::Text("负责人签字："),
        SignPart::Blank(80.0),
        SignPart::Gap(16.0),
        SignPart::Text("（单位盖章）"),
        SignPart::Gap(6.0),
    ];
    unit_sign.extend(date_parts());
    flow.block(&Block {
        label: Some("申报单位意见".into()),
        body: input.unit_opinion.clone(),
        sign: Some(unit_sign),
        min_height: 100.0,
        ..Block::default()
    });
    for label in &input.authority_opinions {
        let mut sign = vec![SignPart::Text("（盖章）"), SignPart::Gap(6.0)];
        sign.extend(date_parts());
        flow.block(&Block { label: Some(label.clone()), sign: Some(sign), min_height: 90.0, ..Block::default() });
    }
    flow.block(&Block {
        label: Some("其他需要说明的情况".into()),
        body: input.other_notes.clone(),
        min_height: 60.0,
        ..Block::default()
    });
}

fn leader_table(flow: &mut Flow, input: &FormInput) {
    let leader = &input.leader;
    let min = 30.0;
    flow.row(
        &[
            col(LABEL, Cell::label("项目负责人姓名")),
            col(0.15, Cell::value(&leader.name)),
            col(0.10, Cell::label("性别")),
            col(0.15, Cell::value(&leader.gender)),
            col(0.14, Cell::label("出生年月")),
            col(0.28, Cell::value(&leader.birth_month)),
        ],
        min,
    );
    flow.row(&[col(LABEL, Cell::label("项目负责人身份证号码")), col(1.0 - LABEL, Cell::value(&leader.id_number))], min);
    flow.row(
        &[
            col(LABEL, Cell::label("职称")),
            col(0.15, Cell::value(&leader.title)),
            col(0.10, Cell::label("职务")),
            col(0.15, Cell::value(&leader.post)),
            col(0.14, Cell::label("最高学历")),
            col(0.28, Cell::value(&leader.education)),
        ],
        min,
    );
    flow.row(
        &[
            col(LABEL, Cell::label("工作单位")),
            col(0.23, Cell::value(&leader.employer)),
            col(0.14, Cell::label("是否在职（岗）")),
            col(0.08, Cell::value(&leader.in_post)),
            // Wide enough for "从事专业（二、" with its hanging comma.
            col(0.17, Cell::label("从事专业（二、三级学科）")),
            col(0.20, Cell::value(&leader.specialty)),
        ],
        min,
    );
    flow.block(&Block {
        heading: Some("项目负责人在临床诊疗、教学、科研等促进学科发展方面的主要成绩（不少于300字）".into()),
        body: leader.achievements.clone(),
        min_height: 140.0,
        ..Block::default()
    });
    history(flow, input);
    flow.block(&Block {
        heading: Some(
            "项目申报单位及项目负责人所在科室基本情况（主要表述与项目有关的基本情况，如组织架构、配套政策、\
             经费支持、培训场地、师资队伍等方面）（不少于300字）"
                .into(),
        ),
        body: input.unit_situation.clone(),
        min_height: 140.0,
        ..Block::default()
    });
    let mut sign = vec![SignPart::Text("项目负责人签字："), SignPart::Blank(100.0), SignPart::Gap(16.0)];
    sign.extend(date_parts());
    flow.block(&Block { sign: Some(sign), min_height: 40.0, ..Block::default() });
}

/// 近三年继续医学教育项目申报、执行情况: per year a line of check boxes and a line of numbers.
fn history(flow: &mut Flow, input: &FormInput) {
    let size = BODY;
    let lh = line_height(size);
    let pad = 4.0;
    let inner = flow.width() - 2.0 * pad;
    let heading = "项目负责人近三年继续医学教育项目申报、执行情况（优先填写国家级项目）：";
    // A form without a history (printed to fill in by hand) gets the paper form's three rows,
    // with room to write the years.
    let blank = [HistoryYear::default(), HistoryYear::default(), HistoryYear::default()];
    let years: &[HistoryYear] = if input.history.is_empty() { &blank } else { &input.history };
    let mut rows = Vec::new();
    for year in years {
        let numbers = |list: &[String]| if list.is_empty() { "________".to_string() } else { list.join("，") };
        let text = format!("国家级项目编号：{}、省级项目编号：{}", numbers(&year.national), numbers(&year.provincial));
        rows.push((year, wrap(&text, size, inner - 2.0 * size, 0.0)));
    }
    let height = 2.0 * pad + lh * (1.0 + rows.iter().map(|(_, l)| 1.0 + l.len() as f32).sum::<f32>()) + 4.0;
    if flow.y + height > flow.bottom {
        flow.new_page();
    }
    let (left, top) = (flow.left, flow.y);
    flow.push(Op::Rect { x: left, y: top, w: flow.width(), h: height, width: 0.6 });
    let mut line_top = top + pad;
    flow.push(text_op(left + pad, baseline(line_top, size), size, heading));
    line_top += lh;
    for (year, numbers) in rows {
        let y = baseline(line_top, size);
        let mut x = left + pad;
        let printed_year = year.year.map_or_else(|| "______".to_string(), |y| y.to_string());
        let parts: [(String, Option<bool>); 5] = [
            (format!("{printed_year}年继续医学教育项目申报情况：国家级"), Some(!year.national.is_empty())),
            ("省级".into(), Some(!year.provincial.is_empty())),
            ("，是否执行：是".into(), Some(year.executed == Some(true))),
            ("否".into(), Some(year.executed == Some(false))),
            ("。".into(), None),
        ];
        for (text, checkbox) in parts {
            flow.push(text_op(x, y, size, &text));
            x += FONT.width(&text, size);
            if let Some(checked) = checkbox {
                check_box(flow, x + 2.0, y, size, checked);
                x += size + 6.0;
            }
        }
        line_top += lh;
        for line in numbers {
            flow.push(text_op(left + pad + 2.0 * size, baseline(line_top, size), size, &line.text));
            line_top += lh;
        }
    }
    flow.y += height;
}

/// A box the size of a character, ticked when `checked`, sitting on the baseline `y`.
fn check_box(flow: &mut Flow, x: f32, y: f32, size: f32, checked: bool) {
    let side = size * 0.85;
    let top = y - side + 1.0;
    flow.push(Op::Rect { x, y: top, w: side, h: side, width: 0.6 });
    if checked {
        let (a, b, c) = (
            (x + side * 0.18, top + side * 0.5),
            (x + side * 0.42, top + side * 0.78),
            (x + side * 0.85, top + side * 0.18),
        );
        flow.push(Op::Line { x1: a.0, y1: a.1, x2: b.0, y2: b.1, width: 1.0 });
        flow.push(Op::Line { x1: b.0, y1: b.1, x2: c.0, y2: c.1, width: 1.0 });
    }
}

/// A section title above a table: "课程及教师信息".
fn section_title(flow: &mut Flow, title: &str, first_row_height: f32) {
    let size = 12.0;
    let needed = line_height(size) + 6.0 + first_row_height;
    if flow.y + 8.0 + needed > flow.bottom {
        flow.new_page();
    } else if flow.y > flow.top {
        flow.y += 8.0;
    }
    let (left, right) = (flow.left, flow.right);
    flow.push(aligned(left, right, baseline(flow.y, size), size, title, Align::Center));
    flow.y += line_height(size) + 4.0;
}

/// A table with a header row that is repeated on every page it continues on.
fn table(flow: &mut Flow, title: &str, header: &[(f32, &str)], rows: &[Vec<String>]) {
    let header: Vec<Column> = header.iter().map(|(share, text)| col(*share, Cell::label(text))).collect();
    let min = 26.0;
    section_title(flow, title, 2.0 * min);
    flow.row(&header, min);
    for row in rows {
        let columns: Vec<Column> = header.iter().zip(row).map(|(h, text)| col(h.share, Cell::value(text))).collect();
        if flow.y + flow.row_height(&columns, min) > flow.bottom {
            flow.new_page();
            flow.row(&header, min);
        }
        flow.row(&columns, min);
    }
}

fn teachers_table(flow: &mut Flow, input: &FormInput) {
    let rows: Vec<Vec<String>> = input
        .teachers
        .iter()
        .map(|t| {
            vec![
                t.name.clone(),
                t.title.clone(),
                t.method.clone(),
                t.employer.clone(),
                t.topic.clone(),
                t.hours.clone(),
            ]
        })
        .collect();
    table(
        flow,
        "课程及教师信息",
        &[
            (0.11, "姓名"),
            (0.14, "专业技术职称"),
            (0.11, "教学方法"),
            (0.25, "所在单位"),
            (0.31, "讲授题目或实验内容"),
            (0.08, "学时"),
        ],
        &rows,
    );
}

fn periods_table(flow: &mut Flow, input: &FormInput) {
    let rows: Vec<Vec<String>> = input
        .periods
        .iter()
        .enumerate()
        .map(|(n, p)| vec![format!("第{}期", n + 1), p.dates.clone(), p.place.clone()])
        .collect();
    table(flow, "举办期次", &[(0.12, "期次"), (0.33, "举办时间"), (0.55, "举办地点")], &rows);
}
