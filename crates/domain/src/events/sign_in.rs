//! QR sign-in (扫码签到, rules.md §7.6, the modern form of 考勤): the rotating code a unit shows for a
//! session of a period that is being held, the checks a code passes before a learner is marked
//! present, and the hours attended between signing in and signing out.
//!
//! A code names the project (by its id, to find it), the period, the session (its date and start)
//! and a 30-second time step, and carries an HMAC-SHA256 of the project number, period, session and
//! step under a server secret derived from the data key. Every app server sharing the database
//! derives the same secret, so any of them checks a code another one showed, and nothing is stored
//! until someone signs in: no per-server or per-code state. A code is accepted during its own step
//! and the two after it (shown for 30 s, then accepted for at most 60 s more); an earlier step is
//! expired and a later one invalid (a code from the future was not made by us).

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::filing::{Filing, Session, minutes};
use crate::Hours;

/// The length of a time step: the QR code changes this often.
pub const STEP_MILLIS: i64 = 30_000;
/// Steps after a code's own that still accept it (`≤ 60 s` after it stopped being shown).
pub const PAST_STEPS: i64 = 2;
/// Bytes of the HMAC kept in a code: 128 bits, while a guess has 90 seconds and the rate limit.
const TAG_BYTES: usize = 16;
/// Separates this MAC's messages from every other use of the key.
const PURPOSE: &str = "jijiao qr sign-in v1";
/// A tenth of an hour in milliseconds: attended time is counted in whole tenths (floor).
const TENTH_MILLIS: i64 = 360_000;

/// The server secret the codes are made with (32 bytes derived from the data key); its `Debug`
/// never shows it.
#[derive(Clone)]
pub struct Secret([u8; 32]);

impl Secret {
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// A session of a period's schedule, as sign-ins name it: its date and start (a schedule may hold
/// two sessions on one day, never two starting at the same time that matter for attendance).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot {
    pub date: NaiveDate,
    /// Minutes after midnight, Beijing time.
    pub from: u32,
}

impl Slot {
    /// `from` in minutes after midnight (below 24 h).
    pub fn new(date: NaiveDate, from: u32) -> Option<Self> {
        (from < 24 * 60).then_some(Self { date, from })
    }

    /// The slot of a session of a filed schedule (its start read as `HH:MM`).
    pub fn of(session: &Session) -> Option<Self> {
        Self::new(session.date, minutes(&session.from)?)
    }

    /// The start as `09:00`.
    pub fn from_text(&self) -> String {
        format!("{:02}:{:02}", self.from / 60, self.from % 60)
    }

    /// `2026-06-10T09:00`: how a page or the API names the session.
    pub fn key(&self) -> String {
        format!("{}T{}", self.date, self.from_text())
    }

    /// Reads [`Slot::key`] back (also with a space for the `T`).
    pub fn parse_key(text: &str) -> Option<Self> {
        let text = text.trim();
        let (date, from) = text.split_once('T').or_else(|| text.split_once(' '))?;
        let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok()?;
        Self::new(date, minutes(from)?)
    }
}

/// `2026-06-10 09:00`, as people read it.
impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.date, self.from_text())
    }
}

/// Why a code (or a sign-in with it) is refused; each message is what the learner reads.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("签到码无法识别，请重新扫描现场的二维码")]
    Unreadable,
    /// A wrong tag, or a step not yet reached.
    #[error("签到码无效，请重新扫描现场的二维码")]
    Invalid,
    #[error("签到码已过期，请重新扫码")]
    Expired,
    #[error("该二维码属于其他项目或其他期次，请扫描本期现场的二维码")]
    OtherPeriod,
    #[error("本期尚未报备日程，不能签到")]
    NotFiled,
    #[error("本期举办日期为 {start} 至 {end}，今天（{today}）不在举办期内，不能签到")]
    NotHeld { start: NaiveDate, end: NaiveDate, today: NaiveDate },
    #[error("该场次（{0}）不在今天举办，不能签到")]
    NotToday(Slot),
    #[error("该场次不在本期当前的日程中（日程可能已变更），请重新扫码")]
    NoSession,
}

