//! Filing a period (报备, rules.md §7.1): what a unit says before it holds a period of a published
//! face-to-face project, and the checks that decide whether it is accepted.
//!
//! A filing is a version: the first one fixes whether the period was filed late (`filing.lead_time`,
//! §5 `score.1.1.1` reads its date), later ones change dates, venue, form or schedule and are kept
//! beside it. What the project was published with (number, name, leader, content) is not part of
//! a filing at all (`filing.immutable`): a body that tries to set it is refused by name.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Problem;
use crate::document::date;
use crate::labelled_enum;
use crate::org::Delivery;
use crate::{Hours, Year};

/// `filing.lead_time`: a filing is due this many days before the period starts (rules.md §4).
pub const LEAD_DAYS: i64 = 14;
/// Sessions of a schedule; a period of 6 days at 4 sessions a day stays well below.
pub const MAX_SESSIONS: usize = 200;
/// `enrollment.max` of the application (rules.md §3) holds for the period as filed.
pub const MAX_ENROLLMENT: u32 = 1000;
/// Longest free text of a field (address, topic).
pub const MAX_TEXT: usize = 200;
/// The most periods a project holds in a year (rules.md §3 `periods.count`).
pub const MAX_PERIODS: usize = 6;
/// Words of an address that say the venue is a scenic area (风景名胜区) where meetings are banned
/// (001). A venue the unit marks as one is refused as well.
pub const SCENIC_WORDS: [&str; 4] = ["风景名胜区", "风景区", "旅游度假区", "景区"];
/// Keys a filing body may not carry: what the project was published with (`filing.immutable`).
pub const IMMUTABLE_KEYS: [&str; 6] = ["number", "name", "leader", "content", "unit", "credits"];

labelled_enum!(
    /// How a period is held (举办形式).
    Form {
        Offline = "offline" / "仅线下",
        Online = "online" / "仅线上",
        Blended = "blended" / "线上线下相结合",
    }
);

/// A filing as formats.md gives it ("Holding a project: the workflow API").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filing {
    #[serde(deserialize_with = "date")]
    pub start: NaiveDate,
    #[serde(deserialize_with = "date")]
    pub end: NaiveDate,
    pub venue: Venue,
    pub form: Form,
    pub planned_enrollment: u32,
    /// Yuan per learner; 0 allowed.
    pub fee: u32,
    pub contact: Contact,
    pub schedule: Vec<Session>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Venue {
    /// The province's name (北京市) or code (11); stored as the name.
    pub province: String,
    pub city: String,
    pub address: String,
    #[serde(default)]
    pub scenic_area: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub name: String,
    /// Personal data: encrypted at rest and masked in every view.
    pub phone: String,
}

/// One session of the schedule (日程).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Session {
    #[serde(deserialize_with = "date")]
    pub date: NaiveDate,
    /// `09:00`
    pub from: String,
    pub to: String,
    pub topic: String,
    pub teacher: String,
    pub teacher_unit: String,
    pub teacher_title: String,
    pub hours: Hours,
}

impl Filing {
    /// The hours of the schedule, added up.
    pub fn hours(&self) -> Hours {
        self.schedule.iter().map(|s| s.hours).sum()
    }

    /// The venue in one line: `北京市 北京市 东城区帅府园1号`.
    pub fn place(&self) -> String {
        let v = &self.venue;
        let mut parts = vec![v.province.trim()];
        if v.city.trim() != v.province.trim() {
            parts.push(v.city.trim());
        }
        parts.push(v.address.trim());
        parts.into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ")
    }

    /// The venue's province as a 2-digit code, when it names one.
    pub fn venue_province_code(&self) -> Option<&'static str> {
        province_code(&self.venue.province)
    }
}

fn province_code(text: &str) -> Option<&'static str> {
    let text = text.trim();
    crate::province::by_code(text).or_else(|| crate::province::find(text)).map(|p| p.code)
}

