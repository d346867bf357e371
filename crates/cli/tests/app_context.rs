//! The application context on every backend: the clock the operations read "today" from is the one
//! the server was given, the credit rule settings come from the configuration (`JIJIAO_RULES_FILE`)
//! into the credits engine, and a person without a province is an error, never 北京市.

use crate::common;

use axum::http::StatusCode;
use chrono::NaiveDate;
use common::World;
use jijiao::config::Config;
use jijiao_app::credits::{self, YearView};
use jijiao_app::{Acting, App, AppError, FixedClock};
use jijiao_domain::authz::credits::CreditAction;
use jijiao_domain::credits::learning_record::{RecordFacts, RecordSource};
use jijiao_domain::credits::{ActivityKind, Role};
use jijiao_domain::org::{Delivery, Level};
use jijiao_domain::{Credits, Hours};
use jijiao_storage::credit_records::NewCreditRecord;
use jijiao_storage::testing::TestDatabase;
use jijiao_storage::{Actor, NewPerson, PageRequest, PersonFilter, PersonId, Store};

/// The demo world served by an application of the test's making.
async fn world_with(db: TestDatabase, app: impl FnOnce(Store) -> App) -> World {
    let store = db.open().await;
    jijiao::demo::load(&store).await.unwrap();
    let settings = jijiao_web::WebSettings { secure_cookies: false, ..Default::default() };
    let router = jijiao_web::router(jijiao_web::AppState::with_app(app(store.clone()), settings));
    World { store, app: router, db }
}

async fn acting(store: &Store, username: &str) -> Acting {
    let account = store.account_by_username(username).await.unwrap();
    let grants = store.grants_of(&account).await.unwrap();
    Acting { account, grants, ip: None }
}

async fn year_of(
    app: &App,
    who: &Acting,
    person: PersonId,
    year: Option<jijiao_domain::Year>,
) -> Result<YearView, AppError> {
    let subject = credits::person_for(app, who, person, CreditAction::ReadRecord).await?;
    credits::year_view(app, &subject, year).await
}

#[tokio::test]
async fn this_year_and_today_come_from_the_injected_clock() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let day = NaiveDate::from_ymd_opt(2031, 6, 1).unwrap();
        let w = world_with(db, |store| App::new(store).with_clock(FixedClock::on(day))).await;
        let app = App::new(w.store.clone()).with_clock(FixedClock::on(day));
        let guojia = acting(&w.store, "guojia").await;
        let yisheng = w.store.account_by_username("yisheng").await.unwrap().person_id.unwrap();
        // The learning record opens on the clock's year, which the demo (dated by the system) lacks.
        let v = year_of(&app, &guojia, yisheng, None).await.unwrap();
        assert_eq!((v.year.get(), v.years[0].get()), (2031, 2031), "{backend}");
        // Through the server: the router's application carries the same clock.
        let me = w.signed_in("yisheng").await;
        let reply = w.get(&me, "/api/v1/me/credits").await;
        assert_eq!(reply.status, StatusCode::OK, "{backend}: {}", reply.body);
        assert_eq!(reply.json()["year"], 2031, "{backend}");
        // The applications' coming year and whether a window is open today follow it too: the demo
        // opened next year's window around the system's today, which is not 2031-06-01.
        assert_eq!(jijiao_app::applications::coming_year(&app).get(), 2032, "{backend}");
        let windows = jijiao_app::applications::windows(&app).await.unwrap();
        assert!(!windows.is_empty() && windows.iter().all(|w| !w.open_now), "{backend}: {windows:?}");
        let now = App::new(w.store.clone());
        assert!(jijiao_app::applications::windows(&now).await.unwrap().iter().any(|w| w.open_now), "{backend}");
    }
}

