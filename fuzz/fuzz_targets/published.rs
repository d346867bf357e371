//! The cells of published project lists: 项目编号 (`ProjectNumber::parse`), 举办期限
//! (`parse_terms`), 学分 (`parse_credits`), 拟招生人数 (`parse_enrollment`). What parses must
//! print back to text that parses to the same value.
#![no_main]

use jijiao_domain::publication::{ProjectNumber, format_terms, parse_credits, parse_enrollment, parse_terms};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for mark in [None, Some("国"), Some("粤")] {
        if let Ok(number) = ProjectNumber::parse(text, mark) {
            assert_eq!(ProjectNumber::parse(&number.text(), None).as_ref(), Ok(&number), "{text:?}");
        }
    }
    if let Ok(terms) = parse_terms(text) {
        assert!(!terms.is_empty());
        let again = parse_terms(&format_terms(&terms)).expect("formatted terms parse");
        assert!(
            again.len() == terms.len() && again.iter().zip(&terms).all(|(a, b)| a.start == b.start && a.end == b.end)
        );
    }
    if let Ok(tenths) = parse_credits(text) {
        assert!((1..=250).contains(&tenths));
    }
    if let Ok((count, _)) = parse_enrollment(text) {
        assert!((1..=1_000_000).contains(&count));
    }
});