/// What the published project says about the period being filed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    pub year: Year,
    pub delivery: Delivery,
    /// How many periods were published.
    pub periods: usize,
    /// The published total hours, when the list gave them.
    pub hours: Option<Hours>,
}

/// Reads a filing body: JSON with the fields above, nothing else. The published facts that never
/// change (`filing.immutable`) are refused by name before anything else is read.
pub fn parse(text: &str) -> Result<Filing, Vec<Problem>> {
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(text) {
        let fixed: Vec<Problem> = IMMUTABLE_KEYS
            .iter()
            .filter(|k| map.contains_key(**k))
            .map(|k| {
                Problem::new(
                    "filing.immutable",
                    *k,
                    format!("“{k}”：项目编号、名称、负责人和内容以公布为准，报备时不能变更"),
                )
            })
            .collect();
        if !fixed.is_empty() {
            return Err(fixed);
        }
    }
    crate::document::parse::<Filing>(text).map_err(|e| vec![Problem::new("filing.document", e.path, e.message)])
}

/// Every problem of a filing of period `period` (from 1) against what was published; empty when it
/// may be stored. Lateness is not a problem (`filing.lead_time` accepts and marks it, see
/// [`is_late`]); a period that has ended can no longer be filed (`today` after `end`).
pub fn check(filing: &Filing, published: &Published, period: usize, today: NaiveDate) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut push = |rule, field: &str, message: String| out.push(Problem::new(rule, field, message));
    if published.delivery == Delivery::Remote {
        push("filing.remote", "", "远程项目按上传周期汇报执行情况，不逐期报备".into());
    }
    let allowed = published.periods.min(MAX_PERIODS);
    if period == 0 || period > allowed {
        push("filing.period", "period", format!("第{period}期不存在：该项目公布的举办期数为{}期", published.periods));
    }
    let year = published.year;
    for (field, label, day) in [("start", "开始日期", filing.start), ("end", "结束日期", filing.end)] {
        if Year::of(day) != year {
            push("filing.year", field, format!("{label} {day} 不在项目年度 {year} 年内"));
        }
    }
    if filing.end < filing.start {
        push("filing.dates", "end", format!("结束日期 {} 早于开始日期 {}", filing.end, filing.start));
    } else if (filing.end - filing.start).num_days() > 30 {
        push("filing.dates", "end", "一期举办时间不应超过31天".into());
    }
    if today > filing.end {
        push("filing.closed", "end", format!("该期已于 {} 结束，不能再报备或变更", filing.end));
    }
    let v = &filing.venue;
    if province_code(&v.province).is_none() {
        push("filing.venue", "venue.province", format!("举办省份“{}”不是省级行政区的名称或代码", v.province.trim()));
    }
    for (field, label, text) in [("venue.city", "举办城市", &v.city), ("venue.address", "举办地址", &v.address)]
    {
        if text.trim().is_empty() {
            push("filing.venue", field, format!("请填写{label}"));
        } else if text.chars().count() > MAX_TEXT {
            push("filing.venue", field, format!("{label}不能超过{MAX_TEXT}字"));
        }
    }
    let scenic_word = SCENIC_WORDS.iter().find(|w| v.address.contains(**w) || v.city.contains(**w));
    if v.scenic_area || scenic_word.is_some() {
        let why = scenic_word.map(|w| format!("（地址含“{w}”）")).unwrap_or_default();
        push(
            "filing.scenic_area",
            "venue.address",
            format!("举办地址位于风景名胜区{why}：严禁在风景名胜区举办，不予报备"),
        );
    }
    if filing.planned_enrollment == 0 || filing.planned_enrollment > MAX_ENROLLMENT {
        push("filing.enrollment", "planned_enrollment", format!("计划招生人数应为1至{MAX_ENROLLMENT}人"));
    }
    if filing.contact.name.trim().is_empty() {
        push("filing.contact", "contact.name", "请填写联系人姓名".into());
    }
    if !crate::personal::is_valid_phone(&filing.contact.phone) {
        push(
            "filing.contact",
            "contact.phone",
            format!("联系电话“{}”不是有效的手机或座机号码", filing.contact.phone.trim()),
        );
    }
    check_schedule(filing, published, &mut out);
    out
}