/// A sign-in code: what the QR code carries after `/sign-in/`, e.g.
/// `1234.1.202606100900.59392011.<22 characters>`. Only URL-safe characters, so it is a path segment
/// as it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Code {
    pub project_id: i64,
    pub period: u32,
    pub slot: Slot,
    pub step: i64,
    tag: [u8; TAG_BYTES],
}

fn tag(secret: &Secret, project_number: &str, period: u32, slot: Slot, step: i64) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&secret.0).expect("any key length");
    let message =
        format!("{PURPOSE}\n{}\n{period}\n{}\n{}\n{step}", project_number.trim(), slot.date, slot.from_text());
    mac.update(message.as_bytes());
    mac
}

impl Code {
    /// The code of a session in time step `step` ([`step_at`]).
    pub fn issue(secret: &Secret, project_number: &str, project_id: i64, period: u32, slot: Slot, step: i64) -> Self {
        let full = tag(secret, project_number, period, slot, step).finalize().into_bytes();
        let mut short = [0u8; TAG_BYTES];
        short.copy_from_slice(&full[..TAG_BYTES]);
        Self { project_id, period, slot, step, tag: short }
    }

    /// Reads a code's text (what [`Code`]'s `Display` writes); surrounding spaces are ignored.
    pub fn parse(text: &str) -> Result<Self, Refusal> {
        let mut parts = text.trim().split('.');
        let (Some(project), Some(period), Some(slot), Some(step), Some(tag), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Refusal::Unreadable);
        };
        let digits = |t: &str| !t.is_empty() && t.len() <= 19 && t.bytes().all(|b| b.is_ascii_digit());
        if ![project, period, slot, step].iter().all(|t| digits(t)) || slot.len() != 12 {
            return Err(Refusal::Unreadable);
        }
        let project_id: i64 = project.parse().map_err(|_| Refusal::Unreadable)?;
        let period: u32 = period.parse().map_err(|_| Refusal::Unreadable)?;
        let step: i64 = step.parse().map_err(|_| Refusal::Unreadable)?;
        let date = NaiveDate::parse_from_str(&slot[..8], "%Y%m%d").map_err(|_| Refusal::Unreadable)?;
        let from = minutes(&format!("{}:{}", &slot[8..10], &slot[10..])).ok_or(Refusal::Unreadable)?;
        let slot = Slot::new(date, from).ok_or(Refusal::Unreadable)?;
        let bytes = URL_SAFE_NO_PAD.decode(tag).map_err(|_| Refusal::Unreadable)?;
        let tag: [u8; TAG_BYTES] = bytes.try_into().map_err(|_| Refusal::Unreadable)?;
        Ok(Self { project_id, period, slot, step, tag })
    }

    /// Whether this code was made with `secret` for project `project_number` (the project of
    /// [`Code::project_id`]) and is accepted at `now` (Unix milliseconds): [`Code::authentic`] and
    /// [`Code::fresh`].
    pub fn check(&self, secret: &Secret, project_number: &str, now: i64) -> Result<(), Refusal> {
        self.authentic(secret, project_number)?;
        self.fresh(now)
    }

    /// Whether this code was made with `secret` for project `project_number`: the tag, compared in
    /// constant time.
    pub fn authentic(&self, secret: &Secret, project_number: &str) -> Result<(), Refusal> {
        tag(secret, project_number, self.period, self.slot, self.step)
            .verify_truncated_left(&self.tag)
            .map_err(|_| Refusal::Invalid)
    }

    /// Whether an authentic code is accepted at `now` (Unix milliseconds): in its step or the
    /// [`PAST_STEPS`] after it.
    pub fn fresh(&self, now: i64) -> Result<(), Refusal> {
        match step_at(now).saturating_sub(self.step) {
            age if age < 0 => Err(Refusal::Invalid),
            age if age > PAST_STEPS => Err(Refusal::Expired),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}.{}{:02}{:02}.{}.{}",
            self.project_id,
            self.period,
            self.slot.date.format("%Y%m%d"),
            self.slot.from / 60,
            self.slot.from % 60,
            self.step,
            URL_SAFE_NO_PAD.encode(self.tag)
        )
    }
}

