//! The demo world's credit records, loaded after its organisations, people and accounts: a realistic
//! learning record for `yisheng` (this year in progress, last year complete, legacy I类/II类 years),
//! a spread of compliance at 北京协和医院, registrations waiting for `beijing`, and self-study plans and
//! applications waiting for `xiehe`.

use chrono::NaiveDate;
use jijiao_domain::credits::learning_record::{RecordFacts, RecordSource};
use jijiao_domain::credits::{ActivityKind, LegacyClass, Role};
use jijiao_domain::org::{Delivery, Level};
use jijiao_domain::{Credits, Hours, Year};
use jijiao_storage::credit_records::{CreditRecordId, Decision, NewCreditRecord};
use jijiao_storage::{Actor, PageRequest, PersonFilter, PersonId, Store, StoreError};

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a valid demo date")
}

fn facts(kind: ActivityKind, title: &str, end: NaiveDate) -> RecordFacts {
    RecordFacts {
        kind,
        title: title.into(),
        project_number: None,
        level: None,
        delivery: None,
        role: None,
        start: None,
        end,
        passed: None,
        hours: None,
        credits: None,
        legacy_class: None,
    }
}

fn practice(title: &str, role: Role, hours: i64, end: NaiveDate) -> RecordFacts {
    RecordFacts { role: Some(role), hours: Some(Hours::whole(hours)), ..facts(ActivityKind::Practice, title, end) }
}

fn period(kind: ActivityKind, title: &str, start: NaiveDate, end: NaiveDate, hours: Option<i64>) -> RecordFacts {
    RecordFacts { start: Some(start), passed: Some(true), hours: hours.map(Hours::whole), ..facts(kind, title, end) }
}

fn project(number: &str, title: &str, delivery: Delivery, hours: i64, end: NaiveDate) -> RecordFacts {
    RecordFacts {
        project_number: Some(number.into()),
        level: Some(Level::National),
        delivery: Some(delivery),
        role: Some(Role::Participant),
        hours: Some(Hours::whole(hours)),
        ..facts(ActivityKind::Project, title, end)
    }
}

fn legacy(class: LegacyClass, credits: i64, title: &str, end: NaiveDate) -> RecordFacts {
    RecordFacts {
        legacy_class: Some(class),
        credits: Some(Credits::from_tenths(credits)),
        ..facts(ActivityKind::Legacy, title, end)
    }
}

