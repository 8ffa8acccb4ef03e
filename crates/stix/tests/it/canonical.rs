//! RFC 8785 (JSON Canonicalization Scheme) against the RFC's own examples.

use serde_json::Value;
use tearline_stix::canonical::{canonical_sha256, to_canonical_string};

fn canon(json: &str) -> String {
    to_canonical_string(&serde_json::from_str::<Value>(json).unwrap())
}

/// RFC 8785 section 3.2.2: the sample input and its canonical form.
#[test]
fn rfc8785_section_3_2_2_example() {
    let input = r#"{
        "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
        "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
        "literals": [null, true, false]
    }"#;
    assert_eq!(
        canon(input),
        r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
    );
}

/// RFC 8785 section 3.2.3: property sorting by UTF-16 code units.
#[test]
fn rfc8785_section_3_2_3_sorting() {
    let input = r#"{
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\ud83d\ude00": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis"
    }"#;
    assert_eq!(
        canon(input),
        "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\",\
         \"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}"
    );
}

/// RFC 8785 appendix B: IEEE 754 doubles and their ECMAScript serialisation.
#[test]
fn rfc8785_appendix_b_numbers() {
    let cases: &[(u64, &str)] = &[
        (0x0000000000000000, "0"),
        (0x8000000000000000, "0"),
        (0x0000000000000001, "5e-324"),
        (0x8000000000000001, "-5e-324"),
        (0x7fefffffffffffff, "1.7976931348623157e+308"),
        (0xffefffffffffffff, "-1.7976931348623157e+308"),
        (0x4340000000000000, "9007199254740992"),
        (0xc340000000000000, "-9007199254740992"),
        (0x4430000000000000, "295147905179352830000"),
        (0x44b52d02c7e14af5, "9.999999999999997e+22"),
        (0x44b52d02c7e14af6, "1e+23"),
        (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
        (0x444b1ae4d6e2ef4e, "999999999999999700000"),
        (0x444b1ae4d6e2ef4f, "999999999999999900000"),
        (0x444b1ae4d6e2ef50, "1e+21"),
        (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
        (0x3eb0c6f7a0b5ed8d, "0.000001"),
        (0x41b3de4355555553, "333333333.3333332"),
        (0x41b3de4355555554, "333333333.33333325"),
        (0x41b3de4355555555, "333333333.3333333"),
        (0x41b3de4355555556, "333333333.3333334"),
        (0x41b3de4355555557, "333333333.33333343"),
        (0xbecbf647612f3696, "-0.0000033333333333333333"),
        (0x43143ff3c1cb0959, "1424953923781206.2"),
    ];
    for &(bits, expected) in cases {
        let f = f64::from_bits(bits);
        let v = serde_json::Number::from_f64(f).map(Value::Number).unwrap();
        assert_eq!(to_canonical_string(&v), expected, "{bits:#018x}");
        // Parsing the expected text back gives the same canonical text.
        assert_eq!(canon(expected), expected, "{bits:#018x} re-parsed");
    }
}

#[test]
fn large_integers_are_read_as_doubles() {
    assert_eq!(canon("1152921504606846976"), "1152921504606847000");
    assert_eq!(canon("9007199254740993"), "9007199254740992");
    assert_eq!(canon("-9007199254740992"), "-9007199254740992");
}

#[test]
fn hash_is_of_the_canonical_bytes() {
    let a = serde_json::json!({"b": 1, "a": [true, null]});
    let b: Value = serde_json::from_str(r#"{ "a" : [ true , null ], "b" : 1.0 }"#).unwrap();
    assert_eq!(canonical_sha256(&a), canonical_sha256(&b));
}
