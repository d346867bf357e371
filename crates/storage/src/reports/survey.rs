//! The learners' phone survey (rules.md §7.4): each learner's answers to a period's (or upload
//! cycle's) questions 1–7, once per person, while the period's report is not approved; and the
//! periods a person learned in, for their list of surveys to answer.

use jijiao_domain::events::report::ReportStatus;
use jijiao_domain::events::survey::Answer;
use jijiao_domain::org::Delivery;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::PeriodKey;
use crate::audit::{Actor, Change, append};
use crate::{PersonId, Result, Store, StoreError, decode};

const ANSWER_COLUMNS: &str = "q1, q2, q3, q4, q5, q6, q7_first, q7_second";

fn answer_of(r: &AnyRow) -> Result<Answer> {
    let option = |column: &str| -> Result<u8> { decode::int(r, column, "survey_answers") };
    Ok(Answer {
        q1: option("q1")?,
        q2: option("q2")?,
        q3: option("q3")?,
        q4: option("q4")?,
        q5: option("q5")?,
        q6: option("q6")?,
        q7: [option("q7_first")?, option("q7_second")?],
    })
}

/// A period a person is a learner on (not a speaker), with whether they answered its survey and
/// where its report stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LearnerPeriod {
    pub project_id: i64,
    pub number: String,
    pub name: String,
    pub delivery: Delivery,
    pub period: u32,
    pub answered: bool,
    pub report: Option<ReportStatus>,
}

impl Store {
    /// Stores one learner's answers to a period's survey: once per person (a second answer is
    /// refused by the unique index, in the user's words), and not after the period's report was
    /// approved (read under the report's row lock, so an approval and an answer do not cross).
    pub async fn answer_survey(
        &self,
        actor: &Actor,
        key: &PeriodKey,
        person: PersonId,
        answer: &Answer,
        at: i64,
    ) -> Result<()> {
        self.write(|mut tx| async move {
            if let Some((ReportStatus::Approved, _)) = self.status_in(&mut tx, key).await? {
                return Err(StoreError::Conflict("本期执行情况已审核通过，问卷已关闭".into()));
            }
            // The answers themselves stay out of the log: the unit reads them only as counts.
            let change = Change {
                action: "survey.answer",
                object_type: "period_survey",
                object_id: format!("{}#{}", key.project_number, key.period),
                province_code: key.unit_province.clone(),
                org_id: key.unit_id,
                before: None,
                after: Some(serde_json::json!({ "person_id": person.0 })),
            };
            append(self, &mut tx, actor, &change).await?;
            sqlx::query(&format!(
                "INSERT INTO survey_answers (project_id, period, person_id, {ANSWER_COLUMNS}, account_id, answered_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
            ))
            .bind(key.project_id)
            .bind(i64::from(key.period))
            .bind(person.0)
            .bind(i64::from(answer.q1))
            .bind(i64::from(answer.q2))
            .bind(i64::from(answer.q3))
            .bind(i64::from(answer.q4))
            .bind(i64::from(answer.q5))
            .bind(i64::from(answer.q6))
            .bind(i64::from(answer.q7[0]))
            .bind(i64::from(answer.q7[1]))
            .bind(actor.account_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// One person's answers to a period's survey, if they answered.
    pub async fn survey_answer(&self, project_id: i64, period: u32, person: PersonId) -> Result<Option<Answer>> {
        sqlx::query(&format!(
            "SELECT {ANSWER_COLUMNS} FROM survey_answers WHERE project_id = $1 AND period = $2 AND person_id = $3"
        ))
        .bind(project_id)
        .bind(i64::from(period))
        .bind(person.0)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| answer_of(&r))
        .transpose()
    }

    /// Every answer to a period's survey with whose it is (only their counts are ever shown).
    pub async fn survey_answers(&self, project_id: i64, period: u32) -> Result<Vec<(PersonId, Answer)>> {
        let rows = sqlx::query(&format!(
            "SELECT person_id, {ANSWER_COLUMNS} FROM survey_answers WHERE project_id = $1 AND period = $2 ORDER BY id"
        ))
        .bind(project_id)
        .bind(i64::from(period))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((PersonId(r.try_get("person_id")?), answer_of(r)?))).collect()
    }

    /// The periods of published projects a person is a learner on, newest project first.
    pub async fn learner_periods(&self, person: PersonId) -> Result<Vec<LearnerPeriod>> {
        let rows = sqlx::query(
            "SELECT e.project_id, p.number, p.name, p.delivery, e.period, \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM survey_answers s WHERE s.project_id = e.project_id AND s.period = e.period AND s.person_id = e.person_id) AS answered, \
             r.status \
             FROM roster_entries e JOIN projects p ON p.id = e.project_id \
             LEFT JOIN period_reports r ON r.project_id = e.project_id AND r.period = e.period \
             WHERE e.person_id = $1 AND p.number IS NOT NULL AND (e.taught_tenths IS NULL OR e.taught_tenths = 0) \
             ORDER BY p.first_day DESC, p.number, e.period",
        )
        .bind(person.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LearnerPeriod {
                    project_id: r.try_get("project_id")?,
                    number: r.try_get("number")?,
                    name: r.try_get("name")?,
                    delivery: decode::code(
                        &r.try_get::<String, _>("delivery")?,
                        "projects.delivery",
                        Delivery::from_code,
                    )?,
                    period: decode::int(r, "period", "roster_entries.period")?,
                    answered: r.try_get::<i64, _>("answered")? > 0,
                    report: r
                        .try_get::<Option<String>, _>("status")?
                        .map(|s| decode::code(&s, "period_reports.status", ReportStatus::from_code))
                        .transpose()?,
                })
            })
            .collect()
    }
}
