//! QR sign-in as operations (rules.md §7.6): the unit (its administrator, or the project's leader)
//! shows a rotating code for a session of a period while it is held; a professional's phone sends a
//! code back to sign in, and again at the end to sign out, which fixes the hours attended; the unit
//! reads who signed in, and the roster can start from the hours per person.
//!
//! The code is the learner's credential for the event: a professional is no part of the event's
//! chain, so the learner's operations find the period from the code (never from the caller's scope)
//! and only then check it. The unit's operations go through [`super::event`], so out of sight is 404
//! and beyond one's powers 403, as everywhere in events.

use chrono::{NaiveDate, Timelike};
use jijiao_domain::Hours;
use jijiao_domain::events::access;
use jijiao_domain::events::filing::{Filing, Session};
use jijiao_domain::events::sign_in::{self as rules, Code, Refusal, Slot};
use jijiao_storage::events::{EventFilter, EventRow, EventScope, NewSignIn, SignInHours, SignInLine, StoredSignIn};
use jijiao_storage::{PersonId, StoreError};
use serde::Serialize;

use super::{Event, event};
use crate::{Acting, App, AppError};

/// A session as pages and the API show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionView {
    /// `2026-06-10T09:00`: how a page or the API names the session (`?session=`).
    pub key: String,
    pub date: NaiveDate,
    pub from: String,
    pub to: String,
    pub topic: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "3.0"))]
    pub hours: Hours,
}

fn session_view(slot: Slot, s: &Session) -> SessionView {
    SessionView {
        key: slot.key(),
        date: s.date,
        from: slot.from_text(),
        to: s.to.trim().to_string(),
        topic: s.topic.clone(),
        hours: s.hours,
    }
}

/// A refusal of the code, as the operations answer it: 422 naming the `code`.
fn refused(r: Refusal) -> AppError {
    AppError::invalid("code", r.to_string())
}

/// An instant as Beijing time with its offset, `2026-06-10T09:01:05+08:00`.
pub fn beijing(millis: i64) -> String {
    jijiao_domain::time::to_shanghai(millis).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Minutes after midnight in Beijing.
fn minutes_now(app: &App) -> u32 {
    let now = jijiao_domain::time::to_shanghai(app.clock.now_millis());
    now.hour() * 60 + now.minute()
}

/// The current filing of an event, which the sessions come from.
async fn current_filing(app: &App, project_id: i64, period: u32) -> Result<Option<Filing>, AppError> {
    Ok(app.store.filings(project_id, period).await?.pop().map(|f| f.filing))
}

// ---- the unit's side ----

/// The code to show now for a session, with what the page shows beside it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CurrentCode {
    /// What the QR code carries after `/sign-in/`.
    pub code: String,
    pub session: SessionView,
    /// Today's sessions, to choose another.
    pub sessions: Vec<SessionView>,
    /// When this code is replaced (Unix milliseconds): the page fetches the next one then.
    pub refresh_at: i64,
    /// The last moment a phone may still send it (Unix milliseconds).
    pub accepted_until: i64,
}

/// The event of a period whose sign-ins the principal manages (the unit's administrator or the
/// project's leader): 404 out of sight, 403 to others who see it.
async fn managed(app: &App, p: &Acting, number: &str, period: u32) -> Result<Event, AppError> {
    let event = event(app, p, number, period).await?;
    if !access::may_file(&p.grants, &event.place()) {
        return Err(AppError::Forbidden);
    }
    if super::remote::is_remote(&event.project) {
        return Err(AppError::invalid("number", super::REMOTE_NOT_FILED));
    }
    Ok(event)
}

/// The code of a session of period `period` of project `number` at this moment, for the unit's
/// page: only while the period is held (its filed dates, Beijing time) and only for one of today's
/// sessions; without a session named, the one under way (else the next, else the day's last).
pub async fn current_code(
    app: &App,
    p: &Acting,
    number: &str,
    period: u32,
    session: Option<&str>,
) -> Result<CurrentCode, AppError> {
    let event = managed(app, p, number, period).await?;
    if let Some(s) = &event.project.suspension {
        return Err(AppError::Conflict(format!("该项目已暂停：{}，不能出示签到二维码", s.reason)));
    }
    let filing = current_filing(app, event.project.id, period)
        .await?
        .ok_or_else(|| AppError::Conflict("本期尚未报备日程，不能出示签到二维码".into()))?;
    let today = app.today();
    if rules::held(filing.start, filing.end, today).is_err() {
        return Err(AppError::Conflict(format!(
            "本期举办日期为 {} 至 {}，今天（{today}）不在举办期内，不能出示签到二维码",
            filing.start, filing.end
        )));
    }
    let sessions = rules::sessions_on(&filing, today);
    let slot = match session.map(str::trim).filter(|s| !s.is_empty()) {
        Some(key) => {
            let slot = Slot::parse_key(key)
                .ok_or_else(|| AppError::invalid("session", format!("场次“{key}”应形如 2026-06-10T09:00")))?;
            if !sessions.iter().any(|(s, _)| *s == slot) {
                return Err(AppError::invalid("session", format!("今天的日程中没有 {slot} 开始的场次")));
            }
            slot
        }
        None => rules::likely_session(&filing, today, minutes_now(app))
            .ok_or_else(|| AppError::Conflict("今天的日程中没有场次，不能出示签到二维码".into()))?,
    };
    let chosen = sessions.iter().find(|(s, _)| *s == slot).map(|(s, session)| session_view(*s, session));
    let now = app.clock.now_millis();
    let step = rules::step_at(now);
    let secret = app.store.vault().sign_in_secret();
    let code = Code::issue(&secret, event.number(), event.project.id, period, slot, step);
    Ok(CurrentCode {
        code: code.to_string(),
        session: chosen.expect("the slot is one of today's sessions"),
        sessions: sessions.iter().map(|(s, session)| session_view(*s, session)).collect(),
        refresh_at: rules::step_end(step),
        accepted_until: rules::step_end(step + rules::PAST_STEPS),
    })
}

