//! A person's learning record of a year: every record with what it earns and why, the totals by
//! kind against their caps, and the same as a workbook.

use jijiao_documents::{CellOut, Sheet, write_xlsx};
use jijiao_domain::credits::learning_record::{RecordStatus, YearSummary, summarise};
use jijiao_domain::credits::{Caps, Regime};
use jijiao_domain::personal::mask_id_number;
use jijiao_domain::{Credits, Hours, Year};
use jijiao_storage::Reader;
use jijiao_storage::credit_records::CreditRecord;
use serde::Serialize;

use super::{Subject, role_label};
use crate::{App, AppError, blocking};

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KindLine {
    pub code: String,
    pub label: String,
    pub credits: String,
    /// The cap that applies, in Chinese.
    pub cap: String,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordLine {
    pub id: i64,
    pub kind: String,
    pub kind_label: String,
    pub title: String,
    pub source: String,
    pub source_label: String,
    pub source_ref: Option<String>,
    pub role: Option<String>,
    pub start: Option<String>,
    pub end: String,
    pub hours: Option<String>,
    pub legacy_class: Option<String>,
    pub status: String,
    pub status_label: String,
    /// What the record earns (granted) or would earn (provisional), after caps; `0.0` otherwise.
    pub credits: String,
    pub rule: Option<String>,
    /// The rule's name for people (`继续医学教育项目学员：学时÷3`).
    pub rule_label: Option<String>,
    pub explanation: String,
    pub removed_by_caps: String,
    pub reject_reason: Option<String>,
    /// Reversed by a correction, or a reversal itself: counts for nothing.
    pub cancelled: bool,
    pub recorded_by: String,
    pub decided_by: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct YearView {
    pub person_id: i64,
    pub name: String,
    /// Masked.
    pub id_number: String,
    pub employer: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = u16, minimum = 1900, maximum = 2200))]
    pub year: Year,
    /// `2024` (the 2024 measures) or `2006` (legacy I类/II类 years).
    pub rules: String,
    pub rules_label: String,
    pub total: String,
    pub required: String,
    pub percent: i64,
    pub compliant: bool,
    pub missing: Vec<String>,
    pub by_kind: Vec<KindLine>,
    pub records: Vec<RecordLine>,
    /// Years with records, newest first (the current year always).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<u16>))]
    pub years: Vec<Year>,
}

/// The cap of a kind in words: the caps that apply to the person (the national ones, or their
/// province's for its grassroots professionals).
fn cap_text(code: &str, c: &Caps) -> String {
    match code {
        "project" => format!("每个项目最多 {}，远程项目最多 {}", c.project, c.remote_project),
        "further_training" | "degree_education" | "government_assignment" => {
            "进修、学历教育、指令性任务三类合计最多 25.0；累计满3个月即计 25.0".into()
        }
        "practice" => format!("每年最多 {}", c.practice_per_year),
        "self_study" => format!("每年最多 {}", c.self_study_per_year),
        "other" => match c.other_per_year {
            Some(cap) => format!("每年最多 {cap}"),
            None => "由省级确定".into(),
        },
        "I" => "不少于 5.0，最多计入 10.0".into(),
        "II" => "不少于 15.0，最多计入 20.0".into(),
        _ => String::new(),
    }
}

fn record_line(r: &CreditRecord, summary: &YearSummary) -> RecordLine {
    let f = &r.facts;
    let credit =
        if r.cancelled() || r.status == RecordStatus::Rejected { None } else { summary.credit_of(&r.id.0.to_string()) };
    let explanation = match (r.status, r.cancelled(), credit) {
        (_, true, _) if r.reverses_id.is_some() => {
            format!("冲销第 {} 号记录，不计学分", r.reverses_id.map_or(0, |i| i.0))
        }
        (_, true, _) => format!("已被第 {} 号记录冲销，不计学分", r.reversed_by.map_or(0, |i| i.0)),
        (RecordStatus::Rejected, _, _) => {
            format!("审核未通过：{}", r.reject_reason.as_deref().unwrap_or("未说明原因"))
        }
        (RecordStatus::Provisional, _, Some(c)) => format!("（待审核，发放后）{}", c.explanation),
        (_, _, Some(c)) => c.explanation.clone(),
        (_, _, None) => "不计学分".into(),
    };
    RecordLine {
        id: r.id.0,
        kind: f.kind.code().into(),
        kind_label: f.kind.label().into(),
        title: f.title.clone(),
        source: r.source.code().into(),
        source_label: r.source.label().into(),
        source_ref: r.source_ref.clone(),
        role: f.role.map(role_label),
        start: f.start.map(|d| d.to_string()),
        end: f.end.to_string(),
        hours: f.hours.map(|h| h.to_string()),
        legacy_class: f.legacy_class.map(|c| c.label().to_string()),
        status: r.status.code().into(),
        status_label: if r.cancelled() { "已冲销".into() } else { r.status.label().into() },
        credits: credit.map_or(Credits::ZERO, |c| c.credits).to_string(),
        rule: credit.map(|c| c.rule.to_string()),
        rule_label: credit.and_then(|c| jijiao_domain::credits::rule::label(c.rule)).map(str::to_string),
        explanation,
        removed_by_caps: credit.map_or(Credits::ZERO, |c| c.removed_by_caps).to_string(),
        reject_reason: r.reject_reason.clone(),
        cancelled: r.cancelled(),
        recorded_by: r.recorded_by_name.clone(),
        decided_by: r.decided_by_name.clone(),
    }
}

