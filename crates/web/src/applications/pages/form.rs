//! The 申报书 form, step by step: which fields each step shows and how each is entered (a table of
//! specs), the views the edit page renders from it, and how a submitted step becomes the document.

use jijiao_domain::review::{Application, Finding, Severity};
use serde_json::Value;

use super::json_path::{get_path, set_path, text_of};

// ---- the form, step by step ----

/// How a field is entered and turned into its JSON value.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Text,
    Area,
    /// A whole number (JSON number).
    Int,
    /// Hours, credits, shares: one decimal at most (the document reads the text).
    Tenths,
    Bool,
    Date,
    Choice(&'static [(&'static str, &'static str)]),
    /// A choice that may be left empty (`null`).
    OptChoice(&'static [(&'static str, &'static str)]),
}

impl Kind {
    fn code(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Area => "area",
            Kind::Int => "int",
            Kind::Tenths => "tenths",
            Kind::Bool => "bool",
            Kind::Date => "date",
            Kind::Choice(_) => "choice",
            Kind::OptChoice(_) => "optchoice",
        }
    }
}

pub(super) struct FieldSpec {
    pub(super) path: &'static str,
    pub(super) label: &'static str,
    pub(super) kind: Kind,
    pub(super) hint: &'static str,
    /// The picker a text field offers while typing (issue 18: codes were typed from memory): the id
    /// of a datalist on the page, `subjects` (by name or code) or `titles`; empty for none.
    pub(super) list: &'static str,
}

pub(super) const fn f(path: &'static str, label: &'static str, kind: Kind) -> FieldSpec {
    FieldSpec { path, label, kind, hint: "", list: "" }
}

pub(super) const fn fh(path: &'static str, label: &'static str, kind: Kind, hint: &'static str) -> FieldSpec {
    FieldSpec { path, label, kind, hint, list: "" }
}

impl FieldSpec {
    const fn picked_from(self, list: &'static str) -> Self {
        FieldSpec { list, ..self }
    }
}

/// A table of rows (teachers, periods, the leader's earlier projects): column paths are relative.
pub(super) struct RowSpec {
    pub(super) array: &'static str,
    pub(super) label: &'static str,
    pub(super) columns: &'static [FieldSpec],
    /// Empty rows offered below the filled ones.
    pub(super) blank: usize,
}

pub(super) struct StepSpec {
    pub(super) code: &'static str,
    pub(super) label: &'static str,
    pub(super) fields: &'static [FieldSpec],
    pub(super) rows: &'static [RowSpec],
}

pub(super) const LEVELS: &[(&str, &str)] = &[("national", "国家级"), ("provincial", "省级"), ("district", "区级")];
pub(super) const KINDS: &[(&str, &str)] = &[("recommended", "推荐项目"), ("promoted", "推广项目")];
pub(super) const DELIVERIES: &[(&str, &str)] = &[("face_to_face", "面授"), ("remote", "远程")];
pub(super) const TYPES: &[(&str, &str)] = &[("general", "普通项目"), ("community_required", "社区必修课")];
pub(super) const CATEGORIES: &[(&str, &str)] =
    &[("basic_training", "基础训练类"), ("improvement", "学习提高类"), ("frontier", "前沿进展类")];
pub(super) const UNIT_TYPES: &[(&str, &str)] = &[
    ("hospital", "医疗卫生机构"),
    ("teaching", "教学机构"),
    ("research", "科研机构"),
    ("society", "学（协）会"),
    ("remote_provider", "远程教育机构"),
    ("other", "其他"),
];
pub(super) const INSPECTIONS: &[(&str, &str)] = &[
    ("passed", "合格"),
    ("suspended", "暂缓校验"),
    ("revoked", "撤销执业许可"),
    ("failed", "年检不合格"),
    ("deregistered", "注销法人"),
];
/// 最高学历: the list of `jijiao_domain::degree`, after a blank that asks for a choice (the blank
/// is sent as `""`, which the review reports, so the form requires a choice).
pub(super) const DEGREES: &[(&str, &str)] = &[
    ("", "（请选择）"),
    ("博士研究生", "博士研究生"),
    ("硕士研究生", "硕士研究生"),
    ("本科", "本科"),
    ("大专", "大专"),
    ("中专及以下", "中专及以下"),
];
pub(super) const METHODS: &[(&str, &str)] =
    &[("lecture", "理论讲授"), ("demonstration", "技术示范"), ("practice", "实践操作")];

