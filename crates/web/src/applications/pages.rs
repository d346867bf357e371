//! Pages of applications: the unit's list, the 申报书 of seed 003 in five steps with the formal
//! review beside every field (live, through the static script), the detail with the review chain,
//! the reviewers' lists with filters and Excel export, and the windows each level's office sets.
//! Every decision is made in [`jijiao_app::applications`]; these handlers only translate forms.
//!
//! The form fields are named by their path in the Application document (`leader.title`,
//! `teachers[2].hours`), the same paths the findings name, so the server places findings beside
//! their fields and the script rebuilds the document for the live check without a second mapping.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use jijiao_app::applications::print::{self, Printout};
use jijiao_app::applications::{self as ops, ListQuery, SetWindow, WindowView};
use jijiao_domain::authz::Role;
use jijiao_domain::authz::applications as rules;
use jijiao_domain::org::{Level, OrgKind};
use jijiao_domain::review::workflow::{Status, Step, needs_comment};
use jijiao_domain::review::{Application, Finding, Review, Severity};
use jijiao_storage::OrgId;
use jijiao_storage::applications::StoredApplication;
use serde::Deserialize;
use serde_json::Value;

use crate::auth::{MaybePrincipal, PageUser, Principal};
use crate::csrf::CsrfToken;
use crate::pages::{Layout, PageForm, error_page, render};
use crate::routes::Routes;
use crate::{ApiError, AppState};

pub fn routes() -> Routes {
    Routes::new()
        .get("/applications", list_page)
        .get("/applications/new", new_page)
        .post("/applications", create)
        .get("/applications/{id}", detail_page)
        .get("/applications/{id}/form.pdf", form_pdf)
        .get("/applications/{id}/commitment.pdf", commitment_pdf)
        .get("/applications/{id}/edit", edit_page)
        .post("/applications/{id}/edit", save)
        .post("/applications/{id}/steps", take_step)
        .post("/applications/{id}/copy", copy)
        .post("/applications/{id}/delete", delete)
        .get("/application-windows", windows_page)
        .post("/application-windows", set_window)
}

/// This area's entries in the menu of a signed-in, confirmed user.
pub fn menu(p: &Principal, items: &mut Vec<(&'static str, &'static str)>) {
    if rules::is_applicant_role(&p.grants) || rules::is_reviewer(&p.grants) {
        let label = if rules::is_reviewer(&p.grants) { "项目审核" } else { "项目申报" };
        items.push(("/applications", label));
        items.push(("/application-windows", "申报时间"));
    }
}

fn layout(current: &str, p: &Principal, csrf: &CsrfToken) -> Layout {
    Layout::new(current, &MaybePrincipal(Some(p.clone())), csrf)
}

/// Turns an operation's error into the page a person sees.
fn failure(e: impl Into<ApiError>) -> Response {
    match e.into() {
        ApiError::NotFound => {
            error_page(StatusCode::NOT_FOUND, "页面不存在", "您访问的申报书不存在，或不在您的管理范围内。")
        }
        ApiError::Forbidden => error_page(StatusCode::FORBIDDEN, "没有权限", "此操作超出了您的权限或管理范围。"),
        ApiError::InvalidInput { message, .. } | ApiError::BadRequest(message) | ApiError::Conflict(message) => {
            error_page(StatusCode::UNPROCESSABLE_ENTITY, "无法完成操作", &message)
        }
        other => {
            tracing::error!(error = %other, "applications page failed");
            error_page(StatusCode::SERVICE_UNAVAILABLE, "暂时无法完成", "系统暂时无法完成此操作，请稍后再试。")
        }
    }
}

fn forbidden(message: &str) -> Response {
    error_page(StatusCode::FORBIDDEN, "没有权限", message)
}

fn may_use(p: &Principal) -> bool {
    rules::is_applicant_role(&p.grants) || rules::is_reviewer(&p.grants)
}

// ---- the form, step by step ----

/// How a field is entered and turned into its JSON value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
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

struct FieldSpec {
    path: &'static str,
    label: &'static str,
    kind: Kind,
    hint: &'static str,
}

const fn f(path: &'static str, label: &'static str, kind: Kind) -> FieldSpec {
    FieldSpec { path, label, kind, hint: "" }
}

const fn fh(path: &'static str, label: &'static str, kind: Kind, hint: &'static str) -> FieldSpec {
    FieldSpec { path, label, kind, hint }
}

