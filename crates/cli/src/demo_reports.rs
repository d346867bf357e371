//! The demo world's rosters and execution reports (issue 16), in the present: each held period of the
//! demo events at another stage, made through the same operations the pages call, each on the day it
//! would have happened (a clock per step):
//! - 901 (北京协和医院, held 40 days ago): roster with `yisheng` and the leader 王喆 as speaker, report
//!   submitted on time and approved by `beijing` with its score; the credits and certificates are in
//!   `yisheng`'s 我的学分;
//! - 902 (北京协和医院, inspected 不合格): report submitted, then returned with a reason (overdue again);
//! - 909 (北京大学第三医院): report submitted 32 days ago and not audited: overdue for `beijing`;
//! - 910 (北京协和医院, held 12 days ago): roster in, 15 of its learners answered the phone survey
//!   (`yisheng` has yet to: hers waits under 我的学分), report a draft, due in two days.

use chrono::{Datelike, Days, NaiveDate};
use jijiao_app::{Acting, App, AppError, FixedClock};
use jijiao_domain::events::report::{Report, Teaching, Textbook, TextbookKind};
use jijiao_domain::events::roster::RosterEntry;
use jijiao_domain::events::survey::Answer;
use jijiao_domain::score::Survey;
use jijiao_domain::{Hours, IdNumber};
use jijiao_storage::reports::PeriodKey;
use jijiao_storage::{Actor, PageRequest, PersonFilter, Store, StoreError};

use crate::demo_events::day;

/// Why the demo's returned report was returned (shown to `xiehe` on its page).
pub const RETURN_REASON: &str = "问卷调查结果与学员名单人数不符，且未上传考核试题，请核对后重新提交";

pub(crate) fn app_on(store: &Store, on: NaiveDate) -> App {
    App::new(store.clone()).with_clock(FixedClock::on(on))
}

pub(crate) async fn acting(store: &Store, username: &str) -> Result<Acting, StoreError> {
    let account = store.account_by_username(username).await?;
    let grants = store.grants_of(&account).await?;
    Ok(Acting { account, grants, ip: None })
}

pub(crate) fn failed(e: AppError) -> StoreError {
    StoreError::Unsupported(format!("演示数据：{e}"))
}

/// A roster of `learners` people of the unit (the first `yisheng` when she is one), the leader
/// as speaker, two learners from 河北 who are people of record, and one learner not passed.
pub(crate) async fn roster(
    store: &Store,
    unit: &str,
    learners: usize,
    hours: Hours,
    with_yisheng: bool,
) -> Result<Vec<RosterEntry>, StoreError> {
    let org = store.organisation_by_name(unit).await?;
    let people = store
        .people(
            &PersonFilter { employer_id: Some(org.id), ..Default::default() },
            PageRequest { page: 1, per_page: 200 },
        )
        .await?;
    let mut chosen = Vec::new();
    if with_yisheng && let Some(person) = store.account_by_username("yisheng").await?.person_id {
        chosen.push(store.person(person).await?);
    }
    for masked in people.items.iter() {
        if chosen.len() >= learners {
            break;
        }
        if !chosen.iter().any(|c| c.id == masked.id) && masked.name != "王喆" {
            chosen.push(store.person(masked.id).await?);
        }
    }
    let mut entries: Vec<RosterEntry> = chosen
        .iter()
        .enumerate()
        .map(|(i, p)| RosterEntry {
            row: i as u32 + 2,
            name: p.name.clone(),
            id_number: p.id_number.clone(),
            unit: unit.into(),
            province: "11",
            title: p.title.clone().unwrap_or_else(|| "医师".into()),
            phone: p.phone.clone().unwrap_or_default(),
            hours,
            // The last of the unit's learners missed the exam.
            passed: i + 1 < chosen.len(),
            taught_hours: None,
        })
        .collect();
    let from_hebei = [("130102198803150021", "赵晓燕"), ("130104199107220034", "孙建国")];
    for (id, name) in from_hebei {
        let id_number = IdNumber::parse(&fix_check(id)).map_err(|e| StoreError::Invalid(e.to_string()))?;
        entries.push(RosterEntry {
            row: entries.len() as u32 + 2,
            name: name.into(),
            id_number,
            unit: "河北医科大学第二医院".into(),
            province: "13",
            title: "主治医师".into(),
            phone: String::new(),
            hours,
            passed: true,
            taught_hours: None,
        });
    }
    if let Ok(leader) = store.account_by_username("fuzeren").await
        && let Some(person) = leader.person_id
    {
        let p = store.person(person).await?;
        entries.push(RosterEntry {
            row: entries.len() as u32 + 2,
            name: p.name.clone(),
            id_number: p.id_number.clone(),
            unit: unit.into(),
            province: "11",
            title: "主任医师".into(),
            phone: String::new(),
            hours: Hours::ZERO,
            passed: true,
            taught_hours: Some(Hours::whole(6)),
        });
    }
    Ok(entries)
}

/// The first 17 characters with their GB 11643 check character.
fn fix_check(id: &str) -> String {
    let first17 = &id[..17];
    format!("{first17}{}", jijiao_domain::id_number::check_char(first17))
}

