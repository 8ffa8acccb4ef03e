//! The marking algebra: parsing, combination, fail-closed cases.

use serde_json::json;
use tearline_policy::ids;
use tearline_policy::markings::{Caveats, Classification, Control, MarkingError, MarkingSet, Pap, Registry, Tlp, parse_definition};

use crate::common::*;

#[test]
fn portion_marks_parse() {
    let c = Caveats::parse_portion("(S//REL TO USA, SYR)").expect("parses");
    assert_eq!(c.classification, Some(Classification::Secret));
    assert_eq!(c.rel_to.as_ref().map(|r| r.len()), Some(2));
    assert_eq!(c.portion(), "S//REL TO SYR, USA");
    let c = Caveats::parse_portion("TS//OC/NF").expect("parses");
    assert!(c.controls.contains(&Control::Oc) && c.controls.contains(&Control::Nf));
    let c = Caveats::parse_portion("U//FOUO").expect("parses");
    assert!(c.controls.contains(&Control::Fouo));
    assert!(Caveats::parse_portion("S//NF/REL TO USA").is_err(), "NF and REL TO contradict");
    assert!(Caveats::parse_portion("S//REL TO US, SY").is_err(), "alpha-2 is not alpha-3");
    assert!(Caveats::parse_portion("S//REL TO XXX").is_err(), "unassigned code");
    assert!(Caveats::parse_portion("S//WHATEVER").is_err(), "unknown control");
    assert!(Caveats::parse_portion("SECRETISH").is_err(), "unknown classification");
}

#[test]
fn definitions_of_every_kind_parse() {
    let (_, m) = parse_definition(&caveat_def(1, "C//REL TO USA, GBR")).expect("caveats");
    assert!(matches!(m, tearline_policy::Marking::Caveats(_)));
    let (_, m) = parse_definition(&sp_def(2, 3)).expect("source protection");
    assert_eq!(m, tearline_policy::Marking::SourceProtection { level: 3, category: Some("sigint".into()) });
    let (_, m) = parse_definition(&statement_def(3, "Copyright 2025")).expect("statement");
    assert_eq!(m, tearline_policy::Marking::Statement("Copyright 2025".into()));
    let pap = json!({"type":"marking-definition","spec_version":"2.1","id":"marking-definition--60f8932b-e51e-4458-b265-a2e8be9a80ab","created":"2022-10-02T00:00:00.000Z","name":"PAP:AMBER",
        "extensions":{ids::PAP_EXTENSION:{"extension_type":"property-extension","pap":"amber"}}});
    assert_eq!(parse_definition(&pap).expect("pap").1, tearline_policy::Marking::Pap(Pap::Amber));
    let iep = json!({"type":"marking-definition","spec_version":"2.1","id":format!("marking-definition--{}", uuid(4)),"created":T0,
        "extensions":{ids::EXT_MARKINGS:{"extension_type":"property-extension","kind":"iep","iep":{
            "id":"5b8e9b5b-3c7a-4c1e-9a3e-0d6f1c2b3a4d","name":"CT sharing","description":"d","iep_version":"2.0","start_date":"2025-01-01T00:00:00Z","end_date":null,
            "encrypt_in_transit":"must","permitted_actions":"externally-visible-direct-actions","affected_party_notifications":"may","tlp":"amber",
            "attribution":"must-not","unmodified_resale":"must-not","external_references":[]}}}});
    let (_, m) = parse_definition(&iep).expect("iep");
    let tearline_policy::Marking::Iep(i) = m else { panic!("iep") };
    assert_eq!(i.tlp, Some(Tlp::Amber));
}

#[test]
fn unknown_malformed_and_contradictory_markings_fail_closed() {
    let mut reg = Registry::builtin();
    reg.add(&caveat_def(1, "S//NF"));
    reg.add(&caveat_def(2, "S//REL TO USA"));
    reg.add(&json!({"type":"marking-definition","spec_version":"2.1","id":format!("marking-definition--{}", uuid(3)),"created":T0,
        "extensions":{"extension-definition--11111111-1111-4111-8111-111111111111":{"extension_type":"property-extension","level":"secret-ish"}}}));
    let nf = format!("marking-definition--{}", uuid(1));
    let rel = format!("marking-definition--{}", uuid(2));
    let unknown_ext = format!("marking-definition--{}", uuid(3));
    assert!(matches!(MarkingSet::from_refs([ids::TLP2_GREEN, ids::TLP2_AMBER], &reg), Err(MarkingError::Contradiction(_))));
    assert!(matches!(MarkingSet::from_refs([ids::TLP1_AMBER, ids::TLP2_AMBER_STRICT], &reg), Err(MarkingError::Contradiction(_))));
    assert!(MarkingSet::from_refs([ids::TLP1_AMBER, ids::TLP2_AMBER], &reg).is_ok(), "the same level twice is no contradiction");
    assert!(matches!(MarkingSet::from_refs([nf.as_str(), rel.as_str()], &reg), Err(MarkingError::Contradiction(_))));
    assert!(matches!(MarkingSet::from_refs(["marking-definition--99999999-9999-4999-8999-999999999999"], &reg), Err(MarkingError::Unknown(_))));
    assert!(matches!(MarkingSet::from_refs([unknown_ext.as_str()], &reg), Err(MarkingError::Malformed { .. })));
}

#[test]
fn join_never_widens() {
    let mut reg = Registry::builtin();
    reg.add(&caveat_def(1, "C//REL TO USA, GBR, SYR"));
    reg.add(&caveat_def(2, "S//REL TO USA, SYR"));
    let a = MarkingSet::from_refs([ids::TLP2_GREEN, format!("marking-definition--{}", uuid(1)).as_str()], &reg).expect("a");
    let b = MarkingSet::from_refs([ids::TLP2_AMBER, format!("marking-definition--{}", uuid(2)).as_str()], &reg).expect("b");
    let j = a.join(&b).expect("join");
    assert_eq!(j.tlp, Some(Tlp::Amber));
    assert_eq!(j.classification, Some(Classification::Secret));
    assert_eq!(j.rel_to.expect("rel").iter().map(|c| c.as_str().to_owned()).collect::<Vec<_>>(), vec!["SYR", "USA"]);
}
