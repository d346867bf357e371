//! The demo world's applications, loaded after its organisations, people and accounts: windows
//! open now for next year's projects (and last year's, closed), and applications of 协和 and
//! other units at every point of the review chain, so `xiehe`, `dongcheng`, `beijing` and
//! `guojia` each find something to do.

use chrono::{Datelike, Days, NaiveDate};
use jijiao_domain::Year;
use jijiao_domain::org::Level;
use jijiao_domain::review::workflow::Step;
use jijiao_domain::review::{Application, review};
use jijiao_storage::applications::{NewApplication, WindowRecord};
use jijiao_storage::{Actor, OrgFilter, PageRequest, PersonFilter, Store, StoreError};

const TEMPLATE: &str = include_str!("../../domain/tests/fixtures/review/valid_national.json");

/// Where an application of the demo stops in the chain.
#[derive(Clone, Copy)]
enum Stop {
    Draft,
    Submitted,
    Forwarded,
    Recommended,
    Returned,
    Approved,
}

struct Spec {
    unit: &'static str,
    /// Next year's projects (`false`: this year's, decided).
    next_year: bool,
    level: Level,
    name: &'static str,
    /// The unit's staff member who leads it (index among its people).
    leader: usize,
    stop: Stop,
}

const SPECS: [Spec; 11] = [
    Spec {
        unit: "北京协和医院",
        next_year: false,
        level: Level::National,
        name: "心力衰竭规范化诊疗新进展学习班",
        leader: 0,
        stop: Stop::Approved,
    },
    Spec {
        unit: "北京协和医院",
        next_year: false,
        level: Level::National,
        name: "罕见病多学科诊疗培训班",
        leader: 3,
        stop: Stop::Approved,
    },
    Spec {
        unit: "北京协和医院",
        next_year: true,
        level: Level::National,
        name: "心力衰竭全程管理与随访培训班",
        leader: 0,
        stop: Stop::Draft,
    },
    Spec {
        unit: "北京协和医院",
        next_year: true,
        level: Level::National,
        name: "重症医学机械通气规范化培训班",
        leader: 4,
        stop: Stop::Submitted,
    },
    Spec {
        unit: "北京协和医院",
        next_year: true,
        level: Level::National,
        name: "内分泌代谢病诊疗新进展研讨班",
        leader: 5,
        stop: Stop::Returned,
    },
    Spec {
        unit: "北京协和医院",
        next_year: true,
        level: Level::Provincial,
        name: "临床输血安全管理培训班",
        leader: 6,
        stop: Stop::Forwarded,
    },
    Spec {
        unit: "北京大学第三医院",
        next_year: true,
        level: Level::National,
        name: "运动医学关节镜技术学习班",
        leader: 1,
        stop: Stop::Forwarded,
    },
    Spec {
        unit: "北京大学第三医院",
        next_year: true,
        level: Level::National,
        name: "生殖医学新技术进展培训班",
        leader: 2,
        stop: Stop::Recommended,
    },
    Spec {
        unit: "北京医学会",
        next_year: true,
        level: Level::Provincial,
        name: "基层医师慢病管理能力提升班",
        leader: 1,
        stop: Stop::Submitted,
    },
    Spec {
        unit: "河北医科大学第二医院",
        next_year: true,
        level: Level::National,
        name: "脑血管病介入治疗培训班",
        leader: 1,
        stop: Stop::Submitted,
    },
    Spec {
        unit: "复旦大学附属中山医院",
        next_year: true,
        level: Level::National,
        name: "肝癌综合治疗新进展学习班",
        leader: 1,
        stop: Stop::Recommended,
    },
];

/// The 申报书's contact blanks of each demo unit (issue 18 point 14): its CME office's contact and
/// phone, and the postal address its leaders write.
fn unit_contact(unit: &str) -> (&'static str, &'static str, &'static str) {
    match unit {
        "北京协和医院" => ("刘敏", "010-69156114", "北京市东城区帅府园1号"),
        "北京大学第三医院" => ("陈静", "010-82266699", "北京市海淀区花园北路49号"),
        "北京医学会" => ("赵磊", "010-65253010", "北京市东城区东四西大街42号"),
        "河北医科大学第二医院" => ("孙丽", "0311-66002999", "河北省石家庄市新华区和平西路215号"),
        "复旦大学附属中山医院" => ("周倩", "021-64041990", "上海市徐汇区枫林路180号"),
        _ => ("王芳", "010-65120000", "北京市东城区"),
    }
}