/// A session of the period with how many signed in to it and out of it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionCount {
    #[serde(flatten)]
    pub session: SessionView,
    pub signed_in: u32,
    pub signed_out: u32,
}

/// One sign-in as the unit's list shows it (the ID number masked).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInEntry {
    pub name: String,
    /// Masked (`110105********002X`).
    pub id_number: String,
    pub unit: Option<String>,
    pub title: Option<String>,
    /// The session's key, `2026-06-10T09:00`.
    pub session: String,
    pub signed_in_at: String,
    pub signed_out_at: Option<String>,
    /// Set at sign-out.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "2.9"))]
    pub hours: Option<Hours>,
    /// Whether the learner registered (at the door, say) and awaits their employer's confirmation.
    pub awaiting_confirmation: bool,
}

fn entry(line: &SignInLine) -> SignInEntry {
    SignInEntry {
        name: line.name.clone(),
        id_number: line.id_number.clone(),
        unit: line.unit.clone(),
        title: line.title.clone(),
        session: line.sign_in.slot.key(),
        signed_in_at: beijing(line.sign_in.signed_in_at),
        signed_out_at: line.sign_in.signed_out_at.map(beijing),
        hours: line.sign_in.hours,
        awaiting_confirmation: line.awaiting_confirmation,
    }
}

/// The sign-ins of a period: each session of the schedule with its counts, and every sign-in.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInList {
    pub sessions: Vec<SessionCount>,
    pub entries: Vec<SignInEntry>,
    pub total: usize,
}

/// Who signed in to period `period` of project `number`, for the unit (its administrator or the
/// project's leader); `session` narrows the entries to one session.
pub async fn sign_ins(
    app: &App,
    p: &Acting,
    number: &str,
    period: u32,
    session: Option<&str>,
) -> Result<SignInList, AppError> {
    let event = managed(app, p, number, period).await?;
    let only = match session.map(str::trim).filter(|s| !s.is_empty()) {
        Some(key) => Some(
            Slot::parse_key(key)
                .ok_or_else(|| AppError::invalid("session", format!("场次“{key}”应形如 2026-06-10T09:00")))?,
        ),
        None => None,
    };
    let counts = app.store.sign_in_counts(event.project.id, period).await?;
    let filing = current_filing(app, event.project.id, period).await?;
    let sessions = filing
        .iter()
        .flat_map(|f| f.schedule.iter())
        .filter_map(|s| Slot::of(s).map(|slot| (slot, s)))
        .map(|(slot, s)| {
            let (signed_in, signed_out) =
                counts.iter().find(|(c, _, _)| *c == slot).map_or((0, 0), |(_, i, o)| (*i, *o));
            SessionCount { session: session_view(slot, s), signed_in, signed_out }
        })
        .collect();
    let entries: Vec<SignInEntry> = app
        .store
        .sign_ins(event.project.id, period)
        .await?
        .iter()
        .filter(|l| only.is_none_or(|slot| l.sign_in.slot == slot))
        .map(entry)
        .collect();
    Ok(SignInList { sessions, total: entries.len(), entries })
}

/// The hours each person attended of period `period` of project `number`, summed over its sessions
/// (see [`jijiao_storage::Store::sign_in_hours`]), for the unit (its administrator or the project's
/// leader) to start the period's roster from: name, ID number, unit, province, title and phone as
/// the people table holds them, in full.
pub async fn roster_hours(app: &App, p: &Acting, number: &str, period: u32) -> Result<Vec<SignInHours>, AppError> {
    let event = managed(app, p, number, period).await?;
    Ok(app.store.sign_in_hours(event.project.id, period).await?)
}

// ---- the learner's side ----

/// What a code leads to: its period and session, checked for the moment of asking.
#[derive(Clone, Debug)]
pub struct Target {
    pub code: Code,
    pub row: EventRow,
    pub session: Session,
}