pub(super) const STEPS: [StepSpec; 5] = [
    StepSpec {
        code: "basic",
        label: "项目基本信息",
        fields: &[
            f("year", "申报年度", Kind::Int),
            f("level", "项目级别", Kind::Choice(LEVELS)),
            f("kind", "项目性质", Kind::Choice(KINDS)),
            f("project_type", "项目类型", Kind::Choice(TYPES)),
            fh("category", "项目类别", Kind::OptChoice(CATEGORIES), "仅省级项目填写"),
            f("delivery", "举办方式", Kind::Choice(DELIVERIES)),
            f("practical_training", "实操训练类项目", Kind::Bool),
            f("clinical_skills", "临床技能项目", Kind::Bool),
            f("mutual_recognition", "京津冀互认项目", Kind::Bool),
            f("infectious_disease_training", "传染病防治知识培训类项目", Kind::Bool),
            fh("subject.secondary", "二级学科代码", Kind::Text, "如 03；可输入学科名称选择").picked_from("subjects"),
            fh("subject.tertiary", "三级学科代码", Kind::Text, "如 03-07；可输入学科名称选择").picked_from("subjects"),
            f("name", "项目名称", Kind::Text),
            f("summary", "项目内容及创新之处", Kind::Area),
            f("audience", "教学对象", Kind::Text),
            f("planned_enrollment", "拟招生人数", Kind::Int),
            f("total_hours", "教学总时长（小时）", Kind::Tenths),
            f("theory_hours", "讲授理论时长（小时）", Kind::Tenths),
            f("practice_hours", "实践（技术示范）时长（小时）", Kind::Tenths),
            f("credits", "拟授学分", Kind::Tenths),
            fh("outside_province_share", "拟招收外省学员占比（%）", Kind::Tenths, "原则不低于10%"),
            fh("grassroots_share", "拟招收基层单位学员占比（%）", Kind::Tenths, "原则不低于10%"),
            fh("applicant.name", "申报单位（与公章一致）", Kind::Text, "单位标准名称"),
            f("applicant.contact_name", "单位联系人", Kind::Text),
            fh(
                "applicant.contact_phone",
                "单位联系电话",
                Kind::Text,
                "手机号或带区号的固定电话，如 010-69156114；已保存的号码以掩码显示，不修改则保持不变",
            ),
            f("applicant.unit_type", "单位类型", Kind::Choice(UNIT_TYPES)),
            f("applicant.province", "单位所在省份", Kind::Text),
            f("applicant.cme_qualified", "具备继续医学教育项目举办资质", Kind::Bool),
            f("applicant.remote_qualified", "具备远程继续医学教育资质", Kind::Bool),
            f("applicant.inspection", "最近一个周期年检或校验结果", Kind::Choice(INSPECTIONS)),
        ],
        rows: &[],
    },
    StepSpec {
        code: "leader",
        label: "项目负责人信息",
        fields: &[
            f("leader.name", "项目负责人姓名", Kind::Text),
            fh("leader.id_number", "身份证号码", Kind::Text, "已保存的号码以掩码显示，不修改则保持不变"),
            f("leader.title", "职称", Kind::Text).picked_from("titles"),
            f("leader.post", "职务", Kind::Text),
            f("leader.degree", "最高学历", Kind::Choice(DEGREES)),
            f("leader.employer", "工作单位", Kind::Text),
            f("leader.in_post", "是否在职（岗）", Kind::Bool),
            f("leader.address", "项目负责人通讯地址", Kind::Text),
            fh(
                "leader.phone",
                "项目负责人联系电话",
                Kind::Text,
                "手机号或带区号的固定电话；已保存的号码以掩码显示，不修改则保持不变",
            ),
            fh("leader.specialty", "从事专业（二、三级学科）", Kind::Text, "如 临床内科学-心血管病学"),
            fh("leader.achievements", "在临床诊疗、教学、科研等方面的主要成绩", Kind::Area, "不少于300字"),
            fh(
                "unit_situation",
                "项目申报单位及项目负责人所在科室基本情况",
                Kind::Area,
                "组织架构、配套政策、经费支持、培训场地、师资队伍等，不少于300字",
            ),
        ],
        rows: &[RowSpec {
            array: "leader.history",
            label: "近三年继续医学教育项目申报、执行情况（优先填写国家级项目）",
            columns: &[
                f("year", "年度", Kind::Int),
                f("level", "级别", Kind::Choice(LEVELS)),
                f("number", "项目编号", Kind::Text),
                f("executed", "是否执行", Kind::Bool),
            ],
            blank: 3,
        }],
    },
    StepSpec {
        code: "courses",
        label: "课程及教师信息",
        fields: &[],
        rows: &[RowSpec {
            array: "teachers",
            label: "授课教师及课程",
            columns: &[
                f("name", "教师姓名", Kind::Text),
                f("title", "职称", Kind::Text).picked_from("titles"),
                f("employer", "工作单位", Kind::Text),
                f("topic", "授课内容", Kind::Text),
                f("method", "授课方式", Kind::Choice(METHODS)),
                f("hours", "学时", Kind::Tenths),
            ],
            blank: 3,
        }],
    },
    StepSpec {
        code: "periods",
        label: "多期举办信息",
        fields: &[],
        rows: &[RowSpec {
            array: "periods",
            label: "举办期次",
            columns: &[
                f("start", "开始日期", Kind::Date),
                f("end", "结束日期", Kind::Date),
                f("place", "举办地点", Kind::Text),
                f("province", "所在省份", Kind::Text),
            ],
            blank: 2,
        }],
    },
    StepSpec {
        code: "final",
        label: "推荐意见、同行评议与承诺",
        fields: &[
            fh("recommendation", "同行评议推荐理由", Kind::Area, "不少于200字，建议注明培训内容、形式等"),
            fh("peer_reviewer.name", "同行评议专家姓名", Kind::Text, "外单位同学科副高级及以上职称专家"),
            f("peer_reviewer.title", "专家职称", Kind::Text).picked_from("titles"),
            f("peer_reviewer.employer", "专家工作单位", Kind::Text),
            fh("peer_reviewer.subject", "专家所在学科代码", Kind::Text, "如 03-07；可输入学科名称选择")
                .picked_from("subjects"),
            fh(
                "commitment_signed",
                "项目负责人已签署承诺书",
                Kind::Bool,
                "本单位最近一个周期年检或校验合格；已征得授课教师的知情同意并留存证据；对所填信息的真实性、完整性和准确性负责",
            ),
        ],
        rows: &[],
    },
];

