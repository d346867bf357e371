//! The application JSON document of formats.md, read and checked as `jijiao check` and the API do
//! (`check::run`): parsing with field paths, then the rules engine on whatever parses.
#![no_main]

use std::sync::OnceLock;

use jijiao_domain::check::{Kind, run};
use jijiao_domain::credits::RuleSettings;
use jijiao_domain::subject::Catalogue;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    let Ok(text) = std::str::from_utf8(data) else { return };
    let catalogue = CATALOGUE.get_or_init(Catalogue::default_catalogue);
    match run(Kind::Application, text, catalogue, &RuleSettings::default()) {
        Ok(outcome) => assert!(!outcome.text.is_empty()),
        Err(problems) => assert!(!problems.is_empty() && problems.iter().all(|p| !p.message.is_empty())),
    }
});
