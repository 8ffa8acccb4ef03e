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
//! 2. STIX 2.0 runs: excluded. Either `options.version` is set (STIX 2.0 runs, and runs told to
//!    assume 2.1, in which the reference does not require `spec_version` on objects), or the
//!    reference's own version detection validated some object of the input against its STIX 2.0
//!    rules: an object with `spec_version: "2.0"`, every object of a bundle with
//!    `spec_version: "2.0"`, and, in any other bundle, an object with `created` but no
//!    `spec_version` (the reference logs "no spec_version so treated as a 2.0 object in a 2.1
//!    bundle"; upstream `spec_version_tests.py::test_bundle` says so in its comments). Such a
//!    verdict is about STIX 2.0, which tearline does not accept (section 3.2: `spec_version` is
//!    required on SDOs and SROs and MUST be `2.1`).
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
//! The rule cannot see a mutation that leaves the outcome unchanged (e.g.
//! `spec_version_tests.py::test_object#1` really validated `spec_version: "2.0"`, but its recorded
//! input says `2.1` and both of its calls passed); such cases stay counted.
//!
//! Every remaining disagreement is listed in [`DISAGREEMENTS`] with the STIX 2.1 clause behind
//! tearline's verdict; the test fails on any disagreement not listed, and on any listed case that
//! no longer disagrees (so the list stays true).
//!
//! # The figure
//!
//! Every counted case is in the denominator, including those where tearline rejects an object
//! for a MUST rule that the reference does not check at all. The issue asks for 98%; the figure is
//! 261/269 = 97.0% (when written), and all 8 disagreements are one upstream fixture
//! (`VALID_NETWORK_TRAFFIC_DEFINITION`, whose `src_ref` has an 11-digit last UUID group) accepted
//! by a reference whose network-traffic schema types `src_ref` as a bare string. Agreeing would
//! mean accepting a malformed identifier (section 2.9), and leaving them out would mean leaving
//! out cases because tearline disagrees with them, so [`FLOOR`] holds the honest figure instead.

use std::collections::HashMap;

use serde_json::Value;
use tearline_stix::validate::validate_object;

const CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/conformance/stix2-validator-cases.jsonl");

/// Disagreements (cases named `file::Class::test#n`, `n` the 1-based occurrence of that test in
/// the corpus) with the reference, each with the STIX 2.1 (OASIS Standard) clause that supports
/// tearline's verdict.
///
/// All are cases where tearline rejects an object the reference accepts, because the reference
/// does not implement the MUST rule at all: its STIX 2.1 network-traffic schema declares
/// `src_ref` as `{"type": "string"}` (no identifier pattern), and none of its Python MUST checks
/// looks at the form of a network-traffic reference outside an observed-data container.
const DISAGREEMENTS: &[(&str, &str)] = &[
    ("network_traffic_tests.py::ObservedDataTestCases::test_invalid_start_end_time#3", REF_UUID),
    ("network_traffic_tests.py::ObservedDataTestCases::test_network_traffic_end_is_active#2", REF_UUID),
    ("network_traffic_tests.py::ObservedDataTestCases::test_network_traffic_http_request_header#2", REF_UUID),
    ("network_traffic_tests.py::ObservedDataTestCases::test_network_traffic_ipfix#2", REF_UUID),
    ("network_traffic_tests.py::ObservedDataTestCases::test_network_traffic_protocols#2", REF_UUID),
    ("network_traffic_tests.py::ObservedDataTestCases::test_network_traffic_protocols#3", REF_UUID),
    ("network_traffic_tests.py::ObservedDataTestCases::test_network_traffic_socket_options#2", REF_UUID),
    ("network_traffic_tests.py::ObservedDataTestCases::test_wellformed_network_traffic#1", REF_UUID),
];

const REF_UUID: &str = "STIX 2.1 section 2.9: all identifiers MUST follow the form object-type--UUID where the UUID \
    MUST be an RFC 4122-compliant UUID (8-4-4-4-12 hex digits); section 6.12.1: src_ref is an identifier. The \
    src_ref 'ipv4-addr--e42c19c8-f9fe-5ae9-9fc8-22c398f78fb' has 11 hex digits in its last group, not 12";

/// The lowest agreement accepted: the honest figure (see the module documentation for why it is
/// below the 98% the issue asks for). Raise it when a disagreement is resolved.
const FLOOR: f64 = 97.0;

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
    let stix20 = o["version"].is_string() || reference_runs_stix20(&case["input"]);
    if stix20 || o["schema_dir"].is_string() || o["interop"] == true {
        return Class::Excluded;
    }
    if case["is_valid"] == true {
        return Class::Counted(Expect::Valid);
    }
    if must_messages(case).is_empty() { Class::ShouldOnly } else { Class::Counted(Expect::Invalid) }
}

/// The case's input as JSON (`validate_string` cases record the string they parsed).
fn parsed_input(input: &Value) -> Option<Value> {
    match input {
        Value::String(s) => serde_json::from_str(s).ok(),
        v => Some(v.clone()),
    }
}

/// Whether the reference's version detection validates some object of `input` as STIX 2.0 (rule 2):
/// it takes an object's own `spec_version`, a bundle's `spec_version` for all of the bundle's
/// objects when that is `2.0`, and treats a bundled object with `created` but no `spec_version`
/// as a STIX 2.0 object.
fn reference_runs_stix20(input: &Value) -> bool {
    let Some(value) = parsed_input(input) else { return false };
    let items = match &value {
        Value::Array(items) => items.iter().collect(),
        v => vec![v],
    };
    items.into_iter().any(|o| {
        let v20 = |o: &Value| o["spec_version"] == "2.0";
        if o["type"] != "bundle" {
            return v20(o);
        }
        let bundle20 = v20(o);
        o["objects"].as_array().into_iter().flatten().any(|x| {
            bundle20 || v20(x) || (x.get("spec_version").is_none() && x.get("created").is_some())
        })
    })
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
                let listed = DISAGREEMENTS.iter().any(|(c, _)| *c == name);
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
    println!("agree {agree}/{counted} = {pct:.1}% (every case whose reference verdict rests on MUST-level rules)");
    println!("disagreements, each listed with its STIX 2.1 clause: {}", counted - agree);
    println!("SHOULD-only cases (excluded from the figure) that tearline accepts: {should_only_accepted}/{should_only}");
    println!("recording defects excluded: {defects} of {} cases", cases.len());
    assert!(unexpected.is_empty(), "{} disagreement(s) not listed:\n{}", unexpected.len(), unexpected.join("\n"));
    assert_eq!(listed_found.len(), DISAGREEMENTS.len(), "a listed disagreement was not found in the corpus");
    assert!(pct >= FLOOR, "agreement {pct:.1}% is below {FLOOR}%");
}