pub(super) fn step_spec(code: &str) -> Option<&'static StepSpec> {
    STEPS.iter().find(|s| s.code == code)
}

/// The step a finding's field belongs to (context findings belong to none).
pub(super) fn step_of_field(field: &str) -> Option<&'static str> {
    let starts = |p: &str| field == p || field.starts_with(&format!("{p}.")) || field.starts_with(&format!("{p}["));
    if starts("context") {
        None
    } else if starts("leader") || starts("unit_situation") {
        Some("leader")
    } else if starts("teachers") {
        Some("courses")
    } else if starts("periods") {
        Some("periods")
    } else if starts("recommendation") || starts("peer_reviewer") || starts("commitment_signed") {
        Some("final")
    } else {
        Some("basic")
    }
}

/// Where a finding's field is on the form, for people: its Chinese label (issue 18: never the raw
/// path `leader.title`), its step, and the id of the element to link to (`f-` and the path, for
/// a field; the table's for a row or the table), if the form has one.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub(crate) struct FieldPlace {
    pub(crate) label: String,
    /// The step's code; empty for the application's conditions (`context.…`).
    pub(crate) step: &'static str,
    pub(crate) anchor: Option<String>,
}

/// Labels of the document's objects that hold several fields of the form.
const GROUPS: &[(&str, &str)] =
    &[("subject", "学科"), ("leader", "项目负责人"), ("applicant", "申报单位"), ("peer_reviewer", "同行评议专家")];

