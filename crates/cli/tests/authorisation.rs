//! The authorisation matrix: every route of the route table, for every demo role, in scope and
//! out of scope, answers the expected status. A route missing from [`expected`] fails the test,
//! so a new route cannot slip through unchecked.

use crate::common;

// Each area's routes have their expectations, targets and bodies in a file of their own.
#[path = "authorisation/applications.rs"]
mod applications_matrix;
#[path = "authorisation/certificates.rs"]
mod certificates_matrix;
#[path = "authorisation/credits.rs"]
mod credits_matrix;
#[path = "authorisation/events.rs"]
mod events_matrix;
#[path = "authorisation/projects.rs"]
mod projects_matrix;
#[path = "authorisation/remote.rs"]
mod remote_matrix;
#[path = "authorisation/reports.rs"]
mod reports_matrix;
#[path = "authorisation/sign_in.rs"]
mod sign_in_matrix;

use axum::http::Method;
use common::{World, world};
use jijiao_domain::authz::Role;
use jijiao_storage::{Actor, NewAccount, NewPerson, NewRole, OrgId};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    Anonymous,
    National,
    Province,
    District,
    Inspector,
    Unit,
    Leader,
    Professional,
    Pending,
}

const EVERYONE: [Who; 9] = [
    Who::Anonymous,
    Who::National,
    Who::Province,
    Who::District,
    Who::Inspector,
    Who::Unit,
    Who::Leader,
    Who::Professional,
    Who::Pending,
];

impl Who {
    fn username(self) -> Option<&'static str> {
        Some(match self {
            Who::Anonymous => return None,
            Who::National => "guojia",
            Who::Province => "beijing",
            Who::District => "dongcheng",
            Who::Inspector => "duchayuan",
            Who::Unit => "xiehe",
            Who::Leader => "fuzeren",
            Who::Professional => "yisheng",
            Who::Pending => "daiqueren",
        })
    }

    /// The administrators of 北京协和医院's scope: the unit, its district, its province, the nation.
    fn is_admin(self) -> bool {
        matches!(self, Who::National | Who::Province | Who::District | Who::Unit)
    }
}

/// In scope: a record of 北京协和医院 (北京市, 东城区). Out of scope: one of 河北医科大学第二医院.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    In,
    Out,
}

