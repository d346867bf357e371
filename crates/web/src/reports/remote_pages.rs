//! The pages beside the report (issue 16): a remote project's upload cycle (choose it once, then
//! each cycle with its roster, report, audit and score, as a face-to-face project's periods), and
//! the learners' phone survey, one question under another with thumb-sized choices.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jijiao_app::AppError;
use jijiao_app::events::remote::{self as remote, UploadCycleView};
use jijiao_app::events::url_number;
use jijiao_app::reports::PeriodState;
use jijiao_app::reports::survey::{self as survey, SurveyView};
use jijiao_domain::events::survey::Answer;
use serde::Deserialize;

use crate::auth::{MaybePrincipal, PageUser, Principal};
use crate::csrf::CsrfToken;
use crate::events::pages::messages;
use crate::pages::{Layout, PageError, render};
use crate::routes::Routes;
use crate::{ApiError, AppState};

pub fn routes() -> Routes {
    Routes::new()
        .get("/events/{number}/upload-cycle", cycle_page)
        .post("/events/{number}/upload-cycle", set_cycle)
        .get("/surveys/{number}/{n}", survey_page)
        .post("/surveys/{number}/{n}", answer_survey)
}

#[derive(Deserialize)]
struct Flash {
    done: Option<String>,
}

// ----- the upload cycle -----

#[derive(Template)]
#[template(path = "reports/upload_cycle.html")]
struct CyclePage {
    layout: Layout,
    v: UploadCycleView,
    /// Each cycle's state (roster, report, audit, score), once the cycle is chosen.
    states: Vec<PeriodState>,
    url_number: String,
    /// The months in the form: the one typed on an error, else the one chosen.
    selected: u32,
    errors: Vec<String>,
    flash: Option<&'static str>,
}

async fn cycle_page_for(
    state: &AppState,
    p: &Principal,
    csrf: &CsrfToken,
    number: &str,
    typed: Option<u32>,
    errors: Vec<String>,
    flash: Option<&'static str>,
) -> Result<CyclePage, PageError> {
    let v = remote::upload_cycle(state, p, number).await?;
    let states =
        if v.months.is_some() { jijiao_app::reports::period_states(state, p, number).await? } else { Vec::new() };
    Ok(CyclePage {
        layout: Layout::new("/events", &MaybePrincipal(Some(p.clone())), csrf),
        url_number: url_number(&v.number),
        selected: typed.or(v.months).unwrap_or(0),
        v,
        states,
        errors,
        flash,
    })
}

async fn cycle_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path(number): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    let flash = match flash.done.as_deref() {
        Some("set") => Some("上传周期已保存：各周期结束后14天内分别汇报执行情况。"),
        _ => None,
    };
    let page = cycle_page_for(&state, &p, &csrf, &number, None, Vec::new(), flash).await?;
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
struct CycleForm {
    #[serde(default)]
    months: String,
}

async fn set_cycle(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path(number): Path<String>,
    crate::pages::PageForm(form): crate::pages::PageForm<CycleForm>,
) -> Result<Response, PageError> {
    let months = form.months.trim();
    let outcome = match months.parse::<u32>() {
        Ok(m) => remote::set_upload_cycle(&state, &p, &number, m).await.map(|_| ()),
        Err(_) => Err(AppError::invalid("months", "请选择上传周期（1、2、3、6或12个月）")),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/events/{}/upload-cycle?done=set", url_number(&number))).into_response()),
        Err(e) => {
            let status = if matches!(e, AppError::Conflict(_)) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let page = cycle_page_for(&state, &p, &csrf, &number, months.parse().ok(), messages(e)?, None).await?;
            Ok(render(status, &page))
        }
    }
}

// ----- the learner's survey -----