/// A person's learning record for a year (the current year by default).
pub async fn year_view(app: &App, s: &Subject, year: Option<Year>) -> Result<YearView, AppError> {
    year_view_on(app, &mut app.store.reader().await?, s, year).await
}

pub(super) async fn year_view_on(
    app: &App,
    reader: &mut Reader<'_>,
    s: &Subject,
    year: Option<Year>,
) -> Result<YearView, AppError> {
    let now = app.this_year();
    let year = year.unwrap_or(now);
    if !(1990..=2100).contains(&year.get()) {
        return Err(AppError::invalid("year", "年度应在1990年至2100年之间"));
    }
    let person = s.engine_person()?;
    let (records, mut years) = reader.credit_year_of(s.person.id, year).await?;
    let year_records: Vec<_> = records.iter().map(CreditRecord::year_record).collect();
    let settings = &*app.rules;
    let summary = summarise(year, &person, &year_records, settings);
    let (caps, _) = settings.caps_for(&person);
    let report = &summary.report;
    if !years.contains(&now) {
        years.push(now);
    }
    if !years.contains(&year) {
        years.push(year);
    }
    years.sort_unstable_by(|a, b| b.cmp(a));
    let legacy = summary.regime == Regime::Legacy2006;
    let mut by_kind: Vec<KindLine> = report
        .by_kind
        .0
        .iter()
        .map(|k| KindLine {
            code: k.code.into(),
            label: k.label.into(),
            credits: k.credits.to_string(),
            cap: cap_text(k.code, caps),
        })
        .collect();
    if legacy {
        for (code, label) in [("I", "I类学分"), ("II", "II类学分")] {
            if !by_kind.iter().any(|k| k.code == code) {
                by_kind.push(KindLine {
                    code: code.into(),
                    label: label.into(),
                    credits: Credits::ZERO.to_string(),
                    cap: cap_text(code, caps),
                });
            }
        }
    }
    Ok(YearView {
        person_id: s.person.id.0,
        name: s.person.name.clone(),
        id_number: mask_id_number(s.person.id_number.as_str()),
        employer: s.org.as_ref().map(|o| o.name.clone()),
        year,
        rules: if legacy { "2006" } else { "2024" }.into(),
        rules_label: if legacy {
            "按原 I类、II类学分记录（全继委发〔2006〕11号）".into()
        } else {
            "按《继续医学教育学分管理办法（试行）》（国卫办科教发〔2024〕20号）".into()
        },
        total: report.total.to_string(),
        required: report.required.to_string(),
        percent: summary.percent(),
        compliant: report.compliant,
        missing: report.missing(),
        by_kind,
        records: records.iter().map(|r| record_line(r, &summary)).collect(),
        years,
    })
}

/// The year as an xlsx workbook: the summary and every record with its explanation.
pub async fn year_xlsx(v: &YearView) -> Result<Vec<u8>, AppError> {
    let text = |s: &str| CellOut::Text(s.to_string());
    let opt = |s: &Option<String>| s.as_deref().map_or(CellOut::Empty, text);
    let tenths = |s: &str| Credits::parse(s).map_or(CellOut::Empty, |c| CellOut::Tenths(c.tenths()));
    let mut summary = vec![
        vec![text("姓名"), text(&v.name)],
        vec![text("身份证号"), text(&v.id_number)],
        vec![text("单位"), opt(&v.employer)],
        vec![text("年度"), CellOut::Integer(i64::from(v.year))],
        vec![text("适用规则"), text(&v.rules_label)],
        vec![text("合计学分"), tenths(&v.total)],
        vec![text("要求学分"), tenths(&v.required)],
        vec![text("是否达标"), text(if v.compliant { "已达标" } else { "未达标" })],
        vec![text("尚缺"), text(&v.missing.join("；"))],
    ];
    for k in &v.by_kind {
        summary.push(vec![text(&k.label), tenths(&k.credits), text(&k.cap)]);
    }
    let headers = [
        "编号",
        "类别",
        "活动名称",
        "来源",
        "身份",
        "开始日期",
        "结束日期",
        "学时",
        "状态",
        "学分",
        "上限扣减",
        "说明",
    ];
    let rows = v
        .records
        .iter()
        .map(|r| {
            vec![
                CellOut::Integer(r.id),
                text(&r.kind_label),
                text(&r.title),
                text(&r.source_label),
                opt(&r.role),
                opt(&r.start),
                text(&r.end),
                r.hours.as_deref().map_or(CellOut::Empty, |h| {
                    Hours::parse(h).map_or(CellOut::Empty, |h| CellOut::Tenths(h.tenths()))
                }),
                text(&r.status_label),
                tenths(&r.credits),
                tenths(&r.removed_by_caps),
                text(&r.explanation),
            ]
        })
        .collect();
    let sheets = [
        Sheet {
            name: format!("{}年度汇总", v.year),
            headers: vec!["项目".into(), "内容".into(), "说明".into()],
            rows: summary,
            column_widths: None,
        },
        Sheet {
            name: "学分明细".into(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows,
            column_widths: None,
        },
    ];
    blocking::run(move || write_xlsx(&sheets)).await?.map_err(|e| AppError::Internal(e.to_string()))
}