/// A complete report for `learners` learners: every learner answered every question.
pub(crate) fn report(learners: u32, textbook: bool) -> Report {
    let split = |a: u32, b: u32| [a, b, learners - a - b];
    let (most, some) = (learners * 7 / 10, learners / 5);
    Report {
        form: jijiao_domain::events::filing::Form::Offline,
        courseware: None,
        hours: None,
        teaching: vec![
            Teaching { topic: "专题讲座".into(), teacher: "王喆".into() },
            Teaching { topic: "病例讨论与实践".into(), teacher: "王喆".into() },
        ],
        effect_analysis: "学员出勤率高，课后考核合格率较高；病例讨论环节互动充分，学员普遍反映对临床工作有直接帮助。"
            .into(),
        survey: Some(Survey {
            q1: split(most, some),
            q2: split(some, most),
            q3: split(most, some),
            q4: split(most, some),
            q5: split(most, some),
            q6: split(most, some),
            // Two choices each, so the five counts add up to at most twice the learners.
            q7: Some([learners / 2, learners * 3 / 4, learners / 4, learners / 10, learners / 4]),
            form: None,
        }),
        problems: "部分学员希望增加实践操作时间，下期将调整日程。".into(),
        textbooks: if textbook {
            vec![Textbook {
                name: "规范化诊疗讲义".into(),
                written: "2026-03".into(),
                authors: "北京协和医院".into(),
                kind: TextbookKind::Text,
                characters: 80_000,
                hours: Hours::whole(6),
                summary: "一、诊断标准；二、治疗原则；三、典型病例。".into(),
            }]
        } else {
            Vec::new()
        },
    }
}

/// Fifteen of the period's learners answer the phone survey on its last day (not `yisheng`, whose
/// survey waits for her): mostly favourable, some not, two choices each for question 7.
async fn answer_surveys(store: &Store, key: &PeriodKey, at: i64) -> Result<(), StoreError> {
    let yisheng = store.account_by_username("yisheng").await?.person_id;
    let learners: Vec<_> = store
        .roster(key.project_id, key.period)
        .await?
        .into_iter()
        .filter(|e| !e.is_speaker() && Some(e.person_id) != yisheng)
        .take(15)
        .collect();
    for (i, e) in learners.iter().enumerate() {
        let pick = |spread: usize| -> u8 { [0, 0, 1, 0, 1, 2, 0][(i + spread) % 7] };
        let answer = Answer {
            q1: pick(0),
            q2: pick(2),
            q3: pick(1),
            q4: pick(3),
            q5: pick(4),
            q6: pick(5),
            q7: [(i % 5) as u8, ((i + 1) % 5) as u8],
        };
        let actor = Actor { account_id: None, name: e.name.clone(), ip: None };
        store.answer_survey(&actor, key, e.person_id, &answer, at + i as i64).await?;
    }
    Ok(())
}

/// Loads the stages; returns how many periods have a report.
pub async fn load(store: &Store, system: &Actor, today: NaiveDate) -> Result<usize, StoreError> {
    let year = today.year();
    let number = |serial: u32, mark: &str| format!("{year}-03-01-{serial:03}（{mark}）");
    let xiehe = acting(store, "xiehe").await?;
    let beijing = acting(store, "beijing").await?;
    let mut reports = 0;
    // (serial, mark, unit, offset of the start, days, submitted after the end, then)
    for (serial, mark, unit, offset, days) in [
        (901, "国", "北京协和医院", -40, 2),
        (902, "京", "北京协和医院", -20, 2),
        (909, "国", "北京大学第三医院", -35, 2),
        (910, "京", "北京协和医院", -12, 1),
    ] {
        let number = number(serial, mark);
        let project = store.project_by_number(&number).await?;
        let end = day(today, offset + days - 1);
        let hours = Hours::whole(6 * days);
        // `yisheng` learned in 901 (approved) and 910, whose survey she has still to answer.
        let entries = roster(store, unit, 24, hours, serial == 901 || serial == 910).await?;
        let key = PeriodKey {
            project_id: project.id,
            project_number: number.clone(),
            period: 1,
            unit_id: project.unit_id,
            unit_province: project.province_code.clone(),
        };
        let filer = Actor { account_id: None, name: format!("{unit}继教管理员"), ip: None };
        let at = |d: NaiveDate| FixedClock::on(d).millis;
        store.replace_roster(&filer, &key, &entries, at(end)).await?;
        if serial == 910 {
            answer_surveys(store, &key, at(end)).await?;
        }
        let learners = entries.iter().filter(|e| !e.is_speaker()).count() as u32;
        let submitted = end + Days::new(4);
        if submitted > today {
            continue;
        }
        // 北京大学第三医院 has no account of its own in the demo: its unit's saves go in as the system.
        let report = report(learners, serial != 902);
        if unit == "北京协和医院" {
            let app = app_on(store, submitted);
            jijiao_app::reports::save_report(&app, &xiehe, &number, 1, &report).await.map_err(failed)?;
            reports += 1;
            if serial == 910 {
                continue;
            }
            jijiao_app::reports::submit_report(&app, &xiehe, &number, 1).await.map_err(failed)?;
        } else {
            store.save_report(system, &key, &report, at(submitted)).await?;
            store.submit_report(system, &key, submitted, at(submitted)).await?;
            reports += 1;
        }
        match serial {
            901 => {
                let app = app_on(store, submitted + Days::new(5));
                jijiao_app::reports::approve_report(&app, &beijing, &number, 1).await.map_err(failed)?;
            }
            902 => {
                let app = app_on(store, submitted + Days::new(3));
                jijiao_app::reports::return_report(&app, &beijing, &number, 1, RETURN_REASON).await.map_err(failed)?;
            }
            _ => {}
        }
    }
    Ok(reports)
}
