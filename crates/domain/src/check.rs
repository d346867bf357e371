//! The offline checks of formats.md: a document in, the engine's JSON and a readable Chinese
//! report out. `jijiao check …` and the API's check endpoints both call [`run`], so a unit sees
//! the same answer before and after it uploads.

use serde::Serialize;

use crate::credits::RuleSettings;
use crate::document::DocumentError;
use crate::subject::Catalogue;
use crate::{credits, review, score};

/// Which document a check reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An application (申报书): the formal review of rules.md §3.
    Application,
    /// An execution report: the evaluation score of rules.md §5.
    Score,
    /// A professional's activities for a year: the credits of rules.md §2.
    Credits,
}

/// What a check found in a valid document.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The output of formats.md.
    pub json: serde_json::Value,
    /// The readable Chinese report.
    pub text: String,
    /// An application with an error finding (exit status 1; it cannot be submitted).
    pub blocking: bool,
}

fn outcome(value: &impl Serialize, text: String, blocking: bool) -> Outcome {
    Outcome { json: serde_json::to_value(value).expect("engine output serialises"), text, blocking }
}

/// Reads and checks a document; `Err` lists what makes it invalid (exit status 2, HTTP 422).
pub fn run(
    kind: Kind,
    text: &str,
    catalogue: &Catalogue,
    settings: &RuleSettings,
) -> Result<Outcome, Vec<DocumentError>> {
    match kind {
        Kind::Application => {
            let app = review::parse_application(text).map_err(|e| vec![e])?;
            let result = review::review(&app, catalogue);
            Ok(outcome(&result, review::render_text(&result), !result.ok))
        }
        Kind::Score => {
            let report = crate::document::parse::<score::ExecutionReport>(text).map_err(|e| vec![e])?;
            let result = score::evaluate(&report);
            Ok(outcome(&result, score::render_text(&result), false))
        }
        Kind::Credits => {
            let doc = crate::document::parse::<credits::Activities>(text).map_err(|e| vec![e])?;
            credits::validate(&doc, settings).map_err(|e| e.0)?;
            let result = credits::evaluate(&doc, settings);
            Ok(outcome(&result, credits::render_text(&result), false))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCORE: &str = include_str!("../tests/fixtures/score/face_to_face_full.json");
    const CREDITS: &str = include_str!("../tests/fixtures/credits/year_2025.json");
    const APPLICATION: &str = include_str!("../tests/fixtures/review/valid_national.json");

    fn check(kind: Kind, text: &str) -> Result<Outcome, Vec<DocumentError>> {
        run(kind, text, &Catalogue::default_catalogue(), &RuleSettings::default())
    }

    #[test]
    fn each_kind_gives_json_and_text() {
        let score = check(Kind::Score, SCORE).unwrap();
        assert_eq!(score.json["score"], "100.0");
        assert!(!score.blocking && !score.text.is_empty());
        let credits = check(Kind::Credits, CREDITS).unwrap();
        assert!(credits.json["total"].is_string() && credits.json["required"] == "25.0");
        let application = check(Kind::Application, APPLICATION).unwrap();
        assert_eq!((application.json["ok"].as_bool(), application.blocking), (Some(true), false));
    }

    #[test]
    fn invalid_documents_name_the_field() {
        let errors = check(Kind::Score, r#"{"project_number": 1}"#).unwrap_err();
        assert_eq!(errors[0].path, "project_number");
        let errors = check(Kind::Application, "[]").unwrap_err();
        assert!(!errors[0].message.is_empty());
        let bad_year = CREDITS.replacen("\"year\": 2025", "\"year\": 2026", 1);
        assert!(check(Kind::Credits, &bad_year).unwrap_err().iter().all(|e| e.path.starts_with("activities[")));
    }

    #[test]
    fn an_application_with_an_error_blocks() {
        let broken = APPLICATION.replacen("\"in_post\": true", "\"in_post\": false", 1);
        assert_ne!(broken, APPLICATION, "the fixture has the field");
        let outcome = check(Kind::Application, &broken).unwrap();
        assert!(outcome.blocking);
        assert!(outcome.text.contains("leader.in_post"));
    }
}
