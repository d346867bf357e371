//! The demo world's events, in the present (issue 15): a national batch and a 北京市 provincial batch
//! of the current year whose periods lie before, in and after this week, relative to the injected
//! clock, so the calendar, the tasks and the inspector's day always have something to show. Some
//! periods are filed on time, one late, one changed; one is inspected 合格 and one 不合格 (北京协和医院's
//! next application then shows `unit.history_inspection`); `duchayuan` (北京市) has events today,
//! one of them a 河北 unit's held in 北京 (venue supervision). The periods that have ended carry their
//! rosters and execution reports at every stage (`demo_reports`).

use chrono::{Datelike, Days, NaiveDate};
use jijiao_domain::events::files::samples;
use jijiao_domain::events::filing::{Contact, Filing, Form, Session, Venue};
use jijiao_domain::events::inspection::{Checklist, Inspection, Outcome};
use jijiao_domain::org::{Delivery, Level};
use jijiao_domain::publication::ProjectKind;
use jijiao_domain::{Credits, Hours};
use jijiao_storage::events::{InspectionKind, NewFile, NewFiling, NewInspection};
use jijiao_storage::projects::{NewBatch, NewProject, ProjectPeriod};
use jijiao_storage::{Actor, Store, StoreError};

/// The batch number of the demo's current-year batches (high, to stay clear of real-looking ones).
pub const BATCH: u16 = 8;

/// What happens to a demo period.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Story {
    /// Filed this many days before the start.
    Filed(u64),
    /// Filed on time, then moved to another venue.
    Changed,
    NotFiled,
}

struct Spec {
    unit: &'static str,
    level: Level,
    serial: u32,
    name: &'static str,
    /// Days from today to the start (negative: in the past), and the length in days.
    offset: i64,
    days: u64,
    /// Where it is held (the province's name).
    venue: &'static str,
    address: &'static str,
    story: Story,
    inspection: Option<Outcome>,
}

const SPECS: [Spec; 10] = [
    Spec {
        unit: "北京协和医院",
        level: Level::National,
        serial: 901,
        name: "心力衰竭规范化诊疗学习班",
        offset: -40,
        days: 2,
        venue: "北京市",
        address: "东城区帅府园1号 学术会堂",
        story: Story::Filed(20),
        inspection: Some(Outcome::Pass),
    },
    Spec {
        unit: "北京协和医院",
        level: Level::Provincial,
        serial: 902,
        name: "急诊创伤救治培训班",
        offset: -20,
        days: 2,
        venue: "北京市",
        address: "东城区帅府园1号 教学楼",
        story: Story::Filed(18),
        inspection: Some(Outcome::Fail),
    },
    Spec {
        unit: "北京大学第三医院",
        level: Level::National,
        serial: 903,
        name: "运动医学新进展研讨会",
        offset: -1,
        days: 3,
        venue: "北京市",
        address: "海淀区花园北路49号",
        story: Story::Filed(5),
        inspection: None,
    },
    Spec {
        unit: "河北医科大学第二医院",
        level: Level::National,
        serial: 904,
        name: "脑血管病介入诊疗学习班",
        offset: 0,
        days: 1,
        venue: "北京市",
        address: "朝阳区北辰东路8号 国家会议中心",
        story: Story::Filed(21),
        inspection: None,
    },
    Spec {
        unit: "北京协和医院",
        level: Level::National,
        serial: 905,
        name: "罕见病诊疗多学科研修班",
        offset: 2,
        days: 2,
        venue: "北京市",
        address: "东城区东单北大街 协和学术会堂",
        story: Story::Changed,
        inspection: None,
    },
    Spec {
        unit: "北京协和医院",
        level: Level::National,
        serial: 906,
        name: "内分泌疾病规范化诊疗学习班",
        offset: 10,
        days: 2,
        venue: "北京市",
        address: "东城区帅府园1号",
        story: Story::NotFiled,
        inspection: None,
    },
    Spec {
        unit: "北京协和医院",
        level: Level::Provincial,
        serial: 907,
        name: "护理安全管理培训班",
        offset: 18,
        days: 1,
        venue: "北京市",
        address: "东城区帅府园1号",
        story: Story::NotFiled,
        inspection: None,
    },
    Spec {
        unit: "首都医科大学",
        level: Level::Provincial,
        serial: 908,
        name: "医学教育方法研修班",
        offset: 30,
        days: 2,
        venue: "北京市",
        address: "丰台区右安门外西头条10号",
        story: Story::NotFiled,
        inspection: None,
    },
    // Two more held periods for the execution reports (demo_reports): one whose audit is overdue,
    // one whose report is still a draft.
    Spec {
        unit: "北京大学第三医院",
        level: Level::National,
        serial: 909,
        name: "骨关节置换围手术期管理学习班",
        offset: -35,
        days: 2,
        venue: "北京市",
        address: "海淀区花园北路49号 学术报告厅",
        story: Story::Filed(20),
        inspection: None,
    },
    Spec {
        unit: "北京协和医院",
        level: Level::Provincial,
        serial: 910,
        name: "临床药学规范化培训班",
        offset: -12,
        days: 1,
        venue: "北京市",
        address: "东城区帅府园1号 药学楼",
        story: Story::Filed(16),
        inspection: None,
    },
];

