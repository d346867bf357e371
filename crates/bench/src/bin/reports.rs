//! The execution reports' benchmarks (issue 16, BENCHMARKS.md): on a fresh database with one
//! published project of 北京, its period filed, and N professionals of its unit, `roster` times the
//! import of an N-learner roster from xlsx (read, checked row by row, matched by ID number, stored;
//! target under 1 s for 1,000) beside its floor, reading the same file with the spreadsheet library
//! alone; `approve` times the approval of the period's submitted report (the score, N credit records
//! and their N certificates; target under 2 s for 1,000) beside its floor, the bulk insert of the
//! same N records alone.
//!
//! A program whose output is the figures, never a timed test. Quick smoke run:
//! `cargo run --release -p jijiao-bench --bin reports -- --learners 50`.

use std::time::Instant;

use chrono::NaiveDate;
use clap::Parser;
use jijiao_app::{Acting, App, FixedClock};
use jijiao_documents::{CellOut, Sheet};
use jijiao_domain::authz::{Grant, Role};
use jijiao_domain::events::filing::{Contact, Filing, Form, Session, Venue};
use jijiao_domain::events::report::Report;
use jijiao_domain::org::{Delivery, Level};
use jijiao_domain::publication::ProjectKind;
use jijiao_domain::{Credits, Hours, Year};
use jijiao_storage::events::NewFiling;
use jijiao_storage::projects::{NewBatch, NewProject, ProjectPeriod};
use jijiao_storage::reports::PeriodKey;
use jijiao_storage::testing::hospital;
use jijiao_storage::{Actor, DatabaseTarget, NewAccount, NewPerson, NewRole, Store, Vault};

#[derive(Parser)]
#[command(name = "reports", about = "Benchmarks of rosters and the approval of execution reports")]
struct Args {
    /// Learners on the period's roster.
    #[arg(long, default_value_t = 1000)]
    learners: u64,
    /// PostgreSQL URL of an empty database; a temporary SQLite file otherwise.
    #[arg(long)]
    postgres: Option<String>,
}

const NUMBER: &str = "2026-03-07-012（国）";

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).expect("a date")
}