/// A table of rows (teachers, periods, the leader's earlier projects): column paths are relative.
struct RowSpec {
    array: &'static str,
    label: &'static str,
    columns: &'static [FieldSpec],
    /// Empty rows offered below the filled ones.
    blank: usize,
}

struct StepSpec {
    code: &'static str,
    label: &'static str,
    fields: &'static [FieldSpec],
    rows: &'static [RowSpec],
}

const LEVELS: &[(&str, &str)] = &[("national", "国家级"), ("provincial", "省级"), ("district", "区级")];
const KINDS: &[(&str, &str)] = &[("recommended", "推荐项目"), ("promoted", "推广项目")];
const DELIVERIES: &[(&str, &str)] = &[("face_to_face", "面授"), ("remote", "远程")];
const TYPES: &[(&str, &str)] = &[("general", "普通项目"), ("community_required", "社区必修课")];
const CATEGORIES: &[(&str, &str)] =
    &[("basic_training", "基础训练类"), ("improvement", "学习提高类"), ("frontier", "前沿进展类")];
const UNIT_TYPES: &[(&str, &str)] = &[
    ("hospital", "医疗卫生机构"),
    ("teaching", "教学机构"),
    ("research", "科研机构"),
    ("society", "学（协）会"),
    ("remote_provider", "远程教育机构"),
    ("other", "其他"),
];
const INSPECTIONS: &[(&str, &str)] = &[
    ("passed", "合格"),
    ("suspended", "暂缓校验"),
    ("revoked", "撤销执业许可"),
    ("failed", "年检不合格"),
    ("deregistered", "注销法人"),
];
const METHODS: &[(&str, &str)] = &[("lecture", "理论讲授"), ("demonstration", "技术示范"), ("practice", "实践操作")];

const STEPS: [StepSpec; 5] = [
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
            fh("subject.secondary", "二级学科代码", Kind::Text, "如 03"),
            fh("subject.tertiary", "三级学科代码", Kind::Text, "如 03-07"),
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
            f("leader.title", "职称", Kind::Text),
            f("leader.post", "职务", Kind::Text),
            f("leader.employer", "工作单位", Kind::Text),
            f("leader.in_post", "是否在职（岗）", Kind::Bool),
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
                f("title", "职称", Kind::Text),
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
            f("peer_reviewer.title", "专家职称", Kind::Text),
            f("peer_reviewer.employer", "专家工作单位", Kind::Text),
            fh("peer_reviewer.subject", "专家所在学科代码", Kind::Text, "如 03-07"),
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

fn step_spec(code: &str) -> Option<&'static StepSpec> {
    STEPS.iter().find(|s| s.code == code)
}

/// The step a finding's field belongs to (context findings belong to none).
fn step_of_field(field: &str) -> Option<&'static str> {
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

#[derive(Clone)]
pub struct FindingView {
    field: String,
    error: bool,
    message: String,
    step: String,
    step_label: String,
}

fn finding_view(f: &Finding) -> FindingView {
    let step = step_of_field(&f.field);
    FindingView {
        field: f.field.clone(),
        error: f.severity == Severity::Error,
        message: f.message.clone(),
        step: step.unwrap_or("").to_string(),
        step_label: step.and_then(step_spec).map_or("申报条件", |s| s.label).to_string(),
    }
}

pub struct OptionView {
    code: &'static str,
    label: &'static str,
    selected: bool,
}

pub struct FieldView {
    /// The document path, also the form name.
    path: String,
    label: &'static str,
    kind: &'static str,
    hint: &'static str,
    value: String,
    options: Vec<OptionView>,
    findings: Vec<FindingView>,
}

pub struct RowsView {
    array: &'static str,
    label: &'static str,
    rows: Vec<Vec<FieldView>>,
    /// Findings about the table as a whole (`teachers`).
    findings: Vec<FindingView>,
}

/// The value at a dotted path with `[i]` indices.
fn get_path<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = doc;
    for part in path.split('.') {
        let (key, index) = split_index(part);
        cur = cur.get(key)?;
        if let Some(i) = index {
            cur = cur.get(i)?;
        }
    }
    Some(cur)
}

fn split_index(part: &str) -> (&str, Option<usize>) {
    match part.find('[') {
        Some(open) => (&part[..open], part[open + 1..].trim_end_matches(']').parse().ok()),
        None => (part, None),
    }
}