/// Each demo project's total hours: two sessions of 3 hours a day.
fn hours(days: u64) -> Hours {
    Hours::whole(6 * days as i64)
}

/// A day of the current year: `today` moved by `offset`, kept inside the year (a demo loaded on
/// 2 January or 30 December squeezes its periods against the year's ends).
pub(crate) fn day(today: NaiveDate, offset: i64) -> NaiveDate {
    let year = today.year();
    let first = NaiveDate::from_ymd_opt(year, 1, 1).expect("1 January");
    let last = NaiveDate::from_ymd_opt(year, 12, 31).expect("31 December");
    let moved = if offset >= 0 { today + Days::new(offset as u64) } else { today - Days::new(offset.unsigned_abs()) };
    moved.clamp(first, last)
}

fn filing(start: NaiveDate, end: NaiveDate, venue: &str, address: &str, unit: &str) -> Filing {
    let mut schedule = Vec::new();
    let mut d = start;
    while d <= end {
        for (from, to, topic) in [("09:00", "12:00", "专题讲座"), ("14:00", "17:00", "病例讨论与实践")] {
            schedule.push(Session {
                date: d,
                from: from.into(),
                to: to.into(),
                topic: topic.into(),
                teacher: "王喆".into(),
                teacher_unit: unit.into(),
                teacher_title: "主任医师".into(),
                hours: Hours::whole(3),
            });
        }
        d = d + Days::new(1);
    }
    Filing {
        start,
        end,
        venue: Venue { province: venue.into(), city: "北京市".into(), address: address.into(), scenic_area: false },
        form: Form::Offline,
        planned_enrollment: 120,
        fee: 0,
        contact: Contact { name: "刘老师".into(), phone: "13912345678".into() },
        schedule,
    }
}

