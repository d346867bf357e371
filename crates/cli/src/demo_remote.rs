//! The demo world's remote project (issue 16, rules.md §4, §7.4): 北京协和医院's
//! 心血管疾病防治远程培训项目 (`YYYY-03-01-920（国）`, 12 hours, 3 credits), published in the current
//! year's national batch with its start 100 days before the demo is loaded, reported monthly. Its
//! unit chose the 1-month cycle on the first day, and each cycle that has ended is at another stage,
//! made through the same operations as the pages, each on its day:
//! - cycle 1: roster (`yisheng` with 12 hours, the leader 王喆 as speaker), report submitted and
//!   approved by `beijing`: its score is stored and `yisheng`'s 4.0 credits are capped at the remote
//!   project's 3.0 in 我的学分, with her certificate;
//! - cycle 2: report submitted and waiting for `beijing` past its 14 days (overdue, the national
//!   office sees it too);
//! - cycle 3: roster in, report a draft, due 14 days after the cycle's end.
//!
//! A demo loaded early in the year squeezes the start against 1 January (`demo_events::day`); the
//! stages of cycles that have not ended by then are left out.

use chrono::{Days, NaiveDate};
use jijiao_domain::events::cycle;
use jijiao_domain::events::filing::Form;
use jijiao_domain::org::Delivery;
use jijiao_domain::publication::ProjectKind;
use jijiao_domain::score::Courseware;
use jijiao_domain::{Credits, Hours};
use jijiao_storage::projects::{NewProject, ProjectPeriod};
use jijiao_storage::reports::PeriodKey;
use jijiao_storage::{Actor, Store, StoreError};

use crate::demo_events::day;
use crate::demo_reports::{acting, app_on, failed};

/// The serial of the demo's remote project in the current year's national batch.
pub const SERIAL: u32 = 920;
/// Its start, in days from the day the demo is loaded.
const START_OFFSET: i64 = -100;
/// The cycle its unit chose, in months.
pub const MONTHS: u32 = 1;
pub(crate) const UNIT: &str = "北京协和医院";

/// The project's number in the year of `today`.
pub fn number(today: NaiveDate) -> String {
    format!("{}-03-01-{SERIAL:03}（国）", chrono::Datelike::year(&today))
}

/// The remote project as the national list publishes it (for `demo_events`' batch).
pub fn project(today: NaiveDate, unit_id: i64, province: Option<String>) -> NewProject {
    let start = day(today, START_OFFSET);
    NewProject {
        number: Some(number(today)),
        application_id: None,
        name: "心血管疾病防治远程培训项目".into(),
        unit_name: UNIT.into(),
        unit_id: Some(unit_id),
        province_code: province,
        leader_name: "王喆".into(),
        leader_phone: Some("13912345678".into()),
        subject_tertiary: "03-01".into(),
        kind: ProjectKind::Recommended,
        delivery: Delivery::Remote,
        credits: Credits::from_tenths(30),
        hours: Some(Hours::whole(12)),
        periods: vec![ProjectPeriod { start, end: start, place: "远程（网络）".into() }],
        audience: "临床医师、全科医师".into(),
        planned_enrollment: 500,
        enrollment_note: String::new(),
        remarks: String::new(),
    }
}

/// Loads the cycles' stages; returns how many cycles have a report.
pub async fn load(store: &Store, today: NaiveDate) -> Result<usize, StoreError> {
    let number = number(today);
    let project = store.project_by_number(&number).await?;
    let anchor = cycle::anchor(Some(project.first_day), project.year);
    let xiehe = acting(store, "xiehe").await?;
    let beijing = acting(store, "beijing").await?;
    jijiao_app::events::remote::set_upload_cycle(&app_on(store, anchor), &xiehe, &number, MONTHS)
        .await
        .map_err(failed)?;
    let key = |period| PeriodKey {
        project_id: project.id,
        project_number: number.clone(),
        period,
        unit_id: project.unit_id,
        unit_province: project.province_code.clone(),
    };
    let filer = Actor { account_id: Some(xiehe.account.id.0), name: xiehe.account.display_name.clone(), ip: None };
    let mut reports = 0;
    // (cycle, hours each learner completed in it)
    for (n, hours) in [(1, 12), (2, 6), (3, 9)] {
        let c = cycle::cycle(anchor, MONTHS, n);
        let imported = c.end + Days::new(1);
        if imported > today {
            break;
        }
        let entries = crate::demo_reports::roster(store, UNIT, 20, Hours::whole(hours), true).await?;
        let at = jijiao_app::FixedClock::on(imported).millis;
        store.replace_roster(&filer, &key(n), &entries, at).await?;
        let reported = c.end + Days::new(3);
        if reported > today {
            continue;
        }
        let learners = entries.iter().filter(|e| !e.is_speaker()).count() as u32;
        let mut report = crate::demo_reports::report(learners, false);
        report.form = Form::Online;
        report.courseware = Some(Courseware { no_seek: true, single_courseware: true, learning_state_check: true });
        report.hours = Some(Hours::whole(12));
        report.effect_analysis =
            "本周期课件按计划上线，学员均在线完成学习和考核；学习状态检测未发现代学、挂机。".into();
        let app = app_on(store, reported);
        jijiao_app::reports::save_report(&app, &xiehe, &number, n, &report).await.map_err(failed)?;
        reports += 1;
        if n == 3 {
            continue;
        }
        jijiao_app::reports::submit_report(&app, &xiehe, &number, n).await.map_err(failed)?;
        let approved = reported + Days::new(5);
        if n == 1 && approved <= today {
            jijiao_app::reports::approve_report(&app_on(store, approved), &beijing, &number, n)
                .await
                .map_err(failed)?;
        }
    }
    Ok(reports)
}
