//! Times the spreadsheet path at the size of a national project list (the 2024 first batch had
//! 14,482 projects): writing 20,000 rows × 11 columns with `write_xlsx`, then reading the file
//! back with calamine alone and with `read_table`.
//!
//! Run: `cargo run --release -p jijiao-documents --example bench_sheets`

use std::hint::black_box;
use std::io::Cursor;
use std::time::{Duration, Instant};

use calamine::{Reader, Xlsx};
use jijiao_documents::{CellOut, Sheet, read_table, write_xlsx};

const ROWS: usize = 20_000;
const RUNS: usize = 5;

fn national_list() -> Sheet {
    let headers = [
        "项目编号",
        "项目名称",
        "申办单位",
        "项目负责人",
        "负责人电话",
        "举办期限",
        "举办地点",
        "学分",
        "教学对象",
        "拟招生人数",
        "备注",
    ];
    let units =
        ["中山大学附属第一医院", "北京协和医院", "四川大学华西医院", "郑州大学第一附属医院", "复旦大学附属中山医院"];
    let topics = ["心血管疾病诊治新进展", "超声医学新技术", "妇科肿瘤规范化诊疗", "重症医学"];
    let rows = (0..ROWS)
        .map(|i| {
            vec![
                CellOut::Text(format!("2024-{:02}-{:02}-{:03}", i % 24 + 1, i % 9 + 1, i % 1000)),
                CellOut::Text(format!("{}学习班（第{}期）", topics[i % 4], i % 12 + 1)),
                CellOut::Text(units[i % 5].to_owned()),
                CellOut::Text(["张三", "李四", "王喆", "欧阳修"][i % 4].to_owned()),
                CellOut::Text(format!("138{:08}", i)),
                CellOut::Text(format!(
                    "2024-{:02}-{:02}至2024-{:02}-{:02} 3天",
                    i % 12 + 1,
                    i % 28 + 1,
                    i % 12 + 1,
                    i % 28 + 1
                )),
                CellOut::Text(["广州", "北京", "成都", "郑州", "上海"][i % 5].to_owned()),
                CellOut::Tenths((i % 100) as i64 + 5),
                CellOut::Text("各级医院相关专业医师".to_owned()),
                CellOut::Integer((i % 500) as i64 + 50),
                if i % 7 == 0 { CellOut::Text("备案项目".to_owned()) } else { CellOut::Empty },
            ]
        })
        .collect();
    Sheet { name: "2024年第一批".into(), headers: headers.map(String::from).to_vec(), rows, column_widths: None }
}

/// Best of `RUNS`: the least disturbed run on a shared machine.
fn best<T>(mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        let out = black_box(f());
        best = best.min(start.elapsed());
        last = Some(out);
    }
    (best, last.expect("RUNS > 0"))
}

fn main() {
    let sheet = national_list();
    let sheets = [sheet];

    let (write, bytes) = best(|| write_xlsx(&sheets).expect("write"));

    let (calamine_only, cells) = best(|| {
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(&bytes[..])).expect("open");
        let range = book.worksheet_range("2024年第一批").expect("sheet");
        range.get_size()
    });
    assert_eq!(cells, (ROWS + 1, 11));

    let (ours, table) = best(|| read_table(&bytes, "list.xlsx").expect("read"));
    assert_eq!(table.rows.len(), ROWS);
    assert_eq!(table.headers.len(), 11);

    println!("{ROWS} rows × 11 columns, xlsx {} KB (best of {RUNS})", bytes.len() / 1024);
    println!("write_xlsx:           {:>7.1} ms", ms(write));
    println!("calamine (range):     {:>7.1} ms", ms(calamine_only));
    println!("read_table:           {:>7.1} ms", ms(ours));
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