pub(crate) fn field_place(path: &str) -> FieldPlace {
    let step = step_of_field(path);
    let code = step.unwrap_or("");
    let Some(step) = step.and_then(step_spec) else {
        return FieldPlace { label: "申报条件".into(), step: "", anchor: None };
    };
    if let Some(spec) = STEPS.iter().flat_map(|s| s.fields).find(|f| f.path == path) {
        return FieldPlace { label: spec.label.into(), step: code, anchor: Some(format!("f-{path}")) };
    }
    for rs in STEPS.iter().flat_map(|s| s.rows) {
        let table = Some(format!("f-{}", rs.array));
        if path == rs.array {
            return FieldPlace { label: rs.label.into(), step: code, anchor: table };
        }
        let Some(rest) = path.strip_prefix(rs.array).and_then(|r| r.strip_prefix('[')) else { continue };
        let Some((index, rest)) = rest.split_once(']') else { continue };
        let Ok(index) = index.parse::<usize>() else { continue };
        let row = format!("{}第{}行", rs.label, index + 1);
        let column = rest.strip_prefix('.').and_then(|c| rs.columns.iter().find(|s| s.path == c));
        return match column {
            Some(c) => {
                FieldPlace { label: format!("{row}“{}”", c.label), step: code, anchor: Some(format!("f-{path}")) }
            }
            None => FieldPlace { label: row, step: code, anchor: table },
        };
    }
    let group = GROUPS.iter().find(|(p, _)| path == *p || path.starts_with(&format!("{p}.")));
    FieldPlace { label: group.map_or(step.label, |(_, l)| l).into(), step: code, anchor: None }
}

#[derive(Clone)]
pub(super) struct FindingView {
    pub(super) field: String,
    pub(super) error: bool,
    pub(super) message: String,
    pub(super) step: String,
    pub(super) step_label: String,
    /// The field's Chinese label.
    pub(super) label: String,
    /// The element of the field on its step's page (`f-leader.title`), when there is one.
    pub(super) anchor: String,
}

impl FindingView {
    /// The link to the field from the edit page of step `current`: within the page for its own
    /// step's findings (what is typed stays), to the other step's page otherwise.
    pub(super) fn href(&self, id: &i64, current: &str) -> String {
        let anchor = if self.anchor.is_empty() { "application-form" } else { &self.anchor };
        if self.step == current {
            format!("#{anchor}")
        } else {
            format!("/applications/{id}/edit?step={}#{anchor}", self.step)
        }
    }
}

pub(super) fn finding_view(f: &Finding) -> FindingView {
    let place = field_place(&f.field);
    FindingView {
        field: f.field.clone(),
        error: f.severity == Severity::Error,
        message: f.message.clone(),
        step: place.step.to_string(),
        step_label: step_spec(place.step).map_or("申报条件", |s| s.label).to_string(),
        label: place.label,
        anchor: place.anchor.unwrap_or_default(),
    }
}

pub(super) struct OptionView {
    pub(super) code: &'static str,
    pub(super) label: &'static str,
    pub(super) selected: bool,
}

pub(super) struct FieldView {
    /// The document path, also the form name.
    pub(super) path: String,
    pub(super) label: &'static str,
    pub(super) kind: &'static str,
    pub(super) hint: &'static str,
    pub(super) value: String,
    pub(super) options: Vec<OptionView>,
    pub(super) findings: Vec<FindingView>,
    pub(super) list: &'static str,
}

pub(super) struct RowsView {
    pub(super) array: &'static str,
    pub(super) label: &'static str,
    pub(super) rows: Vec<Vec<FieldView>>,
    /// Findings about the table as a whole (`teachers`).
    pub(super) findings: Vec<FindingView>,
}