async fn actor_of(store: &Store, username: &str) -> Result<Actor, StoreError> {
    let account = store.account_by_username(username).await?;
    Ok(Actor { account_id: Some(account.id.0), name: account.display_name, ip: None })
}

fn shift(d: NaiveDate, year: Year) -> NaiveDate {
    d.with_year(i32::from(year)).unwrap_or(d)
}

/// Loads this part of the demo world as of `today`; returns how many applications it made.
pub async fn load(store: &Store, actor: &Actor, today: NaiveDate) -> Result<usize, StoreError> {
    let this = Year::of(today);
    let next = this.checked_add(1).unwrap_or(Year::LAST);
    let mut made = 0;

    // Windows: next year's open now, this year's ran last November.
    let office = |kind| OrgFilter { kind: Some(kind), ..Default::default() };
    let national =
        store.organisations(&office(jijiao_domain::org::OrgKind::National), PageRequest::new(Some(1), Some(1))).await?;
    let national = national.items.first().ok_or(StoreError::NotFound)?.id.0;
    let beijing = store.organisation_by_name("北京市继续医学教育委员会").await?.id.0;
    let hebei = store.organisation_by_name("河北省继续医学教育委员会").await?.id.0;
    let shanghai = store.organisation_by_name("上海市继续医学教育委员会").await?.id.0;
    let dongcheng = store.organisation_by_name("北京市东城区卫生健康委员会").await?.id.0;
    let opens = today - Days::new(7);
    let closes = today + Days::new(30);
    let last_opens = NaiveDate::from_ymd_opt(i32::from(this) - 1, 11, 18).expect("valid date");
    let last_closes = NaiveDate::from_ymd_opt(i32::from(this) - 1, 11, 26).expect("valid date");
    let mut windows = vec![
        WindowRecord { year: next, level: Level::National, org_id: national, province_code: None, opens, closes },
        WindowRecord {
            year: this,
            level: Level::National,
            org_id: national,
            province_code: None,
            opens: last_opens,
            closes: last_closes,
        },
        WindowRecord {
            year: next,
            level: Level::District,
            org_id: dongcheng,
            province_code: Some("11".into()),
            opens,
            closes,
        },
    ];
    for (org_id, code) in [(beijing, "11"), (hebei, "13"), (shanghai, "31")] {
        windows.push(WindowRecord {
            year: next,
            level: Level::Provincial,
            org_id,
            province_code: Some(code.into()),
            opens,
            closes,
        });
    }
    for w in &windows {
        store.set_window(actor, w).await?;
    }

    let template = jijiao_domain::review::parse_application(TEMPLATE)
        .map_err(|e| StoreError::Invalid(format!("演示申报书模板无法读取：{e}")))?;
    let catalogue = store.catalogue().await?;
    let xiehe = actor_of(store, "xiehe").await?;
    let dongcheng_admin = actor_of(store, "dongcheng").await?;
    let beijing_admin = actor_of(store, "beijing").await?;
    let hebei_admin = actor_of(store, "hebei").await?;
    let guojia = actor_of(store, "guojia").await?;
    for spec in &SPECS {
        let unit = store.organisation_by_name(spec.unit).await?;
        let district = unit.parent_district.map(|d| d.0);
        let staff = store
            .people(
                &PersonFilter { employer_id: Some(unit.id), ..Default::default() },
                PageRequest::new(Some(1), Some(10)),
            )
            .await?
            .items;
        // Lists mask ID numbers: the document needs the whole one, from the person's record.
        let listed = staff.get(spec.leader).or(staff.first()).ok_or(StoreError::NotFound)?;
        let leader = store.person(listed.id).await?;
        let province = unit
            .province_code
            .as_deref()
            .and_then(jijiao_domain::province::by_code)
            .map(|p| p.name.to_string())
            .ok_or(StoreError::NotFound)?;
        let year = if spec.next_year { next } else { this };
        let mut doc: Application = template.clone();
        doc.year = year;
        doc.level = spec.level;
        doc.category = (spec.level != Level::National).then_some(jijiao_domain::review::Category::Improvement);
        doc.province = province.clone();
        doc.name = spec.name.to_string();
        doc.applicant.name = unit.name.clone();
        doc.applicant.province = province.clone();
        doc.leader.name = leader.name.clone();
        doc.leader.id_number = leader.id_number.to_string();
        doc.leader.employer = unit.name.clone();
        doc.leader.history = Vec::new();
        let (contact, phone, address) = unit_contact(spec.unit);
        doc.applicant.contact_name = Some(contact.to_string());
        doc.applicant.contact_phone = Some(phone.to_string());
        doc.leader.address = Some(address.to_string());
        // The leader's phone of record when there is one; the unit's otherwise.
        doc.leader.phone = Some(leader.phone.clone().unwrap_or_else(|| phone.to_string()));
        // The template's own teachers teach for this unit; the leader gives the first lecture.
        for teacher in &mut doc.teachers {
            if teacher.employer == template.applicant.name {
                teacher.employer = unit.name.clone();
            }
        }
        if let Some(first) = doc.teachers.first_mut() {
            first.name = leader.name.clone();
        }
        for period in &mut doc.periods {
            period.start = shift(period.start, year);
            period.end = shift(period.end, year);
            period.province = province.clone();
        }
        let submitted_on = if spec.next_year { today } else { last_opens + Days::new(2) };
        let window = if spec.next_year { (opens, closes) } else { (last_opens, last_closes) };
        let mut reviewed = doc.clone();
        reviewed.context.submitted_on = submitted_on;
        reviewed.context.window = jijiao_domain::review::Window { opens: window.0, closes: window.1 };
        reviewed.context.unit_applications = 0;
        reviewed.context.leader_applications_same_level = 0;
        reviewed.context.unit_previous_year_approved = None;
        reviewed.context.unit_history = Vec::new();
        reviewed.context.other_applications = Vec::new();
        let r = review(&reviewed, &catalogue);
        let findings = (u32::try_from(r.errors).unwrap_or(0), u32::try_from(r.warnings).unwrap_or(0));
        let applicant = if spec.unit == "北京协和医院" { xiehe.clone() } else { actor.clone() };
        let id = store
            .create_application(
                &applicant,
                &NewApplication {
                    document: doc,
                    unit_id: unit.id,
                    district_id: district.map(jijiao_storage::OrgId),
                    leader_person_id: Some(leader.id),
                    copied_from: None,
                    findings,
                },
            )
            .await?;
        made += 1;
        let province_admin = match unit.province_code.as_deref() {
            Some("11") => &beijing_admin,
            Some("13") => &hebei_admin,
            _ => actor,
        };
        // The district above 协和 is 东城区 (`dongcheng`); other districts act through the system.
        let district_admin = if district.is_some_and(|d| d == dongcheng) { &dongcheng_admin } else { actor };
        let mut chain: Vec<(&Actor, Step, &str)> = Vec::new();
        if !matches!(spec.stop, Stop::Draft) {
            chain.push((&applicant, Step::Submit, ""));
        }
        let decided_by_province = spec.level != Level::National;
        let reached = |stop: Stop| match spec.stop {
            Stop::Draft | Stop::Submitted => false,
            Stop::Forwarded => matches!(stop, Stop::Forwarded),
            Stop::Recommended => matches!(stop, Stop::Forwarded | Stop::Recommended),
            Stop::Returned => matches!(stop, Stop::Forwarded),
            Stop::Approved => true,
        };
        if district.is_some() && reached(Stop::Forwarded) {
            chain.push((district_admin, Step::Forward, "材料齐全，同意上报。"));
        }
        if matches!(spec.stop, Stop::Returned) {
            chain.push((
                province_admin,
                Step::Return,
                "推荐理由未写明培训形式，授课教师职称请与聘任文件核对后重新提交。",
            ));
        }
        if reached(Stop::Recommended) {
            let step = if decided_by_province { Step::Approve } else { Step::Recommend };
            chain.push((province_admin, step, "同意推荐。"));
        }
        if reached(Stop::Approved) && !decided_by_province {
            chain.push((&guojia, Step::Approve, "经评审，同意立项。"));
        }
        for (who, step, comment) in chain {
            store.step_application(who, id, step, comment, submitted_on).await?;
        }
    }
    Ok(made)
}
