//! Reading stored values back into the program's types. A value the column holds but the type
//! cannot (a year beyond `u16`, a negative count, an unknown code, a date that is no date) is a
//! corrupt row: [`StoreError::Corrupt`] naming the column, never a zero or a default in its place.

use chrono::NaiveDate;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Result, StoreError};

fn corrupt(column: &'static str, value: impl ToString) -> StoreError {
    StoreError::Corrupt { column, value: value.to_string() }
}

/// An integer column as a narrower type (`u16` years, `u32` counts, `i32` credit years).
/// `column` is the result column's name as selected; `table_column` names it in the error.
pub(crate) fn int<T: TryFrom<i64>>(r: &AnyRow, column: &str, table_column: &'static str) -> Result<T> {
    let value: i64 = r.try_get(column)?;
    narrow(value, table_column)
}

/// An integer already read, as a narrower type (see [`int`]).
pub(crate) fn narrow<T: TryFrom<i64>>(value: i64, table_column: &'static str) -> Result<T> {
    T::try_from(value).map_err(|_| corrupt(table_column, value))
}

/// The largest count of tenths a document can give ([`jijiao_domain::tenths`] parsing accepts at
/// most fifteen whole digits); a stored value beyond it was never written by this program.
const MAX_TENTHS: i64 = 9_999_999_999_999_999;

/// A stored count of tenths (credits, hours) as its domain type: negative or beyond any parsed
/// value is a corrupt row.
pub(crate) fn tenths<T>(value: i64, table_column: &'static str, from_tenths: impl FnOnce(i64) -> T) -> Result<T> {
    if (0..=MAX_TENTHS).contains(&value) { Ok(from_tenths(value)) } else { Err(corrupt(table_column, value)) }
}

/// A stored year; one outside [`Year`]'s range is a corrupt row.
pub(crate) fn year(r: &AnyRow, column: &str, table_column: &'static str) -> Result<jijiao_domain::Year> {
    let value: i64 = r.try_get(column)?;
    jijiao_domain::Year::try_from(value).map_err(|_| corrupt(table_column, value))
}

/// A stored code (`national`, `approved`, …) through the type's own parser.
pub(crate) fn code<T>(value: &str, table_column: &'static str, parse: impl FnOnce(&str) -> Option<T>) -> Result<T> {
    parse(value).ok_or_else(|| corrupt(table_column, value))
}

/// A date stored as `YYYY-MM-DD`.
pub(crate) fn date(value: &str, table_column: &'static str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| corrupt(table_column, value))
}