fn set_path(doc: &mut Value, path: &str, value: Value) {
    let mut cur = doc;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        if !cur.is_object() {
            *cur = Value::Object(Default::default());
        }
        let last = i + 1 == parts.len();
        let entry = cur.as_object_mut().expect("made an object").entry(part.to_string()).or_insert(Value::Null);
        if last {
            *entry = value;
            return;
        }
        cur = entry;
    }
}

fn text_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

fn field_view(spec: &FieldSpec, path: String, value: String, findings: &[FindingView]) -> FieldView {
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
    FieldView { path, label: spec.label, kind: spec.kind.code(), hint: spec.hint, value, options, findings: mine }
}

/// The ID number as views show it: masked (the full number stays in the store).
fn shown_value(path: &str, value: String) -> String {
    if path == "leader.id_number" && !value.is_empty() {
        jijiao_domain::personal::mask_id_number(&value)
    } else {
        value
    }
}

fn step_views(step: &StepSpec, doc: &Value, findings: &[FindingView]) -> (Vec<FieldView>, Vec<RowsView>) {
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
fn json_value(kind: Kind, label: &str, text: &str) -> Result<Value, String> {
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
/// they were; a table is rebuilt from its rows, leaving out rows with nothing typed in.
fn apply_step(step: &StepSpec, doc: &mut Value, form: &[(String, String)], stored_id: &str) -> Result<(), String> {
    let value = |name: &str| form.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    for spec in step.fields {
        let Some(text) = value(spec.path) else { continue };
        // The ID number is shown masked: an unchanged mask keeps the stored number.
        if spec.path == "leader.id_number" && text.contains('*') {
            set_path(doc, spec.path, Value::String(stored_id.to_string()));
            continue;
        }
        set_path(doc, spec.path, json_value(spec.kind, spec.label, text)?);
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
                row.insert(c.path.to_string(), json_value(c.kind, &label, &cell(c))?);
            }
            rows.push(Value::Object(row));
        }
        set_path(doc, rs.array, Value::Array(rows));
    }
    Ok(())
}

/// Reads the document back (field paths named in the message when a value cannot be read).
fn parse_document(doc: &Value) -> Result<Application, String> {
    jijiao_domain::review::parse_application(&doc.to_string()).map_err(|e| e.to_string())
}

#[derive(Template)]
#[template(path = "applications/edit.html")]
struct EditPage {
    layout: Layout,
    id: i64,
    name: String,
    code: String,
    status_label: &'static str,
    steps: Vec<(&'static str, &'static str, usize)>,
    step: &'static str,
    step_label: &'static str,
    next_step: Option<&'static str>,
    fields: Vec<FieldView>,
    tables: Vec<RowsView>,
    /// The stored document as JSON, for the live check (the ID number masked).
    document: String,
    findings: Vec<FindingView>,
    errors: usize,
    warnings: usize,
    returns: Vec<ReturnView>,
    message: Option<String>,
    error: Option<String>,
    may_submit: bool,
}

pub struct ReturnView {
    at: String,
    actor: String,
    comment: String,
}

