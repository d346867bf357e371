//! Compliance reports (达标情况): for a unit, a district, a province or the nation, who has reached the
//! year's requirement and who has not, with credits by kind, as a page, JSON and an Excel workbook.
//! Every person's year is computed by the credit engine from the granted records, as on their own page.

use jijiao_documents::{CellOut, Sheet, write_xlsx};
use jijiao_domain::Year;
use jijiao_domain::authz::credits::{CreditAction, may_ever, permits};
use jijiao_domain::authz::{Place, Role};
use jijiao_domain::credits::learning_record::summarise;
use jijiao_domain::credits::{ActivityKind, Regime};
use jijiao_domain::org::OrgKind;
use jijiao_domain::personal::mask_id_number;
use jijiao_storage::{OrgId, PageRequest};
use serde::{Deserialize, Serialize};

use crate::{Acting, App, AppError, blocking};

#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct ComplianceQuery {
    /// The calendar year (default: this year).
    #[cfg_attr(feature = "openapi", param(value_type = Option<u16>, minimum = 1900, maximum = 2200))]
    pub year: Option<Year>,
    /// One unit (its organisation id).
    pub unit: Option<i64>,
    /// One district office and its units.
    pub district: Option<i64>,
    /// A province's two-digit code.
    pub province: Option<String>,
    /// `reached` | `missing` | `all` (default).
    pub status: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KindColumn {
    pub code: String,
    pub label: String,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplianceLine {
    pub person_id: i64,
    pub name: String,
    /// Masked.
    pub id_number: String,
    pub employer_id: Option<i64>,
    pub employer: Option<String>,
    pub total: String,
    pub compliant: bool,
    /// Credits by kind, in the order of `kinds`.
    pub by_kind: Vec<String>,
    /// What is still missing, in Chinese (empty when compliant).
    pub missing: String,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplianceView {
    /// The scope in words (北京市, 北京协和医院, 全国 …).
    pub scope: String,
    #[cfg_attr(feature = "openapi", schema(value_type = u16, minimum = 1900, maximum = 2200))]
    pub year: Year,
    pub rules_label: String,
    pub people: i64,
    pub reached: i64,
    pub not_reached: i64,
    pub kinds: Vec<KindColumn>,
    /// The people of this page, after the `status` filter.
    pub rows: Vec<ComplianceLine>,
    /// People matching the `status` filter.
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    pub pages: i64,
}

/// A resolved scope: its name and what to select.
struct Scope {
    label: String,
    province: Option<String>,
    org_ids: Option<Vec<i64>>,
}

fn blank<T>(v: Option<T>, empty: impl Fn(&T) -> bool) -> Option<T> {
    v.filter(|x| !empty(x))
}

/// The scope a report covers: the one asked for (404 when outside the principal's), or the principal's own.
async fn scope(app: &App, p: &Acting, q: &ComplianceQuery) -> Result<Scope, AppError> {
    if !may_ever(&p.grants, CreditAction::ReadCompliance) {
        return Err(AppError::Forbidden);
    }
    let org_scope = |id: i64, kind: OrgKind, field: &'static str| async move {
        let org = app.store.organisation(OrgId(id)).await?;
        if org.kind != kind {
            return Err(AppError::invalid(field, "所选机构类别不符"));
        }
        let place = org.place();
        if !permits(&p.grants, CreditAction::ReadCompliance, &place) {
            return Err(AppError::NotFound);
        }
        let ids = match kind {
            OrgKind::District => app.store.subtree(org.id).await?,
            _ => vec![org.id.0],
        };
        Ok(Scope { label: org.name, province: None, org_ids: Some(ids) })
    };
    if let Some(unit) = q.unit {
        return org_scope(unit, OrgKind::Unit, "unit").await;
    }
    if let Some(district) = q.district {
        return org_scope(district, OrgKind::District, "district").await;
    }
    if let Some(code) = blank(q.province.as_deref().map(str::trim), |s| s.is_empty()) {
        let province =
            jijiao_domain::province::by_code(code).ok_or_else(|| AppError::invalid("province", "省份代码无法识别"))?;
        let place = Place { province: Some(code.to_string()), ..Place::default() };
        if !permits(&p.grants, CreditAction::ReadCompliance, &place) {
            return Err(AppError::NotFound);
        }
        return Ok(Scope { label: province.name.to_string(), province: Some(code.to_string()), org_ids: None });
    }
    // The principal's widest scope.
    if p.has(Role::NationalAdmin) {
        return Ok(Scope { label: "全国".into(), province: None, org_ids: None });
    }
    for role in [Role::ProvinceAdmin, Role::DistrictAdmin, Role::UnitAdmin] {
        let Some(g) = p.grants.iter().find(|g| g.role == role) else { continue };
        return match role {
            Role::ProvinceAdmin => {
                let code = g.province.clone().ok_or(AppError::Forbidden)?;
                let label =
                    jijiao_domain::province::by_code(&code).map_or_else(|| code.clone(), |p| p.name.to_string());
                Ok(Scope { label, province: Some(code), org_ids: None })
            }
            Role::DistrictAdmin => {
                org_scope(g.district.ok_or(AppError::Forbidden)?, OrgKind::District, "district").await
            }
            _ => org_scope(g.unit.ok_or(AppError::Forbidden)?, OrgKind::Unit, "unit").await,
        };
    }
    Err(AppError::Forbidden)
}

/// The kinds a year's report shows as columns.
fn kind_columns(regime: Regime) -> Vec<KindColumn> {
    match regime {
        Regime::Legacy2006 => vec![
            KindColumn { code: "I".into(), label: "I类学分".into() },
            KindColumn { code: "II".into(), label: "II类学分".into() },
        ],
        Regime::Rules2024 => ActivityKind::ALL
            .into_iter()
            .filter(|k| *k != ActivityKind::Legacy)
            .map(|k| KindColumn { code: k.code().into(), label: k.label().into() })
            .collect(),
    }
}

/// The whole report of a scope (every person), before paging.
async fn all_lines(
    app: &App,
    p: &Acting,
    q: &ComplianceQuery,
) -> Result<(Scope, Year, Regime, Vec<ComplianceLine>), AppError> {
    let year = q.year.unwrap_or_else(|| app.this_year());
    if !(1990..=2100).contains(&year.get()) {
        return Err(AppError::invalid("year", "年度应在1990年至2100年之间"));
    }
    let scope = scope(app, p, q).await?;
    let people = app.store.compliance_all(scope.province.as_deref(), scope.org_ids.as_deref(), year).await?;
    let settings = &*app.rules;
    let regime = settings.regime(year);
    let columns = kind_columns(regime);
    let lines = people
        .into_iter()
        .map(|py| {
            // A person without a province fails the report, naming them: their year cannot be
            // computed under the right province's rules.
            let person =
                crate::rules::engine_person(&py.name, &py.id_number, py.province_code.as_deref(), py.grassroots)?;
            let summary = summarise(year, &person, &py.records, settings);
            let report = summary.report;
            Ok(ComplianceLine {
                person_id: py.person_id.0,
                name: py.name,
                id_number: mask_id_number(py.id_number.as_str()),
                employer_id: py.org_id.map(|o| o.0),
                employer: py.org_name,
                total: report.total.to_string(),
                compliant: report.compliant,
                by_kind: columns.iter().map(|c| report.by_kind.get(&c.code).unwrap_or_default().to_string()).collect(),
                missing: report.missing().join("；"),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok((scope, year, regime, lines))
}

fn rules_label(regime: Regime) -> String {
    match regime {
        Regime::Legacy2006 => "按原 I类、II类学分要求（全继委发〔2006〕11号）".into(),
        Regime::Rules2024 => "按《继续医学教育学分管理办法（试行）》（国卫办科教发〔2024〕20号）".into(),
    }
}

/// One page of a compliance report.
pub async fn report(app: &App, p: &Acting, q: &ComplianceQuery) -> Result<ComplianceView, AppError> {
    let wanted = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None | Some("all") => None,
        Some("reached") => Some(true),
        Some("missing") => Some(false),
        Some(_) => return Err(AppError::invalid("status", "status 应为 reached、missing 或 all")),
    };
    let (scope, year, regime, lines) = all_lines(app, p, q).await?;
    let people = lines.len() as i64;
    let reached = lines.iter().filter(|l| l.compliant).count() as i64;
    let matching: Vec<ComplianceLine> = lines.into_iter().filter(|l| wanted.is_none_or(|w| l.compliant == w)).collect();
    let page = PageRequest::new(q.page, q.per_page);
    let total = matching.len() as i64;
    let rows = matching.into_iter().skip(page.offset() as usize).take(page.limit() as usize).collect();
    Ok(ComplianceView {
        scope: scope.label,
        year,
        rules_label: rules_label(regime),
        people,
        reached,
        not_reached: people - reached,
        kinds: kind_columns(regime),
        rows,
        total,
        page: page.page,
        per_page: page.per_page,
        pages: (total + i64::from(page.per_page) - 1) / i64::from(page.per_page),
    })
}

/// The whole report as an xlsx workbook: a summary sheet and one row per person.
pub async fn report_xlsx(app: &App, p: &Acting, q: &ComplianceQuery) -> Result<(Year, Vec<u8>), AppError> {
    let (scope, year, regime, lines) = all_lines(app, p, q).await?;
    let columns = kind_columns(regime);
    let reached = lines.iter().filter(|l| l.compliant).count() as i64;
    let text = |s: &str| CellOut::Text(s.to_string());
    let tenths = |s: &str| jijiao_domain::Credits::parse(s).map_or(CellOut::Empty, |c| CellOut::Tenths(c.tenths()));
    let summary = vec![
        vec![text("范围"), text(&scope.label)],
        vec![text("年度"), CellOut::Integer(i64::from(year))],
        vec![text("适用规则"), text(&rules_label(regime))],
        vec![text("人数"), CellOut::Integer(lines.len() as i64)],
        vec![text("已达标"), CellOut::Integer(reached)],
        vec![text("未达标"), CellOut::Integer(lines.len() as i64 - reached)],
    ];
    let mut headers: Vec<String> =
        ["姓名", "身份证号", "单位", "合计学分", "是否达标"].iter().map(|h| h.to_string()).collect();
    headers.extend(columns.iter().map(|c| c.label.clone()));
    headers.push("尚缺".into());
    let rows = lines
        .iter()
        .map(|l| {
            let mut row = vec![
                text(&l.name),
                text(&l.id_number),
                l.employer.as_deref().map_or(CellOut::Empty, text),
                tenths(&l.total),
                text(if l.compliant { "已达标" } else { "未达标" }),
            ];
            row.extend(l.by_kind.iter().map(|k| tenths(k)));
            row.push(text(&l.missing));
            row
        })
        .collect();
    let sheets = [
        Sheet {
            name: "汇总".into(), headers: vec!["项目".into(), "内容".into()], rows: summary, column_widths: None
        },
        Sheet { name: "达标情况".into(), headers, rows, column_widths: None },
    ];
    let bytes = blocking::run(move || write_xlsx(&sheets)).await?.map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((year, bytes))
}
