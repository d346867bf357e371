//! The events list of venue supervision: the query (API parameters and the list page's filters,
//! checked field by field), the list in scope, and its xlsx export.

use chrono::NaiveDate;
use jijiao_documents::{Sheet, write_xlsx};
use jijiao_domain::events::access;
use jijiao_storage::events::{EventFilter, EventRow};
use serde::Deserialize;

use super::{EXPORT_COLUMNS, export_rows, place_of, scope_of};
use crate::projects::{given, level_filter, province_filter, subject_filter};
use crate::{Acting, App, AppError, blocking};

/// The list's query. Everything is text so that an empty form field means "any".
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct EventQuery {
    /// 举办地所在省份代码（11）或名称（北京市）
    pub province: Option<String>,
    /// 举办日期起（YYYY-MM-DD）；默认今天前30天
    pub from: Option<String>,
    /// 举办日期止（YYYY-MM-DD）；默认起始日后90天
    pub to: Option<String>,
    /// national 或 provincial
    pub level: Option<String>,
    /// 二级学科代码（03）或三级学科代码（03-07）
    pub subject: Option<String>,
    /// 举办单位名称中的词
    pub unit: Option<String>,
    /// true：已督查；false：未督查
    pub inspected: Option<String>,
    /// 月历的月份（YYYY-MM），仅页面使用
    pub month: Option<String>,
}

fn date(field: &str, v: &Option<String>) -> Result<Option<NaiveDate>, AppError> {
    given(v)
        .map(|t| {
            jijiao_domain::document::parse_date(t)
                .ok_or_else(|| AppError::invalid(field, format!("日期“{t}”应形如 2026-05-10")))
        })
        .transpose()
}

/// The longest span a list covers.
pub const MAX_SPAN_DAYS: i64 = 400;

impl EventQuery {
    /// The filter for this query, `today` giving the default range (30 days back, 90 ahead).
    pub fn filter(&self, today: NaiveDate) -> Result<EventFilter, AppError> {
        let from = date("from", &self.from)?.unwrap_or(today - chrono::Days::new(30));
        let to = date("to", &self.to)?.unwrap_or(from + chrono::Days::new(120));
        if to < from {
            return Err(AppError::invalid("to", format!("截止日期 {to} 早于起始日期 {from}")));
        }
        if (to - from).num_days() > MAX_SPAN_DAYS {
            return Err(AppError::invalid("to", format!("查询范围不能超过{MAX_SPAN_DAYS}天")));
        }
        let province = province_filter(given(&self.province))?;
        let level = level_filter(given(&self.level))?;
        let subject = given(&self.subject).map(str::to_string);
        subject_filter(subject.as_deref())?;
        let inspected = match given(&self.inspected) {
            None => None,
            Some("true" | "1" | "yes" | "已督查") => Some(true),
            Some("false" | "0" | "no" | "未督查") => Some(false),
            Some(_) => return Err(AppError::invalid("inspected", "inspected 应为 true 或 false")),
        };
        Ok(EventFilter {
            from: Some(from),
            to: Some(to),
            venue_province: province,
            level,
            subject,
            unit: given(&self.unit).map(|u| u.chars().take(50).collect()),
            inspected,
            ..Default::default()
        })
    }
}

/// The events the principal sees that pass `filter`: 403 for an account with no part in events.
pub async fn events(app: &App, p: &Acting, filter: &EventFilter) -> Result<Vec<EventRow>, AppError> {
    if !access::takes_part(&p.grants) {
        return Err(AppError::Forbidden);
    }
    let rows = app.store.events(&scope_of(&p.grants), filter).await?;
    Ok(rows.into_iter().filter(|r| access::may_read(&p.grants, &place_of(r))).collect())
}

/// The rows as a workbook.
pub async fn events_xlsx(rows: &[EventRow]) -> Result<Vec<u8>, AppError> {
    let sheet = Sheet {
        name: "举办活动".into(),
        headers: EXPORT_COLUMNS.iter().map(|h| h.to_string()).collect(),
        rows: export_rows(rows),
        column_widths: Some(vec![22.0, 6.0, 36.0, 28.0, 8.0, 12.0, 12.0, 30.0, 12.0, 10.0, 8.0, 8.0]),
    };
    blocking::run(move || write_xlsx(&[sheet])).await?.map_err(|e| AppError::Internal(e.to_string()))
}