#[derive(Deserialize, Default)]
pub struct EditQuery {
    step: Option<String>,
    saved: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn edit_view(
    state: &AppState,
    p: &Principal,
    csrf: &CsrfToken,
    app: &StoredApplication,
    doc: &Value,
    step: &'static StepSpec,
    review: &Review,
    message: Option<String>,
    error: Option<String>,
) -> Result<EditPage, ApiError> {
    let findings: Vec<FindingView> = review.findings.iter().map(finding_view).collect();
    let (fields, tables) = step_views(step, doc, &findings);
    let steps = STEPS.iter().map(|s| (s.code, s.label, findings.iter().filter(|f| f.step == s.code).count())).collect();
    let position = STEPS.iter().position(|s| s.code == step.code).unwrap_or(0);
    let mut masked = doc.clone();
    let id_number = text_of(get_path(doc, "leader.id_number"));
    set_path(&mut masked, "leader.id_number", Value::String(shown_value("leader.id_number", id_number)));
    let returns = state
        .store
        .application_steps(app.summary.id)
        .await?
        .into_iter()
        .filter(|s| s.step == Step::Return)
        .map(|s| ReturnView { at: jijiao_domain::time::format_shanghai(s.at), actor: s.actor, comment: s.comment })
        .collect();
    Ok(EditPage {
        layout: layout("/applications", p, csrf),
        id: app.summary.id.0,
        name: app.summary.name.clone(),
        code: app.summary.code.clone().unwrap_or_default(),
        status_label: app.summary.status.label(),
        steps,
        step: step.code,
        step_label: step.label,
        next_step: STEPS.get(position + 1).map(|s| s.code),
        fields,
        tables,
        document: masked.to_string(),
        errors: review.errors,
        warnings: review.warnings,
        findings,
        returns,
        message,
        error,
        may_submit: ops::available_steps(p, &app.summary).contains(&Step::Submit),
    })
}

async fn editable(state: &AppState, p: &Principal, id: i64) -> Result<StoredApplication, ApiError> {
    let app = ops::visible(state, p, id).await?;
    if !rules::may_edit(&p.grants, &ops::place_of(&app.summary), app.summary.status) {
        return Err(ApiError::Forbidden);
    }
    Ok(app)
}

async fn edit_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path(id): Path<i64>,
    Query(q): Query<EditQuery>,
) -> Response {
    let step = step_spec(q.step.as_deref().unwrap_or("basic")).unwrap_or(&STEPS[0]);
    let result = async {
        let app = editable(&state, &p, id).await?;
        let review = ops::review_stored(&state, &app).await?;
        let doc = serde_json::to_value(&app.document).map_err(|e| ApiError::Internal(e.to_string()))?;
        let message = q.saved.is_some().then(|| "草稿已保存。".to_string());
        edit_view(&state, &p, &csrf, &app, &doc, step, &review, message, None).await
    }
    .await;
    match result {
        Ok(page) => render(StatusCode::OK, &page),
        Err(e) => failure(e),
    }
}

async fn save(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path(id): Path<i64>,
    PageForm(form): PageForm<Vec<(String, String)>>,
) -> Response {
    let field = |name: &str| form.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let step = step_spec(field("step").as_deref().unwrap_or("basic")).unwrap_or(&STEPS[0]);
    let app = match editable(&state, &p, id).await {
        Ok(app) => app,
        Err(e) => return failure(e),
    };
    let mut doc = match serde_json::to_value(&app.document) {
        Ok(doc) => doc,
        Err(e) => return failure(ApiError::Internal(e.to_string())),
    };
    let parsed = apply_step(step, &mut doc, &form, &app.document.leader.id_number).and_then(|()| parse_document(&doc));
    let outcome = match parsed {
        Ok(parsed) => ops::update(&state, &p, id, &parsed).await.map_err(|e| match ApiError::from(e) {
            ApiError::InvalidInput { message, .. } | ApiError::BadRequest(message) | ApiError::Conflict(message) => {
                Ok(message)
            }
            other => Err(other),
        }),
        Err(message) => Err(Ok(message)),
    };
    match outcome {
        Ok(_) => {
            let next = match field("go").as_deref() {
                Some("next") => STEPS.iter().position(|s| s.code == step.code).and_then(|i| STEPS.get(i + 1)),
                _ => None,
            };
            match next {
                Some(next) => Redirect::to(&format!("/applications/{id}/edit?step={}&saved=1", next.code)),
                None if field("go").as_deref() == Some("detail") => Redirect::to(&format!("/applications/{id}")),
                None => Redirect::to(&format!("/applications/{id}/edit?step={}&saved=1", step.code)),
            }
            .into_response()
        }
        // The entered values come back with the message, nothing is lost.
        Err(Ok(message)) => {
            let review = match ops::review_stored(&state, &app).await {
                Ok(r) => r,
                Err(e) => return failure(e),
            };
            let message = format!("未保存：{message}");
            match edit_view(&state, &p, &csrf, &app, &doc, step, &review, None, Some(message)).await {
                Ok(page) => render(StatusCode::UNPROCESSABLE_ENTITY, &page),
                Err(e) => failure(e),
            }
        }
        Err(Err(e)) => failure(e),
    }
}

// ---- creating, copying, deleting ----

pub struct EarlierView {
    id: i64,
    year: u16,
    level: &'static str,
    name: String,
    status: &'static str,
}

#[derive(Template)]
#[template(path = "applications/new.html")]
struct NewPage {
    layout: Layout,
    year: i32,
    levels: &'static [(&'static str, &'static str)],
    earlier: Vec<EarlierView>,
    windows: Vec<WindowView>,
}

