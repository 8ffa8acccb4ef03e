//! Conformance of `validate_object` against the verdicts of the OASIS reference validator
//! (stix2-validator 3.3.x), recorded from its own test suite in
//! `shared/conformance/stix2-validator-cases.jsonl`.
//!
//! # Which cases count
//!
//! Only verdicts that rest on MUST-level rules carry over to tearline, which rejects objects for
//! MUST violations and merely warns about SHOULD violations. Almost every case was run with
//! `strict: true`, which turns the reference's SHOULD checks into errors, so cases are classified
//! by their messages, in this order:
//!
//! 1. `raised: ValidationError` (the reference refused the input as not STIX, e.g. a bundle or
//!    object without `id` or `type`): expected **invalid**. Other exceptions (`JSONError` from
//!    invalid options) are excluded.
//! 2. `options.version` set (STIX 2.0 runs, and runs told to assume 2.1, in which the reference
//!    does not require `spec_version` on objects): excluded.
//! 3. `options.schema_dir` set (the case validates against extra, test-only JSON schemas):
//!    excluded.
//! 4. `options.interop` set (an interoperability profile stricter than STIX): excluded.
//! 5. `is_valid: true`: expected **valid** (it passed even the SHOULD checks).
//! 6. `is_valid: false`: the MUST-level messages are the error messages that carry no `{NNN}`
//!    check code (the reference codes all of its SHOULD checks), leaving out those that only
//!    `strict_properties` / `strict_types` produce ("... is not one of those defined in the
//!    specification", "is not a valid stix observable type", "is not a valid property for") and
//!    the pattern custom-prefix advice ("should start with"). If any remain: expected
//!    **invalid**; otherwise the verdict rests on SHOULD rules only and the case is excluded from
//!    the figure (tearline must still accept those objects; that is counted separately).
//!
//! Cases whose recorded input is not what the reference validated are excluded as recording
//! defects. Many upstream tests mutate one object between several validator calls, and the
//! recorder kept the object itself, so every call of such a test shows the object's *final*
//! state (e.g. `test_invalid_timestamp#1` quotes `modified: '2016-13-12T08:17:27.000Z'`, a value
//! its recorded input does not contain). The final state belongs to the last call, so: a case is
//! a recording defect when a later case of the same upstream test has the identical recorded
//! input but a different outcome (verdict or MUST-level messages).
//!
//! Every remaining disagreement is listed in [`DISAGREEMENTS`] with the STIX 2.1 clause behind
//! tearline's verdict; the test fails on any disagreement not listed, and on any listed case that
//! no longer disagrees (so the list stays true).

use std::collections::HashMap;

use serde_json::Value;
use tearline_stix::validate::validate_object;

const CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/conformance/stix2-validator-cases.jsonl");

/// Disagreements (cases named `file::Class::test#n`, `n` the 1-based occurrence of that test in
/// the corpus) with the reference, each with the STIX 2.1 (OASIS Standard) clause that supports
/// tearline's verdict.
const DISAGREEMENTS: &[(&str, &str)] = &[(
    "custom_obj_tests.py::CustomObjectTestCases::test_invalid_property_name_starting_character_in_instance#1",
    "STIX 2.1 section 11.1: custom property names MUST be 3 to 250 characters of a-z, 0-9 and '_' and SHOULD \
     start with an alpha character; '9ome_custom_stuff' breaks only the SHOULD, so tearline accepts it with a \
     warning (the reference's schema makes the alpha start a MUST)",
)];

/// The clauses behind the [`STRICTER`] cases.
const REF_UUID: &str = "STIX 2.1 section 2.9: an identifier MUST be object-type--UUID with an RFC 4122 UUID; \
    the src_ref 'ipv4-addr--e42c19c8-f9fe-5ae9-9fc8-22c398f78fb' has 11 hex digits in its last group, not 12";
const SPEC_VERSION: &str = "STIX 2.1 section 3.2: spec_version is required on SDOs and SROs; section 8: a 2.1 \
    bundle carries no spec_version for its objects to inherit (that was STIX 2.0)";

/// Disagreements where tearline rejects an object the reference accepts because the reference
/// does not implement that MUST rule at all (its schemas check only the type prefix of
/// network-traffic references; with no `version` option
/// it lets a bundle-level `spec_version` stand for the objects'). Listed like the others and
/// counted in the raw figure; the 98% threshold is asserted on the cases the reference judges.
const STRICTER: &[(&str, &str)] = &[
    ("network_traffic_tests.py::ObservedDataTestCases::test_invalid_start_end_time#3", REF_UUID),
    ("network_traffic_tests.py::ObservedDataTestCases::test_network_traffic_end_is_active#2", REF_UUID),
    ("network_traffic_tests.py::ObservedDataTestCases::test_network_traffic_http_request_header#2", REF_UUID),
    ("network_traffic_tests.py::ObservedDataTestCases::test_network_traffic_ipfix#2", REF_UUID),
    ("network_traffic_tests.py::ObservedDataTestCases::test_network_traffic_protocols#2", REF_UUID),
    ("network_traffic_tests.py::ObservedDataTestCases::test_network_traffic_protocols#3", REF_UUID),
    ("network_traffic_tests.py::ObservedDataTestCases::test_network_traffic_socket_options#2", REF_UUID),
    ("network_traffic_tests.py::ObservedDataTestCases::test_wellformed_network_traffic#1", REF_UUID),
    ("spec_version_tests.py::SpecVersionTestCases::test_bundle#1", SPEC_VERSION),
    ("spec_version_tests.py::SpecVersionTestCases::test_bundle#2", SPEC_VERSION),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Valid,
    Invalid,
}

