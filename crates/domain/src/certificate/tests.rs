//! Certificates: numbers, canonical JSON, signatures against published keys, the QR text; and the
//! property that any change to the signed facts fails verification.

use chrono::NaiveDate;
use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::Year;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn facts() -> Facts {
    Facts {
        number: "2026-11-00000001".into(),
        kind: CertificateKind::Credit,
        name: "刘䶮".into(),
        id_number: mask_id_number("11010519491231002X"),
        project_number: "2026-03-07-012（国）".into(),
        project_name: "心力衰竭规范化诊疗".into(),
        level: Level::National,
        delivery: Delivery::FaceToFace,
        start: Some(day(2026, 5, 10)),
        end: day(2026, 5, 12),
        place: "北京市东城区帅府园1号".into(),
        hours: "18.0".into(),
        credits: "6.0".into(),
        office: "11".into(),
        office_name: office_name("11"),
        issued_on: day(2026, 6, 1),
        kid: "11-1".into(),
        replaces: None,
    }
}

fn key(seed: u8) -> SecretKey {
    SecretKey::from_bytes([seed; 32])
}

fn published(secret: &SecretKey, kid: &str, office: &str, from: NaiveDate, until: Option<NaiveDate>) -> PublishedKey {
    PublishedKey { kid: kid.into(), office: office.into(), public_key: secret.public_key_base64(), from, until }
}

fn keys() -> Vec<PublishedKey> {
    vec![published(&key(1), "11-1", "11", day(2025, 1, 1), None)]
}

#[test]
fn numbers_read_and_print_as_year_province_sequence() {
    let n = CertificateNumber::new(Year::try_from(2026).unwrap(), "11", 42).unwrap();
    assert_eq!(n.to_string(), "2026-11-00000042");
    assert_eq!(CertificateNumber::parse("2026-11-00000042").unwrap(), n);
    assert_eq!(CertificateNumber::parse(" 2026-13-99999999 ").unwrap().sequence(), 99_999_999);
    for bad in ["2026-11-42", "2026-1-00000042", "26-11-00000042", "2026-11-0000004x", "2026-11-00000042-1", ""] {
        assert_eq!(CertificateNumber::parse(bad), Err(NumberError::Shape), "{bad}");
    }
    assert_eq!(CertificateNumber::parse("2026-99-00000001"), Err(NumberError::Province("99".into())));
    assert_eq!(CertificateNumber::parse("2026-11-00000000"), Err(NumberError::Sequence));
    assert_eq!(CertificateNumber::parse("1800-11-00000001"), Err(NumberError::Year));
}

#[test]
fn the_id_number_shows_its_first_six_and_last_four() {
    assert_eq!(mask_id_number("11010519491231002X"), "110105********002X");
}

