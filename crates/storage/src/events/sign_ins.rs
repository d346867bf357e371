//! QR sign-ins (rules.md §7.6): who signed in to which session of a period and when they signed out,
//! each write with its audit entry in the same transaction. A person signs in once per session (a
//! second scan finds the first row and writes nothing) and signs out once; the hours are fixed at
//! sign-out. [`Store::sign_in_hours`] sums them per person for starting a roster.

use chrono::NaiveDate;
use jijiao_domain::events::filing::minutes;
use jijiao_domain::events::sign_in::{Slot, attended};
use jijiao_domain::personal::mask_id_number;
use jijiao_domain::{Hours, IdNumber};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::{Actor, Change, append};
use crate::sql::date_text;
use crate::{PersonId, Result, Store, StoreError, decode};

/// A sign-in to store: the period (from 1) of a project, the session, who and when (the operation's
/// clock); the unit's province and id place the audit entry in its administrators' sight.
#[derive(Clone, Debug)]
pub struct NewSignIn<'a> {
    pub project_id: i64,
    pub project_number: &'a str,
    pub unit_id: Option<i64>,
    pub unit_province: Option<&'a str>,
    pub period: u32,
    pub slot: Slot,
    pub person_id: PersonId,
    pub at: i64,
}

/// One person's attendance of one session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StoredSignIn {
    pub id: i64,
    pub project_id: i64,
    pub period: u32,
    #[serde(skip)]
    pub slot: Slot,
    pub person_id: PersonId,
    pub signed_in_at: i64,
    pub signed_out_at: Option<i64>,
    /// Set at sign-out.
    pub hours: Option<Hours>,
}

/// A sign-in as the unit's list shows it: the person's ID number masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SignInLine {
    #[serde(flatten)]
    pub sign_in: StoredSignIn,
    pub name: String,
    pub id_number: String,
    pub unit: Option<String>,
    pub title: Option<String>,
    /// Whether the person registered and awaits their employer's confirmation (a learner who
    /// registered at the door signs in before that); false for a confirmed account.
    pub awaiting_confirmation: bool,
}

/// A person's attendance of a period, summed over its sessions, with the person as the people table
/// holds them (ID number and phone in full: the roster carries them; views mask them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignInHours {
    pub person_id: PersonId,
    pub name: String,
    pub id_number: IdNumber,
    /// The employer's name.
    pub unit: Option<String>,
    /// The employer's province: its 2-digit code and its name (the roster's 所在省份).
    pub province_code: Option<String>,
    pub province: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    /// The hours of the sessions signed out of, added up (each capped by its schedule).
    pub hours: Hours,
    /// Sessions signed in to, and of them those never signed out of (counting nothing).
    pub sessions: u32,
    pub open: u32,
}

const COLUMNS: &str = "s.id, s.project_id, s.period, s.session_date, s.session_from, s.person_id, s.signed_in_at, s.signed_out_at, s.hours";

fn sign_in_from_row(r: &AnyRow) -> Result<StoredSignIn> {
    let date = decode::date(&r.try_get::<String, _>("session_date")?, "sign_ins.session_date")?;
    let from: String = r.try_get("session_from")?;
    let slot = minutes(&from)
        .and_then(|m| Slot::new(date, m))
        .ok_or(StoreError::Corrupt { column: "sign_ins.session_from", value: from.clone() })?;
    let hours: Option<i64> = r.try_get("hours")?;
    Ok(StoredSignIn {
        id: r.try_get("id")?,
        project_id: r.try_get("project_id")?,
        period: decode::int(r, "period", "sign_ins.period")?,
        slot,
        person_id: PersonId(r.try_get("person_id")?),
        signed_in_at: r.try_get("signed_in_at")?,
        signed_out_at: r.try_get("signed_out_at")?,
        hours: hours.map(|h| decode::tenths(h, "sign_ins.hours", Hours::from_tenths)).transpose()?,
    })
}

fn audit_change(new: &NewSignIn<'_>, action: &'static str, id: i64, after: serde_json::Value) -> Change {
    Change {
        action,
        object_type: "sign_in",
        object_id: id.to_string(),
        province_code: new.unit_province.map(str::to_string),
        org_id: new.unit_id,
        before: None,
        after: Some(after),
    }
}