/// One question as the page shows it: each option with its value and whether it is chosen.
struct QuestionLine {
    key: &'static str,
    label: &'static str,
    multi: bool,
    options: Vec<(u8, &'static str, bool)>,
}

#[derive(Template)]
#[template(path = "reports/survey.html")]
struct SurveyPage {
    layout: Layout,
    v: SurveyView,
    questions: Vec<QuestionLine>,
    action: String,
    errors: Vec<String>,
    flash: Option<&'static str>,
}

/// The options a learner chose, per question (from their answer, or as typed on an error).
type Chosen = Vec<(String, Vec<u8>)>;

fn chosen_of(answer: &Answer) -> Chosen {
    let mut out: Chosen = answer.single().iter().map(|(k, v)| (k.to_string(), vec![*v])).collect();
    out.push(("q7".into(), answer.q7.to_vec()));
    out
}

/// The survey page of period `n` of project `number`, with what was typed and its errors after a
/// refused answer.
async fn survey_page_for(
    state: &AppState,
    p: &Principal,
    csrf: &CsrfToken,
    (number, n): (&str, u32),
    typed: Option<Chosen>,
    errors: Vec<String>,
    flash: Option<&'static str>,
) -> Result<SurveyPage, PageError> {
    let v = survey::survey(state, p, number, n).await?;
    let chosen = typed.or_else(|| v.answer.as_ref().map(chosen_of)).unwrap_or_default();
    let questions = v
        .questions
        .iter()
        .map(|q| {
            let picked = chosen.iter().find(|(k, _)| k == q.key).map(|(_, v)| v.clone()).unwrap_or_default();
            QuestionLine {
                key: q.key,
                label: q.label,
                multi: q.choose > 1,
                options: q
                    .options
                    .iter()
                    .enumerate()
                    .map(|(i, o)| (i as u8, *o, picked.contains(&(i as u8))))
                    .collect(),
            }
        })
        .collect();
    Ok(SurveyPage {
        layout: Layout::new("/me/credits", &MaybePrincipal(Some(p.clone())), csrf),
        action: format!("/surveys/{}/{n}", url_number(&v.number)),
        v,
        questions,
        errors,
        flash,
    })
}

async fn survey_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path((number, n)): Path<(String, u32)>,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    let flash = match flash.done.as_deref() {
        Some("answered") => Some("问卷已提交，感谢您的参与！"),
        _ => None,
    };
    let page = survey_page_for(&state, &p, &csrf, (&number, n), None, Vec::new(), flash).await?;
    Ok(render(StatusCode::OK, &page))
}

/// Reads the form: one option for questions 1–6, two for question 7; every question left out or
/// answered wrongly is named.
fn answer_of(fields: &[(String, String)]) -> (Chosen, Result<Answer, Vec<String>>) {
    let mut chosen: Chosen = Vec::new();
    let mut errors = Vec::new();
    for (key, label, options) in jijiao_domain::events::report::SURVEY {
        let values: Vec<u8> = fields
            .iter()
            .filter(|(k, _)| k == key)
            .filter_map(|(_, v)| v.trim().parse::<u8>().ok())
            .filter(|v| usize::from(*v) < options.len())
            .collect();
        let wanted = if key == "q7" { 2 } else { 1 };
        if values.len() != wanted {
            errors.push(if wanted == 2 {
                format!("“{label}”请选择两项（已选 {} 项）", values.len())
            } else {
                format!("请回答“{label}”")
            });
        }
        chosen.push((key.to_string(), values));
    }
    if !errors.is_empty() {
        return (chosen, Err(errors));
    }
    let one = |i: usize| chosen[i].1[0];
    let answer = Answer {
        q1: one(0),
        q2: one(1),
        q3: one(2),
        q4: one(3),
        q5: one(4),
        q6: one(5),
        q7: [chosen[6].1[0], chosen[6].1[1]],
    };
    (chosen, Ok(answer))
}

async fn answer_survey(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    csrf: CsrfToken,
    Path((number, n)): Path<(String, u32)>,
    body: String,
) -> Result<Response, PageError> {
    let fields: Vec<(String, String)> = serde_urlencoded::from_str(&body)
        .map_err(|_| PageError::from(ApiError::BadRequest("表单格式不正确，请返回页面重新填写".into())))?;
    let (chosen, answer) = answer_of(&fields);
    let outcome = match answer {
        Ok(answer) => survey::answer(&state, &p, &number, n, &answer).await.map_err(messages),
        Err(errors) => Err(Ok(errors)),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/surveys/{}/{n}?done=answered", url_number(&number))).into_response()),
        Err(errors) => {
            let errors = errors?;
            let page = survey_page_for(&state, &p, &csrf, (&number, n), Some(chosen), errors, None).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_full_form_reads_as_the_answer_and_gaps_are_named() {
        let full = fields(&[
            ("q1", "0"),
            ("q2", "1"),
            ("q3", "2"),
            ("q4", "0"),
            ("q5", "1"),
            ("q6", "0"),
            ("q7", "1"),
            ("q7", "4"),
        ]);
        let (_, answer) = answer_of(&full);
        assert_eq!(answer.unwrap(), Answer { q1: 0, q2: 1, q3: 2, q4: 0, q5: 1, q6: 0, q7: [1, 4] });
        let (chosen, gaps) = answer_of(&full[1..7]);
        let errors = gaps.unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("请回答“1.") && errors[1].contains("已选 1 项"), "{errors:?}");
        assert_eq!(chosen[1], ("q2".to_string(), vec![1]), "what was chosen is kept");
    }
}