/// The time step of an instant (Unix milliseconds).
pub fn step_at(millis: i64) -> i64 {
    millis.div_euclid(STEP_MILLIS)
}

/// When a step ends (and its code is replaced on the unit's screen), Unix milliseconds.
pub fn step_end(step: i64) -> i64 {
    (step + 1) * STEP_MILLIS
}

/// Whether the period, filed from `start` to `end`, is held on `today` (Beijing dates).
pub fn held(start: NaiveDate, end: NaiveDate, today: NaiveDate) -> Result<(), Refusal> {
    if start <= today && today <= end { Ok(()) } else { Err(Refusal::NotHeld { start, end, today }) }
}

/// The session of the filed schedule that `slot` names.
pub fn session(filing: &Filing, slot: Slot) -> Option<&Session> {
    filing.schedule.iter().find(|s| Slot::of(s) == Some(slot))
}

/// The session a sign-in on `today` names, if one may sign in to it: the period is held today, the
/// session is in the current schedule, and it is today's.
pub fn session_today(filing: &Filing, slot: Slot, today: NaiveDate) -> Result<&Session, Refusal> {
    held(filing.start, filing.end, today)?;
    let found = session(filing, slot).ok_or(Refusal::NoSession)?;
    if slot.date != today {
        return Err(Refusal::NotToday(slot));
    }
    Ok(found)
}

/// Today's sessions of the schedule, in order of their start.
pub fn sessions_on(filing: &Filing, day: NaiveDate) -> Vec<(Slot, &Session)> {
    let mut out: Vec<(Slot, &Session)> = filing
        .schedule
        .iter()
        .filter_map(|s| Slot::of(s).filter(|slot| slot.date == day).map(|slot| (slot, s)))
        .collect();
    out.sort_by_key(|(slot, _)| *slot);
    out
}

/// The session a unit most likely wants to show at `now_minutes` (Beijing) on `day`: the one under
/// way, else the next to start, else the day's last.
pub fn likely_session(filing: &Filing, day: NaiveDate, now_minutes: u32) -> Option<Slot> {
    let today = sessions_on(filing, day);
    let running =
        today.iter().find(|(slot, s)| slot.from <= now_minutes && minutes(&s.to).is_some_and(|to| now_minutes < to));
    let next = today.iter().find(|(slot, _)| slot.from > now_minutes);
    running.or(next).or(today.last()).map(|(slot, _)| *slot)
}