/// A JSON text stored or aggregated by a query, as `T`; the parser's complaint is the value shown.
pub(crate) fn json<T: serde::de::DeserializeOwned>(value: &str, table_column: &'static str) -> Result<T> {
    serde_json::from_str(value).map_err(|e| corrupt(table_column, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_out_of_range_name_their_column() {
        assert_eq!(narrow::<u16>(2024, "projects.year").unwrap(), 2024);
        let err = narrow::<u16>(70_000, "projects.year").unwrap_err();
        assert!(matches!(&err, StoreError::Corrupt { column: "projects.year", value } if value == "70000"), "{err:?}");
        assert!(err.to_string().contains("projects.year") && err.to_string().contains("70000"), "{err}");
        assert!(matches!(narrow::<u32>(-1, "applications.errors"), Err(StoreError::Corrupt { .. })));
        assert!(matches!(narrow::<i32>(i64::MAX, "credit_records.year"), Err(StoreError::Corrupt { .. })));
        assert!(matches!(date("2024-02-30", "projects.first_day"), Err(StoreError::Corrupt { .. })));
        assert_eq!(date("2024-02-29", "projects.first_day").unwrap(), NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
        assert!(matches!(code("nowhere", "projects.level", |_| None::<u8>), Err(StoreError::Corrupt { .. })));
        assert!(matches!(json::<Vec<i64>>("[1,", "project_periods"), Err(StoreError::Corrupt { .. })));
        assert_eq!(tenths(35, "projects.credits", jijiao_domain::Credits::from_tenths).unwrap().to_string(), "3.5");
        assert!(matches!(
            tenths(-1, "projects.credits", jijiao_domain::Credits::from_tenths),
            Err(StoreError::Corrupt { column: "projects.credits", .. })
        ));
        assert!(matches!(
            tenths(i64::MAX, "projects.hours", jijiao_domain::Hours::from_tenths),
            Err(StoreError::Corrupt { column: "projects.hours", .. })
        ));
    }

    /// A corrupt value in a stored row makes the read fail, naming the column, on both backends:
    /// a project's year, an application's count of errors, a credit record's year, and the years
    /// of applications, windows and self-study plans.
    #[tokio::test]
    async fn corrupt_rows_are_errors_not_zeros() {
        use crate::applications::ApplicationFilter;
        use crate::projects::ProjectFilter;
        use crate::{PageRequest, PersonId, testing};
        for db in testing::databases().await {
            let store = db.open().await;
            for fixture in [
                "INSERT INTO organisations (id, kind, name, created_at, updated_at) VALUES (900, 'unit', '测试医院', 0, 0)",
                "INSERT INTO people (id, name, id_number_enc, id_number_hash, sex, birth_date, created_at, updated_at) VALUES (900, '张三', 'x', 'h900', 'male', '1980-01-01', 0, 0)",
                "INSERT INTO publication_batches (id, level, scope, year, batch, created_at) VALUES (900, 'national', '', 2024, 1, 0)",
                "INSERT INTO projects (id, batch_id, number, year, level, unit_name, leader_name, name, subject_secondary, subject_tertiary, kind, delivery, credits, planned_enrollment, first_day, last_day, search_text, created_at) VALUES (900, 900, 'N-1', 70000, 'national', 'x', 'x', 'x', '03', '03-05', 'recommended', 'face_to_face', 100, 50, '2024-05-01', '2024-05-02', 'x', 0)",
                "INSERT INTO applications (year, level, province_code, unit_id, leader_name, name, subject_secondary, subject_tertiary, status, errors, document, leader_id_number_enc, created_at, updated_at) VALUES (2024, 'national', '11', 900, '张三', 'x', '03', '03-05', 'draft', -1, '{}', 'x', 0, 0)",
                "INSERT INTO credit_records (person_id, year, kind, source, title, end_date, status, recorded_by_name, created_at) VALUES (900, 3000000000, 'other', 'employer', 'x', '2024-03-01', 'granted', 'x', 0)",
            ] {
                sqlx::query(fixture).execute(&store.pool).await.unwrap();
            }
            let corrupt_column = |result: Result<_>| match result {
                Err(StoreError::Corrupt { column, .. }) => column,
                other => panic!("{}: {:?}", db.name, other.map(|_| ())),
            };
            // Not a filter alone, whose total comes from the counts (which the fixture has not
            // written): a search that reads the rows.
            let by_unit = ProjectFilter { unit_name: Some("x".into()), ..Default::default() };
            let catalogue = store.projects(&by_unit, PageRequest::default()).await;
            assert_eq!(corrupt_column(catalogue.map(|_| ())), "projects.year", "{}", db.name);
            let listed = store.applications(&ApplicationFilter::default(), PageRequest::default()).await;
            assert_eq!(corrupt_column(listed.map(|_| ())), "applications.errors", "{}", db.name);
            let years = store.credit_years_of(PersonId(900)).await;
            assert_eq!(corrupt_column(years.map(|_| ())), "credit_records.year", "{}", db.name);
            // A year outside 1900..=2200 is as corrupt as one beyond any integer type.
            for fixture in [
                "UPDATE applications SET errors = 0, year = 1800",
                "INSERT INTO application_windows (year, level, org_id, opens, closes, updated_at) VALUES (2201, 'national', 900, '2024-01-01', '2024-01-31', 0)",
                "INSERT INTO self_study_plans (person_id, year, content, planned_tenths, status, created_at) VALUES (900, 0, 'x', 10, 'submitted', 0)",
            ] {
                sqlx::query(fixture).execute(&store.pool).await.unwrap();
            }
            let listed = store.applications(&ApplicationFilter::default(), PageRequest::default()).await;
            assert_eq!(corrupt_column(listed.map(|_| ())), "applications.year", "{}", db.name);
            assert_eq!(
                corrupt_column(store.windows(None).await.map(|_| ())),
                "application_windows.year",
                "{}",
                db.name
            );
            let plans = store.self_study_plans(&crate::credit_records::PlanFilter::default()).await;
            assert_eq!(corrupt_column(plans.map(|_| ())), "self_study_plans.year", "{}", db.name);
            store.close().await;
        }
    }
}
