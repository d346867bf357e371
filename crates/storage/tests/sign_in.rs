//! What signing in leaves in the database (issue 14): failed logins counted without the username
//! or address in clear, sessions kept alive by use under a short idle limit, and a captcha table
//! that a flood of sign-in pages cannot grow.

use jijiao_domain::authz::Role;
use jijiao_storage::testing::each_backend;
use jijiao_storage::{AccountId, Actor, MAX_LIVE_CAPTCHAS, NewAccount, NewRole, Store};

/// A confirmed account without a person, for these tests.
fn account(username: &str, display_name: &str) -> NewAccount {
    NewAccount {
        username: username.into(),
        display_name: display_name.into(),
        password_hash: "不是真的哈希".into(),
        person_id: None,
        confirmed: true,
        must_change_password: false,
    }
}

/// A confirmed inspector of Beijing (province 11): an account with one scoped grant.
async fn beijing_inspector(store: &Store, username: &str, display_name: &str) -> AccountId {
    let inspector = NewRole { role: Role::Inspector, org_id: None, province_code: Some("11".into()) };
    store.create_account(&Actor::system("测试"), &account(username, display_name), &[inspector]).await.unwrap()
}

/// The lock the web's schedule would set: none until the third failure.
fn lock_for(failures: i64) -> i64 {
    if failures >= 3 { 60_000 } else { 0 }
}

#[tokio::test]
async fn failed_logins_are_counted_under_a_keyed_hash() {
    each_backend(|store, backend| async move {
        // An ID number typed as the username, a password typed into the username field, an address.
        let id_number = "11010519491231002X";
        let keys =
            [format!("account:{}", id_number.to_lowercase()), "account:mima2025!".into(), "ip:203.0.113.7".into()];
        for key in &keys {
            assert_eq!(store.record_login_failure(key, lock_for).await.unwrap(), 1, "{backend}");
        }
        for failures in 2..=3 {
            assert_eq!(store.record_login_failure(&keys[0], lock_for).await.unwrap(), failures);
        }
        let (failures, locked_until) = store.login_failures(&keys[0]).await.unwrap();
        assert!(failures == 3 && locked_until > 0, "{backend}: the count and the lock are found by the key");
        assert_eq!(store.login_failures(&keys[1]).await.unwrap(), (1, 0));

        let rows = store.raw_login_throttle_rows_for_tests().await.unwrap();
        assert_eq!(rows.len(), 3, "{backend}");
        for row in &rows {
            for clear in ["1101051949", "19491231002", "mima2025", "203.0.113", "account:", "ip:"] {
                assert!(!row.to_lowercase().contains(clear), "{backend}: {row} holds {clear}");
            }
        }
        // Another key (another vault) would not find the counts: the hash is keyed.
        let other = Store::connect(
            &jijiao_storage::DatabaseTarget::SqliteMemory,
            jijiao_storage::Vault::from_master_key(&[7; 32]),
        )
        .await
        .unwrap();
        other.migrate().await.unwrap();
        other.record_login_failure(&keys[2], lock_for).await.unwrap();
        let elsewhere = other.raw_login_throttle_rows_for_tests().await.unwrap();
        assert!(!rows.iter().any(|r| r.split('|').next() == elsewhere[0].split('|').next()));

        store.clear_login_failures(&keys[0]).await.unwrap();
        assert_eq!(store.login_failures(&keys[0]).await.unwrap(), (0, 0));
        assert_eq!(store.raw_login_throttle_rows_for_tests().await.unwrap().len(), 2, "{backend}");
    })
    .await;
}

#[tokio::test]
async fn a_session_in_use_outlives_a_short_idle_limit() {
    each_backend(|store, backend| async move {
        let account = store.create_account(&Actor::system("测试"), &account("yisheng", "医生"), &[]).await.unwrap();
        let idle = 60_000;
        let (token, _) = store.create_session(account, None, 12 * 60 * 60_000).await.unwrap();
        // Used every 20 seconds for two minutes: each use is within the limit of the one before,
        // though the session started twice the limit ago.
        for _ in 0..6 {
            store.age_session_for_tests(&token, 20_000).await.unwrap();
            let session = store.session(&token, idle).await.unwrap();
            assert_eq!(session.map(|s| s.account_id), Some(account), "{backend}: ended while in use");
        }
        // Left alone for longer than the limit, it ends.
        store.age_session_for_tests(&token, idle + 1_000).await.unwrap();
        assert_eq!(store.session(&token, idle).await.unwrap(), None, "{backend}");
    })
    .await;
}

/// A session brings its account's grants, read on its connection: the same as [`Store::grants_of`].
#[tokio::test]
async fn a_session_brings_its_accounts_grants() {
    each_backend(|store, backend| async move {
        let actor = Actor::system("测试");
        let id = beijing_inspector(&store, "ducha", "督查员").await;
        let (token, _) = store.create_session(id, None, 60_000).await.unwrap();
        let session = store.session(&token, 60_000).await.unwrap().unwrap();
        let expected = store.grants_of(&store.account(id).await.unwrap()).await.unwrap();
        assert_eq!(expected.len(), 1, "{backend}");
        assert_eq!(expected[0].province.as_deref(), Some("11"), "{backend}");
        assert_eq!(session.grants, expected, "{backend}");

        store.set_account_disabled(&actor, id, true).await.unwrap();
        assert_eq!(store.session(&token, 60_000).await.unwrap(), None, "{backend}: disabling ends the session");
    })
    .await;
}