#[test]
fn canonical_json_sorts_keys_and_has_no_whitespace() {
    let value = json!({ "b": [1, { "z": null, "a": "王喆" }], "a": true, "é": "x", "B": 2 });
    assert_eq!(canonical_json(&value), r#"{"B":2,"a":true,"b":[1,{"a":"王喆","z":null}],"é":"x"}"#);
    let c = facts().canonical();
    assert!(c.starts_with(r#"{"credits":"6.0","delivery":"face_to_face","end":"2026-05-12","hours":"18.0","id_number":"110105********002X","#), "{c}");
    assert!(c.contains(r#""name":"刘䶮""#) && c.contains(r#""replaces":null"#));
    // The same facts however their keys were ordered or spaced.
    let spaced: Value = serde_json::from_str(&serde_json::to_string_pretty(&facts()).unwrap()).unwrap();
    assert_eq!(canonical_json(&spaced), c);
}

/// The canonical form as first written (each key escaped through a `Value::String` of its own):
/// what every certificate issued so far was signed over, so the faster writer must agree with it.
fn canonical_as_first_written(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            let inner: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), canonical_as_first_written(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => {
            format!("[{}]", items.iter().map(canonical_as_first_written).collect::<Vec<_>>().join(","))
        }
        scalar => scalar.to_string(),
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,8}|[\\x00-\\x1f\"\\\\王喆䶮é]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("\\PC{0,4}|[\\x00-\\x1f\"a-z]{0,3}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn canonical_json_writes_what_it_first_wrote(value in json_value()) {
        prop_assert_eq!(canonical_json(&value), canonical_as_first_written(&value));
    }
}

/// A server's own decoding of the keys is what verification checks the signature with: a point
/// from another key fails, whatever the published text says.
#[test]
fn verification_uses_the_decoded_point_it_is_given() {
    let f = facts();
    let signature = key(1).sign(&f);
    let own = |k: &PublishedKey| decode_public_key(k);
    assert_eq!(verify_decoding(&f.to_value(), &signature, &keys(), own).unwrap(), f);
    let other = decode_public_key(&published(&key(2), "11-1", "11", day(2025, 1, 1), None)).unwrap();
    assert_eq!(verify_decoding(&f.to_value(), &signature, &keys(), |_| Ok(other)), Err(VerifyError::BadSignature));
}

#[test]
fn signed_facts_verify_and_come_back() {
    let f = facts();
    let signature = key(1).sign(&f);
    assert_eq!(verify(&f.to_value(), &signature, &keys()).unwrap(), f);
    // URL-safe base64 is read too.
    let url_safe = signature.replace('+', "-").replace('/', "_").trim_end_matches('=').to_string();
    assert!(verify(&f.to_value(), &url_safe, &keys()).is_ok());
}

#[test]
fn a_changed_fact_a_foreign_key_or_a_wrong_office_fails() {
    let f = facts();
    let signature = key(1).sign(&f);
    let mut changed = f.to_value();
    changed["credits"] = json!("9.0");
    assert_eq!(verify(&changed, &signature, &keys()), Err(VerifyError::BadSignature));

    let forged = key(2).sign(&f);
    assert_eq!(verify(&f.to_value(), &forged, &keys()), Err(VerifyError::BadSignature));

    let unknown = Facts { kid: "11-9".into(), ..f.clone() };
    assert_eq!(
        verify(&unknown.to_value(), &key(1).sign(&unknown), &keys()),
        Err(VerifyError::UnknownKey("11-9".into()))
    );

    // 河北's key cannot sign for 北京.
    let hebei = vec![published(&key(1), "11-1", "13", day(2025, 1, 1), None)];
    assert!(matches!(verify(&f.to_value(), &signature, &hebei), Err(VerifyError::OfficeMismatch { .. })));

    // A field added to the facts is signed data too: unknown fields are refused outright.
    let mut extra = f.to_value();
    extra["note"] = json!("x");
    assert!(matches!(verify(&extra, &signature, &keys()), Err(VerifyError::Malformed(_))));
    assert!(matches!(verify(&f.to_value(), "not base64!", &keys()), Err(VerifyError::Malformed(_))));
}

#[test]
fn a_retired_key_verifies_what_it_signed_before_it_was_retired() {
    let f = facts();
    let retired = published(&key(1), "11-1", "11", day(2025, 1, 1), Some(day(2026, 6, 1)));
    let current = published(&key(2), "11-2", "11", day(2026, 6, 1), None);
    let set = vec![retired.clone(), current];
    assert!(verify(&f.to_value(), &key(1).sign(&f), &set).is_ok());
    let later = Facts { issued_on: day(2026, 6, 2), ..f.clone() };
    assert!(matches!(verify(&later.to_value(), &key(1).sign(&later), &set), Err(VerifyError::OutsideKeyPeriod { .. })));
    let renewed = Facts { kid: "11-2".into(), ..later };
    assert!(verify(&renewed.to_value(), &key(2).sign(&renewed), &set).is_ok());
}

#[test]
fn the_qr_text_is_the_verification_url_with_facts_and_signature() {
    let f = facts();
    let signature = key(1).sign(&f);
    let text = qr_text("https://jijiao.example/", &f, &signature);
    assert!(text.starts_with("https://jijiao.example/certificates/verify?number=2026-11-00000001#c1."), "{text}");
    let read = read_qr_text(&text).unwrap();
    assert_eq!(read.url, "https://jijiao.example/certificates/verify?number=2026-11-00000001");
    assert_eq!(read.signature, signature);
    assert_eq!(verify(&read.facts, &read.signature, &keys()).unwrap(), f);
    assert!(read_qr_text("https://jijiao.example/").is_err());
    assert!(read_qr_text("https://jijiao.example/certificates/verify?number=1#c2.a.b").is_err());
}

#[test]
fn titles_by_kind() {
    assert_eq!(CertificateKind::Credit.title(), "继续医学教育学分证书");
    assert_eq!(CertificateKind::Teaching.title(), "授课证明");
    assert_eq!(CertificateKind::from_code("teaching"), Some(CertificateKind::Teaching));
}

proptest! {
    /// Any one byte of the signed canonical JSON changed: the certificate no longer verifies, unless
    /// the change left the very same facts (which a one-byte change of canonical JSON cannot).
    #[test]
    fn any_changed_byte_in_the_facts_fails(at in 0usize..2000, replacement in any::<u8>()) {
        let f = facts();
        let signature = key(1).sign(&f);
        let mut bytes = f.canonical().into_bytes();
        let at = at % bytes.len();
        prop_assume!(bytes[at] != replacement);
        bytes[at] = replacement;
        let Ok(text) = String::from_utf8(bytes) else { return Ok(()) };
        let Ok(value) = serde_json::from_str::<Value>(&text) else { return Ok(()) };
        prop_assert!(verify(&value, &signature, &keys()).is_err(), "{}", text);
    }

    /// Numbers print and read back for every year, province and sequence.
    #[test]
    fn numbers_round_trip(year in 1900i32..=2200, province in 0usize..32, sequence in 1u32..=MAX_SEQUENCE) {
        let code = crate::province::PROVINCES[province].code;
        let n = CertificateNumber::new(Year::try_from(year).unwrap(), code, sequence).unwrap();
        prop_assert_eq!(CertificateNumber::parse(&n.to_string()).unwrap(), n);
    }

    /// Any name and place sign and verify, and survive the QR text.
    #[test]
    fn any_text_survives_signing_and_the_qr(name in "\\PC{1,12}", place in "\\PC{0,30}") {
        let f = Facts { name, place, ..facts() };
        let signature = key(3).sign(&f);
        let set = vec![published(&key(3), "11-1", "11", day(2025, 1, 1), None)];
        let read = read_qr_text(&qr_text("http://127.0.0.1:8080", &f, &signature)).unwrap();
        prop_assert_eq!(verify(&read.facts, &read.signature, &set).unwrap(), f);
    }
}