impl Target {
    pub fn session_view(&self) -> SessionView {
        session_view(self.code.slot, &self.session)
    }
}

/// The period and session a code names, if the code is authentic and fresh, its period held today
/// and its session one of today's in the current schedule. With `expected` (a project number and a
/// period, as the API's path names them), a code of any other period is refused as such.
pub async fn target(app: &App, text: &str, expected: Option<(&str, u32)>) -> Result<Target, AppError> {
    let expected_id = match expected {
        Some((number, period)) => match app.store.project_by_number(number).await {
            Ok(project) => Some((project.id, period)),
            Err(StoreError::NotFound) => return Err(AppError::NotFound),
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let code = Code::parse(text).map_err(refused)?;
    let number = match app.store.project_number_of(code.project_id).await {
        Ok(Some(number)) => number,
        Ok(None) | Err(StoreError::NotFound) => return Err(refused(Refusal::Invalid)),
        Err(e) => return Err(e.into()),
    };
    code.authentic(&app.store.vault().sign_in_secret(), &number).map_err(refused)?;
    if expected_id.is_some_and(|e| e != (code.project_id, code.period)) {
        return Err(refused(Refusal::OtherPeriod));
    }
    code.fresh(app.clock.now_millis()).map_err(refused)?;
    let filter = EventFilter { number: Some(number), period: Some(code.period), ..Default::default() };
    let row = app
        .store
        .events(&EventScope { all: true, ..Default::default() }, &filter)
        .await?
        .into_iter()
        .find(|r| r.period == code.period)
        .ok_or_else(|| refused(Refusal::Invalid))?;
    let filing = current_filing(app, code.project_id, code.period).await?.ok_or_else(|| refused(Refusal::NotFiled))?;
    let session = rules::session_today(&filing, code.slot, app.today()).map_err(refused)?.clone();
    Ok(Target { code, row, session })
}

/// The person a professional signs in as: their own (an account without one, an office's, cannot).
pub fn learner(p: &Acting) -> Result<PersonId, AppError> {
    p.account.person_id.ok_or(AppError::Forbidden)
}

/// A sign-in or sign-out as its learner reads it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attendance {
    /// The project's number and name, and the period.
    pub number: String,
    pub name: String,
    pub period: u32,
    pub session: SessionView,
    pub signed_in_at: String,
    pub signed_out_at: Option<String>,
    /// The hours attended, at sign-out.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "2.9"))]
    pub hours: Option<Hours>,
    /// Whether this request signed in (false: signed in before, nothing changed).
    pub new: bool,
}

fn attendance(target: &Target, stored: &StoredSignIn, new: bool) -> Attendance {
    Attendance {
        number: target.row.number.clone(),
        name: target.row.name.clone(),
        period: target.row.period,
        session: target.session_view(),
        signed_in_at: beijing(stored.signed_in_at),
        signed_out_at: stored.signed_out_at.map(beijing),
        hours: stored.hours,
        new,
    }
}

fn new_sign_in<'a>(target: &'a Target, person: PersonId, at: i64) -> NewSignIn<'a> {
    NewSignIn {
        project_id: target.code.project_id,
        project_number: &target.row.number,
        unit_id: target.row.unit_id,
        unit_province: target.row.unit_province.as_deref(),
        period: target.row.period,
        slot: target.code.slot,
        person_id: person,
        at,
    }
}

/// Signs the professional in to the session the code names (once: a second time answers the first
/// sign-in). `expected` as for [`target`].
pub async fn sign_in(app: &App, p: &Acting, code: &str, expected: Option<(&str, u32)>) -> Result<Attendance, AppError> {
    let person = learner(p)?;
    let target = target(app, code, expected).await?;
    let (stored, new) = app.store.sign_in(&p.actor(), &new_sign_in(&target, person, app.clock.now_millis())).await?;
    Ok(attendance(&target, &stored, new))
}

/// Signs the professional out of the session the code names: the code is scanned again at the end,
/// so leaving early cannot be hidden by signing out from elsewhere later. The hours attended are
/// fixed now, at most the session's scheduled hours.
pub async fn sign_out(
    app: &App,
    p: &Acting,
    code: &str,
    expected: Option<(&str, u32)>,
) -> Result<Attendance, AppError> {
    let person = learner(p)?;
    let target = target(app, code, expected).await?;
    let new = new_sign_in(&target, person, app.clock.now_millis());
    let stored = app.store.sign_out(&p.actor(), &new, target.session.hours).await?;
    Ok(attendance(&target, &stored, false))
}

/// What the page a code opens shows a professional: the session, and their sign-in to it if any.
pub async fn status(app: &App, p: &Acting, target: &Target) -> Result<Option<Attendance>, AppError> {
    let Some(person) = p.account.person_id else { return Ok(None) };
    let stored = app.store.sign_in_of(target.code.project_id, target.row.period, target.code.slot, person).await?;
    Ok(stored.map(|s| attendance(target, &s, false)))
}