/// A live bearer token brings its account and the account's grants, read on one connection; a
/// wrong, expired or revoked token brings nothing.
#[tokio::test]
async fn a_token_brings_its_account_and_grants() {
    each_backend(|store, backend| async move {
        let id = beijing_inspector(&store, "jiekou", "接口账号").await;
        let admin = store.create_account(&Actor::system("测试"), &account("guanli", "管理员"), &[]).await.unwrap();
        let actor = Actor { account_id: Some(admin.0), name: "管理员".into(), ip: None };
        let far = i64::MAX / 2;
        let (token, secret) = store.create_api_token(&actor, id, "省平台", far).await.unwrap();

        let holder = store.account_for_token(&secret).await.unwrap().expect("a live token");
        assert_eq!(holder.token_id, token, "{backend}");
        assert_eq!(holder.account, store.account(id).await.unwrap(), "{backend}");
        assert_eq!(holder.grants, store.grants_of(&holder.account).await.unwrap(), "{backend}");
        assert_eq!(holder.grants.len(), 1, "{backend}");

        assert_eq!(store.account_for_token("jj_wrong").await.unwrap(), None, "{backend}");
        store.revoke_api_token(&actor, token).await.unwrap();
        assert_eq!(store.account_for_token(&secret).await.unwrap(), None, "{backend}: revoked");
    })
    .await;
}

#[tokio::test]
async fn the_captcha_table_is_bounded() {
    each_backend(|store, backend| async move {
        // An expired captcha is deleted when the next is stored.
        store.store_captcha("expired", "hash", -1_000).await.unwrap();
        store.store_captcha("live", "hash", 600_000).await.unwrap();
        assert_eq!(store.captcha_rows_for_tests().await.unwrap(), 1, "{backend}");

        // A flood: storing beyond the bound drops the oldest, and the newest are kept.
        let flood = MAX_LIVE_CAPTCHAS + 20;
        for n in 0..flood {
            // A later expiry for each, as when they are drawn one after the other.
            store.store_captcha(&format!("c{n}"), "hash", 600_000 + n).await.unwrap();
        }
        assert_eq!(store.captcha_rows_for_tests().await.unwrap(), MAX_LIVE_CAPTCHAS, "{backend}");
        assert_eq!(store.peek_captcha("live").await.unwrap(), None, "{backend}: the oldest went first");
        assert_eq!(store.peek_captcha("c0").await.unwrap(), None);
        assert_eq!(store.peek_captcha(&format!("c{}", flood - 1)).await.unwrap().as_deref(), Some("hash"));
        assert_eq!(
            store.take_captcha(&format!("c{}", flood - MAX_LIVE_CAPTCHAS)).await.unwrap().as_deref(),
            Some("hash")
        );
    })
    .await;
}

/// Issue 19: rate-limit counts shared by the servers of a database. Counts add up within a
/// caller's window (the same caller twice in one call as well), a window that ended starts again,
/// classes and callers are apart, ended windows are forgotten, and no caller is kept in clear.
#[tokio::test]
async fn rate_limit_counts_add_up_within_a_window_and_restart_after_it() {
    use jijiao_storage::{RATE_WINDOW_MS, RateCount};
    each_backend(|store, backend| async move {
        let count =
            |caller: &str, class: &str, requests| RateCount { caller: caller.into(), class: class.into(), requests };
        let first = store
            .count_requests(&[count("ip:203.0.113.7", "public", 3), count("account:42", "signed_in", 1)])
            .await
            .unwrap();
        assert_eq!((first[0].requests, first[1].requests), (3, 1), "{backend}");
        // Another server adds its own; the same caller twice in one batch is one row.
        let second = store
            .count_requests(&[
                count("ip:203.0.113.7", "public", 2),
                count("ip:203.0.113.7", "login", 1),
                count("ip:203.0.113.7", "public", 1),
            ])
            .await
            .unwrap();
        assert_eq!((second[0].requests, second[1].requests, second[2].requests), (6, 1, 6), "{backend}");
        assert_eq!(second[0].window_start, first[0].window_start, "{backend}: the window is the first one's");

        // A window that ended restarts with the new requests.
        store
            .tamper_audit_for_tests(&format!("UPDATE rate_limits SET window_start = window_start - {RATE_WINDOW_MS}"))
            .await
            .unwrap();
        let third = store.count_requests(&[count("ip:203.0.113.7", "public", 1)]).await.unwrap();
        assert_eq!(third[0].requests, 1, "{backend}");
        assert!(third[0].window_start >= first[0].window_start, "{backend}: a new window, from now");
        assert_eq!(store.count_requests(&[]).await.unwrap(), vec![]);

        // The stored rows name no caller in clear; the ended ones are forgotten.
        let callers = store.rate_limit_callers_for_tests().await.unwrap();
        assert_eq!(callers.len(), 3, "{backend}");
        assert!(callers.iter().all(|c| !c.contains("203.0.113") && !c.contains("account")), "{callers:?}");
        store
            .tamper_audit_for_tests(&format!(
                "UPDATE rate_limits SET window_start = window_start - {} WHERE class <> 'public'",
                2 * RATE_WINDOW_MS
            ))
            .await
            .unwrap();
        assert_eq!(store.forget_rate_windows().await.unwrap(), 2, "{backend}: login and signed_in");
        assert_eq!(store.count_requests(&[count("ip:203.0.113.7", "public", 0)]).await.unwrap()[0].requests, 1);
    })
    .await;
}
