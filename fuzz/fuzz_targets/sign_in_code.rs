//! QR sign-in codes (rules.md §7.6) as phones send them back: parsing, and what a parsed code
//! promises (its text reads back to itself; an unknown key never makes it authentic).
#![no_main]

use jijiao_domain::events::sign_in::{Code, Secret};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(code) = Code::parse(text) {
        let canonical = code.to_string();
        assert_eq!(Code::parse(&canonical).as_ref(), Ok(&code), "canonical form parses to itself");
        let _ = code.authentic(&Secret::new([0; 32]), "2026-03-01-930（国）");
        let _ = code.fresh(i64::MAX);
        let _ = code.fresh(i64::MIN);
    }
});
