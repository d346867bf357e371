//! The demo world a newcomer can click through: the national office, three provinces with their
//! districts, ten units and two hundred professionals with valid ID numbers. Deterministic, so
//! the README and the tests can name what it contains; loaded once (a setting marks it).

use chrono::NaiveDate;
use jijiao_app::{Clock, SystemClock};
use jijiao_domain::authz::Role;
use jijiao_domain::id_number::compose;
use jijiao_domain::org::{InspectionResult, OrgKind, UnitType};
use jijiao_storage::{Actor, NewAccount, NewOrganisation, NewPerson, NewRole, OrgId, Store, StoreError};

pub const DEMO_SETTING: &str = "demo_world";
pub const PROFESSIONALS: usize = 200;

/// What was loaded, for the command's report.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub already_loaded: bool,
    pub organisations: usize,
    pub people: usize,
    pub accounts: usize,
    pub credit_records: usize,
    pub applications: usize,
    pub projects: usize,
    pub events: usize,
    /// Periods with an execution report (draft, submitted, returned or approved).
    pub reports: usize,
}

struct UnitSpec {
    name: &'static str,
    province: &'static str,
    /// The district office above it, if any (else the provincial office).
    district: Option<&'static str>,
    unit_type: UnitType,
    grassroots: bool,
    remote_qualified: bool,
    /// The area code for its staff's ID numbers.
    area: &'static str,
}

const PROVINCES: [(&str, &str); 3] = [("11", "北京市"), ("13", "河北省"), ("31", "上海市")];

const DISTRICTS: [(&str, &str); 4] = [
    ("11", "北京市东城区卫生健康委员会"),
    ("11", "北京市海淀区卫生健康委员会"),
    ("13", "石家庄市卫生健康委员会"),
    ("31", "上海市浦东新区卫生健康委员会"),
];

const UNITS: [UnitSpec; 10] = [
    UnitSpec {
        name: "北京协和医院",
        province: "11",
        district: Some("北京市东城区卫生健康委员会"),
        unit_type: UnitType::Hospital,
        grassroots: false,
        remote_qualified: false,
        area: "110101",
    },
    UnitSpec {
        name: "北京大学第三医院",
        province: "11",
        district: Some("北京市海淀区卫生健康委员会"),
        unit_type: UnitType::Hospital,
        grassroots: false,
        remote_qualified: false,
        area: "110108",
    },
    UnitSpec {
        name: "首都医科大学",
        province: "11",
        district: Some("北京市海淀区卫生健康委员会"),
        unit_type: UnitType::Teaching,
        grassroots: false,
        remote_qualified: false,
        area: "110108",
    },
    UnitSpec {
        name: "北京医学会",
        province: "11",
        district: None,
        unit_type: UnitType::Society,
        grassroots: false,
        remote_qualified: false,
        area: "110102",
    },
    UnitSpec {
        name: "东城区东花市社区卫生服务中心",
        province: "11",
        district: Some("北京市东城区卫生健康委员会"),
        unit_type: UnitType::Hospital,
        grassroots: true,
        remote_qualified: false,
        area: "110101",
    },
    UnitSpec {
        name: "北京继教远程教育中心",
        province: "11",
        district: None,
        unit_type: UnitType::RemoteProvider,
        grassroots: false,
        remote_qualified: true,
        area: "110105",
    },
    UnitSpec {
        name: "河北医科大学第二医院",
        province: "13",
        district: Some("石家庄市卫生健康委员会"),
        unit_type: UnitType::Hospital,
        grassroots: false,
        remote_qualified: false,
        area: "130102",
    },
    UnitSpec {
        name: "正定县新城铺镇卫生院",
        province: "13",
        district: Some("石家庄市卫生健康委员会"),
        unit_type: UnitType::Hospital,
        grassroots: true,
        remote_qualified: false,
        area: "130123",
    },
    UnitSpec {
        name: "复旦大学附属中山医院",
        province: "31",
        district: None,
        unit_type: UnitType::Hospital,
        grassroots: false,
        remote_qualified: false,
        area: "310104",
    },
    UnitSpec {
        name: "上海市浦东新区人民医院",
        province: "31",
        district: Some("上海市浦东新区卫生健康委员会"),
        unit_type: UnitType::Research,
        grassroots: false,
        remote_qualified: false,
        area: "310115",
    },
];

const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
const GIVEN: &str = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建国晓红梅琳雪飞宇浩然欣怡子轩思雨佳琪文博一鸣嘉懿俊熙睿泽瑶婷颖慧晨阳帆凯凯丹宁";
/// Names with characters outside GB2312, as real registers have; printed forms must show them.
const RARE_NAMES: [&str; 3] = ["王喆", "李堃", "刘䶮"];