/// Loads the records of `year` (this year) and the years before; returns how many it made.
pub async fn load(store: &Store, actor: &Actor, this_year: Year) -> Result<usize, StoreError> {
    // Dates and document numbers are built from the plain number.
    let year = i32::from(this_year);
    let last = year - 1;
    let xiehe = store.organisation_by_name("北京协和医院").await?;
    let staff = store
        .people(
            &PersonFilter { employer_id: Some(xiehe.id), ..Default::default() },
            PageRequest::new(Some(1), Some(200)),
        )
        .await?
        .items;
    let Some(me) = staff.get(1).map(|p| p.id) else { return Ok(0) };
    let leader = staff[0].id;
    let mut count = 0;
    let mut add = async |person: PersonId,
                         source: RecordSource,
                         source_ref: Option<&str>,
                         f: RecordFacts,
                         decide: Option<Decision>| {
        let granted = source == RecordSource::Import;
        let id = store
            .record_credit(
                actor,
                &NewCreditRecord {
                    person_id: person,
                    source,
                    source_ref: source_ref.map(Into::into),
                    facts: f,
                    granted,
                },
            )
            .await?;
        if let Some(d) = decide {
            store.decide_credits(actor, &[id], &d).await?;
        }
        count += 1;
        Ok::<CreditRecordId, StoreError>(id)
    };
    let grant = || Some(Decision::Grant);
    use ActivityKind as K;
    use RecordSource as S;

    // yisheng: this year in progress.
    add(
        me,
        S::Project,
        Some(&format!("{year}-01-03-015（国）第1期")),
        project(&format!("{year}-01-03-015（国）"), "心力衰竭规范化诊疗", Delivery::FaceToFace, 18, date(year, 1, 16)),
        grant(),
    )
    .await?;
    add(
        me,
        S::Project,
        Some(&format!("{year}-07-11-002（国）")),
        project(&format!("{year}-07-11-002（国）"), "基层高血压管理（远程）", Delivery::Remote, 15, date(year, 2, 20)),
        grant(),
    )
    .await?;
    add(
        me,
        S::Employer,
        Some(&format!("协和医教〔{year}〕3号")),
        practice("心内科病例讨论", Role::Participant, 12, date(year, 1, 30)),
        grant(),
    )
    .await?;
    add(
        me,
        S::Employer,
        Some(&format!("协和医教〔{year}〕3号")),
        practice("住院医师带教讲座", Role::Speaker, 3, date(year, 2, 10)),
        grant(),
    )
    .await?;
    add(
        me,
        S::Employer,
        Some(&format!("协和医教〔{year}〕7号")),
        practice("急诊技能培训", Role::Participant, 6, date(year, 3, 5)),
        None,
    )
    .await?;
    add(
        me,
        S::Employer,
        Some(&format!("协和医教〔{year}〕8号")),
        practice("院内学术沙龙", Role::Participant, 2, date(year, 3, 12)),
        Some(Decision::Reject { reason: "未附签到表，请单位补充后重新登记".into() }),
    )
    .await?;
    // Self-study: an approved plan, one application granted and one waiting for the unit.
    let plan = store
        .submit_self_study_plan(
            actor,
            me,
            this_year,
            "系统阅读《中华心血管病杂志》并每月撰写读书报告",
            Credits::whole(6),
        )
        .await?;
    store.decide_self_study_plan(actor, plan, &Decision::Grant).await?;
    let plan_ref = jijiao_storage::credit_records::plan_ref(plan);
    let self_study = |title: &str, credits: i64, end: NaiveDate| RecordFacts {
        credits: Some(Credits::whole(credits)),
        ..facts(K::SelfStudy, title, end)
    };
    add(me, S::SelfStudy, Some(&plan_ref), self_study("第一季度读书报告", 2, date(year, 3, 31)), grant()).await?;
    add(me, S::SelfStudy, Some(&plan_ref), self_study("第二季度读书报告", 2, date(year, 4, 2)), None).await?;

    // yisheng: last year complete (further training of more than three months counts 25).
    add(
        me,
        S::Employer,
        Some(&format!("协和医教〔{last}〕21号")),
        period(K::FurtherTraining, "阜外医院心内科进修", date(last, 3, 1), date(last, 8, 31), None),
        grant(),
    )
    .await?;
    add(me, S::Employer, None, practice("科室业务学习", Role::Participant, 18, date(last, 11, 20)), grant()).await?;

    // yisheng: the legacy years, as imported by the province.
    for (y, i, ii) in [(2024, 60, 200), (2023, 100, 120)] {
        add(
            me,
            S::Import,
            Some("原学分记录导入"),
            legacy(LegacyClass::I, i, "国家级继续医学教育项目", date(y, 5, 20)),
            None,
        )
        .await?;
        add(me, S::Import, Some("原学分记录导入"), legacy(LegacyClass::II, ii, "院内学术活动", date(y, 11, 30)), None)
            .await?;
    }

    // 北京协和医院: a spread for the compliance report (every third reached 25 with further training,
    // others part of the way), and some registrations waiting for the province.
    for (i, person) in staff.iter().enumerate().skip(2).take(18) {
        let p = person.id;
        match i % 3 {
            0 => {
                add(
                    p,
                    S::Employer,
                    None,
                    period(K::FurtherTraining, "北京大学第一医院进修", date(year, 1, 2), date(year, 4, 10), None),
                    grant(),
                )
                .await?;
            }
            1 => {
                add(
                    p,
                    S::Employer,
                    None,
                    practice("护理查房", Role::Participant, 6 * (i as i64 % 5 + 1), date(year, 2, 14)),
                    grant(),
                )
                .await?;
                add(p, S::Employer, None, practice("新技术学习班", Role::Participant, 9, date(year, 3, 3)), None)
                    .await?;
            }
            _ => {
                add(
                    p,
                    S::Employer,
                    None,
                    period(
                        K::GovernmentAssignment,
                        "对口支援内蒙古医疗队",
                        date(year, 1, 5),
                        date(year, 2, 20),
                        Some(300),
                    ),
                    None,
                )
                .await?;
            }
        }
    }
    // The leader (fuzeren): a plan waiting for the unit.
    store.submit_self_study_plan(actor, leader, this_year, "学习《临床研究方法学》在线课程", Credits::whole(8)).await?;
    add(leader, S::Employer, None, practice("多学科会诊", Role::Speaker, 4, date(year, 2, 26)), grant()).await?;

    // Other units of 北京市: registrations waiting for `beijing`.
    let beijing = store
        .people(
            &PersonFilter { province_code: Some("11".into()), ..Default::default() },
            PageRequest::new(Some(1), Some(200)),
        )
        .await?
        .items;
    for (i, person) in beijing.iter().filter(|p| p.employer_id != Some(xiehe.id)).take(8).enumerate() {
        let end = date(year, 3, 1 + i as u32);
        add(person.id, S::Employer, None, practice("科室业务学习", Role::Participant, 3 + i as i64, end), None).await?;
    }
    Ok(count)
}
