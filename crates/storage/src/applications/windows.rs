//! The windows in which each level accepts applications (申报时间): one per office, level and year,
//! both ends inclusive; an application falls under its national office's, its province's or its
//! district's window.

use chrono::NaiveDate;
use jijiao_domain::Year;
use jijiao_domain::org::Level;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::{Actor, Change, append};
use crate::decode;
use crate::sql::{Bind, Filter, date_text};
use crate::{Result, Store, StoreError, now_millis};

/// The window one office set for one level and year, both ends inclusive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WindowRecord {
    pub year: Year,
    pub level: Level,
    /// The office that set it.
    pub org_id: i64,
    pub province_code: Option<String>,
    pub opens: NaiveDate,
    pub closes: NaiveDate,
}

impl Store {
    /// Sets (or moves) the window an office opens for a level and year.
    pub async fn set_window(&self, actor: &Actor, window: &WindowRecord) -> Result<()> {
        if window.closes < window.opens {
            return Err(StoreError::Invalid(format!("截止日期 {} 早于开始日期 {}", window.closes, window.opens)));
        }
        self.write(|mut tx| async move {
            let before: Option<(String, String)> =
                sqlx::query("SELECT opens, closes FROM application_windows WHERE year = $1 AND level = $2 AND org_id = $3")
                    .bind(i64::from(window.year))
                    .bind(window.level.code())
                    .bind(window.org_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .map(|r| Ok::<_, StoreError>((r.try_get("opens")?, r.try_get("closes")?)))
                    .transpose()?;
            let now = now_millis();
            if before.is_some() {
                sqlx::query(
                    "UPDATE application_windows SET opens = $4, closes = $5, updated_at = $6 WHERE year = $1 AND level = $2 AND org_id = $3",
                )
                .bind(i64::from(window.year))
                .bind(window.level.code())
                .bind(window.org_id)
                .bind(date_text(window.opens))
                .bind(date_text(window.closes))
                .bind(now)
                .execute(&mut *tx)
                .await?;
            } else {
                sqlx::query(
                    "INSERT INTO application_windows (year, level, org_id, province_code, opens, closes, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(i64::from(window.year))
                .bind(window.level.code())
                .bind(window.org_id)
                .bind(window.province_code.as_deref())
                .bind(date_text(window.opens))
                .bind(date_text(window.closes))
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            let change = Change {
                action: "application.window",
                object_type: "application_window",
                object_id: format!("{}-{}-{}", window.year, window.level.code(), window.org_id),
                province_code: window.province_code.clone(),
                org_id: Some(window.org_id),
                before: before.map(|(o, c)| serde_json::json!({ "opens": o, "closes": c })),
                after: Some(serde_json::json!({ "opens": window.opens, "closes": window.closes })),
            };
            append(self, &mut tx, actor, &change).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Every window, newest year first (optionally of one year).
    pub async fn windows(&self, year: Option<Year>) -> Result<Vec<WindowRecord>> {
        let mut f = Filter::default();
        if let Some(y) = year {
            f.and("year = ?", [Bind::Int(i64::from(y))]);
        }
        let sql = format!(
            "SELECT year, level, org_id, province_code, opens, closes FROM application_windows{} ORDER BY year DESC, level, province_code, org_id",
            f.where_sql()
        );
        let rows = f.query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(window_from_row).collect()
    }

    /// The window an application of `level` and `year` falls under: the national office's for
    /// national applications, its province's for provincial ones, its district's for district ones.
    pub async fn window_for(
        &self,
        year: Year,
        level: Level,
        province_code: &str,
        district_id: Option<i64>,
    ) -> Result<Option<WindowRecord>> {
        let mut f = Filter::default();
        f.and("year = ?", [Bind::Int(i64::from(year))]).and("level = ?", [Bind::Text(level.code().into())]);
        match level {
            Level::National => {}
            Level::Provincial => {
                f.and("province_code = ?", [Bind::Text(province_code.into())]);
            }
            Level::District => {
                f.and("org_id = ?", [Bind::Int(district_id.unwrap_or(-1))]);
            }
        }
        let sql = format!(
            "SELECT year, level, org_id, province_code, opens, closes FROM application_windows{} ORDER BY org_id LIMIT 1",
            f.where_sql()
        );
        let row = f.query(&sql).fetch_optional(&self.pool).await?;
        row.as_ref().map(window_from_row).transpose()
    }
}

fn window_from_row(r: &AnyRow) -> Result<WindowRecord> {
    Ok(WindowRecord {
        year: decode::year(r, "year", "application_windows.year")?,
        level: decode::code(&r.try_get::<String, _>("level")?, "application_windows.level", Level::from_code)?,
        org_id: r.try_get("org_id")?,
        province_code: r.try_get("province_code")?,
        opens: decode::date(&r.try_get::<String, _>("opens")?, "application_windows.opens")?,
        closes: decode::date(&r.try_get::<String, _>("closes")?, "application_windows.closes")?,
    })
}