const TITLES: [&str; 16] = [
    "主任医师",
    "副主任医师",
    "主治医师",
    "住院医师",
    "主任护师",
    "副主任护师",
    "主管护师",
    "护师",
    "主任药师",
    "主管药师",
    "主任技师",
    "主管技师",
    "教授",
    "副教授",
    "研究员",
    "医师",
];

/// A small deterministic generator (64-bit LCG): the demo must be the same on every machine.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, chars: &'a [char]) -> &'a char {
        &chars[self.below(chars.len())]
    }
}

fn office(kind: OrgKind, name: &str, province: Option<&str>, parent: Option<OrgId>) -> NewOrganisation {
    NewOrganisation {
        kind,
        name: name.to_string(),
        parent_id: parent,
        province_code: province.map(str::to_string),
        unit_type: None,
        grassroots: false,
        cme_qualified: false,
        remote_qualified: false,
        inspection: InspectionResult::Passed,
    }
}

/// The name of a person of the demo world (index from 0), the same on every machine.
pub fn person_name(index: usize, rng_state: &mut u64) -> String {
    if index < RARE_NAMES.len() {
        return RARE_NAMES[index].to_string();
    }
    let surnames: Vec<char> = SURNAMES.chars().collect();
    let given: Vec<char> = GIVEN.chars().collect();
    let mut rng = Lcg(*rng_state);
    let mut name = String::new();
    name.push(*rng.pick(&surnames));
    name.push(*rng.pick(&given));
    if rng.below(3) > 0 {
        name.push(*rng.pick(&given));
    }
    *rng_state = rng.0;
    name
}

/// Loads the demo world unless it is there already, dated by the system clock.
pub async fn load(store: &Store) -> Result<DemoSummary, StoreError> {
    load_at(store, &SystemClock).await
}

/// Loads the demo world dated by `clock`: this year's records, next year's open windows.
pub async fn load_at(store: &Store, clock: &dyn Clock) -> Result<DemoSummary, StoreError> {
    if store.setting(DEMO_SETTING).await?.is_some() {
        return Ok(DemoSummary { already_loaded: true, ..Default::default() });
    }
    let actor = Actor::system("演示数据");
    let mut summary = DemoSummary::default();
    let national = store
        .create_organisation(&actor, &office(OrgKind::National, "全国继续医学教育委员会办公室", None, None))
        .await?;
    let _ = national;
    summary.organisations += 1;
    let mut provincial = Vec::new();
    for (code, name) in PROVINCES {
        let id = store
            .create_organisation(
                &actor,
                &office(OrgKind::Provincial, &format!("{name}继续医学教育委员会"), Some(code), None),
            )
            .await?;
        provincial.push((code, id));
        summary.organisations += 1;
    }
    let province_office = |code: &str| provincial.iter().find(|(c, _)| *c == code).map(|(_, id)| *id);
    let mut districts = Vec::new();
    for (code, name) in DISTRICTS {
        let id = store
            .create_organisation(&actor, &office(OrgKind::District, name, Some(code), province_office(code)))
            .await?;
        districts.push((name, id));
        summary.organisations += 1;
    }
    let mut units = Vec::new();
    for spec in &UNITS {
        let parent = match spec.district {
            Some(d) => districts.iter().find(|(n, _)| *n == d).map(|(_, id)| *id),
            None => province_office(spec.province),
        };
        let id = store
            .create_organisation(
                &actor,
                &NewOrganisation {
                    unit_type: Some(spec.unit_type),
                    grassroots: spec.grassroots,
                    cme_qualified: true,
                    remote_qualified: spec.remote_qualified,
                    ..office(OrgKind::Unit, spec.name, Some(spec.province), parent)
                },
            )
            .await?;
        units.push((spec, id));
        summary.organisations += 1;
    }

    let mut rng = Lcg(20_250_101);
    let mut name_state = 7u64;
    let first_birth = NaiveDate::from_ymd_opt(1962, 1, 1).expect("valid date");
    for index in 0..PROFESSIONALS {
        let (spec, unit) = &units[index % units.len()];
        let birth = first_birth + chrono::Days::new(rng.next() % 13_000);
        let id_number = compose(spec.area, birth, (index * 7 % 1000) as u16);
        let title = TITLES[rng.below(TITLES.len())];
        let phone = format!("139{:08}", 10_000_000 + index * 37_117 % 89_999_999);
        store
            .create_person(
                &actor,
                &NewPerson {
                    name: person_name(index, &mut name_state),
                    id_number,
                    title: Some(title.to_string()),
                    employer_id: Some(*unit),
                    in_post: index % 25 != 24,
                    phone: Some(phone),
                },
            )
            .await?;
        summary.people += 1;
    }
    summary.accounts = create_accounts(store, &actor, &provincial, &districts, &units).await?;
    summary.credit_records = crate::demo_credits::load(store, &actor, clock.this_year()).await?;
    summary.applications = crate::demo_applications::load(store, &actor, clock.today()).await?;
    summary.projects = crate::demo_projects::load(store, &actor).await?;
    summary.events = crate::demo_events::load(store, &actor, clock.today()).await?;
    // Reports first: their approval issues certificates on the day it happened (two months ago for
    // the remote project's first cycle, a month ago for the others), and the signing key must
    // already be valid then: the earliest approval comes first.
    summary.reports = crate::demo_remote::load(store, clock.today()).await?;
    summary.reports += crate::demo_reports::load(store, &actor, clock.today()).await?;
    crate::demo_sign_ins::load(store, &actor, clock.today()).await?;
    crate::demo_certificates::load(store, &actor, clock).await?;
    store.set_setting(&actor, DEMO_SETTING, "2025").await?;
    Ok(summary)
}