/// Loads this part of the demo world as of `today`; returns how many periods it made.
pub async fn load(store: &Store, system: &Actor, today: NaiveDate) -> Result<usize, StoreError> {
    let year = today.year();
    let mut national = Vec::new();
    let mut beijing = Vec::new();
    let mut units = Vec::new();
    for spec in &SPECS {
        let unit = store.organisation_by_name(spec.unit).await?;
        let start = day(today, spec.offset);
        let end = day(today, spec.offset + spec.days as i64 - 1);
        let mark = if spec.level == Level::National { "国" } else { "京" };
        let project = NewProject {
            number: Some(format!("{year}-03-01-{:03}（{mark}）", spec.serial)),
            application_id: None,
            name: spec.name.into(),
            unit_name: spec.unit.into(),
            unit_id: Some(unit.id.0),
            province_code: unit.province_code.clone(),
            leader_name: "王喆".into(),
            leader_phone: Some("13912345678".into()),
            subject_tertiary: "03-01".into(),
            kind: ProjectKind::Recommended,
            delivery: Delivery::FaceToFace,
            credits: Credits::from_tenths(i64::from(spec.days as u8) * 20),
            hours: Some(hours(spec.days)),
            periods: vec![ProjectPeriod { start, end, place: format!("{}{}", spec.venue, spec.address) }],
            audience: "临床医师".into(),
            planned_enrollment: 120,
            enrollment_note: String::new(),
            remarks: String::new(),
        };
        units.push(unit);
        if spec.level == Level::National { national.push(project) } else { beijing.push(project) }
    }
    // The remote project reported per upload cycle (demo_remote) is published in the same batch.
    let xiehe = store.organisation_by_name(crate::demo_remote::UNIT).await?;
    national.push(crate::demo_remote::project(today, xiehe.id.0, xiehe.province_code.clone()));
    let batch = |level: Level, province: Option<&str>, notice: String| NewBatch {
        level,
        province_code: province.map(str::to_string),
        year: jijiao_domain::Year::of(today),
        batch: BATCH,
        notice,
        notice_date: NaiveDate::from_ymd_opt(year, 1, 15),
    };
    store.import_projects(system, &batch(Level::National, None, format!("全继委办发〔{year}〕8号")), &national).await?;
    store
        .import_projects(system, &batch(Level::Provincial, Some("11"), format!("京继委办发〔{year}〕8号")), &beijing)
        .await?;

    let filer = |unit: &str| Actor { account_id: None, name: format!("{unit}继教管理员"), ip: None };
    let inspector = match store.account_by_username("duchayuan").await {
        Ok(a) => Actor { account_id: Some(a.id.0), name: a.display_name, ip: None },
        Err(_) => Actor::system("北京市督查员"),
    };
    let day_millis = |d: NaiveDate| d.and_hms_opt(2, 0, 0).expect("a time").and_utc().timestamp_millis();
    for (spec, unit) in SPECS.iter().zip(&units) {
        let mark = if spec.level == Level::National { "国" } else { "京" };
        let number = format!("{year}-03-01-{:03}（{mark}）", spec.serial);
        let project = store.project_by_number(&number).await?;
        let start = day(today, spec.offset);
        let end = day(today, spec.offset + spec.days as i64 - 1);
        let filed_days = match spec.story {
            Story::NotFiled => continue,
            Story::Filed(days) => days,
            Story::Changed => 20,
        };
        let first = filing(start, end, spec.venue, spec.address, spec.unit);
        let on = start - Days::new(filed_days);
        let new = |f, on: NaiveDate, notice| NewFiling {
            project_id: project.id,
            project_number: &number,
            unit_id: Some(unit.id.0),
            unit_province: unit.province_code.as_deref(),
            period: 1,
            filing: f,
            at: day_millis(on),
            on,
            notice,
        };
        let notice = NewFile { kind: "notice", content_type: "application/pdf", content: samples::pdf() };
        store.file_period(&filer(spec.unit), &new(&first, on, Some(notice))).await?;
        if spec.story == Story::Changed {
            let mut moved = first.clone();
            moved.venue.address = "西城区金融大街 会议中心（原址装修，改址举办）".into();
            store.file_period(&filer(spec.unit), &new(&moved, on + Days::new(6), None)).await?;
        }
        if let Some(result) = spec.inspection {
            let failed = result == Outcome::Fail;
            let document = Inspection {
                checklist: Checklist {
                    time_place: true,
                    leader_present: !failed,
                    teachers_as_scheduled: true,
                    sign_in: !failed,
                    within_plan: true,
                    no_promotion: true,
                    no_scenic_or_sightseeing: true,
                    fees_as_filed: true,
                    notice_number: true,
                },
                notes: if failed {
                    [
                        ("leader_present".to_string(), "项目负责人未到场".to_string()),
                        ("sign_in".to_string(), "无考勤记录".to_string()),
                    ]
                    .into_iter()
                    .collect()
                } else {
                    Default::default()
                },
                result,
                reason: if failed { "项目负责人未到场，现场无考勤措施".into() } else { String::new() },
            };
            store
                .record_inspection(
                    &inspector,
                    &NewInspection {
                        project_id: project.id,
                        project_number: &number,
                        unit_id: Some(unit.id.0),
                        unit_province: unit.province_code.as_deref(),
                        period: 1,
                        kind: InspectionKind::Inspector,
                        inspection: &document,
                        late: false,
                        venue_province: "11",
                        on: start,
                        at: day_millis(start) + 3_600_000,
                        photos: vec![NewFile {
                            kind: "photo",
                            content_type: "image/jpeg",
                            content: samples::jpeg_plain(),
                        }],
                    },
                )
                .await?;
        }
    }
    Ok(SPECS.len())
}