/// The expected status. Pages answer a signed-out visitor with a redirect to the login page (303)
/// and the API with 401; an unconfirmed professional gets 403 everywhere but the own page;
/// someone else's record out of scope is 404 (its existence is not revealed), an action out of
/// one's powers 403.
fn expected(method: &Method, path: &str, who: Who, scope: Scope) -> u16 {
    use Who::*;
    if let Some(status) = remote_matrix::expected(method, path, who, scope)
        .or_else(|| reports_matrix::expected(method, path, who, scope))
        .or_else(|| certificates_matrix::expected(method, path, who, scope))
        .or_else(|| credits_matrix::expected(method, path, who, scope))
        .or_else(|| applications_matrix::expected(method, path, who, scope))
        .or_else(|| projects_matrix::expected(method, path, who, scope))
        .or_else(|| events_matrix::expected(method, path, who, scope))
        .or_else(|| sign_in_matrix::expected(method, path, who, scope))
    {
        return status;
    }
    let get = method == Method::GET;
    let api = path.starts_with("/api/");
    let signed_out = if api { 401 } else { 303 };
    let admin_in_scope = |ok: u16| match (who, scope) {
        (National, _) => ok,
        (Province | District | Unit, Scope::In) => ok,
        _ => 404,
    };
    match (get, path) {
        // Public.
        (true, "/" | "/committees" | "/subjects" | "/healthz" | "/static/{name}" | "/favicon.ico" | "/api/docs/")
        | (true, "/api/v1/openapi.json" | "/api/v1/provinces" | "/api/v1/subjects" | "/api/v1/titles")
        | (true, "/api/v1/id-numbers/{number}") => 200,
        // The password self-service (issue 18 point 16): anyone may ask; a signed-in user is sent
        // to the own password page. An empty form names its first field.
        (true, "/login" | "/register" | "/password-reset") => {
            if who == Anonymous {
                200
            } else {
                303
            }
        }
        (false, "/api/v1/applications/check" | "/api/v1/scores/evaluate" | "/api/v1/credits/evaluate") => 200,
        // Reference data: the national administrator's alone.
        (true, "/admin/reference") | (false, "/admin/reference/subjects") | (false, "/api/v1/subjects/import") => {
            match who {
                Anonymous => signed_out,
                National => 200,
                _ => 403,
            }
        }
        (false, "/admin/reference/provinces/{code}") | (false, "/api/v1/provinces/{code}") => match who {
            Anonymous => signed_out,
            National if api => 200,
            National => 303,
            _ => 403,
        },
        (false, "/login") => 401,
        (false, "/register" | "/password-reset" | "/password-reset/confirm") => 422,
        (false, "/logout") => 303,
        // Own page and password.
        (true, "/me") => {
            if who == Anonymous {
                303
            } else {
                200
            }
        }
        // An unconfirmed professional's password is theirs to change too (issue 18).
        (_, "/me/password") => match who {
            Anonymous => 303,
            _ if get => 200,
            _ => 422,
        },
        (true, "/api/v1/me") => match who {
            Anonymous => 401,
            Pending => 403,
            _ => 200,
        },
        _ if who == Anonymous => signed_out,
        _ if who == Pending => 403,
        // Administration lists and forms: administrators only.
        (
            true,
            "/admin/accounts" | "/admin/accounts/new" | "/admin/confirmations" | "/admin/tokens" | "/admin/audit",
        )
        | (
            true,
            "/api/v1/accounts" | "/api/v1/tokens" | "/api/v1/audit" | "/api/v1/organisations" | "/api/v1/people",
        ) => {
            if who.is_admin() {
                200
            } else {
                403
            }
        }
        // Creating a unit administrator at a unit: above a unit administrator, within scope.
        (false, "/admin/accounts" | "/api/v1/accounts") => {
            let created = if api { 201 } else { 303 };
            match (who, scope) {
                (National, _) | (Province | District, Scope::In) => created,
                _ => 403,
            }
        }
        (false, "/admin/tokens" | "/api/v1/tokens") => {
            if who.is_admin() {
                201
            } else {
                403
            }
        }
        (true, "/admin/accounts/{id}" | "/api/v1/accounts/{id}") => {
            if who.is_admin() {
                admin_in_scope(200)
            } else if api {
                404
            } else {
                403
            }
        }
        (true, "/api/v1/organisations/{id}") => admin_in_scope(200),
        (true, "/api/v1/people/{id}") => admin_in_scope(200),
        // Actions on a professional's account of the scope.
        (
            false,
            "/admin/accounts/{id}/disable"
            | "/admin/accounts/{id}/enable"
            | "/admin/accounts/{id}/confirm"
            | "/admin/accounts/{id}/reject",
        )
        | (
            false,
            "/admin/accounts/{id}/roles" | "/admin/accounts/{id}/roles/{role_id}/remove" | "/admin/tokens/{id}/revoke",
        ) => admin_in_scope(303),
        (false, "/admin/accounts/{id}/password-reset") => admin_in_scope(200),
        (false, "/api/v1/accounts/{id}/disable" | "/api/v1/accounts/{id}/enable" | "/api/v1/accounts/{id}/confirm")
        | (
            false,
            "/api/v1/accounts/{id}/password-reset"
            | "/api/v1/accounts/{id}/roles"
            | "/api/v1/accounts/{id}/roles/{role_id}",
        )
        | (false, "/api/v1/tokens/{id}") => admin_in_scope(200),
        _ => panic!("{method} {path} is not in the authorisation matrix: add its expected statuses"),
    }
}

/// The records the requests point at, made fresh for each request that changes something.
struct Targets {
    account: i64,
    role: i64,
    org: i64,
    person: i64,
    token: i64,
}

