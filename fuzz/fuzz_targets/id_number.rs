//! ID numbers (居民身份证号码) as users type them: parsing, and what a parsed number promises.
#![no_main]

use jijiao_domain::id_number::{IdNumber, check_char};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(id) = IdNumber::parse(text) {
        let canonical = id.as_str();
        assert_eq!(canonical.len(), 18);
        assert_eq!(IdNumber::parse(canonical).as_ref(), Ok(&id), "canonical form parses to itself");
        assert_eq!(canonical.chars().last(), Some(check_char(&canonical[..17])));
        assert_eq!(id.birth_date().format("%Y%m%d").to_string(), canonical[6..14]);
        let _ = (id.sex(), id.area_code());
    }
});
