//! Measures reading decompression bombs three at once, as three uploads would arrive at the
//! server together, and reading honest files at the size limits, to show the bounds in
//! `package.rs` refuse the first early and cheaply and accept the second.
//!
//! Run (peak memory is the process's high-water mark, printed at the end; `/usr/bin/time -v`
//! agrees):
//! - `cargo run -p jijiao-documents --example bomb -- bombs`: three bombs, each a few MB
//!   inflating to gigabytes, read on three threads at once.
//! - `cargo run -p jijiao-documents --example bomb -- write 14482 list.xlsx`: writes a national
//!   project list of that many rows (xlsx, or UTF-8 CSV for a `.csv` name; 270,000 rows of CSV
//!   is a 50 MB upload), and says how much the xlsx inflates.
//! - `cargo run -p jijiao-documents --example bomb -- read list.xlsx`: reads it as an upload
//!   would be read, in a process of its own so the peak is the reading's.

#[path = "../tests/support/bomb.rs"]
mod bomb;

use std::io::{Cursor, Read};
use std::time::Instant;

use jijiao_documents::{Cell, CellOut, Sheet, read_table, write_csv_utf8, write_xlsx};

const HEAD: &[u8] = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
const TAIL: &[u8] = b"</sheetData></worksheet>";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or_default();
    match arg(0) {
        "bombs" => bombs(),
        "write" => write(arg(1).parse().expect("ROWS"), arg(2)),
        "read" => read(arg(1)),
        _ => eprintln!("usage: bomb bombs | bomb write ROWS PATH | bomb read PATH"),
    }
    println!("peak memory of the process: {} MB", peak_kb() / 1024);
}

fn bombs() {
    let kinds: [(&str, Vec<u8>, u64); 3] = [
        ("3 GiB of zeros", bomb::xlsx(HEAD, &[0; 1024], TAIL, 3 << 30), 3 << 30),
        (
            "1 GiB of well-formed rows",
            bomb::xlsx(HEAD, br#"<row><c t="n"><v>1</v></c><c t="n"><v>2</v></c></row>"#, TAIL, 1 << 30),
            1 << 30,
        ),
        ("2 GiB in one inline string", bomb::xlsx(HEAD, b"<row><c t=\"inlineStr\"><is><t>", b"", 2 << 30), 2 << 30),
    ];
    println!("built, peak so far {} MB", peak_kb() / 1024);
    std::thread::scope(|scope| {
        for (name, bytes, inflated) in &kinds {
            scope.spawn(move || {
                let start = Instant::now();
                let result = read_table(bytes, "bomb.xlsx");
                println!(
                    "{name}: {:.1} MB package inflating to {} MB, refused in {:.2} s: {:?}\n  message: {}",
                    bytes.len() as f64 / 1e6,
                    inflated >> 20,
                    start.elapsed().as_secs_f64(),
                    result.as_ref().err(),
                    result.as_ref().map_or_else(ToString::to_string, |_| "READ (not refused!)".into()),
                );
            });
        }
    });
}

fn write(rows: usize, path: &str) {
    let sheet = national_list(rows);
    let bytes = if path.ends_with(".csv") {
        write_csv_utf8(&sheet.headers, &sheet.rows)
    } else {
        write_xlsx(std::slice::from_ref(&sheet)).unwrap()
    };
    std::fs::write(path, &bytes).unwrap();
    print!("{rows} rows: {:.1} MB", bytes.len() as f64 / 1e6);
    if let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(&bytes[..])) {
        let mut inflated = 0u64;
        for i in 0..zip.len() {
            inflated += std::io::copy(&mut zip.by_index(i).unwrap().take(u64::MAX), &mut std::io::sink()).unwrap();
        }
        print!(", inflating to {:.1} MB ({:.1} times)", inflated as f64 / 1e6, inflated as f64 / bytes.len() as f64);
    }
    println!();
}

fn read(path: &str) {
    let bytes = std::fs::read(path).unwrap();
    let before = peak_kb();
    let start = Instant::now();
    match read_table(&bytes, path) {
        Ok(table) => {
            let cells: usize = table.rows.iter().map(|r| r.cells.iter().filter(|c| **c != Cell::Empty).count()).sum();
            println!(
                "read {} rows, {cells} cells in {:.2} s (memory before reading: {} MB)",
                table.rows.len(),
                start.elapsed().as_secs_f64(),
                before / 1024
            );
        }
        Err(e) => println!("refused in {:.2} s: {e:?}", start.elapsed().as_secs_f64()),
    }
}

/// The shape of a national project list (as `bench_sheets` writes it), with varied text.
fn national_list(rows: usize) -> Sheet {
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
    let rows = (0..rows)
        .map(|i| {
            vec![
                CellOut::Text(format!("2024-{:02}-{:02}-{:03}", i % 24 + 1, i % 9 + 1, i % 1000)),
                CellOut::Text(format!("{}学习班（第{}期）", topics[i % 4], i % 12 + 1)),
                CellOut::Text(units[i % 5].to_owned()),
                CellOut::Text(["张三", "李四", "王喆", "欧阳修"][i % 4].to_owned()),
                CellOut::Text(format!("138{i:08}")),
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
    Sheet { name: "名单".into(), headers: headers.map(String::from).to_vec(), rows, column_widths: None }
}

/// The process's peak resident memory (VmHWM), in KB.
fn peak_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
