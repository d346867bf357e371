//! The sign-in pages: the unit's page for a period (the QR code of a session, refreshed every 30 s by
//! `static/sign-in.js` with the live count, and the list of who signed in), the QR code itself as
//! SVG, and the phone page a code opens, where a professional signs in and, scanning again at the
//! end, signs out; a visitor is sent to log in or register and back.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jijiao_app::AppError;
use jijiao_app::events::sign_in::{self as ops, Attendance, Target};
use jijiao_app::events::url_number;
use serde::Deserialize;

use crate::auth::{MaybePrincipal, PageUser, Principal, urlencode};
use crate::csrf::CsrfToken;
use crate::pages::{Layout, PageError, PageForm, render};
use crate::routes::Routes;
use crate::{ApiError, AppState};

pub fn routes() -> Routes {
    Routes::new()
        .get("/events/{number}/{n}/sign-in", unit_page)
        .get("/events/{number}/{n}/sign-in/qr.svg", qr_image)
        .get("/sign-in/{token}", learner_page)
        .post("/sign-in/{token}", learner_submit)
}

#[derive(Deserialize)]
struct SessionQuery {
    session: Option<String>,
}

fn event_link(number: &str, period: u32) -> String {
    format!("/events/{}/{}", url_number(number), period)
}

/// "09:01" of an RFC 3339 Beijing time.
fn clock(rfc3339: &str) -> String {
    rfc3339.get(11..16).unwrap_or(rfc3339).to_string()
}

struct SessionLink {
    label: String,
    link: String,
    current: bool,
}

struct Qr {
    key: String,
    label: String,
    image: String,
    /// Milliseconds until the code on screen is replaced.
    refresh_in: i64,
    counts: String,
    signed_in: u32,
    signed_out: u32,
    sessions: Vec<SessionLink>,
}

struct Line {
    session: String,
    name: String,
    id_number: String,
    unit: String,
    signed_in: String,
    signed_out: String,
    hours: String,
    pending: bool,
}

#[derive(Template)]
#[template(path = "events/sign_in.html")]
struct UnitPage {
    layout: Layout,
    name: String,
    number: String,
    period: u32,
    back: String,
    unavailable: Option<String>,
    qr: Option<Qr>,
    lines: Vec<Line>,
    refresh: String,
}

/// The unit's page: the code of the chosen session while the period is held (otherwise why not),
/// and every sign-in of the period.
async fn unit_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path((number, n)): Path<(String, u32)>,
    Query(q): Query<SessionQuery>,
) -> Result<Response, PageError> {
    // The list first: it checks who may see the page (404 out of sight, 403 beyond one's powers).
    let list = ops::sign_ins(&state, &p, &number, n, None).await?;
    let event = jijiao_app::events::event(&state, &p, &number, n).await?;
    let base = format!("{}/sign-in", event_link(event.number(), n));
    let (qr, unavailable) = match ops::current_code(&state, &p, &number, n, q.session.as_deref()).await {
        Ok(current) => {
            let count = list.sessions.iter().find(|s| s.session.key == current.session.key);
            let key = urlencode(&current.session.key);
            let sessions = current
                .sessions
                .iter()
                .map(|s| SessionLink {
                    label: format!("{}–{} {}", s.from, s.to, s.topic),
                    link: format!("{base}?session={}", urlencode(&s.key)),
                    current: s.key == current.session.key,
                })
                .collect();
            let qr = Qr {
                label: format!(
                    "{} {}–{}（{}，{}学时）",
                    current.session.date,
                    current.session.from,
                    current.session.to,
                    current.session.topic,
                    current.session.hours
                ),
                image: format!("{base}/qr.svg?session={key}"),
                refresh_in: (current.refresh_at - state.clock.now_millis()).max(0),
                counts: format!("/api/v1/projects/{}/periods/{n}/sign-ins?session={key}", url_number(event.number())),
                signed_in: count.map_or(0, |c| c.signed_in),
                signed_out: count.map_or(0, |c| c.signed_out),
                key: current.session.key,
                sessions,
            };
            (Some(qr), None)
        }
        Err(e @ (AppError::Conflict(_) | AppError::InvalidInput { .. })) => (None, Some(e.to_string())),
        Err(e) => return Err(e.into()),
    };
    let lines = list
        .entries
        .iter()
        .map(|e| Line {
            session: e.session.replace('T', " "),
            name: e.name.clone(),
            id_number: e.id_number.clone(),
            unit: e.unit.clone().unwrap_or_default(),
            signed_in: clock(&e.signed_in_at),
            signed_out: e.signed_out_at.as_deref().map(clock).unwrap_or_default(),
            hours: e.hours.map(|h| h.to_string()).unwrap_or_default(),
            pending: e.awaiting_confirmation,
        })
        .collect();
    let page = UnitPage {
        layout: Layout::new("/events", &MaybePrincipal(Some(p.clone())), &csrf),
        name: event.row.name.clone(),
        number: event.number().to_string(),
        period: n,
        back: event_link(event.number(), n),
        unavailable,
        qr,
        lines,
        refresh: match &q.session {
            Some(s) => format!("{base}?session={}", urlencode(s)),
            None => base.clone(),
        },
    };
    Ok(render(StatusCode::OK, &page))
}

/// The QR code of the session's current code, as SVG; never cached (it changes every 30 s).
async fn qr_image(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    headers: HeaderMap,
    Path((number, n)): Path<(String, u32)>,
    Query(q): Query<SessionQuery>,
) -> Result<Response, PageError> {
    let current = ops::current_code(&state, &p, &number, n, q.session.as_deref()).await?;
    let url = super::code_url(&state, &headers, &current.code);
    let svg = jijiao_documents::qr::svg(&url, "签到二维码").map_err(|m| PageError::from(ApiError::Internal(m)))?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], svg)
        .into_response())
}