async fn new_page(State(state): State<AppState>, PageUser(p): PageUser, csrf: CsrfToken) -> Response {
    if !rules::is_applicant_role(&p.grants) {
        return forbidden("只有单位管理员和项目负责人可以申报项目。");
    }
    let result = async {
        let page = ops::list(&state, &p, &ListQuery { per_page: Some(100), ..Default::default() }).await?;
        let this_year = state.today().year();
        let earlier = page
            .items
            .into_iter()
            .filter(|a| i32::from(a.year) <= this_year)
            .map(|a| EarlierView {
                id: a.id.0,
                year: a.year,
                level: a.level.label(),
                name: a.name,
                status: a.status.label(),
            })
            .collect();
        Ok::<_, ApiError>((earlier, ops::windows(&state).await?))
    }
    .await;
    match result {
        Ok((earlier, windows)) => render(
            StatusCode::OK,
            &NewPage {
                layout: layout("/applications", &p, &csrf),
                year: state.today().year() + 1,
                levels: LEVELS,
                earlier,
                windows,
            },
        ),
        Err(e) => failure(e),
    }
}

#[derive(Deserialize)]
pub struct CreateForm {
    level: String,
    name: String,
    #[serde(default)]
    year: Option<String>,
}

/// The first draft: the applicant unit's particulars from its record, a leader applying for
/// themselves from their own record; everything else to be filled in the steps.
async fn blank_document(state: &AppState, p: &Principal, form: &CreateForm) -> Result<Application, ApiError> {
    let bad = |field: &str, message: String| ApiError::InvalidInput { field: Some(field.into()), message };
    let level = Level::from_code_or_label(&form.level).ok_or_else(|| bad("level", "请选择项目级别".into()))?;
    let year: u16 = match form.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        Some(y) => y.parse().map_err(|_| bad("year", format!("申报年度应为四位数字，当前为“{y}”")))?,
        None => u16::try_from(state.today().year() + 1).unwrap_or(2027),
    };
    let grant = p
        .grants
        .iter()
        .find(|g| matches!(g.role, Role::UnitAdmin | Role::Leader) && g.unit.is_some())
        .ok_or(ApiError::Forbidden)?;
    let unit = state.store.organisation(OrgId(grant.unit.unwrap_or_default())).await?;
    if unit.kind != OrgKind::Unit {
        return Err(ApiError::Forbidden);
    }
    let province = unit
        .province_code
        .as_deref()
        .and_then(jijiao_domain::province::by_code)
        .map(|p| p.name)
        .ok_or_else(|| ApiError::Conflict("本单位未登记所在省份".into()))?;
    let (leader_name, leader_id, leader_title) = match (grant.role, p.account.person_id) {
        (Role::Leader, Some(person)) => {
            let person = state.store.person(person).await?;
            (person.name, person.id_number.to_string(), person.title.unwrap_or_default())
        }
        _ => (String::new(), String::new(), String::new()),
    };
    let today = state.today().to_string();
    let doc = serde_json::json!({
        "year": year, "level": level.code(), "province": province, "kind": "recommended",
        "delivery": "face_to_face", "project_type": "general",
        "category": if level == Level::National { Value::Null } else { Value::String("improvement".into()) },
        "practical_training": false, "clinical_skills": false, "mutual_recognition": false,
        "infectious_disease_training": false,
        "subject": { "secondary": "", "tertiary": "" },
        "name": form.name.trim(), "summary": "", "audience": "", "planned_enrollment": 0,
        "total_hours": 0, "theory_hours": 0, "practice_hours": 0, "credits": 0,
        "outside_province_share": 0, "grassroots_share": 0,
        "applicant": {
            "name": unit.name, "unit_type": unit.unit_type.map_or("hospital", |t| t.code()), "province": province,
            "cme_qualified": unit.cme_qualified, "remote_qualified": unit.remote_qualified,
            "inspection": unit.inspection.code()
        },
        "leader": {
            "name": leader_name, "id_number": leader_id, "title": leader_title, "post": "",
            "employer": unit.name, "in_post": true, "specialty": "", "achievements": "", "history": []
        },
        "unit_situation": "", "recommendation": "",
        "peer_reviewer": { "name": "", "title": "", "employer": "", "subject": "" },
        "teachers": [], "periods": [], "commitment_signed": false,
        "context": {
            "submitted_on": today, "window": { "opens": today, "closes": today },
            "leader_applications_same_level": 0, "unit_applications": 0,
            "unit_previous_year_approved": null, "unit_history": [], "other_applications": []
        }
    });
    if form.name.trim().is_empty() {
        return Err(bad("name", "请填写项目名称".into()));
    }
    parse_document(&doc).map_err(|message| bad("document", message))
}

