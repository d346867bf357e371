//! The demo world's published projects: a national batch of 2025 (全继委办发〔2025〕3号) with a few
//! hundred generated projects, and a small 北京市 provincial batch, so the catalogue is worth
//! clicking. Names, subjects and units are combined deterministically from realistic parts.

use chrono::{Days, NaiveDate};
use jijiao_domain::org::{Delivery, Level};
use jijiao_domain::publication::{self, ProjectKind};
use jijiao_domain::{Credits, Hours, Year};
use jijiao_storage::projects::{NewBatch, NewProject, ProjectPeriod};
use jijiao_storage::{Actor, Store, StoreError};
use std::collections::HashMap;

/// Topic, third-level subject, audience.
const TOPICS: [(&str, &str, &str); 24] = [
    ("肿瘤放射治疗", "03-05", "肿瘤科、放疗科医师"),
    ("肺癌早期筛查", "03-05", "呼吸科、肿瘤科医师"),
    ("乳腺肿瘤综合治疗", "04-08", "乳腺外科医师"),
    ("心力衰竭", "03-01", "心血管内科医师"),
    ("冠心病介入诊疗", "03-01", "心血管内科医师"),
    ("高血压基层管理", "17-01", "基层医生、全科医生"),
    ("糖尿病综合管理", "03-04", "内分泌科医师"),
    ("慢性阻塞性肺疾病", "03-02", "呼吸科医师"),
    ("感染性疾病诊治", "03-07", "感染科医师"),
    ("儿童哮喘", "06-01", "儿科医师"),
    ("新生儿复苏", "06-01", "儿科、产科医护人员"),
    ("产科急危重症", "05-01", "产科医师、助产士"),
    ("超声诊断新技术", "09-01", "超声科医师"),
    ("医学影像人工智能", "09-01", "放射科医师"),
    ("急诊创伤救治", "10-01", "急诊科医护人员"),
    ("心肺复苏", "10-01", "全体医护人员"),
    ("临床检验质量控制", "11-01", "检验科技师"),
    ("合理用药", "13-01", "临床药师"),
    ("护理安全管理", "14-01", "护理人员"),
    ("康复治疗技术", "16-01", "康复治疗师"),
    ("麻醉安全与质量", "18-01", "麻醉科医师"),
    ("重症医学", "19-01", "ICU医护人员"),
    ("医院感染防控", "22-01", "感控专职人员"),
    ("医患沟通与医学伦理", "24-01", "临床医务人员"),
];

const FORMS: [&str; 6] =
    ["规范化诊疗学习班", "新进展研讨会", "适宜技术推广培训班", "多学科诊疗高级研修班", "临床实践技能培训", "学术年会"];

const LEADERS: [&str; 16] = [
    "王建国",
    "李秀英",
    "张伟",
    "刘洋",
    "陈静",
    "杨帆",
    "赵敏",
    "黄磊",
    "周丽",
    "吴刚",
    "徐婷",
    "孙浩",
    "马骏",
    "朱琳",
    "胡斌",
    "郭娜",
];

/// Units that are not in the demo directory (lists name many units the system does not hold).
const OTHER_UNITS: [(&str, &str); 6] = [
    ("中国医学科学院肿瘤医院", "11"),
    ("复旦大学附属中山医院", "31"),
    ("四川大学华西医院", "51"),
    ("中山大学附属第一医院", "44"),
    ("华中科技大学同济医学院附属同济医院", "42"),
    ("浙江大学医学院附属第一医院", "33"),
];

const PLACES: [&str; 8] = ["北京", "上海", "广州", "成都", "武汉", "杭州", "石家庄", "远程（网络）"];