enum Class {
    Counted(Expect),
    ShouldOnly,
    Excluded,
}

fn has_check_code(m: &str) -> bool {
    let b = m.as_bytes();
    b.windows(5).any(|w| w[0] == b'{' && w[4] == b'}' && w[1..4].iter().all(u8::is_ascii_digit))
}

fn must_messages(case: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for r in case["results"].as_array().into_iter().flatten() {
        for e in r["errors"].as_array().into_iter().flatten() {
            let m = e["message"].as_str().unwrap_or_default();
            let strict_only = ["is not one of those defined in the specification", "is not a valid stix observable type", "is not a valid property for"]
                .iter()
                .any(|s| m.contains(s));
            let prefix_advice = m.contains("Pattern failed to validate") && m.contains("should start with");
            if !has_check_code(m) && !strict_only && !prefix_advice {
                out.push(m.to_owned());
            }
        }
    }
    out
}

fn classify(case: &Value) -> Class {
    let o = &case["options"];
    if let Some(raised) = case.get("raised") {
        return if raised == "ValidationError" { Class::Counted(Expect::Invalid) } else { Class::Excluded };
    }
    if o["version"].is_string() || o["schema_dir"].is_string() || o["interop"] == true {
        return Class::Excluded;
    }
    if case["is_valid"] == true {
        return Class::Counted(Expect::Valid);
    }
    if must_messages(case).is_empty() { Class::ShouldOnly } else { Class::Counted(Expect::Invalid) }
}

/// tearline's verdict on a case's input: each object of a JSON list must be valid.
fn tearline(case: &Value) -> (Expect, Vec<String>) {
    let input = &case["input"];
    let parsed;
    let value = match input {
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(v) => {
                parsed = v;
                &parsed
            }
            Err(e) => return (Expect::Invalid, vec![format!("not JSON: {e}")]),
        },
        v => v,
    };
    let objects: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        v => vec![v],
    };
    let mut errors = Vec::new();
    for o in objects {
        errors.extend(validate_object(o).errors.iter().map(ToString::to_string));
    }
    (if errors.is_empty() { Expect::Valid } else { Expect::Invalid }, errors)
}

#[test]
fn agrees_with_the_reference_validator_on_must_level_verdicts() {
    let text = std::fs::read_to_string(CASES).unwrap_or_else(|e| {
        panic!("cannot read the conformance corpus at {CASES}: {e}; the shared/ directory must sit beside the checkout")
    });
    let cases: Vec<Value> = text
        .lines()
        .enumerate()
        .map(|(i, line)| serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}", i + 1)))
        .collect();
    // The outcome of the last case of each (test, input): the one the input really belongs to.
    let outcome = |c: &Value| (c["is_valid"].clone(), c["raised"].clone(), must_messages(c));
    let key = |c: &Value| (c["test"].to_string(), c["input"].to_string());
    let mut last = HashMap::new();
    for c in &cases {
        last.insert(key(c), outcome(c));
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let (mut agree, mut counted, mut should_only, mut should_only_accepted) = (0, 0, 0, 0);
    let mut unexpected = Vec::new();
    let mut listed_found = Vec::new();
    let mut defects = 0;
    for case in &cases {
        let test = case["test"].as_str().unwrap_or_default().trim_start_matches("stix2validator/test/v21/");
        let n = seen.entry(test.to_owned()).and_modify(|n| *n += 1).or_insert(1);
        let name = format!("{test}#{n}");
        if last[&key(case)] != outcome(case) {
            defects += 1;
            continue;
        }
        let (verdict, errors) = tearline(case);
        match classify(case) {
            Class::Excluded => {}
            Class::ShouldOnly => {
                should_only += 1;
                if verdict == Expect::Valid {
                    should_only_accepted += 1;
                } else if std::env::var_os("CONFORMANCE_VERBOSE").is_some() {
                    println!("SHOULD-only rejected: {name}: {errors:?}");
                }
            }
            Class::Counted(expected) => {
                counted += 1;
                let listed = DISAGREEMENTS.iter().chain(STRICTER).any(|(c, _)| *c == name);
                if verdict == expected {
                    agree += 1;
                    assert!(!listed, "{name} is listed as a disagreement but now agrees ({expected:?}); remove it from DISAGREEMENTS");
                } else if listed {
                    listed_found.push(name);
                } else {
                    unexpected.push(format!(
                        "{name}: reference {expected:?}, tearline {verdict:?}\n    reference: {:?}\n    tearline: {errors:?}",
                        must_messages(case)
                    ));
                }
            }
        }
    }
    let pct = 100.0 * agree as f64 / counted as f64;
    println!("agree {agree}/{counted} = {pct:.1}% (raw: every MUST-level case)");
    let judged = counted - STRICTER.len();
    let judged_pct = 100.0 * agree as f64 / judged as f64;
    println!(
        "agree {agree}/{judged} = {judged_pct:.1}% (leaving out the {} cases where tearline enforces a MUST rule the reference does not check)",
        STRICTER.len()
    );
    println!("SHOULD-only cases (excluded from the figure) that tearline accepts: {should_only_accepted}/{should_only}");
    println!("recording defects excluded: {defects} of {} cases", cases.len());
    assert!(unexpected.is_empty(), "{} disagreement(s) not listed:\n{}", unexpected.len(), unexpected.join("\n"));
    assert_eq!(listed_found.len(), DISAGREEMENTS.len() + STRICTER.len(), "a listed disagreement was not found in the corpus");
    assert!(judged_pct >= 98.0, "agreement {judged_pct:.1}% is below 98%");
}
