//! The demo world's QR sign-in (rules.md §7.6, issue 16): a period of 北京协和医院 held today, filed on
//! time, with a morning and an afternoon session, where a few of the unit's staff signed in to the
//! morning session (some also signed out, with their hours). `xiehe` shows the code of either
//! session on the period's page (扫码签到), and `yisheng` can scan it; the afternoon is left empty.

use chrono::{Datelike, Days, NaiveDate, NaiveTime};
use jijiao_domain::events::filing::{Contact, Filing, Form, Session, Venue};
use jijiao_domain::events::sign_in::Slot;
use jijiao_domain::org::{Delivery, Level};
use jijiao_domain::publication::ProjectKind;
use jijiao_domain::{Credits, Hours};
use jijiao_storage::events::{NewFiling, NewSignIn};
use jijiao_storage::projects::{NewBatch, NewProject, ProjectPeriod};
use jijiao_storage::{Actor, PageRequest, PersonFilter, Store, StoreError};

/// The serial of the demo's sign-in period (apart from demo_events.rs's 901–908).
pub const SERIAL: u32 = 930;

/// The number of the demo's sign-in project in `year`.
pub fn number(year: i32) -> String {
    format!("{year}-03-01-{SERIAL:03}（国）")
}

/// Today's two sessions, three hours each.
const SESSIONS: [(&str, &str, &str); 2] =
    [("09:00", "12:00", "临床合理用药专题讲座"), ("14:00", "17:00", "处方点评与病例讨论")];

/// Who of 协和's staff (by their place in the unit's list) signed in to the morning, at what time,
/// and when they signed out, if they did (Beijing time). The first three of the list are the demo's
/// leader, `yisheng` and `daiqueren`: left out, so they can sign in themselves.
const MORNING: [(usize, &str, Option<&str>); 5] = [
    (3, "08:48", Some("12:01")),
    (4, "08:52", Some("11:57")),
    (5, "08:55", Some("11:40")),
    (6, "09:03", None),
    (7, "09:10", None),
];

/// Unix milliseconds of a Beijing time on `day`.
fn beijing(day: NaiveDate, time: &str) -> i64 {
    let t = NaiveTime::parse_from_str(time, "%H:%M").expect("a demo time");
    day.and_time(t).and_utc().timestamp_millis() - 8 * 3_600_000
}

/// Loads this part of the demo world as of `today`.
pub async fn load(store: &Store, system: &Actor, today: NaiveDate) -> Result<(), StoreError> {
    let unit = store.organisation_by_name("北京协和医院").await?;
    let number = number(today.year());
    let batch = NewBatch {
        level: Level::National,
        province_code: None,
        year: jijiao_domain::Year::of(today),
        batch: crate::demo_events::BATCH,
        notice: format!("全继委办发〔{}〕8号", today.year()),
        notice_date: NaiveDate::from_ymd_opt(today.year(), 1, 15),
    };
    let project = NewProject {
        number: Some(number.clone()),
        application_id: None,
        name: "临床合理用药培训班".into(),
        unit_name: unit.name.clone(),
        unit_id: Some(unit.id.0),
        province_code: unit.province_code.clone(),
        leader_name: "王喆".into(),
        leader_phone: Some("13912345678".into()),
        subject_tertiary: "03-01".into(),
        kind: ProjectKind::Recommended,
        delivery: Delivery::FaceToFace,
        credits: Credits::from_tenths(20),
        hours: Some(Hours::whole(6)),
        periods: vec![ProjectPeriod {
            start: today, end: today, place: "北京市东城区帅府园1号 学术会堂".into()
        }],
        audience: "临床医师、药师".into(),
        planned_enrollment: 80,
        enrollment_note: String::new(),
        remarks: String::new(),
    };
    store.import_projects(system, &batch, &[project]).await?;
    let project = store.project_by_number(&number).await?;
    let filing = Filing {
        start: today,
        end: today,
        venue: Venue {
            province: "北京市".into(),
            city: "北京市".into(),
            address: "东城区帅府园1号 学术会堂".into(),
            scenic_area: false,
        },
        form: Form::Offline,
        planned_enrollment: 80,
        fee: 0,
        contact: Contact { name: "刘老师".into(), phone: "13912345678".into() },
        schedule: SESSIONS
            .iter()
            .map(|(from, to, topic)| Session {
                date: today,
                from: (*from).into(),
                to: (*to).into(),
                topic: (*topic).into(),
                teacher: "王喆".into(),
                teacher_unit: unit.name.clone(),
                teacher_title: "主任医师".into(),
                hours: Hours::whole(3),
            })
            .collect(),
    };
    let filed_on = today - Days::new(20);
    let filer = Actor { account_id: None, name: "北京协和医院继教管理员".into(), ip: None };
    let new = NewFiling {
        project_id: project.id,
        project_number: &number,
        unit_id: Some(unit.id.0),
        unit_province: unit.province_code.as_deref(),
        period: 1,
        filing: &filing,
        at: beijing(filed_on, "10:00"),
        on: filed_on,
        notice: None,
    };
    store.file_period(&filer, &new).await?;

    let staff = store
        .people(&PersonFilter { employer_id: Some(unit.id), ..Default::default() }, PageRequest::new(Some(1), Some(10)))
        .await?
        .items;
    let morning = Slot::new(today, 9 * 60).expect("09:00");
    for (place, signed_in, signed_out) in MORNING {
        let Some(person) = staff.get(place) else { continue };
        let actor = Actor { account_id: None, name: format!("{}（扫码签到）", person.name), ip: None };
        let mut sign_in = NewSignIn {
            project_id: project.id,
            project_number: &number,
            unit_id: Some(unit.id.0),
            unit_province: unit.province_code.as_deref(),
            period: 1,
            slot: morning,
            person_id: person.id,
            at: beijing(today, signed_in),
        };
        store.sign_in(&actor, &sign_in).await?;
        if let Some(out) = signed_out {
            sign_in.at = beijing(today, out);
            store.sign_out(&actor, &sign_in, Hours::whole(3)).await?;
        }
    }
    Ok(())
}