/// The value at a dotted path with `[i]` indices.
pub(super) fn field_view(spec: &FieldSpec, path: String, value: String, findings: &[FindingView]) -> FieldView {
    let options = match spec.kind {
        Kind::Choice(opts) | Kind::OptChoice(opts) => {
            opts.iter().map(|(code, label)| OptionView { code, label, selected: *code == value }).collect()
        }
        Kind::Bool => vec![
            OptionView { code: "true", label: "是", selected: value == "true" },
            OptionView { code: "false", label: "否", selected: value != "true" },
        ],
        _ => Vec::new(),
    };
    let mine =
        findings.iter().filter(|f| f.field == path || f.field.starts_with(&format!("{path}."))).cloned().collect();
    FieldView {
        path,
        label: spec.label,
        kind: spec.kind.code(),
        hint: spec.hint,
        value,
        options,
        findings: mine,
        list: spec.list,
    }
}

/// How a value of personal data is shown (`jijiao_domain::personal`).
pub(super) type Mask = fn(&str) -> String;

/// The fields of personal data, with their masks: views show them masked (the whole values stay
/// in the store), and a mask sent back unchanged keeps the stored value.
pub(super) const MASKED: &[(&str, Mask)] = &[
    ("leader.id_number", jijiao_domain::personal::mask_id_number),
    ("leader.phone", jijiao_domain::personal::mask_phone),
    ("applicant.contact_phone", jijiao_domain::personal::mask_phone),
];

/// A value as views show it: masked when it is personal data ([`MASKED`]).
pub(super) fn shown_value(path: &str, value: String) -> String {
    match MASKED.iter().find(|(p, _)| *p == path) {
        Some((_, mask)) if !value.trim().is_empty() => mask(&value),
        _ => value,
    }
}

/// The document as the page carries it for the live check: personal data masked.
pub(super) fn masked_document(doc: &Value) -> Value {
    let mut masked = doc.clone();
    for (path, _) in MASKED {
        if let Some(value) = get_path(doc, path).filter(|v| !v.is_null()) {
            set_path(&mut masked, path, Value::String(shown_value(path, text_of(Some(value)))));
        }
    }
    masked
}

pub(super) fn step_views(step: &StepSpec, doc: &Value, findings: &[FindingView]) -> (Vec<FieldView>, Vec<RowsView>) {
    let fields = step
        .fields
        .iter()
        .map(|spec| {
            field_view(spec, spec.path.to_string(), shown_value(spec.path, text_of(get_path(doc, spec.path))), findings)
        })
        .collect();
    let rows = step
        .rows
        .iter()
        .map(|rs| {
            let existing = get_path(doc, rs.array).and_then(Value::as_array).map_or(0, Vec::len);
            let rows = (0..existing + rs.blank)
                .map(|i| {
                    rs.columns
                        .iter()
                        .map(|c| {
                            let path = format!("{}[{i}].{}", rs.array, c.path);
                            let value = text_of(get_path(doc, &path));
                            field_view(c, path, value, findings)
                        })
                        .collect()
                })
                .collect();
            RowsView {
                array: rs.array,
                label: rs.label,
                rows,
                findings: findings.iter().filter(|f| f.field == rs.array).cloned().collect(),
            }
        })
        .collect();
    (fields, rows)
}

/// One entered value as its JSON value, or a Chinese message naming the field.
pub(super) fn json_value(kind: Kind, label: &str, text: &str) -> Result<Value, String> {
    let text = text.trim();
    Ok(match kind {
        Kind::Text | Kind::Area | Kind::Date | Kind::Choice(_) => Value::String(text.to_string()),
        Kind::OptChoice(_) if text.is_empty() => Value::Null,
        Kind::OptChoice(_) => Value::String(text.to_string()),
        Kind::Bool => Value::Bool(text == "true"),
        Kind::Int => {
            let n: u64 = if text.is_empty() {
                0
            } else {
                text.parse().map_err(|_| format!("“{label}”应为整数，当前为“{text}”"))?
            };
            Value::from(n)
        }
        Kind::Tenths => {
            if text.is_empty() {
                Value::from(0)
            } else {
                Value::String(text.to_string())
            }
        }
    })
}

