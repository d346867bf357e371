//! A generated national list of published projects in the real columns (the shape of the 2024
//! batches), shared by the catalogue benchmarks and by those that compare their rates with the
//! catalogue's in the same run.

use jijiao_documents::{CellOut, Sheet, write_xlsx};
use jijiao_domain::Year;
use jijiao_domain::org::Level;
use jijiao_storage::Store;
use jijiao_storage::projects::NewBatch;

const TOPICS: [(&str, &str); 12] = [
    ("肿瘤放射治疗", "03-05"),
    ("心力衰竭", "03-01"),
    ("糖尿病综合管理", "03-04"),
    ("儿童哮喘", "06-01"),
    ("超声诊断新技术", "09-01"),
    ("急诊创伤救治", "10-01"),
    ("护理安全管理", "14-01"),
    ("康复治疗技术", "16-01"),
    ("麻醉安全与质量", "18-01"),
    ("重症医学", "19-01"),
    ("医院感染防控", "22-01"),
    ("乳腺肿瘤综合治疗", "04-08"),
];
const FORMS: [&str; 5] = ["规范化诊疗学习班", "新进展研讨会", "适宜技术推广培训班", "高级研修班", "学术年会"];

/// A published list of `rows` projects of `year`, in the real columns, as xlsx bytes.
pub fn list(rows: usize, year: Year) -> Vec<u8> {
    let mut serials = std::collections::HashMap::new();
    let data: Vec<Vec<CellOut>> = (0..rows)
        .map(|i| {
            let (topic, subject) = TOPICS[i % TOPICS.len()];
            let serial: &mut u32 = serials.entry(subject).or_default();
            *serial += 1;
            let day = 1 + (i % 27);
            let month = 1 + (i / 27) % 12;
            let t = |s: String| CellOut::Text(s);
            vec![
                t(format!("{year}-{subject}-{serial:03}（国）")),
                t(format!("{topic}{}（第{i}期）", FORMS[(i / TOPICS.len()) % FORMS.len()])),
                t(format!("第{}人民医院", i % 3000)),
                t(["王建国", "李秀英", "张伟", "刘洋"][i % 4].into()),
                t(format!("139{:08}", i)),
                t(format!("{year}-{month:02}-{day:02}-{year}-{month:02}-{:02}\n2天", day + 1)),
                t(["北京", "上海", "广州", "成都"][i % 4].into()),
                t(format!("{}分", 5 + i % 6)),
                t("临床医师".into()),
                t(format!("{}/…", 100 + i % 200)),
                t(String::new()),
            ]
        })
        .collect();
    let sheet = Sheet {
        name: "名单".into(),
        headers: jijiao_app::projects::LIST_COLUMNS.iter().map(|h| h.to_string()).collect(),
        rows: data,
        column_widths: None,
    };
    write_xlsx(&[sheet]).expect("xlsx")
}

/// Publishes `rows` generated projects of `year` as national batch 1, through the same parsing and
/// storing as an office's import; returns their numbers.
pub async fn publish(store: &Store, rows: usize, year: Year) -> anyhow::Result<Vec<String>> {
    let bytes = list(rows, year);
    let units = store.unit_directory().await?;
    let projects = jijiao_app::projects::parse_list(&bytes, "list.xlsx", year, &units, |_, _| {})
        .map_err(|e| anyhow::anyhow!("the generated list does not parse: {e:?}"))?;
    let batch = NewBatch {
        level: Level::National,
        province_code: None,
        year,
        batch: 1,
        notice: String::new(),
        notice_date: None,
    };
    store.import_projects(&jijiao_storage::Actor::system("bench"), &batch, &projects).await?;
    Ok(projects.iter().filter_map(|p| p.number.clone()).collect())
}