fn project(i: usize, units: &[(String, Option<i64>, Option<String>)], year: Year) -> NewProject {
    let (topic, subject, audience) = TOPICS[i % TOPICS.len()];
    let form = FORMS[(i / TOPICS.len()) % FORMS.len()];
    let (unit, unit_id, province) = units[(i * 7) % units.len()].clone();
    let start = NaiveDate::from_ymd_opt(i32::from(year), 3, 1).unwrap() + Days::new(((i * 13) % 270) as u64);
    let days = 1 + (i % 4) as u64;
    let place = PLACES[(i * 5) % PLACES.len()];
    let remote = place.starts_with("远程");
    let mut periods = vec![ProjectPeriod { start, end: start + Days::new(days - 1), place: place.into() }];
    if i.is_multiple_of(9) {
        let again = start + Days::new(60);
        periods.push(ProjectPeriod { start: again, end: again + Days::new(days - 1), place: place.into() });
    }
    NewProject {
        number: None,
        application_id: None,
        name: format!("{topic}{form}"),
        unit_name: unit,
        unit_id,
        province_code: province,
        leader_name: LEADERS[(i * 3) % LEADERS.len()].into(),
        leader_phone: Some(format!("139{:08}", 10_000_000 + i * 7919 % 89_999_999)),
        subject_tertiary: subject.into(),
        kind: match i % 20 {
            0 => ProjectKind::Base,
            1 | 2 => ProjectKind::Promoted,
            _ => ProjectKind::Recommended,
        },
        delivery: if remote { Delivery::Remote } else { Delivery::FaceToFace },
        credits: Credits::from_tenths([50, 60, 80, 100][i % 4]),
        hours: Some(Hours::from_tenths([150, 180, 240, 300][i % 4])),
        periods,
        audience: audience.into(),
        planned_enrollment: [80, 100, 150, 200, 300][i % 5],
        enrollment_note: String::new(),
        remarks: String::new(),
    }
}

/// Numbers a list the way publication would (sequence per subject), for the import.
fn numbered(mut projects: Vec<NewProject>, year: Year, mark: &str) -> Vec<NewProject> {
    let mut serials: HashMap<String, u32> = HashMap::new();
    projects.sort_by(|a, b| a.subject_tertiary.cmp(&b.subject_tertiary));
    for p in &mut projects {
        let serial = serials.entry(p.subject_tertiary.clone()).or_default();
        *serial += 1;
        p.number =
            Some(publication::format_pattern("YYYY-SS-TT-NNN（{简称}）", year, &p.subject_tertiary, *serial, mark));
    }
    projects
}

/// Loads this part of the demo world; returns how many records it made.
pub async fn load(store: &Store, actor: &Actor) -> Result<usize, StoreError> {
    let directory = store.unit_directory().await?;
    let mut units: Vec<(String, Option<i64>, Option<String>)> =
        directory.into_iter().map(|(name, (id, province))| (name, Some(id), province)).collect();
    units.sort();
    units.extend(OTHER_UNITS.iter().map(|(n, p)| (n.to_string(), None, Some(p.to_string()))));
    let year = Year::try_from(2025_u16).expect("2025 is a year");
    let national: Vec<NewProject> = (0..360).map(|i| project(i, &units, year)).collect();
    let batch = NewBatch {
        level: Level::National,
        province_code: None,
        year,
        batch: 1,
        notice: "全继委办发〔2025〕3号".into(),
        notice_date: NaiveDate::from_ymd_opt(2025, 1, 10),
    };
    let national = store.import_projects(actor, &batch, &numbered(national, year, "国")).await?.projects;
    let beijing_units: Vec<_> = units.iter().filter(|u| u.2.as_deref() == Some("11")).cloned().collect();
    let provincial: Vec<NewProject> = (0..40).map(|i| project(i + 1000, &beijing_units, year)).collect();
    let batch = NewBatch {
        level: Level::Provincial,
        province_code: Some("11".into()),
        year,
        batch: 1,
        notice: "京继委办发〔2025〕2号".into(),
        notice_date: NaiveDate::from_ymd_opt(2025, 2, 1),
    };
    let provincial = store.import_projects(actor, &batch, &numbered(provincial, year, "京")).await?.projects;
    Ok(national + provincial)
}