/// The password of every demo account (listed in the README).
pub const DEMO_PASSWORD: &str = "demo2025";

/// One account per role, so a newcomer can click through every menu (listed in the README):
/// username, display name, role. An account of a person is shown by the person's name instead
/// (issue 18: the header said 卫生专业技术人员, a role, where a person expects their own name).
pub const DEMO_ACCOUNTS: [(&str, &str, &str); 9] = [
    ("guojia", "国家级管理员", "national_admin"),
    ("beijing", "北京市继教办管理员", "province_admin"),
    ("hebei", "河北省继教办管理员", "province_admin"),
    ("dongcheng", "东城区管理员", "district_admin"),
    ("duchayuan", "北京市督查员", "inspector"),
    ("xiehe", "北京协和医院继教管理员", "unit_admin"),
    ("fuzeren", "项目负责人（王喆）", "leader"),
    ("yisheng", "卫生专业技术人员", "professional"),
    ("daiqueren", "待确认的注册人员", "professional"),
];

async fn create_accounts(
    store: &Store,
    actor: &Actor,
    provincial: &[(&str, OrgId)],
    districts: &[(&str, OrgId)],
    units: &[(&UnitSpec, OrgId)],
) -> Result<usize, StoreError> {
    let hash = jijiao_app::passwords::hash(DEMO_PASSWORD.to_string())
        .await
        .map_err(|e| StoreError::Unsupported(e.to_string()))?;
    let office = |code: &str| provincial.iter().find(|(c, _)| *c == code).map(|(_, id)| *id);
    let district = |name: &str| districts.iter().find(|(n, _)| *n == name).map(|(_, id)| *id);
    let xiehe = units[0].1;
    // People of 北京协和医院: the first (王喆, 主任医师 or as generated) leads projects; the 11th and
    // 21st are a confirmed and a pending professional.
    let staff = store
        .people(
            &jijiao_storage::PersonFilter { employer_id: Some(xiehe), ..Default::default() },
            jijiao_storage::PageRequest::new(Some(1), Some(3)),
        )
        .await?
        .items;
    let mut count = 0;
    for (username, display, role) in DEMO_ACCOUNTS {
        let role = Role::from_code(role).expect("demo roles are valid");
        let (org_id, province_code, person, roles_extra) = match (username, role) {
            (_, Role::NationalAdmin) => (None, None, None, vec![]),
            ("beijing", _) => (office("11"), None, None, vec![]),
            ("hebei", _) => (office("13"), None, None, vec![]),
            ("dongcheng", _) => (district("北京市东城区卫生健康委员会"), None, None, vec![]),
            ("duchayuan", _) => (None, Some("11".to_string()), None, vec![]),
            ("xiehe", _) => (Some(xiehe), None, None, vec![]),
            ("fuzeren", _) => (None, None, staff.first().map(|p| p.id), vec![Role::Professional]),
            ("yisheng", _) => (None, None, staff.get(1).map(|p| p.id), vec![]),
            _ => (None, None, staff.get(2).map(|p| p.id), vec![]),
        };
        let roles: Vec<NewRole> = std::iter::once(role)
            .chain(roles_extra)
            .map(|role| NewRole { role, org_id, province_code: province_code.clone() })
            .collect();
        let account = NewAccount {
            username: username.to_string(),
            display_name: match person.and_then(|id| staff.iter().find(|p| p.id == id)) {
                Some(p) => p.name.clone(),
                None => display.to_string(),
            },
            password_hash: hash.clone(),
            person_id: person,
            confirmed: username != "daiqueren",
            must_change_password: false,
        };
        store.create_account(actor, &account, &roles).await?;
        count += 1;
    }
    Ok(count)
}