/// What the phone page shows of the code's session.
struct Facts {
    name: String,
    number: String,
    period: u32,
    session: String,
}

fn facts(t: &Target) -> Facts {
    let s = t.session_view();
    Facts {
        name: t.row.name.clone(),
        number: t.row.number.clone(),
        period: t.row.period,
        session: format!("{} {}–{}（{}，{}学时）", s.date, s.from, s.to, s.topic, s.hours),
    }
}

#[derive(Template)]
#[template(path = "events/sign_in_learner.html")]
struct LearnerPage {
    layout: Layout,
    token: String,
    facts: Option<Facts>,
    /// The code's refusal, or the operation's.
    error: Option<String>,
    /// What was just done.
    done: Option<String>,
    /// Where the learner stands: signed in at, signed out at with the hours.
    status: Option<String>,
    /// For a visitor: log in, register (each coming back here).
    login: Option<(String, String)>,
    /// The account has no person of its own (an office's).
    no_person: bool,
    /// The button: `in` (签到) or `out` (签退, asked first: it fixes the hours), with the question;
    /// none when nothing is left to do.
    action: Option<(&'static str, &'static str, &'static str)>,
}

fn status_line(a: &Attendance) -> String {
    match (&a.signed_out_at, a.hours) {
        (Some(out), Some(hours)) => {
            format!("您已于 {} 签到、{} 签退，本场计 {} 学时。", clock(&a.signed_in_at), clock(out), hours)
        }
        _ => format!("您已于 {} 签到。本场结束时请再次扫描现场二维码签退。", clock(&a.signed_in_at)),
    }
}

fn action_for(status: Option<&Attendance>) -> Option<(&'static str, &'static str, &'static str)> {
    match status {
        None => Some(("in", "签到", "")),
        Some(a) if a.signed_out_at.is_none() => {
            Some(("out", "签退", "确定现在签退？签退后本场学时即确定，不能再次签退。"))
        }
        Some(_) => None,
    }
}

/// The page for a visitor or an account: what the code leads to, and what they can do with it.
async fn learner_view(
    state: &AppState,
    p: Option<&Principal>,
    token: &str,
    layout: Layout,
    done: Option<String>,
    error: Option<String>,
) -> Result<(StatusCode, LearnerPage), PageError> {
    let mut page = LearnerPage {
        layout,
        token: token.to_string(),
        facts: None,
        error,
        done,
        status: None,
        login: None,
        no_person: false,
        action: None,
    };
    let target = match ops::target(state, token, None).await {
        Ok(t) => t,
        Err(AppError::InvalidInput { message, .. }) => {
            page.error = Some(message);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page));
        }
        Err(e) => return Err(e.into()),
    };
    page.facts = Some(facts(&target));
    match p {
        None => {
            let back = urlencode(&format!("/sign-in/{token}"));
            page.login = Some((format!("/login?next={back}"), format!("/register?next={back}")));
        }
        Some(p) if p.account.person_id.is_none() => page.no_person = true,
        Some(p) => {
            let status = ops::status(state, p, &target).await?;
            page.status = status.as_ref().map(status_line);
            page.action = action_for(status.as_ref());
        }
    }
    let code = if page.error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((code, page))
}

/// The page a code's QR opens (phone first): anyone may open it; signing in needs an account.
async fn learner_page(
    State(state): State<AppState>,
    principal: MaybePrincipal,
    csrf: CsrfToken,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let layout = Layout::new("", &principal, &csrf);
    let (status, page) = learner_view(&state, principal.0.as_ref(), &token, layout, None, None).await?;
    Ok(render(status, &page))
}

#[derive(Deserialize)]
struct ActionForm {
    #[serde(default)]
    action: String,
}

/// Signs in or out with the code of the page: a visitor is sent to log in and back; an account
/// without a person of its own is refused; the page then shows what was done, or why not.
async fn learner_submit(
    State(state): State<AppState>,
    principal: MaybePrincipal,
    csrf: CsrfToken,
    Path(token): Path<String>,
    PageForm(form): PageForm<ActionForm>,
) -> Result<Response, PageError> {
    let Some(p) = principal.0.as_ref() else {
        let back = urlencode(&format!("/sign-in/{token}"));
        return Ok(Redirect::to(&format!("/login?next={back}")).into_response());
    };
    if p.account.person_id.is_none() {
        return Err(PageError::forbidden("只有卫生专业技术人员本人可以扫码签到，请使用本人账号登录。"));
    }
    let result = match form.action.as_str() {
        "out" => ops::sign_out(&state, p, &token, None).await,
        _ => ops::sign_in(&state, p, &token, None).await,
    };
    let (done, error) = match result {
        Ok(a) if a.signed_out_at.is_some() => {
            (Some(format!("签退成功：本场计 {} 学时。", a.hours.unwrap_or_default())), None)
        }
        Ok(a) if a.new => (Some(format!("签到成功（{}）。", clock(&a.signed_in_at))), None),
        Ok(_) => (Some("您已签到本场，无需重复签到。".to_string()), None),
        Err(e @ (AppError::InvalidInput { .. } | AppError::Conflict(_))) => (None, Some(e.to_string())),
        Err(e) => return Err(e.into()),
    };
    let layout = Layout::new("", &principal, &csrf);
    let failed = error.is_some();
    let (status, page) = learner_view(&state, Some(p), &token, layout, done, error).await?;
    let status = if failed && status == StatusCode::OK { StatusCode::CONFLICT } else { status };
    Ok(render(status, &page))
}
