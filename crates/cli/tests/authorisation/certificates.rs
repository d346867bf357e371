//! The authorisation matrix for the routes of electronic credit certificates (see `../authorisation.rs`).
//!
//! Verification, the published keys and the public credit query are open to everyone. A
//! certificate's PDF is its owner's, its project unit's and its issuing office's (404 for anyone
//! else); the issuing office (the province of the applicant unit, or the nation) revokes, reissues
//! and rotates its keys. In scope: a certificate issued by 北京市 to a professional of 北京协和医院
//! (the matrix's fresh person of the request); out of scope: one issued by 河北省.

use axum::http::Method;
use jijiao_domain::Hours;
use jijiao_domain::credits::learning_record::{RecordFacts, RecordSource};
use jijiao_domain::credits::{ActivityKind, Role};
use jijiao_domain::org::{Delivery, Level};
use jijiao_storage::Actor;
use jijiao_storage::credit_records::{Decision, NewCreditRecord};

use super::common::World;
use super::{Scope, Who};

/// The routes of this area whose certificate or office changes with the scope.
pub fn scoped(path: &str) -> bool {
    path.contains("/certificates/{number}") || path.contains("{office}")
}

/// The expected status of this area's routes; `None` for a route of another area.
pub fn expected(method: &Method, path: &str, who: Who, scope: Scope) -> Option<u16> {
    use Who::*;
    let area = path.contains("certificate") || path == "/credit-query";
    if !area {
        return None;
    }
    let get = method == Method::GET;
    let api = path.starts_with("/api/");
    let signed_out = if api { 401 } else { 303 };
    let public = matches!(
        (get, path),
        (true, "/api/v1/certificates/{number}" | "/.well-known/jijiao/certificate-keys.json" | "/certificates/verify")
            | (true, "/credit-query")
    );
    if public {
        return Some(200);
    }
    // The form's captcha is never answered by the matrix: refused with 422 for everyone.
    if (get, path) == (false, "/credit-query") {
        return Some(422);
    }
    if who == Anonymous {
        return Some(signed_out);
    }
    if who == Pending {
        return Some(403);
    }
    // The issuing office of the certificate: 北京 in scope, the nation everywhere.
    let office = |ok: u16| match (who, scope) {
        (National, _) | (Province, Scope::In) => ok,
        _ => 404,
    };
    let status = match (get, path) {
        (true, "/certificates/{number}") => office(200),
        (false, "/certificates/{number}/revoke" | "/certificates/{number}/reissue") => office(303),
        (false, "/api/v1/certificates/{number}/revoke" | "/api/v1/certificates/{number}/reissue") => office(200),
        (true, "/api/v1/me/certificates" | "/me/certificates") => match who {
            Leader | Professional => 200,
            _ => 404,
        },
        // Only `yisheng` and the leader 王喆 (a speaker on an approved demo roster) hold certificates
        // of this year.
        (true, "/me/certificates/zip") => match who {
            Professional | Leader => 200,
            _ => 404,
        },
        (true, "/certificates/manage") => match who {
            National | Province | District | Unit => 200,
            _ => 403,
        },
        // The matrix names no project: the administrators are asked for one.
        (true, "/certificates/project-zip") => 422,
        (true, "/admin/certificate-keys") => match who {
            National | Province => 200,
            _ => 403,
        },
        (false, "/admin/certificate-keys/{office}/rotate" | "/api/v1/certificate-keys/{office}/rotate") => {
            let ok = if api { 200 } else { 303 };
            match (who, scope) {
                (National, _) | (Province, Scope::In) => ok,
                _ => 403,
            }
        }
        _ => return None,
    };
    Some(status)
}

/// The route's path with a real certificate (issued for this request) or office in place of its
/// `{number}` or `{office}`; `None` when the route is not this area's.
pub async fn fill(w: &World, path: &str, scope: Scope, n: usize) -> Option<String> {
    if path.contains("{office}") {
        return Some(path.replace("{office}", if scope == Scope::In { "11" } else { "13" }));
    }
    if !path.contains("certificates/{number}") {
        return None;
    }
    let number = certificate(w, scope, n).await;
    Some(if path == "/certificates/{number}" {
        path.replace("{number}", &format!("{number}.pdf"))
    } else {
        path.replace("{number}", &number)
    })
}

/// A certificate for the fresh professional of request `n` (at 北京协和医院 in scope, at
/// 河北医科大学第二医院 out of scope): a granted project record, certified by its province.
async fn certificate(w: &World, scope: Scope, n: usize) -> String {
    let actor = Actor::system("测试");
    // The ID number `professional` in `../authorisation.rs` gives the person of request `n`.
    let id = jijiao_domain::id_number::compose(
        "110101",
        chrono::NaiveDate::from_ymd_opt(1980, 1, 1).unwrap() + chrono::Days::new(n as u64),
        500,
    );
    let person = w.store.person_by_id_number(&id).await.unwrap().id;
    let facts = RecordFacts {
        kind: ActivityKind::Project,
        title: format!("授权测试项目{n}"),
        project_number: Some(format!("2026-03-07-{:03}（国）", n % 1000)),
        level: Some(Level::National),
        delivery: Some(Delivery::FaceToFace),
        role: Some(Role::Participant),
        start: None,
        end: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        passed: Some(true),
        hours: Some(Hours::whole(9)),
        credits: None,
        legacy_class: None,
    };
    let record = w
        .store
        .record_credit(
            &actor,
            &NewCreditRecord {
                person_id: person,
                source: RecordSource::Project,
                source_ref: None,
                facts,
                granted: false,
            },
        )
        .await
        .unwrap();
    w.store.decide_credits(&actor, &[record], &Decision::Grant).await.unwrap();
    let app = jijiao_app::App::new(w.store.clone());
    let issued = jijiao_app::certificates::issue_certificates_for(&app, &actor, &[record]).await.unwrap();
    let _ = scope;
    issued[0].number.clone()
}

/// Bodies of this area's requests; `None` for a route of another area.
pub fn body(method: &Method, path: &str) -> Option<String> {
    if method == Method::GET {
        return None;
    }
    Some(match path {
        "/certificates/{number}/revoke" | "/certificates/{number}/reissue" => "reason=授权矩阵测试".into(),
        "/api/v1/certificates/{number}/revoke" | "/api/v1/certificates/{number}/reissue" => {
            r#"{"reason":"授权矩阵测试"}"#.into()
        }
        "/credit-query" => "name=张三&id_number=11010519491231002X&captcha_id=none&captcha=x".into(),
        p if p.contains("{office}") => String::new(),
        _ => return None,
    })
}