/// Applies one step's submitted fields to the stored document (as JSON). Fields not sent stay as
/// they were; a table is rebuilt from its rows, leaving out rows with nothing typed in. A value
/// that is not of its field's kind is kept as typed, so the page shown again holds everything
/// typed (issue 18: a bad 拟招生人数 reverted the 学分 typed after it), and every such field is
/// named in the error. Personal data sent back as its mask ([`MASKED`]) keeps the stored value.
pub(super) fn apply_step(step: &StepSpec, doc: &mut Value, form: &[(String, String)]) -> Result<(), String> {
    let value = |name: &str| form.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let mut problems = Vec::new();
    let mut entered = |kind: Kind, label: &str, text: &str| {
        json_value(kind, label, text).unwrap_or_else(|message| {
            problems.push(message);
            Value::String(text.trim().to_string())
        })
    };
    for spec in step.fields {
        let Some(text) = value(spec.path) else { continue };
        // Personal data is shown masked: an unchanged mask keeps the stored value (`doc` is the
        // stored document). Another text with `*` goes as typed, for the review to refuse.
        let stored = get_path(doc, spec.path).filter(|v| !v.is_null()).map(|v| text_of(Some(v)));
        if text.contains('*') && stored.is_some_and(|s| shown_value(spec.path, s) == text.trim()) {
            continue;
        }
        set_path(doc, spec.path, entered(spec.kind, spec.label, text));
    }
    for rs in step.rows {
        let prefix = format!("{}[", rs.array);
        if !form.iter().any(|(k, _)| k.starts_with(&prefix)) {
            continue;
        }
        let mut indices: Vec<usize> =
            form.iter().filter_map(|(k, _)| k.strip_prefix(&prefix)?.split(']').next()?.parse().ok()).collect();
        indices.sort_unstable();
        indices.dedup();
        let mut rows = Vec::new();
        for i in indices {
            let cell = |c: &FieldSpec| value(&format!("{}[{i}].{}", rs.array, c.path)).unwrap_or("").trim().to_string();
            // Choices and yes/no always carry a value: a row counts when something was typed.
            let typed = rs
                .columns
                .iter()
                .filter(|c| matches!(c.kind, Kind::Text | Kind::Int | Kind::Tenths | Kind::Date | Kind::Area))
                .any(|c| !cell(c).is_empty());
            if !typed {
                continue;
            }
            let mut row = serde_json::Map::new();
            for c in rs.columns {
                let label = format!("{}第{}行“{}”", rs.label, rows.len() + 1, c.label);
                row.insert(c.path.to_string(), entered(c.kind, &label, &cell(c)));
            }
            rows.push(Value::Object(row));
        }
        set_path(doc, rs.array, Value::Array(rows));
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("；")) }
}

/// Reads the document back (field paths named in the message when a value cannot be read).
pub(super) fn parse_document(doc: &Value) -> Result<Application, String> {
    jijiao_domain::review::parse_application(&doc.to_string()).map_err(|e| e.to_string())
}