impl Store {
    /// Signs a person in to a session: a new row with its audit entry, or, when they signed in
    /// already, the first row unchanged (`false`: nothing written).
    pub async fn sign_in(&self, actor: &Actor, new: &NewSignIn<'_>) -> Result<(StoredSignIn, bool)> {
        let (date, from) = (date_text(new.slot.date), new.slot.from_text());
        let (date, from) = (&date, &from);
        self.write(|mut tx| async move {
            // A concurrent second scan of the same person meets the unique index and inserts nothing.
            let inserted: Option<i64> = sqlx::query_scalar(
                "INSERT INTO sign_ins (project_id, period, session_date, session_from, person_id, account_id, signed_in_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (project_id, period, session_date, session_from, person_id) DO NOTHING RETURNING id",
            )
            .bind(new.project_id)
            .bind(i64::from(new.period))
            .bind(date.as_str())
            .bind(from.as_str())
            .bind(new.person_id.0)
            .bind(actor.account_id)
            .bind(new.at)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(id) = inserted {
                let after = serde_json::json!({
                    "project": new.project_number, "period": new.period, "session": new.slot.key(),
                    "person": new.person_id.0, "at": new.at,
                });
                append(self, &mut tx, actor, &audit_change(new, "events.sign_in", id, after)).await?;
            }
            let row = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM sign_ins s WHERE s.project_id = $1 AND s.period = $2 AND s.session_date = $3 \
                 AND s.session_from = $4 AND s.person_id = $5"
            ))
            .bind(new.project_id)
            .bind(i64::from(new.period))
            .bind(date.as_str())
            .bind(from.as_str())
            .bind(new.person_id.0)
            .fetch_one(&mut *tx)
            .await?;
            let stored = sign_in_from_row(&row)?;
            tx.commit().await?;
            Ok((stored, inserted.is_some()))
        })
        .await
    }

    /// Signs a person out of a session they signed in to, at `new.at`: the hours attended (capped by
    /// `scheduled`, the session's hours) are fixed now. Refused when they never signed in or
    /// signed out already.
    pub async fn sign_out(&self, actor: &Actor, new: &NewSignIn<'_>, scheduled: Hours) -> Result<StoredSignIn> {
        let (date, from) = (date_text(new.slot.date), new.slot.from_text());
        let (date, from) = (&date, &from);
        self.write(|mut tx| async move {
            let row = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM sign_ins s WHERE s.project_id = $1 AND s.period = $2 AND s.session_date = $3 \
                 AND s.session_from = $4 AND s.person_id = $5"
            ))
            .bind(new.project_id)
            .bind(i64::from(new.period))
            .bind(date.as_str())
            .bind(from.as_str())
            .bind(new.person_id.0)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else {
                return Err(StoreError::Conflict(format!("您尚未签到本场（{}），不能签退", new.slot)));
            };
            let mut stored = sign_in_from_row(&row)?;
            if let Some(out) = stored.signed_out_at {
                return Err(StoreError::Conflict(format!(
                    "您已于 {} 签退本场，不能重复签退",
                    jijiao_domain::time::format_shanghai(out)
                )));
            }
            let hours = attended(stored.signed_in_at, new.at, scheduled);
            // The guard on signed_out_at keeps a concurrent second sign-out from writing twice.
            let updated = sqlx::query(
                "UPDATE sign_ins SET signed_out_at = $1, hours = $2 WHERE id = $3 AND signed_out_at IS NULL",
            )
            .bind(new.at)
            .bind(hours.tenths())
            .bind(stored.id)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() != 1 {
                return Err(StoreError::Conflict("您已签退本场，不能重复签退".into()));
            }
            let after = serde_json::json!({
                "project": new.project_number, "period": new.period, "session": new.slot.key(),
                "person": new.person_id.0, "signed_in_at": stored.signed_in_at, "at": new.at,
                "hours": hours.to_string(),
            });
            append(self, &mut tx, actor, &audit_change(new, "events.sign_out", stored.id, after)).await?;
            tx.commit().await?;
            stored.signed_out_at = Some(new.at);
            stored.hours = Some(hours);
            Ok(stored)
        })
        .await
    }

    /// A person's sign-in to a session, if they signed in.
    pub async fn sign_in_of(
        &self,
        project_id: i64,
        period: u32,
        slot: Slot,
        person: PersonId,
    ) -> Result<Option<StoredSignIn>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM sign_ins s WHERE s.project_id = $1 AND s.period = $2 AND s.session_date = $3 \
             AND s.session_from = $4 AND s.person_id = $5"
        ))
        .bind(project_id)
        .bind(i64::from(period))
        .bind(date_text(slot.date))
        .bind(slot.from_text())
        .bind(person.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(sign_in_from_row).transpose()
    }

    /// Every sign-in of a period, by session and time, with the person (ID number masked).
    pub async fn sign_ins(&self, project_id: i64, period: u32) -> Result<Vec<SignInLine>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS}, p.name, p.id_number_enc, p.title, o.name AS unit, a.confirmed \
             FROM sign_ins s JOIN people p ON p.id = s.person_id LEFT JOIN organisations o ON o.id = p.employer_id \
             LEFT JOIN accounts a ON a.person_id = p.id \
             WHERE s.project_id = $1 AND s.period = $2 ORDER BY s.session_date, s.session_from, s.signed_in_at, s.id"
        ))
        .bind(project_id)
        .bind(i64::from(period))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let id_number = self.vault.decrypt(&r.try_get::<String, _>("id_number_enc")?)?;
                Ok(SignInLine {
                    sign_in: sign_in_from_row(r)?,
                    name: r.try_get("name")?,
                    id_number: mask_id_number(&id_number),
                    unit: r.try_get("unit")?,
                    title: r.try_get("title")?,
                    awaiting_confirmation: r.try_get::<Option<i64>, _>("confirmed")? == Some(0),
                })
            })
            .collect()
    }

    /// Each person who signed in to a period, with their hours summed over its sessions (in tenths,
    /// each session's capped by its schedule; a session never signed out of counts nothing), as the
    /// people table holds them: name, ID number, employer, its province, title, phone. Ordered by the
    /// first sign-in. What a roster is started from (rules.md §7.3 "Attendance may come from the QR
    /// sign-in").
    pub async fn sign_in_hours(&self, project_id: i64, period: u32) -> Result<Vec<SignInHours>> {
        let rows = sqlx::query(
            "SELECT t.person_id, t.hours, t.sessions, t.open, p.name, p.id_number_enc, p.title, p.phone_enc, \
             o.name AS unit, o.province_code, v.name AS province \
             FROM (SELECT person_id, CAST(SUM(COALESCE(hours, 0)) AS BIGINT) AS hours, CAST(COUNT(*) AS BIGINT) AS sessions, \
                   CAST(SUM(CASE WHEN signed_out_at IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS open, MIN(signed_in_at) AS first_at \
                   FROM sign_ins WHERE project_id = $1 AND period = $2 GROUP BY person_id) t \
             JOIN people p ON p.id = t.person_id LEFT JOIN organisations o ON o.id = p.employer_id \
             LEFT JOIN provinces v ON v.code = o.province_code ORDER BY t.first_at, t.person_id",
        )
        .bind(project_id)
        .bind(i64::from(period))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let id_number = self.vault.decrypt(&r.try_get::<String, _>("id_number_enc")?)?;
                let phone = match r.try_get::<Option<String>, _>("phone_enc")? {
                    Some(enc) => Some(self.vault.decrypt(&enc)?),
                    None => None,
                };
                Ok(SignInHours {
                    person_id: PersonId(r.try_get("person_id")?),
                    name: r.try_get("name")?,
                    id_number: IdNumber::parse(&id_number).map_err(|_| StoreError::Decrypt)?,
                    unit: r.try_get("unit")?,
                    province_code: r.try_get("province_code")?,
                    province: r.try_get("province")?,
                    title: r.try_get("title")?,
                    phone,
                    hours: decode::tenths(r.try_get("hours")?, "sign_ins.hours", Hours::from_tenths)?,
                    sessions: decode::int(r, "sessions", "sign_ins.count")?,
                    open: decode::int(r, "open", "sign_ins.open")?,
                })
            })
            .collect()
    }

    /// How many signed in to each session of a period (and of them signed out), by session.
    pub async fn sign_in_counts(&self, project_id: i64, period: u32) -> Result<Vec<(Slot, u32, u32)>> {
        let rows = sqlx::query(
            "SELECT session_date, session_from, CAST(COUNT(*) AS BIGINT) AS signed_in, \
             CAST(SUM(CASE WHEN signed_out_at IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS signed_out \
             FROM sign_ins WHERE project_id = $1 AND period = $2 GROUP BY session_date, session_from \
             ORDER BY session_date, session_from",
        )
        .bind(project_id)
        .bind(i64::from(period))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let date: NaiveDate = decode::date(&r.try_get::<String, _>("session_date")?, "sign_ins.session_date")?;
                let from: String = r.try_get("session_from")?;
                let slot = minutes(&from)
                    .and_then(|m| Slot::new(date, m))
                    .ok_or(StoreError::Corrupt { column: "sign_ins.session_from", value: from.clone() })?;
                Ok((
                    slot,
                    decode::int(r, "signed_in", "sign_ins.count")?,
                    decode::int(r, "signed_out", "sign_ins.count")?,
                ))
            })
            .collect()
    }
}