#[tokio::test]
async fn a_person_without_a_province_is_an_error_not_beijing() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = world_with(db, App::new).await;
        let app = App::new(w.store.clone());
        // Registered without an employer, so no province is known for them.
        let born = NaiveDate::from_ymd_opt(1985, 3, 1).unwrap();
        let new = NewPerson {
            name: "无单位".into(),
            id_number: jijiao_domain::id_number::compose("110101", born, 321),
            title: None,
            employer_id: None,
            in_post: true,
            phone: None,
        };
        let person = w.store.create_person(&Actor::system("测试"), &new).await.unwrap();
        let guojia = acting(&w.store, "guojia").await;
        match year_of(&app, &guojia, person, None).await {
            Err(AppError::Conflict(message)) => assert!(message.contains("无单位") && message.contains("省份")),
            other => panic!("{backend}: {:?}", other.map(|v| v.total)),
        }
        let client = w.signed_in("guojia").await;
        let reply = w.get(&client, &format!("/api/v1/people/{}/credits", person.0)).await;
        assert_eq!(reply.status, StatusCode::CONFLICT, "{backend}: {}", reply.body);
        assert!(reply.json()["message"].as_str().unwrap().contains("无单位"), "{backend}: {}", reply.body);
        // The national compliance report covers them too, and says whom it cannot compute.
        let report = w.get(&client, "/api/v1/credits/compliance").await;
        assert_eq!(report.status, StatusCode::CONFLICT, "{backend}: {}", report.body);
        // A province's report does not include them, and still works.
        let beijing = w.get(&client, "/api/v1/credits/compliance?province=11").await;
        assert_eq!(beijing.status, StatusCode::OK, "{backend}: {}", beijing.body);
    }
}

#[tokio::test]
async fn rule_settings_from_the_configuration_reach_the_credits_engine() {
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let dir = tempfile::tempdir().unwrap();
        let rules = dir.path().join("rules.json");
        std::fs::write(&rules, r#"{ "grassroots": [ { "province": "北京", "caps": { "remote_project": 5 } } ] }"#)
            .unwrap();
        let path = rules.to_str().unwrap().to_string();
        let config =
            Config::from_sources(None, move |name| (name == "JIJIAO_RULES_FILE").then(|| path.clone())).unwrap();
        let w = world_with(db, |store| config.app(store)).await;
        let configured = config.app(w.store.clone());
        let national = App::new(w.store.clone());
        // A professional of 东城区东花市社区卫生服务中心, a grassroots unit of 北京市.
        let centre = w.store.organisation_by_name("东城区东花市社区卫生服务中心").await.unwrap();
        let staff = w
            .store
            .people(&PersonFilter { employer_id: Some(centre.id), ..Default::default() }, PageRequest::new(None, None))
            .await
            .unwrap();
        let person = staff.items[0].id;
        let year = i32::from(configured.this_year());
        let remote = RecordFacts {
            kind: ActivityKind::Project,
            title: "远程继续医学教育项目".into(),
            project_number: Some(format!("{year}-03-01-001（国）")),
            level: Some(Level::National),
            delivery: Some(Delivery::Remote),
            role: Some(Role::Participant),
            start: None,
            end: NaiveDate::from_ymd_opt(year, 1, 2).unwrap(),
            passed: None,
            // 18 hours earn 6.0: above the national remote cap of 3.0 and the province's of 5.0.
            hours: Some(Hours::whole(18)),
            credits: None,
            legacy_class: None,
        };
        let record = NewCreditRecord {
            person_id: person,
            source: RecordSource::Project,
            source_ref: None,
            facts: remote,
            granted: true,
        };
        w.store.record_credit(&Actor::system("测试"), &record).await.unwrap();
        let guojia = acting(&w.store, "guojia").await;
        let line = |v: &YearView| v.records.iter().find(|r| r.title == "远程继续医学教育项目").unwrap().clone();
        let project = |v: &YearView| v.by_kind.iter().find(|k| k.code == "project").unwrap().clone();
        let under_settings = year_of(&configured, &guojia, person, None).await.unwrap();
        let under_national = year_of(&national, &guojia, person, None).await.unwrap();
        assert_eq!(line(&under_settings).credits, Credits::whole(5).to_string(), "{backend}");
        assert_eq!(line(&under_national).credits, Credits::whole(3).to_string(), "{backend}");
        assert!(line(&under_settings).explanation.contains("北京市基层规定"), "{backend}: {:?}", line(&under_settings));
        assert!(project(&under_settings).cap.contains("远程项目最多 5.0"), "{backend}: {:?}", project(&under_settings));
        assert!(project(&under_national).cap.contains("远程项目最多 3.0"), "{backend}: {:?}", project(&under_national));
        // The server was given the same settings.
        let client = w.signed_in("guojia").await;
        let reply = w.get(&client, &format!("/api/v1/people/{}/credits", person.0)).await;
        assert_eq!(reply.status, StatusCode::OK, "{backend}: {}", reply.body);
        let records = reply.json()["records"].as_array().unwrap().clone();
        let remote = records.iter().find(|r| r["title"] == "远程继续医学教育项目").unwrap();
        assert_eq!(remote["credits"], Credits::whole(5).to_string(), "{backend}: {}", reply.body);
    }
}
