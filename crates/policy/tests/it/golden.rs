//! Golden tests: the exact OASIS marking ids and definitions, and tearline's fixed ids.

use serde_json::json;
use tearline_policy::ids;
use tearline_policy::markings::{Registry, Tlp, parse_definition};

#[test]
fn tlp2_ids_are_the_oasis_ones() {
    let expected = [
        ("TLP:CLEAR", "clear", "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"),
        ("TLP:GREEN", "green", "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"),
        ("TLP:AMBER", "amber", "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"),
        ("TLP:AMBER+STRICT", "amber+strict", "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"),
        ("TLP:RED", "red", "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"),
    ];
    let defs = ids::tlp2_definitions();
    assert_eq!(defs.len(), 5);
    for ((label, value, id), def) in expected.iter().zip(&defs) {
        let golden = json!({"type":"marking-definition","spec_version":"2.1","id":id,"created":"2022-10-01T00:00:00.000Z","name":label,
            "extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":value}}});
        assert_eq!(def, &golden);
        let t = Tlp::from_value(value).expect("level");
        assert_eq!(t.definition_id(), *id);
        assert_eq!(t.label(), *label);
        assert_eq!(parse_definition(def).expect("parses").1, tearline_policy::Marking::Tlp(t));
        assert!(tearline_stix::validate::validate_object(def).is_valid());
    }
}

#[test]
fn tlp1_maps_without_widening() {
    assert_eq!(Tlp::from_definition_id("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"), Some(Tlp::Clear));
    assert_eq!(Tlp::from_definition_id("marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"), Some(Tlp::Green));
    assert_eq!(Tlp::from_definition_id("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"), Some(Tlp::Amber));
    assert_eq!(Tlp::from_definition_id("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"), Some(Tlp::Red));
    // AMBER+STRICT has no 1.0 equivalent: downgrading for a 1.0 consumer goes to RED, never AMBER.
    assert_eq!(Tlp::AmberStrict.tlp1_definition_id(), ids::TLP1_RED);
    assert_ne!(Tlp::AmberStrict.tlp1_definition_id(), ids::TLP1_AMBER);
    for t in [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::AmberStrict, Tlp::Red] {
        let back = Tlp::from_definition_id(t.tlp1_definition_id()).expect("maps back");
        assert!(back >= t, "{t:?} widened to {back:?}");
    }
    let tlp1 = json!({"type":"marking-definition","spec_version":"2.1","id":ids::TLP1_AMBER,"created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","definition":{"tlp":"amber"}});
    assert_eq!(parse_definition(&tlp1).expect("parses").1, tearline_policy::Marking::Tlp(Tlp::Amber));
}

#[test]
fn a_tlp_definition_under_a_foreign_id_or_value_is_refused() {
    let wrong_id = json!({"type":"marking-definition","spec_version":"2.1","id":"marking-definition--00000000-0000-4000-8000-000000000001","created":"2022-10-01T00:00:00.000Z","name":"TLP:CLEAR",
        "extensions":{ids::TLP2_EXTENSION:{"extension_type":"property-extension","tlp_2_0":"clear"}}});
    assert!(parse_definition(&wrong_id).is_err());
    // A source that redefines TLP:RED's id as clear cannot widen it: built-ins win.
    let forged = json!({"type":"marking-definition","spec_version":"2.1","id":ids::TLP2_RED,"created":"2022-10-01T00:00:00.000Z","name":"TLP:CLEAR",
        "extensions":{ids::TLP2_EXTENSION:{"extension_type":"property-extension","tlp_2_0":"clear"}}});
    let mut reg = Registry::builtin();
    reg.add(&forged);
    assert_eq!(reg.get(ids::TLP2_RED).expect("known"), &tearline_policy::Marking::Tlp(Tlp::Red));
}

#[test]
fn tearline_fixed_ids_are_pinned_and_valid() {
    assert_eq!(ids::TEARLINE_IDENTITY, "identity--6abac6d4-2396-4e74-ba74-5f94f19c8203");
    assert_eq!(ids::EXT_MARKINGS, "extension-definition--0dbb22d3-b292-481e-a3cc-f94691c820e2");
    assert_eq!(ids::EXT_SOURCE_PROTECTION, "extension-definition--6d0b0ae0-11e7-4f8f-b13a-e82d608caad9");
    assert_eq!(ids::EXT_RELEASE_MANIFEST, "extension-definition--d193eec9-e53b-4871-aa96-94f34a2e494c");
    assert_eq!(ids::EXT_THREAT_ATTRIBUTES, "extension-definition--c14747dd-ac3f-4ce3-b3a4-c9e9ee6cefec");
    assert_eq!(ids::NO_ENDORSEMENT, "marking-definition--8eecf7ed-47e5-411e-869d-e17e89c2faf3");
    let all = ids::all_fixed_definitions();
    for d in &all {
        let v = tearline_stix::validate::validate_object(d);
        assert!(v.is_valid(), "{d}: {:?}", v.errors);
    }
    // The README documents every fixed id.
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/policy/README.md")).expect("README");
    for d in &all {
        let id = d["id"].as_str().expect("id");
        assert!(readme.contains(id), "data/policy/README.md does not document {id}");
    }
}