async fn create(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    PageForm(form): PageForm<CreateForm>,
) -> Response {
    if !rules::is_applicant_role(&p.grants) {
        return forbidden("只有单位管理员和项目负责人可以申报项目。");
    }
    let result = async {
        let doc = blank_document(&state, &p, &form).await?;
        Ok::<_, ApiError>(ops::create(&state, &p, &doc, None).await?)
    }
    .await;
    match result {
        Ok((id, _)) => Redirect::to(&format!("/applications/{}/edit?step=basic", id.0)).into_response(),
        Err(e) => failure(e),
    }
}

async fn copy(State(state): State<AppState>, PageUser(p): PageUser, Path(id): Path<i64>) -> Response {
    match ops::copy(&state, &p, id).await {
        Ok((new_id, _)) => Redirect::to(&format!("/applications/{}/edit?step=basic", new_id.0)).into_response(),
        Err(e) => failure(e),
    }
}

async fn delete(State(state): State<AppState>, PageUser(p): PageUser, Path(id): Path<i64>) -> Response {
    match ops::delete(&state, &p, id).await {
        Ok(()) => Redirect::to("/applications?deleted=1").into_response(),
        Err(e) => failure(e),
    }
}

// ---- the detail and the review chain ----

pub struct StepView {
    at: String,
    step: &'static str,
    from: &'static str,
    to: &'static str,
    actor: String,
    comment: String,
}

pub struct ActionView {
    code: &'static str,
    label: &'static str,
    needs_comment: bool,
    danger: bool,
}

#[derive(Template)]
#[template(path = "applications/detail.html")]
struct DetailPage {
    layout: Layout,
    app: StoredApplication,
    masked_id: String,
    subject: String,
    status: Status,
    level_label: &'static str,
    findings: Vec<FindingView>,
    errors: usize,
    warnings: usize,
    history: Vec<StepView>,
    actions: Vec<ActionView>,
    editable: bool,
    may_copy: bool,
    may_delete: bool,
    returns: Vec<ReturnView>,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct DetailQuery {
    done: Option<String>,
}

async fn detail_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path(id): Path<i64>,
    Query(q): Query<DetailQuery>,
) -> Response {
    let result = async {
        let d = ops::detail(&state, &p, id).await?;
        let catalogue = state.store.catalogue().await?;
        Ok::<_, ApiError>((d, catalogue))
    }
    .await;
    let (d, catalogue) = match result {
        Ok(v) => v,
        Err(e) => return failure(e),
    };
    let s = &d.application.summary;
    let subject = catalogue.full_name(&s.subject_tertiary).unwrap_or_else(|| s.subject_tertiary.clone());
    let history: Vec<StepView> = d
        .steps
        .iter()
        .map(|st| StepView {
            at: jijiao_domain::time::format_shanghai(st.at),
            step: st.step.label(),
            from: st.from.label(),
            to: st.to.label(),
            actor: st.actor.clone(),
            comment: st.comment.clone(),
        })
        .collect();
    let returns = d
        .steps
        .iter()
        .filter(|st| st.step == Step::Return)
        .map(|st| ReturnView {
            at: jijiao_domain::time::format_shanghai(st.at),
            actor: st.actor.clone(),
            comment: st.comment.clone(),
        })
        .collect();
    let actions = d
        .allowed_steps
        .iter()
        .map(|st| ActionView {
            code: st.code(),
            label: st.label(),
            needs_comment: needs_comment(*st),
            danger: matches!(st, Step::Reject | Step::Return),
        })
        .collect();
    let place = ops::place_of(s);
    let page = DetailPage {
        layout: layout("/applications", &p, &csrf),
        masked_id: d.application.document.leader.id_number.clone(),
        subject,
        status: s.status,
        level_label: s.level.label(),
        findings: d.review.findings.iter().map(finding_view).collect(),
        errors: d.review.errors,
        warnings: d.review.warnings,
        history,
        actions,
        editable: d.editable,
        may_copy: rules::may_draft(&p.grants, &place),
        may_delete: d.editable && s.status == Status::Draft && s.code.is_none(),
        returns,
        message: q.done.as_deref().and_then(Step::from_code).map(|st| format!("已{}。", st.label())),
        app: d.application,
    };
    render(StatusCode::OK, &page)
}

