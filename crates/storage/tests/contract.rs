//! Storage contract: the same scenarios on SQLite and (when available) PostgreSQL.

use jijiao_domain::IdNumber;
use jijiao_domain::org::{InspectionResult, OrgKind, UnitType};
use jijiao_domain::subject::Catalogue;
use jijiao_storage::Actor;
use jijiao_storage::testing::each_backend;

fn system() -> Actor {
    Actor::system("测试")
}
use jijiao_storage::{NewOrganisation, NewPerson, OrgFilter, PageRequest, PersonFilter, Store, StoreError};

fn office(kind: OrgKind, name: &str, province: Option<&str>) -> NewOrganisation {
    NewOrganisation {
        kind,
        name: name.into(),
        parent_id: None,
        province_code: province.map(Into::into),
        unit_type: None,
        grassroots: false,
        cme_qualified: false,
        remote_qualified: false,
        inspection: InspectionResult::Passed,
    }
}

fn unit(name: &str, province: &str) -> NewOrganisation {
    NewOrganisation {
        unit_type: Some(UnitType::Hospital),
        cme_qualified: true,
        ..office(OrgKind::Unit, name, Some(province))
    }
}

#[tokio::test]
async fn reference_data_is_loaded_once_and_editable() {
    each_backend(|store, backend| async move {
        let provinces = store.provinces().await.unwrap();
        assert_eq!(provinces.len(), 32, "{backend}");
        let mut beijing = store.province("11").await.unwrap();
        assert_eq!(beijing.committee_name, "北京市继续医学教育委员会");
        beijing.phone = "010-12345678".into();
        store.update_province_contacts(&system(), &beijing).await.unwrap();
        // Loading again never overwrites an administrator's edit.
        store.load_reference_data().await.unwrap();
        assert_eq!(store.province("11").await.unwrap().phone, "010-12345678", "{backend}");
        assert!(matches!(store.province("99").await, Err(StoreError::NotFound)));

        let catalogue = store.catalogue().await.unwrap();
        assert_eq!(catalogue, Catalogue::default_catalogue(), "{backend}");
        let smaller = Catalogue::parse(
            &jijiao_domain::subject::SECONDARY.iter().map(|(c, n)| format!("{c}-01\t{n}总论\n")).collect::<String>(),
        )
        .unwrap();
        store.replace_catalogue(&system(), &smaller).await.unwrap();
        assert_eq!(store.catalogue().await.unwrap().tertiary().len(), 24, "{backend}");
    })
    .await;
}