/// The hours attended between signing in and out (Unix milliseconds), in whole tenths of an hour
/// counted down, and at most the session's scheduled hours. Signing out before signing in (clocks of
/// two servers) counts nothing.
pub fn attended(signed_in_at: i64, signed_out_at: i64, scheduled: Hours) -> Hours {
    let tenths = (signed_out_at - signed_in_at).max(0) / TENTH_MILLIS;
    Hours::from_tenths(tenths.min(scheduled.tenths().max(0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::filing::{Contact, Form, Venue};
    use proptest::prelude::*;

    const NUMBER: &str = "2026-03-01-930（国）";

    fn secret() -> Secret {
        Secret::new([7; 32])
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, d).unwrap()
    }

    fn slot() -> Slot {
        Slot::new(day(10), 9 * 60).unwrap()
    }

    fn session(date: NaiveDate, from: &str, to: &str, hours: i64) -> Session {
        Session {
            date,
            from: from.into(),
            to: to.into(),
            topic: "专题讲座".into(),
            teacher: "王喆".into(),
            teacher_unit: "北京协和医院".into(),
            teacher_title: "主任医师".into(),
            hours: Hours::whole(hours),
        }
    }

    fn filing() -> Filing {
        Filing {
            start: day(10),
            end: day(11),
            venue: Venue {
                province: "北京市".into(),
                city: "北京市".into(),
                address: "东城区".into(),
                scenic_area: false,
            },
            form: Form::Offline,
            planned_enrollment: 100,
            fee: 0,
            contact: Contact { name: "刘老师".into(), phone: "13912345678".into() },
            schedule: vec![
                session(day(10), "09:00", "12:00", 3),
                session(day(10), "14:00", "17:00", 3),
                session(day(11), "09:00", "12:00", 3),
            ],
        }
    }

    /// The first millisecond of step `step`.
    fn at(step: i64) -> i64 {
        step * STEP_MILLIS
    }

    #[test]
    fn a_code_reads_back_and_is_a_path_segment() {
        let code = Code::issue(&secret(), NUMBER, 1234, 1, slot(), 59_392_011);
        let text = code.to_string();
        assert!(text.starts_with("1234.1.202606100900.59392011."), "{text}");
        assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)), "{text}");
        assert_eq!(Code::parse(&format!(" {text} ")).unwrap(), code);
    }

    #[test]
    fn the_current_and_the_last_two_steps_are_accepted() {
        let step = 59_392_011;
        let code = Code::issue(&secret(), NUMBER, 1234, 1, slot(), step);
        assert_eq!(code.check(&secret(), NUMBER, at(step)), Ok(()));
        assert_eq!(code.check(&secret(), NUMBER, at(step + 2) + STEP_MILLIS - 1), Ok(()));
        assert_eq!(code.check(&secret(), NUMBER, at(step + 3)), Err(Refusal::Expired));
        // Scanned at the last moment it was shown, it lasts 60 s more, and not 61.
        let shown_last = step_end(step) - 1;
        assert_eq!(code.check(&secret(), NUMBER, shown_last + 60_000), Ok(()));
        assert_eq!(code.check(&secret(), NUMBER, shown_last + 61_000), Err(Refusal::Expired));
        assert_eq!(code.check(&secret(), NUMBER, at(step) - 1), Err(Refusal::Invalid), "from the future");
        assert!(Refusal::Expired.to_string().contains("过期，请重新扫码"));
    }

    #[test]
    fn a_code_of_another_period_project_session_or_key_is_refused() {
        let step = 59_392_011;
        let now = at(step);
        let code = Code::issue(&secret(), NUMBER, 1234, 1, slot(), step);
        let other_period = Code { period: 2, ..code.clone() };
        assert_eq!(other_period.check(&secret(), NUMBER, now), Err(Refusal::Invalid));
        assert_eq!(code.check(&secret(), "2026-03-01-931（国）", now), Err(Refusal::Invalid));
        let other_session = Code { slot: Slot::new(day(10), 14 * 60).unwrap(), ..code.clone() };
        assert_eq!(other_session.check(&secret(), NUMBER, now), Err(Refusal::Invalid));
        let older_step_relabelled = Code { step: step + 1, ..code.clone() };
        assert_eq!(older_step_relabelled.check(&secret(), NUMBER, now + STEP_MILLIS), Err(Refusal::Invalid));
        assert_eq!(code.check(&Secret::new([8; 32]), NUMBER, now), Err(Refusal::Invalid), "another server key");
    }

    #[test]
    fn unreadable_codes_are_named_so() {
        let good = Code::issue(&secret(), NUMBER, 1234, 1, slot(), 5).to_string();
        let cases = [
            String::new(),
            "hello".into(),
            good.replacen("1234.", "x.", 1),
            good.replace(".202606100900.", ".202613100900."),
            good.replace(".202606100900.", ".202606102500."),
            good.replace(".202606100900.", ".2026061009."),
            format!("{good}.extra"),
            format!("{}A", good),
            good.replacen(".5.", ".99999999999999999999.", 1),
        ];
        for text in cases {
            assert_eq!(Code::parse(&text), Err(Refusal::Unreadable), "{text}");
        }
    }

    #[test]
    fn only_a_session_of_today_in_a_held_period_takes_sign_ins() {
        let f = filing();
        assert_eq!(session_today(&f, slot(), day(10)).map(|s| s.hours), Ok(Hours::whole(3)));
        assert_eq!(
            session_today(&f, slot(), day(12)),
            Err(Refusal::NotHeld { start: day(10), end: day(11), today: day(12) })
        );
        assert_eq!(session_today(&f, slot(), day(11)), Err(Refusal::NotToday(slot())));
        let moved = Slot::new(day(10), 10 * 60).unwrap();
        assert_eq!(session_today(&f, moved, day(10)), Err(Refusal::NoSession));
        assert!(Refusal::NotHeld { start: day(10), end: day(11), today: day(12) }.to_string().contains("不在举办期内"));
    }

    #[test]
    fn the_likely_session_is_the_running_one_then_the_next_then_the_last() {
        let f = filing();
        let morning = slot();
        let afternoon = Slot::new(day(10), 14 * 60).unwrap();
        assert_eq!(likely_session(&f, day(10), 8 * 60), Some(morning));
        assert_eq!(likely_session(&f, day(10), 10 * 60), Some(morning));
        assert_eq!(likely_session(&f, day(10), 12 * 60 + 30), Some(afternoon));
        assert_eq!(likely_session(&f, day(10), 20 * 60), Some(afternoon));
        assert_eq!(likely_session(&f, day(12), 10 * 60), None);
        assert_eq!(sessions_on(&f, day(10)).len(), 2);
    }

    #[test]
    fn slots_read_back_from_their_key() {
        assert_eq!(slot().key(), "2026-06-10T09:00");
        assert_eq!(slot().to_string(), "2026-06-10 09:00");
        assert_eq!(Slot::parse_key("2026-06-10T09:00"), Some(slot()));
        assert_eq!(Slot::parse_key("2026-06-10 09:00"), Some(slot()));
        assert_eq!(Slot::parse_key("2026-06-10T9:00"), None);
        assert_eq!(Slot::parse_key("2026-06-10"), None);
    }

    #[test]
    fn hours_are_floored_tenths_capped_by_the_schedule() {
        let start = 1_000_000;
        let hour = 3_600_000;
        assert_eq!(attended(start, start + 2 * hour + 359_999, Hours::whole(3)), Hours::from_tenths(20));
        assert_eq!(attended(start, start + 2 * hour + 360_000, Hours::whole(3)), Hours::from_tenths(21));
        assert_eq!(attended(start, start + 5 * hour, Hours::whole(3)), Hours::whole(3));
        assert_eq!(attended(start, start - hour, Hours::whole(3)), Hours::ZERO);
    }

    proptest! {
        /// A code is accepted exactly in its step and the two after it.
        #[test]
        fn accepted_exactly_within_three_steps(step in 0i64..100_000_000, offset in -200_000i64..200_000) {
            let code = Code::issue(&secret(), NUMBER, 42, 1, slot(), step);
            let now = at(step) + offset;
            let age = step_at(now) - step;
            let result = code.check(&secret(), NUMBER, now);
            prop_assert_eq!(result.is_ok(), (0..=PAST_STEPS).contains(&age));
            if age > PAST_STEPS { prop_assert_eq!(result, Err(Refusal::Expired)); }
        }

        /// Every code reads back from its text, and changing any one character of its tag refuses it.
        #[test]
        fn round_trip_and_tamper(project in 1i64..1_000_000_000, period in 1u32..7, from in 0u32..1440, step in 0i64..100_000_000, at_char in 0usize..22) {
            let slot = Slot::new(day(10), from).unwrap();
            let code = Code::issue(&secret(), NUMBER, project, period, slot, step);
            let text = code.to_string();
            prop_assert_eq!(Code::parse(&text), Ok(code.clone()));
            let tag_start = text.rfind('.').unwrap() + 1;
            let mut bytes = text.into_bytes();
            let i = tag_start + at_char;
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(bytes).unwrap();
            match Code::parse(&tampered) {
                Ok(t) => prop_assert_eq!(t.check(&secret(), NUMBER, at(step)), Err(Refusal::Invalid)),
                Err(e) => prop_assert_eq!(e, Refusal::Unreadable),
            }
        }

        /// Hours never exceed the schedule, never fall as the sign-out is later, and are the floor of
        /// the time in tenths below the cap.
        #[test]
        fn hours_floor_and_cap(minutes_in in 0i64..600, millis in 0i64..36_000_000, later in 0i64..3_600_000, cap in 0i64..80) {
            let start = minutes_in * 60_000;
            let cap = Hours::from_tenths(cap);
            let h = attended(start, start + millis, cap);
            prop_assert!(h <= cap);
            prop_assert!(attended(start, start + millis + later, cap) >= h);
            if h < cap {
                prop_assert!(h.tenths() * TENTH_MILLIS <= millis && millis < (h.tenths() + 1) * TENTH_MILLIS);
            }
        }
    }
}