/// The document as the form sent it, read as far as it reads (issue 18: one non-number in a number
/// field stopped the whole live review): each value that does not read is a finding naming its
/// field, and is replaced by the stored value (or, in a row the stored document lacks, loses its
/// row) before the rest is read again. An error no value explains (not JSON at all) is returned.
pub(crate) fn read_leniently(
    mut sent: Value,
    stored: &Value,
) -> Result<(Application, Vec<Finding>), jijiao_domain::document::DocumentError> {
    let mut unreadable: Vec<Finding> = Vec::new();
    loop {
        let e = match jijiao_domain::review::parse_application(&sent.to_string()) {
            Ok(app) => return Ok((app, unreadable)),
            Err(e) => e,
        };
        if e.path.is_empty() || unreadable.iter().any(|f| f.field == e.path) || unreadable.len() >= 50 {
            return Err(e);
        }
        let typed = get_path(&sent, &e.path).map(|v| text_of(Some(v))).filter(|t| !t.is_empty());
        let replaced = match (get_path(stored, &e.path).cloned(), super::json_path::get_path_mut(&mut sent, &e.path)) {
            (Some(value), Some(slot)) => {
                *slot = value;
                true
            }
            _ => super::json_path::remove_row(&mut sent, &e.path),
        };
        if !replaced {
            return Err(e);
        }
        let reason = e.message.strip_prefix("类型错误，").unwrap_or(&e.message);
        let message = match typed {
            Some(text) => format!("{reason}，当前为“{}”", text.chars().take(40).collect::<String>()),
            None => reason.to_string(),
        };
        unreadable.push(Finding { rule: "form.unreadable", severity: Severity::Error, field: e.path, message });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = include_str!("../../../../domain/tests/fixtures/review/valid_national.json");

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_step_changes_only_what_it_sends_and_rebuilds_tables_from_typed_rows() {
        let mut doc: Value = serde_json::from_str(VALID).unwrap();
        let courses = step_spec("courses").unwrap();
        let sent = form(&[
            ("teachers[0].name", "张丽"),
            ("teachers[0].title", "主任医师"),
            ("teachers[0].employer", "北京协和医院"),
            ("teachers[0].topic", "指南解读"),
            ("teachers[0].method", "demonstration"),
            ("teachers[0].hours", "7.5"),
            ("teachers[1].name", " "),
            ("teachers[1].method", "lecture"),
        ]);
        apply_step(courses, &mut doc, &sent).unwrap();
        let app = parse_document(&doc).unwrap();
        assert_eq!(app.teachers.len(), 1, "the empty row is left out");
        assert_eq!(app.teachers[0].hours.tenths(), 75);
        assert_eq!(app.name, "心力衰竭规范化诊疗新进展学习班", "other steps' fields stay");
    }

    #[test]
    fn the_masked_id_number_keeps_the_stored_one_and_bad_numbers_name_their_field() {
        let mut doc: Value = serde_json::from_str(VALID).unwrap();
        let leader = step_spec("leader").unwrap();
        let stored = "110105196803151233";
        let shown = shown_value("leader.id_number", stored.to_string());
        assert!(shown.contains('*') && !shown.contains("19680315"));
        // The phone too (issue 18 point 14): its mask keeps it; a new number replaces it.
        let phone = shown_value("leader.phone", "13901234567".into());
        assert_eq!(phone, "139****4567");
        let sent = form(&[("leader.id_number", &shown), ("leader.in_post", "false"), ("leader.phone", &phone)]);
        apply_step(leader, &mut doc, &sent).unwrap();
        let app = parse_document(&doc).unwrap();
        assert_eq!(app.leader.id_number, stored);
        assert_eq!(app.leader.phone.as_deref(), Some("13901234567"));
        assert!(!app.leader.in_post);
        apply_step(leader, &mut doc, &form(&[("leader.phone", "010-69156114"), ("leader.degree", "")])).unwrap();
        let app = parse_document(&doc).unwrap();
        assert_eq!((app.leader.phone.as_deref(), app.leader.degree.as_deref()), (Some("010-69156114"), Some("")));
        let masked = masked_document(&serde_json::to_value(&app).unwrap());
        assert_eq!(
            (masked["leader"]["phone"].as_str(), masked["applicant"]["contact_phone"].as_str()),
            (Some("010*****6114"), Some("010*****2431"))
        );
        assert!(masked["leader"]["id_number"].as_str().unwrap().contains('*'));
        let basic = step_spec("basic").unwrap();
        // Every bad field is named; everything typed stays, the good and the bad (issue 18).
        let sent = form(&[("planned_enrollment", "很多"), ("credits", "4"), ("total_hours", "12"), ("year", "明年")]);
        let err = apply_step(basic, &mut doc, &sent).unwrap_err();
        assert!(err.contains("拟招生人数") && err.contains("很多") && err.contains("申报年度"), "{err}");
        assert_eq!((doc["credits"].as_str(), doc["total_hours"].as_str()), (Some("4"), Some("12")));
        assert_eq!(doc["planned_enrollment"], "很多");
        let mut doc: Value = serde_json::from_str(VALID).unwrap();
        apply_step(basic, &mut doc, &form(&[("category", "")])).unwrap();
        assert_eq!(doc["category"], Value::Null);
    }

    /// Findings name their field by its label and link to it (issue 18).
    #[test]
    fn findings_name_their_field_by_its_label() {
        let place = |path: &str| {
            let p = field_place(path);
            (p.label, p.step, p.anchor)
        };
        assert_eq!(place("leader.title"), ("职称".into(), "leader", Some("f-leader.title".into())));
        assert_eq!(
            place("peer_reviewer.subject"),
            ("专家所在学科代码".into(), "final", Some("f-peer_reviewer.subject".into()))
        );
        assert_eq!(place("commitment_signed").0, "项目负责人已签署承诺书");
        assert_eq!(
            place("teachers[2].hours"),
            ("授课教师及课程第3行“学时”".into(), "courses", Some("f-teachers[2].hours".into()))
        );
        assert_eq!(place("periods[0]"), ("举办期次第1行".into(), "periods", Some("f-periods".into())));
        assert_eq!(place("teachers"), ("授课教师及课程".into(), "courses", Some("f-teachers".into())));
        assert_eq!(place("subject"), ("学科".into(), "basic", None));
        assert_eq!(place("context.window"), ("申报条件".into(), "", None));
        // Every field of every step has a label of its own, never its path.
        for step in &STEPS {
            for field in step.fields {
                assert_eq!(field_place(field.path).label, field.label);
            }
        }
    }

    /// A value that does not read is one finding; the rest of the document is still read.
    #[test]
    fn a_bad_number_is_one_finding_among_the_others() {
        let stored: Value = serde_json::from_str(VALID).unwrap();
        let mut sent = stored.clone();
        sent["planned_enrollment"] = Value::String("abc".into());
        sent["credits"] = Value::String("4".into());
        sent["teachers"][0]["hours"] = Value::String("很多".into());
        let extra = serde_json::json!({"name": "新教师", "title": "主任医师", "employer": "北京医院", "topic": "x",
            "method": "lecture", "hours": "x"});
        sent["teachers"].as_array_mut().unwrap().push(extra);
        let rows = sent["teachers"].as_array().unwrap().len();
        let (app, findings) = read_leniently(sent, &stored).unwrap();
        let fields: Vec<&str> = findings.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["planned_enrollment", "teachers[0].hours", &format!("teachers[{}].hours", rows - 1)]);
        assert!(findings[0].message.contains("当前为“abc”"), "{}", findings[0].message);
        assert_eq!(app.credits.tenths(), 40, "the fields typed after the bad one are read");
        assert_eq!(app.planned_enrollment, stored["planned_enrollment"].as_u64().unwrap() as u32);
        assert!(read_leniently(Value::String("x".into()), &stored).is_err());
    }

    #[test]
    fn findings_belong_to_the_step_of_their_field() {
        assert_eq!(step_of_field("teachers[2].title"), Some("courses"));
        assert_eq!(step_of_field("leader.history"), Some("leader"));
        assert_eq!(step_of_field("unit_situation"), Some("leader"));
        assert_eq!(step_of_field("peer_reviewer.subject"), Some("final"));
        assert_eq!(step_of_field("periods"), Some("periods"));
        assert_eq!(step_of_field("context.window"), None);
        assert_eq!(step_of_field("name"), Some("basic"));
        // Every field of the form is a path of the document.
        let doc: Value = serde_json::from_str(VALID).unwrap();
        for step in &STEPS {
            for field in step.fields {
                assert!(get_path(&doc, field.path).is_some(), "{}", field.path);
            }
            for rows in step.rows {
                assert!(get_path(&doc, rows.array).is_some_and(Value::is_array), "{}", rows.array);
            }
        }
    }
}