async fn form_pdf(State(state): State<AppState>, PageUser(p): PageUser, Path(id): Path<i64>) -> Response {
    pdf_download(&state, &p, id, Printout::Form).await
}

async fn commitment_pdf(State(state): State<AppState>, PageUser(p): PageUser, Path(id): Path<i64>) -> Response {
    pdf_download(&state, &p, id, Printout::Commitment).await
}

/// The printout as an attachment; a character the font lacks is the 422 page naming it.
async fn pdf_download(state: &AppState, p: &Principal, id: i64, which: Printout) -> Response {
    match print::printout(state, p, id, which).await {
        Ok(file) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (header::CONTENT_DISPOSITION, crate::downloads::content_disposition(&file)),
                (header::CACHE_CONTROL, "private, no-store".to_string()),
            ],
            file.bytes,
        )
            .into_response(),
        Err(e) => failure(e),
    }
}

#[derive(Deserialize)]
pub struct StepForm {
    step: String,
    #[serde(default)]
    comment: String,
}

async fn take_step(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<i64>,
    PageForm(form): PageForm<StepForm>,
) -> Response {
    let Some(step) = Step::from_code(form.step.trim()) else {
        return failure(ApiError::InvalidInput { field: Some("step".into()), message: "未知的审核操作".into() });
    };
    match ops::step(&state, &p, id, step, &form.comment).await {
        Ok(_) => Redirect::to(&format!("/applications/{id}?done={}", step.code())).into_response(),
        Err(e) => failure(e),
    }
}

// ---- lists ----

pub struct RowView {
    id: i64,
    code: String,
    year: u16,
    level: &'static str,
    name: String,
    unit: String,
    leader: String,
    subject: String,
    status: &'static str,
    submitted_on: String,
    errors: u32,
    warnings: u32,
}

#[derive(Template)]
#[template(path = "applications/list.html")]
struct ListPage {
    layout: Layout,
    reviewer: bool,
    applicant: bool,
    rows: Vec<RowView>,
    total: i64,
    page: u32,
    pages: i64,
    /// The filters as a query string (for paging and the export).
    query: String,
    year: String,
    level: String,
    province: String,
    subject: String,
    status: String,
    findings: String,
    q: String,
    levels: &'static [(&'static str, &'static str)],
    provinces: Vec<(&'static str, &'static str)>,
    subjects: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    windows: Vec<WindowView>,
    quotas: ops::Quotas,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ListForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    findings: String,
    #[serde(default)]
    q: String,
    page: Option<u32>,
    deleted: Option<String>,
}

async fn list_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Query(form): Query<ListForm>,
) -> Response {
    if !may_use(&p) {
        return forbidden("此页面供申报单位、项目负责人和各级审核部门使用。");
    }
    let opt = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
    let year = match opt(&form.year).map(|y| y.parse::<u16>()) {
        Some(Ok(y)) => Some(y),
        Some(Err(_)) => {
            return failure(ApiError::InvalidInput {
                field: Some("year".into()),
                message: format!("年度应为四位数字，当前为“{}”", form.year),
            });
        }
        None => None,
    };
    let query = ListQuery {
        year,
        level: opt(&form.level),
        province: opt(&form.province),
        subject: opt(&form.subject),
        status: opt(&form.status),
        findings: opt(&form.findings),
        q: opt(&form.q),
        page: form.page,
        per_page: Some(20),
    };
    // A unit administrator sees the unit's national quota for the coming year (rules.md §3), a
    // district administrator the district's quota of district projects (002).
    let result = async {
        let page = ops::list(&state, &p, &query).await?;
        Ok::<_, ApiError>((page, ops::windows(&state).await?, ops::quotas(&state, &p, ops::coming_year(&state)).await?))
    }
    .await;
    let (page, windows, quotas) = match result {
        Ok(v) => v,
        Err(e) => return failure(e),
    };
    let pages = page.pages();
    let rows = page
        .items
        .into_iter()
        .map(|a| RowView {
            id: a.id.0,
            code: a.code.unwrap_or_default(),
            year: a.year,
            level: a.level.label(),
            name: a.name,
            unit: a.unit_name,
            leader: a.leader_name,
            subject: a.subject_tertiary,
            status: a.status.label(),
            submitted_on: a.submitted_on.map(|d| d.to_string()).unwrap_or_default(),
            errors: a.errors,
            warnings: a.warnings,
        })
        .collect();
    let query_string = serde_urlencoded::to_string([
        ("year", form.year.trim()),
        ("level", form.level.trim()),
        ("province", form.province.trim()),
        ("subject", form.subject.trim()),
        ("status", form.status.trim()),
        ("findings", form.findings.trim()),
        ("q", form.q.trim()),
    ])
    .unwrap_or_default();
    let reviewer = rules::is_reviewer(&p.grants);
    render(
        StatusCode::OK,
        &ListPage {
            layout: layout("/applications", &p, &csrf),
            reviewer,
            applicant: rules::is_applicant_role(&p.grants),
            rows,
            total: page.total,
            page: page.page,
            pages,
            query: query_string,
            year: form.year,
            level: form.level,
            province: form.province,
            subject: form.subject,
            status: form.status,
            findings: form.findings,
            q: form.q,
            levels: LEVELS,
            provinces: jijiao_domain::province::PROVINCES.iter().map(|p| (p.code, p.name)).collect(),
            subjects: jijiao_domain::subject::SECONDARY.to_vec(),
            statuses: Status::ALL
                .iter()
                .filter(|s| !reviewer || **s != Status::Draft)
                .map(|s| (s.code(), s.label()))
                .collect(),
            windows,
            quotas,
            message: form.deleted.map(|_| "草稿已删除。".to_string()),
        },
    )
}