fn filing() -> Filing {
    let schedule = (10..=12)
        .flat_map(|d| {
            [("09:00", "12:00"), ("14:00", "17:00")].map(|(from, to)| Session {
                date: day(5, d),
                from: from.into(),
                to: to.into(),
                topic: "专题讲座".into(),
                teacher: "张三".into(),
                teacher_unit: "基准医院".into(),
                teacher_title: "主任医师".into(),
                hours: Hours::whole(3),
            })
        })
        .collect();
    Filing {
        start: day(5, 10),
        end: day(5, 12),
        venue: Venue {
            province: "北京市".into(), city: "北京市".into(), address: "东城区".into(), scenic_area: false
        },
        form: Form::Offline,
        planned_enrollment: 1000,
        fee: 0,
        contact: Contact { name: "刘老师".into(), phone: "13912345678".into() },
        schedule,
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let target = match &args.postgres {
        Some(url) => DatabaseTarget::Postgres(url.clone()),
        None => DatabaseTarget::SqliteFile(dir.path().join("bench.sqlite3")),
    };
    let store = Store::open(&target, Vault::from_master_key(&[7; 32])).await?;
    let actor = Actor::system("基准测试");
    let unit = store.create_organisation(&actor, &hospital("基准医院", "11")).await?;

    // The unit's professionals, and the roster naming them.
    let people: Vec<NewPerson> = (0..args.learners)
        .map(|n| NewPerson {
            name: format!("学员{n}"),
            id_number: jijiao_domain::id_number::compose(
                "110101",
                day(1, 1) - chrono::Days::new(20_000) + chrono::Days::new(n),
                (n % 900) as u16 + 1,
            ),
            title: Some("主治医师".into()),
            employer_id: Some(unit),
            in_post: true,
            phone: None,
        })
        .collect();
    let ids = store.bulk_create_people(&actor, &people).await?;
    let t = |s: &str| CellOut::Text(s.into());
    let rows = people
        .iter()
        .map(|p| {
            vec![
                t(&p.name),
                t(p.id_number.as_str()),
                t("基准医院"),
                t("北京市"),
                t("主治医师"),
                t("13800000000"),
                CellOut::Tenths(180),
                t("合格"),
                CellOut::Empty,
            ]
        })
        .collect();
    let headers = ["姓名", "身份证号", "工作单位", "所在省份", "职称", "手机", "考勤学时", "考核结果", "授课学时"];
    let sheet =
        Sheet { name: "学员名单".into(), headers: headers.map(str::to_string).to_vec(), rows, column_widths: None };
    let xlsx = jijiao_documents::write_xlsx(&[sheet])?;

    // One published project, its period filed on time.
    let batch = NewBatch {
        level: Level::National,
        province_code: None,
        year: Year::try_from(2026)?,
        batch: 1,
        notice: String::new(),
        notice_date: None,
    };
    let project = NewProject {
        number: Some(NUMBER.into()),
        application_id: None,
        name: "心力衰竭规范化诊疗学习班".into(),
        unit_name: "基准医院".into(),
        unit_id: Some(unit.0),
        province_code: Some("11".into()),
        leader_name: "张三".into(),
        leader_phone: None,
        subject_tertiary: "03-07".into(),
        kind: ProjectKind::Recommended,
        delivery: Delivery::FaceToFace,
        credits: Credits::whole(6),
        hours: Some(Hours::whole(18)),
        periods: vec![ProjectPeriod { start: day(5, 10), end: day(5, 12), place: "北京".into() }],
        audience: String::new(),
        planned_enrollment: 1000,
        enrollment_note: String::new(),
        remarks: String::new(),
    };
    store.import_projects(&actor, &batch, &[project]).await?;
    let stored = store.project_by_number(NUMBER).await?;
    let filed = filing();
    store
        .file_period(
            &actor,
            &NewFiling {
                project_id: stored.id,
                project_number: NUMBER,
                unit_id: Some(unit.0),
                unit_province: Some("11"),
                period: 1,
                filing: &filed,
                at: 0,
                on: day(4, 20),
                notice: None,
            },
        )
        .await?;
    let app = App::new(store.clone()).with_clock(FixedClock::on(day(5, 20)));

    // The roster: the spreadsheet library alone, then the whole import.
    let started = Instant::now();
    let table = jijiao_documents::read_table(&xlsx, "roster.xlsx")?;
    let floor = started.elapsed();
    anyhow::ensure!(table.rows.len() as u64 == args.learners, "the library read {} rows", table.rows.len());
    let started = Instant::now();
    let imported =
        jijiao_app::reports::import_roster_as_operator(&app, &actor, NUMBER, 1, &xlsx, "roster.xlsx", false).await?;
    let elapsed = started.elapsed();
    anyhow::ensure!(u64::from(imported.learners) == args.learners, "imported {} learners", imported.learners);
    println!(
        "roster: {} learners from xlsx ({} KB) in {:.3} s; floor (read_table alone) {:.3} s; ratio {:.1}",
        imported.learners,
        xlsx.len() / 1024,
        elapsed.as_secs_f64(),
        floor.as_secs_f64(),
        elapsed.as_secs_f64() / floor.as_secs_f64()
    );

    // The report, submitted; then the approval as the province's office.
    let key = PeriodKey {
        project_id: stored.id,
        project_number: NUMBER.into(),
        period: 1,
        unit_id: Some(unit.0),
        unit_province: Some("11".into()),
    };
    let report: Report = serde_json::from_value(serde_json::json!({
        "form": "offline", "teaching": [ { "topic": "专题讲座", "teacher": "张三" } ],
        "effect_analysis": "良好", "problems": "无",
        "survey": { "q1": [1, 0, 0], "q2": [1, 0, 0], "q3": [1, 0, 0], "q4": [1, 0, 0], "q5": [1, 0, 0],
                    "q6": [1, 0, 0], "q7": [1, 1, 0, 0, 0] }
    }))?;
    store.save_report(&actor, &key, &report, 0).await?;
    store.submit_report(&actor, &key, day(5, 15), 0).await?;
    let account = store
        .create_account(
            &actor,
            &NewAccount {
                username: "beijing".into(),
                display_name: "北京市继教办".into(),
                password_hash: "x".into(),
                // Any person: the account's grants below are what approval reads.
                person_id: ids.first().copied(),
                confirmed: true,
                must_change_password: false,
            },
            &[NewRole { role: Role::Professional, org_id: None, province_code: None }],
        )
        .await?;
    let office = Acting {
        account: store.account(account).await?,
        grants: vec![Grant {
            role: Role::ProvinceAdmin,
            province: Some("11".into()),
            district: None,
            unit: None,
            person: None,
        }],
        ip: None,
    };
    let started = Instant::now();
    let approved = jijiao_app::reports::approve_report(&app, &office, NUMBER, 1).await?;
    let elapsed = started.elapsed();
    anyhow::ensure!(approved.certificates as u64 == args.learners, "{} certificates", approved.certificates);

    // The floor: the same records inserted in bulk, alone (into a second period's name, uncertified).
    let roster = store.roster(stored.id, 1).await?;
    let event = jijiao_app::events::operator_event(&app, NUMBER, 1).await?;
    let records = jijiao_app::reports::grants(&event, Some(&filed), &roster);
    let started = Instant::now();
    store.bulk_record_credits(&actor, &records).await?;
    let floor = started.elapsed();
    println!(
        "approve: score {} + {} credit records + {} certificates in {:.3} s; floor (bulk insert of the records alone) {:.3} s; ratio {:.1}",
        approved.score,
        approved.credits_granted,
        approved.certificates,
        elapsed.as_secs_f64(),
        floor.as_secs_f64(),
        elapsed.as_secs_f64() / floor.as_secs_f64()
    );
    store.close().await;
    Ok(())
}