/// `HH:MM`, 00:00–23:59, as minutes after midnight (a session's times; the QR sign-in names a
/// session by its date and start).
pub fn minutes(text: &str) -> Option<u32> {
    let (h, m) = text.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

fn check_schedule(filing: &Filing, published: &Published, out: &mut Vec<Problem>) {
    let mut push = |field: String, message: String| out.push(Problem::new("filing.schedule", field, message));
    if filing.schedule.is_empty() {
        push("schedule".into(), "请填写日程（每一场的日期、时间、内容、授课教师和学时）".into());
        return;
    }
    if filing.schedule.len() > MAX_SESSIONS {
        push("schedule".into(), format!("日程不能超过{MAX_SESSIONS}场"));
        return;
    }
    for (i, s) in filing.schedule.iter().enumerate() {
        let at = |name: &str| format!("schedule[{i}].{name}");
        let row = i + 1;
        if s.date < filing.start || s.date > filing.end {
            push(
                at("date"),
                format!("日程第{row}场的日期 {} 不在举办日期 {} 至 {} 之内", s.date, filing.start, filing.end),
            );
        }
        match (minutes(&s.from), minutes(&s.to)) {
            (None, _) => push(at("from"), format!("日程第{row}场的开始时间“{}”应形如 09:00", s.from.trim())),
            (_, None) => push(at("to"), format!("日程第{row}场的结束时间“{}”应形如 12:00", s.to.trim())),
            (Some(from), Some(to)) if to <= from => {
                push(at("to"), format!("日程第{row}场的结束时间 {} 不晚于开始时间 {}", s.to.trim(), s.from.trim()))
            }
            _ => {}
        }
        for (name, label, text) in [
            ("topic", "授课内容", &s.topic),
            ("teacher", "授课教师", &s.teacher),
            ("teacher_unit", "教师单位", &s.teacher_unit),
            ("teacher_title", "教师职称", &s.teacher_title),
        ] {
            if text.trim().is_empty() {
                push(at(name), format!("日程第{row}场缺少{label}"));
            } else if text.chars().count() > MAX_TEXT {
                push(at(name), format!("日程第{row}场的{label}不能超过{MAX_TEXT}字"));
            }
        }
        if s.hours == Hours::ZERO {
            push(at("hours"), format!("日程第{row}场的学时应大于0"));
        }
    }
    if let Some(published_hours) = published.hours {
        let total = filing.hours();
        if total != published_hours {
            push(
                "schedule".into(),
                format!("日程学时合计 {total} 学时，与公布的项目总学时 {published_hours} 学时不一致"),
            );
        }
    }
}

/// `filing.lead_time`: whether a filing made on `filed_on` is late for a period starting on `start`
/// (under 14 days before it; on or after the start too).
pub fn is_late(filed_on: NaiveDate, start: NaiveDate) -> bool {
    (start - filed_on).num_days() < LEAD_DAYS
}

/// The last day a period starting on `start` is filed on time.
pub fn due_on(start: NaiveDate) -> NaiveDate {
    start - chrono::Days::new(LEAD_DAYS as u64)
}

labelled_enum!(
    /// What a later version changed against the one before (`filing.immutable` keeps the rest).
    Change {
        Dates = "dates" / "日期",
        Venue = "venue" / "地点",
        Form = "form" / "形式",
        Schedule = "schedule" / "日程",
        Other = "other" / "其他事项",
    }
);

/// What `next` changes against `previous`: dates, venue, form, schedule, or only the other facts
/// (enrolment, fee, contact).
pub fn changes(previous: &Filing, next: &Filing) -> Vec<Change> {
    let mut out = Vec::new();
    if (previous.start, previous.end) != (next.start, next.end) {
        out.push(Change::Dates);
    }
    let venue = |f: &Filing| {
        (province_code(&f.venue.province), f.venue.city.trim().to_string(), f.venue.address.trim().to_string())
    };
    if venue(previous) != venue(next) {
        out.push(Change::Venue);
    }
    if previous.form != next.form {
        out.push(Change::Form);
    }
    if previous.schedule != next.schedule {
        out.push(Change::Schedule);
    }
    let other = |f: &Filing| (f.planned_enrollment, f.fee, f.contact.clone());
    if out.is_empty() && other(previous) != other(next) {
        out.push(Change::Other);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn published() -> Published {
        Published {
            year: Year::try_from(2026).unwrap(),
            delivery: Delivery::FaceToFace,
            periods: 2,
            hours: Some(Hours::whole(6)),
        }
    }

    fn session(date: NaiveDate, hours: i64) -> Session {
        Session {
            date,
            from: "09:00".into(),
            to: "12:00".into(),
            topic: "心力衰竭的规范化诊疗".into(),
            teacher: "张三".into(),
            teacher_unit: "北京协和医院".into(),
            teacher_title: "主任医师".into(),
            hours: Hours::whole(hours),
        }
    }

    fn filing() -> Filing {
        Filing {
            start: day(5, 10),
            end: day(5, 11),
            venue: Venue {
                province: "北京市".into(),
                city: "北京市".into(),
                address: "东城区帅府园1号".into(),
                scenic_area: false,
            },
            form: Form::Offline,
            planned_enrollment: 100,
            fee: 0,
            contact: Contact { name: "李四".into(), phone: "13800138000".into() },
            schedule: vec![session(day(5, 10), 3), session(day(5, 11), 3)],
        }
    }

    fn rules(problems: &[Problem]) -> Vec<(&'static str, &str)> {
        problems.iter().map(|p| (p.rule, p.field.as_str())).collect()
    }

    #[test]
    fn a_good_filing_has_no_problem() {
        assert_eq!(check(&filing(), &published(), 1, day(4, 1)), vec![]);
        assert_eq!(filing().venue_province_code(), Some("11"));
        assert_eq!(filing().place(), "北京市 东城区帅府园1号");
    }

    #[test]
    fn each_bad_input_is_named() {
        type Case = (&'static str, &'static str, fn(&mut Filing));
        let cases: [Case; 9] = [
            ("filing.year", "start", |f| {
                f.start = NaiveDate::from_ymd_opt(2025, 12, 30).unwrap();
                f.schedule[0].date = f.start;
            }),
            ("filing.dates", "end", |f| f.end = day(5, 9)),
            ("filing.schedule", "schedule", |f| f.schedule[1].hours = Hours::whole(2)),
            ("filing.schedule", "schedule[1].date", |f| f.schedule[1].date = day(5, 12)),
            ("filing.schedule", "schedule[0].to", |f| f.schedule[0].to = "08:00".into()),
            ("filing.scenic_area", "venue.address", |f| f.venue.scenic_area = true),
            ("filing.scenic_area", "venue.address", |f| f.venue.address = "八达岭风景名胜区会议中心".into()),
            ("filing.venue", "venue.province", |f| f.venue.province = "火星".into()),
            ("filing.contact", "contact.phone", |f| f.contact.phone = "12345".into()),
        ];
        for (rule, field, change) in cases {
            let mut f = filing();
            change(&mut f);
            let problems = check(&f, &published(), 1, day(4, 1));
            assert!(rules(&problems).contains(&(rule, field)), "{rule} {field}: {problems:?}");
            assert!(problems.iter().all(|p| !p.message.is_empty()));
        }
        let wrong_year = check(
            &Filing { start: NaiveDate::from_ymd_opt(2027, 1, 2).unwrap(), ..filing() },
            &published(),
            1,
            day(4, 1),
        );
        assert!(wrong_year.iter().any(|p| p.message.contains("不在项目年度 2026 年内")), "{wrong_year:?}");
    }

    #[test]
    fn periods_beyond_the_published_remote_projects_and_ended_periods_are_refused() {
        assert_eq!(rules(&check(&filing(), &published(), 3, day(4, 1))), vec![("filing.period", "period")]);
        let remote = Published { delivery: Delivery::Remote, ..published() };
        assert!(rules(&check(&filing(), &remote, 1, day(4, 1))).contains(&("filing.remote", "")));
        assert_eq!(rules(&check(&filing(), &published(), 1, day(5, 12))), vec![("filing.closed", "end")]);
        assert_eq!(check(&filing(), &published(), 1, day(5, 11)), vec![], "the last day still counts");
        let unknown_hours = Published { hours: None, ..published() };
        let mut f = filing();
        f.schedule[0].hours = Hours::whole(5);
        assert_eq!(check(&f, &unknown_hours, 1, day(4, 1)), vec![], "no published hours to compare");
    }

    #[test]
    fn the_published_facts_cannot_be_filed() {
        let body = serde_json::to_string(&filing()).unwrap();
        assert_eq!(parse(&body).unwrap(), filing());
        let with_name = body.replacen('{', r#"{"name":"改名","leader":"王五","#, 1);
        let problems = parse(&with_name).unwrap_err();
        assert_eq!(rules(&problems), vec![("filing.immutable", "name"), ("filing.immutable", "leader")]);
        let bad_date = body.replace("2026-05-10", "2026-5-10");
        let problem = &parse(&bad_date).unwrap_err()[0];
        assert_eq!((problem.field.as_str(), problem.message.as_str()), ("start", "日期格式应为 YYYY-MM-DD"));
    }

    #[test]
    fn lead_time_counts_days_before_the_start() {
        assert!(!is_late(day(4, 26), day(5, 10)));
        assert!(is_late(day(4, 27), day(5, 10)));
        assert!(is_late(day(5, 11), day(5, 10)));
        assert_eq!(due_on(day(5, 10)), day(4, 26));
    }

    #[test]
    fn versions_say_what_changed() {
        let first = filing();
        assert_eq!(changes(&first, &first), vec![]);
        let mut moved = first.clone();
        moved.start = day(5, 11);
        moved.end = day(5, 12);
        moved.venue.address = "西城区".into();
        assert_eq!(changes(&first, &moved), vec![Change::Dates, Change::Venue]);
        let cheaper = Filing { fee: 100, ..first.clone() };
        assert_eq!(changes(&first, &cheaper), vec![Change::Other]);
        let same_place_by_code =
            Filing { venue: Venue { province: "11".into(), ..first.venue.clone() }, ..first.clone() };
        assert_eq!(changes(&first, &same_place_by_code), vec![]);
    }

    proptest! {
        /// A schedule is accepted exactly when its hours add up to the published hours.
        #[test]
        fn schedule_hours_must_add_up(hours in proptest::collection::vec(1i64..40, 1..6), published_tenths in 1i64..200) {
            let mut f = filing();
            f.schedule = hours.iter().map(|h| Session { hours: Hours::from_tenths(*h), ..session(day(5, 10), 0) }).collect();
            let p = Published { hours: Some(Hours::from_tenths(published_tenths)), ..published() };
            let sum: i64 = hours.iter().sum();
            let refused = check(&f, &p, 1, day(4, 1)).iter().any(|x| x.field == "schedule");
            prop_assert_eq!(refused, sum != published_tenths);
        }

        /// Lateness is exactly "under 14 days ahead".
        #[test]
        fn late_exactly_under_fourteen_days(offset in -30i64..60) {
            let start = day(6, 15);
            let filed = start - chrono::Duration::days(offset);
            prop_assert_eq!(is_late(filed, start), offset < 14);
        }
    }
}