async fn professional(w: &World, unit: OrgId, n: usize, confirmed: bool) -> (i64, i64, i64) {
    let actor = Actor::system("测试");
    let id = jijiao_domain::id_number::compose(
        "110101",
        chrono::NaiveDate::from_ymd_opt(1980, 1, 1).unwrap() + chrono::Days::new(n as u64),
        500,
    );
    let person = w
        .store
        .create_person(
            &actor,
            &NewPerson {
                name: format!("受测{n}"),
                id_number: id,
                title: Some("主治医师".into()),
                employer_id: Some(unit),
                in_post: true,
                phone: None,
            },
        )
        .await
        .unwrap();
    let account = w
        .store
        .create_account(
            &actor,
            &NewAccount {
                username: format!("target{n}"),
                display_name: format!("受测{n}"),
                password_hash: "x".into(),
                person_id: Some(person),
                confirmed,
                must_change_password: false,
            },
            &[NewRole { role: Role::Professional, org_id: None, province_code: None }],
        )
        .await
        .unwrap();
    let role = w.store.roles_of(account).await.unwrap()[0].id;
    (account.0, role, person.0)
}

async fn targets(w: &World, scope: Scope, n: usize, confirmed: bool) -> Targets {
    let unit_name = match scope {
        Scope::In => "北京协和医院",
        Scope::Out => "河北医科大学第二医院",
    };
    let unit = w.store.organisation_by_name(unit_name).await.unwrap().id;
    let (account, role, person) = professional(w, unit, n, confirmed).await;
    let creator = Actor { account_id: Some(w.account("guojia").await.0), name: "国家级管理员".into(), ip: None };
    let (token, _) =
        w.store.create_api_token(&creator, jijiao_storage::AccountId(account), "测试令牌", i64::MAX / 2).await.unwrap();
    Targets { account, role, org: unit.0, person, token }
}

/// A valid catalogue: one third-level subject per second-level subject.
fn catalogue_csv() -> String {
    let mut csv = String::from("代码,名称\n");
    for (code, name) in jijiao_domain::subject::SECONDARY {
        csv.push_str(&format!("{code}-01,{name}总论\n"));
    }
    csv
}

fn fill(path: &str, t: &Targets, area_id: Option<i64>) -> String {
    let id = if let Some(id) = area_id {
        id
    } else if path.contains("/tokens/") {
        t.token
    } else if path.contains("/organisations/") {
        t.org
    } else if path.contains("/people/") {
        t.person
    } else {
        t.account
    };
    path.replace("{id}", &id.to_string())
        .replace("{role_id}", &t.role.to_string())
        .replace("{name}", "app.css")
        .replace("{number}", "11010519491231002X")
        .replace("{code}", "11")
}

fn body_for(w: &World, method: &Method, path: &str, t: &Targets, n: usize) -> Option<String> {
    if method == Method::GET {
        return None;
    }
    if let Some(body) = remote_matrix::body(method, path)
        .or_else(|| reports_matrix::body(method, path))
        .or_else(|| certificates_matrix::body(method, path))
        .or_else(|| credits_matrix::body(w, method, path, n))
        .or_else(|| applications_matrix::body(w, method, path, n))
        .or_else(|| projects_matrix::body(w, method, path, n))
        .or_else(|| events_matrix::body(method, path))
    {
        return Some(body);
    }
    let api = path.starts_with("/api/");
    Some(match path {
        "/login" => "username=guojia&password=wrong-password".into(),
        "/admin/reference/provinces/{code}" => "committee_name=北京市继续医学教育委员会&postcode=100053&address=枣林前街70号&phone=010-83970662&fax=010-83560301".into(),
        "/api/v1/provinces/{code}" => r#"{"committee_name":"北京市继续医学教育委员会","postcode":"100053","address":"枣林前街70号","phone":"010-83970662","fax":"010-83560301"}"#.into(),
        "/admin/reference/subjects" => common::multipart_file("subjects.csv", &catalogue_csv()),
        "/api/v1/subjects/import" => catalogue_csv(),
        "/api/v1/applications/check" => include_str!("../../domain/tests/fixtures/review/valid_national.json").into(),
        "/api/v1/scores/evaluate" => include_str!("../../domain/tests/fixtures/score/remote.json").into(),
        "/api/v1/credits/evaluate" => include_str!("../../domain/tests/fixtures/credits/year_2025.json").into(),
        "/register" => String::new(),
        "/me/password" => "current=wrong&password=abc12345&password2=abc12345".into(),
        "/admin/accounts/{id}/reject" => "reason=工号与本院人事记录不符".into(),
        "/admin/accounts" => {
            format!("username=new{n}&display_name=新管理员&role=unit_admin&org_id={}&password=abcd1234", t.org)
        }
        "/api/v1/accounts" => format!(
            r#"{{"username":"new{n}","display_name":"新管理员","role":"unit_admin","org_id":{},"password":"abcd1234"}}"#,
            t.org
        ),
        "/admin/tokens" => "name=测试&days=30".into(),
        "/api/v1/tokens" => r#"{"name":"测试","days":30}"#.into(),
        p if p.ends_with("/roles") && api => r#"{"role":"leader"}"#.into(),
        p if p.ends_with("/roles") => "role=leader".into(),
        _ => String::new(),
    })
}