#[tokio::test]
async fn organisations_nest_and_filter() {
    each_backend(|store, backend| async move {
        let national = store
            .create_organisation(&system(), &office(OrgKind::National, "全国继续医学教育委员会办公室", None))
            .await
            .unwrap();
        let beijing = store
            .create_organisation(&system(), &office(OrgKind::Provincial, "北京市继续医学教育委员会", Some("11")))
            .await
            .unwrap();
        let district = store
            .create_organisation(
                &system(),
                &NewOrganisation {
                    parent_id: Some(beijing),
                    ..office(OrgKind::District, "东城区卫生健康委员会", Some("11"))
                },
            )
            .await
            .unwrap();
        let hospital = store
            .create_organisation(
                &system(),
                &NewOrganisation { parent_id: Some(district), ..unit("北京协和医院", "11") },
            )
            .await
            .unwrap();
        store.create_organisation(&system(), &unit("河北医科大学第二医院", "13")).await.unwrap();

        let h = store.organisation(hospital).await.unwrap();
        assert_eq!((h.kind, h.unit_type, h.parent_id), (OrgKind::Unit, Some(UnitType::Hospital), Some(district)));
        assert!(store.organisation(national).await.unwrap().province_code.is_none());

        let in_beijing = store
            .organisations(
                &OrgFilter { province_code: Some("11".into()), ..Default::default() },
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(in_beijing.total, 3, "{backend}");
        let units = store
            .organisations(
                &OrgFilter { kind: Some(OrgKind::Unit), q: Some("医院".into()), ..Default::default() },
                PageRequest::new(Some(1), Some(1)),
            )
            .await
            .unwrap();
        assert_eq!((units.total, units.items.len(), units.pages()), (2, 1, 2), "{backend}");
        // A `%` in a search is a character, not a wildcard.
        let none = store
            .organisations(&OrgFilter { q: Some("%".into()), ..Default::default() }, PageRequest::default())
            .await
            .unwrap();
        assert_eq!(none.total, 0, "{backend}");

        // Database-enforced rules: unique names, valid parents, known provinces.
        assert!(
            matches!(
                store.create_organisation(&system(), &unit("北京协和医院", "11")).await,
                Err(StoreError::Conflict(_))
            ),
            "{backend}"
        );
        let orphan = NewOrganisation { parent_id: Some(jijiao_storage::OrgId(9999)), ..unit("无上级单位", "11") };
        assert!(
            matches!(store.create_organisation(&system(), &orphan).await, Err(StoreError::Invalid(_))),
            "{backend}"
        );
        assert!(
            matches!(store.create_organisation(&system(), &unit("无省份", "99")).await, Err(StoreError::Invalid(_))),
            "{backend}"
        );
        let no_type = NewOrganisation { unit_type: None, ..unit("无类型", "11") };
        assert!(
            matches!(store.create_organisation(&system(), &no_type).await, Err(StoreError::Invalid(_))),
            "{backend}"
        );

        store.set_inspection(&system(), hospital, InspectionResult::Suspended).await.unwrap();
        assert_eq!(store.organisation(hospital).await.unwrap().inspection, InspectionResult::Suspended);
    })
    .await;
}

#[tokio::test]
async fn personal_data_is_encrypted_and_found_by_keyed_hash() {
    each_backend(|store, backend| async move {
        let hospital = store.create_organisation(&system(), &unit("北京协和医院", "11")).await.unwrap();
        let id = IdNumber::parse("11010519491231002X").unwrap();
        let person = store
            .create_person(
                &system(),
                &NewPerson {
                    name: "王喆".into(),
                    id_number: id.clone(),
                    title: Some("主任医师".into()),
                    employer_id: Some(hospital),
                    in_post: true,
                    phone: Some("13812341234".into()),
                },
            )
            .await
            .unwrap();
        let found = store.person_by_id_number(&id).await.unwrap();
        assert_eq!((found.id, found.name.as_str()), (person, "王喆"), "{backend}");
        assert_eq!(found.birth_date.to_string(), "1949-12-31");
        assert_eq!(found.phone.as_deref(), Some("13812341234"));

        let masked = found.masked(None);
        assert_eq!((masked.id_number.as_str(), masked.phone.as_deref()), ("110105********002X", Some("138****1234")));

        // Neither the number nor the phone appears in clear anywhere in the row.
        let raw = store.raw_person_row_for_tests(person).await.unwrap();
        assert!(!raw.contains("11010519491231002X") && !raw.contains("13812341234"), "{backend}: {raw}");

        let duplicate = store
            .create_person(
                &system(),
                &NewPerson {
                    name: "重复".into(),
                    id_number: id.clone(),
                    title: None,
                    employer_id: None,
                    in_post: true,
                    phone: None,
                },
            )
            .await;
        match duplicate {
            Err(StoreError::Conflict(message)) => assert!(message.contains("110105********002X")),
            other => panic!("{backend}: {other:?}"),
        }

        let page = store
            .people(
                &PersonFilter { province_code: Some("11".into()), q: Some("喆".into()), ..Default::default() },
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(page.total, 1, "{backend}");
        assert_eq!(page.items[0].employer.as_deref(), Some("北京协和医院"));
    })
    .await;
}

#[tokio::test]
async fn settings_and_health() {
    each_backend(|store, backend| async move {
        store.health().await.unwrap();
        assert_eq!(store.setting("demo").await.unwrap(), None);
        store.set_setting(&system(), "demo", "1").await.unwrap();
        store.set_setting(&system(), "demo", "2").await.unwrap();
        assert_eq!(store.setting("demo").await.unwrap().as_deref(), Some("2"), "{backend}");
    })
    .await;
}

#[tokio::test]
async fn sqlite_backup_is_a_consistent_copy() {
    let db = jijiao_storage::testing::sqlite().await;
    let store = db.open().await;
    store.create_organisation(&system(), &unit("北京协和医院", "11")).await.unwrap();
    let copy = db.dir.path().join("backup/copy.sqlite3");
    store.backup(&copy).await.unwrap();
    assert!(store.backup(&copy).await.is_err(), "never overwrites");
    let restored =
        Store::open(&jijiao_storage::DatabaseTarget::SqliteFile(copy), jijiao_storage::testing::test_vault())
            .await
            .unwrap();
    assert_eq!(restored.organisation_by_name("北京协和医院").await.unwrap().province_code.as_deref(), Some("11"));
}

/// The SQLite database, its WAL and shared-memory files and its backups can be read by their owner
/// only, like the key file (issue 14): SQLite alone would create them readable by everyone.
#[cfg(unix)]
#[tokio::test]
async fn sqlite_files_are_the_owners_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let db = jijiao_storage::testing::sqlite().await;
    let store = db.open().await;
    store.create_organisation(&system(), &unit("北京协和医院", "11")).await.unwrap();
    let jijiao_storage::DatabaseTarget::SqliteFile(path) = &db.target else { panic!("a SQLite file") };
    let with_suffix = |suffix: &str| {
        let mut name = path.clone().into_os_string();
        name.push(suffix);
        std::path::PathBuf::from(name)
    };
    for file in [path.clone(), with_suffix("-wal"), with_suffix("-shm")] {
        assert_eq!(format!("{:o}", mode(&file)), "600", "{}", file.display());
    }
    let copy = db.dir.path().join("backups/copy.sqlite3");
    store.backup(&copy).await.unwrap();
    assert_eq!(format!("{:o}", mode(&copy)), "600");
    // The copy is whole, though its file existed (empty) before SQLite wrote it.
    let restored =
        Store::open(&jijiao_storage::DatabaseTarget::SqliteFile(copy), jijiao_storage::testing::test_vault())
            .await
            .unwrap();
    assert_eq!(restored.organisation_by_name("北京协和医院").await.unwrap().name, "北京协和医院");
    restored.close().await;
    store.close().await;
}
