//! The learners' phone survey (rules.md §7.4, Attachment 2's questions 1–7): one learner's answers,
//! the checks they pass, when a period's survey is open, and how the answers become the counts of
//! the execution report's survey grid ([`Survey`]), which the unit may still edit before it saves.
//!
//! An answer names each option by its place in the form, from 0 ([`SURVEY`]'s order): questions 1–6
//! one option each, question 7 ("收获最大的是（选二项）") two different ones.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Problem;
use super::report::SURVEY;
use crate::score::Survey;

/// One learner's answers: each question's chosen option, from 0, in the order of the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub q1: u8,
    pub q2: u8,
    pub q3: u8,
    pub q4: u8,
    pub q5: u8,
    pub q6: u8,
    /// The two biggest gains, two different options.
    pub q7: [u8; 2],
}

impl Answer {
    /// Questions 1–6 with their chosen option, in order.
    pub fn single(&self) -> [(&'static str, u8); 6] {
        [("q1", self.q1), ("q2", self.q2), ("q3", self.q3), ("q4", self.q4), ("q5", self.q5), ("q6", self.q6)]
    }
}

/// Reads an answer body: JSON with the seven questions, nothing else; problems name the field.
pub fn parse(text: &str) -> Result<Answer, Vec<Problem>> {
    let answer =
        crate::document::parse::<Answer>(text).map_err(|e| vec![Problem::new("survey.format", e.path, e.message)])?;
    let problems = check(&answer);
    if problems.is_empty() { Ok(answer) } else { Err(problems) }
}

fn label(key: &str) -> (&'static str, &'static [&'static str]) {
    SURVEY.iter().find(|(k, ..)| *k == key).map(|(_, l, o)| (*l, *o)).unwrap_or(("", &[]))
}

/// `survey.option`: every chosen option exists; question 7's two differ.
pub fn check(answer: &Answer) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (key, chosen) in answer.single() {
        let (label, options) = label(key);
        if usize::from(chosen) >= options.len() {
            problems.push(Problem::new(
                "survey.option",
                key,
                format!("“{label}”只有 {} 个选项（0 至 {}），没有选项 {chosen}", options.len(), options.len() - 1),
            ));
        }
    }
    let (label, options) = label("q7");
    for (i, chosen) in answer.q7.iter().enumerate() {
        if usize::from(*chosen) >= options.len() {
            problems.push(Problem::new(
                "survey.option",
                format!("q7[{i}]"),
                format!("“{label}”只有 {} 个选项（0 至 {}），没有选项 {chosen}", options.len(), options.len() - 1),
            ));
        }
    }
    if answer.q7[0] == answer.q7[1] {
        problems.push(Problem::new("survey.option", "q7", format!("“{label}”请选择两个不同的选项")));
    }
    problems
}

/// When a period's survey opens: on its last day (the learners answer as it closes) and after it.
pub fn open(end: NaiveDate, today: NaiveDate) -> Result<(), String> {
    if today < end { Err(format!("本期 {end} 结束，结束当天起才能填写问卷")) } else { Ok(()) }
}

/// The survey grid the answers fill: each option counted; question 7 counts both choices of each
/// learner (so its counts add up to twice the answers, as `report.survey_counts` allows).
pub fn counts(answers: &[Answer]) -> Survey {
    let mut grid = [[0_u32; 3]; 6];
    let mut q7 = [0_u32; 5];
    for a in answers {
        for (q, (_, chosen)) in a.single().iter().enumerate() {
            if let Some(cell) = grid[q].get_mut(usize::from(*chosen)) {
                *cell += 1;
            }
        }
        for chosen in a.q7 {
            if let Some(cell) = q7.get_mut(usize::from(chosen)) {
                *cell += 1;
            }
        }
    }
    Survey { q1: grid[0], q2: grid[1], q3: grid[2], q4: grid[3], q5: grid[4], q6: grid[5], q7: Some(q7), form: None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::report::{Report, check_draft};

    fn answer(q: u8, q7: [u8; 2]) -> Answer {
        Answer { q1: q, q2: q, q3: q, q4: q, q5: q, q6: q, q7 }
    }

    #[test]
    fn answers_are_counted_per_option_and_q7_twice() {
        let survey = counts(&[answer(0, [0, 1]), answer(0, [1, 4]), answer(2, [3, 4])]);
        assert_eq!(survey.q1, [2, 0, 1]);
        assert_eq!(survey.q6, [2, 0, 1]);
        assert_eq!(survey.q7, Some([1, 2, 0, 1, 2]));
        assert_eq!(survey.form, None);
        assert_eq!(counts(&[]).q1, [0, 0, 0], "no answers, no counts");
    }

    #[test]
    fn counts_of_the_answers_pass_the_reports_check_for_as_many_learners() {
        let survey = counts(&[answer(1, [0, 1]), answer(0, [2, 1])]);
        let report = Report {
            form: crate::events::filing::Form::Offline,
            courseware: None,
            hours: None,
            teaching: Vec::new(),
            effect_analysis: String::new(),
            survey: Some(survey),
            problems: String::new(),
            textbooks: Vec::new(),
        };
        assert!(check_draft(&report, 2).is_empty());
        assert_eq!(check_draft(&report, 1).len(), 7, "every question exceeds one learner");
    }

    #[test]
    fn options_outside_the_form_and_the_same_choice_twice_are_refused_by_name() {
        let problems = check(&Answer { q4: 3, ..answer(0, [5, 5]) });
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["q4", "q7[0]", "q7[1]", "q7"]);
        assert!(problems[0].message.contains("只有 3 个选项"), "{problems:?}");
        assert!(problems[3].message.contains("两个不同"), "{problems:?}");
        assert!(check(&answer(2, [0, 4])).is_empty());
    }

    #[test]
    fn bodies_are_read_strictly() {
        let good = r#"{"q1":0,"q2":1,"q3":2,"q4":0,"q5":0,"q6":1,"q7":[1,3]}"#;
        assert_eq!(parse(good).unwrap().q7, [1, 3]);
        let missing = parse(r#"{"q1":0}"#).unwrap_err();
        assert_eq!(missing[0].rule, "survey.format");
        let extra = parse(&good.replace('}', r#","name":"张三"}"#)).unwrap_err();
        assert_eq!(extra[0].field, "name", "{extra:?}");
        assert_eq!(parse(&good.replace("\"q2\":1", "\"q2\":7")).unwrap_err()[0].field, "q2");
    }

    #[test]
    fn the_survey_opens_on_the_last_day() {
        let end = NaiveDate::from_ymd_opt(2026, 5, 12).unwrap();
        assert!(open(end, end).is_ok());
        assert!(open(end, end.succ_opt().unwrap()).is_ok());
        assert!(open(end, end.pred_opt().unwrap()).unwrap_err().contains("2026-05-12"));
    }
}