#[tokio::test]
async fn every_route_every_role_in_and_out_of_scope() {
    let table = jijiao_web::route_table();
    for db in jijiao_storage::testing::databases().await {
        let backend = db.name;
        let w = world(db).await;
        let mut n = 0;
        let mut failures = Vec::new();
        for route in &table {
            let has_target =
                route.path.contains('{') && !["{name}", "{number}", "{code}"].iter().any(|p| route.path.contains(p));
            let scoped = has_target
                || events_matrix::scoped(&route.path)
                || remote_matrix::scoped(&route.path)
                || reports_matrix::scoped(&route.path) && route.path.contains("{number}")
                || sign_in_matrix::scoped(&route.path)
                || certificates_matrix::scoped(&route.path)
                || matches!(
                    (route.method.as_str(), route.path.as_str()),
                    ("POST", "/admin/accounts" | "/api/v1/accounts")
                );
            let scopes: &[Scope] = if scoped { &[Scope::In, Scope::Out] } else { &[Scope::In] };
            for scope in scopes {
                for who in &EVERYONE {
                    n += 1;
                    // A fresh session per case: the logout case ends the one it uses.
                    let client = match who.username() {
                        Some(u) => w.signed_in(u).await,
                        None => w.anonymous(),
                    };
                    let confirmed = !route.path.ends_with("/confirm") && !route.path.ends_with("/reject");
                    let t = targets(&w, *scope, n, confirmed).await;
                    let area_id = match credits_matrix::target(&w, &route.path, *scope, n).await {
                        Some(id) => Some(id),
                        None => match applications_matrix::target(&w, &route.path, *scope, n).await {
                            Some(id) => Some(id),
                            None => projects_matrix::target(&w, &route.path, *scope, n).await,
                        },
                    };
                    let path = match remote_matrix::path(&w, &route.path, *scope, n).await {
                        Some(path) => path,
                        None => match reports_matrix::path(&w, &route.path, *scope, n).await {
                            Some(path) => path,
                            None => match sign_in_matrix::path(&w, &route.path, *scope, n).await {
                                Some(path) => path,
                                None => match events_matrix::path(&w, &route.path, *scope, n).await {
                                    Some(path) => path,
                                    None => match certificates_matrix::fill(&w, &route.path, *scope, n).await {
                                        Some(path) => fill(&path, &t, area_id),
                                        None => fill(&route.path, &t, area_id),
                                    },
                                },
                            },
                        },
                    };
                    let want = expected(&route.method, &route.path, *who, *scope);
                    let body = match sign_in_matrix::body(&w, &route.method, &route.path, n).await {
                        Some(body) => Some(body),
                        None => body_for(&w, &route.method, &route.path, &t, n),
                    };
                    let reply = w.send(&client, route.method.clone(), &path, body).await;
                    if reply.status.as_u16() != want {
                        failures.push(format!(
                            "{backend}: {} {path} as {who:?} ({scope:?}): {} (expected {want}) {}",
                            route.method,
                            reply.status.as_u16(),
                            reply.body.replace('\n', " ").chars().take(100).collect::<String>()
                        ));
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{} of {n} cases failed:\n{}", failures.len(), failures.join("\n"));
    }
}

#[test]
fn the_matrix_names_every_route() {
    for route in jijiao_web::route_table() {
        for who in EVERYONE {
            // Panics for a route that is not in the matrix.
            expected(&route.method, &route.path, who, Scope::In);
        }
    }
}