// ---- windows ----

#[derive(Template)]
#[template(path = "applications/windows.html")]
struct WindowsPage {
    layout: Layout,
    windows: Vec<WindowView>,
    /// The level whose window this office sets, if any.
    own_level: Option<(&'static str, &'static str)>,
    year: i32,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct WindowsQuery {
    saved: Option<String>,
}

async fn windows_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Query(q): Query<WindowsQuery>,
) -> Response {
    if !may_use(&p) {
        return forbidden("此页面供申报单位、项目负责人和各级审核部门使用。");
    }
    let own_level = p
        .grants
        .iter()
        .filter_map(|g| rules::window_level(g.role))
        .min_by_key(|l| match l {
            Level::National => 0,
            Level::Provincial => 1,
            Level::District => 2,
        })
        .map(|l| (l.code(), l.label()));
    match ops::windows(&state).await {
        Ok(windows) => render(
            StatusCode::OK,
            &WindowsPage {
                layout: layout("/application-windows", &p, &csrf),
                windows,
                own_level,
                year: state.today().year() + 1,
                message: q.saved.map(|_| "申报时间已保存。".to_string()),
            },
        ),
        Err(e) => failure(e),
    }
}

#[derive(Deserialize)]
pub struct WindowForm {
    year: String,
    level: String,
    opens: String,
    closes: String,
}

async fn set_window(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    PageForm(form): PageForm<WindowForm>,
) -> Response {
    let Ok(year) = form.year.trim().parse::<u16>() else {
        return failure(ApiError::InvalidInput {
            field: Some("year".into()),
            message: format!("年度应为四位数字，当前为“{}”", form.year),
        });
    };
    let input = SetWindow { year, level: form.level, opens: form.opens, closes: form.closes };
    match ops::set_window(&state, &p, &input).await {
        Ok(_) => Redirect::to("/application-windows?saved=1").into_response(),
        Err(e) => failure(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = include_str!("../../../domain/tests/fixtures/review/valid_national.json");

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
        apply_step(courses, &mut doc, &sent, "").unwrap();
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
        apply_step(leader, &mut doc, &form(&[("leader.id_number", &shown), ("leader.in_post", "false")]), stored)
            .unwrap();
        let app = parse_document(&doc).unwrap();
        assert_eq!(app.leader.id_number, stored);
        assert!(!app.leader.in_post);
        let basic = step_spec("basic").unwrap();
        let err = apply_step(basic, &mut doc, &form(&[("planned_enrollment", "很多")]), stored).unwrap_err();
        assert!(err.contains("拟招生人数") && err.contains("很多"), "{err}");
        let mut doc: Value = serde_json::from_str(VALID).unwrap();
        apply_step(basic, &mut doc, &form(&[("category", "")]), stored).unwrap();
        assert_eq!(doc["category"], Value::Null);
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
